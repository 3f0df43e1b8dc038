/**
 * @file init.h
 * @brief Lab 04: initialization. The lab 03 MLP, started four ways, and the
 *        statistics that tell a good start from a bad one.
 *
 * What it is: the functions you write, in the lecture's order: the first loss
 * a model should have (lab04.1) and the softmax fix that gets it there
 * (lab04.2); tanh saturation (lab04.3) and the tanh fix (lab04.4); Kaiming's
 * scale (lab04.5) and Kaiming's init of the hidden layer (lab04.6); the four
 * starting points of the lecture (lab04.7). The model itself is lab 03's,
 * given in given.h. What it is not: a new architecture, or an optimizer.
 *
 * You find the numbers yourself: `make lab04 ARGS=demo` prints what the
 * lecture looked at (the first example's logits, the first loss, hpreact's
 * std, the saturated fraction and its picture) before and after each of your
 * fixes. Shapes: B batch (32), T block size (3), C embedding size (10),
 * H hidden (200), V vocabulary (27). Next: labs/04_init/README.md.
 */
#ifndef LAB04_INIT_H
#define LAB04_INIT_H

#include "given.h"  // Mlp, mlp_init, mlp_forward_probe, InitStage

/** @brief lab04.1: the loss of a model that knows nothing, over @p V characters. */
float expected_first_loss(int V);

/**
 * @brief lab04.2: the softmax fix, in place: make the first logits so small
 * that the first softmax is nearly uniform and the first loss is near
 * expected_first_loss(VOCAB). Touches only the output layer (W2, b2).
 */
void init_fix_softmax(Mlp *m);

/** What tanh_saturation() measures on a batch of hidden activations. */
typedef struct SatStats {
    double frac;    /**< fraction of the B*H values with |h| > thresh */
    int dead_cols;  /**< neurons (columns) saturated for every one of the B examples: their tanh passes no gradient at all for this batch */
} SatStats;

/**
 * @brief lab04.3: saturation of h [B, H] (row-major): which values have
 * |h| > @p thresh.
 * @param mask  NULL, or B*H bytes: 1 where |h| > thresh, else 0 (the lecture's
 *              black-and-white picture). Owned by the caller.
 */
SatStats tanh_saturation(const float *h, int B, int H, float thresh, unsigned char *mask);

/**
 * @brief lab04.4: the tanh fix, in place: make the hidden layer's
 * pre-activations small enough that tanh starts in its useful range (hpreact's
 * std near 1, few |h| > 0.99). Touches only the hidden layer (W1, b1).
 */
void init_fix_tanh(Mlp *m);

/** The gain for tanh in torch.nn.init.calculate_gain('tanh'). */
#define TANH_GAIN (5.0 / 3.0)

/**
 * @brief lab04.5: the factor to multiply randn weights by so that x @ w has
 * std @p gain * std(x), when w has @p fan_in rows. In double.
 */
double kaiming_scale(double gain, int fan_in);

/**
 * @brief lab04.6: Kaiming for the hidden layer, in place: W1 by
 * kaiming_scale(TANH_GAIN, its fan_in), and b1 small. Touches only W1 and b1
 * (the softmax fix is separate: init_fix_softmax).
 */
void init_kaiming(Mlp *m);

/**
 * @brief lab04.7: rescale a freshly drawn model (mlp_init) to stage @p s:
 * the fixes that stage includes (see InitStage), with your functions above.
 * Draws nothing: every stage starts from the same random numbers.
 */
void init_stage(Mlp *m, InitStage s);

#endif /* LAB04_INIT_H */
