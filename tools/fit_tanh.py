#!/usr/bin/python3
"""fit_tanh.py: the coefficients of the small-|x| polynomial in tanh's float kernel.

What it is: the fit behind the five constants in common/tensor.c's float
tanh_kernel (the KIT_FMA one). For |x| < 0.55 that kernel computes

    tanh(x) = x + x^3 P(x^2),   P of degree 4,

and this script finds P: it fits g(u) = (tanh(x)/x - 1) / u, u = x^2, on
Chebyshev-spaced points of [0, 0.55], weighting each point by how much an
error in g moves tanh(x) relative to its size, then re-weights the worst
points for 30 rounds (Lawson's iteration), which walks a least-squares fit
towards the minimax one. It prints the coefficients, highest power first,
as the C source writes them, and the worst relative error of tanh that they
leave (about 2^-30, far below float's 2^-24).

What it is not: part of the build or of any test. The kernel's accuracy is
tested directly (core.tensor.3: within 1 ulp of the correctly rounded tanh
over a dense sweep of [-10, 10]); run this only to change the polynomial.

    /usr/bin/python3 tools/fit_tanh.py          # needs numpy (python3-numpy)
"""
import numpy as np

T = 0.55    # where the kernel switches to em / (em + 2)
DEGREE = 4

x = np.cos(np.linspace(0.0, np.pi, 4000)) * T / 2 + T / 2
x = x[x > 1e-4]                      # below that, x^3 P is under half an ulp of x anyway
u = x * x
g = (np.tanh(x) / x - 1.0) / u
w = u / (np.tanh(x) / x)             # relative error of tanh per unit of error in g
W = w.copy()
for _ in range(30):
    A = np.vander(u, DEGREE + 1) * W[:, None]
    c, *_ = np.linalg.lstsq(A, g * W, rcond=None)
    err = (np.polyval(c, u) - g) * w
    W = W * (1.0 + np.abs(err) / np.abs(err).max())

print("P, highest power first (common/kernels_math.h, float tanh_kernel):")
print("    " + ", ".join("%.9ef" % v for v in c))
print("worst relative error of tanh on [0, %g]: %.3g (2^%.1f)" % (T, np.abs(err).max(), np.log2(np.abs(err).max())))
