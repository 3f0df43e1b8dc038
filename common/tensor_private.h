/*
 * tensor_private.h: what the files of the tensor core share (tensor.c,
 * tensor_reduce.c); not for labs, which use tensor.h.
 *
 * What it is: the NULL check every op starts with, the result of an op (a
 * shorter name for tensor_op_result), scratch floats from the step arena,
 * the vectorizer setting of those files, and KIT_PER_CPU.
 * What it is not: kernels (kernels.h) or anything per CPU.
 */
#ifndef KIT_TENSOR_PRIVATE_H
#define KIT_TENSOR_PRIVATE_H

#include "kernels_math.h"   /* KIT_DISPATCH */
#include "kit.h"
#include "tensor.h"

/* GCC 12's -O2 vectorizes only loops whose trip count needs no scalar
 * remainder ("very-cheap" cost model), which leaves every loop over a row of
 * 27 or 200 floats scalar. The dynamic model is what -O3 uses; it changes no
 * result (GCC never reorders a float sum without -ffast-math), only speed. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("tree-vectorize", "vect-cost-model=dynamic")
#endif

/* KIT_PER_CPU marks an op's loop-heavy function to be compiled three times,
 * for AVX-512, AVX2 and the baseline, the loader picking one for the CPU
 * (GCC's target_clones), in the builds that pick their kernels at run time
 * (KIT_DISPATCH, kernels_math.h). No copy fuses a multiply and an add
 * (-ffp-contract=off) or reorders a sum, so all give the same bits; only the
 * vector width changes. Elsewhere it is nothing. */
#if KIT_DISPATCH
#define KIT_PER_CPU __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define KIT_PER_CPU
#endif

#define CHECK_TENSOR(t, fn) \
    KIT_CHECK((t) != NULL, "%s: tensor " #t " is NULL. HINT: was it created before this call?", fn)

static inline Tensor *op_result(Shape s, const char *op, BackwardFn backward, Tensor *a, Tensor *b)
{
    return tensor_op_result(s, op, backward, a, b);
}

/* Scratch floats for one step (a transposed weight...), from the step arena,
 * not zeroed: every user writes all of them before reading. */
static inline float *step_scratch(Graph *g, int n)
{
    return arena_alloc_uninit(&g->step, (size_t)n * sizeof(float));
}

#endif /* KIT_TENSOR_PRIVATE_H */
