/**
 * The gated network's training step on preallocated buffers: loss and exact gradient over the weighted
 * contexts, every product a wide weight times a thin block of a context's P items. Where WebAssembly SIMD is
 * available and P ≤ 16, the products run on the simulator's SIMD kernels (src/network/wasm.ts) with every
 * buffer in one arena — weights, gradient, each context's activations and signals — so nothing is copied in
 * or out; elsewhere on its generated JavaScript kernels (src/network/kernels.ts). Both compute the same sums
 * (to round-off: the SIMD kernels pair terms differently).
 */
import { kernelsFor } from '../network/kernels.ts';
import { Arena, MAX_ARENA_DOUBLES, arenaSize, toPanel, wasmKernels, type WasmKernels } from '../network/wasm.ts';
import type { GatedContext, GatedGraph } from './problem.ts';
import { weightOffsets } from './network.ts';

export type GatedKernels = 'auto' | 'js';

interface ContextBuffers {
  readonly h: Float64Array[];
  readonly d: Float64Array[];
  readonly live: boolean[];
  readonly dLive: boolean[];
}

export class GatedEngine {
  /** Every weight, edge after edge; `weights[e]` are views into it. */
  readonly state: Float64Array;
  readonly weights: Float64Array[];
  readonly gradState: Float64Array;
  readonly gradient: Float64Array[];
  /** "wasm" or "js": which kernels the products run on. */
  readonly kernels: 'wasm' | 'js';
  private readonly buffers: ContextBuffers[];
  private readonly tmp: Float64Array;
  private readonly transposed: Float64Array;
  private readonly panel: Float64Array;
  private readonly wasm = new Map<number, WasmKernels>();
  private readonly incoming: number[][];
  /**
   * The matrices the error travels back through, one per edge: the weights themselves (gradient descent) or
   * fixed feedback matrices (feedback alignment, issue 15), set by `setBackward`. Views into the same memory
   * as the weights, so the SIMD kernels read them in place.
   */
  private backward: Float64Array[];

  constructor(
    private readonly graph: GatedGraph,
    private readonly contexts: readonly GatedContext[],
    kernels: GatedKernels = 'auto',
  ) {
    const offsets = weightOffsets(graph);
    const total = offsets[offsets.length - 1]!;
    const maxN = Math.max(...graph.nodes.map((n) => n.size));
    const maxP = Math.max(1, ...contexts.map((c) => c.items));
    const lengths: number[] = [total, total, maxN * maxP, maxN * maxP, 2 * maxP * Math.ceil(maxN / 2)];
    for (const c of contexts) for (const v of graph.nodes) lengths.push(v.size * c.items, v.size * c.items);
    const size = arenaSize(lengths);
    const wantWasm = kernels === 'auto' && maxP <= 16 && size <= MAX_ARENA_DOUBLES;
    let arena: Arena | null = wantWasm ? new Arena(size) : null;
    if (arena) {
      for (const P of new Set(contexts.map((c) => c.items))) {
        const k = wasmKernels(P, arena);
        if (k === null) {
          arena = null;
          break;
        }
        this.wasm.set(P, k);
      }
    }
    if (!arena) this.wasm.clear();
    this.kernels = arena ? 'wasm' : 'js';
    const allocate = (n: number): Float64Array => (arena ? arena.alloc(n) : new Float64Array(n));
    this.state = allocate(total);
    this.gradState = allocate(total);
    this.tmp = allocate(maxN * maxP);
    this.transposed = allocate(maxN * maxP);
    this.panel = allocate(2 * maxP * Math.ceil(maxN / 2));
    this.weights = graph.edges.map((_, i) => this.state.subarray(offsets[i]!, offsets[i + 1]!));
    this.gradient = graph.edges.map((_, i) => this.gradState.subarray(offsets[i]!, offsets[i + 1]!));
    this.buffers = contexts.map((c) => {
      const h: Float64Array[] = [];
      const d: Float64Array[] = [];
      graph.nodes.forEach((v, i) => {
        h.push(allocate(v.size * c.items));
        d.push(allocate(v.size * c.items));
        const x = c.inputs[i];
        if (x) h[i]!.set(x.data);
      });
      return { h, d, live: graph.nodes.map(() => false), dLive: graph.nodes.map(() => false) };
    });
    this.incoming = graph.nodes.map(() => []);
    graph.edges.forEach((e, i) => this.incoming[e.to]!.push(i));
    this.backward = this.weights;
    this.allocate = allocate;
  }

  private readonly allocate: (n: number) => Float64Array;

  /**
   * Sends the error back through fixed matrices B_e (each the shape of W_e, edge order) instead of the current
   * weights: `lossAndGradient` then writes the rule's pseudo-gradient (the edges into target nodes keep their
   * true gradient, which no B enters). Copied in; null restores gradient descent.
   */
  setBackward(feedback: readonly Float64Array[] | null): void {
    if (feedback === null) {
      this.backward = this.weights;
      return;
    }
    this.backward = this.weights.map((w, e) => {
      const b = feedback[e]!;
      if (b.length !== w.length) throw new Error(`gated engine: feedback matrix ${e} has ${b.length} entries, its edge ${w.length}`);
      const copy = this.allocate(w.length);
      copy.set(b);
      return copy;
    });
  }

  /** out (m×P) = W (m×n) · H (n×P) */
  private forward(out: Float64Array, w: Float64Array, h: Float64Array, m: number, n: number, P: number): void {
    const k = this.wasm.get(P);
    if (k) k.forward(out.byteOffset, w.byteOffset, h.byteOffset, m, n);
    else kernelsFor(P).forward(out, w, h, m, n);
  }

  /** G (m×n) += f · Δ (m×P) · H (n×P)ᵀ */
  private addGradient(g: Float64Array, delta: Float64Array, h: Float64Array, f: number, m: number, n: number, P: number): void {
    const k = this.wasm.get(P);
    if (k) {
      toPanel(h, n, P, this.panel);
      k.update(g.byteOffset, delta.byteOffset, this.panel.byteOffset, f, m, n);
    } else {
      kernelsFor(P).update(g, delta, h, f, m, n);
    }
  }

  /** out (n×P) += f · W (m×n)ᵀ · Δ (m×P) */
  private addBackward(out: Float64Array, w: Float64Array, delta: Float64Array, f: number, m: number, n: number, P: number): void {
    const dT = this.transposed;
    for (let i = 0; i < m; i++) for (let l = 0; l < P; l++) dT[l * m + i] = delta[i * P + l]!;
    const k = this.wasm.get(P);
    if (k) {
      const panel = this.panel;
      panel.fill(0, 0, 2 * P * Math.ceil(n / 2));
      k.backward(panel.byteOffset, dT.byteOffset, w.byteOffset, m, n);
      // Pair panel: element (j, l) of the n×P block at (j >> 1)·2P + 2l + (j & 1).
      for (let j = 0; j < n; j++) {
        const base = (j >> 1) * 2 * P + (j & 1);
        for (let l = 0; l < P; l++) out[j * P + l] += f * panel[base + 2 * l]!;
      }
    } else {
      const res = this.tmp;
      kernelsFor(P).backward(res, dT, w, m, n);
      for (let j = 0; j < n; j++) for (let l = 0; l < P; l++) out[j * P + l] += f * res[l * n + j]!;
    }
  }

  /** L at the current weights, with ∂L/∂W_e written into `gradient`. */
  lossAndGradient(): number {
    const { graph } = this;
    this.gradState.fill(0);
    let loss = 0;
    const order = graph.order;
    this.contexts.forEach((c, ci) => {
      if (c.weight === 0) return;
      const P = c.items;
      const scale = c.weight / P;
      const { h, d, live, dLive } = this.buffers[ci]!;
      for (const v of order) {
        const node = graph.nodes[v]!;
        dLive[v] = false;
        if (node.kind === 'input') {
          live[v] = c.inputs[v] != null;
          continue;
        }
        live[v] = false;
        const gv = c.nodeGates[v]!;
        if (gv === 0) continue;
        for (const e of this.incoming[v]!) {
          const s = graph.edges[e]!.from;
          const ge = c.edgeGates[e]!;
          if (ge === 0 || !live[s]) continue;
          const f = gv * ge;
          const m = node.size;
          const n = graph.nodes[s]!.size;
          const hv = h[v]!;
          if (!live[v]) {
            this.forward(hv, this.weights[e]!, h[s]!, m, n, P);
            if (f !== 1) for (let i = 0; i < m * P; i++) hv[i] *= f;
            live[v] = true;
          } else {
            this.forward(this.tmp, this.weights[e]!, h[s]!, m, n, P);
            for (let i = 0; i < m * P; i++) hv[i] += f * this.tmp[i]!;
          }
        }
      }
      c.targets.forEach((Y, v) => {
        if (Y === null) return;
        const hv = h[v]!;
        const dv = d[v]!;
        const on = live[v];
        for (let i = 0; i < Y.data.length; i++) {
          const r = (on ? hv[i]! : 0) - Y.data[i]!;
          loss += 0.5 * scale * r * r;
          dv[i] = scale * r;
        }
        dLive[v] = true;
      });
      for (let k = order.length - 1; k >= 0; k--) {
        const v = order[k]!;
        const node = graph.nodes[v]!;
        if (node.kind === 'input' || !dLive[v]) continue;
        const gv = c.nodeGates[v]!;
        if (gv === 0) continue;
        for (const e of this.incoming[v]!) {
          const s = graph.edges[e]!.from;
          const ge = c.edgeGates[e]!;
          if (ge === 0) continue;
          const f = gv * ge;
          const n = graph.nodes[s]!.size;
          if (live[s]) this.addGradient(this.gradient[e]!, d[v]!, h[s]!, f, node.size, n, P);
          if (graph.nodes[s]!.kind !== 'input') {
            const ds = d[s]!;
            if (!dLive[s]) {
              ds.fill(0);
              dLive[s] = true;
            }
            this.addBackward(ds, this.backward[e]!, d[v]!, f, node.size, n, P);
          }
        }
      }
    });
    return loss;
  }
}
