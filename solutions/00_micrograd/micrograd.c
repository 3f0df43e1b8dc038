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
#if !SKELETON /* lab00.1 */
    // rise over run: how much f moves when x moves a little to the right
    return (f(x + h) - f(x)) / h;
#else
    // TODO(lab00.1): return the slope of f between x and x + h: (f(x + h) - f(x)) / h.
    (void)f; (void)x; (void)h;
    KIT_TODO("lab00.1", "the forward difference (f(x + h) - f(x)) / h");
#endif
}

/* ------------------------------------------------------------------------- */
/* lab00.2: an expression as a graph                                          */
/* ------------------------------------------------------------------------- */

Expression mg_build_expression(ValuePool *pool)
{
#if !SKELETON /* lab00.2 */
    Expression x;
    x.a = value_new(pool, 2.0, "a");
    x.b = value_new(pool, -3.0, "b");
    x.c = value_new(pool, 10.0, "c");
    x.e = value_set_label(mg_mul(x.a, x.b), "e");   // e = a*b
    x.d = value_set_label(mg_add(x.e, x.c), "d");   // d = e + c
    x.f = value_new(pool, -2.0, "f");
    x.L = value_set_label(mg_mul(x.d, x.f), "L");   // L = d * f
    return x;
#else
    // TODO(lab00.2): make the leaves a = 2, b = -3, c = 10, f = -2 with value_new, then
    // e = a*b, d = e + c, L = d*f with mg_mul and mg_add, each labelled (value_set_label).
    (void)pool;
    KIT_TODO("lab00.2", "build L = (a*b + c)*f from labelled Values");
#endif
}

/* ------------------------------------------------------------------------- */
/* lab00.3: the chain rule by hand                                            */
/* ------------------------------------------------------------------------- */

void mg_grads_by_hand(Expression *x)
{
#if !SKELETON /* lab00.3 */
    x->L->grad = 1.0;                        // dL/dL
    // L = d * f: the local derivative of a product is the other factor
    x->d->grad = x->f->data * x->L->grad;    // dL/dd = f
    x->f->grad = x->d->data * x->L->grad;    // dL/df = d
    // d = e + c: plus passes the gradient on unchanged (local derivative 1)
    x->e->grad = 1.0 * x->d->grad;
    x->c->grad = 1.0 * x->d->grad;
    // e = a * b: the other factor again, times what arrives at e (the chain rule)
    x->a->grad = x->b->data * x->e->grad;
    x->b->grad = x->a->data * x->e->grad;
#else
    // TODO(lab00.3): set every grad from L back to the leaves: L->grad = 1, then
    // for each node its local derivative times the grad of the node it feeds.
    (void)x;
    KIT_TODO("lab00.3", "every grad of L = (a*b + c)*f by the chain rule");
#endif
}

/* ------------------------------------------------------------------------- */
/* lab00.4 to lab00.6: the local derivatives of +, * and tanh                 */
/* ------------------------------------------------------------------------- */

void mg_add_backward(Value *out)
{
#if !SKELETON /* lab00.4 */
    // forward: out = a + b;  local: d(out)/da = 1, d(out)/db = 1
    Value *a = out->prev[0], *b = out->prev[1];
    a->grad += 1.0 * out->grad;
    b->grad += 1.0 * out->grad;
#else
    // TODO(lab00.4): out = a + b with a = out->prev[0], b = out->prev[1]: each gets
    // 1 * out->grad (the handout, lab00.4 and lab00.8, says whether to write = or +=).
    (void)out;
    KIT_TODO("lab00.4", "the backward of + (add_backward)");
#endif
}

void mg_mul_backward(Value *out)
{
#if !SKELETON /* lab00.5 */
    // forward: out = a * b;  local: d(out)/da = b, d(out)/db = a
    Value *a = out->prev[0], *b = out->prev[1];
    a->grad += b->data * out->grad;
    b->grad += a->data * out->grad;
#else
    // TODO(lab00.5): out = a * b: a gets b->data * out->grad, b gets a->data * out->grad.
    (void)out;
    KIT_TODO("lab00.5", "the backward of * (mul_backward)");
#endif
}

void mg_tanh_backward(Value *out)
{
#if !SKELETON /* lab00.6 */
    // forward: out = tanh(a);  local: d(out)/da = 1 - tanh(a)^2 = 1 - out^2
    Value *a = out->prev[0];
    a->grad += (1.0 - out->data * out->data) * out->grad;
#else
    // TODO(lab00.6): out = tanh(a), a = out->prev[0]: a gets (1 - out^2) * out->grad,
    // with out^2 from out->data (the forward already computed tanh).
    (void)out;
    KIT_TODO("lab00.6", "the backward of tanh (tanh_backward)");
#endif
}

/* ------------------------------------------------------------------------- */
/* lab00.7 and lab00.8: the topological order and backward()                  */
/* ------------------------------------------------------------------------- */

void mg_build_topo(Value *v, Topo *topo)
{
#if !SKELETON /* lab00.7 */
    // `if v not in visited`: a Value already in the order was visited before
    // (in a graph without cycles, nothing reaches a Value whose visit is under way)
    for (int i = 0; i < topo->n; i++)
        if (topo->v[i] == v) return;
    for (int i = 0; i < v->n_prev; i++)   // the children first ...
        mg_build_topo(v->prev[i], topo);
    KIT_CHECK(topo->n < MG_MAX_NODES, "mg_build_topo: the graph has more than %d Values. HINT: rewind the pool "
              "after each training step, or raise MG_MAX_NODES in micrograd.h", MG_MAX_NODES);
    topo->v[topo->n++] = v;               // ... then the Value made from them
#else
    // TODO(lab00.7): if v is already in topo->v[0 .. n), return; otherwise call yourself on
    // each of v->prev[0 .. v->n_prev), then append v (check n < MG_MAX_NODES first).
    (void)v; (void)topo;
    KIT_TODO("lab00.7", "build_topo: children first, then the Value");
#endif
}

void mg_backward(Value *root)
{
#if !SKELETON /* lab00.8 */
    static Topo topo;        // 64 KB: static, so a deep graph does not need a big stack
    topo.n = 0;
    mg_build_topo(root, &topo);
    root->grad = 1.0;        // d(root)/d(root)
    // from the root back to the leaves: when a node's backward runs, every use
    // of it has already added its share into its grad
    for (int i = topo.n - 1; i >= 0; i--)
        if (topo.v[i]->backward != NULL) topo.v[i]->backward(topo.v[i]);
#else
    // TODO(lab00.8): order the graph with mg_build_topo (start from an empty Topo), set
    // root->grad = 1, then call v->backward(v) for each v in reverse order (leaves have none).
    (void)root;
    KIT_TODO("lab00.8", "backward(): topological order, grad 1, each backward in reverse");
#endif
}

/* ------------------------------------------------------------------------- */
/* lab00.9 to lab00.11: exp and pow, and tanh rebuilt from them               */
/* ------------------------------------------------------------------------- */

void mg_exp_backward(Value *out)
{
#if !SKELETON /* lab00.9 */
    // forward: out = exp(a);  local: d(out)/da = exp(a) = out
    Value *a = out->prev[0];
    a->grad += out->data * out->grad;
#else
    // TODO(lab00.9): out = exp(a): a gets exp(a) * out->grad, and exp(a) is out->data.
    (void)out;
    KIT_TODO("lab00.9", "the backward of exp");
#endif
}

void mg_pow_backward(Value *out)
{
#if !SKELETON /* lab00.10 */
    // forward: out = a ** k;  local: d(out)/da = k * a ** (k - 1)  (k a constant: no grad for it)
    Value *a = out->prev[0];
    double k = out->exponent;
    a->grad += k * pow(a->data, k - 1.0) * out->grad;
#else
    // TODO(lab00.10): out = a ** k with k = out->exponent: a gets k * a^(k-1) * out->grad.
    (void)out;
    KIT_TODO("lab00.10", "the backward of pow");
#endif
}

Value *mg_tanh_from_exp(Value *n)
{
#if !SKELETON /* lab00.11 */
    Value *e = mg_exp(mg_mul_const(n, 2.0));                 // e = (2*n).exp()
    return mg_div(mg_add_const(e, -1.0), mg_add_const(e, 1.0));   // o = (e - 1) / (e + 1)
#else
    // TODO(lab00.11): e = exp(2n) with mg_mul_const and mg_exp; return (e - 1) / (e + 1)
    // with mg_add_const and mg_div.
    (void)n;
    KIT_TODO("lab00.11", "tanh built from exp: (e - 1) / (e + 1) with e = exp(2n)");
#endif
}

/* ------------------------------------------------------------------------- */
/* lab00.12 to lab00.14: Neuron, Layer, MLP                                   */
/* ------------------------------------------------------------------------- */

void mlp_init(MLP *m, ValuePool *pool, PyRandom *r, int nin, const int *nouts, int nlayers)
{
#if !SKELETON /* lab00.12 */
    KIT_CHECK(nlayers >= 1 && nlayers <= MG_MAX_LAYERS && nin >= 1 && nin <= MG_MAX_IN,
              "mlp_init: %d inputs and %d layers; at most %d and %d. HINT: MLP(3, [4, 4, 1]) fits", nin, nlayers,
              MG_MAX_IN, MG_MAX_LAYERS);
    m->pool = pool;
    m->nlayers = nlayers;
    m->n_params = 0;
    int fan_in = nin;
    for (int l = 0; l < nlayers; l++) {
        Layer *layer = &m->layers[l];
        KIT_CHECK(nouts[l] >= 1 && nouts[l] <= MG_MAX_WIDTH && nouts[l] <= MG_MAX_IN,
                  "mlp_init: layer %d has %d neurons; 1 to %d fit. HINT: MLP(3, [4, 4, 1])", l, nouts[l], MG_MAX_WIDTH);
        layer->nin = fan_in;
        layer->nout = nouts[l];
        for (int j = 0; j < layer->nout; j++) {
            Neuron *nr = &layer->neurons[j];
            nr->nin = fan_in;
            // Neuron.__init__: w = [Value(random.uniform(-1,1)) for _ in range(nin)], then b
            for (int i = 0; i < fan_in; i++) {
                nr->w[i] = value_new(pool, -1.0 + 2.0 * pyrandom_random(r), "w");
                m->params[m->n_params++] = nr->w[i];
            }
            nr->b = value_new(pool, -1.0 + 2.0 * pyrandom_random(r), "b");
            m->params[m->n_params++] = nr->b;
        }
        fan_in = layer->nout;   // the next layer sees this one's outputs
    }
#else
    // TODO(lab00.12): set m->pool and m->nlayers; for each layer l (nin = previous width), each of its
    // nouts[l] neurons: nin weights then a bias, each value_new(pool, -1 + 2 * pyrandom_random(r), ...),
    // appended to m->params in that order. That is Python's random.uniform(-1, 1), draw for draw.
    (void)m; (void)pool; (void)r; (void)nin; (void)nouts; (void)nlayers;
    KIT_TODO("lab00.12", "MLP(nin, nouts): draw every weight and bias in micrograd's order");
#endif
}

Value *neuron_forward(const Neuron *nr, Value *const *x)
{
#if !SKELETON /* lab00.13 */
    // sum((wi*xi for wi, xi in zip(self.w, x)), self.b): the bias first, then each w*x in order
    Value *act = nr->b;
    for (int i = 0; i < nr->nin; i++) act = mg_add(act, mg_mul(nr->w[i], x[i]));
    return mg_tanh(act);
#else
    // TODO(lab00.13): act = b, then act = act + w[i]*x[i] for i = 0 .. nin-1 (mg_add, mg_mul);
    // return mg_tanh(act).
    (void)nr; (void)x;
    KIT_TODO("lab00.13", "one neuron: tanh(b + sum of w[i]*x[i])");
#endif
}

void mlp_forward(const MLP *m, Value *const *x, Value **out)
{
#if !SKELETON /* lab00.14 */
    Value *buf[2][MG_MAX_WIDTH];
    Value *const *in = x;
    for (int l = 0; l < m->nlayers; l++) {
        const Layer *layer = &m->layers[l];
        Value **o = l == m->nlayers - 1 ? out : buf[l % 2];   // the last layer writes to out
        for (int j = 0; j < layer->nout; j++) o[j] = neuron_forward(&layer->neurons[j], in);
        in = o;
    }
#else
    // TODO(lab00.14): for each layer, every neuron on the previous layer's outputs (the first
    // layer on x); keep the outputs in a small array; the last layer writes into out.
    (void)m; (void)x; (void)out;
    KIT_TODO("lab00.14", "the MLP: layer after layer of neurons");
#endif
}

/* ------------------------------------------------------------------------- */
/* lab00.15: the training loop                                                */
/* ------------------------------------------------------------------------- */

double mg_train_step(MLP *m, const double *xs, const double *ys, int n, double lr, double *ypred)
{
#if !SKELETON /* lab00.15 */
    int nin = m->layers[0].nin;
    // forward: ypred = [n(x) for x in xs]; loss = sum((yout - ygt)**2 ...)
    Value *loss = NULL;
    for (int k = 0; k < n; k++) {
        Value *x[MG_MAX_IN], *yout;
        for (int i = 0; i < nin; i++) x[i] = value_const(m->pool, xs[k * nin + i]);
        mlp_forward(m, x, &yout);
        ypred[k] = yout->data;
        Value *sq = mg_pow(mg_sub(yout, value_const(m->pool, ys[k])), 2.0);
        loss = loss == NULL ? sq : mg_add(loss, sq);
    }
    // backward: zero the grads first (backward adds into them), then backpropagate
    for (int p = 0; p < m->n_params; p++) m->params[p]->grad = 0.0;
    mg_backward(loss);
    // update: a small step against the gradient
    for (int p = 0; p < m->n_params; p++) m->params[p]->data += -lr * m->params[p]->grad;
    return loss->data;
#else
    // TODO(lab00.15): forward all n examples (each x a row of nin constants: value_const(m->pool, ...)),
    // loss = sum of (ypred - y)^2; zero every parameter's grad, mg_backward(loss), then
    // p->data += -lr * p->grad. Store each prediction's data in ypred; return loss->data.
    (void)m; (void)xs; (void)ys; (void)n; (void)lr; (void)ypred;
    KIT_TODO("lab00.15", "one training step: forward, loss, zero_grad, backward, update");
#endif
}

/* ------------------------------------------------------------------------- */
/* lab00.16: the bridge: one layer as tensors                                 */
/* ------------------------------------------------------------------------- */

Tensor *layer_tensor(Tensor *X, Tensor *W, Tensor *b)
{
#if !SKELETON /* lab00.16 */
    // [B, nin] @ [nin, nout] -> [B, nout]; + b [nout] broadcast over the rows; tanh elementwise
    return tensor_tanh(tensor_add(tensor_matmul(X, W), b));
#else
    // TODO(lab00.16): out = tanh(X @ W + b) with tensor_matmul, tensor_add and tensor_tanh.
    (void)X; (void)W; (void)b;
    KIT_TODO("lab00.16", "a layer as three tensor ops: tanh(X @ W + b)");
#endif
}
