/**
 * The paper's experiments posed in the gated problem contract: the sharing bias (a separate hidden matrix per
 * pair learns slower), generalisation against the initial scale (the authors' figure, decoded in
 * research/companions-sources.md §1.2), and XOR solved by gating.
 */
import { expect } from 'chai';
import { solveGated } from '../../src/gated/solve.ts';
import { routingProblem, routingTrained } from '../../src/gated/routing.ts';

describe('gated networks: the paper’s experiments', () => {
  it('a separate hidden matrix per pair slows mode 1 to t_half = 16.61 τ (the race favours shared edges)', () => {
    const M = 7;
    const K = 4;
    const b0 = 0.08;
    const s = Math.sqrt(185);
    // Independent reference: the three scalars of this graph by symmetry (encoders and decoders on K paths,
    // each hidden matrix on one), τ db_in/dt = (K/M²) b_h b_out e, τ db_h/dt = (1/M²) b_in b_out e,
    // τ db_out/dt = (K/M²) b_in b_h e, integrated by classical RK4 with dt = 1e-3 and located by interpolation.
    const f = (b: number[]): number[] => {
      const e = s - b[0]! * b[1]! * b[2]!;
      return [(K / M ** 2) * b[1]! * b[2]! * e, (1 / M ** 2) * b[0]! * b[2]! * e, (K / M ** 2) * b[0]! * b[1]! * e];
    };
    let b = [b0, b0, b0];
    let t = 0;
    const dt = 1e-3;
    const product = (x: number[]): number => x[0]! * x[1]! * x[2]!;
    while (product(b) < s / 2) {
      const k1 = f(b);
      const k2 = f(b.map((v, i) => v + (dt / 2) * k1[i]!));
      const k3 = f(b.map((v, i) => v + (dt / 2) * k2[i]!));
      const k4 = f(b.map((v, i) => v + dt * k3[i]!));
      const next = b.map((v, i) => v + (dt / 6) * (k1[i]! + 2 * k2[i]! + 2 * k3[i]! + k4[i]!));
      if (product(next) >= s / 2) {
        t += (dt * (s / 2 - product(b))) / (product(next) - product(b));
        b = next;
        break;
      }
      b = next;
      t += dt;
    }
    expect(t).to.be.closeTo(16.61, 0.005);
    const res = solveGated(
      routingProblem({ sharedHidden: false, weighting: 'all pairs', scale: 2, hidden: 4, engine: 'reduced', init: { decoupled: { scale: b0, seed: 4 } }, train: { method: 'flow', times: [0, t] } }),
    );
    expect(res.status).to.equal('ok');
    const e = res.records[1]!.edges;
    const p = e['enc0']!.singularValues[0]! * e['hid0_0']!.singularValues[0]! * e['dec0']!.singularValues[0]!;
    // RK4 at dt = 1e-3 (error ~1e-12) and a linear location inside one step (error ~ dt² · curvature ~ 1e-6).
    expect(p).to.be.closeTo(s / 2, 1e-5 * s);
  });

  it('generalisation falls with the initial scale: untrained-pair error rises from σ0 = 0.66 and exceeds 50 at 2.5', function () {
    this.timeout(300000);
    // The authors' protocol: random orthogonal init of gain σ0, lr 0.006/σ0^(1/3) on their loss (×8 on ours),
    // 700 epochs, per-pair error ‖Y − out‖²_F / 2 = 4 × our evaluation (P = 4 items).
    const sigmas = [0.66, 1.12, 1.58, 2.04, 2.5];
    const untrained: number[] = [];
    for (const s0 of sigmas) {
      const r = solveGated(
        routingProblem({ init: { orthogonal: { gain: s0, seed: 1 } }, evaluateAllPairs: true, train: { method: 'gd', learningRate: (8 * 0.006) / Math.cbrt(s0), steps: 700, recordEvery: 700 } }),
      );
      expect(r.status).to.equal('ok');
      const ev = r.records[r.records.length - 1]!.evaluations!;
      let u = 0;
      let t = 0;
      ev.forEach((e, idx) => {
        if (routingTrained(Math.floor(idx / 7), idx % 7)) t += (4 * e) / 28;
        else u += (4 * e) / 21;
      });
      expect(t, `trained-pair error at σ0 = ${s0}`).to.be.below(0.1);
      untrained.push(u);
    }
    for (let i = 1; i < untrained.length; i++) expect(untrained[i]!, `σ0 = ${sigmas[i]}`).to.be.above(untrained[i - 1]!);
    expect(untrained[untrained.length - 1]!).to.be.above(50);
    // Figure (decoded): 0.38 at σ0 = 0.66; one seed here, so only the order of magnitude is asserted.
    expect(untrained[0]!).to.be.within(0.1, 1.5);
  });

  it('XOR is solved by two gated paths (loss < 1e-6) where the same network ungated stays at the best linear loss', () => {
    // Items (x1, x2, bias); y = x1 XOR x2. Context A holds the items with x1 = 0 (y = x2), context B those
    // with x1 = 1 (y = 1 − x2): each is linear, and the gates route A through path a and B through path b.
    const graph = {
      nodes: [
        { id: 'x', size: 3, kind: 'input' },
        { id: 'ha', size: 2 },
        { id: 'hb', size: 2 },
        { id: 'y', size: 1, kind: 'output' },
      ],
      edges: [
        { id: 'a1', from: 'x', to: 'ha' },
        { id: 'a2', from: 'ha', to: 'y' },
        { id: 'b1', from: 'x', to: 'hb' },
        { id: 'b2', from: 'hb', to: 'y' },
      ],
    };
    const contextA = { weight: 0.5, inputs: { x: [[0, 0], [0, 1], [1, 1]] }, targets: { y: [[0, 1]] } };
    const contextB = { weight: 0.5, inputs: { x: [[1, 1], [0, 1], [1, 1]] }, targets: { y: [[1, 0]] } };
    const train = { method: 'gd', learningRate: 0.5, steps: 4000, recordEvery: 4000 };
    const init = { gaussian: { sigma: 1, seed: 3 } };
    const gated = solveGated({
      graph,
      contexts: [
        { ...contextA, gates: { nodes: { hb: 0 } } },
        { ...contextB, gates: { nodes: { ha: 0 } } },
      ],
      init,
      train,
    });
    const ungated = solveGated({ graph, contexts: [contextA, contextB], init, train });
    expect(gated.records[1]!.loss).to.be.below(1e-6);
    // Best linear fit of XOR on (x1, x2, 1) is the constant 1/2: loss Σ_c ½ (1/2) ½ Σ (y − ½)² = 1/8.
    expect(ungated.records[1]!.loss).to.be.closeTo(0.125, 1e-6);
  });
});
