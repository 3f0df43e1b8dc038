/*
 * batchnorm.c: Lab 05, batch normalization (makemore part 3, second half).
 *
 * What it is: the five things you write, in the lecture's order: the
 * batchnorm forward from primitives (lab05.1), the running statistics
 * (lab05.2), calibration over the training set (lab05.3), evaluation mode
 * (lab05.4), and the deeper network's layers with its diagnostic statistics
 * (lab05.5). Then the given code: the BN-MLP around them (init, forward,
 * training, sampling) and the deeper network's builder and training loop.
 * What it is not: a hand-written backward. The core differentiates the mean,
 * std, sub, div, mul and add you compose; tests/lab05_test.c checks the result
 * against finite differences.
 *
 * Next: `make lab05`, which stops at the first TODO, then `make check LAB=05`.
 */
#include "batchnorm.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kit.h"

/* ------------------------------------------------------------------------- */
/* lab05.1  batchnorm in training mode, from primitives                        */
/* ------------------------------------------------------------------------- */

Tensor *batchnorm_train(Tensor *hpreact, Tensor *gain, Tensor *bias, Tensor **mean_out, Tensor **std_out)
{
    // hpreact [B, H], gain [1, H], bias [1, H] -> [B, H]
#if !SKELETON /* lab05.1 */
    KIT_CHECK(hpreact->shape.d[0] >= 2, "batchnorm_train needs a batch of at least 2 rows, got %d. "
              "HINT: one example has no std; evaluate with batchnorm_eval", hpreact->shape.d[0]);
    Tensor *mean = tensor_mean(hpreact, 0, true);       // [1, H]
    Tensor *std = tensor_std(hpreact, 0, true, true);   // [1, H] unbiased (n-1), as torch's std(0)
    // the lecture's order: bngain * (hpreact - mean) / std + bnbias
    Tensor *out = tensor_add(tensor_div(tensor_mul(gain, tensor_sub(hpreact, mean)), std), bias);  // [B, H]
    if (mean_out) *mean_out = mean;
    if (std_out) *std_out = std;
    return out;
#else
    // TODO(lab05.1): per column, mean and unbiased std over the batch (dim 0,
    // keepdim), then gain * (hpreact - mean) / std + bias. Hand back mean and std.
    (void)hpreact; (void)gain; (void)bias; (void)mean_out; (void)std_out;
    KIT_TODO("lab05.1", "the batchnorm forward gain * (h - mean) / std + bias");
#endif
}

/* ------------------------------------------------------------------------- */
/* lab05.2  running statistics                                                 */
/* ------------------------------------------------------------------------- */

void running_update(Tensor *running, const Tensor *batch, float momentum)
{
    // running [1, H], batch [1, H]
#if !SKELETON /* lab05.2 */
    KIT_CHECK(running->numel == batch->numel, "running has %d values, batch %d. HINT: both are [1, H]",
              running->numel, batch->numel);
    // Writing data directly records nothing on the tape: this is no-grad by
    // construction. An exponential moving average: each batch moves the
    // estimate by 0.1 % of the way, so it forgets with a time constant of
    // 1/momentum = 1000 steps.
    float keep = 1.0f - momentum;
    for (int i = 0; i < running->numel; i++)
        running->data[i] = keep * running->data[i] + momentum * batch->data[i];
#else
    // TODO(lab05.2): in place on running->data, move each value a fraction
    // `momentum` of the way towards batch->data (no graph ops: no gradient).
    (void)running; (void)batch; (void)momentum;
    KIT_TODO("lab05.2", "the running update (1 - m) * running + m * batch");
#endif
}

/* ------------------------------------------------------------------------- */
/* lab05.3  calibration over the training set                                  */
/* ------------------------------------------------------------------------- */

void bn_calibrate(BnMlp *m, const Dataset *ds, float *mean, float *std)
{
    // mean [H], std [H]
#if !SKELETON /* lab05.3 */
    const int H = m->n_hidden, CHUNK = 4096;
    double *s = calloc((size_t)H, sizeof(double));   // per-column sum
    double *ss = calloc((size_t)H, sizeof(double));  // per-column sum of squares
    KIT_CHECK(s && ss, "out of memory. HINT: free memory");
    bool was = graph_set_no_grad(m->g, true);
    for (int start = 0; start < ds->n; start += CHUNK) {
        int count = ds->n - start < CHUNK ? ds->n - start : CHUNK;
        Tensor *hp = bnmlp_hpreact(m, ds->X + (long)start * ds->T, count);  // [count, H]
        for (int b = 0; b < count; b++)
            for (int j = 0; j < H; j++) {
                double v = hp->data[(long)b * H + j];
                s[j] += v;
                ss[j] += v * v;
            }
        graph_step_reset(m->g);
    }
    graph_set_no_grad(m->g, was);
    // double sums over ~180k values lose nothing that matters for float results
    double n = ds->n;
    for (int j = 0; j < H; j++) {
        double mu = s[j] / n;
        double var = (ss[j] - n * mu * mu) / (n - 1.0);  // unbiased, as torch's std(0)
        mean[j] = (float)mu;
        std[j] = (float)sqrt(var > 0 ? var : 0.0);
    }
    free(s);
    free(ss);
#else
    // TODO(lab05.3): run bnmlp_hpreact over ds in chunks (no-grad, reset the
    // step arena after each), accumulate per column in double, then write the
    // mean and the unbiased std of each of the H columns.
    (void)m; (void)ds; (void)mean; (void)std;
    KIT_TODO("lab05.3", "mean and std of hpreact over the whole training set");
#endif
}

/* ------------------------------------------------------------------------- */
/* lab05.4  evaluation mode                                                    */
/* ------------------------------------------------------------------------- */

Tensor *batchnorm_eval(Tensor *hpreact, Tensor *gain, Tensor *bias, Tensor *mean, Tensor *std)
{
    // hpreact [B, H] (B may be 1), gain, bias, mean, std [1, H] -> [B, H]
#if !SKELETON /* lab05.4 */
    // The same formula as training, but with fixed statistics: the output of
    // one example no longer depends on the others in its batch.
    return tensor_add(tensor_div(tensor_mul(gain, tensor_sub(hpreact, mean)), std), bias);
#else
    // TODO(lab05.4): gain * (hpreact - mean) / std + bias, with the given
    // mean and std instead of the batch's.
    (void)hpreact; (void)gain; (void)bias; (void)mean; (void)std;
    KIT_TODO("lab05.4", "batchnorm with fixed (running or calibrated) statistics");
#endif
}

/* ------------------------------------------------------------------------- */
/* lab05.5  layers and diagnostics of the deeper network                       */
/* ------------------------------------------------------------------------- */

Tensor *layer_forward(Layer *l, Tensor *x, bool training)
{
    // x [B, fan_in] -> [B, fan_out]
#if !SKELETON /* lab05.5 */
    Tensor *out = NULL;
    switch (l->kind) {
    case LAYER_LINEAR:
        out = tensor_matmul(x, l->weight);                         // [B, fan_out]
        if (l->bias) out = tensor_add(out, l->bias);
        break;
    case LAYER_BATCHNORM: {
        Tensor *mean, *var;                                        // [1, dim] or [dim]
        if (training) {
            mean = tensor_mean(x, 0, true);
            var = tensor_var(x, 0, true, true);                    // unbiased, as torch's x.var(0)
        } else {
            mean = l->running_mean;
            var = l->running_var;
        }
        Tensor *xhat = tensor_div(tensor_sub(x, mean), tensor_sqrt(tensor_add_scalar(var, l->eps)));
        out = tensor_add(tensor_mul(l->gamma, xhat), l->beta);     // [B, dim]
        if (training) {  // no grad: raw data, nothing on the tape
            float keep = 1.0f - l->momentum;
            for (int i = 0; i < l->fan_out; i++) {
                l->running_mean->data[i] = keep * l->running_mean->data[i] + l->momentum * mean->data[i];
                l->running_var->data[i] = keep * l->running_var->data[i] + l->momentum * var->data[i];
            }
        }
        break;
    }
    case LAYER_TANH:
        out = tensor_tanh(x);
        break;
    default:
        KIT_ERROR("layer kind %d unknown. HINT: LAYER_LINEAR, LAYER_BATCHNORM or LAYER_TANH", (int)l->kind);
    }
    l->out = out;
    return out;
#else
    // TODO(lab05.5): by l->kind: Linear x @ weight (+ bias); BatchNorm1d with
    // batch mean/var (training, then update the running ones with momentum)
    // or the running ones, eps inside the sqrt; Tanh. Keep the result in l->out.
    (void)l; (void)x; (void)training;
    KIT_TODO("lab05.5", "the forward of Linear, BatchNorm1d and Tanh layers");
#endif
}

ActStats act_stats(const float *x, long n, float thresh)
{
#if !SKELETON /* lab05.5 */
    ActStats st = {0.0, 0.0, 0.0};
    long sat = 0;
    double s = 0.0;
    for (long i = 0; i < n; i++) {
        s += x[i];
        sat += fabsf(x[i]) > thresh;
    }
    st.mean = n > 0 ? s / n : 0.0;
    double ss = 0.0;
    for (long i = 0; i < n; i++) ss += (x[i] - st.mean) * (x[i] - st.mean);
    st.std = n > 1 ? sqrt(ss / (n - 1)) : 0.0;
    st.saturated = n > 0 ? (double)sat / n : 0.0;
    return st;
#else
    // TODO(lab05.5): mean, unbiased std, and the fraction of values with
    // |x| > thresh, accumulated in double.
    (void)x; (void)n; (void)thresh;
    KIT_TODO("lab05.5", "act_stats: mean, std and saturation of a tensor");
#endif
}

/* Given: the unbiased std of n floats (torch's x.std()), two passes in double
 * so no cancellation. Use it in the two ratios below. */
__attribute__((unused))  /* the skeleton does not call it until you do */
static double std_of(const float *x, long n)
{
    double s = 0.0, ss = 0.0;
    for (long i = 0; i < n; i++) s += x[i];
    double mu = n > 0 ? s / n : 0.0;
    for (long i = 0; i < n; i++) ss += (x[i] - mu) * (x[i] - mu);
    return n > 1 ? sqrt(ss / (n - 1)) : 0.0;
}

double grad_data_ratio(const Tensor *p)
{
#if !SKELETON /* lab05.5 */
    KIT_CHECK(p->grad != NULL, "grad_data_ratio of a tensor without grad. HINT: pass a parameter after backward");
    return std_of(p->grad, p->numel) / std_of(p->data, p->numel);
#else
    // TODO(lab05.5): std of p->grad over std of p->data (std_of above).
    (void)p;
    KIT_TODO("lab05.5", "grad_data_ratio std(grad) / std(data)");
#endif
}

double update_data_log10(const Tensor *p, float lr)
{
#if !SKELETON /* lab05.5 */
    KIT_CHECK(p->grad != NULL, "update_data_log10 of a tensor without grad. HINT: pass a parameter after backward");
    // the update is -lr * grad; std(lr * grad) = lr * std(grad)
    return log10((double)lr * std_of(p->grad, p->numel) / std_of(p->data, p->numel));
#else
    // TODO(lab05.5): log10 of std(lr * grad) over std(data).
    (void)p; (void)lr;
    KIT_TODO("lab05.5", "update_data_log10 log10(std(lr*grad) / std(data))");
#endif
}

/* ========================================================================= */
/* Given code: nothing to write below this line.                             */
/* ========================================================================= */

void bnmlp_create(BnMlp *m, Graph *g, int T, int n_embd, int n_hidden)
{
    memset(m, 0, sizeof *m);
    m->g = g;
    m->T = T;
    m->n_embd = n_embd;
    m->n_hidden = n_hidden;
    m->C = tensor_param(g, SHAPE(VOCAB, n_embd));          // [V, C]
    m->W1 = tensor_param(g, SHAPE(T * n_embd, n_hidden));  // [T*C, H]
    m->W2 = tensor_param(g, SHAPE(n_hidden, VOCAB));       // [H, V]
    m->b2 = tensor_param(g, SHAPE(VOCAB));                 // [V]
    m->bngain = tensor_param(g, SHAPE(1, n_hidden));       // [1, H]
    m->bnbias = tensor_param(g, SHAPE(1, n_hidden));       // [1, H]
    m->bnmean_running = tensor_buffer(g, SHAPE(1, n_hidden));
    m->bnstd_running = tensor_buffer(g, SHAPE(1, n_hidden));
    m->bnmean_cal = tensor_buffer(g, SHAPE(1, n_hidden));
    m->bnstd_cal = tensor_buffer(g, SHAPE(1, n_hidden));
    Tensor *p[BN_NPARAMS] = {m->C, m->W1, m->W2, m->b2, m->bngain, m->bnbias};
    memcpy(m->params, p, sizeof p);
}

void bnmlp_init(BnMlp *m, TorchRng *rng)
{
    tensor_randn_(m->C, rng);
    tensor_randn_(m->W1, rng);
    tensor_scale_(m->W1, (float)((5.0 / 3.0) / sqrt((double)(m->T * m->n_embd))));  // Kaiming, tanh gain
    tensor_randn_(m->W2, rng);
    tensor_scale_(m->W2, 0.01f);  // the softmax fix
    tensor_randn_(m->b2, rng);    // drawn, then zeroed: the draws still happen
    tensor_scale_(m->b2, 0.0f);
    tensor_fill_(m->bngain, 1.0f);
    tensor_fill_(m->bnbias, 0.0f);
    tensor_fill_(m->bnmean_running, 0.0f);
    tensor_fill_(m->bnstd_running, 1.0f);
    tensor_fill_(m->bnmean_cal, 0.0f);
    tensor_fill_(m->bnstd_cal, 1.0f);
}

Tensor *bnmlp_hpreact(BnMlp *m, const int *X, int B)
{
    Tensor *emb = tensor_embed(m->C, X, SHAPE(B, m->T));                // [B, T, C]
    Tensor *embcat = tensor_view(emb, SHAPE(B, m->T * m->n_embd));      // [B, T*C]
    return tensor_matmul(embcat, m->W1);                                // [B, H]
}

BnForward bnmlp_forward(BnMlp *m, const int *X, const int *Y, int B, BnStats stats)
{
    BnForward f = {0};
    f.hpreact = bnmlp_hpreact(m, X, B);                                 // [B, H]
    if (stats == BN_USE_BATCH) {
        Tensor *mean, *std;                                             // [1, H]
        f.hbn = batchnorm_train(f.hpreact, m->bngain, m->bnbias, &mean, &std);
        running_update(m->bnmean_running, mean, BN_MOMENTUM);
        running_update(m->bnstd_running, std, BN_MOMENTUM);
    } else {
        bool cal = stats == BN_USE_CALIBRATED;
        f.hbn = batchnorm_eval(f.hpreact, m->bngain, m->bnbias, cal ? m->bnmean_cal : m->bnmean_running,
                               cal ? m->bnstd_cal : m->bnstd_running);
    }
    f.h = tensor_tanh(f.hbn);                                           // [B, H]
    f.logits = tensor_add(tensor_matmul(f.h, m->W2), m->b2);            // [B, V]
    if (Y) f.loss = tensor_cross_entropy(f.logits, Y);                  // [1]
    return f;
}

typedef struct BnSplitCtx {
    BnMlp *m;
    const Dataset *ds;
    BnStats stats;
} BnSplitCtx;

static double bn_chunk_loss(void *ctx, int start, int count)
{
    BnSplitCtx *c = ctx;
    bool was = graph_set_no_grad(c->m->g, true);
    BnForward f = bnmlp_forward(c->m, c->ds->X + (long)start * c->ds->T, c->ds->Y + start, count, c->stats);
    double loss = tensor_item(f.loss);
    graph_set_no_grad(c->m->g, was);
    graph_step_reset(c->m->g);
    return loss;
}

double bnmlp_split_loss(BnMlp *m, const Dataset *ds, BnStats stats)
{
    KIT_CHECK(stats != BN_USE_BATCH, "bnmlp_split_loss with batch statistics would also move the running ones. "
              "HINT: evaluate with BN_USE_RUNNING or BN_USE_CALIBRATED");
    BnSplitCtx c = {m, ds, stats};
    return eval_in_batches(ds->n, 4096, bn_chunk_loss, &c);
}

/* The minibatch of one step: torch.randint(0, n, (B,), generator=g), one draw each. */
static void draw_batch(const Dataset *tr, TorchRng *rng, int B, int *Xb, int *Yb)
{
    for (int b = 0; b < B; b++) {
        int ix = (int)rng_randint(rng, 0, tr->n);
        memcpy(Xb + (long)b * tr->T, tr->X + (long)ix * tr->T, sizeof(int) * (size_t)tr->T);
        Yb[b] = tr->Y[ix];
    }
}

double bnmlp_train(BnMlp *m, const Dataset *tr, TorchRng *rng, long steps, int batch, double lr,
                   TsvLog *log, bool quiet)
{
    Graph *g = m->g;
    Progress p;
    progress_start(&p, steps, quiet);
    double first = NAN;
    for (long i = 0; i < steps; i++) {
        int *Xb = arena_alloc(&g->step, sizeof(int) * (size_t)batch * m->T);  // [B, T]
        int *Yb = arena_alloc(&g->step, sizeof(int) * (size_t)batch);         // [B]
        draw_batch(tr, rng, batch, Xb, Yb);
        BnForward f = bnmlp_forward(m, Xb, Yb, batch, BN_USE_BATCH);
        double loss = tensor_item(f.loss);
        if (i == 0) first = loss;
        if (!kit_loss_ok(loss, i)) {
            (void)!tsv_close(log);   // exit 1 either way; a failed rename said why
            exit(1);
        }
        params_zero_grad(m->params, BN_NPARAMS);
        tensor_backward(f.loss);
        double lr_i = i < steps / 2 ? lr : lr / 10;  // the lecture: 0.1 until 100000, then 0.01
        params_sgd(m->params, BN_NPARAMS, (float)lr_i);
        if (log) tsv_row(log, "%ld\t%.6f\t%g", i, loss, lr_i);
        progress_update(&p, i, loss, lr_i);
        graph_step_reset(g);
    }
    progress_end(&p);
    return first;
}

void bnmlp_sample(BnMlp *m, TorchRng *rng, BnStats stats, char *out, int cap)
{
    int ctx[BN_BLOCK > 16 ? BN_BLOCK : 16] = {0};  // [1, T], '.' = 0 to start
    KIT_CHECK(m->T <= 16, "block size %d too large for sampling. HINT: at most 16", m->T);
    bool was = graph_set_no_grad(m->g, true);
    int n = 0;
    for (;;) {
        BnForward f = bnmlp_forward(m, ctx, NULL, 1, stats);
        Tensor *probs = tensor_softmax(f.logits);                         // [1, V]
        int ix = rng_multinomial_race(rng, probs->data, VOCAB);
        KIT_CHECK(ix >= 0, "the sampler got invalid probabilities. HINT: is the model's output finite?");
        graph_step_reset(m->g);
        memmove(ctx, ctx + 1, sizeof(int) * (size_t)(m->T - 1));
        ctx[m->T - 1] = ix;
        if (n < cap - 1) out[n++] = itos(ix);
        if (ix == 0) break;
    }
    out[n] = '\0';
    graph_set_no_grad(m->g, was);
}

/* ---- the deeper network -------------------------------------------------- */

static void add_param(DeepNet *net, Tensor *p)
{
    KIT_CHECK(net->n_params < DEEP_MAX_PARAMS, "too many parameters. HINT: raise DEEP_MAX_PARAMS");
    net->params[net->n_params++] = p;
}

static Layer *add_layer(DeepNet *net, LayerKind kind, int fan_in, int fan_out)
{
    KIT_CHECK(net->n_layers < DEEP_MAX_LAYERS, "too many layers. HINT: raise DEEP_MAX_LAYERS");
    Layer *l = &net->layers[net->n_layers++];
    memset(l, 0, sizeof *l);
    l->kind = kind;
    l->fan_in = fan_in;
    l->fan_out = fan_out;
    return l;
}

static void add_linear(DeepNet *net, TorchRng *rng, int fan_in, int fan_out, bool bias)
{
    Layer *l = add_layer(net, LAYER_LINEAR, fan_in, fan_out);
    l->weight = tensor_param(net->g, SHAPE(fan_in, fan_out));  // [fan_in, fan_out]
    tensor_randn_(l->weight, rng);
    // randn / fan_in**0.5: a division by the float nearest sqrt(fan_in), as torch does
    float s = (float)sqrt((double)fan_in);
    for (int i = 0; i < l->weight->numel; i++) l->weight->data[i] /= s;
    add_param(net, l->weight);
    if (bias) {
        l->bias = tensor_param(net->g, SHAPE(fan_out));  // zeros: torch.zeros(fan_out), no draws
        add_param(net, l->bias);
    }
}

static void add_batchnorm(DeepNet *net, int dim)
{
    Layer *l = add_layer(net, LAYER_BATCHNORM, dim, dim);
    l->eps = DEEP_EPS;
    l->momentum = DEEP_MOMENTUM;
    l->gamma = tensor_param(net->g, SHAPE(dim));
    tensor_fill_(l->gamma, 1.0f);
    l->beta = tensor_param(net->g, SHAPE(dim));
    l->running_mean = tensor_buffer(net->g, SHAPE(dim));
    l->running_var = tensor_buffer(net->g, SHAPE(dim));
    tensor_fill_(l->running_var, 1.0f);
    add_param(net, l->gamma);
    add_param(net, l->beta);
}

void deepnet_build(DeepNet *net, Graph *g, TorchRng *rng, int T, int n_embd, bool batchnorm)
{
    memset(net, 0, sizeof *net);
    net->g = g;
    net->T = T;
    net->n_embd = n_embd;
    net->batchnorm = batchnorm;
    net->C = tensor_param(g, SHAPE(VOCAB, n_embd));  // [V, C]
    tensor_randn_(net->C, rng);
    add_param(net, net->C);
    int fan_in = T * n_embd;
    for (int k = 0; k < DEEP_NHIDDEN; k++) {
        add_linear(net, rng, fan_in, DEEP_HIDDEN, !batchnorm);
        if (batchnorm) add_batchnorm(net, DEEP_HIDDEN);
        add_layer(net, LAYER_TANH, DEEP_HIDDEN, DEEP_HIDDEN);
        fan_in = DEEP_HIDDEN;
    }
    add_linear(net, rng, DEEP_HIDDEN, VOCAB, !batchnorm);
    if (batchnorm) add_batchnorm(net, VOCAB);
    // the lecture's init tweaks: a less confident last layer, and (without
    // batchnorm) tanh's gain on every hidden Linear
    Layer *last = &net->layers[net->n_layers - 1];
    if (batchnorm) {
        tensor_scale_(last->gamma, 0.1f);
    } else {
        tensor_scale_(last->weight, 0.1f);
        for (int i = 0; i < net->n_layers - 1; i++)
            if (net->layers[i].kind == LAYER_LINEAR) tensor_scale_(net->layers[i].weight, (float)(5.0 / 3.0));
    }
}

Tensor *deepnet_forward(DeepNet *net, const int *X, int B, bool training)
{
    Tensor *emb = tensor_embed(net->C, X, SHAPE(B, net->T));              // [B, T, C]
    Tensor *x = tensor_view(emb, SHAPE(B, net->T * net->n_embd));         // [B, T*C]
    for (int i = 0; i < net->n_layers; i++) x = layer_forward(&net->layers[i], x, training);
    return x;                                                             // [B, V]
}

double deepnet_train(DeepNet *net, const Dataset *tr, TorchRng *rng, long steps, double lr, float *ud,
                     bool quiet)
{
    Graph *g = net->g;
    const int B = BN_BATCH;
    Progress p;
    progress_start(&p, steps, quiet);
    double first = NAN;
    for (long i = 0; i < steps; i++) {
        int *Xb = arena_alloc(&g->step, sizeof(int) * (size_t)B * net->T);
        int *Yb = arena_alloc(&g->step, sizeof(int) * (size_t)B);
        draw_batch(tr, rng, B, Xb, Yb);
        Tensor *logits = deepnet_forward(net, Xb, B, true);
        Tensor *loss = tensor_cross_entropy(logits, Yb);
        double l = tensor_item(loss);
        if (i == 0) first = l;
        if (!kit_loss_ok(l, i)) exit(1);
        params_zero_grad(net->params, net->n_params);
        tensor_backward(loss);
        double lr_i = i < 150000 ? lr : lr / 10;  // the lecture's schedule for this net
        params_sgd(net->params, net->n_params, (float)lr_i);
        if (ud)
            for (int k = 0; k < net->n_params; k++)
                ud[i * net->n_params + k] =
                    net->params[k]->shape.ndim == 2 ? (float)update_data_log10(net->params[k], (float)lr_i) : NAN;
        progress_update(&p, i, l, lr_i);
        if (i < steps - 1) graph_step_reset(g);  // keep the last step for the diagnostics
    }
    progress_end(&p);
    return first;
}

typedef struct DeepSplitCtx {
    DeepNet *net;
    const Dataset *ds;
} DeepSplitCtx;

static double deep_chunk_loss(void *ctx, int start, int count)
{
    DeepSplitCtx *c = ctx;
    bool was = graph_set_no_grad(c->net->g, true);
    Tensor *logits = deepnet_forward(c->net, c->ds->X + (long)start * c->ds->T, count, false);
    double loss = tensor_item(tensor_cross_entropy(logits, c->ds->Y + start));
    graph_set_no_grad(c->net->g, was);
    graph_step_reset(c->net->g);
    return loss;
}

double deepnet_split_loss(DeepNet *net, const Dataset *ds)
{
    DeepSplitCtx c = {net, ds};
    return eval_in_batches(ds->n, 4096, deep_chunk_loss, &c);
}

void histogram(const float *x, long n, float lo, float hi, int bins, long *counts)
{
    memset(counts, 0, sizeof(long) * (size_t)bins);
    double width = ((double)hi - lo) / bins;
    for (long i = 0; i < n; i++) {
        long k = width > 0 ? (long)floor((x[i] - (double)lo) / width) : 0;
        if (k < 0) k = 0;  // clamped ends: nothing disappears from the picture
        if (k >= bins) k = bins - 1;
        counts[k]++;
    }
}
