/*
 * kernels_math.h: tanh and exp of one float, without libm, for the kernels
 * (private to common/kernels*.c; the contract is kernels.h).
 *
 * What it is: the scalar math every tanh and exp of the kit computes, as
 * static inline functions, so that each kernel file (the reference, the
 * portable fast kernels and their per-CPU copies) inlines the same steps and
 * gets the same bits: tanh_kernel and exp_kernel, and the switch KIT_FMA
 * that picks their float (fused) or double version.
 * What it is not: a libm. Only the ranges the ops need are handled with
 * care (both are within 1 ulp of the correctly rounded value; tested).
 */
#ifndef KIT_KERNELS_MATH_H
#define KIT_KERNELS_MATH_H

#include <math.h>
#include <stdint.h>
#include <string.h>

/*
 * KIT_FMA: 1 when the kernels fuse multiply-adds (fmaf: one rounding, not
 * two): when the compiler may use the CPU's FMA instructions, as with
 * NATIVE=1 on any x86-64 since 2013; 0 in the default build, whose SSE2 has
 * none, and in the AVX2 and AVX-512 copies that the default build picks at
 * run time (kernels.c), which must keep the default build's bits.
 *
 * With FMA, matmul fuses each step (and so does matmul_reference, so the two
 * still agree bit for bit), and tanh and exp run in float: at most 1 ulp
 * from the true value, where the double versions are nearly always
 * correctly rounded. A NATIVE=1 run's losses therefore agree with the
 * default build's to about 6 digits at first, and drift apart in the last
 * digits over a long training, as two PyTorch builds do. Define KIT_FMA=0
 * (make NATIVE=1 FMA=0) for the default build's bits.
 */
#ifndef KIT_FMA
#if defined(__FMA__)
#define KIT_FMA 1
#else
#define KIT_FMA 0
#endif
#endif

/*
 * KIT_DISPATCH: 1 when the fast kernels are also compiled for AVX2 and
 * AVX-512 (kernels_avx2.c, kernels_avx512.c) and chosen at run time
 * (kernels.c): on x86-64, with GCC (whose `#pragma GCC target` those files
 * use), when the build itself targets no AVX2 and fuses nothing (the default
 * build and SANITIZE=1; not NATIVE=1, which has them all already). Anywhere
 * else (arm64, clang) the build's own kernels are the only fast ones.
 */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(__AVX2__) && !KIT_FMA
#define KIT_DISPATCH 1
#else
#define KIT_DISPATCH 0
#endif

/* ---- tanh ---------------------------------------------------------------- */

static inline float float_from_bits(uint32_t u) { float f; memcpy(&f, &u, sizeof f); return f; }
static inline uint32_t bits_from_float(float f) { uint32_t u; memcpy(&u, &f, sizeof u); return u; }

#if !KIT_FMA   /* the double kernels' helpers (with KIT_FMA, the float kernels below need none) */
static inline double double_from_bits(uint64_t u) { double d; memcpy(&d, &u, sizeof d); return d; }
static inline uint64_t bits_from_double(double d) { uint64_t u; memcpy(&u, &d, sizeof u); return u; }

/* expm1(r) = e^r - 1 for |r| <= ln2/2 (a little more is fine), in double: its
 * Taylor series to r^9, whose next term is below 1e-11 relative. Shared by
 * tanh and exp below, which reduce their argument to this range. */
static inline double expm1_reduced(double r)
{
    double p = 1.0 / 362880.0;
    p = p * r + 1.0 / 40320.0;
    p = p * r + 1.0 / 5040.0;
    p = p * r + 1.0 / 720.0;
    p = p * r + 1.0 / 120.0;
    p = p * r + 1.0 / 24.0;
    p = p * r + 1.0 / 6.0;
    p = p * r + 0.5;
    return r + (r * r) * p;
}
#endif

#if KIT_FMA
/* expm1(r) for y = n ln2 + r, n = round(y / ln2), |r| <= ln2/2, in float with
 * fused steps: the float twin of expm1_reduced, shared by tanh and exp below.
 * Sets *nb to y/ln2 + 1.5*2^23, whose low mantissa bits hold n. ln2 is taken
 * in two parts, so r is exact to float; expm1(r) is its Taylor series to r^7
 * (the next term is below 2^-26 relative). */
static inline __attribute__((always_inline)) float expm1f_reduced(float y, float *nb)
{
    *nb = fmaf(y, 1.44269504f, 12582912.0f);
    float n = *nb - 12582912.0f;
    float r = fmaf(n, -0.693145752f, y);                      /* y - n ln2, ln2 = 0.693145752 + 1.42860677e-6 */
    r = fmaf(n, -1.42860677e-6f, r);
    float p = 1.0f / 5040.0f;                                 /* expm1(r) = r + r^2 (1/2 + r/6 + ... + r^5/5040) */
    p = fmaf(p, r, 1.0f / 720.0f);
    p = fmaf(p, r, 1.0f / 120.0f);
    p = fmaf(p, r, 1.0f / 24.0f);
    p = fmaf(p, r, 1.0f / 6.0f);
    p = fmaf(p, r, 0.5f);
    return fmaf(r * r, p, r);
}

/*
 * tanh in float, for a CPU with FMA (KIT_FMA): twice the lanes per register
 * of the double version below (which the default build uses: without FMA,
 * float has too little precision for this). The same two ideas, every step
 * a fused multiply-add:
 *   - |x| >= 0.55: em / (em + 2) with em = expm1(2|x|) = 2^n (1 + expm1(r)) - 1,
 *     expm1(r) by expm1f_reduced, and em = 2^n expm1(r) + (2^n - 1) in one
 *     fma, 2^n - 1 being exact for n <= 24.
 *   - |x| < 0.55: x + x^3 P(x^2), P of degree 4 fitted to tanh (by
 *     tools/fit_tanh.py; 2^-30 relative error) because em / (em + 2) loses
 *     a bit or two near 0, where its three roundings add up.
 * Both are computed and one kept (no branch, so the loop vectorizes).
 * Checked on every float in [0, 10]: at most 1 ulp from the correctly
 * rounded tanh (99.7% of them exact); tested on a sweep in core.tensor.
 */
static inline __attribute__((always_inline)) float tanh_kernel(float x)
{
    uint32_t xb = bits_from_float(x);
    uint32_t sign = xb & 0x80000000u;
    uint32_t ab = xb & 0x7fffffffu;                          /* |x|, as bits */
    uint32_t cb = ab > 0x41200000u ? 0x41200000u : ab;       /* min(|x|, 10.0f) */
    float a = float_from_bits(cb), y = 2.0f * a;             /* 2|x|, exact */
    /* large |x|: em / (em + 2) */
    float nb, em1 = expm1f_reduced(y, &nb);                  /* expm1(r), and n in nb's low bits */
    float two_n = float_from_bits((bits_from_float(nb) - 0x4B400000u + 127u) << 23);
    float em = fmaf(two_n, em1, two_n - 1.0f);               /* expm1(y) */
    float big = em / (em + 2.0f);
    /* small |x|: x + x^3 P(x^2) */
    float u = a * a;
    float q = -6.274240474e-03f;
    q = fmaf(q, u, 2.107168049e-02f);
    q = fmaf(q, u, -5.385231048e-02f);
    q = fmaf(q, u, 1.333258615e-01f);
    q = fmaf(q, u, -3.333331756e-01f);
    float small = fmaf(a, q * u, a);
    uint32_t tb = bits_from_float(a < 0.55f ? small : big) | sign;
    /* NaN in, NaN out: an all-ones mask when |x| is a NaN (ab > inf's bits). */
    uint32_t nan_mask = 0u - ((0x7f800000u - ab) >> 31);
    return float_from_bits((tb & ~nan_mask) | (xb & nan_mask));
}
#else
/*
 * tanh(x) = (e^2x - 1) / (e^2x + 1) = em / (em + 2) with em = expm1(2|x|),
 * then the sign of x put back (tanh is odd). Written with no branch and no
 * libm call, so the loop in tensor_tanh vectorizes.
 *   - |x| is clamped to 10: tanh(x) rounds to 1.0f from x = 9.01 on (tanh(9)
 *     is still 0.99999994f), and the clamp keeps 2^n below in range. NaN is
 *     clamped too, and restored at the end.
 *   - expm1(y) = 2^n (1 + expm1(r)) - 1 with n = round(y / ln2), |r| <= ln2/2,
 *     and expm1(r) by expm1_reduced. Using expm1 rather than exp keeps tanh(x) ~ x accurate for
 *     small x, where e^2x - 1 would cancel.
 *   - r and the last steps run in double: float there leaves ~1 ulp of error,
 *     and glibc's tanhf is itself up to 2 ulp off, so the 2-ulp promise
 *     against tanhf needs this result to be (nearly always) correctly rounded.
 *     It is: at most 1 ulp from the true tanh, 2 from tanhf (tested).
 */
static inline __attribute__((always_inline)) float tanh_kernel(float x)
{
    uint32_t xb = bits_from_float(x);
    uint32_t sign = xb & 0x80000000u;
    uint32_t ab = xb & 0x7fffffffu;                          /* |x|, as bits */
    uint32_t cb = ab > 0x41200000u ? 0x41200000u : ab;       /* min(|x|, 10.0f) */
    float y = 2.0f * float_from_bits(cb);                    /* 2|x|, exact */
    /* n = round(y / ln2) by the 1.5*2^23 trick: the sum's low mantissa bits hold n. */
    float nb = y * 1.44269504f + 12582912.0f;
    float n = nb - 12582912.0f;
    double r = (double)y - (double)n * 0.6931471805599453;  /* |r| <= ln2/2 */
    double em1 = expm1_reduced(r);                           /* expm1(r) */
    double two_n = (double)float_from_bits((bits_from_float(nb) - 0x4B400000u + 127u) << 23);
    double em = two_n * em1 + (two_n - 1.0);                 /* expm1(y) */
    uint32_t tb = bits_from_float((float)(em / (em + 2.0))) | sign;
    /* NaN in, NaN out: an all-ones mask when |x| is a NaN (ab > inf's bits). */
    uint32_t nan_mask = 0u - ((0x7f800000u - ab) >> 31);
    return float_from_bits((tb & ~nan_mask) | (xb & nan_mask));
}
#endif

/* ---- exp ----------------------------------------------------------------- */

#if KIT_FMA
/*
 * exp(x) in float, for a CPU with FMA (KIT_FMA): the same steps as the
 * double version below, with twice the lanes per register.
 * n = round(x / ln2), r = x - n ln2 and e^r - 1 by expm1f_reduced, then
 * 2^n (1 + (e^r - 1)) in one fma. 2^n is applied as 2^n1 * 2^n2 (n1 = n/2), so that it stays a
 * normal float from exp(-104) (a subnormal result, rounded by the last
 * multiply) to exp(89) (inf). Checked on every float in [-105, 90]: at most
 * 1 ulp from expf and from the correctly rounded exp (99% of them exact).
 */
static inline __attribute__((always_inline)) float exp_kernel(float x)
{
    uint32_t xb = bits_from_float(x);
    uint32_t sign = xb & 0x80000000u, ab = xb & 0x7fffffffu;
    uint32_t lim = sign ? 0x42D00000u : 0x42B20000u;          /* 104.0f below zero, 89.0f above */
    float xc = float_from_bits((ab > lim ? lim : ab) | sign);
    float nb, em1 = expm1f_reduced(xc, &nb);                  /* e^r - 1, and n in nb's low bits */
    int32_t ni = (int32_t)(bits_from_float(nb) - 0x4B400000u), n1 = ni / 2, n2 = ni - n1;   /* -150 <= n <= 129 */
    float s1 = float_from_bits((uint32_t)(n1 + 127) << 23), s2 = float_from_bits((uint32_t)(n2 + 127) << 23);
    uint32_t eb = bits_from_float(fmaf(s1, em1, s1) * s2);
    uint32_t nan_mask = 0u - ((0x7f800000u - ab) >> 31);      /* all ones when x is a NaN */
    return float_from_bits((eb & ~nan_mask) | (xb & nan_mask));
}
#else
/*
 * exp(x) for a float x, the fast twin of libm's expf (the readable version:
 * `expf(x)`, which the tests compare it with). The exp op and the softmax
 * family call it on every logit, and a libm call per element cannot be
 * vectorized. exp(x) = 2^n e^r with n = round(x / ln2), r = x - n ln2
 * (|r| <= ln2/2), and e^r = 1 + expm1_reduced(r), all in double, then
 * rounded to float once, so the result is the correctly rounded exp(x) but
 * for the rare x whose exp lies within 1e-11 of a tie, where it may be 1 ulp
 * off, as glibc's expf may be too (tested: within 1 ulp of expf).
 *   - x is clamped to [-104, 89]: exp(-104) is under half the smallest float
 *     (so it rounds to 0, as does anything smaller) and exp(89) over FLT_MAX
 *     (it rounds to inf), so the clamp changes no result; it keeps 2^n a
 *     normal double. A NaN is clamped too, and restored at the end.
 *   - n by the 1.5*2^52 trick: adding it leaves round(x / ln2) in the low bits.
 */
static inline __attribute__((always_inline)) float exp_kernel(float x)
{
    /* The clamp on the bits, as in tanh: a float comparison would keep GCC
     * from vectorizing the loop (it may raise an exception on NaN). */
    uint32_t xb = bits_from_float(x);
    uint32_t sign = xb & 0x80000000u, ab = xb & 0x7fffffffu;
    uint32_t lim = sign ? 0x42D00000u : 0x42B20000u;          /* 104.0f below zero, 89.0f above */
    float xc = float_from_bits((ab > lim ? lim : ab) | sign);
    double kd = (double)xc * 1.4426950408889634 + 0x1.8p52;
    double n = kd - 0x1.8p52;
    double r = (double)xc - n * 0.6931471805599453;
    uint64_t nbits = bits_from_double(kd) - bits_from_double(0x1.8p52);   /* n, two's complement */
    double two_n = double_from_bits((nbits + 1023u) << 52);
    uint32_t eb = bits_from_float((float)(two_n + two_n * expm1_reduced(r)));
    uint32_t nan_mask = 0u - ((0x7f800000u - ab) >> 31);      /* all ones when x is a NaN */
    return float_from_bits((eb & ~nan_mask) | (xb & nan_mask));
}
#endif

#endif /* KIT_KERNELS_MATH_H */
