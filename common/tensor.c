/*
 * tensor.c: float32 tensors with reverse-mode autograd (the contract is tensor.h).
 *
 * What it is: the graph, shapes and broadcasting, and every op of tensor.h,
 * each forward followed directly by its backward, in the order the lectures
 * meet them: making tensors, matmul, elementwise ops with broadcasting, unary
 * ops, (the reductions are tensor_reduce.c), indexing (embed, pick, view), the
 * softmax family and the fused cross-entropy, then backward and the training
 * helpers. The loops
 * where a step spends its time (matmul, tanh and exp over arrays, a row's
 * max and sum) are calls into kernels.h, whose readable versions are in
 * kernels_ref.c.
 * What it is not: a general array library (no strides, dtypes or devices);
 * not vector code (no intrinsics, nothing per CPU: that is the kernels'); and
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

#include "kernels.h"
#include "kit.h"
#include "tensor_private.h"


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
Tensor *tensor_op_result(Shape s, const char *op, BackwardFn backward, Tensor *a, Tensor *b)
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

/* A copy of the n indices of an op's caller, in the step arena, for its
 * backward: the caller's array may be gone or reused by then. NULL when no
 * backward will run (nothing recorded). */
static const int *keep_indices(Tensor *out, const int *ix, int n)
{
    if (!out->backward) return NULL;
    int *copy = arena_alloc_uninit(&out->graph->step, (size_t)n * sizeof(int));
    memcpy(copy, ix, (size_t)n * sizeof(int));
    return copy;
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
    kernels()->matmul(out->data, a->data, b->data, M, K, N, false);
    return out;
}

/* forward: out = a @ b                 a [M, K], b [K, N], out [M, N]
 * local:   d out[i,j] / d a[i,k] = b[k,j],  d out[i,j] / d b[k,j] = a[i,k]
 * so       da += dout @ b^T,  db += a^T @ dout */
static void matmul_backward(Tensor *out)
{
    Tensor *a = out->in[0], *b = out->in[1];
    int M = a->shape.d[0], K = a->shape.d[1], N = b->shape.d[1];
    if (a->grad) kernels()->matmul_da(a->grad, out->grad, b->data, step_scratch(out->graph, K * N), M, K, N);
    if (b->grad) kernels()->matmul_db(b->grad, a->data, out->grad, M, K, N);
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
KIT_PER_CPU static void accumulate_broadcast(float *d, const float *g, int rs, int cs, int R, int N, float sign)
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

KIT_PER_CPU Tensor *tensor_add(Tensor *a, Tensor *b)
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

KIT_PER_CPU Tensor *tensor_sub(Tensor *a, Tensor *b)
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
KIT_PER_CPU static void grad_times(float *d, int drs, int dcs, const float *restrict g, const float *restrict y, int yrs, int ycs,
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

KIT_PER_CPU Tensor *tensor_mul(Tensor *a, Tensor *b)
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
KIT_PER_CPU static void div_column_grad(float *restrict db, const float *restrict g, const float *restrict a, float b, int N)
{
    float t[64];
    for (int j0 = 0; j0 < N; j0 += 64) {
        int n = N - j0 < 64 ? N - j0 : 64;
        for (int j = 0; j < n; j++) t[j] = -g[j0 + j] * a[j0 + j] / (b * b);
        for (int j = 0; j < n; j++) db[0] += t[j];
    }
}

static void div_backward(Tensor *out);

KIT_PER_CPU Tensor *tensor_div(Tensor *a, Tensor *b)
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
KIT_PER_CPU static void div_backward(Tensor *out)
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
    out->scalar = s;
    for (int i = 0; i < a->numel; i++) out->data[i] = a->data[i] * s;
    return out;
}

/* forward: out = a * s
 * local:   s, so da += dout * s */
static void mul_scalar_backward(Tensor *out)
{
    Tensor *a = out->in[0];
    if (!a->grad) return;
    for (int i = 0; i < a->numel; i++) a->grad[i] += out->grad[i] * out->scalar;
}

static void add_scalar_backward(Tensor *out);

Tensor *tensor_add_scalar(Tensor *a, float s)
{
    Tensor *out = unary_result(a, "add_scalar", add_scalar_backward);
    out->scalar = s;
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
    out->scalar = p;
    for (int i = 0; i < a->numel; i++) out->data[i] = pow_scalar(a->data[i], p);
    return out;
}

/* forward: out = a ** p
 * local:   p * a ** (p - 1), so da += dout * (p * a ** (p-1)) */
static void pow_backward(Tensor *out)
{
    Tensor *a = out->in[0];
    if (!a->grad) return;
    float p = out->scalar;
    for (int i = 0; i < a->numel; i++) a->grad[i] += out->grad[i] * (p * pow_scalar(a->data[i], p - 1.0f));
}

/* ---- exp, log ------------------------------------------------------------ */

static void exp_backward(Tensor *out);

Tensor *tensor_exp(Tensor *a)
{
    Tensor *out = unary_result(a, "exp", exp_backward);
    kernels()->exp_n(out->data, a->data, a->numel);
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
    kernels()->tanh_n(out->data, a->data, a->numel);
    return out;
}

/* forward: out = tanh(a)
 * local:   1 - tanh(a)^2 = 1 - out^2, so da += dout * (1 - out^2) */
KIT_PER_CPU static void tanh_backward(Tensor *out)
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
    out->idx = keep_indices(out, ix, n);
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
    out->idx = keep_indices(out, y, B);
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
    out->op = "view";
    out->is_view = true;
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
        for (int v = 0; v < V; v++) y[v] = x[v] - m;
        kernels()->exp_n(y, y, V);
        for (int v = 0; v < V; v++) sum += y[v];   /* in order, in float */
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
        for (int v = 0; v < V; v++) y[v] = x[v] - m;
        kernels()->exp_n(y, y, V);          /* y holds exp(x - max) for a moment */
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
    float *e = step_scratch(out->graph, V);   /* [V] exp(out) of one row: its softmax */
    for (int r = 0; r < rows; r++) {
        const float *y = out->data + (size_t)r * V, *g = out->grad + (size_t)r * V;
        float *d = a->grad + (size_t)r * V, sum = 0.0f;
        for (int v = 0; v < V; v++) sum += g[v];
        kernels()->exp_n(e, y, V);
        for (int v = 0; v < V; v++) d[v] += g[v] - e[v] * sum;
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
    out->idx = keep_indices(out, y, B);
    float *restrict probs = step_scratch(out->graph, B * V);   /* [B, V], kept for backward when it runs */
    float *restrict m = step_scratch(out->graph, B);           /* [B] each row's max */
    float *restrict sums = step_scratch(out->graph, B);        /* [B] each row's sum of exp(x - max) */
    /* Passes over all rows, so the exp runs as one long loop over all B*V
     * values, which vectorizes (a row of 27 would leave a scalar tail each
     * time), and max and sum go several rows at a time (kernels.h). */
    kernels()->rows_max(m, logits->data, B, V);
    for (int b = 0; b < B; b++)
        for (int v = 0; v < V; v++) probs[(size_t)b * V + v] = logits->data[(size_t)b * V + v] - m[b];
    kernels()->exp_n(probs, probs, B * V);   /* exp(x - max) */
    kernels()->rows_sum(sums, probs, B, V);   /* in order, in float, as log_softmax does */
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
    while (start && !start->backward && start->is_view) start = start->in[0];
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

KIT_PER_CPU void params_sgd(Tensor **params, int n, float lr)
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
