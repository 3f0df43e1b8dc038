/*
 * nn.c: lab 02, the bigram model as a one-layer neural net. You write the
 * pieces in the order the lecture types them: the training set of (x, y)
 * pairs, the one-hot logits, the softmax by hand, the loss, one step of
 * gradient descent, and sampling from the trained net.
 *
 * What it is: the lecture's code, line for line, on the core's tensors. The
 * core records every op you call and tensor_backward() runs them backwards,
 * so you never write a derivative here.
 * What it is not: the loop over the whole dataset, the figures' files (given.c,
 * which calls your functions), the command line (main.c), or a faster softmax
 * (the core has a fused cross_entropy; here the lecture's by-hand version is
 * the point).
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
    KIT_TODO("lab02.1", "the (x, y) pairs of every bigram");
}

/* ------------------------------------------------------------------------- */
/* lab02.2: one-hot in, logits out                                            */
/* ------------------------------------------------------------------------- */

Tensor *nn_logits(Graph *g, Tensor *W, const int *xs, int n)
{
    // TODO(lab02.2): xenc = the one-hot rows of xs ([n, V], tensor_one_hot),
    // then logits = xenc @ W (tensor_matmul).
    KIT_TODO("lab02.2", "the logits xenc @ W with a one-hot xenc");
}

/* ------------------------------------------------------------------------- */
/* lab02.3: softmax by hand (and broadcasting)                                */
/* ------------------------------------------------------------------------- */

Tensor *nn_softmax(Tensor *logits)
{
    // TODO(lab02.3): counts = exp(logits), then probs = counts with each row
    // divided by that row's sum (tensor_sum over dim 1, then tensor_div).
    KIT_TODO("lab02.3", "softmax by hand: exp, then divide each row by its sum");
}

/* ------------------------------------------------------------------------- */
/* lab02.4: the loss                                                          */
/* ------------------------------------------------------------------------- */

Tensor *nn_loss(Tensor *probs, Tensor *W, const int *ys, float reg)
{
    // TODO(lab02.4): pick the probability of each correct next character,
    // probs[arange(n), ys] (tensor_pick), and return -mean(log of it) plus
    // reg * mean(W**2).
    KIT_TODO("lab02.4", "the loss: average NLL plus reg * mean(W^2)");
}

/* ------------------------------------------------------------------------- */
/* lab02.5: gradient descent                                                  */
/* ------------------------------------------------------------------------- */

float nn_step(Graph *g, Tensor *W, const Pairs *d, float lr, float reg)
{
    // TODO(lab02.5): forward (nn_logits, nn_softmax, nn_loss), remember the
    // loss value, zero W's grad, tensor_backward(loss), then
    // W.data += -lr * W.grad, and graph_step_reset(g). Return the loss value.
    KIT_TODO("lab02.5", "one gradient descent step: forward, backward, update");
}

/* ------------------------------------------------------------------------- */
/* lab02.6: sampling from the net                                             */
/* ------------------------------------------------------------------------- */

int nn_sample(const Tensor *W, TorchRng *g, char *out, int cap)
{
    // TODO(lab02.6): like lab 01's sampler, but each row's probabilities are
    // p = exp(W[ix]) / sum(exp(W[ix])) in float32; draw with
    // rng_multinomial_replacement, append itos(ix), stop after '.'.
    KIT_TODO("lab02.6", "sample a name from softmax(W[ix])");
}
