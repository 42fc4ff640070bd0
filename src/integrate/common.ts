/**
 * Compatibility re-exports for code outside src/integrate that imported from here before the split (see
 * docs/integrators.md, "Structure"): `slabArray` lives in memory.ts, `DEFAULT_MAX_STEPS` in validate.ts.
 * @deprecated Import from those modules.
 */
export { slabArray } from './memory.ts';
export { DEFAULT_MAX_STEPS } from './validate.ts';
