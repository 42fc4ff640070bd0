import { expect } from 'chai';
import { ValidationError } from '../../src/util/errors.ts';
import { createEngine } from '../../src/network/engine.ts';
import { mapToReduced, tangentKernel, tangentKernelRoot } from '../../src/network/mapping.ts';
import { createNetwork } from '../../src/network/network.ts';
import { singularValueTask } from '../../src/network/task.ts';
import { snapshot } from '../../src/network/train.ts';

describe('weights → reduced initial conditions', () => {
  const task = singularValueTask([2, 1, 0.5], 'random', 7);

  it('aligned depth-2 pathways: the exact mapping gives q = max|w|, p = min|w| with the sign of K', () => {
    const layers = [[[0.5, 0.2, -0.3], [0.1, 0.6, 0.4]]];
    const net = createNetwork(task, { depths: [2], width: 5 }, { kind: 'aligned', layers, seed: 1 });
    const { q, p } = mapToReduced(net, task, 'exactDepth2');
    // a = W¹v_α = w₁ r_α and b = W²ᵀu_α = w₂ r_α share the frame vector r_α, so |a ± b| = |w₁ ± w₂|.
    expect(q[0]![0]).to.be.closeTo(0.5, 1e-14);
    expect(p[0]![0]).to.be.closeTo(0.1, 1e-14);
    expect(q[0]![1]).to.be.closeTo(0.6, 1e-14);
    expect(p[0]![1]).to.be.closeTo(0.2, 1e-14);
    expect(q[0]![2]).to.be.closeTo(0.4, 1e-14);
    expect(p[0]![2]).to.be.closeTo(-0.3, 1e-14);
  });

  it('aligned pathways: Θ_α is the reduced chain’s tangent kernel Σ_d ∏_{e≠d} w_e²', () => {
    const layers = [[[0.5, 0.2, -0.3], [0.9, 0.6, 0.4], [0.7, 1.1, 0.8], [0.3, -0.4, 0.2]]];
    const net = createNetwork(task, { depths: [4], width: 6 }, { kind: 'aligned', layers, seed: 2 });
    const theta = tangentKernel(net.pathways[0]!, task);
    [0, 1, 2].forEach((m) => {
      const w = layers[0]!.map((l) => l[m]!);
      const expected = w.reduce((s, _, d) => s + w.reduce((prod, x, e) => (e === d ? prod : prod * x * x), 1), 0);
      expect(theta[m]).to.be.closeTo(expected, 1e-14);
    });
  });

  it('aligned chains with D−1 equal layers: naive and tangent-kernel mappings both recover (q, p)', () => {
    const layers = [[[0.8, 0.7, 0.9], [0.8, 0.7, 0.9], [0.3, -0.2, 0.5]]];
    const net = createNetwork(task, { depths: [3], width: 4 }, { kind: 'aligned', layers, seed: 3 });
    for (const kind of ['naive', 'tangentKernel'] as const) {
      const { q, p } = mapToReduced(net, task, kind);
      // Θ = q⁴ + 2p²q² here, so (q, p) is a root of the matching equations; it is the larger one when q > p.
      [0, 1, 2].forEach((m) => {
        expect(q[0]![m], kind).to.be.closeTo(layers[0]![0]![m]!, 1e-12);
        expect(p[0]![m], kind).to.be.closeTo(layers[0]![2]![m]!, 1e-12);
      });
    }
  });

  it('random Gaussian depth 2: the tangent-kernel mapping coincides with the exact mapping', () => {
    const net = createNetwork(task, { depths: [2, 2], width: 40 }, { kind: 'gaussian', sigma: 0.8, seed: 4 });
    const exact = mapToReduced(net, task, 'exactDepth2');
    const ntk = mapToReduced(net, task, 'tangentKernel');
    exact.q.forEach((row, a) => row.forEach((q, m) => {
      expect(ntk.q[a]![m]).to.be.closeTo(q, 1e-12);
      expect(ntk.p[a]![m]).to.be.closeTo(exact.p[a]![m]!, 1e-12);
    }));
  });

  it('every mapping reproduces the initial strengths: p q^{D−1} = K_aα(0)', () => {
    const net = createNetwork(task, { depths: [1, 2, 3, 5], width: 30 }, { kind: 'gaussian', sigma: 1, seed: 5 });
    const k0 = snapshot(createEngine(net, task), 0).strengths;
    for (const kind of ['naive', 'tangentKernel'] as const) {
      const { q, p } = mapToReduced(net, task, kind);
      [1, 2, 3, 5].forEach((D, a) =>
        [0, 1, 2].forEach((m) => {
          const k = D === 1 ? p[a]![m]! : p[a]![m]! * q[a]![m]! ** (D - 1);
          expect(k, `${kind} a=${a} m=${m}`).to.be.closeTo(k0[a]![m]!, 1e-12);
        }),
      );
    }
    expect(() => mapToReduced(net, task, 'exactDepth2'))
      .to.throw(ValidationError, 'pathway 2 has depth 3')
      .with.property('field', 'kind');
  });

  it('a mode with no forward signal (σ = 0, or a zero layer) maps to q = p = 0, not 0/0', () => {
    // σ = 0: every K_aα and Θ_α is exactly 0; a zero first layer in mode 0 of an aligned chain kills that
    // mode's forward product while mode 1 stays a balanced chain with (q, p) = (1, 0.5). The chain uses the
    // identity basis so that Vᵀv_α has no round-off (with a random basis the zero mode's K and q² are both
    // O(1e-17), and p = K/q² is a ratio of round-off).
    const zero = createNetwork(task, { depths: [3, 2, 1], width: 6 }, { kind: 'gaussian', sigma: 0, seed: 8 });
    const plain = singularValueTask([2, 1, 0.5]);
    const chain = createNetwork(plain, { depths: [3], width: 4 }, {
      kind: 'aligned',
      layers: [[[0, 1, 0.6], [0.7, 1, 0.6], [0.4, 0.5, 0.6]]],
      seed: 9,
    });
    for (const kind of ['naive', 'tangentKernel'] as const) {
      const { q, p } = mapToReduced(zero, task, kind);
      expect(q.flat().concat(p.flat()), kind).to.deep.equal(new Array<number>(18).fill(0));
      const one = mapToReduced(chain, plain, kind);
      expect(one.p[0]![0], kind).to.equal(0);
      // Only the naive mapping's q is 0 here: the tangent kernel of mode 0 keeps the term of the zero layer.
      expect(one.q[0]![1], kind).to.be.closeTo(1, 1e-12);
      expect(one.p[0]![1], kind).to.be.closeTo(0.5, 1e-12);
    }
  });

  it('tangentKernelRoot solves x^D − Θx + (D−1)K² = 0 at its larger root', () => {
    for (const [D, theta, k] of [[3, 2, 0.3], [4, 1.5, 0.05], [6, 3, 0.4]] as const) {
      const x = tangentKernelRoot(D, theta, k);
      expect(x ** D - theta * x + (D - 1) * k * k).to.be.closeTo(0, 1e-12);
      // Larger root: beyond the minimum of the convex left-hand side.
      expect(x).to.be.above((theta / D) ** (1 / (D - 1)));
    }
  });
});
