/**
 * The sweep modules, loaded when a sweep command runs: plotting pulls in Vega, and the sweep's registrations
 * and engines are worth loading only for a sweep, so other `dln` commands start faster.
 */
export async function sweepModules() {
  const [runner, spec, store, merge] = await Promise.all([
    import('../../sweep/runner.ts'),
    import('../../sweep/spec.ts'),
    import('../../sweep/store.ts'),
    import('../../sweep/merge.ts'),
  ]);
  return { ...runner, ...spec, ...store, ...merge };
}
