/**
 * Hostile inputs for the fuzz specs and bench/fuzz/run.ts: a valid input with one to three mutations, each at
 * a path drawn from the input's own structure (so nested fields such as init.q[1][0] are reached), replacing
 * a value, deleting it, punching a hole, or adding an unknown or prototype key.
 */
import fc from 'fast-check';
import { parseSolveOptions } from '../../src/reduced/problem.ts';

type Path = (string | number)[];

/** Values this module planted: never walked or cloned (Proxies throw, 10⁶-element arrays are slow). */
const planted = new WeakSet<object>();
function plant<T>(make: () => T): fc.Arbitrary<T> {
  return fc.constant(null).map(() => {
    const v = make();
    planted.add(v as object);
    return v;
  });
}

function paths(value: unknown, prefix: Path = [], out: Path[] = []): Path[] {
  out.push(prefix);
  // Only the input's own structure (at most a few hundred nodes); a planted hostile value is a leaf.
  if (planted.has(value as object) || out.length > 500) return out;
  if (Array.isArray(value)) value.forEach((v, i) => paths(v, [...prefix, i], out));
  else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) paths(v, [...prefix, k], out);
  }
  return out;
}

function nest(depth: number): unknown {
  let v: unknown = 1;
  for (let i = 0; i < depth; i++) v = [v];
  return v;
}

function throwingProxy(): unknown {
  return new Proxy(
    {},
    {
      ownKeys() {
        throw new TypeError('hostile ownKeys');
      },
      // (no `has` trap: fast-check asks `cloneMethod in value` of every generated value)
      get(target, key) {
        if (typeof key === 'symbol') return undefined;
        throw new TypeError('hostile get');
      },
    },
  );
}

function throwingArrayProxy(): unknown {
  return new Proxy([1, 2], {
    get(target, key) {
      if (key === 'length') return 2;
      if (typeof key === 'string' && /^\d+$/.test(key)) throw new TypeError('hostile index');
      return Reflect.get(target, key);
    },
  });
}

function throwingGetter(): unknown {
  return Object.defineProperty({}, 'q', {
    enumerable: true,
    get() {
      throw new TypeError('hostile getter');
    },
  });
}

/** Replacement values: extremes, wrong types, near misses of JSON's data model, and huge sizes. */
const leaf: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>(
    Number.NaN,
    Infinity,
    -Infinity,
    -0,
    0,
    1e308,
    -1e308,
    1e-308,
    5e-324,
    2 ** 53,
    -1,
    0.5,
    1001,
    '1',
    '',
    true,
    null,
    undefined,
    [],
    {},
    [[]],
    [null],
    1n,
  ),
  fc.double(),
  fc.integer({ min: -5, max: 5 }),
  fc.string({ maxLength: 8 }),
  fc.constantFrom('auto', 'dop853', 'gd', 'reduced', 'log', 'gaussian', 'winnerShare'),
  plant(() => nest(5000)),
  plant(() => new Float64Array([1, 2])),
  plant(() => new Date(0)),
  plant(() => Object.create({ q: [[1]] }) as unknown),
  plant(() => JSON.parse('{"__proto__": {"q": [[1]]}}') as unknown),
  // eslint-disable-next-line no-sparse-arrays
  plant(() => [1, , 3]),
  plant(throwingProxy),
  plant(throwingArrayProxy),
  plant(throwingGetter),
  plant(() => new Array(1e6)),
  plant(() => new Array(2e4).fill(1)),
  plant(() => Array.from({ length: 3000 }, (_, i) => i + 1)),
);

type Mutation = { kind: 'set' | 'delete' | 'hole' | 'key'; pick: number; value: unknown; key: string };

const mutation: fc.Arbitrary<Mutation> = fc.record({
  kind: fc.constantFrom('set', 'set', 'set', 'delete', 'hole', 'key'),
  pick: fc.nat(),
  value: leaf,
  key: fc.constantFrom('__proto__', 'constructor', 'toString', 'extra', 'q', 'solver', 'valueOf'),
});

/** A shared constant leaf ([], {}, [1, , 3]) copied, so a later mutation cannot change it for other runs. */
function fresh(value: unknown): unknown {
  if (value === null || typeof value !== 'object' || planted.has(value)) return value;
  return structuredClone(value);
}

function apply(root: { v: unknown }, m0: Mutation): void {
  const m = { ...m0, value: fresh(m0.value) };
  const all = paths(root.v);
  const path = all[m.pick % all.length]!;
  let parent: Record<string | number, unknown> = root as Record<string, unknown>;
  let key: string | number = 'v';
  for (const step of path) {
    parent = parent[key] as Record<string | number, unknown>;
    key = step;
  }
  const target = parent[key];
  switch (m.kind) {
    case 'set':
      parent[key] = m.value;
      break;
    case 'delete':
      if (Array.isArray(parent) || typeof parent === 'object') delete parent[key];
      break;
    case 'hole':
      if (Array.isArray(target) && target.length > 0) delete target[m.pick % target.length];
      else parent[key] = m.value;
      break;
    case 'key':
      if (target !== null && typeof target === 'object' && !Array.isArray(target)) {
        // defineProperty: an own `__proto__` data key, as JSON.parse makes it.
        try {
          Object.defineProperty(target, m.key, { value: m.value, enumerable: true, configurable: true, writable: true });
        } catch {
          // a planted getter's own key is not configurable: leave that object as it is
        }
      } else parent[key] = m.value;
      break;
  }
}

/** The base input with one to three mutations. */
export function hostileInput(base: unknown): fc.Arbitrary<unknown> {
  return fc.array(mutation, { minLength: 1, maxLength: 3 }).map((ms) => {
    const root = { v: structuredClone(base) };
    for (const m of ms) apply(root, m);
    return root.v;
  });
}

/** Every number in a result (arrays and plain objects, walked iteratively) is finite. */
export function allFinite(value: unknown): boolean {
  const stack: unknown[] = [value];
  while (stack.length) {
    const v = stack.pop();
    if (typeof v === 'number' && !Number.isFinite(v)) return false;
    if (Array.isArray(v) || ArrayBuffer.isView(v)) for (const x of Array.from(v as ArrayLike<unknown>)) stack.push(x);
    else if (v !== null && typeof v === 'object') for (const x of Object.values(v)) stack.push(x);
  }
  return true;
}

export interface KnownFailure {
  readonly entry: string;
  /** What goes wrong, and where the fix belongs. */
  readonly symptom: string;
  readonly matches: (input: unknown) => boolean;
}

/**
 * Bugs outside the fuzz's own files, skipped so the suite stays green; the lead empties this list as the
 * fixes land (each entry says which).
 */
export const KNOWN_FAILURES: readonly KnownFailure[] = [];

/** Whether `value` is one of the generator's planted hostile values (Proxies, getters, huge arrays…). */
export function isPlanted(value: unknown): boolean {
  return value !== null && typeof value === 'object' && planted.has(value);
}
