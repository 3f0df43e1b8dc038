/*
 * main.c: the lab 04 driver. You do not need to edit it.
 *
 * What it is: the command line around init.c.
 *   lab04 stages [--steps N]     train all four initializations and print the table
 *   lab04 train --stage NAME     one of them (original, softmax, tanh, kaiming)
 *   lab04 demo                   no training: the activation functions, the
 *                                Kaiming picture, and each stage's first batch
 * Every command writes the figure data (TSV) under --out (build/out/lab04);
 * `make plots` turns them into pictures with plots/lab04_*.gp.
 * What it is not: part of the lab's exercises; the TODOs are in init.c.
 *
 * Next: `make lab04-solution` (the full table takes a few minutes: 4 x 200000
 * steps); `make lab04-solution ARGS="stages --steps 20000"` for a quick look.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data.h"
#include "init.h"
#include "kit.h"
#include "rng.h"
#include "tensor.h"
#include "args.h"
#include "output.h"
#include "train.h"

#define HIST_BINS 50  /* the lecture's plt.hist(..., 50) */

/* Call each step once on tiny inputs, lowest first, so an unfinished skeleton
 * stops at its first TODO (not at whichever the table happens to reach first). */
static void probe_steps(Graph *g)
{
    (void)expected_first_loss(VOCAB);                          // lab04.1
    float h[2] = {0.5f, 1.0f};
    (void)tanh_saturation(h, 1, 2, SAT_THRESH, NULL);          // lab04.2
    (void)kaiming_scale(TANH_GAIN, 30);                        // lab04.3
    Mlp m;                                                     // lab04.4 (tiny net)
    mlp_create(&m, g, 1, 1, 1);
    TorchRng r;
    rng_seed(&r, 1);
    mlp_init(&m, &r, STAGE_KAIMING);
}

/* What one stage gives: the row of the table and the first-batch figures. */
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
    histogram(fb->h, n, -1.0f, 1.0f, HIST_BINS, ch);
    histogram(fb->hpreact, n, lo, hi, HIST_BINS, cp);
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
    KIT_CHECK(mask != NULL, "out of memory. HINT: free memory");
    tanh_saturation(fb->h, fb->B, fb->H, SAT_THRESH, mask);
    snprintf(name, sizeof name, "sat_%s.tsv", stage_name(s));
    if (tsv_open(&tsv, dir, name, "matrix: rows = examples of the first batch, columns = hidden units, 1 = |h| > 0.99") == 0) {
        char *line = malloc((size_t)fb->H * 2 + 1);
        KIT_CHECK(line != NULL, "out of memory. HINT: free memory");
        for (int b = 0; b < fb->B; b++) {
            for (int j = 0; j < fb->H; j++) {
                line[2 * j] = mask[(long)b * fb->H + j] ? '1' : '0';
                line[2 * j + 1] = '\t';
            }
            line[2 * fb->H - 1] = '\0';
            tsv_row(&tsv, "%s", line);
        }
        free(line);
        (void)!tsv_close(&tsv);   // a failure is said and counted: main's exit status (kit_output_failures)
    }
    free(mask);
}

/* Initialize stage s from a fresh generator, train (steps may be 0), evaluate. */
static StageResult run_stage(InitStage s, const KitArgs *a, const Dataset *tr, const Dataset *dev)
{
    StageResult r = {0};
    Graph g;
    graph_init(&g);
    Mlp m;
    mlp_create(&m, &g, INIT_BLOCK, INIT_EMB, INIT_HIDDEN);
    TorchRng rng;
    rng_seed(&rng, a->seed);  // g = torch.Generator().manual_seed(2147483647), per stage
    mlp_init(&m, &rng, s);

    char name[64];
    snprintf(name, sizeof name, "loss_%s.tsv", stage_name(s));
    TsvLog tsv;
    bool logged = a->steps > 0 && tsv_open(&tsv, a->out, name, "step loss lr") == 0;  // demo: keep the curves
    TrainConfig cfg = {a->steps > 0 ? a->steps : 1, a->batch, a->lr, a->quiet};
    FirstBatch fb = {0};
    if (!a->quiet) printf("stage %-8s training %ld steps\n", stage_name(s), cfg.steps);
    mlp_train(&m, tr, &rng, &cfg, logged ? &tsv : NULL, &fb);
    if (logged) (void)!tsv_close(&tsv);   // a failure is said and counted: main's exit status

    long n = (long)fb.B * fb.H;
    double mu;
    r.first_loss = fb.loss;
    mean_std(fb.hpreact, n, &mu, &r.hpre_std);
    mean_std(fb.h, n, &mu, &r.h_std);
    SatStats st = tanh_saturation(fb.h, fb.B, fb.H, SAT_THRESH, NULL);
    r.sat_frac = st.frac;
    r.dead_cols = st.dead_cols;
    write_first_batch(a->out, s, &fb);
    free(fb.h);
    free(fb.hpreact);
    if (a->steps > 0) {
        r.train = mlp_split_loss(&m, tr);
        r.dev = mlp_split_loss(&m, dev);
        r.trained = true;
    }
    graph_free(&g);
    return r;
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
    (void)!tsv_close(&tsv);   // a failure is said and counted: main's exit status
}

/* The lecture's Kaiming picture: x randn(1000, 10), w randn(10, 200); y = x @ w
 * with and without the 1/sqrt(fan_in) scale. Returns the three stds. */
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
    float s = (float)kaiming_scale(1.0, FAN_IN);  // a linear layer: gain 1
    for (int i = 0; i < FAN_IN * FAN_OUT; i++) w[i] *= s;
    matmul_reference(yk, x, w, N, FAN_IN, FAN_OUT, false);
    double mu;
    mean_std(x, (long)N * FAN_IN, &mu, &std_out[0]);
    mean_std(y, (long)N * FAN_OUT, &mu, &std_out[1]);
    mean_std(yk, (long)N * FAN_OUT, &mu, &std_out[2]);
    long cx[BINS], cy[BINS], ck[BINS];
    const float lo = -12.0f, hi = 12.0f;
    histogram(x, (long)N * FAN_IN, lo, hi, BINS, cx);
    histogram(y, (long)N * FAN_OUT, lo, hi, BINS, cy);
    histogram(yk, (long)N * FAN_OUT, lo, hi, BINS, ck);
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

int main(int argc, char **argv)
{
    static const char *const commands[] = {"stages", "train", "demo", NULL};
    const KitProgram prog = {
        "lab04", "initialization: the softmax fix, tanh saturation, Kaiming", commands,
        "examples:\n  lab04 stages --steps 20000\n  lab04 train --stage kaiming\n  lab04 demo\n", NULL};
    KitArgs a;
    kit_args_defaults(&a, "lab04");
    a.steps = INIT_STEPS;
    a.batch = INIT_BATCH;
    a.lr = INIT_LR;
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

    Graph probe;
    graph_init(&probe);
    probe_steps(&probe);
    graph_free(&probe);

    // Every command writes its figure data under --out: a directory that cannot
    // be made is one line now, not one per file after the training.
    if (kit_mkdirs(a.out) != 0) {
        fprintf(stderr, "%s: cannot create directory: %s. HINT: pass a writable directory with --out\n", a.out, strerror(errno));
        return 1;
    }

    Words all, tr_w, dev_w, te_w;
    if (words_load(&all, a.data) != 0)
        return 1;
    if (words_split(&all, 42, &tr_w, &dev_w, &te_w) != 0) {  // random.seed(42); random.shuffle(words)
        words_free(&all);
        return 1;
    }
    Dataset tr, dev;
    dataset_build(&tr, &tr_w, INIT_BLOCK);
    dataset_build(&dev, &dev_w, INIT_BLOCK);
    if (a.batch > tr.n) {
        // a minibatch is drawn from the training examples: a larger one only repeats them
        fprintf(stderr, "lab04: --batch %d: larger than the %d training examples of %s. HINT: pass --batch %d or less; "
                "the lecture uses --batch %d\n", a.batch, tr.n, a.data, tr.n, INIT_BATCH);
        dataset_free(&tr);
        dataset_free(&dev);
        words_free(&tr_w);
        words_free(&dev_w);
        words_free(&te_w);
        words_free(&all);
        return 2;
    }

    StageResult res[STAGE_COUNT] = {0};
    bool ran[STAGE_COUNT] = {false};
    write_activations(a.out);
    double kstd[3];
    kaiming_demo(&a, kstd);

    if (strcmp(cmd, "train") == 0) {
        int s = train_stage;
        res[s] = run_stage((InitStage)s, &a, &tr, &dev);
        ran[s] = true;
    } else {
        KitArgs b = a;
        if (strcmp(cmd, "demo") == 0) b.steps = 0;  // first batch only: no training
        for (int s = 0; s < STAGE_COUNT; s++) {
            res[s] = run_stage((InitStage)s, &b, &tr, &dev);
            ran[s] = true;
        }
    }
    print_table(res, ran);
    printf("Kaiming demo: std(x) %.4f, std(x @ w) %.4f, std(x @ w/sqrt(10)) %.4f\n", kstd[0], kstd[1], kstd[2]);

    if (a.json) {
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
        (void)!json_end(stdout);   // a failure is said and counted: the exit status below
    }
    if (!a.quiet) printf("figures: data in %s; next: make plots, then make check LAB=04\n", a.out);

    dataset_free(&tr);
    dataset_free(&dev);
    words_free(&tr_w);
    words_free(&dev_w);
    words_free(&te_w);
    words_free(&all);
    return kit_output_failures() > 0 ? 1 : 0;   // a figure's file that could not be written
}
