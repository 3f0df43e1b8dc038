/**
 * @file minibatch.h
 * @brief The training loop's given parts for labs 04-06: drawing a minibatch,
 *        the lecture's step-decay learning rate, and a split's loss in chunks.
 *
 * What it is: the three pieces of the makemore part 2-4 loop that every lab
 * after lab 03 uses the same way. Lab 03's learner writes each of them once
 * (mlp_train_step, mlp_lr_at, mlp_split_loss); from lab 04 on they are given,
 * here, as dataset_build graduated from lab 03's build_dataset.
 * What it is not: the forward pass or the update (those stay in each lab: they
 * are the lesson), or a general data loader.
 *
 * The lecture's loop, for reference:
 *
 *     ix = torch.randint(0, Xtr.shape[0], (32,), generator=g)   # batch_draw
 *     ...forward, loss, zero grads, backward...
 *     lr = 0.1 if i < 100000 else 0.01                          # lr_step_decay
 *     for p in parameters: p.data += -lr * p.grad
 *
 * and, after training, `split_loss("train")` with no gradients (split_loss).
 */
#ifndef KIT_MINIBATCH_H
#define KIT_MINIBATCH_H

#include "data.h"
#include "rng.h"
#include "tensor.h"

/** One minibatch: B contexts and their next characters, in the step arena. */
typedef struct Batch {
    const int *X;  /**< [B, T] context indices (rows of the dataset's X) */
    const int *Y;  /**< [B] target indices */
    int B;         /**< how many examples */
} Batch;

/**
 * @brief `ix = torch.randint(0, n, (B,), generator=r)`, then `X[ix], Y[ix]`.
 *
 * B draws from @p r, one after the other, as torch does (so the lecture's seed
 * gives the lecture's batches). The batch lives in @p g's step arena: it dies
 * at graph_step_reset(), after the backward that needs it. @p ix_out, if not
 * NULL, receives the B drawn indices (for tests). B must be at least 1 and the
 * dataset non-empty (KIT_ERROR otherwise).
 */
Batch batch_draw(Graph *g, const Dataset *ds, TorchRng *r, int B, int *ix_out);

/**
 * @brief The lecture's learning-rate schedule: @p lr before step @p decay_at,
 * a tenth of it from then on (`lr = 0.1 if i < 100000 else 0.01`).
 *
 * Computed in double and returned in double; callers that train in float cast
 * the result (the same float as dividing a float lr by 10.0f).
 */
double lr_step_decay(long step, long decay_at, double lr);

/** A model's mean loss over @p n examples X [n, T], Y [n]: a [1] tensor in the step arena. */
typedef Tensor *(*SplitLossFn)(void *model, const int *X, const int *Y, int n);

/**
 * @brief The mean loss over a whole split, as the lecture's `split_loss`:
 * no gradients recorded (`torch.no_grad()`), the model unchanged.
 *
 * @p loss_of is called on chunks of at most 4096 examples (the whole training
 * split at once would need 180,000 x 200 hidden activations, 146 MB, in the
 * step arena); each chunk's mean is weighted by its size, so the result is the
 * mean over all examples. The step arena is reset after each chunk, so call it
 * between training steps, not in the middle of one. @p model is passed through
 * to @p loss_of untouched. The split must not be empty (KIT_ERROR).
 */
double split_loss(Graph *g, const Dataset *ds, SplitLossFn loss_of, void *model);

#endif /* KIT_MINIBATCH_H */
