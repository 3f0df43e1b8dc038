#!/usr/bin/env python3
"""tools/make_lab00_fixture.py: the lecture's micrograd MLP run, written as a
small text fixture for lab 00 (tests/fixtures/lab00_micrograd.txt).

What it is: a tiny micrograd (the Value class of the lecture, ops +, *, **,
tanh, exp), the lecture's Neuron / Layer / MLP(3, [4, 4, 1]) and its training
loop (four examples, sum of squared errors, zero the grads, backward,
p.data += -0.1 * p.grad, 20 steps), run after random.seed(SEED). It writes the
20 losses (each computed before that step's update) and the four predictions
of the last step's forward pass (the lecture's `ypred` after the loop), with
17 significant digits, so C can compare to 1e-9 or better.
What it is not: needed to build or test the kit (the fixture is committed);
plain Python 3, no torch, no numpy.

One change from the lecture's engine: `_prev` is a tuple, not a set. With a
set, the order in which a node's gradients are summed follows the objects'
addresses, so the last bits of the losses change from run to run; a tuple
makes this script print the same fixture every time.

Run: python3 tools/make_lab00_fixture.py [--seed 1337] > tests/fixtures/lab00_micrograd.txt
"""
import math
import random
import sys


class Value:
    def __init__(self, data, _children=(), _op=''):
        self.data = data
        self.grad = 0.0
        self._backward = lambda: None
        self._prev = tuple(_children)   # the lecture: set(_children) (see above)
        self._op = _op

    def __add__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data + other.data, (self, other), '+')

        def _backward():
            self.grad += 1.0 * out.grad
            other.grad += 1.0 * out.grad
        out._backward = _backward
        return out

    def __mul__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data * other.data, (self, other), '*')

        def _backward():
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad
        out._backward = _backward
        return out

    def __pow__(self, other):
        assert isinstance(other, (int, float)), "only supporting int/float powers for now"
        out = Value(self.data**other, (self,), f'**{other}')

        def _backward():
            self.grad += other * (self.data ** (other - 1)) * out.grad
        out._backward = _backward
        return out

    def __rmul__(self, other):  # other * self
        return self * other

    def __truediv__(self, other):  # self / other
        return self * other**-1

    def __neg__(self):  # -self
        return self * -1

    def __sub__(self, other):  # self - other
        return self + (-other)

    def __radd__(self, other):  # other + self
        return self + other

    def tanh(self):
        x = self.data
        t = (math.exp(2*x) - 1)/(math.exp(2*x) + 1)
        out = Value(t, (self, ), 'tanh')

        def _backward():
            self.grad += (1 - t**2) * out.grad
        out._backward = _backward
        return out

    def exp(self):
        x = self.data
        out = Value(math.exp(x), (self, ), 'exp')

        def _backward():
            self.grad += out.data * out.grad   # the video had `=` here: a bug
        out._backward = _backward
        return out

    def backward(self):
        topo = []
        visited = set()

        def build_topo(v):
            if v not in visited:
                visited.add(v)
                for child in v._prev:
                    build_topo(child)
                topo.append(v)
        build_topo(self)
        self.grad = 1.0
        for node in reversed(topo):
            node._backward()


class Neuron:
    def __init__(self, nin):
        self.w = [Value(random.uniform(-1, 1)) for _ in range(nin)]
        self.b = Value(random.uniform(-1, 1))

    def __call__(self, x):
        act = sum((wi*xi for wi, xi in zip(self.w, x)), self.b)
        return act.tanh()

    def parameters(self):
        return self.w + [self.b]


class Layer:
    def __init__(self, nin, nout):
        self.neurons = [Neuron(nin) for _ in range(nout)]

    def __call__(self, x):
        outs = [n(x) for n in self.neurons]
        return outs[0] if len(outs) == 1 else outs

    def parameters(self):
        return [p for neuron in self.neurons for p in neuron.parameters()]


class MLP:
    def __init__(self, nin, nouts):
        sz = [nin] + nouts
        self.layers = [Layer(sz[i], sz[i+1]) for i in range(len(nouts))]

    def __call__(self, x):
        for layer in self.layers:
            x = layer(x)
        return x

    def parameters(self):
        return [p for layer in self.layers for p in layer.parameters()]


def main():
    seed, steps, lr = 1337, 20, 0.1
    args = sys.argv[1:]
    if args[:1] == ['--seed'] and len(args) == 2:
        seed = int(args[1])
    elif args:
        sys.exit("usage: make_lab00_fixture.py [--seed N] > tests/fixtures/lab00_micrograd.txt")
    random.seed(seed)
    n = MLP(3, [4, 4, 1])
    params = n.parameters()
    first = [p.data for p in params[:3]]
    xs = [[2.0, 3.0, -1.0], [3.0, -1.0, 0.5], [0.5, 1.0, 1.0], [1.0, 1.0, -1.0]]
    ys = [1.0, -1.0, -1.0, 1.0]
    losses = []
    for k in range(steps):
        ypred = [n(x) for x in xs]                                            # forward
        loss = sum((yout - ygt)**2 for ygt, yout in zip(ys, ypred))
        for p in params:                                                      # zero the grads
            p.grad = 0.0
        loss.backward()                                                       # backward
        for p in params:                                                      # update
            p.data += -lr * p.grad
        losses.append(loss.data)
    print("# lab 00: the lecture's micrograd MLP(3, [4, 4, 1]) trained on its four examples,")
    print(f"# random.seed({seed}), lr {lr}, {steps} steps. Written by tools/make_lab00_fixture.py")
    print(f"# (Python {sys.version.split()[0]}); do not edit. Lines: key value(s), %.17g.")
    print(f"seed {seed}")
    print(f"n_params {len(params)}")
    print("first_params " + " ".join(f"{v:.17g}" for v in first))
    print("losses " + " ".join(f"{v:.17g}" for v in losses))
    print("ypred " + " ".join(f"{y.data:.17g}" for y in ypred))


if __name__ == "__main__":
    main()
