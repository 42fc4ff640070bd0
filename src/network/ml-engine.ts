/**
 * The reference engine: the textbook equations with ml-matrix `Matrix` operations, nothing cached, nothing
 * fused, no attention to speed. It is the ground truth the WebAssembly and JavaScript engines are checked
 * against (spec/network/reference.spec.ts), and `"kernels": "ml-matrix"` selects it in a `dln simulate` spec.
 *
 * Every quantity is formed from θ when it is needed:
 *   forward   H^0 = I (linear: one column per input direction) or Xᵀ (nonlinear: one column per sample),
 *             Z^{d+1} = W^d H^d,  H^{d+1} = φ(Z^{d+1}),  output = Σ_a H_a^{D_a}  (= Ω for linear pathways)
 *   error     linear:    E = Σ^{yx} − Ω Σ^x
 *             nonlinear: δ = c (Yᵀ − Ŷ) = −∂L/∂Ŷ
 *   backward  the rule's signals G_ℓ (gradient: G = error ∘ φ′(Z) at the top, G^{d−1} = (W^{dᵀ} G^d) ∘ φ′(Z^d))
 *   update    W ← W + η G Hᵀ   (the gradient rule: W ← W − η ∂L/∂W);  flow  dW/dt = G Hᵀ
 *   loss      L = (c/2) ‖Yᵀ − Ŷ‖²_F over the dataset's samples.
 */
import { Matrix } from 'ml-matrix';
import { ValidationError } from '../util/errors.ts';
import type { Engine, EngineOptions } from './engine.ts';
import { gradientRule } from './gradient-rule.ts';
import type { Mat } from './matrix.ts';
import { bindTheta, type Network, type Nonlinearity } from './network.ts';
import { layerRefs, ruleForm, type Gates, type LayerRef, type MatrixState, type MatrixUpdate, type UpdateRule } from './rule.ts';
import type { Task } from './task.ts';

const PHI: Record<Nonlinearity, { f: (z: number) => number; df: (z: number) => number }> = {
  linear: { f: (z) => z, df: () => 1 },
  relu: { f: (z) => Math.max(z, 0), df: (z) => (z > 0 ? 1 : 0) },
  tanh: { f: (z) => Math.tanh(z), df: (z) => 1 - Math.tanh(z) ** 2 },
};

function elementwise(m: Matrix, f: (x: number) => number): Matrix {
  const out = new Matrix(m.rows, m.columns);
  for (let i = 0; i < m.rows; i++) for (let j = 0; j < m.columns; j++) out.set(i, j, f(m.get(i, j)));
  return out;
}

const toMatrix = (m: Mat): Matrix => Matrix.from1DArray(m.rows, m.cols, m.data);

interface Pass {
  inputs: Matrix[];
  outputs: Matrix[];
  slopes: Matrix[];
  /** Σ_a H_a^{D_a}: Ω (linear, on the input basis) or Ŷ (on the given inputs). */
  total: Matrix;
  /** Per pathway: its own output H_a^{D_a}. */
  pathways: Matrix[];
}

export class MatrixEngine implements Engine {
  readonly network: Network;
  readonly task: Task;
  readonly theta: Float64Array;
  readonly rule: UpdateRule;
  private readonly layers: LayerRef[];
  private readonly update: MatrixUpdate;
  /** Linear and ungated: the covariance form (one column per input direction) applies. */
  private readonly linear: boolean;
  private readonly gates: Gates | null;

  constructor(net: Network, task: Task, options: EngineOptions = {}) {
    if ((options.kernels ?? 'ml-matrix') !== 'ml-matrix') throw new ValidationError('kernels', options.kernels, 'for the reference engine: "ml-matrix"');
    if (!Object.hasOwn(PHI, net.nonlinearity)) throw new ValidationError('nonlinearity', net.nonlinearity, 'one of "linear", "relu", "tanh"');
    this.rule = options.rule ?? gradientRule;
    const form = ruleForm(this.rule, 'matrix', 'the ml-matrix reference engine');
    this.network = net;
    this.task = task;
    this.theta = bindTheta(net);
    this.layers = layerRefs(net);
    this.gates = this.rule.gates?.bind({ network: net, task, layers: this.layers }) ?? null;
    this.linear = net.nonlinearity === 'linear' && this.gates === null;
    this.update = form.bind({ network: net, task, layers: this.layers });
  }

  refresh(): void {}

  /** The forward pass from the inputs h0 (n_in × columns); a gated rule's gates g multiply φ(Z) and φ′(Z). */
  private forward(h0: Matrix): Pass {
    const phi = PHI[this.network.nonlinearity];
    const pass: Pass = { inputs: [], outputs: [], slopes: [], total: Matrix.zeros(this.task.outputDim, h0.columns), pathways: [] };
    const gates = this.gates?.at(Float64Array.from(h0.to1DArray()), h0.columns) ?? null;
    let l = 0;
    for (const p of this.network.pathways) {
      let h = h0;
      for (const w of p.layers) {
        const z = toMatrix(w).mmul(h);
        pass.inputs.push(h);
        const g = gates?.[l] ?? null;
        const gate = g === null ? Matrix.ones(z.rows, z.columns) : Matrix.from1DArray(z.rows, z.columns, g);
        h = elementwise(z, phi.f).mul(gate);
        pass.outputs.push(h);
        pass.slopes.push(elementwise(z, phi.df).mul(gate));
        l++;
      }
      pass.pathways.push(h);
      pass.total.add(h);
    }
    return pass;
  }

  /** The state a rule sees, and the inputs H_ℓ the update multiplies with. */
  private currentState(): { state: MatrixState; pass: Pass } {
    const { dataset, sigmaX, sigmaYX } = this.task;
    let pass: Pass;
    let error: Matrix;
    if (this.linear) {
      pass = this.forward(Matrix.eye(this.task.inputDim));
      error = Matrix.sub(toMatrix(sigmaYX), pass.total.mmul(toMatrix(sigmaX)));
    } else {
      pass = this.forward(toMatrix(dataset.x).transpose());
      error = Matrix.sub(toMatrix(dataset.y).transpose(), pass.total).mul(dataset.weight);
    }
    const state: MatrixState = {
      error,
      weight: (l) => toMatrix(this.layers[l]!.weights),
      input: (l) => pass.inputs[l]!.clone(),
      output: (l) => pass.outputs[l]!.clone(),
      slope: (l) => pass.slopes[l]!.clone(),
    };
    return { state, pass };
  }

  /** ΔW_ℓ / η = G_ℓ H_ℓᵀ for every layer. */
  private velocities(): Matrix[] {
    const { state, pass } = this.currentState();
    const g = this.update.signals(state);
    return this.layers.map((l) => g[l.index]!.mmul(pass.inputs[l.index]!.transpose()));
  }

  flowInto(out: Float64Array): void {
    const v = this.velocities();
    for (const l of this.layers) out.set(v[l.index]!.to1DArray(), l.offset);
  }

  step(eta: number): void {
    const v = this.velocities();
    for (const l of this.layers) {
      const w = toMatrix(l.weights).add(v[l.index]!.mul(eta));
      l.weights.data.set(w.to1DArray());
    }
  }

  loss(): number {
    const { x, y, weight } = this.task.dataset;
    const residual = Matrix.sub(toMatrix(y).transpose(), this.forward(toMatrix(x).transpose()).total);
    return 0.5 * weight * residual.norm('frobenius') ** 2;
  }

  pathwayMaps(): Mat[] {
    return this.forward(Matrix.eye(this.task.inputDim)).pathways.map((m) => ({
      rows: m.rows,
      cols: m.columns,
      data: Float64Array.from(m.to1DArray()),
    }));
  }
}
