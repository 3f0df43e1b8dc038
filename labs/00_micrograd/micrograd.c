/*
 * micrograd.c: lab 00, micrograd. You write what the lecture types live, in
 * its order: a slope, a graph, the chain rule by hand, the local derivatives,
 * the topological sort and backward(), a neuron and a net, the training loop,
 * and the same neuron once more as tensors.
 *
 * What it is: small functions on the core's Value (value.h): v->data, v->grad,
 * v->prev[0..n_prev) (the Values v was made from), v->op, v->exponent.
 * The ops mg_add, mg_mul, mg_tanh, mg_exp, mg_pow (engine.c) make a node with
 * the core and plug in the backward you write here.
 * What it is not: the driver (main.c: what runs, what is printed and drawn).
 *
 * One rule for every backward (lab00.4 to lab00.6, lab00.9 and lab00.10): it
 * reads out->grad and ADDS into the grads of the Values out was made from:
 *     input->grad += local_derivative * out->grad;
 * The handout (README.md, lab00.8) shows why `=` is not enough.
 *
 * Next: fill in each TODO in order; `make check LAB=00` says which is next.
 */
#include "micrograd.h"

#include <math.h>
#include <stdio.h>

#include "kit.h"   // KIT_TODO, KIT_CHECK

/* ------------------------------------------------------------------------- */
/* lab00.1: a derivative as a slope                                           */
/* ------------------------------------------------------------------------- */

double mg_slope(double (*f)(double x), double x, double h)
{
    // TODO(lab00.1): return the slope of f between x and x + h: (f(x + h) - f(x)) / h.
    (void)f; (void)x; (void)h;
    KIT_TODO("lab00.1", "the forward difference (f(x + h) - f(x)) / h");
}

/* ------------------------------------------------------------------------- */
/* lab00.2: an expression as a graph                                          */
/* ------------------------------------------------------------------------- */

Expression mg_build_expression(ValuePool *pool)
{
    // TODO(lab00.2): make the leaves a = 2, b = -3, c = 10, f = -2 with value_new, then
    // e = a*b, d = e + c, L = d*f with mg_mul and mg_add, each labelled (value_set_label).
    (void)pool;
    KIT_TODO("lab00.2", "build L = (a*b + c)*f from labelled Values");
}

/* ------------------------------------------------------------------------- */
/* lab00.3: the chain rule by hand                                            */
/* ------------------------------------------------------------------------- */

void mg_grads_by_hand(Expression *x)
{
    // TODO(lab00.3): set every grad from L back to the leaves: L->grad = 1, then
    // for each node its local derivative times the grad of the node it feeds.
    (void)x;
    KIT_TODO("lab00.3", "every grad of L = (a*b + c)*f by the chain rule");
}

/* ------------------------------------------------------------------------- */
/* lab00.4 to lab00.6: the local derivatives of +, * and tanh                 */
/* ------------------------------------------------------------------------- */

void mg_add_backward(Value *out)
{
    // TODO(lab00.4): out = a + b with a = out->prev[0], b = out->prev[1]: each gets
    // 1 * out->grad (the handout, lab00.4 and lab00.8, says whether to write = or +=).
    (void)out;
    KIT_TODO("lab00.4", "the backward of + (add_backward)");
}

void mg_mul_backward(Value *out)
{
    // TODO(lab00.5): out = a * b: a gets b->data * out->grad, b gets a->data * out->grad.
    (void)out;
    KIT_TODO("lab00.5", "the backward of * (mul_backward)");
}

void mg_tanh_backward(Value *out)
{
    // TODO(lab00.6): out = tanh(a), a = out->prev[0]: a gets (1 - out^2) * out->grad,
    // with out^2 from out->data (the forward already computed tanh).
    (void)out;
    KIT_TODO("lab00.6", "the backward of tanh (tanh_backward)");
}

/* ------------------------------------------------------------------------- */
/* lab00.7 and lab00.8: the topological order and backward()                  */
/* ------------------------------------------------------------------------- */

void mg_build_topo(Value *v, Topo *topo)
{
    // TODO(lab00.7): if v is already in topo->v[0 .. n), return; otherwise call yourself on
    // each of v->prev[0 .. v->n_prev), then append v (check n < MG_MAX_NODES first).
    (void)v; (void)topo;
    KIT_TODO("lab00.7", "build_topo: children first, then the Value");
}

void mg_backward(Value *root)
{
    // TODO(lab00.8): order the graph with mg_build_topo (start from an empty Topo), set
    // root->grad = 1, then call v->backward(v) for each v in reverse order (leaves have none).
    (void)root;
    KIT_TODO("lab00.8", "backward(): topological order, grad 1, each backward in reverse");
}

/* ------------------------------------------------------------------------- */
/* lab00.9 to lab00.11: exp and pow, and tanh rebuilt from them               */
/* ------------------------------------------------------------------------- */

void mg_exp_backward(Value *out)
{
    // TODO(lab00.9): out = exp(a): a gets exp(a) * out->grad, and exp(a) is out->data.
    (void)out;
    KIT_TODO("lab00.9", "the backward of exp");
}

void mg_pow_backward(Value *out)
{
    // TODO(lab00.10): out = a ** k with k = out->exponent: a gets k * a^(k-1) * out->grad.
    (void)out;
    KIT_TODO("lab00.10", "the backward of pow");
}

Value *mg_tanh_from_exp(Value *n)
{
    // TODO(lab00.11): e = exp(2n) with mg_mul_const and mg_exp; return (e - 1) / (e + 1)
    // with mg_add_const and mg_div.
    (void)n;
    KIT_TODO("lab00.11", "tanh built from exp: (e - 1) / (e + 1) with e = exp(2n)");
}

/* ------------------------------------------------------------------------- */
/* lab00.12 to lab00.14: Neuron, Layer, MLP                                   */
/* ------------------------------------------------------------------------- */

void mlp_init(MLP *m, ValuePool *pool, PyRandom *r, int nin, const int *nouts, int nlayers)
{
    // TODO(lab00.12): set m->pool and m->nlayers; for each layer l (nin = previous width), each of its
    // nouts[l] neurons: nin weights then a bias, each value_new(pool, -1 + 2 * pyrandom_random(r), ...),
    // appended to m->params in that order. That is Python's random.uniform(-1, 1), draw for draw.
    (void)m; (void)pool; (void)r; (void)nin; (void)nouts; (void)nlayers;
    KIT_TODO("lab00.12", "MLP(nin, nouts): draw every weight and bias in micrograd's order");
}

Value *neuron_forward(const Neuron *nr, Value *const *x)
{
    // TODO(lab00.13): act = b, then act = act + w[i]*x[i] for i = 0 .. nin-1 (mg_add, mg_mul);
    // return mg_tanh(act).
    (void)nr; (void)x;
    KIT_TODO("lab00.13", "one neuron: tanh(b + sum of w[i]*x[i])");
}

void mlp_forward(const MLP *m, Value *const *x, Value **out)
{
    // TODO(lab00.14): for each layer, every neuron on the previous layer's outputs (the first
    // layer on x); keep the outputs in a small array; the last layer writes into out.
    (void)m; (void)x; (void)out;
    KIT_TODO("lab00.14", "the MLP: layer after layer of neurons");
}

/* ------------------------------------------------------------------------- */
/* lab00.15: the training loop                                                */
/* ------------------------------------------------------------------------- */

double mg_train_step(MLP *m, const double *xs, const double *ys, int n, double lr, double *ypred)
{
    // TODO(lab00.15): forward all n examples (each x a row of nin constants: value_const(m->pool, ...)),
    // loss = sum of (ypred - y)^2; zero every parameter's grad, mg_backward(loss), then
    // p->data += -lr * p->grad. Store each prediction's data in ypred; return loss->data.
    (void)m; (void)xs; (void)ys; (void)n; (void)lr; (void)ypred;
    KIT_TODO("lab00.15", "one training step: forward, loss, zero_grad, backward, update");
}

/* ------------------------------------------------------------------------- */
/* lab00.16: the bridge: one layer as tensors                                 */
/* ------------------------------------------------------------------------- */

Tensor *layer_tensor(Tensor *X, Tensor *W, Tensor *b)
{
    // TODO(lab00.16): out = tanh(X @ W + b) with tensor_matmul, tensor_add and tensor_tanh.
    (void)X; (void)W; (void)b;
    KIT_TODO("lab00.16", "a layer as three tensor ops: tanh(X @ W + b)");
}
