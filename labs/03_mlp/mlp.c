/**
 * @file mlp.c
 * @brief Lab 03: the MLP of Bengio et al. 2003 (makemore part 2). You write
 *        the dataset, the forward pass, the loss, overfitting one batch, the
 *        training step, the learning-rate search, the schedule, evaluation and
 *        sampling; the core does backward.
 *
 * What it is not: fast or clever. Every tensor op comes from common/tensor.h
 * (its backward sits under its forward in tensor.c); the random numbers are
 * torch's, from common/rng.h, so seed 2147483647 gives the lecture's weights
 * and minibatches. Not here: the model's parameters and the forward pass that
 * chains your layers (given.c), the command line, logs and checkpoints (main.c).
 *
 * Work through the TODOs in order, lab03.1 to lab03.12; after each one run
 * `make check LAB=03` and watch that step turn OK. Shapes use the legend of
 * tensor.h: B batch, T block size, C embedding size, H hidden, V = 27.
 */
#include "mlp.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kit.h"        // KIT_CHECK, KIT_TODO
#include "minibatch.h"  // split_loss

/* ========================================================================= */
/* The dataset                                                               */
/* ========================================================================= */

void build_dataset(Dataset *ds, const Words *w, int T)
{
    // TODO(lab03.1): count the examples (a word of length L gives L+1), malloc X [n, T]
    // and Y [n], then for each word slide a context window starting at "..." over word + '.'.
    KIT_TODO("lab03.1", "build_dataset: the (context, next character) examples");
}

/* ========================================================================= */
/* The forward pass: embedding, hidden layer, output layer                   */
/* ========================================================================= */

Tensor *mlp_embed(const Mlp *m, const int *X, int B)
{
    // TODO(lab03.2): look up each context character's row of C (emb = C[X], [B, T, C])
    // and flatten it to [B, T*C] with a view (no copy).
    KIT_TODO("lab03.2", "the embedding lookup emb = C[X] and its view");
}

Tensor *mlp_hidden(const Mlp *m, Tensor *x)
{
    // TODO(lab03.3): h = tanh(x @ W1 + b1), from x [B, T*C] to h [B, H].
    KIT_TODO("lab03.3", "the hidden layer h = tanh(x @ W1 + b1)");
}

Tensor *mlp_output(const Mlp *m, Tensor *h)
{
    // TODO(lab03.4): logits = h @ W2 + b2, from h [B, H] to logits [B, V].
    KIT_TODO("lab03.4", "the output layer logits = h @ W2 + b2");
}

/* ========================================================================= */
/* The loss, by hand and fused                                               */
/* ========================================================================= */

Tensor *loss_by_hand(Tensor *logits, const int *Y)
{
    // TODO(lab03.5): counts = exp(logits), probs = counts / counts.sum(1, keepdim), pick
    // probs[b, Y[b]] for each row, then -log and the mean: [B, V] -> [1].
    KIT_TODO("lab03.5", "the loss by hand: exp, normalize, pick, -log, mean");
}

Tensor *mlp_loss(Tensor *logits, const int *Y)
{
    // TODO(lab03.6): the same loss with the core's fused cross-entropy (tensor.h).
    KIT_TODO("lab03.6", "the fused loss with tensor_cross_entropy");
}

/* ========================================================================= */
/* Training: one batch to overfit, then minibatches                          */
/* ========================================================================= */

float mlp_overfit(Mlp *m, const Dataset *ds, int steps, float lr, float *losses)
{
    // TODO(lab03.7): steps times: forward all ds->n examples, the loss (store it in losses[i]
    // when losses is not NULL), zero the grads, backward, params_sgd, graph_step_reset.
    KIT_TODO("lab03.7", "overfit one batch: full-batch gradient descent");
}

float mlp_train_step(Mlp *m, const Dataset *tr, TorchRng *r, int B, float lr, int *ix_out)
{
    // TODO(lab03.8): draw B indices with rng_randint(r, 0, tr->n) into a batch (allocate it
    // from m->g->step), forward, loss, zero the grads, backward, params_sgd, graph_step_reset.
    KIT_TODO("lab03.8", "one minibatch SGD step");
}

void lr_search(Mlp *m, const Dataset *tr, TorchRng *r, int B, const float *lre, int n, float *losses)
{
    // TODO(lab03.9): for each exponent lre[i], one mlp_train_step with lr = 10^lre[i]
    // (powf); store its loss in losses[i].
    KIT_TODO("lab03.9", "the learning-rate sweep");
}

float mlp_lr_at(long step, long decay_at, float lr)
{
    // TODO(lab03.10): the lecture's schedule: lr before step decay_at, lr/10 from then on.
    KIT_TODO("lab03.10", "the learning-rate schedule");
}

/* ========================================================================= */
/* Evaluation and sampling                                                   */
/* ========================================================================= */

double mlp_split_loss(Mlp *m, const Dataset *ds)
{
    // TODO(lab03.11): the mean loss over the split without gradients: the core's
    // split_loss (minibatch.h) with mlp_loss_of (given.h).
    KIT_TODO("lab03.11", "the loss over a whole split");
}

int mlp_sample_name(Mlp *m, TorchRng *r, char *out, int cap)
{
    // TODO(lab03.12): from context "...", repeat: forward one context, softmax,
    // rng_multinomial_race, shift the index into the context, append its letter; stop at '.'.
    KIT_TODO("lab03.12", "sampling a name from the model");
}
