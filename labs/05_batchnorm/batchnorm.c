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
    // TODO(lab05.1): per column, mean and unbiased std over the batch (dim 0,
    // keepdim), then gain * (hpreact - mean) / std + bias. Hand back mean and std.
    KIT_TODO("lab05.1", "the batchnorm forward gain * (h - mean) / std + bias");
}

/* ------------------------------------------------------------------------- */
/* lab05.2  calibration over the training set                                  */
/* ------------------------------------------------------------------------- */

void bn_calibrate(BnMlp *m, const Dataset *ds, float *mean, float *std)
{
    // mean [H], std [H]
    // TODO(lab05.2): run bnmlp_hpreact over ds in chunks (no-grad, reset the
    // step arena after each), add up each column's values and squares in
    // double (one pass), then write each column's mean and unbiased std.
    KIT_TODO("lab05.2", "mean and std of hpreact over the whole training set");
}

/* ------------------------------------------------------------------------- */
/* lab05.3  running statistics                                                 */
/* ------------------------------------------------------------------------- */

void running_update(Tensor *running, const Tensor *batch, float momentum)
{
    // running [1, H], batch [1, H]
    // TODO(lab05.3): in place on running->data, move each value a fraction
    // `momentum` of the way towards batch->data (no graph ops: no gradient).
    KIT_TODO("lab05.3", "the running update (1 - m) * running + m * batch");
}

/* ------------------------------------------------------------------------- */
/* lab05.4  evaluation mode                                                    */
/* ------------------------------------------------------------------------- */

Tensor *batchnorm_eval(Tensor *hpreact, Tensor *gain, Tensor *bias, Tensor *mean, Tensor *std)
{
    // hpreact [B, H] (B may be 1), gain, bias, mean, std [1, H] -> [B, H]
    // TODO(lab05.4): gain * (hpreact - mean) / std + bias, with the given
    // mean and std instead of the batch's.
    KIT_TODO("lab05.4", "batchnorm with fixed (running or calibrated) statistics");
}

/* ------------------------------------------------------------------------- */
/* lab05.5  the deeper network's layers                                       */
/* ------------------------------------------------------------------------- */

Tensor *layer_forward(Layer *l, Tensor *x, bool training)
{
    // x [B, fan_in] -> [B, fan_out]
    // TODO(lab05.5): by l->kind: Linear x @ weight (+ bias); BatchNorm1d with
    // batch mean/var (training, then update the running ones with momentum)
    // or the running ones, eps inside the sqrt; Tanh. Keep the result in l->out.
    KIT_TODO("lab05.5", "the forward of Linear, BatchNorm1d and Tanh layers");
}

/* ------------------------------------------------------------------------- */
/* lab05.6  activation statistics                                              */
/* ------------------------------------------------------------------------- */

ActStats act_stats(const float *x, long n, float thresh)
{
    // x [n]: a layer's outputs (or their gradients), flattened
    // TODO(lab05.6): the mean and unbiased std of x (stats.h has them), and
    // the fraction of values with |x| > thresh: (t.abs() > 0.97).float().mean().
    KIT_TODO("lab05.6", "act_stats: mean, std and saturation of a layer's outputs");
}

/* ------------------------------------------------------------------------- */
/* lab05.7  gradient to data                                                   */
/* ------------------------------------------------------------------------- */

double grad_data_ratio(const Tensor *p)
{
    // TODO(lab05.7): std of p->grad over std of p->data (stats_std, stats.h).
    KIT_TODO("lab05.7", "grad_data_ratio std(grad) / std(data)");
}

/* ------------------------------------------------------------------------- */
/* lab05.8  update to data                                                     */
/* ------------------------------------------------------------------------- */

double update_data_log10(const Tensor *p, float lr)
{
    // TODO(lab05.8): log10 of std(lr * grad) over std(data): the
    // lecture's ((lr * p.grad).std() / p.data.std()).log10().
    KIT_TODO("lab05.8", "update_data_log10 log10(std(lr*grad) / std(data))");
}
