/*
 * batchnorm.c: Lab 05, batch normalization (makemore part 3, second half).
 *
 * What it is: the eight functions you write, in the lecture's order. For the
 * BN-MLP: the batchnorm forward from primitives (lab05.1), calibration over
 * the training set after training (lab05.2), the running statistics that
 * make that second pass unnecessary (lab05.3) and evaluation mode
 * (lab05.4). For the deeper network: its layers (lab05.5), then the
 * statistics that diagnose it: activations (lab05.6), grad:data (lab05.7)
 * and update:data (lab05.8).
 * What it is not: the models around them (given.c: read it, you do not edit
 * it), or a hand-written backward. The core differentiates the mean, std,
 * sub, div, mul and add you compose; tests/lab05_test.c checks the result
 * against finite differences.
 *
 * Next: `make lab05`, which stops at the first TODO, then `make check LAB=05`.
 */
#include "batchnorm.h"

#include <math.h>
#include <stdlib.h>

#include "kit.h"
#include "stats.h"  // stats_mean_std, stats_std

/* ------------------------------------------------------------------------- */
/* lab05.1  batchnorm in training mode, from primitives                        */
/* ------------------------------------------------------------------------- */

Tensor *batchnorm_train(Tensor *hpreact, Tensor *gain, Tensor *bias, Tensor **mean_out, Tensor **std_out)
{
    // hpreact [B, H], gain [1, H], bias [1, H] -> [B, H]
#if !SKELETON /* lab05.1 */
    KIT_CHECK(hpreact->shape.d[0] >= 2, "batchnorm_train needs a batch of at least 2 rows, got %d. "
              "HINT: one example has no std; evaluate with batchnorm_eval", hpreact->shape.d[0]);
    Tensor *mean = tensor_mean(hpreact, 0, true);       // [1, H]
    Tensor *std = tensor_std(hpreact, 0, true, true);   // [1, H] unbiased (n-1), as torch's std(0)
    // the lecture's order: bngain * (hpreact - mean) / std + bnbias
    Tensor *out = tensor_add(tensor_div(tensor_mul(gain, tensor_sub(hpreact, mean)), std), bias);  // [B, H]
    if (mean_out) *mean_out = mean;
    if (std_out) *std_out = std;
    return out;
#else
    // TODO(lab05.1): per column, mean and unbiased std over the batch (dim 0,
    // keepdim), then gain * (hpreact - mean) / std + bias. Hand back mean and std.
    KIT_TODO("lab05.1", "the batchnorm forward gain * (h - mean) / std + bias");
#endif
}

/* ------------------------------------------------------------------------- */
/* lab05.2  calibration over the training set                                  */
/* ------------------------------------------------------------------------- */

void bn_calibrate(BnMlp *m, const Dataset *ds, float *mean, float *std)
{
    // mean [H], std [H]
#if !SKELETON /* lab05.2 */
    const int H = m->n_hidden, CHUNK = 4096;
    // One pass over the data: per column the sum and the sum of squares, in
    // double. The variance then comes from (ss - n * mean^2) / (n - 1), which
    // subtracts two large numbers; in double (16 digits) that costs about
    // log10(mean^2 / var) digits, a few at most here, and the result is
    // rounded to float (7 digits) anyway. A second pass would run the
    // network over the whole split twice.
    double *s = calloc((size_t)H, sizeof(double));   // per-column sum
    double *ss = calloc((size_t)H, sizeof(double));  // per-column sum of squares
    KIT_CHECK(s && ss, "out of memory. HINT: free memory");
    bool was = graph_set_no_grad(m->g, true);
    for (int start = 0; start < ds->n; start += CHUNK) {
        int count = ds->n - start < CHUNK ? ds->n - start : CHUNK;
        Tensor *hp = bnmlp_hpreact(m, ds->X + (long)start * ds->T, count);  // [count, H]
        for (int b = 0; b < count; b++)
            for (int j = 0; j < H; j++) {
                double v = hp->data[(long)b * H + j];
                s[j] += v;
                ss[j] += v * v;
            }
        graph_step_reset(m->g);
    }
    graph_set_no_grad(m->g, was);
    double n = ds->n;
    for (int j = 0; j < H; j++) {
        double mu = s[j] / n;
        double var = (ss[j] - n * mu * mu) / (n - 1.0);  // unbiased, as torch's std(0)
        mean[j] = (float)mu;
        std[j] = (float)sqrt(var > 0 ? var : 0.0);      // rounding can leave a constant column at -1e-17
    }
    free(s);
    free(ss);
#else
    // TODO(lab05.2): run bnmlp_hpreact over ds in chunks (no-grad, reset the
    // step arena after each), add up each column's values and squares in
    // double (one pass), then write each column's mean and unbiased std.
    KIT_TODO("lab05.2", "mean and std of hpreact over the whole training set");
#endif
}

/* ------------------------------------------------------------------------- */
/* lab05.3  running statistics                                                 */
/* ------------------------------------------------------------------------- */

void running_update(Tensor *running, const Tensor *batch, float momentum)
{
    // running [1, H], batch [1, H]
#if !SKELETON /* lab05.3 */
    KIT_CHECK(running->numel == batch->numel, "running has %d values, batch %d. HINT: both are [1, H]",
              running->numel, batch->numel);
    // Writing data directly records nothing on the tape: this is no-grad by
    // construction. An exponential moving average: each batch moves the
    // estimate by 0.1 % of the way, so it forgets with a time constant of
    // 1/momentum = 1000 steps.
    float keep = 1.0f - momentum;
    for (int i = 0; i < running->numel; i++)
        running->data[i] = keep * running->data[i] + momentum * batch->data[i];
#else
    // TODO(lab05.3): in place on running->data, move each value a fraction
    // `momentum` of the way towards batch->data (no graph ops: no gradient).
    KIT_TODO("lab05.3", "the running update (1 - m) * running + m * batch");
#endif
}

/* ------------------------------------------------------------------------- */
/* lab05.4  evaluation mode                                                    */
/* ------------------------------------------------------------------------- */

Tensor *batchnorm_eval(Tensor *hpreact, Tensor *gain, Tensor *bias, Tensor *mean, Tensor *std)
{
    // hpreact [B, H] (B may be 1), gain, bias, mean, std [1, H] -> [B, H]
#if !SKELETON /* lab05.4 */
    // The same formula as training, but with fixed statistics: the output of
    // one example no longer depends on the others in its batch.
    return tensor_add(tensor_div(tensor_mul(gain, tensor_sub(hpreact, mean)), std), bias);
#else
    // TODO(lab05.4): gain * (hpreact - mean) / std + bias, with the given
    // mean and std instead of the batch's.
    KIT_TODO("lab05.4", "batchnorm with fixed (running or calibrated) statistics");
#endif
}

/* ------------------------------------------------------------------------- */
/* lab05.5  the deeper network's layers                                       */
/* ------------------------------------------------------------------------- */

Tensor *layer_forward(Layer *l, Tensor *x, bool training)
{
    // x [B, fan_in] -> [B, fan_out]
#if !SKELETON /* lab05.5 */
    Tensor *out = NULL;
    switch (l->kind) {
    case LAYER_LINEAR:
        out = tensor_matmul(x, l->weight);                         // [B, fan_out]
        if (l->bias) out = tensor_add(out, l->bias);
        break;
    case LAYER_BATCHNORM: {
        Tensor *mean, *var;                                        // [1, dim] or [dim]
        if (training) {
            mean = tensor_mean(x, 0, true);
            var = tensor_var(x, 0, true, true);                    // unbiased, as torch's x.var(0)
        } else {
            mean = l->running_mean;
            var = l->running_var;
        }
        Tensor *xhat = tensor_div(tensor_sub(x, mean), tensor_sqrt(tensor_add_scalar(var, l->eps)));
        out = tensor_add(tensor_mul(l->gamma, xhat), l->beta);     // [B, dim]
        if (training) {  // no grad: raw data, nothing on the tape
            float keep = 1.0f - l->momentum;
            for (int i = 0; i < l->fan_out; i++) {
                l->running_mean->data[i] = keep * l->running_mean->data[i] + l->momentum * mean->data[i];
                l->running_var->data[i] = keep * l->running_var->data[i] + l->momentum * var->data[i];
            }
        }
        break;
    }
    case LAYER_TANH:
        out = tensor_tanh(x);
        break;
    default:
        KIT_ERROR("layer kind %d unknown. HINT: LAYER_LINEAR, LAYER_BATCHNORM or LAYER_TANH", (int)l->kind);
    }
    l->out = out;
    return out;
#else
    // TODO(lab05.5): by l->kind: Linear x @ weight (+ bias); BatchNorm1d with
    // batch mean/var (training, then update the running ones with momentum)
    // or the running ones, eps inside the sqrt; Tanh. Keep the result in l->out.
    KIT_TODO("lab05.5", "the forward of Linear, BatchNorm1d and Tanh layers");
#endif
}

/* ------------------------------------------------------------------------- */
/* lab05.6  activation statistics                                              */
/* ------------------------------------------------------------------------- */

ActStats act_stats(const float *x, long n, float thresh)
{
    // x [n]: a layer's outputs (or their gradients), flattened
#if !SKELETON /* lab05.6 */
    ActStats st = {0.0, 0.0, 0.0};
    stats_mean_std(x, n, &st.mean, &st.std);  // the core's two-pass, unbiased, in double
    long sat = 0;
    for (long i = 0; i < n; i++) sat += fabsf(x[i]) > thresh;
    st.saturated = n > 0 ? (double)sat / n : 0.0;
    return st;
#else
    // TODO(lab05.6): the mean and unbiased std of x (stats.h has them), and
    // the fraction of values with |x| > thresh: (t.abs() > 0.97).float().mean().
    KIT_TODO("lab05.6", "act_stats: mean, std and saturation of a layer's outputs");
#endif
}

/* ------------------------------------------------------------------------- */
/* lab05.7  gradient to data                                                   */
/* ------------------------------------------------------------------------- */

double grad_data_ratio(const Tensor *p)
{
#if !SKELETON /* lab05.7 */
    KIT_CHECK(p->grad != NULL, "grad_data_ratio of a tensor without grad. HINT: pass a parameter after backward");
    return stats_std(p->grad, p->numel) / stats_std(p->data, p->numel);
#else
    // TODO(lab05.7): std of p->grad over std of p->data (stats_std, stats.h).
    KIT_TODO("lab05.7", "grad_data_ratio std(grad) / std(data)");
#endif
}

/* ------------------------------------------------------------------------- */
/* lab05.8  update to data                                                     */
/* ------------------------------------------------------------------------- */

double update_data_log10(const Tensor *p, float lr)
{
#if !SKELETON /* lab05.8 */
    KIT_CHECK(p->grad != NULL, "update_data_log10 of a tensor without grad. HINT: pass a parameter after backward");
    // the update is -lr * grad; std(lr * grad) = lr * std(grad)
    return log10((double)lr * stats_std(p->grad, p->numel) / stats_std(p->data, p->numel));
#else
    // TODO(lab05.8): log10 of std(lr * grad) over std(data): the
    // lecture's ((lr * p.grad).std() / p.data.std()).log10().
    KIT_TODO("lab05.8", "update_data_log10 log10(std(lr*grad) / std(data))");
#endif
}
