/**
 * @file lab05_test.c
 * @brief Lab 05's checklist: one test per step you write in batchnorm.c, each
 *        followed by the numbers behind that step's figure.
 *
 * What it is: your functions on small inputs against values computed here
 * with plain loops in double (the batchnorm formula, its finite-difference
 * gradient with a non-uniform upstream gradient, column statistics), then the
 * figures' numbers on data/names.txt: per-neuron mean 0 and std 1 after
 * batchnorm, running statistics approaching the calibrated ones, sampling in
 * evaluation mode, and the deeper network's diagnostics (tanh saturation,
 * gradient and update-to-data ratios) after the lecture's 1001 steps.
 * What it is not: the 200000-step run (`make lab05-solution`), or a speed test.
 *
 * Reads data/names.txt. Run from the repository root: `make check LAB=05`
 * (your code) or `make test` (the solution).
 */
#include "harness.h"
#include "kit.h"       // kit_last_failure

#include <stdlib.h>
#include <string.h>

#include "batchnorm.h"
#include "data.h"
#include "gradcheck.h"
#include "rng.h"
#include "stats.h"
#include "tensor.h"

#define NAMES "data/names.txt"
#define SEED 2147483647ULL
#define UNIFORM_LOSS 3.295836866004329  /* -ln(1/27), by hand */

/* ------------------------------------------------------------------------- */
/* Helpers                                                                    */
/* ------------------------------------------------------------------------- */

static void load_split(Dataset *tr, Dataset *dev)
{
    Words all, a, b, c;
    ck_assert_msg(words_load(&all, NAMES) == 0, "cannot load %s: %s", NAMES, kit_last_failure());
    ck_assert_msg(words_split(&all, 42, &a, &b, &c) == 0, "words_split: %s", kit_last_failure());
    dataset_build(tr, &a, BN_BLOCK);
    if (dev) dataset_build(dev, &b, BN_BLOCK);
    words_free(&a);
    words_free(&b);
    words_free(&c);
    words_free(&all);
}

/* The batchnorm formula in double, from plain arrays: out [B, H]; mean, sd [H] may be NULL. */
static void ref_bn(const double *h, const double *gain, const double *bias, int B, int H, double *out,
                   double *mean, double *sd)
{
    for (int j = 0; j < H; j++) {
        double s = 0, ss = 0;
        for (int b = 0; b < B; b++) s += h[b * H + j];
        double mu = s / B;
        for (int b = 0; b < B; b++) ss += (h[b * H + j] - mu) * (h[b * H + j] - mu);
        double sdv = sqrt(ss / (B - 1));  // unbiased
        for (int b = 0; b < B; b++) out[b * H + j] = gain[j] * (h[b * H + j] - mu) / sdv + bias[j];
        if (mean) mean[j] = mu;
        if (sd) sd[j] = sdv;
    }
}

/* L = sum(R * bn(h)) in double, for finite differences */
static double ref_bn_loss(const double *h, const double *gain, const double *bias, const double *R, int B, int H)
{
    double *out = malloc(sizeof(double) * B * H), L = 0;
    ref_bn(h, gain, bias, B, H, out, NULL, NULL);
    for (int i = 0; i < B * H; i++) L += R[i] * out[i];
    free(out);
    return L;
}

static void col_mean_std(const float *x, int B, int H, int j, double *mean, double *sd)
{
    double s = 0, ss = 0;
    for (int b = 0; b < B; b++) s += x[b * H + j];
    double mu = s / B;
    for (int b = 0; b < B; b++) ss += (x[b * H + j] - mu) * (x[b * H + j] - mu);
    *mean = mu;
    *sd = sqrt(ss / (B - 1));
}

/* Column mean and unbiased std of hpreact over a whole dataset, in double, with the given
 * bnmlp_hpreact (not bn_calibrate): the test's own calibration. */
static void ref_calibrate(BnMlp *m, const Dataset *ds, double *mean, double *sd)
{
    const int H = m->n_hidden;
    double *s = calloc((size_t)H, sizeof(double)), *ss = calloc((size_t)H, sizeof(double));
    bool was = graph_set_no_grad(m->g, true);
    for (int start = 0; start < ds->n; start += 1000) {
        int cnt = ds->n - start < 1000 ? ds->n - start : 1000;
        Tensor *hp = bnmlp_hpreact(m, ds->X + (long)start * ds->T, cnt);
        for (int b = 0; b < cnt; b++)
            for (int j = 0; j < H; j++) s[j] += hp->data[b * H + j];
        graph_step_reset(m->g);
    }
    for (int j = 0; j < H; j++) mean[j] = s[j] / ds->n;
    for (int start = 0; start < ds->n; start += 1000) {
        int cnt = ds->n - start < 1000 ? ds->n - start : 1000;
        Tensor *hp = bnmlp_hpreact(m, ds->X + (long)start * ds->T, cnt);
        for (int b = 0; b < cnt; b++)
            for (int j = 0; j < H; j++) {
                double d = hp->data[b * H + j] - mean[j];
                ss[j] += d * d;
            }
        graph_step_reset(m->g);
    }
    for (int j = 0; j < H; j++) sd[j] = sqrt(ss[j] / (ds->n - 1));
    graph_set_no_grad(m->g, was);
    free(s);
    free(ss);
}

/* for gradcheck: the learner's batchnorm of inputs (hpreact, gain, bias) */
static Tensor *bn_fn(void *ctx, Tensor *const *in, int n)
{
    (void)ctx;
    (void)n;
    return batchnorm_train(in[0], in[1], in[2], NULL, NULL);
}

/* ------------------------------------------------------------------------- */
/* lab05.1                                                                    */
/* ------------------------------------------------------------------------- */

START_TEST(test_bn_forward)
{
    enum { B = 6, H = 4 };
    Graph g;
    graph_init(&g);
    TorchRng r;
    rng_seed(&r, 7);
    float noise[B * H], rv[B * H];
    rng_randn(&r, noise, B * H);
    rng_randn(&r, rv, B * H);  // the upstream gradient: non-uniform on purpose
    const double off[H] = {3.0, -1.0, 0.5, 10.0}, sc[H] = {0.1, 2.0, 1.0, 5.0};
    const double gv[H] = {0.5, 2.0, -1.0, 1.5}, bv[H] = {0.1, -0.2, 0.3, 0.0};
    double hd[B * H], Rd[B * H], want[B * H], wmean[H], wsd[H];
    Tensor *h = tensor_param(&g, SHAPE(B, H));
    Tensor *gain = tensor_param(&g, SHAPE(1, H));
    Tensor *bias = tensor_param(&g, SHAPE(1, H));
    for (int i = 0; i < B * H; i++) {
        h->data[i] = (float)(off[i % H] + sc[i % H] * noise[i]);
        hd[i] = h->data[i];
        Rd[i] = rv[i];
    }

    // gain 1, bias 0: every column comes out with mean 0 and std 1 over the batch
    tensor_fill_(gain, 1.0f);
    tensor_fill_(bias, 0.0f);
    Tensor *mean = NULL, *std = NULL;
    Tensor *out = batchnorm_train(h, gain, bias, &mean, &std);
    EXPECT_INT_EQ(out->shape.d[0], B, "rows of the output");
    EXPECT_INT_EQ(out->numel, B * H, "numel of the output");
    for (int j = 0; j < H; j++) {
        double mu, sd;
        col_mean_std(out->data, B, H, j, &mu, &sd);
        EXPECT_NEAR(mu, 0.0, 1e-5, "column mean after batchnorm (gain 1, bias 0)");
        EXPECT_NEAR(sd, 1.0, 1e-5, "column std after batchnorm (unbiased, as torch's std(0))");
    }
    graph_step_reset(&g);

    // the lecture's formula with a gain and a bias, against plain loops
    for (int j = 0; j < H; j++) {
        gain->data[j] = (float)gv[j];
        bias->data[j] = (float)bv[j];
    }
    ref_bn(hd, gv, bv, B, H, want, wmean, wsd);
    out = batchnorm_train(h, gain, bias, &mean, &std);
    float wantf[B * H], wmf[H], wsf[H];
    for (int i = 0; i < B * H; i++) wantf[i] = (float)want[i];
    for (int j = 0; j < H; j++) {
        wmf[j] = (float)wmean[j];
        wsf[j] = (float)wsd[j];
    }
    EXPECT_ARRAY_NEAR(out->data, wantf, B * H, 1e-5, "gain * (h - mean) / std + bias");
    ck_assert_msg(mean && std, "batchnorm_train must hand back the batch mean and std");
    EXPECT_ARRAY_NEAR(mean->data, wmf, H, 1e-5, "batch mean [1, H]");
    EXPECT_ARRAY_NEAR(std->data, wsf, H, 1e-5, "batch std [1, H] (unbiased)");

    // backward through the core: L = sum(R * out), R non-uniform, against central differences in double
    Tensor *R = tensor_from(&g, SHAPE(B, H), rv);
    Tensor *L = tensor_sum_all(tensor_mul(out, R));
    Tensor *ps[3] = {h, gain, bias};
    params_zero_grad(ps, 3);
    tensor_backward(L);
    double maxdiff = 0;
    const double eps = 1e-6;
    double gvv[H], bvv[H];
    memcpy(gvv, gv, sizeof gvv);
    memcpy(bvv, bv, sizeof bvv);
    for (int i = 0; i < B * H; i++) {
        double keep = hd[i];
        hd[i] = keep + eps;
        double lp = ref_bn_loss(hd, gvv, bvv, Rd, B, H);
        hd[i] = keep - eps;
        double lm = ref_bn_loss(hd, gvv, bvv, Rd, B, H);
        hd[i] = keep;
        double fd = (lp - lm) / (2 * eps);
        maxdiff = fmax(maxdiff, fabs(h->grad[i] - fd));
        EXPECT_NEAR(h->grad[i], fd, 1e-4 * fmax(1.0, fabs(fd)), "dL/dhpreact vs finite difference");
    }
    for (int j = 0; j < H; j++) {
        double keep = gvv[j];
        gvv[j] = keep + eps;
        double lp = ref_bn_loss(hd, gvv, bvv, Rd, B, H);
        gvv[j] = keep - eps;
        double lm = ref_bn_loss(hd, gvv, bvv, Rd, B, H);
        gvv[j] = keep;
        EXPECT_NEAR(gain->grad[j], (lp - lm) / (2 * eps), 1e-4, "dL/dgain vs finite difference");
        double sb = 0;
        for (int b = 0; b < B; b++) sb += Rd[b * H + j];
        EXPECT_NEAR(bias->grad[j], sb, 1e-5, "dL/dbias = sum of R over the batch");
        double sh = 0;  // the mean subtraction: a column's gradient sums to zero
        for (int b = 0; b < B; b++) sh += h->grad[b * H + j];
        EXPECT_NEAR(sh, 0.0, 1e-4, "sum over the batch of dL/dhpreact (mean subtraction)");
    }
    harness_note("batchnorm backward: dhpreact maxdiff %.2e vs central differences in double (upstream gradient non-uniform)", maxdiff);
    graph_step_reset(&g);
    // and the kit's checker (common/gradcheck.h: loss = sum(out * W), W random in [-1, 1])
    GradcheckReport rep[3];
    const char *names[3] = {"hpreact", "bngain", "bnbias"};
    int bad = gradcheck(bn_fn, NULL, ps, names, 3, NULL, rep, NULL);
    for (int i = 0; i < 3; i++) {
        char buf[256];
        harness_note("gradcheck %s", gradcheck_format(&rep[i], buf, sizeof buf));
    }
    EXPECT_INT_EQ(bad, 0, "inputs failing gradcheck (batchnorm through the core's autograd)");

    // the figure: the BN-MLP's first batch on data/names.txt, after batchnorm
    Dataset tr;
    load_split(&tr, NULL);
    BnMlp m;
    bnmlp_create(&m, &g, BN_BLOCK, BN_EMB, BN_HIDDEN);
    rng_seed(&r, SEED);
    bnmlp_init(&m, &r);
    EXPECT_INT_EQ(params_count(m.params, BN_NPARAMS), 12097, "BN-MLP parameters");
    int X[BN_BATCH * BN_BLOCK], Y[BN_BATCH];
    for (int b = 0; b < BN_BATCH; b++) {
        int ix = (int)rng_randint(&r, 0, tr.n);
        memcpy(X + b * BN_BLOCK, tr.X + (long)ix * BN_BLOCK, sizeof(int) * BN_BLOCK);
        Y[b] = tr.Y[ix];
    }
    Tensor *hp = bnmlp_hpreact(&m, X, BN_BATCH);
    Tensor *hbn = batchnorm_train(hp, m.bngain, m.bnbias, NULL, NULL);
    double worst_mu = 0, worst_sd = 0;
    for (int j = 0; j < BN_HIDDEN; j++) {
        double mu, sd;
        col_mean_std(hbn->data, BN_BATCH, BN_HIDDEN, j, &mu, &sd);
        worst_mu = fmax(worst_mu, fabs(mu));
        worst_sd = fmax(worst_sd, fabs(sd - 1.0));
    }
    Tensor *logits = tensor_add(tensor_matmul(tensor_tanh(hbn), m.W2), m.b2);
    double first = tensor_item(tensor_cross_entropy(logits, Y));
    harness_note("BN-MLP first batch: per-neuron |mean| <= %.1e, |std - 1| <= %.1e; first loss %.4f (lecture data 3.3239)",
                 worst_mu, worst_sd, first);
    EXPECT_NEAR(worst_mu, 0.0, 1e-5, "largest |mean| of a neuron over the first batch");
    EXPECT_NEAR(worst_sd, 0.0, 1e-4, "largest |std - 1| of a neuron over the first batch");
    EXPECT_NEAR(first, UNIFORM_LOSS, 0.05, "BN-MLP first loss");
    dataset_free(&tr);
    graph_free(&g);
}
END_TEST

/* ------------------------------------------------------------------------- */
/* lab05.2                                                                    */
/* ------------------------------------------------------------------------- */

START_TEST(test_calibrate)
{
    enum { T = 3, E = 2, H = 5, N = 9000 };  // N crosses any chunk size up to 4500
    Graph g;
    graph_init(&g);
    BnMlp m;
    bnmlp_create(&m, &g, T, E, H);
    TorchRng r;
    rng_seed(&r, 11);
    bnmlp_init(&m, &r);
    for (int i = 0; i < m.C->numel; i++) m.C->data[i] += 0.3f;  // a non-zero mean to find
    int *X = malloc(sizeof(int) * N * T), *Y = calloc(N, sizeof(int));
    for (int i = 0; i < N * T; i++) X[i] = (int)rng_randint(&r, 0, VOCAB);
    Dataset ds = {X, Y, N, T};
    float mean[H], sd[H], wm[H], ws[H];
    float *W1 = malloc(sizeof(float) * (size_t)m.W1->numel);
    memcpy(W1, m.W1->data, sizeof(float) * (size_t)m.W1->numel);
    bn_calibrate(&m, &ds, mean, sd);
    // the test's own: plain loops in double over every example
    for (int j = 0; j < H; j++) {
        double s = 0, ss = 0;
        double *v = malloc(sizeof(double) * N);
        for (int n = 0; n < N; n++) {
            double a = 0;
            for (int t = 0; t < T; t++)
                for (int k = 0; k < E; k++) a += (double)m.C->data[X[n * T + t] * E + k] * W1[(t * E + k) * H + j];
            v[n] = a;
            s += a;
        }
        double mu = s / N;
        for (int n = 0; n < N; n++) ss += (v[n] - mu) * (v[n] - mu);
        wm[j] = (float)mu;
        ws[j] = (float)sqrt(ss / (N - 1));
        free(v);
    }
    EXPECT_ARRAY_NEAR(mean, wm, H, 1e-5, "calibrated mean of each hidden pre-activation");
    EXPECT_ARRAY_NEAR(sd, ws, H, 1e-5, "calibrated std (unbiased) of each hidden pre-activation");
    EXPECT_ARRAY_NEAR(m.W1->data, W1, m.W1->numel, 0.0, "W1 is untouched by calibration");
    ck_assert_msg(g.tape == NULL, "bn_calibrate left ops on the tape: run it in no-grad mode");
    ck_assert_msg(!g.no_grad, "bn_calibrate left the graph in no-grad mode: restore it");
    free(W1);
    free(X);
    free(Y);
    graph_free(&g);
}
END_TEST

/* ------------------------------------------------------------------------- */
/* lab05.3                                                                    */
/* ------------------------------------------------------------------------- */

START_TEST(test_running)
{
    Graph g;
    graph_init(&g);
    Tensor *run = tensor_buffer(&g, SHAPE(1, 4));
    Tensor *bat = tensor_buffer(&g, SHAPE(1, 4));
    const float r0[4] = {0.0f, 1.0f, 2.0f, -3.0f}, b0[4] = {1.0f, 1.0f, -2.0f, 5.0f};
    memcpy(run->data, r0, sizeof r0);
    memcpy(bat->data, b0, sizeof b0);
    Tensor *tape = g.tape;
    running_update(run, bat, 0.001f);
    float want[4];
    for (int i = 0; i < 4; i++) want[i] = 0.999f * r0[i] + 0.001f * b0[i];  // the lecture's line, in float
    EXPECT_ARRAY_NEAR(run->data, want, 4, 1e-7, "0.999 * running + 0.001 * batch");
    ck_assert_msg(g.tape == tape, "running_update recorded an op on the tape: it must run without grad");
    for (int s = 0; s < 10000; s++) running_update(run, bat, 0.001f);
    EXPECT_ARRAY_NEAR(run->data, b0, 4, 1e-3, "after 10000 updates with a constant batch (0.999^10000 = 4.5e-5)");
    memcpy(run->data, r0, sizeof r0);
    running_update(run, bat, 0.1f);
    for (int i = 0; i < 4; i++) want[i] = 0.9f * r0[i] + 0.1f * b0[i];
    EXPECT_ARRAY_NEAR(run->data, want, 4, 1e-6, "momentum 0.1");

    // the figure: after training, the running estimates sit near the calibrated ones
    Dataset tr;
    load_split(&tr, NULL);
    BnMlp m;
    bnmlp_create(&m, &g, BN_BLOCK, BN_EMB, BN_HIDDEN);
    TorchRng r;
    rng_seed(&r, SEED);
    bnmlp_init(&m, &r);
    double *cm = malloc(sizeof(double) * BN_HIDDEN), *cs = malloc(sizeof(double) * BN_HIDDEN);
    ref_calibrate(&m, &tr, cm, cs);
    double d0m = 0, d0s = 0;
    for (int j = 0; j < BN_HIDDEN; j++) {
        d0m += fabs(m.bnmean_running->data[j] - cm[j]) / BN_HIDDEN;
        d0s += fabs(m.bnstd_running->data[j] - cs[j]) / BN_HIDDEN;
    }
    const long steps = 3000;
    EXPECT_INT_EQ(bnmlp_train(&m, &tr, &r, steps, BN_BATCH, BN_LR, NULL, true, NULL), 0, "bnmlp_train's status");
    ref_calibrate(&m, &tr, cm, cs);
    double dm = 0, ds = 0, avg_sd = 0;
    for (int j = 0; j < BN_HIDDEN; j++) {
        dm += fabs(m.bnmean_running->data[j] - cm[j]) / BN_HIDDEN;
        ds += fabs(m.bnstd_running->data[j] - cs[j]) / BN_HIDDEN;
        avg_sd += cs[j] / BN_HIDDEN;
    }
    harness_note("mean |running - calibrated| at init: mean %.4f, std %.4f; after %ld steps: mean %.4f, std %.4f "
                 "(calibrated std averages %.3f)", d0m, d0s, steps, dm, ds, avg_sd);
    ck_assert_msg(dm < 0.1 * avg_sd, "running mean vs calibrated after %ld steps: average gap %.4f, expected < %.4f "
                  "(a tenth of the typical std)", steps, dm, 0.1 * avg_sd);
    ck_assert_msg(ds < 0.1 * avg_sd, "running std vs calibrated after %ld steps: average gap %.4f, expected < %.4f",
                  steps, ds, 0.1 * avg_sd);
    ck_assert_msg(ds < 0.25 * d0s, "the std gap should shrink: %.4f at init, %.4f after training", d0s, ds);
    free(cm);
    free(cs);
    dataset_free(&tr);
    graph_free(&g);
}
END_TEST

/* ------------------------------------------------------------------------- */
/* lab05.4                                                                    */
/* ------------------------------------------------------------------------- */

START_TEST(test_eval)
{
    enum { B = 5, H = 3 };
    Graph g;
    graph_init(&g);
    const float hv[B * H] = {1, 2, 3, -1, 0.5f, 4, 2, 2, 2, 0, -3, 1, 7, 1, -2};
    const float gv[H] = {1.5f, -0.5f, 2.0f}, bv[H] = {0.1f, 0.0f, -1.0f};
    const float mv[H] = {0.5f, 1.0f, -1.0f}, sv[H] = {2.0f, 0.25f, 1.5f};
    Tensor *h = tensor_from(&g, SHAPE(B, H), hv);
    Tensor *gain = tensor_from(&g, SHAPE(1, H), gv), *bias = tensor_from(&g, SHAPE(1, H), bv);
    Tensor *mean = tensor_from(&g, SHAPE(1, H), mv), *sd = tensor_from(&g, SHAPE(1, H), sv);
    Tensor *out = batchnorm_eval(h, gain, bias, mean, sd);
    float want[B * H];
    for (int b = 0; b < B; b++)
        for (int j = 0; j < H; j++)
            want[b * H + j] = (float)((double)gv[j] * (hv[b * H + j] - mv[j]) / sv[j] + bv[j]);
    EXPECT_ARRAY_NEAR(out->data, want, B * H, 1e-5, "gain * (h - mean) / std + bias with fixed statistics");
    for (int b = 0; b < B; b++) {  // a batch of one: each row alone gives the same row
        Tensor *row = tensor_from(&g, SHAPE(1, H), hv + b * H);
        Tensor *o1 = batchnorm_eval(row, gain, bias, mean, sd);
        EXPECT_ARRAY_NEAR(o1->data, want + b * H, H, 1e-6, "one example alone, in evaluation mode");
    }
    graph_step_reset(&g);

    // the BN-MLP after a short training: single-example evaluation and sampling
    Dataset tr, dev;
    load_split(&tr, &dev);
    BnMlp m;
    bnmlp_create(&m, &g, BN_BLOCK, BN_EMB, BN_HIDDEN);
    TorchRng r;
    rng_seed(&r, SEED);
    bnmlp_init(&m, &r);
    double first;
    EXPECT_INT_EQ(bnmlp_train(&m, &tr, &r, 2000, BN_BATCH, BN_LR, NULL, true, &first), 0, "bnmlp_train's status");
    bool was = graph_set_no_grad(&g, true);
    BnForward fb = bnmlp_forward(&m, dev.X, NULL, 8, BN_USE_RUNNING);
    float batch_logits[8 * VOCAB];
    memcpy(batch_logits, fb.logits->data, sizeof batch_logits);
    for (int b = 0; b < 8; b++) {
        BnForward f1 = bnmlp_forward(&m, dev.X + b * BN_BLOCK, NULL, 1, BN_USE_RUNNING);
        EXPECT_ARRAY_NEAR(f1.logits->data, batch_logits + b * VOCAB, VOCAB, 1e-4,
                          "logits of one example alone = its row in a batch (running statistics)");
    }
    graph_set_no_grad(&g, was);
    graph_step_reset(&g);
    double dev_loss = bnmlp_split_loss(&m, &dev, BN_USE_RUNNING);
    harness_note("after 2000 steps: dev loss with running statistics %.4f (first batch loss %.4f)", dev_loss, first);
    ck_assert_msg(isfinite(dev_loss) && dev_loss < first - 0.5, "dev loss %.4f in evaluation mode: expected well below the first loss %.4f",
                  dev_loss, first);

    char a[20][64], b2[20][64];
    TorchRng s1, s2;
    rng_seed(&s1, BN_SAMPLE_SEED);
    rng_seed(&s2, BN_SAMPLE_SEED);
    for (int i = 0; i < 20; i++) EXPECT_INT_EQ(bnmlp_sample(&m, &s1, BN_USE_RUNNING, a[i], 64), (int)strlen(a[i]), "letters written");
    for (int i = 0; i < 20; i++) bnmlp_sample(&m, &s2, BN_USE_RUNNING, b2[i], 64);
    harness_note("samples: %s %s %s %s %s ...", a[0], a[1], a[2], a[3], a[4]);
    for (int i = 0; i < 20; i++) {
        size_t n = strlen(a[i]);
        ck_assert_msg(n >= 1 && a[i][n - 1] == '.', "sample %d '%s' should end with '.'", i, a[i]);
        for (size_t k = 0; k + 1 < n; k++)
            ck_assert_msg(a[i][k] >= 'a' && a[i][k] <= 'z', "sample %d '%s' has a character outside a-z", i, a[i]);
        ck_assert_msg(strcmp(a[i], b2[i]) == 0, "the same seed gave '%s' then '%s'", a[i], b2[i]);
    }
    dataset_free(&tr);
    dataset_free(&dev);
    graph_free(&g);
}
END_TEST

/* ------------------------------------------------------------------------- */
/* The deeper network: helpers                                                */
/* ------------------------------------------------------------------------- */

/* Build the deeper network from the lecture's seed and train it (ud may be NULL). */
static void deep_run(DeepNet *net, Graph *g, const Dataset *tr, DeepConfig cfg, long steps, double lr, float *ud,
                     double *first)
{
    TorchRng r;
    rng_seed(&r, SEED);
    deepnet_build(net, g, &r, BN_BLOCK, BN_EMB, cfg);
    EXPECT_INT_EQ(deepnet_train(net, tr, &r, steps, BN_BATCH, lr, ud, true, first), 0, "deepnet_train's status");
}

/* The output of hidden block k (0..4): its Tanh, or its last layer without tanh. */
static Layer *block_out(DeepNet *net, int k)
{
    for (int i = 0; i < net->n_layers - 1; i++) {
        Layer *l = &net->layers[i];
        bool end = net->cfg.tanh ? l->kind == LAYER_TANH : net->layers[i + 1].kind == LAYER_LINEAR;
        if (end && k-- == 0) return l;
    }
    return NULL;
}

/* The test's own statistics of a block's output (the core's mean and std, and a plain count). */
static void ref_stats(const Layer *l, double *std, double *sat)
{
    double mean;
    stats_mean_std(l->out->data, l->out->numel, &mean, std);
    long n = 0;
    for (int i = 0; i < l->out->numel; i++) n += fabsf(l->out->data[i]) > DEEP_SAT;
    *sat = (double)n / l->out->numel;
}

/* ------------------------------------------------------------------------- */
/* lab05.5                                                                    */
/* ------------------------------------------------------------------------- */

START_TEST(test_layers)
{
    enum { B = 6, I = 3, O = 4 };
    Graph g;
    graph_init(&g);
    TorchRng r;
    rng_seed(&r, 5);
    float xv[B * I], wv[I * O];
    rng_randn(&r, xv, B * I);
    rng_randn(&r, wv, I * O);
    for (int i = 0; i < B * I; i++) xv[i] = 2.0f * xv[i] + (float)(i % I);  // columns with different means
    Tensor *x = tensor_from(&g, SHAPE(B, I), xv);

    // Linear, with and without bias
    Layer lin = {.kind = LAYER_LINEAR, .fan_in = I, .fan_out = O};
    lin.weight = tensor_from(&g, SHAPE(I, O), wv);
    float bvals[O] = {0.5f, -1.0f, 0.0f, 2.0f}, want[B * O];
    Tensor *y = layer_forward(&lin, x, true);
    for (int b = 0; b < B; b++)
        for (int o = 0; o < O; o++) {
            double s = 0;
            for (int i = 0; i < I; i++) s += (double)xv[b * I + i] * wv[i * O + o];
            want[b * O + o] = (float)s;
        }
    EXPECT_ARRAY_NEAR(y->data, want, B * O, 1e-5, "Linear without bias: x @ W");
    ck_assert_msg(lin.out == y, "layer_forward must keep its output in l->out (the diagnostics read it)");
    lin.bias = tensor_from(&g, SHAPE(O), bvals);
    y = layer_forward(&lin, x, true);
    for (int i = 0; i < B * O; i++) want[i] += bvals[i % O];
    EXPECT_ARRAY_NEAR(y->data, want, B * O, 1e-5, "Linear with bias: x @ W + b");

    // BatchNorm1d: training mode, eps inside the sqrt, running updates with momentum 0.1
    Layer bn = {.kind = LAYER_BATCHNORM, .fan_in = I, .fan_out = I, .eps = 1e-5f, .momentum = 0.1f};
    const float gam[I] = {1.0f, 2.0f, 0.5f}, bet[I] = {0.0f, 1.0f, -1.0f};
    bn.gamma = tensor_from(&g, SHAPE(I), gam);
    bn.beta = tensor_from(&g, SHAPE(I), bet);
    bn.running_mean = tensor_buffer(&g, SHAPE(I));
    bn.running_var = tensor_buffer(&g, SHAPE(I));
    tensor_fill_(bn.running_var, 1.0f);
    y = layer_forward(&bn, x, true);
    float wbn[B * I], wrm[I], wrv[I];
    for (int j = 0; j < I; j++) {
        double s = 0, ss = 0;
        for (int b = 0; b < B; b++) s += xv[b * I + j];
        double mu = s / B;
        for (int b = 0; b < B; b++) ss += (xv[b * I + j] - mu) * (xv[b * I + j] - mu);
        double var = ss / (B - 1);  // unbiased, as the lecture's x.var(0)
        for (int b = 0; b < B; b++) wbn[b * I + j] = (float)(gam[j] * (xv[b * I + j] - mu) / sqrt(var + 1e-5) + bet[j]);
        wrm[j] = (float)(0.1 * mu);
        wrv[j] = (float)(0.9 + 0.1 * var);
    }
    EXPECT_ARRAY_NEAR(y->data, wbn, B * I, 1e-5, "BatchNorm1d (training): gamma * (x - mean) / sqrt(var + eps) + beta");
    EXPECT_ARRAY_NEAR(bn.running_mean->data, wrm, I, 1e-6, "running_mean = 0.9 * 0 + 0.1 * mean");
    EXPECT_ARRAY_NEAR(bn.running_var->data, wrv, I, 1e-5, "running_var = 0.9 * 1 + 0.1 * var (unbiased)");
    float rm_before[I];
    memcpy(rm_before, bn.running_mean->data, sizeof rm_before);
    y = layer_forward(&bn, x, false);
    for (int b = 0; b < B; b++)
        for (int j = 0; j < I; j++)
            wbn[b * I + j] = (float)(gam[j] * (xv[b * I + j] - wrm[j]) / sqrt((double)wrv[j] + 1e-5) + bet[j]);
    EXPECT_ARRAY_NEAR(y->data, wbn, B * I, 1e-5, "BatchNorm1d (evaluation): the running statistics");
    EXPECT_ARRAY_NEAR(bn.running_mean->data, rm_before, I, 0.0, "evaluation mode leaves running_mean alone");
    Layer th = {.kind = LAYER_TANH, .fan_in = I, .fan_out = I};
    y = layer_forward(&th, x, true);
    for (int i = 0; i < B * I; i++) want[i] = (float)tanh(xv[i]);
    EXPECT_ARRAY_NEAR(y->data, want, B * I, 1e-6, "Tanh");
    graph_free(&g);

    // the figure: the network at initialization (one forward and backward, no update).
    // Without batchnorm the gain decides: 5/3 keeps every layer's std about the same,
    // 0.5 lets it shrink layer after layer, 3 saturates; with batchnorm the gain hardly matters.
    Dataset tr;
    load_split(&tr, NULL);
    const double gains[4] = {0.5, 1.0, 5.0 / 3.0, 3.0};
    double first_std[2][4], last_std[2][4], sat1[2][4];
    for (int withbn = 0; withbn <= 1; withbn++)
        for (int k = 0; k < 4; k++) {
            graph_init(&g);
            DeepNet net;
            DeepConfig cfg = {withbn, true, gains[k]};
            double first;
            deep_run(&net, &g, &tr, cfg, 0, 0.1, NULL, &first);
            if (k == 0)
                EXPECT_INT_EQ(params_count(net.params, net.n_params), withbn ? 47024 : 46497,
                              withbn ? "deeper net parameters (lecture: 47024)" : "deeper net without batchnorm");
            double sd, sat;
            ref_stats(block_out(&net, 0), &sd, &sat);
            first_std[withbn][k] = sd;
            sat1[withbn][k] = sat;
            ref_stats(block_out(&net, DEEP_NHIDDEN - 1), &sd, &sat);
            last_std[withbn][k] = sd;
            harness_note("at init, %s batchnorm, gain %.3g: first loss %.4f; tanh std layer 1 %.2f, layer 5 %.2f; "
                         "layer 1 saturated %.1f %%", withbn ? "with" : "without", gains[k], first,
                         first_std[withbn][k], last_std[withbn][k], 100 * sat1[withbn][k]);
            ck_assert_msg(fabs(first - UNIFORM_LOSS) < 0.1, "first loss %.4f at init, expected near -ln(1/27) = 3.2958 "
                          "(the last layer starts small)", first);
            graph_free(&g);
        }
    ck_assert_msg(last_std[0][0] < 0.5 * first_std[0][0], "without batchnorm, gain 0.5: the tanh std should shrink "
                  "from layer 1 (%.2f) to layer 5 (%.2f)", first_std[0][0], last_std[0][0]);
    ck_assert_msg(fabs(last_std[0][2] - first_std[0][2]) < 0.15, "without batchnorm, gain 5/3: layer 1 std %.2f and "
                  "layer 5 std %.2f should stay close", first_std[0][2], last_std[0][2]);
    ck_assert_msg(sat1[0][3] > 0.3, "without batchnorm, gain 3: layer 1 should saturate (got %.1f %%)", 100 * sat1[0][3]);
    for (int k = 0; k < 4; k++)
        ck_assert_msg(fabs(last_std[1][k] - last_std[1][1]) < 0.05, "with batchnorm the gain should hardly matter: "
                      "layer 5 std %.3f at gain %.3g, %.3f at gain 1", last_std[1][k], gains[k], last_std[1][1]);
    // the linear stack: without tanh, gain 1 keeps the std (about 1 all the way down)
    graph_init(&g);
    DeepNet lin_net;
    deep_run(&lin_net, &g, &tr, (DeepConfig){false, false, 1.0}, 0, 0.1, NULL, NULL);
    double s1, s5, unused;
    ref_stats(block_out(&lin_net, 0), &s1, &unused);
    ref_stats(block_out(&lin_net, DEEP_NHIDDEN - 1), &s5, &unused);
    harness_note("linear stack at init, gain 1: std layer 1 %.2f, layer 5 %.2f", s1, s5);
    ck_assert_msg(s5 > 0.5 * s1 && s5 < 2 * s1, "linear stack with gain 1: std %.2f at layer 1 and %.2f at layer 5 "
                  "should stay within a factor 2", s1, s5);
    graph_free(&g);
    dataset_free(&tr);
}
END_TEST

/* ------------------------------------------------------------------------- */
/* lab05.6                                                                    */
/* ------------------------------------------------------------------------- */

START_TEST(test_act_stats)
{
    const float t[8] = {0.99f, -0.98f, 0.5f, 0.0f, -0.2f, 0.97f, 0.1f, -1.0f};
    ActStats st = act_stats(t, 8, 0.97f);
    double mu = 0, ss = 0;
    for (int i = 0; i < 8; i++) mu += t[i] / 8.0;
    for (int i = 0; i < 8; i++) ss += (t[i] - mu) * (t[i] - mu);
    EXPECT_NEAR(st.mean, mu, 1e-7, "act_stats mean");
    EXPECT_NEAR(st.std, sqrt(ss / 7), 1e-7, "act_stats std (unbiased)");
    EXPECT_NEAR(st.saturated, 3.0 / 8.0, 1e-12, "act_stats saturated (|t| > 0.97; 0.97 itself is not)");

    // the figure: after the lecture's 1001 steps, with and without batchnorm
    Dataset tr;
    load_split(&tr, NULL);
    for (int withbn = 1; withbn >= 0; withbn--) {
        Graph g;
        graph_init(&g);
        DeepNet net;
        double first;
        deep_run(&net, &g, &tr, (DeepConfig){withbn, true, withbn ? 1.0 : 5.0 / 3.0}, DEEP_STEPS, DEEP_LR, NULL, &first);
        char line[512];
        int len = snprintf(line, sizeof line, "%s: first loss %.4f; tanh saturation %%:", withbn ? "with BN" : "without BN", first);
        for (int k = 0; k < DEEP_NHIDDEN; k++) {
            Layer *l = block_out(&net, k);
            ActStats a = act_stats(l->out->data, l->out->numel, DEEP_SAT);
            ActStats gr = act_stats(l->out->grad, l->out->numel, DEEP_SAT);
            double sd, sat;
            ref_stats(l, &sd, &sat);
            EXPECT_NEAR(a.saturated, sat, 1e-12, "act_stats saturation of a Tanh layer");
            EXPECT_NEAR(a.std, sd, 1e-9, "act_stats std of a Tanh layer");
            len += snprintf(line + len, sizeof line - (size_t)len, " %.2f (std %.2f, grad std %.1e)",
                            100 * a.saturated, a.std, gr.std);
            // with batchnorm: the lecture's 2.78/2.56/2.25/1.69/1.88 %, std 0.63-0.65, grad std ~2e-3;
            // ours (another dataset) must stay in the same regime. Without: the 5/3 gain gives a
            // more saturated first layer (~20 %), as in the lecture's plot.
            double smax = withbn ? 0.06 : 0.35;
            ck_assert_msg(a.saturated > 0.002 && a.saturated < smax, "%s, block %d: tanh saturation %.2f %%, expected "
                          "0.2 .. %.0f %%", withbn ? "BN" : "no BN", k + 1, 100 * a.saturated, 100 * smax);
            ck_assert_msg(a.std > 0.5 && a.std < 0.85, "block %d: std of tanh outputs %.3f (lecture 0.63-0.65)", k + 1, a.std);
            ck_assert_msg(gr.std > 3e-4 && gr.std < 2e-2, "block %d: gradient std %.2e (lecture about 2e-3)", k + 1, gr.std);
        }
        harness_note("%s", line);
        graph_free(&g);
    }
    dataset_free(&tr);
}
END_TEST

/* ------------------------------------------------------------------------- */
/* lab05.7                                                                    */
/* ------------------------------------------------------------------------- */

START_TEST(test_grad_data)
{
    Graph g;
    graph_init(&g);
    Tensor *p = tensor_param(&g, SHAPE(2, 2));
    const float pd[4] = {1, 2, 3, 4}, pg[4] = {0.1f, -0.1f, 0.3f, 0.0f};
    memcpy(p->data, pd, sizeof pd);
    memcpy(p->grad, pg, sizeof pg);
    double sdd = sqrt((1.5 * 1.5 + 0.5 * 0.5) * 2 / 3), gm = 0.075, sg = 0;
    for (int i = 0; i < 4; i++) sg += (pg[i] - gm) * (pg[i] - gm);
    sg = sqrt(sg / 3);
    EXPECT_NEAR(grad_data_ratio(p), sg / sdd, 1e-6, "grad_data_ratio = std(grad) / std(data)");
    graph_free(&g);

    // the figure: the weights after 1001 steps; the lecture's ratios are 8.0e-3 for C and
    // 4.9e-2 to 1.16e-1 for the Linear weights
    Dataset tr;
    load_split(&tr, NULL);
    for (int withbn = 1; withbn >= 0; withbn--) {
        graph_init(&g);
        DeepNet net;
        deep_run(&net, &g, &tr, (DeepConfig){withbn, true, withbn ? 1.0 : 5.0 / 3.0}, DEEP_STEPS, DEEP_LR, NULL, NULL);
        char line[512];
        int len = snprintf(line, sizeof line, "%s: grad:data", withbn ? "with BN" : "without BN");
        for (int pi = 0; pi < net.n_params; pi++) {
            Tensor *w = net.params[pi];
            if (w->shape.ndim != 2) continue;
            double gd = grad_data_ratio(w);
            EXPECT_NEAR(gd, stats_std(w->grad, w->numel) / stats_std(w->data, w->numel), 1e-9 * gd, "grad:data of a weight");
            len += snprintf(line + len, sizeof line - (size_t)len, " %dx%d %.2e", w->shape.d[0], w->shape.d[1], gd);
            ck_assert_msg(gd > 1e-3 && gd < 1.0, "weight %dx%d: grad:data %.2e, expected between 1e-3 and 1",
                          w->shape.d[0], w->shape.d[1], gd);
        }
        harness_note("%s", line);
        graph_free(&g);
    }
    dataset_free(&tr);
}
END_TEST

/* ------------------------------------------------------------------------- */
/* lab05.8                                                                    */
/* ------------------------------------------------------------------------- */

START_TEST(test_update_data)
{
    Graph g;
    graph_init(&g);
    Tensor *p = tensor_param(&g, SHAPE(2, 2));
    const float pd[4] = {1, 2, 3, 4}, pg[4] = {0.1f, -0.1f, 0.3f, 0.0f};
    memcpy(p->data, pd, sizeof pd);
    memcpy(p->grad, pg, sizeof pg);
    double sdd = sqrt((1.5 * 1.5 + 0.5 * 0.5) * 2 / 3), gm = 0.075, sg = 0;
    for (int i = 0; i < 4; i++) sg += (pg[i] - gm) * (pg[i] - gm);
    sg = sqrt(sg / 3);
    EXPECT_NEAR(update_data_log10(p, 0.1f), log10(0.1 * sg / sdd), 1e-6, "update_data_log10 = log10(std(lr grad) / std(data))");
    graph_free(&g);

    // the figure: update:data over the 1001 steps, averaged over the last 100.
    // How near 1e-3: the lecture's own grad:data ratios after these steps (8.0e-3 for C,
    // 4.9e-2 to 1.16e-1 for the Linear weights, makemore part 3 [17]) mean
    // log10(0.1 * ratio) from -3.10 to -1.94: its lines sit between 1e-3 and 1e-2.
    // So at lr 0.1 we accept 10^-3.7 .. 10^-1.6, that range widened by about a factor 2
    // each way (the last layer without batchnorm, the lecture's outlier, up to 10^-1).
    // At lr 0.001 (the lecture's "too low") every line sits about 2 lower, below 10^-3.7
    // (the outlier, which starts near 10^-1, comes down from higher: below 10^-2).
    Dataset tr;
    load_split(&tr, NULL);
    struct { int withbn; double lr; } runs[3] = {{1, DEEP_LR}, {0, DEEP_LR}, {0, 0.001}};
    for (int ri = 0; ri < 3; ri++) {
        int withbn = runs[ri].withbn;
        double lr = runs[ri].lr;
        graph_init(&g);
        DeepNet net;
        float *ud = malloc(sizeof(float) * DEEP_STEPS * DEEP_MAX_PARAMS);
        deep_run(&net, &g, &tr, (DeepConfig){withbn, true, withbn ? 1.0 : 5.0 / 3.0}, DEEP_STEPS, lr, ud, NULL);
        char line[512];
        int len = snprintf(line, sizeof line, "%s, lr %g: log10 update:data (last 100 steps)", withbn ? "with BN" : "without BN", lr);
        for (int pi = 0; pi < net.n_params; pi++) {
            Tensor *w = net.params[pi];
            if (w->shape.ndim != 2) continue;
            double avg = 0;
            for (long s = DEEP_STEPS - 100; s < DEEP_STEPS; s++) avg += ud[s * net.n_params + pi] / 100.0;
            len += snprintf(line + len, sizeof line - (size_t)len, " %.2f", avg);
            // without batchnorm the last Linear (weight * 0.1 at init) is the lecture's outlier:
            // the same-size gradient is a larger fraction of its small weights, so it sits higher
            bool outlier = !withbn && pi == net.n_params - 2;  // its weight (then its bias)
            double lo = lr < 0.01 ? -6.5 : -3.7;
            double hi = lr < 0.01 ? (outlier ? -2.0 : -3.7) : (outlier ? -1.0 : -1.6);
            ck_assert_msg(avg > lo && avg < hi, "%s, lr %g, weight %dx%d: log10(update:data) %.2f, expected between "
                          "%.1f and %.1f", withbn ? "BN" : "no-BN", lr, w->shape.d[0], w->shape.d[1], avg, lo, hi);
        }
        harness_note("%s", line);
        free(ud);
        graph_free(&g);
    }
    dataset_free(&tr);
}
END_TEST

int main(int argc, char **argv)
{
    const HarnessStep steps[] = {
        {"lab05.1", "batchnorm forward from primitives: mean 0, std 1 per neuron; gradient check", test_bn_forward, 30},
        {"lab05.2", "calibration: mean and std over the whole training set", test_calibrate, 30},
        {"lab05.3", "running statistics (momentum 0.001) approach the calibrated ones", test_running, 120},
        {"lab05.4", "evaluation mode: one example alone, and sampling", test_eval, 60},
        {"lab05.5", "the deeper network's layers; at initialization, the gain without and with batchnorm", test_layers, 120},
        {"lab05.6", "activation statistics: tanh saturation after 1001 steps", test_act_stats, 120},
        {"lab05.7", "grad:data ratio of each weight after 1001 steps", test_grad_data, 120},
        {"lab05.8", "update:data ratio over 1001 steps, at lr 0.1 and 0.001", test_update_data, 180},
    };
    return harness_main(argc, argv, "lab05", steps, (int)(sizeof steps / sizeof steps[0]));
}
