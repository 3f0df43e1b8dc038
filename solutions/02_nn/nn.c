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
    KIT_TODO("lab02.1", "the (x, y) pairs of every bigram");
#endif
}

/* ------------------------------------------------------------------------- */
/* lab02.2: one-hot in, logits out                                            */
/* ------------------------------------------------------------------------- */

Tensor *nn_logits(Graph *g, Tensor *W, const int *xs, int n)
{
#if !SKELETON /* lab02.2 */
    Tensor *xenc = tensor_one_hot(g, xs, n, VOCAB);   // [n, V]: a 1 at column xs[i]
    return tensor_matmul(xenc, W);                    // [n, V] @ [V, V] -> [n, V]
#else
    // TODO(lab02.2): xenc = the one-hot rows of xs ([n, V], tensor_one_hot),
    // then logits = xenc @ W (tensor_matmul).
    KIT_TODO("lab02.2", "the logits xenc @ W with a one-hot xenc");
#endif
}

/* ------------------------------------------------------------------------- */
/* lab02.3: softmax by hand (and broadcasting)                                */
/* ------------------------------------------------------------------------- */

Tensor *nn_softmax(Tensor *logits)
{
#if !SKELETON /* lab02.3 */
    // logits are log-counts: exp makes them positive "counts", like lab 01's N
    Tensor *counts = tensor_exp(logits);                           // [n, V]
    // and normalising each row turns counts into a distribution, like lab 01's P.
    // keepdim: the sums stay a column [n, 1], which broadcasts along each row.
    Tensor *rowsum = tensor_sum(counts, 1, true);                  // [n, 1]
    return tensor_div(counts, rowsum);                             // [n, V] / [n, 1] -> [n, V]
#else
    // TODO(lab02.3): counts = exp(logits), then probs = counts with each row
    // divided by that row's sum (tensor_sum over dim 1, then tensor_div).
    KIT_TODO("lab02.3", "softmax by hand: exp, then divide each row by its sum");
#endif
}

/* ------------------------------------------------------------------------- */
/* lab02.4: the loss                                                          */
/* ------------------------------------------------------------------------- */

Tensor *nn_loss(Tensor *probs, Tensor *W, const int *ys, float reg)
{
#if !SKELETON /* lab02.4 */
    Tensor *p = tensor_pick(probs, ys);                            // [n]: probs[arange(n), ys]
    Tensor *nll = tensor_neg(tensor_mean_all(tensor_log(p)));      // [1]: -log(p).mean()
    // + reg * (W**2).mean(): small weights make every row close to uniform
    Tensor *wreg = tensor_mul_scalar(tensor_mean_all(tensor_pow(W, 2.0f)), reg);   // [1]
    return tensor_add(nll, wreg);                                  // [1]
#else
    // TODO(lab02.4): pick the probability of each correct next character,
    // probs[arange(n), ys] (tensor_pick), and return -mean(log of it) plus
    // reg * mean(W**2).
    KIT_TODO("lab02.4", "the loss: average NLL plus reg * mean(W^2)");
#endif
}

/* ------------------------------------------------------------------------- */
/* lab02.5: gradient descent                                                  */
/* ------------------------------------------------------------------------- */

float nn_step(Graph *g, Tensor *W, const Pairs *d, float lr, float reg)
{
#if !SKELETON /* lab02.5 */
    // forward pass
    Tensor *probs = nn_softmax(nn_logits(g, W, d->xs, d->n));     // [n, V]
    Tensor *loss = nn_loss(probs, W, d->ys, reg);                  // [1]
    float value = tensor_item(loss);

    // backward pass: gradients accumulate with +=, so zero them first (W.grad = None)
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
    // TODO(lab02.5): forward (nn_logits, nn_softmax, nn_loss), remember the
    // loss value, zero W's grad, tensor_backward(loss), then
    // W.data += -lr * W.grad, and graph_step_reset(g). Return the loss value.
    KIT_TODO("lab02.5", "one gradient descent step: forward, backward, update");
#endif
}

/* ------------------------------------------------------------------------- */
/* lab02.6: sampling from the net                                             */
/* ------------------------------------------------------------------------- */

int nn_sample(const Tensor *W, TorchRng *g, char *out, int cap)
{
#if !SKELETON /* lab02.6 */
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
    // TODO(lab02.6): like lab 01's sampler, but each row's probabilities are
    // p = exp(W[ix]) / sum(exp(W[ix])) in float32; draw with
    // rng_multinomial_replacement, append itos(ix), stop after '.'.
    KIT_TODO("lab02.6", "sample a name from softmax(W[ix])");
#endif
}
