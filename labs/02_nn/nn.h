/**
 * @file nn.h
 * @brief Lab 02: the bigram model as a neural net (makemore part 1, second half).
 *
 * What it is: the same model as lab 01, a 27x27 table, but learned by gradient
 * descent instead of counted. One linear layer W [V, V], no bias: encode the
 * current character one-hot, `logits = xenc @ W` (read as log-counts),
 * `counts = exp(logits)`, normalise the rows to probabilities, and minimise the
 * average negative log-likelihood of the next character, plus a small
 * `0.01 * mean(W^2)` that plays the role of lab 01's smoothing.
 * What it is not: the autograd (the core's tensor.h does backward) or the
 * driver (main.c: flags, logs, the figures' TSV files).
 *
 * Shapes: V = 27 ('.' = 0, 'a'..'z' = 1..26), n = number of (x, y) pairs
 * (228,146 for makemore's names.txt, 229,804 for data/names.txt).
 *   xs, ys  [n]     int indices: y is the character that follows x
 *   xenc    [n, V]  one-hot rows
 *   W       [V, V]  the weights (a parameter: lives in the graph's params arena)
 *   logits, counts, probs  [n, V]
 *   loss    [1]
 *   N       [V, V]  the bigram count table (the fast path, NnCounts)
 *
 * Memory: Pairs owns two malloc'ed arrays (free them with nn_pairs_free). Every
 * tensor an op returns lives in the graph's step arena until graph_step_reset().
 *
 * Next: build the (x, y) pairs (nn_pairs_build, lab02.1), then `make check LAB=02`.
 */
#ifndef LAB02_NN_H
#define LAB02_NN_H

#include <stdbool.h>

#include "data.h"     // Words, VOCAB, stoi, itos
#include "rng.h"      // TorchRng, rng_multinomial_replacement
#include "tensor.h"   // Tensor, Graph and the ops

/** The training set: n pairs (xs[i], ys[i]) of bigram indices. */
typedef struct Pairs {
    int *xs;   /**< [n] the current character (owned, malloc) */
    int *ys;   /**< [n] the character that follows it (owned, malloc) */
    int n;     /**< number of pairs: the sum over words of (length + 1) */
} Pairs;

/**
 * @brief lab02.1: the bigrams of every word as (x, y) index pairs, in order.
 *
 * For each word w, the pairs of '.' + w + '.': x = stoi(first), y = stoi(second).
 * "emma" gives xs = [0, 5, 13, 13, 1], ys = [5, 13, 13, 1, 0] (.e em mm ma a.).
 * @param p  filled: p->xs and p->ys are malloc'ed with room for p->n pairs
 * @param w  the names (borrowed)
 * Free with nn_pairs_free().
 */
void nn_pairs_build(Pairs *p, const Words *w);

/** @brief Free what nn_pairs_build() made; @p p stays valid and empty. NULL is a no-op. (Provided: not a TODO.) */
void nn_pairs_free(Pairs *p);

/**
 * @brief lab02.2: the lecture's logits: `xenc = F.one_hot(xs, 27).float()`,
 * `logits = xenc @ W`.
 * @param g   the graph whose step arena holds the results
 * @param W   [V, V] weights
 * @param xs  [n] indices (borrowed)
 * @return logits [n, V]; requires grad when W does
 */
Tensor *nn_logits_onehot(Graph *g, Tensor *W, const int *xs, int n);

/**
 * @brief lab02.2: the same logits without the one-hot matrix: row i of
 * `xenc @ W` is row xs[i] of W (the one 1 picks it, the 26 zeros add nothing),
 * so the product is a row gather, `W[xs]`. Equal bit for bit, and about 27
 * times less work; the backward adds each row's gradient into W[xs[i]].
 * @param W   [V, V] weights
 * @param xs  [n] indices, borrowed until backward has run
 * @return logits [n, V]
 */
Tensor *nn_logits_gather(Tensor *W, const int *xs, int n);

/**
 * @brief lab02.2: softmax written out as the lecture does, with the core ops:
 * `counts = logits.exp()`, `probs = counts / counts.sum(1, keepdims=True)`.
 * @param logits [n, V]
 * @return probs [n, V], each row sums to 1
 */
Tensor *nn_softmax(Tensor *logits);

/**
 * @brief lab02.3: the loss, `-probs[arange(n), ys].log().mean() + reg * (W**2).mean()`.
 * The first term is the average NLL of the correct next characters (the same
 * number lab 01 computes for its table); the second pulls W toward 0, i.e.
 * every row toward the uniform distribution. The lecture uses reg = 0.01 on
 * the full data and no regularisation (reg = 0) in the 5-example demo.
 * @param probs [n, V]
 * @param W     [V, V]
 * @param ys    [n] targets, borrowed until backward has run
 * @param reg   weight of the regularisation
 * @return loss [1]
 */
Tensor *nn_loss(Tensor *probs, Tensor *W, const int *ys, float reg);

/** Three ways to compute the same probabilities [n, V] in nn_step (lab02.4). */
typedef enum NnForward {
    NN_ONEHOT = 0, /**< the lecture's code: softmax(one_hot(xs) @ W); ~27x the work of a gather */
    NN_GATHER = 1, /**< softmax(W[xs]): the same logits without the one-hot matrix */
    NN_ROWS = 2    /**< softmax(W)[xs]: only 27 distinct inputs, so only 27 distinct rows of probs:
                        normalise each row of W once, then gather. Same forward values, far less work */
} NnForward;

/**
 * @brief lab02.4: one step of full-batch gradient descent on all of @p d:
 * forward along @p path (all three give the same loss), the loss, zero the
 * gradient, backward, `W.data += -lr * W.grad`, then graph_step_reset(g).
 * @return the loss of the forward pass (before the update)
 */
float nn_step(Graph *g, Tensor *W, const Pairs *d, float lr, float reg, NnForward path);

/**
 * @brief lab02.4: sample one name from the trained net, walking the chain from
 * '.' like lab 01 but with `p = softmax(W[ix])` (exp, then divide by the row
 * sum, in float32) and one rng_multinomial_replacement() draw per character.
 * @param W    [V, V] weights (only ->data is read)
 * @param g    the generator (fresh seed 2147483647 gives the lecture's names)
 * @param out  receives the name ending in '.', and a NUL
 * @param cap  room in @p out (>= 2); a longer name is cut at cap - 1 characters
 * @return the length of the name written
 */
int nn_sample(const Tensor *W, TorchRng *g, char *out, int cap);

/* ------------------------------------------------------------------------- */
/* The fast path (provided, not a TODO): the same loss from the count table    */
/* ------------------------------------------------------------------------- */

/**
 * The training set as this model sees it. The model's prediction for pair i
 * depends only on x_i, which takes 27 values, so the n terms of the loss are
 * only 27 x 27 different numbers, log softmax(W[x])[y], each repeated
 * N[x][y] times. The count table N (lab 01's table) is therefore a sufficient
 * statistic: the loss and its gradient depend on the pairs only through it.
 */
typedef struct NnCounts {
    float N[VOCAB * VOCAB];  /**< [V, V] N[x][y]: how many pairs are (x, y). Floats hold
                                  whole numbers exactly up to 2^24, checked on build */
    long n;                  /**< number of pairs, the sum of N */
} NnCounts;

/**
 * @brief Count the pairs into @p c (lab 01's count table): one pass over the
 * n pairs, done once before training.
 * @param c  filled (nothing to free: the table is inside the struct)
 * @param d  the pairs (borrowed; not needed by the counts path afterwards)
 */
void nn_counts_build(NnCounts *c, const Pairs *d);

/**
 * @brief The loss of nn_loss(), full batch, from the counts:
 * `-(1/n) sum_{x,y} N[x][y] * log(softmax(W)[x][y]) + reg * mean(W**2)`,
 * with the same ops on [V, V] instead of [n, V] (your nn_softmax on the 27
 * rows of W, log, times N, sum). Equal to the lecture's one-hot loss up to
 * summation order (tested); the core's backward then gives
 * `dW = (1/n) * (rowcount[x] * softmax(W[x]) - N[x]) + reg * 2 * W / 729`.
 * @param g    the graph whose step arena holds the results (N is copied there)
 * @param W    [V, V] weights
 * @param c    the counts (borrowed)
 * @param reg  weight of the regularisation
 * @return loss [1]; requires grad when W does
 */
Tensor *nn_loss_counts(Graph *g, Tensor *W, const NnCounts *c, float reg);

/**
 * @brief One full-batch gradient descent step through nn_loss_counts(): the
 * same update as nn_step() on the pairs @p c was built from, but its work and
 * memory are 27 x 27, whatever n is (the driver's default, `--forward counts`).
 * Zeroes W's grad, runs backward, `W.data += -lr * W.grad`, graph_step_reset(g).
 * @return the loss of the forward pass (before the update)
 */
float nn_step_counts(Graph *g, Tensor *W, const NnCounts *c, float lr, float reg);

#endif /* LAB02_NN_H */
