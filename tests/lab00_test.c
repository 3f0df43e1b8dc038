/*
 * lab00_test.c: the checklist for lab 00 (micrograd), one step per function
 * you write in micrograd.c, in the lecture's order.
 *
 * What it is: each step calls your functions and compares with numbers found
 * another way: the lecture's printed figures, central finite differences, the
 * core's own backward (value_backward, value.h) on the same graph, and, for
 * the training loop, the lecture's Python code run with random.seed(1337)
 * (tests/fixtures/lab00_micrograd.txt, written by tools/make_lab00_fixture.py).
 * What it is not: a test of the driver (main.c) or of the core's Value
 * (tests/core_value_test.c does that).
 *
 * Run: make check LAB=00 (your code), make test (the solution).
 */
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "micrograd.h"
#include "rng.h"
#include "tensor.h"
#include "value.h"

#define FIXTURE "tests/fixtures/lab00_micrograd.txt"

/* ---- helpers ------------------------------------------------------------------ */

/* The numbers after `key` on its line of the fixture; returns how many (at most cap). */
static int fixture_numbers(const char *key, double *out, int cap)
{
    FILE *f = fopen(FIXTURE, "r");
    ck_assert_msg(f != NULL, "cannot open %s. HINT: run the tests from the repository root (make check)", FIXTURE);
    char line[4096];
    int n = -1;
    size_t klen = strlen(key);
    while (n < 0 && fgets(line, sizeof line, f)) {
        if (line[0] == '#' || strncmp(line, key, klen) != 0 || line[klen] != ' ') continue;
        n = 0;
        char *p = line + klen, *end;
        for (double v = strtod(p, &end); end != p && n < cap; v = strtod(p, &end)) {
            out[n++] = v;
            p = end;
        }
    }
    fclose(f);
    ck_assert_msg(n > 0, "%s has no line '%s'. HINT: python3 tools/make_lab00_fixture.py > %s", FIXTURE, key, FIXTURE);
    return n;
}

/* The lecture's neuron, made with the lab's ops (your backward) or the core's. */
typedef struct TNeuron {
    Value *x1, *x2, *w1, *w2, *b, *x1w1, *x2w2, *sum, *n, *o;
} TNeuron;

static TNeuron neuron(ValuePool *pool, bool core)
{
    TNeuron g;
    g.x1 = value_new(pool, 2.0, "x1");
    g.x2 = value_new(pool, 0.0, "x2");
    g.w1 = value_new(pool, -3.0, "w1");
    g.w2 = value_new(pool, 1.0, "w2");
    g.b = value_new(pool, 6.8813735870195432, "b");
    g.x1w1 = core ? value_mul(g.x1, g.w1) : mg_mul(g.x1, g.w1);
    g.x2w2 = core ? value_mul(g.x2, g.w2) : mg_mul(g.x2, g.w2);
    g.sum = core ? value_add(g.x1w1, g.x2w2) : mg_add(g.x1w1, g.x2w2);
    g.n = core ? value_add(g.sum, g.b) : mg_add(g.sum, g.b);
    g.o = NULL;
    return g;
}

static void expect_neuron_grads(const TNeuron *g, double tol, const char *how)
{
    char what[128];
    /* the lecture: x1 -1.5, w1 1.0, x2 0.5, w2 0.0, b and n 0.5 (mg-2 [10]) */
    const struct { Value *v; double want; const char *name; } rows[] = {
        {g->n, 0.5, "n.grad = 1 - o^2"}, {g->b, 0.5, "b.grad"}, {g->sum, 0.5, "(x1*w1 + x2*w2).grad"},
        {g->x1w1, 0.5, "(x1*w1).grad"}, {g->x2w2, 0.5, "(x2*w2).grad"}, {g->x1, -1.5, "x1.grad = w1 * 0.5"},
        {g->w1, 1.0, "w1.grad = x1 * 0.5"}, {g->x2, 0.5, "x2.grad = w2 * 0.5"}, {g->w2, 0.0, "w2.grad = x2 * 0.5"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        snprintf(what, sizeof what, "%s: %s", how, rows[i].name);
        EXPECT_NEAR(rows[i].v->grad, rows[i].want, tol, what);
    }
}

/* L = (a*b + c)*f made here with the lab's ops, so lab00.3 and lab00.7 do not wait for your lab00.2. */
static Expression expression(ValuePool *pool)
{
    Expression x;
    x.a = value_new(pool, 2.0, "a");
    x.b = value_new(pool, -3.0, "b");
    x.c = value_new(pool, 10.0, "c");
    x.e = value_set_label(mg_mul(x.a, x.b), "e");
    x.d = value_set_label(mg_add(x.e, x.c), "d");
    x.f = value_new(pool, -2.0, "f");
    x.L = value_set_label(mg_mul(x.d, x.f), "L");
    return x;
}

/* One op of a single input, for finite differences: out = op(x). */
typedef Value *(*Op1)(Value *x);
static Value *op_tanh(Value *x) { return mg_tanh(x); }
static Value *op_exp(Value *x) { return mg_exp(x); }
static Value *op_pow3(Value *x) { return mg_pow(x, 3.0); }
static Value *op_pow_m1(Value *x) { return mg_pow(x, -1.0); }
static Value *op_pow_half(Value *x) { return mg_pow(x, 0.5); }

/* Your backward of op at x, called once by hand with out->grad = g, against
 * g times the central difference of the forward (which is the core's). */
static void expect_local_1(Op1 op, const char *name, double x, double g)
{
    ValuePool pool = {0};
    Value *vx = value_new(&pool, x, "x");
    Value *out = op(vx);
    out->grad = g;
    out->backward(out);
    const double h = 1e-6;
    Value *p = op(value_new(&pool, x + h, "x"));
    Value *m = op(value_new(&pool, x - h, "x"));
    double want = g * (p->data - m->data) / (2 * h);
    char what[128];
    snprintf(what, sizeof what, "x.grad of %s at x = %g with out.grad = %g (central difference)", name, x, g);
    EXPECT_NEAR(vx->grad, want, 1e-6 * fmax(1.0, fabs(want)), what);
    value_pool_free(&pool);
}

/* ---- lab00.1: a derivative as a slope ------------------------------------------- */

static double square(double x) { return x * x; }
static double d_of_c(double c) { return 2.0 * -3.0 + c; }   // d = a*b + c with a = 2, b = -3

START_TEST(test_slope)
{
    EXPECT_NEAR(mg_f(3.0), 20.0, 0.0, "f(3) (given)");
    // the lecture's cell [4]: the forward difference at 2/3, where the true slope is 0
    EXPECT_NEAR(mg_slope(mg_f, 2.0 / 3.0, 1e-6), 2.999378523327323e-06, 1e-18,
                "slope of f at 2/3 with h = 1e-6 (the lecture prints 2.999378523327323e-06)");
    // [6]: bumping c by h = 1e-4 in d = a*b + c
    EXPECT_NEAR(mg_slope(d_of_c, 10.0, 1e-4), 0.9999999999976694, 1e-15,
                "slope of d = a*b + c in c, h = 1e-4 (the lecture prints 0.9999999999976694)");
    // forward, not central: x^2 from 1 to 1.5 rises 1.25 over 0.5
    EXPECT_NEAR(mg_slope(square, 1.0, 0.5), 2.5, 0.0, "slope of x^2 between 1 and 1.5: (2.25 - 1) / 0.5");
    EXPECT_NEAR(mg_slope(mg_f, 3.0, 1e-6), 14.0, 1e-5, "slope of f at 3 (f'(x) = 6x - 4 = 14)");
    EXPECT_NEAR(mg_slope(mg_f, -3.0, 1e-6), -22.0, 1e-5, "slope of f at -3 (6x - 4 = -22)");
    harness_note("slope of f at 2/3: %.16g; of d in c: %.16g", mg_slope(mg_f, 2.0 / 3.0, 1e-6), mg_slope(d_of_c, 10.0, 1e-4));
}
END_TEST

/* ---- lab00.2: an expression as a graph -------------------------------------------- */

static void expect_node(Value *v, const char *label, double data, const char *op, Value *p0, Value *p1)
{
    char what[96];
    ck_assert_msg(v != NULL, "Value %s is NULL: set every field of the Expression", label);
    ck_assert_msg(strcmp(v->label, label) == 0, "the Value that should be %s is labelled '%s'. HINT: value_set_label(v, \"%s\")",
                  label, v->label, label);
    snprintf(what, sizeof what, "%s.data", label);
    EXPECT_NEAR(v->data, data, 0.0, what);
    ck_assert_msg(strcmp(v->op, op) == 0, "%s was made by '%s', expected '%s'%s", label, v->op, op,
                  op[0] ? "" : " (a leaf: value_new)");
    if (p0 != NULL) {
        ck_assert_msg(v->n_prev == 2 && v->prev[0] == p0 && v->prev[1] == p1,
                      "%s should be made from %s and %s, in that order", label, p0->label, p1->label);
    }
}

START_TEST(test_expression)
{
    ValuePool pool = {0};
    Expression x = mg_build_expression(&pool);
    expect_node(x.a, "a", 2.0, "", NULL, NULL);
    expect_node(x.b, "b", -3.0, "", NULL, NULL);
    expect_node(x.c, "c", 10.0, "", NULL, NULL);
    expect_node(x.f, "f", -2.0, "", NULL, NULL);
    expect_node(x.e, "e", -6.0, "*", x.a, x.b);
    expect_node(x.d, "d", 4.0, "+", x.e, x.c);
    expect_node(x.L, "L", -8.0, "*", x.d, x.f);
    ck_assert_msg(x.e->backward == mg_mul_backward && x.d->backward == mg_add_backward && x.L->backward == mg_mul_backward,
                  "make e, d and L with mg_mul and mg_add (not value_mul/value_add), so your backward runs later");
    EXPECT_INT_EQ(value_pool_count(&pool), 7, "Values in the pool (4 leaves, 3 ops)");
    Value **order;
    EXPECT_INT_EQ(value_topo(x.L, &order), 7, "Values in the graph under L (the core's value_topo)");
    harness_note("L = (a*b + c)*f = %g", x.L->data);
    value_pool_free(&pool);
}
END_TEST

/* ---- lab00.3: the chain rule by hand ------------------------------------------------- */

/* L from the leaves, in doubles, for finite differences. */
static double L_of(double a, double b, double c, double f) { return (a * b + c) * f; }

START_TEST(test_by_hand)
{
    ValuePool pool = {0};
    Expression x = expression(&pool);
    Value *all[] = {x.a, x.b, x.c, x.e, x.d, x.f, x.L};
    for (int i = 0; i < 7; i++) all[i]->grad = 99.0;   // garbage: every grad must be set
    mg_grads_by_hand(&x);
    // the lecture's graph [9]: L 1, d -2, f 4, e -2, c -2, a 6, b -4
    const double want[] = {6.0, -4.0, -2.0, -2.0, -2.0, 4.0, 1.0};
    for (int i = 0; i < 7; i++) {
        char what[64];
        snprintf(what, sizeof what, "%s.grad (the lecture's figure)", all[i]->label);
        EXPECT_NEAR(all[i]->grad, want[i], 0.0, what);
    }
    // the same against central differences of L, leaf by leaf (h 1e-3: L is quadratic, exact up to rounding)
    const double h = 1e-3, a = 2, b = -3, c = 10, f = -2;
    EXPECT_NEAR(x.a->grad, (L_of(a + h, b, c, f) - L_of(a - h, b, c, f)) / (2 * h), 1e-9, "a.grad vs finite difference");
    EXPECT_NEAR(x.b->grad, (L_of(a, b + h, c, f) - L_of(a, b - h, c, f)) / (2 * h), 1e-9, "b.grad vs finite difference");
    EXPECT_NEAR(x.c->grad, (L_of(a, b, c + h, f) - L_of(a, b, c - h, f)) / (2 * h), 1e-9, "c.grad vs finite difference");
    EXPECT_NEAR(x.f->grad, (L_of(a, b, c, f + h) - L_of(a, b, c, f - h)) / (2 * h), 1e-9, "f.grad vs finite difference");

    // other numbers in the same graph: your grads must come from the nodes' data, not from the figure
    x.a->data = 1.5; x.b->data = 0.5; x.c->data = -2.0; x.f->data = 3.0;
    x.e->data = x.a->data * x.b->data; x.d->data = x.e->data + x.c->data; x.L->data = x.d->data * x.f->data;
    mg_grads_by_hand(&x);
    ValuePool cp = {0};   // the core builds and backpropagates the same expression
    Value *ca = value_new(&cp, 1.5, "a"), *cb = value_new(&cp, 0.5, "b"), *cc = value_new(&cp, -2.0, "c");
    Value *cf = value_new(&cp, 3.0, "f");
    Value *ce = value_mul(ca, cb), *cd = value_add(ce, cc), *cL = value_mul(cd, cf);
    value_backward(cL);
    Value *core[] = {ca, cb, cc, ce, cd, cf, cL};
    for (int i = 0; i < 7; i++) {
        char what[160];
        snprintf(what, sizeof what, "%s.grad with a = 1.5, b = 0.5, c = -2, f = 3 (the core's value_backward)", all[i]->label);
        EXPECT_NEAR(all[i]->grad, core[i]->grad, 0.0, what);
    }
    value_pool_free(&cp);

    // the lecture's nudge [10]: every leaf a small step along its grad makes L larger
    value_pool_reset(&pool);
    x = expression(&pool);
    mg_grads_by_hand(&x);
    Value *leaves[] = {x.a, x.b, x.c, x.f};
    for (int i = 0; i < 4; i++) leaves[i]->data += 0.01 * leaves[i]->grad;
    double L2 = (x.a->data * x.b->data + x.c->data) * x.f->data;
    EXPECT_NEAR(L2, -7.286496, 1e-12, "L after x.data += 0.01 * x.grad on a, b, c, f (the lecture: -7.286496)");
    harness_note("grads by hand a %g b %g c %g d %g e %g f %g; after one nudge L = %.6f", x.a->grad, x.b->grad, x.c->grad,
                 x.d->grad, x.e->grad, x.f->grad, L2);
    value_pool_free(&pool);
}
END_TEST

/* ---- lab00.4: the local derivative of + -------------------------------------------- */

START_TEST(test_add_backward)
{
    // the local derivative against finite differences, with an out.grad other than 1 (the chain rule)
    ValuePool p2 = {0};
    Value *a = value_new(&p2, 1.3, "a"), *b = value_new(&p2, -0.7, "b");
    Value *s = mg_add(a, b);
    ck_assert_msg(s->backward == mg_add_backward, "mg_add should plug in mg_add_backward (engine.c)");
    s->grad = 2.5;
    s->backward(s);
    EXPECT_NEAR(a->grad, 2.5, 0.0, "a.grad of a + b with out.grad 2.5");
    EXPECT_NEAR(b->grad, 2.5, 0.0, "b.grad of a + b with out.grad 2.5");
    harness_note("a + b with out.grad 2.5: a.grad %g, b.grad %g", a->grad, b->grad);
    value_pool_free(&p2);
}
END_TEST

/* ---- lab00.5: the local derivative of * -------------------------------------------- */

START_TEST(test_mul_backward)
{
    ValuePool p2 = {0};
    Value *a = value_new(&p2, 1.3, "a"), *b = value_new(&p2, -0.7, "b");
    Value *p = mg_mul(a, b);
    p->grad = 2.5;
    p->backward(p);
    EXPECT_NEAR(a->grad, -0.7 * 2.5, 1e-15, "a.grad of a * b with out.grad 2.5 (b * 2.5)");
    EXPECT_NEAR(b->grad, 1.3 * 2.5, 1e-15, "b.grad of a * b with out.grad 2.5 (a * 2.5)");
    harness_note("a * b with out.grad 2.5: a.grad %g, b.grad %g", a->grad, b->grad);
    value_pool_free(&p2);
}
END_TEST

/* ---- lab00.6: the local derivative of tanh; the neuron node by node ----------------- */

START_TEST(test_tanh_backward)
{
    expect_local_1(op_tanh, "tanh(x)", 0.4, 1.0);
    expect_local_1(op_tanh, "tanh(x)", -1.7, -3.0);

    // the lecture [13]-[16]: o.grad = 1, then o._backward(), n._backward(), ... node by node
    // (your + and * from lab00.4 and lab00.5 too)
    ValuePool pool = {0};
    TNeuron g = neuron(&pool, false);
    g.o = mg_tanh(g.n);
    EXPECT_NEAR(g.o->data, 0.7071067811865476, 0.0, "o = tanh(n) (the core's forward)");
    g.o->grad = 1.0;
    Value *order[] = {g.o, g.n, g.sum, g.x2w2, g.x1w1};
    for (int i = 0; i < 5; i++) order[i]->backward(order[i]);
    EXPECT_NEAR(g.n->grad, 0.4999999999999999, 0.0, "n.grad = 1 - o**2 (the lecture prints 0.4999999999999999)");
    expect_neuron_grads(&g, 1e-15, "node by node");

    // the same graph through the core's value_backward
    ValuePool cp = {0};
    TNeuron c = neuron(&cp, true);
    c.o = value_tanh(c.n);
    value_backward(c.o);
    Value *mine[] = {g.x1, g.x2, g.w1, g.w2, g.b, g.x1w1, g.x2w2, g.sum, g.n};
    Value *core[] = {c.x1, c.x2, c.w1, c.w2, c.b, c.x1w1, c.x2w2, c.sum, c.n};
    for (int i = 0; i < 9; i++) {
        char what[96];
        snprintf(what, sizeof what, "%s.grad: yours against the core's value_backward", mine[i]->label);
        EXPECT_NEAR(mine[i]->grad, core[i]->grad, 0.0, what);
    }
    harness_note("the neuron node by node: n.grad %.16g, x1.grad %g, w1.grad %g", g.n->grad, g.x1->grad, g.w1->grad);
    value_pool_free(&cp);
    value_pool_free(&pool);
}
END_TEST

/* ---- lab00.7: the topological order -------------------------------------------------- */

static int position(const Topo *t, const Value *v)
{
    for (int i = 0; i < t->n; i++)
        if (t->v[i] == v) return i;
    return -1;
}

START_TEST(test_build_topo)
{
    ValuePool pool = {0};
    Expression x = expression(&pool);
    static Topo topo;
    topo.n = 0;
    mg_build_topo(x.L, &topo);
    EXPECT_INT_EQ(topo.n, 7, "Values in the order of L's graph (each once)");
    ck_assert_msg(topo.v[topo.n - 1] == x.L, "the root L comes last");
    Value *ops[] = {x.e, x.d, x.L};
    for (int i = 0; i < 3; i++) {
        Value *v = ops[i];
        for (int j = 0; j < v->n_prev; j++)
            ck_assert_msg(position(&topo, v->prev[j]) >= 0 && position(&topo, v->prev[j]) < position(&topo, v),
                          "%s comes before %s in the order (children first)", v->prev[j]->label, v->label);
    }

    // the bug the lecture found [31]: a used twice
    value_pool_reset(&pool);
    Value *a = value_new(&pool, 3.0, "a");
    Value *b = mg_add(a, a);
    topo.n = 0;
    mg_build_topo(b, &topo);
    EXPECT_INT_EQ(topo.n, 2, "b = a + a: the order holds a once, then b");
    harness_note("L's graph in order, children first; b = a + a: %d Values (a once, then b)", topo.n);
    value_pool_free(&pool);
}
END_TEST

/* ---- lab00.8: backward() and += ------------------------------------------------------ */

START_TEST(test_backward)
{
    // the bug the lecture found [31]: a used twice
    ValuePool pool = {0};
    Value *a = value_new(&pool, 3.0, "a");
    Value *b = mg_add(a, a);
    mg_backward(b);
    EXPECT_NEAR(b->grad, 1.0, 0.0, "b.grad: backward starts from 1");
    ck_assert_msg(a->grad != 1.0, "b = a + a gives a.grad = 1, expected 2. a is used twice, and the second use "
                  "overwrote the first one's gradient. HINT: in mg_add_backward (and every backward), write += , not =");
    EXPECT_NEAR(a->grad, 2.0, 0.0, "a.grad of b = a + a (the lecture: 2)");

    // [32]: a = -2, b = 3, d = a*b, e = a + b, f = d*e: a and b each reach f twice
    value_pool_reset(&pool);
    a = value_new(&pool, -2.0, "a");
    b = value_new(&pool, 3.0, "b");
    Value *d = mg_mul(a, b), *e = mg_add(a, b), *f = mg_mul(d, e);
    mg_backward(f);
    EXPECT_NEAR(d->grad, 1.0, 0.0, "d.grad = e");
    EXPECT_NEAR(e->grad, -6.0, 0.0, "e.grad = d");
    ck_assert_msg(!(a->grad == 1.0 && b->grad == 1.0) && !(a->grad == -6.0 && b->grad == -6.0),
                  "a.grad %g, b.grad %g: only one of the two paths to each arrived. HINT: += in your backward functions",
                  a->grad, b->grad);
    EXPECT_NEAR(a->grad, -3.0, 0.0, "a.grad = b*d.grad + e.grad (the lecture: -3)");
    EXPECT_NEAR(b->grad, -8.0, 0.0, "b.grad = a*d.grad + e.grad (the lecture: -8)");
    const double a_grad = a->grad, b_grad = b->grad;   // the pool is reused below

    // the neuron, all at once, against the core
    value_pool_reset(&pool);
    TNeuron g = neuron(&pool, false);
    g.o = mg_tanh(g.n);
    mg_backward(g.o);
    EXPECT_NEAR(g.o->grad, 1.0, 0.0, "o.grad = 1");
    expect_neuron_grads(&g, 1e-15, "mg_backward(o)");

    // a deeper graph with shared Values: yours against the core's, node for node
    value_pool_reset(&pool);
    ValuePool cp = {0};
    Value *m0 = value_new(&pool, 0.3, "x"), *c0 = value_new(&cp, 0.3, "x");
    Value *m = m0, *c = c0;
    for (int k = 0; k < 40; k++) {   // x_{k+1} = tanh(x_k * x_k + x_k) * 1.1 + x_0
        m = mg_add(mg_mul(mg_tanh(mg_add(mg_mul(m, m), m)), mg_const(m, 1.1)), m0);
        c = value_add(value_mul(value_tanh(value_add(value_mul(c, c), c)), value_const(&cp, 1.1)), c0);
    }
    mg_backward(m);
    value_backward(c);
    EXPECT_NEAR(m->data, c->data, 0.0, "the 40-layer chain's value");
    EXPECT_NEAR(m0->grad, c0->grad, 1e-12 * fmax(1.0, fabs(c0->grad)), "x0.grad of the 40-layer chain: yours vs the core's");
    harness_note("f = (a*b)*(a+b): a.grad %g, b.grad %g; 40-layer chain: x0.grad %.10g (the core's %.10g)", a_grad, b_grad,
                 m0->grad, c0->grad);
    value_pool_free(&cp);
    value_pool_free(&pool);
}
END_TEST

/* ---- lab00.9: the local derivative of exp -------------------------------------------- */

START_TEST(test_exp_backward)
{
    expect_local_1(op_exp, "exp(x)", 0.9, 1.0);
    expect_local_1(op_exp, "exp(x)", -2.0, 0.5);
}
END_TEST

/* ---- lab00.10: the local derivative of pow -------------------------------------------- */

START_TEST(test_pow_backward)
{
    expect_local_1(op_pow3, "x ** 3", -1.2, 1.0);
    expect_local_1(op_pow_m1, "x ** -1", 0.8, 2.0);
    expect_local_1(op_pow_half, "x ** 0.5", 2.0, 1.0);
}
END_TEST

/* ---- lab00.11: tanh rebuilt from exp and pow ------------------------------------------ */

START_TEST(test_tanh_from_exp)
{
    // the neuron with tanh as (e - 1)/(e + 1), e = exp(2n) (mg-2 [11]): the same grads as the tanh op
    ValuePool pool = {0};
    TNeuron g = neuron(&pool, false);
    g.o = mg_tanh_from_exp(g.n);
    EXPECT_NEAR(g.o->data, 0.7071067811865476, 1e-15, "o = (e - 1)/(e + 1)");
    value_backward(g.o);   // the core's walk, your backward functions in every node
    expect_neuron_grads(&g, 1e-12, "tanh from exp");
    // the intermediate nodes as the lecture's graph prints them (4 decimals)
    Value **order;
    long n = value_topo(g.o, &order);
    int seen_exp = 0, seen_pow = 0;
    for (long i = 0; i < n; i++) {
        if (strcmp(order[i]->op, "exp") == 0) {
            seen_exp++;
            EXPECT_NEAR(order[i]->data, 5.8284, 5e-5, "e = exp(2n)");
            EXPECT_NEAR(order[i]->grad, 0.0429, 5e-5, "e.grad (the lecture's graph: 0.0429)");
            EXPECT_NEAR(order[i]->prev[0]->data, 1.7627, 5e-5, "2n");
            EXPECT_NEAR(order[i]->prev[0]->grad, 0.25, 5e-5, "(2n).grad (the lecture's graph: 0.25)");
        } else if (strcmp(order[i]->op, "**") == 0) {
            seen_pow++;
            EXPECT_NEAR(order[i]->data, 0.1464, 5e-5, "(e + 1)**-1");
            EXPECT_NEAR(order[i]->grad, 4.8284, 5e-5, "((e + 1)**-1).grad (the lecture's graph: 4.8284)");
        }
    }
    ck_assert_msg(seen_exp == 1 && seen_pow == 1, "the graph of o should hold one exp and one ** node (it has %d and %d). "
                  "HINT: e = mg_exp(mg_mul_const(n, 2)); mg_div(...) makes the ** -1", seen_exp, seen_pow);
    ck_assert_msg(n > 7, "tanh from exp should add its own nodes to the graph (%ld Values): use the mg_ ops, not mg_tanh", n);

    // the core's ops build the same expression: equal data and grads
    ValuePool cp = {0};
    TNeuron c = neuron(&cp, true);
    Value *e = value_exp(value_mul_const(c.n, 2.0));
    c.o = value_div(value_add_const(e, -1.0), value_add_const(e, 1.0));
    value_backward(c.o);
    EXPECT_NEAR(g.o->data, c.o->data, 0.0, "o: yours vs the core's ops");
    EXPECT_NEAR(g.n->grad, c.n->grad, 1e-15, "n.grad: yours vs the core's");
    EXPECT_NEAR(g.x1->grad, c.x1->grad, 1e-15, "x1.grad: yours vs the core's");
    harness_note("tanh from exp: o %.16g, n.grad %.16g, x1.grad %.16g", g.o->data, g.n->grad, g.x1->grad);
    value_pool_free(&cp);
    value_pool_free(&pool);
}
END_TEST

/* ---- lab00.12: MLP(3, [4, 4, 1]): every parameter, in micrograd's order --------------- */

START_TEST(test_mlp_init)
{
    ValuePool pool = {0};
    PyRandom r, ref;
    pyrandom_seed(&r, 1337);
    pyrandom_seed(&ref, 1337);
    static MLP m;
    const int nouts[] = {4, 4, 1};
    mlp_init(&m, &pool, &r, 3, nouts, 3);
    EXPECT_INT_EQ(m.n_params, 41, "parameters of MLP(3, [4, 4, 1]): 4*(3+1) + 4*(4+1) + 1*(4+1)");
    EXPECT_INT_EQ(m.nlayers, 3, "layers");
    ck_assert_msg(m.pool == &pool, "set m->pool: the training step makes its Values there");
    int want_in[] = {3, 4, 4};
    for (int l = 0; l < 3; l++) {
        EXPECT_INT_EQ(m.layers[l].nin, want_in[l], "a layer's nin");
        EXPECT_INT_EQ(m.layers[l].nout, nouts[l], "a layer's nout");
    }
    // micrograd's order: layer by layer, neuron by neuron, w then b; every one random.uniform(-1, 1)
    int k = 0;
    for (int l = 0; l < 3; l++)
        for (int j = 0; j < m.layers[l].nout; j++) {
            const Neuron *nr = &m.layers[l].neurons[j];
            EXPECT_INT_EQ(nr->nin, want_in[l], "a neuron's nin");
            for (int i = 0; i <= nr->nin; i++, k++) {
                Value *p = i < nr->nin ? nr->w[i] : nr->b;
                ck_assert_msg(m.params[k] == p, "params[%d] should be layer %d, neuron %d's %s%s", k, l, j,
                              i < nr->nin ? "w" : "b", i < nr->nin ? "[i]" : "");
                double want = -1.0 + 2.0 * pyrandom_random(&ref);
                ck_assert_msg(p->data == want, "params[%d] (layer %d, neuron %d) is %.17g; random.uniform(-1, 1) "
                              "drew %.17g there. HINT: -1 + 2 * pyrandom_random(r), in micrograd's order", k, l, j, p->data, want);
                ck_assert_msg(p->n_prev == 0, "params[%d] should be a leaf (value_new)", k);
            }
        }
    double first[3];
    fixture_numbers("first_params", first, 3);
    for (int i = 0; i < 3; i++) EXPECT_NEAR(m.params[i]->data, first[i], 0.0, "a first weight, as Python's random.seed(1337) drew it");
    harness_note("41 parameters as random.seed(1337) draws them: %.16g, %.16g, %.16g, ...", m.params[0]->data,
                 m.params[1]->data, m.params[2]->data);
    value_pool_free(&pool);
}
END_TEST

/* ---- lab00.13: one neuron --------------------------------------------------------------- */

START_TEST(test_neuron_forward)
{
    // the MLP's first neuron, made here (not by your mlp_init): w then b, as random.seed(1337) draws them
    ValuePool pool = {0};
    PyRandom r;
    pyrandom_seed(&r, 1337);
    Neuron nr0;
    nr0.nin = 3;
    for (int i = 0; i < 3; i++) nr0.w[i] = value_new(&pool, -1.0 + 2.0 * pyrandom_random(&r), "w");
    nr0.b = value_new(&pool, -1.0 + 2.0 * pyrandom_random(&r), "b");
    // neuron_forward against a sum by hand, in micrograd's order (b first)
    const double xin[3] = {2.0, 3.0, -1.0};
    Value *x[3];
    for (int i = 0; i < 3; i++) x[i] = value_const(&pool, xin[i]);
    const Neuron *n0 = &nr0;
    Value *o = neuron_forward(n0, x);
    double act = n0->b->data;
    for (int i = 0; i < 3; i++) act += n0->w[i]->data * xin[i];
    EXPECT_NEAR(o->data, tanh(act), 1e-15, "neuron 0 on [2, 3, -1]: tanh(b + w.x)");
    ck_assert_msg(o->backward == mg_tanh_backward, "make the neuron's output with mg_tanh (and its sum with mg_add, mg_mul)");
    harness_note("neuron 0 on [2, 3, -1]: %.16g", o->data);
    value_pool_free(&pool);
}
END_TEST

/* ---- lab00.14: the MLP, layer after layer ---------------------------------------------- */

START_TEST(test_mlp_forward)
{
    ValuePool pool = {0};
    PyRandom r;
    pyrandom_seed(&r, 1337);
    static MLP m;
    const int nouts[] = {4, 4, 1};
    mlp_init(&m, &pool, &r, 3, nouts, 3);
    value_pool_mark(&pool);
    const double xin[3] = {2.0, 3.0, -1.0};
    Value *x[3];
    for (int i = 0; i < 3; i++) x[i] = value_const(&pool, xin[i]);
    // the whole net, by hand in doubles
    double h1[4], h2[4], out = 0;
    for (int j = 0; j < 4; j++) {
        const Neuron *nr = &m.layers[0].neurons[j];
        double s = nr->b->data;
        for (int i = 0; i < 3; i++) s += nr->w[i]->data * xin[i];
        h1[j] = tanh(s);
    }
    for (int j = 0; j < 4; j++) {
        const Neuron *nr = &m.layers[1].neurons[j];
        double s = nr->b->data;
        for (int i = 0; i < 4; i++) s += nr->w[i]->data * h1[i];
        h2[j] = tanh(s);
    }
    const Neuron *nr = &m.layers[2].neurons[0];
    double s = nr->b->data;
    for (int i = 0; i < 4; i++) s += nr->w[i]->data * h2[i];
    out = tanh(s);
    Value *y;
    mlp_forward(&m, x, &y);
    EXPECT_NEAR(y->data, out, 1e-14, "MLP on [2, 3, -1]: by hand in doubles");
    harness_note("MLP(3, [4, 4, 1]) with random.seed(1337): n([2, 3, -1]) = %.16g", y->data);
    value_pool_free(&pool);
}
END_TEST

/* ---- lab00.15: the training loop ------------------------------------------------------- */

START_TEST(test_train)
{
    static const double xs[12] = {2.0, 3.0, -1.0, 3.0, -1.0, 0.5, 0.5, 1.0, 1.0, 1.0, 1.0, -1.0};
    static const double ys[4] = {1.0, -1.0, -1.0, 1.0};
    double want_loss[20], want_pred[4];
    EXPECT_INT_EQ(fixture_numbers("losses", want_loss, 20), 20, "losses in the fixture");
    EXPECT_INT_EQ(fixture_numbers("ypred", want_pred, 4), 4, "predictions in the fixture");

    ValuePool pool = {0};
    PyRandom r;
    pyrandom_seed(&r, 1337);
    static MLP m;
    const int nouts[] = {4, 4, 1};
    mlp_init(&m, &pool, &r, 3, nouts, 3);
    value_pool_mark(&pool);
    double ypred[4], maxdiff = 0.0, first = 0.0, last = 0.0;
    long allocs = 0;
    for (int k = 0; k < 20; k++) {
        double loss = mg_train_step(&m, xs, ys, 4, 0.1, ypred);
        value_pool_rewind(&pool);
        char what[96];
        snprintf(what, sizeof what, "loss at step %d (Python's micrograd, random.seed(1337))", k);
        ck_assert_msg(k != 1 || fabs(loss - want_loss[0]) > 1e-12, "step 1's loss equals step 0's (%.10g): the parameters "
                      "did not move. HINT: p->data += -lr * p->grad", loss);
        EXPECT_NEAR(loss, want_loss[k], 1e-9, what);
        maxdiff = fmax(maxdiff, fabs(loss - want_loss[k]));
        if (k == 0) first = loss;
        last = loss;
        if (k == 0) allocs = value_pool_system_allocs(&pool);
        EXPECT_INT_EQ(value_pool_system_allocs(&pool), allocs, "mallocs after the first step (the pool's memory is reused)");
    }
    for (int k = 0; k < 4; k++) {
        EXPECT_NEAR(ypred[k], want_pred[k], 1e-9, "ypred of the last step (Python's micrograd)");
        maxdiff = fmax(maxdiff, fabs(ypred[k] - want_pred[k]));
    }
    EXPECT_INT_EQ(value_pool_count(&pool), 41, "Values alive after the last rewind: the parameters only");
    harness_note("loss %.6f -> %.6f in 20 steps; losses and predictions vs the Python run: max diff %.2g (tol 1e-9)", first,
                 last, maxdiff);
    value_pool_free(&pool);
}
END_TEST

/* ---- lab00.16: the bridge: one layer as tensors ----------------------------------------- */

START_TEST(test_tensor)
{
    // the lecture's neuron as a [1, 2] @ [2, 1] layer; x is a parameter here only to get its grad
    Graph g;
    graph_init(&g);
    Tensor *X = tensor_param(&g, SHAPE(1, 2));
    Tensor *W = tensor_param(&g, SHAPE(2, 1));
    Tensor *b = tensor_param(&g, SHAPE(1));
    X->data[0] = 2.0f; X->data[1] = 0.0f;
    W->data[0] = -3.0f; W->data[1] = 1.0f;
    b->data[0] = 6.8813735870195432f;
    Tensor *o = layer_tensor(X, W, b);
    ck_assert_msg(o->shape.ndim == 2 && o->shape.d[0] == 1 && o->shape.d[1] == 1, "tanh(X @ W + b) of [1, 2] @ [2, 1] is [1, 1]");
    tensor_backward(o);
    /* float32: b is 6.881373405456543 as a float (the lecture's PyTorch cross-check, mg-2 [13]) */
    EXPECT_NEAR(o->data[0], 0.7071067811865476, 2e-7, "o (float32)");
    EXPECT_NEAR(X->grad[0], -1.5, 2e-6, "x1.grad");
    EXPECT_NEAR(W->grad[0], 1.0, 2e-6, "w1.grad");
    EXPECT_NEAR(X->grad[1], 0.5, 2e-6, "x2.grad");
    EXPECT_NEAR(W->grad[1], 0.0, 2e-6, "w2.grad");
    EXPECT_NEAR(b->grad[0], 0.5, 2e-6, "b.grad");
    harness_note("the neuron as tensors: o %.7f, x1.grad %.6f, w1.grad %.6f (float32)", o->data[0], X->grad[0], W->grad[0]);
    graph_step_reset(&g);   // o and its graph are gone; X, W, b (parameters) stay

    // a layer of 4 neurons on 4 examples: 16 neurons' outputs from three ops
    Tensor *X4 = tensor_new(&g, SHAPE(4, 3));
    Tensor *W4 = tensor_param(&g, SHAPE(3, 4));
    Tensor *b4 = tensor_param(&g, SHAPE(4));
    static const float xs[12] = {2, 3, -1, 3, -1, 0.5f, 0.5f, 1, 1, 1, 1, -1};
    for (int i = 0; i < 12; i++) X4->data[i] = xs[i], W4->data[i] = 0.1f * (float)(i % 7) - 0.3f;
    for (int j = 0; j < 4; j++) b4->data[j] = 0.2f * (float)j - 0.3f;
    Tensor *H = layer_tensor(X4, W4, b4);
    ck_assert_msg(H->shape.ndim == 2 && H->shape.d[0] == 4 && H->shape.d[1] == 4, "tanh(X @ W + b): [4, 3] @ [3, 4] is [4, 4]");
    for (int k = 0; k < 4; k++)
        for (int j = 0; j < 4; j++) {
            double s = b4->data[j];   // neuron j on example k, in doubles
            for (int i = 0; i < 3; i++) s += (double)W4->data[i * 4 + j] * xs[k * 3 + i];
            EXPECT_NEAR(H->data[k * 4 + j], tanh(s), 1e-6, "H[k][j] = tanh(b[j] + sum_i X[k][i] W[i][j])");
        }
    graph_free(&g);
}
END_TEST

int main(int argc, char **argv)
{
    const HarnessStep steps[] = {
        {"lab00.1", "a derivative as a slope: f(x) = 3x^2 - 4x + 5, forward differences", test_slope, 10},
        {"lab00.2", "L = (a*b + c)*f = -8 as a graph of labelled Values", test_expression, 10},
        {"lab00.3", "the chain rule by hand: a 6, b -4, c -2, d -2, e -2, f 4; one nudge", test_by_hand, 10},
        {"lab00.4", "the local derivative of +: both inputs get out.grad", test_add_backward, 10},
        {"lab00.5", "the local derivative of *: each input gets the other times out.grad", test_mul_backward, 10},
        {"lab00.6", "the local derivative of tanh; the neuron node by node", test_tanh_backward, 10},
        {"lab00.7", "topological order: children first, each Value once", test_build_topo, 10},
        {"lab00.8", "backward(); a used twice gets both grads", test_backward, 10},
        {"lab00.9", "the local derivative of exp", test_exp_backward, 10},
        {"lab00.10", "the local derivative of pow: x**3, x**-1, x**0.5", test_pow_backward, 10},
        {"lab00.11", "tanh rebuilt from exp and pow has the same grads", test_tanh_from_exp, 10},
        {"lab00.12", "MLP(3, [4, 4, 1]): 41 parameters, random.seed(1337)'s draws", test_mlp_init, 10},
        {"lab00.13", "one neuron: tanh(b + w . x), b first", test_neuron_forward, 10},
        {"lab00.14", "the MLP on [2, 3, -1] equals the net by hand", test_mlp_forward, 10},
        {"lab00.15", "20 training steps equal the lecture's Python run (1e-9)", test_train, 20},
        {"lab00.16", "the bridge: a layer as tanh(X @ W + b) with tensors", test_tensor, 10},
    };
    return harness_main(argc, argv, "lab00", steps, sizeof steps / sizeof steps[0]);
}
