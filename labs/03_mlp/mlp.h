/**
 * @file mlp.h
 * @brief Lab 03: the neural probabilistic language model of Bengio et al. 2003
 *        (makemore part 2), as the functions you write and the model they share.
 *
 * What it is: a character-level MLP. Each example is the T previous characters;
 * each character looks up a learned vector of C numbers (the embedding table
 * `C`), the T vectors are concatenated, go through one tanh hidden layer of H
 * units and a linear layer to V = 27 logits for the next character.
 *
 *     X [B, T] --C[X]--> emb [B, T, C] --view--> [B, T*C]
 *              --@ W1 + b1, tanh--> h [B, H] --@ W2 + b2--> logits [B, V]
 *
 * What it is not: the core. The tensors, autograd, random numbers, data loading
 * and checkpoints come from common/ (tensor.h, rng.h, data.h, checkpoint.h); here
 * you only wire them together. Not here either: the fixes to this net's bad
 * initialisation (that is lab 04).
 *
 * Ownership: an Mlp's tensors live in the Graph passed to mlp_init() and die
 * with graph_free(); an Mlp needs no free of its own. Tensors returned by the
 * forward functions live in the graph's step arena until graph_step_reset().
 *
 * The steps (each a TODO in mlp.c, each a test in tests/lab03_test.c):
 *   lab03.1 build_dataset      lab03.2 mlp_embed        lab03.3 mlp_hidden, mlp_output
 *   lab03.4 loss_by_hand, mlp_loss                       lab03.5 mlp_lr_at, mlp_train_step
 *   lab03.6 lr_search          lab03.7 mlp_split_loss, mlp_sample_name
 * Next after this header: mlp.c, step lab03.1.
 */
#ifndef LAB03_MLP_H
#define LAB03_MLP_H

#include <stdbool.h>

#include "data.h"    // Words, Dataset, stoi/itos, VOCAB
#include "rng.h"     // TorchRng: rng_randint, rng_multinomial_race
#include "tensor.h"  // Tensor, Graph, the ops

/** The lecture's hyperparameters (makemore part 2, final model). */
#define MLP_BLOCK 3           /**< T: characters of context */
#define MLP_EMB 10            /**< C: embedding size */
#define MLP_HIDDEN 200        /**< H: hidden units */
#define MLP_BATCH 32          /**< B: minibatch size */
#define MLP_STEPS 200000L     /**< training steps */
#define MLP_LR 0.1            /**< learning rate, divided by 10 after half the steps */
#define MLP_SAMPLE_SEED (2147483647ULL + 10) /**< the lecture re-seeds with this before sampling */
#define MLP_NPARAMS 5         /**< C, W1, b1, W2, b2 */

/** The model: five parameter tensors and their sizes. */
typedef struct Mlp {
    int T;          /**< block size: characters of context */
    int n_embd;     /**< C in the shapes: numbers per character */
    int n_hidden;   /**< H: hidden units */
    Graph *g;       /**< where the parameters live (borrowed) */
    Tensor *C;      /**< [V, C]    embedding table: row i is character i's vector */
    Tensor *W1;     /**< [T*C, H]  hidden layer weights */
    Tensor *b1;     /**< [H]       hidden layer bias */
    Tensor *W2;     /**< [H, V]    output layer weights */
    Tensor *b2;     /**< [V]       output layer bias */
    Tensor *params[MLP_NPARAMS]; /**< C, W1, b1, W2, b2: the lecture's `parameters` list, in its order */
} Mlp;

/* ------------------------------------------------------------------------- */
/** @name Given: the model's parameters */
/** @{ */
/**
 * @brief Make the five parameters in @p g and fill them as the lecture does,
 * all plain `torch.randn` from one generator, in the order
 * C [V, C], W1 [T*C, H], b1 [H], W2 [H, V], b2 [V]. With @p r seeded to
 * 2147483647 and T, C, H = 3, 10, 200 these are the lecture's weights exactly
 * (11,897 numbers). @p r then continues to draw the minibatches.
 */
void mlp_init(Mlp *m, Graph *g, int T, int n_embd, int n_hidden, TorchRng *r);

/** @brief The whole forward pass on @p B examples X [B, T] (int, row-major): logits [B, V]. Calls lab03.2 and lab03.3. */
Tensor *mlp_forward(const Mlp *m, const int *X, int B);
/** @} */

/* ------------------------------------------------------------------------- */
/** @name lab03.1: the dataset */
/** @{ */
/**
 * @brief The lecture's build_dataset: for each word, start with context [0]*T
 * ("..."); for each ch in word + '.', emit the example (context, stoi(ch)) and
 * shift ch into the context. A word of length L gives L + 1 examples.
 * Fills @p ds (X [n, T] and Y [n], malloc'ed, freed by dataset_free()).
 * An empty @p w gives an empty dataset (n = 0, X and Y NULL).
 */
void build_dataset(Dataset *ds, const Words *w, int T);
/** @} */

/* ------------------------------------------------------------------------- */
/** @name lab03.2 and lab03.3: the forward pass */
/** @{ */
/**
 * @brief emb = C[X] as [B, T, C], flattened with a view (no copy) to [B, T*C]:
 * the T vectors of an example side by side. @p X [B, T] is borrowed until backward.
 */
Tensor *mlp_embed(const Mlp *m, const int *X, int B);
/** @brief h = tanh(x @ W1 + b1): x [B, T*C] -> h [B, H]. */
Tensor *mlp_hidden(const Mlp *m, Tensor *x);
/** @brief logits = h @ W2 + b2: h [B, H] -> logits [B, V]. */
Tensor *mlp_output(const Mlp *m, Tensor *h);
/** @} */

/* ------------------------------------------------------------------------- */
/** @name lab03.4: the loss */
/** @{ */
/**
 * @brief The mean negative log-likelihood, composed from primitive ops:
 * counts = exp(logits), probs = counts / counts.sum(1), pick probs[b, Y[b]],
 * -log, mean. logits [B, V], Y [B] (borrowed until backward) -> [1].
 * Overflows for logits above ~88 (exp(89) is inf in float32): see mlp_loss.
 */
Tensor *loss_by_hand(Tensor *logits, const int *Y);
/** @brief The same loss through the core's fused F.cross_entropy (tensor_cross_entropy): logits [B, V] -> [1]. */
Tensor *mlp_loss(Tensor *logits, const int *Y);
/** @} */

/* ------------------------------------------------------------------------- */
/** @name lab03.5: minibatch training */
/** @{ */
/** @brief The lecture's schedule: @p lr for the first half of @p steps, lr/10 after (`0.1 if i < 100000 else 0.01`). */
float mlp_lr_at(long step, long steps, float lr);
/**
 * @brief One SGD step: draw @p B example indices with rng_randint(r, 0, tr->n)
 * (the lecture's `torch.randint(0, Xtr.shape[0], (32,), generator=g)`),
 * forward, zero the grads, backward, `p.data += -lr * p.grad`, then
 * graph_step_reset(). If @p ix_out is not NULL the B indices drawn are copied
 * there.
 * @return the minibatch loss before the update (the lecture's `loss.item()`).
 */
float mlp_train_step(Mlp *m, const Dataset *tr, TorchRng *r, int B, float lr, int *ix_out);
/** @} */

/* ------------------------------------------------------------------------- */
/** @name lab03.6: finding a learning rate */
/** @{ */
/**
 * @brief Given: `torch.linspace(start, end, n)` in float32, computed the way
 * torch 1.13's CPU kernel does (see mlp.c), so exponent i is the lecture's lre[i].
 */
void linspace_f32(float *out, float start, float end, int n);
/**
 * @brief The lecture's search: for i in 0..n-1, one mlp_train_step with
 * lr = 10^lre[i]; losses[i] receives that step's loss. The model keeps training
 * across the sweep (each step starts from the last), as in the lecture.
 */
void lr_search(Mlp *m, const Dataset *tr, TorchRng *r, int B, const float *lre, int n, float *losses);
/** @} */

/* ------------------------------------------------------------------------- */
/** @name lab03.7: evaluation and sampling */
/** @{ */
/**
 * @brief The mean loss over every example of @p ds (the lecture's
 * `F.cross_entropy(model(Xtr), Ytr)`), in batches through eval_in_batches()
 * (train.h), in no-grad mode: no tape, no gradients touched.
 */
double mlp_split_loss(Mlp *m, const Dataset *ds);
/**
 * @brief Sample one name, as the lecture's loop: context "..."; repeat:
 * forward one context, softmax, ix = rng_multinomial_race(probs) (torch 1.13's
 * `multinomial(probs, 1)`), shift ix into the context, append itos(ix); stop
 * after '.'. Writes a NUL-terminated string (ending in '.') into @p out; a name
 * that would not fit in @p cap - 1 characters is cut there (no '.').
 * @return the number of characters written.
 */
int mlp_sample_name(Mlp *m, TorchRng *r, char *out, int cap);
/** @} */

/* ------------------------------------------------------------------------- */
/** @name Given: the embedding picture */
/** @{ */
/**
 * @brief Write `<dir>/embedding.tsv`: header `# char x y`, then one row per
 * character ('.', a..z) with the first two numbers of its row of C.
 * @return 0, or -1 (message on stderr) if the file cannot be written.
 */
int mlp_write_embedding(const Mlp *m, const char *dir);
/** @} */

#endif /* LAB03_MLP_H */
