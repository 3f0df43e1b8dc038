/*
 * tensor_reduce.c: the reductions of the tensor core: sum, mean, max, var and
 * std over one dimension, and the sum and mean of a whole tensor (the
 * contract is tensor.h; the rest of the core is tensor.c).
 *
 * What it is: each reduction's forward followed directly by its backward,
 * with the conventions of tensor.c: `out`, `dout`, `da`; backward adds into
 * grad and names the local derivative. Sums over one dimension run in float,
 * left to right; a whole-tensor sum or mean and var/std in double (each says
 * why).
 * What it is not: a general reduction library (one dimension at a time, or
 * all of them; no products, no argmax op).
 */
#include <math.h>
#include <string.h>

#include "kit.h"
#include "tensor.h"
#include "tensor_private.h"

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
KIT_PER_CPU static void sum_rows(float *restrict out, const float *restrict a, Reduce rd)
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
KIT_PER_CPU static void spread_rows(float *restrict da, const float *restrict dout, Reduce rd, float scale, bool divide)
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
    out->dim = dim;
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
    reduce_plan(a, out->dim, true, &rd);
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
    out->dim = dim;
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
    reduce_plan(a, out->dim, true, &rd);
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
    out->dim = dim;
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
    reduce_plan(a, out->dim, true, &rd);
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
 * The float mean of each column is saved for the backward.
 */
KIT_PER_CPU static void var_forward(Tensor *out, Tensor *a, Reduce rd, bool unbiased, bool take_sqrt)
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
    out->dim = dim;
    out->unbiased = unbiased;
    var_forward(out, a, rd, unbiased, false);
    return out;
}

/* forward: out = sum_k (a[k] - mean)^2 / (n - c)     (c = 1 unbiased, 0 biased)
 * local:   2 (a[k] - mean) / (n - c)  (the terms through mean sum to zero)
 * so       da[k] += (2 / (n - c)) * dout * (a[k] - mean) */
KIT_PER_CPU static void var_backward(Tensor *out)
{
    Tensor *a = out->in[0];
    if (!a->grad) return;
    Reduce rd;
    reduce_plan(a, out->dim, true, &rd);
    float scale = (float)(2.0 / ((double)rd.n - (out->unbiased ? 1.0 : 0.0)));
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
    out->dim = dim;
    out->unbiased = unbiased;
    var_forward(out, a, rd, unbiased, true);
    return out;
}

/* forward: out = sqrt(var(a))
 * local:   d sqrt(v) = dv / (2 out), then var's local 2 (a[k] - mean) / (n - c)
 * so       da[k] += (2 / (n - c)) * (dout / (2 out)) * (a[k] - mean) */
KIT_PER_CPU static void std_backward(Tensor *out)
{
    Tensor *a = out->in[0];
    if (!a->grad) return;
    Reduce rd;
    reduce_plan(a, out->dim, true, &rd);
    float scale = (float)(2.0 / ((double)rd.n - (out->unbiased ? 1.0 : 0.0)));
    for (int o = 0; o < rd.outer; o++)
        for (int k = 0; k < rd.n; k++)
            for (int i = 0; i < rd.inner; i++) {
                size_t oi = (size_t)o * rd.inner + i, ai = ((size_t)o * rd.n + k) * rd.inner + i;
                float g = out->grad[oi] / (2.0f * out->data[oi]);
                a->grad[ai] += scale * g * (a->data[ai] - out->saved[oi]);
            }
}
