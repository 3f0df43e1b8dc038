/**
 * @file main.c
 * @brief Lab 04's driver: `lab04 [stages|train|demo] [flags]`. You do not need to edit it.
 *
 * What it is: the command line around init.c.
 *   lab04 stages [--steps N]     train all four initializations and print the table
 *   lab04 train --stage NAME     one of them (original, softmax, tanh, kaiming)
 *   lab04 demo                   no training: what the lecture looked at before
 *                                each fix (logits, first loss, hpreact's std, the
 *                                saturation picture), the activation functions and
 *                                the Kaiming picture
 * Every command first prints the diagnosis, in the lecture's order, calling your
 * functions only as it reaches them: on an unfinished lab you see the problem,
 * then the TODO that fixes it. Every command writes the figure data (TSV) under
 * --out (build/out/lab04); `make plots` turns them into pictures.
 * What it is not: part of the lab's exercises; the TODOs are in init.c.
 *
 * Next: `make lab04-solution ARGS=demo`; the full table (`make lab04-solution`)
 * takes a few minutes: 4 x 200,000 steps.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data.h"       // words_load, words_split, dataset_build
#include "init.h"       // the lab (and given.h: the model)
#include "kit.h"
#include "minibatch.h"  // batch_draw, lr_step_decay
#include "rng.h"
#include "stats.h"      // stats_histogram, stats_mean_std
#include "tensor.h"
#include "args.h"       // kit_parse_args
#include "output.h"     // progress, tsv, json
#include "train.h"      // kit_loss_ok

#define HIST_BINS 50      /* the lecture's plt.hist(..., 50) */
#define SPLIT_SEED 42UL   /* random.seed(42); random.shuffle(words) */

/* ------------------------------------------------------------------------- */
/* The first batch: what the lecture looks at before training                */
/* ------------------------------------------------------------------------- */

/** Step 0's batch through a model, copied out of the step arena. */
typedef struct FirstBatch {
    float *hpreact;                         /**< [B, H] (malloc'ed: first_batch_free) */
    float *h;                               /**< [B, H] (malloc'ed) */
    float logits0[VOCAB];                   /**< [V] the first example's logits */
    int B, H;
    double loss;                            /**< the first loss, before any update */
    double hpre_std;                        /**< std of hpreact over the B*H values */
} FirstBatch;

static FirstBatch *first_batch_new(int B, int H)
{
    FirstBatch *fb = calloc(1, sizeof *fb);
    if (fb) {
        fb->hpreact = malloc(sizeof(float) * (size_t)B * (size_t)H);
        fb->h = malloc(sizeof(float) * (size_t)B * (size_t)H);
    }
    KIT_CHECK(fb && fb->hpreact && fb->h, "out of memory for the first batch. HINT: pass a smaller --batch");
    return fb;
}

static void first_batch_free(FirstBatch *fb)
{
    free(fb->hpreact);
    free(fb->h);
    free(fb);
}

/* The batch training step 0 will draw (a copy of the generator: r is not
 * advanced), through the model without gradients. */
static void first_batch(Mlp *m, const Dataset *tr, const TorchRng *r, int B, FirstBatch *fb)
{
    TorchRng copy = *r;
    bool was = graph_set_no_grad(m->g, true);
    Batch b = batch_draw(m->g, tr, &copy, B, NULL);
    MlpProbe p;
    Tensor *logits = mlp_forward_probe(m, b.X, B, &p);   // [B, V]
    fb->B = B;
    fb->H = m->n_hidden;
    fb->loss = tensor_item(tensor_cross_entropy(logits, b.Y));
    memcpy(fb->hpreact, p.hpreact->data, sizeof(float) * (size_t)B * (size_t)m->n_hidden);
    memcpy(fb->h, p.h->data, sizeof(float) * (size_t)B * (size_t)m->n_hidden);
    memcpy(fb->logits0, logits->data, sizeof fb->logits0);
    double mu;
    stats_mean_std(fb->hpreact, (long)B * m->n_hidden, &mu, &fb->hpre_std);
    graph_step_reset(m->g);
    graph_set_no_grad(m->g, was);
}

/* A fresh model at the lecture's seed: the same numbers every time. */
static void fresh_model(Mlp *m, Graph *g, const KitArgs *a, TorchRng *r)
{
    rng_seed(r, a->seed);  // g = torch.Generator().manual_seed(2147483647)
    mlp_init(m, g, MLP_BLOCK, MLP_EMB, MLP_HIDDEN, r);
}

/* The lecture's plt.imshow(h.abs() > 0.99): one row per example, one
 * character per two hidden units ('#' both saturated, '+' one, '.' neither). */
static void print_saturation(const FirstBatch *fb)
{
    unsigned char *mask = malloc((size_t)fb->B * (size_t)fb->H);
    if (!mask)
        return;
    tanh_saturation(fb->h, fb->B, fb->H, SAT_THRESH, mask);
    printf("    |h| > 0.99 in the first batch: %d examples (rows) x %d units (2 per column)\n", fb->B, fb->H);
    for (int b = 0; b < fb->B; b++) {
        printf("    ");
        for (int j = 0; j + 1 < fb->H; j += 2) {
            int n = mask[(long)b * fb->H + j] + mask[(long)b * fb->H + j + 1];
            putchar(n == 2 ? '#' : n == 1 ? '+' : '.');
        }
        putchar('\n');
    }
    free(mask);
}

static void print_hidden(const char *what, const FirstBatch *fb, bool picture)
{
    SatStats st = tanh_saturation(fb->h, fb->B, fb->H, SAT_THRESH, NULL);  // lab04.3
    printf("%s: hpreact std %.3f; |h| > 0.99 for %.2f %% of the first batch, %d dead units\n", what,
           fb->hpre_std, 100.0 * st.frac, st.dead_cols);
    if (picture)
        print_saturation(fb);
}

static void print_logits(const FirstBatch *fb)
{
    printf("    logits of the first example:\n");
    for (int v = 0; v < VOCAB; v++)
        printf("%s%6.1f%s", v % 9 == 0 ? "    " : "", fb->logits0[v], v % 9 == 8 ? "\n" : "");
}

/* The lecture's Kaiming picture: x randn(1000, 10), w randn(10, 200); y = x @ w
 * with and without the 1/sqrt(fan_in) scale. Writes kaiming.tsv; returns the three stds. */
static void kaiming_demo(const KitArgs *a, double std_out[3])
{
    enum { N = 1000, FAN_IN = 10, FAN_OUT = 200, BINS = 96 };
    TorchRng rng;
    rng_seed(&rng, a->seed);
    float *x = malloc(sizeof(float) * N * FAN_IN);          // [N, fan_in]
    float *w = malloc(sizeof(float) * FAN_IN * FAN_OUT);    // [fan_in, fan_out]
    float *y = malloc(sizeof(float) * N * FAN_OUT);         // [N, fan_out]
    float *yk = malloc(sizeof(float) * N * FAN_OUT);        // [N, fan_out]
    KIT_CHECK(x && w && y && yk, "out of memory. HINT: free memory");
    rng_randn(&rng, x, (long)N * FAN_IN);
    rng_randn(&rng, w, (long)FAN_IN * FAN_OUT);
    matmul_reference(y, x, w, N, FAN_IN, FAN_OUT, false);
    float s = (float)kaiming_scale(1.0, FAN_IN);  // lab04.5; a linear layer: gain 1
    for (int i = 0; i < FAN_IN * FAN_OUT; i++)
        w[i] *= s;
    matmul_reference(yk, x, w, N, FAN_IN, FAN_OUT, false);
    double mu;
    stats_mean_std(x, (long)N * FAN_IN, &mu, &std_out[0]);
    stats_mean_std(y, (long)N * FAN_OUT, &mu, &std_out[1]);
    stats_mean_std(yk, (long)N * FAN_OUT, &mu, &std_out[2]);
    long cx[BINS], cy[BINS], ck[BINS];
    const float lo = -12.0f, hi = 12.0f;
    stats_histogram(x, (long)N * FAN_IN, lo, hi, BINS, cx);
    stats_histogram(y, (long)N * FAN_OUT, lo, hi, BINS, cy);
    stats_histogram(yk, (long)N * FAN_OUT, lo, hi, BINS, ck);
    TsvLog tsv;
    if (tsv_open(&tsv, a->out, "kaiming.tsv", "center x_density y_plain_density y_kaiming_density") == 0) {
        double width = (hi - lo) / (double)BINS;
        for (int k = 0; k < BINS; k++)  // densities, so the three areas are all 1
            tsv_row(&tsv, "%.4f\t%.6f\t%.6f\t%.6f", lo + (k + 0.5) * width,
                    cx[k] / (width * N * FAN_IN), cy[k] / (width * N * FAN_OUT),
                    ck[k] / (width * N * FAN_OUT));
        (void)!tsv_close(&tsv);   // a failure is said and counted: main's exit status (kit_output_failures)
    }
    free(x);
    free(w);
    free(y);
    free(yk);
}

/**
 * The lecture's diagnosis, in its order, each of your functions called only
 * when the story reaches it: the bad first loss (then lab04.1 and lab04.2),
 * the saturated tanh (then lab04.3 and lab04.4), Kaiming (lab04.5, lab04.6).
 */
static void diagnose(const KitArgs *a, const Dataset *tr, bool pictures, double kstd[3])
{
    const bool say = !a->quiet;
    Graph g;
    graph_init(&g);
    Mlp m;
    TorchRng r;
    FirstBatch *fb = first_batch_new(a->batch, MLP_HIDDEN);

    fresh_model(&m, &g, a, &r);
    first_batch(&m, tr, &r, a->batch, fb);
    if (say) {
        printf("1. lab 03's start (plain randn): first loss %.4f on the first batch of %d\n", fb->loss, a->batch);
        print_logits(fb);
    }
    float uniform = expected_first_loss(VOCAB);  // lab04.1
    if (say)
        printf("   a model that knows nothing would score %.4f: these logits are far too confident\n", uniform);
    init_fix_softmax(&m);  // lab04.2
    first_batch(&m, tr, &r, a->batch, fb);
    if (say) {
        printf("2. after your softmax fix: first loss %.4f (target %.4f)\n", fb->loss, uniform);
        print_logits(fb);
        print_hidden("3. the hidden layer", fb, pictures);  // lab04.3
    } else {
        (void)tanh_saturation(fb->h, fb->B, fb->H, SAT_THRESH, NULL);  // lab04.3, in the same order
    }
    graph_free(&g);

    graph_init(&g);
    fresh_model(&m, &g, a, &r);
    init_fix_softmax(&m);
    init_fix_tanh(&m);  // lab04.4
    first_batch(&m, tr, &r, a->batch, fb);
    if (say)
        print_hidden("4. after your tanh fix", fb, pictures);
    graph_free(&g);

    kaiming_demo(a, kstd);  // lab04.5
    if (say)
        printf("5. Kaiming: std(x) %.4f, std(x @ w) %.4f, std(x @ w * kaiming_scale(1, 10)) %.4f\n", kstd[0],
               kstd[1], kstd[2]);
    graph_init(&g);
    fresh_model(&m, &g, a, &r);
    init_fix_softmax(&m);
    init_kaiming(&m);  // lab04.6
    first_batch(&m, tr, &r, a->batch, fb);
    if (say)
        print_hidden("6. after your Kaiming init", fb, pictures);
    graph_free(&g);
    first_batch_free(fb);
}

/* ------------------------------------------------------------------------- */
/* The four stages                                                           */
/* ------------------------------------------------------------------------- */

/* What one stage gives: the row of the table. */
typedef struct StageResult {
    double first_loss, hpre_std, h_std, sat_frac, train, dev;
    int dead_cols;
    bool trained;
} StageResult;

static void write_first_batch(const char *dir, InitStage s, const FirstBatch *fb)
{
    long n = (long)fb->B * fb->H;
    char name[64];
    // the h and hpreact histograms: h on [-1, 1]; hpreact on its own [min, max] (as plt.hist)
    float lo = fb->hpreact[0], hi = fb->hpreact[0];
    for (long i = 1; i < n; i++) {
        if (fb->hpreact[i] < lo) lo = fb->hpreact[i];
        if (fb->hpreact[i] > hi) hi = fb->hpreact[i];
    }
    hi += 1e-6f * (fabsf(hi) + 1.0f);  // so the max falls inside the last bin
    long ch[HIST_BINS], cp[HIST_BINS];
    stats_histogram(fb->h, n, -1.0f, 1.0f, HIST_BINS, ch);
    stats_histogram(fb->hpreact, n, lo, hi, HIST_BINS, cp);
    TsvLog tsv;
    snprintf(name, sizeof name, "hist_%s.tsv", stage_name(s));
    if (tsv_open(&tsv, dir, name, "h_center h_count hpreact_center hpreact_count") == 0) {
        for (int k = 0; k < HIST_BINS; k++)
            tsv_row(&tsv, "%.5f\t%ld\t%.5f\t%ld", -1.0 + (k + 0.5) * 2.0 / HIST_BINS, ch[k],
                    lo + (k + 0.5) * ((double)hi - lo) / HIST_BINS, cp[k]);
        (void)!tsv_close(&tsv);   // a failure is said and counted: main's exit status (kit_output_failures)
    }
    // the saturation picture: B rows of H columns, 1 where |h| > 0.99 (gnuplot: matrix with image)
    unsigned char *mask = malloc((size_t)n);
    char *line = malloc((size_t)fb->H * 2 + 1);
    KIT_CHECK(mask != NULL && line != NULL, "out of memory. HINT: free memory");
    tanh_saturation(fb->h, fb->B, fb->H, SAT_THRESH, mask);
    snprintf(name, sizeof name, "sat_%s.tsv", stage_name(s));
    if (tsv_open(&tsv, dir, name, "matrix: rows = examples of the first batch, columns = hidden units, 1 = |h| > 0.99") == 0) {
        for (int b = 0; b < fb->B; b++) {
            for (int j = 0; j < fb->H; j++) {
                line[2 * j] = mask[(long)b * fb->H + j] ? '1' : '0';
                line[2 * j + 1] = '\t';
            }
            line[2 * fb->H - 1] = '\0';
            tsv_row(&tsv, "%s", line);
        }
        (void)!tsv_close(&tsv);   // a failure is said and counted: main's exit status (kit_output_failures)
    }
    free(line);
    free(mask);
}

/* Initialize stage s from a fresh generator, train (steps may be 0), evaluate.
 * 0, or 1 when the loss diverged (kit_loss_ok said so). */
static int run_stage(InitStage s, const KitArgs *a, const Dataset *tr, const Dataset *dev, StageResult *res)
{
    *res = (StageResult){0};
    Graph g;
    graph_init(&g);
    Mlp m;
    TorchRng rng;
    fresh_model(&m, &g, a, &rng);
    init_stage(&m, s);  // lab04.7

    FirstBatch *fb = first_batch_new(a->batch, m.n_hidden);
    first_batch(&m, tr, &rng, a->batch, fb);
    long n = (long)fb->B * fb->H;
    double mu;
    res->first_loss = fb->loss;
    res->hpre_std = fb->hpre_std;
    stats_mean_std(fb->h, n, &mu, &res->h_std);
    SatStats st = tanh_saturation(fb->h, fb->B, fb->H, SAT_THRESH, NULL);
    res->sat_frac = st.frac;
    res->dead_cols = st.dead_cols;
    write_first_batch(a->out, s, fb);
    first_batch_free(fb);

    int rc = 0;
    if (a->steps > 0) {
        char name[64];
        snprintf(name, sizeof name, "loss_%s.tsv", stage_name(s));
        TsvLog tsv;
        bool logged = tsv_open(&tsv, a->out, name, "step loss lr") == 0;
        if (!a->quiet)
            printf("stage %-8s training %ld steps\n", stage_name(s), a->steps);
        Progress p;
        progress_start(&p, a->steps, a->quiet);
        for (long i = 0; i < a->steps && rc == 0; i++) {
            // the lecture: lr = 0.1 if i < 100000 else 0.01 (half of its 200000 steps)
            double lr = lr_step_decay(i, a->steps / 2, a->lr);
            float loss = mlp_train_step(&m, tr, &rng, a->batch, (float)lr, NULL);
            if (!kit_loss_ok(loss, i)) {
                rc = 1;
                break;
            }
            if (logged)
                tsv_row(&tsv, "%ld\t%.6f\t%g", i, loss, lr);
            progress_update(&p, i, loss, lr);
        }
        progress_end(&p);
        if (logged)
            (void)!tsv_close(&tsv);   // a failure is said and counted: main's exit status (kit_output_failures)
        if (rc == 0) {
            res->train = mlp_split_loss(&m, tr);
            res->dev = mlp_split_loss(&m, dev);
            res->trained = true;
        }
    }
    graph_free(&g);
    return rc;
}

/* The activation functions and their derivatives on [-5, 5], for the aside's figure. */
static void write_activations(const char *dir)
{
    TsvLog tsv;
    if (tsv_open(&tsv, dir, "activations.tsv",
                 "x tanh dtanh sigmoid dsigmoid relu drelu leaky_relu dleaky_relu elu delu") != 0)
        return;
    for (int i = 0; i <= 400; i++) {
        double x = -5.0 + i * 0.025, f[ACT_COUNT], df[ACT_COUNT];
        for (int k = 0; k < ACT_COUNT; k++) act_eval((ActKind)k, x, &f[k], &df[k]);
        tsv_row(&tsv, "%.4f\t%.6f\t%.6f\t%.6f\t%.6f\t%.6f\t%.6f\t%.6f\t%.6f\t%.6f\t%.6f", x, f[0],
                df[0], f[1], df[1], f[2], df[2], f[3], df[3], f[4], df[4]);
    }
    (void)!tsv_close(&tsv);   // a failure is said and counted: main's exit status (kit_output_failures)
}

static void print_table(const StageResult *r, const bool *ran)
{
    printf("\n%-9s %10s %12s %9s %5s %8s %8s\n", "stage", "first loss", "hpreact std", "sat %",
           "dead", "train", "dev");
    for (int s = 0; s < STAGE_COUNT; s++) {
        if (!ran[s]) continue;
        printf("%-9s %10.4f %12.3f %9.2f %5d", stage_name((InitStage)s), r[s].first_loss,
               r[s].hpre_std, 100.0 * r[s].sat_frac, r[s].dead_cols);
        if (r[s].trained) printf(" %8.4f %8.4f\n", r[s].train, r[s].dev);
        else printf(" %8s %8s\n", "-", "-");
    }
    printf("(expected first loss -log(1/27) = %.4f; sat %% = |h| > 0.99 in the first batch)\n",
           expected_first_loss(VOCAB));
}

static const char *const JSON_FIRST[STAGE_COUNT] = {"first_loss_original", "first_loss_softmax", "first_loss_tanh", "first_loss_kaiming"};
static const char *const JSON_SAT[STAGE_COUNT] = {"sat_original", "sat_softmax", "sat_tanh", "sat_kaiming"};
static const char *const JSON_TRAIN[STAGE_COUNT] = {"train_original", "train_softmax", "train_tanh", "train_kaiming"};
static const char *const JSON_DEV[STAGE_COUNT] = {"dev_original", "dev_softmax", "dev_tanh", "dev_kaiming"};

static int run(const KitArgs *a, const char *cmd, int train_stage, const Dataset *tr, const Dataset *dev)
{
    StageResult res[STAGE_COUNT] = {0};
    bool ran[STAGE_COUNT] = {false};
    double kstd[3];
    const bool demo = strcmp(cmd, "demo") == 0;
    diagnose(a, tr, demo, kstd);
    write_activations(a->out);

    KitArgs b = *a;
    if (demo)
        b.steps = 0;  // first batch only: no training
    for (int s = 0; s < STAGE_COUNT; s++) {
        if (strcmp(cmd, "train") == 0 && s != train_stage)
            continue;
        if (run_stage((InitStage)s, &b, tr, dev, &res[s]) != 0)
            return 1;  // kit_loss_ok said why
        ran[s] = true;
    }
    print_table(res, ran);  // the result: printed with --quiet too
    if (a->json) {
        json_begin(stdout);
        for (int s = 0; s < STAGE_COUNT; s++) {
            if (!ran[s]) continue;
            json_num(stdout, JSON_FIRST[s], res[s].first_loss);
            json_num(stdout, JSON_SAT[s], res[s].sat_frac);
            if (res[s].trained) {
                json_num(stdout, JSON_TRAIN[s], res[s].train);
                json_num(stdout, JSON_DEV[s], res[s].dev);
            }
        }
        json_num(stdout, "kaiming_std_plain", kstd[1]);
        json_num(stdout, "kaiming_std_scaled", kstd[2]);
        (void)!json_end(stdout);   // a failure is said and counted: main's exit status
    }
    if (!a->quiet)
        printf("figures: data in %s; next: make plots, then make check LAB=04\n", a->out);
    return 0;
}

int main(int argc, char **argv)
{
    static const char *const commands[] = {"stages", "train", "demo", NULL};
    const KitProgram prog = {
        "lab04", "initialization: the softmax fix, tanh saturation, Kaiming", commands,
        "examples:\n  lab04 demo\n  lab04 stages --steps 20000\n  lab04 train --stage kaiming\n", NULL};
    KitArgs a;
    kit_args_defaults(&a, "lab04");
    a.steps = MLP_STEPS;
    a.batch = MLP_BATCH;
    a.lr = MLP_LR;
    const char *stage_arg = "kaiming";
    const KitOpt opts[] = {
        {"--stage", KIT_OPT_STRING, &stage_arg, 0, 0, "train: original, softmax, tanh or kaiming", "train"},
    };
    kit_parse_args(argc, argv, &prog, &a, opts, 1);
    const char *cmd = a.command ? a.command : "stages";
    int train_stage = stage_from_name(stage_arg);
    if (train_stage < 0) {
        fprintf(stderr, "lab04: --stage %s is not a stage. HINT: original, softmax, tanh or kaiming\n", stage_arg);
        return 2;
    }

    // Every command writes its figure data under --out: a directory that cannot
    // be made is one line now, not one per file after the training.
    if (kit_mkdirs(a.out) != 0) {
        fprintf(stderr, "%s: cannot create directory: %s. HINT: pass a writable directory with --out\n", a.out, strerror(errno));
        return 1;
    }

    Words all, tr_w, dev_w, te_w;
    if (words_load(&all, a.data) != 0)
        return 1;
    if (words_split(&all, SPLIT_SEED, &tr_w, &dev_w, &te_w) != 0) {   // too few names: said the minimum
        words_free(&all);
        return 1;
    }
    Dataset tr, dev;
    dataset_build(&tr, &tr_w, MLP_BLOCK);
    dataset_build(&dev, &dev_w, MLP_BLOCK);
    int rc;
    if (a.batch > tr.n) {
        // a minibatch is drawn from the training examples: a larger one only repeats them
        fprintf(stderr, "lab04: --batch %d: larger than the %d training examples of %s. HINT: pass --batch %d or less; "
                "the lecture uses --batch %d\n", a.batch, tr.n, a.data, tr.n, MLP_BATCH);
        rc = 2;
    } else {
        rc = run(&a, cmd, train_stage, &tr, &dev);
    }
    dataset_free(&tr);
    dataset_free(&dev);
    words_free(&tr_w);
    words_free(&dev_w);
    words_free(&te_w);
    words_free(&all);
    return rc != 0 ? rc : kit_output_failures() > 0 ? 1 : 0;   // a figure's file that could not be written
}
