/**
 * The engines `createEngine` chooses from: each registration says which `kernels` option selects it, which
 * nonlinearities it trains and, optionally, which update rules it can train (`accepts`). The newest
 * registration for a (kernels, nonlinearity) pair that accepts the rule is chosen, so a faster engine can take
 * over a pair without touching the others, and an engine for the rules another one lacks (a gated linear
 * network has no thin-product form) is added beside it, not through a switch in createEngine. The built-in
 * engines are registered by engine.ts (importing it, or anything that imports it, is enough).
 */
import { ValidationError } from '../util/errors.ts';
import type { Engine, EngineOptions } from './engine.ts';
import type { Network, Nonlinearity } from './network.ts';
import type { UpdateRule } from './rule.ts';
import type { Task } from './task.ts';

export interface EngineRegistration {
  /** For messages and reports, e.g. "thin products (WebAssembly SIMD where possible)". */
  readonly name: string;
  /** The values of `EngineOptions.kernels` (and of a spec's `"kernels"`) that select this engine. */
  readonly kernels: readonly string[];
  readonly nonlinearities: readonly Nonlinearity[];
  /** Whether it can train this rule; absent: every rule (a rule it lacks a form for is then its error). */
  accepts?(rule: UpdateRule): boolean;
  create(network: Network, task: Task, options: EngineOptions): Engine;
}

/** Per (kernels, nonlinearity): the registrations, oldest first. */
const table = new Map<string, EngineRegistration[]>();
const kernelNames: string[] = [];
const key = (kernels: string, nonlinearity: string): string => `${kernels}\u0000${nonlinearity}`;

/**
 * Adds an engine for its (kernels, nonlinearity) pairs; returns a function that undoes exactly this
 * registration (restoring what it shadowed), e.g. for a test.
 */
export function registerEngine(registration: EngineRegistration): () => void {
  if (registration.kernels.length === 0 || registration.nonlinearities.length === 0) {
    throw new ValidationError('registration', registration.name, 'at least one kernels value and one nonlinearity');
  }
  const addedNames: string[] = [];
  for (const k of registration.kernels) {
    if (!kernelNames.includes(k)) {
      kernelNames.push(k);
      addedNames.push(k);
    }
    for (const n of registration.nonlinearities) {
      const list = table.get(key(k, n)) ?? [];
      list.push(registration);
      table.set(key(k, n), list);
    }
  }
  return () => {
    for (const [k, list] of table) {
      const at = list.lastIndexOf(registration);
      if (at < 0) continue;
      list.splice(at, 1);
      if (list.length === 0) table.delete(k);
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

/**
 * The newest registration for (kernels, nonlinearity) that accepts `rule` (any, when no rule is given; when
 * none accepts it, the newest one, whose rule-form check names what is missing), or a ValidationError naming
 * the field at fault.
 */
export function findEngine(kernels: string, nonlinearity: string, rule?: UpdateRule): EngineRegistration {
  if (!kernelNames.includes(kernels)) {
    throw new ValidationError('kernels', kernels, `one of ${kernelNames.map((k) => JSON.stringify(k)).join(', ')}`);
  }
  const list = table.get(key(kernels, nonlinearity));
  if (list === undefined) {
    const prefix = `${kernels}\u0000`;
    const supported = [...table.keys()].filter((k) => k.startsWith(prefix)).map((k) => k.slice(prefix.length));
    throw new ValidationError('nonlinearity', nonlinearity, `with kernels "${kernels}": one of ${supported.map((n) => JSON.stringify(n)).join(', ')}`);
  }
  if (rule !== undefined) {
    for (let i = list.length - 1; i >= 0; i--) {
      const r = list[i]!;
      if (r.accepts === undefined || r.accepts(rule)) return r;
    }
  }
  return list[list.length - 1]!;
}
