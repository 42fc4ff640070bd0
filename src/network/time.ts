/**
 * Converting a PyTorch-style run to the package's flow time (DESIGN §2.1).
 *
 * The package's loss on a dataset with weight c is L = (c/2) Σ_p ‖y_p − ŷ_p‖² (c = 1/P for a mean, 1 for a
 * sum; tasks posed by singular values and the hierarchical dataset use c = 1), and gradient flow is
 * τ dθ/dt = −∂L/∂θ. A PyTorch loss is L_pt = h·f·Σ_p Σ_i (y_pi − ŷ_pi)² with
 *     f = 1 (reduction 'sum'), 1/P ('mean' over samples of the summed squared error),
 *     1/(P·n_out) (nn.MSELoss's default 'mean' over every element), h = ½ if the code halves it, else 1.
 * So L_pt = ρ L with ρ = 2hf/c, and one full-batch step θ ← θ − lr ∂L_pt/∂θ is a forward-Euler step of the
 * flow with Δt/τ = ρ·lr, i.e. Δt = ρ·lr·τ (Δt = ρ·lr for τ = 1). One epoch is one step (full batch).
 * (DESIGN §2.1 writes Δt = η/τ; from τ dθ/dt = −∂L/∂θ the Euler step θ − (Δt/τ)∂L/∂θ matches θ − η∂L/∂θ
 * when Δt = η·τ. The two agree at τ = 1, the only τ the simulator uses.)
 */
import { ValidationError, expectNumber, expectOneOf } from '../util/validation.ts';

export type TorchReduction = 'sum' | 'mean' | 'elementwiseMean';

export interface TorchRun {
  readonly learningRate: number;
  /** Full-batch epochs (= optimizer steps); may be fractional when converting back. */
  readonly epochs: number;
  readonly reduction: TorchReduction;
  /** The loss is multiplied by ½ in the training code (default false: nn.MSELoss has no ½). */
  readonly halved?: boolean;
  /** P, the number of samples in the batch. */
  readonly samples: number;
  /** n_out, needed for 'elementwiseMean'. */
  readonly outputDim: number;
  /** c of the package's loss for this dataset (1 for the hierarchical dataset and singular-value tasks). */
  readonly datasetWeight: number;
  /** τ of the flow (default 1). */
  readonly tau?: number;
}

/** ρ = L_pt / L. */
export function torchLossRatio(run: Omit<TorchRun, 'learningRate' | 'epochs'>): number {
  const reduction = expectOneOf(run.reduction, 'reduction', ['sum', 'mean', 'elementwiseMean'] as const);
  const P = expectNumber(run.samples, 'samples', { integer: true, min: 1 });
  const nOut = expectNumber(run.outputDim, 'outputDim', { integer: true, min: 1 });
  const c = expectNumber(run.datasetWeight, 'datasetWeight', { exclusiveMin: 0 });
  const f = reduction === 'sum' ? 1 : reduction === 'mean' ? 1 / P : 1 / (P * nOut);
  const h = run.halved ? 0.5 : 1;
  return (2 * h * f) / c;
}

/** The flow time one optimizer step advances: Δt = ρ·lr·τ. */
export function torchStepToFlowTime(run: Omit<TorchRun, 'epochs'>): number {
  const lr = expectNumber(run.learningRate, 'learningRate', { exclusiveMin: 0 });
  const tau = run.tau === undefined ? 1 : expectNumber(run.tau, 'tau', { exclusiveMin: 0 });
  return torchLossRatio(run) * lr * tau;
}

/** Flow time reached after `epochs` full-batch steps. */
export function torchRunToFlowTime(run: TorchRun): number {
  const epochs = expectNumber(run.epochs, 'epochs', { min: 0 });
  return epochs * torchStepToFlowTime(run);
}

/** Epochs (possibly fractional) a PyTorch run needs to reach flow time t. */
export function flowTimeToTorchEpochs(t: number, run: Omit<TorchRun, 'epochs'>): number {
  if (!(Number.isFinite(t) && t >= 0)) throw new ValidationError('t', t, 'a finite time ≥ 0');
  return t / torchStepToFlowTime(run);
}

/**
 * The package's learning rate η (on L) that reproduces a PyTorch step: η = ρ·lr. Gradient descent with this η
 * visits exactly the same weights, and its record at step s has time s·η.
 */
export function torchToPackageLearningRate(run: Omit<TorchRun, 'epochs' | 'tau'>): number {
  return torchLossRatio(run) * expectNumber(run.learningRate, 'learningRate', { exclusiveMin: 0 });
}
