#!/usr/bin/python3
"""make_fixtures.py: writes the PyTorch parity fixtures in tests/fixtures/.

What it is: the lectures' models (labs 02, 03, 04, 05 and the deeper net of
part 3), built here in PyTorch exactly as the notebooks build them: seed
2147483647, the same init and the same order of draws, minibatches from
randint on the same generator. For each model it stores the initial
parameters, the first minibatch, the logits, the loss, every parameter
gradient, and the losses of the first 10 SGD steps. tests/core_parity_test.c
rebuilds each model with the C core and compares.

What it is not: part of the build or of any test. Only a maintainer runs it,
to regenerate the fixtures after changing what they contain:

    /usr/bin/python3 tools/make_fixtures.py      # from the repo root

It needs Debian's python3-torch 1.13 (the version whose generator
common/rng.c reproduces; torch >= 2.0 draws differently elsewhere, but randn,
randint and the ops used here are the same). It reads data/names.txt (the
committed SSA 2018 list) and nothing else.

Fixture format (version 1; all numbers little-endian):

    "MMFX"                 4 bytes, magic
    u32 version            1
    u32 count              number of tensors that follow
    count times:
      u32 name_len         bytes of the name (no NUL)
      name                 ASCII, e.g. "W1", "dW1", "losses"
      u32 ndim             1..4
      u32 dims[ndim]       sizes, outermost first
      f32 data[prod(dims)] row-major

Integer tensors (ix, X, Y) are stored as float32 too: every value is a small
non-negative integer below 2^24, so float32 holds it exactly; the C reader
converts with a check that the value is integral. A scalar (the loss) is
stored with shape [1].

Conventions in every file:
  <param>         initial value (before any update), bit for bit torch's
  d<param>        its gradient at step 0
  X, Y            minibatches of steps 0..9: X [10, B, T] (or [n] for lab 02), Y [10, B]
  ix              the randint draws of steps 0..9: [10, B]
  logits, loss    of step 0 (before any update)
  losses          [10]: the loss at steps 0..9, each computed before update k
"""

import math
import os
import random
import struct
import sys

import torch
import torch.nn.functional as F

SEED = 2147483647
STEPS = 10
BATCH = 32
BLOCK = 3
OUT = "tests/fixtures"
VERSION = 1


# --------------------------------------------------------------------------------------
# writing a fixture

def write_fixture(path, tensors):
    """tensors: list of (name, torch.Tensor or list). Writes the format above."""
    blob = bytearray(b"MMFX")
    blob += struct.pack("<II", VERSION, len(tensors))
    for name, t in tensors:
        t = torch.as_tensor(t)
        if t.dtype != torch.float32:
            # integers: exact in float32 below 2^24 (checked here, and again by the C reader)
            assert t.abs().max().item() < 2 ** 24, name
            t = t.to(torch.float32)
        t = t.detach().contiguous()
        if t.dim() == 0:
            t = t.reshape(1)
        nb = name.encode("ascii")
        blob += struct.pack("<I", len(nb)) + nb
        blob += struct.pack("<I", t.dim()) + struct.pack("<%dI" % t.dim(), *t.shape)
        blob += t.numpy().astype("<f4").tobytes()
    with open(path, "wb") as f:
        f.write(blob)
    print("wrote %s (%d tensors, %d bytes)" % (path, len(tensors), len(blob)))
    return len(blob)


# --------------------------------------------------------------------------------------
# the data, as the lectures build it

def load_words():
    words = [w for w in open("data/names.txt").read().splitlines() if w]
    chars = sorted(set("".join(words)))
    assert len(chars) == 26
    stoi = {s: i + 1 for i, s in enumerate(chars)}
    stoi["."] = 0
    return words, stoi


def build_dataset(words, stoi, block_size):
    X, Y = [], []
    for w in words:
        context = [0] * block_size
        for ch in w + ".":
            ix = stoi[ch]
            X.append(context)
            Y.append(ix)
            context = context[1:] + [ix]
    return torch.tensor(X), torch.tensor(Y)


def training_split(words, stoi):
    """The lecture's split (part 3): one shuffle with Python's random, seed 42."""
    words = list(words)
    random.seed(42)
    random.shuffle(words)
    n1 = int(0.8 * len(words))
    return build_dataset(words[:n1], stoi, BLOCK)


# --------------------------------------------------------------------------------------
# lab 02: the one-layer network on bigrams (part 1, cells [43]-[57])

def lab02(words, stoi):
    # The bigrams of the first 6 names of data/names.txt (emma, olivia, ...), 42 of them:
    # the first 5 are the lecture's ".e em mm ma a." examples.
    xs, ys = [], []
    for w in words[:6]:
        chs = ["."] + list(w) + ["."]
        for c1, c2 in zip(chs, chs[1:]):
            xs.append(stoi[c1])
            ys.append(stoi[c2])
    xs, ys = torch.tensor(xs), torch.tensor(ys)
    num = xs.nelement()

    g = torch.Generator().manual_seed(SEED)
    W = torch.randn((27, 27), generator=g, requires_grad=True)
    W0 = W.detach().clone()

    # lr 50: the lecture's full-batch setting (cell [57]); full batch, so no randint.
    lr = 50.0
    losses = []
    for k in range(STEPS):
        xenc = F.one_hot(xs, num_classes=27).float()   # [n, V]
        logits = xenc @ W                              # [n, V]
        counts = logits.exp()
        probs = counts / counts.sum(1, keepdims=True)
        loss = -probs[torch.arange(num), ys].log().mean() + 0.01 * (W ** 2).mean()
        W.grad = None
        loss.backward()
        if k == 0:
            logits0, loss0, dW = logits.detach().clone(), loss.item(), W.grad.clone()
        losses.append(loss.item())
        W.data += -lr * W.grad
    print("lab02: n=%d loss0 %.9g loss9 %.9g" % (num, losses[0], losses[-1]))
    return [("W", W0), ("X", xs), ("Y", ys), ("logits", logits0),
            ("loss", torch.tensor([loss0])), ("dW", dW), ("losses", torch.tensor(losses))]


# --------------------------------------------------------------------------------------
# labs 03 and 04: the MLP (part 2; part 3's init fixes)

def mlp(Xtr, Ytr, kaiming):
    g = torch.Generator().manual_seed(SEED)
    C = torch.randn((27, 10), generator=g)
    W1 = torch.randn((30, 200), generator=g)
    b1 = torch.randn(200, generator=g)
    W2 = torch.randn((200, 27), generator=g)
    b2 = torch.randn(27, generator=g)
    if kaiming:
        # part 3's "kaiming" stage, written as the notebook writes it: the scale factors
        # are applied at creation (randn(...) * (5/3) / 30**0.5 rounds twice: a multiply,
        # then a division, each by the float32 value of the Python float).
        W1 = W1 * (5 / 3) / ((10 * BLOCK) ** 0.5)
        b1 = b1 * 0.01
        W2 = W2 * 0.01
        b2 = b2 * 0
    names = ["C", "W1", "b1", "W2", "b2"]
    params = [C, W1, b1, W2, b2]
    init = [(n, p.clone()) for n, p in zip(names, params)]
    for p in params:
        p.requires_grad = True

    losses, ixs, Xs, Ys = [], [], [], []
    for k in range(STEPS):
        ix = torch.randint(0, Xtr.shape[0], (BATCH,), generator=g)
        Xb, Yb = Xtr[ix], Ytr[ix]
        emb = C[Xb]                                   # [B, T, C]
        h = torch.tanh(emb.view(-1, 30) @ W1 + b1)    # [B, H]
        logits = h @ W2 + b2                          # [B, V]
        loss = F.cross_entropy(logits, Yb)
        for p in params:
            p.grad = None
        loss.backward()
        if k == 0:
            first = [("h", h.detach().clone()), ("logits", logits.detach().clone()),
                     ("loss", torch.tensor([loss.item()]))]
            grads = [("d" + n, p.grad.clone()) for n, p in zip(names, params)]
        losses.append(loss.item())
        ixs.append(ix); Xs.append(Xb); Ys.append(Yb)
        for p in params:
            p.data += -0.1 * p.grad
    print("%s: loss0 %.9g loss9 %.9g" % ("lab04" if kaiming else "lab03", losses[0], losses[-1]))
    return init + [("ix", torch.stack(ixs)), ("X", torch.stack(Xs)), ("Y", torch.stack(Ys))] \
        + first + grads + [("losses", torch.tensor(losses))]


# --------------------------------------------------------------------------------------
# lab 05: the batchnorm MLP (part 3, cells [5]-[7], the final code: no b1)

def lab05_bn(Xtr, Ytr):
    g = torch.Generator().manual_seed(SEED)
    C = torch.randn((27, 10), generator=g)
    W1 = torch.randn((30, 200), generator=g) * (5 / 3) / ((10 * BLOCK) ** 0.5)
    # b1 = torch.randn(200, generator=g) * 0.01   (commented out in the notebook: no draw)
    W2 = torch.randn((200, 27), generator=g) * 0.01
    b2 = torch.randn(27, generator=g) * 0          # drawn, then zeroed: it still uses the generator
    bngain = torch.ones((1, 200))
    bnbias = torch.zeros((1, 200))
    bnmean_running = torch.zeros((1, 200))
    bnstd_running = torch.ones((1, 200))
    names = ["C", "W1", "W2", "b2", "bngain", "bnbias"]
    params = [C, W1, W2, b2, bngain, bnbias]
    init = [(n, p.clone()) for n, p in zip(names, params)]
    for p in params:
        p.requires_grad = True

    losses, ixs, Xs, Ys = [], [], [], []
    for k in range(STEPS):
        ix = torch.randint(0, Xtr.shape[0], (BATCH,), generator=g)
        Xb, Yb = Xtr[ix], Ytr[ix]
        emb = C[Xb]
        embcat = emb.view(emb.shape[0], -1)           # [B, T*C]
        hpreact = embcat @ W1                         # [B, H]
        bnmeani = hpreact.mean(0, keepdim=True)       # [1, H]
        bnstdi = hpreact.std(0, keepdim=True)         # [1, H], unbiased, no epsilon
        hpreact = bngain * (hpreact - bnmeani) / bnstdi + bnbias
        with torch.no_grad():
            bnmean_running = 0.999 * bnmean_running + 0.001 * bnmeani
            bnstd_running = 0.999 * bnstd_running + 0.001 * bnstdi
        h = torch.tanh(hpreact)
        logits = h @ W2 + b2
        loss = F.cross_entropy(logits, Yb)
        for p in params:
            p.grad = None
        loss.backward()
        if k == 0:
            first = [("hpreact", hpreact.detach().clone()), ("logits", logits.detach().clone()),
                     ("loss", torch.tensor([loss.item()]))]
            grads = [("d" + n, p.grad.clone()) for n, p in zip(names, params)]
        losses.append(loss.item())
        ixs.append(ix); Xs.append(Xb); Ys.append(Yb)
        for p in params:
            p.data += -0.1 * p.grad
    print("lab05 bn: loss0 %.9g loss9 %.9g" % (losses[0], losses[-1]))
    return init + [("ix", torch.stack(ixs)), ("X", torch.stack(Xs)), ("Y", torch.stack(Ys))] \
        + first + grads + [("losses", torch.tensor(losses)),
                           ("bnmean_running", bnmean_running), ("bnstd_running", bnstd_running)]


# --------------------------------------------------------------------------------------
# lab 05: the deeper network (part 3, cells [13]-[14]; the notebook's own classes)

class Linear:
    def __init__(self, fan_in, fan_out, g, bias=True):
        self.weight = torch.randn((fan_in, fan_out), generator=g) / fan_in ** 0.5
        self.bias = torch.zeros(fan_out) if bias else None

    def __call__(self, x):
        self.out = x @ self.weight
        if self.bias is not None:
            self.out += self.bias
        return self.out

    def parameters(self):
        return [self.weight] + ([] if self.bias is None else [self.bias])


class BatchNorm1d:
    def __init__(self, dim, eps=1e-5, momentum=0.1):
        self.eps, self.momentum, self.training = eps, momentum, True
        self.gamma = torch.ones(dim)
        self.beta = torch.zeros(dim)
        self.running_mean = torch.zeros(dim)
        self.running_var = torch.ones(dim)

    def __call__(self, x):
        xmean = x.mean(0, keepdim=True)
        xvar = x.var(0, keepdim=True)                 # unbiased, as the notebook
        xhat = (x - xmean) / torch.sqrt(xvar + self.eps)
        self.out = self.gamma * xhat + self.beta
        with torch.no_grad():
            self.running_mean = (1 - self.momentum) * self.running_mean + self.momentum * xmean
            self.running_var = (1 - self.momentum) * self.running_var + self.momentum * xvar
        return self.out

    def parameters(self):
        return [self.gamma, self.beta]


class Tanh:
    def __call__(self, x):
        self.out = torch.tanh(x)
        return self.out

    def parameters(self):
        return []


def lab05_deep(Xtr, Ytr):
    n_embd, n_hidden, V = 10, 100, 27                 # the lecture's sizes: 47024 parameters
    g = torch.Generator().manual_seed(SEED)
    C = torch.randn((V, n_embd), generator=g)
    layers = [Linear(n_embd * BLOCK, n_hidden, g, bias=False), BatchNorm1d(n_hidden), Tanh()]
    for _ in range(4):
        layers += [Linear(n_hidden, n_hidden, g, bias=False), BatchNorm1d(n_hidden), Tanh()]
    layers += [Linear(n_hidden, V, g, bias=False), BatchNorm1d(V)]
    with torch.no_grad():
        layers[-1].gamma *= 0.1
        for layer in layers[:-1]:
            if isinstance(layer, Linear):
                layer.weight *= 1.0
    # names: C, then per block l = 0..5: W<l>, gamma<l>, beta<l> (the notebook's parameter order)
    names, params = ["C"], [C]
    lin = [l for l in layers if isinstance(l, Linear)]
    bns = [l for l in layers if isinstance(l, BatchNorm1d)]
    for l in range(6):
        names += ["W%d" % l, "gamma%d" % l, "beta%d" % l]
        params += [lin[l].weight, bns[l].gamma, bns[l].beta]
    assert sum(p.nelement() for p in params) == 47024
    init = [(n, p.clone()) for n, p in zip(names, params)]
    for p in params:
        p.requires_grad = True

    losses, ixs, Xs, Ys = [], [], [], []
    for k in range(STEPS):
        ix = torch.randint(0, Xtr.shape[0], (BATCH,), generator=g)
        Xb, Yb = Xtr[ix], Ytr[ix]
        emb = C[Xb]
        x = emb.view(emb.shape[0], -1)
        for layer in layers:
            x = layer(x)
        loss = F.cross_entropy(x, Yb)
        for p in params:
            p.grad = None
        loss.backward()
        if k == 0:
            first = [("logits", x.detach().clone()), ("loss", torch.tensor([loss.item()]))]
            grads = [("d" + n, p.grad.clone()) for n, p in zip(names, params)]
        losses.append(loss.item())
        ixs.append(ix); Xs.append(Xb); Ys.append(Yb)
        for p in params:
            p.data += -0.1 * p.grad
    print("lab05 deep: loss0 %.9g loss9 %.9g" % (losses[0], losses[-1]))
    return init + [("ix", torch.stack(ixs)), ("X", torch.stack(Xs)), ("Y", torch.stack(Ys))] \
        + first + grads + [("losses", torch.tensor(losses)),
                           ("running_mean5", bns[5].running_mean), ("running_var5", bns[5].running_var)]


def main():
    if not os.path.exists("data/names.txt"):
        sys.exit("make_fixtures.py: run me from the repo root (data/names.txt not found)")
    torch.set_num_threads(1)
    words, stoi = load_words()
    Xtr, Ytr = training_split(words, stoi)
    print("training split: %d examples (block %d)" % (Xtr.shape[0], BLOCK))
    os.makedirs(OUT, exist_ok=True)
    total = 0
    total += write_fixture(OUT + "/parity_lab02.bin", lab02(words, stoi))
    total += write_fixture(OUT + "/parity_lab03.bin", mlp(Xtr, Ytr, kaiming=False))
    total += write_fixture(OUT + "/parity_lab04.bin", mlp(Xtr, Ytr, kaiming=True))
    total += write_fixture(OUT + "/parity_lab05_bn.bin", lab05_bn(Xtr, Ytr))
    total += write_fixture(OUT + "/parity_lab05_deep.bin", lab05_deep(Xtr, Ytr))
    print("total %d bytes" % total)
    assert total < 1 << 20, "fixtures must stay under 1 MB in total"


if __name__ == "__main__":
    main()
