/*
 * train.c: the helpers of a training run (train.h): the loss guard, the
 * example-weighted loss of a split, and the end of a run.
 *
 * What it is: the few lines every lab's training loop would otherwise copy.
 * What it is not: anything about a model; labs own their forward passes.
 */
#define _POSIX_C_SOURCE 200809L /* sigprocmask */

#include "train.h"

#include <math.h>
#include <signal.h>
#include <stdio.h>

#include "checkpoint.h"
#include "kit.h"

/* ========================================================================= */
/* NaN guard                                                                 */
/* ========================================================================= */


bool kit_loss_ok(double loss, long step)
{
    if (isfinite(loss)) return true;
    kit_fail("step %ld: loss is %s. HINT: the learning rate may be too high or the initialization too large; try a smaller --lr, e.g. a tenth of the current one",
             step, isnan(loss) ? "nan" : loss > 0 ? "inf" : "-inf");   /* a run that diverged: bad input, one line */
    return false;
}


/* ========================================================================= */
/* Evaluation                                                                */
/* ========================================================================= */


double eval_in_batches(int n, int batch, double (*loss_fn)(void *ctx, int start, int count), void *ctx)
{
    KIT_CHECK(n > 0, "eval_in_batches: %d examples: nothing to evaluate. HINT: the split is empty; use a words file with more names", n);
    KIT_CHECK(batch > 0, "eval_in_batches: batch %d must be at least 1. HINT: a few thousand examples per batch is plenty", batch);
    KIT_CHECK(loss_fn, "eval_in_batches: loss_fn is NULL. HINT: pass a function returning a chunk's mean loss");
    /* Each chunk's mean is weighted by its size, so a short last chunk counts
     * as much as its examples, and the result is the mean over all n. */
    double total = 0.0;
    for (int start = 0; start < n; start += batch) {
        int count = n - start < batch ? n - start : batch;
        total += loss_fn(ctx, start, count) * (double)count;
    }
    return total / (double)n;
}


/* ========================================================================= */
/* The end of a run                                                          */
/* ========================================================================= */

int train_save(const char *ckpt_path, Tensor *const *params, const char *const *names, int n,
               TsvLog *log, long steps, bool quiet)
{
    if (steps == 0) {
        /* Nothing was trained: the files of the last real run stay theirs. */
        tsv_discard(log);
        if (!quiet) {
            char sp[KIT_SHOWN_BUF];
            printf("--steps 0 trained nothing: %s and its log are left as they were\n", kit_shown(ckpt_path, sp, sizeof sp));
        }
        return 0;
    }
    /* Ctrl-C (or a terminal closing) between the two renames would part the
     * checkpoint from its log: such signals wait until both are in place. */
    sigset_t hold, before;
    sigemptyset(&hold);
    sigaddset(&hold, SIGINT);
    sigaddset(&hold, SIGTERM);
    sigaddset(&hold, SIGHUP);
    sigprocmask(SIG_BLOCK, &hold, &before);
    int rc = 0;
    if (ckpt_save(ckpt_path, params, names, n) != 0) {
        tsv_discard(log);   /* the previous log stays beside the previous checkpoint */
        rc = -1;
    } else if (tsv_close(log) != 0) {
        rc = -1;
    }
    sigprocmask(SIG_SETMASK, &before, NULL);
    return rc;
}
