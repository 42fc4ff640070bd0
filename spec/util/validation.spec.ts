import { expect } from 'chai';
import fc from 'fast-check';
import { describe as describeValue, ValidationError } from '../../src/util/errors.ts';
import {
  expectArray,
  expectNumber,
  expectNumberArray,
  expectRecord,
  isRecord,
  rejectUnknownKeys,
} from '../../src/util/validation.ts';

const SEED = 20261303;

function nested(depth: number, leaf: unknown): unknown {
  let v: unknown = leaf;
  for (let i = 0; i < depth; i++) v = [v];
  return v;
}

function nestedObject(depth: number): unknown {
  let v: unknown = 1;
  for (let i = 0; i < depth; i++) v = { a: v };
  return v;
}

function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (err) {
    return err;
  }
  return undefined;
}

describe('util/validation: the boundary helpers', () => {
  describe('describe (error-message formatting)', () => {
    it('never throws and stays short on deep nesting, cycles, BigInt, symbols and hostile Proxies', () => {
      const cyclic: Record<string, unknown> = {};
      cyclic['self'] = cyclic;
      const cyclicArr: unknown[] = [];
      cyclicArr.push(cyclicArr);
      const hostile = new Proxy(
        {},
        {
          getPrototypeOf() {
            throw new Error('trap');
          },
          ownKeys() {
            throw new Error('trap');
          },
        },
      );
      const getter = Object.defineProperty({}, 'x', {
        enumerable: true,
        get() {
          throw new Error('getter');
        },
      });
      const values: unknown[] = [
        nested(5000, 1),
        nestedObject(5000),
        cyclic,
        cyclicArr,
        10n ** 400n,
        Symbol('s'),
        hostile,
        getter,
        'x'.repeat(1e6),
        new Array(1e6),
      ];
      for (const v of values) {
        const text = describeValue(v);
        expect(text).to.be.a('string');
        // DESCRIBE_LIMIT is 80 characters: the message must not grow with the input.
        expect(text.length).to.be.at.most(80);
      }
    });

    it('tells NaN, -0, missing and strings apart', () => {
      expect(describeValue(Number.NaN)).to.equal('NaN');
      expect(describeValue(-0)).to.equal('-0');
      expect(describeValue(undefined)).to.equal('nothing (missing)');
      expect(describeValue('1')).to.equal('"1"');
    });

    it('bounds the ValidationError message whatever the field path and value (property)', () => {
      fc.assert(
        fc.property(fc.string({ maxLength: 2000 }), fc.anything(), fc.string({ maxLength: 2000 }), (f, v, allowed) => {
          const err = new ValidationError(f, v, allowed);
          // FIELD_LIMIT 160 + DESCRIBE_LIMIT 80 + ALLOWED_LIMIT 240 + the fixed words.
          expect(err.message.length).to.be.at.most(160 + 80 + 240 + 30);
          expect(err.field).to.equal(f);
        }),
        { seed: SEED, numRuns: 500 },
      );
    });
  });

  describe('expectRecord', () => {
    it('refuses arrays, null, class instances and typed arrays, naming the field', () => {
      for (const v of [null, [], new Date(0), new Map(), 1, 'x', new Float64Array(2)]) {
        const err = thrown(() => expectRecord(v, 'init.wideGaussian'));
        expect(err).to.be.instanceOf(ValidationError);
        expect((err as ValidationError).field).to.equal('init.wideGaussian');
      }
      const typed = thrown(() => expectRecord(new Float64Array(2), 'x')) as ValidationError;
      expect(typed.allowed).to.contain('Array.from');
    });

    it('accepts null-prototype objects and never reads inherited keys', () => {
      const bare = Object.create(null) as Record<string, unknown>;
      bare['q'] = 1;
      expect(expectRecord(bare, 'x')['q']).to.equal(1);
      // An object inheriting from a non-plain prototype is not a plain object at all.
      expect(thrown(() => expectRecord(Object.create({ q: [[1]] }), 'init'))).to.be.instanceOf(ValidationError);
    });

    it('treats __proto__ and constructor as ordinary keys, caught by rejectUnknownKeys', () => {
      const parsed = JSON.parse('{"__proto__": {"q": 1}, "a": 2}') as unknown;
      const snap = expectRecord(parsed, 'init');
      expect(Object.getPrototypeOf(snap)).to.equal(null);
      expect(snap['q']).to.equal(undefined);
      const err = thrown(() => rejectUnknownKeys(snap, ['a'], 'init')) as ValidationError;
      expect(err).to.be.instanceOf(ValidationError);
      expect(err.field).to.equal('init.__proto__');
      const ctor = thrown(() => rejectUnknownKeys(expectRecord({ constructor: 1 }, 's'), ['a'], 's')) as ValidationError;
      expect(ctor.field).to.equal('s.constructor');
    });

    it('reads a getter once, and refuses a throwing getter or Proxy as unreadable', () => {
      let reads = 0;
      const once = Object.defineProperty({}, 'x', {
        enumerable: true,
        get() {
          reads++;
          return reads;
        },
      });
      const snap = expectRecord(once, 'o');
      expect(snap['x']).to.equal(1);
      expect(snap['x']).to.equal(1);
      expect(reads).to.equal(1);
      const throwing = Object.defineProperty({}, 'x', {
        enumerable: true,
        get() {
          throw new TypeError('boom');
        },
      });
      expect(thrown(() => expectRecord(throwing, 'o'))).to.be.instanceOf(ValidationError);
      const proxy = new Proxy(
        {},
        {
          ownKeys() {
            throw new TypeError('trap');
          },
        },
      );
      expect(thrown(() => expectRecord(proxy, 'o'))).to.be.instanceOf(ValidationError);
      const protoTrap = new Proxy(
        {},
        {
          getPrototypeOf() {
            throw new TypeError('trap');
          },
        },
      );
      expect(isRecord(protoTrap)).to.equal(false);
      expect(thrown(() => expectRecord(protoTrap, 'o'))).to.be.instanceOf(ValidationError);
    });
  });

  describe('expectArray / expectNumberArray', () => {
    it('names the index of a hole or an explicit undefined (property over positions)', () => {
      fc.assert(
        fc.property(fc.integer({ min: 1, max: 50 }), fc.nat(), fc.boolean(), (n, k, explicit) => {
          const i = k % n;
          const arr: unknown[] = new Array(n).fill(1);
          if (explicit) arr[i] = undefined;
          else delete arr[i];
          const err = thrown(() => expectNumberArray(arr, 'init.q[0]')) as ValidationError;
          expect(err).to.be.instanceOf(ValidationError);
          expect(err.field).to.equal(`init.q[0][${i}]`);
        }),
        { seed: SEED, numRuns: 300 },
      );
    });

    it('refuses typed arrays with the Array.from hint, and array-likes', () => {
      const err = thrown(() => expectNumberArray(new Float64Array([1, 2]), 'times')) as ValidationError;
      expect(err).to.be.instanceOf(ValidationError);
      expect(err.field).to.equal('times');
      expect(err.allowed).to.contain('Array.from');
      expect(thrown(() => expectArray({ length: 1, 0: 1 }, 'times'))).to.be.instanceOf(ValidationError);
      class Sub extends Array<number> {}
      expect(thrown(() => expectArray(Sub.from([1]), 'times'))).to.be.instanceOf(ValidationError);
    });

    it('returns a snapshot: later changes to the input do not reach the checked copy', () => {
      const input = [1, 2, 3];
      const out = expectNumberArray(input, 'x');
      input[0] = Number.NaN;
      expect(out).to.deep.equal([1, 2, 3]);
    });

    it('refuses a length mismatch naming field.length', () => {
      const err = thrown(() => expectArray([1, 2], 'init.p', 3)) as ValidationError;
      expect(err.field).to.equal('init.p.length');
      expect(err.value).to.equal(2);
    });

    it('never overflows the stack on arrays nested 5000 deep (property over depth)', () => {
      fc.assert(
        fc.property(fc.integer({ min: 1, max: 5000 }), (depth) => {
          const err = thrown(() => expectNumberArray(nested(depth, 1), 'times'));
          expect(err).to.be.instanceOf(ValidationError);
        }),
        { seed: SEED, numRuns: 50 },
      );
    });
  });

  describe('expectNumber', () => {
    it('accepts only finite numbers; refuses strings, booleans, BigInt, NaN and ±Infinity', () => {
      for (const v of ['1', true, 1n, Number.NaN, Infinity, -Infinity, null, undefined, [1], { valueOf: () => 1 }]) {
        const err = thrown(() => expectNumber(v, 'tau'));
        expect(err, String(typeof v)).to.be.instanceOf(ValidationError);
        expect((err as ValidationError).field).to.equal('tau');
      }
    });

    it('reads -0 as 0, in scalars and arrays', () => {
      expect(Object.is(expectNumber(-0, 'x'), 0)).to.equal(true);
      expect(Object.is(expectNumberArray([-0], 'x')[0], 0)).to.equal(true);
    });

    it('integer fields are safe integers: 2^53 is refused, 2^53 − 1 accepted', () => {
      expect(expectNumber(Number.MAX_SAFE_INTEGER, 'seed', { integer: true })).to.equal(Number.MAX_SAFE_INTEGER);
      expect(thrown(() => expectNumber(2 ** 53, 'seed', { integer: true }))).to.be.instanceOf(ValidationError);
      expect(thrown(() => expectNumber(1.5, 'seed', { integer: true }))).to.be.instanceOf(ValidationError);
    });

    it('enforces every bound, inclusive and exclusive (property)', () => {
      fc.assert(
        fc.property(fc.double({ noNaN: true }), (v) => {
          const rule = { exclusiveMin: 0, max: 1 };
          const ok = Number.isFinite(v) && v > 0 && v <= 1;
          const err = thrown(() => expectNumber(v, 'f', rule));
          expect(err === undefined).to.equal(ok);
          if (!ok) expect(err).to.be.instanceOf(ValidationError);
        }),
        { seed: SEED, numRuns: 1000 },
      );
    });
  });
});
