/*
 * init.c: Lab 04, initialization (makemore part 3, first half).
 *
 * What it is: the four things you write, in the lecture's order (lab04.1 the
 * expected first loss and the softmax fix; lab04.2 tanh saturation and the tanh
 * fix; lab04.3 Kaiming's scale; lab04.4 the four initializations), then the
 * given code this lab runs on: the lab 03 MLP's forward pass and training loop,
 * histograms, and the activation functions of the aside.
 * What it is not: new math for the network. The network is lab 03's; only its
 * starting point changes. Not here either: the driver (main.c) and plotting
 * (plots/lab04_*.gp).
 *
 * Next: `make lab04`, which stops at the first TODO, then `make check LAB=04`.
 */
#include "init.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kit.h"

static const char *const STAGE_NAMES[STAGE_COUNT] = {"original", "softmax", "tanh", "kaiming"};

const char *stage_name(InitStage s)
{
    return (s >= 0 && s < STAGE_COUNT) ? STAGE_NAMES[s] : NULL;
}

int stage_from_name(const char *name)
{
    for (int s = 0; s < STAGE_COUNT; s++)
        if (name && strcmp(name, STAGE_NAMES[s]) == 0) return s;
    return -1;
}

/* ------------------------------------------------------------------------- */
/* lab04.1  the expected first loss, and the softmax fix                       */
/* ------------------------------------------------------------------------- */

float expected_first_loss(int V)
{
    // TODO(lab04.1): return the loss of a model that gives each of the V
    // characters the same probability.
    (void)V;
    KIT_TODO("lab04.1", "the expected first loss -log(1/V)");
}

void init_fix_softmax(Mlp *m)
{
    // TODO(lab04.1): shrink the output layer in place so the first logits are
    // all near zero: W2 by 0.01, b2 to zero (tensor_scale_).
    (void)m;
    KIT_TODO("lab04.1", "the softmax fix W2 *= 0.01, b2 *= 0");
}

/* ------------------------------------------------------------------------- */
/* lab04.2  tanh saturation, and the tanh fix                                  */
/* ------------------------------------------------------------------------- */

SatStats tanh_saturation(const float *h, int B, int H, float thresh, unsigned char *mask)
{
    // h: [B, H] row-major; mask: NULL or [B, H]
    // TODO(lab04.2): count the values with |h| > thresh (fill mask with 1/0 if
    // it is not NULL), and the columns where every one of the B rows is saturated.
    (void)h; (void)B; (void)H; (void)thresh; (void)mask;
    KIT_TODO("lab04.2", "the saturated fraction and the dead columns of h");
}

void init_fix_tanh(Mlp *m)
{
    // TODO(lab04.2): shrink the hidden layer in place so the pre-activations
    // start near std 1: W1 by 0.2, b1 by 0.01 (tensor_scale_).
    (void)m;
    KIT_TODO("lab04.2", "the tanh fix W1 *= 0.2, b1 *= 0.01");
}

/* ------------------------------------------------------------------------- */
/* lab04.3  Kaiming initialization                                             */
/* ------------------------------------------------------------------------- */

double kaiming_scale(double gain, int fan_in)
{
    // TODO(lab04.3): return the factor that keeps std(x @ w) = gain * std(x)
    // when w is randn with fan_in rows.
    (void)gain; (void)fan_in;
    KIT_TODO("lab04.3", "Kaiming's scale gain / sqrt(fan_in)");
}

void init_kaiming(Mlp *m)
{
    // TODO(lab04.3): scale W1 in place by kaiming_scale(TANH_GAIN, fan_in)
    // (fan_in: how many inputs each hidden unit sums) and b1 by 0.01.
    (void)m;
    KIT_TODO("lab04.3", "Kaiming init of W1 and the small b1");
}

/* ------------------------------------------------------------------------- */
/* lab04.4  the four initializations                                           */
/* ------------------------------------------------------------------------- */

void mlp_init(Mlp *m, TorchRng *rng, InitStage s)
{
    // TODO(lab04.4): draw C, W1, b1, W2, b2 from rng in that order
    // (tensor_randn_), then apply the fixes stage s includes (see InitStage).
    (void)m; (void)rng; (void)s;
    KIT_TODO("lab04.4", "draw the five parameters in order and apply the stage's fixes");
}

/* ========================================================================= */
/* Given code: nothing to write below this line.                             */
/* ========================================================================= */

void mlp_create(Mlp *m, Graph *g, int T, int n_embd, int n_hidden)
{
    memset(m, 0, sizeof *m);
    m->g = g;
    m->T = T;
    m->n_embd = n_embd;
    m->n_hidden = n_hidden;
    m->C = tensor_param(g, SHAPE(VOCAB, n_embd));           // [V, C]
    m->W1 = tensor_param(g, SHAPE(T * n_embd, n_hidden));   // [T*C, H]
    m->b1 = tensor_param(g, SHAPE(n_hidden));               // [H]
    m->W2 = tensor_param(g, SHAPE(n_hidden, VOCAB));        // [H, V]
    m->b2 = tensor_param(g, SHAPE(VOCAB));                  // [V]
    Tensor *p[5] = {m->C, m->W1, m->b1, m->W2, m->b2};
    memcpy(m->params, p, sizeof p);
}

MlpForward mlp_forward(Mlp *m, const int *X, const int *Y, int B)
{
    // X: [B, T], Y: [B] or NULL
    MlpForward f = {0};
    Tensor *emb = tensor_embed(m->C, X, SHAPE(B, m->T));                   // [B, T, C]
    Tensor *embcat = tensor_view(emb, SHAPE(B, m->T * m->n_embd));         // [B, T*C]
    f.hpreact = tensor_add(tensor_matmul(embcat, m->W1), m->b1);           // [B, H]
    f.h = tensor_tanh(f.hpreact);                                          // [B, H]
    f.logits = tensor_add(tensor_matmul(f.h, m->W2), m->b2);               // [B, V]
    if (Y) f.loss = tensor_cross_entropy(f.logits, Y);                     // [1]
    return f;
}

/* One chunk of a split, for eval_in_batches: no-grad forward, then reset. */
typedef struct SplitCtx {
    Mlp *m;
    const Dataset *ds;
} SplitCtx;

static double split_chunk_loss(void *ctx, int start, int count)
{
    SplitCtx *c = ctx;
    bool was = graph_set_no_grad(c->m->g, true);
    MlpForward f = mlp_forward(c->m, c->ds->X + (long)start * c->ds->T, c->ds->Y + start, count);
    double loss = tensor_item(f.loss);
    graph_set_no_grad(c->m->g, was);
    graph_step_reset(c->m->g);
    return loss;
}

double mlp_split_loss(Mlp *m, const Dataset *ds)
{
    SplitCtx c = {m, ds};
    // 4096 rows at a time: the whole split at once (as the lecture does) would
    // need 180k x 200 floats per intermediate; the mean is the same.
    return eval_in_batches(ds->n, 4096, split_chunk_loss, &c);
}

static float *copy_floats(const float *src, long n)
{
    float *dst = malloc(sizeof(float) * (size_t)n);
    KIT_CHECK(dst != NULL, "out of memory copying %ld floats. HINT: free memory", n);
    memcpy(dst, src, sizeof(float) * (size_t)n);
    return dst;
}

double mlp_train(Mlp *m, const Dataset *tr, TorchRng *rng, const TrainConfig *cfg, TsvLog *log,
                 FirstBatch *first)
{
    Graph *g = m->g;
    const int B = cfg->batch, T = m->T;
    KIT_CHECK(tr->T == T, "dataset block size %d but model block size %d. HINT: build the dataset with T = %d",
              tr->T, T, T);
    Progress p;
    progress_start(&p, cfg->steps, cfg->quiet);
    double loss = NAN;
    for (long i = 0; i < cfg->steps; i++) {
        // the minibatch: torch.randint(0, n, (B,), generator=g), one draw each, in order
        int *Xb = arena_alloc(&g->step, sizeof(int) * (size_t)B * T);  // [B, T]
        int *Yb = arena_alloc(&g->step, sizeof(int) * (size_t)B);      // [B]
        for (int b = 0; b < B; b++) {
            int ix = (int)rng_randint(rng, 0, tr->n);
            memcpy(Xb + (long)b * T, tr->X + (long)ix * T, sizeof(int) * (size_t)T);
            Yb[b] = tr->Y[ix];
        }
        MlpForward f = mlp_forward(m, Xb, Yb, B);
        loss = tensor_item(f.loss);
        if (i == 0 && first) {
            first->B = B;
            first->H = m->n_hidden;
            first->hpreact = copy_floats(f.hpreact->data, f.hpreact->numel);
            first->h = copy_floats(f.h->data, f.h->numel);
            first->loss = loss;
        }
        if (!kit_loss_ok(loss, i)) {
            (void)!tsv_close(log);   // exit 1 either way; a failed rename said why
            exit(1);
        }
        params_zero_grad(m->params, 5);
        tensor_backward(f.loss);
        // the lecture: lr = 0.1 if i < 100000 else 0.01 (half of its 200000 steps)
        double lr = i < cfg->steps / 2 ? cfg->lr : cfg->lr / 10;
        params_sgd(m->params, 5, (float)lr);
        if (log) tsv_row(log, "%ld\t%.6f\t%g", i, loss, lr);
        progress_update(&p, i, loss, lr);
        graph_step_reset(g);
    }
    progress_end(&p);
    return loss;
}

void histogram(const float *x, long n, float lo, float hi, int bins, long *counts)
{
    memset(counts, 0, sizeof(long) * (size_t)bins);
    double width = ((double)hi - lo) / bins;
    for (long i = 0; i < n; i++) {
        long k = (long)floor((x[i] - (double)lo) / width);
        if (k < 0) k = 0;            // clamp: a histogram that drops its tails hides saturation
        if (k >= bins) k = bins - 1;
        counts[k]++;
    }
}

void mean_std(const float *x, long n, double *mean, double *std)
{
    double s = 0.0;
    for (long i = 0; i < n; i++) s += x[i];
    double mu = n > 0 ? s / n : 0.0;
    double ss = 0.0;  // two passes: sum of squared deviations, no cancellation
    for (long i = 0; i < n; i++) ss += (x[i] - mu) * (x[i] - mu);
    *mean = mu;
    *std = n > 1 ? sqrt(ss / (n - 1)) : 0.0;  // unbiased, as torch's x.std()
}

static const char *const ACT_NAMES[ACT_COUNT] = {"tanh", "sigmoid", "relu", "leaky_relu", "elu"};

const char *act_name(ActKind k)
{
    return (k >= 0 && k < ACT_COUNT) ? ACT_NAMES[k] : NULL;
}

void act_eval(ActKind k, double x, double *f, double *df)
{
    switch (k) {
    case ACT_TANH:     // flat on both sides: f' = 1 - f^2 -> 0 as |x| grows
        *f = tanh(x);
        *df = 1.0 - *f * *f;
        break;
    case ACT_SIGMOID:  // also flat on both sides, and f' is at most 0.25
        *f = 1.0 / (1.0 + exp(-x));
        *df = *f * (1.0 - *f);
        break;
    case ACT_RELU:     // flat for x < 0: a unit that is always negative is dead
        *f = x > 0 ? x : 0.0;
        *df = x > 0 ? 1.0 : 0.0;
        break;
    case ACT_LEAKY_RELU:  // a small slope keeps some gradient for x < 0
        *f = x > 0 ? x : 0.01 * x;
        *df = x > 0 ? 1.0 : 0.01;
        break;
    case ACT_ELU:      // smooth; flat only far to the left
        *f = x > 0 ? x : exp(x) - 1.0;
        *df = x > 0 ? 1.0 : exp(x);
        break;
    default:
        KIT_ERROR("activation %d unknown. HINT: use ACT_TANH..ACT_ELU", (int)k);
    }
}
