/**
 * The neural race (Saxe, Sodhani & Lewallen 2022): under shared modes and a decoupled start, every edge e and
 * mode α carry one scalar b_e^α, paths multiply them (b_p = Π_{e∈p} b_e), and each mode learns on its own:
 *   L_α = c_α − Σ_p s_p b_p + ½ Σ_{j,p ending at one output} d_{jp} b_j b_p,
 *   τ db_e/dt = −∂L_α/∂b_e = Σ_{p∋e} (Π_{e'∈p, e'≠e} b_{e'}) (s_p − Σ_j d_{jp} b_j).
 * Gradient descent on W maps exactly to b ← b − η ∂L_α/∂b (the gradient keeps the decoupled form), so the
 * GD engine steps this map and the flow engine integrates it with the core's driver; the model of a mode is a
 * `ReducedModel` value (its state and read-out are the b_e^α of every edge; edges the mode cannot reach stay
 * where they start).
 */
import type { ReducedModel } from '../reduced/reduced-model.ts';
import type { GatedGraph } from './problem.ts';
import { pairKey, type GatedPath } from './paths.ts';
import type { SharedModes } from './modes.ts';

interface ModePath {
  readonly edges: Int32Array;
  readonly s: number;
  /** Paths j (indices into the mode's path list) with d_{jp} ≠ 0, and those d. */
  readonly partners: Int32Array;
  readonly d: Float64Array;
}

export interface RaceMode {
  readonly model: ReducedModel;
  /** τ-free −∂L_α/∂b into out: the GD map is b ← b + η·gradientStep(b). */
  descent(b: ArrayLike<number>, out: Float64Array): void;
  /** L_α(b) including its share c_α of the constant. */
  lossAt(b: ArrayLike<number>): number;
  /** Σ over the mode's paths of b_p: a read-out for plots. */
  readonly pathCount: number;
}

/** The mode's paths: those whose every node is wider than α, with their s and d of mode α. */
function modePaths(graph: GatedGraph, paths: readonly GatedPath[], modes: SharedModes, alpha: number): ModePath[] {
  const active: number[] = [];
  paths.forEach((p, i) => {
    if (p.nodes.every((v) => graph.nodes[v]!.size > alpha)) active.push(i);
  });
  const local = new Map(active.map((i, k) => [i, k]));
  return active.map((i) => {
    const partners: number[] = [];
    const ds: number[] = [];
    for (const j of active) {
      const d = modes.d.get(pairKey(j, i))?.[alpha] ?? 0;
      if (d !== 0) {
        partners.push(local.get(j)!);
        ds.push(d);
      }
    }
    return { edges: Int32Array.from(paths[i]!.edges), s: modes.s[i]![alpha]!, partners: Int32Array.from(partners), d: Float64Array.from(ds) };
  });
}

/** The race of mode α as a reduced model over every edge's b_e^α (τ = tau), with its constant c_α. */
export function raceMode(graph: GatedGraph, paths: readonly GatedPath[], modes: SharedModes, alpha: number, constant: number, tau: number): RaceMode {
  const list = modePaths(graph, paths, modes, alpha);
  const E = graph.edges.length;
  const P = list.length;
  const bp = new Float64Array(P);
  const r = new Float64Array(P);
  const products = (b: ArrayLike<number>): void => {
    for (let k = 0; k < P; k++) {
      let prod = 1;
      for (const e of list[k]!.edges) prod *= b[e]!;
      bp[k] = prod;
    }
    for (let k = 0; k < P; k++) {
      const m = list[k]!;
      let sum = m.s;
      for (let q = 0; q < m.partners.length; q++) sum -= m.d[q]! * bp[m.partners[q]!]!;
      r[k] = sum;
    }
  };
  /** Π_{e'∈path, e' ∉ {skip1, skip2}} b_{e'} — by multiplication, never division (b may be 0). */
  const productWithout = (edges: Int32Array, b: ArrayLike<number>, skip1: number, skip2: number): number => {
    let prod = 1;
    for (const e of edges) if (e !== skip1 && e !== skip2) prod *= b[e]!;
    return prod;
  };
  const descent = (b: ArrayLike<number>, out: Float64Array): void => {
    out.fill(0, 0, E);
    products(b);
    for (let k = 0; k < P; k++) {
      const m = list[k]!;
      const rk = r[k]!;
      if (rk === 0) continue;
      for (const e of m.edges) out[e] += rk * productWithout(m.edges, b, e, -1);
    }
  };
  const lossAt = (b: ArrayLike<number>): number => {
    products(b);
    // L = c − Σ s b_p + ½ Σ d b_j b_p, written as c − ½ Σ_p b_p (s_p + r_p) (r_p = s_p − Σ_j d b_j).
    let l = constant;
    for (let k = 0; k < P; k++) l -= 0.5 * bp[k]! * (list[k]!.s + r[k]!);
    return l;
  };
  const inv = 1 / tau;
  const model: ReducedModel = {
    dimension: E,
    rhs: (_t, y, dydt) => {
      descent(y, dydt as Float64Array);
      for (let e = 0; e < E; e++) dydt[e]! *= inv;
    },
    jacobian: (_t, y, jac) => {
      (jac as Float64Array).fill(0, 0, E * E);
      products(y);
      for (let k = 0; k < P; k++) {
        const m = list[k]!;
        for (const e of m.edges) {
          const without = productWithout(m.edges, y, e, -1);
          // r_k's own dependence: ∂r_k/∂b_f = −Σ_j d_{jk} Π_{j∖f}.
          for (let q = 0; q < m.partners.length; q++) {
            const j = list[m.partners[q]!]!;
            for (const f of j.edges) jac[e * E + f] -= inv * m.d[q]! * productWithout(j.edges, y, f, -1) * without;
          }
          for (const f of m.edges) if (f !== e) jac[e * E + f] += inv * r[k]! * productWithout(m.edges, y, e, f);
        }
      }
    },
    readoutDimension: E,
    strengths: (y, out) => {
      for (let e = 0; e < E; e++) out[e] = y[e]!;
      return out;
    },
    residual: (y) => {
      const g = new Float64Array(E);
      descent(y, g);
      let s = 0;
      for (const v of g) s += v * v;
      return Math.sqrt(s);
    },
    loss: lossAt,
    // Learning times are not offered for the race: what "learned" means is per path, not a sum over edges.
    learnedTotal: Number.NaN,
    invariants: (y) => nodeInvariants(graph, alpha, y),
    invariantNames: graph.nodes.flatMap((node) => (node.kind === 'hidden' ? [`${node.id}: Σ_in b² − Σ_out b²`] : [])),
  };
  return { model, descent, lossAt, pathCount: P };
}

/**
 * What the race conserves, per hidden node v: Σ_{e into v} (b_e^α)² − Σ_{e out of v} (b_e^α)² (the balance of
 * a linear layer, node by node; for the routing network M b_in² − b_h² = (M − 1) b₀²).
 */
export function nodeInvariants(graph: GatedGraph, alpha: number, b: ArrayLike<number>): number[] {
  const out: number[] = [];
  graph.nodes.forEach((node, v) => {
    if (node.kind !== 'hidden') return;
    let sum = 0;
    graph.edges.forEach((e, i) => {
      const reach = Math.min(graph.nodes[e.from]!.size, graph.nodes[e.to]!.size) > alpha;
      if (!reach) return;
      if (e.to === v) sum += b[i]! ** 2;
      if (e.from === v) sum -= b[i]! ** 2;
    });
    out.push(sum);
  });
  return out;
}
