/*
 * kernels.c: which kernel set runs, and the calls the ops make (the contract
 * is kernels.h).
 *
 * What it is: the fast kernels compiled with the build's own flags (the
 * "portable" set, or "native" with NATIVE=1), and the choice, at the first
 * call, of the set every op then uses: KIT_KERNELS when it names one this CPU
 * runs, else the widest of avx512, avx2 and the build's own.
 * Why a table of function pointers, not an ifunc or GCC's target_clones: the
 * tests need to call every set side by side on the same inputs (to prove
 * each equal to the portable one), KIT_KERNELS needs to override the choice,
 * and one indirect call per kernel costs nothing next to the loop behind it.
 * What it is not: where the kernels are. Their body is kernels_fast.h; the
 * copies for AVX2 and AVX-512 are kernels_avx2.c and kernels_avx512.c, which
 * only the default build on x86-64 with GCC fills (with NATIVE=1 the build's
 * own set already uses every instruction the CPU has, with its own bits).
 */
#define KERNELS_TABLE kernels_portable
#if defined(__AVX2__)
#define KERNELS_NAME "native"     /* built for this CPU (NATIVE=1): -march's instructions */
#else
#define KERNELS_NAME "portable"   /* the target's baseline (SSE2 on x86-64) */
#endif
#include "kernels_fast.h"

#include <stdio.h>
#include <stdlib.h>

extern const Kernels kernels_reference;
#if KIT_DISPATCH   /* (kernels_math.h) */
extern const Kernels kernels_avx2, kernels_avx512;   /* kernels_avx2.c, kernels_avx512.c */
#endif

const Kernels *kernels_find(const char *name)
{
    if (!name) return NULL;
    if (strcmp(name, kernels_reference.name) == 0) return &kernels_reference;
    if (strcmp(name, kernels_portable.name) == 0) return &kernels_portable;
#if KIT_DISPATCH
    __builtin_cpu_init();
    /* AVX-512: the F subset is all kernels_avx512.c is compiled for. */
    if (strcmp(name, "avx512") == 0) return __builtin_cpu_supports("avx512f") ? &kernels_avx512 : NULL;
    if (strcmp(name, "avx2") == 0) return __builtin_cpu_supports("avx2") ? &kernels_avx2 : NULL;
#endif
    return NULL;
}

/* The widest set this CPU runs, or the one KIT_KERNELS names. */
static const Kernels *choose(void)
{
    const char *want = getenv("KIT_KERNELS");
    if (want && *want) {
        const Kernels *k = kernels_find(want);
        if (k) return k;
        fprintf(stderr, "KIT_KERNELS=%s: no such kernel set on this CPU and build; using the automatic choice. "
                "HINT: reference, portable%s\n", want, KIT_DISPATCH ? ", avx2 or avx512 (if the CPU has it)" : "");
    }
    const Kernels *k = kernels_find("avx512");
    if (!k) k = kernels_find("avx2");
    return k ? k : &kernels_portable;
}

const Kernels *kernels(void)
{
    static const Kernels *active;   /* the kit runs on one thread */
    if (!active) active = choose();
    return active;
}

bool kernels_fused(void)
{
    return KIT_FMA;
}

void matmul_fast(float *out, const float *a, const float *b, int M, int K, int N, bool accumulate)
{
    kernels()->matmul(out, a, b, M, K, N, accumulate);
}

void tanh_fast_n(float *y, const float *x, int n)
{
    kernels()->tanh_n(y, x, n);
}

void exp_fast_n(float *y, const float *x, int n)
{
    kernels()->exp_n(y, x, n);
}
