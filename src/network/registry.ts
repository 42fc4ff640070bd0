/**
 * The engines `createEngine` chooses from: each registration says which `kernels` option selects it and which
 * nonlinearities it trains. A later registration for the same (kernels, nonlinearity) replaces an earlier one,
 * so a faster engine can take over a pair without touching the others. The built-in engines are registered
 * by engine.ts (importing it, or anything that imports it, is enough).
 */
import { ValidationError } from '../util/errors.ts';
import type { Engine, EngineOptions } from './engine.ts';
import type { Network, Nonlinearity } from './network.ts';
import type { Task } from './task.ts';

export interface EngineRegistration {
  /** For messages and reports, e.g. "thin products (WebAssembly SIMD where possible)". */
  readonly name: string;
  /** The values of `EngineOptions.kernels` (and of a spec's `"kernels"`) that select this engine. */
  readonly kernels: readonly string[];
  readonly nonlinearities: readonly Nonlinearity[];
  create(network: Network, task: Task, options: EngineOptions): Engine;
}

const table = new Map<string, EngineRegistration>();
const kernelNames: string[] = [];
const key = (kernels: string, nonlinearity: string): string => `${kernels}\u0000${nonlinearity}`;

/**
 * Adds an engine for its (kernels, nonlinearity) pairs; returns a function that undoes exactly this
 * registration (restoring what it replaced), e.g. for a test.
 */
export function registerEngine(registration: EngineRegistration): () => void {
  if (registration.kernels.length === 0 || registration.nonlinearities.length === 0) {
    throw new ValidationError('registration', registration.name, 'at least one kernels value and one nonlinearity');
  }
  const replaced = new Map<string, EngineRegistration | undefined>();
  const addedNames: string[] = [];
  for (const k of registration.kernels) {
    if (!kernelNames.includes(k)) {
      kernelNames.push(k);
      addedNames.push(k);
    }
    for (const n of registration.nonlinearities) {
      replaced.set(key(k, n), table.get(key(k, n)));
      table.set(key(k, n), registration);
    }
  }
  return () => {
    for (const [k, previous] of replaced) {
      if (table.get(k) !== registration) continue;
      if (previous === undefined) table.delete(k);
      else table.set(k, previous);
    }
    for (const name of addedNames) {
      if (![...table.keys()].some((k) => k.startsWith(`${name}\u0000`))) kernelNames.splice(kernelNames.indexOf(name), 1);
    }
  };
}

/** Every registered `kernels` value, in registration order. */
export function kernelChoices(): string[] {
  return [...kernelNames];
}

/** The registration for (kernels, nonlinearity), or a ValidationError naming the field at fault. */
export function findEngine(kernels: string, nonlinearity: string): EngineRegistration {
  if (!kernelNames.includes(kernels)) {
    throw new ValidationError('kernels', kernels, `one of ${kernelNames.map((k) => JSON.stringify(k)).join(', ')}`);
  }
  const found = table.get(key(kernels, nonlinearity));
  if (found === undefined) {
    const prefix = `${kernels}\u0000`;
    const supported = [...table.keys()].filter((k) => k.startsWith(prefix)).map((k) => k.slice(prefix.length));
    throw new ValidationError('nonlinearity', nonlinearity, `with kernels "${kernels}": one of ${supported.map((n) => JSON.stringify(n)).join(', ')}`);
  }
  return found;
}
