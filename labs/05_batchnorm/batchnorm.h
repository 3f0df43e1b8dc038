/**
 * @file batchnorm.h
 * @brief Lab 05: batch normalization (Ioffe & Szegedy 2015, makemore part 3,
 *        second half), and the diagnostics of a deeper network.
 *
 * What it is: two models and the functions you write for them.
 *  - The BN-MLP: lab 04's Kaiming MLP with a batchnorm layer between the
 *    hidden layer's matmul and its tanh, and no b1 (the batchnorm's bias
 *    replaces it). Steps lab05.1 (the forward from primitives), lab05.2 (the
 *    running statistics), lab05.3 (calibration over the training set) and
 *    lab05.4 (evaluation mode).
 *
 *        X [B, T] --C[X]--> [B, T*C] --@ W1--> hpreact [B, H]
 *          --batchnorm(bngain, bnbias)--> [B, H] --tanh--> h [B, H] --@ W2 + b2--> logits [B, V]
 *
 *  - The deeper network of the lecture's end (lab05.5), built from layer
 *    objects: Linear (no bias), BatchNorm1d, Tanh, five hidden layers of 100,
 *    and the statistics that say whether it trains well.
 * What it is not: a fused or hand-written batchnorm backward (that is makemore
 * part 4): the core's autograd differentiates the primitives you compose.
 *
 * Shapes: B batch (32), T block size (3), C embedding size (10), H hidden
 * (200; 100 in the deeper net), V vocabulary (27).
 * Ownership: a model's tensors live in the Graph given to its create function
 * and die with graph_free(); forward results live in the step arena until
 * graph_step_reset().
 * Next: labs/05_batchnorm/README.md, then `make lab05`.
 */
#ifndef LAB05_BATCHNORM_H
#define LAB05_BATCHNORM_H

#include <stdbool.h>

#include "data.h"    // Dataset, VOCAB
#include "rng.h"     // TorchRng
#include "tensor.h"  // Tensor, Graph, the ops
#include "train.h"   // TsvLog (output.h), kit_loss_ok, eval_in_batches

/** The lecture's hyperparameters. */
#define BN_BLOCK 3            /**< T */
#define BN_EMB 10             /**< C */
#define BN_HIDDEN 200         /**< H */
#define BN_BATCH 32           /**< B */
#define BN_STEPS 200000L      /**< BN-MLP training steps */
#define BN_LR 0.1             /**< / 10 after half the steps */
#define BN_MOMENTUM 0.001f    /**< running statistics: 0.999 * running + 0.001 * batch */
#define BN_SAMPLE_SEED (2147483647ULL + 10) /**< the lecture re-seeds with this to sample */
#define BN_NPARAMS 6          /**< C, W1, W2, b2, bngain, bnbias */

/* ------------------------------------------------------------------------- */
/* The BN-MLP                                                                  */
/* ------------------------------------------------------------------------- */

/** The MLP with batchnorm on its hidden layer. */
typedef struct BnMlp {
    Graph *g;                 /**< borrowed: owns every tensor below */
    int T, n_embd, n_hidden;  /**< T, C, H */
    Tensor *C;                /**< [V, C] */
    Tensor *W1;               /**< [T*C, H] (no b1: the mean subtraction would cancel it) */
    Tensor *W2;               /**< [H, V] */
    Tensor *b2;               /**< [V] */
    Tensor *bngain;           /**< [1, H] gamma, starts at ones */
    Tensor *bnbias;           /**< [1, H] beta, starts at zeros */
    Tensor *bnmean_running;   /**< [1, H] buffer, starts at zeros */
    Tensor *bnstd_running;    /**< [1, H] buffer, starts at ones */
    Tensor *bnmean_cal;       /**< [1, H] buffer: the calibrated mean (bn_calibrate) */
    Tensor *bnstd_cal;        /**< [1, H] buffer: the calibrated std */
    Tensor *params[BN_NPARAMS]; /**< C, W1, W2, b2, bngain, bnbias: the lecture's order (12097 numbers) */
} BnMlp;

/** Which statistics the batchnorm layer normalizes with. */
typedef enum BnStats {
    BN_USE_BATCH = 0,     /**< training: this batch's mean and std (and update the running ones) */
    BN_USE_RUNNING = 1,   /**< evaluation with the running estimates (the lecture's final split_loss) */
    BN_USE_CALIBRATED = 2 /**< evaluation with the statistics of the whole training set */
} BnStats;

/* lab05.1 ------------------------------------------------------------------ */
/**
 * @brief Batch normalization in training mode, from primitives:
 * mean = hpreact.mean(0, keepdim) [1, H], std = hpreact.std(0, keepdim)
 * (unbiased, n-1, no epsilon: as the lecture's code) [1, H], and
 * out = gain * (hpreact - mean) / std + bias [B, H].
 * @param hpreact  [B, H], B >= 2 (one example has no std)
 * @param gain     [1, H]    @param bias [1, H]
 * @param mean_out NULL, or receives the batch mean [1, H] (step arena)
 * @param std_out  NULL, or receives the batch std [1, H] (step arena)
 * @return [B, H] in the step arena; differentiable through the core.
 */
Tensor *batchnorm_train(Tensor *hpreact, Tensor *gain, Tensor *bias, Tensor **mean_out, Tensor **std_out);

/* lab05.2 ------------------------------------------------------------------ */
/**
 * @brief running = (1 - momentum) * running + momentum * batch, elementwise,
 * in place on running->data. Not part of the graph: nothing is recorded and
 * no gradient flows (the lecture's `with torch.no_grad():`).
 * @param running  a buffer [1, H]   @param batch [1, H] (same numel)
 */
void running_update(Tensor *running, const Tensor *batch, float momentum);

/* lab05.3 ------------------------------------------------------------------ */
/**
 * @brief The mean and unbiased std of each of the H pre-activations
 * (bnmlp_hpreact) over every example of @p ds, as if the whole split were one
 * batch. Runs in no-grad mode, chunk by chunk (resets the step arena).
 * @param mean, std  H floats each, owned by the caller.
 */
void bn_calibrate(BnMlp *m, const Dataset *ds, float *mean, float *std);

/* lab05.4 ------------------------------------------------------------------ */
/**
 * @brief Batch normalization in evaluation mode: out = gain * (hpreact - mean)
 * / std + bias with fixed statistics @p mean and @p std ([1, H] each), so every
 * row depends only on itself: a batch of one works.
 * @return [B, H] in the step arena.
 */
Tensor *batchnorm_eval(Tensor *hpreact, Tensor *gain, Tensor *bias, Tensor *mean, Tensor *std);

/* Given code for the BN-MLP ------------------------------------------------- */

/** @brief Allocate the parameters and buffers of a BN-MLP in @p g (zeros; then bnmlp_init). */
void bnmlp_create(BnMlp *m, Graph *g, int T, int n_embd, int n_hidden);
/**
 * @brief The lecture's init, from @p rng in this order: C randn; W1 randn *
 * (5/3)/sqrt(T*C); W2 randn * 0.01; b2 randn * 0 (drawn, then zeroed: it still
 * uses up random numbers); bngain ones, bnbias zeros; running mean 0, std 1.
 */
void bnmlp_init(BnMlp *m, TorchRng *rng);
/** @brief hpreact = C[X].view(B, T*C) @ W1: [B, H]. @p X [B, T] is borrowed until backward. */
Tensor *bnmlp_hpreact(BnMlp *m, const int *X, int B);

/** The tensors of one forward pass. */
typedef struct BnForward {
    Tensor *hpreact;  /**< [B, H] before batchnorm */
    Tensor *hbn;      /**< [B, H] after batchnorm */
    Tensor *h;        /**< [B, H] tanh */
    Tensor *logits;   /**< [B, V] */
    Tensor *loss;     /**< [1], or NULL when Y is NULL */
} BnForward;

/**
 * @brief The forward pass. With BN_USE_BATCH it normalizes with the batch's
 * statistics (batchnorm_train) and updates the running buffers (running_update,
 * momentum BN_MOMENTUM); otherwise it uses batchnorm_eval with the running or
 * the calibrated buffers. @p Y may be NULL.
 */
BnForward bnmlp_forward(BnMlp *m, const int *X, const int *Y, int B, BnStats stats);

/** @brief Mean loss over @p ds with the given (evaluation) statistics, no-grad, in chunks. */
double bnmlp_split_loss(BnMlp *m, const Dataset *ds, BnStats stats);

/**
 * @brief The lecture's training loop (as lab 04's): batches from
 * `torch.randint(0, n, (B,), generator=rng)`, lr @p lr then lr/10 from steps/2.
 * Writes `step loss lr` rows to @p log (NULL: none). @return the first step's loss.
 */
double bnmlp_train(BnMlp *m, const Dataset *tr, TorchRng *rng, long steps, int batch, double lr,
                   TsvLog *log, bool quiet);

/**
 * @brief Sample one name in evaluation mode: context '...', forward with a
 * batch of 1, softmax, `torch.multinomial(probs, 1, generator=rng)`
 * (rng_multinomial_race), until '.'. Writes at most @p cap-1 characters and a NUL
 * into @p out (the final '.' included, as the lecture prints it).
 */
void bnmlp_sample(BnMlp *m, TorchRng *rng, BnStats stats, char *out, int cap);

/* ------------------------------------------------------------------------- */
/* lab05.5  the deeper network, from layer objects, and its diagnostics        */
/* ------------------------------------------------------------------------- */

#define DEEP_HIDDEN 100       /**< units per hidden layer */
#define DEEP_NHIDDEN 5        /**< hidden layers */
#define DEEP_STEPS 1001L      /**< the lecture breaks after i = 1000 */
#define DEEP_EPS 1e-5f        /**< BatchNorm1d eps */
#define DEEP_MOMENTUM 0.1f    /**< BatchNorm1d momentum (torch's default) */
#define DEEP_SAT 0.97f        /**< |t| above this counts as saturated (the lecture's diagnostic) */
#define DEEP_MAX_LAYERS 20
#define DEEP_MAX_PARAMS 32

/** The three kinds of layer of the lecture's "PyTorch-ified" code. */
typedef enum LayerKind { LAYER_LINEAR, LAYER_BATCHNORM, LAYER_TANH } LayerKind;

/** One layer. Which fields are used depends on the kind. */
typedef struct Layer {
    LayerKind kind;
    int fan_in, fan_out;    /**< Linear: [fan_in] -> [fan_out]; BatchNorm1d: dim in fan_out */
    Tensor *weight;         /**< Linear: [fan_in, fan_out] */
    Tensor *bias;           /**< Linear: [fan_out], or NULL (bias=False) */
    Tensor *gamma, *beta;   /**< BatchNorm1d: [dim] each, ones and zeros */
    Tensor *running_mean;   /**< BatchNorm1d buffer [dim], starts at 0 */
    Tensor *running_var;    /**< BatchNorm1d buffer [dim], starts at 1 */
    float eps, momentum;    /**< BatchNorm1d: 1e-5 and 0.1 */
    Tensor *out;            /**< the last output [B, fan_out] (step arena), kept for the diagnostics */
} Layer;

/**
 * @brief One layer's forward on x [B, fan_in] -> [B, fan_out], kept in l->out.
 *  - Linear: x @ weight (+ bias).
 *  - BatchNorm1d: with @p training, mean = x.mean(0) and var = x.var(0)
 *    (unbiased) of this batch, then update running_mean and running_var
 *    in place with momentum (no grad); without, the running ones. Then
 *    xhat = (x - mean) / sqrt(var + eps) and out = gamma * xhat + beta.
 *  - Tanh: tanh(x).
 */
Tensor *layer_forward(Layer *l, Tensor *x, bool training);

/** Statistics of a tensor's values, as the lecture prints them. */
typedef struct ActStats {
    double mean, std;   /**< std unbiased, as torch's t.std() */
    double saturated;   /**< fraction with |x| > thresh (0..1) */
} ActStats;

/** @brief mean, std and the fraction of |x| > @p thresh over @p n values (in double). */
ActStats act_stats(const float *x, long n, float thresh);

/** @brief std(p.grad) / std(p.data): how big the gradient is next to the values it will change. */
double grad_data_ratio(const Tensor *p);

/**
 * @brief log10(std(lr * p.grad) / std(p.data)): how much one update changes
 * p, relative to p. About -3 (a thousandth per step) is the lecture's rule of
 * thumb; much lower learns slowly, much higher is unstable.
 */
double update_data_log10(const Tensor *p, float lr);

/** The deeper network: C, then its layers. */
typedef struct DeepNet {
    Graph *g;
    int T, n_embd;
    bool batchnorm;                 /**< false: the lecture's comparison net (Linear with bias, Tanh, gain 5/3) */
    Tensor *C;                      /**< [V, C] */
    Layer layers[DEEP_MAX_LAYERS];
    int n_layers;
    Tensor *params[DEEP_MAX_PARAMS]; /**< C, then each layer's in order (weight, bias; gamma, beta) */
    int n_params;
} DeepNet;

/**
 * @brief Build and initialize the lecture's deeper network from @p rng: C
 * randn(27, 10); then five times Linear(., 100) and Tanh, then Linear(100, 27);
 * each Linear's weight randn(fan_in, fan_out) / sqrt(fan_in), drawn in layer order.
 * With @p batchnorm: Linear without bias, a BatchNorm1d after every Linear
 * (eps 1e-5, momentum 0.1), and the last BatchNorm's gamma * 0.1 (47024 numbers).
 * Without: Linear with a zero bias, hidden weights * 5/3 (tanh's gain), the last
 * Linear's weight * 0.1 (46497 numbers).
 */
void deepnet_build(DeepNet *net, Graph *g, TorchRng *rng, int T, int n_embd, bool batchnorm);
/** @brief logits [B, V] = the layers applied in order to C[X].view(B, T*C). X [B, T] is borrowed until backward. */
Tensor *deepnet_forward(DeepNet *net, const int *X, int B, bool training);

/**
 * @brief Train @p steps steps (lr @p lr; the lecture's decay comes at 150000,
 * later than any diagnostic run). After each update, writes
 * update_data_log10 of every parameter into @p ud [steps, n_params] (NULL: skip;
 * NAN for parameters with one dimension, which the lecture does not plot).
 * The last step's graph is NOT reset: layer outputs and their gradients stay
 * readable for the diagnostics; call graph_step_reset() after reading them.
 * @return the first step's loss.
 */
double deepnet_train(DeepNet *net, const Dataset *tr, TorchRng *rng, long steps, double lr, float *ud,
                     bool quiet);
/** @brief Mean loss over @p ds in evaluation mode (running statistics), no-grad, in chunks. */
double deepnet_split_loss(DeepNet *net, const Dataset *ds);

/** @brief Count @p x into @p bins equal bins on [lo, hi] (ends clamped). @p counts zeroed first. */
void histogram(const float *x, long n, float lo, float hi, int bins, long *counts);

#endif /* LAB05_BATCHNORM_H */
