/*
 * lab02_test.c: the checklist for lab 02 (the bigram model as a neural net),
 * one step per function you write in nn.c, plus the numbers behind the figures.
 *
 * What it is: each step calls your functions and compares with numbers found
 * another way: pairs built here with plain loops, softmax and its gradient
 * computed here in double, and the lecture's printed losses and samples. The
 * lecture's full-data run needs only the bigram counts of makemore's
 * names.txt (tests/fixtures/makemore_bigram_counts.txt): the loss is a mean
 * over pairs, so the pairs can be rebuilt from the counts (in another order,
 * which moves the loss by far less than the 4 decimals the lecture printed).
 * lab02.fig1 takes the first 10 steps with your functions, as the driver
 * does (nn_full_step, given.c), and checks them against a reference written
 * here from the count table (27x27 work per step; the same loss and
 * gradient), which then takes the 100 steps of fig1 and the 300 of fig2.
 * What it is not: a test of the core's autograd (core_tensor tests do that) or
 * of the command line.
 *
 * Run: make check LAB=02 (your code), make test (the solution).
 */
#include <stdlib.h>
#include <string.h>

#include "data.h"
#include "given.h"   // nn_full_step, nn_pairs_free
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

/* "xs = 0 5 13 13 1": a small input, printed with a failure that came from it */
static const char *ints_str(const int *v, int n)
{
    static char buf[256];
    int len = 0;
    for (int i = 0; i < n && len < (int)sizeof buf - 16; i++) len += snprintf(buf + len, sizeof buf - len, "%s%d", i ? " " : "", v[i]);
    return buf;
}

/* "0.0123 0.5 ...": the first @p n values of a row */
static const char *floats_str(const float *v, int n)
{
    static char buf[512];
    int len = 0;
    for (int i = 0; i < n && len < (int)sizeof buf - 24; i++) len += snprintf(buf + len, sizeof buf - len, "%s%.4g", i ? " " : "", v[i]);
    return buf;
}

/* ---- lab02.1: the training set ------------------------------------------ */

START_TEST(test_pairs)
{
    char *emma[] = {"emma", "ava"};
    Words w = {emma, 1, NULL};
    Pairs p = {0};
    nn_pairs_build(&p, &w);
    EXPECT_INT_EQ(p.n, 5, "pairs of \"emma\"");
    for (int i = 0; i < 5; i++)
        if (p.xs[i] != EMMA_X[i] || p.ys[i] != EMMA_Y[i]) {
            char got[128];
            snprintf(got, sizeof got, "%s", ints_str(p.xs, 5));
            ck_assert_msg(0, "pairs of \"emma\" (.e em mm ma a.): got xs = %s and ys = %s, expected xs = 0 5 13 13 1 "
                          "and ys = 5 13 13 1 0 (pair %d differs)", got, ints_str(p.ys, 5), i);
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

/* ---- lab02.2: one-hot in, logits out ------------------------------------ */

START_TEST(test_logits)
{
    Graph g;
    graph_init(&g);
    Tensor *W = lecture_W(&g);

    // the lecture's one-hot forward on "emma"
    Tensor *logits = nn_logits(&g, W, EMMA_X, 5);
    ck_assert_msg(logits && logits->shape.ndim == 2 && logits->shape.d[0] == 5 && logits->shape.d[1] == VOCAB,
                  "logits of xs = %s (\"emma\") must be [5, 27]", ints_str(EMMA_X, 5));
    ck_assert_msg(logits->requires_grad, "logits must require grad (build them with tensor ops from W)");
    for (int i = 0; i < 5; i++) {
        char what[128];
        snprintf(what, sizeof what, "row %d of xenc @ W (xs = %s) is row xs[%d] = %d of W", i, ints_str(EMMA_X, 5), i, EMMA_X[i]);
        EXPECT_ARRAY_NEAR(logits->data + i * VOCAB, W->data + EMMA_X[i] * VOCAB, VOCAB, 0, what);
    }
    // backward through the matmul: d sum(R * logits) / dW = xenc^T R, rows of R added into rows xs of dW
    static float R[5 * VOCAB], want[VOCAB * VOCAB];
    TorchRng r;
    rng_seed(&r, 42);
    rng_rand(&r, R, 5 * VOCAB);
    memset(want, 0, sizeof want);
    for (int i = 0; i < 5; i++)
        for (int j = 0; j < VOCAB; j++) want[EMMA_X[i] * VOCAB + j] += R[i * VOCAB + j];
    Tensor *s = tensor_sum_all(tensor_mul(logits, tensor_from(&g, SHAPE(5, VOCAB), R)));
    params_zero_grad(&W, 1);
    tensor_backward(s);
    EXPECT_ARRAY_NEAR(W->grad, want, VOCAB * VOCAB, 1e-6, "dW of sum(R * logits): xenc^T @ R (row i of R added into row xs[i])");
    graph_free(&g);
}
END_TEST

/* ---- lab02.3: softmax by hand (and broadcasting) -------------------------- */

START_TEST(test_softmax)
{
    Graph g;
    graph_init(&g);
    Tensor *W = lecture_W(&g);

    // a square input first, the case where a wrong broadcast is silent: the
    // driver calls nn_softmax(W) for the net's 27x27 table
    Tensor *P = nn_softmax(W);
    ck_assert_msg(P && P->shape.ndim == 2 && P->shape.d[0] == VOCAB && P->shape.d[1] == VOCAB,
                  "nn_softmax of a [27, 27] input must be [27, 27]");
    ck_assert_msg(P->requires_grad, "probs must require grad (exp, sum and div are tensor ops)");
    // the two wrong broadcasts, computed here: counts / counts.sum(1) (the sums as a
    // row [1, 27]: cell [i][j] divided by the sum of ROW j) and counts / counts.sum(0)
    double rowsum[VOCAB] = {0}, colsum[VOCAB] = {0}, worst_row = 0, off_nokeep = 0, off_dim0 = 0;
    for (int i = 0; i < VOCAB; i++)
        for (int j = 0; j < VOCAB; j++) {
            double c = exp((double)W->data[i * VOCAB + j]);
            rowsum[i] += c, colsum[j] += c;
        }
    for (int i = 0; i < VOCAB; i++) {
        double rs = 0;
        for (int j = 0; j < VOCAB; j++) {
            double got = P->data[i * VOCAB + j], c = exp((double)W->data[i * VOCAB + j]);
            rs += got;
            off_nokeep = fmax(off_nokeep, fabs(got - c / rowsum[j]));
            off_dim0 = fmax(off_dim0, fabs(got - c / colsum[j]));
        }
        worst_row = fmax(worst_row, fabs(rs - 1));
    }
    double row0 = 0;
    for (int j = 0; j < VOCAB; j++) row0 += P->data[j];
    ck_assert_msg(!(worst_row > 1e-5 && off_nokeep <= 1e-6),
                  "nn_softmax on a [27, 27] input divided cell [i][j] by the sum of row j, not of row i (row 0 of your probs "
                  "sums to %.4f). counts.sum(1) without keepdim has shape [27], and [27, 27] / [27] broadcasts it as a ROW "
                  "[1, 27], one sum per column. HINT: keep the summed dimension: tensor_sum(counts, 1, true) is [27, 1], a "
                  "column, so each row is divided by its own sum (the handout's section on broadcasting)",
                  row0);
    ck_assert_msg(!(worst_row > 1e-5 && off_dim0 <= 1e-6),
                  "nn_softmax on a [27, 27] input made each COLUMN sum to 1, not each row (row 0 sums to %.4f): dimension 0 "
                  "was summed. HINT: sum over dimension 1, the 27 next characters of one row, keeping it: "
                  "tensor_sum(counts, 1, true)",
                  row0);
    ck_assert_msg(worst_row <= 1e-5, "each row of nn_softmax(W) must sum to 1: row 0 sums to %.6f (max error %.2g over the 27 rows)",
                  row0, worst_row);
    for (int i = 0; i < VOCAB; i++) {
        double p[VOCAB];
        float want[VOCAB];
        softmax_row(W->data, i, p);
        for (int j = 0; j < VOCAB; j++) want[j] = (float)p[j];
        char what[96];
        snprintf(what, sizeof what, "nn_softmax(W): row %d = exp(W[%d]) / sum(exp(W[%d]))", i, i, i);
        EXPECT_ARRAY_NEAR(P->data + i * VOCAB, want, VOCAB, 1e-7, what);
    }
    graph_step_reset(&g);

    // the lecture's "emma": [5, 27] logits (from the core's gather, so this step does not depend on lab02.2)
    Tensor *probs = nn_softmax(tensor_embed(W, EMMA_X, SHAPE(5)));
    ck_assert_msg(probs && probs->numel == 5 * VOCAB, "probs of \"emma\" must be [5, 27]");
    for (int i = 0; i < 5; i++)
        ck_assert_msg(fabs(probs->data[i * VOCAB + EMMA_Y[i]] - EMMA_P[i]) <= 1e-7,
                      "lecture: p of the correct next character of pair %d (%c%c) of \"emma\": got %.9g, expected %.9g; "
                      "your row %d starts %s",
                      i, itos(EMMA_X[i]), itos(EMMA_Y[i]), probs->data[i * VOCAB + EMMA_Y[i]], EMMA_P[i], i,
                      floats_str(probs->data + i * VOCAB, 6));
    graph_step_reset(&g);

    // the gradient: d/dW of sum(R * softmax(W[xs])), against softmax's Jacobian by hand
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
    Tensor *pr = nn_softmax(tensor_embed(W, xs, SHAPE(n)));
    Tensor *s = tensor_sum_all(tensor_mul(pr, tensor_from(&g, SHAPE(n, VOCAB), R)));
    params_zero_grad(&W, 1);
    tensor_backward(s);
    expect_grad(W->grad, want, 1e-5, "dW through your softmax");
    graph_free(&g);
}
END_TEST

/* ---- lab02.4: the loss ---------------------------------------------------- */

START_TEST(test_loss)
{
    Graph g;
    graph_init(&g);
    Tensor *W = lecture_W(&g);
    // probs from the core's softmax, so this step does not depend on lab02.3
    Tensor *probs = tensor_softmax(tensor_embed(W, EMMA_X, SHAPE(5)));
    Tensor *loss = nn_loss(probs, W, EMMA_Y, 0.0f);
    ck_assert_msg(loss && loss->numel == 1, "the loss must be a one-element tensor");
    double got = tensor_item(loss), nll_ref = loss_reference(W->data, EMMA_X, EMMA_Y, 5, 0.0, NULL);
    ck_assert_msg(fabs(got - 3.7693049907684326) <= 1e-6,
                  "lecture: loss on \"emma\" (ys = %s), no regularisation: got %.9g, expected 3.76930499 (cell [46]); "
                  "the probabilities of the correct characters are %.6f %.6f %.6f %.6f %.6f",
                  ints_str(EMMA_Y, 5), got, probs->data[0 * VOCAB + 5], probs->data[1 * VOCAB + 13],
                  probs->data[2 * VOCAB + 13], probs->data[3 * VOCAB + 1], probs->data[4 * VOCAB + 0]);
    EXPECT_NEAR(got, nll_ref, 1e-6, "loss on \"emma\": -mean(log p) in double");
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

/* ---- lab02.5: gradient descent ------------------------------------------- */

START_TEST(test_step)
{
    // the lecture's 5 examples at lr 0.1, no regularisation (cells [51]-[54])
    const double want[5] = {3.7693049907684326, 3.7492127418518066, 3.7291626930236816, 3.7091546058654785,
                            3.6891887187957764};
    Pairs emma = {(int *)EMMA_X, (int *)EMMA_Y, 5};
    Graph g;
    graph_init(&g);
    Tensor *W = lecture_W(&g);
    for (int k = 0; k < 5; k++) {
        float got = nn_step(&g, W, &emma, 0.1f, 0.0f);
        char what[128];
        snprintf(what, sizeof what, "lecture: loss of forward %d on \"emma\" at lr 0.1", k);
        EXPECT_NEAR(got, want[k], 2e-6, what);
        ck_assert_msg(arena_used(&g.step) == 0, "after a step the step arena must be empty: call graph_step_reset(g)");
    }
    graph_free(&g);

    // the driver's step over the whole dataset (nn_full_step, given.c) is yours
    // in chunks: against nn_step on the first 300 names, 7 pairs a chunk (a short
    // last chunk too), 5 steps at lr 50. Equal up to float rounding: the chunks'
    // gradients add up in another order (a missing zero_grad or a wrong weight
    // is off by far more than 1e-5)
    Words all;
    ck_assert_msg(words_load(&all, NAMES) == 0, "%s", kit_last_failure());
    Words some = {all.words, 300, NULL};
    Pairs d = {0};
    nn_pairs_build(&d, &some);
    Graph g1, g2;
    graph_init(&g1);
    graph_init(&g2);
    Tensor *W1 = lecture_W(&g1), *W2 = lecture_W(&g2);
    double maxdiff = 0;
    for (int k = 0; k < 5; k++) {
        float whole = nn_step(&g1, W1, &d, 50.0f, 0.01f), chunked = nn_full_step(&g2, W2, &d, 50.0f, 0.01f, 7);
        char what[96];
        snprintf(what, sizeof what, "loss of step %d: in chunks of 7 (nn_full_step) against nn_step", k);
        EXPECT_NEAR(chunked, whole, 1e-5 * whole, what);
        maxdiff = fmax(maxdiff, fabs((double)chunked - whole));
    }
    EXPECT_ARRAY_NEAR(W2->data, W1->data, VOCAB * VOCAB, 1e-4, "W after 5 steps: in chunks against nn_step");
    harness_note("300 names, %d pairs, 5 steps at lr 50: loss by chunks of 7 against nn_step, maxdiff %.1e (tol 1e-5 relative)",
                 d.n, maxdiff);
    graph_free(&g1);
    graph_free(&g2);
    nn_pairs_free(&d);
    words_free(&all);
}
END_TEST

/* ---- lab02.6: sampling ------------------------------------------------------ */

START_TEST(test_sample)
{
    // a net that knows the counts (W = log(N + 1), "W learns log-counts")
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

/* ---- figures: the loss curve and the two tables --------------------------- */

/* The reference step, from the count table: every pair with input x gets the
 * same row softmax(W[x]), so the mean over the n pairs groups into 27 x 27
 * cells, each log p[x][y] repeated N[x][y] times:
 *   -(1/n) sum_i log p[x_i][y_i] = -(1/n) sum_{x,y} N[x][y] log p[x][y],
 * and so does its gradient. 27x27 work per step whatever n is. */
static float counts_step(Graph *g, Tensor *W, const float *N, long n, float lr)
{
    Tensor *probs = tensor_softmax(W);                                                     // [V, V]
    Tensor *Nt = tensor_from(g, SHAPE(VOCAB, VOCAB), N);                                   // [V, V], no grad
    Tensor *nll = tensor_mul_scalar(tensor_sum_all(tensor_mul(Nt, tensor_log(probs))), (float)(-1.0 / (double)n));
    Tensor *loss = tensor_add(nll, tensor_mul_scalar(tensor_mean_all(tensor_pow(W, 2.0f)), 0.01f));   // [1]
    float value = tensor_item(loss);
    params_zero_grad(&W, 1);
    tensor_backward(loss);
    params_sgd(&W, 1, lr);
    graph_step_reset(g);
    return value;
}

/* The lecture's training set, rebuilt from its counts, and those counts as floats. */
static void lecture_data(Pairs *d, long N[VOCAB][VOCAB], float *Nf)
{
    load_fixture_counts(N);
    *d = pairs_from_counts(N);
    EXPECT_INT_EQ(d->n, 228146, "lecture: pairs in makemore's names.txt");
    for (int k = 0; k < VOCAB * VOCAB; k++) Nf[k] = (float)N[k / VOCAB][k % VOCAB];
}

START_TEST(test_fig_loss)
{
    static long N[VOCAB][VOCAB];
    static float Nf[VOCAB * VOCAB];
    Pairs d;
    lecture_data(&d, N, Nf);
    Graph g, gr;
    graph_init(&g);
    graph_init(&gr);
    Tensor *W = lecture_W(&g), *Wr = lecture_W(&gr);
    // your functions as the driver calls them, for the first YOURS steps (each is
    // 228,146 pairs: 100 of them would cost the sanitizer build minutes), and the
    // count-table reference, which takes the same steps, for all 100
    enum { YOURS = 10 };
    double loss[100], yours[YOURS], maxdiff = 0;
    for (int k = 0; k < 100; k++) {
        loss[k] = counts_step(&gr, Wr, Nf, d.n, 50.0f);
        if (k < YOURS) {
            yours[k] = nn_full_step(&g, W, &d, 50.0f, 0.01f, NN_CHUNK);
            maxdiff = fmax(maxdiff, fabs(yours[k] - loss[k]));
        }
        if (k > 0)
            ck_assert_msg(loss[k] < loss[k - 1], "the loss curve must fall at every step: step %d %.6f, step %d %.6f", k - 1,
                          loss[k - 1], k, loss[k]);
    }
    EXPECT_NEAR(yours[0], 3.768618583679199, 2e-6, "lecture: loss at step 0 (full data, lr 50), your functions");
    // torch's own step-0 gradient carries float rounding (its one-hot matmul sums 228,146
    // rows in float) which lr 50 turns into about 2e-5 of loss at step 1; the exact
    // gradient gives 3.3788069. By step 99 the trajectories agree again to 1e-7.
    EXPECT_NEAR(yours[1], 3.3787858486175537, 5e-5, "lecture: loss at step 1 (torch 1.13 trajectory), your functions");
    // 1e-4, issue 7's bound for a 10-step trace: your step-0 gradient sums 228,146 rows
    // in float, the reference 729 cells, and lr 50 turns that rounding into about 3e-5
    // of loss at step 1 (as for torch above)
    ck_assert_msg(maxdiff <= 1e-4, "your first %d losses and the count-table reference's differ by %.2g (tol 1e-4)", YOURS, maxdiff);
    EXPECT_NEAR(loss[99], 2.4901304244995117, 5e-5, "lecture: loss at step 99 (the count-table reference)");
    harness_note("lecture data, your functions: loss %.7f at step 0, %.7f at step 1 (torch 1.13: 3.7686186, 3.3787858); "
                 "the count-table reference within %.1e over %d steps, %.7f at step 99 (torch 2.4901304)",
                 yours[0], yours[1], maxdiff, (int)YOURS, loss[99]);
    nn_pairs_free(&d);
    graph_free(&g);
    graph_free(&gr);
}
END_TEST

START_TEST(test_fig_probs)
{
    static long N[VOCAB][VOCAB];
    static float Nf[VOCAB * VOCAB];
    Pairs d;
    lecture_data(&d, N, Nf);
    Graph g;
    graph_init(&g);
    Tensor *W = lecture_W(&g);
    static double loss[300];
    for (int k = 0; k < 300; k++) loss[k] = counts_step(&g, W, Nf, d.n, 50.0f);   // lab02.fig1: the same steps as yours
    EXPECT_NEAR(loss[266], 2.4818249, 5e-5, "lecture: loss at step 266 (the notebook printed 2.4818)");

    // the trained table, through your nn_softmax as the driver's probs.tsv, is the
    // counted one: softmax(W) against (N + 1) / rowsum, closely in the frequent
    // rows; the rare rows (q, x) are where the regularisation and the +1 smooth
    // differently
    bool was = graph_set_no_grad(&g, true);
    Tensor *P = nn_softmax(W);   // [V, V]
    graph_set_no_grad(&g, was);
    double maxdiff = 0, maxdiff_common = 0, nll_net = 0, nll_count = 0;
    long total = 0;
    for (int i = 0; i < VOCAB; i++) {
        double rowsum = 0;
        for (int j = 0; j < VOCAB; j++) rowsum += N[i][j] + 1.0;
        for (int j = 0; j < VOCAB; j++) {
            double p = P->data[i * VOCAB + j], pc = (N[i][j] + 1.0) / rowsum, diff = fabs(p - pc);
            if (diff > maxdiff) maxdiff = diff;
            if (rowsum >= 5000 && diff > maxdiff_common) maxdiff_common = diff;
            nll_net -= N[i][j] * log(p);
            nll_count -= N[i][j] * log(pc);
            total += N[i][j];
        }
    }
    graph_step_reset(&g);
    nll_net /= total, nll_count /= total;
    EXPECT_NEAR(nll_net, nll_count, 0.02, "the net's data NLL is close to the counting model's (2.4546)");
    ck_assert_msg(maxdiff_common < 0.005,
                  "rows seen 5000+ times: max |softmax(W) - (N+1)/rowsum| is %.4f, expected below 0.005", maxdiff_common);
    ck_assert_msg(maxdiff < 0.06, "max |softmax(W) - (N+1)/rowsum| is %.4f, expected below 0.06", maxdiff);
    harness_note("lecture counts: loss %.7f at step 266, %.7f at step 299 (torch 1.13: 2.4818249 at step 266)", loss[266],
                 loss[299]);
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
    nn_pairs_free(&d);
    graph_free(&g);
}
END_TEST

int main(int argc, char **argv)
{
    /* a local array: Check's test handles are pointer variables, which C does
     * not accept in a static initializer */
    const HarnessStep steps[] = {
        {"lab02.1", "the (x, y) training pairs", test_pairs, 20},
        {"lab02.2", "logits: one-hot xenc @ W", test_logits, 10},
        {"lab02.3", "softmax by hand: each row divided by its own sum", test_softmax, 20},
        {"lab02.4", "loss: NLL of the next character + 0.01 mean(W^2)", test_loss, 10},
        {"lab02.5", "gradient descent: the lecture's steps on \"emma\"", test_step, 30},
        {"lab02.6", "sampling from softmax(W[ix])", test_sample, 10},
        {"lab02.fig1", "loss curve: the lecture's 3.7686 -> 2.4901 in 100 steps", test_fig_loss, 30},
        {"lab02.fig2", "trained table = counted table; the lecture's samples", test_fig_probs, 60},
    };
    return harness_main(argc, argv, "lab02", steps, (int)(sizeof steps / sizeof steps[0]));
}
