/**
 * @file lab04_test.c
 * @brief Lab 04's checklist: one test per step you write in init.c, each
 *        followed by the numbers behind that step's figure.
 *
 * What it is: your functions called on small inputs and compared with values
 * this file computes on its own (plain loops in double, hand-made arrays,
 * finite differences), then the figures' numbers on data/names.txt: the first
 * loss before and after the softmax fix, tanh saturation before and after the
 * tanh fix, the Kaiming std demo, and the four stages' start.
 * What it is not: the 200000-step table (too slow for a test; run
 * `make lab04-solution`), or a speed test.
 *
 * Reads data/names.txt (the shipped SSA 2018 list). Run from the repository
 * root: `make check LAB=04` (your code) or `make test` (the solution).
 */
#include "harness.h"
#include "kit.h"       // kit_last_failure

#include <stdlib.h>
#include <string.h>

#include "data.h"
#include "init.h"
#include "rng.h"
#include "tensor.h"

#define NAMES "data/names.txt"
#define SEED 2147483647ULL
#define UNIFORM_LOSS 3.295836866004329  /* -ln(1/27), by hand */

/* ------------------------------------------------------------------------- */
/* Helpers: independent references in plain loops                           */
/* ------------------------------------------------------------------------- */

static void load_train(Dataset *tr)
{
    Words all, a, b, c;
    ck_assert_msg(words_load(&all, NAMES) == 0, "cannot load %s: %s", NAMES, kit_last_failure());
    ck_assert_msg(words_split(&all, 42, &a, &b, &c) == 0, "words_split: %s", kit_last_failure());
    dataset_build(tr, &a, INIT_BLOCK);
    words_free(&a);
    words_free(&b);
    words_free(&c);
    words_free(&all);
}

/* The lecture's first minibatch: torch.randint(0, n, (B,), generator=g) after the init draws. */
static void first_batch(const Dataset *tr, TorchRng *r, int B, int *X, int *Y)
{
    for (int b = 0; b < B; b++) {
        int ix = (int)rng_randint(r, 0, tr->n);
        memcpy(X + b * tr->T, tr->X + (long)ix * tr->T, sizeof(int) * (size_t)tr->T);
        Y[b] = tr->Y[ix];
    }
}

/* The forward pass in double from the weights: hpreact, h ([B, H], may be NULL)
 * and the mean cross-entropy. Independent of mlp_forward and of the core's ops. */
static double ref_forward(const Mlp *m, const int *X, const int *Y, int B, double *hpre, double *hout)
{
    const int T = m->T, E = m->n_embd, H = m->n_hidden, V = VOCAB, D = T * E;
    double *h = malloc(sizeof(double) * H), loss = 0.0;
    for (int b = 0; b < B; b++) {
        for (int j = 0; j < H; j++) {
            double s = m->b1->data[j];
            for (int t = 0; t < T; t++)
                for (int k = 0; k < E; k++)
                    s += (double)m->C->data[X[b * T + t] * E + k] * m->W1->data[(t * E + k) * H + j];
            if (hpre) hpre[b * H + j] = s;
            h[j] = tanh(s);
            if (hout) hout[b * H + j] = h[j];
        }
        double logits[VOCAB], mx = -INFINITY, z = 0.0;
        for (int v = 0; v < V; v++) {
            double s = m->b2->data[v];
            for (int j = 0; j < H; j++) s += h[j] * m->W2->data[j * V + v];
            logits[v] = s;
            mx = fmax(mx, s);
        }
        for (int v = 0; v < V; v++) z += exp(logits[v] - mx);
        loss += -(logits[Y[b]] - mx - log(z));
    }
    free(h);
    (void)D;
    return loss / B;
}

/* Draw C, W1, b1, W2, b2 in the lecture's order, straight from the generator. */
static void draw_plain(Mlp *m, TorchRng *r)
{
    rng_randn(r, m->C->data, m->C->numel);
    rng_randn(r, m->W1->data, m->W1->numel);
    rng_randn(r, m->b1->data, m->b1->numel);
    rng_randn(r, m->W2->data, m->W2->numel);
    rng_randn(r, m->b2->data, m->b2->numel);
}

static float *copy_of(const Tensor *t)
{
    float *c = malloc(sizeof(float) * (size_t)t->numel);
    memcpy(c, t->data, sizeof(float) * (size_t)t->numel);
    return c;
}

static void expect_scaled(const Tensor *t, const float *orig, float s, const char *what)
{
    float *want = malloc(sizeof(float) * (size_t)t->numel);
    for (int i = 0; i < t->numel; i++) want[i] = orig[i] * s;  // what `W * s` gives in float
    EXPECT_ARRAY_NEAR(t->data, want, t->numel, 0.0, what);
    free(want);
}

/* fraction of |x| > thr in n doubles */
static double frac_above(const double *x, long n, double thr)
{
    long c = 0;
    for (long i = 0; i < n; i++) c += fabs(x[i]) > thr;
    return (double)c / n;
}

/* unbiased std of n doubles */
static double std_d(const double *x, long n)
{
    double s = 0, ss = 0;
    for (long i = 0; i < n; i++) s += x[i];
    double mu = s / n;
    for (long i = 0; i < n; i++) ss += (x[i] - mu) * (x[i] - mu);
    return sqrt(ss / (n - 1));
}

/* ------------------------------------------------------------------------- */
/* lab04.1                                                                    */
/* ------------------------------------------------------------------------- */

START_TEST(test_first_loss)
{
    EXPECT_NEAR(expected_first_loss(27), UNIFORM_LOSS, 1e-6, "expected_first_loss(27) = -log(1/27)");
    EXPECT_NEAR(expected_first_loss(2), 0.6931471805599453, 1e-6, "expected_first_loss(2) = log 2");

    Graph g;
    graph_init(&g);
    Mlp m;
    mlp_create(&m, &g, INIT_BLOCK, INIT_EMB, INIT_HIDDEN);
    TorchRng r;
    rng_seed(&r, SEED);
    draw_plain(&m, &r);
    float *W1 = copy_of(m.W1), *W2 = copy_of(m.W2), *C = copy_of(m.C), *b1 = copy_of(m.b1);
    init_fix_softmax(&m);
    expect_scaled(m.W2, W2, 0.01f, "W2 after the softmax fix (W2 * 0.01)");
    for (int i = 0; i < m.b2->numel; i++) EXPECT_NEAR(m.b2->data[i], 0.0, 0.0, "b2 after the softmax fix");
    expect_scaled(m.W1, W1, 1.0f, "W1 is not the softmax fix's business");
    expect_scaled(m.b1, b1, 1.0f, "b1 is not the softmax fix's business");
    expect_scaled(m.C, C, 1.0f, "C is not the softmax fix's business");

    // the figure: first minibatch loss on data/names.txt, before and after the fix
    Dataset tr;
    load_train(&tr);
    int X[INIT_BATCH * INIT_BLOCK], Y[INIT_BATCH];
    first_batch(&tr, &r, INIT_BATCH, X, Y);
    double fixed = ref_forward(&m, X, Y, INIT_BATCH, NULL, NULL);
    TorchRng r2;
    rng_seed(&r2, SEED);
    draw_plain(&m, &r2);  // the original init, same draws
    double orig = ref_forward(&m, X, Y, INIT_BATCH, NULL, NULL);
    harness_note("first loss: original %.4f, softmax fix %.4f (uniform %.4f; lecture data: 27.8817, 3.3221)",
                 orig, fixed, UNIFORM_LOSS);
    EXPECT_NEAR(fixed, UNIFORM_LOSS, 0.05, "first loss after the softmax fix, data/names.txt");
    ck_assert_msg(orig > 10.0, "the original init's first loss should be far above 3.30 (the hockey stick): got %.4f", orig);
    dataset_free(&tr);
    free(W1);
    free(W2);
    free(C);
    free(b1);
    graph_free(&g);
}
END_TEST

/* ------------------------------------------------------------------------- */
/* lab04.2                                                                    */
/* ------------------------------------------------------------------------- */

START_TEST(test_saturation)
{
    // a hand-made 3 x 4 batch: columns 0 and 2 are saturated in every row
    const float h[12] = {0.995f, -0.5f, 1.0f, 0.2f,
                         -0.999f, 0.1f, 0.995f, 0.3f,
                         0.9999f, 0.0f, -1.0f, 0.99f};  // 0.99 itself is not > 0.99
    const unsigned char want_mask[12] = {1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0};
    unsigned char mask[12];
    memset(mask, 7, sizeof mask);
    SatStats st = tanh_saturation(h, 3, 4, 0.99f, mask);
    EXPECT_NEAR(st.frac, 6.0 / 12.0, 1e-12, "saturated fraction of the hand-made batch");
    EXPECT_INT_EQ(st.dead_cols, 2, "columns saturated in all 3 rows");
    for (int i = 0; i < 12; i++) EXPECT_INT_EQ(mask[i], want_mask[i], "mask (1 where |h| > 0.99)");
    st = tanh_saturation(h, 3, 4, 0.99f, NULL);  // NULL mask is allowed
    EXPECT_INT_EQ(st.dead_cols, 2, "dead columns with a NULL mask");

    Graph g;
    graph_init(&g);
    Mlp m;
    mlp_create(&m, &g, INIT_BLOCK, INIT_EMB, INIT_HIDDEN);
    TorchRng r;
    rng_seed(&r, SEED);
    draw_plain(&m, &r);
    float *W1 = copy_of(m.W1), *b1 = copy_of(m.b1), *W2 = copy_of(m.W2), *b2 = copy_of(m.b2);

    // the figures: the first batch's h, before and after the tanh fix
    Dataset tr;
    load_train(&tr);
    int X[INIT_BATCH * INIT_BLOCK], Y[INIT_BATCH];
    first_batch(&tr, &r, INIT_BATCH, X, Y);
    const int n = INIT_BATCH * INIT_HIDDEN;
    double *hd = malloc(sizeof(double) * n), *hp = malloc(sizeof(double) * n);
    float *hf = malloc(sizeof(float) * n);
    ref_forward(&m, X, Y, INIT_BATCH, hp, hd);
    for (int i = 0; i < n; i++) hf[i] = (float)hd[i];
    SatStats before = tanh_saturation(hf, INIT_BATCH, INIT_HIDDEN, SAT_THRESH, NULL);
    EXPECT_NEAR(before.frac, frac_above(hd, n, 0.99), 1.0 / n, "saturation before the fix vs plain count");
    double hp_std_before = std_d(hp, n);

    init_fix_tanh(&m);
    expect_scaled(m.W1, W1, 0.2f, "W1 after the tanh fix (W1 * 0.2)");
    expect_scaled(m.b1, b1, 0.01f, "b1 after the tanh fix (b1 * 0.01)");
    expect_scaled(m.W2, W2, 1.0f, "W2 is not the tanh fix's business");
    expect_scaled(m.b2, b2, 1.0f, "b2 is not the tanh fix's business");
    ref_forward(&m, X, Y, INIT_BATCH, hp, hd);
    for (int i = 0; i < n; i++) hf[i] = (float)hd[i];
    SatStats after = tanh_saturation(hf, INIT_BATCH, INIT_HIDDEN, SAT_THRESH, NULL);
    harness_note("first batch |h| > 0.99: before %.2f %% (%d dead columns), after %.2f %%; hpreact std %.3f -> %.3f "
                 "(lecture data, first batch: 60.95 %% -> 0.98 %%)",
                 100 * before.frac, before.dead_cols, 100 * after.frac, hp_std_before, std_d(hp, n));
    ck_assert_msg(before.frac > 0.5, "saturation before the fix: got %.4f, expected > 0.5", before.frac);
    ck_assert_msg(after.frac < 0.1, "saturation after the fix: got %.4f, expected < 0.1", after.frac);
    ck_assert_msg(after.dead_cols == 0, "dead columns after the fix: got %d, expected 0", after.dead_cols);

    // the histogram figure: every value lands in a bin, and the original's h piles up at +-1
    long counts[50], total = 0;
    rng_seed(&r, SEED);
    draw_plain(&m, &r);
    ref_forward(&m, X, Y, INIT_BATCH, hp, hd);
    for (int i = 0; i < n; i++) hf[i] = (float)hd[i];
    histogram(hf, n, -1.0f, 1.0f, 50, counts);
    for (int k = 0; k < 50; k++) total += counts[k];
    EXPECT_INT_EQ(total, n, "histogram of h counts every value");
    ck_assert_msg(counts[0] + counts[49] > n / 2, "original h: the end bins should hold most values, got %ld of %d",
                  counts[0] + counts[49], n);

    // the activation-functions figure: each derivative against a finite difference, and where it vanishes
    for (int k = 0; k < ACT_COUNT; k++)
        for (double x = -4.3; x < 4.4; x += 0.7) {
            double f, df, fp, fm, d;
            act_eval((ActKind)k, x, &f, &df);
            act_eval((ActKind)k, x + 1e-6, &fp, &d);
            act_eval((ActKind)k, x - 1e-6, &fm, &d);
            EXPECT_NEAR(df, (fp - fm) / 2e-6, 1e-5, act_name((ActKind)k));
        }
    double f, df;
    act_eval(ACT_TANH, 4.0, &f, &df);
    ck_assert_msg(df < 0.002, "tanh'(4) = %g: the gradient should vanish there", df);
    act_eval(ACT_RELU, -1.0, &f, &df);
    EXPECT_NEAR(df, 0.0, 0.0, "relu'(-1): a dead ReLU passes nothing");
    act_eval(ACT_LEAKY_RELU, -1.0, &f, &df);
    EXPECT_NEAR(df, 0.01, 1e-12, "leaky relu'(-1)");
    act_eval(ACT_SIGMOID, 0.0, &f, &df);
    EXPECT_NEAR(df, 0.25, 1e-12, "sigmoid'(0): the most it ever passes");

    free(hd);
    free(hp);
    free(hf);
    free(W1);
    free(b1);
    free(W2);
    free(b2);
    dataset_free(&tr);
    graph_free(&g);
}
END_TEST

/* ------------------------------------------------------------------------- */
/* lab04.3                                                                    */
/* ------------------------------------------------------------------------- */

START_TEST(test_kaiming)
{
    EXPECT_NEAR(kaiming_scale(5.0 / 3.0, 30), 0.30429030972509225, 1e-12, "kaiming_scale(5/3, 30) = (5/3)/sqrt(30)");
    EXPECT_NEAR(kaiming_scale(1.0, 100), 0.1, 1e-12, "kaiming_scale(1, 100)");

    Graph g;
    graph_init(&g);
    Mlp m;
    mlp_create(&m, &g, INIT_BLOCK, INIT_EMB, INIT_HIDDEN);
    TorchRng r;
    rng_seed(&r, SEED);
    draw_plain(&m, &r);
    float *W1 = copy_of(m.W1), *b1 = copy_of(m.b1), *W2 = copy_of(m.W2);
    init_kaiming(&m);
    expect_scaled(m.W1, W1, (float)0.30429030972509225, "W1 after Kaiming (W1 * (5/3)/sqrt(30))");
    expect_scaled(m.b1, b1, 0.01f, "b1 after Kaiming (b1 * 0.01)");
    expect_scaled(m.W2, W2, 1.0f, "W2 is not Kaiming's business");

    // the Kaiming picture: x randn(1000, 10), w randn(10, 200); std of x @ w with and without the scale
    enum { N = 1000, FI = 10, FO = 200 };
    float *x = malloc(sizeof(float) * N * FI), *w = malloc(sizeof(float) * FI * FO);
    double *y = malloc(sizeof(double) * N * FO), *yk = malloc(sizeof(double) * N * FO);
    rng_seed(&r, SEED);
    rng_randn(&r, x, N * FI);
    rng_randn(&r, w, FI * FO);
    double s = kaiming_scale(1.0, FI);
    for (int i = 0; i < N; i++)
        for (int j = 0; j < FO; j++) {
            double a = 0;
            for (int k = 0; k < FI; k++) a += (double)x[i * FI + k] * w[k * FO + j];
            y[i * FO + j] = a;
            yk[i * FO + j] = a * s;
        }
    double sy = std_d(y, N * FO), syk = std_d(yk, N * FO);
    harness_note("Kaiming demo: std(x @ w) %.4f (sqrt(10) = 3.1623), std(x @ w * kaiming_scale(1, 10)) %.4f", sy, syk);
    EXPECT_NEAR(syk, 1.0, 0.05, "std of x @ w with the 1/sqrt(fan_in) scale");
    EXPECT_NEAR(sy, sqrt(10.0), 0.15, "std of x @ w without it");

    // the MLP at Kaiming (with the softmax fix): hpreact std and saturation of the first batch
    Dataset tr;
    load_train(&tr);
    rng_seed(&r, SEED);
    draw_plain(&m, &r);
    init_kaiming(&m);
    for (int i = 0; i < m.W2->numel; i++) m.W2->data[i] *= 0.01f;
    for (int i = 0; i < m.b2->numel; i++) m.b2->data[i] = 0.0f;
    int X[INIT_BATCH * INIT_BLOCK], Y[INIT_BATCH];
    first_batch(&tr, &r, INIT_BATCH, X, Y);
    const int n = INIT_BATCH * INIT_HIDDEN;
    double *hd = malloc(sizeof(double) * n), *hp = malloc(sizeof(double) * n);
    double loss = ref_forward(&m, X, Y, INIT_BATCH, hp, hd);
    harness_note("Kaiming first batch: loss %.4f, hpreact std %.3f, |h| > 0.99 %.2f %% (lecture data: 3.3179, 8.14 %%)",
                 loss, std_d(hp, n), 100 * frac_above(hd, n, 0.99));
    EXPECT_NEAR(std_d(hp, n), 5.0 / 3.0, 0.35, "hpreact std at Kaiming init (gain 5/3)");
    ck_assert_msg(frac_above(hd, n, 0.99) < 0.15, "saturation at Kaiming init: got %.4f, expected < 0.15",
                  frac_above(hd, n, 0.99));
    EXPECT_NEAR(loss, UNIFORM_LOSS, 0.05, "first loss at Kaiming init");
    free(x);
    free(w);
    free(y);
    free(yk);
    free(hd);
    free(hp);
    free(W1);
    free(b1);
    free(W2);
    dataset_free(&tr);
    graph_free(&g);
}
END_TEST

/* ------------------------------------------------------------------------- */
/* lab04.4                                                                    */
/* ------------------------------------------------------------------------- */

START_TEST(test_stages)
{
    // scales each stage applies to W1, b1, W2, b2 (C is never scaled)
    const float scale[STAGE_COUNT][4] = {
        {1.0f, 1.0f, 1.0f, 1.0f},
        {1.0f, 1.0f, 0.01f, 0.0f},
        {0.2f, 0.01f, 0.01f, 0.0f},
        {(float)0.30429030972509225, 0.01f, 0.01f, 0.0f},
    };
    Dataset tr;
    load_train(&tr);
    double first[STAGE_COUNT], late[STAGE_COUNT];
    for (int s = 0; s < STAGE_COUNT; s++) {
        Graph g, gr;
        graph_init(&g);
        graph_init(&gr);
        Mlp m, ref;
        mlp_create(&m, &g, INIT_BLOCK, INIT_EMB, INIT_HIDDEN);
        mlp_create(&ref, &gr, INIT_BLOCK, INIT_EMB, INIT_HIDDEN);
        TorchRng r, rr;
        rng_seed(&r, SEED);
        rng_seed(&rr, SEED);
        mlp_init(&m, &r, (InitStage)s);
        draw_plain(&ref, &rr);
        char what[96];
        snprintf(what, sizeof what, "C, stage %s", stage_name((InitStage)s));
        expect_scaled(m.C, ref.C->data, 1.0f, what);
        Tensor *mine[4] = {m.W1, m.b1, m.W2, m.b2}, *theirs[4] = {ref.W1, ref.b1, ref.W2, ref.b2};
        const char *nm[4] = {"W1", "b1", "W2", "b2"};
        for (int k = 0; k < 4; k++) {
            snprintf(what, sizeof what, "%s, stage %s (drawn in the order C, W1, b1, W2, b2, then scaled)", nm[k],
                     stage_name((InitStage)s));
            expect_scaled(mine[k], theirs[k]->data, scale[s][k], what);
        }
        EXPECT_INT_EQ(rng_u32(&r), rng_u32(&rr), "the generator after mlp_init (no extra or missing draws)");

        // the stage's start and a short run of the given loop: the hockey stick shows in the first steps
        rng_seed(&r, SEED);
        mlp_init(&m, &r, (InitStage)s);
        TrainConfig cfg = {1000, INIT_BATCH, INIT_LR, true};
        FirstBatch fb = {0};
        mlp_train(&m, &tr, &r, &cfg, NULL, &fb);
        first[s] = fb.loss;
        bool was = graph_set_no_grad(&g, true);  // the loss on 10,000 fixed examples, not one noisy batch
        late[s] = tensor_item(mlp_forward(&m, tr.X, tr.Y, 10000).loss);
        graph_set_no_grad(&g, was);
        graph_step_reset(&g);
        free(fb.h);
        free(fb.hpreact);
        graph_free(&g);
        graph_free(&gr);
    }
    harness_note("first losses: original %.4f, softmax %.4f, tanh %.4f, kaiming %.4f (lecture data: 27.8817, 3.3221, 3.3135, 3.3179)",
                 first[0], first[1], first[2], first[3]);
    harness_note("loss on 10,000 training examples after 1000 steps: %.4f, %.4f, %.4f, %.4f", late[0], late[1], late[2], late[3]);
    ck_assert_msg(first[0] > 10.0, "original first loss %.4f: expected the hockey stick (> 10)", first[0]);
    for (int s = 1; s < STAGE_COUNT; s++) EXPECT_NEAR(first[s], UNIFORM_LOSS, 0.05, stage_name((InitStage)s));
    // the hockey stick's cost: after 1000 steps the fixed stages are well on their way, while
    // the original has only come down from its first loss and is still far behind
    ck_assert_msg(isfinite(late[0]) && late[0] < first[0] / 2, "original: loss after 1000 steps %.4f, expected below half of %.4f",
                  late[0], first[0]);
    for (int s = 1; s < STAGE_COUNT; s++) {
        ck_assert_msg(isfinite(late[s]) && late[s] < 2.6, "stage %s: loss after 1000 steps %.4f, expected < 2.6",
                      stage_name((InitStage)s), late[s]);
        ck_assert_msg(late[0] > late[s] + 0.5, "after 1000 steps the original (%.4f) should still be far behind %s (%.4f)",
                      late[0], stage_name((InitStage)s), late[s]);
    }
    dataset_free(&tr);
}
END_TEST



int main(int argc, char **argv)
{
    const HarnessStep steps[] = {
        {"lab04.1", "expected first loss -log(1/27) and the softmax fix (W2 * 0.01, b2 * 0)", test_first_loss, 30},
        {"lab04.2", "tanh saturation of the first batch and the tanh fix (W1 * 0.2, b1 * 0.01)", test_saturation, 30},
        {"lab04.3", "Kaiming's scale gain / sqrt(fan_in) keeps std near 1", test_kaiming, 30},
        {"lab04.4", "the four initializations: draw order, fixes, first losses", test_stages, 120},
    };
    return harness_main(argc, argv, "lab04", steps, (int)(sizeof steps / sizeof steps[0]));
}
