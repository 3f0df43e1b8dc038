/*
 * main.c: the lab 05 driver. You do not need to edit it.
 *
 * What it is: the command line around batchnorm.c and given.c.
 *   lab05 all      (default) train, then deep, each with the lecture's settings
 *   lab05 train    the BN-MLP: train, calibrate, compare running and calibrated
 *                  statistics, evaluate, sample 20 names
 *   lab05 deep     the deeper network's diagnostics: by default with and then
 *                  without batchnorm, 1001 steps at lr 0.1. The lecture's
 *                  experiments are flags: --bn on|off, --gain G, --no-tanh,
 *                  --lr X, --steps N (0: the network at initialization)
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
#include "given.h"
#include "kit.h"
#include "rng.h"
#include "stats.h"
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
    BnMlp m;
    bnmlp_create(&m, &g, 1, 1, 2);
    int X[2] = {1, 2}, Y[2] = {0, 0};
    Dataset ds = {X, Y, 2, 1};
    float cm[2], cs[2];
    bn_calibrate(&m, &ds, cm, cs);                                  // lab05.2
    running_update(zero, one, BN_MOMENTUM);                         // lab05.3
    (void)batchnorm_eval(h, one, zero, one, one);                   // lab05.4
    Layer t = {.kind = LAYER_TANH, .fan_in = 2, .fan_out = 2};
    (void)layer_forward(&t, h, true);                               // lab05.5
    (void)act_stats(hv, 4, DEEP_SAT);                               // lab05.6
    Tensor *p = tensor_param(&g, SHAPE(2, 2));
    memcpy(p->data, hv, sizeof hv);
    memcpy(p->grad, hv, sizeof hv);
    (void)grad_data_ratio(p);                                       // lab05.7
    (void)update_data_log10(p, 0.1f);                               // lab05.8
    graph_free(&g);
}

/* Print a sampled name; say when it was cut. @return false when sampling failed. */
static bool print_name(int n, const char *name, int *cut)
{
    if (n < 0) return false;
    printf(" %s", name);
    if (n > 0 && name[n - 1] != '.') {
        printf("(cut)");
        (*cut)++;
    }
    return true;
}

static void print_cut_note(int cut)
{
    if (cut > 0)
        printf("  (%d name%s cut after %d characters: the model did not say '.'; a model that trained well does)\n",
               cut, cut > 1 ? "s" : "", BN_NAME_CAP - 1);
}

/* ---- the BN-MLP ------------------------------------------------------------ */

typedef struct BnResult {
    long nparams;
    double first, train_run, dev_run, train_cal, dev_cal;
    double mean_diff, std_diff;  /* mean |running - calibrated| over the H units */
} BnResult;

static int run_bnmlp(const KitArgs *a, const Dataset *tr, const Dataset *dev, BnResult *r)
{
    memset(r, 0, sizeof *r);
    Graph g;
    graph_init(&g);
    BnMlp m;
    bnmlp_create(&m, &g, BN_BLOCK, BN_EMB, BN_HIDDEN);
    TorchRng rng;
    rng_seed(&rng, a->seed);
    bnmlp_init(&m, &rng);
    r->nparams = params_count(m.params, BN_NPARAMS);
    if (!a->quiet) printf("BN-MLP: %ld parameters, training %ld steps\n", r->nparams, a->steps);

    TsvLog tsv;
    bool logged = tsv_open(&tsv, a->out, "loss_bn.tsv", "step loss lr") == 0;
    int rc = bnmlp_train(&m, tr, &rng, a->steps, a->batch, a->lr, logged ? &tsv : NULL, a->quiet, &r->first);
    if (logged) (void)!tsv_close(&tsv);   // a failure is said and counted: main's exit status (kit_output_failures)
    if (rc != 0) {
        graph_free(&g);
        return -1;
    }

    // calibrate over the whole training set, then put the running estimate beside it
    bn_calibrate(&m, tr, m.bnmean_cal->data, m.bnstd_cal->data);
    if (tsv_open(&tsv, a->out, "bn_stats.tsv", "unit mean_running mean_calibrated std_running std_calibrated") == 0) {
        for (int j = 0; j < m.n_hidden; j++)
            tsv_row(&tsv, "%d\t%.6f\t%.6f\t%.6f\t%.6f", j, m.bnmean_running->data[j], m.bnmean_cal->data[j],
                    m.bnstd_running->data[j], m.bnstd_cal->data[j]);
        (void)!tsv_close(&tsv);   // a failure is said and counted: main's exit status (kit_output_failures)
    }
    for (int j = 0; j < m.n_hidden; j++) {
        r->mean_diff += fabs(m.bnmean_running->data[j] - m.bnmean_cal->data[j]) / m.n_hidden;
        r->std_diff += fabs(m.bnstd_running->data[j] - m.bnstd_cal->data[j]) / m.n_hidden;
    }
    r->train_run = bnmlp_split_loss(&m, tr, BN_USE_RUNNING);
    r->dev_run = bnmlp_split_loss(&m, dev, BN_USE_RUNNING);
    r->train_cal = bnmlp_split_loss(&m, tr, BN_USE_CALIBRATED);
    r->dev_cal = bnmlp_split_loss(&m, dev, BN_USE_CALIBRATED);

    if (a->steps > 0)
        printf("BN-MLP (%ld params): first loss %.4f (expected %.4f)\n", r->nparams, r->first, log((double)VOCAB));  /* -log(1/27) */
    else
        printf("BN-MLP (%ld params): untrained (--steps 0)\n", r->nparams);
    printf("  running stats:    train %.4f  dev %.4f\n", r->train_run, r->dev_run);
    printf("  calibrated stats: train %.4f  dev %.4f\n", r->train_cal, r->dev_cal);
    printf("  mean |running - calibrated| over %d units: mean %.4f, std %.4f\n", m.n_hidden, r->mean_diff,
           r->std_diff);

    TorchRng srng;
    rng_seed(&srng, a->seed + 10);  // g = torch.Generator().manual_seed(2147483647 + 10)
    printf("  samples (running stats, seed + 10):");
    int cut = 0;
    bool ok = true;
    for (int i = 0; i < 20 && ok; i++) {
        char name[BN_NAME_CAP];
        ok = print_name(bnmlp_sample(&m, &srng, BN_USE_RUNNING, name, sizeof name), name, &cut);
    }
    printf("\n");
    print_cut_note(cut);
    graph_free(&g);
    return ok ? 0 : -1;
}

/* ---- the deeper network's diagnostics -------------------------------------- */

typedef struct DeepRun {
    DeepConfig cfg;
    long steps;
    double lr;
    int batch;
} DeepRun;

typedef struct DeepResult {
    bool ran;
    long nparams;
    double first, train, dev;
    double sat[DEEP_NHIDDEN];   /* saturation of each hidden block's output, 0..1 */
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
    stats_histogram(x, n, lo, hi, HIST_BINS, c);
    double w = ((double)hi - lo) / HIST_BINS;
    for (int k = 0; k < HIST_BINS; k++) {
        center[k] = lo + (k + 0.5) * w;
        dens[k] = c[k] / (w * n);
    }
}

/* One wide TSV of k histograms (center_i density_i pairs) and one of their
 * statistics; the saturation column is -1 unless @p saturation (tanh outputs). */
static void write_hists(const char *dir, const char *file, const char *stats_file, const char *stats_cols,
                        const float *const *xs, const long *ns, int k, const char *const *labels,
                        const double *extra, bool saturation)
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
            tsv_row(&tsv, "%s\t%.6g\t%.6g\t%.4f\t%.6g", labels[i], st.mean, st.std,
                    saturation ? 100.0 * st.saturated : -1.0, extra ? extra[i] : 0.0);
        }
        (void)!tsv_close(&tsv);   // a failure is said and counted: main's exit status (kit_output_failures)
    }
    free(c);
    free(d);
}

static const char *kind_name(LayerKind k)
{
    return k == LAYER_LINEAR ? "Linear" : k == LAYER_BATCHNORM ? "BatchNorm1d" : "Tanh";
}

/* "with batchnorm, gain 1, tanh, after 1001 steps at lr 0.1": the run in words (titles of the figures). */
static void describe(const DeepRun *d, char *buf, size_t n)
{
    char steps[64];
    if (d->steps == 0) snprintf(steps, sizeof steps, "at initialization");
    else snprintf(steps, sizeof steps, "after %ld steps at lr %g", d->steps, d->lr);
    snprintf(buf, n, "%s batchnorm, gain %.4g, %s, %s", d->cfg.batchnorm ? "with" : "without", d->cfg.gain,
             d->cfg.tanh ? "tanh" : "no tanh (linear)", steps);
}

static int run_deep(const KitArgs *a, const DeepRun *d, const Dataset *tr, const Dataset *dev, DeepResult *r)
{
    memset(r, 0, sizeof *r);
    r->ran = true;
    const char *sfx = d->cfg.batchnorm ? "bn" : "nobn";
    Graph g;
    graph_init(&g);
    DeepNet net;
    TorchRng rng;
    rng_seed(&rng, a->seed);  // the lecture re-seeds g before building the layers
    deepnet_build(&net, &g, &rng, BN_BLOCK, BN_EMB, d->cfg);
    r->nparams = params_count(net.params, net.n_params);
    long rows = d->steps > 0 ? d->steps : 1;
    float *ud = malloc(sizeof(float) * (size_t)rows * net.n_params);
    KIT_CHECK(ud != NULL, "out of memory. HINT: fewer --steps");
    char what[160];
    describe(d, what, sizeof what);
    printf("\ndeeper net %s: %ld parameters\n", what, r->nparams);
    if (deepnet_train(&net, tr, &rng, d->steps, d->batch, d->lr, ud, a->quiet, &r->first) != 0) {
        free(ud);
        graph_free(&g);
        return -1;
    }
    printf("  step 0 loss %.4f%s\n", r->first, d->steps == 0 ? " (one forward and backward, no update)" : "");

    // 1. each hidden block's output (Tanh, or without tanh its last layer) and 2. its gradient
    const float *xs[DEEP_MAX_LAYERS] = {0}, *gs[DEEP_MAX_LAYERS] = {0};
    long ns[DEEP_MAX_LAYERS] = {0};
    char lab[DEEP_MAX_LAYERS][32];
    const char *labels[DEEP_MAX_LAYERS] = {0};
    int k = 0;
    for (int i = 0; i < net.n_layers - 1 && k < DEEP_NHIDDEN; i++) {
        Layer *l = &net.layers[i];
        bool block_end = d->cfg.tanh ? l->kind == LAYER_TANH : net.layers[i + 1].kind == LAYER_LINEAR;
        if (!block_end) continue;
        xs[k] = l->out->data;
        gs[k] = l->out->grad;
        ns[k] = l->out->numel;
        snprintf(lab[k], sizeof lab[k], "%d", i);  // the lecture numbers layers from 0
        labels[k] = lab[k];
        ActStats st = act_stats(xs[k], ns[k], DEEP_SAT);
        ActStats sg = act_stats(gs[k], ns[k], DEEP_SAT);
        r->sat[k] = st.saturated;
        char sat[32] = "(not a tanh)";  // |x| > 0.97 means saturated only for a tanh's output
        if (l->kind == LAYER_TANH) snprintf(sat, sizeof sat, "saturated %.2f%%", 100.0 * st.saturated);
        printf("  layer %2d (%s): mean %+.2f, std %.2f, %s | grad mean %+e, std %e\n", i, kind_name(l->kind),
               st.mean, st.std, sat, sg.mean, sg.std);
        k++;
    }
    char f1[64], f2[64];
    snprintf(f1, sizeof f1, "deep_act_%s.tsv", sfx);
    snprintf(f2, sizeof f2, "deep_act_stats_%s.tsv", sfx);
    write_hists(a->out, f1, f2, "layer mean std saturated_pct unused", xs, ns, k, labels, NULL, d->cfg.tanh);
    snprintf(f1, sizeof f1, "deep_grad_%s.tsv", sfx);
    snprintf(f2, sizeof f2, "deep_grad_stats_%s.tsv", sfx);
    write_hists(a->out, f1, f2, "layer mean std saturated_pct unused", gs, ns, k, labels, NULL, false);

    // 3. the weights' gradients and their grad:data ratio, each weight named
    // by its layer (C, or the index of its Linear: 0, 3, 6, ...) and shape
    const float *wg[DEEP_MAX_PARAMS] = {0};
    long wn[DEEP_MAX_PARAMS] = {0};
    double ratio[DEEP_MAX_PARAMS] = {0};
    char wl[DEEP_MAX_PARAMS][32];
    const char *wlabels[DEEP_MAX_PARAMS] = {0};
    int nw = 0, widx[DEEP_MAX_PARAMS] = {0};
    for (int p = 0; p < net.n_params; p++) {
        Tensor *t = net.params[p];
        if (t->shape.ndim != 2) continue;
        int layer = -1;
        for (int i = 0; i < net.n_layers; i++)
            if (net.layers[i].weight == t) layer = i;
        if (layer < 0) snprintf(wl[nw], sizeof wl[nw], "C:%dx%d", t->shape.d[0], t->shape.d[1]);
        else snprintf(wl[nw], sizeof wl[nw], "layer%d:%dx%d", layer, t->shape.d[0], t->shape.d[1]);
        wg[nw] = t->grad;
        wn[nw] = t->numel;
        ratio[nw] = grad_data_ratio(t);
        wlabels[nw] = wl[nw];
        widx[nw] = p;
        ActStats s = act_stats(t->grad, t->numel, 0.0f);
        printf("  weight %16s | mean %+e | std %e | grad:data ratio %e\n", wl[nw], s.mean, s.std, ratio[nw]);
        nw++;
    }
    snprintf(f1, sizeof f1, "deep_wgrad_%s.tsv", sfx);
    snprintf(f2, sizeof f2, "deep_wgrad_stats_%s.tsv", sfx);
    write_hists(a->out, f1, f2, "weight mean std unused grad_data_ratio", wg, wn, nw, wlabels, ratio, false);
    graph_step_reset(&g);  // the diagnostics are read: the last step can go

    // 4. update:data ratio of each weight over the steps
    TsvLog tsv;
    snprintf(f1, sizeof f1, "deep_ud_%s.tsv", sfx);
    char cols[512] = "step";
    for (int i = 0; i < nw; i++) {
        char one[48];
        snprintf(one, sizeof one, " %.32s", wl[i]);
        strncat(cols, one, sizeof cols - strlen(cols) - 1);
    }
    if (tsv_open(&tsv, a->out, f1, cols) == 0) {
        for (long s = 0; s < rows; s++) {
            char row[512];
            int len = snprintf(row, sizeof row, "%ld", s);
            for (int i = 0; i < nw && len < (int)sizeof row; i++)
                len += snprintf(row + len, sizeof row - (size_t)len, "\t%.4f", ud[s * net.n_params + widx[i]]);
            tsv_row(&tsv, "%s", row);
        }
        (void)!tsv_close(&tsv);   // a failure is said and counted: main's exit status (kit_output_failures)
    }
    snprintf(f1, sizeof f1, "deep_meta_%s.tsv", sfx);
    if (tsv_open(&tsv, a->out, f1, "run") == 0) {
        tsv_row(&tsv, "%s", what);
        (void)!tsv_close(&tsv);   // a failure is said and counted: main's exit status (kit_output_failures)
    }
    printf("  update:data log10 %s:", d->steps == 0 ? "of the first update (not applied)" : "at the last step");
    for (int i = 0; i < nw; i++) printf(" %.2f", ud[(rows - 1) * net.n_params + widx[i]]);
    printf("  (guide: -3)\n");
    free(ud);

    int rc = 0;
    if (d->steps > 0) {
        r->train = deepnet_split_loss(&net, tr);
        r->dev = deepnet_split_loss(&net, dev);
        printf("  eval mode: train %.4f  dev %.4f\n", r->train, r->dev);
        if (d->cfg.batchnorm) {  // the lecture's last cell: g = manual_seed(2147483647 + 10), 20 names
            TorchRng srng;
            rng_seed(&srng, a->seed + 10);
            printf("  samples (eval mode, seed + 10):");
            int cut = 0;
            bool ok = true;
            for (int i = 0; i < 20 && ok; i++) {
                char name[BN_NAME_CAP];
                ok = print_name(deepnet_sample(&net, &srng, name, sizeof name), name, &cut);
            }
            printf("\n");
            print_cut_note(cut);
            rc = ok ? 0 : -1;
        }
    } else {
        r->train = r->dev = NAN;
    }
    graph_free(&g);
    return rc;
}

/* ---- the command line ------------------------------------------------------ */

/* --gain: a number or a fraction such as 5/3, in [0.01, 100]. @return false if not. */
static bool parse_gain(const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || errno) return false;
    if (*end == '/') {
        const char *q = end + 1;
        double w = strtod(q, &end);
        if (end == q || errno || w == 0) return false;
        v /= w;
    }
    if (*end != '\0' || !isfinite(v) || v < 0.01 || v > 100) return false;
    *out = v;
    return true;
}

int main(int argc, char **argv)
{
    static const char *const commands[] = {"all", "train", "deep", NULL};
    const KitProgram prog = {
        "lab05", "batch normalization, and the deeper network's diagnostics", commands,
        "--steps, --lr and --batch are for one model at a time: train (the BN-MLP; defaults above) or deep\n"
        "(defaults 1001 steps, lr 0.1, batch 32); `all` runs both with the lecture's settings.\n"
        "examples:\n  lab05 train --steps 20000\n  lab05 deep\n  lab05 deep --bn off --gain 0.5 --steps 0\n"
        "  lab05 deep --bn off --no-tanh --gain 1 --steps 0\n  lab05 deep --bn off --lr 0.001\n",
        NULL};
    const char *bn_flag = NULL, *gain_flag = NULL;
    bool no_tanh = false;
    const KitOpt opts[] = {
        {"--bn", KIT_OPT_STRING, &bn_flag, 0, 0, "on or off: the deeper net with or without batchnorm (default both, one after the other)", "deep"},
        {"--gain", KIT_OPT_STRING, &gain_flag, 0, 0, "the hidden Linear weights' gain at init, a number or a fraction such as 5/3, 0.01 to 100 (default 5/3 without batchnorm, 1 with)", "deep"},
        {"--no-tanh", KIT_OPT_FLAG, &no_tanh, 0, 0, "the deeper net without its Tanh layers: a linear stack", "deep"},
    };
    const int nopts = (int)(sizeof opts / sizeof opts[0]);
    KitArgs a;
    kit_args_defaults(&a, "lab05");
    a.steps = BN_STEPS;
    a.batch = BN_BATCH;
    a.lr = BN_LR;
    KitArgs probe = a;
    kit_parse_args(argc, argv, &prog, &a, opts, nopts);  // errors and --help end here
    // Which shared flags were given: parse again over impossible defaults.
    probe.steps = -1;
    probe.batch = -1;
    probe.lr = -1;
    kit_parse_args(argc, argv, &prog, &probe, opts, nopts);
    bool steps_given = probe.steps >= 0, batch_given = probe.batch >= 0, lr_given = probe.lr >= 0;
    const char *cmd = a.command ? a.command : "all";
    bool do_train = strcmp(cmd, "deep") != 0, do_deep = strcmp(cmd, "train") != 0;
    if (do_train && do_deep && (steps_given || batch_given || lr_given)) {
        const char *f = steps_given ? "--steps" : batch_given ? "--batch" : "--lr";
        fprintf(stderr, "lab05: %s is for one model at a time, and `all` runs two. HINT: lab05 train %s ... (the BN-MLP) "
                "or lab05 deep %s ... (the deeper net)\n", f, f, f);
        return 2;
    }
    DeepRun runs[2];
    int nruns = 0;
    if (do_deep) {
        double gain = 0;
        if (gain_flag && !parse_gain(gain_flag, &gain)) {
            fprintf(stderr, "lab05: --gain %s: must be a number or a fraction such as 5/3, from 0.01 to 100. "
                    "HINT: the lecture uses 5/3 for tanh without batchnorm\n", gain_flag);
            return 2;
        }
        if (bn_flag && strcmp(bn_flag, "on") != 0 && strcmp(bn_flag, "off") != 0) {
            fprintf(stderr, "lab05: --bn %s: must be on or off. HINT: leave it out to run both\n", bn_flag);
            return 2;
        }
        for (int with = 1; with >= 0; with--) {
            if (bn_flag && (strcmp(bn_flag, "on") == 0) != with) continue;
            DeepRun *d = &runs[nruns++];
            d->cfg.batchnorm = with;
            d->cfg.tanh = !no_tanh;
            d->cfg.gain = gain_flag ? gain : with ? 1.0 : 5.0 / 3.0;  // the lecture's
            d->steps = steps_given ? a.steps : DEEP_STEPS;
            d->lr = lr_given ? a.lr : DEEP_LR;
            d->batch = batch_given ? a.batch : BN_BATCH;
        }
    }
    bool needs_two = do_train || (nruns > 0 && runs[0].cfg.batchnorm);
    if (needs_two && a.batch < 2) {
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
    if (words_split(&all, 42, &tr_w, &dev_w, &te_w) != 0) {   // too few names: said the minimum, before any training
        words_free(&all);
        return 1;
    }
    int status = 0;
    Dataset tr = {0}, dev = {0};
    dataset_build(&tr, &tr_w, BN_BLOCK);
    dataset_build(&dev, &dev_w, BN_BLOCK);
    if (a.batch > tr.n) {
        // a minibatch is drawn from the training examples: a larger one only repeats them
        fprintf(stderr, "lab05: --batch %d: larger than the %d training examples of %s. HINT: pass --batch %d or less; "
                "the lecture uses --batch %d\n", a.batch, tr.n, a.data, tr.n, BN_BATCH);
        status = 2;
        goto done;
    }

    BnResult br = {0};
    DeepResult dr[2] = {{0}};
    if (do_train && run_bnmlp(&a, &tr, &dev, &br) != 0) status = 1;
    for (int i = 0; i < nruns && status == 0; i++)
        if (run_deep(&a, &runs[i], &tr, &dev, &dr[i]) != 0) status = 1;
    if (status == 0 && a.json) {
        json_begin(stdout);
        if (do_train) {
            json_num(stdout, "bn_params", (double)br.nparams);
            json_num(stdout, "bn_first_loss", br.first);
            json_num(stdout, "bn_train", br.train_run);
            json_num(stdout, "bn_dev", br.dev_run);
            json_num(stdout, "bn_train_calibrated", br.train_cal);
            json_num(stdout, "bn_dev_calibrated", br.dev_cal);
        }
        for (int i = 0; i < nruns; i++) {
            if (runs[i].cfg.batchnorm) {
                static const char *const keys[DEEP_NHIDDEN] = {"deep_sat_1", "deep_sat_2", "deep_sat_3", "deep_sat_4", "deep_sat_5"};
                json_num(stdout, "deep_params", (double)dr[i].nparams);
                json_num(stdout, "deep_first_loss", dr[i].first);
                json_num(stdout, "deep_train", dr[i].train);
                json_num(stdout, "deep_dev", dr[i].dev);
                for (int k = 0; k < DEEP_NHIDDEN; k++) json_num(stdout, keys[k], 100.0 * dr[i].sat[k]);
            } else {
                json_num(stdout, "nobn_params", (double)dr[i].nparams);
                json_num(stdout, "nobn_train", dr[i].train);
            }
        }
        (void)!json_end(stdout);   // a failure is said and counted: main's exit status
    }
    if (status == 0 && !a.quiet) printf("figures: data in %s; next: make plots, then make check LAB=05\n", a.out);
done:
    dataset_free(&tr);
    dataset_free(&dev);
    words_free(&tr_w);
    words_free(&dev_w);
    words_free(&te_w);
    words_free(&all);
    return status != 0 ? status : kit_output_failures() > 0 ? 1 : 0;   // a figure's file that could not be written
}
