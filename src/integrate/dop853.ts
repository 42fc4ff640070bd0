/**
 * DOP853: the explicit Runge–Kutta method of order 8 of Dormand & Prince (1980) with Hairer's error estimator
 * built from embedded 5th- and 3rd-order solutions and a 7th-degree continuous extension (Hairer, Nørsett &
 * Wanner, "Solving ODEs I", §II.5 and §II.10; the code dop853.f). Coefficients: Hairer's published table.
 *
 * Why here: at the tolerances of the reduced-model benchmark (rtol 1e-8) an 8th-order method needs about a
 * third of DOPRI5's steps through a mode's plateau and transition (measured on the bench problem set: ≈ 17
 * steps instead of ≈ 54 to learn a mode to 1e-6), and each step's fixed costs (step control, dense-output
 * storage, bookkeeping) are paid a third as often. 12 right-hand sides per step (FSAL: the 13th is the next
 * step's first), 3 more for the dense output.
 *
 * Step control as dop853.f: err = h·E5²/√((E5² + 0.01·E3²)·n) (RMS-type norm of the 5th-order estimate,
 * damped where the 3rd-order one is large), step ratio in [1/6, 3]... written as hnew = h / fac with
 * fac = err^{1/8}/0.9 clamped to [1/6, 3], no PI term (β = 0, the code's default): HairerPI with DOP853_PI.
 * No stiffness detection (nothing hands over from DOP853).
 */
import type { RunContext } from './context.ts';
import { DOP853_PI, HairerPI } from './controllers.ts';
import { MethodBase, runAdaptive, type Method } from './loop.ts';
import { WorkPool } from './memory.ts';
import { solveWith } from './entry.ts';
import type { OdeProblem, OdeSolution, RightHandSide, SolverOptions } from './types.ts';

/** Stages: 12 for the step, the 13th is f(t + h, y1), 3 more for the dense output. */
const STAGES = 16;

const C = [
  0, 0.526001519587677318785587544488e-1, 0.789002279381515978178381316732e-1, 0.11835034190722739672675719751,
  0.28164965809277260327324280249, 0.333333333333333333333333333333, 0.25, 0.307692307692307692307692307692,
  0.651282051282051282051282051282, 0.6, 0.857142857142857142857142857142, 1, 1, 0.1, 0.2,
  0.777777777777777777777777777778,
];

/** A[s][j], j < s: stage s is evaluated at y + h Σ_j A[s][j] K_j. Row 12 holds the weights b of the solution. */
const A: number[][] = [
  [],
  [5.26001519587677318785587544488e-2],
  [1.97250569845378994544595329183e-2, 5.91751709536136983633785987549e-2],
  [2.95875854768068491816892993775e-2, 0, 8.87627564304205475450678981324e-2],
  [2.41365134159266685502369798665e-1, 0, -8.84549479328286085344864962717e-1, 9.24834003261792003115737966543e-1],
  [3.7037037037037037037037037037e-2, 0, 0, 1.70828608729473871279604482173e-1, 1.25467687566822425016691814123e-1],
  [3.7109375e-2, 0, 0, 1.70252211019544039314978060272e-1, 6.02165389804559606850219397283e-2, -1.7578125e-2],
  [
    3.70920001185047927108779319836e-2, 0, 0, 1.70383925712239993810214054705e-1, 1.07262030446373284651809199168e-1,
    -1.53194377486244017527936158236e-2, 8.27378916381402288758473766002e-3,
  ],
  [
    6.24110958716075717114429577812e-1, 0, 0, -3.36089262944694129406857109825, -8.68219346841726006818189891453e-1,
    2.75920996994467083049415600797e1, 2.01540675504778934086186788979e1, -4.34898841810699588477366255144e1,
  ],
  [
    4.77662536438264365890433908527e-1, 0, 0, -2.48811461997166764192642586468, -5.90290826836842996371446475743e-1,
    2.12300514481811942347288949897e1, 1.52792336328824235832596922938e1, -3.32882109689848629194453265587e1,
    -2.03312017085086261358222928593e-2,
  ],
  [
    -9.3714243008598732571704021658e-1, 0, 0, 5.18637242884406370830023853209, 1.09143734899672957818500254654,
    -8.14978701074692612513997267357, -1.85200656599969598641566180701e1, 2.27394870993505042818970056734e1,
    2.49360555267965238987089396762, -3.0467644718982195003823669022,
  ],
  [
    2.27331014751653820792359768449, 0, 0, -1.05344954667372501984066689879e1, -2.00087205822486249909675718444,
    -1.79589318631187989172765950534e1, 2.79488845294199600508499808837e1, -2.85899827713502369474065508674,
    -8.87285693353062954433549289258, 1.23605671757943030647266201528e1, 6.43392746015763530355970484046e-1,
  ],
  [
    5.42937341165687622380535766363e-2, 0, 0, 0, 0, 4.45031289275240888144113950566, 1.89151789931450038304281599044,
    -5.8012039600105847814672114227, 3.1116436695781989440891606237e-1, -1.52160949662516078556178806805e-1,
    2.01365400804030348374776537501e-1, 4.47106157277725905176885569043e-2,
  ],
  [
    5.61675022830479523392909219681e-2, 0, 0, 0, 0, 0, 2.53500210216624811088794765333e-1,
    -2.46239037470802489917441475441e-1, -1.24191423263816360469010140626e-1, 1.5329179827876569731206322685e-1,
    8.20105229563468988491666602057e-3, 7.56789766054569976138603589584e-3, -8.298e-3,
  ],
  [
    3.18346481635021405060768473261e-2, 0, 0, 0, 0, 2.83009096723667755288322961402e-2,
    5.35419883074385676223797384372e-2, -5.49237485713909884646569340306e-2, 0, 0,
    -1.08347328697249322858509316994e-4, 3.82571090835658412954920192323e-4, -3.40465008687404560802977114492e-4,
    1.41312443674632500278074618366e-1,
  ],
  [
    -4.28896301583791923408573538692e-1, 0, 0, 0, 0, -4.69762141536116384314449447206, 7.68342119606259904184240953878,
    4.06898981839711007970213554331, 3.56727187455281109270669543021e-1, 0, 0, 0, -1.39902416515901462129418009734e-3,
    2.9475147891527723389556272149, -9.15095847217987001081870187138,
  ],
];
/** Weights of the 8th-order solution (over stages 0..11). */
const B = A[12]!;
/** Weights of the embedded 3rd-order solution differ from B at stages 0, 8 and 11 (Hairer's BHH). */
const BHH0 = 0.244094488188976377952755905512;
const BHH8 = 0.733846688281611857341361741547;
const BHH11 = 0.220588235294117647058823529412e-1;
/** 8th minus 3rd order: E3 = B − BHH. */
const E3 = B.map((b, j) => b - (j === 0 ? BHH0 : j === 8 ? BHH8 : j === 11 ? BHH11 : 0));
/** 8th minus embedded 5th order (Hairer's ER). */
const E5 = [
  0.1312004499419488073250102996e-1, 0, 0, 0, 0, -0.1225156446376204440720569753e1, -0.4957589496572501915214079952,
  0.1664377182454986536961530415e1, -0.350328848749973681688648729, 0.3341791187130174790297318841,
  0.8192320648511571246570742613e-1, -0.2235530786388629525884427845e-1,
];
/** Dense output: r5..r8 = h Σ_j D[r][j] K_j over stages 0 and 5..15 (zeros elsewhere). */
const DENSE: number[][] = [
  [
    -0.84289382761090128651353491142e1, 0, 0, 0, 0, 0.5667149535193777696253178359, -0.30689499459498916912797304727e1,
    0.2384667656512069828772814968e1, 0.21170345824450282767155149946e1, -0.8713915837779729920678990749,
    0.2240437430260788275854177165e1, 0.6315787787694688181557024929, -0.889903364513333108206981174e-1,
    0.18148505520854727256656404962e2, -0.91946323924783554000451984436e1, -0.44360363875948939664310572e1,
  ],
  [
    0.10427508642579134603413151009e2, 0, 0, 0, 0, 0.24228349177525818288430175319e3, 0.16520045171727028198505394887e3,
    -0.37454675472269020279518312152e3, -0.22113666853125306036270938578e2, 0.77334326684722638389603898808e1,
    -0.30674084731089398182061213626e2, -0.93321305264302278729567221706e1, 0.15697238121770843886131091075e2,
    -0.31139403219565177677282850411e2, -0.93529243588444783865713862664e1, 0.3581684148639408375246589854e2,
  ],
  [
    0.19985053242002433820987653617e2, 0, 0, 0, 0, -0.38703730874935176555105901742e3,
    -0.18917813819516756882830838328e3, 0.52780815920542364900561016686e3, -0.11573902539959630126141871134e2,
    0.68812326946963000169666922661e1, -0.1000605096691083840318386098e1, 0.7777137798053443209286926574,
    -0.27782057523535084065932004339e1, -0.60196695231264120758267380846e2, 0.84320405506677161018159903784e2,
    0.1199229113618278932803513003e2,
  ],
  [
    -0.25693933462703749003312586129e2, 0, 0, 0, 0, -0.15418974869023643374053993627e3,
    -0.23152937917604549567536039109e3, 0.3576391179106141237828534991e3, 0.93405324183624310003907691704e2,
    -0.37458323136451633156875139351e2, 0.10409964950896230045147246184e3, 0.29840293426660503123344363579e2,
    -0.43533456590011143754432175058e2, 0.963245539591882829483949506e2, -0.39177261675615439165231486172e2,
    -0.14972683625798562581422125276e3,
  ],
];

/** A weight row as its non-zero entries: stage indices and coefficients, for tight loops. */
interface SparseRow {
  readonly idx: Int32Array;
  readonly coef: Float64Array;
}

function sparse(row: readonly number[]): SparseRow {
  const idx: number[] = [];
  const coef: number[] = [];
  row.forEach((a, j) => {
    if (a !== 0) {
      idx.push(j);
      coef.push(a);
    }
  });
  return { idx: Int32Array.from(idx), coef: Float64Array.from(coef) };
}

const A_ROWS: readonly SparseRow[] = A.map(sparse);
const E3_ROW = sparse(E3);
const E5_ROW = sparse(E5);
const DENSE_ROWS: readonly SparseRow[] = DENSE.map(sparse);

/**
 * Preallocated stage vectors of one solve, in one flat buffer: stage s occupies k[s·n … (s+1)·n), with a
 * subarray view per stage for the right-hand side to write into. Stage 0 is f(t, y) and stage 12 is
 * f(t + h, y1); after an accepted step stage 12 is copied to stage 0 (FSAL).
 */
class Dop853Work extends MethodBase implements Method {
  readonly n: number;
  readonly order = 8;
  readonly k: Float64Array;
  readonly views: Float64Array[];
  readonly ytmp: Float64Array;
  /** The argument of stage 11 (at t + h); scratch for the starting step. */
  readonly ystage11: Float64Array;
  y1: Float64Array;
  /** The run's current state (swapped with y1 after each accepted step). */
  y: Float64Array;

  constructor(n: number) {
    super();
    this.n = n;
    this.y = new Float64Array(n);
    this.k = new Float64Array(STAGES * n);
    this.views = [];
    for (let s = 0; s < STAGES; s++) this.views.push(this.k.subarray(s * n, (s + 1) * n));
    this.ytmp = new Float64Array(n);
    this.ystage11 = new Float64Array(n);
    this.y1 = new Float64Array(n);
  }

  /** dest = y + h Σ_j row_j K_j. */
  combine(row: SparseRow, h: number, y: Float64Array, dest: Float64Array): void {
    const n = this.n;
    const k = this.k;
    const { idx, coef } = row;
    const m = idx.length;
    for (let i = 0; i < n; i++) {
      let acc = 0;
      for (let r = 0; r < m; r++) acc += coef[r]! * k[idx[r]! * n + i]!;
      dest[i] = y[i]! + h * acc;
    }
  }

  /** Σ_j row_j K_j for component i. */
  weighted(row: SparseRow, i: number): number {
    const n = this.n;
    const k = this.k;
    const { idx, coef } = row;
    const m = idx.length;
    let acc = 0;
    for (let r = 0; r < m; r++) acc += coef[r]! * k[idx[r]! * n + i]!;
    return acc;
  }

  /**
   * One trial step from (t, y) with stage 0 = f(t, y): stages 1..11, the new solution y1 and stage 12 =
   * f(tph, y1). Twelve right-hand-side evaluations.
   */
  step(rhs: RightHandSide, t: number, h: number, tph: number, y: Float64Array): void {
    const views = this.views;
    const ytmp = this.ytmp;
    for (let s = 1; s < 11; s++) {
      this.combine(A_ROWS[s]!, h, y, ytmp);
      rhs(t + C[s]! * h, ytmp, views[s]!);
    }
    this.combine(A_ROWS[11]!, h, y, this.ystage11);
    rhs(tph, this.ystage11, views[11]!);
    this.combine(A_ROWS[12]!, h, y, this.y1);
    rhs(tph, this.y1, views[12]!);
  }

  /** The three extra stages of the continuous extension (after an accepted step from t with size h). */
  denseStages(rhs: RightHandSide, t: number, h: number, y: Float64Array): void {
    for (let s = 13; s < 16; s++) {
      this.combine(A_ROWS[s]!, h, y, this.ytmp);
      rhs(t + C[s]! * h, this.ytmp, this.views[s]!);
    }
  }

  private t = 0.5;
  private h = 0.5;

  get f(): Float64Array {
    return this.views[0]!;
  }

  get scratchY(): Float64Array {
    return this.ytmp;
  }

  get scratchF(): Float64Array {
    return this.ystage11;
  }

  /**
   * Error estimate as dop853.f: err = h·E5²/√((E5² + 0.01·E3²)·n); `0 * (y1 + f1)` is NaN exactly when the new
   * state or its derivative is not finite.
   */
  attempt(t: number, h: number, tph: number): number {
    this.t = t;
    this.h = h;
    const y = this.y;
    this.step(this.rhs, t, h, tph, y);
    this.stats.rhsEvaluations += 12;
    const n = this.n;
    const y1 = this.y1;
    const f1 = this.views[12]!;
    const rtol = this.rtol;
    const atol = this.atol;
    let err5 = 0;
    let err3 = 0;
    let bad = 0;
    for (let i = 0; i < n; i++) {
      const y1i = y1[i]!;
      const sk = atol + rtol * Math.max(Math.abs(y[i]!), Math.abs(y1i));
      const e5 = this.weighted(E5_ROW, i) / sk;
      const e3 = this.weighted(E3_ROW, i) / sk;
      err5 += e5 * e5;
      err3 += e3 * e3;
      bad += 0 * (y1i + f1[i]!);
    }
    let deno = err5 + 0.01 * err3;
    if (!(deno > 0)) deno = 1;
    const err = (h * err5) / Math.sqrt(n * deno) + bad;
    return err < 0 ? 0 : err;
  }

  /** The three extra stages, then the 7th-degree continuous extension r1..r8 (zeros in any further vectors). */
  store(c: Float64Array, off: number, nvec: number): void {
    const n = this.n;
    const h = this.h;
    const y = this.y;
    const y1 = this.y1;
    const f0 = this.views[0]!;
    const f1 = this.views[12]!;
    this.denseStages(this.rhs, this.t, h, y);
    this.stats.rhsEvaluations += 3;
    for (let i = 0; i < n; i++) {
      const o = off + i;
      const ydiff = y1[i]! - y[i]!;
      const bspl = h * f0[i]! - ydiff;
      c[o] = y[i]!;
      c[o + n] = ydiff;
      c[o + 2 * n] = bspl;
      c[o + 3 * n] = ydiff - h * f1[i]! - bspl;
      c[o + 4 * n] = h * this.weighted(DENSE_ROWS[0]!, i);
      c[o + 5 * n] = h * this.weighted(DENSE_ROWS[1]!, i);
      c[o + 6 * n] = h * this.weighted(DENSE_ROWS[2]!, i);
      c[o + 7 * n] = h * this.weighted(DENSE_ROWS[3]!, i);
      for (let v = 8; v < nvec; v++) c[o + v * n] = 0;
    }
  }

  /** FSAL: the last stage f(t + h, y1) becomes the first stage of the next step; y1 becomes y (swapped). */
  advance(): void {
    this.fsal();
    const y = this.y;
    this.y = this.y1;
    this.y1 = y;
  }

  /** The last stage f(t + h, y1) becomes the first stage. */
  fsal(): void {
    const n = this.n;
    this.k.copyWithin(0, 12 * n, 13 * n);
  }
}

const pool = new WorkPool((n) => new Dop853Work(n));

/** Runs DOP853 with its controller on `ctx` from ctx.t to tEnd (or a terminal event / failure). */
export function runDop853(ctx: RunContext): undefined {
  const w = pool.take(ctx.n);
  runAdaptive(ctx, w, new HairerPI(DOP853_PI), null);
  pool.give(ctx.n, w);
  return undefined;
}

/** DOP853 with dense output and events; see the module comment. */
export function dop853(problem: OdeProblem, options: SolverOptions): OdeSolution {
  return solveWith(problem, options, 'dop853', 8, runDop853);
}

/**
 * Test helper: `steps` equal DOP853 steps from t0 to tEnd without error control (order-of-accuracy tests).
 * Returns the state at tEnd.
 */
export function dop853FixedSteps(problem: OdeProblem, steps: number): Float64Array {
  const n = problem.dimension;
  const w = new Dop853Work(n);
  let y: Float64Array = Float64Array.from(problem.y0);
  const h = (problem.tEnd - problem.t0) / steps;
  problem.rhs(problem.t0, y, w.views[0]!);
  for (let s = 0; s < steps; s++) {
    const t = problem.t0 + s * h;
    w.step(problem.rhs, t, h, t + h, y);
    const ny = w.y1;
    w.y1 = y;
    y = ny;
    w.fsal();
  }
  return y;
}

/**
 * Test helper: one DOP853 step of size h from (t0, y0), then its continuous extension evaluated at θ ∈ [0, 1]
 * (for the order test of the dense output).
 */
export function dop853DenseStep(problem: OdeProblem, h: number, thetas: readonly number[]): Float64Array[] {
  const n = problem.dimension;
  const w = new Dop853Work(n);
  const y = Float64Array.from(problem.y0);
  const t = problem.t0;
  problem.rhs(t, y, w.views[0]!);
  w.step(problem.rhs, t, h, t + h, y);
  w.denseStages(problem.rhs, t, h, y);
  const r = new Float64Array(8 * n);
  for (let i = 0; i < n; i++) {
    const ydiff = w.y1[i]! - y[i]!;
    const bspl = h * w.views[0]![i]! - ydiff;
    r[i] = y[i]!;
    r[n + i] = ydiff;
    r[2 * n + i] = bspl;
    r[3 * n + i] = ydiff - h * w.views[12]![i]! - bspl;
    for (let v = 0; v < 4; v++) r[(4 + v) * n + i] = h * w.weighted(DENSE_ROWS[v]!, i);
  }
  return thetas.map((th) => {
    const out = new Float64Array(n);
    const t1 = 1 - th;
    for (let i = 0; i < n; i++) {
      const c = (v: number): number => r[v * n + i]!;
      out[i] = c(0) + th * (c(1) + t1 * (c(2) + th * (c(3) + t1 * (c(4) + th * (c(5) + t1 * (c(6) + th * c(7)))))));
    }
    return out;
  });
}
