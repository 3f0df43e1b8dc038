/*
 * core_loop_test.c: the training loop's given parts (minibatch.h), the name
 * sampler (sample.h) and the diagnostics' statistics (stats.h).
 *
 * What it checks: batch_draw takes torch.randint's draws in order and copies
 * the right rows; lr_step_decay gives the lecture's schedule, in the same
 * float as a float division; split_loss is the mean over every example of a
 * split whatever the chunking, records no tape and restores the no-grad
 * setting; sample_name follows a model's letters to '.', cuts a name that
 * never ends, and refuses non-finite probabilities; stats_* against exact
 * counts and values.
 * What it does not check: the labs' models (their suites do).
 */
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "minibatch.h"
#include "sample.h"
#include "stats.h"

/* A dataset of n examples with T = 2: X[i] = {i % 27, (i + 1) % 27}, Y[i] = i % 27. */
static Dataset small_dataset(int n)
{
    Dataset ds = {malloc(sizeof(int) * (size_t)n * 2), malloc(sizeof(int) * (size_t)n), n, 2};
    for (int i = 0; i < n; i++) {
        ds.X[2 * i] = i % VOCAB;
        ds.X[2 * i + 1] = (i + 1) % VOCAB;
        ds.Y[i] = i % VOCAB;
    }
    return ds;
}

START_TEST(test_batch_draw)
{
    Graph g;
    graph_init(&g);
    Dataset ds = small_dataset(1000);
    TorchRng r, ref;
    rng_seed(&r, 2147483647);
    rng_seed(&ref, 2147483647);
    int ix[32];
    Batch b = batch_draw(&g, &ds, &r, 32, ix);
    EXPECT_INT_EQ(b.B, 32, "batch size");
    for (int i = 0; i < 32; i++) {
        int want = (int)rng_randint(&ref, 0, ds.n);  // torch.randint's draws, one per example, in order
        EXPECT_INT_EQ(ix[i], want, "drawn index");
        EXPECT_INT_EQ(b.X[2 * i], ds.X[2 * want], "X row, first context character");
        EXPECT_INT_EQ(b.X[2 * i + 1], ds.X[2 * want + 1], "X row, second context character");
        EXPECT_INT_EQ(b.Y[i], ds.Y[want], "Y");
    }
    // The batch lives in the step arena: a reset takes it back.
    ck_assert_msg(g.step.used + g.step.spill_bytes > 0, "the batch should be in the step arena");
    graph_step_reset(&g);
    free(ds.X);
    free(ds.Y);
    graph_free(&g);
}
END_TEST

START_TEST(test_lr_step_decay)
{
    EXPECT_NEAR(lr_step_decay(0, 100000, 0.1), 0.1, 0, "step 0");
    EXPECT_NEAR(lr_step_decay(99999, 100000, 0.1), 0.1, 0, "step 99999");
    EXPECT_NEAR(lr_step_decay(100000, 100000, 0.1), 0.01, 0, "step 100000");
    EXPECT_NEAR(lr_step_decay(199999, 100000, 0.1), 0.01, 0, "step 199999");
    // A float lr: the cast result is the float division lr / 10.0f, bit for bit
    // (rounding a correctly rounded double quotient to float is innocuous).
    const float lrs[] = {0.1f, 0.2f, 1.0f, 0.05f, 0.001f, 3.0e-7f, 10.0f};
    for (size_t i = 0; i < sizeof lrs / sizeof lrs[0]; i++) {
        float got = (float)lr_step_decay(5, 1, lrs[i]);
        float want = lrs[i] / 10.0f;
        ck_assert_msg(memcmp(&got, &want, sizeof got) == 0, "lr %g: (float)lr_step_decay %.9g, lr / 10.0f %.9g",
                      (double)lrs[i], (double)got, (double)want);
    }
}
END_TEST

/* A "model" whose loss over a chunk is the mean of its targets (as a [1] tensor). */
static int chunks_seen;
static Tensor *mean_of_targets(void *model, const int *X, const int *Y, int n)
{
    (void)X;
    Graph *g = model;
    ck_assert_msg(g->no_grad > 0, "split_loss must evaluate in no-grad mode");
    ck_assert_msg(n <= 4096, "a chunk of %d examples (at most 4096)", n);
    chunks_seen++;
    float *y = arena_alloc(&g->step, sizeof(float) * (size_t)n);
    for (int i = 0; i < n; i++) y[i] = (float)Y[i];
    return tensor_mean_all(tensor_from(g, SHAPE(n), y));
}

START_TEST(test_split_loss)
{
    Graph g;
    graph_init(&g);
    Dataset ds = small_dataset(10000);  // 4096 + 4096 + 1808: the short last chunk weighs 1808
    double want = 0.0;
    for (int i = 0; i < ds.n; i++) want += ds.Y[i];
    want /= ds.n;
    chunks_seen = 0;
    double got = split_loss(&g, &ds, mean_of_targets, &g);
    EXPECT_NEAR(got, want, 1e-5, "the mean over all 10000 examples");
    EXPECT_INT_EQ(chunks_seen, 3, "chunks of at most 4096");
    EXPECT_INT_EQ(g.no_grad, 0, "no-grad setting restored");
    ck_assert_msg(g.tape == NULL, "split_loss records nothing on the tape");
    free(ds.X);
    free(ds.Y);
    graph_free(&g);
}
END_TEST

/* A model that spells "abc." whatever the context length: logit 20 on the
 * letter after the last one in the context (0 -> 'a'), -20 elsewhere. */
static Tensor *spell_abc(void *model, const int *context)
{
    Graph *g = model;
    int last = context[2];  // T = 3
    int next = last == 3 ? 0 : last + 1;
    float logits[VOCAB];
    for (int v = 0; v < VOCAB; v++) logits[v] = v == next ? 20.0f : -20.0f;
    return tensor_from(g, SHAPE(1, VOCAB), logits);
}

/* A model that never ends a name: '.' has logit -100. */
static Tensor *never_ends(void *model, const int *context)
{
    (void)context;
    float logits[VOCAB];
    for (int v = 0; v < VOCAB; v++) logits[v] = v == 0 ? -100.0f : 0.0f;
    return tensor_from(model, SHAPE(1, VOCAB), logits);
}

static Tensor *not_finite(void *model, const int *context)
{
    (void)context;
    float logits[VOCAB];
    for (int v = 0; v < VOCAB; v++) logits[v] = NAN;
    return tensor_from(model, SHAPE(1, VOCAB), logits);
}

START_TEST(test_sample_name)
{
    Graph g;
    graph_init(&g);
    TorchRng r;
    rng_seed(&r, 2147483647);
    char out[16];
    int n = sample_name(&g, &r, 3, spell_abc, &g, out, sizeof out);
    EXPECT_INT_EQ(n, 4, "letters of \"abc.\"");
    ck_assert_msg(strcmp(out, "abc.") == 0, "sampled \"%s\", expected \"abc.\"", out);
    EXPECT_INT_EQ(g.no_grad, 0, "no-grad setting restored");

    n = sample_name(&g, &r, 3, never_ends, &g, out, sizeof out);
    EXPECT_INT_EQ(n, 15, "a name that never ends is cut at cap - 1 letters");
    EXPECT_INT_EQ((long long)strlen(out), 15, "strlen of the cut name");
    ck_assert_msg(strchr(out, '.') == NULL, "a cut name has no '.': \"%s\"", out);

    n = sample_name(&g, &r, 3, not_finite, &g, out, sizeof out);
    EXPECT_INT_EQ(n, -1, "non-finite probabilities");
    EXPECT_INT_EQ((long long)strlen(out), 0, "nothing written");
    EXPECT_INT_EQ(g.no_grad, 0, "no-grad setting restored after the refusal");
    graph_free(&g);
}
END_TEST

START_TEST(test_stats)
{
    const float x[] = {-2.0f, -0.5f, 0.0f, 0.25f, 0.5f, 0.99f, 1.0f, 7.0f};
    long c[4];
    stats_histogram(x, 8, -1.0f, 1.0f, 4, c);  // bins [-1,-.5) [-.5,0) [0,.5) [.5,1]
    EXPECT_INT_EQ(c[0], 1, "bin 0: -2 clamped in");
    EXPECT_INT_EQ(c[1], 1, "bin 1: -0.5");
    EXPECT_INT_EQ(c[2], 2, "bin 2: 0, 0.25");
    EXPECT_INT_EQ(c[3], 4, "bin 3: 0.5, 0.99, 1 and 7 clamped in");
    stats_histogram(x, 8, 1.0f, 1.0f, 4, c);
    EXPECT_INT_EQ(c[0], 8, "hi <= lo: every value in the first bin");

    const float y[] = {1.0f, 2.0f, 3.0f, 4.0f};
    double mean, std;
    stats_mean_std(y, 4, &mean, &std);
    EXPECT_NEAR(mean, 2.5, 0, "mean of 1..4");
    EXPECT_NEAR(std, sqrt(5.0 / 3.0), 1e-15, "unbiased std of 1..4");
    EXPECT_NEAR(stats_std(y, 4), sqrt(5.0 / 3.0), 1e-15, "stats_std");
    stats_mean_std(y, 1, &mean, &std);
    EXPECT_NEAR(std, 0, 0, "std of one value");
    stats_mean_std(y, 0, &mean, &std);
    EXPECT_NEAR(mean, 0, 0, "mean of nothing");
}
END_TEST

int main(int argc, char **argv)
{
    const HarnessStep steps[] = {
        {"core.loop.1", "batch_draw: torch.randint's draws, the right rows", test_batch_draw, 10},
        {"core.loop.2", "lr_step_decay: the lecture's schedule, float bits", test_lr_step_decay, 10},
        {"core.loop.3", "split_loss: the mean over every chunk, no tape", test_split_loss, 10},
        {"core.loop.4", "sample_name: to '.', cut when endless, NaN refused", test_sample_name, 10},
        {"core.loop.5", "stats: histogram, mean and unbiased std", test_stats, 10},
    };
    return harness_main(argc, argv, "core.loop", steps, sizeof steps / sizeof steps[0]);
}
