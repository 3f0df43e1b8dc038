/**
 * @file given.h
 * @brief Lab 03, given code: read it, you do not edit it. The model's
 *        parameters, the forward pass that chains your layers, and the helpers
 *        the driver uses (the learning-rate exponents, the embedding picture).
 *
 * What it is: the MLP of Bengio et al. 2003 as the lecture sets it up, in the
 * vocabulary labs 03 to 05 share (Mlp, n_embd, n_hidden, T, mlp_init,
 * mlp_forward), so that `diff` against lab 04's given.h shows what the lecture
 * changed. What it is not: the functions you write (mlp.h, mlp.c).
 *
 *     X [B, T] --C[X]--> emb [B, T, C] --view--> [B, T*C]
 *              --@ W1 + b1, tanh--> h [B, H] --@ W2 + b2--> logits [B, V]
 *
 * Ownership: an Mlp's tensors live in the Graph passed to mlp_init() and die
 * with graph_free(); an Mlp needs no free of its own. Tensors returned by the
 * forward functions live in the graph's step arena until graph_step_reset().
 */
#ifndef LAB03_GIVEN_H
#define LAB03_GIVEN_H

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

/** The lecture's first, exploratory net: 2 numbers per character, 100 hidden units (3,481 parameters). */
#define MLP_SMALL_EMB 2
#define MLP_SMALL_HIDDEN 100

/** The model: five parameter tensors and their sizes. */
typedef struct Mlp {
    Graph *g;       /**< where the parameters live (borrowed) */
    int T;          /**< block size: characters of context */
    int n_embd;     /**< C in the shapes: numbers per character */
    int n_hidden;   /**< H: hidden units */
    Tensor *C;      /**< [V, C]    embedding table: row i is character i's vector */
    Tensor *W1;     /**< [T*C, H]  hidden layer weights */
    Tensor *b1;     /**< [H]       hidden layer bias */
    Tensor *W2;     /**< [H, V]    output layer weights */
    Tensor *b2;     /**< [V]       output layer bias */
    Tensor *params[MLP_NPARAMS]; /**< C, W1, b1, W2, b2: the lecture's `parameters` list, in its order */
} Mlp;

/**
 * @brief Make the five parameters in @p g and fill them as the lecture does,
 * all plain `torch.randn` from one generator, in the order
 * C [V, C], W1 [T*C, H], b1 [H], W2 [H, V], b2 [V]. With @p r seeded to
 * 2147483647 and T, C, H = 3, 10, 200 these are the lecture's weights exactly
 * (11,897 numbers). @p r then continues to draw the minibatches.
 */
void mlp_init(Mlp *m, Graph *g, int T, int n_embd, int n_hidden, TorchRng *r);

/** @brief The whole forward pass on @p B examples X [B, T] (int, row-major): logits [B, V]. Calls your lab03.2 to lab03.4. */
Tensor *mlp_forward(const Mlp *m, const int *X, int B);

/**
 * @brief The mean loss of @p n examples X [n, T], Y [n] through mlp_forward
 * and your mlp_loss: [1]. @p model is an Mlp; this is the form the core's
 * split_loss (minibatch.h) calls.
 */
Tensor *mlp_loss_of(void *model, const int *X, const int *Y, int n);

/**
 * @brief The lowest mean loss any model can reach on @p ds: each distinct
 * context predicts the frequencies of the characters that follow it there.
 * 0 only when no context is followed by two different characters. O(n^2):
 * for small datasets (the overfitting demo's 32 examples).
 */
double dataset_min_loss(const Dataset *ds);

/**
 * @brief `torch.linspace(start, end, n)` in float32, computed the way torch
 * 1.13's CPU kernel does, so exponent i is the lecture's lre[i] bit for bit.
 */
void linspace_f32(float *out, float start, float end, int n);

/**
 * @brief Where the sweep's loss is lowest: the window of @p w consecutive
 * steps with the smallest mean (each point is one noisy minibatch), skipping
 * windows with a non-finite loss. @return the middle step of that window and
 * its mean in @p best_mean, or -1 when every window has a non-finite loss.
 */
int lr_sweep_best(const float *losses, int n, int w, double *best_mean);

/**
 * @brief Write `<dir>/embedding.tsv`: header `# char x y`, then one row per
 * character ('.', a..z) with the first two numbers of its row of C.
 * @return 0, or -1 (message on stderr) if the file cannot be written.
 */
int mlp_write_embedding(const Mlp *m, const char *dir);

#endif /* LAB03_GIVEN_H */
