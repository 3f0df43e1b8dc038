/**
 * @file given.c
 * @brief Lab 04, given code: read it, you do not edit it.
 *
 * What it is: lab 03's model (parameters in the lecture's draw order, the
 * forward pass, the training step, the split loss), the names of the four
 * starting points, and the activation functions of the lecture's aside.
 * What it is not: anything you write (init.c).
 */
#include "given.h"

#include <math.h>
#include <string.h>

#include "kit.h"        // KIT_CHECK, KIT_ERROR
#include "minibatch.h"  // batch_draw, split_loss

/* ========================================================================= */
/* The model: lab 03's                                                       */
/* ========================================================================= */

void mlp_init(Mlp *m, Graph *g, int T, int n_embd, int n_hidden, TorchRng *r)
{
    KIT_CHECK(T >= 1 && n_embd >= 1 && n_hidden >= 1,
              "mlp_init: block %d, embedding %d, hidden %d must all be at least 1. "
              "HINT: check --block, --emb and --hidden.", T, n_embd, n_hidden);
    memset(m, 0, sizeof *m);
    m->g = g;
    m->T = T;
    m->n_embd = n_embd;
    m->n_hidden = n_hidden;
    // Plain randn, in the lecture's ORDER: each randn continues the same
    // generator, so C, W1, b1, W2, b2 in this order reproduce its numbers.
    // The fixes of this lab scale these numbers afterwards (init_stage): that
    // gives the same floats as the lecture's `torch.randn(...) * scale`.
    m->C = tensor_param(g, SHAPE(VOCAB, n_embd));          // [V, C]
    tensor_randn_(m->C, r);
    m->W1 = tensor_param(g, SHAPE(T * n_embd, n_hidden));  // [T*C, H]
    tensor_randn_(m->W1, r);
    m->b1 = tensor_param(g, SHAPE(n_hidden));              // [H]
    tensor_randn_(m->b1, r);
    m->W2 = tensor_param(g, SHAPE(n_hidden, VOCAB));       // [H, V]
    tensor_randn_(m->W2, r);
    m->b2 = tensor_param(g, SHAPE(VOCAB));                 // [V]
    tensor_randn_(m->b2, r);
    Tensor *ps[MLP_NPARAMS] = {m->C, m->W1, m->b1, m->W2, m->b2};
    memcpy(m->params, ps, sizeof ps);
}

Tensor *mlp_forward_probe(const Mlp *m, const int *X, int B, MlpProbe *probe)
{
    Tensor *emb = tensor_embed(m->C, X, SHAPE(B, m->T));                // [B, T, C]
    Tensor *x = tensor_view(emb, SHAPE(B, m->T * m->n_embd));           // [B, T*C]
    Tensor *hpreact = tensor_add(tensor_matmul(x, m->W1), m->b1);       // [B, H]
    Tensor *h = tensor_tanh(hpreact);                                   // [B, H]
    if (probe) {
        probe->hpreact = hpreact;
        probe->h = h;
    }
    return tensor_add(tensor_matmul(h, m->W2), m->b2);                  // [B, V]
}

Tensor *mlp_forward(const Mlp *m, const int *X, int B)
{
    return mlp_forward_probe(m, X, B, NULL);  // [B, V]
}

Tensor *mlp_loss_of(void *model, const int *X, const int *Y, int n)
{
    return tensor_cross_entropy(mlp_forward(model, X, n), Y);  // [n, V] -> [1]
}

double mlp_split_loss(Mlp *m, const Dataset *ds)
{
    return split_loss(m->g, ds, mlp_loss_of, m);
}

float mlp_train_step(Mlp *m, const Dataset *tr, TorchRng *r, int B, float lr, int *ix_out)
{
    Batch b = batch_draw(m->g, tr, r, B, ix_out);             // X [B, T], Y [B]
    Tensor *loss = tensor_cross_entropy(mlp_forward(m, b.X, B), b.Y);  // [1]
    float value = tensor_item(loss);
    params_zero_grad(m->params, MLP_NPARAMS);
    tensor_backward(loss);
    params_sgd(m->params, MLP_NPARAMS, lr);  // p.data += -lr * p.grad
    graph_step_reset(m->g);
    return value;
}

/* ========================================================================= */
/* The four starting points                                                  */
/* ========================================================================= */

static const char *const STAGE_NAMES[STAGE_COUNT] = {"original", "softmax", "tanh", "kaiming"};

const char *stage_name(InitStage s)
{
    return (s >= 0 && s < STAGE_COUNT) ? STAGE_NAMES[s] : NULL;
}

int stage_from_name(const char *name)
{
    for (int s = 0; s < STAGE_COUNT; s++)
        if (name && strcmp(name, STAGE_NAMES[s]) == 0)
            return s;
    return -1;
}

/* ========================================================================= */
/* The aside: activation functions and where their gradient vanishes         */
/* ========================================================================= */

static const char *const ACT_NAMES[ACT_COUNT] = {"tanh", "sigmoid", "relu", "leaky_relu", "elu"};

const char *act_name(ActKind k)
{
    return (k >= 0 && k < ACT_COUNT) ? ACT_NAMES[k] : NULL;
}

void act_eval(ActKind k, double x, double *f, double *df)
{
    switch (k) {
    case ACT_TANH:     // flat on both sides: f' = 1 - f^2 -> 0 as |x| grows
        *f = tanh(x);
        *df = 1.0 - *f * *f;
        break;
    case ACT_SIGMOID:  // also flat on both sides, and f' is at most 0.25
        *f = 1.0 / (1.0 + exp(-x));
        *df = *f * (1.0 - *f);
        break;
    case ACT_RELU:     // flat for x < 0: a unit that is always negative is dead
        *f = x > 0 ? x : 0.0;
        *df = x > 0 ? 1.0 : 0.0;
        break;
    case ACT_LEAKY_RELU:  // a small slope, 0.01, keeps some gradient for x < 0
        *f = x > 0 ? x : 0.01 * x;
        *df = x > 0 ? 1.0 : 0.01;
        break;
    case ACT_ELU:      // smooth; flat only far to the left
        *f = x > 0 ? x : exp(x) - 1.0;
        *df = x > 0 ? 1.0 : exp(x);
        break;
    default:
        KIT_ERROR("activation %d unknown. HINT: use ACT_TANH..ACT_ELU", (int)k);
    }
}
