/**
 * The full gated deep linear network in plain loops: forward pass, loss and exact gradient over the weighted
 * contexts, on flat row-major matrices — the textbook form the fast step (engine.ts) is tested against, and
 * the forward pass of held-out evaluations. Inputs a context does not name are zero and edges or nodes gated to 0 carry nothing,
 * so a context touches only the part of the graph it reaches (the routing task's contexts touch one path).
 */
import type { Dense, GatedContext, GatedGraph } from './problem.ts';

/** out (m×P) += factor · W (m×n) · H (n×P), plain loops. */
function addForward(out: Float64Array, w: Float64Array, h: Float64Array, m: number, n: number, P: number, factor: number): void {
  for (let i = 0; i < m; i++) {
    for (let l = 0; l < n; l++) {
      const f = factor * w[i * n + l]!;
      if (f === 0) continue;
      for (let j = 0; j < P; j++) out[i * P + j] += f * h[l * P + j]!;
    }
  }
}

/** G (m×n) += factor · Δ (m×P) · H (n×P)ᵀ, plain loops. */
function addGradient(g: Float64Array, delta: Float64Array, h: Float64Array, m: number, n: number, P: number, factor: number): void {
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < P; k++) s += delta[i * P + k]! * h[j * P + k]!;
      g[i * n + j] += factor * s;
    }
  }
}

/** out (n×P) += factor · W (m×n)ᵀ · Δ (m×P), plain loops. */
function addBackward(out: Float64Array, w: Float64Array, delta: Float64Array, m: number, n: number, P: number, factor: number): void {
  for (let l = 0; l < m; l++) {
    for (let i = 0; i < n; i++) {
      const f = factor * w[l * n + i]!;
      if (f === 0) continue;
      for (let j = 0; j < P; j++) out[i * P + j] += f * delta[l * P + j]!;
    }
  }
}

export function weightOffsets(graph: GatedGraph): number[] {
  const offsets = [0];
  for (const e of graph.edges) offsets.push(offsets[offsets.length - 1]! + graph.nodes[e.to]!.size * graph.nodes[e.from]!.size);
  return offsets;
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

/**
 * L and ∂L/∂W_e (into `gradient`, laid out as the state) over the weighted contexts. With `backward` (fixed B_e,
 * feedback alignment) the error travels back through B_e instead of W_e: the rule's pseudo-gradient.
 */
export function lossAndGradient(graph: GatedGraph, weights: readonly Float64Array[], contexts: readonly GatedContext[], gradient: Float64Array[], backward: readonly Float64Array[] = weights): number {
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
          addBackward(ds, backward[e]!, dv, node.size, ns, P, gv * ge);
        }
      }
    }
  }
  return loss;
}
