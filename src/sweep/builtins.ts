/**
 * The built-in registrations, in the order messages and docs list them: parameters, measures, then the
 * engines `endstate`, `reduced`, `network`. Imported for its side effects by every sweep module that reads
 * the registry; registering loads no model code (each engine's `load` does, on first use).
 */
import './parameters.ts';
import './measure.ts';
import './engines/endstate.ts';
import './engines/reduced.ts';
import './engines/network.ts';
import './engines/routing.ts';
import './engines/twolayer.ts';
