/*
 * tensor.c: float32 tensors with reverse-mode autograd (the contract is tensor.h).
 *
 * What it is: every op of tensor.h, each forward followed directly by its
 * backward, in the order the lectures meet them: making tensors, the
 * kernels with a readable twin (matmul, tanh, exp), elementwise ops with
 * broadcasting, unary ops, reductions, indexing (embed, pick, view), the
 * softmax family and the fused cross-entropy, then backward and the training
 * helpers.
 * What it is not: a general array library (no strides, dtypes or devices), and
 * not a place that calls malloc: every tensor, gradient and scratch buffer is
 * bumped out of one of the graph's two arenas (arena.h).
 *
 * Conventions used by every op below:
 *   - `out` is the op's result, `dout` its gradient (out->grad), `da` the
 *     gradient of input a (a->grad, NULL when a needs none).
 *   - backward adds into grad; zero it first (params_zero_grad). Each backward
 *     quotes its forward line and names the local derivative.
 *   - Sums over one dimension run in float, left to right, as a loop over the
 *     data would (torch reduces a column of rows the same way). The
 *     exceptions say why where they are: a whole-tensor sum or mean and the
 *     cross-entropy's mean over the batch (double: long sums drift in float),
 *     var/std (double, as torch), and the matmul kernel (float, the same order
 *     as its readable twin).
 */
#include "tensor.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "kit.h"

#if KIT_FMA || defined(__AVX512F__)
#include <immintrin.h>   /* the fused multiply-add and the masked loads of gemm */
#endif

/* GCC 12's -O2 vectorizes only loops whose trip count needs no scalar
 * remainder ("very-cheap" cost model), which leaves every loop over a row of
 * 27 or 200 floats scalar. The dynamic model is what -O3 uses; it changes no
 * result (GCC never reorders a float sum without -ffast-math) only speed. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("tree-vectorize", "vect-cost-model=dynamic")
#endif

/* ========================================================================= */
/* Shapes                                                                    */
/* ========================================================================= */

int shape_numel(Shape s)
{
    int n = 1;
    for (int i = 0; i < s.ndim; i++) n *= s.d[i];
    return n;
}

const char *shape_str(Shape s, char *buf)
{
    int n = snprintf(buf, 48, "[");
    for (int i = 0; i < s.ndim && n > 0 && n < 48; i++)
        n += snprintf(buf + n, (size_t)(48 - n), i ? ", %d" : "%d", s.d[i]);
    if (n > 0 && n < 48) snprintf(buf + n, (size_t)(48 - n), "]");
    return buf;
}

static bool shape_eq(Shape a, Shape b)
{
    if (a.ndim != b.ndim) return false;
    for (int i = 0; i < a.ndim; i++)
        if (a.d[i] != b.d[i]) return false;
    return true;
}

/* 1 to 4 sizes, each at least 1, and a numel that fits an int. */
static void check_shape(Shape s, const char *fn)
{
    char buf[48];
    KIT_CHECK(s.ndim >= 1 && s.ndim <= TENSOR_MAX_DIMS,
              "%s: a shape needs 1 to %d sizes, got %d. HINT: build shapes with SHAPE(27, 10)",
              fn, TENSOR_MAX_DIMS, s.ndim);
    long long n = 1;
    for (int i = 0; i < s.ndim; i++) {
        KIT_CHECK(s.d[i] >= 1, "%s: shape %s has a size below 1. HINT: every size must be positive",
                  fn, shape_str(s, buf));
        n *= s.d[i];
        KIT_CHECK(n <= 0x7fffffff, "%s: shape %s has too many elements for an int. HINT: use a smaller batch",
                  fn, shape_str(s, buf));
    }
}

#define CHECK_TENSOR(t, fn) \
    KIT_CHECK((t) != NULL, "%s: tensor " #t " is NULL. HINT: was it created before this call?", fn)

/* ========================================================================= */
/* Allocation: every tensor is bumped out of an arena, never malloc'ed       */
/* ========================================================================= */

/* A tensor of shape s in arena ar: struct and data in one bump (64-byte
 * aligned data). The data is zeroed only when asked for: an op's result is
 * written in full by its forward, so clearing it first would be wasted work
 * (debug builds fill it with NaN instead, which shows any element an op
 * forgot). A grad, when asked for, is always zeroed: backward adds into it. */
static Tensor *alloc_tensor(Graph *g, Arena *ar, Shape s, const char *op, bool with_grad, bool zero_data)
{
    check_shape(s, op);
    size_t head = (sizeof(Tensor) + 63) & ~(size_t)63;   /* keep data 64-byte aligned */
    int numel = shape_numel(s);
    size_t bytes = (size_t)numel * sizeof(float);
    unsigned char *mem = arena_alloc_uninit(ar, head + bytes);
    Tensor *t = (Tensor *)mem;
    *t = (Tensor){0};
    t->data = (float *)(mem + head);
    if (zero_data) memset(t->data, 0, bytes);
    t->shape = s;
    t->numel = numel;
    t->graph = g;
    t->op = op;
    if (with_grad) {
        t->grad = arena_alloc(ar, bytes);
        t->requires_grad = true;
    }
    return t;
}

/* The result of an op, its data not yet written (the op fills it). When an
 * input needs a gradient and no_grad is off, the result needs one too: its
 * grad is zeroed now (so every intermediate keeps its gradient after
 * backward, like retain_grad), it remembers its backward and inputs, and goes
 * on the tape. */
static Tensor *op_result(Shape s, const char *op, BackwardFn backward, Tensor *a, Tensor *b)
{
    Graph *g = a->graph;
    KIT_CHECK(!b || b->graph == g,
              "%s: the two inputs belong to different graphs. HINT: make every tensor of a model from one Graph", op);
    bool grad = g->no_grad <= 0 && (a->requires_grad || (b && b->requires_grad));
    Tensor *out = alloc_tensor(g, &g->step, s, op, grad, false);   /* the op writes every element */
    if (grad) {
        out->backward = backward;
        out->in[0] = a;
        out->in[1] = b;
        out->tape_prev = g->tape;
        g->tape = out;
    }
    return out;
}

/* Scratch floats for one step (a transposed weight...), from the step arena,
 * not zeroed: every user writes all of them before reading. */
static float *step_scratch(Graph *g, int n)
{
    return arena_alloc_uninit(&g->step, (size_t)n * sizeof(float));
}

/* ========================================================================= */
/* Graph lifetime                                                            */
/* ========================================================================= */

void graph_init(Graph *g)
{
    memset(g, 0, sizeof *g);
    arena_init(&g->params, "params", 0);
    arena_init(&g->step, "step", 0);
}

void graph_free(Graph *g)
{
    if (!g) return;
    arena_free(&g->params);
    arena_free(&g->step);
    g->tape = NULL;
    g->backward_ran = false;
}

void graph_step_reset(Graph *g)
{
    arena_reset(&g->step);
    g->tape = NULL;
    g->backward_ran = false;
}

bool graph_set_no_grad(Graph *g, bool on)
{
    bool before = g->no_grad > 0;
    g->no_grad = on ? 1 : 0;
    return before;
}

/* ========================================================================= */
/* Making tensors                                                            */
/* ========================================================================= */

Tensor *tensor_new(Graph *g, Shape s)
{
    KIT_CHECK(g != NULL, "tensor_new: graph is NULL. HINT: graph_init(&g) first");
    return alloc_tensor(g, &g->step, s, "new", false, true);
}

Tensor *tensor_from(Graph *g, Shape s, const float *values)
{
    KIT_CHECK(g != NULL, "tensor_from: graph is NULL. HINT: graph_init(&g) first");
    KIT_CHECK(values != NULL, "tensor_from: values is NULL. HINT: pass numel floats to copy");
    Tensor *t = alloc_tensor(g, &g->step, s, "from", false, false);
    memcpy(t->data, values, (size_t)t->numel * sizeof(float));
    return t;
}

Tensor *tensor_param(Graph *g, Shape s)
{
    KIT_CHECK(g != NULL, "tensor_param: graph is NULL. HINT: graph_init(&g) first");
    return alloc_tensor(g, &g->params, s, "param", true, true);
}

Tensor *tensor_buffer(Graph *g, Shape s)
{
    KIT_CHECK(g != NULL, "tensor_buffer: graph is NULL. HINT: graph_init(&g) first");
    return alloc_tensor(g, &g->params, s, "buffer", false, true);
}

void tensor_randn_(Tensor *t, TorchRng *r)
{
    CHECK_TENSOR(t, "tensor_randn_");
    KIT_CHECK(r != NULL, "tensor_randn_: generator is NULL. HINT: rng_seed(&r, 2147483647) first");
    /* torch.randn(shape) draws numel values in row-major order: one call. */
    rng_randn(r, t->data, t->numel);
}

void tensor_fill_(Tensor *t, float v)
{
    CHECK_TENSOR(t, "tensor_fill_");
    for (int i = 0; i < t->numel; i++) t->data[i] = v;
}

void tensor_scale_(Tensor *t, float s)
{
    CHECK_TENSOR(t, "tensor_scale_");
    for (int i = 0; i < t->numel; i++) t->data[i] = t->data[i] * s;
}

Tensor *tensor_one_hot(Graph *g, const int *ix, int n, int V)
{
    KIT_CHECK(ix != NULL && n >= 1 && V >= 1,
              "tensor_one_hot: need n >= 1 indices and V >= 1 classes (n=%d, V=%d). HINT: check the batch", n, V);
    Tensor *t = alloc_tensor(g, &g->step, SHAPE(n, V), "one_hot", false, true);   /* [N, V] */
    for (int i = 0; i < n; i++) {
        KIT_CHECK(ix[i] >= 0 && ix[i] < V,
                  "tensor_one_hot: index %d at position %d is outside 0..%d. HINT: characters are 0 ('.') to 26 ('z')",
                  ix[i], i, V - 1);
        t->data[(size_t)i * V + ix[i]] = 1.0f;
    }
    return t;
}

/* ========================================================================= */
/* Kernels with a readable twin: matmul, tanh                                */
/* ========================================================================= */

/* ---- matmul -------------------------------------------------------------- */

/* KIT_FMA (tensor.h): whether matmul's multiply-adds are fused, and tanh and
 * exp computed in float; it is on in NATIVE=1 builds on a CPU with FMA. */

/* The definition, as written on the blackboard: out[i][j] = sum_k a[i][k] b[k][j].
 * The sum starts from out[i][j] when accumulating and adds k = 0, 1, ... in
 * order, which is exactly the order matmul_fast keeps for every element
 * (each step fused when KIT_FMA, in both). */
void matmul_reference(float *out, const float *a, const float *b, int M, int K, int N, bool accumulate)
{
    for (int i = 0; i < M; i++)
        for (int j = 0; j < N; j++) {
            float s = accumulate ? out[(size_t)i * N + j] : 0.0f;
            for (int k = 0; k < K; k++) {
                float x = a[(size_t)i * K + k], y = b[(size_t)k * N + j];
                s = KIT_FMA ? fmaf(x, y, s) : s + x * y;
            }
            out[(size_t)i * N + j] = s;
        }
}

/* A vector of floats in one register: GCC's vector extension (Clang has it
 * too), so the kernel below is vectorized whatever the optimizer's cost model
 * thinks. 4 floats (SSE, every x86-64) by default; 8 when compiled for AVX and
 * 16 for AVX-512 (NATIVE=1, -march=native, on a CPU that has them). The width
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
 * vectors of B, and A's scalars read by the multiply-adds themselves; 14
 * rows instead of 8 took 10% off lab 03's matmuls with N = 27 and 30,
 * measured alternating in one process). B is walked in panels that stay
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

void matmul_fast(float *out, const float *a, const float *b, int M, int K, int N, bool accumulate)
{
    gemm(out, a, K, 1, b, M, K, N, accumulate);
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
 * step's tensors in between; there the 4x4 tiles took as long as half of
 * the two matmuls that use them, and these take about a fifth less (3-4% of
 * the step, measured alternating whole runs). The shuffles:
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
 * tanh in float, for a CPU with FMA (KIT_FMA): 16 lanes of float per 512-bit
 * register instead of 8 of double, about 3x the speed of the double version
 * below (which the default build uses: without FMA, float has too little
 * precision for this). The same two ideas, every step a fused multiply-add:
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

#if KIT_FMA && defined(__AVX512F__)
#define KIT_TANH16 1
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
 * only on the lanes that take it), and this straight version measured 15%
 * faster. What it does differently, to the same result:
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
#else
#define KIT_TANH16 0   /* no AVX-512, or KIT_FMA off (tanh16 has the float kernel's bits) */
#endif

/* y[i] = tanh(x[i]) for n floats (y may be x): tanh16 where the CPU has
 * AVX-512 (the last n % 16 with a mask), else tanh_kernel's loop, which the
 * compiler vectorizes itself. The same bits either way. */
static void tanh_array(float *y, const float *x, int n)
{
#if KIT_TANH16
    map16(y, x, n, tanh16);
#else
    for (int i = 0; i < n; i++) y[i] = tanh_kernel(x[i]);
#endif
}

float tanh_fast(float x)
{
    return tanh_kernel(x);
}

void tanh_fast_n(float *y, const float *x, int n)
{
    tanh_array(y, x, n);
}

/* ---- exp ----------------------------------------------------------------- */

#if KIT_FMA
/*
 * exp(x) in float, for a CPU with FMA (KIT_FMA): the same steps as the
 * double version below, 16 lanes at a time, about 2.5x its speed.
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

#if defined(__AVX512F__)
#define KIT_EXP16 1
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
#endif
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

#ifndef KIT_EXP16
#define KIT_EXP16 0   /* no AVX-512, or KIT_FMA off (exp16 has the float kernel's bits, not the double one's) */
#endif

/* y[i] = exp(x[i]) for n floats (y may be x): exp16 where the CPU has
 * AVX-512 (the last n % 16 with a mask), else exp_kernel's loop, which the
 * compiler vectorizes itself. The same bits either way. */
static void exp_array(float *y, const float *x, int n)
{
#if KIT_EXP16
    map16(y, x, n, exp16);
#else
    for (int i = 0; i < n; i++) y[i] = exp_kernel(x[i]);
#endif
}

float exp_fast(float x)
{
    return exp_kernel(x);
}

void exp_fast_n(float *y, const float *x, int n)
{
    exp_array(y, x, n);
}

/* ========================================================================= */
/* matmul                                                                    */
/* ========================================================================= */

static void matmul_backward(Tensor *out);

Tensor *tensor_matmul(Tensor *a, Tensor *b)
{
    CHECK_TENSOR(a, "tensor_matmul");
    CHECK_TENSOR(b, "tensor_matmul");
    char sa[48], sb[48];
    KIT_CHECK(a->shape.ndim == 2 && b->shape.ndim == 2 && a->shape.d[1] == b->shape.d[0],
              "tensor_matmul: cannot multiply %s by %s. HINT: a @ b needs a [M, K] and b [K, N] "
              "(flatten a [B, T, C] with tensor_view first)",
              shape_str(a->shape, sa), shape_str(b->shape, sb));
    int M = a->shape.d[0], K = a->shape.d[1], N = b->shape.d[1];
    Tensor *out = op_result(SHAPE(M, N), "matmul", matmul_backward, a, b);   /* [M, N] */
    matmul_fast(out->data, a->data, b->data, M, K, N, false);
    return out;
}

/* forward: out = a @ b                 a [M, K], b [K, N], out [M, N]
 * local:   d out[i,j] / d a[i,k] = b[k,j],  d out[i,j] / d b[k,j] = a[i,k]
 * so       da += dout @ b^T,  db += a^T @ dout */
static void matmul_backward(Tensor *out)
{
    Tensor *a = out->in[0], *b = out->in[1];
    int M = a->shape.d[0], K = a->shape.d[1], N = b->shape.d[1];
    if (a->grad) {
        /* b^T copied once (K*N floats of scratch) so the kernel reads rows. */
        float *bt = step_scratch(out->graph, K * N);          /* [N, K] */
        transpose(bt, b->data, K, N);
        gemm(a->grad, out->grad, N, 1, bt, M, N, K, true);
    }
    if (b->grad) gemm(b->grad, a->data, 1, K, out->grad, K, M, N, true);
}

/* ========================================================================= */
/* Elementwise ops with broadcasting: add, sub, mul, div                     */
/* ========================================================================= */

/*
 * How a broadcasting op walks its output: as rows [R, N], N the output's last
 * size. Operand x's element for output (r, j) is x[r*rs + j*cs]:
 *   same shape (rs, cs) = (N, 1);  row [N] or [1, N] = (0, 1);
 *   column [M, 1] = (1, 0);        scalar [1] = (0, 0).
 */
typedef struct Bcast {
    int R, N;
    int ars, acs, brs, bcs;
} Bcast;

enum { BC_NONE = -1, BC_FULL, BC_ROW, BC_COL, BC_SCALAR };

/* How `small` fits onto `big` (the output's shape), or BC_NONE. */
static int bcast_kind(Shape big, Shape small)
{
    int N = big.d[big.ndim - 1];
    if (shape_eq(big, small)) return BC_FULL;
    if (small.ndim > big.ndim) return BC_NONE;
    if (shape_numel(small) == 1) return BC_SCALAR;
    if ((small.ndim == 1 && small.d[0] == N) || (small.ndim == 2 && small.d[0] == 1 && small.d[1] == N))
        return BC_ROW;
    if (big.ndim == 2 && small.ndim == 2 && small.d[0] == big.d[0] && small.d[1] == 1) return BC_COL;
    return BC_NONE;
}

static void bcast_strides(int kind, int N, int *rs, int *cs)
{
    switch (kind) {
    case BC_FULL: *rs = N; *cs = 1; break;
    case BC_ROW: *rs = 0; *cs = 1; break;
    case BC_COL: *rs = 1; *cs = 0; break;
    default: *rs = 0; *cs = 0; break;
    }
}

/* The output shape of a op b and how each operand is read; an error naming
 * both shapes when they do not broadcast. */
static Shape bcast_plan(const char *fn, Tensor *a, Tensor *b, Bcast *bc)
{
    Shape big;
    int ka, kb;
    int k = bcast_kind(a->shape, b->shape);
    if (k != BC_NONE) {
        big = a->shape; ka = BC_FULL; kb = k;
    } else if ((k = bcast_kind(b->shape, a->shape)) != BC_NONE) {
        big = b->shape; ka = k; kb = BC_FULL;
    } else {
        char sa[48], sb[48];
        KIT_ERROR("%s: cannot broadcast %s with %s. HINT: the shapes must be equal, or one must be a row "
                  "[N] or [1, N] matching the other's last size, a column [M, 1] against [M, N], or a scalar [1]",
                  fn, shape_str(a->shape, sa), shape_str(b->shape, sb));
    }
    bc->N = big.d[big.ndim - 1];
    bc->R = shape_numel(big) / bc->N;
    bcast_strides(ka, bc->N, &bc->ars, &bc->acs);
    bcast_strides(kb, bc->N, &bc->brs, &bc->bcs);
    return big;
}

/* out(r, j) = EXPR of x = a's element and y = b's element, with the four
 * combinations of "walks along the row" / "fixed in the row" written out so
 * each inner loop is contiguous (and vectorizes). */
#define BROADCAST_LOOP(bc, a, b, out, EXPR)                                               \
    do {                                                                                  \
        for (int r_ = 0; r_ < (bc).R; r_++) {                                             \
            float *restrict o_ = (out) + (size_t)r_ * (bc).N;                             \
            const float *restrict xa_ = (a) + (size_t)r_ * (bc).ars;                      \
            const float *restrict xb_ = (b) + (size_t)r_ * (bc).brs;                      \
            if ((bc).acs && (bc).bcs) {                                                   \
                for (int j_ = 0; j_ < (bc).N; j_++) { float x = xa_[j_], y = xb_[j_]; o_[j_] = (EXPR); } \
            } else if ((bc).acs) {                                                        \
                float y = xb_[0];                                                         \
                for (int j_ = 0; j_ < (bc).N; j_++) { float x = xa_[j_]; o_[j_] = (EXPR); } \
            } else if ((bc).bcs) {                                                        \
                float x = xa_[0];                                                         \
                for (int j_ = 0; j_ < (bc).N; j_++) { float y = xb_[j_]; o_[j_] = (EXPR); } \
            } else {                                                                      \
                float x = xa_[0], y = xb_[0];                                             \
                for (int j_ = 0; j_ < (bc).N; j_++) o_[j_] = (EXPR);                      \
            }                                                                             \
        }                                                                                 \
    } while (0)

/* d[r*rs + j*cs] += sign * g(r, j): a gradient summed back onto a broadcast
 * operand (over the rows for a row vector, along each row for a column). */
static void accumulate_broadcast(float *d, const float *g, int rs, int cs, int R, int N, float sign)
{
    for (int r = 0; r < R; r++) {
        const float *gr = g + (size_t)r * N;
        float *dr = d + (size_t)r * rs;
        if (cs && sign == 1.0f) {   /* add's case: 1 * g is g to the bit (a NaN stays the NaN it was), so skip it */
            for (int j = 0; j < N; j++) dr[j] += gr[j];
        } else if (cs) {
            for (int j = 0; j < N; j++) dr[j] += sign * gr[j];
        } else {
            for (int j = 0; j < N; j++) dr[0] += sign * gr[j];
        }
    }
}

/* ---- add ----------------------------------------------------------------- */

static void add_backward(Tensor *out);

Tensor *tensor_add(Tensor *a, Tensor *b)
{
    CHECK_TENSOR(a, "tensor_add");
    CHECK_TENSOR(b, "tensor_add");
    Bcast bc;
    Shape s = bcast_plan("tensor_add", a, b, &bc);
    Tensor *out = op_result(s, "add", add_backward, a, b);
    BROADCAST_LOOP(bc, a->data, b->data, out->data, x + y);
    return out;
}

/* forward: out = a + b
 * local:   1 for both, so da += dout, db += dout (summed over broadcast rows/columns) */
static void add_backward(Tensor *out)
{
    Tensor *a = out->in[0], *b = out->in[1];
    Bcast bc;
    bcast_plan("tensor_add", a, b, &bc);
    if (a->grad) accumulate_broadcast(a->grad, out->grad, bc.ars, bc.acs, bc.R, bc.N, 1.0f);
    if (b->grad) accumulate_broadcast(b->grad, out->grad, bc.brs, bc.bcs, bc.R, bc.N, 1.0f);
}

/* ---- sub ----------------------------------------------------------------- */

static void sub_backward(Tensor *out);

Tensor *tensor_sub(Tensor *a, Tensor *b)
{
    CHECK_TENSOR(a, "tensor_sub");
    CHECK_TENSOR(b, "tensor_sub");
    Bcast bc;
    Shape s = bcast_plan("tensor_sub", a, b, &bc);
    Tensor *out = op_result(s, "sub", sub_backward, a, b);
    BROADCAST_LOOP(bc, a->data, b->data, out->data, x - y);
    return out;
}

/* forward: out = a - b
 * local:   d/da = 1, d/db = -1, so da += dout, db += -dout */
static void sub_backward(Tensor *out)
{
    Tensor *a = out->in[0], *b = out->in[1];
    Bcast bc;
    bcast_plan("tensor_sub", a, b, &bc);
    if (a->grad) accumulate_broadcast(a->grad, out->grad, bc.ars, bc.acs, bc.R, bc.N, 1.0f);
    if (b->grad) accumulate_broadcast(b->grad, out->grad, bc.brs, bc.bcs, bc.R, bc.N, -1.0f);
}

/* ---- mul ----------------------------------------------------------------- */

/* d[r*drs + j*dcs] += g[r, j] * y[r*yrs + j*ycs], for r, j in order: mul's
 * backward for one operand. The four stride cases are written out so each
 * inner loop is contiguous (a broadcast d sums along the row, in order). */
static void grad_times(float *d, int drs, int dcs, const float *restrict g, const float *restrict y, int yrs, int ycs,
                       int R, int N)
{
    for (int r = 0; r < R; r++) {
        const float *restrict gr = g + (size_t)r * N, *restrict yr = y + (size_t)r * yrs;
        float *restrict dr = d + (size_t)r * drs;
        if (dcs && ycs)
            for (int j = 0; j < N; j++) dr[j] += gr[j] * yr[j];
        else if (dcs)
            for (int j = 0; j < N; j++) dr[j] += gr[j] * yr[0];
        else if (ycs)
            for (int j = 0; j < N; j++) dr[0] += gr[j] * yr[j];
        else
            for (int j = 0; j < N; j++) dr[0] += gr[j] * yr[0];
    }
}

static void mul_backward(Tensor *out);

Tensor *tensor_mul(Tensor *a, Tensor *b)
{
    CHECK_TENSOR(a, "tensor_mul");
    CHECK_TENSOR(b, "tensor_mul");
    Bcast bc;
    Shape s = bcast_plan("tensor_mul", a, b, &bc);
    Tensor *out = op_result(s, "mul", mul_backward, a, b);
    BROADCAST_LOOP(bc, a->data, b->data, out->data, x * y);
    return out;
}

/* forward: out = a * b
 * local:   d/da = b, d/db = a, so da += dout * b, db += dout * a */
static void mul_backward(Tensor *out)
{
    Tensor *a = out->in[0], *b = out->in[1];
    Bcast bc;
    bcast_plan("tensor_mul", a, b, &bc);
    /* d(x)[r, j] += g[r, j] * y[r, j] with x's and y's broadcast strides, row
     * by row, once for da (y = b) and once for db (y = a) */
    if (a->grad) grad_times(a->grad, bc.ars, bc.acs, out->grad, b->data, bc.brs, bc.bcs, bc.R, bc.N);
    if (b->grad) grad_times(b->grad, bc.brs, bc.bcs, out->grad, a->data, bc.ars, bc.acs, bc.R, bc.N);
}

/* ---- div ----------------------------------------------------------------- */

/* db[0] += -g[j] * a[j] / (b*b) for j in order: div's gradient for a column
 * b (one value per row, as a row's sum). The terms are computed a chunk at a
 * time in a loop of their own (the divisions vectorize), then added in order. */
static void div_column_grad(float *restrict db, const float *restrict g, const float *restrict a, float b, int N)
{
    float t[64];
    for (int j0 = 0; j0 < N; j0 += 64) {
        int n = N - j0 < 64 ? N - j0 : 64;
        for (int j = 0; j < n; j++) t[j] = -g[j0 + j] * a[j0 + j] / (b * b);
        for (int j = 0; j < n; j++) db[0] += t[j];
    }
}

static void div_backward(Tensor *out);

Tensor *tensor_div(Tensor *a, Tensor *b)
{
    CHECK_TENSOR(a, "tensor_div");
    CHECK_TENSOR(b, "tensor_div");
    Bcast bc;
    Shape s = bcast_plan("tensor_div", a, b, &bc);
    Tensor *out = op_result(s, "div", div_backward, a, b);
    BROADCAST_LOOP(bc, a->data, b->data, out->data, x / y);
    return out;
}

/* forward: out = a / b
 * local:   d/da = 1/b, d/db = -a/b^2, so da += dout / b, db += -dout * a / (b*b)
 *          (the same expressions torch's DivBackward evaluates) */
static void div_backward(Tensor *out)
{
    Tensor *a = out->in[0], *b = out->in[1];
    Bcast bc;
    bcast_plan("tensor_div", a, b, &bc);
    /* Row by row with each operand's broadcast strides, as mul's backward.
     * Two cases get a loop of their own, contiguous so it vectorizes: both
     * operands walk the row (b the same shape or a row vector, as batchnorm's
     * / std), and b fixed in the row (a column, as a row's / sum). */
    for (int r = 0; r < bc.R; r++) {
        const float *restrict g = out->grad + (size_t)r * bc.N;
        const float *restrict xa = a->data + (size_t)r * bc.ars, *restrict xb = b->data + (size_t)r * bc.brs;
        if (a->grad) {
            float *restrict da = a->grad + (size_t)r * bc.ars;
            if (bc.acs && bc.bcs)
                for (int j = 0; j < bc.N; j++) da[j] += g[j] / xb[j];
            else if (bc.acs)
                for (int j = 0; j < bc.N; j++) da[j] += g[j] / xb[0];
            else
                for (int j = 0; j < bc.N; j++) da[(size_t)j * bc.acs] += g[j] / xb[(size_t)j * bc.bcs];
        }
        if (b->grad) {
            float *restrict db = b->grad + (size_t)r * bc.brs;
            if (bc.acs && bc.bcs)
                for (int j = 0; j < bc.N; j++) db[j] += -g[j] * xa[j] / (xb[j] * xb[j]);
            else if (bc.acs)
                div_column_grad(db, g, xa, xb[0], bc.N);
            else
                for (int j = 0; j < bc.N; j++) {
                    float bv = xb[(size_t)j * bc.bcs];
                    db[(size_t)j * bc.bcs] += -g[j] * xa[(size_t)j * bc.acs] / (bv * bv);
                }
        }
    }
}

/* ========================================================================= */
/* Unary ops                                                                 */
/* ========================================================================= */

/* One input, same shape out: the common start of every unary op. */
static Tensor *unary_result(Tensor *a, const char *op, BackwardFn backward)
{
    CHECK_TENSOR(a, op);
    return op_result(a->shape, op, backward, a, NULL);
}

/* ---- mul_scalar, add_scalar, neg ----------------------------------------- */

static void mul_scalar_backward(Tensor *out);

Tensor *tensor_mul_scalar(Tensor *a, float s)
{
    Tensor *out = unary_result(a, "mul_scalar", mul_scalar_backward);
    out->farg = s;
    for (int i = 0; i < a->numel; i++) out->data[i] = a->data[i] * s;
    return out;
}

/* forward: out = a * s
 * local:   s, so da += dout * s */
static void mul_scalar_backward(Tensor *out)
{
    Tensor *a = out->in[0];
    if (!a->grad) return;
    for (int i = 0; i < a->numel; i++) a->grad[i] += out->grad[i] * out->farg;
}

static void add_scalar_backward(Tensor *out);

Tensor *tensor_add_scalar(Tensor *a, float s)
{
    Tensor *out = unary_result(a, "add_scalar", add_scalar_backward);
    out->farg = s;
    for (int i = 0; i < a->numel; i++) out->data[i] = a->data[i] + s;
    return out;
}

/* forward: out = a + s
 * local:   1, so da += dout */
static void add_scalar_backward(Tensor *out)
{
    Tensor *a = out->in[0];
    if (!a->grad) return;
    for (int i = 0; i < a->numel; i++) a->grad[i] += out->grad[i];
}

static void neg_backward(Tensor *out);

Tensor *tensor_neg(Tensor *a)
{
    Tensor *out = unary_result(a, "neg", neg_backward);
    for (int i = 0; i < a->numel; i++) out->data[i] = -a->data[i];
    return out;
}

/* forward: out = -a
 * local:   -1, so da += -dout */
static void neg_backward(Tensor *out)
{
    Tensor *a = out->in[0];
    if (!a->grad) return;
    for (int i = 0; i < a->numel; i++) a->grad[i] += -out->grad[i];
}

/* ---- pow ----------------------------------------------------------------- */

/* x ** p the way torch computes it: the exponents the lectures use have exact
 * special cases (x*x for 2, 1/x for -1, 1/sqrt(x) for -0.5...), which is why
 * lab 05 writes counts_sum**-1: it is bit for bit 1/counts_sum. */
static float pow_scalar(float x, float p)
{
    if (p == 1.0f) return x;
    if (p == 2.0f) return x * x;
    if (p == 3.0f) return x * x * x;
    if (p == 0.5f) return sqrtf(x);
    if (p == -0.5f) return 1.0f / sqrtf(x);
    if (p == -1.0f) return 1.0f / x;
    if (p == -2.0f) return 1.0f / (x * x);
    if (p == 0.0f) return 1.0f;
    return powf(x, p);
}

static void pow_backward(Tensor *out);

Tensor *tensor_pow(Tensor *a, float p)
{
    Tensor *out = unary_result(a, "pow", pow_backward);
    out->farg = p;
    for (int i = 0; i < a->numel; i++) out->data[i] = pow_scalar(a->data[i], p);
    return out;
}

/* forward: out = a ** p
 * local:   p * a ** (p - 1), so da += dout * (p * a ** (p-1)) */
static void pow_backward(Tensor *out)
{
    Tensor *a = out->in[0];
    if (!a->grad) return;
    float p = out->farg;
    for (int i = 0; i < a->numel; i++) a->grad[i] += out->grad[i] * (p * pow_scalar(a->data[i], p - 1.0f));
}

/* ---- exp, log ------------------------------------------------------------ */

static void exp_backward(Tensor *out);

Tensor *tensor_exp(Tensor *a)
{
    Tensor *out = unary_result(a, "exp", exp_backward);
    exp_array(out->data, a->data, a->numel);
    return out;
}

/* forward: out = exp(a)
 * local:   exp(a) = out, so da += dout * out */
static void exp_backward(Tensor *out)
{
    Tensor *a = out->in[0];
    if (!a->grad) return;
    for (int i = 0; i < a->numel; i++) a->grad[i] += out->grad[i] * out->data[i];
}

static void log_backward(Tensor *out);

Tensor *tensor_log(Tensor *a)
{
    Tensor *out = unary_result(a, "log", log_backward);
    for (int i = 0; i < a->numel; i++) out->data[i] = logf(a->data[i]);
    return out;
}

/* forward: out = log(a)
 * local:   1/a, so da += dout / a */
static void log_backward(Tensor *out)
{
    Tensor *a = out->in[0];
    if (!a->grad) return;
    for (int i = 0; i < a->numel; i++) a->grad[i] += out->grad[i] / a->data[i];
}

/* ---- tanh, sqrt ---------------------------------------------------------- */

static void tanh_backward(Tensor *out);

Tensor *tensor_tanh(Tensor *a)
{
    Tensor *out = unary_result(a, "tanh", tanh_backward);
    tanh_array(out->data, a->data, a->numel);
    return out;
}

/* forward: out = tanh(a)
 * local:   1 - tanh(a)^2 = 1 - out^2, so da += dout * (1 - out^2) */
static void tanh_backward(Tensor *out)
{
    Tensor *a = out->in[0];
    if (!a->grad) return;
    float *restrict da = a->grad;
    const float *restrict dout = out->grad, *restrict t = out->data;
    for (int i = 0; i < a->numel; i++) da[i] += dout[i] * (1.0f - t[i] * t[i]);
}

static void sqrt_backward(Tensor *out);

Tensor *tensor_sqrt(Tensor *a)
{
    Tensor *out = unary_result(a, "sqrt", sqrt_backward);
    for (int i = 0; i < a->numel; i++) out->data[i] = sqrtf(a->data[i]);
    return out;
}

/* forward: out = sqrt(a)
 * local:   1 / (2 sqrt(a)) = 1 / (2 out), so da += dout / (2 * out) */
static void sqrt_backward(Tensor *out)
{
    Tensor *a = out->in[0];
    if (!a->grad) return;
    for (int i = 0; i < a->numel; i++) a->grad[i] += out->grad[i] / (2.0f * out->data[i]);
}

/* ========================================================================= */
/* Reductions over one dimension: sum, mean, max, var, std                   */
/* ========================================================================= */

/* A reduction over `dim` sees a as [outer, n, inner]: outer the sizes before
 * dim, n the size of dim, inner the sizes after. It writes [outer, inner]. */
typedef struct Reduce {
    int outer, n, inner;
} Reduce;

/* Negative dims count from the end, as in torch (-1 is the last). */
static int normalize_dim(Tensor *a, int dim, const char *fn)
{
    char sa[48];
    int d = dim < 0 ? dim + a->shape.ndim : dim;
    KIT_CHECK(d >= 0 && d < a->shape.ndim,
              "%s: dim %d does not exist in a tensor of shape %s. HINT: dims run from 0 to %d (or -1 for the last)",
              fn, dim, shape_str(a->shape, sa), a->shape.ndim - 1);
    return d;
}

/* The result's shape (dim kept as 1, or removed; a fully reduced tensor is [1],
 * never 0-dimensional) and the [outer, n, inner] split. */
static Shape reduce_plan(Tensor *a, int dim, bool keepdim, Reduce *rd)
{
    Shape s = a->shape, o = {0, {0}};
    rd->outer = rd->inner = 1;
    for (int i = 0; i < s.ndim; i++) {
        if (i < dim) rd->outer *= s.d[i];
        if (i > dim) rd->inner *= s.d[i];
        if (i == dim && !keepdim) continue;
        o.d[o.ndim++] = i == dim ? 1 : s.d[i];
    }
    rd->n = s.d[dim];
    if (o.ndim == 0) o = SHAPE(1);
    return o;
}

/* out[o, i] = sum_k a[o, k, i], k in order; each row of out is a running sum
 * of rows of a, so the inner loop is contiguous and vectorizes without
 * changing the order of any element's additions. */
static void sum_rows(float *restrict out, const float *restrict a, Reduce rd)
{
    if (rd.inner == 1) {   /* the last dim (a row's sum, lab 02's [n, 27] -> [n, 1]): a plain running sum */
        for (int o = 0; o < rd.outer; o++) {
            const float *src = a + (size_t)o * rd.n;
            float s = 0.0f;
            for (int k = 0; k < rd.n; k++) s += src[k];
            out[o] = s;
        }
        return;
    }
    for (int o = 0; o < rd.outer; o++) {
        float *restrict dst = out + (size_t)o * rd.inner;
        memset(dst, 0, (size_t)rd.inner * sizeof(float));   /* out is not zeroed for us */
        for (int k = 0; k < rd.n; k++) {
            const float *src = a + ((size_t)o * rd.n + k) * rd.inner;
            for (int i = 0; i < rd.inner; i++) dst[i] += src[i];
        }
    }
}

/* da[o, k, i] += scale * dout[o, i]: a reduction's gradient spread back over dim. */
static void spread_rows(float *restrict da, const float *restrict dout, Reduce rd, float scale, bool divide)
{
    if (rd.inner == 1) {   /* the last dim: one value spread along a contiguous row */
        for (int o = 0; o < rd.outer; o++) {
            float g = divide ? dout[o] / scale : dout[o] * scale;
            float *d = da + (size_t)o * rd.n;
            for (int k = 0; k < rd.n; k++) d[k] += g;
        }
        return;
    }
    for (int o = 0; o < rd.outer; o++) {
        const float *g = dout + (size_t)o * rd.inner;
        for (int k = 0; k < rd.n; k++) {
            float *d = da + ((size_t)o * rd.n + k) * rd.inner;
            if (divide)
                for (int i = 0; i < rd.inner; i++) d[i] += g[i] / scale;
            else
                for (int i = 0; i < rd.inner; i++) d[i] += g[i] * scale;
        }
    }
}

/*
 * The sum of a whole tensor, in double: the second exception to "sums in
 * float". A float running sum of lab 02's 228146 log-probabilities drifts by
 * 1e-3 (each addition rounds at the scale of the growing total), while torch's
 * sum is a cascade of partial sums that stays within a few ulp of exact. A
 * double sum rounded once lands on (or next to) torch's value for any length;
 * for a batch of 32 the two agree to the last bit or the last ulp.
 */
static double sum_double(const float *x, int n)
{
    double s = 0.0;
    for (int i = 0; i < n; i++) s += x[i];
    return s;
}

/* ---- sum ----------------------------------------------------------------- */

static void sum_backward(Tensor *out);

Tensor *tensor_sum(Tensor *a, int dim, bool keepdim)
{
    CHECK_TENSOR(a, "tensor_sum");
    dim = normalize_dim(a, dim, "tensor_sum");
    Reduce rd;
    Shape s = reduce_plan(a, dim, keepdim, &rd);
    Tensor *out = op_result(s, "sum", sum_backward, a, NULL);
    out->iarg = dim;
    sum_rows(out->data, a->data, rd);
    return out;
}

/* forward: out[o, i] = sum_k a[o, k, i]
 * local:   1 for every k, so da[o, k, i] += dout[o, i] */
static void sum_backward(Tensor *out)
{
    Tensor *a = out->in[0];
    if (!a->grad) return;
    Reduce rd;
    reduce_plan(a, out->iarg, true, &rd);
    spread_rows(a->grad, out->grad, rd, 1.0f, false);
}

static void sum_all_backward(Tensor *out);

Tensor *tensor_sum_all(Tensor *a)
{
    CHECK_TENSOR(a, "tensor_sum_all");
    Tensor *out = op_result(SHAPE(1), "sum_all", sum_all_backward, a, NULL);   /* [1] */
    out->data[0] = (float)sum_double(a->data, a->numel);
    return out;
}

/* forward: out = sum_i a[i]
 * local:   1, so da[i] += dout */
static void sum_all_backward(Tensor *out)
{
    Tensor *a = out->in[0];
    if (!a->grad) return;
    float g = out->grad[0];
    for (int i = 0; i < a->numel; i++) a->grad[i] += g;
}

/* ---- mean ---------------------------------------------------------------- */

static void mean_backward(Tensor *out);

Tensor *tensor_mean(Tensor *a, int dim, bool keepdim)
{
    CHECK_TENSOR(a, "tensor_mean");
    dim = normalize_dim(a, dim, "tensor_mean");
    Reduce rd;
    Shape s = reduce_plan(a, dim, keepdim, &rd);
    Tensor *out = op_result(s, "mean", mean_backward, a, NULL);
    out->iarg = dim;
    sum_rows(out->data, a->data, rd);
    for (int i = 0; i < out->numel; i++) out->data[i] = out->data[i] / (float)rd.n;
    return out;
}

/* forward: out[o, i] = sum_k a[o, k, i] / n
 * local:   1/n, so da[o, k, i] += dout[o, i] / n */
static void mean_backward(Tensor *out)
{
    Tensor *a = out->in[0];
    if (!a->grad) return;
    Reduce rd;
    reduce_plan(a, out->iarg, true, &rd);
    spread_rows(a->grad, out->grad, rd, (float)rd.n, true);
}

static void mean_all_backward(Tensor *out);

Tensor *tensor_mean_all(Tensor *a)
{
    CHECK_TENSOR(a, "tensor_mean_all");
    Tensor *out = op_result(SHAPE(1), "mean_all", mean_all_backward, a, NULL);   /* [1] */
    out->data[0] = (float)(sum_double(a->data, a->numel) / a->numel);
    return out;
}

/* forward: out = sum_i a[i] / numel
 * local:   1/numel, so da[i] += dout / numel */
static void mean_all_backward(Tensor *out)
{
    Tensor *a = out->in[0];
    if (!a->grad) return;
    float g = out->grad[0], n = (float)a->numel;
    for (int i = 0; i < a->numel; i++) a->grad[i] += g / n;
}

/* ---- max ----------------------------------------------------------------- */

static void max_backward(Tensor *out);

Tensor *tensor_max(Tensor *a, int dim, bool keepdim)
{
    CHECK_TENSOR(a, "tensor_max");
    dim = normalize_dim(a, dim, "tensor_max");
    Reduce rd;
    Shape s = reduce_plan(a, dim, keepdim, &rd);
    Tensor *out = op_result(s, "max", max_backward, a, NULL);
    out->iarg = dim;
    int *arg = arena_alloc_uninit(&a->graph->step, (size_t)out->numel * sizeof(int));   /* where each max was */
    for (int o = 0; o < rd.outer; o++)
        for (int i = 0; i < rd.inner; i++) {
            const float *x = a->data + (size_t)o * rd.n * rd.inner + i;
            float m = x[0];
            int at = 0;
            for (int k = 1; k < rd.n; k++) {
                float v = x[(size_t)k * rd.inner];
                if (v > m || (v != v && m == m)) { m = v; at = k; }   /* first max; NaN wins, as in torch */
            }
            out->data[(size_t)o * rd.inner + i] = m;
            arg[(size_t)o * rd.inner + i] = at;
        }
    out->idx = arg;
    return out;
}

/* forward: out[o, i] = max_k a[o, k, i], reached first at k = arg[o, i]
 * local:   1 at that k, 0 elsewhere, so da[o, arg, i] += dout[o, i] */
static void max_backward(Tensor *out)
{
    Tensor *a = out->in[0];
    if (!a->grad) return;
    Reduce rd;
    reduce_plan(a, out->iarg, true, &rd);
    for (int o = 0; o < rd.outer; o++)
        for (int i = 0; i < rd.inner; i++) {
            size_t oi = (size_t)o * rd.inner + i;
            a->grad[((size_t)o * rd.n + out->idx[oi]) * rd.inner + i] += out->grad[oi];
        }
}

/* ---- var, std ------------------------------------------------------------ */

/*
 * Variance over dim: mean first, then the sum of squared deviations, divided
 * by n - 1 (unbiased, torch's default) or n. These two sums run in double, the
 * one exception to "sums in float": torch's CPU var/std accumulates in double
 * (a Welford pass), so the result is the float nearest the exact variance and
 * a float sum of 32 squares would be a few ulp away from torch's figures.
 * The float mean of each column is saved for the backward; iarg packs dim
 * (low bits) and the unbiased flag (bit 8).
 */
static void var_forward(Tensor *out, Tensor *a, Reduce rd, bool unbiased, bool take_sqrt)
{
    float *mean = step_scratch(a->graph, out->numel);
    double denom = (double)rd.n - (unbiased ? 1.0 : 0.0);
    /* For each o, the inner columns are summed side by side, a row of a at a
     * time (k in order for every column, as a loop down one column would):
     * the inner loops are contiguous, so they vectorize. */
    double *restrict m = arena_alloc_uninit(&a->graph->step, (size_t)rd.inner * sizeof(double));
    double *restrict ss = arena_alloc_uninit(&a->graph->step, (size_t)rd.inner * sizeof(double));
    for (int o = 0; o < rd.outer; o++) {
        const float *x = a->data + (size_t)o * rd.n * rd.inner;   /* [n, inner] */
        for (int i = 0; i < rd.inner; i++) m[i] = ss[i] = 0.0;
        for (int k = 0; k < rd.n; k++)
            for (int i = 0; i < rd.inner; i++) m[i] += x[(size_t)k * rd.inner + i];
        for (int i = 0; i < rd.inner; i++) m[i] /= rd.n;
        for (int k = 0; k < rd.n; k++)
            for (int i = 0; i < rd.inner; i++) {
                double d = x[(size_t)k * rd.inner + i] - m[i];
                ss[i] += d * d;
            }
        for (int i = 0; i < rd.inner; i++) {
            double v = ss[i] / denom;
            out->data[(size_t)o * rd.inner + i] = (float)(take_sqrt ? sqrt(v) : v);
            mean[(size_t)o * rd.inner + i] = (float)m[i];
        }
    }
    out->saved = mean;
}

static void var_backward(Tensor *out);

Tensor *tensor_var(Tensor *a, int dim, bool keepdim, bool unbiased)
{
    CHECK_TENSOR(a, "tensor_var");
    dim = normalize_dim(a, dim, "tensor_var");
    Reduce rd;
    Shape s = reduce_plan(a, dim, keepdim, &rd);
    Tensor *out = op_result(s, "var", var_backward, a, NULL);
    out->iarg = dim | (unbiased ? 256 : 0);
    var_forward(out, a, rd, unbiased, false);
    return out;
}

/* forward: out = sum_k (a[k] - mean)^2 / (n - c)     (c = 1 unbiased, 0 biased)
 * local:   2 (a[k] - mean) / (n - c)  (the terms through mean sum to zero)
 * so       da[k] += (2 / (n - c)) * dout * (a[k] - mean) */
static void var_backward(Tensor *out)
{
    Tensor *a = out->in[0];
    if (!a->grad) return;
    Reduce rd;
    reduce_plan(a, out->iarg & 255, true, &rd);
    float scale = (float)(2.0 / ((double)rd.n - ((out->iarg & 256) ? 1.0 : 0.0)));
    for (int o = 0; o < rd.outer; o++)
        for (int k = 0; k < rd.n; k++)
            for (int i = 0; i < rd.inner; i++) {
                size_t oi = (size_t)o * rd.inner + i, ai = ((size_t)o * rd.n + k) * rd.inner + i;
                a->grad[ai] += scale * out->grad[oi] * (a->data[ai] - out->saved[oi]);
            }
}

static void std_backward(Tensor *out);

Tensor *tensor_std(Tensor *a, int dim, bool keepdim, bool unbiased)
{
    CHECK_TENSOR(a, "tensor_std");
    dim = normalize_dim(a, dim, "tensor_std");
    Reduce rd;
    Shape s = reduce_plan(a, dim, keepdim, &rd);
    Tensor *out = op_result(s, "std", std_backward, a, NULL);
    out->iarg = dim | (unbiased ? 256 : 0);
    var_forward(out, a, rd, unbiased, true);
    return out;
}

/* forward: out = sqrt(var(a))
 * local:   d sqrt(v) = dv / (2 out), then var's local 2 (a[k] - mean) / (n - c)
 * so       da[k] += (2 / (n - c)) * (dout / (2 out)) * (a[k] - mean) */
static void std_backward(Tensor *out)
{
    Tensor *a = out->in[0];
    if (!a->grad) return;
    Reduce rd;
    reduce_plan(a, out->iarg & 255, true, &rd);
    float scale = (float)(2.0 / ((double)rd.n - ((out->iarg & 256) ? 1.0 : 0.0)));
    for (int o = 0; o < rd.outer; o++)
        for (int k = 0; k < rd.n; k++)
            for (int i = 0; i < rd.inner; i++) {
                size_t oi = (size_t)o * rd.inner + i, ai = ((size_t)o * rd.n + k) * rd.inner + i;
                float g = out->grad[oi] / (2.0f * out->data[oi]);
                a->grad[ai] += scale * g * (a->data[ai] - out->saved[oi]);
            }
}

/* ========================================================================= */
/* Indexing: embed, pick, view                                               */
/* ========================================================================= */

/* ---- embed --------------------------------------------------------------- */

static void embed_backward(Tensor *out);

Tensor *tensor_embed(Tensor *table, const int *ix, Shape ishape)
{
    CHECK_TENSOR(table, "tensor_embed");
    char st[48], si[48];
    KIT_CHECK(ix != NULL, "tensor_embed: the index array is NULL. HINT: pass the batch's contexts X");
    KIT_CHECK(table->shape.ndim == 2 && ishape.ndim >= 1 && ishape.ndim < TENSOR_MAX_DIMS,
              "tensor_embed: table %s with indices %s. HINT: the table is [V, C] and the indices have 1 to %d dims",
              shape_str(table->shape, st), shape_str(ishape, si), TENSOR_MAX_DIMS - 1);
    check_shape(ishape, "tensor_embed");
    int V = table->shape.d[0], C = table->shape.d[1], n = shape_numel(ishape);
    Shape s = ishape;                                  /* [ishape..., C], e.g. [B, T, C] */
    s.d[s.ndim++] = C;
    for (int i = 0; i < n; i++)
        KIT_CHECK(ix[i] >= 0 && ix[i] < V,
                  "tensor_embed: index %d at position %d is outside 0..%d (table %s). HINT: characters are 0 ('.') to %d",
                  ix[i], i, V - 1, shape_str(table->shape, st), V - 1);
    Tensor *out = op_result(s, "embed", embed_backward, table, NULL);
    out->idx = ix;
    for (int i = 0; i < n; i++)
        memcpy(out->data + (size_t)i * C, table->data + (size_t)ix[i] * C, (size_t)C * sizeof(float));
    return out;
}

/* forward: out[n, :] = table[ix[n], :]
 * local:   1 from row ix[n] to out row n, so dtable[ix[n], :] += dout[n, :]
 *          (a character that appears twice collects both rows) */
static void embed_backward(Tensor *out)
{
    Tensor *table = out->in[0];
    if (!table->grad) return;
    int C = table->shape.d[1], n = out->numel / C;
    for (int i = 0; i < n; i++) {
        float *restrict d = table->grad + (size_t)out->idx[i] * C;
        const float *restrict g = out->grad + (size_t)i * C;
        for (int c = 0; c < C; c++) d[c] += g[c];
    }
}

/* ---- pick ---------------------------------------------------------------- */

static void pick_backward(Tensor *out);

Tensor *tensor_pick(Tensor *a, const int *y)
{
    CHECK_TENSOR(a, "tensor_pick");
    char sa[48];
    KIT_CHECK(y != NULL, "tensor_pick: the label array is NULL. HINT: pass the batch's targets Y");
    KIT_CHECK(a->shape.ndim == 2, "tensor_pick: a is %s, not [B, V]. HINT: pick one column per row of a 2-d tensor",
              shape_str(a->shape, sa));
    int B = a->shape.d[0], V = a->shape.d[1];
    for (int b = 0; b < B; b++)
        KIT_CHECK(y[b] >= 0 && y[b] < V,
                  "tensor_pick: index %d at row %d is outside 0..%d (a is %s). HINT: labels are 0 ('.') to %d",
                  y[b], b, V - 1, shape_str(a->shape, sa), V - 1);
    Tensor *out = op_result(SHAPE(B), "pick", pick_backward, a, NULL);   /* [B] */
    out->idx = y;
    for (int b = 0; b < B; b++) out->data[b] = a->data[(size_t)b * V + y[b]];
    return out;
}

/* forward: out[b] = a[b, y[b]]
 * local:   1 at (b, y[b]), 0 elsewhere, so da[b, y[b]] += dout[b] */
static void pick_backward(Tensor *out)
{
    Tensor *a = out->in[0];
    if (!a->grad) return;
    int B = a->shape.d[0], V = a->shape.d[1];
    for (int b = 0; b < B; b++) a->grad[(size_t)b * V + out->idx[b]] += out->grad[b];
}

/* ---- view ---------------------------------------------------------------- */

static const char VIEW_OP[] = "view";

/* The same numbers under another shape: data and grad are a's own buffers, so
 * a view needs no backward (whatever flows into its grad is already in a's)
 * and never goes on the tape. One size may be -1: it is inferred, as in torch. */
Tensor *tensor_view(Tensor *a, Shape s)
{
    CHECK_TENSOR(a, "tensor_view");
    char sa[48], ss[48];
    int infer = -1, known = 1;
    KIT_CHECK(s.ndim >= 1 && s.ndim <= TENSOR_MAX_DIMS, "tensor_view: a shape needs 1 to %d sizes. HINT: SHAPE(B, T * C)",
              TENSOR_MAX_DIMS);
    for (int i = 0; i < s.ndim; i++) {
        if (s.d[i] == -1 && infer < 0) infer = i;
        else known *= s.d[i];
    }
    if (infer >= 0 && known > 0 && a->numel % known == 0) s.d[infer] = a->numel / known;
    KIT_CHECK(infer < 0 || s.d[infer] > 0, "tensor_view: cannot view %s as %s. HINT: numel %d is not a multiple of %d",
              shape_str(a->shape, sa), shape_str(s, ss), a->numel, known);
    check_shape(s, "tensor_view");
    KIT_CHECK(shape_numel(s) == a->numel,
              "tensor_view: cannot view %s (%d elements) as %s (%d elements). HINT: a view keeps every element; "
              "the sizes must multiply to the same number",
              shape_str(a->shape, sa), a->numel, shape_str(s, ss), shape_numel(s));
    Graph *g = a->graph;
    Tensor *out = arena_alloc_uninit(&g->step, sizeof *out);
    *out = (Tensor){0};
    out->data = a->data;
    out->shape = s;
    out->numel = a->numel;
    out->op = VIEW_OP;
    out->graph = g;
    out->in[0] = a;
    if (g->no_grad <= 0 && a->requires_grad) {
        out->grad = a->grad;
        out->requires_grad = true;
    }
    return out;
}

/* ========================================================================= */
/* Softmax, log-softmax, cross-entropy (over the last dimension, row by row) */
/* ========================================================================= */

/* Every op here subtracts the row's max before exp: softmax(x) = softmax(x - c)
 * for any c, and with c = max every exponent is <= 0, so exp() never
 * overflows (exp(1000) is inf in float; exp(0) = 1 at worst). */
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
 * chains in flight instead of waiting on one (4 cycles per step here). The
 * readable versions are row_max above and the sum loop in tensor_softmax. */
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

/* ---- softmax ------------------------------------------------------------- */

static void softmax_backward(Tensor *out);

Tensor *tensor_softmax(Tensor *a)
{
    Tensor *out = unary_result(a, "softmax", softmax_backward);
    int V = a->shape.d[a->shape.ndim - 1], rows = a->numel / V;
    for (int r = 0; r < rows; r++) {
        const float *x = a->data + (size_t)r * V;
        float *y = out->data + (size_t)r * V;
        float m = row_max(x, V), sum = 0.0f;
        for (int v = 0; v < V; v++) y[v] = exp_kernel(x[v] - m);   /* a loop of its own: it vectorizes */
        for (int v = 0; v < V; v++) sum += y[v];                   /* in order, in float */
        for (int v = 0; v < V; v++) y[v] = y[v] / sum;
    }
    return out;
}

/* forward: out = exp(a - max) / sum(exp(a - max))          (each row)
 * local:   d out[v] / d a[u] = out[v] (1[u == v] - out[u])
 * so       da[u] += out[u] * (dout[u] - sum_v dout[v] out[v]) */
static void softmax_backward(Tensor *out)
{
    Tensor *a = out->in[0];
    if (!a->grad) return;
    int V = a->shape.d[a->shape.ndim - 1], rows = a->numel / V;
    for (int r = 0; r < rows; r++) {
        const float *y = out->data + (size_t)r * V, *g = out->grad + (size_t)r * V;
        float *d = a->grad + (size_t)r * V, dot = 0.0f;
        for (int v = 0; v < V; v++) dot += g[v] * y[v];
        for (int v = 0; v < V; v++) d[v] += y[v] * (g[v] - dot);
    }
}

/* ---- log_softmax --------------------------------------------------------- */

static void log_softmax_backward(Tensor *out);

Tensor *tensor_log_softmax(Tensor *a)
{
    Tensor *out = unary_result(a, "log_softmax", log_softmax_backward);
    int V = a->shape.d[a->shape.ndim - 1], rows = a->numel / V;
    for (int r = 0; r < rows; r++) {
        const float *x = a->data + (size_t)r * V;
        float *y = out->data + (size_t)r * V;
        float m = row_max(x, V), sum = 0.0f;
        for (int v = 0; v < V; v++) y[v] = exp_kernel(x[v] - m);   /* y holds exp for a moment */
        for (int v = 0; v < V; v++) sum += y[v];
        float lse = logf(sum);              /* log sum exp(x - max) */
        for (int v = 0; v < V; v++) y[v] = (x[v] - m) - lse;
    }
    return out;
}

/* forward: out = (a - max) - log(sum(exp(a - max)))        (each row)
 * local:   d out[v] / d a[u] = 1[u == v] - softmax(a)[u], softmax = exp(out)
 * so       da[u] += dout[u] - exp(out[u]) * sum_v dout[v] */
static void log_softmax_backward(Tensor *out)
{
    Tensor *a = out->in[0];
    if (!a->grad) return;
    int V = a->shape.d[a->shape.ndim - 1], rows = a->numel / V;
    for (int r = 0; r < rows; r++) {
        const float *y = out->data + (size_t)r * V, *g = out->grad + (size_t)r * V;
        float *d = a->grad + (size_t)r * V, sum = 0.0f;
        for (int v = 0; v < V; v++) sum += g[v];
        for (int v = 0; v < V; v++) d[v] += g[v] - exp_kernel(y[v]) * sum;
    }
}

/* ---- cross_entropy (fused) ----------------------------------------------- */

static void cross_entropy_backward(Tensor *out);

/* The composed version is log_softmax, pick the label, negate, mean; fused, each
 * row is one pass: max, sum of exp(x - max), and the label's log-probability
 * (x[y] - max) - log(sum), the very expression log_softmax computes, so the two
 * losses are equal to the last bit (tested). The softmax of each row is kept
 * for the backward. */
Tensor *tensor_cross_entropy(Tensor *logits, const int *y)
{
    CHECK_TENSOR(logits, "tensor_cross_entropy");
    char sl[48];
    KIT_CHECK(y != NULL, "tensor_cross_entropy: the label array is NULL. HINT: pass the batch's targets Y");
    KIT_CHECK(logits->shape.ndim == 2, "tensor_cross_entropy: logits are %s, not [B, V]. HINT: one row of V scores per example",
              shape_str(logits->shape, sl));
    int B = logits->shape.d[0], V = logits->shape.d[1];
    for (int b = 0; b < B; b++)
        KIT_CHECK(y[b] >= 0 && y[b] < V,
                  "tensor_cross_entropy: label %d at row %d is outside 0..%d (logits %s). HINT: labels are 0 ('.') to %d",
                  y[b], b, V - 1, shape_str(logits->shape, sl), V - 1);
    Tensor *out = op_result(SHAPE(1), "cross_entropy", cross_entropy_backward, logits, NULL);   /* [1] */
    out->idx = y;
    float *restrict probs = step_scratch(out->graph, B * V);   /* [B, V], kept for backward when it runs */
    float *restrict m = step_scratch(out->graph, B);           /* [B] each row's max */
    float *restrict sums = step_scratch(out->graph, B);        /* [B] each row's sum of exp(x - max) */
    /* Passes over all rows, so the exp runs as one long loop over all B*V
     * values, which vectorizes (a row of 27 would leave a scalar tail each
     * time), and max and sum go several rows at a time (rows_max). */
    rows_max(m, logits->data, B, V);
    for (int b = 0; b < B; b++)
        for (int v = 0; v < V; v++) probs[(size_t)b * V + v] = logits->data[(size_t)b * V + v] - m[b];
    exp_array(probs, probs, B * V);   /* exp(x - max) */
    rows_sum(sums, probs, B, V);   /* in order, in float, as log_softmax does */
    double total = 0.0;   /* as tensor_mean_all sums: in double (see sum_double) */
    for (int b = 0; b < B; b++) {
        const float *x = logits->data + (size_t)b * V;
        float *restrict p = probs + (size_t)b * V, sum = sums[b];
        float lse = logf(sum);
        total += -((x[y[b]] - m[b]) - lse);        /* -log softmax(x)[y], a float, summed in double */
        for (int v = 0; v < V; v++) p[v] = p[v] / sum;
    }
    out->data[0] = (float)(total / B);
    out->saved = out->requires_grad ? probs : NULL;
    return out;
}

/* forward: out = mean_b -log softmax(logits[b])[y[b]]
 * local:   d out / d logits[b, v] = (softmax[b, v] - 1[v == y[b]]) / B
 * so       dlogits[b, v] += (p[b, v] - onehot[b, v]) * (dout / B) */
static void cross_entropy_backward(Tensor *out)
{
    Tensor *logits = out->in[0];
    if (!logits->grad) return;
    int B = logits->shape.d[0], V = logits->shape.d[1];
    float g = out->grad[0] / (float)B;
    /* g is the same for every row, so the first term is one flat loop over
     * all B*V values (it vectorizes with no row tails); each label's -g comes
     * after, in the same order per element as `d[v] += p[v]*g; d[y] -= g`. */
    float *restrict d = logits->grad;
    const float *restrict p = out->saved;
    for (int i = 0; i < B * V; i++) d[i] += p[i] * g;
    for (int b = 0; b < B; b++) d[(size_t)b * V + out->idx[b]] -= g;
}

/* ---- embed_cross_entropy (gather and cross_entropy fused) ---------------- */

static void embed_cross_entropy_backward(Tensor *out);

/* The width of the per-row loops below: every row is padded to a multiple of
 * ROW_LANES floats, so each loop has a fixed trip count with no tail and the
 * compiler maps it onto one AVX-512 register, two AVX or four SSE ones. */
enum { ROW_LANES = 16, PAIRS_AT_ONCE = 16 };

/* max and sum of a padded row w [Vp] (Vp a multiple of ROW_LANES), in a fixed
 * order: ROW_LANES running lanes down the row, then the lanes halved pairwise
 * (a tree). Not the in-order sum of log_softmax, so not its bits (the tests
 * compare the two with a tolerance); the same order on every machine. */
static inline __attribute__((always_inline)) float lanes_max(const float *restrict w, int Vp)
{
    float m[ROW_LANES];
    for (int j = 0; j < ROW_LANES; j++) m[j] = w[j];
    for (int k = ROW_LANES; k < Vp; k += ROW_LANES)
        for (int j = 0; j < ROW_LANES; j++) m[j] = w[k + j] > m[j] ? w[k + j] : m[j];
#pragma GCC unroll 4
    for (int h = ROW_LANES / 2; h > 0; h /= 2)
        for (int j = 0; j < h; j++) m[j] = m[j + h] > m[j] ? m[j + h] : m[j];
    return m[0];
}

static inline __attribute__((always_inline)) float lanes_sum(const float *restrict w, int Vp)
{
    float s[ROW_LANES];
    for (int j = 0; j < ROW_LANES; j++) s[j] = w[j];
    for (int k = ROW_LANES; k < Vp; k += ROW_LANES)
        for (int j = 0; j < ROW_LANES; j++) s[j] += w[k + j];
#pragma GCC unroll 4
    for (int h = ROW_LANES / 2; h > 0; h /= 2)
        for (int j = 0; j < h; j++) s[j] += s[j + h];
    return s[0];
}

/* The pairs i0 .. i0+P-1 (P <= PAIRS_AT_ONCE) of tensor_embed_cross_entropy:
 * their losses, summed, and (when G is not NULL) their softmax - onehot added
 * into G. Each step runs over all P pairs before the next starts, so the CPU
 * works on P independent rows at once instead of waiting on one row's chain
 * of max, exp, sum. Inlined with Vp a constant where the caller can (Vp = 32:
 * V = 27 characters), so the row loops are unrolled with no loop counter. */
static inline __attribute__((always_inline)) double
embed_ce_pairs(const float *restrict Wp, const float *restrict keep, float *restrict E, float *restrict G,
               const int *xb, const int *yb, int P, int Vp)
{
    float m[PAIRS_AT_ONCE], sum[PAIRS_AT_ONCE];
    for (int i = 0; i < P; i++) m[i] = lanes_max(Wp + (size_t)xb[i] * Vp, Vp);          /* max of logits W[x_i] */
    for (int i = 0; i < P; i++)
#if KIT_EXP16
        for (int v = 0; v < Vp; v += 16) {
            __m512 w = _mm512_sub_ps(_mm512_loadu_ps(Wp + (size_t)xb[i] * Vp + v), _mm512_set1_ps(m[i]));
            _mm512_storeu_ps(E + i * Vp + v, _mm512_mul_ps(exp16(w), _mm512_loadu_ps(keep + v)));
        }
#else
        for (int v = 0; v < Vp; v++) E[i * Vp + v] = exp_kernel(Wp[(size_t)xb[i] * Vp + v] - m[i]) * keep[v];
#endif
    for (int i = 0; i < P; i++) sum[i] = lanes_sum(E + i * Vp, Vp);
    /* -log softmax(W[x_i])[y_i] = log(sum_i) - (w[y_i] - m_i), summed over
     * the P pairs: the P logs as one log of their product, in double.
     * Each sum lies in [1, V] (the max's term is exp(0) = 1), so the
     * product stays below V^P, far inside double's range. */
    double prod = 1.0, total = 0.0;
    for (int i = 0; i < P; i++) {
        prod *= sum[i];
        total -= (double)(Wp[(size_t)xb[i] * Vp + yb[i]] - m[i]);
    }
    total += log(prod);
    if (G) {
        float inv[PAIRS_AT_ONCE];   /* one division per pair, not one per logit (they cost 10x a multiply) */
        for (int i = 0; i < PAIRS_AT_ONCE; i++) inv[i] = 1.0f / sum[i < P ? i : 0];
        for (int i = 0; i < P; i++) {
            float *restrict gr = G + (size_t)xb[i] * Vp;
            for (int v = 0; v < Vp; v++) gr[v] += E[i * Vp + v] * inv[i];   /* + softmax */
            gr[yb[i]] -= 1.0f;                                            /* - onehot */
        }
    }
    return total;
}

/*
 * F.cross_entropy(W[x], y) without the [n, V] logits: the lecture's row
 * gather (W[xs], the one-hot matmul) and tensor_cross_entropy as one op. The
 * readable version is the two ops composed,
 *     tensor_cross_entropy(tensor_embed(W, x, SHAPE(n)), y)
 * which the tests compare it with. Every pair still gets its own softmax: the
 * op does the same work per pair, it only never writes the logits, the
 * probabilities or their gradients to memory (n = 228k bigrams makes each of
 * those 25 MB; here, one row of W at a time sits in registers).
 *   - each row of W is copied once into Wp [R, Vp], padded with copies of
 *     the row's first logit (so the max is unchanged), whose exps `keep`
 *     then zeroes (so the sum is unchanged). Not with -inf, whose exp is 0
 *     at once: exp's last multiply would then underflow, and on Intel CPUs
 *     an underflowing multiply takes a slow microcode path (measured: the
 *     whole op 3x slower);
 *   - per pair: max, exp(w - max), sum (lanes_sum's order), and the loss
 *     log(sum) - (w[y] - max), summed in double (see embed_ce_pairs);
 *   - the gradient. d loss / d W[x_i] = (softmax(W[x_i]) - onehot(y_i)) / n
 *     times dout. All of it but dout is known now, so the forward adds each
 *     pair's softmax - onehot into G [R, Vp] (the pair's row of W) and the
 *     backward only scales G by dout / n: the backward is linear in dout,
 *     so the order of the two factors is free. llm.c's fused classifier does
 *     the same. Without a gradient (no_grad, or W a constant) G is skipped.
 */
Tensor *tensor_embed_cross_entropy(Tensor *W, const int *x, const int *y, int n)
{
    CHECK_TENSOR(W, "tensor_embed_cross_entropy");
    char sw[48];
    KIT_CHECK(x != NULL && y != NULL, "tensor_embed_cross_entropy: the %s array is NULL. HINT: pass the pairs' inputs xs and targets ys",
              x == NULL ? "input" : "label");
    KIT_CHECK(W->shape.ndim == 2, "tensor_embed_cross_entropy: W is %s, not [R, V]. HINT: one row of V logits per input character",
              shape_str(W->shape, sw));
    KIT_CHECK(n > 0, "tensor_embed_cross_entropy: %d pairs. HINT: the mean over no pairs is undefined; pass n >= 1", n);
    int R = W->shape.d[0], V = W->shape.d[1], Vp = (V + ROW_LANES - 1) / ROW_LANES * ROW_LANES;
    for (int i = 0; i < n; i++) {
        KIT_CHECK(x[i] >= 0 && x[i] < R,
                  "tensor_embed_cross_entropy: input %d at pair %d is outside 0..%d (W %s). HINT: characters are 0 ('.') to %d",
                  x[i], i, R - 1, shape_str(W->shape, sw), R - 1);
        KIT_CHECK(y[i] >= 0 && y[i] < V,
                  "tensor_embed_cross_entropy: label %d at pair %d is outside 0..%d (W %s). HINT: labels are 0 ('.') to %d",
                  y[i], i, V - 1, shape_str(W->shape, sw), V - 1);
    }
    Tensor *out = op_result(SHAPE(1), "embed_cross_entropy", embed_cross_entropy_backward, W, NULL);   /* [1] */
    out->iarg = n;
    float *restrict Wp = step_scratch(out->graph, R * Vp);   /* [R, Vp] W's rows, padded past column V */
    float *restrict E = step_scratch(out->graph, PAIRS_AT_ONCE * Vp);   /* [P, Vp] exp(w - max) of P pairs */
    float *restrict G = out->requires_grad ? step_scratch(out->graph, R * Vp) : NULL;   /* [R, Vp] sum of softmax - onehot */
    float *restrict keep = step_scratch(out->graph, Vp);     /* [Vp] 1 for the V real columns, 0 for the padding */
    for (int v = 0; v < Vp; v++) keep[v] = v < V ? 1.0f : 0.0f;
    for (int r = 0; r < R; r++)
        for (int v = 0; v < Vp; v++) Wp[(size_t)r * Vp + v] = W->data[(size_t)r * V + (v < V ? v : 0)];
    if (G) memset(G, 0, (size_t)R * Vp * sizeof(float));
    double total = 0.0;
    for (int i0 = 0; i0 < n; i0 += PAIRS_AT_ONCE) {
        int P = n - i0 < PAIRS_AT_ONCE ? n - i0 : PAIRS_AT_ONCE;
        total += Vp == 32 ? embed_ce_pairs(Wp, keep, E, G, x + i0, y + i0, P, 32)
                          : embed_ce_pairs(Wp, keep, E, G, x + i0, y + i0, P, Vp);
    }
    out->data[0] = (float)(total / n);
    out->saved = G;
    return out;
}

/* forward: out = mean_i -log softmax(W[x_i])[y_i]
 * local:   d out / d W[r, v] = sum_{i: x_i = r} (softmax(W[r])[v] - 1[v == y_i]) / n,
 *          the sum being G[r, v], collected by the forward
 * so       dW[r, v] += G[r, v] * (dout / n) */
static void embed_cross_entropy_backward(Tensor *out)
{
    Tensor *W = out->in[0];
    if (!W->grad) return;
    int R = W->shape.d[0], V = W->shape.d[1], Vp = (V + ROW_LANES - 1) / ROW_LANES * ROW_LANES;
    float g = out->grad[0] / (float)out->iarg;
    for (int r = 0; r < R; r++)
        for (int v = 0; v < V; v++) W->grad[(size_t)r * V + v] += out->saved[(size_t)r * Vp + v] * g;
}

/* ========================================================================= */
/* Backward and training                                                     */
/* ========================================================================= */

void tensor_backward(Tensor *loss)
{
    CHECK_TENSOR(loss, "tensor_backward");
    char sl[48];
    KIT_CHECK(loss->numel == 1, "tensor_backward: the loss is %s, not one number. HINT: reduce it first (tensor_mean_all)",
              shape_str(loss->shape, sl));
    KIT_CHECK(loss->requires_grad && loss->grad,
              "tensor_backward: the loss does not require a gradient. HINT: was it computed from tensor_param() "
              "parameters, with no_grad off?");
    Graph *g = loss->graph;
    /* The newest tape entry that the loss is (a view's base stands for the view). */
    Tensor *start = loss;
    while (start && !start->backward && start->op == VIEW_OP) start = start->in[0];
    if (start && !start->backward) start = NULL;           /* a leaf: nothing recorded */
    /* A second backward over the same tape must push only its own gradient:
     * clear what the first one left in the intermediates (parameters, the
     * leaves, keep accumulating, as in torch). */
    if (g->backward_ran)
        for (Tensor *t = start; t; t = t->tape_prev) memset(t->grad, 0, (size_t)t->numel * sizeof(float));
    loss->grad[0] += 1.0f;
    for (Tensor *t = start; t; t = t->tape_prev) t->backward(t);
    g->backward_ran = true;
}

void tensor_zero_grad(Tensor *t)
{
    if (t && t->grad) memset(t->grad, 0, (size_t)t->numel * sizeof(float));
}

void params_zero_grad(Tensor **params, int n)
{
    for (int i = 0; i < n; i++) tensor_zero_grad(params[i]);
}

void params_sgd(Tensor **params, int n, float lr)
{
    for (int i = 0; i < n; i++) {
        Tensor *p = params[i];
        CHECK_TENSOR(p, "params_sgd");
        KIT_CHECK(p->grad != NULL, "params_sgd: parameter %d (op %s) has no gradient. HINT: make it with tensor_param()",
                  i, p->op);
        float *restrict w = p->data;
        const float *restrict dw = p->grad;
        /* p.data += -lr * p.grad: the step is rounded to float, then added */
        for (int k = 0; k < p->numel; k++) w[k] += -lr * dw[k];
    }
}

long params_count(Tensor **params, int n)
{
    long total = 0;
    for (int i = 0; i < n; i++) total += params[i] ? params[i]->numel : 0;
    return total;
}

/* ========================================================================= */
/* Looking inside                                                            */
/* ========================================================================= */

float tensor_item(const Tensor *t)
{
    KIT_CHECK(t != NULL, "tensor_item: tensor is NULL. HINT: was it created?");
    char st[48];
    KIT_CHECK(t->numel == 1, "tensor_item: tensor %s has %d elements, not one. HINT: reduce it first (tensor_mean_all)",
              shape_str(t->shape, st), t->numel);
    return t->data[0];
}

void tensor_print(const Tensor *t, const char *name)
{
    char st[48];
    if (!t) {
        printf("%s (null)\n", name ? name : "tensor");
        return;
    }
    printf("%s %s op=%s:", name ? name : "tensor", shape_str(t->shape, st), t->op ? t->op : "?");
    int n = t->numel < 8 ? t->numel : 8;
    for (int i = 0; i < n; i++) printf(" %.4f", t->data[i]);
    printf("%s\n", t->numel > n ? " ..." : "");
}
