/*
 * lab02_test.c: the checklist for lab 02 (the bigram model as a neural net),
 * one step per part you write in nn.c, plus the numbers behind the figures.
 *
 * What it is: each step calls your functions and compares with numbers found
 * another way: pairs built here with plain loops, softmax and its gradient
 * computed here in double, and the lecture's printed losses and samples. The
 * lecture's full-data run needs only the bigram counts of makemore's
 * names.txt (tests/fixtures/makemore_bigram_counts.txt): the loss is a mean
 * over pairs, so the pairs can be rebuilt from the counts (in another order,
 * which moves the loss by far less than the 4 decimals the lecture printed).
 * lab02.fast checks the driver's default, the loss from the count table
 * (nn_loss_counts, provided), against the lecture's one-hot path and against
 * a double-precision reference; the figures' runs then train with it.
 * What it is not: a test of the core's autograd (core_tensor tests do that) or
 * of the driver.
 *
 * Run: make check LAB=02 (your code), make test (the solution).
 */
#include <stdlib.h>
#include <string.h>

#include "data.h"
#include "harness.h"
#include "kit.h"       // kit_last_failure
#include "nn.h"
#include "rng.h"
#include "tensor.h"

#define LECTURE_SEED 2147483647u
#define FIXTURE "tests/fixtures/makemore_bigram_counts.txt"
#define NAMES "data/names.txt"

/* ---- helpers ------------------------------------------------------------- */

static void load_fixture_counts(long N[VOCAB][VOCAB])
{
    FILE *f = fopen(FIXTURE, "r");
    ck_assert_msg(f != NULL, "cannot open %s. HINT: run the tests from the repository root (make check)", FIXTURE);
    char line[4096];
    int row = 0;
    while (row < VOCAB && fgets(line, sizeof line, f)) {
        if (line[0] == '#') continue;
        char *p = line;
        for (int j = 0; j < VOCAB; j++) {
            char *end;
            N[row][j] = strtol(p, &end, 10);
            ck_assert_msg(end != p, "%s: row %d has fewer than 27 numbers", FIXTURE, row);
            p = end;
        }
        row++;
    }
    fclose(f);
    ck_assert_msg(row == VOCAB, "%s: %d rows, expected 27", FIXTURE, row);
}

/* The lecture's training set, rebuilt from its counts: N[i][j] copies of (i, j). */
static Pairs pairs_from_counts(long N[VOCAB][VOCAB])
{
    long n = 0;
    for (int i = 0; i < VOCAB; i++)
        for (int j = 0; j < VOCAB; j++) n += N[i][j];
    Pairs p = {malloc((size_t)n * sizeof(int)), malloc((size_t)n * sizeof(int)), (int)n};
    ck_assert(p.xs && p.ys);
    long k = 0;
    for (int i = 0; i < VOCAB; i++)
        for (int j = 0; j < VOCAB; j++)
            for (long c = 0; c < N[i][j]; c++) p.xs[k] = i, p.ys[k] = j, k++;
    return p;
}

/* W = torch.randn((27, 27), generator=torch.Generator().manual_seed(2147483647)) */
static Tensor *lecture_W(Graph *g)
{
    Tensor *W = tensor_param(g, SHAPE(VOCAB, VOCAB));
    TorchRng r;
    rng_seed(&r, LECTURE_SEED);
    tensor_randn_(W, &r);
    return W;
}

/* softmax of row x of W, in double */
static void softmax_row(const float *W, int x, double p[VOCAB])
{
    double s = 0;
    for (int j = 0; j < VOCAB; j++) s += p[j] = exp((double)W[x * VOCAB + j]);
    for (int j = 0; j < VOCAB; j++) p[j] /= s;
}

/* The loss and its gradient, by hand in double:
 * L = -(1/n) sum_i log p_i[y_i] + reg * mean(W^2),
 * dL/dW[x][j] = (1/n) sum_{i: x_i = x} (p_i[j] - [j == y_i]) + reg * 2 W[x][j] / 729. */
static double loss_reference(const float *W, const int *xs, const int *ys, int n, double reg, double *dW)
{
    double L = 0;
    if (dW) memset(dW, 0, sizeof(double) * VOCAB * VOCAB);
    for (int i = 0; i < n; i++) {
        double p[VOCAB];
        softmax_row(W, xs[i], p);
        L -= log(p[ys[i]]) / n;
        if (dW)
            for (int j = 0; j < VOCAB; j++) dW[xs[i] * VOCAB + j] += (p[j] - (j == ys[i])) / n;
    }
    for (int k = 0; k < VOCAB * VOCAB; k++) {
        L += reg * (double)W[k] * W[k] / (VOCAB * VOCAB);
        if (dW) dW[k] += reg * 2.0 * W[k] / (VOCAB * VOCAB);
    }
    return L;
}

static void expect_grad(const float *got, const double *want, double tol, const char *what)
{
    float w[VOCAB * VOCAB];
    for (int k = 0; k < VOCAB * VOCAB; k++) w[k] = (float)want[k];
    EXPECT_ARRAY_NEAR(got, w, VOCAB * VOCAB, tol, what);
}

static const int EMMA_X[5] = {0, 5, 13, 13, 1};   // . e m m a
static const int EMMA_Y[5] = {5, 13, 13, 1, 0};   // e m m a .

/* The lecture's per-example probabilities of the correct next character (cell [46]). */
static const double EMMA_P[5] = {0.012286253273487091, 0.018050702288746834, 0.026691533625125885,
                                 0.07367684692144394, 0.0149775305762887};

/* ---- lab02.1: the training set ------------------------------------------ */

START_TEST(test_pairs)
{
    char *emma[] = {"emma", "ava"};
    Words w = {emma, 1, NULL};
    Pairs p = {0};
    nn_pairs_build(&p, &w);
    EXPECT_INT_EQ(p.n, 5, "pairs of \"emma\"");
    for (int i = 0; i < 5; i++) {
        EXPECT_INT_EQ(p.xs[i], EMMA_X[i], "xs of \"emma\" (.e em mm ma a.)");
        EXPECT_INT_EQ(p.ys[i], EMMA_Y[i], "ys of \"emma\" (.e em mm ma a.)");
    }
    nn_pairs_free(&p);
    w.n = 2;
    nn_pairs_build(&p, &w);
    EXPECT_INT_EQ(p.n, 9, "pairs of {emma, ava}");
    const int ax[4] = {0, 1, 22, 1}, ay[4] = {1, 22, 1, 0};   // .a av va a.
    for (int i = 0; i < 4; i++) {
        EXPECT_INT_EQ(p.xs[5 + i], ax[i], "xs of \"ava\" after \"emma\"");
        EXPECT_INT_EQ(p.ys[5 + i], ay[i], "ys of \"ava\" after \"emma\"");
    }
    nn_pairs_free(&p);

    // the shipped data, against pairs read here line by line
    Words all;
    ck_assert_msg(words_load(&all, NAMES) == 0, "%s", kit_last_failure());
    nn_pairs_build(&p, &all);
    EXPECT_INT_EQ(p.n, 229804, "pairs in data/names.txt");
    FILE *f = fopen(NAMES, "r");
    ck_assert(f != NULL);
    char line[256];
    long k = 0, dot_a = 0;
    while (fgets(line, sizeof line, f) && k < p.n) {
        line[strcspn(line, "\r\n")] = '\0';
        if (!line[0]) continue;
        int prev = 0;
        for (char *c = line; k < p.n; c++) {
            int next = *c ? *c - 'a' + 1 : 0;
            if (p.xs[k] != prev || p.ys[k] != next)   // assert only on a mismatch: 229,804 asserts are slow
                ck_assert_msg(0, "pair %ld (in \"%s\"): got (%d, %d), expected (%d, %d)", k, line, p.xs[k], p.ys[k],
                              prev, next);
            dot_a += prev == 0 && next == 1;
            k++;
            if (!*c) break;
            prev = next;
        }
    }
    fclose(f);
    EXPECT_INT_EQ(k, p.n, "pairs read back");
    EXPECT_INT_EQ(dot_a, 4438, "pairs ('.', 'a')");
    nn_pairs_free(&p);
    words_free(&all);
}
END_TEST

/* ---- lab02.2: the forward pass ------------------------------------------ */

START_TEST(test_forward)
{
    Graph g;
    graph_init(&g);
    Tensor *W = lecture_W(&g);

    // the lecture's one-hot forward on "emma"
    Tensor *logits = nn_logits_onehot(&g, W, EMMA_X, 5);
    ck_assert_msg(logits && logits->shape.ndim == 2 && logits->shape.d[0] == 5 && logits->shape.d[1] == VOCAB,
                  "one-hot logits must be [5, 27]");
    ck_assert_msg(logits->requires_grad, "logits must require grad (build them with tensor ops from W)");
    for (int i = 0; i < 5; i++)
        EXPECT_ARRAY_NEAR(logits->data + i * VOCAB, W->data + EMMA_X[i] * VOCAB, VOCAB, 0,
                          "row i of xenc @ W is row xs[i] of W");
    Tensor *probs = nn_softmax(logits);
    ck_assert_msg(probs && probs->numel == 5 * VOCAB, "probs must be [5, 27]");
    ck_assert_msg(probs->requires_grad, "probs must require grad (exp, sum and div are tensor ops)");
    for (int i = 0; i < 5; i++) {
        double p[VOCAB];
        float want[VOCAB];
        softmax_row(W->data, EMMA_X[i], p);
        for (int j = 0; j < VOCAB; j++) want[j] = (float)p[j];
        EXPECT_ARRAY_NEAR(probs->data + i * VOCAB, want, VOCAB, 1e-7, "probs = exp(logits) / row sums");
        EXPECT_NEAR(probs->data[i * VOCAB + EMMA_Y[i]], EMMA_P[i], 1e-7, "lecture: p of the correct next character");
    }

    // the row gather gives the same logits, bit for bit
    Tensor *lg = nn_logits_gather(W, EMMA_X, 5);
    ck_assert_msg(lg && lg->numel == 5 * VOCAB && lg->requires_grad, "gathered logits must be [5, 27] and require grad");
    EXPECT_ARRAY_NEAR(lg->data, logits->data, 5 * VOCAB, 0, "W[xs] equals one_hot(xs) @ W");
    graph_step_reset(&g);

    // ... and the same gradient: d/dW of sum(R * probs) along both paths, and by hand
    enum { n = 1000 };
    static int xs[n];
    static float R[n * VOCAB];
    TorchRng r;
    rng_seed(&r, 42);
    for (int i = 0; i < n; i++) xs[i] = (int)rng_randint(&r, 0, VOCAB);
    rng_rand(&r, R, n * VOCAB);
    static double want[VOCAB * VOCAB];
    memset(want, 0, sizeof want);
    for (int i = 0; i < n; i++) {
        double p[VOCAB], rp = 0;
        softmax_row(W->data, xs[i], p);
        for (int k = 0; k < VOCAB; k++) rp += R[i * VOCAB + k] * p[k];
        for (int j = 0; j < VOCAB; j++) want[xs[i] * VOCAB + j] += p[j] * (R[i * VOCAB + j] - rp);   // softmax's Jacobian
    }
    static float grad_onehot[VOCAB * VOCAB];
    for (int path = 0; path < 2; path++) {
        Tensor *lo = path == 0 ? nn_logits_onehot(&g, W, xs, n) : nn_logits_gather(W, xs, n);
        Tensor *pr = nn_softmax(lo);
        Tensor *s = tensor_sum_all(tensor_mul(pr, tensor_from(&g, SHAPE(n, VOCAB), R)));
        params_zero_grad(&W, 1);
        tensor_backward(s);
        expect_grad(W->grad, want, 1e-5, path == 0 ? "dW through one-hot @ W and your softmax" : "dW through W[xs] and your softmax");
        if (path == 0) memcpy(grad_onehot, W->grad, sizeof grad_onehot);
        else EXPECT_ARRAY_NEAR(W->grad, grad_onehot, VOCAB * VOCAB, 1e-6, "dW: gather path against one-hot path");
        graph_step_reset(&g);
    }
    graph_free(&g);
}
END_TEST

/* ---- lab02.3: the loss ---------------------------------------------------- */

START_TEST(test_loss)
{
    Graph g;
    graph_init(&g);
    Tensor *W = lecture_W(&g);
    // probs from the core's softmax, so this step does not depend on lab02.2
    Tensor *probs = tensor_softmax(tensor_embed(W, EMMA_X, SHAPE(5)));
    Tensor *loss = nn_loss(probs, W, EMMA_Y, 0.0f);
    ck_assert_msg(loss && loss->numel == 1, "the loss must be a one-element tensor");
    EXPECT_NEAR(tensor_item(loss), 3.7693049907684326, 1e-6, "lecture: loss on \"emma\", no regularisation (cell [46])");
    graph_step_reset(&g);

    probs = tensor_softmax(tensor_embed(W, EMMA_X, SHAPE(5)));
    loss = nn_loss(probs, W, EMMA_Y, 0.01f);
    static double dW[VOCAB * VOCAB];
    double want = loss_reference(W->data, EMMA_X, EMMA_Y, 5, (double)0.01f, dW);
    EXPECT_NEAR(tensor_item(loss), want, 1e-6, "loss on \"emma\" + 0.01 * mean(W^2)");
    ck_assert_msg(loss->requires_grad, "the loss must require grad (build it with tensor ops)");
    params_zero_grad(&W, 1);
    tensor_backward(loss);
    expect_grad(W->grad, dW, 1e-6, "dloss/dW: (p - onehot(y)) / n in the rows of xs, plus 0.02 W / 729");
    harness_note("emma: loss %.7f (lecture 3.7693050 without the 0.01 * mean(W^2) = %.7f)", want,
                 want - 3.7693049907684326);
    graph_free(&g);
}
END_TEST

/* ---- lab02.4: gradient descent, then sampling ---------------------------- */

START_TEST(test_step_and_sample)
{
    // the lecture's 5 examples at lr 0.1, no regularisation (cells [51]-[54])
    const double want[5] = {3.7693049907684326, 3.7492127418518066, 3.7291626930236816, 3.7091546058654785,
                            3.6891887187957764};
    Pairs emma = {(int *)EMMA_X, (int *)EMMA_Y, 5};
    const char *path_name[3] = {"one-hot path", "gather path", "rows path"};
    static float W_after[3][VOCAB * VOCAB];
    for (int path = NN_ONEHOT; path <= NN_ROWS; path++) {
        Graph g;
        graph_init(&g);
        Tensor *W = lecture_W(&g);
        for (int k = 0; k < 5; k++) {
            float got = nn_step(&g, W, &emma, 0.1f, 0.0f, (NnForward)path);
            char what[128];
            snprintf(what, sizeof what, "lecture: loss of forward %d on \"emma\" (%s)", k, path_name[path]);
            EXPECT_NEAR(got, want[k], 2e-6, what);
            ck_assert_msg(arena_used(&g.step) == 0, "after a step the step arena must be empty: call graph_step_reset(g)");
        }
        memcpy(W_after[path], W->data, sizeof W_after[path]);
        graph_free(&g);
    }
    EXPECT_ARRAY_NEAR(W_after[NN_GATHER], W_after[NN_ONEHOT], VOCAB * VOCAB, 1e-6, "W after 5 steps: gather against one-hot");
    EXPECT_ARRAY_NEAR(W_after[NN_ROWS], W_after[NN_ONEHOT], VOCAB * VOCAB, 1e-6, "W after 5 steps: rows against one-hot");

    // sampling: a net that knows the counts (W = log(N + 1), "W learns log-counts")
    // samples what lab 01's table samples
    static long N[VOCAB][VOCAB];
    load_fixture_counts(N);
    Graph g;
    graph_init(&g);
    Tensor *W = tensor_param(&g, SHAPE(VOCAB, VOCAB));
    for (int i = 0; i < VOCAB; i++)
        for (int j = 0; j < VOCAB; j++) W->data[i * VOCAB + j] = (float)log((double)N[i][j] + 1.0);
    TorchRng r;
    rng_seed(&r, LECTURE_SEED);
    const char *lab01[5] = {"mor.", "axx.", "minaymoryles.", "kondlaisah.", "anchshizarie."};
    char name[64];
    for (int s = 0; s < 5; s++) {
        nn_sample(W, &r, name, sizeof name);
        ck_assert_msg(strcmp(name, lab01[s]) == 0, "W = log(N+1): sample %d is \"%s\", expected lab 01's \"%s\"", s + 1, name,
                      lab01[s]);
    }
    // a forced chain: '.' -> b -> '.' costs 2 draws of 2 words each
    for (int k = 0; k < VOCAB * VOCAB; k++) W->data[k] = 0.0f;
    W->data[0 * VOCAB + 2] = 50.0f;   // exp(50) fits a float; exp(100) would be inf
    for (int i = 1; i < VOCAB; i++) W->data[i * VOCAB + 0] = 50.0f;
    rng_seed(&r, LECTURE_SEED);
    int len = nn_sample(W, &r, name, sizeof name);
    ck_assert_msg(len == 2 && strcmp(name, "b.") == 0, "forced chain: got \"%s\" (length %d), expected \"b.\"", name, len);
    TorchRng ref;
    rng_seed(&ref, LECTURE_SEED);
    for (int i = 0; i < 4; i++) (void)rng_u32(&ref);
    ck_assert_msg(rng_u32(&r) == rng_u32(&ref), "2 characters must use exactly 2 draws: one rng_multinomial_replacement per character");
    graph_free(&g);
}
END_TEST

/* ---- lab02.fast: the counts path (the driver's default) equals the lecture's ---- */

/* The full-batch loss and dW at the current W along the lecture's one-hot path
 * (your nn_logits_onehot, nn_softmax, nn_loss) and along nn_loss_counts, each
 * against loss_reference (double, per example). Tolerances:
 *  - loss 1e-6 (4 ulps at 3.77): both paths compute the same float log p for
 *    each (x, y), bit for bit (the same ops on the same row of W); they differ
 *    only in summing n terms in double versus 729 cells N*log p (one float
 *    rounding each) in double, then one or two float roundings of the result.
 *  - dW of the counts path 1e-7 of the double reference (measured < 1e-8):
 *    each cell is (rowcount*p - N)/n through a few float ops.
 *  - dW of the one-hot path @p tol_onehot: its backward adds the n rows of
 *    dlogits into 27 rows of dW in float, up to 32,257 additions into row '.'
 *    on data/names.txt (measured 1.1e-5 there, about 3e-4 of max |dW| = 0.032;
 *    an exact 1e-7 on the 5 pairs of "emma"). The counts path is the more
 *    accurate of the two, so the comparison between them uses the one-hot bound. */
static void compare_paths(Graph *g, Tensor *W, const Pairs *d, const NnCounts *c, double tol_onehot, const char *where)
{
    static float dW_onehot[VOCAB * VOCAB], dW_counts[VOCAB * VOCAB];
    static double dW_ref[VOCAB * VOCAB];
    char what[160];
    Tensor *l = nn_loss(nn_softmax(nn_logits_onehot(g, W, d->xs, d->n)), W, d->ys, 0.01f);   // the lecture's
    float loss_onehot = tensor_item(l);
    params_zero_grad(&W, 1);
    tensor_backward(l);
    memcpy(dW_onehot, W->grad, sizeof dW_onehot);
    graph_step_reset(g);
    l = nn_loss_counts(g, W, c, 0.01f);                                                       // the fast path
    ck_assert_msg(l && l->numel == 1 && l->requires_grad, "nn_loss_counts must return a [1] loss that requires grad");
    float loss_counts = tensor_item(l);
    params_zero_grad(&W, 1);
    tensor_backward(l);
    memcpy(dW_counts, W->grad, sizeof dW_counts);
    graph_step_reset(g);
    double want = loss_reference(W->data, d->xs, d->ys, d->n, (double)0.01f, dW_ref);

    snprintf(what, sizeof what, "%s: loss, counts path against one-hot path", where);
    EXPECT_NEAR(loss_counts, loss_onehot, 1e-6, what);
    snprintf(what, sizeof what, "%s: loss, counts path against the double reference", where);
    EXPECT_NEAR(loss_counts, want, 1e-6, what);
    snprintf(what, sizeof what, "%s: loss, one-hot path against the double reference", where);
    EXPECT_NEAR(loss_onehot, want, 1e-6, what);
    double md_counts = 0, md_onehot = 0, md_paths = 0;
    for (int k = 0; k < VOCAB * VOCAB; k++) {
        md_counts = fmax(md_counts, fabs(dW_counts[k] - dW_ref[k]));
        md_onehot = fmax(md_onehot, fabs(dW_onehot[k] - dW_ref[k]));
        md_paths = fmax(md_paths, fabs((double)dW_counts[k] - dW_onehot[k]));
    }
    snprintf(what, sizeof what, "%s: dW of the counts path against (rowcount*p - N)/n + 0.02 W/729 in double", where);
    expect_grad(dW_counts, dW_ref, 1e-7, what);
    snprintf(what, sizeof what, "%s: dW of the one-hot path against the double reference", where);
    expect_grad(dW_onehot, dW_ref, tol_onehot, what);
    snprintf(what, sizeof what, "%s: dW, counts path against one-hot path", where);
    EXPECT_ARRAY_NEAR(dW_counts, dW_onehot, VOCAB * VOCAB, tol_onehot, what);
    harness_note("%s: loss one-hot %.7f counts %.7f (|diff| %.1e, tol 1e-06); dW maxdiff counts-onehot %.1e (tol %.0e), "
                 "against double: counts %.1e (tol 1e-07), one-hot %.1e",
                 where, loss_onehot, loss_counts, fabs((double)loss_counts - loss_onehot), md_paths, tol_onehot, md_counts,
                 md_onehot);
}

START_TEST(test_fast_path)
{
    // the count table of "emma": five bigrams, each once
    Pairs emma = {(int *)EMMA_X, (int *)EMMA_Y, 5};
    static NnCounts ce;
    nn_counts_build(&ce, &emma);
    EXPECT_INT_EQ(ce.n, 5, "pairs counted in \"emma\"");
    for (int x = 0; x < VOCAB; x++)
        for (int y = 0; y < VOCAB; y++) {
            int want = 0;
            for (int i = 0; i < 5; i++) want += EMMA_X[i] == x && EMMA_Y[i] == y;
            if ((int)ce.N[x * VOCAB + y] != want)
                ck_assert_msg(0, "N[%c][%c] of \"emma\" is %g, expected %d", itos(x), itos(y), ce.N[x * VOCAB + y], want);
        }

    Graph g;
    graph_init(&g);
    Tensor *W = lecture_W(&g);
    compare_paths(&g, W, &emma, &ce, 1e-7, "emma, lecture W");

    // the lecture's 4 steps on "emma" at lr 0.1 (cells [51]-[54]), along the counts path
    const double want[5] = {3.7693049907684326, 3.7492127418518066, 3.7291626930236816, 3.7091546058654785,
                            3.6891887187957764};
    for (int k = 0; k < 5; k++) {
        char what[96];
        snprintf(what, sizeof what, "lecture: loss of forward %d on \"emma\" (counts path)", k);
        EXPECT_NEAR(nn_step_counts(&g, W, &ce, 0.1f, 0.0f), want[k], 2e-6, what);
    }
    graph_free(&g);
    graph_init(&g);
    W = lecture_W(&g);
    (void)nn_step_counts(&g, W, &ce, 50.0f, 0.01f);
    size_t mem_emma = g.step.high_water;
    graph_free(&g);

    // data/names.txt: the table against one counted here, then both paths
    Words all;
    ck_assert_msg(words_load(&all, NAMES) == 0, "%s", kit_last_failure());
    Pairs d = {0};
    nn_pairs_build(&d, &all);
    static NnCounts c;
    nn_counts_build(&c, &d);
    static long N[VOCAB][VOCAB];
    memset(N, 0, sizeof N);
    for (int i = 0; i < d.n; i++) N[d.xs[i]][d.ys[i]]++;
    EXPECT_INT_EQ(c.n, 229804, "pairs counted in data/names.txt");
    for (int x = 0; x < VOCAB; x++)
        for (int y = 0; y < VOCAB; y++)
            if ((long)c.N[x * VOCAB + y] != N[x][y])
                ck_assert_msg(0, "N[%c][%c] is %g, expected %ld", itos(x), itos(y), c.N[x * VOCAB + y], N[x][y]);
    EXPECT_INT_EQ((long)c.N[0 * VOCAB + 1], 4438, "N['.']['a'] in data/names.txt");

    // one step's memory does not grow with n: the same step arena for 5 pairs and 229,804
    graph_init(&g);
    W = lecture_W(&g);
    (void)nn_step_counts(&g, W, &c, 50.0f, 0.01f);
    ck_assert_msg(g.step.high_water == mem_emma && mem_emma < 256 * 1024,
                  "a counts step used %zu bytes of step arena on data/names.txt and %zu on \"emma\": expected the same, "
                  "under 256 KB (one [n, V] float tensor here is %zu bytes)",
                  g.step.high_water, mem_emma, (size_t)d.n * VOCAB * sizeof(float));
    harness_note("step arena of one counts step: %zu bytes for any n (one [n, V] tensor: %zu)", mem_emma,
                 (size_t)d.n * VOCAB * sizeof(float));
    graph_free(&g);

    graph_init(&g);
    W = lecture_W(&g);
    compare_paths(&g, W, &d, &c, 5e-5, "data/names.txt, lecture W");
    for (int k = 0; k < 50; k++) (void)nn_step_counts(&g, W, &c, 50.0f, 0.01f);
    compare_paths(&g, W, &d, &c, 5e-5, "data/names.txt, W after 50 steps");
    graph_free(&g);

    // 10 steps at lr 50 along your nn_step (gather path) and along the counts path:
    // the traces agree within issue 7's 1e-4 for a 10-step trace (measured: about 2e-5,
    // from the gather path's float-accumulated dW times lr 50 at step 0)
    Graph g1, g2;
    graph_init(&g1);
    graph_init(&g2);
    Tensor *W1 = lecture_W(&g1), *W2 = lecture_W(&g2);
    double maxtrace = 0;
    for (int k = 0; k < 10; k++) {
        float a = nn_step(&g1, W1, &d, 50.0f, 0.01f, NN_GATHER), b = nn_step_counts(&g2, W2, &c, 50.0f, 0.01f);
        char what[96];
        snprintf(what, sizeof what, "loss of step %d: counts path against gather path", k);
        EXPECT_NEAR(b, a, 1e-4, what);
        maxtrace = fmax(maxtrace, fabs((double)a - b));
    }
    harness_note("10 steps at lr 50: loss trace maxdiff %.1e (tol 1e-04)", maxtrace);
    graph_free(&g1);
    graph_free(&g2);
    nn_pairs_free(&d);
    words_free(&all);
}
END_TEST

/* ---- figures: the loss curve and the two tables --------------------------- */

/* The lecture's full-data run, from its counts: @p steps steps at lr 50 with
 * reg 0.01, losses into @p loss. Returns the graph holding W (caller frees). */
static Tensor *train_lecture(Graph *g, Pairs *d, long N[VOCAB][VOCAB], int steps, double *loss)
{
    load_fixture_counts(N);
    *d = pairs_from_counts(N);
    EXPECT_INT_EQ(d->n, 228146, "lecture: pairs in makemore's names.txt");
    static NnCounts c;
    nn_counts_build(&c, d);   // back to the fixture's table, through the pairs as the driver does
    graph_init(g);
    Tensor *W = lecture_W(g);
    // the driver's default path (lab02.fast checks it against the one-hot path)
    for (int k = 0; k < steps; k++) loss[k] = nn_step_counts(g, W, &c, 50.0f, 0.01f);
    return W;
}

START_TEST(test_fig_loss)
{
    Graph g;
    Pairs d;
    static long N[VOCAB][VOCAB];
    double loss[100];
    train_lecture(&g, &d, N, 100, loss);
    EXPECT_NEAR(loss[0], 3.768618583679199, 2e-6, "lecture: loss at step 0 (full data, lr 50)");
    // torch's own step-0 gradient carries float rounding (its one-hot matmul sums 228,146
    // rows in float) which lr 50 turns into about 2e-5 of loss at step 1; the exact
    // gradient gives 3.3788069. By step 99 the trajectories agree again to 1e-7.
    EXPECT_NEAR(loss[1], 3.3787858486175537, 5e-5, "lecture: loss at step 1 (torch 1.13 trajectory)");
    EXPECT_NEAR(loss[99], 2.4901304244995117, 5e-5, "lecture: loss at step 99");
    for (int k = 1; k < 100; k++)
        ck_assert_msg(loss[k] < loss[k - 1], "the loss curve must fall at every step: step %d %.6f, step %d %.6f", k - 1,
                      loss[k - 1], k, loss[k]);
    harness_note("lecture counts: loss %.7f at step 0, %.7f at step 1, %.7f at step 99 (torch 1.13: 3.7686186, 3.3787858, 2.4901304)",
                 loss[0], loss[1], loss[99]);
    free(d.xs);
    free(d.ys);
    graph_free(&g);
}
END_TEST

START_TEST(test_fig_probs)
{
    Graph g;
    Pairs d;
    static long N[VOCAB][VOCAB];
    static double loss[300];
    Tensor *W = train_lecture(&g, &d, N, 300, loss);
    EXPECT_NEAR(loss[266], 2.4818249, 5e-5, "lecture: loss at step 266 (the notebook printed 2.4818)");
    harness_note("lecture counts: loss %.7f at step 266, %.7f at step 299 (torch 1.13: 2.4818249 at step 266)", loss[266],
                 loss[299]);

    // the trained table is the counted one: softmax(W) against (N + 1) / rowsum,
    // closely in the frequent rows; the rare rows (q, x) are where the
    // regularisation and the +1 smooth differently
    double maxdiff = 0, maxdiff_common = 0, nll_net = 0, nll_count = 0;
    long total = 0;
    for (int i = 0; i < VOCAB; i++) {
        double p[VOCAB], rowsum = 0;
        softmax_row(W->data, i, p);
        for (int j = 0; j < VOCAB; j++) rowsum += N[i][j] + 1.0;
        for (int j = 0; j < VOCAB; j++) {
            double pc = (N[i][j] + 1.0) / rowsum, diff = fabs(p[j] - pc);
            if (diff > maxdiff) maxdiff = diff;
            if (rowsum >= 5000 && diff > maxdiff_common) maxdiff_common = diff;
            nll_net -= N[i][j] * log(p[j]);
            nll_count -= N[i][j] * log(pc);
            total += N[i][j];
        }
    }
    nll_net /= total, nll_count /= total;
    EXPECT_NEAR(nll_net, nll_count, 0.02, "the net's data NLL is close to the counting model's (2.4546)");
    ck_assert_msg(maxdiff_common < 0.005,
                  "rows seen 5000+ times: max |softmax(W) - (N+1)/rowsum| is %.4f, expected below 0.005", maxdiff_common);
    ck_assert_msg(maxdiff < 0.06, "max |softmax(W) - (N+1)/rowsum| is %.4f, expected below 0.06", maxdiff);
    harness_note("after 300 steps: data NLL %.5f (counts +1: %.5f); table difference %.4f in rows seen 5000+ times, %.4f overall",
                 nll_net, nll_count, maxdiff_common, maxdiff);

    // and it samples the lecture's names (cell [58]): one letter differs from lab 01
    TorchRng r;
    rng_seed(&r, LECTURE_SEED);
    const char *want[5] = {"mor.", "axx.", "minaymoryles.", "kondlaisah.", "anchthizarie."};
    char name[64];
    for (int s = 0; s < 5; s++) {
        nn_sample(W, &r, name, sizeof name);
        ck_assert_msg(strcmp(name, want[s]) == 0, "lecture: sample %d from the trained net is \"%s\", expected \"%s\"", s + 1,
                      name, want[s]);
    }
    free(d.xs);
    free(d.ys);
    graph_free(&g);
}
END_TEST

int main(int argc, char **argv)
{
    /* a local array: Check's test handles are pointer variables, which C does
     * not accept in a static initializer */
    const HarnessStep steps[] = {
        {"lab02.1", "the (x, y) training pairs", test_pairs, 20},
        {"lab02.2", "forward: one-hot @ W, exp, normalise (and the row gather)", test_forward, 20},
        {"lab02.3", "loss: NLL of the next character + 0.01 mean(W^2)", test_loss, 10},
        {"lab02.4", "gradient descent steps, then sampling", test_step_and_sample, 20},
        {"lab02.fast", "the driver's counts path equals the lecture's one-hot path", test_fast_path, 60},
        {"lab02.fig1", "loss curve: the lecture's 3.7686 -> 2.4901 in 100 steps", test_fig_loss, 60},
        {"lab02.fig2", "trained table = counted table; the lecture's samples", test_fig_probs, 120},
    };
    return harness_main(argc, argv, "lab02", steps, (int)(sizeof steps / sizeof steps[0]));
}
