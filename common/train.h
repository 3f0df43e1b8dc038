/**
 * @file train.h
 * @brief The helpers of a training run around the lab's own model: the loss
 *        guard, the loss of a whole split in large batches, and the end of a
 *        run, where its checkpoint and its log become visible together.
 *
 * What it is not: a model (labs own their forward passes and their steps), nor
 * the command line (args.h), the outputs (output.h) or the checkpoint format
 * (checkpoint.h), which this file uses.
 */
#ifndef KIT_TRAIN_H
#define KIT_TRAIN_H

#include <stdbool.h>

#include "output.h"   /* TsvLog, KIT_MUST_CHECK */
#include "tensor.h"

/* ------------------------------------------------------------------------- */
/** @name NaN guard */
/** @{ */
/**
 * @brief If @p loss is NaN or infinite: print `step N: loss is nan. HINT: ...`
 * (learning rate too high? initialization too large?) to stderr and return false.
 * A finite loss returns true and prints nothing.
 * The caller flushes its logs and exits non-zero.
 */
bool kit_loss_ok(double loss, long step);
/** @} */

/* ------------------------------------------------------------------------- */
/** @name Evaluation */
/** @{ */
/**
 * @brief The loss of a model on @p n examples (n >= 1), in batches of @p batch (>= 1): calls
 * @p loss_fn(ctx, start, count) for each chunk (it returns the chunk's mean
 * loss) and returns the example-weighted mean, accumulated in double. The
 * caller's loss_fn runs in no-grad mode and resets the step arena itself.
 */
double eval_in_batches(int n, int batch, double (*loss_fn)(void *ctx, int start, int count), void *ctx);
/** @} */

/* ------------------------------------------------------------------------- */
/** @name The end of a run */
/** @{ */
/**
 * @brief Save the trained model to @p ckpt_path (ckpt_save, checkpoint.h),
 * then rename the run's log @p log (still open, from tsv_open) into place: the
 * checkpoint and the log of one run become visible together.
 *
 * - @p steps == 0 trained nothing: neither file is replaced (a trained
 *   model.ckpt is not overwritten by an untrained one); the log is discarded
 *   and, unless @p quiet, one line on stdout says so.
 * - A checkpoint that cannot be saved: one line (kit_fail), and the log is
 *   discarded, so the previous log stays beside the previous checkpoint.
 * - SIGINT, SIGTERM and SIGHUP wait until both files are in place: Ctrl-C
 *   during the save ends the run after it. (SIGKILL cannot wait: killed
 *   between the two renames, the new checkpoint sits beside the previous
 *   log, a window of two system calls.)
 * @return 0 (also for steps == 0), or -1 after one line on stderr.
 */
int train_save(const char *ckpt_path, Tensor *const *params, const char *const *names, int n,
               TsvLog *log, long steps, bool quiet) KIT_MUST_CHECK;
/** @} */

#endif /* KIT_TRAIN_H */
