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
 * At the end, provided (not a TODO): the fast path the driver trains with by
 * default, the same loss computed from the 27x27 count table; read it after
 * lab02.4 (the handout's section "The fast path" says why it is the same math).
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

/* ------------------------------------------------------------------------- */
/* The fast path (provided, not a TODO): the loss from the count table        */
/* ------------------------------------------------------------------------- */
/*
 * Why it is the same loss. Every pair with input x gets the same row of
 * probabilities, p[x] = softmax(W[x]), so the lecture's mean over the n pairs
 * groups into 27 x 27 repeated terms:
 *
 *   -(1/n) sum_i log p[x_i][y_i]  =  -(1/n) sum_{x,y} N[x][y] * log p[x][y]
 *
 * where N[x][y] counts the pairs (x, y): lab 01's table. Its gradient groups
 * the same way: (1/n) sum_{i: x_i = x} (p[x] - onehot(y_i)) is
 * (1/n) (rowcount[x] * p[x] - N[x]). So one step costs 27 x 27 work and
 * memory instead of n x 27 (229,804 x 27 here), and gives the same W up to
 * the order in which float sums are added (tested against the one-hot path).
 */

void nn_counts_build(NnCounts *c, const Pairs *d)
{
    long N[VOCAB * VOCAB] = {0};   // count in long, then copy: a float stops counting at 2^24
    for (int i = 0; i < d->n; i++) {
        KIT_CHECK(d->xs[i] >= 0 && d->xs[i] < VOCAB && d->ys[i] >= 0 && d->ys[i] < VOCAB,
                  "pair %d is (%d, %d), outside 0..26. HINT: build the pairs with nn_pairs_build()", i, d->xs[i], d->ys[i]);
        N[d->xs[i] * VOCAB + d->ys[i]]++;
    }
    for (int k = 0; k < VOCAB * VOCAB; k++) {
        KIT_CHECK(N[k] <= (1L << 24), "bigram %c%c occurs %ld times, more than a float counts exactly. HINT: a smaller --data file",
                  itos(k / VOCAB), itos(k % VOCAB), N[k]);
        c->N[k] = (float)N[k];
    }
    c->n = d->n;
}

Tensor *nn_loss_counts(Graph *g, Tensor *W, const NnCounts *c, float reg)
{
    KIT_CHECK(c->n > 0, "nn_loss_counts: the count table is empty. HINT: nn_counts_build() first");
    Tensor *probs = nn_softmax(W);                                   // [V, V]: row x = softmax(W[x]), the 27 distinct rows
    Tensor *N = tensor_from(g, SHAPE(VOCAB, VOCAB), c->N);           // [V, V]: a constant, no grad
    // sum_i log p[x_i][y_i], grouped: each cell's log-probability times how often it occurs
    Tensor *loglik = tensor_sum_all(tensor_mul(N, tensor_log(probs)));            // [1]
    Tensor *nll = tensor_mul_scalar(loglik, (float)(-1.0 / (double)c->n));        // [1]: -(1/n) * ...
    // + reg * (W**2).mean(), the same ops as nn_loss
    Tensor *wreg = tensor_mul_scalar(tensor_mean_all(tensor_pow(W, 2.0f)), reg);  // [1]
    return tensor_add(nll, wreg);                                                  // [1]
}

float nn_step_counts(Graph *g, Tensor *W, const NnCounts *c, float lr, float reg)
{
    Tensor *loss = nn_loss_counts(g, W, c, reg);   // [1]
    float value = tensor_item(loss);
    params_zero_grad(&W, 1);
    tensor_backward(loss);   // dW = (1/n) (rowcount[x] p[x] - N[x]) + reg * 2 W / 729, by the core
    bool was = graph_set_no_grad(g, true);
    for (int i = 0; i < W->numel; i++)
        W->data[i] += -lr * W->grad[i];
    graph_set_no_grad(g, was);
    graph_step_reset(g);   // every [V, V] tensor of this step goes; W stays
    return value;
}
