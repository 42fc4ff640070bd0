/**
 * Paths of a gated graph and their gated statistics (Saxe, Sodhani & Lewallen 2022; DESIGN §5):
 * a path p runs from an input node s(p) to an output node t(p); its gate in a context is the product of the
 * gates of its edges and of its non-input nodes, so the output is h_v = Σ_{p ends at v} g_p W_p x_{s(p)}, and
 *   Σ^{yx}(p)   = Σ_c w_c g_p (1/P_c) Y_{t(p)} X_{s(p)}ᵀ          (contexts where t(p) is a target)
 *   Σ^{x}(j, p) = Σ_c w_c g_j g_p (1/P_c) X_{s(j)} X_{s(p)}ᵀ     (j, p end at one output, a target in c)
 * are everything the loss sees of the data: L = const − Σ_p tr(W_pᵀ Σ^{yx}(p)) + ½ Σ_{j,p} tr(W_jᵀ W_p Σ^{x}(p, j)).
 */
import { ValidationError } from '../util/errors.ts';
import type { Dense, GatedContext, GatedGraph } from './problem.ts';

export interface GatedPath {
  /** Edge indices from input to output. */
  readonly edges: readonly number[];
  /** Node indices visited, input first (edges.length + 1 of them). */
  readonly nodes: readonly number[];
  readonly input: number;
  readonly output: number;
}

/** Above this many paths the path form is the wrong tool (the count grows exponentially with depth of a DAG). */
export const MAX_PATHS = 20000;

/** Every path from an input node to an output node, in a fixed order (depth-first from each input in turn). */
export function enumeratePaths(graph: GatedGraph): GatedPath[] {
  const outEdges: number[][] = graph.nodes.map(() => []);
  graph.edges.forEach((e, i) => outEdges[e.from]!.push(i));
  const paths: GatedPath[] = [];
  const walk = (v: number, edges: number[], nodes: number[]): void => {
    if (graph.nodes[v]!.kind === 'output') {
      paths.push({ edges: edges.slice(), nodes: nodes.slice(), input: nodes[0]!, output: v });
      if (paths.length > MAX_PATHS) {
        throw new ValidationError('graph.edges', `more than ${MAX_PATHS} input-to-output paths`, `a graph with at most ${MAX_PATHS} paths (the path form grows with their number)`);
      }
      return;
    }
    for (const e of outEdges[v]!) {
      const to = graph.edges[e]!.to;
      edges.push(e);
      nodes.push(to);
      walk(to, edges, nodes);
      edges.pop();
      nodes.pop();
    }
  };
  graph.nodes.forEach((n, v) => {
    if (n.kind === 'input') walk(v, [], [v]);
  });
  return paths;
}

/** The gate of path p in a context: its edges' gates times its non-input nodes' gates. */
export function pathGate(path: GatedPath, context: GatedContext): number {
  let g = 1;
  for (const e of path.edges) g *= context.edgeGates[e]!;
  for (let i = 1; i < path.nodes.length; i++) g *= context.nodeGates[path.nodes[i]!]!;
  return g;
}

/** A·Bᵀ / scale for row-major A (m×P) and B (n×P), accumulated into out (m×n) with a factor. */
function addOuter(out: Float64Array, a: Dense, b: Dense, factor: number): void {
  const m = a.rows;
  const n = b.rows;
  const P = a.cols;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let sum = 0;
      for (let k = 0; k < P; k++) sum += a.data[i * P + k]! * b.data[j * P + k]!;
      out[i * n + j] += factor * sum;
    }
  }
}

export interface PathStatistics {
  readonly paths: readonly GatedPath[];
  /** Σ^{yx}(p), size(t(p)) × size(s(p)), row-major. */
  readonly yx: readonly Dense[];
  /**
   * Σ^{x}(j, p) for pairs of paths ending at one output node, size(s(j)) × size(s(p)); keyed `j,p` with
   * both orders present (Σ^{x}(p, j) = Σ^{x}(j, p)ᵀ).
   */
  readonly x: ReadonlyMap<string, Dense>;
  /** ½ Σ_c w_c (1/P_c) Σ_{v target in c} ‖Y_v‖²_F: the loss of the zero network. */
  readonly targetEnergy: number;
}

export function pairKey(j: number, p: number): string {
  return `${j},${p}`;
}

/** The gated statistics of every path (and pair of paths sharing an output) over the weighted contexts. */
export function pathStatistics(graph: GatedGraph, contexts: readonly GatedContext[], paths = enumeratePaths(graph)): PathStatistics {
  const size = (v: number): number => graph.nodes[v]!.size;
  const yx = paths.map((p) => ({ rows: size(p.output), cols: size(p.input), data: new Float64Array(size(p.output) * size(p.input)) }));
  const x = new Map<string, Dense>();
  const byOutput = new Map<number, number[]>();
  paths.forEach((p, i) => {
    const list = byOutput.get(p.output) ?? [];
    list.push(i);
    byOutput.set(p.output, list);
  });
  for (const list of byOutput.values()) {
    for (const j of list) {
      for (const p of list) {
        const a = paths[j]!.input;
        const b = paths[p]!.input;
        x.set(pairKey(j, p), { rows: size(a), cols: size(b), data: new Float64Array(size(a) * size(b)) });
      }
    }
  }
  let targetEnergy = 0;
  for (const c of contexts) {
    const scale = c.weight / c.items;
    const gates = paths.map((p) => pathGate(p, c));
    c.targets.forEach((Y, v) => {
      if (Y === null) return;
      for (let i = 0; i < Y.data.length; i++) targetEnergy += 0.5 * scale * Y.data[i]! ** 2;
    });
    paths.forEach((p, i) => {
      const Y = c.targets[p.output];
      const X = c.inputs[p.input];
      if (Y == null || X == null || gates[i] === 0) return;
      addOuter(yx[i]!.data as Float64Array, Y, X, scale * gates[i]!);
    });
    for (const [v, list] of byOutput) {
      if (c.targets[v] == null) continue;
      for (const j of list) {
        const Xj = c.inputs[paths[j]!.input];
        if (Xj == null || gates[j] === 0) continue;
        for (const p of list) {
          const Xp = c.inputs[paths[p]!.input];
          if (Xp == null || gates[p] === 0) continue;
          addOuter(x.get(pairKey(j, p))!.data as Float64Array, Xj, Xp, scale * gates[j]! * gates[p]!);
        }
      }
    }
  }
  return { paths, yx, x, targetEnergy };
}
