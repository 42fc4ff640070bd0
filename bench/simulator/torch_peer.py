"""One-thread PyTorch peer of `dln simulate` on the hierarchical dataset (bench/simulator/torch.ts runs it).

    /usr/bin/python3 bench/simulator/torch_peer.py train --width 256 --dtype float64 --steps 1200 --lr 0.01 [--seed 1] [--sigma 1]
    /usr/bin/python3 bench/simulator/torch_peer.py spec --width 256 --steps 1000 --lr 0.01 --out spec.json [--seed 1] [--sigma 1]

The problem (Saxe et al. / Shi et al., src/network/task.ts hierarchicalTask): 8 one-hot items (X = I_8) and
15 binary features (1 shared by all items, 2 by halves, 4 by quarters, 8 item-specific); two pathways of 4
bias-free linear layers 8 → N → N → N → 15 whose outputs are summed; loss L = ½ Σ_p ‖y_p − ŷ_p‖² (the
package's convention with c = 1: its `loss` and its gradient), full-batch SGD θ ← θ − lr ∂L/∂θ. Written as a
PyTorch user writes it: nn.Linear(bias=False) layers in nn.Sequential, nn.MSELoss(reduction='sum'), autograd,
torch.optim.SGD. With the same lr it visits the same weights as `dln simulate` with learningRate = lr.

Initial weights: numpy's default_rng(seed), every entry N(0, σ²/N), pathway by pathway, layer by layer
(row-major W of shape rows × cols) — `spec` writes exactly these as a `dln simulate` spec with
`"init": { "kind": "weights" }`, so both sides start from the same float64 numbers (float32 rounds them).

`train` runs `--steps` steps and prints one JSON line: the loss before and after, and the seconds spent in
the step loop (bench/simulator/torch.ts times the whole process instead, for two step counts, so that
start-up and import cancel in the difference).
"""
import argparse
import json
import math
import sys
import time

import numpy as np

DEPTH = 4
PATHWAYS = 2
ITEMS = 8
FEATURES = 15


def targets():
    """Y (8 × 15, rows are items): the same rows as src/network/task.ts hierarchicalTargets."""
    y = np.zeros((ITEMS, FEATURES))
    for item in range(ITEMS):
        y[item, 0] = 1
        y[item, 1 + (item >> 2)] = 1
        y[item, 3 + (item >> 1)] = 1
        y[item, 7 + item] = 1
    return y


def initial_weights(width, sigma, seed):
    """layers[a][d] = W_a^{d+1} (rows × cols), float64, drawn pathway by pathway, layer by layer."""
    rng = np.random.default_rng(seed)
    dims = [ITEMS] + [width] * (DEPTH - 1) + [FEATURES]
    scale = sigma / math.sqrt(width)
    return [[rng.standard_normal((dims[d + 1], dims[d])) * scale for d in range(DEPTH)] for _ in range(PATHWAYS)]


parser = argparse.ArgumentParser()
parser.add_argument("mode", choices=["train", "spec"])
parser.add_argument("--width", type=int, required=True)
parser.add_argument("--steps", type=int, required=True)
parser.add_argument("--lr", type=float, required=True)
parser.add_argument("--dtype", choices=["float64", "float32"], default="float64")
parser.add_argument("--seed", type=int, default=1)
parser.add_argument("--sigma", type=float, default=1.0)
parser.add_argument("--out")
args = parser.parse_args()

weights = initial_weights(args.width, args.sigma, args.seed)

if args.mode == "spec":
    spec = {
        "task": {"dataset": "hierarchical"},
        "depths": [DEPTH] * PATHWAYS,
        "width": args.width,
        "init": {"kind": "weights", "layers": [[w.tolist() for w in layers] for layers in weights]},
        "train": {"method": "gd", "learningRate": args.lr, "steps": args.steps, "recordEvery": max(1, args.steps)},
    }
    with open(args.out, "w") if args.out else sys.stdout as f:
        json.dump(spec, f)  # floats as repr: the shortest string that reads back as the same float64
    sys.exit(0)

import torch  # noqa: E402  (only train needs it; spec works without torch)

torch.set_num_threads(1)
torch.set_num_interop_threads(1)
dtype = torch.float64 if args.dtype == "float64" else torch.float32


class TwoPathways(torch.nn.Module):
    def __init__(self, layers):
        super().__init__()
        self.pathways = torch.nn.ModuleList()
        for ws in layers:
            linears = []
            for w in ws:
                lin = torch.nn.Linear(w.shape[1], w.shape[0], bias=False, dtype=dtype)
                with torch.no_grad():
                    lin.weight.copy_(torch.from_numpy(w))
                linears.append(lin)
            self.pathways.append(torch.nn.Sequential(*linears))

    def forward(self, x):
        out = self.pathways[0](x)
        for p in self.pathways[1:]:
            out = out + p(x)
        return out


model = TwoPathways(weights)
x = torch.eye(ITEMS, dtype=dtype)
y = torch.from_numpy(targets()).to(dtype)
criterion = torch.nn.MSELoss(reduction="sum")  # Σ_p Σ_i (y − ŷ)², so ½ of it is the package's L
opt = torch.optim.SGD(model.parameters(), lr=args.lr)


def loss_now():
    with torch.no_grad():
        return 0.5 * criterion(model(x), y).item()


loss0 = loss_now()
t0 = time.perf_counter()
for _ in range(args.steps):
    opt.zero_grad()
    loss = 0.5 * criterion(model(x), y)
    loss.backward()
    opt.step()
loop = time.perf_counter() - t0
print(json.dumps({"width": args.width, "dtype": args.dtype, "steps": args.steps, "lr": args.lr, "lossStart": loss0,
                  "lossEnd": loss_now(), "loopSeconds": loop, "threads": torch.get_num_threads(), "torch": torch.__version__}))
