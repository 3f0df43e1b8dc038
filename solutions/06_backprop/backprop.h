/**
 * @file backprop.h
 * @brief Lab 06: becoming a backprop ninja (makemore part 4). The backward
 *        pass of the batchnorm MLP, written by hand: the functions you write.
 *
 * What it is: in labs 02-05 the core's autograd differentiated your forward
 * passes. Here you take its place. Exercise 1 (steps lab06.1 to lab06.7): the
 * gradient of the loss with respect to every intermediate of the chunked
 * forward (model.h), one small op at a time, from dlogprobs back to dC; the
 * driver compares each with autograd's. Exercise 2 (lab06.8): the
 * cross-entropy's backward as one formula. Exercise 3 (lab06.9): batchnorm's
 * backward as one formula. Exercise 4 (lab06.10): the whole backward from
 * those pieces, for training with no tape at all.
 * What it is not: the model, its forward or the training loop (model.h,
 * given), or fast: plain loops, in the lecture's order.
 *
 * The rule of every backward here, as in the core: it ADDS into its outputs
 * (+=). grads_alloc() and step_zeros() hand them out zeroed, and a tensor that
 * feeds two ops collects both gradients.
 *
 * Shapes: B batch (the lecture's n), T block size, C embedding size, H
 * hidden, V vocabulary (27). Arrays are row-major floats.
 * Next: labs/06_backprop/README.md, then `make lab06`.
 */
#ifndef LAB06_BACKPROP_H
#define LAB06_BACKPROP_H

#include "model.h"  // Model, Chunked, Forward, Grads

/* lab06.1  exercise 1: from the loss back to the logits ------------------- */
/**
 * @brief d->logprobs, probs, counts_sum_inv, counts_sum, counts, norm_logits,
 * logit_maxes and logits, in that order, from the values in @p f
 * (f->probs->data...) and the labels f->Y.
 */
void backward_loss(const Chunked *f, Grads *d);

/* lab06.2 to lab06.4  exercise 1: the second layer and the tanh ----------- */
/**
 * @brief lab06.2: the backward of out = x @ W + b, x [B, K], W [K, N], b [N]:
 * dx [B, K] += dout @ W^T, dW [K, N] += x^T @ dout, db [N] += dout summed over B.
 */
void linear_backward(const float *dout, const float *x, const float *W, int B, int K, int N, float *dx, float *dW,
                     float *db);
/** @brief lab06.3: the backward of h = tanh(hpreact), @p n values: dhpreact += (1 - h^2) * dh. */
void tanh_backward(const float *dh, const float *h, int n, float *dhpreact);
/** @brief lab06.4: d->h, W2, b2 (logits = h @ W2 + b2), then d->hpreact (h = tanh(hpreact)). */
void backward_layer2(const Model *m, const Chunked *f, Grads *d);

/* lab06.5  exercise 1: batchnorm, one small op at a time ------------------ */
/**
 * @brief d->bngain, bnbias, bnraw, bnvar_inv, bnvar, bndiff2, bndiff,
 * bnmeani and hprebn, following the chunked forward's eight lines backwards.
 */
void backward_batchnorm(const Model *m, const Chunked *f, Grads *d);

/* lab06.6 and lab06.7  exercise 1: the first layer and the embedding ------ */
/** @brief lab06.6: the backward of emb = C[X] for @p n indices: dC[X[i], :] += demb[i, :] (C columns). */
void embed_backward(const float *demb, const int *X, int n, int C, float *dC);
/** @brief lab06.7: d->embcat, W1, b1 (hprebn = embcat @ W1 + b1), then d->C (emb = C[X]; d->emb is d->embcat). */
void backward_layer1(const Model *m, const Chunked *f, Grads *d);

/* lab06.8  exercise 2: the cross-entropy backward in one formula ---------- */
/**
 * @brief dlogits [B, V] += (softmax(logits) - onehot(Y)) / B: the gradient of
 * the mean cross-entropy, straight from @p logits [B, V] and the labels @p Y.
 */
void cross_entropy_backward(const float *logits, const int *Y, int B, int V, float *dlogits);

/* lab06.9  exercise 3: the batchnorm backward in one formula -------------- */
/**
 * @brief dhprebn [B, H] += bngain * bnvar_inv / n * (n * dhpreact - sum_b dhpreact
 * - n/(n-1) * bnraw * sum_b (dhpreact * bnraw)), n = B, per column: the
 * gradient through batchnorm's mean, variance and normalisation at once.
 * @p bnvar_inv and @p bngain are [1, H]; the others [B, H].
 */
void batchnorm_backward(const float *dhpreact, const float *bnraw, const float *bnvar_inv, const float *bngain, int B,
                        int H, float *dhprebn);

/* lab06.10  exercise 4: the whole backward, for training ------------------ */
/**
 * @brief The gradient of f->loss with respect to every parameter of @p m, added
 * into each parameter's ->grad (zeroed by the caller), from the compact
 * forward @p f (model_forward, batch statistics) of the batch @p X [B, T],
 * @p Y [B]: your pieces assembled, with exercises 2 and 3 for the two fused
 * steps. Scratch arrays come from step_zeros(m->g, n).
 */
void manual_backward(Model *m, const Forward *f, const int *X, const int *Y, int B);

#endif /* LAB06_BACKPROP_H */
