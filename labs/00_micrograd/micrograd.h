/**
 * @file micrograd.h
 * @brief Lab 00: micrograd, the lecture that starts the course: a derivative,
 *        an expression graph, backpropagation, a neuron, a small net trained.
 *
 * What it is: the functions the learner writes (micrograd.c), in the order of
 * the lecture's learning map: a derivative as a slope (lab00.1), an
 * expression as a graph of Values (lab00.2), the chain rule by hand (lab00.3),
 * the local derivatives of +, * and tanh (lab00.4 to lab00.6), the
 * topological order and backward() (lab00.7, lab00.8), exp and pow, and tanh
 * rebuilt from them (lab00.9 to lab00.11), a neuron, a layer and
 * MLP(3, [4, 4, 1]) (lab00.12 to lab00.14), the training loop (lab00.15), and
 * the same neuron with tensors (lab00.16); and the given code
 * they plug into (engine.c), which is short: read it.
 * What it is not: a second autograd engine. A Value is the core's (value.h):
 * its data, grad, prev[] and op, made by the core's forward ops. Your
 * backward functions replace the core's in every node the mg_ ops make, so
 * your gradients are the ones that flow; the tests compare them with the
 * core's value_backward() and with finite differences.
 *
 * Memory: every Value lives in a ValuePool (value.h) the caller owns; the
 * MLP's parameters are kept Values, a training step's graph is temporary
 * (value_pool_mark / value_pool_rewind). Nothing here mallocs.
 *
 * Next: lab00.1 (mg_slope), then `make check LAB=00`.
 */
#ifndef LAB00_MICROGRAD_H
#define LAB00_MICROGRAD_H

#include "rng.h"      // PyRandom: CPython's random, for random.uniform(-1, 1)
#include "tensor.h"   // Tensor, for the bridge (lab00.16)
#include "value.h"    // Value, ValuePool, value_new, value_backward, value_dot

/* ------------------------------------------------------------------------- */
/* Given (engine.c): the ops, made by the core, with YOUR backward plugged in */
/* ------------------------------------------------------------------------- */

/** a + b: the core's value_add, whose node then runs your mg_add_backward. micrograd: `a + b`. */
Value *mg_add(Value *a, Value *b);
/** a * b, backward mg_mul_backward. micrograd: `a * b`. */
Value *mg_mul(Value *a, Value *b);
/** tanh(a), backward mg_tanh_backward. micrograd: `a.tanh()`. */
Value *mg_tanh(Value *a);
/** exp(a), backward mg_exp_backward. micrograd: `a.exp()`. */
Value *mg_exp(Value *a);
/** a ** k for a constant k, backward mg_pow_backward. micrograd: `a ** k`. */
Value *mg_pow(Value *a, double k);
/** A constant leaf in a's pool (micrograd wraps a number the same way: `Value(k)`). */
Value *mg_const(Value *a, double k);
/** a + k: mg_add with a constant leaf. micrograd: `a + 2.0`. */
Value *mg_add_const(Value *a, double k);
/** a * k: mg_mul with a constant leaf. micrograd: `a * 2.0`. */
Value *mg_mul_const(Value *a, double k);
/** -a = a * -1, built from mg_mul, so it has no backward of its own. micrograd: `-a`. */
Value *mg_neg(Value *a);
/** a - b = a + (-b). micrograd: `a - b`. */
Value *mg_sub(Value *a, Value *b);
/** a / b = a * b**-1. micrograd: `a / b`. */
Value *mg_div(Value *a, Value *b);

/** The lecture's first function, f(x) = 3x^2 - 4x + 5 (f(3) = 20). */
double mg_f(double x);

/* ------------------------------------------------------------------------- */
/* lab00.1: a derivative as a slope                                           */
/* ------------------------------------------------------------------------- */

/**
 * @brief lab00.1: the forward difference (f(x + h) - f(x)) / h, the slope of
 * @p f between x and x + h: the derivative at x as h goes to 0.
 * The lecture: mg_slope(mg_f, 2.0/3, 1e-6) = 2.999378523327323e-06 (the true
 * derivative there is 0; what is left is 3h plus rounding).
 */
double mg_slope(double (*f)(double x), double x, double h);

/* ------------------------------------------------------------------------- */
/* lab00.2 and lab00.3: the expression L = (a*b + c) * f                      */
/* ------------------------------------------------------------------------- */

/** The lecture's first expression graph, one pointer per labelled Value. */
typedef struct Expression {
    Value *a, *b, *c;   /**< leaves: 2, -3, 10 */
    Value *e;           /**< e = a * b  (-6) */
    Value *d;           /**< d = e + c  (4) */
    Value *f;           /**< leaf: -2 */
    Value *L;           /**< L = d * f  (-8) */
} Expression;

/**
 * @brief lab00.2: build L = (a*b + c) * f from the leaves a = 2, b = -3,
 * c = 10, f = -2, with mg_mul and mg_add, and label every Value with its
 * letter ("a" ... "L"), as the lecture does before drawing it.
 * The Values live in @p pool. @return the seven Values.
 */
Expression mg_build_expression(ValuePool *pool);

/**
 * @brief lab00.3: fill in every grad of @p x by hand, from L back to the
 * leaves, with the chain rule: dL/dL = 1; for each node, its grad is the local
 * derivative times the grad of the node it feeds. Use the data of the nodes,
 * never a number you worked out on paper. (No backward function is called.)
 */
void mg_grads_by_hand(Expression *x);

/* ------------------------------------------------------------------------- */
/* lab00.4 to lab00.6: the local derivatives of +, * and tanh                 */
/* ------------------------------------------------------------------------- */

/** @brief lab00.4: the backward of out = a + b: each input's grad gets 1 * out->grad. */
void mg_add_backward(Value *out);
/** @brief lab00.5: the backward of out = a * b: a gets b * out->grad, b gets a * out->grad. */
void mg_mul_backward(Value *out);
/** @brief lab00.6: the backward of out = tanh(a): a gets (1 - out^2) * out->grad. */
void mg_tanh_backward(Value *out);

/* ------------------------------------------------------------------------- */
/* lab00.7 and lab00.8: the topological order and backward()                  */
/* ------------------------------------------------------------------------- */

/** The most Values one backward visits (a training step of lab 00 reaches 368: 41 parameters, 327 made in the step). */
#define MG_MAX_NODES 8192

/** A topological order: children before the Values made from them. */
typedef struct Topo {
    Value *v[MG_MAX_NODES];   /**< v[0..n): the order */
    int n;                    /**< how many */
} Topo;

/**
 * @brief lab00.7: micrograd's build_topo. If @p v is not in @p topo yet,
 * visit its children (v->prev[0 .. v->n_prev)) first, then append v. The
 * root ends up last. More than MG_MAX_NODES Values is an error.
 */
void mg_build_topo(Value *v, Topo *topo);

/**
 * @brief lab00.8: micrograd's backward(): build the topological order under
 * @p root, set root->grad = 1, then call each node's backward (if it has one:
 * leaves do not) from the root back to the leaves. Grads accumulate: zero
 * them first when you call it twice.
 */
void mg_backward(Value *root);

/* ------------------------------------------------------------------------- */
/* lab00.9 to lab00.11: exp and pow, and tanh rebuilt from them               */
/* ------------------------------------------------------------------------- */

/** @brief lab00.9: the backward of out = exp(a): a gets out * out->grad (exp is its own derivative). */
void mg_exp_backward(Value *out);
/** @brief lab00.10: the backward of out = a ** k: a gets k * a^(k-1) * out->grad (k is out->exponent). */
void mg_pow_backward(Value *out);
/**
 * @brief lab00.11: tanh(n) built from the small ops, as the lecture's second
 * half does it: e = exp(2 * n); o = (e - 1) / (e + 1). Use mg_mul_const,
 * mg_exp, mg_add_const and mg_div, so the gradients flow through your exp and
 * pow backward. @return o, whose data and gradients equal mg_tanh(n)'s.
 */
Value *mg_tanh_from_exp(Value *n);

/* ------------------------------------------------------------------------- */
/* lab00.12 to lab00.14: Neuron, Layer, MLP                                   */
/* ------------------------------------------------------------------------- */

#define MG_MAX_IN 8       /**< most inputs of a neuron */
#define MG_MAX_WIDTH 8    /**< most neurons in a layer */
#define MG_MAX_LAYERS 4   /**< most layers */
/** Most parameters of an MLP: every neuron's weights and bias. */
#define MG_MAX_PARAMS (MG_MAX_LAYERS * MG_MAX_WIDTH * (MG_MAX_IN + 1))

/** micrograd's Neuron: nin weights and a bias, all kept Values. */
typedef struct Neuron {
    int nin;                /**< how many inputs */
    Value *w[MG_MAX_IN];    /**< w[0 .. nin) */
    Value *b;               /**< the bias */
} Neuron;

/** micrograd's Layer: nout neurons, each seeing the same nin inputs. */
typedef struct Layer {
    int nin, nout;
    Neuron neurons[MG_MAX_WIDTH];
} Layer;

/** micrograd's MLP: layers of sizes [nin] + nouts, and its parameters in micrograd's order. */
typedef struct MLP {
    ValuePool *pool;                 /**< where its parameters live (and each step's graph) */
    int nlayers;
    Layer layers[MG_MAX_LAYERS];
    int n_params;                    /**< 41 for MLP(3, [4, 4, 1]) */
    Value *params[MG_MAX_PARAMS];    /**< n.parameters(): per layer, per neuron, w then b */
} MLP;

/**
 * @brief lab00.12: MLP(nin, nouts): layer i maps sz[i] inputs to sz[i+1]
 * outputs, where sz = [nin] + nouts. Every weight and bias is a new leaf
 * value_new(pool, -1 + 2 * pyrandom_random(r), label), which is exactly
 * Python's random.uniform(-1, 1), drawn in micrograd's order: layer by layer,
 * neuron by neuron, the nin weights, then the bias. Append each to m->params
 * in that same order, and set m->pool. Sizes above the MG_MAX_ limits are an error.
 */
void mlp_init(MLP *m, ValuePool *pool, PyRandom *r, int nin, const int *nouts, int nlayers);

/**
 * @brief lab00.13: one neuron on inputs @p x (nr->nin of them):
 * act = b + w[0]*x[0] + w[1]*x[1] + ..., summed in that order (micrograd's
 * `sum((wi*xi for ...), self.b)`), then out = tanh(act) with mg_tanh.
 */
Value *neuron_forward(const Neuron *nr, Value *const *x);

/**
 * @brief lab00.14: the MLP on inputs @p x (m->layers[0].nin of them): each
 * layer's neurons all see the previous layer's outputs. Writes the last
 * layer's outputs to @p out (m->layers[last].nout of them).
 */
void mlp_forward(const MLP *m, Value *const *x, Value **out);

/* ------------------------------------------------------------------------- */
/* lab00.15: the training loop                                                */
/* ------------------------------------------------------------------------- */

/**
 * @brief lab00.15: one step of gradient descent on @p n examples: forward
 * (ypred = m(x) for each of the rows of @p xs, each of m's nin numbers made a
 * constant Value), the loss sum over examples of (ypred - y)^2 (with mg_sub
 * and mg_pow), zero every parameter's grad, mg_backward(loss), then
 * p->data += -lr * p->grad for every parameter.
 * Writes the n predictions' data into @p ypred.
 * @return the loss, computed before the update (what the lecture prints).
 * The step's Values are temporaries: the caller rewinds the pool after it.
 */
double mg_train_step(MLP *m, const double *xs, const double *ys, int n, double lr, double *ypred);

/* ------------------------------------------------------------------------- */
/* lab00.16: the bridge: one layer as tensors                                 */
/* ------------------------------------------------------------------------- */

/**
 * @brief lab00.16: a whole layer on a whole batch at once with tensor.h:
 * out = tanh(X @ W + b), X [B, nin], W [nin, nout], b [nout] -> [B, nout].
 * Each of the B * nout numbers of out is one neuron_forward of the Values
 * above; here three ops make them all.
 */
Tensor *layer_tensor(Tensor *X, Tensor *W, Tensor *b);

#endif /* LAB00_MICROGRAD_H */
