// Entry of a sweep worker thread. Worker threads inherit `--import tsx` when the process was started with it,
// but not a loader registered through tsx's API (bin/dln.js), so register it here; a second registration is
// harmless. Then load the TypeScript worker.
import { register } from 'tsx/esm/api';

register();
await import('./worker.ts');
