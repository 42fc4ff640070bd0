/**
 * Seeded random numbers that are identical on every machine.
 *
 * xoshiro128** uses only 32-bit integer arithmetic (Math.imul, shifts), which JavaScript defines exactly, and
 * splitmix32 expands the seed. Gaussians use the Marsaglia polar method, which needs only sqrt and log;
 * V8 computes Math.log with a port of fdlibm on every platform, so the draws are bit-identical across machines
 * running Node. The seed may be any safe integer (negative included).
 */

export interface Random {
  /** Uniform on [0, 1) with 53 random bits. */
  uniform(): number;
  /** Standard normal N(0, 1). */
  normal(): number;
  /** Uniform integer in [lo, hi] inclusive. */
  integer(lo: number, hi: number): number;
}

function splitmix32(state: { s: number }): number {
  state.s = (state.s + 0x9e3779b9) | 0;
  let z = state.s;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

export function createRandom(seed: number): Random {
  if (!Number.isSafeInteger(seed)) {
    throw new RangeError(`seed: got ${String(seed)}; allowed: a safe integer`);
  }
  // Fold both 32-bit halves of the seed in, so seeds that differ only above bit 32 give different streams.
  const hi = Math.floor(seed / 4294967296) | 0;
  const mix = { s: (seed | 0) ^ Math.imul(hi, 0x27d4eb2d) };
  let s0 = splitmix32(mix);
  let s1 = splitmix32(mix);
  let s2 = splitmix32(mix);
  let s3 = splitmix32(mix);
  if ((s0 | s1 | s2 | s3) === 0) s0 = 1;

  const next32 = (): number => {
    const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
    const t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = rotl(s3, 11);
    return result;
  };

  let spare: number | undefined;
  const uniform = (): number => {
    const a = next32() >>> 5; // 27 bits
    const b = next32() >>> 6; // 26 bits
    return (a * 67108864 + b) / 9007199254740992;
  };
  return {
    uniform,
    normal(): number {
      if (spare !== undefined) {
        const v = spare;
        spare = undefined;
        return v;
      }
      let u: number;
      let v: number;
      let s: number;
      do {
        u = 2 * uniform() - 1;
        v = 2 * uniform() - 1;
        s = u * u + v * v;
      } while (s >= 1 || s === 0);
      const f = Math.sqrt((-2 * Math.log(s)) / s);
      spare = v * f;
      return u * f;
    },
    integer(lo: number, hi: number): number {
      return lo + Math.floor(uniform() * (hi - lo + 1));
    },
  };
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
