"""One-thread PyTorch peer of src/richlazy/rnn: the same network, loss and optimiser, timed per iteration.

    /usr/bin/python3 bench/rnn/torch_peer.py --hidden 100 --dtype float64 [--counts 20,120] [--repeats 3]

Network (as src/richlazy/rnn/network.ts and Liu et al.'s CTRNN): h_{t+1} = ReLU((1-a) h_t + a (W_in x_t + W_rec h_t)),
y_t = W_out h_{t+1}, no biases, h_0 = 0; cross-entropy (mean over all T*B steps, the authors' convention) on the
perceptual-decision task (fixation 0, stimulus 7, decision 1 steps; targets 0 = fixate, 1/2 = choice); SGD with
momentum 0.9 on W_in, W_rec, W_out. Autograd BPTT, as the authors' code.

Timing: a run of n1 and a run of n2 iterations in the same process after a warm-up; the time per iteration is
(t(n2) - t(n1)) / (n2 - n1), so start-up, import and the first-iteration allocations cancel; each t is the
best of `repeats` runs (the least disturbed by other processes on a shared machine), then differenced.
Prints one JSON line.
"""
import argparse
import json
import math
import time

import torch

parser = argparse.ArgumentParser()
parser.add_argument("--hidden", type=int, default=100)
parser.add_argument("--batch", type=int, default=32)
parser.add_argument("--dtype", choices=["float64", "float32"], default="float64")
parser.add_argument("--counts", default="20,120")
parser.add_argument("--repeats", type=int, default=3)
parser.add_argument("--lr", type=float, default=0.003)
parser.add_argument("--alpha", type=float, default=1.0)
args = parser.parse_args()

torch.set_num_threads(1)
torch.manual_seed(0)
dtype = torch.float64 if args.dtype == "float64" else torch.float32
N, B, I, K = args.hidden, args.batch, 3, 3
FIX, STIM, DEC = 0, 7, 1
T = FIX + STIM + DEC
COHS = torch.tensor([0.0, 6.4, 12.8, 25.6, 51.2], dtype=dtype)


def batch():
    """The task of src/richlazy/rnn/task.ts (neurogym PerceptualDecisionMaking-v0 conventions), in torch."""
    choice = torch.randint(0, 2, (B,))
    coh = COHS[torch.randint(0, len(COHS), (B,))] / 200
    sign = 1.0 - 2.0 * choice.to(dtype)  # choice 0 (action 1): channel 1 higher
    x = torch.zeros(T, B, I, dtype=dtype)
    x[: FIX + STIM, :, 0] = 1.0
    x[FIX : FIX + STIM, :, 1] = 0.5 + sign * coh + 0.1 * torch.randn(STIM, B, dtype=dtype)
    x[FIX : FIX + STIM, :, 2] = 0.5 - sign * coh + 0.1 * torch.randn(STIM, B, dtype=dtype)
    y = torch.zeros(T, B, dtype=torch.long)
    y[FIX + STIM :] = choice + 1
    return x, y


w_in = (torch.randn(N, I, dtype=dtype) / math.sqrt(3 * I)).requires_grad_()
w_rec = (1.25 * torch.randn(N, N, dtype=dtype) / math.sqrt(N)).requires_grad_()
w_out = (torch.randn(K, N, dtype=dtype) / math.sqrt(3 * N)).requires_grad_()
opt = torch.optim.SGD([w_in, w_rec, w_out], lr=args.lr, momentum=0.9)
criterion = torch.nn.CrossEntropyLoss()
a = args.alpha


def iteration():
    x, y = batch()
    opt.zero_grad()
    h = torch.zeros(B, N, dtype=dtype)
    outs = []
    for t in range(T):
        h = torch.relu(h * (1 - a) + a * (x[t] @ w_in.T + h @ w_rec.T))
        outs.append(h)
    out = torch.stack(outs) @ w_out.T
    loss = criterion(out.reshape(-1, K), y.reshape(-1))
    loss.backward()
    opt.step()
    return loss.item()


def run(n):
    t0 = time.perf_counter()
    for _ in range(n):
        iteration()
    return time.perf_counter() - t0


n1, n2 = (int(c) for c in args.counts.split(","))
run(10)  # warm-up: allocator, autograd graph caches
t1 = min(run(n1) for _ in range(args.repeats))
t2 = min(run(n2) for _ in range(args.repeats))
per = (t2 - t1) / (n2 - n1)
print(json.dumps({"hidden": N, "batch": B, "steps": T, "dtype": args.dtype, "threads": torch.get_num_threads(),
                  "secondsPerIteration": per, "torch": torch.__version__}))
