/** The entry points bench/fuzz/run.ts feeds: the spec's list (spec/fuzz/entries.ts), one list for both. */
export { ENTRIES, REDUCED, SWEEP, SIMULATION, type Entry } from '../../spec/fuzz/entries.ts';
