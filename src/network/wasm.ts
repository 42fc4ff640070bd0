/**
 * The step kernels as WebAssembly SIMD, generated per thin dimension k (1 … 16) and per lane type: f64x2 for
 * the float64 engines, f32x4 for the float32 one (engine-f32.ts). The loops are written once against a
 * `Lanes` tableau (opcodes, element size, lanes per vector); every vector is 16 bytes in both.
 *
 * JavaScript has no SIMD and V8 does not vectorise, so the unrolled kernels of kernels.ts run at one
 * multiply-add per instruction pair. Two lanes per instruction roughly halve that. The module is assembled
 * here byte by byte (a few dozen opcodes), compiled synchronously, and works on one WebAssembly.Memory that
 * holds every buffer of a LinearEngine, so no data is copied in or out of the kernels.
 *
 * With L lanes (2 or 4): the prefix kernel runs L thin columns per vector (the last k mod L in scalars); the
 * update and the suffix kernels run L wide columns j … j+L−1 per vector (the last n mod L in scalars) and work
 * for any k; backwardT (the float32 engine's backpropagation) runs L thin columns per vector like the prefix.
 *
 * Layouts: the update needs Bᵀ and the suffix product writes its output in a panel layout — element (j, l)
 * of an n×k block at [(j / L)·Lk + Ll + (j mod L)], the "pair panel" for f64x2, the "quad panel" for f32x4 —
 * so that the lanes of a vector are L consecutive columns and every load sits at a compile-time offset.
 * `toPanel` / `fromPanelTransposed` (f64) and `toQuadPanel` (f32) convert (O(n k), negligible next to the
 * O(N² k) kernels).
 */

// ---------------------------------------------------------------------------------------------------------
// A minimal assembler.

const I32 = 0x7f;
const F64 = 0x7c;
const F32 = 0x7d;
const V128 = 0x7b;
/** Bytes per vector: 2 doubles or 4 floats. */
const VEC = 16;

/** What differs between f64x2 and f32x4 kernels: the scalar type, its opcodes and the SIMD opcodes. */
export interface Lanes {
  readonly name: 'f64x2' | 'f32x4';
  /** Elements per vector. */
  readonly lanes: number;
  /** Bytes per element. */
  readonly bytes: number;
  /** The scalar value type (locals, η). */
  readonly scalar: number;
  /** Scalar load / store (with their alignment exponent), mul, add, and `const 0` with its immediate. */
  readonly load: number;
  readonly store: number;
  readonly align: number;
  readonly mul: number;
  readonly add: number;
  readonly zero: readonly number[];
  /** SIMD sub-opcodes (after 0xfd): splat, extract_lane, add, mul. */
  readonly splat: number;
  readonly extract: number;
  readonly vadd: number;
  readonly vmul: number;
}

export const F64X2: Lanes = {
  name: 'f64x2', lanes: 2, bytes: 8, scalar: F64,
  load: 0x2b, store: 0x39, align: 3, mul: 0xa2, add: 0xa0, zero: [0x44, 0, 0, 0, 0, 0, 0, 0, 0],
  splat: 0x14, extract: 0x21, vadd: 0xf0, vmul: 0xf2,
};

export const F32X4: Lanes = {
  name: 'f32x4', lanes: 4, bytes: 4, scalar: F32,
  load: 0x2a, store: 0x38, align: 2, mul: 0x94, add: 0x92, zero: [0x43, 0, 0, 0, 0],
  splat: 0x13, extract: 0x1f, vadd: 0xe4, vmul: 0xe6,
};

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

function section(id: number, body: number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}

function vector(items: number[][]): number[] {
  return [...uleb(items.length), ...items.flat()];
}

/** Instruction emitter for one function body; locals are declared up front by type. */
class Body {
  readonly code: number[] = [];
  private readonly localTypes: number[] = [];
  constructor(
    private readonly params: number,
    readonly t: Lanes,
  ) {}

  local(type: number): number {
    this.localTypes.push(type);
    return this.params + this.localTypes.length - 1;
  }

  get(i: number): this { this.code.push(0x20, ...uleb(i)); return this; }
  tee(i: number): this { this.code.push(0x22, ...uleb(i)); return this; }
  zero(): this { this.code.push(...this.t.zero); return this; }
  set(i: number): this { this.code.push(0x21, ...uleb(i)); return this; }
  i32(v: number): this { this.code.push(0x41, ...sleb(v)); return this; }
  add(): this { this.code.push(0x6a); return this; }
  mul(): this { this.code.push(0x6c); return this; }
  geS(): this { this.code.push(0x4e); return this; }
  // Scalar (f64 or f32, by the tableau) and vector instructions.
  load(offset: number): this { this.code.push(this.t.load, this.t.align, ...uleb(offset)); return this; }
  store(offset: number): this { this.code.push(this.t.store, this.t.align, ...uleb(offset)); return this; }
  smul(): this { this.code.push(this.t.mul); return this; }
  sadd(): this { this.code.push(this.t.add); return this; }
  v128load(offset: number): this { this.code.push(0xfd, ...uleb(0x00), 4, ...uleb(offset)); return this; }
  v128store(offset: number): this { this.code.push(0xfd, ...uleb(0x0b), 4, ...uleb(offset)); return this; }
  v128zero(): this { this.code.push(0xfd, ...uleb(0x0c), ...new Array<number>(16).fill(0)); return this; }
  splat(): this { this.code.push(0xfd, ...uleb(this.t.splat)); return this; }
  lane0(): this { this.code.push(0xfd, ...uleb(this.t.extract), 0); return this; }
  vadd(): this { this.code.push(0xfd, ...uleb(this.t.vadd)); return this; }
  vmul(): this { this.code.push(0xfd, ...uleb(this.t.vmul)); return this; }

  /** local += constant (i32). */
  bump(i: number, by: number): this { return this.get(i).i32(by).add().set(i); }
  /** local += other local (i32). */
  bumpBy(i: number, by: number): this { return this.get(i).get(by).add().set(i); }

  /** while (counter < limit) { body; counter += step } with the test `counter + step − 1 < limit`. */
  loop(counter: number, limit: number, step: number, body: () => void): this {
    this.code.push(0x02, 0x40, 0x03, 0x40); // block, loop
    this.get(counter);
    if (step > 1) this.i32(step - 1).add();
    this.get(limit).geS();
    this.code.push(0x0d, 1); // br_if 1: leave the block
    body();
    this.bump(counter, step);
    this.code.push(0x0c, 0, 0x0b, 0x0b); // br 0, end loop, end block
    return this;
  }

  /** if (counter < limit) { body } */
  ifBelow(counter: number, limit: number, body: () => void): this {
    this.code.push(0x02, 0x40);
    this.get(counter).get(limit).geS();
    this.code.push(0x0d, 0);
    body();
    this.code.push(0x0b);
    return this;
  }

  encode(): number[] {
    const groups: number[][] = [];
    for (const t of this.localTypes) {
      const last = groups[groups.length - 1];
      if (last && last[1] === t) last[0]! += 1;
      else groups.push([1, t]);
    }
    const locals = vector(groups.map(([count, type]) => [...uleb(count!), type!]));
    const body = [...locals, ...this.code, 0x0b];
    return [...uleb(body.length), ...body];
  }
}

// ---------------------------------------------------------------------------------------------------------
// The kernels. Pointer arguments are byte addresses into the shared memory; E = the tableau's element size,
// L = its lanes per vector.

/**
 * forward(out, w, p, m, n): out (m×k) = W (m×n) · P (n×k), R rows of W per sweep sharing each load of P. The
 * thin columns run L per vector; the last k mod L are scalar accumulators per row.
 * Measured (f64x2) at N = 1000, k = 8 (best of 20): R = 1, 2, 3, 4 → 1.11, 0.64, 1.05, 0.91 ms.
 */
/**
 * W[i + r, j] for the rows r < rowsHere of a block, whose first entry wp points at: each into the scalar xs[r]
 * and splatted into the vector x[r] (forward and backwardT both sweep j with a block of W's rows in registers).
 */
function splatRowEntries(b: Body, wp: number, rowBytes: number, xs: readonly number[], x: readonly number[], rowsHere: number): void {
  for (let r = 0; r < rowsHere; r++) {
    b.get(wp);
    for (let e = 0; e < r; e++) b.get(rowBytes).add();
    b.load(0).tee(xs[r]!).splat().set(x[r]!);
  }
}

const FORWARD_ROWS: Record<Lanes['name'], number> = { f64x2: 2, f32x4: 4 };
function forwardBody(k: number, t: Lanes): Body {
  const [OUT, W, P, M, N] = [0, 1, 2, 3, 4];
  const R = FORWARD_ROWS[t.name];
  const E = t.bytes;
  const b = new Body(5, t);
  const i = b.local(I32);
  const j = b.local(I32);
  const wp = b.local(I32);
  const pp = b.local(I32);
  const rowBytes = b.local(I32);
  const pv = b.local(V128);
  const groups = Math.floor(k / t.lanes);
  const tails = k % t.lanes;
  const x = Array.from({ length: R }, () => b.local(V128));
  const acc = Array.from({ length: R }, () => Array.from({ length: groups }, () => b.local(V128)));
  const xs = Array.from({ length: R }, () => b.local(t.scalar));
  const tail = Array.from({ length: R }, () => Array.from({ length: tails }, () => b.local(t.scalar)));
  b.get(N).i32(E).mul().set(rowBytes);
  b.i32(0).set(i);
  const rows = (rowsHere: number): void => {
    for (let r = 0; r < rowsHere; r++) for (let l = 0; l < groups; l++) b.v128zero().set(acc[r]![l]!);
    for (let r = 0; r < rowsHere; r++) for (let c = 0; c < tails; c++) b.zero().set(tail[r]![c]!);
    b.get(P).set(pp);
    b.i32(0).set(j);
    b.loop(j, N, 1, () => {
      splatRowEntries(b, wp, rowBytes, xs, x, rowsHere);
      for (let l = 0; l < groups; l++) {
        b.get(pp).v128load(VEC * l).set(pv);
        for (let r = 0; r < rowsHere; r++) b.get(acc[r]![l]!).get(x[r]!).get(pv).vmul().vadd().set(acc[r]![l]!);
      }
      for (let c = 0; c < tails; c++) {
        for (let r = 0; r < rowsHere; r++) b.get(tail[r]![c]!).get(xs[r]!).get(pp).load(VEC * groups + E * c).smul().sadd().set(tail[r]![c]!);
      }
      b.bump(wp, E).bump(pp, E * k);
    });
    for (let r = 0; r < rowsHere; r++) {
      for (let l = 0; l < groups; l++) b.get(OUT).get(acc[r]![l]!).v128store(E * k * r + VEC * l);
      for (let c = 0; c < tails; c++) b.get(OUT).get(tail[r]![c]!).store(E * k * r + VEC * groups + E * c);
    }
    b.bump(OUT, E * k * rowsHere);
    // wp has advanced by one row; skip the other rows of the block as well.
    for (let e = 1; e < rowsHere; e++) b.bumpBy(wp, rowBytes);
  };
  b.get(W).set(wp);
  b.loop(i, M, R, () => rows(R));
  if (R > 1) b.loop(i, M, 1, () => rows(1));
  return b;
}

/**
 * update(w, a, bp, eta, m, n): W (m×n) += η A (m×k) Bᵀ with B given as a panel `bp` (n×k, padded to a
 * multiple of L rows with zeros). L columns of W per vector; the last n mod L one at a time, each from its lane
 * of the last panel block.
 */
function updateBody(k: number, t: Lanes): Body {
  const [W, A, BP, ETA, M, N] = [0, 1, 2, 3, 4, 5];
  const E = t.bytes;
  const b = new Body(6, t);
  const i = b.local(I32);
  const j = b.local(I32);
  const wp = b.local(I32);
  const bp = b.local(I32);
  const acc = b.local(V128);
  const tail = b.local(t.scalar);
  const c = Array.from({ length: k }, () => b.local(V128));
  b.get(W).set(wp);
  b.i32(0).set(i);
  b.loop(i, M, 1, () => {
    for (let l = 0; l < k; l++) b.get(A).load(E * l).get(ETA).smul().splat().set(c[l]!);
    b.get(BP).set(bp);
    b.i32(0).set(j);
    b.loop(j, N, t.lanes, () => {
      b.get(wp).v128load(0).set(acc);
      for (let l = 0; l < k; l++) b.get(acc).get(c[l]!).get(bp).v128load(VEC * l).vmul().vadd().set(acc);
      b.get(wp).get(acc).v128store(0);
      b.bump(wp, VEC).bump(bp, VEC * k);
    });
    // The last n mod L columns: column j's entries sit in lane j mod L of each vector of the block.
    b.loop(j, N, 1, () => {
      b.get(wp).load(0).set(tail);
      for (let l = 0; l < k; l++) b.get(tail).get(c[l]!).lane0().get(bp).load(VEC * l).smul().sadd().set(tail);
      b.get(wp).get(tail).store(0);
      b.bump(wp, E).bump(bp, E);
    });
    b.bump(A, E * k);
  });
  return b;
}

/**
 * backward(op, q, w, m, n): out (k×n) = Q (k×m) · W (m×n), accumulated into the panel `op` (zeroed by the
 * caller). Two rows of W per sweep, L columns per vector; the last n mod L columns one at a time in scalars
 * (a vector store there would overwrite the neighbouring lanes of its block).
 */
function backwardBody(k: number, t: Lanes): Body {
  const [OP, Q, W, M, N] = [0, 1, 2, 3, 4];
  const E = t.bytes;
  const b = new Body(5, t);
  const i = b.local(I32);
  const j = b.local(I32);
  const wp = b.local(I32);
  const op = b.local(I32);
  const rowBytes = b.local(I32);
  const colBytes = b.local(I32);
  const x0 = b.local(V128);
  const x1 = b.local(V128);
  const q0 = Array.from({ length: k }, () => b.local(V128));
  const q1 = Array.from({ length: k }, () => b.local(V128));
  const acc = b.local(V128);
  const s0 = b.local(t.scalar);
  const s1 = b.local(t.scalar);
  b.get(N).i32(E).mul().set(rowBytes);
  b.get(M).i32(E).mul().set(colBytes);
  b.get(W).set(wp);
  b.i32(0).set(i);
  const rows = (R: 1 | 2): void => {
    // q_l = Q[l, i] (and Q[l, i+1]): row l of Q starts l·m·E bytes in.
    for (let l = 0; l < k; l++) {
      b.get(Q).get(colBytes).i32(l).mul().add().set(op);
      b.get(op).load(0).splat().set(q0[l]!);
      if (R === 2) b.get(op).load(E).splat().set(q1[l]!);
    }
    b.get(OP).set(op);
    b.i32(0).set(j);
    b.loop(j, N, t.lanes, () => {
      b.get(wp).v128load(0).set(x0);
      if (R === 2) b.get(wp).get(rowBytes).add().v128load(0).set(x1);
      for (let l = 0; l < k; l++) {
        b.get(op).v128load(VEC * l).get(q0[l]!).get(x0).vmul().vadd();
        if (R === 2) b.get(q1[l]!).get(x1).vmul().vadd();
        b.set(acc);
        b.get(op).get(acc).v128store(VEC * l);
      }
      b.bump(wp, VEC).bump(op, VEC * k);
    });
    b.loop(j, N, 1, () => {
      b.get(wp).load(0).set(s0);
      if (R === 2) b.get(wp).get(rowBytes).add().load(0).set(s1);
      for (let l = 0; l < k; l++) {
        b.get(op).get(op).load(VEC * l).get(q0[l]!).lane0().get(s0).smul().sadd();
        if (R === 2) b.get(q1[l]!).lane0().get(s1).smul().sadd();
        b.store(VEC * l);
      }
      b.bump(wp, E).bump(op, E);
    });
    if (R === 2) b.bumpBy(wp, rowBytes);
    b.bump(Q, E * R);
  };
  b.loop(i, M, 2, () => rows(2));
  b.ifBelow(i, M, () => rows(1));
  return b;
}

/**
 * backwardT(ot, qt, w, m, n): OT (n×k) += Wᵀ QT for QT (m×k) and W (m×n) — backpropagation through W of k
 * signals, or the suffix product Q W written as its transpose. Row i of W adds W[i, j] · QT[i, :] to row j of
 * OT: the vectors of R rows of QT stay in registers across the sweep over j (the thin columns L per vector,
 * the last k mod L in scalars, as in forward), and OT is read and written once per row block.
 * R = 4 rows while 3R vectors and splats fit the 16 vector registers (k < 2L), else 2.
 */
function backwardTBody(k: number, t: Lanes): Body {
  const [OT, QT, W, M, N] = [0, 1, 2, 3, 4];
  const E = t.bytes;
  const V = Math.floor(k / t.lanes);
  const T = k % t.lanes;
  const R = V <= 1 ? 4 : 2;
  const b = new Body(5, t);
  const i = b.local(I32);
  const j = b.local(I32);
  const wp = b.local(I32);
  const op = b.local(I32);
  const qp = b.local(I32);
  const rowBytes = b.local(I32);
  const x = Array.from({ length: R }, () => b.local(V128));
  const q = Array.from({ length: R }, () => Array.from({ length: V }, () => b.local(V128)));
  const xs = Array.from({ length: R }, () => b.local(t.scalar));
  const qs = Array.from({ length: R }, () => Array.from({ length: T }, () => b.local(t.scalar)));
  b.get(N).i32(E).mul().set(rowBytes);
  b.get(W).set(wp);
  b.get(QT).set(qp);
  b.i32(0).set(i);
  const rows = (rowsHere: number): void => {
    for (let r = 0; r < rowsHere; r++) {
      for (let v = 0; v < V; v++) b.get(qp).v128load(E * k * r + VEC * v).set(q[r]![v]!);
      for (let c = 0; c < T; c++) b.get(qp).load(E * k * r + VEC * V + E * c).set(qs[r]![c]!);
    }
    b.get(OT).set(op);
    b.i32(0).set(j);
    b.loop(j, N, 1, () => {
      splatRowEntries(b, wp, rowBytes, xs, x, rowsHere);
      for (let v = 0; v < V; v++) {
        b.get(op).get(op).v128load(VEC * v);
        for (let r = 0; r < rowsHere; r++) b.get(q[r]![v]!).get(x[r]!).vmul().vadd();
        b.v128store(VEC * v);
      }
      for (let c = 0; c < T; c++) {
        b.get(op).get(op).load(VEC * V + E * c);
        for (let r = 0; r < rowsHere; r++) b.get(qs[r]![c]!).get(xs[r]!).smul().sadd();
        b.store(VEC * V + E * c);
      }
      b.bump(wp, E).bump(op, E * k);
    });
    for (let e = 1; e < rowsHere; e++) b.bumpBy(wp, rowBytes);
    b.bump(qp, E * k * rowsHere);
  };
  b.loop(i, M, R, () => rows(R));
  b.loop(i, M, 1, () => rows(1));
  return b;
}

function assemble(k: number, t: Lanes): Uint8Array {
  const types = vector([
    [0x60, ...vector([[I32], [I32], [I32], [I32], [I32]]), 0], // forward / backward
    [0x60, ...vector([[I32], [I32], [I32], [t.scalar], [I32], [I32]]), 0], // update
  ]);
  // (import "e" "m" (memory 0)): any memory fits, so one compiled module per k serves every arena.
  const imports = vector([[1, 0x65, 1, 0x6d, 0x02, 0x00, 0x00]]);
  const functions = vector([[0], [1], [0], [0]]);
  const name = (s: string): number[] => [...uleb(s.length), ...Array.from(s, (ch) => ch.charCodeAt(0))];
  const exports = vector([
    [...name('forward'), 0x00, 0],
    [...name('update'), 0x00, 1],
    [...name('backward'), 0x00, 2],
    [...name('backwardT'), 0x00, 3],
  ]);
  const code = vector([forwardBody(k, t).encode(), updateBody(k, t).encode(), backwardBody(k, t).encode(), backwardTBody(k, t).encode()]);
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, types),
    ...section(2, imports),
    ...section(3, functions),
    ...section(7, exports),
    ...section(10, code),
  ]);
}

// ---------------------------------------------------------------------------------------------------------
// Memory and the kernel object.

export interface WasmKernels {
  readonly k: number;
  forward(out: number, w: number, p: number, m: number, n: number): void;
  update(w: number, a: number, bp: number, eta: number, m: number, n: number): void;
  backward(op: number, q: number, w: number, m: number, n: number): void;
  /** OT (n×k) += Wᵀ QT for QT (m×k): backpropagation through W (see backwardTBody). */
  backwardT(ot: number, qt: number, w: number, m: number, n: number): void;
}

/** A bump allocator of Float64Arrays (or Float32Arrays) in one WebAssembly.Memory, 16-byte aligned. */
export class Arena {
  readonly memory: WebAssembly.Memory;
  private next = 0;
  constructor(doubles: number) {
    const bytes = doubles * 8 + 4096;
    this.memory = new WebAssembly.Memory({ initial: Math.ceil(bytes / 65536) });
  }
  alloc(length: number): Float64Array {
    const view = new Float64Array(this.memory.buffer, this.next, length);
    this.next += Math.ceil((length * 8) / 16) * 16;
    if (this.next > this.memory.buffer.byteLength) throw new RangeError('Arena: out of space (a sizing bug)');
    return view;
  }
  allocFloat32(length: number): Float32Array {
    const view = new Float32Array(this.memory.buffer, this.next, length);
    this.next += Math.ceil((length * 4) / 16) * 16;
    if (this.next > this.memory.buffer.byteLength) throw new RangeError('Arena: out of space (a sizing bug)');
    return view;
  }
}

/** Doubles an arena needs for `length` doubles allocated one by one (alignment slack included). */
export function arenaSize(lengths: readonly number[]): number {
  return lengths.reduce((s, n) => s + Math.ceil(n / 2) * 2, 0);
}

/** Doubles an arena needs for `length` floats allocated one by one with allocFloat32 (alignment slack included). */
export function arenaSizeFloat32(lengths: readonly number[]): number {
  return lengths.reduce((s, n) => s + Math.ceil(n / 4) * 2, 0);
}

/** Largest arena the wasm kernels take (i32 byte addresses; beyond this the JS kernels are used). */
export const MAX_ARENA_DOUBLES = 2 ** 27; // 1 GiB

const modules = new Map<string, WebAssembly.Module | null>();

/** The compiled module for k and the lane type, or null when this runtime lacks WebAssembly SIMD. */
function moduleFor(k: number, t: Lanes): WebAssembly.Module | null {
  const key = `${t.name} ${k}`;
  if (!modules.has(key)) {
    let compiled: WebAssembly.Module | null = null;
    try {
      const bytes = assemble(k, t) as Uint8Array<ArrayBuffer>;
      if (WebAssembly.validate(bytes)) compiled = new WebAssembly.Module(bytes);
    } catch {
      compiled = null;
    }
    modules.set(key, compiled);
  }
  return modules.get(key)!;
}

/**
 * The kernels for k = 1 … 16 working on an arena's memory, or null where they do not apply. `lanes`: F64X2
 * (default; buffers from `alloc`, η a double) or F32X4 (buffers from `allocFloat32`, η rounded to float32).
 */
export function wasmKernels(k: number, arena: Arena, lanes: Lanes = F64X2): WasmKernels | null {
  if (!Number.isInteger(k) || k < 1 || k > 16) return null;
  const module = moduleFor(k, lanes);
  if (!module) return null;
  const instance = new WebAssembly.Instance(module, { e: { m: arena.memory } });
  const ex = instance.exports as unknown as Omit<WasmKernels, 'k'>;
  return { k, forward: ex.forward, update: ex.update, backward: ex.backward, backwardT: ex.backwardT };
}

/** B (n×k, row-major) → pair panel (length 2k·⌈n/2⌉, zero padding). */
export function toPanel(b: Float64Array, n: number, k: number, panel: Float64Array): void {
  for (let j = 0; j < n; j++) {
    const base = (j >> 1) * 2 * k + (j & 1);
    for (let l = 0; l < k; l++) panel[base + 2 * l] = b[j * k + l]!;
  }
  if (n & 1) {
    const base = (n >> 1) * 2 * k + 1;
    for (let l = 0; l < k; l++) panel[base + 2 * l] = 0;
  }
}

/** Pair panel of an n×k block → its transpose, row-major k×n. */
export function fromPanelTransposed(panel: Float64Array, n: number, k: number, out: Float64Array): void {
  for (let j = 0; j < n; j++) {
    const base = (j >> 1) * 2 * k + (j & 1);
    for (let l = 0; l < k; l++) out[l * n + j] = panel[base + 2 * l]!;
  }
}

/**
 * The panels of the f32x4 kernels: element (j, l) of an n×k block at [(j >> 2)·4k + 4l + (j & 3)], so that the
 * four lanes of a vector are four consecutive columns j … j+3. (The f64 conversions above stay separate and
 * monomorphic: they run on every float64 step.)
 */
export function toQuadPanel(b: Float32Array, n: number, k: number, panel: Float32Array): void {
  for (let j = 0; j < n; j++) {
    const base = (j >> 2) * 4 * k + (j & 3);
    for (let l = 0; l < k; l++) panel[base + 4 * l] = b[j * k + l]!;
  }
  // Zero padding: never read by the kernels (the last n mod 4 columns go scalar), but a deterministic panel.
  for (let j = n; j & 3; j++) {
    const base = (j >> 2) * 4 * k + (j & 3);
    for (let l = 0; l < k; l++) panel[base + 4 * l] = 0;
  }
}
