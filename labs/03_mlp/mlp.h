/**
 * @file mlp.h
 * @brief Lab 03: the neural probabilistic language model of Bengio et al. 2003
 *        (makemore part 2), as the functions you write.
 *
 * What it is: a character-level MLP. Each example is the T previous characters;
 * each character looks up a learned vector of C numbers (the embedding table
 * `C`), the T vectors are concatenated, go through one tanh hidden layer of H
 * units and a linear layer to V = 27 logits for the next character. The model
 * (Mlp, mlp_init, mlp_forward) is given: given.h.
 *
 * What it is not: the core. The tensors, autograd, random numbers, data loading
 * and checkpoints come from common/; here you only wire them together. Not here
 * either: the fixes to this net's bad initialisation (that is lab 04).
 *
 * The steps, in the lecture's order (each a TODO in mlp.c, each a test in
 * tests/lab03_test.c):
 *   lab03.1 build_dataset     lab03.2 mlp_embed        lab03.3 mlp_hidden
 *   lab03.4 mlp_output        lab03.5 loss_by_hand     lab03.6 mlp_loss
 *   lab03.7 mlp_overfit       lab03.8 mlp_train_step   lab03.9 lr_search
 *   lab03.10 mlp_lr_at        lab03.11 mlp_split_loss  lab03.12 mlp_sample_name
 * Next after this header: mlp.c, step lab03.1.
 */
#ifndef LAB03_MLP_H
#define LAB03_MLP_H

#include "given.h"  // Mlp, mlp_init, mlp_forward, the lecture's sizes

/** @brief lab03.1: the lecture's build_dataset.
 *
 * For each word, start with context [0]*T ("..."); for each ch in word + '.',
 * emit the example (context, stoi(ch)) and shift ch into the context. A word
 * of length L gives L + 1 examples. Fills @p ds (X [n, T] and Y [n],
 * malloc'ed, freed by dataset_free()). An empty @p w gives an empty dataset
 * (n = 0, X and Y NULL).
 */
void build_dataset(Dataset *ds, const Words *w, int T);

/**
 * @brief lab03.2: emb = C[X] as [B, T, C], flattened with a view (no copy) to
 * [B, T*C]: the T vectors of an example side by side. @p X [B, T] is borrowed
 * until backward.
 */
Tensor *mlp_embed(const Mlp *m, const int *X, int B);

/** @brief lab03.3: h = tanh(x @ W1 + b1): x [B, T*C] -> h [B, H]. */
Tensor *mlp_hidden(const Mlp *m, Tensor *x);

/** @brief lab03.4: logits = h @ W2 + b2: h [B, H] -> logits [B, V]. */
Tensor *mlp_output(const Mlp *m, Tensor *h);

/**
 * @brief lab03.5: the mean negative log-likelihood, composed from primitive ops:
 * counts = exp(logits), probs = counts / counts.sum(1), pick probs[b, Y[b]],
 * -log, mean. logits [B, V], Y [B] (borrowed until backward) -> [1].
 * Overflows for logits above ~88 (exp(89) is inf in float32): see mlp_loss.
 */
Tensor *loss_by_hand(Tensor *logits, const int *Y);

/** @brief lab03.6: the same loss through the core's fused F.cross_entropy (tensor_cross_entropy): logits [B, V] -> [1]. */
Tensor *mlp_loss(Tensor *logits, const int *Y);

/**
 * @brief lab03.7: overfit one batch, the lecture's first training loop:
 * @p steps full-batch gradient steps on all ds->n examples at once (forward,
 * zero the grads, backward, `p.data += -lr * p.grad`, reset the step arena).
 * @p losses, if not NULL, receives each step's loss (before its update).
 * @return the last step's loss.
 */
float mlp_overfit(Mlp *m, const Dataset *ds, int steps, float lr, float *losses);

/**
 * @brief lab03.8: one minibatch SGD step: draw @p B example indices with
 * rng_randint(r, 0, tr->n) (the lecture's
 * `torch.randint(0, Xtr.shape[0], (32,), generator=g)`), forward, zero the
 * grads, backward, `p.data += -lr * p.grad`, then graph_step_reset(). If
 * @p ix_out is not NULL the B indices drawn are copied there.
 * @return the minibatch loss before the update (the lecture's `loss.item()`).
 */
float mlp_train_step(Mlp *m, const Dataset *tr, TorchRng *r, int B, float lr, int *ix_out);

/**
 * @brief lab03.9: the lecture's search: for i in 0..n-1, one mlp_train_step
 * with lr = 10^lre[i]; losses[i] receives that step's loss. The model keeps
 * training across the sweep (each step starts from the last), as in the lecture.
 */
void lr_search(Mlp *m, const Dataset *tr, TorchRng *r, int B, const float *lre, int n, float *losses);

/** @brief lab03.10: the lecture's schedule: @p lr before step @p decay_at, lr/10 from then on (`0.1 if i < 100000 else 0.01`). */
float mlp_lr_at(long step, long decay_at, float lr);

/**
 * @brief lab03.11: the mean loss over every example of @p ds (the lecture's
 * `split_loss('train')`), without recording gradients. The core's split_loss
 * (minibatch.h) does the no-grad mode and the chunks; you give it the loss.
 */
double mlp_split_loss(Mlp *m, const Dataset *ds);

/**
 * @brief lab03.12: sample one name, as the lecture's loop: context "...";
 * repeat: forward one context, softmax, ix = rng_multinomial_race(probs)
 * (torch 1.13's `multinomial(probs, 1)`), shift ix into the context, append
 * itos(ix); stop after '.'. Writes a NUL-terminated string (ending in '.')
 * into @p out; a name that would not fit in @p cap - 1 characters is cut there
 * (no '.'). @return the number of characters written, or -1 if the
 * probabilities are not finite (a diverged model).
 */
int mlp_sample_name(Mlp *m, TorchRng *r, char *out, int cap);

#endif /* LAB03_MLP_H */
