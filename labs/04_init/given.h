/**
 * @file given.h
 * @brief Lab 04, given code: read it, you do not edit it. Lab 03's MLP, in
 *        lab 03's words, with a forward pass that also hands back the hidden
 *        layer for the diagnostics, and the pieces of the lecture's aside.
 *
 * What it is: the model of lab 03, unchanged: the same struct, the same draw
 * order, the same forward pass (`diff solutions/03_mlp/given.h
 * solutions/04_init/given.h` shows what this lecture adds: a probe on the
 * forward pass, the four starting points, the activation functions). The
 * training step and the split loss are lab 03's too, now written once here
 * with the core's minibatch.h. What it is not: the functions you write
 * (init.h, init.c), which change only where training starts.
 *
 *     X [B, T] --C[X]--> emb [B, T, C] --view--> [B, T*C]
 *              --@ W1 + b1--> hpreact [B, H] --tanh--> h [B, H]
 *              --@ W2 + b2--> logits [B, V]
 *
 * Ownership: an Mlp's tensors live in the Graph passed to mlp_init() and die
 * with graph_free(); an Mlp needs no free of its own. Tensors returned by the
 * forward functions live in the graph's step arena until graph_step_reset().
 */
#ifndef LAB04_GIVEN_H
#define LAB04_GIVEN_H

#include <stdbool.h>

#include "data.h"    // Dataset, VOCAB
#include "rng.h"     // TorchRng
#include "tensor.h"  // Tensor, Graph, the ops

/** The lecture's hyperparameters (makemore part 3, the same net as part 2). */
#define MLP_BLOCK 3           /**< T: characters of context */
#define MLP_EMB 10            /**< C: embedding size */
#define MLP_HIDDEN 200        /**< H: hidden units */
#define MLP_BATCH 32          /**< B: minibatch size */
#define MLP_STEPS 200000L     /**< training steps */
#define MLP_LR 0.1            /**< learning rate, divided by 10 after half the steps */
#define MLP_NPARAMS 5         /**< C, W1, b1, W2, b2 */
#define SAT_THRESH 0.99f      /**< |h| above this counts as saturated (the lecture's picture) */

/** The model: five parameter tensors and their sizes (lab 03's). */
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
 * @brief Make the five parameters in @p g and fill them as lab 03 did, all
 * plain `torch.randn` from one generator, in the order C [V, C], W1 [T*C, H],
 * b1 [H], W2 [H, V], b2 [V]. Your init_stage() then rescales them: the draws
 * stay the same, so every stage starts from the same random numbers.
 */
void mlp_init(Mlp *m, Graph *g, int T, int n_embd, int n_hidden, TorchRng *r);

/** @brief The whole forward pass on @p B examples X [B, T] (int, row-major): logits [B, V]. */
Tensor *mlp_forward(const Mlp *m, const int *X, int B);

/** What mlp_forward_probe hands back besides the logits (step arena). */
typedef struct MlpProbe {
    Tensor *hpreact;  /**< [B, H] emb @ W1 + b1, before the tanh */
    Tensor *h;        /**< [B, H] tanh(hpreact) */
} MlpProbe;

/** @brief mlp_forward, with the hidden layer before and after its tanh in @p probe: logits [B, V]. */
Tensor *mlp_forward_probe(const Mlp *m, const int *X, int B, MlpProbe *probe);

/** @brief The mean loss of @p n examples X [n, T], Y [n]: [1]. @p model is an Mlp (the form split_loss calls). */
Tensor *mlp_loss_of(void *model, const int *X, const int *Y, int n);

/** @brief The mean loss over every example of @p ds, without gradients (lab 03's mlp_split_loss, with the core's split_loss). */
double mlp_split_loss(Mlp *m, const Dataset *ds);

/**
 * @brief One minibatch SGD step, lab 03's: draw @p B examples (the core's
 * batch_draw, `torch.randint(0, n, (B,), generator=g)`), forward, zero the
 * grads, backward, `p.data += -lr * p.grad`, graph_step_reset(). If
 * @p ix_out is not NULL the B indices drawn are copied there.
 * @return the minibatch loss before the update.
 */
float mlp_train_step(Mlp *m, const Dataset *tr, TorchRng *r, int B, float lr, int *ix_out);

/* ------------------------------------------------------------------------- */
/* The four starting points of the lecture                                   */
/* ------------------------------------------------------------------------- */

/** The four starts of the lecture, in the order it tries them. */
typedef enum InitStage {
    STAGE_ORIGINAL = 0, /**< lab 03 as it was: every tensor plain randn */
    STAGE_SOFTMAX = 1,  /**< the softmax fix (init_fix_softmax) */
    STAGE_TANH = 2,     /**< the softmax fix and the tanh fix (init_fix_tanh) */
    STAGE_KAIMING = 3,  /**< the softmax fix and Kaiming for the hidden layer (init_kaiming) */
    STAGE_COUNT = 4
} InitStage;

/** @brief "original", "softmax", "tanh", "kaiming"; NULL for anything else. */
const char *stage_name(InitStage s);
/** @brief The stage named @p name (as stage_name spells it), or -1. */
int stage_from_name(const char *name);

/* ------------------------------------------------------------------------- */
/* The aside: activation functions                                           */
/* ------------------------------------------------------------------------- */

/** The activation functions of the lecture's aside. */
typedef enum ActKind { ACT_TANH, ACT_SIGMOID, ACT_RELU, ACT_LEAKY_RELU, ACT_ELU, ACT_COUNT } ActKind;
/** @brief "tanh", "sigmoid", "relu", "leaky_relu", "elu". */
const char *act_name(ActKind k);
/**
 * @brief f(x) and its derivative f'(x) for activation @p k (leaky slope 0.01,
 * ELU alpha 1). Where f' goes to zero the gradient vanishes: a neuron that
 * sits there stops learning.
 */
void act_eval(ActKind k, double x, double *f, double *df);

#endif /* LAB04_GIVEN_H */
