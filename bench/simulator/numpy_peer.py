"""numpy peer of bench/simulator/run.ts: the same thin-product gradient-descent step of a multi-pathway deep
linear network (whitened task Σ^{yx} = diag(S), K modes, Gaussian init with variance σ²/N).

Per step and pathway: for every layer d (first to last) W_d += η (Q_{d+1}ᵀ E) P_dᵀ, then the prefixes
P_{d+1} = W_d P_d and suffixes Q_d = Q_{d+1} W_d are recomputed and E = Σ^{yx} − Σ_a Ω_a.
Usage: python3 numpy_peer.py N D M K steps repeats  → prints one JSON line {"msPerStep": median}.
"""
import json
import sys
import time

import numpy as np


def main() -> None:
    N, D, M, K, steps, repeats = (int(a) for a in sys.argv[1:7])
    rng = np.random.default_rng(1)
    S = np.diag(np.linspace(3.0, 0.5, K))
    sigma, eta = 1.0, 1e-3
    dims = [K] + [N] * (D - 1) + [K]
    nets = [[rng.standard_normal((dims[d + 1], dims[d])) * sigma / np.sqrt(N) for d in range(D)] for _ in range(M)]
    eye = np.eye(K)

    def products(W):
        P = [eye]
        for d in range(D):
            P.append(W[d] @ P[d])
        Q = [None] * (D + 1)
        Q[D] = eye
        for d in range(D - 1, 0, -1):
            Q[d] = Q[d + 1] @ W[d]
        return P, Q

    state = [products(W) for W in nets]
    E = S - sum(P[D] for P, _ in state)

    def step():
        nonlocal state, E
        new_state = []
        for W, (P, Q) in zip(nets, state):
            for d in range(D):
                W[d] += eta * ((Q[d + 1].T @ E) @ P[d].T)
            new_state.append(products(W))
        state = new_state
        E = S - sum(P[D] for P, _ in state)

    for _ in range(max(2, steps // 5)):
        step()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(steps):
            step()
        times.append((time.perf_counter() - t0) * 1000 / steps)
    times.sort()
    print(json.dumps({"msPerStep": times[len(times) // 2], "loss": float(0.5 * np.sum(E * E))}))


if __name__ == "__main__":
    main()
