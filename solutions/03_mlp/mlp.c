/**
 * @file mlp.c
 * @brief Lab 03: the MLP of Bengio et al. 2003 (makemore part 2). You write
 *        the dataset, the forward pass, the loss, overfitting one batch, the
 *        training step, the learning-rate search, the schedule, evaluation and
 *        sampling; the core does backward.
 *
 * What it is not: fast or clever. Every tensor op comes from common/tensor.h
 * (its backward sits under its forward in tensor.c); the random numbers are
 * torch's, from common/rng.h, so seed 2147483647 gives the lecture's weights
 * and minibatches. Not here: the model's parameters and the forward pass that
 * chains your layers (given.c), the command line, logs and checkpoints (main.c).
 *
 * Work through the TODOs in order, lab03.1 to lab03.12; after each one run
 * `make check LAB=03` and watch that step turn OK. Shapes use the legend of
 * tensor.h: B batch, T block size, C embedding size, H hidden, V = 27.
 */
#include "mlp.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kit.h"        // KIT_CHECK, KIT_TODO
#include "minibatch.h"  // split_loss

/* ========================================================================= */
/* The dataset                                                               */
/* ========================================================================= */

void build_dataset(Dataset *ds, const Words *w, int T)
{
#if !SKELETON /* lab03.1 */
    KIT_CHECK(T >= 1, "build_dataset: block size %d must be at least 1. HINT: pass --block 3.", T);
    // First count, so X and Y are allocated once: a word of length L gives
    // L + 1 examples (its L letters, then the '.' that ends it).
    long n = 0;
    for (int i = 0; i < w->n; i++)
        n += (long)strlen(w->words[i]) + 1;
    ds->T = T;
    ds->n = (int)n;
    ds->X = NULL;
    ds->Y = NULL;
    if (n == 0)
        return;
    ds->X = malloc((size_t)n * (size_t)T * sizeof *ds->X);  // [n, T]
    ds->Y = malloc((size_t)n * sizeof *ds->Y);               // [n]
    int *context = malloc((size_t)T * sizeof *context);      // [T]
    KIT_CHECK(ds->X && ds->Y && context,
              "build_dataset: out of memory for %ld examples. HINT: use a smaller words file.", n);

    long e = 0;
    for (int i = 0; i < w->n; i++) {
        const char *word = w->words[i];
        size_t len = strlen(word);
        for (int t = 0; t < T; t++)
            context[t] = 0;  // "..." : every name starts after the '.' token
        for (size_t j = 0; j <= len; j++) {
            int ix = j < len ? stoi(word[j]) : 0;  // the last target is '.', the end
            KIT_CHECK(ix >= 0, "build_dataset: '%s' has character '%c', not in a-z. "
                      "HINT: load words with words_load(), which refuses such lines.", word, word[j]);
            memcpy(ds->X + e * T, context, (size_t)T * sizeof *context);
            ds->Y[e] = ix;
            e++;
            // context = context[1:] + [ix]: slide the window one character on.
            memmove(context, context + 1, (size_t)(T - 1) * sizeof *context);
            context[T - 1] = ix;
        }
    }
    free(context);
#else
    // TODO(lab03.1): count the examples (a word of length L gives L+1), malloc X [n, T]
    // and Y [n], then for each word slide a context window starting at "..." over word + '.'.
    KIT_TODO("lab03.1", "build_dataset: the (context, next character) examples");
#endif
}

/* ========================================================================= */
/* The forward pass: embedding, hidden layer, output layer                   */
/* ========================================================================= */

Tensor *mlp_embed(const Mlp *m, const int *X, int B)
{
#if !SKELETON /* lab03.2 */
    // emb = C[X]: each of the B*T context characters picks its row of C.
    Tensor *emb = tensor_embed(m->C, X, SHAPE(B, m->T));      // [B, T, C]
    // emb.view(-1, T*C): the T vectors of one example are already adjacent in
    // memory (row-major), so concatenating them is only a new shape, no copy.
    return tensor_view(emb, SHAPE(B, m->T * m->n_embd));      // [B, T*C]
#else
    // TODO(lab03.2): look up each context character's row of C (emb = C[X], [B, T, C])
    // and flatten it to [B, T*C] with a view (no copy).
    KIT_TODO("lab03.2", "the embedding lookup emb = C[X] and its view");
#endif
}

Tensor *mlp_hidden(const Mlp *m, Tensor *x)
{
#if !SKELETON /* lab03.3 */
    // x [B, T*C] @ W1 [T*C, H] -> [B, H]; + b1 [H] broadcasts over the rows.
    Tensor *hpre = tensor_add(tensor_matmul(x, m->W1), m->b1);  // [B, H]
    return tensor_tanh(hpre);                                    // [B, H], in (-1, 1)
#else
    // TODO(lab03.3): h = tanh(x @ W1 + b1), from x [B, T*C] to h [B, H].
    KIT_TODO("lab03.3", "the hidden layer h = tanh(x @ W1 + b1)");
#endif
}

Tensor *mlp_output(const Mlp *m, Tensor *h)
{
#if !SKELETON /* lab03.4 */
    // h [B, H] @ W2 [H, V] -> [B, V]; + b2 [V] broadcasts over the rows.
    return tensor_add(tensor_matmul(h, m->W2), m->b2);  // [B, V]
#else
    // TODO(lab03.4): logits = h @ W2 + b2, from h [B, H] to logits [B, V].
    KIT_TODO("lab03.4", "the output layer logits = h @ W2 + b2");
#endif
}

/* ========================================================================= */
/* The loss, by hand and fused                                               */
/* ========================================================================= */

Tensor *loss_by_hand(Tensor *logits, const int *Y)
{
#if !SKELETON /* lab03.5 */
    // The lecture's first version, op by op. Each op keeps its result on the
    // tape, so backward goes through all five; and exp() overflows to inf once
    // a logit passes ~88, giving inf/inf = nan. mlp_loss avoids both.
    Tensor *counts = tensor_exp(logits);                   // [B, V] "fake counts", > 0
    Tensor *sums = tensor_sum(counts, 1, true);            // [B, 1]
    Tensor *probs = tensor_div(counts, sums);              // [B, V] each row sums to 1
    Tensor *p = tensor_pick(probs, Y);                     // [B]  probs[arange(B), Y]
    return tensor_neg(tensor_mean_all(tensor_log(p)));     // [1]  -log(p).mean()
#else
    // TODO(lab03.5): counts = exp(logits), probs = counts / counts.sum(1, keepdim), pick
    // probs[b, Y[b]] for each row, then -log and the mean: [B, V] -> [1].
    KIT_TODO("lab03.5", "the loss by hand: exp, normalize, pick, -log, mean");
#endif
}

Tensor *mlp_loss(Tensor *logits, const int *Y)
{
#if !SKELETON /* lab03.6 */
    // F.cross_entropy: subtracts each row's max before exp (no overflow), one
    // pass forward, and one backward (softmax - onehot) / B instead of five.
    return tensor_cross_entropy(logits, Y);  // [B, V] -> [1]
#else
    // TODO(lab03.6): the same loss with the core's fused cross-entropy (tensor.h).
    KIT_TODO("lab03.6", "the fused loss with tensor_cross_entropy");
#endif
}

/* ========================================================================= */
/* Training: one batch to overfit, then minibatches                          */
/* ========================================================================= */

float mlp_overfit(Mlp *m, const Dataset *ds, int steps, float lr, float *losses)
{
#if !SKELETON /* lab03.7 */
    float value = NAN;
    for (int i = 0; i < steps; i++) {
        Tensor *logits = mlp_forward(m, ds->X, ds->n);  // [n, V]: every example, every step
        Tensor *loss = mlp_loss(logits, ds->Y);         // [1]
        value = tensor_item(loss);
        if (losses)
            losses[i] = value;
        // Gradients accumulate (+=), so clear last step's before this backward.
        params_zero_grad(m->params, MLP_NPARAMS);
        tensor_backward(loss);
        params_sgd(m->params, MLP_NPARAMS, lr);  // p.data += -lr * p.grad
        graph_step_reset(m->g);                  // this step's tensors are gone now
    }
    return value;
#else
    // TODO(lab03.7): steps times: forward all ds->n examples, the loss (store it in losses[i]
    // when losses is not NULL), zero the grads, backward, params_sgd, graph_step_reset.
    KIT_TODO("lab03.7", "overfit one batch: full-batch gradient descent");
#endif
}

float mlp_train_step(Mlp *m, const Dataset *tr, TorchRng *r, int B, float lr, int *ix_out)
{
#if !SKELETON /* lab03.8 */
    Graph *g = m->g;
    const int T = m->T;
    // The batch lives in the step arena: no malloc per step, and it must
    // outlive backward (the embedding and the loss borrow these indices).
    int *Xb = arena_alloc(&g->step, (size_t)B * (size_t)T * sizeof *Xb);  // [B, T]
    int *Yb = arena_alloc(&g->step, (size_t)B * sizeof *Yb);              // [B]
    // ix = torch.randint(0, Xtr.shape[0], (B,), generator=g): B draws in a row
    // from the generator that made the weights, before anything else.
    for (int b = 0; b < B; b++) {
        int i = (int)rng_randint(r, 0, tr->n);
        if (ix_out)
            ix_out[b] = i;
        memcpy(Xb + (size_t)b * T, tr->X + (size_t)i * T, (size_t)T * sizeof *Xb);
        Yb[b] = tr->Y[i];
    }
    Tensor *logits = mlp_forward(m, Xb, B);  // [B, V]
    Tensor *loss = mlp_loss(logits, Yb);     // [1]
    float value = tensor_item(loss);
    params_zero_grad(m->params, MLP_NPARAMS);
    tensor_backward(loss);
    params_sgd(m->params, MLP_NPARAMS, lr);  // p.data += -lr * p.grad
    graph_step_reset(g);                     // every step tensor (and Xb, Yb) is gone now
    return value;
#else
    // TODO(lab03.8): draw B indices with rng_randint(r, 0, tr->n) into a batch (allocate it
    // from m->g->step), forward, loss, zero the grads, backward, params_sgd, graph_step_reset.
    KIT_TODO("lab03.8", "one minibatch SGD step");
#endif
}

void lr_search(Mlp *m, const Dataset *tr, TorchRng *r, int B, const float *lre, int n, float *losses)
{
#if !SKELETON /* lab03.9 */
    for (int i = 0; i < n; i++) {
        // lrs = 10**lre (torch computes it in float32 too). The model is NOT
        // reset between rates: the curve shows which rates still make progress
        // from wherever the sweep has got to, and where training blows up.
        float lr = powf(10.0f, lre[i]);
        losses[i] = mlp_train_step(m, tr, r, B, lr, NULL);
    }
#else
    // TODO(lab03.9): for each exponent lre[i], one mlp_train_step with lr = 10^lre[i]
    // (powf); store its loss in losses[i].
    KIT_TODO("lab03.9", "the learning-rate sweep");
#endif
}

float mlp_lr_at(long step, long decay_at, float lr)
{
#if !SKELETON /* lab03.10 */
    // `lr = 0.1 if i < 100000 else 0.01`: a tenth from decay_at on.
    return step < decay_at ? lr : lr / 10.0f;
#else
    // TODO(lab03.10): the lecture's schedule: lr before step decay_at, lr/10 from then on.
    KIT_TODO("lab03.10", "the learning-rate schedule");
#endif
}

/* ========================================================================= */
/* Evaluation and sampling                                                   */
/* ========================================================================= */

double mlp_split_loss(Mlp *m, const Dataset *ds)
{
#if !SKELETON /* lab03.11 */
    // The lecture's split_loss: `@torch.no_grad()`, forward the whole split,
    // F.cross_entropy. The core's split_loss switches the tape off, walks the
    // split in chunks (182,625 x 200 activations at once would be 146 MB) and
    // weights each chunk's mean by its size.
    return split_loss(m->g, ds, mlp_loss_of, m);
#else
    // TODO(lab03.11): the mean loss over the split without gradients: the core's
    // split_loss (minibatch.h) with mlp_loss_of (given.h).
    KIT_TODO("lab03.11", "the loss over a whole split");
#endif
}

int mlp_sample_name(Mlp *m, TorchRng *r, char *out, int cap)
{
#if !SKELETON /* lab03.12 */
    KIT_CHECK(cap >= 2, "mlp_sample_name: buffer of %d chars is too small. HINT: pass at least 2.", cap);
    int context[64];  // [T] (a block size over 64 is refused below)
    KIT_CHECK(m->T <= 64, "mlp_sample_name: block size %d over 64. HINT: use --block 64 or less.", m->T);
    for (int t = 0; t < m->T; t++)
        context[t] = 0;  // every name starts after "..."
    bool was = graph_set_no_grad(m->g, true);
    int n = 0;
    for (;;) {
        Tensor *logits = mlp_forward(m, context, 1);  // [1, V]
        Tensor *probs = tensor_softmax(logits);       // [1, V]
        // multinomial(probs, 1, generator=g): torch 1.13's default
        // (replacement=False) is an exponential race over all 27 characters.
        int ix = rng_multinomial_race(r, probs->data, VOCAB);
        graph_step_reset(m->g);
        if (ix < 0) {  // the probabilities are not finite: a diverged model
            n = -1;
            break;
        }
        memmove(context, context + 1, (size_t)(m->T - 1) * sizeof *context);
        context[m->T - 1] = ix;
        out[n++] = itos(ix);
        if (ix == 0 || n == cap - 1)
            break;
    }
    graph_set_no_grad(m->g, was);
    out[n < 0 ? 0 : n] = '\0';
    return n;
#else
    // TODO(lab03.12): from context "...", repeat: forward one context, softmax,
    // rng_multinomial_race, shift the index into the context, append its letter; stop at '.'.
    KIT_TODO("lab03.12", "sampling a name from the model");
#endif
}
