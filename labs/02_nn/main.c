/*
 * main.c: the lab 02 driver. You do not need to edit this file; read it to see
 * how your functions in nn.c are used.
 *
 * What it is: the command line around the one-layer net.
 *   lab02 train [--steps 300] [--lr 50] [--reg 0.01] [--forward counts|onehot|gather|rows] [--chunk N]
 *       first the lecture's demo on the 5 bigrams of the first name (loss,
 *       then 4 steps at lr 0.1, always the one-hot path), then full-batch
 *       gradient descent on every pair; logs <out>/loss.tsv, writes
 *       <out>/probs.tsv (the trained table next to lab 01's counted one) and
 *       <out>/W.ckpt, samples 5 names
 *   lab02 sample -n 20    20 names from the W saved by the last `train`
 * Shared flags (--data --seed --steps --lr --out --json --quiet --help) come
 * from args.h. --batch is refused (KitProgram.unused): the lecture trains on
 * the whole dataset every step.
 * Default --steps is 300: the lecture re-ran its one-step cell about 266 times
 * (loss 2.4818); any W after 250 to 399 steps samples the lecture's names, and
 * the log holds step 266 for the comparison.
 * --forward picks how each full-batch step computes the same loss: counts
 * (default: nn_step_counts, the loss from the 27x27 count table; its work and
 * memory do not grow with the number of pairs), or your functions along
 * onehot (the lecture's code), gather (W[xs]) or rows (softmax(W)[xs]), each
 * [n, V] work per step. Those three take the pairs --chunk N at a time
 * (default 8192; gradient accumulation, step_by_chunks below): the same
 * full-batch step, in memory that does not grow with n (11 MB). --chunk 0
 * runs your nn_step on every pair at once, as the lecture, which builds
 * [n, V] tensors (about 180 MB for the one-hot path).
 * What it is not: the model (nn.c) or the figures (plots/lab02_*.gp read the
 * TSV files; C never plots).
 *
 * The train command calls your functions in step order (pairs, forward, loss,
 * step, sample), so an unfinished skeleton stops at the lowest TODO first.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data.h"     // words_load, itos, VOCAB
#include "kit.h"      // kit_now
#include "nn.h"
#include "rng.h"      // rng_seed
#include "tensor.h"   // graph_init, tensor_param, tensor_randn_
#include "args.h"     // kit_parse_args
#include "checkpoint.h" // ckpt_load
#include "output.h"   // progress_*, tsv_*, json_*
#include "train.h"    // kit_loss_ok, train_save

#define NAME_CAP 256

/*
 * One full-batch step along `path`, the pairs taken `chunk` at a time:
 * gradient accumulation, built from your nn_logits_*, nn_softmax and nn_loss.
 * The loss is a mean over the n pairs, so the full batch's loss is
 *     sum over chunks of (n_c / n) * nn_loss(chunk c)
 * (the reg * mean(W^2) term too: its weights n_c / n add up to 1), and since
 * backward adds into W.grad, one backward per chunk, after one zeroing, leaves
 * the full batch's gradient there. Then one update, as nn_step. Each chunk's
 * [n_c, V] tensors go at graph_step_reset, before the next chunk makes its own,
 * so memory is that of one chunk whatever n is. Equal to nn_step up to float
 * rounding (tests/robust_test.sh, case train.3, compares the two losses).
 */
static float step_by_chunks(Graph *g, Tensor *W, const Pairs *d, float lr, float reg, NnForward path, int chunk)
{
    params_zero_grad(&W, 1);
    double total = 0.0;
    for (int c0 = 0; c0 < d->n; c0 += chunk) {
        int nc = d->n - c0 < chunk ? d->n - c0 : chunk;
        const int *xs = d->xs + c0, *ys = d->ys + c0;
        Tensor *probs = path == NN_ONEHOT ? nn_softmax(nn_logits_onehot(g, W, xs, nc))   // [nc, V]
                      : path == NN_GATHER ? nn_softmax(nn_logits_gather(W, xs, nc))
                                          : tensor_embed(nn_softmax(W), xs, SHAPE(nc));
        Tensor *part = tensor_mul_scalar(nn_loss(probs, W, ys, reg), (float)((double)nc / d->n));   // [1]
        tensor_backward(part);   // W.grad += d part / dW
        total += tensor_item(part);
        graph_step_reset(g);     // this chunk's tensors go; W and its grad stay
    }
    params_sgd(&W, 1, lr);   // W.data += -lr * W.grad, the same update as nn_step's
    return (float)total;
}

/* The lecture's first demo: the bigrams of one name (words[:1], "emma"), the
 * probability the random net gives each correct next character, the loss, and
 * 4 steps of gradient descent at lr 0.1 without regularisation. */
static void demo_first_word(Graph *g, Tensor *W, const Words *words, uint64_t seed, bool quiet, double out_loss[2])
{
    Words first = {words->words, 1, NULL};   // borrows the first name
    Pairs d = {0};
    nn_pairs_build(&d, &first);                                   // lab02.1
    TorchRng r;
    rng_seed(&r, seed);
    tensor_randn_(W, &r);                                         // W = randn((27, 27), generator=g)

    Tensor *logits = nn_logits_onehot(g, W, d.xs, d.n);           // lab02.2: [n, V]
    Tensor *probs = nn_softmax(logits);                           // [n, V]
    Tensor *loss = nn_loss(probs, W, d.ys, 0.0f);                 // lab02.3: [1]
    out_loss[0] = tensor_item(loss);
    if (!quiet) {
        printf("the %d bigrams of \"%s\" under a random W (seed %llu):\n", d.n, words->words[0], (unsigned long long)seed);
        for (int i = 0; i < d.n; i++) {
            float p = probs->data[(long)i * VOCAB + d.ys[i]];
            printf("  %c%c  p = %.6f  nll = %.6f\n", itos(d.xs[i]), itos(d.ys[i]), p, -log(p));
        }
        printf("  loss %.10f\n", out_loss[0]);
    }
    graph_step_reset(g);

    double last = 0;
    for (int k = 0; k < 5; k++) {
        // the lecture's loop prints the loss of each forward pass; the fifth is after 4 updates
        last = nn_step(g, W, &d, 0.1f, 0.0f, NN_ONEHOT);          // lab02.4
        if (!quiet) printf("  step %d: loss %.10f\n", k, last);
    }
    out_loss[1] = last;
    nn_pairs_free(&d);
}

/* probs.tsv: the trained net's table softmax(W) next to lab 01's counted
 * (N + 1) / rowsum, one row per cell, what plots/lab02_probs.gp draws. */
static int write_probs_tsv(const char *dir, const Tensor *W, const NnCounts *c, bool quiet, double *maxdiff)
{
    const float *N = c->N;   // [V, V]
    TsvLog log;
    if (tsv_open(&log, dir, "probs.tsv", "row col bigram p_net p_count") != 0) return -1;  // tsv_open said why
    *maxdiff = 0;
    for (int i = 0; i < VOCAB; i++) {
        double rowexp = 0, rowcount = 0;
        for (int j = 0; j < VOCAB; j++) {
            rowexp += exp((double)W->data[i * VOCAB + j]);
            rowcount += (double)N[i * VOCAB + j] + 1.0;
        }
        for (int j = 0; j < VOCAB; j++) {
            double pn = exp((double)W->data[i * VOCAB + j]) / rowexp;
            double pc = ((double)N[i * VOCAB + j] + 1.0) / rowcount;
            if (fabs(pn - pc) > *maxdiff) *maxdiff = fabs(pn - pc);
            tsv_row(&log, "%d\t%d\t%c%c\t%.6g\t%.6g", i, j, itos(i), itos(j), pn, pc);
        }
    }
    if (tsv_close(&log) != 0) return -1;  // tsv_close said why
    if (!quiet) printf("wrote %s/probs.tsv (the two tables side by side: make plots)\n", dir);
    return 0;
}

/* The data part of the loss alone (no regularisation), without recording a
 * tape. From the counts whatever --forward was: the same number (tested), and
 * no [n, V] tensors. */
static double data_nll(Graph *g, Tensor *W, const NnCounts *c)
{
    bool was = graph_set_no_grad(g, true);
    Tensor *loss = nn_loss_counts(g, W, c, 0.0f);
    double v = tensor_item(loss);
    graph_set_no_grad(g, was);
    graph_step_reset(g);
    return v;
}

static void ckpt_path(char *buf, size_t len, const char *dir)
{
    snprintf(buf, len, "%s/W.ckpt", dir);
}

static int cmd_sample(const KitArgs *a, int n)
{
    Graph g;
    graph_init(&g);
    Tensor *W = tensor_param(&g, SHAPE(VOCAB, VOCAB));
    char path[600];
    ckpt_path(path, sizeof path, a->out);
    const char *names[] = {"W"};
    if (ckpt_load(path, &W, names, 1) != 0) {   // one line: the loader's reason and hint
        graph_free(&g);
        return 1;
    }
    TorchRng r;
    rng_seed(&r, a->seed);
    for (int s = 0; s < n; s++) {
        char name[NAME_CAP];
        nn_sample(W, &r, name, NAME_CAP);
        printf("%s\n", name);
    }
    graph_free(&g);
    return 0;
}

int main(int argc, char **argv)
{
    static const char *const commands[] = {"train", "sample", NULL};
    const KitProgram prog = {
        "lab02", "the bigram model as a one-layer neural net (makemore part 1)", commands,
        "examples:\n"
        "  lab02 train                       300 full-batch steps at lr 50; loss.tsv, probs.tsv, 5 samples\n"
        "  lab02 train --forward onehot      the lecture's one-hot matmul over every pair, 8192 pairs at a time\n"
        "                                    (same numbers up to float rounding; thousands of times the work\n"
        "                                    of the default)\n"
        "  lab02 train --forward onehot --chunk 0\n"
        "                                    the same through your nn_step, all pairs at once: 180 MB, not 11\n"
        "  lab02 sample -n 20                20 names from the last trained W\n"
        "  lab02 train --data FILE           another words file, e.g. makemore's own names.txt\n",
        "--batch"};  // every step takes the whole dataset, as the lecture
    KitArgs a;
    kit_args_defaults(&a, "lab02");
    a.steps = 300;
    a.lr = 50.0;
    double reg = 0.01;
    enum { CHUNK_DEFAULT = 8192 };   // pairs at a time: [8192, 27] floats are under 1 MB a tensor
    int nsamples = -1, chunk = CHUNK_DEFAULT;
    const char *forward = "counts";
    const KitOpt opts[] = {
        {"--reg", KIT_OPT_DOUBLE, &reg, 0, 1e6, "weight of the regularisation reg * mean(W^2)", "train"},
        {"--forward", KIT_OPT_STRING, &forward, 0, 0,
         "how each full-batch step computes the same loss: counts (from the 27x27 bigram count table, "
         "27x27 work per step), or your functions along onehot (the lecture's code), gather (W[xs]) or rows "
         "(softmax(W)[xs]), each [n, 27] work per step", "train"},
        {"--chunk", KIT_OPT_INT, &chunk, 0, 100000000,
         "with --forward onehot, gather or rows: take the full batch N pairs at a time (gradient accumulation: "
         "the same step, in memory that does not grow with the data); 0 runs your nn_step on all pairs at once, "
         "as the lecture ([n, 27] tensors: about 180 MB)", "train"},
        {"-n", KIT_OPT_INT, &nsamples, 1, 1000000, "how many names to sample (default 5 for train, 20 for sample)",
         "train sample"},
    };
    kit_parse_args(argc, argv, &prog, &a, opts, (int)(sizeof opts / sizeof opts[0]));
    const char *cmd = a.command ? a.command : "train";
    if (nsamples < 0) nsamples = strcmp(cmd, "sample") == 0 ? 20 : 5;
    NnForward path = NN_ROWS;
    bool use_counts = strcmp(forward, "counts") == 0;
    if (strcmp(forward, "onehot") == 0) path = NN_ONEHOT;
    else if (strcmp(forward, "gather") == 0) path = NN_GATHER;
    else if (strcmp(forward, "rows") != 0 && !use_counts) {
        fprintf(stderr, "lab02: --forward %s: expected counts, onehot, gather or rows. HINT: they compute the same loss; counts is fastest\n", forward);
        return 2;
    }
    if (strcmp(cmd, "sample") == 0) return cmd_sample(&a, nsamples);

    Words words;
    if (words_load(&words, a.data) != 0)
        return 1;
    Graph g;
    graph_init(&g);
    Tensor *W = tensor_param(&g, SHAPE(VOCAB, VOCAB));   // [V, V]

    // 1. the lecture's demo on the first name
    double demo[2];
    demo_first_word(&g, W, &words, a.seed, a.quiet, demo);

    // 2. the whole dataset: a fresh W from a fresh generator, as the lecture re-initialises it
    Pairs d = {0};
    nn_pairs_build(&d, &words);
    // the count table: all the counts path needs (a sufficient statistic, see nn.h),
    // and what data_nll and probs.tsv use whatever the path
    static NnCounts counts;
    nn_counts_build(&counts, &d);
    TorchRng r;
    rng_seed(&r, a.seed);
    tensor_randn_(W, &r);
    bool chunk_ignored = use_counts && chunk != CHUNK_DEFAULT;   // the counts path has no [n, V] tensors to take in chunks
    if (use_counts) chunk = 0;
    if (!a.quiet) {
        printf("%s: %d words, %d pairs; %ld full-batch steps at lr %g, reg %g (%s forward", a.data, words.n, d.n,
               a.steps, a.lr, reg, forward);
        if (!use_counts && chunk > 0) printf(", %d pairs at a time", chunk);
        if (!use_counts && chunk == 0) printf(", all pairs at once: your nn_step");
        printf(")\n");
    }
    if (chunk_ignored && !a.quiet) printf("note: --chunk is ignored with --forward counts: its step is [27, 27] work whatever n is\n");

    // From here every way out goes through `done`, which frees what main owns.
    int rc = 0;
    TsvLog log;
    if (tsv_open(&log, a.out, "loss.tsv", "step loss lr") != 0) {
        rc = 1;
        goto done;
    }
    Progress prog_line;
    progress_start(&prog_line, a.steps, a.quiet);
    double loss = NAN, loss99 = NAN, loss266 = NAN, first = NAN;
    double t0 = kit_now();
    for (long k = 0; k < a.steps; k++) {
        // the loss of forward k, then the update
        loss = use_counts ? nn_step_counts(&g, W, &counts, (float)a.lr, (float)reg)
                   : chunk > 0 ? step_by_chunks(&g, W, &d, (float)a.lr, (float)reg, path, chunk)
                               : nn_step(&g, W, &d, (float)a.lr, (float)reg, path);
        if (!kit_loss_ok(loss, k)) {   // the log keeps steps 0..k-1; no checkpoint of a diverged W
            progress_end(&prog_line);
            (void)!tsv_close(&log);   // exit 1 either way; a failed rename said why
            rc = 1;
            goto done;
        }
        tsv_row(&log, "%ld\t%.7f\t%g", k, loss, a.lr);
        if (k == 0) first = loss;
        if (k == 99) loss99 = loss;
        if (k == 266) loss266 = loss;
        progress_update(&prog_line, k, loss, a.lr);
    }
    progress_end(&prog_line);
    double ms_per_step = a.steps > 0 ? 1000.0 * (kit_now() - t0) / (double)a.steps : 0;
    if (!a.quiet) {
        printf("loss at step 0: %.4f", first);
        if (!isnan(loss99)) printf(", step 99: %.4f", loss99);
        if (!isnan(loss266)) printf(", step 266: %.4f", loss266);
        printf(", last (step %ld): %.4f   (%.3g ms/step)\n", a.steps - 1, loss, ms_per_step);
    }

    // where the net ended: its data NLL against the counting model's
    double nll = data_nll(&g, W, &counts), maxdiff = 0;
    if (write_probs_tsv(a.out, W, &counts, a.quiet, &maxdiff) != 0) {
        tsv_discard(&log);
        rc = 1;
        goto done;
    }
    if (!a.quiet)
        printf("data NLL %.4f + regularisation %.4f; max |softmax(W) - (N+1)/rowsum| = %.4f\n", nll, loss - nll, maxdiff);

    char ckpt[600];
    ckpt_path(ckpt, sizeof ckpt, a.out);
    const char *names[] = {"W"};
    if (train_save(ckpt, &W, names, 1, &log, a.steps, a.quiet) != 0) {   // W.ckpt and loss.tsv together
        rc = 1;   // `lab02 sample` would find no W: a failed run
        goto done;
    }

    // 3. sampling from the trained net, with a fresh generator
    rng_seed(&r, a.seed);
    char samples[4096] = "";
    if (!a.quiet) printf("samples (seed %llu):", (unsigned long long)a.seed);
    for (int s = 0; s < nsamples; s++) {
        char name[NAME_CAP];
        nn_sample(W, &r, name, NAME_CAP);
        if (!a.quiet) printf(" %s", name);
        if (strlen(samples) + strlen(name) + 2 < sizeof samples) {
            if (s) strcat(samples, " ");
            strcat(samples, name);
        }
    }
    if (!a.quiet) printf("\n");

    if (a.json) {
        json_begin(stdout);
        json_num(stdout, "pairs", d.n);
        json_num(stdout, "demo_loss0", demo[0]);
        json_num(stdout, "demo_loss4", demo[1]);
        json_num(stdout, "steps", (double)a.steps);
        json_str(stdout, "forward", forward);
        json_num(stdout, "chunk", chunk);
        json_num(stdout, "loss0", first);
        if (!isnan(loss99)) json_num(stdout, "loss99", loss99);
        if (!isnan(loss266)) json_num(stdout, "loss266", loss266);
        json_num(stdout, "loss", loss);
        json_num(stdout, "data_nll", nll);
        json_num(stdout, "ms_per_step", ms_per_step);
        json_str(stdout, "samples", samples);
        if (json_end(stdout) != 0) rc = 1;
    }
    if (!a.quiet && !a.json) printf("next: make plots (loss curve, the two tables), then lab 03\n");
done:
    nn_pairs_free(&d);
    graph_free(&g);
    words_free(&words);
    return rc;
}
