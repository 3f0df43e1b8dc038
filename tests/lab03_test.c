/**
 * @file lab03_test.c
 * @brief Lab 03's checklist: one test per step you write in mlp.c, then one
 *        per figure, checking the numbers behind it.
 *
 * What it is: each step's function called on small inputs and compared with
 * values this file computes on its own, with plain loops in double (or by
 * hand, for "emma"), never by calling the lab's other functions where it can
 * be avoided. What it is not: a speed test; nothing here asserts a time.
 *
 * Reads data/names.txt (the shipped SSA 2018 list: 32,257 names) for the
 * counts and the training figures. Run from the repository root:
 * `make check LAB=03` (your code) or `make test` (the solution).
 */
#define _POSIX_C_SOURCE 200809L  // mkdtemp

#include "harness.h"
#include "kit.h"       // kit_last_failure

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "data.h"
#include "minibatch.h"
#include "mlp.h"
#include "sample.h"
#include "rng.h"
#include "tensor.h"

#define NAMES "data/names.txt"
#define SEED 2147483647ULL

/* ------------------------------------------------------------------------- */
/* Helpers: independent references in plain loops                           */
/* ------------------------------------------------------------------------- */

static void load_names(Words *w)
{
    ck_assert_msg(words_load(w, NAMES) == 0, "cannot load %s: %s", NAMES, kit_last_failure());
}

/** One example's logits [V] in double from the model's current weights; x [T] context. */
static void ref_logits(const Mlp *m, const int *x, double *logits)
{
    const int T = m->T, E = m->n_embd, H = m->n_hidden, V = VOCAB, D = T * E;
    double *e = malloc(sizeof(double) * D), *h = malloc(sizeof(double) * H);
    for (int t = 0; t < T; t++)
        for (int k = 0; k < E; k++)
            e[t * E + k] = m->C->data[x[t] * E + k];             // emb = C[X], viewed [T*C]
    for (int j = 0; j < H; j++) {
        double s = m->b1->data[j];
        for (int k = 0; k < D; k++)
            s += e[k] * m->W1->data[k * H + j];
        h[j] = tanh(s);                                          // h = tanh(emb @ W1 + b1)
    }
    for (int v = 0; v < V; v++) {
        double s = m->b2->data[v];
        for (int j = 0; j < H; j++)
            s += h[j] * m->W2->data[j * V + v];
        logits[v] = s;                                           // logits = h @ W2 + b2
    }
    free(e);
    free(h);
}

/** softmax of one row in double. */
static void ref_softmax(const double *logits, double *p)
{
    double mx = -INFINITY, z = 0;
    for (int v = 0; v < VOCAB; v++)
        mx = fmax(mx, logits[v]);
    for (int v = 0; v < VOCAB; v++)
        z += (p[v] = exp(logits[v] - mx));
    for (int v = 0; v < VOCAB; v++)
        p[v] /= z;
}

/** The mean loss over X [B, T], Y [B] in double. If @p dlogits is not NULL it
 *  receives dloss/dlogits [B, V] = (softmax - onehot) / B. */
static double ref_loss(const Mlp *m, const int *X, const int *Y, int B, double *dlogits)
{
    double loss = 0, logits[VOCAB], p[VOCAB];
    for (int b = 0; b < B; b++) {
        ref_logits(m, X + (size_t)b * m->T, logits);
        ref_softmax(logits, p);
        loss += -log(p[Y[b]]);
        if (dlogits)
            for (int v = 0; v < VOCAB; v++)
                dlogits[b * VOCAB + v] = (p[v] - (v == Y[b])) / B;
    }
    return loss / B;
}

/** The n rows of a dataset picked by ix, into Xb [n, T], Yb [n]. */
static void gather(const Dataset *ds, const int *ix, int n, int *Xb, int *Yb)
{
    for (int b = 0; b < n; b++) {
        for (int t = 0; t < ds->T; t++)
            Xb[b * ds->T + t] = ds->X[ix[b] * ds->T + t];
        Yb[b] = ds->Y[ix[b]];
    }
}

static bool same_rng_state(const TorchRng *a, const TorchRng *b)
{
    return memcmp(a->mt, b->mt, sizeof a->mt) == 0 && a->left == b->left && a->next == b->next;
}

/* ------------------------------------------------------------------------- */
/* lab03.1 the dataset                                                       */
/* ------------------------------------------------------------------------- */

START_TEST(test_dataset)
{
    // "emma" with block 3, by hand: ... -> e, ..e -> m, .em -> m, emm -> a, mma -> .
    char emma[] = "emma";
    char *one[] = {emma};
    Words w = {one, 1, NULL};
    Dataset ds = {0};
    build_dataset(&ds, &w, 3);
    EXPECT_INT_EQ(ds.n, 5, "examples from \"emma\" (its 4 letters + the final '.')");
    EXPECT_INT_EQ(ds.T, 3, "ds.T");
    const int X3[5][3] = {{0, 0, 0}, {0, 0, 5}, {0, 5, 13}, {5, 13, 13}, {13, 13, 1}};
    const int Y3[5] = {5, 13, 13, 1, 0};
    for (int i = 0; i < 5; i++) {
        for (int t = 0; t < 3; t++)
            ck_assert_msg(ds.X[i * 3 + t] == X3[i][t], "\"emma\" example %d context[%d]: got %d, expected %d",
                          i, t, ds.X[i * 3 + t], X3[i][t]);
        ck_assert_msg(ds.Y[i] == Y3[i], "\"emma\" example %d target: got %d, expected %d", i, ds.Y[i], Y3[i]);
    }
    dataset_free(&ds);

    // Block 1 gives the bigrams of lab 01; a second word starts again from '.'.
    char ab[] = "ab", c[] = "c";
    char *two[] = {ab, c};
    Words w2 = {two, 2, NULL};
    build_dataset(&ds, &w2, 1);
    const int X1[5] = {0, 1, 2, 0, 3}, Y1[5] = {1, 2, 0, 3, 0};
    EXPECT_INT_EQ(ds.n, 5, "examples from \"ab\", \"c\"");
    for (int i = 0; i < 5; i++)
        ck_assert_msg(ds.X[i] == X1[i] && ds.Y[i] == Y1[i], "block 1 example %d: got (%d -> %d), expected (%d -> %d)",
                      i, ds.X[i], ds.Y[i], X1[i], Y1[i]);
    dataset_free(&ds);

    // The shipped names: every name gives len + 1 examples, 229,804 in all, and
    // the lecture's split (seed 42) gives 183,802 / 22,949 / 23,053.
    Words all = {0}, tr = {0}, dev = {0}, te = {0};
    load_names(&all);
    build_dataset(&ds, &all, 3);
    EXPECT_INT_EQ(ds.n, 229804, "examples in data/names.txt");
    int zeros = 0;
    for (int i = 0; i < ds.n; i++)
        zeros += ds.X[i * 3] == 0 && ds.X[i * 3 + 1] == 0 && ds.X[i * 3 + 2] == 0;
    EXPECT_INT_EQ(zeros, all.n, "examples with context \"...\" (one per name)");
    dataset_free(&ds);
    ck_assert_msg(words_split(&all, 42, &tr, &dev, &te) == 0, "words_split: %s", kit_last_failure());
    const Words *parts[3] = {&tr, &dev, &te};
    const int want[3] = {183802, 22949, 23053};
    const char *what[3] = {"train examples", "dev examples", "test examples"};
    for (int k = 0; k < 3; k++) {
        build_dataset(&ds, parts[k], 3);
        EXPECT_INT_EQ(ds.n, want[k], what[k]);
        dataset_free(&ds);
    }
    words_free(&tr);
    words_free(&dev);
    words_free(&te);
    words_free(&all);
}
END_TEST

/* ------------------------------------------------------------------------- */
/* lab03.2 embedding lookup                                                  */
/* ------------------------------------------------------------------------- */

START_TEST(test_embed)
{
    Graph g;
    graph_init(&g);
    TorchRng r;
    rng_seed(&r, SEED);
    Mlp m;
    mlp_init(&m, &g, 2, 3, 4, &r);  // T 2, C 3, H 4
    const int X[3 * 2] = {0, 1, 26, 0, 5, 5};  // [B=3, T=2]
    Tensor *x = mlp_embed(&m, X, 3);
    ck_assert_msg(x != NULL, "mlp_embed returned NULL");
    ck_assert_msg(x->shape.ndim == 2 && x->shape.d[0] == 3 && x->shape.d[1] == 6,
                  "emb view shape: got ndim %d [%d, %d], expected [3, 6] (B, T*C)", x->shape.ndim, x->shape.d[0],
                  x->shape.ndim > 1 ? x->shape.d[1] : -1);
    float want[18];
    for (int b = 0; b < 3; b++)
        for (int t = 0; t < 2; t++)
            for (int e = 0; e < 3; e++)
                want[b * 6 + t * 3 + e] = m.C->data[X[b * 2 + t] * 3 + e];
    EXPECT_ARRAY_NEAR(x->data, want, 18, 0.0, "emb row b = C[X[b,0]] then C[X[b,1]]");
    // The gradient must reach C: d(sum emb)/dC[i] counts how often i was looked up.
    ck_assert_msg(x->requires_grad, "emb does not require grad: did you copy the numbers out of C?");
    tensor_backward(tensor_sum_all(x));
    const int uses[VOCAB] = {[0] = 2, [1] = 1, [5] = 2, [26] = 1};
    for (int i = 0; i < VOCAB; i++)
        for (int e = 0; e < 3; e++)
            ck_assert_msg(m.C->grad[i * 3 + e] == (float)uses[i],
                          "C.grad[%d][%d] after backward of emb.sum(): got %g, expected %d (uses of %c)", i, e,
                          m.C->grad[i * 3 + e], uses[i], itos(i));
    graph_free(&g);
}
END_TEST

/* ------------------------------------------------------------------------- */
/* lab03.3 the hidden layer                                                  */
/* ------------------------------------------------------------------------- */

/** A model with T 3, C 2, H 5 and a stand-in for the embedding, x [4, 6]. */
static Tensor *small_layers(Graph *g, Mlp *m)
{
    graph_init(g);
    TorchRng r;
    rng_seed(&r, SEED);
    mlp_init(m, g, 3, 2, 5, &r);  // T 3, C 2, H 5: x is [B, 6]
    Tensor *x = tensor_param(g, SHAPE(4, 6));
    tensor_randn_(x, &r);
    return x;
}

START_TEST(test_hidden)
{
    Graph g;
    Mlp m;
    Tensor *x = small_layers(&g, &m);
    const int B = 4, D = 6, H = 5;
    Tensor *h = mlp_hidden(&m, x);
    ck_assert_msg(h && h->shape.ndim == 2 && h->shape.d[0] == B && h->shape.d[1] == H,
                  "h should be [4, 5] (B, H)");
    float hw[4 * 5];
    for (int b = 0; b < B; b++)
        for (int j = 0; j < H; j++) {
            double s = m.b1->data[j];
            for (int k = 0; k < D; k++)
                s += (double)x->data[b * D + k] * m.W1->data[k * H + j];
            hw[b * H + j] = (float)tanh(s);
        }
    EXPECT_ARRAY_NEAR(h->data, hw, B * H, 1e-5, "h = tanh(x @ W1 + b1)");
    // Gradients flow to both weights (the core's backward does the rest).
    tensor_backward(tensor_sum_all(h));
    Tensor *ws[2] = {m.W1, m.b1};
    const char *names[2] = {"W1", "b1"};
    for (int k = 0; k < 2; k++) {
        double s = 0;
        for (int i = 0; i < ws[k]->numel; i++)
            s += fabs(ws[k]->grad[i]);
        ck_assert_msg(s > 0, "%s.grad is all zero after backward: is %s used in the forward?", names[k], names[k]);
    }
    graph_free(&g);
}
END_TEST

/* ------------------------------------------------------------------------- */
/* lab03.4 the output layer                                                  */
/* ------------------------------------------------------------------------- */

START_TEST(test_output)
{
    Graph g;
    Mlp m;
    Tensor *x = small_layers(&g, &m);
    const int B = 4, H = 5;
    Tensor *hh = tensor_param(&g, SHAPE(B, H));  // stands in for h: tanh of x's first 5 columns
    for (int b = 0; b < B; b++)
        for (int j = 0; j < H; j++)
            hh->data[b * H + j] = tanhf(x->data[b * 6 + j]);
    Tensor *logits = mlp_output(&m, hh);
    ck_assert_msg(logits && logits->shape.ndim == 2 && logits->shape.d[0] == B && logits->shape.d[1] == VOCAB,
                  "logits should be [4, 27] (B, V)");
    float lw[4 * VOCAB];
    for (int b = 0; b < B; b++)
        for (int v = 0; v < VOCAB; v++) {
            double s = m.b2->data[v];
            for (int j = 0; j < H; j++)
                s += (double)hh->data[b * H + j] * m.W2->data[j * VOCAB + v];
            lw[b * VOCAB + v] = (float)s;
        }
    EXPECT_ARRAY_NEAR(logits->data, lw, B * VOCAB, 1e-4, "logits = h @ W2 + b2");
    tensor_backward(tensor_sum_all(logits));
    double s = 0;
    for (int i = 0; i < m.W2->numel; i++)
        s += fabs(m.W2->grad[i]);
    ck_assert_msg(s > 0, "W2.grad is all zero after backward: is W2 used in the forward?");
    // d(sum logits)/db2 = B for every entry.
    for (int v = 0; v < VOCAB; v++)
        EXPECT_NEAR(m.b2->grad[v], B, 1e-6, "b2.grad (each logit column sums B ones)");
    graph_free(&g);
}
END_TEST

/* ------------------------------------------------------------------------- */
/* lab03.4 the loss, by hand and fused                                       */
/* ------------------------------------------------------------------------- */

/** -log softmax(logits)[y] averaged, in double, computed stably. */
static double ref_ce(const float *logits, const int *Y, int B)
{
    double loss = 0;
    for (int b = 0; b < B; b++) {
        double mx = -INFINITY, z = 0;
        for (int v = 0; v < VOCAB; v++)
            mx = fmax(mx, logits[b * VOCAB + v]);
        for (int v = 0; v < VOCAB; v++)
            z += exp(logits[b * VOCAB + v] - mx);
        loss += -(logits[b * VOCAB + Y[b]] - mx - log(z));
    }
    return loss / B;
}

/** The logits both loss tests use: [5, 27] in [-3, 3], and their targets. */
static const int LOSS_Y[5] = {0, 5, 13, 26, 1};
static void loss_logits(float *vals)
{
    for (int i = 0; i < 5 * VOCAB; i++)
        vals[i] = 3.0f * sinf(0.37f * (float)i + 1.0f);
}

/** dlogits = (softmax - onehot) / B in double, for B rows of vals. */
static void ref_dlogits(const float *vals, const int *Y, int B, float *dwant)
{
    for (int r = 0; r < B; r++) {
        double mx = -INFINITY, z = 0;
        for (int v = 0; v < VOCAB; v++) mx = fmax(mx, vals[r * VOCAB + v]);
        for (int v = 0; v < VOCAB; v++) z += exp(vals[r * VOCAB + v] - mx);
        for (int v = 0; v < VOCAB; v++)
            dwant[r * VOCAB + v] = (float)((exp(vals[r * VOCAB + v] - mx) / z - (v == Y[r])) / B);
    }
}

START_TEST(test_loss_by_hand)
{
    Graph g;
    graph_init(&g);
    const int B = 5;
    float vals[5 * VOCAB], dwant[5 * VOCAB];
    loss_logits(vals);
    Tensor *a = tensor_param(&g, SHAPE(B, VOCAB));
    memcpy(a->data, vals, sizeof vals);
    double want = ref_ce(vals, LOSS_Y, B);
    Tensor *hand = loss_by_hand(a, LOSS_Y);
    ck_assert_msg(hand && hand->numel == 1, "loss_by_hand should return one number");
    float lh = tensor_item(hand);
    EXPECT_NEAR(lh, want, 1e-5, "loss by hand vs -log softmax in double");
    harness_note("loss by hand %.7f, double %.7f", lh, want);
    // Backward through exp, sum, div, pick, log and mean gives (softmax - onehot) / B.
    tensor_backward(hand);
    ref_dlogits(vals, LOSS_Y, B, dwant);
    EXPECT_ARRAY_NEAR(a->grad, dwant, B * VOCAB, 1e-7, "dlogits = (softmax - onehot) / B");
    graph_free(&g);
}
END_TEST

/* ------------------------------------------------------------------------- */
/* lab03.6 the fused loss                                                    */
/* ------------------------------------------------------------------------- */

START_TEST(test_loss_fused)
{
    Graph g;
    graph_init(&g);
    const int B = 5;
    float vals[5 * VOCAB], dwant[5 * VOCAB];
    loss_logits(vals);
    Tensor *b = tensor_param(&g, SHAPE(B, VOCAB));
    memcpy(b->data, vals, sizeof vals);
    double want = ref_ce(vals, LOSS_Y, B);
    Tensor *fused = mlp_loss(b, LOSS_Y);
    ck_assert_msg(fused && fused->numel == 1, "mlp_loss should return one number");
    float lf = tensor_item(fused);
    EXPECT_NEAR(lf, want, 1e-5, "fused loss vs -log softmax in double");
    tensor_backward(fused);
    ref_dlogits(vals, LOSS_Y, B, dwant);
    EXPECT_ARRAY_NEAR(b->grad, dwant, B * VOCAB, 1e-7, "dlogits = (softmax - onehot) / B");
    graph_step_reset(&g);

    // Large logits: exp(100) is inf in float32. The fused loss subtracts each
    // row's max first, so it stays finite and right.
    for (int i = 0; i < B * VOCAB; i++)
        vals[i] *= 40.0f;  // up to 120
    Tensor *big = tensor_from(&g, SHAPE(B, VOCAB), vals);
    double want_big = ref_ce(vals, LOSS_Y, B);
    float fb = tensor_item(mlp_loss(big, LOSS_Y));
    ck_assert_msg(isfinite(fb), "fused loss with logits up to 120 is %g: it must subtract the row max", fb);
    EXPECT_NEAR(fb, want_big, 1e-3 * fmax(1.0, want_big), "fused loss with logits up to 120");
    harness_note("logits up to 120: by hand %g, fused %.4f (double %.4f)", tensor_item(loss_by_hand(big, LOSS_Y)), fb,
                 want_big);
    graph_free(&g);
}
END_TEST

/* ------------------------------------------------------------------------- */
/* lab03.7 overfitting one batch                                             */
/* ------------------------------------------------------------------------- */

/** The lowest mean loss on ds, computed here: -log of each example's target
 *  frequency among the examples with its context. */
static double ref_min_loss(const Dataset *ds)
{
    double total = 0;
    for (int i = 0; i < ds->n; i++) {
        int same_ctx = 0, same_both = 0;
        for (int j = 0; j < ds->n; j++) {
            bool eq = true;
            for (int t = 0; t < ds->T; t++)
                eq = eq && ds->X[i * ds->T + t] == ds->X[j * ds->T + t];
            same_ctx += eq;
            same_both += eq && ds->Y[i] == ds->Y[j];
        }
        total -= log((double)same_both / same_ctx);
    }
    return total / ds->n;
}

START_TEST(test_overfit)
{
    // The lecture's first loop: the first 5 names (32 examples), the small net
    // (embedding 2, hidden 100: 3,481 parameters), 1,000 full-batch steps at 0.1.
    char w0[] = "emma", w1[] = "olivia", w2[] = "ava", w3[] = "isabella", w4[] = "sophia";
    char *list[] = {w0, w1, w2, w3, w4};
    Words w = {list, 5, NULL};
    Dataset ds = {0};
    dataset_build(&ds, &w, 3);
    EXPECT_INT_EQ(ds.n, 32, "examples from the first 5 names");
    Graph g;
    graph_init(&g);
    TorchRng r;
    rng_seed(&r, SEED);
    Mlp m;
    mlp_init(&m, &g, 3, MLP_SMALL_EMB, MLP_SMALL_HIDDEN, &r);
    double first_want = ref_loss(&m, ds.X, ds.Y, ds.n, NULL);
    static float losses[1000];
    float last = mlp_overfit(&m, &ds, 1000, 0.1f, losses);
    EXPECT_NEAR(losses[0], first_want, 2e-4 * first_want, "loss at step 0 (all 32 examples, before any update)");
    EXPECT_NEAR(last, losses[999], 0, "the returned loss is the last step's");
    ck_assert_msg(losses[1] < losses[0], "the loss should fall after one step: %.4f -> %.4f", losses[0], losses[1]);
    ck_assert_msg(g.tape == NULL, "the tape is not empty after training: call graph_step_reset(m->g) after each step");
    // Why it stops near 0.25 and not at 0: "..." starts all 5 names and is
    // followed by e, o, a, i and s. The best any model can do there is 1/5 for
    // each, 5 * log(5) / 32 = 0.2515 of mean loss; no other context repeats.
    double floor_loss = ref_min_loss(&ds);
    EXPECT_NEAR(floor_loss, 5.0 * log(5.0) / 32.0, 1e-12, "the lowest possible loss on these 32 examples");
    harness_note("overfitting 32 examples: %.4f at step 0, %.4f after 1,000 steps; lowest possible %.4f",
                 losses[0], last, floor_loss);
    ck_assert_msg(last >= floor_loss - 1e-4, "loss %.4f is below the lowest possible %.4f", last, floor_loss);
    ck_assert_msg(last < floor_loss + 0.01, "after 1,000 steps the loss should be within 0.01 of %.4f: got %.4f",
                  floor_loss, last);
    graph_free(&g);
    dataset_free(&ds);
}
END_TEST

/* ------------------------------------------------------------------------- */
/* lab03.8 minibatch SGD                                                     */
/* ------------------------------------------------------------------------- */

START_TEST(test_train_step)
{
    // The lecture's model on the shipped names: the training split made by the
    // core (dataset_build), the init from seed 2147483647.
    Words all = {0}, tr = {0}, dev = {0}, te = {0};
    load_names(&all);
    ck_assert_msg(words_split(&all, 42, &tr, &dev, &te) == 0, "words_split: %s", kit_last_failure());
    Dataset ds = {0};
    dataset_build(&ds, &tr, 3);
    Graph g;
    graph_init(&g);
    TorchRng r;
    rng_seed(&r, SEED);
    Mlp m;
    mlp_init(&m, &g, 3, 10, 200, &r);

    for (int step = 0; step < 2; step++) {
        // What the step should draw: 32 randint from the same generator.
        TorchRng r2 = r;
        int ix[32], got_ix[32], Xb[32 * 3], Yb[32];
        for (int b = 0; b < 32; b++)
            ix[b] = (int)rng_randint(&r2, 0, ds.n);
        gather(&ds, ix, 32, Xb, Yb);
        // ... which is what the core's batch_draw (labs 04-06 use it) draws too.
        TorchRng r3 = r;
        int core_ix[32];
        (void)batch_draw(&g, &ds, &r3, 32, core_ix);
        graph_step_reset(&g);
        for (int b = 0; b < 32; b++)
            ck_assert_msg(core_ix[b] == ix[b], "reference and batch_draw disagree at %d", b);
        double dlogits[32 * VOCAB];
        double want = ref_loss(&m, Xb, Yb, 32, dlogits);
        float b2_before[VOCAB];
        memcpy(b2_before, m.b2->data, sizeof b2_before);
        const float lr = 0.1f;

        float loss = mlp_train_step(&m, &ds, &r, 32, lr, got_ix);
        for (int b = 0; b < 32; b++)
            ck_assert_msg(got_ix[b] == ix[b], "step %d: batch index %d: got %d, expected %d (rng_randint(r, 0, %d))",
                          step, b, got_ix[b], ix[b], ds.n);
        ck_assert_msg(same_rng_state(&r, &r2), "step %d: the generator should advance by exactly 32 randint draws",
                      step);
        EXPECT_NEAR(loss, want, 2e-4 * want, step == 0 ? "first minibatch loss (lecture init, data/names.txt)"
                                                       : "second minibatch loss");
        if (step == 0)
            harness_note("first minibatch loss %.6f (double reference %.6f)", loss, want);
        // b2 moved by -lr * dloss/db2, where dloss/db2 = column sums of dlogits.
        // On the second step this fails if the grads were not zeroed first.
        float b2_want[VOCAB];
        for (int v = 0; v < VOCAB; v++) {
            double d = 0;
            for (int b = 0; b < 32; b++)
                d += dlogits[b * VOCAB + v];
            b2_want[v] = (float)(b2_before[v] - lr * d);
        }
        EXPECT_ARRAY_NEAR(m.b2->data, b2_want, VOCAB, 1e-5,
                          step == 0 ? "b2 after one step: b2 - lr * grad" : "b2 after the second step (grads zeroed?)");
        ck_assert_msg(g.tape == NULL, "the tape is not empty after the step: call graph_step_reset(m->g) at its end");
    }
    graph_free(&g);
    dataset_free(&ds);
    words_free(&tr);
    words_free(&dev);
    words_free(&te);
    words_free(&all);
}
END_TEST

/* ------------------------------------------------------------------------- */
/* lab03.9 the learning-rate sweep                                           */
/* ------------------------------------------------------------------------- */

START_TEST(test_lr_search)
{
    char w0[] = "emma", w1[] = "olivia", w2[] = "ava", w3[] = "isabella", w4[] = "sophia";
    char *list[] = {w0, w1, w2, w3, w4};
    Words w = {list, 5, NULL};
    Dataset ds = {0};
    dataset_build(&ds, &w, 3);
    // Two identical models: one swept by lr_search, one stepped by hand.
    Graph g1, g2;
    graph_init(&g1);
    graph_init(&g2);
    TorchRng r1, r2;
    rng_seed(&r1, SEED);
    rng_seed(&r2, SEED);
    Mlp m1, m2;
    mlp_init(&m1, &g1, 3, 4, 8, &r1);
    mlp_init(&m2, &g2, 3, 4, 8, &r2);
    const float lre[4] = {-1.0f, -1.0f, -2.0f, 0.0f};
    const float lrs[4] = {0.1f, 0.1f, 0.01f, 1.0f};
    float losses[4], want[4];
    lr_search(&m1, &ds, &r1, 8, lre, 4, losses);
    for (int i = 0; i < 4; i++)
        want[i] = mlp_train_step(&m2, &ds, &r2, 8, lrs[i], NULL);
    EXPECT_ARRAY_NEAR(losses, want, 4, 1e-5, "sweep losses vs steps with lr 0.1, 0.1, 0.01, 1 (10^lre)");
    EXPECT_ARRAY_NEAR(m1.W1->data, m2.W1->data, m1.W1->numel, 1e-5, "W1 after the sweep");
    ck_assert_msg(same_rng_state(&r1, &r2), "the sweep should draw its batches like mlp_train_step");
    graph_free(&g1);
    graph_free(&g2);
    dataset_free(&ds);
}
END_TEST

/* ------------------------------------------------------------------------- */
/* lab03.10 the learning-rate schedule                                       */
/* ------------------------------------------------------------------------- */

START_TEST(test_lr_at)
{
    EXPECT_NEAR(mlp_lr_at(0, 100000, 0.1f), 0.1f, 0, "lr at step 0");
    EXPECT_NEAR(mlp_lr_at(99999, 100000, 0.1f), 0.1f, 0, "lr at step 99999");
    EXPECT_NEAR(mlp_lr_at(100000, 100000, 0.1f), 0.01f, 1e-9, "lr at step 100000 (a tenth from decay_at on)");
    EXPECT_NEAR(mlp_lr_at(199999, 100000, 0.1f), 0.01f, 1e-9, "lr at step 199999");
    EXPECT_NEAR(mlp_lr_at(150000, 150000, 0.1f), 0.01f, 1e-9, "lr at step 150000 with decay_at 150000 (lab 05's)");
    // The same floats as the core's lr_step_decay, which labs 04-06 use.
    const long steps[6] = {0, 1, 99999, 100000, 100001, 199999};
    for (int i = 0; i < 6; i++)
        EXPECT_NEAR(mlp_lr_at(steps[i], 100000, 0.1f), (float)lr_step_decay(steps[i], 100000, 0.1f), 0,
                    "mlp_lr_at vs the core's lr_step_decay");
}
END_TEST

/* ------------------------------------------------------------------------- */
/* lab03.11 evaluation                                                       */
/* ------------------------------------------------------------------------- */

START_TEST(test_split_loss)
{
    // The dev split of the shipped names: 22,949 examples, so several chunks.
    Words all = {0}, tr = {0}, dev = {0}, te = {0};
    load_names(&all);
    ck_assert_msg(words_split(&all, 42, &tr, &dev, &te) == 0, "words_split: %s", kit_last_failure());
    Dataset ds = {0};
    dataset_build(&ds, &dev, 3);
    Graph g;
    graph_init(&g);
    TorchRng r;
    rng_seed(&r, SEED);
    Mlp m;
    mlp_init(&m, &g, 3, 4, 16, &r);
    double want = ref_loss(&m, ds.X, ds.Y, ds.n, NULL);
    double got = mlp_split_loss(&m, &ds);
    EXPECT_NEAR(got, want, 1e-4 * want, "dev loss (22,949 examples) vs a loop in double");
    harness_note("dev loss %.6f, double reference %.6f", got, want);
    ck_assert_msg(!graph_set_no_grad(&g, false), "no-grad mode is still on after mlp_split_loss: restore it");
    ck_assert_msg(g.tape == NULL, "evaluation left ops on the tape: use no-grad mode and reset the step arena");
    for (int k = 0; k < MLP_NPARAMS; k++)
        for (int i = 0; i < m.params[k]->numel; i++)
            ck_assert_msg(m.params[k]->grad[i] == 0.0f, "evaluation changed a gradient (param %d, index %d)", k, i);
    graph_free(&g);
    dataset_free(&ds);
    words_free(&tr);
    words_free(&dev);
    words_free(&te);
    words_free(&all);
}
END_TEST

/* ------------------------------------------------------------------------- */
/* lab03.12 sampling                                                         */
/* ------------------------------------------------------------------------- */

/** The core's sampler asks for one context's logits: the given forward pass, in double here. */
static Tensor *ref_next_logits(void *model, const int *context)
{
    const Mlp *m = model;
    double logits[VOCAB];
    ref_logits(m, context, logits);
    float f[VOCAB];
    for (int v = 0; v < VOCAB; v++)
        f[v] = (float)logits[v];
    return tensor_from(m->g, SHAPE(1, VOCAB), f);
}

START_TEST(test_sample)
{
    Graph g;
    graph_init(&g);
    TorchRng r;
    rng_seed(&r, SEED);
    Mlp m;
    mlp_init(&m, &g, 3, 4, 16, &r);
    // The same names as the core's sample_name on a forward pass in double,
    // from generators seeded alike (54 words of the generator per character).
    TorchRng rs, rw;
    rng_seed(&rs, MLP_SAMPLE_SEED);
    rng_seed(&rw, MLP_SAMPLE_SEED);
    for (int s = 0; s < 5; s++) {
        char name[256], expect[256];
        int n = mlp_sample_name(&m, &rs, name, (int)sizeof name);
        int k = sample_name(&g, &rw, m.T, ref_next_logits, &m, expect, (int)sizeof expect);
        ck_assert_msg(n >= 0 && strcmp(name, expect) == 0, "name %d: got \"%s\", expected \"%s\"", s,
                      n >= 0 ? name : "(error)", expect);
        EXPECT_INT_EQ(n, k, "returned length");
        ck_assert_msg(same_rng_state(&rs, &rw), "name %d: the generator should advance 54 words per character", s);
        if (s == 0)
            harness_note("first name from seed 2147483647+10: %s", name);
    }
    ck_assert_msg(!graph_set_no_grad(&g, false), "no-grad mode is still on after mlp_sample_name: restore it");
    ck_assert_msg(g.tape == NULL, "sampling left ops on the tape: reset the step arena after each character");
    // A tiny buffer cuts the name: at most 2 letters and the NUL.
    char tiny[3];
    int n = mlp_sample_name(&m, &rs, tiny, 3);
    ck_assert_msg(n <= 2 && (int)strlen(tiny) == n, "with a 3-byte buffer: got \"%s\" (%d chars)", tiny, n);
    graph_free(&g);
}
END_TEST

/* ------------------------------------------------------------------------- */
/* The figures                                                               */
/* ------------------------------------------------------------------------- */

/** The lecture's model and training split on the shipped names. */
typedef struct Setup {
    Words all, tr, dev, te;
    Dataset ds;
    Graph g;
    TorchRng r;
    Mlp m;
} Setup;

static void setup_lecture(Setup *s, int emb, int hidden)
{
    memset(s, 0, sizeof *s);
    load_names(&s->all);
    ck_assert_msg(words_split(&s->all, 42, &s->tr, &s->dev, &s->te) == 0, "words_split: %s", kit_last_failure());
    dataset_build(&s->ds, &s->tr, 3);
    graph_init(&s->g);
    rng_seed(&s->r, SEED);
    mlp_init(&s->m, &s->g, 3, emb, hidden, &s->r);
}

static void setup_free(Setup *s)
{
    graph_free(&s->g);
    dataset_free(&s->ds);
    words_free(&s->tr);
    words_free(&s->dev);
    words_free(&s->te);
    words_free(&s->all);
}

START_TEST(test_fig_loss)
{
    // The loss curve: over 2,000 steps of the lecture's run, the minibatch
    // loss falls from far above the uniform guess (3.30; the bad init starts
    // near 22 on these names) to near 3.
    Setup s;
    setup_lecture(&s, 10, 200);
    const int n = 2000;
    double first = 0, last = 0;
    for (int i = 0; i < n; i++) {
        float loss = mlp_train_step(&s.m, &s.ds, &s.r, 32, mlp_lr_at(i, MLP_STEPS / 2, 0.1f), NULL);
        ck_assert_msg(isfinite(loss), "loss at step %d is %g", i, loss);
        if (i < 100) first += loss / 100;
        if (i >= n - 100) last += loss / 100;
    }
    harness_note("mean loss, steps 0-99: %.3f; steps %d-%d: %.3f", first, n - 100, n - 1, last);
    ck_assert_msg(first > 8, "the lecture's init starts badly: the mean of the first 100 losses should be over 8, "
                  "got %.3f", first);
    ck_assert_msg(last < 4 && last < first / 2, "loss should fall: first 100 steps %.3f, last 100 %.3f", first, last);
    setup_free(&s);
}
END_TEST

START_TEST(test_fig_lrsearch)
{
    // The exponents: torch.linspace(-3, 0, 1000), endpoints exact, evenly spaced.
    float lre[1000];
    linspace_f32(lre, -3.0f, 0.0f, 1000);
    EXPECT_NEAR(lre[0], -3.0, 0, "lre[0]");
    EXPECT_NEAR(lre[999], 0.0, 0, "lre[999]");
    for (int i = 0; i < 1000; i++)
        EXPECT_NEAR(lre[i], -3.0 + i * (3.0 / 999.0), 3e-7, "lre[i] = -3 + i*3/999");
    // Bit for bit what torch 1.13 prints (%.9g) where a plain a + b*i would be
    // 1 ulp off: torch fuses that step into an FMA.
    EXPECT_NEAR(lre[176], -2.47147155f, 0, "lre[176] (torch.linspace)");
    EXPECT_NEAR(lre[199], -2.40240216f, 0, "lre[199] (torch.linspace)");

    // The sweep on the lecture's exploratory net (embedding 2, hidden 100)
    // from its plain randn init: the loss falls from about 18 to about 3 near
    // 10^-1 and climbs again for rates above 10^-0.5, the lecture's picture.
    Setup s;
    setup_lecture(&s, MLP_SMALL_EMB, MLP_SMALL_HIDDEN);
    float losses[1000];
    lr_search(&s.m, &s.ds, &s.r, 32, lre, 1000, losses);
    const int w = 50;
    double best = INFINITY, early = 0, late = 0;
    int at = -1, n_late = 0;
    for (int i = 0; i + w <= 1000; i++) {
        double sum = 0;
        for (int k = 0; k < w; k++)
            sum += losses[i + k];
        if (isfinite(sum) && sum / w < best) {
            best = sum / w;
            at = i + w / 2;
        }
    }
    ck_assert_msg(at >= 0, "every window of the sweep has a non-finite loss");
    for (int i = 0; i < w; i++)
        early += losses[i] / w;
    for (int i = 0; i < 1000; i++)
        if (lre[i] > -0.5f) {
            late += losses[i];
            n_late++;
        }
    late /= n_late;
    harness_note("first %d steps %.2f; lowest %d-step mean %.4f at exponent %.3f (lr %.3g); above 10^-0.5 %.2f",
                 w, early, w, best, lre[at], pow(10, lre[at]), late);
    ck_assert_msg(early > 12, "the sweep should start high (about 18): first %d mean %.3f", w, early);
    ck_assert_msg(best < 3.6, "the sweep should get down to about 3: lowest %d-step mean %.3f", w, best);
    ck_assert_msg(lre[at] > -1.3 && lre[at] < -0.5, "smoothed minimum at exponent %.3f, expected in (-1.3, -0.5)",
                  lre[at]);
    ck_assert_msg(late > best + 1, "the loss should climb again above 10^-0.5: mean there %.3f, lowest %.3f", late,
                  best);
    setup_free(&s);
}
END_TEST

START_TEST(test_fig_embedding)
{
    // The 2-D picture reads <dir>/embedding.tsv: a header and 27 rows, one per
    // character, its two coordinates equal to its row of C.
    Setup s;
    setup_lecture(&s, 2, 200);
    for (int i = 0; i < 200; i++)
        (void)mlp_train_step(&s.m, &s.ds, &s.r, 32, 0.1f, NULL);
    char dir[] = "/tmp/lab03_test_XXXXXX";
    ck_assert_msg(mkdtemp(dir) != NULL, "cannot make a temporary folder");
    ck_assert_msg(mlp_write_embedding(&s.m, dir) == 0, "mlp_write_embedding failed");
    char path[300];
    snprintf(path, sizeof path, "%s/embedding.tsv", dir);
    FILE *f = fopen(path, "r");
    ck_assert_msg(f != NULL, "no %s", path);
    char line[256];
    int rows = 0, header = 0;
    while (fgets(line, sizeof line, f)) {
        if (line[0] == '#') {
            header++;
            continue;
        }
        char c;
        float x, y;
        ck_assert_msg(sscanf(line, "%c\t%f\t%f", &c, &x, &y) == 3, "bad row: %s", line);
        ck_assert_msg(rows < VOCAB && c == itos(rows), "row %d is for '%c', expected '%c'", rows, c,
                      rows < VOCAB ? itos(rows) : '?');
        EXPECT_NEAR(x, s.m.C->data[rows * 2], 1e-5, "x = C[i][0]");
        EXPECT_NEAR(y, s.m.C->data[rows * 2 + 1], 1e-5, "y = C[i][1]");
        rows++;
    }
    fclose(f);
    unlink(path);
    rmdir(dir);
    EXPECT_INT_EQ(header, 1, "header lines");
    EXPECT_INT_EQ(rows, VOCAB, "rows in embedding.tsv");
    setup_free(&s);
}
END_TEST

int main(int argc, char **argv)
{
    const HarnessStep steps[] = {
        {"lab03.1", "build the dataset: \"emma\" by hand, example counts", test_dataset, 30},
        {"lab03.2", "embedding lookup C[X] viewed as [B, T*C]", test_embed, 10},
        {"lab03.3", "hidden layer h = tanh(x @ W1 + b1)", test_hidden, 10},
        {"lab03.4", "output layer logits = h @ W2 + b2", test_output, 10},
        {"lab03.5", "the loss by hand: exp, normalize, pick, -log, mean", test_loss_by_hand, 10},
        {"lab03.6", "the fused cross-entropy, stable for large logits", test_loss_fused, 10},
        {"lab03.7", "overfit one batch: 32 examples, loss stops near 0.25", test_overfit, 30},
        {"lab03.8", "one minibatch SGD step (first loss, update, zero_grad)", test_train_step, 30},
        {"lab03.9", "the learning-rate sweep steps with lr = 10^lre", test_lr_search, 10},
        {"lab03.10", "the learning-rate schedule: a tenth from decay_at on", test_lr_at, 10},
        {"lab03.11", "split loss in no-grad mode", test_split_loss, 60},
        {"lab03.12", "sampling names, as the core's sampler", test_sample, 30},
        {"lab03.fig_loss", "figure: the loss falls over 2,000 steps", test_fig_loss, 120},
        {"lab03.fig_lrsearch", "figure: the small net's sweep falls from ~18 to ~3, then climbs", test_fig_lrsearch, 120},
        {"lab03.fig_embedding", "figure: embedding.tsv has 27 characters and C's values", test_fig_embedding, 60},
    };
    return harness_main(argc, argv, "lab03", steps, (int)(sizeof steps / sizeof steps[0]));
}
