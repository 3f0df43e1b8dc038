/*
 * main.c: the lab 02 driver. You do not need to edit this file; read it to see
 * how your functions in nn.c are used.
 *
 * What it is: the command line around the one-layer net.
 *   lab02 train [--steps 300] [--lr 50] [--reg 0.01]
 *       first the lecture's demo on the 5 bigrams of the first name (the
 *       probabilities and the loss under a random W, then 4 steps at lr 0.1
 *       through your nn_step; onehot.tsv holds their xenc), then gradient
 *       descent on every pair (your functions, the pairs taken NN_CHUNK at a
 *       time by nn_full_step in given.c); logs <out>/loss.tsv, writes
 *       <out>/probs.tsv (the trained table next to lab 01's counted one) and
 *       <out>/W.ckpt, samples 5 names
 *   lab02 sample -n 20    20 names from the W saved by the last `train`
 * Shared flags (--data --seed --steps --lr --out --json --quiet --help) come
 * from args.h. --batch is refused (KitProgram.unused): the lecture trains on
 * the whole dataset every step.
 * Default --steps is 300: the lecture re-ran its one-step cell about 266 times
 * (loss 2.4818); any W after 250 to 399 steps samples the lecture's names, and
 * the log holds step 266 for the comparison.
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
#include "given.h"    // nn_full_step, nn_data_nll, the TSV writers, nn_pairs_free
#include "kit.h"      // kit_now
#include "nn.h"       // your functions
#include "rng.h"      // rng_seed
#include "tensor.h"   // graph_init, tensor_param, tensor_randn_
#include "args.h"     // kit_parse_args
#include "checkpoint.h" // ckpt_load
#include "output.h"   // progress_*, tsv_*, json_*
#include "train.h"    // kit_loss_ok, train_save

#define NAME_CAP 256

/* The lecture's first demo: the bigrams of one name (words[:1], "emma"), the
 * one-hot rows it feeds the net (onehot.tsv, for the picture), the probability
 * the random net gives each correct next character, the loss, and 4 steps of
 * gradient descent at lr 0.1 without regularisation.
 * @return 0, or -1 when onehot.tsv could not be written (tsv_open said why) */
static int demo_first_word(Graph *g, Tensor *W, const Words *words, const KitArgs *a, double out_loss[2])
{
    Words first = {words->words, 1, NULL};   // borrows the first name
    Pairs d = {0};
    nn_pairs_build(&d, &first);                                   // lab02.1
    if (nn_write_onehot_tsv(a->out, g, &d, d.n) != 0) {
        nn_pairs_free(&d);
        return -1;
    }
    TorchRng r;
    rng_seed(&r, a->seed);
    tensor_randn_(W, &r);                                         // W = randn((27, 27), generator=g)

    Tensor *logits = nn_logits(g, W, d.xs, d.n);                  // lab02.2: [n, V]
    Tensor *probs = nn_softmax(logits);                           // lab02.3: [n, V]
    Tensor *loss = nn_loss(probs, W, d.ys, 0.0f);                 // lab02.4: [1]
    out_loss[0] = tensor_item(loss);
    if (!a->quiet) {
        printf("the %d bigrams of \"%s\" under a random W (seed %llu):\n", d.n, words->words[0], (unsigned long long)a->seed);
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
        last = nn_step(g, W, &d, 0.1f, 0.0f);                    // lab02.5
        if (!a->quiet) printf("  step %d: loss %.10f\n", k, last);
    }
    out_loss[1] = last;
    nn_pairs_free(&d);
    return 0;
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
        "  lab02 train --reg 0 --steps 3000  no regularisation: toward lab 01's unsmoothed table\n"
        "  lab02 sample -n 20                20 names from the last trained W\n"
        "  lab02 train --data data/makemore-names.txt   the lecture's dataset\n",
        "--batch"};  // every step takes the whole dataset, as the lecture
    KitArgs a;
    kit_args_defaults(&a, "lab02");
    a.steps = 300;
    a.lr = 50.0;
    double reg = 0.01;
    int nsamples = -1;
    const KitOpt opts[] = {
        {"--reg", KIT_OPT_DOUBLE, &reg, 0, 1e6, "weight of the regularisation reg * mean(W^2)", "train"},
        {"-n", KIT_OPT_INT, &nsamples, 1, 1000000, "how many names to sample (default 5 for train, 20 for sample)",
         "train sample"},
    };
    kit_parse_args(argc, argv, &prog, &a, opts, (int)(sizeof opts / sizeof opts[0]));
    const char *cmd = a.command ? a.command : "train";
    if (nsamples < 0) nsamples = strcmp(cmd, "sample") == 0 ? 20 : 5;
    if (strcmp(cmd, "sample") == 0) return cmd_sample(&a, nsamples);

    Words words;
    if (words_load(&words, a.data) != 0)
        return 1;
    Graph g;
    graph_init(&g);
    Tensor *W = tensor_param(&g, SHAPE(VOCAB, VOCAB));   // [V, V]
    Pairs d = {0};
    // From here every way out goes through `done`, which frees what main owns.
    int rc = 0;

    // 1. the lecture's demo on the first name
    double demo[2];
    if (demo_first_word(&g, W, &words, &a, demo) != 0) {
        rc = 1;
        goto done;
    }

    // 2. the whole dataset: a fresh W from a fresh generator, as the lecture re-initialises it
    nn_pairs_build(&d, &words);                                   // lab02.1
    TorchRng r;
    rng_seed(&r, a.seed);
    tensor_randn_(W, &r);
    if (!a.quiet)
        printf("%s: %d words, %d pairs; %ld full-batch steps at lr %g, reg %g\n", a.data, words.n, d.n, a.steps, a.lr, reg);

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
        // the loss of forward k, then the update: your functions on every pair
        loss = nn_full_step(&g, W, &d, (float)a.lr, (float)reg, NN_CHUNK);
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

    // where the net ended: its data NLL, and its table against the counting model's
    double nll = nn_data_nll(&g, W, &d, NN_CHUNK), maxdiff = 0;
    if (nn_write_probs_tsv(a.out, &g, W, &d, &maxdiff) != 0) {
        tsv_discard(&log);
        rc = 1;
        goto done;
    }
    if (!a.quiet) {
        printf("data NLL %.4f + regularisation %.4f; max |softmax(W) - (N+1)/rowsum| = %.4f\n", nll, loss - nll, maxdiff);
        printf("wrote %s/loss.tsv, %s/probs.tsv and %s/onehot.tsv (the figures: make plots)\n", a.out, a.out, a.out);
    }

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
        nn_sample(W, &r, name, NAME_CAP);                         // lab02.6
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
        json_num(stdout, "loss0", first);
        if (!isnan(loss99)) json_num(stdout, "loss99", loss99);
        if (!isnan(loss266)) json_num(stdout, "loss266", loss266);
        json_num(stdout, "loss", loss);
        json_num(stdout, "data_nll", nll);
        json_num(stdout, "ms_per_step", ms_per_step);
        json_str(stdout, "samples", samples);
        if (json_end(stdout) != 0) rc = 1;
    }
    if (!a.quiet && !a.json) printf("next: make plots (one-hot rows, loss curve, the two tables), then lab 03\n");
done:
    nn_pairs_free(&d);
    graph_free(&g);
    words_free(&words);
    return rc;
}
