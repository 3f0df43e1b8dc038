/*
 * embed_ce.c: W[x] and the cross-entropy as one op, for the bench's lab02gce
 * workload (the contract is embed_ce.h).
 *
 * What it is: an op defined outside the core, on tensor.h's
 * tensor_op_result: forward and backward of F.cross_entropy(W[xs], ys)
 * without the [n, V] logits, so that `make bench` can show what fusing the
 * lab 02 step gains. Tested against the two core ops it fuses
 * (core.tensor.21) and against PyTorch (core.parity.9).
 * What it is not: part of the core or of any lab: the labs compose
 * tensor_embed and tensor_cross_entropy, the readable version.
 */
#include "embed_ce.h"

#include <math.h>
#include <string.h>

#include "kernels.h"
#include "kit.h"

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
        for (int v = 0; v < Vp; v++) E[i * Vp + v] = Wp[(size_t)xb[i] * Vp + v] - m[i];
    kernels()->exp_n(E, E, P * Vp);                                                      /* exp(w - max) */
    for (int i = 0; i < P; i++)
        for (int v = 0; v < Vp; v++) E[i * Vp + v] *= keep[v];                          /* the padding's exps to 0 */
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
 *     an underflowing multiply takes a slow microcode path;
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
    KIT_CHECK(W != NULL, "tensor_embed_cross_entropy: tensor W is NULL. HINT: was it created before this call?");
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
    Tensor *out = tensor_op_result(SHAPE(1), "embed_cross_entropy", embed_cross_entropy_backward, W, NULL);   /* [1] */
    Arena *step = &W->graph->step;
    int *pairs = arena_alloc_uninit(step, sizeof(int));      /* n, for the backward (ctx) */
    *pairs = n;
    out->ctx = pairs;
    float *restrict Wp = arena_alloc_uninit(step, (size_t)R * Vp * sizeof(float));   /* [R, Vp] W's rows, padded past column V */
    float *restrict E = arena_alloc_uninit(step, (size_t)PAIRS_AT_ONCE * Vp * sizeof(float));   /* [P, Vp] w - max, then exp */
    float *restrict G = out->requires_grad ? arena_alloc_uninit(step, (size_t)R * Vp * sizeof(float)) : NULL;   /* [R, Vp] sum of softmax - onehot */
    float *restrict keep = arena_alloc_uninit(step, (size_t)Vp * sizeof(float));     /* [Vp] 1 for the V real columns, 0 for the padding */
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
    float g = out->grad[0] / (float)*(const int *)out->ctx;
    for (int r = 0; r < R; r++)
        for (int v = 0; v < V; v++) W->grad[(size_t)r * V + v] += out->saved[(size_t)r * Vp + v] * g;
}
