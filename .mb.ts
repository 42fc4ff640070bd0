import { recordDopri5 } from './src/integrate/dopri5-recorded.ts';
const n = 2;
const rhs = (_t: number, y: Float64Array, dy: Float64Array) => { dy[0] = -y[0]!; dy[1] = -0.5 * y[1]!; };
const y0 = Float64Array.from([1, 1]);
let steps = 0;
const ctl = (process.env.CTL ?? 'hairer') as 'hairer';
const f = () => { const r = recordDopri5(rhs, n, y0, 20, { rtol: 1e-8, atol: 1e-10, maxSteps: 1e5, handOver: null, safety: 0.8, controller: ctl }); steps = r.stats.steps + r.stats.rejectedSteps; };
for (let i = 0; i < 2000; i++) f();
let best = Infinity; for (let k = 0; k < 10; k++) { const t0 = performance.now(); for (let i = 0; i < 500; i++) f(); best = Math.min(best, (performance.now() - t0) * 1e6 / 500); }
console.log(`${ctl} steps ${steps}, ns per step ${(best / steps).toFixed(0)}`);
if (process.env.PROF) for (let i = 0; i < 60000; i++) f();
