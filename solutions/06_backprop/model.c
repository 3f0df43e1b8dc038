/*
 * model.c: Lab 06, given code (you do not edit it): the lecture's batchnorm
 * MLP, its chunked forward, the comparison of your gradients with autograd's,
 * and exercise 4's training loop.
 *
 * What it is: the parts of makemore part 4's notebook that are not the
 * exercise. Every forward op is one of the core's (tensor.h), so autograd can
 * check your backprop.c: with no-grad off it records the forward, and
 * tensor_backward leaves every intermediate's gradient in its ->grad.
 * What it is not: a backward of its own. The only gradients here are
 * autograd's (for comparison) and yours.
 *
 * Next: backprop.c, your file.
 */
#include "model.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "backprop.h"  // manual_backward, for exercise 4's loop
#include "kit.h"
#include "minibatch.h"  // batch_draw, lr_step_decay

/* ------------------------------------------------------------------------- */
/* The model                                                                 */
/* ------------------------------------------------------------------------- */

void model_create(Model *m, Graph *g, int T, int n_embd, int n_hidden)
{
    memset(m, 0, sizeof *m);
    m->g = g;
    m->T = T;
    m->n_embd = n_embd;
    m->n_hidden = n_hidden;
    m->C = tensor_param(g, SHAPE(VOCAB, n_embd));          // [V, C]
    m->W1 = tensor_param(g, SHAPE(T * n_embd, n_hidden));  // [T*C, H]
    m->b1 = tensor_param(g, SHAPE(n_hidden));              // [H]
    m->W2 = tensor_param(g, SHAPE(n_hidden, VOCAB));       // [H, V]
    m->b2 = tensor_param(g, SHAPE(VOCAB));                 // [V]
    m->bngain = tensor_param(g, SHAPE(1, n_hidden));       // [1, H]
    m->bnbias = tensor_param(g, SHAPE(1, n_hidden));       // [1, H]
    m->bnmean = tensor_buffer(g, SHAPE(1, n_hidden));      // [1, H]
    m->bnvar = tensor_buffer(g, SHAPE(1, n_hidden));       // [1, H]
    Tensor *p[BP_NPARAMS] = {m->C, m->W1, m->b1, m->W2, m->b2, m->bngain, m->bnbias};
    memcpy(m->params, p, sizeof p);
}

void model_init(Model *m, TorchRng *rng, uint64_t bn_seed)
{
    tensor_randn_(m->C, rng);
    tensor_randn_(m->W1, rng);
    tensor_scale_(m->W1, (float)((5.0 / 3.0) / sqrt((double)(m->T * m->n_embd))));  // Kaiming, tanh's gain
    // "using b1 just for fun, it's useless because of BN": small, non-zero
    tensor_randn_(m->b1, rng);
    tensor_scale_(m->b1, 0.1f);
    tensor_randn_(m->W2, rng);
    tensor_scale_(m->W2, 0.1f);
    tensor_randn_(m->b2, rng);
    tensor_scale_(m->b2, 0.1f);
    // Not ones and zeros, on purpose: a backward that forgets bngain or bnbias
    // would still pass with those. The lecture drew them from torch's unseeded
    // global generator; we draw them from a second generator with a stated
    // seed, which leaves the minibatch the lecture draws from rng untouched.
    TorchRng bn;
    rng_seed(&bn, bn_seed);
    tensor_randn_(m->bngain, &bn);
    for (int j = 0; j < m->n_hidden; j++) m->bngain->data[j] = m->bngain->data[j] * 0.1f + 1.0f;
    tensor_randn_(m->bnbias, &bn);
    tensor_scale_(m->bnbias, 0.1f);
    tensor_fill_(m->bnmean, 0.0f);
    tensor_fill_(m->bnvar, 1.0f);
}

/* ------------------------------------------------------------------------- */
/* The forward, chunked into the lecture's intermediates                     */
/* ------------------------------------------------------------------------- */

Chunked model_forward_chunked(Model *m, const int *X, const int *Y, int B)
{
    KIT_CHECK(B >= 2, "the chunked forward needs a batch of at least 2 (batchnorm's variance divides by n-1), got %d. "
              "HINT: the lecture uses %d", B, BP_BATCH);
    Chunked f = {0};
    f.X = X;
    f.Y = Y;
    f.B = B;
    const float n = (float)B;
    f.emb = tensor_embed(m->C, X, SHAPE(B, m->T));                             // [B, T, C]
    f.embcat = tensor_view(f.emb, SHAPE(B, m->T * m->n_embd));                 // [B, T*C]
    // linear layer 1
    f.hprebn = tensor_add(tensor_matmul(f.embcat, m->W1), m->b1);              // [B, H]
    // batchnorm, one small step at a time
    f.bnmeani = tensor_mul_scalar(tensor_sum(f.hprebn, 0, true), 1.0f / n);    // [1, H]
    f.bndiff = tensor_sub(f.hprebn, f.bnmeani);                                // [B, H]
    f.bndiff2 = tensor_pow(f.bndiff, 2.0f);                                    // [B, H]
    f.bnvar = tensor_mul_scalar(tensor_sum(f.bndiff2, 0, true),
                                (float)(1.0 / (B - 1)));                       // [1, H] Bessel: n-1
    f.bnvar_inv = tensor_pow(tensor_add_scalar(f.bnvar, BP_EPS), -0.5f);       // [1, H]
    f.bnraw = tensor_mul(f.bndiff, f.bnvar_inv);                               // [B, H]
    f.hpreact = tensor_add(tensor_mul(m->bngain, f.bnraw), m->bnbias);         // [B, H]
    // non-linearity
    f.h = tensor_tanh(f.hpreact);                                              // [B, H]
    // linear layer 2
    f.logits = tensor_add(tensor_matmul(f.h, m->W2), m->b2);                   // [B, V]
    // cross-entropy, one small step at a time
    f.logit_maxes = tensor_max(f.logits, 1, true);                             // [B, 1]
    f.norm_logits = tensor_sub(f.logits, f.logit_maxes);                       // [B, V] for stability
    f.counts = tensor_exp(f.norm_logits);                                      // [B, V]
    f.counts_sum = tensor_sum(f.counts, 1, true);                              // [B, 1]
    f.counts_sum_inv = tensor_pow(f.counts_sum, -1.0f);                        // [B, 1] (**-1: bit-exact 1/x)
    f.probs = tensor_mul(f.counts, f.counts_sum_inv);                          // [B, V]
    f.logprobs = tensor_log(f.probs);                                          // [B, V]
    f.loss = tensor_neg(tensor_mean_all(tensor_pick(f.logprobs, Y)));          // [1]
    return f;
}

/* ------------------------------------------------------------------------- */
/* Exercise 4's forward, and evaluation                                      */
/* ------------------------------------------------------------------------- */

Forward model_forward(Model *m, const int *X, const int *Y, int B, bool calibrated)
{
    Forward f = {0};
    Tensor *emb = tensor_embed(m->C, X, SHAPE(B, m->T));                       // [B, T, C]
    f.embcat = tensor_view(emb, SHAPE(B, m->T * m->n_embd));                   // [B, T*C]
    f.hprebn = tensor_add(tensor_matmul(f.embcat, m->W1), m->b1);              // [B, H]
    Tensor *bnmean, *bnvar;                                                    // [1, H]
    if (calibrated) {
        bnmean = m->bnmean;
        bnvar = m->bnvar;
    } else {
        bnmean = tensor_mean(f.hprebn, 0, true);
        bnvar = tensor_var(f.hprebn, 0, true, true);                           // unbiased
    }
    f.bnvar_inv = tensor_pow(tensor_add_scalar(bnvar, BP_EPS), -0.5f);         // [1, H]
    f.bnraw = tensor_mul(tensor_sub(f.hprebn, bnmean), f.bnvar_inv);           // [B, H]
    f.hpreact = tensor_add(tensor_mul(m->bngain, f.bnraw), m->bnbias);         // [B, H]
    f.h = tensor_tanh(f.hpreact);                                              // [B, H]
    f.logits = tensor_add(tensor_matmul(f.h, m->W2), m->b2);                   // [B, V]
    if (Y) f.loss = tensor_cross_entropy(f.logits, Y);                         // [1]
    return f;
}

void model_calibrate(Model *m, const Dataset *ds)
{
    const int H = m->n_hidden, chunk = 4096;
    double *mean = calloc((size_t)H, sizeof(double)), *ss = calloc((size_t)H, sizeof(double));  // [H] each
    KIT_CHECK(mean && ss, "model_calibrate: out of memory for %d hidden units. HINT: free some memory", H);
    bool was = graph_set_no_grad(m->g, true);
    // two passes, as torch's var: the mean first, then the squared deviations
    for (int pass = 0; pass < 2; pass++) {
        for (int start = 0; start < ds->n; start += chunk) {
            int cnt = ds->n - start < chunk ? ds->n - start : chunk;
            Tensor *emb = tensor_embed(m->C, ds->X + (long)start * ds->T, SHAPE(cnt, m->T));
            Tensor *embcat = tensor_view(emb, SHAPE(cnt, m->T * m->n_embd));
            Tensor *hprebn = tensor_add(tensor_matmul(embcat, m->W1), m->b1);  // [cnt, H]
            for (int b = 0; b < cnt; b++)
                for (int j = 0; j < H; j++) {
                    double x = hprebn->data[(long)b * H + j];
                    if (pass == 0) mean[j] += x;
                    else ss[j] += (x - mean[j]) * (x - mean[j]);
                }
            graph_step_reset(m->g);
        }
        if (pass == 0)
            for (int j = 0; j < H; j++) mean[j] /= ds->n;  // the sums become the mean
    }
    graph_set_no_grad(m->g, was);
    for (int j = 0; j < H; j++) {
        m->bnmean->data[j] = (float)mean[j];
        m->bnvar->data[j] = (float)(ss[j] / (ds->n - 1));
    }
    free(mean);
    free(ss);
}

typedef struct SplitCtx {
    Model *m;
    const Dataset *ds;
} SplitCtx;

static double chunk_loss(void *ctx, int start, int count)
{
    SplitCtx *c = ctx;
    bool was = graph_set_no_grad(c->m->g, true);
    Forward f = model_forward(c->m, c->ds->X + (long)start * c->ds->T, c->ds->Y + start, count, true);
    double loss = tensor_item(f.loss);
    graph_set_no_grad(c->m->g, was);
    graph_step_reset(c->m->g);
    return loss;
}

double model_split_loss(Model *m, const Dataset *ds)
{
    SplitCtx c = {m, ds};
    return eval_in_batches(ds->n, 4096, chunk_loss, &c);
}

/* ------------------------------------------------------------------------- */
/* Your gradients against autograd's                                         */
/* ------------------------------------------------------------------------- */

float *step_zeros(Graph *g, int n)
{
    return arena_alloc(&g->step, sizeof(float) * (size_t)(n > 0 ? n : 1));
}

Grads grads_alloc(const Model *m, const Chunked *f)
{
    Graph *g = m->g;
    Grads d;
#define GRAD_LIKE(t) step_zeros(g, (t)->numel)
    d.logprobs = GRAD_LIKE(f->logprobs);
    d.probs = GRAD_LIKE(f->probs);
    d.counts_sum_inv = GRAD_LIKE(f->counts_sum_inv);
    d.counts_sum = GRAD_LIKE(f->counts_sum);
    d.counts = GRAD_LIKE(f->counts);
    d.norm_logits = GRAD_LIKE(f->norm_logits);
    d.logit_maxes = GRAD_LIKE(f->logit_maxes);
    d.logits = GRAD_LIKE(f->logits);
    d.h = GRAD_LIKE(f->h);
    d.W2 = GRAD_LIKE(m->W2);
    d.b2 = GRAD_LIKE(m->b2);
    d.hpreact = GRAD_LIKE(f->hpreact);
    d.bngain = GRAD_LIKE(m->bngain);
    d.bnbias = GRAD_LIKE(m->bnbias);
    d.bnraw = GRAD_LIKE(f->bnraw);
    d.bnvar_inv = GRAD_LIKE(f->bnvar_inv);
    d.bnvar = GRAD_LIKE(f->bnvar);
    d.bndiff2 = GRAD_LIKE(f->bndiff2);
    d.bndiff = GRAD_LIKE(f->bndiff);
    d.bnmeani = GRAD_LIKE(f->bnmeani);
    d.hprebn = GRAD_LIKE(f->hprebn);
    d.embcat = GRAD_LIKE(f->embcat);
    d.W1 = GRAD_LIKE(m->W1);
    d.b1 = GRAD_LIKE(m->b1);
    d.emb = d.embcat;  // emb.view: the same floats
    d.C = GRAD_LIKE(m->C);
#undef GRAD_LIKE
    return d;
}

CmpRow cmp(const char *name, const float *d, const Tensor *t)
{
    CmpRow r = {name, t->numel, true, true, 0.0, 0.0};
    KIT_CHECK(t->grad != NULL, "cmp %s: the tensor has no autograd gradient. HINT: run the chunked forward with "
              "no-grad off, then tensor_backward(f.loss)", name);
    for (int i = 0; i < t->numel; i++) {
        double g = t->grad[i], x = d[i], diff = fabs(x - g);
        if (d[i] != t->grad[i]) r.exact = false;
        if (!(diff <= 1e-8 + 1e-5 * fabs(g))) r.approximate = false;  // torch.allclose; NaN is not close
        if (diff > r.maxdiff || diff != diff) r.maxdiff = diff;
        if (fabs(g) > r.maxabs) r.maxabs = fabs(g);
    }
    return r;
}

void cmp_print(const CmpRow *r)
{
    printf("%-15s | exact: %-5s | approximate: %-5s | maxdiff: %.10g\n", r->name, r->exact ? "True" : "False",
           r->approximate ? "True" : "False", r->maxdiff);
}

int cmp_all(const Grads *d, const Chunked *f, const Model *m, CmpRow rows[BP_NGRADS])
{
    int k = 0;
    rows[k++] = cmp("logprobs", d->logprobs, f->logprobs);
    rows[k++] = cmp("probs", d->probs, f->probs);
    rows[k++] = cmp("counts_sum_inv", d->counts_sum_inv, f->counts_sum_inv);
    rows[k++] = cmp("counts_sum", d->counts_sum, f->counts_sum);
    rows[k++] = cmp("counts", d->counts, f->counts);
    rows[k++] = cmp("norm_logits", d->norm_logits, f->norm_logits);
    rows[k++] = cmp("logit_maxes", d->logit_maxes, f->logit_maxes);
    rows[k++] = cmp("logits", d->logits, f->logits);
    rows[k++] = cmp("h", d->h, f->h);
    rows[k++] = cmp("W2", d->W2, m->W2);
    rows[k++] = cmp("b2", d->b2, m->b2);
    rows[k++] = cmp("hpreact", d->hpreact, f->hpreact);
    rows[k++] = cmp("bngain", d->bngain, m->bngain);
    rows[k++] = cmp("bnbias", d->bnbias, m->bnbias);
    rows[k++] = cmp("bnraw", d->bnraw, f->bnraw);
    rows[k++] = cmp("bnvar_inv", d->bnvar_inv, f->bnvar_inv);
    rows[k++] = cmp("bnvar", d->bnvar, f->bnvar);
    rows[k++] = cmp("bndiff2", d->bndiff2, f->bndiff2);
    rows[k++] = cmp("bndiff", d->bndiff, f->bndiff);
    rows[k++] = cmp("bnmeani", d->bnmeani, f->bnmeani);
    rows[k++] = cmp("hprebn", d->hprebn, f->hprebn);
    rows[k++] = cmp("embcat", d->embcat, f->embcat);
    rows[k++] = cmp("W1", d->W1, m->W1);
    rows[k++] = cmp("b1", d->b1, m->b1);
    rows[k++] = cmp("emb", d->emb, f->emb);
    rows[k++] = cmp("C", d->C, m->C);
    return k;
}

/* ------------------------------------------------------------------------- */
/* Exercise 4: the training loop                                             */
/* ------------------------------------------------------------------------- */

int model_train(Model *m, const Dataset *tr, TorchRng *rng, long steps, int batch, double lr, Backward bw,
                TsvLog *log, float *losses, double *first, bool quiet)
{
    Graph *g = m->g;
    Progress p;
    progress_start(&p, steps, quiet);
    *first = NAN;
    for (long i = 0; i < steps; i++) {
        Batch b = batch_draw(g, tr, rng, batch, NULL);  // X [B, T], Y [B], in the step arena
        const int *Xb = b.X, *Yb = b.Y;
        // manual: `with torch.no_grad():` around the whole step, so the core
        // records no tape at all; the gradients are yours alone
        bool was = graph_set_no_grad(g, bw == BACKWARD_MANUAL);
        Forward f = model_forward(m, Xb, Yb, batch, false);
        double loss = tensor_item(f.loss);
        if (i == 0) *first = loss;
        if (losses) losses[i] = (float)loss;
        if (!kit_loss_ok(loss, i)) {
            graph_set_no_grad(g, was);
            progress_end(&p);
            return -1;
        }
        params_zero_grad(m->params, BP_NPARAMS);
        if (bw == BACKWARD_MANUAL) {
            KIT_CHECK(g->tape == NULL, "the manual training recorded a tape. "
                      "HINT: no core op may record in no-grad mode");
            manual_backward(m, &f, Xb, Yb, batch);
        } else {
            tensor_backward(f.loss);
        }
        graph_set_no_grad(g, was);
        double lr_i = lr_step_decay(i, steps / 2, lr);  // the lecture: 0.1 until 100000, then 0.01
        params_sgd(m->params, BP_NPARAMS, (float)lr_i);
        if (log) tsv_row(log, "%ld\t%.6f\t%g", i, loss, lr_i);
        progress_update(&p, i, loss, lr_i);
        graph_step_reset(g);
    }
    progress_end(&p);
    return 0;
}
