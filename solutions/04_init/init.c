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
#if !SKELETON /* lab04.1 */
    // A model that knows nothing spreads its probability evenly: p = 1/V for
    // the right answer, whatever it is, so every example costs -log(1/V).
    return -logf(1.0f / (float)V);
#else
    // TODO(lab04.1): return the loss of a model that gives each of the V
    // characters the same probability.
    KIT_TODO("lab04.1", "the expected first loss of a model that knows nothing");
#endif
}

void init_fix_softmax(Mlp *m)
{
#if !SKELETON /* lab04.2 */
    // logits = h @ W2 + b2 start near zero, so softmax starts near uniform and
    // the first loss near -log(1/27). The lecture's numbers: W2 by 0.01, b2 to
    // zero. W2 = 0 would work too, at the cost of one step: h differs from unit
    // to unit (W1 is random), so dW2 = h^T @ dlogits is not zero and the first
    // update makes W2 non-zero; only W2 and b2 learn on that first step, since
    // dh = dlogits @ W2^T is zero while W2 is.
    tensor_scale_(m->W2, 0.01f);
    tensor_scale_(m->b2, 0.0f);
#else
    // TODO(lab04.2): shrink the output layer in place (tensor_scale_) so the first logits are
    // near zero and the first loss near expected_first_loss(VOCAB). How small? Try, and watch demo.
    KIT_TODO("lab04.2", "the softmax fix: small logits at the start");
#endif
}

/* ========================================================================= */
/* Tanh saturation, and the tanh fix                                         */
/* ========================================================================= */

SatStats tanh_saturation(const float *h, int B, int H, float thresh, unsigned char *mask)
{
#if !SKELETON /* lab04.3 */
    // h: [B, H] row-major; mask: NULL or [B, H]
    SatStats st = {0.0, 0};
    long saturated = 0;
    for (int b = 0; b < B; b++)
        for (int j = 0; j < H; j++) {
            int s = fabsf(h[(long)b * H + j]) > thresh;
            saturated += s;
            if (mask)
                mask[(long)b * H + j] = (unsigned char)s;
        }
    // A column saturated for every example is a neuron whose local gradient
    // (1 - h^2) is ~0 for the whole batch: nothing flows through it to W1.
    for (int j = 0; j < H; j++) {
        int all = 1;
        for (int b = 0; b < B && all; b++)
            all = fabsf(h[(long)b * H + j]) > thresh;
        st.dead_cols += all;
    }
    st.frac = (B > 0 && H > 0) ? (double)saturated / ((double)B * H) : 0.0;
    return st;
#else
    // TODO(lab04.3): count the values with |h| > thresh (fill mask with 1/0 if
    // it is not NULL), and the columns where every one of the B rows is saturated.
    KIT_TODO("lab04.3", "the saturated fraction and the dead columns of h");
#endif
}

void init_fix_tanh(Mlp *m)
{
#if !SKELETON /* lab04.4 */
    // hpreact = emb @ W1 + b1 sums 30 products of two N(0,1) numbers (plus
    // b1): std ~ 5.5, deep in tanh's flat tails. The lecture scales W1 by 0.2,
    // which brings it near 1, and keeps a little entropy in b1 (0.01).
    tensor_scale_(m->W1, 0.2f);
    tensor_scale_(m->b1, 0.01f);
#else
    // TODO(lab04.4): shrink the hidden layer in place (tensor_scale_) so hpreact's std is near 1
    // and few |h| exceed 0.99. demo prints both: find a scale that works for W1, then b1.
    KIT_TODO("lab04.4", "the tanh fix: pre-activations near std 1");
#endif
}

/* ========================================================================= */
/* Kaiming initialization                                                    */
/* ========================================================================= */

double kaiming_scale(double gain, int fan_in)
{
#if !SKELETON /* lab04.5 */
    // Var(x @ w) = fan_in * Var(x) * Var(w) for independent zero-mean entries,
    // so Var(w) = 1/fan_in keeps the variance; the gain makes up for what the
    // nonlinearity squashes (5/3 for tanh).
    return gain / sqrt((double)fan_in);
#else
    // TODO(lab04.5): the factor s such that x @ (s * w) has std gain * std(x) when w is randn
    // with fan_in rows. Start from Var(x @ w) (the handout derives it).
    KIT_TODO("lab04.5", "Kaiming's scale, from Var(x @ w)");
#endif
}

void init_kaiming(Mlp *m)
{
#if !SKELETON /* lab04.6 */
    int fan_in = m->T * m->n_embd;  // W1 is [T*C, H]: each hidden unit sums T*C inputs
    tensor_scale_(m->W1, (float)kaiming_scale(TANH_GAIN, fan_in));
    tensor_scale_(m->b1, 0.01f);
#else
    // TODO(lab04.6): scale W1 in place by kaiming_scale(TANH_GAIN, fan_in), where fan_in is
    // how many inputs each hidden unit sums, and make b1 small as in lab04.4.
    KIT_TODO("lab04.6", "Kaiming init of the hidden layer");
#endif
}

/* ========================================================================= */
/* The four starting points                                                  */
/* ========================================================================= */

void init_stage(Mlp *m, InitStage s)
{
#if !SKELETON /* lab04.7 */
    switch (s) {
    case STAGE_ORIGINAL:
        break;
    case STAGE_SOFTMAX:
        init_fix_softmax(m);
        break;
    case STAGE_TANH:
        init_fix_softmax(m);
        init_fix_tanh(m);
        break;
    case STAGE_KAIMING:
        init_fix_softmax(m);
        init_kaiming(m);
        break;
    default:
        KIT_ERROR("stage %d is not one of the four. HINT: use STAGE_ORIGINAL..STAGE_KAIMING", (int)s);
    }
#else
    // TODO(lab04.7): apply the fixes stage s includes (see InitStage in given.h) with your
    // functions above. Draw nothing: mlp_init already drew the numbers.
    KIT_TODO("lab04.7", "the four starting points");
#endif
}
