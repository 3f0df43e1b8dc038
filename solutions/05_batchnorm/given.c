/*
 * given.c: Lab 05, given code: read it, you do not edit it.
 *
 * What it is: the two models your functions plug into (see given.h). The
 * BN-MLP: its parameters and the lecture's init, its forward (which calls
 * your batchnorm_train, running_update and batchnorm_eval), its training
 * loop and its sampler. The deeper network: its builder (the lecture's layer
 * list and init tweaks, with the experiments' switches), its forward (your
 * layer_forward, layer after layer), its training loop (which records your
 * update_data_log10 at every step) and its sampler.
 * What it is not: the exercises (batchnorm.c), or the command line and the
 * figures' files (main.c). The minibatch, the learning-rate decay, the split
 * loss and the sampling loop come from the core (minibatch.h, sample.h).
 */
#include "given.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "batchnorm.h"
#include "kit.h"
#include "minibatch.h"  // batch_draw, lr_step_decay, split_loss
#include "sample.h"     // sample_name

/* ------------------------------------------------------------------------- */
/* The BN-MLP                                                                  */
/* ------------------------------------------------------------------------- */

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
        Tensor *mean;                                                   // [1, H]
        f.hbn = batchnorm_train(f.hpreact, m->bngain, m->bnbias, &mean, &f.std);
        running_update(m->bnmean_running, mean, BN_MOMENTUM);
        running_update(m->bnstd_running, f.std, BN_MOMENTUM);
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

/* The model handed to the core's split_loss and sample_name: the BN-MLP and its statistics. */
typedef struct BnEval {
    BnMlp *m;
    BnStats stats;
} BnEval;

static Tensor *bn_loss_of(void *model, const int *X, const int *Y, int n)
{
    BnEval *e = model;
    return bnmlp_forward(e->m, X, Y, n, e->stats).loss;
}

double bnmlp_split_loss(BnMlp *m, const Dataset *ds, BnStats stats)
{
    KIT_CHECK(stats != BN_USE_BATCH, "bnmlp_split_loss with batch statistics would also move the running ones. "
              "HINT: evaluate with BN_USE_RUNNING or BN_USE_CALIBRATED");
    BnEval e = {m, stats};
    return split_loss(m->g, ds, bn_loss_of, &e);
}

/* True when the B rows of X [B, T] are one context repeated: then every
 * column of hpreact is constant over the batch and its std is exactly 0. */
static bool one_context(const int *X, int B, int T)
{
    for (int b = 1; b < B; b++)
        if (memcmp(X, X + (long)b * T, sizeof(int) * (size_t)T) != 0) return false;
    return true;
}

int bnmlp_train(BnMlp *m, const Dataset *tr, TorchRng *rng, long steps, int batch, double lr,
                TsvLog *log, bool quiet, double *first)
{
    Graph *g = m->g;
    Progress p;
    progress_start(&p, steps, quiet);
    if (first) *first = NAN;
    for (long i = 0; i < steps; i++) {
        Batch b = batch_draw(g, tr, rng, batch, NULL);  // X [B, T], Y [B]
        BnForward f = bnmlp_forward(m, b.X, b.Y, b.B, BN_USE_BATCH);
        double loss = tensor_item(f.loss);
        if (i == 0 && first) *first = loss;
        if (!isfinite(loss) && one_context(b.X, b.B, m->T)) {
            // not the learning rate: the lecture's batchnorm has no eps, and 0 / 0 is nan
            progress_end(&p);
            fprintf(stderr, "step %ld: loss is nan: the %d examples of this batch share one context, so every "
                    "column's std is 0 and batchnorm (no eps, as the lecture's) divides 0 by 0. HINT: a smaller "
                    "--lr does not help; use a larger --batch (the lecture's is %d)\n", i, b.B, BN_BATCH);
            graph_step_reset(g);
            return -1;
        }
        if (!kit_loss_ok(loss, i)) {
            progress_end(&p);
            graph_step_reset(g);
            return -1;
        }
        params_zero_grad(m->params, BN_NPARAMS);
        tensor_backward(f.loss);
        double lr_i = lr_step_decay(i, steps / 2, lr);  // the lecture: 0.1 until 100000, then 0.01
        params_sgd(m->params, BN_NPARAMS, (float)lr_i);
        if (log) tsv_row(log, "%ld\t%.6f\t%g", i, loss, lr_i);
        progress_update(&p, i, loss, lr_i);
        graph_step_reset(g);
    }
    progress_end(&p);
    return 0;
}

static Tensor *bn_logits_of(void *model, const int *context)
{
    BnEval *e = model;
    return bnmlp_forward(e->m, context, NULL, 1, e->stats).logits;  // [1, V]
}

int bnmlp_sample(BnMlp *m, TorchRng *rng, BnStats stats, char *out, int cap)
{
    BnEval e = {m, stats};
    return sample_name(m->g, rng, m->T, bn_logits_of, &e, out, cap);
}

/* ------------------------------------------------------------------------- */
/* The deeper network                                                          */
/* ------------------------------------------------------------------------- */

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

/* Linear(fan_in, fan_out): weight randn(fan_in, fan_out) / fan_in**0.5, bias zeros. */
static Layer *add_linear(DeepNet *net, TorchRng *rng, int fan_in, int fan_out, bool bias)
{
    Layer *l = add_layer(net, LAYER_LINEAR, fan_in, fan_out);
    l->weight = tensor_param(net->g, SHAPE(fan_in, fan_out));  // [fan_in, fan_out]
    tensor_randn_(l->weight, rng);
    // a division by the float nearest sqrt(fan_in), as torch does
    float s = (float)sqrt((double)fan_in);
    for (int i = 0; i < l->weight->numel; i++) l->weight->data[i] /= s;
    add_param(net, l->weight);
    if (bias) {
        l->bias = tensor_param(net->g, SHAPE(fan_out));  // zeros: torch.zeros(fan_out), no draws
        add_param(net, l->bias);
    }
    return l;
}

/* BatchNorm1d(dim): gamma ones, beta zeros; running mean 0 and var 1. */
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

void deepnet_build(DeepNet *net, Graph *g, TorchRng *rng, int T, int n_embd, DeepConfig cfg)
{
    memset(net, 0, sizeof *net);
    net->g = g;
    net->T = T;
    net->n_embd = n_embd;
    net->cfg = cfg;
    net->C = tensor_param(g, SHAPE(VOCAB, n_embd));  // [V, C]
    tensor_randn_(net->C, rng);
    add_param(net, net->C);
    int fan_in = T * n_embd;
    for (int k = 0; k < DEEP_NHIDDEN; k++) {
        add_linear(net, rng, fan_in, DEEP_HIDDEN, !cfg.batchnorm);
        if (cfg.batchnorm) add_batchnorm(net, DEEP_HIDDEN);
        if (cfg.tanh) add_layer(net, LAYER_TANH, DEEP_HIDDEN, DEEP_HIDDEN);
        fan_in = DEEP_HIDDEN;
    }
    Layer *out = add_linear(net, rng, DEEP_HIDDEN, VOCAB, !cfg.batchnorm);
    if (cfg.batchnorm) add_batchnorm(net, VOCAB);
    // The lecture's init tweaks: a less confident last layer (its BatchNorm's
    // gamma, or without batchnorm its weight, * 0.1), and the gain on every
    // hidden Linear (5/3 for tanh; 1 for a linear stack; with batchnorm any).
    if (cfg.batchnorm)
        tensor_scale_(net->layers[net->n_layers - 1].gamma, 0.1f);
    else
        tensor_scale_(out->weight, 0.1f);
    for (int i = 0; i < net->n_layers; i++)
        if (net->layers[i].kind == LAYER_LINEAR && &net->layers[i] != out)
            tensor_scale_(net->layers[i].weight, (float)cfg.gain);
}

Tensor *deepnet_forward(DeepNet *net, const int *X, int B, bool training)
{
    Tensor *emb = tensor_embed(net->C, X, SHAPE(B, net->T));              // [B, T, C]
    Tensor *x = tensor_view(emb, SHAPE(B, net->T * net->n_embd));         // [B, T*C]
    for (int i = 0; i < net->n_layers; i++) x = layer_forward(&net->layers[i], x, training);
    return x;                                                             // [B, V]
}

int deepnet_train(DeepNet *net, const Dataset *tr, TorchRng *rng, long steps, int batch, double lr, float *ud,
                  bool quiet, double *first)
{
    Graph *g = net->g;
    long n = steps > 0 ? steps : 1;  // 0 steps: one forward and backward, no update
    Progress p;
    progress_start(&p, n, quiet);
    if (first) *first = NAN;
    for (long i = 0; i < n; i++) {
        Batch b = batch_draw(g, tr, rng, batch, NULL);                    // X [B, T], Y [B]
        Tensor *loss = tensor_cross_entropy(deepnet_forward(net, b.X, b.B, true), b.Y);
        double l = tensor_item(loss);
        if (i == 0 && first) *first = l;
        if (!kit_loss_ok(l, i)) {
            progress_end(&p);
            graph_step_reset(g);
            return -1;
        }
        params_zero_grad(net->params, net->n_params);
        tensor_backward(loss);
        double lr_i = lr_step_decay(i, DEEP_DECAY_AT, lr);
        if (steps > 0) params_sgd(net->params, net->n_params, (float)lr_i);
        if (ud)
            for (int k = 0; k < net->n_params; k++)
                ud[i * net->n_params + k] =
                    net->params[k]->shape.ndim == 2 ? (float)update_data_log10(net->params[k], (float)lr_i) : NAN;
        progress_update(&p, i, l, lr_i);
        if (i < n - 1) graph_step_reset(g);  // keep the last step for the diagnostics
    }
    progress_end(&p);
    return 0;
}

static Tensor *deep_loss_of(void *model, const int *X, const int *Y, int n)
{
    return tensor_cross_entropy(deepnet_forward(model, X, n, false), Y);  // [1]
}

double deepnet_split_loss(DeepNet *net, const Dataset *ds)
{
    return split_loss(net->g, ds, deep_loss_of, net);
}

static Tensor *deep_logits_of(void *model, const int *context)
{
    return deepnet_forward(model, context, 1, false);  // [1, V]
}

int deepnet_sample(DeepNet *net, TorchRng *rng, char *out, int cap)
{
    return sample_name(net->g, rng, net->T, deep_logits_of, net, out, cap);
}
