/**
 * Problems of the paper as builders: the routing task of Saxe, Sodhani & Lewallen (2022, the authors'
 * `Gated_DLN_solution_verification_figure` notebook; research/companions-sources.md §1.2) and a k-path graph,
 * plus the conversion between the authors' loss and learning rate and this package's.
 */

/** The routing task's 7 × 4 targets: rows [6,6,6,6], [4,4,0,0], [0,0,4,4], then 3·I₄ (singular values √185, √41, 3, 3). */
export const ROUTING_TARGETS: readonly (readonly number[])[] = [
  [6, 6, 6, 6],
  [4, 4, 0, 0],
  [0, 0, 4, 4],
  [3, 0, 0, 0],
  [0, 3, 0, 0],
  [0, 0, 3, 0],
  [0, 0, 0, 3],
];

export interface RoutingOptions {
  /** Number of input and of output domains M (default 7). */
  readonly domains?: number;
  /** Output offsets trained for each input i: pairs (i, i + o mod M) (default −1, 0, 1, 2: K = 4 of M). */
  readonly offsets?: readonly number[];
  /** Hidden width (default 64). */
  readonly hidden?: number;
  /**
   * How the contexts are weighted: "trained" (default) — one context per trained pair, weight 1/(K·M), the
   * authors' dataset; "all pairs" — every one of the M² pairs with weight 1/M², untrained pairs naming no target
   * (a trial draws a pair uniformly and only trained pairs are scored: the authors' ODE rates K/M² and K/M).
   */
  readonly weighting?: 'trained' | 'all pairs';
  /** Multiplies the inputs X = I₄ and the targets (default 1; 2 makes (1/P)·X Xᵀ = I, i.e. whitened items). */
  readonly scale?: number;
  readonly init?: unknown;
  readonly train?: unknown;
  readonly engine?: 'network' | 'reduced';
  /**
   * One hidden matrix shared by every pair (default true, the paper's network) or, with false, a separate
   * hidden matrix per trained pair (nodes h1_i after each encoder, h2_j before each decoder, edges hid_i_j):
   * the control that shows the race's bias towards shared edges.
   */
  readonly sharedHidden?: boolean;
  /** Add every pair as a held-out `evaluate` context (in pair order i·M + j). */
  readonly evaluateAllPairs?: boolean;
}

function eye(n: number, s: number): number[][] {
  return Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? s : 0)));
}

/** Whether input domain i is trained with output domain j. */
export function routingTrained(i: number, j: number, domains = 7, offsets: readonly number[] = [-1, 0, 1, 2]): boolean {
  return offsets.some((o) => (((i + o) % domains) + domains) % domains === j);
}

/** The routing network as a gated problem (plain JSON, for solveGated or a file). */
export function routingProblem(options: RoutingOptions = {}): Record<string, unknown> {
  const M = options.domains ?? 7;
  const offsets = options.offsets ?? [-1, 0, 1, 2];
  const hidden = options.hidden ?? 64;
  const scale = options.scale ?? 1;
  const weighting = options.weighting ?? 'trained';
  const K = new Set(offsets.map((o) => ((o % M) + M) % M)).size;
  const nodes: Record<string, unknown>[] = [];
  const edges: Record<string, unknown>[] = [];
  for (let i = 0; i < M; i++) nodes.push({ id: `x${i}`, size: 4, kind: 'input' });
  if (options.sharedHidden ?? true) {
    nodes.push({ id: 'h1', size: hidden }, { id: 'h2', size: hidden });
    for (let i = 0; i < M; i++) edges.push({ id: `enc${i}`, from: `x${i}`, to: 'h1' });
    edges.push({ id: 'shared', from: 'h1', to: 'h2' });
    for (let j = 0; j < M; j++) edges.push({ id: `dec${j}`, from: 'h2', to: `y${j}` });
  } else {
    for (let i = 0; i < M; i++) nodes.push({ id: `h1_${i}`, size: hidden });
    for (let j = 0; j < M; j++) nodes.push({ id: `h2_${j}`, size: hidden });
    for (let i = 0; i < M; i++) edges.push({ id: `enc${i}`, from: `x${i}`, to: `h1_${i}` });
    for (let i = 0; i < M; i++) {
      for (let j = 0; j < M; j++) if (routingTrained(i, j, M, offsets)) edges.push({ id: `hid${i}_${j}`, from: `h1_${i}`, to: `h2_${j}` });
    }
    for (let j = 0; j < M; j++) edges.push({ id: `dec${j}`, from: `h2_${j}`, to: `y${j}` });
  }
  for (let j = 0; j < M; j++) nodes.push({ id: `y${j}`, size: 7, kind: 'output' });
  const X = eye(4, scale);
  const Y = ROUTING_TARGETS.map((row) => row.map((v) => v * scale));
  const contexts: Record<string, unknown>[] = [];
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < M; j++) {
      const trained = routingTrained(i, j, M, offsets);
      if (weighting === 'trained' && !trained) continue;
      contexts.push({
        weight: weighting === 'trained' ? 1 / (K * M) : 1 / (M * M),
        inputs: { [`x${i}`]: X },
        targets: trained ? { [`y${j}`]: Y } : {},
      });
    }
  }
  const problem: Record<string, unknown> = {
    graph: { nodes, edges },
    contexts,
    init: options.init ?? { decoupled: { scale: 0.08, seed: 1 } },
    train: options.train ?? { method: 'gd', learningRate: 0.16, steps: 500, recordEvery: 10 },
  };
  if (options.engine) problem['engine'] = options.engine;
  if (options.evaluateAllPairs) {
    const evaluate: Record<string, unknown>[] = [];
    for (let i = 0; i < M; i++) for (let j = 0; j < M; j++) evaluate.push({ inputs: { [`x${i}`]: X }, targets: { [`y${j}`]: Y } });
    problem['evaluate'] = evaluate;
  }
  return problem;
}

/**
 * The authors' loss is Σ over trained pairs of torch's MSELoss(mean) over the n_out·P entries of the pair;
 * ours is Σ_c w_c (1/P) ½ ‖Y − H‖² with w_c = 1/N_pairs, so L_theirs = (2·N_pairs/n_out) · L_ours (8 for the
 * routing task: 28 pairs, n_out = 7), and the same GD trajectory needs η_ours = (2·N_pairs/n_out) · η_theirs.
 */
export function authorsLossFactor(pairs: number, outputSize: number): number {
  return (2 * pairs) / outputSize;
}

/**
 * A k-path graph: one input and one output joined by k parallel chains of `depth` edges (or depth[a] for chain a) through hidden nodes
 * of the given width — Shi et al.'s multi-pathway network as a gated graph (every gate on by default).
 */
export function kPathGraph(k: number, depth: number | readonly number[], sizes: { input: number; hidden: number; output: number }): Record<string, unknown> {
  const nodes: Record<string, unknown>[] = [
    { id: 'x', size: sizes.input, kind: 'input' },
    { id: 'y', size: sizes.output, kind: 'output' },
  ];
  const edges: Record<string, unknown>[] = [];
  for (let a = 0; a < k; a++) {
    let prev = 'x';
    const D = typeof depth === 'number' ? depth : depth[a]!;
    for (let l = 0; l < D; l++) {
      const to = l === D - 1 ? 'y' : `h${a}_${l}`;
      if (l < D - 1) nodes.push({ id: to, size: sizes.hidden });
      edges.push({ id: `p${a}_${l}`, from: prev, to });
      prev = to;
    }
  }
  return { nodes, edges };
}
