/*
 * nn.c: lab 02, the bigram model as a one-layer neural net. You write the
 * pieces in the order the lecture builds them: the training set of (x, y)
 * pairs, the forward pass (one-hot, matmul, exp, normalise), the loss, and
 * gradient descent followed by sampling.
 *
 * What it is: the lecture's code, line for line, on the core's tensors. The
 * core records every op you call and tensor_backward() runs them backwards,
 * so you never write a derivative here.
 * What it is not: the driver (main.c) or a faster softmax (the core has a
 * fused cross_entropy; here the lecture's by-hand version is the point).
 *
 * Shapes: V = 27, n = number of pairs.
 *   xs, ys [n]; xenc, logits, counts, probs [n, V]; W [V, V]; loss [1].
 *
 * Next: fill in each TODO in order, then `make check LAB=02` and `make lab02`.
 */
#include "nn.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kit.h"   // KIT_TODO, KIT_CHECK

/* ------------------------------------------------------------------------- */
/* lab02.1: the training set                                                  */
/* ------------------------------------------------------------------------- */

void nn_pairs_build(Pairs *p, const Words *w)
{
    // TODO(lab02.1): count the pairs (sum of len + 1 over the words), malloc
    // p->xs and p->ys with room for that many, and fill them with the bigrams of
    // '.' + w + '.' in order: xs[k] = stoi(first), ys[k] = stoi(second).
    (void)p; (void)w;
    KIT_TODO("lab02.1", "the (x, y) pairs of every bigram");
}

/* Provided, not a TODO: whatever nn_pairs_build allocated goes back here. */
void nn_pairs_free(Pairs *p)
{
    if (!p) return;
    free(p->xs);
    free(p->ys);
    p->xs = p->ys = NULL;
    p->n = 0;
}

/* ------------------------------------------------------------------------- */
/* lab02.2: the forward pass                                                  */
/* ------------------------------------------------------------------------- */

Tensor *nn_logits_onehot(Graph *g, Tensor *W, const int *xs, int n)
{
    // TODO(lab02.2): xenc = one-hot of xs ([n, V], tensor_one_hot), then
    // logits = xenc @ W (tensor_matmul).
    (void)g; (void)W; (void)xs; (void)n;
    KIT_TODO("lab02.2", "the logits xenc @ W with a one-hot xenc");
}

Tensor *nn_logits_gather(Tensor *W, const int *xs, int n)
{
    // TODO(lab02.2): the same logits as a row lookup: W[xs] with tensor_embed
    // (indices of shape [n], so the result is [n, V]).
    (void)W; (void)xs; (void)n;
    KIT_TODO("lab02.2", "the logits as the row gather W[xs]");
}

Tensor *nn_softmax(Tensor *logits)
{
    // TODO(lab02.2): counts = exp(logits), then probs = counts divided by each
    // row's sum (tensor_sum over dim 1, keeping it, then tensor_div).
    (void)logits;
    KIT_TODO("lab02.2", "softmax by hand: exp, then divide by the row sums");
}

/* ------------------------------------------------------------------------- */
/* lab02.3: the loss                                                          */
/* ------------------------------------------------------------------------- */

Tensor *nn_loss(Tensor *probs, Tensor *W, const int *ys, float reg)
{
    // TODO(lab02.3): pick the probability of each correct next character,
    // probs[arange(n), ys] (tensor_pick), and return -mean(log of it) plus
    // reg * mean(W**2).
    (void)probs; (void)W; (void)ys; (void)reg;
    KIT_TODO("lab02.3", "the loss: average NLL plus reg * mean(W^2)");
}

/* ------------------------------------------------------------------------- */
/* lab02.4: gradient descent, then sampling                                   */
/* ------------------------------------------------------------------------- */

float nn_step(Graph *g, Tensor *W, const Pairs *d, float lr, float reg, NnForward path)
{
    // TODO(lab02.4): forward (probs along @p path, see NnForward; then nn_loss),
    // remember the loss value, zero W's grad, tensor_backward(loss), then
    // W.data += -lr * W.grad, and graph_step_reset(g). Return the loss value.
    (void)g; (void)W; (void)d; (void)lr; (void)reg; (void)path;
    KIT_TODO("lab02.4", "one gradient descent step: forward, backward, update");
}

int nn_sample(const Tensor *W, TorchRng *g, char *out, int cap)
{
    // TODO(lab02.4): like lab 01's sampler, but each row's probabilities are
    // p = exp(W[ix]) / sum(exp(W[ix])) in float32; draw with
    // rng_multinomial_replacement, append itos(ix), stop after '.'.
    (void)W; (void)g; (void)out; (void)cap;
    KIT_TODO("lab02.4", "sample a name from softmax(W[ix])");
}
