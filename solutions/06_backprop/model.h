/**
 * @file model.h
 * @brief Lab 06, given code: the lecture's two-layer batchnorm MLP, its
 *        forward "chunked" into every intermediate, and the tools around your
 *        backward (the comparison with autograd, the training loop, the writers).
 *
 * What it is: what makemore part 4's notebook gives you, so that backprop.c
 * holds only what you write. Read it; you do not edit it.
 *
 *     X [B, T] --C[X]--> emb [B, T, C] --view--> embcat [B, T*C] --@ W1 + b1--> hprebn [B, H]
 *       --batchnorm (bngain, bnbias, 8 small steps)--> hpreact [B, H] --tanh--> h [B, H]
 *       --@ W2 + b2--> logits [B, V] --softmax, 8 small steps--> loss [1]
 *
 * What it is not: a backward. Every op here is one of the core's (tensor.h),
 * so with no-grad off the core's autograd records them, and after
 * tensor_backward(loss) every intermediate's ->grad holds the gradient your
 * backprop.c must reproduce by hand.
 *
 * Shapes: B batch (32), T block size (3), C embedding size (10), H hidden
 * (64 for exercises 1-3, 200 for exercise 4), V vocabulary (27).
 * Ownership: a model's tensors live in the Graph given to model_create and die
 * with graph_free(); forward results and Grads live in the step arena until
 * graph_step_reset().
 * Next: labs/06_backprop/README.md, then backprop.h.
 */
#ifndef LAB06_MODEL_H
#define LAB06_MODEL_H

#include <stdbool.h>

#include "data.h"    // Dataset, VOCAB
#include "rng.h"     // TorchRng
#include "tensor.h"  // Tensor, Graph, the ops
#include "train.h"   // TsvLog (output.h), kit_loss_ok, eval_in_batches

/** The lecture's hyperparameters. */
#define BP_BLOCK 3             /**< T */
#define BP_EMB 10              /**< C */
#define BP_HIDDEN 64           /**< H of exercises 1-3 (4,137 parameters) */
#define BP_HIDDEN_TRAIN 200    /**< H of exercise 4 (12,297 parameters) */
#define BP_BATCH 32            /**< B (the lecture's n) */
#define BP_STEPS 200000L       /**< exercise 4's training steps */
#define BP_LR 0.1              /**< / 10 after half the steps */
#define BP_EPS 1e-5f           /**< batchnorm's epsilon, inside the square root */
/** bngain and bnbias come from a second generator with this seed (the lecture's were unseeded). */
#define BP_BN_SEED 42ULL
#define BP_NPARAMS 7           /**< C, W1, b1, W2, b2, bngain, bnbias */

/** The MLP of makemore part 4: lab 05's BN-MLP, with b1 kept and batchnorm's epsilon. */
typedef struct Model {
    Graph *g;                  /**< borrowed: owns every tensor below */
    int T, n_embd, n_hidden;   /**< T, C, H */
    Tensor *C;                 /**< [V, C] */
    Tensor *W1;                /**< [T*C, H] */
    Tensor *b1;                /**< [H] (useless before batchnorm: its gradient is zero up to rounding) */
    Tensor *W2;                /**< [H, V] */
    Tensor *b2;                /**< [V] */
    Tensor *bngain;            /**< [1, H] */
    Tensor *bnbias;            /**< [1, H] */
    Tensor *bnmean;            /**< [1, H] buffer: calibrated after training (model_calibrate) */
    Tensor *bnvar;             /**< [1, H] buffer: the unbiased variance, calibrated after training */
    Tensor *params[BP_NPARAMS];/**< C, W1, b1, W2, b2, bngain, bnbias: the lecture's order */
} Model;

/** @brief Allocate the parameters (zeros) and buffers of a model in @p g. */
void model_create(Model *m, Graph *g, int T, int n_embd, int n_hidden);
/**
 * @brief The lecture's init. From @p rng, in this order: C randn; W1 randn *
 * (5/3)/sqrt(T*C); b1 randn * 0.1; W2 randn * 0.1; b2 randn * 0.1. Then from a
 * generator seeded with @p bn_seed: bngain randn * 0.1 + 1, bnbias randn * 0.1
 * (deliberately not ones and zeros, so a wrong backward cannot hide behind
 * them). The buffers start at mean 0, variance 1.
 */
void model_init(Model *m, TorchRng *rng, uint64_t bn_seed);

/** Every intermediate of the chunked forward, in the lecture's order (its names). */
typedef struct Chunked {
    const int *X, *Y;   /**< borrowed: [B, T] contexts and [B] labels */
    int B;              /**< the batch size, the lecture's n */
    Tensor *emb;        /**< [B, T, C]  C[X] */
    Tensor *embcat;     /**< [B, T*C]   emb.view(B, -1) (shares emb's data and grad) */
    Tensor *hprebn;     /**< [B, H]     embcat @ W1 + b1 */
    Tensor *bnmeani;    /**< [1, H]     1/n * hprebn.sum(0, keepdim) */
    Tensor *bndiff;     /**< [B, H]     hprebn - bnmeani */
    Tensor *bndiff2;    /**< [B, H]     bndiff**2 */
    Tensor *bnvar;      /**< [1, H]     1/(n-1) * bndiff2.sum(0, keepdim)  (Bessel) */
    Tensor *bnvar_inv;  /**< [1, H]     (bnvar + 1e-5)**-0.5 */
    Tensor *bnraw;      /**< [B, H]     bndiff * bnvar_inv */
    Tensor *hpreact;    /**< [B, H]     bngain * bnraw + bnbias */
    Tensor *h;          /**< [B, H]     tanh(hpreact) */
    Tensor *logits;     /**< [B, V]     h @ W2 + b2 */
    Tensor *logit_maxes;/**< [B, 1]     logits.max(1, keepdim) */
    Tensor *norm_logits;/**< [B, V]     logits - logit_maxes */
    Tensor *counts;     /**< [B, V]     norm_logits.exp() */
    Tensor *counts_sum; /**< [B, 1]     counts.sum(1, keepdim) */
    Tensor *counts_sum_inv; /**< [B, 1] counts_sum**-1 */
    Tensor *probs;      /**< [B, V]     counts * counts_sum_inv */
    Tensor *logprobs;   /**< [B, V]     probs.log() */
    Tensor *loss;       /**< [1]        -logprobs[range(n), Y].mean() */
} Chunked;

/**
 * @brief The lecture's forward, one small op at a time, every intermediate
 * kept. With no-grad off the core records it: call tensor_backward(f.loss)
 * and each intermediate's ->grad is autograd's answer. @p X, @p Y borrowed.
 */
Chunked model_forward_chunked(Model *m, const int *X, const int *Y, int B);

/** The tensors of exercise 4's (compact) forward. */
typedef struct Forward {
    Tensor *embcat;     /**< [B, T*C] */
    Tensor *hprebn;     /**< [B, H]   embcat @ W1 + b1 */
    Tensor *bnvar_inv;  /**< [1, H]   (hprebn.var(0, unbiased) + 1e-5)**-0.5, or from the calibrated buffer */
    Tensor *bnraw;      /**< [B, H]   (hprebn - bnmean) * bnvar_inv */
    Tensor *hpreact;    /**< [B, H]   bngain * bnraw + bnbias */
    Tensor *h;          /**< [B, H]   tanh(hpreact) */
    Tensor *logits;     /**< [B, V]   h @ W2 + b2 */
    Tensor *loss;       /**< [1]      F.cross_entropy(logits, Y), or NULL when Y is NULL */
} Forward;

/**
 * @brief Exercise 4's forward, as the lecture writes it: batchnorm with this
 * batch's mean and unbiased variance (@p calibrated false) or with the
 * buffers bnmean, bnvar (@p calibrated true, for evaluation), and the core's
 * fused cross-entropy. @p Y may be NULL.
 */
Forward model_forward(Model *m, const int *X, const int *Y, int B, bool calibrated);

/**
 * @brief After training, as the lecture's "calibrate the batch norm" cell:
 * the mean and unbiased variance of hprebn over the whole of @p ds, in
 * double, into the buffers bnmean and bnvar (no-grad; resets the step arena).
 */
void model_calibrate(Model *m, const Dataset *ds);

/** @brief Mean loss over @p ds with the calibrated statistics (no-grad, in chunks). */
double model_split_loss(Model *m, const Dataset *ds);

/* ------------------------------------------------------------------------- */
/* Your gradients, and the comparison with autograd                            */
/* ------------------------------------------------------------------------- */

/** The 26 tensors the lecture compares, in its order (backward order). */
#define BP_NGRADS 26

/**
 * Your gradients: `d->probs` is the lecture's dprobs, with probs's shape
 * (row-major floats). grads_alloc() zeroes every one; where a tensor feeds two
 * ops, its gradient is the sum of both: add the second with +=.
 * `d->emb` points at the same floats as `d->embcat` (emb.view, as in the core).
 */
typedef struct Grads {
    float *logprobs, *probs, *counts_sum_inv, *counts_sum, *counts, *norm_logits, *logit_maxes, *logits;
    float *h, *W2, *b2, *hpreact;
    float *bngain, *bnbias, *bnraw, *bnvar_inv, *bnvar, *bndiff2, *bndiff, *bnmeani, *hprebn;
    float *embcat, *W1, *b1, *emb, *C;
} Grads;

/** @brief Zeroed gradients for the intermediates of @p f and the parameters of @p m (step arena). */
Grads grads_alloc(const Model *m, const Chunked *f);
/** @brief @p n zeroed floats from the step arena of @p g: scratch for one step's gradients. */
float *step_zeros(Graph *g, int n);

/** One line of the lecture's cmp. */
typedef struct CmpRow {
    const char *name;   /**< "logprobs" */
    int numel;
    bool exact;         /**< every element equal to the bit */
    bool approximate;   /**< torch.allclose: |d - g| <= 1e-8 + 1e-5 |g| everywhere */
    double maxdiff;     /**< max |d - g| */
    double maxabs;      /**< max |g|: the scale of the gradient */
} CmpRow;

/**
 * @brief The lecture's cmp(name, dt, t): your @p d (numel floats) against
 * autograd's @p t->grad.
 */
CmpRow cmp(const char *name, const float *d, const Tensor *t);
/** @brief Print `name | exact: True | approximate: True | maxdiff: 0.0`, as the lecture. */
void cmp_print(const CmpRow *r);

/**
 * @brief All 26 comparisons, in the lecture's order, into @p rows: your @p d
 * against the autograd gradients of @p f and @p m (run tensor_backward first).
 * @return how many were filled (BP_NGRADS).
 */
int cmp_all(const Grads *d, const Chunked *f, const Model *m, CmpRow rows[BP_NGRADS]);

/* ------------------------------------------------------------------------- */
/* Exercise 4's training                                                        */
/* ------------------------------------------------------------------------- */

/** Which backward a training run uses. */
typedef enum Backward {
    BACKWARD_MANUAL = 0,   /**< your manual_backward, in no-grad mode: the core records nothing */
    BACKWARD_AUTOGRAD = 1  /**< the core's tape and tensor_backward, for comparison */
} Backward;

/**
 * @brief The lecture's loop: batches from `torch.randint(0, n, (B,), generator=rng)`,
 * the compact forward, the gradients (yours or autograd's) into each
 * parameter's ->grad, `p.data += -lr * p.grad`; lr @p lr, then lr/10 from
 * steps/2. Writes `step loss lr` rows to @p log (NULL: none); the loss of each
 * step into @p losses when not NULL. @p first receives the first loss.
 * @return 0, or -1 when a loss was not finite (a line on stderr says which step).
 */
int model_train(Model *m, const Dataset *tr, TorchRng *rng, long steps, int batch, double lr, Backward bw,
                TsvLog *log, float *losses, double *first, bool quiet);

#endif /* LAB06_MODEL_H */
