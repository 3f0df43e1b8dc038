/**
 * @file init.c
 * @brief Lab 04, initialization (makemore part 3, first half): the functions
 *        you write, in the lecture's order.
 *
 * What it is: the first loss a model should have and the fix that gets it
 * there; tanh saturation and its fix; Kaiming's rule that replaces the
 * hand-found numbers; the four starting points. What it is not: new math for
 * the network. The network is lab 03's (given.c); only its starting point
 * changes. Not here either: the driver (main.c) and plotting (plots/lab04_*.gp).
 *
 * Next: `make lab04 ARGS=demo`, which shows each problem before it stops at
 * the TODO that fixes it, then `make check LAB=04`.
 */
#include "init.h"

#include <math.h>

#include "kit.h"

/* ========================================================================= */
/* The first loss, and the softmax fix                                       */
/* ========================================================================= */

float expected_first_loss(int V)
{
    // TODO(lab04.1): return the loss of a model that gives each of the V
    // characters the same probability.
    KIT_TODO("lab04.1", "the expected first loss of a model that knows nothing");
}

void init_fix_softmax(Mlp *m)
{
    // TODO(lab04.2): shrink the output layer in place (tensor_scale_) so the first logits are
    // near zero and the first loss near expected_first_loss(VOCAB). How small? Try, and watch demo.
    KIT_TODO("lab04.2", "the softmax fix: small logits at the start");
}

/* ========================================================================= */
/* Tanh saturation, and the tanh fix                                         */
/* ========================================================================= */

SatStats tanh_saturation(const float *h, int B, int H, float thresh, unsigned char *mask)
{
    // TODO(lab04.3): count the values with |h| > thresh (fill mask with 1/0 if
    // it is not NULL), and the columns where every one of the B rows is saturated.
    KIT_TODO("lab04.3", "the saturated fraction and the dead columns of h");
}

void init_fix_tanh(Mlp *m)
{
    // TODO(lab04.4): shrink the hidden layer in place (tensor_scale_) so hpreact's std is near 1
    // and few |h| exceed 0.99. demo prints both: find a scale that works for W1, then b1.
    KIT_TODO("lab04.4", "the tanh fix: pre-activations near std 1");
}

/* ========================================================================= */
/* Kaiming initialization                                                    */
/* ========================================================================= */

double kaiming_scale(double gain, int fan_in)
{
    // TODO(lab04.5): the factor s such that x @ (s * w) has std gain * std(x) when w is randn
    // with fan_in rows. Start from Var(x @ w) (the handout derives it).
    KIT_TODO("lab04.5", "Kaiming's scale, from Var(x @ w)");
}

void init_kaiming(Mlp *m)
{
    // TODO(lab04.6): scale W1 in place by kaiming_scale(TANH_GAIN, fan_in), where fan_in is
    // how many inputs each hidden unit sums, and make b1 small as in lab04.4.
    KIT_TODO("lab04.6", "Kaiming init of the hidden layer");
}

/* ========================================================================= */
/* The four starting points                                                  */
/* ========================================================================= */

void init_stage(Mlp *m, InitStage s)
{
    // TODO(lab04.7): apply the fixes stage s includes (see InitStage in given.h) with your
    // functions above. Draw nothing: mlp_init already drew the numbers.
    KIT_TODO("lab04.7", "the four starting points");
}
