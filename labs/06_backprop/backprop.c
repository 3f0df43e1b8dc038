/*
 * backprop.c: Lab 06, becoming a backprop ninja (makemore part 4).
 *
 * What it is: only what you write, in the lecture's order. Exercise 1, the
 * chunked forward backwards, one small op at a time: the loss back to the
 * logits (lab06.1), a linear layer's backward (lab06.2), tanh's (lab06.3),
 * the second layer and tanh with them (lab06.4), batchnorm (lab06.5), the
 * embedding's backward (lab06.6), the first layer and the embedding
 * (lab06.7). Exercise 2, the cross-entropy backward in one formula
 * (lab06.8). Exercise 3, the batchnorm backward in one formula (lab06.9).
 * Exercise 4, the whole backward for training, from your pieces (lab06.10).
 * What it is not: the model, its forward, the comparison with autograd or the
 * training loop: model.c (given; read it, do not edit it).
 *
 * Every function here ADDS into its outputs (+=), as the core's backwards do:
 * the arrays come zeroed, and a tensor that feeds two ops (counts, bndiff,
 * hprebn...) collects the gradient of both. Each step quotes its forward line
 * and names the local derivative.
 *
 * Next: `make lab06`, which stops at the first TODO, then `make check LAB=06`.
 */
#include "backprop.h"

#include <math.h>

#include "kit.h"

/* ------------------------------------------------------------------------- */
/* Exercise 1: backprop through the chunked forward, one op at a time        */
/* ------------------------------------------------------------------------- */

/* lab06.1  the loss back to the logits                                      */
void backward_loss(const Chunked *f, Grads *d)
{
    // logprobs, probs, counts, norm_logits, logits [B, V]; counts_sum, counts_sum_inv, logit_maxes [B, 1]
    // TODO(lab06.1): from loss = -logprobs[range(n), Y].mean() back to the
    // logits: dlogprobs, dprobs, dcounts_sum_inv, dcounts_sum, dcounts,
    // dnorm_logits, dlogit_maxes, dlogits, into d (counts and logits get two).
    KIT_TODO("lab06.1", "backward_loss: the gradients from dlogprobs back to dlogits");
}

/* lab06.2  a linear layer's backward                                        */
void linear_backward(const float *dout, const float *x, const float *W, int B, int K, int N, float *dx, float *dW,
                     float *db)
{
    // dout [B, N], x [B, K], W [K, N] -> dx [B, K], dW [K, N], db [N]
    // TODO(lab06.2): the backward of out = x @ W + b: dx += dout @ W^T,
    // dW += x^T @ dout, db += dout summed over the batch.
    KIT_TODO("lab06.2", "linear_backward: dx, dW and db of x @ W + b");
}

/* lab06.3  tanh's backward                                                  */
void tanh_backward(const float *dh, const float *h, int n, float *dhpreact)
{
    // TODO(lab06.3): the backward of h = tanh(hpreact), from h itself.
    KIT_TODO("lab06.3", "tanh_backward: dhpreact from dh and h");
}

/* lab06.4  the second layer and the tanh                                    */
void backward_layer2(const Model *m, const Chunked *f, Grads *d)
{
    // logits [B, V] = h [B, H] @ W2 [H, V] + b2 [V];  h = tanh(hpreact) [B, H]
    // TODO(lab06.4): dh, dW2, db2 with linear_backward, then dhpreact with
    // tanh_backward.
    KIT_TODO("lab06.4", "backward_layer2: dh, dW2, db2 and dhpreact");
}

/* lab06.5  batchnorm, one small op at a time                                */
void backward_batchnorm(const Model *m, const Chunked *f, Grads *d)
{
    // hpreact, bnraw, bndiff, bndiff2, hprebn [B, H]; bngain, bnbias, bnvar_inv, bnvar, bnmeani [1, H]
    // TODO(lab06.5): follow the batchnorm's eight forward lines backwards:
    // dbngain, dbnbias, dbnraw, dbnvar_inv, dbnvar, dbndiff2, dbndiff (two
    // paths), dbnmeani, dhprebn (two paths), into d.
    KIT_TODO("lab06.5", "backward_batchnorm: the gradients from dbngain back to dhprebn");
}

/* lab06.6  the embedding's backward                                         */
void embed_backward(const float *demb, const int *X, int n, int C, float *dC)
{
    // demb [n, C] (n = B*T lookups), X [n] -> dC [V, C]
    // TODO(lab06.6): the backward of emb = C[X]: add each row of demb into
    // the row of dC that it was looked up from.
    KIT_TODO("lab06.6", "embed_backward: dC from demb");
}

/* lab06.7  the first layer and the embedding                                */
void backward_layer1(const Model *m, const Chunked *f, Grads *d)
{
    // hprebn [B, H] = embcat [B, T*C] @ W1 [T*C, H] + b1 [H];  embcat = C[X].view(B, T*C)
    // TODO(lab06.7): dembcat, dW1, db1 with linear_backward, then dC with
    // embed_backward (demb is dembcat: the same floats).
    KIT_TODO("lab06.7", "backward_layer1: dembcat, dW1, db1 and dC");
}

/* ------------------------------------------------------------------------- */
/* Exercise 2: the cross-entropy backward in one formula                     */
/* ------------------------------------------------------------------------- */

void cross_entropy_backward(const float *logits, const int *Y, int B, int V, float *dlogits)
{
    // logits [B, V], Y [B] -> dlogits [B, V]
    // TODO(lab06.8): dlogits = softmax(logits) per row, minus 1 at each
    // row's label, divided by B (stable softmax: subtract the row's max).
    KIT_TODO("lab06.8", "cross_entropy_backward: dlogits in one formula");
}

/* ------------------------------------------------------------------------- */
/* Exercise 3: the batchnorm backward in one formula                         */
/* ------------------------------------------------------------------------- */

void batchnorm_backward(const float *dhpreact, const float *bnraw, const float *bnvar_inv, const float *bngain, int B,
                        int H, float *dhprebn)
{
    // dhpreact, bnraw [B, H]; bnvar_inv, bngain [1, H] -> dhprebn [B, H]
    // TODO(lab06.9): per column j, dhprebn = bngain * bnvar_inv / n *
    // (n * dhpreact - sum(dhpreact) - n/(n-1) * bnraw * sum(dhpreact * bnraw)),
    // the sums over the batch.
    KIT_TODO("lab06.9", "batchnorm_backward: dhprebn in one formula");
}

/* ------------------------------------------------------------------------- */
/* Exercise 4: the whole backward, for training with no tape                 */
/* ------------------------------------------------------------------------- */

void manual_backward(Model *m, const Forward *f, const int *X, const int *Y, int B)
{
    // the gradients of every parameter, added into m->C->grad ... m->bnbias->grad
    // TODO(lab06.10): dlogits (exercise 2), then W2, b2, tanh, bngain and
    // bnbias, dhprebn (exercise 3), W1, b1 and C, into each parameter's
    // ->grad; scratch arrays from step_zeros(m->g, n).
    KIT_TODO("lab06.10", "manual_backward: every parameter's gradient from your pieces");
}
