/**
 * @file kernels.h
 * @brief The inner loops under the tensor ops: matmul, tanh and exp over arrays, row max and sum.
 *
 * What it is: the few loops where a training step spends its time, behind one
 * small interface, so that tensor.c reads as ops and their derivatives and
 * never as vector code. Each kernel comes twice:
 *   - a readable reference (kernels_ref.c): the loop as written on the
 *     blackboard, one element at a time;
 *   - a fast version (kernels_fast.h): register blocks, vectors, several rows
 *     at once. It adds the same numbers in the same order as the reference,
 *     so the two agree bit for bit (tested, core.kernels).
 * The fast kernels are compiled once with the build's flags ("portable",
 * plain SSE2 in the default build; "native" with NATIVE=1) and, in the
 * default build on x86-64, again for AVX2 and for AVX-512 (kernels_avx2.c,
 * kernels_avx512.c). At the first call the kit picks the widest set this CPU
 * runs (kernels.c). Those copies use no fused multiply-add, so every set
 * gives the default build's bits; only the speed differs.
 * Set KIT_KERNELS=reference|portable|avx2|avx512 in the environment to choose
 * one yourself (an unknown or unavailable name is reported on stderr and the
 * automatic choice is kept).
 * What it is not: a BLAS. Row-major float32 only, the shapes the labs use.
 *
 * Every array argument is row-major and contiguous; `out` may not overlap the
 * inputs, except where a kernel says "y may be x".
 */
#ifndef KIT_KERNELS_H
#define KIT_KERNELS_H

#include <stdbool.h>

/** One set of kernels (a table of functions): the reference, or a fast set compiled for some CPU. */
typedef struct Kernels {
    const char *name;  /**< "reference", "portable", "native", "avx2" or "avx512" */
    /** out[M,N] (+)= a[M,K] @ b[K,N]: the forward of matmul. */
    void (*matmul)(float *out, const float *a, const float *b, int M, int K, int N, bool accumulate);
    /** da[M,K] += dout[M,N] @ b[K,N]^T, using bt (K*N floats of scratch) for b^T. */
    void (*matmul_da)(float *da, const float *dout, const float *b, float *bt, int M, int K, int N);
    /** db[K,N] += a[M,K]^T @ dout[M,N]. */
    void (*matmul_db)(float *db, const float *a, const float *dout, int M, int K, int N);
    /** y[i] = tanh(x[i]) for n floats (y may be x). */
    void (*tanh_n)(float *y, const float *x, int n);
    /** y[i] = exp(x[i]) for n floats (y may be x). */
    void (*exp_n)(float *y, const float *x, int n);
    /** out[r] = max of row r of x [rows, V] (the first max; V >= 1). */
    void (*rows_max)(float *out, const float *x, int rows, int V);
    /** out[r] = sum of row r of x [rows, V], left to right in float. */
    void (*rows_sum)(float *out, const float *x, int rows, int V);
} Kernels;

/** @brief The set in use: chosen at the first call (KIT_KERNELS, else the widest this CPU runs). */
const Kernels *kernels(void);
/** @brief The set called @p name, or NULL when it is not built in or this CPU cannot run it. */
const Kernels *kernels_find(const char *name);
/** @brief 1 when the kernels fuse multiply-adds (NATIVE=1 on a CPU with FMA: other bits than the default build). */
bool kernels_fused(void);

/** @name The calls the ops make (each goes to kernels()) */
/** @{ */
/** @brief out[M,N] (+)= a[M,K] @ b[K,N] with the fast kernels. */
void matmul_fast(float *out, const float *a, const float *b, int M, int K, int N, bool accumulate);
/** @brief y[i] = tanh(x[i]) for @p n floats with the fast kernels (the same bits as tanh_fast); y may be x. */
void tanh_fast_n(float *y, const float *x, int n);
/** @brief y[i] = exp(x[i]) for @p n floats with the fast kernels (the same bits as exp_fast); y may be x. */
void exp_fast_n(float *y, const float *x, int n);
/** @} */

/** @name Readable versions (kernels_ref.c) */
/** @{ */
/** @brief out[M,N] (+)= a[M,K] @ b[K,N], the straightforward triple loop: the reference. */
void matmul_reference(float *out, const float *a, const float *b, int M, int K, int N, bool accumulate);
/** @brief tanh(x), one float: within 1 ulp of the correctly rounded value (tested). */
float tanh_fast(float x);
/** @brief exp(x), one float, as the exp op computes it (within 1 ulp of expf, tested). */
float exp_fast(float x);
/** @} */

#endif /* KIT_KERNELS_H */
