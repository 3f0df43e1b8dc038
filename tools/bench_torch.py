#!/usr/bin/python3
"""bench_torch.py: the PyTorch peer of tools/bench.c, for `make bench`.

What it is: the same models as tools/bench.c, written as the lectures write
them (PyTorch eager, one thread), timed the same way, printing one JSON line
with the same fields, so tools/bench.sh can put the two side by side:

    lab03        the MLP of part 2: block 3, embedding 10, hidden 200, batch 32,
                 plain randn init, lr 0.1 (one step = randint, forward,
                 cross_entropy, backward, SGD update)
    lab05        the batchnorm MLP of part 3 (final code: no b1, std(0), running stats)
    lab02        the full-batch step of part 1 [57]: one_hot(xs) @ W over all
                 bigrams of data/names.txt, softmax by hand, 0.01*mean(W^2), lr 50
    lab02gather  the same with logits = W[xs] (the row gather the C kit uses)
    lab06manual  part 4's exercise 4: the batchnorm MLP with b1 and epsilon
                 1e-5 (hidden 200; bngain, bnbias from a generator seeded 42, as
                 lab 06 draws them), one step under torch.no_grad() with the
                 lecture's manual backward (its dC loop as one index_add_),
                 lr 0.1 throughout
    lab06autograd  the same forward and update with loss.backward()

What it is not: a test. It never fails a build; tools/bench.sh reports when
torch is missing.

FLOPs per step count only matrix multiplies: 2*M*K*N for a forward matmul and
twice that for its backward (dA and dB), elementwise ops ignored. The row
gather does no matmul, so lab02gather reports no GFLOP/s.

Threads: torch.set_num_threads(1), and OPENBLAS_NUM_THREADS=1 / OMP_NUM_THREADS=1
are set before torch is imported (Debian's torch calls the system BLAS through
libblas.so.3, whose OpenBLAS has its own thread pool that set_num_threads does
not reach). The BLAS actually loaded is read from /proc/self/maps after a matmul,
and OpenBLAS's kernel choice from openblas_get_corename(). Debian's OpenBLAS
0.3.21 does not know recent Xeons (CPU model 207 here) and falls back to its
SSE3 "Prescott" kernels, about 4x slower than its AVX-512 "SkylakeX" ones on a
512x512 matmul; tools/bench.sh then sets OPENBLAS_CORETYPE=SkylakeX so that
the peer is the fast one (a slow peer would flatter the C kit).
"""

import argparse
import ctypes
import json
import os
import random
import re
import resource
import sys
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

SEED = 2147483647


def load(path, block):
    words = [w for w in open(path).read().splitlines() if w]
    chars = sorted(set("".join(words)))
    stoi = {s: i + 1 for i, s in enumerate(chars)}
    stoi["."] = 0
    if block == 1:  # the bigrams of part 1, in file order
        xs, ys = [], []
        for w in words:
            chs = ["."] + list(w) + ["."]
            for a, b in zip(chs, chs[1:]):
                xs.append(stoi[a])
                ys.append(stoi[b])
        return torch.tensor(xs), torch.tensor(ys)
    random.seed(42)
    random.shuffle(words)
    n1 = int(0.8 * len(words))
    X, Y = [], []
    for w in words[:n1]:
        context = [0] * block
        for ch in w + ".":
            X.append(context)
            Y.append(stoi[ch])
            context = context[1:] + [stoi[ch]]
    return torch.tensor(X), torch.tensor(Y)


def blas_in_use():
    """Which BLAS library the process has mapped (after at least one matmul)."""
    libs = set()
    with open("/proc/self/maps") as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 6:
                p = parts[5]
                base = os.path.basename(p)
                if any(k in base for k in ("blas", "mkl", "lapack")):
                    libs.add(os.path.realpath(p))
    blas = sorted(l for l in libs if "lapack" not in os.path.basename(l))
    if any("openblas" in l for l in blas):
        name = "OpenBLAS"
    elif any("mkl" in l for l in blas):
        name = "MKL"
    elif blas:
        name = "reference BLAS (netlib)"
    else:
        name = "none loaded (torch's own kernels)"
    m = re.search(r"BLAS_INFO=(\w+)", torch.__config__.show())
    core = ""
    for l in blas:  # OpenBLAS can tell which kernels it picked (DYNAMIC_ARCH builds)
        if "openblas" in os.path.basename(l):
            try:
                f = ctypes.CDLL(l).openblas_get_corename
                f.restype = ctypes.c_char_p
                core = f().decode()
            except (OSError, AttributeError):
                pass
    return name, blas, m.group(1) if m else "", core


def make_lab03(Xtr, Ytr, g):
    C = torch.randn((27, 10), generator=g)
    W1 = torch.randn((30, 200), generator=g)
    b1 = torch.randn(200, generator=g)
    W2 = torch.randn((200, 27), generator=g)
    b2 = torch.randn(27, generator=g)
    params = [C, W1, b1, W2, b2]
    for p in params:
        p.requires_grad = True

    def step():
        ix = torch.randint(0, Xtr.shape[0], (32,), generator=g)
        emb = C[Xtr[ix]]
        h = torch.tanh(emb.view(-1, 30) @ W1 + b1)
        logits = h @ W2 + b2
        loss = F.cross_entropy(logits, Ytr[ix])
        for p in params:
            p.grad = None
        loss.backward()
        for p in params:
            p.data += -0.1 * p.grad
        return loss

    flops = 3 * (2 * 32 * 30 * 200 + 2 * 32 * 200 * 27)
    return step, flops


def make_lab05(Xtr, Ytr, g):
    C = torch.randn((27, 10), generator=g)
    W1 = torch.randn((30, 200), generator=g) * (5 / 3) / (30 ** 0.5)
    W2 = torch.randn((200, 27), generator=g) * 0.01
    b2 = torch.randn(27, generator=g) * 0
    bngain = torch.ones((1, 200))
    bnbias = torch.zeros((1, 200))
    state = {"mean": torch.zeros((1, 200)), "std": torch.ones((1, 200))}
    params = [C, W1, W2, b2, bngain, bnbias]
    for p in params:
        p.requires_grad = True

    def step():
        ix = torch.randint(0, Xtr.shape[0], (32,), generator=g)
        emb = C[Xtr[ix]]
        embcat = emb.view(emb.shape[0], -1)
        hpreact = embcat @ W1
        bnmeani = hpreact.mean(0, keepdim=True)
        bnstdi = hpreact.std(0, keepdim=True)
        hpreact = bngain * (hpreact - bnmeani) / bnstdi + bnbias
        with torch.no_grad():
            state["mean"] = 0.999 * state["mean"] + 0.001 * bnmeani
            state["std"] = 0.999 * state["std"] + 0.001 * bnstdi
        h = torch.tanh(hpreact)
        logits = h @ W2 + b2
        loss = F.cross_entropy(logits, Ytr[ix])
        for p in params:
            p.grad = None
        loss.backward()
        for p in params:
            p.data += -0.1 * p.grad
        return loss

    flops = 3 * (2 * 32 * 30 * 200 + 2 * 32 * 200 * 27)
    return step, flops


def make_lab02(xs, ys, g, gather):
    W = torch.randn((27, 27), generator=g, requires_grad=True)
    num = xs.nelement()
    ar = torch.arange(num)

    def step():
        if gather:
            logits = W[xs]
        else:
            xenc = F.one_hot(xs, num_classes=27).float()
            logits = xenc @ W
        counts = logits.exp()
        probs = counts / counts.sum(1, keepdims=True)
        loss = -probs[ar, ys].log().mean() + 0.01 * (W ** 2).mean()
        W.grad = None
        loss.backward()
        W.data += -50 * W.grad
        return loss

    flops = 0 if gather else 3 * 2 * num * 27 * 27
    return step, flops


def make_lab06(Xtr, Ytr, g, manual):
    n = 32
    C = torch.randn((27, 10), generator=g)
    W1 = torch.randn((30, 200), generator=g) * (5 / 3) / (30 ** 0.5)
    b1 = torch.randn(200, generator=g) * 0.1
    W2 = torch.randn((200, 27), generator=g) * 0.1
    b2 = torch.randn(27, generator=g) * 0.1
    gbn = torch.Generator().manual_seed(42)
    bngain = torch.randn((1, 200), generator=gbn) * 0.1 + 1.0
    bnbias = torch.randn((1, 200), generator=gbn) * 0.1
    params = [C, W1, b1, W2, b2, bngain, bnbias]
    for p in params:
        p.requires_grad = not manual

    def forward(Xb, Yb):
        emb = C[Xb]
        embcat = emb.view(emb.shape[0], -1)
        hprebn = embcat @ W1 + b1
        bnmean = hprebn.mean(0, keepdim=True)
        bnvar = hprebn.var(0, keepdim=True, unbiased=True)
        bnvar_inv = (bnvar + 1e-5) ** -0.5
        bnraw = (hprebn - bnmean) * bnvar_inv
        hpreact = bngain * bnraw + bnbias
        h = torch.tanh(hpreact)
        logits = h @ W2 + b2
        return F.cross_entropy(logits, Yb), (emb, embcat, bnvar_inv, bnraw, h, logits)

    def step():
        ix = torch.randint(0, Xtr.shape[0], (n,), generator=g)
        Xb, Yb = Xtr[ix], Ytr[ix]
        if not manual:
            loss, _ = forward(Xb, Yb)
            for p in params:
                p.grad = None
            loss.backward()
            for p in params:
                p.data += -0.1 * p.grad
            return loss
        with torch.no_grad():
            loss, (emb, embcat, bnvar_inv, bnraw, h, logits) = forward(Xb, Yb)
            dlogits = F.softmax(logits, 1)
            dlogits[range(n), Yb] -= 1
            dlogits /= n
            dh = dlogits @ W2.T
            dW2 = h.T @ dlogits
            db2 = dlogits.sum(0)
            dhpreact = (1.0 - h ** 2) * dh
            dbngain = (bnraw * dhpreact).sum(0, keepdim=True)
            dbnbias = dhpreact.sum(0, keepdim=True)
            dhprebn = bngain * bnvar_inv / n * (n * dhpreact - dhpreact.sum(0) - n / (n - 1) * bnraw * (dhpreact * bnraw).sum(0))
            dembcat = dhprebn @ W1.T
            dW1 = embcat.T @ dhprebn
            db1 = dhprebn.sum(0)
            demb = dembcat.view(emb.shape)
            dC = torch.zeros_like(C).index_add_(0, Xb.view(-1), demb.view(-1, 10))  # the lecture's loop over Xb
            for p, grad in zip(params, [dC, dW1, db1, dW2, db2, dbngain, dbnbias]):
                p.data += -0.1 * grad
        return loss

    flops = 3 * (2 * 32 * 30 * 200 + 2 * 32 * 200 * 27)
    return step, flops


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", required=True, choices=["lab03", "lab05", "lab02", "lab02gather", "lab06manual", "lab06autograd"])
    ap.add_argument("--steps", type=int, default=0, help="timed steps (default: per model)")
    ap.add_argument("--warmup", type=int, default=-1, help="untimed steps first (default: per model)")
    ap.add_argument("--data", default="data/names.txt")
    a = ap.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(SEED)
    g = torch.Generator().manual_seed(SEED)
    if a.model.startswith("lab02"):
        xs, ys = load(a.data, 1)
        step, flops = make_lab02(xs, ys, g, a.model == "lab02gather")
        steps, warm = a.steps or 10, 2
        n = xs.nelement()
    else:
        Xtr, Ytr = load(a.data, 3)
        if a.model.startswith("lab06"):
            step, flops = make_lab06(Xtr, Ytr, g, a.model == "lab06manual")
        else:
            step, flops = (make_lab03 if a.model == "lab03" else make_lab05)(Xtr, Ytr, g)
        steps, warm = a.steps or 5000, 200
        n = Xtr.shape[0]
    if a.warmup >= 0:
        warm = a.warmup
    for _ in range(warm):
        step()
    t0, c0 = time.perf_counter(), time.process_time()
    for _ in range(steps):
        loss = step()
    dt, cpu = time.perf_counter() - t0, time.process_time() - c0
    blas, libs, info, core = blas_in_use()
    out = {
        "impl": "torch",
        "model": a.model,
        "examples": n,
        "steps": steps,
        "warmup": warm,
        "seconds": dt,
        "cpu_seconds": cpu,
        "cpu_us_per_step": 1e6 * cpu / steps,
        "steps_per_s": steps / dt,
        "us_per_step": 1e6 * dt / steps,
        "flops_per_step": flops,
        "gflops": (flops * steps / dt / 1e9) if flops else None,
        "peak_rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        "final_loss": loss.item(),
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "blas": blas,
        "blas_libs": libs,
        "blas_info": info,
        "blas_core": core,
        "openblas_coretype_env": os.environ.get("OPENBLAS_CORETYPE", ""),
    }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
