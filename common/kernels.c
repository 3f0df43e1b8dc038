/*
 * kernels.c: which kernel set runs, and the calls the ops make (the contract
 * is kernels.h).
 *
 * What it is: the fast kernels compiled with the build's own flags (the
 * "portable" set, or "native" with NATIVE=1), and the choice, at the first
 * call, of the set every op then uses: KIT_KERNELS when it names one, else
 * the build's own.
 * What it is not: where the kernels are. Their body is kernels_fast.h.
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

const Kernels *kernels_find(const char *name)
{
    if (!name) return NULL;
    if (strcmp(name, kernels_reference.name) == 0) return &kernels_reference;
    if (strcmp(name, kernels_portable.name) == 0) return &kernels_portable;
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
                "HINT: reference or portable\n", want);
    }
    return &kernels_portable;
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
