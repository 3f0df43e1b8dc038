/**
 * @file rng.h
 * @brief PyTorch 1.13's CPU random generator and CPython's `random`, bit for bit.
 *
 * What it is: the draws the lectures make, reproduced exactly, so that seed
 * 2147483647 gives the lecture's weights, minibatches and sampled names. The
 * spec (and its test vectors) is docs/RNG.md; section numbers below (§3b...)
 * refer to it.
 * What it is not: a general-purpose or cryptographic generator.
 *
 * Compile with -ffp-contract=off: the fused multiply-adds torch's AVX2 kernel
 * performs are written out as fmaf() calls, and the compiler must add none.
 */
#ifndef KIT_RNG_H
#define KIT_RNG_H

#include <stdbool.h>
#include <stdint.h>

/** Which torch CPU kernel randn imitates for 16 or more values (§3b). */
typedef enum RngKernel {
    RNG_KERNEL_AVX2 = 0,   /**< default on x86-64: avx_mathfun log/sincos with GCC's FMAs (§3b i) */
    RNG_KERNEL_DEFAULT = 1 /**< ATEN_CPU_CAPABILITY=default: libm logf/cosf/sinf (§3b ii) */
} RngKernel;

/** torch.Generator: MT19937 state plus the cached normal of the scalar path. */
typedef struct TorchRng {
    uint32_t mt[624];  /**< the MT19937 state words */
    int left;          /**< draws left before the next twist (torch's counter) */
    int next;          /**< index of the next state word to temper */
    bool has_normal;   /**< a cached r*sin(theta) from the scalar Box-Muller (§3a) */
    double normal;     /**< the cached value, valid when has_normal */
    RngKernel kernel;  /**< which randn kernel to imitate for 16+ values */
} TorchRng;

/**
 * @brief `g = torch.Generator().manual_seed(seed)` (§1): fills every field of
 * @p r (no other init needed), clears the cached normal, and sets the kernel to
 * AVX2; to imitate the libm kernel set `r->kernel = RNG_KERNEL_DEFAULT` after
 * this call. Only the low 32 bits of @p seed matter. NULL @p r is an error.
 * Next: rng_randn(), rng_rand(), rng_randint()...
 */
void rng_seed(TorchRng *r, uint64_t seed);
/** @brief One 32-bit draw: `random()` (§1). */
uint32_t rng_u32(TorchRng *r);
/** @brief One 64-bit draw, high word first: `random64()` (§1). */
uint64_t rng_u64(TorchRng *r);
/** @brief A 53-bit double in [0, 1) from one rng_u64() (§2). */
double rng_double(TorchRng *r);
/** @brief `torch.rand(n)` float32 into @p out (§2), one word each; caller owns @p out (NULL only if n <= 0). */
void rng_rand(TorchRng *r, float *out, long n);
/**
 * @brief `torch.randn(n)` float32 into @p out (caller's buffer; NULL only if n <= 0).
 * Below 16 values: the scalar path, whose cached second value outlives the call
 * (§3a). From 16: the vector path with r->kernel, drawing n words, or n + 16
 * when n % 16 != 0 (§3b). The shape does not matter, only n.
 */
void rng_randn(TorchRng *r, float *out, long n);
/**
 * @brief `torch.randint(low, high, (1,))` (int64): one value (§4). Calling it k
 * times equals randint(low, high, (k,)). One word when high - low < 2^32, else
 * two. high <= low is an error (KIT_ERROR).
 */
int64_t rng_randint(TorchRng *r, int64_t low, int64_t high);
/** @brief `torch.empty(n).exponential_(1)` into @p out (§5b): -log(1 - u), two words each. */
void rng_exponential(TorchRng *r, float *out, long n);
/**
 * @brief `torch.multinomial(p, n, replacement=True)` for one row of @p K
 * weights (1.x CDF algorithm, §5): writes @p n indices to @p out (caller's
 * buffer). Two words per sample; @p p need not sum to 1. The lecture's bigram
 * sampler, `multinomial(p, 1, replacement=True)`, is this with n = 1.
 * @return 0, or -1 (nothing drawn) when @p p is NULL, a weight is negative or
 * not finite, or all are zero.
 */
int rng_multinomial_replacement(TorchRng *r, const float *p, int K, int n, int *out);
/**
 * @brief `torch.multinomial(p, 1)` with the default replacement=False, torch
 * 1.13: the exponential race of §5c (2K words), which the MLP samplers of
 * parts 2-5 use. Returns the index, or -1 (nothing drawn) on bad weights as above.
 */
int rng_multinomial_race(TorchRng *r, const float *p, int K);

/** CPython 3.11's `random` module state (MT19937 seeded with init_by_array). */
typedef struct PyRandom {
    uint32_t mt[624];  /**< the MT19937 state words */
    int index;         /**< next word to temper; 624 forces a twist */
} PyRandom;

/** @brief `random.seed(n)` for a non-negative integer n (§6). */
void pyrandom_seed(PyRandom *r, uint64_t n);
/** @brief `random.getrandbits(k)`, 1 <= k <= 32. */
uint32_t pyrandom_getrandbits(PyRandom *r, int k);
/** @brief `random.random()`. */
double pyrandom_random(PyRandom *r);
/** @brief `random.shuffle(x)` of @p n ints in place (Fisher-Yates with _randbelow). */
void pyrandom_shuffle_int(PyRandom *r, int *x, int n);

#endif /* KIT_RNG_H */
