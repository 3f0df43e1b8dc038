/**
 * @file mlp.c
 * @brief Lab 03: the MLP of Bengio et al. 2003 (makemore part 2). You write
 *        the dataset, the forward pass, the loss, the training step, the
 *        learning-rate search, evaluation and sampling; the core does backward.
 *
 * What it is not: fast or clever. Every tensor op comes from common/tensor.h
 * (its backward sits under its forward in tensor.c); the random numbers are
 * torch's, from common/rng.h, so seed 2147483647 gives the lecture's weights
 * and minibatches. Not here: the command line, logs and checkpoints (main.c).
 *
 * Work through the TODOs in order, lab03.1 to lab03.7; after each one run
 * `make check LAB=03` and watch that step turn OK. Shapes use the legend of
 * tensor.h: B batch, T block size, C embedding size, H hidden, V = 27.
 */
#include "mlp.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kit.h"    // KIT_CHECK, KIT_TODO
#include "output.h" // tsv_open
#include "train.h"  // eval_in_batches

/* ========================================================================= */
/* Given: the parameters, in the lecture's order                             */
/* ========================================================================= */

void mlp_init(Mlp *m, Graph *g, int T, int n_embd, int n_hidden, TorchRng *r)
{
    KIT_CHECK(T >= 1 && n_embd >= 1 && n_hidden >= 1,
              "mlp_init: block %d, embedding %d, hidden %d must all be at least 1. "
              "HINT: check --block, --emb and --hidden.", T, n_embd, n_hidden);
    memset(m, 0, sizeof *m);
    m->T = T;
    m->n_embd = n_embd;
    m->n_hidden = n_hidden;
    m->g = g;
    // The lecture draws every parameter with plain randn ("no scaling": this
    // net starts badly, with a first loss near 28; lab 04 fixes that). The
    // ORDER matters: each randn continues the same generator, so C, W1, b1,
    // W2, b2 in this order reproduce the lecture's numbers exactly.
    m->C = tensor_param(g, SHAPE(VOCAB, n_embd));          // [V, C]
    tensor_randn_(m->C, r);
    m->W1 = tensor_param(g, SHAPE(T * n_embd, n_hidden));  // [T*C, H]
    tensor_randn_(m->W1, r);
    m->b1 = tensor_param(g, SHAPE(n_hidden));              // [H]
    tensor_randn_(m->b1, r);
    m->W2 = tensor_param(g, SHAPE(n_hidden, VOCAB));       // [H, V]
    tensor_randn_(m->W2, r);
    m->b2 = tensor_param(g, SHAPE(VOCAB));                 // [V]
    tensor_randn_(m->b2, r);
    Tensor *ps[MLP_NPARAMS] = {m->C, m->W1, m->b1, m->W2, m->b2};
    memcpy(m->params, ps, sizeof ps);
}

Tensor *mlp_forward(const Mlp *m, const int *X, int B)
{
    Tensor *x = mlp_embed(m, X, B);  // [B, T*C]
    Tensor *h = mlp_hidden(m, x);    // [B, H]
    return mlp_output(m, h);         // [B, V]
}

/* ========================================================================= */
/* lab03.1: the dataset                                                      */
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
    (void)ds; (void)w; (void)T;
    KIT_TODO("lab03.1", "build_dataset: the (context, next character) examples");
#endif
}

/* ========================================================================= */
/* lab03.2 and lab03.3: the forward pass                                     */
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
    (void)m; (void)X; (void)B;
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
    (void)m; (void)x;
    KIT_TODO("lab03.3", "the hidden layer h = tanh(x @ W1 + b1)");
#endif
}

Tensor *mlp_output(const Mlp *m, Tensor *h)
{
#if !SKELETON /* lab03.3 */
    // h [B, H] @ W2 [H, V] -> [B, V]; + b2 [V] broadcasts over the rows.
    return tensor_add(tensor_matmul(h, m->W2), m->b2);  // [B, V]
#else
    // TODO(lab03.3): logits = h @ W2 + b2, from h [B, H] to logits [B, V].
    (void)m; (void)h;
    KIT_TODO("lab03.3", "the output layer logits = h @ W2 + b2");
#endif
}

/* ========================================================================= */
/* lab03.4: the loss, by hand and fused                                      */
/* ========================================================================= */

Tensor *loss_by_hand(Tensor *logits, const int *Y)
{
#if !SKELETON /* lab03.4 */
    // The lecture's first version, op by op. Each op keeps its result on the
    // tape, so backward goes through all five; and exp() overflows to inf once
    // a logit passes ~88, giving inf/inf = nan. mlp_loss avoids both.
    Tensor *counts = tensor_exp(logits);                   // [B, V] "fake counts", > 0
    Tensor *sums = tensor_sum(counts, 1, true);            // [B, 1]
    Tensor *probs = tensor_div(counts, sums);              // [B, V] each row sums to 1
    Tensor *p = tensor_pick(probs, Y);                     // [B]  probs[arange(B), Y]
    return tensor_neg(tensor_mean_all(tensor_log(p)));     // [1]  -log(p).mean()
#else
    // TODO(lab03.4): counts = exp(logits), probs = counts / counts.sum(1, keepdim), pick
    // probs[b, Y[b]] for each row, then -log and the mean: [B, V] -> [1].
    (void)logits; (void)Y;
    KIT_TODO("lab03.4", "the loss by hand: exp, normalize, pick, -log, mean");
#endif
}

Tensor *mlp_loss(Tensor *logits, const int *Y)
{
#if !SKELETON /* lab03.4 */
    // F.cross_entropy: subtracts each row's max before exp (no overflow), one
    // pass forward, and one backward (softmax - onehot) / B instead of five.
    return tensor_cross_entropy(logits, Y);  // [B, V] -> [1]
#else
    // TODO(lab03.4): the same loss with the core's fused cross-entropy (tensor.h).
    (void)logits; (void)Y;
    KIT_TODO("lab03.4", "the fused loss with tensor_cross_entropy");
#endif
}

/* ========================================================================= */
/* lab03.5: minibatch training                                               */
/* ========================================================================= */

float mlp_lr_at(long step, long steps, float lr)
{
#if !SKELETON /* lab03.5 */
    // `lr = 0.1 if i < 100000 else 0.01` for 200000 steps: a tenth after half.
    return step < steps / 2 ? lr : lr / 10.0f;
#else
    // TODO(lab03.5): the lecture's schedule: lr for the first half of the steps, lr/10 after.
    (void)step; (void)steps; (void)lr;
    KIT_TODO("lab03.5", "the learning-rate schedule");
#endif
}

float mlp_train_step(Mlp *m, const Dataset *tr, TorchRng *r, int B, float lr, int *ix_out)
{
#if !SKELETON /* lab03.5 */
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
    // Gradients accumulate (+=), so clear last step's before this backward.
    params_zero_grad(m->params, MLP_NPARAMS);
    tensor_backward(loss);
    params_sgd(m->params, MLP_NPARAMS, lr);  // p.data += -lr * p.grad
    graph_step_reset(g);                     // every step tensor (and Xb, Yb) is gone now
    return value;
#else
    // TODO(lab03.5): draw B indices with rng_randint(r, 0, tr->n) into a batch (allocate it
    // from m->g->step), forward, loss, zero the grads, backward, params_sgd, graph_step_reset.
    (void)m; (void)tr; (void)r; (void)B; (void)lr; (void)ix_out;
    KIT_TODO("lab03.5", "one minibatch SGD step");
#endif
}

/* ========================================================================= */
/* lab03.6: finding a learning rate                                          */
/* ========================================================================= */

void linspace_f32(float *out, float start, float end, int n)
{
    if (n <= 0)
        return;
    if (n == 1) {
        out[0] = start;
        return;
    }
    // torch 1.13's linspace_kernel (aten/src/ATen/native/cpu/RangeFactoriesKernel.cpp),
    // float32: step = (end - start) / (n - 1); the first half counts up from
    // start (start + step*i), the second half counts down from end
    // (end - step*(n-1-i)), so both endpoints come out exact.
    const float step = (end - start) / (float)(n - 1);
    const int halfway = n / 2;
    int i = 0;
    // Its vectorised loop (AVX2: 8 floats a vector, two vectors a turn) computes
    // each vector's first value that way and the other lanes as base + k*step
    // (Vectorized<float>::arange); the last n % 16 values take the scalar path.
    // Debian's torch 1.13 build fuses start + step*i (and end - step*j) into one
    // FMA: with the fmaf below all 1000 exponents equal torch.linspace(-3, 0,
    // 1000) bit for bit; without it 24 of them (176..199) are 1 ulp off.
    for (; i <= n - 16; i += 16) {
        for (int v = 0; v < 2; v++) {
            int idx = i + 8 * v;
            float base = idx < halfway ? fmaf(step, (float)idx, start)
                                       : fmaf(-step, (float)(n - idx - 1), end);
            for (int k = 0; k < 8; k++)
                out[idx + k] = base + (float)k * step;
        }
    }
    for (; i < n; i++)
        out[i] = i < halfway ? fmaf(step, (float)i, start) : fmaf(-step, (float)(n - i - 1), end);
}

void lr_search(Mlp *m, const Dataset *tr, TorchRng *r, int B, const float *lre, int n, float *losses)
{
#if !SKELETON /* lab03.6 */
    for (int i = 0; i < n; i++) {
        // lrs = 10**lre (torch computes it in float32 too). The model is NOT
        // reset between rates: the curve shows which rates still make progress
        // from wherever the sweep has got to, and where training blows up.
        float lr = powf(10.0f, lre[i]);
        losses[i] = mlp_train_step(m, tr, r, B, lr, NULL);
    }
#else
    // TODO(lab03.6): for each exponent lre[i], one mlp_train_step with lr = 10^lre[i]
    // (powf); store its loss in losses[i].
    (void)m; (void)tr; (void)r; (void)B; (void)lre; (void)n; (void)losses;
    KIT_TODO("lab03.6", "the learning-rate sweep");
#endif
}

/* ========================================================================= */
/* lab03.7: evaluation and sampling                                          */
/* ========================================================================= */

/** What split_loss_chunk needs: the model and the split it walks through. */
typedef struct SplitCtx {
    Mlp *m;
    const Dataset *ds;
} SplitCtx;

/** eval_in_batches' callback: the mean loss of examples start..start+count-1. */
static double split_loss_chunk(void *ctx, int start, int count)
{
#if !SKELETON /* lab03.7 */
    SplitCtx *s = ctx;
    const int *X = s->ds->X + (size_t)start * (size_t)s->ds->T;  // [count, T]
    const int *Y = s->ds->Y + start;                              // [count]
    Tensor *logits = mlp_forward(s->m, X, count);                 // [count, V]
    double loss = tensor_item(mlp_loss(logits, Y));
    graph_step_reset(s->m->g);  // this chunk's activations are not needed again
    return loss;
#else
    // TODO(lab03.7): forward the examples start..start+count-1 of the split, return their
    // mean loss, and reset the step arena.
    (void)ctx; (void)start; (void)count;
    KIT_TODO("lab03.7", "the loss of one chunk of a split");
#endif
}

double mlp_split_loss(Mlp *m, const Dataset *ds)
{
#if !SKELETON /* lab03.7 */
    // `with torch.no_grad()`: evaluation records no tape and touches no grad.
    // In chunks of 4096, because the whole training split at once would need
    // 182,625 x 200 hidden activations (146 MB) in the step arena.
    SplitCtx s = {m, ds};
    bool was = graph_set_no_grad(m->g, true);
    double loss = eval_in_batches(ds->n, 4096, split_loss_chunk, &s);
    graph_set_no_grad(m->g, was);
    return loss;
#else
    // TODO(lab03.7): in no-grad mode, eval_in_batches over the split with split_loss_chunk
    // (write it above), then restore the no-grad setting.
    (void)m; (void)ds; (void)split_loss_chunk;
    KIT_TODO("lab03.7", "the loss over a whole split");
#endif
}

int mlp_sample_name(Mlp *m, TorchRng *r, char *out, int cap)
{
#if !SKELETON /* lab03.7 */
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
        KIT_CHECK(ix >= 0, "mlp_sample_name: the probabilities are not finite. "
                  "HINT: the model diverged; retrain with a smaller --lr.");
        memmove(context, context + 1, (size_t)(m->T - 1) * sizeof *context);
        context[m->T - 1] = ix;
        out[n++] = itos(ix);
        if (ix == 0 || n == cap - 1)
            break;
    }
    graph_set_no_grad(m->g, was);
    out[n] = '\0';
    return n;
#else
    // TODO(lab03.7): from context "...", repeat: forward one context, softmax,
    // rng_multinomial_race, shift the index into the context, append its letter; stop at '.'.
    (void)m; (void)r; (void)out; (void)cap;
    KIT_TODO("lab03.7", "sampling a name from the model");
#endif
}

/* ========================================================================= */
/* Given: the embedding picture                                              */
/* ========================================================================= */

int mlp_write_embedding(const Mlp *m, const char *dir)
{
    if (m->n_embd < 2) {
        fprintf(stderr, "embedding.tsv needs 2 numbers per character, this model has %d. "
                "HINT: train with --emb 2.\n", m->n_embd);
        return -1;
    }
    TsvLog log;
    if (tsv_open(&log, dir, "embedding.tsv", "char x y") != 0)
        return -1;
    for (int i = 0; i < VOCAB; i++) {
        const float *row = m->C->data + (size_t)i * m->n_embd;  // C[i], [C]
        tsv_row(&log, "%c\t%.6f\t%.6f", itos(i), row[0], row[1]);
    }
    return tsv_close(&log);   // 0, or -1 after one line
}
