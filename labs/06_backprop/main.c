/*
 * main.c: the lab 06 driver. You do not need to edit it.
 *
 * What it is: the command line around backprop.c and model.c.
 *   lab06 all      (default) grads, then train
 *   lab06 grads    exercises 1-3 on the lecture's first minibatch (H = 64):
 *                  your gradients against autograd's, tensor by tensor
 *   lab06 train    exercise 4: the H = 200 network trained 200,000 steps with
 *                  your backward only (--backward autograd: the core's instead),
 *                  batchnorm calibrated after training, the split losses
 * Figure data (TSV) goes under --out (build/out/lab06); `make plots` draws it
 * with plots/lab06_*.gp.
 * What it is not: part of the exercises; the TODOs are in backprop.c.
 *
 * Next: `make lab06-solution`; for a quick look
 * `make lab06-solution ARGS="grads"`.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backprop.h"
#include "data.h"
#include "kit.h"
#include "minibatch.h"
#include "model.h"
#include "rng.h"
#include "tensor.h"
#include "args.h"
#include "output.h"
#include "train.h"

/* Call each step once on a tiny model, lowest first, so an unfinished
 * skeleton stops at its first TODO before any data is read. */
static void probe_steps(void)
{
    Graph g;
    graph_init(&g);
    Model m;
    model_create(&m, &g, 1, 1, 2);
    TorchRng r;
    rng_seed(&r, 1);
    model_init(&m, &r, BP_BN_SEED);
    int X[2] = {1, 2}, Y[2] = {3, 4};
    Chunked f = model_forward_chunked(&m, X, Y, 2);
    Grads d = grads_alloc(&m, &f);
    backward_loss(&f, &d);                                               // lab06.1
    linear_backward(d.logits, f.h->data, m.W2->data, 2, 2, VOCAB, d.h, d.W2, d.b2);  // lab06.2
    tanh_backward(d.h, f.h->data, 2 * 2, d.hpreact);                     // lab06.3
    backward_layer2(&m, &f, &d);                                         // lab06.4
    backward_batchnorm(&m, &f, &d);                                      // lab06.5
    embed_backward(d.emb, X, 2, 1, d.C);                                 // lab06.6
    backward_layer1(&m, &f, &d);                                         // lab06.7
    cross_entropy_backward(f.logits->data, Y, 2, VOCAB, d.logits);       // lab06.8
    batchnorm_backward(d.hpreact, f.bnraw->data, f.bnvar_inv->data, m.bngain->data, 2, 2, d.hprebn);  // lab06.9
    bool was = graph_set_no_grad(&g, true);
    Forward f4 = model_forward(&m, X, Y, 2, false);
    manual_backward(&m, &f4, X, Y, 2);                                   // lab06.10
    graph_set_no_grad(&g, was);
    graph_free(&g);
}

/* ---- exercises 1-3 ------------------------------------------------------------ */

typedef struct GradsResult {
    long nparams;
    double loss;              /* the chunked forward's loss on the first batch */
    double ex1_maxdiff;       /* the largest maxdiff of the 26 tensors */
    const char *ex1_worst;    /* which one */
    int ex1_approx;           /* how many are "approximate: True" */
    double ex2_loss_diff;     /* F.cross_entropy minus the chunked loss */
    double ex2_maxdiff;       /* dlogits in one formula against autograd */
    double ex3_fwd_maxdiff;   /* the batchnorm forward in one line against the chunked one */
    double ex3_maxdiff;       /* dhprebn in one formula against autograd */
} GradsResult;

static int run_grads(const KitArgs *a, const Dataset *tr, GradsResult *res)
{
    memset(res, 0, sizeof *res);
    Graph g;
    graph_init(&g);
    Model m;
    model_create(&m, &g, BP_BLOCK, BP_EMB, BP_HIDDEN);
    TorchRng rng;
    rng_seed(&rng, a->seed);
    model_init(&m, &rng, BP_BN_SEED);
    res->nparams = params_count(m.params, BP_NPARAMS);
    const int B = a->batch, V = VOCAB, H = m.n_hidden;
    // the lecture's first minibatch: right after the init, from g. It lives in the step
    // arena, and nothing here resets the step: it lasts until graph_free.
    Batch batch = batch_draw(&g, tr, &rng, B, NULL);
    const int *Xb = batch.X, *Yb = batch.Y;

    // the forward, recorded; autograd's gradients of every intermediate
    Chunked f = model_forward_chunked(&m, Xb, Yb, B);
    res->loss = tensor_item(f.loss);
    params_zero_grad(m.params, BP_NPARAMS);
    tensor_backward(f.loss);
    printf("lab06 grads: %ld parameters (H = %d), bngain/bnbias from seed %llu; loss on the first batch %.4f\n",
           res->nparams, H, (unsigned long long)BP_BN_SEED, res->loss);
    printf("  first labels of the batch: %d %d %d %d %d\n", Yb[0], Yb[1 % B], Yb[2 % B], Yb[3 % B], Yb[4 % B]);

    // exercise 1: yours, tensor by tensor
    Grads d = grads_alloc(&m, &f);
    backward_loss(&f, &d);
    backward_layer2(&m, &f, &d);
    backward_batchnorm(&m, &f, &d);
    backward_layer1(&m, &f, &d);
    CmpRow rows[BP_NGRADS];
    int n = cmp_all(&d, &f, &m, rows);
    printf("\nexercise 1: your gradients against autograd's (maxdiff = max |yours - autograd|)\n");
    TsvLog tsv;
    bool logged = tsv_open(&tsv, a->out, "maxdiff.tsv", "tensor numel exact approximate maxdiff max_abs_grad") == 0;
    res->ex1_worst = rows[0].name;
    for (int i = 0; i < n; i++) {
        cmp_print(&rows[i]);
        if (rows[i].maxdiff > res->ex1_maxdiff) {
            res->ex1_maxdiff = rows[i].maxdiff;
            res->ex1_worst = rows[i].name;
        }
        res->ex1_approx += rows[i].approximate;
        if (logged)
            tsv_row(&tsv, "%s\t%d\t%d\t%d\t%.6g\t%.6g", rows[i].name, rows[i].numel, rows[i].exact,
                    rows[i].approximate, rows[i].maxdiff, rows[i].maxabs);
    }
    if (logged) (void)!tsv_close(&tsv);   // a failure is said and counted: main's exit status (kit_output_failures)
    printf("  %d of %d approximately equal; the largest maxdiff %.3g (%s)\n", res->ex1_approx, n, res->ex1_maxdiff,
           res->ex1_worst);

    // exercise 2: the cross-entropy, forward as one op, backward as one formula
    bool was = graph_set_no_grad(&g, true);
    double loss_fast = tensor_item(tensor_cross_entropy(f.logits, Yb));
    graph_set_no_grad(&g, was);
    res->ex2_loss_diff = loss_fast - res->loss;
    float *dlogits = step_zeros(&g, B * V);
    cross_entropy_backward(f.logits->data, Yb, B, V, dlogits);
    CmpRow r2 = cmp("logits", dlogits, f.logits);
    res->ex2_maxdiff = r2.maxdiff;
    printf("\nexercise 2: cross-entropy in one op: %.10g, diff %.3g\n", loss_fast, res->ex2_loss_diff);
    cmp_print(&r2);
    double rowsum = 0;
    printf("  row 0 of dlogits * n (the label %d gets softmax - 1):", Yb[0]);
    for (int v = 0; v < V; v++) {
        rowsum += dlogits[v];
        printf(" %.4f", dlogits[v] * B);
    }
    printf("\n  and each row sums to zero: row 0 sums to %.3g\n", rowsum);
    if (tsv_open(&tsv, a->out, "dlogits.tsv", "row col dlogits label") == 0) {
        for (int b = 0; b < B; b++)
            for (int v = 0; v < V; v++) tsv_row(&tsv, "%d\t%d\t%.8g\t%d", b, v, dlogits[b * V + v], v == Yb[b]);
        (void)!tsv_close(&tsv);   // a failure is said and counted: main's exit status (kit_output_failures)
    }

    // exercise 3: the batchnorm forward in one line, backward in one formula
    was = graph_set_no_grad(&g, true);
    Tensor *mean = tensor_mean(f.hprebn, 0, true), *var = tensor_var(f.hprebn, 0, true, true);
    Tensor *fast = tensor_add(tensor_div(tensor_mul(m.bngain, tensor_sub(f.hprebn, mean)),
                                         tensor_sqrt(tensor_add_scalar(var, BP_EPS))), m.bnbias);
    graph_set_no_grad(&g, was);
    for (int i = 0; i < fast->numel; i++)
        res->ex3_fwd_maxdiff = fmax(res->ex3_fwd_maxdiff, fabs(fast->data[i] - f.hpreact->data[i]));
    float *dhprebn = step_zeros(&g, B * H);
    // from autograd's dhpreact, so exercise 1 cannot blur this comparison
    batchnorm_backward(f.hpreact->grad, f.bnraw->data, f.bnvar_inv->data, m.bngain->data, B, H, dhprebn);
    CmpRow r3 = cmp("hprebn", dhprebn, f.hprebn);
    res->ex3_maxdiff = r3.maxdiff;
    printf("\nexercise 3: batchnorm in one line: max diff %.3g from the chunked forward\n", res->ex3_fwd_maxdiff);
    cmp_print(&r3);
    graph_free(&g);
    return 0;
}

/* ---- exercise 4 ------------------------------------------------------------------ */

typedef struct TrainResult {
    long nparams;
    double first, train, val;
} TrainResult;

static int run_train(const KitArgs *a, Backward bw, const Dataset *tr, const Dataset *dev, TrainResult *res)
{
    memset(res, 0, sizeof *res);
    Graph g;
    graph_init(&g);
    Model m;
    model_create(&m, &g, BP_BLOCK, BP_EMB, BP_HIDDEN_TRAIN);
    TorchRng rng;
    rng_seed(&rng, a->seed);
    model_init(&m, &rng, BP_BN_SEED);
    res->nparams = params_count(m.params, BP_NPARAMS);
    const char *how = bw == BACKWARD_MANUAL ? "your manual backward, no tape" : "the core's autograd";
    printf("\nlab06 train: %ld parameters (H = %d), %ld steps with %s\n", res->nparams, m.n_hidden, a->steps, how);
    TsvLog tsv;
    const char *file = bw == BACKWARD_MANUAL ? "loss.tsv" : "loss_autograd.tsv";
    bool logged = tsv_open(&tsv, a->out, file, "step loss lr") == 0;
    double t0 = kit_now();
    int rc = model_train(&m, tr, &rng, a->steps, a->batch, a->lr, bw, logged ? &tsv : NULL, NULL, &res->first,
                         a->quiet);
    double secs = kit_now() - t0;
    if (logged) (void)!tsv_close(&tsv);   // a failure is said and counted: main's exit status (kit_output_failures)
    if (rc != 0) {
        graph_free(&g);
        return 1;
    }
    model_calibrate(&m, tr);
    res->train = model_split_loss(&m, tr);
    res->val = model_split_loss(&m, dev);
    printf("  %ld steps in %.1f s (%.0f us a step; compare: --backward %s)\n", a->steps, secs,
           a->steps > 0 ? 1e6 * secs / a->steps : 0.0, bw == BACKWARD_MANUAL ? "autograd" : "manual");
    printf("  first loss %.4f; after training, batchnorm calibrated on the training set:\n", res->first);
    printf("  train %.4f  val %.4f\n", res->train, res->val);
    graph_free(&g);
    if (!logged) {
        fprintf(stderr, "lab06: could not write %s/%s (see above). HINT: pass a writable --out\n", a->out, file);
        return 1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    static const char *const commands[] = {"all", "grads", "train", NULL};
    const KitProgram prog = {
        "lab06", "becoming a backprop ninja: the MLP's backward by hand", commands,
        "examples:\n  lab06 grads\n  lab06 train --steps 20000\n"
        "  lab06 train --backward autograd --steps 20000\n", NULL};
    KitArgs a;
    kit_args_defaults(&a, "lab06");
    a.steps = BP_STEPS;
    a.batch = BP_BATCH;
    a.lr = BP_LR;
    const char *backward = "manual";
    const KitOpt opts[] = {
        {"--backward", KIT_OPT_STRING, &backward, 0, 0,
         "exercise 4's gradients: manual (yours, no tape) or autograd (the core's) (default manual)", "train all"},
    };
    kit_parse_args(argc, argv, &prog, &a, opts, 1);
    const char *cmd = a.command ? a.command : "all";
    bool do_grads = strcmp(cmd, "train") != 0, do_train = strcmp(cmd, "grads") != 0;
    Backward bw = BACKWARD_MANUAL;
    if (strcmp(backward, "autograd") == 0) {
        bw = BACKWARD_AUTOGRAD;
    } else if (strcmp(backward, "manual") != 0) {
        fprintf(stderr, "lab06: --backward %s: must be manual or autograd. HINT: lab06 train --backward autograd\n",
                backward);
        return 2;
    }
    if (a.batch < 2) {
        // the parser's range is every lab's (1 and up); batchnorm's variance divides by n-1
        fprintf(stderr, "lab06: --batch %d: batchnorm needs at least 2 examples per batch (its variance divides by "
                "n-1). HINT: the lecture uses --batch %d\n", a.batch, BP_BATCH);
        return 2;
    }

    probe_steps();

    if (kit_mkdirs(a.out) != 0) {
        fprintf(stderr, "%s: cannot create directory: %s. HINT: pass a writable directory with --out\n", a.out,
                strerror(errno));
        return 1;
    }
    Words all, tr_w, dev_w, te_w;
    if (words_load(&all, a.data) != 0)
        return 1;
    if (words_split(&all, 42, &tr_w, &dev_w, &te_w) != 0) {   // too few names: said the minimum
        words_free(&all);
        return 1;
    }
    Dataset tr, dev;
    dataset_build(&tr, &tr_w, BP_BLOCK);
    dataset_build(&dev, &dev_w, BP_BLOCK);
    int rc = 0;
    if (a.batch > tr.n) {
        fprintf(stderr, "lab06: --batch %d: larger than the %d training examples of %s. HINT: pass --batch %d or "
                "less; the lecture uses --batch %d\n", a.batch, tr.n, a.data, tr.n, BP_BATCH);
        rc = 2;
    }
    GradsResult gr = {0};
    TrainResult trr = {0};
    if (rc == 0 && do_grads) rc = run_grads(&a, &tr, &gr);
    if (rc == 0 && do_train) rc = run_train(&a, bw, &tr, &dev, &trr);
    if (rc == 0 && a.json) {
        json_begin(stdout);
        if (do_grads) {
            json_num(stdout, "n_params", (double)gr.nparams);
            json_num(stdout, "first_loss", gr.loss);
            json_num(stdout, "ex1_maxdiff", gr.ex1_maxdiff);
            json_str(stdout, "ex1_worst", gr.ex1_worst);
            json_num(stdout, "ex1_approximate", gr.ex1_approx);
            json_num(stdout, "ex2_loss_diff", gr.ex2_loss_diff);
            json_num(stdout, "ex2_maxdiff", gr.ex2_maxdiff);
            json_num(stdout, "ex3_forward_maxdiff", gr.ex3_fwd_maxdiff);
            json_num(stdout, "ex3_maxdiff", gr.ex3_maxdiff);
        }
        if (do_train) {
            json_str(stdout, "backward", bw == BACKWARD_MANUAL ? "manual" : "autograd");
            json_num(stdout, "train_params", (double)trr.nparams);
            json_num(stdout, "train_first_loss", trr.first);
            json_num(stdout, "train", trr.train);
            json_num(stdout, "val", trr.val);
        }
        (void)!json_end(stdout);   // a failure is said and counted: main's exit status
    }
    if (rc == 0 && !a.quiet) printf("figures: data in %s; next: make plots, then make check LAB=06\n", a.out);
    dataset_free(&tr);
    dataset_free(&dev);
    words_free(&tr_w);
    words_free(&dev_w);
    words_free(&te_w);
    words_free(&all);
    return rc != 0 ? rc : kit_output_failures() > 0 ? 1 : 0;   // a figure's file that could not be written
}
