/**
 * @file nn.h
 * @brief Lab 02: the bigram model as a neural net (makemore part 1, second half).
 *
 * What it is: the functions you write, in the order the lecture types them.
 * The same model as lab 01, a 27x27 table, but learned by gradient descent
 * instead of counted. One linear layer W [V, V], no bias: encode the current
 * character one-hot, `logits = xenc @ W` (read as log-counts),
 * `counts = exp(logits)`, normalise the rows to probabilities, and minimise the
 * average negative log-likelihood of the next character, plus a small
 * `0.01 * mean(W^2)` that plays the role of lab 01's smoothing.
 * What it is not: the autograd (the core's tensor.h does backward), the
 * training loop over the whole dataset and the figures' files (given.h), or
 * the command line (main.c).
 *
 * Shapes: V = 27 ('.' = 0, 'a'..'z' = 1..26), n = number of (x, y) pairs
 * (228,146 for makemore's names.txt, 229,804 for data/names.txt).
 *   xs, ys  [n]     int indices: y is the character that follows x
 *   xenc    [n, V]  one-hot rows
 *   W       [V, V]  the weights (a parameter: lives in the graph's params arena)
 *   logits, counts, probs  [n, V]
 *   loss    [1]
 *
 * Memory: Pairs owns two malloc'ed arrays (free them with nn_pairs_free, in
 * given.h). Every tensor an op returns lives in the graph's step arena until
 * graph_step_reset().
 *
 * Next: build the (x, y) pairs (nn_pairs_build, lab02.1), then `make check LAB=02`.
 */
#ifndef LAB02_NN_H
#define LAB02_NN_H

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
 * Free with nn_pairs_free() (given.h).
 */
void nn_pairs_build(Pairs *p, const Words *w);

/**
 * @brief lab02.2: the lecture's logits: `xenc = F.one_hot(xs, 27).float()`,
 * `logits = xenc @ W`.
 * @param g   the graph whose step arena holds the results
 * @param W   [V, V] weights
 * @param xs  [n] indices (borrowed)
 * @param n   how many
 * @return logits [n, V]; requires grad when W does
 */
Tensor *nn_logits(Graph *g, Tensor *W, const int *xs, int n);

/**
 * @brief lab02.3: softmax written out as the lecture does, with the core ops:
 * `counts = logits.exp()`, `probs = counts / counts.sum(1, keepdims=True)`.
 * Each ROW is normalised: row i is the distribution of the character after
 * example i. (The broadcasting trap of this step is in the handout.)
 * @param logits [n, V] (n = V = 27 too: the driver calls it on W itself)
 * @return probs [n, V], each row sums to 1
 */
Tensor *nn_softmax(Tensor *logits);

/**
 * @brief lab02.4: the loss, `-probs[arange(n), ys].log().mean() + reg * (W**2).mean()`.
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

/**
 * @brief lab02.5: one step of gradient descent on all of @p d, the body of the
 * lecture's training loop: forward (nn_logits, nn_softmax, nn_loss), zero the
 * gradient, backward, `W.data += -lr * W.grad`, then graph_step_reset(g).
 * @return the loss of the forward pass (before the update)
 */
float nn_step(Graph *g, Tensor *W, const Pairs *d, float lr, float reg);

/**
 * @brief lab02.6: sample one name from the trained net, walking the chain from
 * '.' like lab 01 but with `p = softmax(W[ix])` (exp, then divide by the row
 * sum, in float32) and one rng_multinomial_replacement() draw per character.
 * @param W    [V, V] weights (only ->data is read)
 * @param g    the generator (fresh seed 2147483647 gives the lecture's names)
 * @param out  receives the name ending in '.', and a NUL
 * @param cap  room in @p out (>= 2); a longer name is cut at cap - 1 characters
 * @return the length of the name written
 */
int nn_sample(const Tensor *W, TorchRng *g, char *out, int cap);

#endif /* LAB02_NN_H */
