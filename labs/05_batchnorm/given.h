/**
 * @file given.h
 * @brief Lab 05, given code: read it, you do not edit it. The two models your
 *        functions (batchnorm.h) plug into, and their training loops.
 *
 * What it is:
 *  - The BN-MLP (makemore part 3, second half): lab 04's Kaiming MLP with a
 *    batchnorm layer between the hidden matmul and its tanh, and no b1.
 *
 *        X [B, T] --C[X]--> [B, T*C] --@ W1--> hpreact [B, H]
 *          --batchnorm(bngain, bnbias)--> [B, H] --tanh--> h [B, H] --@ W2 + b2--> logits [B, V]
 *
 *  - The deeper network of the lecture's end, built from layer objects
 *    (Linear, BatchNorm1d, Tanh), with the switches of its experiments:
 *    batchnorm on or off, the gain of the hidden weights, tanh or a linear
 *    stack.
 * What it is not: the batchnorm itself, the layers' forward or the
 * diagnostics' statistics: those are yours (batchnorm.c). The minibatch draw,
 * the learning-rate decay, the split loss and the sampler are the core's
 * (minibatch.h, sample.h).
 *
 * Shapes: B batch (32), T block size (3), C embedding size (10), H hidden
 * (200; 100 in the deeper net), V vocabulary (27).
 * Ownership: a model's tensors live in the Graph given to its create function
 * and die with graph_free(); forward results live in the step arena until
 * graph_step_reset().
 */
#ifndef LAB05_GIVEN_H
#define LAB05_GIVEN_H

#include <stdbool.h>

#include "data.h"    // Dataset, VOCAB
#include "rng.h"     // TorchRng
#include "tensor.h"  // Tensor, Graph, the ops
#include "train.h"   // TsvLog (output.h), kit_loss_ok, eval_in_batches

/** The lecture's hyperparameters. */
#define BN_BLOCK 3            /**< T */
#define BN_EMB 10             /**< C (n_embd) */
#define BN_HIDDEN 200         /**< H (n_hidden) */
#define BN_BATCH 32           /**< B */
#define BN_STEPS 200000L      /**< BN-MLP training steps */
#define BN_LR 0.1             /**< / 10 after half the steps */
#define BN_MOMENTUM 0.001f    /**< running statistics: 0.999 * running + 0.001 * batch */
#define BN_SAMPLE_SEED (2147483647ULL + 10) /**< the lecture re-seeds with this to sample */
#define BN_NPARAMS 6          /**< C, W1, W2, b2, bngain, bnbias */
#define BN_NAME_CAP 64        /**< a sampled name is cut after 63 characters */

/* ------------------------------------------------------------------------- */
/* The BN-MLP                                                                  */
/* ------------------------------------------------------------------------- */

/** The MLP with batchnorm on its hidden layer (lab 03's Mlp without b1, plus the batchnorm's parts). */
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
    Tensor *std;      /**< [1, H] the batch's std (BN_USE_BATCH), else NULL */
} BnForward;

/**
 * @brief The forward pass. With BN_USE_BATCH it normalizes with the batch's
 * statistics (batchnorm_train) and updates the running buffers (running_update,
 * momentum BN_MOMENTUM); otherwise it uses batchnorm_eval with the running or
 * the calibrated buffers. @p Y may be NULL.
 */
BnForward bnmlp_forward(BnMlp *m, const int *X, const int *Y, int B, BnStats stats);

/** @brief Mean loss over @p ds with the given (evaluation) statistics, no-grad, in chunks (the core's split_loss). */
double bnmlp_split_loss(BnMlp *m, const Dataset *ds, BnStats stats);

/**
 * @brief The lecture's training loop: batches from the core's batch_draw
 * (`torch.randint(0, n, (B,), generator=rng)`), lr @p lr then lr/10 from
 * steps/2. Writes `step loss lr` rows to @p log (NULL: none). The first step's
 * loss goes to @p first (may be NULL).
 * @return 0, or -1 after one line on stderr when the loss is not finite
 * (with the cause when a batch's std is 0: every row had the same context).
 */
int bnmlp_train(BnMlp *m, const Dataset *tr, TorchRng *rng, long steps, int batch, double lr,
                TsvLog *log, bool quiet, double *first);

/**
 * @brief Sample one name in evaluation mode with the core's sample_name:
 * context '...', a batch of 1, softmax, `torch.multinomial(probs, 1,
 * generator=rng)`, until '.' (kept, as the lecture prints it) or @p cap-1
 * characters (then the name is cut: it does not end in '.').
 * @return the characters written, or -1 when the probabilities are not finite.
 */
int bnmlp_sample(BnMlp *m, TorchRng *rng, BnStats stats, char *out, int cap);

/* ------------------------------------------------------------------------- */
/* The deeper network, from layer objects                                      */
/* ------------------------------------------------------------------------- */

#define DEEP_HIDDEN 100       /**< units per hidden layer */
#define DEEP_NHIDDEN 5        /**< hidden layers */
#define DEEP_STEPS 1001L      /**< the lecture breaks after i = 1000 */
#define DEEP_LR 0.1           /**< the lecture's (decay at 150000, later than any run here) */
#define DEEP_DECAY_AT 150000L /**< lr / 10 from this step */
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

/** Statistics of a tensor's values, as the lecture prints them. */
typedef struct ActStats {
    double mean, std;   /**< std unbiased, as torch's t.std() */
    double saturated;   /**< fraction with |x| > thresh (0..1) */
} ActStats;

/** The switches of the lecture's experiments on the deeper network. */
typedef struct DeepConfig {
    bool batchnorm;  /**< a BatchNorm1d after every Linear (and Linear without bias) */
    bool tanh;       /**< a Tanh after every hidden block; false: the linear stack */
    double gain;     /**< hidden Linear weights *= gain at init (the lecture: 5/3 without batchnorm, 1 with) */
} DeepConfig;

/** The deeper network: C, then its layers. */
typedef struct DeepNet {
    Graph *g;
    int T, n_embd;
    DeepConfig cfg;
    Tensor *C;                      /**< [V, C] */
    Layer layers[DEEP_MAX_LAYERS];
    int n_layers;
    Tensor *params[DEEP_MAX_PARAMS]; /**< C, then each layer's in order (weight, bias; gamma, beta) */
    int n_params;
} DeepNet;

/**
 * @brief Build and initialize the lecture's deeper network from @p rng: C
 * randn(27, 10); then five times Linear(., 100) (and Tanh, with cfg.tanh),
 * then Linear(100, 27); each Linear's weight randn(fan_in, fan_out) /
 * sqrt(fan_in), drawn in layer order, the hidden ones times cfg.gain.
 * With cfg.batchnorm: Linear without bias, a BatchNorm1d after every Linear
 * (eps 1e-5, momentum 0.1), and the last BatchNorm's gamma * 0.1 (47024
 * numbers). Without: Linear with a zero bias, the last Linear's weight * 0.1
 * (46497 numbers).
 */
void deepnet_build(DeepNet *net, Graph *g, TorchRng *rng, int T, int n_embd, DeepConfig cfg);
/** @brief logits [B, V] = the layers applied in order to C[X].view(B, T*C). X [B, T] is borrowed until backward. */
Tensor *deepnet_forward(DeepNet *net, const int *X, int B, bool training);

/**
 * @brief Train @p steps steps of batch @p batch at lr @p lr (/10 from
 * DEEP_DECAY_AT). With @p steps 0: one forward and backward on the first
 * batch and no update: the network at initialization, as the lecture looks at
 * it. After each step, writes update_data_log10 of every parameter into @p ud
 * [max(steps, 1), n_params] (NULL: skip; NAN for parameters with one
 * dimension, which the lecture does not plot; with 0 steps, the update that
 * would come next). The last step's graph is NOT reset: layer outputs and
 * their gradients stay readable for the diagnostics; call graph_step_reset()
 * after reading them. The first loss goes to @p first (may be NULL).
 * @return 0, or -1 after one line on stderr when the loss is not finite.
 */
int deepnet_train(DeepNet *net, const Dataset *tr, TorchRng *rng, long steps, int batch, double lr, float *ud,
                  bool quiet, double *first);
/** @brief Mean loss over @p ds in evaluation mode (running statistics), no-grad, in chunks. */
double deepnet_split_loss(DeepNet *net, const Dataset *ds);
/** @brief One name from the network in evaluation mode (see bnmlp_sample). */
int deepnet_sample(DeepNet *net, TorchRng *rng, char *out, int cap);

#endif /* LAB05_GIVEN_H */
