/*
 * main.c: the lab 05 driver. You do not need to edit it.
 *
 * What it is: the command line around batchnorm.c.
 *   lab05 all      (default) train, then deep
 *   lab05 train    the BN-MLP: train, calibrate, compare running and calibrated
 *                  statistics, evaluate, sample 20 names
 *   lab05 deep     the deeper network, with and without batchnorm: train 1001
 *                  steps and write its diagnostics
 * Figure data (TSV) goes under --out (build/out/lab05); `make plots` draws them
 * with plots/lab05_*.gp.
 * What it is not: part of the exercises; the TODOs are in batchnorm.c.
 *
 * Next: `make lab05-solution`; for a quick look
 * `make lab05-solution ARGS="train --steps 20000"`.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batchnorm.h"
#include "data.h"
#include "kit.h"
#include "rng.h"
#include "tensor.h"
#include "args.h"
#include "output.h"
#include "train.h"

#define HIST_BINS 100  /* torch.histogram's default */

/* Call each step once on tiny inputs, lowest first, so an unfinished skeleton
 * stops at its first TODO. */
static void probe_steps(void)
{
    Graph g;
    graph_init(&g);
    const float hv[4] = {1.0f, 2.0f, 4.0f, 3.0f};
    Tensor *h = tensor_buffer(&g, SHAPE(2, 2));  // buffers: bn_calibrate resets the step arena
    memcpy(h->data, hv, sizeof hv);
    Tensor *one = tensor_buffer(&g, SHAPE(1, 2));
    Tensor *zero = tensor_buffer(&g, SHAPE(1, 2));
    tensor_fill_(one, 1.0f);
    Tensor *mean, *std;
    (void)batchnorm_train(h, one, zero, &mean, &std);               // lab05.1
    running_update(zero, one, BN_MOMENTUM);                         // lab05.2
    BnMlp m;
    bnmlp_create(&m, &g, 1, 1, 2);
    int X[2] = {1, 2}, Y[2] = {0, 0};
    Dataset ds = {X, Y, 2, 1};
    float cm[2], cs[2];
    bn_calibrate(&m, &ds, cm, cs);                                  // lab05.3
    (void)batchnorm_eval(h, one, zero, one, one);                   // lab05.4
    Layer t = {.kind = LAYER_TANH, .fan_in = 2, .fan_out = 2};
    (void)layer_forward(&t, h, true);                               // lab05.5
    (void)act_stats(hv, 4, DEEP_SAT);
    graph_free(&g);
}

/* ---- the BN-MLP ------------------------------------------------------------ */

typedef struct BnResult {
    long nparams;
    double first, train_run, dev_run, train_cal, dev_cal;
    double mean_diff, std_diff;  /* mean |running - calibrated| over the H units */
} BnResult;

static BnResult run_bnmlp(const KitArgs *a, const Dataset *tr, const Dataset *dev)
{
    BnResult r = {0};
    Graph g;
    graph_init(&g);
    BnMlp m;
    bnmlp_create(&m, &g, BN_BLOCK, BN_EMB, BN_HIDDEN);
    TorchRng rng;
    rng_seed(&rng, a->seed);
    bnmlp_init(&m, &rng);
    r.nparams = params_count(m.params, BN_NPARAMS);
    if (!a->quiet) printf("BN-MLP: %ld parameters, training %ld steps\n", r.nparams, a->steps);

    TsvLog tsv;
    bool logged = tsv_open(&tsv, a->out, "loss_bn.tsv", "step loss lr") == 0;
    r.first = bnmlp_train(&m, tr, &rng, a->steps, a->batch, a->lr, logged ? &tsv : NULL, a->quiet);
    if (logged) (void)!tsv_close(&tsv);   // a failure is said and counted: main's exit status

    // calibrate over the whole training set, then put the running estimate beside it
    bn_calibrate(&m, tr, m.bnmean_cal->data, m.bnstd_cal->data);
    if (tsv_open(&tsv, a->out, "bn_stats.tsv", "unit mean_running mean_calibrated std_running std_calibrated") == 0) {
        for (int j = 0; j < m.n_hidden; j++)
            tsv_row(&tsv, "%d\t%.6f\t%.6f\t%.6f\t%.6f", j, m.bnmean_running->data[j], m.bnmean_cal->data[j],
                    m.bnstd_running->data[j], m.bnstd_cal->data[j]);
        (void)!tsv_close(&tsv);   // a failure is said and counted: main's exit status (kit_output_failures)
    }
    for (int j = 0; j < m.n_hidden; j++) {
        r.mean_diff += fabs(m.bnmean_running->data[j] - m.bnmean_cal->data[j]) / m.n_hidden;
        r.std_diff += fabs(m.bnstd_running->data[j] - m.bnstd_cal->data[j]) / m.n_hidden;
    }
    r.train_run = bnmlp_split_loss(&m, tr, BN_USE_RUNNING);
    r.dev_run = bnmlp_split_loss(&m, dev, BN_USE_RUNNING);
    r.train_cal = bnmlp_split_loss(&m, tr, BN_USE_CALIBRATED);
    r.dev_cal = bnmlp_split_loss(&m, dev, BN_USE_CALIBRATED);

    printf("BN-MLP (%ld params): first loss %.4f (expected %.4f)\n", r.nparams, r.first, log((double)VOCAB));  /* -log(1/27) */
    printf("  running stats:    train %.4f  dev %.4f\n", r.train_run, r.dev_run);
    printf("  calibrated stats: train %.4f  dev %.4f\n", r.train_cal, r.dev_cal);
    printf("  mean |running - calibrated| over %d units: mean %.4f, std %.4f\n", m.n_hidden, r.mean_diff,
           r.std_diff);

    TorchRng srng;
    rng_seed(&srng, a->seed + 10);  // g = torch.Generator().manual_seed(2147483647 + 10)
    printf("  samples (running stats, seed + 10):");
    for (int i = 0; i < 20; i++) {
        char name[64];
        bnmlp_sample(&m, &srng, BN_USE_RUNNING, name, sizeof name);
        printf(" %s", name);
    }
    printf("\n");
    graph_free(&g);
    return r;
}

/* ---- the deeper network's diagnostics -------------------------------------- */

typedef struct DeepResult {
    long nparams;
    double first, train, dev;
    double sat[DEEP_NHIDDEN];   /* saturation of each Tanh, 0..1 */
    double ud_last[8];          /* update:data log10 of each 2-D weight at the last step */
    int n_w;                    /* how many 2-D weights */
} DeepResult;

/* Histogram densities of n values over their own [min, max] (torch.histogram(t, density=True)). */
static void density(const float *x, long n, double *center, double *dens)
{
    float lo = x[0], hi = x[0];
    for (long i = 1; i < n; i++) {
        if (x[i] < lo) lo = x[i];
        if (x[i] > hi) hi = x[i];
    }
    if (hi <= lo) hi = lo + 1e-6f;
    long c[HIST_BINS];
    histogram(x, n, lo, hi, HIST_BINS, c);
    double w = ((double)hi - lo) / HIST_BINS;
    for (int k = 0; k < HIST_BINS; k++) {
        center[k] = lo + (k + 0.5) * w;
        dens[k] = c[k] / (w * n);
    }
}

/* One wide TSV of k histograms (center_i density_i pairs) and one of their statistics. */
static void write_hists(const char *dir, const char *file, const char *stats_file, const char *stats_cols,
                        const float *const *xs, const long *ns, int k, const char *const *labels,
                        const double *extra)
{
    double (*c)[HIST_BINS] = malloc(sizeof(double[HIST_BINS]) * (size_t)k);
    double (*d)[HIST_BINS] = malloc(sizeof(double[HIST_BINS]) * (size_t)k);
    KIT_CHECK(c && d, "out of memory. HINT: free memory");
    for (int i = 0; i < k; i++) density(xs[i], ns[i], c[i], d[i]);
    char cols[512] = "";
    for (int i = 0; i < k; i++) {
        char one[64];
        snprintf(one, sizeof one, "%scenter_%d density_%d", i ? " " : "", i + 1, i + 1);
        strncat(cols, one, sizeof cols - strlen(cols) - 1);
    }
    TsvLog tsv;
    if (tsv_open(&tsv, dir, file, cols) == 0) {
        for (int b = 0; b < HIST_BINS; b++) {
            char row[2048] = "";
            for (int i = 0; i < k; i++) {
                char one[64];
                snprintf(one, sizeof one, "%s%.6g\t%.6g", i ? "\t" : "", c[i][b], d[i][b]);
                strncat(row, one, sizeof row - strlen(row) - 1);
            }
            tsv_row(&tsv, "%s", row);
        }
        (void)!tsv_close(&tsv);   // a failure is said and counted: main's exit status (kit_output_failures)
    }
    if (tsv_open(&tsv, dir, stats_file, stats_cols) == 0) {
        for (int i = 0; i < k; i++) {
            ActStats st = act_stats(xs[i], ns[i], DEEP_SAT);
            tsv_row(&tsv, "%s\t%.6g\t%.6g\t%.4f\t%.6g", labels[i], st.mean, st.std, 100.0 * st.saturated,
                    extra ? extra[i] : 0.0);
        }
        (void)!tsv_close(&tsv);   // a failure is said and counted: main's exit status (kit_output_failures)
    }
    free(c);
    free(d);
}

/* 20 names from the deeper net in evaluation mode, as the lecture's last cell:
 * g = manual_seed(2147483647 + 10), a batch of one, softmax, multinomial. */
static void deep_samples(DeepNet *net, uint64_t seed)
{
    TorchRng rng;
    rng_seed(&rng, seed);
    bool was = graph_set_no_grad(net->g, true);
    printf("  samples (eval mode, seed + 10):");
    for (int i = 0; i < 20; i++) {
        int ctx[BN_BLOCK] = {0};
        char name[64];
        int n = 0;
        for (;;) {
            Tensor *probs = tensor_softmax(deepnet_forward(net, ctx, 1, false));  // [1, V]
            int ix = rng_multinomial_race(&rng, probs->data, VOCAB);
            KIT_CHECK(ix >= 0, "the sampler got invalid probabilities. HINT: is the model's output finite?");
            graph_step_reset(net->g);
            memmove(ctx, ctx + 1, sizeof(int) * (BN_BLOCK - 1));
            ctx[BN_BLOCK - 1] = ix;
            if (n < (int)sizeof name - 1) name[n++] = itos(ix);
            if (ix == 0) break;
        }
        name[n] = '\0';
        printf(" %s", name);
    }
    printf("\n");
    graph_set_no_grad(net->g, was);
}

static DeepResult run_deep(const KitArgs *a, const Dataset *tr, const Dataset *dev, bool bn)
{
    DeepResult r = {0};
    const char *sfx = bn ? "bn" : "nobn";
    Graph g;
    graph_init(&g);
    DeepNet net;
    TorchRng rng;
    rng_seed(&rng, a->seed);  // the lecture re-seeds g before building the layers
    deepnet_build(&net, &g, &rng, BN_BLOCK, BN_EMB, bn);
    r.nparams = params_count(net.params, net.n_params);
    long steps = a->steps;
    float *ud = malloc(sizeof(float) * (size_t)steps * net.n_params);
    KIT_CHECK(ud != NULL, "out of memory. HINT: fewer --deep-steps");
    printf("\ndeeper net %s batchnorm: %ld parameters, %ld steps at lr %g\n", bn ? "with" : "without",
           r.nparams, steps, a->lr);
    r.first = deepnet_train(&net, tr, &rng, steps, a->lr, ud, a->quiet);
    printf("  step 0 loss %.4f\n", r.first);

    // 1. the Tanh outputs and 2. their gradients, layer by layer (the last layer is not a Tanh)
    const float *xs[DEEP_MAX_LAYERS] = {0}, *gs[DEEP_MAX_LAYERS] = {0};
    long ns[DEEP_MAX_LAYERS] = {0};
    char lab[DEEP_MAX_LAYERS][32];
    const char *labels[DEEP_MAX_LAYERS] = {0};
    int k = 0;
    for (int i = 0; i < net.n_layers - 1; i++) {
        Layer *l = &net.layers[i];
        if (l->kind != LAYER_TANH) continue;
        xs[k] = l->out->data;
        gs[k] = l->out->grad;
        ns[k] = l->out->numel;
        snprintf(lab[k], sizeof lab[k], "%d", i);  // the lecture numbers layers from 0
        labels[k] = lab[k];
        ActStats st = act_stats(xs[k], ns[k], DEEP_SAT);
        ActStats sg = act_stats(gs[k], ns[k], DEEP_SAT);
        r.sat[k] = st.saturated;
        printf("  layer %2d (Tanh): mean %+.2f, std %.2f, saturated %.2f%% | grad mean %+e, std %e\n", i,
               st.mean, st.std, 100.0 * st.saturated, sg.mean, sg.std);
        k++;
    }
    char f1[64], f2[64];
    snprintf(f1, sizeof f1, "deep_act_%s.tsv", sfx);
    snprintf(f2, sizeof f2, "deep_act_stats_%s.tsv", sfx);
    write_hists(a->out, f1, f2, "layer mean std saturated_pct unused", xs, ns, k, labels, NULL);
    snprintf(f1, sizeof f1, "deep_grad_%s.tsv", sfx);
    snprintf(f2, sizeof f2, "deep_grad_stats_%s.tsv", sfx);
    write_hists(a->out, f1, f2, "layer mean std saturated_pct unused", gs, ns, k, labels, NULL);

    // 3. the weights' gradients and their grad:data ratio
    const float *wg[DEEP_MAX_PARAMS] = {0};
    long wn[DEEP_MAX_PARAMS] = {0};
    double ratio[DEEP_MAX_PARAMS] = {0};
    char wl[DEEP_MAX_PARAMS][32];
    const char *wlabels[DEEP_MAX_PARAMS] = {0};
    int nw = 0, widx[DEEP_MAX_PARAMS] = {0};
    for (int p = 0; p < net.n_params; p++) {
        Tensor *t = net.params[p];
        if (t->shape.ndim != 2) continue;
        wg[nw] = t->grad;
        wn[nw] = t->numel;
        ratio[nw] = grad_data_ratio(t);
        snprintf(wl[nw], sizeof wl[nw], "%dx%d", t->shape.d[0], t->shape.d[1]);
        wlabels[nw] = wl[nw];
        widx[nw] = p;
        double mu, sd;
        ActStats s = act_stats(t->grad, t->numel, 0.0f);
        mu = s.mean;
        sd = s.std;
        printf("  weight %10s | mean %+e | std %e | grad:data ratio %e\n", wl[nw], mu, sd, ratio[nw]);
        nw++;
    }
    snprintf(f1, sizeof f1, "deep_wgrad_%s.tsv", sfx);
    snprintf(f2, sizeof f2, "deep_wgrad_stats_%s.tsv", sfx);
    write_hists(a->out, f1, f2, "shape mean std unused grad_data_ratio", wg, wn, nw, wlabels, ratio);
    graph_step_reset(&g);  // the diagnostics are read: the last step can go

    // 4. update:data ratio of each weight over the steps
    TsvLog tsv;
    snprintf(f1, sizeof f1, "deep_ud_%s.tsv", sfx);
    char cols[256] = "step";
    for (int i = 0; i < nw; i++) {
        char one[48];
        snprintf(one, sizeof one, " log10_ud_%.24s", wl[i]);
        strncat(cols, one, sizeof cols - strlen(cols) - 1);
    }
    if (tsv_open(&tsv, a->out, f1, cols) == 0) {
        for (long s = 0; s < steps; s++) {
            char row[512];
            int len = snprintf(row, sizeof row, "%ld", s);
            for (int i = 0; i < nw && len < (int)sizeof row; i++)
                len += snprintf(row + len, sizeof row - (size_t)len, "\t%.4f", ud[s * net.n_params + widx[i]]);
            tsv_row(&tsv, "%s", row);
        }
        (void)!tsv_close(&tsv);   // a failure is said and counted: main's exit status (kit_output_failures)
    }
    printf("  update:data log10 at the last step:");
    for (int i = 0; i < nw && i < 8; i++) {
        r.ud_last[i] = ud[(steps - 1) * net.n_params + widx[i]];
        printf(" %.2f", r.ud_last[i]);
    }
    r.n_w = nw < 8 ? nw : 8;
    printf("  (guide: -3)\n");
    free(ud);

    r.train = deepnet_split_loss(&net, tr);
    r.dev = deepnet_split_loss(&net, dev);
    printf("  eval mode: train %.4f  dev %.4f\n", r.train, r.dev);
    if (bn) deep_samples(&net, a->seed + 10);
    graph_free(&g);
    return r;
}

int main(int argc, char **argv)
{
    static const char *const commands[] = {"all", "train", "deep", NULL};
    const KitProgram prog = {
        "lab05", "batch normalization, and the deeper network's diagnostics", commands,
        "examples:\n  lab05 train --steps 20000\n  lab05 deep\n  lab05 deep --deep-steps 3000\n", NULL};
    KitArgs a;
    kit_args_defaults(&a, "lab05");
    a.steps = BN_STEPS;
    a.batch = BN_BATCH;
    a.lr = BN_LR;
    long deep_steps = DEEP_STEPS;
    const KitOpt opts[] = {
        {"--deep-steps", KIT_OPT_LONG, &deep_steps, 1, 1000000, "steps of the deeper network (the lecture: 1001)",
         "deep all"},
    };
    kit_parse_args(argc, argv, &prog, &a, opts, 1);
    const char *cmd = a.command ? a.command : "all";
    // --batch feeds the BN-MLP (all, train); the deeper net's batch is fixed at BN_BATCH.
    bool do_train = strcmp(cmd, "deep") != 0, do_deep = strcmp(cmd, "train") != 0;
    if (do_train && a.batch < 2) {
        // the parser's range is every lab's (1 and up); batchnorm divides by the batch's std
        fprintf(stderr, "lab05: --batch %d: batchnorm needs at least 2 examples per batch (one example has no std). "
                "HINT: the lecture uses --batch %d\n", a.batch, BN_BATCH);
        return 2;
    }

    probe_steps();

    // Every command writes its figure data under --out: a directory that cannot
    // be made is one line now, not one per file after the training.
    if (kit_mkdirs(a.out) != 0) {
        fprintf(stderr, "%s: cannot create directory: %s. HINT: pass a writable directory with --out\n", a.out, strerror(errno));
        return 1;
    }

    Words all, tr_w, dev_w, te_w;
    if (words_load(&all, a.data) != 0)
        return 1;
    if (words_split(&all, 42, &tr_w, &dev_w, &te_w) != 0) {
        words_free(&all);
        return 1;
    }
    Dataset tr, dev;
    dataset_build(&tr, &tr_w, BN_BLOCK);
    dataset_build(&dev, &dev_w, BN_BLOCK);
    if (do_train && a.batch > tr.n) {
        // a minibatch is drawn from the training examples: a larger one only repeats them
        fprintf(stderr, "lab05: --batch %d: larger than the %d training examples of %s. HINT: pass --batch %d or less; "
                "the lecture uses --batch %d\n", a.batch, tr.n, a.data, tr.n, BN_BATCH);
        dataset_free(&tr);
        dataset_free(&dev);
        words_free(&tr_w);
        words_free(&dev_w);
        words_free(&te_w);
        words_free(&all);
        return 2;
    }

    BnResult br = {0};
    DeepResult with = {0}, without = {0};
    if (do_train) br = run_bnmlp(&a, &tr, &dev);
    if (do_deep) {
        KitArgs d = a;
        d.steps = deep_steps;
        d.lr = 0.1;
        with = run_deep(&d, &tr, &dev, true);
        without = run_deep(&d, &tr, &dev, false);
    }
    if (a.json) {
        json_begin(stdout);
        if (do_train) {
            json_num(stdout, "bn_params", (double)br.nparams);
            json_num(stdout, "bn_first_loss", br.first);
            json_num(stdout, "bn_train", br.train_run);
            json_num(stdout, "bn_dev", br.dev_run);
            json_num(stdout, "bn_train_calibrated", br.train_cal);
            json_num(stdout, "bn_dev_calibrated", br.dev_cal);
        }
        if (do_deep) {
            static const char *const keys[DEEP_NHIDDEN] = {"deep_sat_1", "deep_sat_2", "deep_sat_3", "deep_sat_4", "deep_sat_5"};
            json_num(stdout, "deep_params", (double)with.nparams);
            json_num(stdout, "deep_first_loss", with.first);
            json_num(stdout, "deep_train", with.train);
            json_num(stdout, "deep_dev", with.dev);
            for (int i = 0; i < DEEP_NHIDDEN; i++) json_num(stdout, keys[i], 100.0 * with.sat[i]);
            json_num(stdout, "nobn_params", (double)without.nparams);
            json_num(stdout, "nobn_train", without.train);
        }
        (void)!json_end(stdout);   // a failure is said and counted: the exit status below
    }
    if (!a.quiet) printf("figures: data in %s; next: make plots, then make check LAB=05\n", a.out);
    dataset_free(&tr);
    dataset_free(&dev);
    words_free(&tr_w);
    words_free(&dev_w);
    words_free(&te_w);
    words_free(&all);
    return kit_output_failures() > 0 ? 1 : 0;   // a figure's file that could not be written
}
