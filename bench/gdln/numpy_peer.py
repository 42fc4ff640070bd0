"""numpy peer of bench/gdln/run.ts: one full-batch gradient-descent step of the routing network (Saxe, Sodhani &
Lewallen 2022) written as their notebook trains it — a loop over the 28 trained pairs (i, j), each a forward
pass x_i → enc_i → shared → dec_j, its error, and the three weight gradients — at hidden width H.

Usage: python3 numpy_peer.py H steps repeats  → prints one JSON line {"msPerStep": median over repeats}.
"""
import json
import sys
import time

import numpy as np


def main() -> None:
    H, steps, repeats = (int(a) for a in sys.argv[1:4])
    M, P = 7, 4
    rng = np.random.default_rng(1)
    Y = np.array([[6, 6, 6, 6], [4, 4, 0, 0], [0, 0, 4, 4], [3, 0, 0, 0], [0, 3, 0, 0], [0, 0, 3, 0], [0, 0, 0, 3]], float)
    X = np.eye(P)
    enc = [rng.standard_normal((H, P)) * 0.1 for _ in range(M)]
    shared = rng.standard_normal((H, H)) * 0.1 / np.sqrt(H)
    dec = [rng.standard_normal((7, H)) * 0.1 for _ in range(M)]
    pairs = [(i, (i + o) % M) for i in range(M) for o in (-1, 0, 1, 2)]
    w = 1.0 / len(pairs)
    eta = 1e-3

    def step() -> None:
        nonlocal shared
        g_enc = [np.zeros_like(e) for e in enc]
        g_dec = [np.zeros_like(d) for d in dec]
        g_sh = np.zeros_like(shared)
        for i, j in pairs:
            h1 = enc[i] @ X
            h2 = shared @ h1
            out = dec[j] @ h2
            d_out = (w / P) * (out - Y)
            g_dec[j] += d_out @ h2.T
            d_h2 = dec[j].T @ d_out
            g_sh += d_h2 @ h1.T
            d_h1 = shared.T @ d_h2
            g_enc[i] += d_h1 @ X.T
        for e, g in zip(enc, g_enc):
            e -= eta * g
        for d, g in zip(dec, g_dec):
            d -= eta * g
        shared = shared - eta * g_sh

    for _ in range(max(2, steps // 5)):
        step()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(steps):
            step()
        times.append((time.perf_counter() - t0) * 1000 / steps)
    times.sort()
    print(json.dumps({"msPerStep": times[len(times) // 2]}))


if __name__ == "__main__":
    main()
