/**
 * @file init.h
 * @brief Lab 04: initialization. The lab 03 MLP, started four ways, and the
 *        statistics that tell a good start from a bad one.
 *
 * What it is: the model (the same MLP as lab 03: C, W1, b1, W2, b2; block 3,
 * embedding 10, hidden 200), its given forward pass and training loop, and the
 * functions you write: the expected first loss and the softmax fix (lab04.1),
 * tanh saturation statistics and the tanh fix (lab04.2), Kaiming's scale
 * (lab04.3), and the lecture's four initializations in draw order (lab04.4).
 * What it is not: a new architecture, or an optimizer. Plain SGD, as lab 03.
 *
 * Shapes: B batch (32), T block size (3), C embedding size (10), H hidden (200),
 * V vocabulary (27). Next: read labs/04_init/README.md, then `make lab04`.
 */
#ifndef LAB04_INIT_H
#define LAB04_INIT_H

#include <stdbool.h>

#include "data.h"    // Dataset, VOCAB
#include "rng.h"     // TorchRng
#include "tensor.h"  // Tensor, Graph, tensor_scale_
#include "train.h"   // TsvLog (output.h), kit_loss_ok, eval_in_batches

/** The lecture's hyperparameters (makemore part 3, same net as part 2). */
#define INIT_BLOCK 3          /**< T */
#define INIT_EMB 10           /**< C */
#define INIT_HIDDEN 200       /**< H */
#define INIT_BATCH 32         /**< B */
#define INIT_STEPS 200000L    /**< training steps */
#define INIT_LR 0.1           /**< learning rate; / 10 after half the steps */
#define SAT_THRESH 0.99f      /**< |h| above this counts as saturated (the lecture's picture) */

/** The MLP of lab 03. Every tensor is in the params arena of @c g. */
typedef struct Mlp {
    Graph *g;      /**< borrowed: the graph that owns the tensors */
    int T;         /**< block size: context characters (3) */
    int n_embd;    /**< C in the shapes: embedding size per character (10) */
    int n_hidden;  /**< H: hidden units (200) */
    Tensor *C;     /**< [V, C] embedding table */
    Tensor *W1;    /**< [T*C, H] */
    Tensor *b1;    /**< [H] */
    Tensor *W2;    /**< [H, V] */
    Tensor *b2;    /**< [V] */
    Tensor *params[5]; /**< C, W1, b1, W2, b2: the lecture's `parameters` list, in that order */
} Mlp;

/** The four starts of the lecture, in the order it tries them. */
typedef enum InitStage {
    STAGE_ORIGINAL = 0, /**< lab 03 as it was: every tensor plain randn */
    STAGE_SOFTMAX = 1,  /**< softmax fix: W2 * 0.01, b2 * 0 */
    STAGE_TANH = 2,     /**< + tanh fix: W1 * 0.2, b1 * 0.01 */
    STAGE_KAIMING = 3,  /**< softmax fix + W1 * (5/3)/sqrt(30), b1 * 0.01 */
    STAGE_COUNT = 4
} InitStage;

/** @brief "original", "softmax", "tanh", "kaiming"; NULL for anything else. */
const char *stage_name(InitStage s);
/** @brief The stage named @p name (as stage_name spells it), or -1. */
int stage_from_name(const char *name);

/* ------------------------------------------------------------------------- */
/* lab04.1  the expected first loss, and the softmax fix                       */
/* ------------------------------------------------------------------------- */

/**
 * @brief The loss of a model that knows nothing: it gives each of the @p V
 * characters probability 1/V, so every example costs -log(1/V).
 * For V = 27: 3.2958. This is what the first loss should be.
 */
float expected_first_loss(int V);

/**
 * @brief The softmax fix, in place: W2 *= 0.01 and b2 *= 0, so the first
 * logits are all near zero and the first softmax near uniform. W2 must not be
 * exactly zero (see the handout). Touches nothing else.
 */
void init_fix_softmax(Mlp *m);

/* ------------------------------------------------------------------------- */
/* lab04.2  tanh saturation, and the tanh fix                                  */
/* ------------------------------------------------------------------------- */

/** What tanh_saturation() measures on a batch of hidden activations. */
typedef struct SatStats {
    double frac;    /**< fraction of the B*H values with |h| > thresh */
    int dead_cols;  /**< neurons (columns) saturated for every one of the B examples: their tanh passes no gradient at all for this batch */
} SatStats;

/**
 * @brief Saturation of h [B, H] (row-major): which values have |h| > @p thresh.
 * @param mask  NULL, or B*H bytes: 1 where |h| > thresh, else 0 (the lecture's
 *              black-and-white picture). Owned by the caller.
 */
SatStats tanh_saturation(const float *h, int B, int H, float thresh, unsigned char *mask);

/**
 * @brief The tanh fix, in place: W1 *= 0.2 and b1 *= 0.01, so the
 * pre-activations start small and tanh is not saturated. Touches nothing else.
 */
void init_fix_tanh(Mlp *m);

/* ------------------------------------------------------------------------- */
/* lab04.3  Kaiming initialization                                             */
/* ------------------------------------------------------------------------- */

/** The gain for tanh in torch.nn.init.calculate_gain('tanh'). */
#define TANH_GAIN (5.0 / 3.0)

/**
 * @brief The factor that keeps the std of x @ W at gain * std(x) when W is
 * randn: gain / sqrt(fan_in). Computed in double, as Python computes
 * `(5/3)/(30**0.5)` = 0.30429...
 */
double kaiming_scale(double gain, int fan_in);

/**
 * @brief Kaiming for the hidden layer, in place: W1 *= kaiming_scale(5/3, T*C)
 * and b1 *= 0.01. (The softmax fix is separate: init_fix_softmax.)
 */
void init_kaiming(Mlp *m);

/* ------------------------------------------------------------------------- */
/* lab04.4  the four initializations                                           */
/* ------------------------------------------------------------------------- */

/**
 * @brief Draw every parameter from @p rng in the lecture's order (C, W1, b1,
 * W2, b2, each torch.randn of its shape) and apply the fixes of stage @p s.
 * Scaling right after each draw or after all draws gives the same numbers:
 * the scales change values, not how many random numbers are drawn.
 */
void mlp_init(Mlp *m, TorchRng *rng, InitStage s);

/* ------------------------------------------------------------------------- */
/* Given code (no TODO): model, forward, training, statistics                  */
/* ------------------------------------------------------------------------- */

/** @brief Allocate the five parameters of an MLP in @p g's params arena (zeros; fill with mlp_init). */
void mlp_create(Mlp *m, Graph *g, int T, int n_embd, int n_hidden);

/** The tensors of one forward pass (step arena: gone at graph_step_reset). */
typedef struct MlpForward {
    Tensor *hpreact;  /**< [B, H] embcat @ W1 + b1 */
    Tensor *h;        /**< [B, H] tanh(hpreact) */
    Tensor *logits;   /**< [B, V] h @ W2 + b2 */
    Tensor *loss;     /**< [1] cross-entropy against Y (NULL when Y is NULL) */
} MlpForward;

/**
 * @brief The forward pass of lab 03: emb = C[X] [B, T, C], viewed [B, T*C],
 * hpreact = emb @ W1 + b1, h = tanh(hpreact), logits = h @ W2 + b2, and the
 * mean cross-entropy against @p Y. @p X ([B, T]) and @p Y ([B]) are borrowed
 * until backward; @p Y may be NULL (no loss).
 */
MlpForward mlp_forward(Mlp *m, const int *X, const int *Y, int B);

/** @brief Mean loss over all of @p ds, in no-grad mode, in chunks (resets the step arena). */
double mlp_split_loss(Mlp *m, const Dataset *ds);

/** How to train: the lecture's loop, with the number of steps as a knob. */
typedef struct TrainConfig {
    long steps;      /**< 200000 in the lecture */
    int batch;       /**< 32 */
    double lr;       /**< 0.1, divided by 10 from steps/2 on (the lecture's 100000) */
    bool quiet;      /**< no progress line */
} TrainConfig;

/** What the first step saw, for the saturation statistics and the figures. */
typedef struct FirstBatch {
    float *hpreact;  /**< [B, H] copy of step 0's pre-activations (malloc'ed by mlp_train; free it) */
    float *h;        /**< [B, H] copy of step 0's tanh outputs (malloc'ed; free it) */
    int B, H;
    double loss;     /**< step 0's loss, before any update: the "first loss" */
} FirstBatch;

/**
 * @brief The lecture's training loop: each step draws a batch with
 * `torch.randint(0, n, (B,), generator=rng)` (continuing the init's rng),
 * forward, backward, SGD. Writes one row per step to @p log (NULL: no log).
 * @param first  NULL, or filled with step 0's batch statistics (caller frees its arrays).
 * @return the loss of the last step.
 */
double mlp_train(Mlp *m, const Dataset *tr, TorchRng *rng, const TrainConfig *cfg, TsvLog *log,
                 FirstBatch *first);

/** @brief Count @p x values into @p bins equal bins on [lo, hi); values outside go to the end bins. @p counts is zeroed first. */
void histogram(const float *x, long n, float lo, float hi, int bins, long *counts);

/** @brief Mean and unbiased standard deviation (torch's `x.std()`) of @p n values, in double. */
void mean_std(const float *x, long n, double *mean, double *std);

/** The activation functions of the lecture's aside. */
typedef enum ActKind { ACT_TANH, ACT_SIGMOID, ACT_RELU, ACT_LEAKY_RELU, ACT_ELU, ACT_COUNT } ActKind;
/** @brief "tanh", "sigmoid", "relu", "leaky_relu", "elu". */
const char *act_name(ActKind k);
/**
 * @brief f(x) and its derivative f'(x) for activation @p k (leaky slope 0.01,
 * ELU alpha 1). Where f' is near zero the gradient vanishes: a neuron that
 * sits there stops learning.
 */
void act_eval(ActKind k, double x, double *f, double *df);

#endif /* LAB04_INIT_H */
