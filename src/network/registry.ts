/**
 * The engines `createEngine` chooses from: each registration says which `kernels` option selects it, which
 * nonlinearities it trains, in which arithmetic (`precisions`, default float64) and, optionally, which update
 * rules it can train (`accepts`). The newest
 * registration for a (kernels, nonlinearity) pair that accepts the rule is chosen, so a faster engine can take
 * over a pair without touching the others, and an engine for the rules another one lacks (a gated linear
 * network has no thin-product form) is added beside it, not through a switch in createEngine. The built-in
 * engines are registered by engine.ts (importing it, or anything that imports it, is enough).
 */
import { ValidationError } from '../util/errors.ts';
import type { Engine, EngineOptions, Precision } from './engine.ts';
import type { Network, Nonlinearity } from './network.ts';
import type { UpdateRule } from './rule.ts';
import type { Task } from './task.ts';

export interface EngineRegistration {
  /** For messages and reports, e.g. "thin products (WebAssembly SIMD where possible)". */
  readonly name: string;
  /** The values of `EngineOptions.kernels` (and of a spec's `"kernels"`) that select this engine. */
  readonly kernels: readonly string[];
  readonly nonlinearities: readonly Nonlinearity[];
  /** The arithmetic of its training steps; absent: float64 only. */
  readonly precisions?: readonly Precision[];
  /** Whether it can train this rule; absent: every rule (a rule it lacks a form for is then its error). */
  accepts?(rule: UpdateRule): boolean;
  create(network: Network, task: Task, options: EngineOptions): Engine;
}

/** Per (kernels, nonlinearity, precision): the registrations, oldest first. */
const table = new Map<string, EngineRegistration[]>();
const kernelNames: string[] = [];
const key = (kernels: string, nonlinearity: string, precision: Precision): string => `${kernels}\u0000${nonlinearity}\u0000${precision}`;
const precisionsOf = (r: EngineRegistration): readonly Precision[] => r.precisions ?? ['float64'];

/**
 * Adds an engine for its (kernels, nonlinearity) pairs; returns a function that undoes exactly this
 * registration (restoring what it shadowed), e.g. for a test.
 */
export function registerEngine(registration: EngineRegistration): () => void {
  if (registration.kernels.length === 0 || registration.nonlinearities.length === 0 || precisionsOf(registration).length === 0) {
    throw new ValidationError('registration', registration.name, 'at least one kernels value, one nonlinearity and one precision');
  }
  const addedNames: string[] = [];
  for (const k of registration.kernels) {
    if (!kernelNames.includes(k)) {
      kernelNames.push(k);
      addedNames.push(k);
    }
    for (const n of registration.nonlinearities) {
      for (const p of precisionsOf(registration)) {
        const list = table.get(key(k, n, p)) ?? [];
        list.push(registration);
        table.set(key(k, n, p), list);
      }
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
 * The newest registration for (kernels, nonlinearity, precision) that accepts `rule` (any, when no rule is
 * given; when none accepts it, the newest one, whose rule-form check names what is missing), or a
 * ValidationError naming the field at fault.
 */
export function findEngine(kernels: string, nonlinearity: string, rule?: UpdateRule, precision: Precision = 'float64'): EngineRegistration {
  if (!kernelNames.includes(kernels)) {
    throw new ValidationError('kernels', kernels, `one of ${kernelNames.map((k) => JSON.stringify(k)).join(', ')}`);
  }
  const parts = [...table.keys()].map((k) => k.split('\u0000') as [string, string, Precision]);
  const list = table.get(key(kernels, nonlinearity, precision));
  if (list === undefined) {
    const quoted = (xs: readonly string[]): string => [...new Set(xs)].map((x) => JSON.stringify(x)).join(', ');
    const nonlinearities = parts.filter(([k]) => k === kernels).map(([, n]) => n);
    if (!nonlinearities.includes(nonlinearity)) {
      throw new ValidationError('nonlinearity', nonlinearity, `with kernels "${kernels}": one of ${quoted(nonlinearities)}`);
    }
    // The pair exists in another precision: say which precisions it has, and where the asked one exists.
    const here = parts.filter(([k, n]) => k === kernels && n === nonlinearity).map(([, , p]) => p);
    const elsewhere = parts.filter(([, , p]) => p === precision).map(([k, n]) => `kernels "${k}" with nonlinearity "${n}"`);
    throw new ValidationError(
      'precision',
      precision,
      `with kernels "${kernels}" and nonlinearity "${nonlinearity}": ${quoted(here)}` +
        (elsewhere.length > 0 ? ` (${precision} engines: ${[...new Set(elsewhere)].join('; ')})` : ` (no ${precision} engine is registered)`),
    );
  }
  if (rule !== undefined) {
    for (let i = list.length - 1; i >= 0; i--) {
      const r = list[i]!;
      if (r.accepts === undefined || r.accepts(rule)) return r;
    }
  }
  return list[list.length - 1]!;
}
