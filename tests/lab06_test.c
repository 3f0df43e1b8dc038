/**
 * @file lab06_test.c
 * @brief Lab 06's checklist: one test per step you write in backprop.c, each
 *        comparing your gradients with the core's autograd, tensor by tensor.
 *
 * What it is: the lecture's setup on data/names.txt (seed 2147483647, H = 64,
 * bngain and bnbias from seed 42, the first minibatch), the chunked forward
 * recorded by the core, tensor_backward, then your functions. Each part of
 * exercise 1 starts from autograd's upstream gradient, so a mistake in one
 * part cannot fail the next. Every tensor must agree within
 *     max |yours - autograd| <= 1e-5 * max |autograd| + 1e-8
 * (relative to the tensor's largest gradient; the 1e-8 floor, torch.allclose's
 * atol, is for dlogit_maxes and db1, which are zero up to rounding, so their
 * size is rounding noise, 1e-9 here). Sums in another order than the core's
 * stay far inside this; a wrong formula (n for n-1, a missing term) does not.
 * The test names the first tensor, in backward order, that is off.
 * Exercise 4: your whole backward against autograd's on the H = 200 network,
 * and 300 training steps with each: the same losses within 1e-5.
 * What it is not: the 200,000-step run (`make lab06-solution`), or a speed test.
 *
 * Reads data/names.txt. Run from the repository root: `make check LAB=06`
 * (your code) or `make test` (the solution).
 */
#include "harness.h"
#include "kit.h"       // kit_last_failure

#include <stdlib.h>
#include <string.h>

#include "backprop.h"
#include "data.h"
#include "minibatch.h"
#include "model.h"
#include "rng.h"
#include "tensor.h"

#define NAMES "data/names.txt"
#define SEED 2147483647ULL
#define REL_TOL 1e-5
#define ABS_TOL 1e-8
/* PyTorch 1.13 on data/names.txt, the lecture's code with torch.manual_seed(42)
 * before bngain and bnbias (computed by hand, not by a script in this repo) */
#define TORCH_LOSS_H64 3.5226290225982666   /* the chunked forward's loss, H = 64 */
#define TORCH_LOSS_H200 3.6025302410125732  /* exercise 4's first loss, H = 200 */

/* ------------------------------------------------------------------------- */
/* Helpers                                                                   */
/* ------------------------------------------------------------------------- */

static void load_train(Dataset *tr, Dataset *dev)
{
    Words all, a, b, c;
    ck_assert_msg(words_load(&all, NAMES) == 0, "cannot load %s: %s", NAMES, kit_last_failure());
    ck_assert_msg(words_split(&all, 42, &a, &b, &c) == 0, "words_split: %s", kit_last_failure());
    dataset_build(tr, &a, BP_BLOCK);
    if (dev) dataset_build(dev, &b, BP_BLOCK);
    words_free(&a);
    words_free(&b);
    words_free(&c);
    words_free(&all);
}

/* The lecture's setup: model, first batch, chunked forward, autograd's gradients. */
typedef struct Setup {
    Graph g;
    Dataset tr;
    Model m;
    const int *X, *Y;  /* the first batch, in the step arena (no step reset before teardown) */
    Chunked f;
    Grads d;
} Setup;

static void setup(Setup *s)
{
    graph_init(&s->g);
    load_train(&s->tr, NULL);
    model_create(&s->m, &s->g, BP_BLOCK, BP_EMB, BP_HIDDEN);
    TorchRng r;
    rng_seed(&r, SEED);
    model_init(&s->m, &r, BP_BN_SEED);
    EXPECT_INT_EQ(params_count(s->m.params, BP_NPARAMS), 4137, "parameters at H = 64 (the lecture's 4137)");
    Batch b = batch_draw(&s->g, &s->tr, &r, BP_BATCH, NULL);
    s->X = b.X;
    s->Y = b.Y;
    s->f = model_forward_chunked(&s->m, s->X, s->Y, BP_BATCH);
    EXPECT_NEAR(tensor_item(s->f.loss), TORCH_LOSS_H64, 2e-6, "the chunked forward's loss (PyTorch: 3.5226290)");
    params_zero_grad(s->m.params, BP_NPARAMS);
    tensor_backward(s->f.loss);
    s->d = grads_alloc(&s->m, &s->f);
}

static void teardown(Setup *s)
{
    dataset_free(&s->tr);
    graph_free(&s->g);
}

/* Compare n tensors in order; fail at the first one off, naming it and the ones before it. */
typedef struct Check {
    const char *name;
    const float *mine;
    const Tensor *ref;
    const Tensor *sum_of;  /* NULL, or the tensor whose gradient this one sums (its scale sets the tolerance) */
} Check;

static double max_abs(const float *x, int n)
{
    double m = 0;
    for (int i = 0; i < n; i++) m = fmax(m, fabs(x[i]));
    return m;
}

static void check_in_order(const Check *c, int n)
{
    char ok[512] = "";
    for (int i = 0; i < n; i++) {
        CmpRow r = cmp(c[i].name, c[i].mine, c[i].ref);
        double scale = c[i].sum_of ? fmax(r.maxabs, max_abs(c[i].sum_of->grad, c[i].sum_of->numel)) : r.maxabs;
        double tol = REL_TOL * scale + ABS_TOL;
        harness_note("d%-14s | exact: %-5s | approximate: %-5s | maxdiff: %.3g (tol %.2g)", c[i].name,
                     r.exact ? "True" : "False", r.approximate ? "True" : "False", r.maxdiff, tol);
        if (!(r.maxdiff <= tol)) {
            long at = 0;  // the worst element, to show
            double worst = -1;
            for (int k = 0; k < r.numel; k++) {
                double dk = fabs((double)c[i].mine[k] - c[i].ref->grad[k]);
                if (dk > worst || dk != dk) {
                    worst = dk;
                    at = k;
                }
                if (dk != dk) break;
            }
            ck_abort_msg("d%s is the first wrong tensor%s%s: maxdiff %.3g > tol %.2g (1e-5 x the largest |grad| "
                         "%.3g, + 1e-8); at [%ld] yours %.9g, autograd %.9g",
                         c[i].name, ok[0] ? " (right before it: " : "", ok[0] ? ok : "", r.maxdiff, tol, scale,
                         at, (double)c[i].mine[at], (double)c[i].ref->grad[at]);
        }
        size_t len = strlen(ok);
        if (len > 1 && ok[len - 1] == ')') ok[len - 1] = '\0';
        snprintf(ok + strlen(ok), sizeof ok - strlen(ok), "%sd%s)", i ? ", " : "", c[i].name);
    }
}

/* ------------------------------------------------------------------------- */
/* lab06.1 - lab06.7: exercise 1                                             */
/* ------------------------------------------------------------------------- */

START_TEST(test_loss)
{
    Setup s;
    setup(&s);
    backward_loss(&s.f, &s.d);
    const Check c[] = {
        {"logprobs", s.d.logprobs, s.f.logprobs, NULL},
        {"probs", s.d.probs, s.f.probs, NULL},
        {"counts_sum_inv", s.d.counts_sum_inv, s.f.counts_sum_inv, NULL},
        {"counts_sum", s.d.counts_sum, s.f.counts_sum, NULL},
        {"counts", s.d.counts, s.f.counts, NULL},
        {"norm_logits", s.d.norm_logits, s.f.norm_logits, NULL},
        {"logit_maxes", s.d.logit_maxes, s.f.logit_maxes, s.f.norm_logits},
        {"logits", s.d.logits, s.f.logits, NULL},
    };
    check_in_order(c, (int)(sizeof c / sizeof c[0]));
    teardown(&s);
}
END_TEST

START_TEST(test_linear)
{
    // the second layer, logits = h @ W2 + b2, from autograd's dlogits
    Setup s;
    setup(&s);
    const int B = BP_BATCH, H = BP_HIDDEN, V = VOCAB;
    linear_backward(s.f.logits->grad, s.f.h->data, s.m.W2->data, B, H, V, s.d.h, s.d.W2, s.d.b2);
    const Check c[] = {
        {"h", s.d.h, s.f.h, NULL},
        {"W2", s.d.W2, s.m.W2, NULL},
        {"b2", s.d.b2, s.m.b2, NULL},
    };
    check_in_order(c, (int)(sizeof c / sizeof c[0]));
    teardown(&s);
}
END_TEST

START_TEST(test_tanh)
{
    // h = tanh(hpreact), from autograd's dh
    Setup s;
    setup(&s);
    tanh_backward(s.f.h->grad, s.f.h->data, BP_BATCH * BP_HIDDEN, s.d.hpreact);
    const Check c[] = {{"hpreact", s.d.hpreact, s.f.hpreact, NULL}};
    check_in_order(c, 1);
    teardown(&s);
}
END_TEST

START_TEST(test_layer2)
{
    Setup s;
    setup(&s);
    memcpy(s.d.logits, s.f.logits->grad, sizeof(float) * (size_t)s.f.logits->numel);  // autograd's dlogits
    backward_layer2(&s.m, &s.f, &s.d);
    const Check c[] = {
        {"h", s.d.h, s.f.h, NULL},
        {"W2", s.d.W2, s.m.W2, NULL},
        {"b2", s.d.b2, s.m.b2, NULL},
        {"hpreact", s.d.hpreact, s.f.hpreact, NULL},
    };
    check_in_order(c, (int)(sizeof c / sizeof c[0]));
    teardown(&s);
}
END_TEST

START_TEST(test_batchnorm_chunked)
{
    Setup s;
    setup(&s);
    memcpy(s.d.hpreact, s.f.hpreact->grad, sizeof(float) * (size_t)s.f.hpreact->numel);  // autograd's dhpreact
    backward_batchnorm(&s.m, &s.f, &s.d);
    const Check c[] = {
        {"bngain", s.d.bngain, s.m.bngain, NULL},
        {"bnbias", s.d.bnbias, s.m.bnbias, NULL},
        {"bnraw", s.d.bnraw, s.f.bnraw, NULL},
        {"bnvar_inv", s.d.bnvar_inv, s.f.bnvar_inv, NULL},
        {"bnvar", s.d.bnvar, s.f.bnvar, NULL},
        {"bndiff2", s.d.bndiff2, s.f.bndiff2, NULL},
        {"bndiff", s.d.bndiff, s.f.bndiff, NULL},
        {"bnmeani", s.d.bnmeani, s.f.bnmeani, NULL},
        {"hprebn", s.d.hprebn, s.f.hprebn, NULL},
    };
    check_in_order(c, (int)(sizeof c / sizeof c[0]));
    teardown(&s);
}
END_TEST

START_TEST(test_embed)
{
    // emb = C[X], from autograd's demb
    Setup s;
    setup(&s);
    embed_backward(s.f.emb->grad, s.X, BP_BATCH * BP_BLOCK, BP_EMB, s.d.C);
    const Check c[] = {{"C", s.d.C, s.m.C, NULL}};
    check_in_order(c, 1);
    // a character used twice in the batch collects both rows: '.' (0) starts every name
    int zeros = 0;
    for (int i = 0; i < BP_BATCH * BP_BLOCK; i++) zeros += s.X[i] == 0;
    harness_note("'.' appears %d times in the batch's contexts: dC's row 0 is the sum of those %d rows of demb",
                 zeros, zeros);
    teardown(&s);
}
END_TEST

START_TEST(test_layer1)
{
    Setup s;
    setup(&s);
    memcpy(s.d.hprebn, s.f.hprebn->grad, sizeof(float) * (size_t)s.f.hprebn->numel);  // autograd's dhprebn
    backward_layer1(&s.m, &s.f, &s.d);
    const Check c[] = {
        {"embcat", s.d.embcat, s.f.embcat, NULL},
        {"W1", s.d.W1, s.m.W1, NULL},
        {"b1", s.d.b1, s.m.b1, s.f.hprebn},
        {"emb", s.d.emb, s.f.emb, NULL},
        {"C", s.d.C, s.m.C, NULL},
    };
    check_in_order(c, (int)(sizeof c / sizeof c[0]));
    teardown(&s);
}
END_TEST

/* ------------------------------------------------------------------------- */
/* lab06.8: exercise 2                                                       */
/* ------------------------------------------------------------------------- */

START_TEST(test_cross_entropy)
{
    Setup s;
    setup(&s);
    const int B = BP_BATCH, V = VOCAB;
    float *dl = step_zeros(&s.g, B * V);
    cross_entropy_backward(s.f.logits->data, s.Y, B, V, dl);
    const Check c[] = {{"logits (one formula)", dl, s.f.logits, NULL}};
    check_in_order(c, 1);
    double worst = 0;
    for (int b = 0; b < B; b++) {
        double sum = 0;
        for (int v = 0; v < V; v++) sum += dl[b * V + v];
        worst = fmax(worst, fabs(sum));
        ck_assert_msg(dl[b * V + s.Y[b]] < 0, "row %d: dlogits at the label %d is %g; softmax - 1 is negative", b,
                      s.Y[b], (double)dl[b * V + s.Y[b]]);
    }
    harness_note("rows of dlogits sum to zero: the largest |row sum| is %.2g (the pull down on the label equals the "
                 "push up on the rest)", worst);
    EXPECT_NEAR(worst, 0.0, 1e-7, "the largest |sum of a row of dlogits|");
    // large logits: a softmax that does not subtract the row's max overflows (exp(100) is not a float)
    float *shifted = step_zeros(&s.g, B * V), *d2 = step_zeros(&s.g, B * V);
    for (int i = 0; i < B * V; i++) shifted[i] = s.f.logits->data[i] + 100.0f;
    cross_entropy_backward(shifted, s.Y, B, V, d2);
    for (int i = 0; i < B * V; i++)
        ck_assert_msg(isfinite(d2[i]) && fabs(d2[i] - dl[i]) <= 1e-6,
                      "logits + 100 (softmax does not change): dlogits[%d] is %g, expected %g. HINT: subtract "
                      "each row's max before exp", i, (double)d2[i], (double)dl[i]);
    // it adds into dlogits, as every backward here
    cross_entropy_backward(s.f.logits->data, s.Y, B, V, dl);
    for (int i = 0; i < B * V; i++)
        ck_assert_msg(fabs(dl[i] - 2 * s.f.logits->grad[i]) <= 2e-7,
                      "called twice, dlogits[%d] is %g, expected twice autograd's %g. HINT: add into dlogits (+=)",
                      i, (double)dl[i], (double)s.f.logits->grad[i]);
    teardown(&s);
}
END_TEST

/* ------------------------------------------------------------------------- */
/* lab06.9: exercise 3                                                       */
/* ------------------------------------------------------------------------- */

START_TEST(test_batchnorm_fused)
{
    Setup s;
    setup(&s);
    const int B = BP_BATCH, H = BP_HIDDEN;
    float *dh = step_zeros(&s.g, B * H);
    batchnorm_backward(s.f.hpreact->grad, s.f.bnraw->data, s.f.bnvar_inv->data, s.m.bngain->data, B, H, dh);
    const Check c[] = {{"hprebn (one formula)", dh, s.f.hprebn, NULL}};
    check_in_order(c, 1);
    double worst = 0;
    for (int j = 0; j < H; j++) {
        double sum = 0;
        for (int b = 0; b < B; b++) sum += dh[b * H + j];
        worst = fmax(worst, fabs(sum));
    }
    harness_note("each column of dhprebn sums to zero (the mean is subtracted): the largest |sum| is %.2g", worst);

    // another batch size and non-uniform upstream gradient, against autograd of the compact batchnorm
    enum { B2 = 5, H2 = 3 };
    Graph g;
    graph_init(&g);
    TorchRng r;
    rng_seed(&r, 7);
    Tensor *x = tensor_param(&g, SHAPE(B2, H2)), *gain = tensor_param(&g, SHAPE(1, H2));
    Tensor *bias = tensor_param(&g, SHAPE(1, H2));
    tensor_randn_(x, &r);
    tensor_scale_(x, 3.0f);
    tensor_randn_(gain, &r);
    tensor_randn_(bias, &r);
    float R[B2 * H2];
    rng_randn(&r, R, B2 * H2);
    Tensor *var = tensor_var(x, 0, true, true);
    Tensor *inv = tensor_pow(tensor_add_scalar(var, BP_EPS), -0.5f);
    Tensor *raw = tensor_mul(tensor_sub(x, tensor_mean(x, 0, true)), inv);
    Tensor *hp = tensor_add(tensor_mul(gain, raw), bias);
    Tensor *L = tensor_sum_all(tensor_mul(hp, tensor_from(&g, SHAPE(B2, H2), R)));
    tensor_backward(L);
    float mine[B2 * H2] = {0};
    batchnorm_backward(hp->grad, raw->data, inv->data, gain->data, B2, H2, mine);
    const Check c2[] = {{"x (B = 5, H = 3, random upstream)", mine, x, NULL}};
    check_in_order(c2, 1);
    graph_free(&g);
    teardown(&s);
}
END_TEST

/* ------------------------------------------------------------------------- */
/* lab06.10: exercise 4                                                      */
/* ------------------------------------------------------------------------- */

START_TEST(test_train)
{
    Graph g;
    graph_init(&g);
    Dataset tr;
    load_train(&tr, NULL);
    Model m;
    model_create(&m, &g, BP_BLOCK, BP_EMB, BP_HIDDEN_TRAIN);
    TorchRng r;
    rng_seed(&r, SEED);
    model_init(&m, &r, BP_BN_SEED);
    EXPECT_INT_EQ(params_count(m.params, BP_NPARAMS), 12297, "parameters at H = 200 (the lecture's 12297)");
    // a copy of the first batch the core drew: it must outlive the graph_step_reset between the two passes
    int X[BP_BATCH * BP_BLOCK], Y[BP_BATCH];
    Batch b = batch_draw(&g, &tr, &r, BP_BATCH, NULL);
    memcpy(X, b.X, sizeof X);
    memcpy(Y, b.Y, sizeof Y);

    // 1. one batch: autograd's parameter gradients, then yours, with no tape
    Forward f = model_forward(&m, X, Y, BP_BATCH, false);
    EXPECT_NEAR(tensor_item(f.loss), TORCH_LOSS_H200, 2e-6, "first loss at H = 200 (PyTorch: 3.6025302)");
    params_zero_grad(m.params, BP_NPARAMS);
    tensor_backward(f.loss);
    static const char *const names[BP_NPARAMS] = {"C", "W1", "b1", "W2", "b2", "bngain", "bnbias"};
    Tensor *ref[BP_NPARAMS];
    // keep autograd's, in tensors of their own (in the params arena: they outlive the step)
    for (int i = 0; i < BP_NPARAMS; i++) {
        ref[i] = tensor_param(&g, m.params[i]->shape);
        memcpy(ref[i]->grad, m.params[i]->grad, sizeof(float) * (size_t)m.params[i]->numel);
    }
    Tensor *dhprebn = tensor_param(&g, f.hprebn->shape);  // the scale of db1, which sums it
    memcpy(dhprebn->grad, f.hprebn->grad, sizeof(float) * (size_t)f.hprebn->numel);
    graph_step_reset(&g);
    bool was = graph_set_no_grad(&g, true);
    f = model_forward(&m, X, Y, BP_BATCH, false);
    params_zero_grad(m.params, BP_NPARAMS);
    manual_backward(&m, &f, X, Y, BP_BATCH);
    ck_assert_msg(g.tape == NULL, "manual_backward recorded ops on the tape in no-grad mode");
    graph_set_no_grad(&g, was);
    // the order of the lecture's grads list, backwards: last layer first
    const Check c[] = {
        {names[3], m.W2->grad, ref[3], NULL},
        {names[4], m.b2->grad, ref[4], NULL},
        {names[5], m.bngain->grad, ref[5], NULL},
        {names[6], m.bnbias->grad, ref[6], NULL},
        {names[1], m.W1->grad, ref[1], NULL},
        {names[2], m.b1->grad, ref[2], dhprebn},
        {names[0], m.C->grad, ref[0], NULL},
    };
    check_in_order(c, BP_NPARAMS);
    graph_step_reset(&g);
    graph_free(&g);

    // 2. training: 300 steps with your backward (no tape), 300 with autograd, from the same seed
    enum { STEPS = 300 };
    float loss[2][STEPS];
    for (int k = 0; k < 2; k++) {
        graph_init(&g);
        model_create(&m, &g, BP_BLOCK, BP_EMB, BP_HIDDEN_TRAIN);
        rng_seed(&r, SEED);
        model_init(&m, &r, BP_BN_SEED);
        double first;
        int rc = model_train(&m, &tr, &r, STEPS, BP_BATCH, BP_LR, k == 0 ? BACKWARD_MANUAL : BACKWARD_AUTOGRAD, NULL,
                             loss[k], &first, true);
        EXPECT_INT_EQ(rc, 0, k == 0 ? "training with your backward (0: every loss finite)" : "training with autograd");
        graph_free(&g);
    }
    double worst = 0;
    long at = 0;
    for (long i = 0; i < STEPS; i++)
        if (fabs(loss[0][i] - loss[1][i]) > worst) {
            worst = fabs(loss[0][i] - loss[1][i]);
            at = i;
        }
    harness_note("%d steps, loss at step 0 / %d: yours %.6f / %.6f, autograd %.6f / %.6f; largest difference %.2g "
                 "(step %ld)", STEPS, STEPS - 1, loss[0][0], loss[0][STEPS - 1], loss[1][0], loss[1][STEPS - 1], worst,
                 at);
    // float rounding in two orders of summation, compounded over 300 updates: 1e-6 here
    ck_assert_msg(worst <= 1e-5, "training with your backward and with autograd: the losses part by %.3g at step %ld "
                  "(yours %.7f, autograd %.7f; tol 1e-5)", worst, at, loss[0][at], loss[1][at]);
    ck_assert_msg(loss[0][STEPS - 1] < loss[0][0] - 0.5, "the loss did not fall: %.4f -> %.4f", loss[0][0],
                  loss[0][STEPS - 1]);
    dataset_free(&tr);
}
END_TEST

int main(int argc, char **argv)
{
    const HarnessStep steps[] = {
        {"lab06.1", "exercise 1: the loss back to the logits (dlogprobs ... dlogits)", test_loss, 30},
        {"lab06.2", "exercise 1: a linear layer's backward (dh, dW2, db2)", test_linear, 30},
        {"lab06.3", "exercise 1: tanh's backward (dhpreact)", test_tanh, 30},
        {"lab06.4", "exercise 1: the second layer and tanh (dh, dW2, db2, dhpreact)", test_layer2, 30},
        {"lab06.5", "exercise 1: batchnorm, op by op (dbngain ... dhprebn)", test_batchnorm_chunked, 30},
        {"lab06.6", "exercise 1: the embedding's backward (dC)", test_embed, 30},
        {"lab06.7", "exercise 1: the first layer and the embedding (dembcat, dW1, db1, dC)", test_layer1, 30},
        {"lab06.8", "exercise 2: the cross-entropy backward in one formula", test_cross_entropy, 30},
        {"lab06.9", "exercise 3: the batchnorm backward in one formula", test_batchnorm_fused, 30},
        {"lab06.10", "exercise 4: the whole backward; training without autograd", test_train, 120},
    };
    return harness_main(argc, argv, "lab06", steps, (int)(sizeof steps / sizeof steps[0]));
}
