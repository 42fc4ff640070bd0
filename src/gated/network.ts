/**
 * The full gated deep linear network: forward pass, loss and exact gradient over the weighted contexts, on
 * flat row-major matrices. Inputs a context does not name are zero and edges or nodes gated to 0 carry nothing,
 * so a context touches only the part of the graph it reaches (the routing task's contexts touch one path).
 */
import { kernelsFor } from '../network/kernels.ts';
import type { Dense, GatedContext, GatedGraph } from './problem.ts';

/**
 * The per-context products run through the simulator's thin kernels (src/network/kernels.ts, generated per
 * item count P): every product here is a wide weight times a thin block of P items.
 */
function scratch(length: number): Float64Array {
  if (buffer.length < length) buffer = new Float64Array(Math.max(length, 2 * buffer.length));
  return buffer;
}
let buffer = new Float64Array(1024);

/** out (m×P) += factor · W (m×n) · H (n×P) */
function addForward(out: Float64Array, w: Float64Array, h: Float64Array, m: number, n: number, P: number, factor: number): void {
  const tmp = scratch(m * P);
  kernelsFor(P).forward(tmp, w, h, m, n);
  for (let i = 0; i < m * P; i++) out[i] += factor * tmp[i]!;
}

/** G (m×n) += factor · Δ (m×P) · H (n×P)ᵀ */
function addGradient(g: Float64Array, delta: Float64Array, h: Float64Array, m: number, n: number, P: number, factor: number): void {
  kernelsFor(P).update(g, delta, h, factor, m, n);
}

/** out (n×P) += factor · W (m×n)ᵀ · Δ (m×P) */
function addBackward(out: Float64Array, w: Float64Array, delta: Float64Array, m: number, n: number, P: number, factor: number): void {
  const dT = transposed(delta, m, P, scratch(m * P + n * P));
  const res = buffer.subarray(m * P, m * P + n * P);
  kernelsFor(P).backward(res, dT, w, m, n);
  for (let j = 0; j < n; j++) for (let k = 0; k < P; k++) out[j * P + k] += factor * res[k * n + j]!;
}

function transposed(a: Float64Array, rows: number, cols: number, into: Float64Array): Float64Array {
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) into[j * rows + i] = a[i * cols + j]!;
  return into;
}

export interface GatedNetwork {
  readonly graph: GatedGraph;
  /** W_e, size(to) × size(from), in edge order, views into one flat `state`. */
  readonly weights: Float64Array[];
  /** Every weight, edge after edge (the flow's ODE state). */
  readonly state: Float64Array;
}

export function weightOffsets(graph: GatedGraph): number[] {
  const offsets = [0];
  for (const e of graph.edges) offsets.push(offsets[offsets.length - 1]! + graph.nodes[e.to]!.size * graph.nodes[e.from]!.size);
  return offsets;
}

export function createNetwork(graph: GatedGraph, initial: readonly Dense[]): GatedNetwork {
  const offsets = weightOffsets(graph);
  const state = new Float64Array(offsets[offsets.length - 1]!);
  const weights = graph.edges.map((_, i) => state.subarray(offsets[i]!, offsets[i + 1]!));
  initial.forEach((w, i) => weights[i]!.set(w.data));
  return { graph, weights, state };
}

/** Node activities of one context (null: identically zero), in the graph's node order. */
export function forward(graph: GatedGraph, weights: readonly Float64Array[], c: GatedContext): (Float64Array | null)[] {
  const h: (Float64Array | null)[] = graph.nodes.map(() => null);
  const P = c.items;
  const incoming = incomingEdges(graph);
  for (const v of graph.order) {
    const node = graph.nodes[v]!;
    if (node.kind === 'input') {
      h[v] = c.inputs[v]?.data ?? null;
      continue;
    }
    const gv = c.nodeGates[v]!;
    if (gv === 0) continue;
    let acc: Float64Array | null = null;
    for (const e of incoming[v]!) {
      const edge = graph.edges[e]!;
      const ge = c.edgeGates[e]!;
      const hs = h[edge.from];
      if (ge === 0 || hs == null) continue;
      acc ??= new Float64Array(node.size * P);
      addForward(acc, weights[e]!, hs, node.size, graph.nodes[edge.from]!.size, P, gv * ge);
    }
    h[v] = acc;
  }
  return h;
}

const incomingCache = new WeakMap<GatedGraph, number[][]>();
function incomingEdges(graph: GatedGraph): number[][] {
  let lists = incomingCache.get(graph);
  if (lists === undefined) {
    lists = graph.nodes.map(() => []);
    graph.edges.forEach((e, i) => lists![e.to]!.push(i));
    incomingCache.set(graph, lists);
  }
  return lists;
}

/** (1/P) Σ_items ½ Σ_{v target} ‖y_v − h_v‖² of one context (its weight not applied). */
export function contextLoss(graph: GatedGraph, weights: readonly Float64Array[], c: GatedContext): number {
  const h = forward(graph, weights, c);
  let sum = 0;
  c.targets.forEach((Y, v) => {
    if (Y === null) return;
    const hv = h[v];
    for (let i = 0; i < Y.data.length; i++) sum += (Y.data[i]! - (hv?.[i] ?? 0)) ** 2;
  });
  return (0.5 * sum) / c.items;
}

/** L and ∂L/∂W_e (into `gradient`, laid out as the state) over the weighted contexts. */
export function lossAndGradient(graph: GatedGraph, weights: readonly Float64Array[], contexts: readonly GatedContext[], gradient: Float64Array[]): number {
  for (const g of gradient) g.fill(0);
  let loss = 0;
  const order = graph.order;
  for (const c of contexts) {
    if (c.weight === 0) continue;
    const P = c.items;
    const scale = c.weight / P;
    const h = forward(graph, weights, c);
    // δ_v = ∂L/∂h_v, then ∂L/∂(pre-gate a_v) = g_v δ_v.
    const delta: (Float64Array | null)[] = graph.nodes.map(() => null);
    c.targets.forEach((Y, v) => {
      if (Y === null) return;
      const hv = h[v];
      const d = new Float64Array(Y.data.length);
      for (let i = 0; i < d.length; i++) {
        const r = (hv?.[i] ?? 0) - Y.data[i]!;
        loss += 0.5 * scale * r * r;
        d[i] = scale * r;
      }
      delta[v] = d;
    });
    for (let k = order.length - 1; k >= 0; k--) {
      const v = order[k]!;
      const node = graph.nodes[v]!;
      const dv = delta[v];
      if (node.kind === 'input' || dv == null) continue;
      const gv = c.nodeGates[v]!;
      if (gv === 0) continue;
      for (const e of incomingEdges(graph)[v]!) {
        const edge = graph.edges[e]!;
        const ge = c.edgeGates[e]!;
        const hs = h[edge.from];
        if (ge === 0) continue;
        const ns = graph.nodes[edge.from]!.size;
        if (hs != null) addGradient(gradient[e]!, dv, hs, node.size, ns, P, gv * ge);
        if (graph.nodes[edge.from]!.kind !== 'input') {
          const ds = (delta[edge.from] ??= new Float64Array(ns * P));
          addBackward(ds, weights[e]!, dv, node.size, ns, P, gv * ge);
        }
      }
    }
  }
  return loss;
}
