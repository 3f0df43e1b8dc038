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
#if !SKELETON /* lab02.1 */
    // first count, so the two arrays are allocated once: a word of length L
    // gives L + 1 pairs ('.' before it and '.' after it)
    long n = 0;
    for (int i = 0; i < w->n; i++) n += (long)strlen(w->words[i]) + 1;
    KIT_CHECK(n > 0 && n < 2147483647L, "%ld pairs: the words list is empty or huge. HINT: check the --data file", n);
    p->n = (int)n;
    p->xs = malloc((size_t)n * sizeof *p->xs);
    p->ys = malloc((size_t)n * sizeof *p->ys);
    KIT_CHECK(p->xs && p->ys, "out of memory for %ld pairs. HINT: a smaller --data file", n);
    int k = 0;
    for (int i = 0; i < w->n; i++) {
        const char *name = w->words[i];
        int len = (int)strlen(name);
        int prev = 0;                                   // '.' opens the name
        for (int t = 0; t <= len; t++) {
            int next = t < len ? stoi(name[t]) : 0;     // and closes it
            KIT_CHECK(next >= 0, "word %d (\"%s\") has character '%c' outside a-z. HINT: load words with words_load()",
                      i, name, name[t]);
            p->xs[k] = prev;
            p->ys[k] = next;
            k++;
            prev = next;
        }
    }
#else
    // TODO(lab02.1): count the pairs (sum of len + 1 over the words), malloc
    // p->xs and p->ys with room for that many, and fill them with the bigrams of
    // '.' + w + '.' in order: xs[k] = stoi(first), ys[k] = stoi(second).
    (void)p; (void)w;
    KIT_TODO("lab02.1", "the (x, y) pairs of every bigram");
#endif
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
#if !SKELETON /* lab02.2 */
    Tensor *xenc = tensor_one_hot(g, xs, n, VOCAB);   // [n, V]: a 1 at column xs[i]
    return tensor_matmul(xenc, W);                    // [n, V] @ [V, V] -> [n, V]
#else
    // TODO(lab02.2): xenc = one-hot of xs ([n, V], tensor_one_hot), then
    // logits = xenc @ W (tensor_matmul).
    (void)g; (void)W; (void)xs; (void)n;
    KIT_TODO("lab02.2", "the logits xenc @ W with a one-hot xenc");
#endif
}

Tensor *nn_logits_gather(Tensor *W, const int *xs, int n)
{
#if !SKELETON /* lab02.2 */
    // W[xs]: row i of the result is row xs[i] of W, what the one-hot product computes
    return tensor_embed(W, xs, SHAPE(n));             // [n] indices into [V, V] -> [n, V]
#else
    // TODO(lab02.2): the same logits as a row lookup: W[xs] with tensor_embed
    // (indices of shape [n], so the result is [n, V]).
    (void)W; (void)xs; (void)n;
    KIT_TODO("lab02.2", "the logits as the row gather W[xs]");
#endif
}

Tensor *nn_softmax(Tensor *logits)
{
#if !SKELETON /* lab02.2 */
    // logits are log-counts: exp makes them positive "counts", like lab 01's N
    Tensor *counts = tensor_exp(logits);                           // [n, V]
    // and normalising each row turns counts into a distribution, like lab 01's P
    Tensor *rowsum = tensor_sum(counts, 1, true);                  // [n, 1]
    return tensor_div(counts, rowsum);                             // [n, V] / [n, 1] -> [n, V]
#else
    // TODO(lab02.2): counts = exp(logits), then probs = counts divided by each
    // row's sum (tensor_sum over dim 1, keeping it, then tensor_div).
    (void)logits;
    KIT_TODO("lab02.2", "softmax by hand: exp, then divide by the row sums");
#endif
}

/* ------------------------------------------------------------------------- */
/* lab02.3: the loss                                                          */
/* ------------------------------------------------------------------------- */

Tensor *nn_loss(Tensor *probs, Tensor *W, const int *ys, float reg)
{
#if !SKELETON /* lab02.3 */
    Tensor *p = tensor_pick(probs, ys);                            // [n]: probs[arange(n), ys]
    Tensor *nll = tensor_neg(tensor_mean_all(tensor_log(p)));      // [1]: -log(p).mean()
    // + reg * (W**2).mean(): small weights make every row close to uniform
    Tensor *wreg = tensor_mul_scalar(tensor_mean_all(tensor_pow(W, 2.0f)), reg);   // [1]
    return tensor_add(nll, wreg);                                  // [1]
#else
    // TODO(lab02.3): pick the probability of each correct next character,
    // probs[arange(n), ys] (tensor_pick), and return -mean(log of it) plus
    // reg * mean(W**2).
    (void)probs; (void)W; (void)ys; (void)reg;
    KIT_TODO("lab02.3", "the loss: average NLL plus reg * mean(W^2)");
#endif
}

/* ------------------------------------------------------------------------- */
/* lab02.4: gradient descent, then sampling                                   */
/* ------------------------------------------------------------------------- */

float nn_step(Graph *g, Tensor *W, const Pairs *d, float lr, float reg, NnForward path)
{
#if !SKELETON /* lab02.4 */
    // forward pass: three routes to the same probs [n, V]
    Tensor *probs;
    if (path == NN_ONEHOT)
        probs = nn_softmax(nn_logits_onehot(g, W, d->xs, d->n));   // the lecture's code
    else if (path == NN_GATHER)
        probs = nn_softmax(nn_logits_gather(W, d->xs, d->n));      // W[xs]: no one-hot matrix
    else
        // row i of probs depends only on xs[i], which takes 27 values: normalise
        // the 27 rows of W once ([V, V]) and gather, instead of n times
        probs = tensor_embed(nn_softmax(W), d->xs, SHAPE(d->n));
    Tensor *loss = nn_loss(probs, W, d->ys, reg);                  // [1]
    float value = tensor_item(loss);

    // backward pass: gradients accumulate with +=, so zero them first
    params_zero_grad(&W, 1);
    tensor_backward(loss);

    // update: W.data += -lr * W.grad (outside autograd: the update is not part of the model)
    bool was = graph_set_no_grad(g, true);
    for (int i = 0; i < W->numel; i++)
        W->data[i] += -lr * W->grad[i];
    graph_set_no_grad(g, was);

    graph_step_reset(g);   // every [n, V] tensor of this step goes; W stays
    return value;
#else
    // TODO(lab02.4): forward (probs along @p path, see NnForward; then nn_loss),
    // remember the loss value, zero W's grad, tensor_backward(loss), then
    // W.data += -lr * W.grad, and graph_step_reset(g). Return the loss value.
    (void)g; (void)W; (void)d; (void)lr; (void)reg; (void)path;
    KIT_TODO("lab02.4", "one gradient descent step: forward, backward, update");
#endif
}

int nn_sample(const Tensor *W, TorchRng *g, char *out, int cap)
{
#if !SKELETON /* lab02.4 */
    KIT_CHECK(cap >= 2, "nn_sample needs room for at least 2 characters, got %d. HINT: pass a bigger buffer", cap);
    int len = 0;
    int ix = 0;
    while (len < cap - 1) {
        // p = softmax(one_hot([ix]) @ W): the one-hot product is row ix of W
        const float *logits = W->data + (long)ix * VOCAB;   // [V]
        float p[VOCAB];
        float sum = 0.0f;
        for (int j = 0; j < VOCAB; j++) {
            p[j] = expf(logits[j]);   // counts
            sum += p[j];
        }
        for (int j = 0; j < VOCAB; j++) p[j] = p[j] / sum;   // probs, in float32 like torch
        int next;
        KIT_CHECK(rng_multinomial_replacement(g, p, VOCAB, 1, &next) == 0,
                  "row %d of softmax(W) is not a distribution (NaN or inf?). HINT: did training diverge? try a smaller --lr", ix);
        ix = next;
        out[len++] = itos(ix);
        if (ix == 0) break;
    }
    out[len] = '\0';
    return len;
#else
    // TODO(lab02.4): like lab 01's sampler, but each row's probabilities are
    // p = exp(W[ix]) / sum(exp(W[ix])) in float32; draw with
    // rng_multinomial_replacement, append itos(ix), stop after '.'.
    (void)W; (void)g; (void)out; (void)cap;
    KIT_TODO("lab02.4", "sample a name from softmax(W[ix])");
#endif
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
