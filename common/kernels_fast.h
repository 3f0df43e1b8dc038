/*
 * kernels_fast.h: the fast kernels, written once and compiled once per CPU
 * (private to common/kernels*.c; the contract is kernels.h).
 *
 * What it is: the body of a fast kernel set: the register-blocked matmul
 * (gemm), the transposes of its backward, tanh and exp over arrays, and the
 * row max and sum several rows at a time, ending in one `Kernels` table
 * named KERNELS_TABLE, called KERNELS_NAME. A file that includes it defines
 * those two names first: kernels.c (the build's own flags: "portable", or
 * "native" with NATIVE=1), kernels_avx2.c and kernels_avx512.c (the same
 * source compiled for those instruction sets, which the default build picks
 * at run time). Which vector width and which loads the code uses follows
 * from the instruction set it is compiled for (__AVX__, __AVX512F__), and
 * whether it fuses multiply-adds from KIT_FMA (kernels_math.h).
 * What it is not: a different computation from kernels_ref.c. Every element
 * is the same sum in the same order as there, so all the sets agree bit for
 * bit (core.kernels); only how many elements move at once changes.
 * How they came to be this shape, with the measurements: docs/PERFORMANCE.md.
 */
#if !defined(KERNELS_TABLE) || !defined(KERNELS_NAME)
#error "define KERNELS_TABLE and KERNELS_NAME before including kernels_fast.h"
#endif

#include <stddef.h>
#include <string.h>

#include "kernels.h"
#include "kernels_math.h"

#if defined(__x86_64__) && (KIT_FMA || defined(__AVX512F__))
#include <immintrin.h>   /* the fused multiply-add, AVX-512's masked loads and its tanh and exp */
#endif

/* GCC 12's -O2 vectorizes only loops whose trip count needs no scalar
 * remainder ("very-cheap" cost model), which leaves every loop over a row of
 * 27 or 200 floats scalar. The dynamic model is what -O3 uses; it changes no
 * result (GCC never reorders a float sum without -ffast-math), only speed. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("tree-vectorize", "vect-cost-model=dynamic")
#endif

/* KIT_MAP16: tanh and exp 16 lanes at a time in AVX-512 intrinsics. Only for
 * the float (KIT_FMA) kernels, whose steps the intrinsics repeat; the double
 * ones are left to the compiler's vectorizer. */
#if KIT_FMA && defined(__AVX512F__)
#define KIT_MAP16 1
#else
#define KIT_MAP16 0
#endif

/* ---- matmul -------------------------------------------------------------- */

/* A vector of floats in one register: GCC's vector extension (Clang has it
 * too), so the kernel below is vectorized whatever the optimizer's cost model
 * thinks. 4 floats (SSE, every x86-64; or NEON) by default; 8 when compiled for AVX and
 * 16 for AVX-512 (the per-CPU copies, or NATIVE=1 on a CPU that has them). The width
 * changes no result: every lane is its own output element, summed in order. */
#if defined(__AVX512F__)
typedef float vecf __attribute__((vector_size(64)));
#define NV_MAX 4   /* vectors per row of a register block: 32 registers hold 4 x 4 */
#elif defined(__AVX__)
typedef float vecf __attribute__((vector_size(32)));
#define NV_MAX 3   /* 16 registers: 4 x 3 accumulators, 3 of B, the broadcast */
#else
typedef float vecf __attribute__((vector_size(16)));
#define NV_MAX 3   /* 16 registers: 4 x 3 accumulators, 3 of B, the broadcast */
#endif
#define VL ((int)(sizeof(vecf) / sizeof(float)))

/* c + s*b for a vector c and b and a scalar s: fused when KIT_FMA (GCC's
 * vector extension has no fma of its own, so the intrinsic of the width). */
#if KIT_FMA
#if defined(__AVX512F__)
#define VMADD(c, s, b) ((vecf)_mm512_fmadd_ps(_mm512_set1_ps(s), (__m512)(b), (__m512)(c)))
#elif defined(__AVX__)
#define VMADD(c, s, b) ((vecf)_mm256_fmadd_ps(_mm256_set1_ps(s), (__m256)(b), (__m256)(c)))
#else
#define VMADD(c, s, b) ((vecf)_mm_fmadd_ps(_mm_set1_ps(s), (__m128)(b), (__m128)(c)))
#endif
#else
#define VMADD(c, s, b) ((c) + (s) * (b))
#endif

/* GEMM_MASKED: AVX-512 loads and stores a partial vector with a mask of its
 * lanes, so there the ragged last N % VL columns are read and written in
 * place; narrower vectors go through gemm's zero-padded copies instead. */
#if defined(__AVX512F__)
#define GEMM_MASKED 1
#else
#define GEMM_MASKED 0
#endif

/* One vector from p, or (masked) its first `rag` lanes and zeros. */
static inline __attribute__((always_inline)) vecf vec_load(const float *p, bool masked, int rag)
{
#if GEMM_MASKED
    if (masked) return (vecf)_mm512_maskz_loadu_ps((__mmask16)((1u << rag) - 1u), p);
#else
    (void)masked; (void)rag;
#endif
    vecf v;
    memcpy(&v, p, sizeof v);
    return v;
}

/* One vector to p, or (masked) only its first `rag` lanes. */
static inline __attribute__((always_inline)) void vec_store(float *p, vecf v, bool masked, int rag)
{
#if GEMM_MASKED
    if (masked) {
        _mm512_mask_storeu_ps(p, (__mmask16)((1u << rag) - 1u), (__m512)v);
        return;
    }
#else
    (void)masked; (void)rag;
#endif
    memcpy(p, &v, sizeof v);
}

/* The blocking of gemm: B in panels of GEMM_KC rows that stay in cache while
 * every row block of A passes over them (it matters for lab 02's one-hot
 * backward, where K is the whole dataset); out in chunks of GEMM_MC rows,
 * whose ragged last columns fit a buffer on the stack. */
enum { GEMM_KC = 256, GEMM_MC = 128 };

/*
 * One register block of out: rows i..i+R-1 (R <= 14) and NV vectors of
 * columns from j, held in R*NV vector registers while p runs over the
 * panel's kc rows of B. Each step of p loads NV vectors of a row of B and R
 * scalars of A, then does R*NV vector multiply-adds; out is read (only when
 * accumulating) and written once per panel. If `ragged`, the block's last
 * vector is the last N % VL columns: with AVX-512 it is loaded and stored in
 * place with a mask (GEMM_MASKED); otherwise it is read from bpad and
 * written to opad (gemm's zero-padded copies of those columns), so every
 * load and store here is a whole vector.
 * Always inlined with constant R and NV, and the small loops unrolled, so c
 * and bv become registers.
 */
static inline __attribute__((always_inline)) void
gemm_block(float *restrict out, int N, const float *restrict a, int ars, int aps, const float *restrict b,
           int kc, bool acc, int i, int j, bool ragged, float *restrict opad, const float *restrict bpad, int io,
           const int R, const int NV)
{
    const float *bsrc[NV_MAX];  /* row p of vector v of B: bsrc[v] + p * bstep[v] */
    float *odst[NV_MAX];        /* row r of vector v of out: odst[v] + r * ostep[v] */
    size_t bstep[NV_MAX], ostep[NV_MAX];
    int rag = N % VL;
#pragma GCC unroll 4
    for (int v = 0; v < NV; v++) {
        bool pad = !GEMM_MASKED && ragged && v == NV - 1;
        bsrc[v] = pad ? bpad : b + j + v * VL;
        bstep[v] = pad ? (size_t)VL : (size_t)N;
        odst[v] = pad ? opad + (size_t)(i - io) * VL : out + (size_t)i * N + j + v * VL;
        ostep[v] = pad ? (size_t)VL : (size_t)N;
    }
    vecf c[14][NV_MAX];
#pragma GCC unroll 14
    for (int r = 0; r < R; r++)
#pragma GCC unroll 4
        for (int v = 0; v < NV; v++) {
            c[r][v] = (vecf){0};
            if (acc) c[r][v] = vec_load(odst[v] + r * ostep[v], GEMM_MASKED && ragged && v == NV - 1, rag);
        }
    for (int p = 0; p < kc; p++) {
        vecf bv[NV_MAX];
#pragma GCC unroll 4
        for (int v = 0; v < NV; v++) bv[v] = vec_load(bsrc[v] + (size_t)p * bstep[v], GEMM_MASKED && ragged && v == NV - 1, rag);
#pragma GCC unroll 14
        for (int r = 0; r < R; r++) {
            float s = a[(size_t)(i + r) * ars + (size_t)p * aps];
#pragma GCC unroll 4
            for (int v = 0; v < NV; v++) c[r][v] = VMADD(c[r][v], s, bv[v]);
        }
    }
#pragma GCC unroll 14
    for (int r = 0; r < R; r++)
#pragma GCC unroll 4
        for (int v = 0; v < NV; v++) vec_store(odst[v] + r * ostep[v], c[r][v], GEMM_MASKED && ragged && v == NV - 1, rag);
}

/* Rows i..i+R-1 of out, left to right: blocks of NV_MAX vectors, then one
 * block of the 1..NV_MAX vectors that are left (the last one maybe ragged). */
static inline __attribute__((always_inline)) void
gemm_rows(float *restrict out, int N, const float *restrict a, int ars, int aps, const float *restrict b,
          int kc, bool acc, int i, float *restrict opad, const float *restrict bpad, int io, const int R)
{
    int j = 0;
    for (; j + NV_MAX * VL <= N; j += NV_MAX * VL)
        gemm_block(out, N, a, ars, aps, b, kc, acc, i, j, false, opad, bpad, io, R, NV_MAX);
    /* `ragged` is passed as a constant to each call, so that gemm_block's
     * strides are constants too and its inner loop keeps everything in
     * registers (a runtime flag there cost spills in the hot loop). */
    bool ragged = N % VL != 0;
    switch ((N - j + VL - 1) / VL) {   /* vectors left, counting the ragged one */
    case 1:
        if (ragged) gemm_block(out, N, a, ars, aps, b, kc, acc, i, j, true, opad, bpad, io, R, 1);
        else gemm_block(out, N, a, ars, aps, b, kc, acc, i, j, false, opad, bpad, io, R, 1);
        break;
#if NV_MAX > 1
    case 2:
        if (ragged) gemm_block(out, N, a, ars, aps, b, kc, acc, i, j, true, opad, bpad, io, R, 2);
        else gemm_block(out, N, a, ars, aps, b, kc, acc, i, j, false, opad, bpad, io, R, 2);
        break;
#endif
#if NV_MAX > 2
    case 3:
        if (ragged) gemm_block(out, N, a, ars, aps, b, kc, acc, i, j, true, opad, bpad, io, R, 3);
        else gemm_block(out, N, a, ars, aps, b, kc, acc, i, j, false, opad, bpad, io, R, 3);
        break;
#endif
    default: break;   /* 0: the whole blocks covered every column */
    }
}

/*
 * out[M,N] (+)= A @ B, where A's element (i, p) is a[i*ars + p*aps] and B is a
 * contiguous [K,N]. With (ars, aps) = (K, 1) this is a @ b; with (1, M) it
 * reads a [M,K] transposed (for db = a^T @ dout) without copying it.
 *
 * Why it is fast: blocks of up to 4 rows x NV_MAX vectors of out stay in
 * registers while the sum runs (gemm_block): 14 rows x 2 vectors when out
 * is that narrow, with AVX-512's 32 registers (28 accumulators, the 2
 * vectors of B, and A's scalars read by the multiply-adds themselves: lab
 * 03's matmuls with N = 27 and 30 are that narrow). B is walked in panels that stay
 * in cache; and the ragged last N % VL columns of B and of out are handled
 * with masked loads and stores (AVX-512) or copied into zero-padded buffers
 * (bpad [kc, VL], opad [mc, VL]) so the kernel never handles a partial
 * vector.
 * The order of the sum per element is unchanged: p = 0, 1, ..., K-1, starting
 * from out (accumulate) or 0, the same additions as matmul_reference (a panel
 * after the first starts from the float the previous one stored), each step
 * fused or not as KIT_FMA says in both, and the compiler fuses nothing on its
 * own (-ffp-contract=off), so the two agree to the last bit.
 */
static void gemm(float *restrict out, const float *restrict a, int ars, int aps,
                 const float *restrict b, int M, int K, int N, bool acc)
{
    float bpad[GEMM_KC * 16] __attribute__((aligned(64)));   /* [kc, VL], VL <= 16 */
    float opad[GEMM_MC * 16] __attribute__((aligned(64)));   /* [mc, VL] */
    int full = N - N % VL;
    int rag = GEMM_MASKED ? 0 : N - full;   /* columns in the ragged vector, when they go through the pads */
    for (int i0 = 0; i0 < M; i0 += GEMM_MC) {
        int mc = M - i0 < GEMM_MC ? M - i0 : GEMM_MC;
        for (int i = 0; i < mc && rag && acc; i++)
            for (int l = 0; l < VL; l++) opad[i * VL + l] = l < rag ? out[(size_t)(i0 + i) * N + full + l] : 0.0f;
        for (int p0 = 0; p0 < K; p0 += GEMM_KC) {
            int kc = K - p0 < GEMM_KC ? K - p0 : GEMM_KC;
            const float *ap = a + (size_t)p0 * aps, *bp = b + (size_t)p0 * N;
            bool acc_here = acc || p0 > 0;   /* a later panel continues the sums the previous one stored */
            for (int q = 0; q < kc && rag; q++)
                for (int l = 0; l < VL; l++) bpad[q * VL + l] = l < rag ? bp[(size_t)q * N + full + l] : 0.0f;
            int i = i0;
#if NV_MAX > 3
            if (N <= 2 * VL)   /* narrow: 14 rows x 2 vectors, 28 accumulators (of 32 registers) */
                for (; i + 14 <= i0 + mc; i += 14) gemm_rows(out, N, ap, ars, aps, bp, kc, acc_here, i, opad, bpad, i0, 14);
#endif
            for (; i + 4 <= i0 + mc; i += 4) gemm_rows(out, N, ap, ars, aps, bp, kc, acc_here, i, opad, bpad, i0, 4);
            switch (i0 + mc - i) {   /* the last mc % 4 rows, in one block */
            case 3: gemm_rows(out, N, ap, ars, aps, bp, kc, acc_here, i, opad, bpad, i0, 3); break;
            case 2: gemm_rows(out, N, ap, ars, aps, bp, kc, acc_here, i, opad, bpad, i0, 2); break;
            case 1: gemm_rows(out, N, ap, ars, aps, bp, kc, acc_here, i, opad, bpad, i0, 1); break;
            default: break;
            }
        }
        for (int i = 0; i < mc && rag; i++)
            for (int l = 0; l < rag; l++) out[(size_t)(i0 + i) * N + full + l] = opad[i * VL + l];
    }
}

#if !defined(__AVX512F__)   /* (AVX-512 has its own transpose, below) */
/* Four floats, for the transpose below (SSE on every x86-64). */
typedef float vec4 __attribute__((vector_size(16)));
#if defined(__clang__)
#define SHUFFLE4(x, y, i0, i1, i2, i3) __builtin_shufflevector(x, y, i0, i1, i2, i3)
#else
typedef int ivec4 __attribute__((vector_size(16)));
#define SHUFFLE4(x, y, i0, i1, i2, i3) __builtin_shuffle(x, y, (ivec4){i0, i1, i2, i3})
#endif

/* dst[N,K] = src[K,N] transposed. The readable version is one line:
 *     for k, n: dst[n*K + k] = src[k*N + n]
 * which moves one float per load and store. Here 4x4 tiles move as four
 * vectors: rows r0..r3 are interleaved pairwise (r0 r1 -> a0 b0 a1 b1 ...),
 * then the pairs of pairs, which leaves column c of the tile in vector c
 * (the ragged edges go one float at a time). A pure copy: tested against the
 * one-liner bit for bit through matmul's backward. */
static void transpose(float *restrict dst, const float *restrict src, int K, int N)
{
    int k = 0;
    for (; k + 4 <= K; k += 4) {
        int n = 0;
        for (; n + 4 <= N; n += 4) {
            vec4 r0, r1, r2, r3;   /* rows k..k+3 of the tile: [a0 a1 a2 a3], [b0 ...], [c0 ...], [d0 ...] */
            memcpy(&r0, src + (size_t)(k + 0) * N + n, sizeof r0);
            memcpy(&r1, src + (size_t)(k + 1) * N + n, sizeof r1);
            memcpy(&r2, src + (size_t)(k + 2) * N + n, sizeof r2);
            memcpy(&r3, src + (size_t)(k + 3) * N + n, sizeof r3);
            vec4 t0 = SHUFFLE4(r0, r1, 0, 4, 1, 5), t1 = SHUFFLE4(r0, r1, 2, 6, 3, 7);   /* a0 b0 a1 b1, a2 b2 a3 b3 */
            vec4 t2 = SHUFFLE4(r2, r3, 0, 4, 1, 5), t3 = SHUFFLE4(r2, r3, 2, 6, 3, 7);   /* c0 d0 c1 d1, c2 d2 c3 d3 */
            vec4 c0 = SHUFFLE4(t0, t2, 0, 1, 4, 5), c1 = SHUFFLE4(t0, t2, 2, 3, 6, 7);   /* a0 b0 c0 d0, a1 b1 c1 d1 */
            vec4 c2 = SHUFFLE4(t1, t3, 0, 1, 4, 5), c3 = SHUFFLE4(t1, t3, 2, 3, 6, 7);   /* a2 b2 c2 d2, a3 b3 c3 d3 */
            memcpy(dst + (size_t)(n + 0) * K + k, &c0, sizeof c0);
            memcpy(dst + (size_t)(n + 1) * K + k, &c1, sizeof c1);
            memcpy(dst + (size_t)(n + 2) * K + k, &c2, sizeof c2);
            memcpy(dst + (size_t)(n + 3) * K + k, &c3, sizeof c3);
        }
        for (; n < N; n++)
            for (int q = 0; q < 4; q++) dst[(size_t)n * K + k + q] = src[(size_t)(k + q) * N + n];
    }
    for (; k < K; k++)
        for (int n = 0; n < N; n++) dst[(size_t)n * K + k] = src[(size_t)k * N + n];
}
#endif

#if defined(__AVX512F__)
/* The same transpose on AVX-512: 16x16 tiles, every load and store a whole
 * row of a tile (masked at the ragged edges, so no scalar remainder). In
 * lab 03 the backward transposes W1 and W2 every step, with the rest of the
 * step's tensors in between, so they come from memory, not cache; whole
 * rows of 16 keep the loads and stores few. The shuffles:
 * pairs of rows interleaved (unpack), then pairs of pairs (shuffle_ps),
 * which leaves 4x4 blocks transposed inside each 128-bit lane; then two
 * rounds of moving whole lanes (shuffle_f32x4) put column c of the tile in
 * one register. A pure copy: tested bit for bit through matmul's backward
 * (core.tensor.20, ragged shapes included). */
static void transpose(float *restrict dst, const float *restrict src, int K, int N)
{
    for (int k = 0; k < K; k += 16) {
        int kr = K - k < 16 ? K - k : 16;                     /* rows of this tile */
        __mmask16 kmask = (__mmask16)((1u << kr) - 1u);
        for (int n = 0; n < N; n += 16) {
            int nr = N - n < 16 ? N - n : 16;                 /* columns of this tile */
            __mmask16 nmask = (__mmask16)((1u << nr) - 1u);
            __m512 r[16], t[16], u[16], v[16];
#pragma GCC unroll 16
            for (int q = 0; q < 16; q++)   /* row q of the tile: r[q][c] = src[k + q, n + c] */
                r[q] = q < kr ? _mm512_maskz_loadu_ps(nmask, src + (size_t)(k + q) * N + n) : _mm512_setzero_ps();
#pragma GCC unroll 16
            for (int q = 0; q < 16; q += 2) {   /* per lane: a0 b0 a1 b1, a2 b2 a3 b3 */
                t[q] = _mm512_unpacklo_ps(r[q], r[q + 1]);
                t[q + 1] = _mm512_unpackhi_ps(r[q], r[q + 1]);
            }
#pragma GCC unroll 16
            for (int q = 0; q < 16; q += 4) {   /* per lane: a0 b0 c0 d0, a1 b1 c1 d1, ... */
                u[q + 0] = _mm512_shuffle_ps(t[q], t[q + 2], 0x44);
                u[q + 1] = _mm512_shuffle_ps(t[q], t[q + 2], 0xEE);
                u[q + 2] = _mm512_shuffle_ps(t[q + 1], t[q + 3], 0x44);
                u[q + 3] = _mm512_shuffle_ps(t[q + 1], t[q + 3], 0xEE);
            }
            /* u[4g + c], lane L: column 4L + c of rows 4g..4g+3 */
#pragma GCC unroll 4
            for (int c = 0; c < 4; c++) {   /* lanes 0 and 2, and 1 and 3, of row groups 0-1 and 2-3 */
                v[c + 0] = _mm512_shuffle_f32x4(u[0 + c], u[4 + c], 0x88);
                v[c + 4] = _mm512_shuffle_f32x4(u[0 + c], u[4 + c], 0xDD);
                v[c + 8] = _mm512_shuffle_f32x4(u[8 + c], u[12 + c], 0x88);
                v[c + 12] = _mm512_shuffle_f32x4(u[8 + c], u[12 + c], 0xDD);
            }
#pragma GCC unroll 4
            for (int c = 0; c < 4; c++) {   /* columns c, 4 + c, 8 + c, 12 + c of the tile: rows of dst */
                __m512 col[4] = {_mm512_shuffle_f32x4(v[c], v[c + 8], 0x88),
                                 _mm512_shuffle_f32x4(v[c + 4], v[c + 12], 0x88),
                                 _mm512_shuffle_f32x4(v[c], v[c + 8], 0xDD),
                                 _mm512_shuffle_f32x4(v[c + 4], v[c + 12], 0xDD)};
#pragma GCC unroll 4
                for (int L = 0; L < 4; L++)
                    if (4 * L + c < nr) _mm512_mask_storeu_ps(dst + (size_t)(n + 4 * L + c) * K + k, kmask, col[L]);
            }
        }
    }
}
#endif   /* __AVX512F__ */

#if KIT_MAP16
/* expm1f_reduced on 16 floats: n = round(y / ln2) (as a float, in *n) and
 * expm1(r) for r = y - n ln2, the same steps in the same order, so the same
 * bits. Shared by tanh16 and exp16 below, as the scalar one is by their
 * kernels. */
static inline __attribute__((always_inline)) __m512 expm1f_reduced16(__m512 y, __m512 *n)
{
    __m512 nb = _mm512_fmadd_ps(y, _mm512_set1_ps(1.44269504f), _mm512_set1_ps(12582912.0f));
    *n = _mm512_sub_ps(nb, _mm512_set1_ps(12582912.0f));
    __m512 r = _mm512_fmadd_ps(*n, _mm512_set1_ps(-0.693145752f), y);
    r = _mm512_fmadd_ps(*n, _mm512_set1_ps(-1.42860677e-6f), r);
    __m512 p = _mm512_set1_ps(1.0f / 5040.0f);
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 720.0f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 120.0f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 24.0f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 6.0f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(0.5f));
    return _mm512_fmadd_ps(_mm512_mul_ps(r, r), p, r);
}

/* y[i] = f(x[i]) for n floats, 16 at a time, the last n % 16 with a mask:
 * the array loop of tanh16 and exp16 (always inlined, so f is too). */
static inline __attribute__((always_inline)) void map16(float *y, const float *x, int n, __m512 (*f)(__m512))
{
    int i = 0;
    for (; i + 16 <= n; i += 16) _mm512_storeu_ps(y + i, f(_mm512_loadu_ps(x + i)));
    if (i < n) {
        __mmask16 k = (__mmask16)((1u << (n - i)) - 1u);
        _mm512_mask_storeu_ps(y + i, k, f(_mm512_maskz_loadu_ps(k, x + i)));
    }
}

/*
 * The float tanh_kernel on 16 floats at once, step for step in AVX-512
 * intrinsics, so the same bits (checked on all 2^32 floats once by hand;
 * sampled in core.tensor.23). Why it exists: GCC vectorizes tanh_kernel's
 * loop itself, but keeps its branch-free select as masks (the division
 * only on the lanes that take it), which this straight version avoids.
 * What it does differently, to the same result:
 *   - |x| by vandps and the clamp to 10 by vminps, which passes a NaN
 *     through (the NaN lanes are given back x at the end, as tanh_kernel);
 *   - 2^n by vscalefps of 1.0 (exact: n <= 29 here).
 */
static inline __attribute__((always_inline)) __m512 tanh16(__m512 x)
{
    __m512 a = _mm512_min_ps(_mm512_set1_ps(10.0f), _mm512_abs_ps(x));       /* min(|x|, 10) */
    __m512 y = _mm512_add_ps(a, a);                                           /* 2|x|, exact */
    /* large |x|: em / (em + 2), em = expm1(y) = 2^n expm1(r) + (2^n - 1) */
    __m512 n, em1 = expm1f_reduced16(y, &n);                                 /* expm1(r), y = n ln2 + r */
    __m512 two_n = _mm512_scalef_ps(_mm512_set1_ps(1.0f), n);
    __m512 em = _mm512_fmadd_ps(two_n, em1, _mm512_sub_ps(two_n, _mm512_set1_ps(1.0f)));
    __m512 big = _mm512_div_ps(em, _mm512_add_ps(em, _mm512_set1_ps(2.0f)));
    /* small |x|: x + x^3 P(x^2) */
    __m512 u = _mm512_mul_ps(a, a);
    __m512 q = _mm512_set1_ps(-6.274240474e-03f);
    q = _mm512_fmadd_ps(q, u, _mm512_set1_ps(2.107168049e-02f));
    q = _mm512_fmadd_ps(q, u, _mm512_set1_ps(-5.385231048e-02f));
    q = _mm512_fmadd_ps(q, u, _mm512_set1_ps(1.333258615e-01f));
    q = _mm512_fmadd_ps(q, u, _mm512_set1_ps(-3.333331756e-01f));
    __m512 small = _mm512_fmadd_ps(a, _mm512_mul_ps(q, u), a);
    __m512 t = _mm512_mask_blend_ps(_mm512_cmp_ps_mask(a, _mm512_set1_ps(0.55f), _CMP_LT_OQ), big, small);
    t = _mm512_or_ps(t, _mm512_and_ps(x, _mm512_set1_ps(-0.0f)));          /* the sign of x back */
    return _mm512_mask_blend_ps(_mm512_cmp_ps_mask(x, x, _CMP_UNORD_Q), t, x);   /* NaN in, NaN out */
}

/*
 * exp_kernel on 16 floats at once, with two AVX-512 instructions doing what
 * exp_kernel does with bit tricks, so it takes about half the instructions:
 *   - the clamp to [-104, 89] by vmaxps / vminps, which pass a NaN through
 *     (they return their second operand when either is a NaN), so no mask;
 *   - 2^n (1 + expm1(r)) by vscalefps, x * 2^n in one instruction that
 *     rounds once, also when the result is subnormal: exp_kernel splits 2^n
 *     into two factors for that.
 * n, r and expm1(r) are expm1f_reduced's steps, written with intrinsics. The
 * result equals exp_kernel's to the bit (1 + expm1(r) rounds the same
 * whether or not it is then scaled, and both scale once); tested on every
 * float in [-105, 90] and the edges (core.tensor.22).
 */
static inline __attribute__((always_inline)) __m512 exp16(__m512 x)
{
    __m512 xc = _mm512_min_ps(_mm512_set1_ps(89.0f), _mm512_max_ps(_mm512_set1_ps(-104.0f), x));
    __m512 n, em1 = expm1f_reduced16(xc, &n);                                /* expm1(r), x = n ln2 + r */
    return _mm512_scalef_ps(_mm512_add_ps(em1, _mm512_set1_ps(1.0f)), n);
}
#endif   /* KIT_MAP16 */

/* y[i] = tanh(x[i]) for n floats (y may be x): tanh16 where the CPU has
 * AVX-512 (the last n % 16 with a mask), else tanh_kernel's loop, which the
 * compiler vectorizes itself. The same bits either way. */
static void tanh_array(float *y, const float *x, int n)
{
#if KIT_MAP16
    map16(y, x, n, tanh16);
#else
    for (int i = 0; i < n; i++) y[i] = tanh_kernel(x[i]);
#endif
}

/* y[i] = exp(x[i]) for n floats (y may be x): exp16 where the CPU has
 * AVX-512 (the last n % 16 with a mask), else exp_kernel's loop, which the
 * compiler vectorizes itself. The same bits either way. */
static void exp_array(float *y, const float *x, int n)
{
#if KIT_MAP16
    map16(y, x, n, exp16);
#else
    for (int i = 0; i < n; i++) y[i] = exp_kernel(x[i]);
#endif
}

/* The first max of one row (the tail rows of rows_max). */
static float row_max(const float *x, int V)
{
    float m = x[0];
    for (int v = 1; v < V; v++) m = x[v] > m ? x[v] : m;
    return m;
}

/* row_max and the in-order row sum for every row of x [rows, V], into out
 * [rows]. Each row is still a chain of V dependent steps, in the same order,
 * so the results are row_max's and `for v: s += x[v]`'s to the bit; but
 * ROWS_AT_ONCE rows run side by side, so the CPU has that many independent
 * chains in flight instead of waiting on one (each step waits for the
 * previous one's result). The readable versions are in kernels_ref.c. */
enum { ROWS_AT_ONCE = 8 };

static void rows_max(float *restrict out, const float *restrict x, int rows, int V)
{
    int r = 0;
    for (; r + ROWS_AT_ONCE <= rows; r += ROWS_AT_ONCE) {
        const float *xr = x + (size_t)r * V;
        float m[ROWS_AT_ONCE];
#pragma GCC unroll 8
        for (int j = 0; j < ROWS_AT_ONCE; j++) m[j] = xr[(size_t)j * V];
        for (int v = 1; v < V; v++)
#pragma GCC unroll 8
            for (int j = 0; j < ROWS_AT_ONCE; j++) {
                float xv = xr[(size_t)j * V + v];
                m[j] = xv > m[j] ? xv : m[j];
            }
#pragma GCC unroll 8
        for (int j = 0; j < ROWS_AT_ONCE; j++) out[r + j] = m[j];
    }
    for (; r < rows; r++) out[r] = row_max(x + (size_t)r * V, V);
}

static void rows_sum(float *restrict out, const float *restrict x, int rows, int V)
{
    int r = 0;
    for (; r + ROWS_AT_ONCE <= rows; r += ROWS_AT_ONCE) {
        const float *xr = x + (size_t)r * V;
        float s[ROWS_AT_ONCE] = {0};
        for (int v = 0; v < V; v++)
#pragma GCC unroll 8
            for (int j = 0; j < ROWS_AT_ONCE; j++) s[j] += xr[(size_t)j * V + v];
#pragma GCC unroll 8
        for (int j = 0; j < ROWS_AT_ONCE; j++) out[r + j] = s[j];
    }
    for (; r < rows; r++) {
        float s = 0.0f;
        for (int v = 0; v < V; v++) s += x[(size_t)r * V + v];
        out[r] = s;
    }
}

/* ---- the table ----------------------------------------------------------- */

static void matmul_k(float *out, const float *a, const float *b, int M, int K, int N, bool accumulate)
{
    gemm(out, a, K, 1, b, M, K, N, accumulate);
}

/* da += dout @ b^T: b^T copied once into bt, so the kernel reads rows. */
static void matmul_da_k(float *da, const float *dout, const float *b, float *bt, int M, int K, int N)
{
    transpose(bt, b, K, N);                       /* [N, K] */
    gemm(da, dout, N, 1, bt, M, N, K, true);
}

/* db += a^T @ dout: gemm reads a transposed in place (strides 1, K). */
static void matmul_db_k(float *db, const float *a, const float *dout, int M, int K, int N)
{
    gemm(db, a, 1, K, dout, K, M, N, true);
}

const Kernels KERNELS_TABLE = {
    KERNELS_NAME, matmul_k, matmul_da_k, matmul_db_k, tanh_array, exp_array, rows_max, rows_sum,
};
