/*
 * rng.c: PyTorch 1.13's CPU generator and CPython 3.11's `random`, bit for bit.
 *
 * What it is: the exact draws of torch.manual_seed / rand / randn / randint /
 * exponential_ / multinomial and of Python's random.seed / shuffle, so that
 * seed 2147483647 gives the lecture's weights, minibatches and sampled names.
 * Section numbers (§3b...) refer to docs/RNG.md, the specification, which
 * also holds the test vectors (tests/core_rng_test.c checks them all).
 * What it is not: a good or fast generator in its own right. Every odd detail
 * below (the low 24 bits, the tail recompute, the pairs (j, j+8), the FMAs) is
 * there because torch does it, not because it is a good idea.
 *
 * MUST be compiled with -ffp-contract=off (the Makefile does). The AVX2 randn
 * kernel torch ships was compiled by GCC with FMA contraction; we reproduce the
 * exact places it fused with explicit fmaf() calls, and the compiler must not
 * fuse anything else on its own, or a few values in a million change in their
 * last bit.
 *
 * Layout, in the order the spec tells it:
 *   MT19937 (shared by torch and Python) -> torch seed/draws -> rand ->
 *   randn scalar path -> randn vector path (AVX2 and default kernels) ->
 *   randint -> exponential_ -> multinomial (CDF, race) -> Python random.
 */
#include "rng.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kit.h" /* KIT_CHECK, KIT_ERROR */

/* -std=c11 hides M_PI; this is the double torch's c10::pi<double> holds. */
#define RNG_PI 3.14159265358979323846

/* ------------------------------------------------------------------------ */
/* MT19937: the reference twist and tempering (Matsumoto & Nishimura 1998).  */
/* Both torch and CPython use it; they differ only in how they seed it.      */

#define MT_N 624
#define MT_M 397

/* Regenerate all 624 words in place. Index arithmetic mod N reproduces the
 * reference's three loops exactly: for i >= N-M the word at i+M-N has already
 * been regenerated in this pass, and the last step reads the new mt[0]. */
static void mt_twist(uint32_t *mt)
{
    for (int i = 0; i < MT_N; i++) {
        uint32_t y = (mt[i] & 0x80000000u) | (mt[(i + 1) % MT_N] & 0x7fffffffu);
        mt[i] = mt[(i + MT_M) % MT_N] ^ (y >> 1) ^ ((y & 1u) ? 0x9908b0dfu : 0u);
    }
}

static uint32_t mt_temper(uint32_t y)
{
    y ^= y >> 11;
    y ^= (y << 7) & 0x9d2c5680u;
    y ^= (y << 15) & 0xefc60000u;
    y ^= y >> 18;
    return y;
}

/* Reference init_genrand: a linear recurrence fills the state from one word. */
static void mt_init_genrand(uint32_t *mt, uint32_t s)
{
    mt[0] = s;
    for (uint32_t j = 1; j < MT_N; j++)
        mt[j] = 1812433253u * (mt[j - 1] ^ (mt[j - 1] >> 30)) + j;
}

/* ------------------------------------------------------------------------ */
/* torch.Generator (§1)                                                      */

void rng_seed(TorchRng *r, uint64_t seed)
{
    KIT_CHECK(r != NULL, "rng_seed: the generator is NULL. HINT: declare `TorchRng g;` and pass &g.");
    /* Only the low 32 bits seed the state: s and s + 2^32 give one stream. */
    mt_init_genrand(r->mt, (uint32_t)(seed & 0xffffffffu));
    /* left = 1 makes the very first draw twist, as torch's mt19937 does. */
    r->left = 1;
    r->next = 0;
    r->has_normal = false; /* manual_seed clears the Box-Muller cache (§3a) */
    r->normal = 0.0;
    r->kernel = RNG_KERNEL_AVX2;
}

uint32_t rng_u32(TorchRng *r)
{
    if (--r->left == 0) {
        mt_twist(r->mt);
        r->left = MT_N;
        r->next = 0;
    }
    return mt_temper(r->mt[r->next++]);
}

uint64_t rng_u64(TorchRng *r)
{
    /* The first draw is the high word (§1); two statements fix the order. */
    uint64_t hi = rng_u32(r);
    uint64_t lo = rng_u32(r);
    return (hi << 32) | lo;
}

double rng_double(TorchRng *r)
{
    /* Low 53 bits: 21 of the first word, all 32 of the second (§2). */
    return (double)(rng_u64(r) & ((UINT64_C(1) << 53) - 1)) * (1.0 / 9007199254740992.0);
}

/* ------------------------------------------------------------------------ */
/* torch.rand (§2)                                                           */

/* One float uniform from one word. The LOW 24 bits, so 1.0 never occurs and
 * 1 - u is never 0 (randn's log relies on that). The product is exact. */
static float rng_float(TorchRng *r)
{
    return (float)(rng_u32(r) & 0xffffffu) * (1.0f / 16777216.0f);
}

void rng_rand(TorchRng *r, float *out, long n)
{
    KIT_CHECK(n <= 0 || out != NULL, "rng_rand: out is NULL for n = %ld. HINT: pass a buffer of n floats.", n);
    for (long i = 0; i < n; i++)
        out[i] = rng_float(r);
}

/* ------------------------------------------------------------------------ */
/* torch.randn, scalar path (§3a): fewer than 16 values.                     */
/* std::normal_distribution<double>-style Box-Muller that keeps the second   */
/* value of each pair in the generator, so it carries over to the next call. */

static float normal_scalar(TorchRng *r, double mean, double std)
{
    if (r->has_normal) {
        r->has_normal = false;
        return (float)(r->normal * std + mean);
    }
    double u1 = rng_double(r);
    double u2 = rng_double(r);
    /* 1 - u2 lies in (0, 1], so log never sees 0. */
    double radius = sqrt(-2.0 * log(1.0 - u2));
    double theta = 2.0 * RNG_PI * u1;
    r->normal = radius * sin(theta);
    r->has_normal = true;
    return (float)(radius * cos(theta) * std + mean);
}

/* ------------------------------------------------------------------------ */
/* torch.randn, vector path (§3b): 16 or more values, transformed in blocks  */
/* of 16 where lane j pairs d[j] (-> 1 - u1) with d[j+8] (-> u2).            */

/* (i) avx_mathfun.h's log256_ps, one lane, with the FMAs GCC formed (§3b i).
 * Cephes: split x = m * 2^e with m in [sqrt(1/2), sqrt(2)), then a degree-9
 * polynomial in (m - 1). */
static float log_avx2(float u)
{
    float x = u < FLT_MIN ? FLT_MIN : u; /* the kernel's max(x, FLT_MIN) */
    uint32_t bits;
    memcpy(&bits, &x, sizeof bits);
    int k = (int)(bits >> 23) - 127;
    uint32_t mbits = (bits & ~UINT32_C(0x7f800000)) | UINT32_C(0x3f000000);
    float m;
    memcpy(&m, &mbits, sizeof m); /* m in [0.5, 1) */
    float e = (float)k + 1.0f;
    if (m < 0.707106781186547524f) {
        /* move m into [sqrt(1/2), 1) by doubling: x = 2m - 1, one less exponent */
        e = e - 1.0f;
        x = (m - 1.0f) + m;
    } else {
        x = m - 1.0f;
    }
    float z = x * x;
    float y = 7.0376836292E-2f;
    y = fmaf(y, x, -1.1514610310E-1f);
    y = fmaf(y, x, 1.1676998740E-1f);
    y = fmaf(y, x, -1.2420140846E-1f);
    y = fmaf(y, x, 1.4249322787E-1f);
    y = fmaf(y, x, -1.6668057665E-1f);
    y = fmaf(y, x, 2.0000714765E-1f);
    y = fmaf(y, x, -2.4999993993E-1f);
    y = fmaf(y, x, 3.3333331174E-1f);
    y = y * x;
    /* GCC fused y*z into the add of the (rounded) e*q1, not the other way. */
    y = fmaf(y, z, e * -2.12194440e-4f);
    y = y - 0.5f * z;
    return (x + y) + e * 0.693359375f; /* ln 2 = q2 + q1, q2 exact in float */
}

/* (i) avx_mathfun.h's sincos256_ps for theta >= 0, one lane (§3b i).
 * Cody-Waite reduction by pi/4 in three pieces, then the Cephes sin and cos
 * polynomials on [-pi/4, pi/4], and octant-dependent swap and signs. */
static void sincos_avx2(float theta, float *s_out, float *c_out)
{
    int j = (int)(theta * 1.27323954473516f); /* 4/pi, truncated */
    j = (j + 1) & ~1;                         /* round up to an even octant */
    float y = (float)j;
    float x = fmaf(y, -0.78515625f, theta);
    x = fmaf(y, -2.4187564849853515625e-4f, x);
    x = fmaf(y, -3.77489497744594108e-8f, x);
    float z = x * x;

    float c = 2.443315711809948E-5f;
    c = fmaf(c, z, -1.388731625493765E-3f);
    c = fmaf(c, z, 4.166664568298827E-2f);
    c = c * z;
    c = fmaf(c, z, -(0.5f * z));
    c = c + 1.0f;

    float s = -1.9515295891E-4f;
    s = fmaf(s, z, 8.3321608736E-3f);
    s = fmaf(s, z, -1.6666654611E-1f);
    s = s * z;
    s = fmaf(s, x, x);

    float sn = (j & 2) == 0 ? s : c;
    float cs = (j & 2) == 0 ? c : s;
    if (j & 4) sn = -sn;
    if (((j - 2) & 4) == 0) cs = -cs;
    *s_out = sn;
    *c_out = cs;
}

/* Transform one block d[0..15] in place (both kernels). */
static void normal_fill_16(float *d, RngKernel kernel, float mean, float std)
{
    for (int j = 0; j < 8; j++) {
        float u1 = 1.0f - d[j]; /* [0, 1) -> (0, 1] for the log */
        float u2 = d[j + 8];
        float n1, n2;
        if (kernel == RNG_KERNEL_AVX2) {
            float radius = sqrtf(-2.0f * log_avx2(u1));
            float theta = 6.28318548f * u2; /* (float)(2 pi), float product */
            float sn, cs;
            sincos_avx2(theta, &sn, &cs);
            n1 = radius * cs;
            n2 = radius * sn;
            /* _mm256_fmadd_ps(n, std, mean) */
            d[j] = fmaf(n1, std, mean);
            d[j + 8] = fmaf(n2, std, mean);
        } else {
            float radius = sqrtf(-2.0f * logf(u1));
            /* theta is computed in double (2.0f * pi<double> * u2) and stored to float */
            float theta = (float)(2.0 * RNG_PI * (double)u2);
            n1 = radius * cosf(theta) * std + mean;
            n2 = radius * sinf(theta) * std + mean;
            d[j] = n1;
            d[j + 8] = n2;
        }
    }
}

static void normal_fill(TorchRng *r, float *d, long n, float mean, float std)
{
    for (long i = 0; i < n; i++)
        d[i] = rng_float(r);
    for (long i = 0; i + 16 <= n; i += 16)
        normal_fill_16(d + i, r->kernel, mean, std);
    if (n % 16 != 0) {
        /* The tail recompute: 16 FRESH uniforms overwrite the last 16 slots,
         * including already-finished values of the last full block. So n + 16
         * words are drawn in total, and the first n % 16 leftovers are wasted. */
        for (long i = n - 16; i < n; i++)
            d[i] = rng_float(r);
        normal_fill_16(d + n - 16, r->kernel, mean, std);
    }
}

void rng_randn(TorchRng *r, float *out, long n)
{
    KIT_CHECK(n <= 0 || out != NULL, "rng_randn: out is NULL for n = %ld. HINT: pass a buffer of n floats.", n);
    if (n >= 16) {
        normal_fill(r, out, n, 0.0f, 1.0f);
    } else {
        for (long i = 0; i < n; i++)
            out[i] = normal_scalar(r, 0.0, 1.0);
    }
}

/* ------------------------------------------------------------------------ */
/* torch.randint (§4)                                                        */

int64_t rng_randint(TorchRng *r, int64_t low, int64_t high)
{
    KIT_CHECK(high > low, "rng_randint: empty range [%lld, %lld). HINT: high must be greater than low.",
              (long long)low, (long long)high);
    uint64_t range = (uint64_t)high - (uint64_t)low;
    /* range == 2^32 already takes the 64-bit draw; plain modulo, bias and all. */
    uint64_t v = range >= (UINT64_C(1) << 32) ? rng_u64(r) : (uint64_t)rng_u32(r);
    return (int64_t)(v % range + (uint64_t)low);
}

/* ------------------------------------------------------------------------ */
/* exponential_(1) (§5b, §5c): -log(1 - u) in double, stored as float.        */

static float exponential_one(TorchRng *r)
{
    return (float)(-log(1.0 - rng_double(r)));
}

void rng_exponential(TorchRng *r, float *out, long n)
{
    KIT_CHECK(n <= 0 || out != NULL, "rng_exponential: out is NULL for n = %ld. HINT: pass a buffer of n floats.", n);
    for (long i = 0; i < n; i++)
        out[i] = exponential_one(r);
}

/* ------------------------------------------------------------------------ */
/* torch.multinomial (§5, §5c)                                               */

/* The weights torch accepts: all >= 0 and finite, and not all zero. */
static bool weights_ok(const float *p, int K)
{
    if (p == NULL || K <= 0)
        return false;
    bool any = false;
    for (int j = 0; j < K; j++) {
        if (!isfinite(p[j]) || p[j] < 0.0f)
            return false;
        if (p[j] > 0.0f)
            any = true;
    }
    return any;
}

int rng_multinomial_replacement(TorchRng *r, const float *p, int K, int n, int *out)
{
    KIT_CHECK(n <= 0 || out != NULL, "rng_multinomial_replacement: out is NULL for n = %d. HINT: pass room for n ints.", n);
    if (!weights_ok(p, K))
        return -1;
    float *cum = malloc((size_t)K * sizeof *cum);
    KIT_CHECK(cum != NULL, "rng_multinomial_replacement: out of memory for %d categories. HINT: is K sane?", K);
    /* The CDF in float32, strictly left to right: summing in double changes
     * about 1 sample in 20,000. */
    float sum = 0.0f;
    for (int j = 0; j < K; j++) {
        sum += p[j];
        cum[j] = sum;
    }
    if (!(sum > 0.0f)) { /* e.g. all weights denormal-tiny and the sum underflowed */
        free(cum);
        return -1;
    }
    for (int j = 0; j < K; j++)
        cum[j] = cum[j] / sum;
    cum[K - 1] = 1.0f; /* torch forces the last bucket so u < 1 always lands */
    for (int s = 0; s < n; s++) {
        double u = rng_double(r);
        /* First index with cum >= u, compared in double. */
        int lo = 0, hi = K;
        while (hi > lo) {
            int mid = lo + (hi - lo) / 2;
            if ((double)cum[mid] < u)
                lo = mid + 1;
            else
                hi = mid;
        }
        out[s] = lo;
    }
    free(cum);
    return 0;
}

int rng_multinomial_race(TorchRng *r, const float *p, int K)
{
    if (!weights_ok(p, K))
        return -1;
    /* Exponential race: argmax_j p_j / q_j with q_j ~ Exp(1) is a sample from
     * p. One q per category, in index order, even for p_j = 0; the first
     * index of the maximum wins. */
    int best = 0;
    float best_score = 0.0f;
    for (int j = 0; j < K; j++) {
        float score = p[j] / exponential_one(r);
        if (j == 0 || score > best_score) {
            best = j;
            best_score = score;
        }
    }
    return best;
}

/* ------------------------------------------------------------------------ */
/* CPython 3.11 random (§6)                                                  */

static uint32_t py_u32(PyRandom *r)
{
    if (r->index >= MT_N) {
        mt_twist(r->mt);
        r->index = 0;
    }
    return mt_temper(r->mt[r->index++]);
}

void pyrandom_seed(PyRandom *r, uint64_t n)
{
    KIT_CHECK(r != NULL, "pyrandom_seed: the state is NULL. HINT: declare `PyRandom pr;` and pass &pr.");
    /* key = n in 32-bit words, least significant first; 0 -> [0]. */
    uint32_t key[2] = {(uint32_t)(n & 0xffffffffu), (uint32_t)(n >> 32)};
    int klen = key[1] != 0 ? 2 : 1;

    /* Reference init_by_array. */
    uint32_t *mt = r->mt;
    mt_init_genrand(mt, 19650218u);
    int i = 1, j = 0;
    for (int k = MT_N > klen ? MT_N : klen; k > 0; k--) {
        mt[i] = (mt[i] ^ ((mt[i - 1] ^ (mt[i - 1] >> 30)) * 1664525u)) + key[j] + (uint32_t)j;
        i++;
        j++;
        if (i >= MT_N) {
            mt[0] = mt[MT_N - 1];
            i = 1;
        }
        if (j >= klen)
            j = 0;
    }
    for (int k = MT_N - 1; k > 0; k--) {
        mt[i] = (mt[i] ^ ((mt[i - 1] ^ (mt[i - 1] >> 30)) * 1566083941u)) - (uint32_t)i;
        i++;
        if (i >= MT_N) {
            mt[0] = mt[MT_N - 1];
            i = 1;
        }
    }
    mt[0] = 0x80000000u; /* MSB is 1, assuring a non-zero initial array */
    r->index = MT_N;      /* twist on the next draw */
}

uint32_t pyrandom_getrandbits(PyRandom *r, int k)
{
    KIT_CHECK(k >= 1 && k <= 32, "pyrandom_getrandbits: k = %d is outside 1..32. HINT: this port draws one word at most.", k);
    return py_u32(r) >> (32 - k);
}

double pyrandom_random(PyRandom *r)
{
    uint32_t a = py_u32(r) >> 5, b = py_u32(r) >> 6;
    return (a * 67108864.0 + b) * (1.0 / 9007199254740992.0);
}

/* _randbelow(n): rejection sampling on n.bit_length() bits, so the number of
 * words drawn varies (never a modulo: that would be biased). */
static int py_randbelow(PyRandom *r, int n)
{
    int k = 0;
    for (unsigned v = (unsigned)n; v != 0; v >>= 1)
        k++;
    uint32_t x = pyrandom_getrandbits(r, k);
    while (x >= (uint32_t)n)
        x = pyrandom_getrandbits(r, k);
    return (int)x;
}

void pyrandom_shuffle_int(PyRandom *r, int *x, int n)
{
    KIT_CHECK(n <= 1 || x != NULL, "pyrandom_shuffle_int: x is NULL for n = %d. HINT: pass the array to shuffle.", n);
    for (int i = n - 1; i >= 1; i--) {
        int j = py_randbelow(r, i + 1);
        int t = x[i];
        x[i] = x[j];
        x[j] = t;
    }
}
