#!/usr/bin/python3
"""scipy peer of the reduced-model benchmark (bench/README.md).

Reads the problems JSON written by bench/reduced/problems.ts and integrates each problem with
scipy.integrate.solve_ivp, methods RK45 and LSODA, rtol 1e-8, atol 1e-10, t_eval = the problem's 41 times,
the way a scipy user would write it: one numpy-vectorised right-hand side for the whole system, all modes and
pathways at once — the (q, p) system for a problem posed as {q, p}, the per-layer system (one state per layer
and mode, DESIGN §2.2) for one posed as {layers}.

LSODA gets NO Jacobian: it estimates one by finite differences when it switches to its stiff (BDF) method.
That is what scipy users normally do; the function evaluations spent on those finite differences are
counted in nfev.

Usage: /usr/bin/python3 bench/reduced/scipy_peer.py PROBLEMS.json [--min-time 0.2] [--methods RK45,LSODA] [--cpu-time]
Prints one JSON document on stdout. Needs numpy and scipy (Debian: apt-get install -y python3-scipy).
"""
import argparse
import json
import platform
import sys
import time

import numpy as np
import scipy
from scipy.integrate import solve_ivp

RTOL = 1e-8
ATOL = 1e-10


def make_system(problem):
    """Right-hand side of the balanced (q, p) model, state y = [q.ravel(), p.ravel()] with q, p of shape (M, K)."""
    S = np.asarray(problem["singularValues"], dtype=float)          # (K,)
    lam = np.asarray(problem["inputVariances"], dtype=float)       # (K,)
    D = np.asarray(problem["depths"], dtype=float)[:, None]        # (M, 1)
    tau = float(problem["tau"])
    M, K = len(problem["depths"]), len(S)
    n = M * K
    deep = (D >= 2).astype(float)                                  # q stays put in depth-1 pathways (K = p)
    Dm1 = D - 1.0
    Dm2 = np.maximum(D - 2.0, 0.0)

    def rhs(t, y):
        q = y[:n].reshape(M, K)
        p = y[n:].reshape(M, K)
        qd1 = q ** Dm1                                             # q^{D-1}
        r = S - lam * (p * qd1).sum(axis=0)                        # mode residuals, (K,)
        dq = deep * p * q ** Dm2 * r / tau
        dp = qd1 * r / tau
        return np.concatenate((dq.ravel(), dp.ravel()))

    def strengths(Y):
        """K[t][a][alpha] from solve_ivp's y (shape (2n, T))."""
        q = Y[:n].T.reshape(-1, M, K)
        p = Y[n:].T.reshape(-1, M, K)
        return p * q ** Dm1[None]

    y0 = np.concatenate((np.asarray(problem["init"]["q"], float).ravel(), np.asarray(problem["init"]["p"], float).ravel()))
    return rhs, strengths, y0


def make_layer_system(problem):
    """Right-hand side of the per-layer model, state y = W.ravel() with W of shape (L, K), L = total layers.

    tau dw_d/dt = (prod of the pathway's other layers) * r; the products of all layers but one are built from
    prefix and suffix products (exclusive cumulative products), so a layer at zero needs no special case.
    """
    S = np.asarray(problem["singularValues"], dtype=float)          # (K,)
    lam = np.asarray(problem["inputVariances"], dtype=float)       # (K,)
    depths = [int(d) for d in problem["depths"]]
    tau = float(problem["tau"])
    K = len(S)
    starts = np.cumsum([0] + depths)
    slices = [slice(int(starts[a]), int(starts[a + 1])) for a in range(len(depths))]
    L = int(starts[-1])
    ones = np.ones((1, K))

    def rhs(t, y):
        W = y.reshape(L, K)
        dW = np.empty_like(W)
        total = np.zeros(K)
        grads = []
        for sl in slices:
            w = W[sl]
            before = np.cumprod(np.vstack((ones, w[:-1])), axis=0)              # prod of layers below d
            after = np.cumprod(np.vstack((ones, w[:0:-1])), axis=0)[::-1]        # prod of layers above d
            grads.append(before * after)
            total += before[-1] * w[-1]
        r = (S - lam * total) / tau
        for sl, g in zip(slices, grads):
            dW[sl] = g * r
        return dW.ravel()

    def strengths(Y):
        """K[t][a][alpha] from solve_ivp's y (shape (L*K, T))."""
        W = Y.T.reshape(-1, L, K)
        return np.stack([W[:, sl].prod(axis=1) for sl in slices], axis=1)

    y0 = np.asarray([layer for pathway in problem["init"]["layers"] for layer in pathway], dtype=float).ravel()
    return rhs, strengths, y0


def solve(problem, method):
    system = make_layer_system if "layers" in problem["init"] else make_system
    rhs, strengths, y0 = system(problem)
    times = np.asarray(problem["times"], dtype=float)
    return solve_ivp(rhs, (0.0, times[-1]), y0, method=method, t_eval=times, rtol=RTOL, atol=ATOL), strengths


def bench(problem, method, min_time, clock=time.perf_counter):
    """Seconds per solve: the median of individually timed solves, repeated until min_time has passed (≥ 3).

    clock: wall-clock time by default; time.process_time (--cpu-time) leaves out time spent descheduled.
    """
    sol, strengths = solve(problem, method)  # warm-up, and the result we report
    samples = []
    start = clock()
    while len(samples) < 3 or clock() - start < min_time:
        t0 = clock()
        solve(problem, method)
        samples.append(clock() - t0)
    samples.sort()
    return {
        "seconds": samples[len(samples) // 2],
        "secondsMin": samples[0],
        "repeats": len(samples),
        "nfev": int(sol.nfev),
        "njev": int(sol.njev),
        "nlu": int(sol.nlu),
        "status": int(sol.status),
        "message": str(sol.message),
        "times": sol.t.tolist(),
        "strengths": strengths(sol.y).tolist(),
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("problems")
    ap.add_argument("--min-time", type=float, default=0.2, help="seconds of repeated solves per problem and method")
    ap.add_argument("--methods", default="RK45,LSODA")
    ap.add_argument("--cpu-time", action="store_true", help="time CPU time of this process instead of wall-clock time")
    args = ap.parse_args()
    with open(args.problems) as f:
        problems = json.load(f)["problems"]
    methods = [m for m in args.methods.split(",") if m]
    results = []
    for problem in problems:
        entry = {"id": problem["id"], "methods": {}}
        for method in methods:
            entry["methods"][method] = bench(problem, method, args.min_time, time.process_time if args.cpu_time else time.perf_counter)
        results.append(entry)
        print(f"scipy: problem {problem['id']} done", file=sys.stderr, flush=True)
    json.dump(
        {
            "python": platform.python_version(),
            "numpy": np.__version__,
            "scipy": scipy.__version__,
            "rtol": RTOL,
            "atol": ATOL,
            "minTime": args.min_time,
            "cpuTime": args.cpu_time,
            "problems": results,
        },
        sys.stdout,
    )
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
