/*
 * kernels_avx512.c: the fast kernels compiled for AVX-512 (its F subset), for the default build to
 * pick at run time on a CPU that has them (kernels.c; the contract is kernels.h).
 *
 * What it is: kernels_fast.h under `#pragma GCC target("avx512f")`, so its
 * vectors are 16 floats wide and its ragged edges masked. No fused multiply-add (the
 * target adds none, and -ffp-contract=off keeps the compiler from fusing):
 * the same sums in the same order as the portable set, so the same bits.
 * What it is not: compiled into anything but the default build on x86-64
 * with GCC (KIT_DISPATCH, kernels_math.h); elsewhere this file is empty.
 */
#include "kernels_math.h"

#if KIT_DISPATCH
#pragma GCC target("avx512f")
#define KERNELS_TABLE kernels_avx512
#define KERNELS_NAME "avx512"
#include "kernels_fast.h"
#else
typedef int kernels_avx512_unused;   /* ISO C wants every file to declare something */
#endif
