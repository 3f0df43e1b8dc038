/**
 * @file batchnorm.h
 * @brief Lab 05: batch normalization (Ioffe & Szegedy 2015, makemore part 3,
 *        second half), and the diagnostics of a deeper network.
 *
 * What it is: the functions you write, in the lecture's order.
 *  - The BN-MLP (given.h): the batchnorm forward from primitives (lab05.1),
 *    calibration over the training set (lab05.2), the running statistics
 *    (lab05.3) and evaluation mode (lab05.4).
 *  - The deeper network (given.h): the layers' forward (lab05.5), then the
 *    statistics that say whether it trains well: activation statistics
 *    (lab05.6), the grad:data ratio (lab05.7) and the update:data ratio
 *    (lab05.8).
 * What it is not: a fused or hand-written batchnorm backward (that is makemore
 * part 4): the core's autograd differentiates the primitives you compose.
 *
 * Shapes: B batch (32), T block size (3), C embedding size (10), H hidden
 * (200; 100 in the deeper net), V vocabulary (27).
 * Next: labs/05_batchnorm/README.md, then `make lab05`.
 */
#ifndef LAB05_BATCHNORM_H
#define LAB05_BATCHNORM_H

#include <stdbool.h>

#include "given.h"   // BnMlp, Layer, ActStats, the lecture's constants
#include "tensor.h"  // Tensor, the ops

/* lab05.1 ------------------------------------------------------------------ */
/**
 * @brief Batch normalization in training mode, from primitives:
 * mean = hpreact.mean(0, keepdim) [1, H], std = hpreact.std(0, keepdim)
 * (unbiased, n-1, no epsilon: as the lecture's code) [1, H], and
 * out = gain * (hpreact - mean) / std + bias [B, H].
 * @param hpreact  [B, H], B >= 2 (one example has no std)
 * @param gain     [1, H]    @param bias [1, H]
 * @param mean_out NULL, or receives the batch mean [1, H] (step arena)
 * @param std_out  NULL, or receives the batch std [1, H] (step arena)
 * @return [B, H] in the step arena; differentiable through the core.
 */
Tensor *batchnorm_train(Tensor *hpreact, Tensor *gain, Tensor *bias, Tensor **mean_out, Tensor **std_out);

/* lab05.2 ------------------------------------------------------------------ */
/**
 * @brief The mean and unbiased std of each of the H pre-activations
 * (bnmlp_hpreact) over every example of @p ds, as if the whole split were one
 * batch. Runs in no-grad mode, chunk by chunk (resets the step arena).
 * @param mean, std  H floats each, owned by the caller.
 */
void bn_calibrate(BnMlp *m, const Dataset *ds, float *mean, float *std);

/* lab05.3 ------------------------------------------------------------------ */
/**
 * @brief running = (1 - momentum) * running + momentum * batch, elementwise,
 * in place on running->data. Not part of the graph: nothing is recorded and
 * no gradient flows (the lecture's `with torch.no_grad():`).
 * @param running  a buffer [1, H]   @param batch [1, H] (same numel)
 */
void running_update(Tensor *running, const Tensor *batch, float momentum);

/* lab05.4 ------------------------------------------------------------------ */
/**
 * @brief Batch normalization in evaluation mode: out = gain * (hpreact - mean)
 * / std + bias with fixed statistics @p mean and @p std ([1, H] each), so every
 * row depends only on itself: a batch of one works.
 * @return [B, H] in the step arena.
 */
Tensor *batchnorm_eval(Tensor *hpreact, Tensor *gain, Tensor *bias, Tensor *mean, Tensor *std);

/* lab05.5 ------------------------------------------------------------------ */
/**
 * @brief One layer's forward on x [B, fan_in] -> [B, fan_out], kept in l->out.
 *  - Linear: x @ weight (+ bias).
 *  - BatchNorm1d: with @p training, mean = x.mean(0) and var = x.var(0)
 *    (unbiased) of this batch, then update running_mean and running_var
 *    in place with momentum (no grad); without, the running ones. Then
 *    xhat = (x - mean) / sqrt(var + eps) and out = gamma * xhat + beta.
 *  - Tanh: tanh(x).
 */
Tensor *layer_forward(Layer *l, Tensor *x, bool training);

/* lab05.6 ------------------------------------------------------------------ */
/** @brief mean, unbiased std and the fraction of |x| > @p thresh over @p n values (in double). */
ActStats act_stats(const float *x, long n, float thresh);

/* lab05.7 ------------------------------------------------------------------ */
/** @brief std(p.grad) / std(p.data): how big the gradient is next to the values it will change. */
double grad_data_ratio(const Tensor *p);

/* lab05.8 ------------------------------------------------------------------ */
/**
 * @brief log10(std(lr * p.grad) / std(p.data)): how much one update changes
 * p, relative to p. About -3 (a thousandth per step) is the lecture's rule of
 * thumb; much lower learns slowly, much higher is unstable.
 */
double update_data_log10(const Tensor *p, float lr);

#endif /* LAB05_BATCHNORM_H */
