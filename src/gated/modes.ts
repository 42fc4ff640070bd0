/**
 * Shared modes (the race reduction's condition A1, as restated by Jarvis et al. 2025): per-node orthonormal
 * bases in which every path statistic is (rectangular) diagonal,
 *   Σ^{yx}(p) = U_{t(p)} S(p) V_{s(p)}ᵀ,   Σ^{x}(j, p) = V_{s(j)} D(j, p) V_{s(p)}ᵀ,
 * and the decoupled initialisation (A2) W_e = R_{t(e)} B_e R_{s(e)}ᵀ built on them.
 *
 * The bases are found, not assumed: at one input node the eigenvectors of a generic positive combination of
 * its symmetric statistics (Σ^{yx}(p)ᵀΣ^{yx}(p), Σ^{x}(j, p)); they are carried to the output nodes through
 * Σ^{yx}(p) and back to other input nodes through Σ^{yx}(p)ᵀ, so that modes in a degenerate eigenspace get
 * one consistent choice across the graph; directions no statistic reaches are completed orthonormally. The
 * residual (largest off-diagonal entry of any statistic in those bases over the largest entry of any) says how
 * well A1 holds; the reduced engine refuses above 1e-9.
 */
import { EigenvalueDecomposition, Matrix as MlMatrix } from 'ml-matrix';
import { ComputationError } from '../util/errors.ts';
import { createRandom, type Random } from '../util/random.ts';
import type { Dense, GatedGraph } from './problem.ts';
import { pairKey, type PathStatistics } from './paths.ts';

/** Above this the reduced engine refuses: the race is exact only when A1 holds, to round-off. */
export const SHARED_MODE_TOLERANCE = 1e-9;

export interface SharedModes {
  /** An orthogonal n_v × n_v basis per node (row-major); hidden nodes carry R_v (see `withHiddenBases`). */
  readonly bases: readonly Dense[];
  /** Per path: diag of U_tᵀ Σ^{yx}(p) V_s, length min(n_t, n_s). */
  readonly s: readonly Float64Array[];
  /** Per ordered pair `j,p` of paths sharing an output: diag of V_{s(j)}ᵀ Σ^{x}(j, p) V_{s(p)}. */
  readonly d: ReadonlyMap<string, Float64Array>;
  /** max |off-diagonal| / max |entry| over every statistic in these bases (0 when all vanish). */
  readonly residual: number;
  /** Where the residual is largest, for the refusal message. */
  readonly worst: string;
}

function getT(m: Dense, i: number, j: number): number {
  return m.data[i * m.cols + j]!;
}

/** y = M x (M rows×cols) */
function apply(m: Dense, x: Float64Array): Float64Array {
  const y = new Float64Array(m.rows);
  for (let i = 0; i < m.rows; i++) {
    let s = 0;
    for (let j = 0; j < m.cols; j++) s += m.data[i * m.cols + j]! * x[j]!;
    y[i] = s;
  }
  return y;
}

/** y = Mᵀ x */
function applyT(m: Dense, x: Float64Array): Float64Array {
  const y = new Float64Array(m.cols);
  for (let i = 0; i < m.rows; i++) {
    const xi = x[i]!;
    if (xi === 0) continue;
    for (let j = 0; j < m.cols; j++) y[j] += m.data[i * m.cols + j]! * xi;
  }
  return y;
}

function norm(x: Float64Array): number {
  let s = 0;
  for (const v of x) s += v * v;
  return Math.sqrt(s);
}

/** Eigenvectors of a symmetric matrix, as columns, by descending eigenvalue. */
function symmetricEigenvectors(a: Float64Array, n: number): Float64Array[] {
  // Products of the path statistics square the data: entries near 1e154 overflow, and the decomposition of
  // a matrix holding Infinity fails deep inside ml-matrix.
  if (!a.every(Number.isFinite)) {
    throw new ComputationError('the products of the input-output correlations overflow (entries ≳ 1e154); rescale the inputs or targets', 'shared modes');
  }
  const m = MlMatrix.from1DArray(n, n, Array.from(a));
  const eig = new EigenvalueDecomposition(m, { assumeSymmetric: true });
  const values = eig.realEigenvalues;
  const vectors = eig.eigenvectorMatrix;
  const order = values.map((_, i) => i).sort((i, j) => values[j]! - values[i]!);
  return order.map((c) => {
    const v = new Float64Array(n);
    for (let i = 0; i < n; i++) v[i] = vectors.get(i, c);
    return v;
  });
}

/**
 * Completes columns to an orthonormal basis of R^n: given columns stay (after re-orthonormalising, in order),
 * null ones are filled from `candidates` (preferred directions) and then the standard basis, by Gram–Schmidt.
 */
function complete(columns: (Float64Array | null)[], n: number, candidates: readonly Float64Array[]): Float64Array[] {
  const basis: Float64Array[] = [];
  const orthogonalise = (v: Float64Array): Float64Array | null => {
    const w = Float64Array.from(v);
    for (let pass = 0; pass < 2; pass++) {
      for (const b of basis) {
        let dot = 0;
        for (let i = 0; i < n; i++) dot += b[i]! * w[i]!;
        for (let i = 0; i < n; i++) w[i] -= dot * b[i]!;
      }
    }
    const r = norm(w);
    if (!(r > 1e-8 * Math.max(norm(v), 1e-300))) return null;
    for (let i = 0; i < n; i++) w[i] /= r;
    return w;
  };
  const out: (Float64Array | null)[] = columns.slice(0, n);
  while (out.length < n) out.push(null);
  for (let c = 0; c < n; c++) {
    const col = out[c];
    if (col != null) {
      const w = orthogonalise(col);
      out[c] = w;
      if (w !== null) basis.push(w);
    }
  }
  const pool = [...candidates];
  for (let i = 0; i < n; i++) {
    const e = new Float64Array(n);
    e[i] = 1;
    pool.push(e);
  }
  let next = 0;
  for (let c = 0; c < n; c++) {
    if (out[c] != null) continue;
    while (next < pool.length) {
      const w = orthogonalise(pool[next++]!);
      if (w !== null) {
        out[c] = w;
        basis.push(w);
        break;
      }
    }
  }
  return out as Float64Array[];
}

function toDense(columns: readonly Float64Array[], n: number): Dense {
  const data = new Float64Array(n * n);
  columns.forEach((col, c) => {
    for (let i = 0; i < n; i++) data[i * n + c] = col[i]!;
  });
  return { rows: n, cols: n, data };
}

function column(basis: Dense, c: number): Float64Array {
  const v = new Float64Array(basis.rows);
  for (let i = 0; i < basis.rows; i++) v[i] = basis.data[i * basis.cols + c]!;
  return v;
}

/** Aᵀ M B for bases A (m×m) and B (n×n) and M (m×n). */
export function inBases(a: Dense, m: Dense, b: Dense): Dense {
  const mb = new Float64Array(m.rows * b.cols);
  for (let i = 0; i < m.rows; i++)
    for (let k = 0; k < m.cols; k++) {
      const v = m.data[i * m.cols + k]!;
      if (v === 0) continue;
      for (let j = 0; j < b.cols; j++) mb[i * b.cols + j] += v * b.data[k * b.cols + j]!;
    }
  const out = new Float64Array(a.cols * b.cols);
  for (let k = 0; k < a.rows; k++)
    for (let i = 0; i < a.cols; i++) {
      const v = a.data[k * a.cols + i]!;
      if (v === 0) continue;
      for (let j = 0; j < b.cols; j++) out[i * b.cols + j] += v * mb[k * b.cols + j]!;
    }
  return { rows: a.cols, cols: b.cols, data: out };
}

/** Finds shared-mode bases for the input and output nodes (hidden nodes get the identity here). */
export function findSharedModes(graph: GatedGraph, stats: PathStatistics): SharedModes {
  const { paths, yx, x } = stats;
  const n = graph.nodes.length;
  const size = (v: number): number => graph.nodes[v]!.size;
  // A fixed generator: the combination must be generic, not random from run to run.
  const random = createRandom(0x5eed);
  const weight = (): number => 0.5 + random.uniform();

  // Symmetric generic combinations per input and output node.
  const sym: Float64Array[] = graph.nodes.map((node) => new Float64Array(node.size * node.size));
  paths.forEach((p, i) => {
    const m = yx[i]!;
    const r = weight();
    const a = sym[p.input]!;
    const b = sym[p.output]!;
    const ns = m.cols;
    const nt = m.rows;
    for (let k = 0; k < nt; k++)
      for (let i1 = 0; i1 < ns; i1++) {
        const v = m.data[k * ns + i1]!;
        if (v === 0) continue;
        for (let i2 = 0; i2 < ns; i2++) a[i1 * ns + i2] += r * v * m.data[k * ns + i2]!;
      }
    for (let k1 = 0; k1 < nt; k1++)
      for (let j = 0; j < ns; j++) {
        const v = m.data[k1 * ns + j]!;
        if (v === 0) continue;
        for (let k2 = 0; k2 < nt; k2++) b[k1 * nt + k2] += r * v * m.data[k2 * ns + j]!;
      }
  });
  for (const [key, m] of x) {
    const [j, p] = key.split(',').map(Number) as [number, number];
    const u = paths[j]!.input;
    if (u !== paths[p]!.input) continue;
    const r = weight();
    const a = sym[u]!;
    const nu = size(u);
    for (let i1 = 0; i1 < nu; i1++)
      for (let i2 = 0; i2 < nu; i2++) a[i1 * nu + i2] += 0.5 * r * (m.data[i1 * nu + i2]! + m.data[i2 * nu + i1]!);
  }

  // Transport from input nodes to outputs and back, component by component.
  const cols: (Float64Array | null)[][] = graph.nodes.map((node) => new Array<Float64Array | null>(node.size).fill(null));
  const done = new Array<boolean>(n).fill(false);
  const pathsFrom = new Map<number, number[]>();
  const pathsTo = new Map<number, number[]>();
  paths.forEach((p, i) => {
    (pathsFrom.get(p.input) ?? pathsFrom.set(p.input, []).get(p.input)!).push(i);
    (pathsTo.get(p.output) ?? pathsTo.set(p.output, []).get(p.output)!).push(i);
  });
  const eigen = graph.nodes.map((node, v) => (node.kind === 'hidden' ? [] : symmetricEigenvectors(sym[v]!, node.size)));
  const finish = (v: number): void => {
    const basis = complete(cols[v]!, size(v), eigen[v]!);
    cols[v] = basis;
    done[v] = true;
  };
  for (let start = 0; start < n; start++) {
    if (graph.nodes[start]!.kind !== 'input' || done[start]) continue;
    cols[start] = eigen[start]!.slice();
    finish(start);
    const queue = [start];
    while (queue.length) {
      const v = queue.shift()!;
      const isInput = graph.nodes[v]!.kind === 'input';
      const links = (isInput ? pathsFrom.get(v) : pathsTo.get(v)) ?? [];
      const targets = new Map<number, number[]>();
      for (const i of links) {
        const other = isInput ? paths[i]!.output : paths[i]!.input;
        // A path whose statistic vanishes (an untrained pair, a gated-off route) carries no basis.
        if (done[other] || !yx[i]!.data.some((v) => v !== 0)) continue;
        (targets.get(other) ?? targets.set(other, []).get(other)!).push(i);
      }
      for (const [other, via] of targets) {
        const k = Math.min(size(v), size(other));
        const into = cols[other]!;
        for (let c = 0; c < k; c++) {
          const src = cols[v]![c]!;
          const acc = new Float64Array(size(other));
          for (const i of via) {
            const moved = isInput ? apply(yx[i]!, src) : applyT(yx[i]!, src);
            const r = weight();
            for (let t = 0; t < acc.length; t++) acc[t] += r * moved[t]!;
          }
          const len = norm(acc);
          if (len > 0) {
            for (let t = 0; t < acc.length; t++) acc[t] /= len;
            into[c] = acc;
          }
        }
        finish(other);
        queue.push(other);
      }
    }
  }
  const bases = graph.nodes.map((node, v) => {
    if (node.kind === 'hidden') return identityDense(node.size);
    if (!done[v]) finish(v);
    return toDense(cols[v] as Float64Array[], node.size);
  });
  return diagonalise(graph, stats, bases);
}

export function identityDense(n: number): Dense {
  const data = new Float64Array(n * n);
  for (let i = 0; i < n; i++) data[i * n + i] = 1;
  return { rows: n, cols: n, data };
}

/** The diagonals of every statistic in the given bases, and the residual off the diagonal. */
export function diagonalise(graph: GatedGraph, stats: PathStatistics, bases: readonly Dense[]): SharedModes {
  const { paths, yx, x } = stats;
  let biggest = 0;
  let off = 0;
  let worst = '';
  const scan = (m: Dense, what: string): Float64Array => {
    const k = Math.min(m.rows, m.cols);
    const diag = new Float64Array(k);
    for (let i = 0; i < m.rows; i++)
      for (let j = 0; j < m.cols; j++) {
        const v = Math.abs(getT(m, i, j));
        biggest = Math.max(biggest, v);
        if (i === j) diag[i] = getT(m, i, j);
        else if (v > off) {
          off = v;
          worst = `${what} entry (${i}, ${j})`;
        }
      }
    return diag;
  };
  const s = paths.map((p, i) => scan(inBases(bases[p.output]!, yx[i]!, bases[p.input]!), `Σyx of path ${pathName(graph, p.edges)}`));
  const d = new Map<string, Float64Array>();
  for (const [key, m] of x) {
    const [j, p] = key.split(',').map(Number) as [number, number];
    d.set(key, scan(inBases(bases[paths[j]!.input]!, m, bases[paths[p]!.input]!), `Σx of paths ${pathName(graph, paths[j]!.edges)} and ${pathName(graph, paths[p]!.edges)}`));
  }
  const residual = biggest > 0 ? off / biggest : 0;
  return { bases, s, d, residual, worst };
}

export function pathName(graph: GatedGraph, edges: readonly number[]): string {
  return edges.map((e) => graph.edges[e]!.id).join('→');
}

/** Random orthogonal n×n bases for the hidden nodes (A2 lets R_v be any orthogonal matrix there). */
export function withHiddenBases(graph: GatedGraph, modes: SharedModes, random: Random): Dense[] {
  return graph.nodes.map((node, v) => {
    if (node.kind !== 'hidden') return modes.bases[v]!;
    return orthogonal(node.size, random);
  });
}

/** A random n×n orthogonal matrix: Gram–Schmidt of Gaussian columns, twice. */
export function orthogonal(n: number, random: Random): Dense {
  const columns: (Float64Array | null)[] = [];
  for (let c = 0; c < n; c++) {
    const v = new Float64Array(n);
    for (let i = 0; i < n; i++) v[i] = random.normal();
    columns.push(v);
  }
  return toDense(complete(columns, n, []), n);
}

/** W_e = R_t B_e R_sᵀ with B_e = diag(b) (rectangular). */
export function decoupledWeight(rt: Dense, b: ArrayLike<number>, rs: Dense): Dense {
  const rows = rt.rows;
  const cols = rs.rows;
  const k = Math.min(rows, cols, b.length);
  const data = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++)
    for (let a = 0; a < k; a++) {
      const f = rt.data[i * rt.cols + a]! * b[a]!;
      if (f === 0) continue;
      for (let j = 0; j < cols; j++) data[i * cols + j] += f * rs.data[j * rs.cols + a]!;
    }
  return { rows, cols, data };
}

export { column };
