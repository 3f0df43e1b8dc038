/*
 * core_value_test.c: checks of the scalar autograd (common/value.h) against
 * the micrograd lecture's own figures (the notebooks' cells cited below), finite
 * differences, and the promises of the pool.
 *
 * What it is: one titled step per lecture figure or promise, ids core.value.N.
 * What it is not: the micrograd MLP (lab 00's tests train it, against a
 * committed Python run).
 *
 * Where the numbers come from: the grads are the ones in the lecture's
 * draw_dot SVGs (micrograd_lecture_first_half_roughly.ipynb [9], [31], [32];
 * second_half [10], [11]); they are exact in double, so the tolerances are a
 * few ulps, except for the 4-digit SVG labels of the tanh-via-exp graph.
 */
#define _POSIX_C_SOURCE 200809L   /* open_memstream */
#include "harness.h"

#include <stdlib.h>
#include <string.h>

#include "value.h"

/* The lecture's first expression: L = (a*b + c) * f, labels as in the notebook. */
typedef struct LExpr {
    Value *a, *b, *c, *e, *d, *f, *L;
} LExpr;

static LExpr build_L(ValuePool *pool)
{
    LExpr x;
    x.a = value_new(pool, 2.0, "a");
    x.b = value_new(pool, -3.0, "b");
    x.c = value_new(pool, 10.0, "c");
    x.e = value_set_label(value_mul(x.a, x.b), "e");
    x.d = value_set_label(value_add(x.e, x.c), "d");
    x.f = value_new(pool, -2.0, "f");
    x.L = value_set_label(value_mul(x.d, x.f), "L");
    return x;
}

/* ---- core.value.1 ------------------------------------------------------- */

START_TEST(test_L_expression)
{
    ValuePool pool = {0};
    LExpr x = build_L(&pool);
    EXPECT_NEAR(x.e->data, -6.0, 0.0, "e = a*b");
    EXPECT_NEAR(x.d->data, 4.0, 0.0, "d = e + c");
    EXPECT_NEAR(x.L->data, -8.0, 0.0, "L = d*f");

    value_backward(x.L);
    /* lecture [9]: L 1, d -2, f 4, e -2, c -2, a 6, b -4 (exact in double) */
    EXPECT_NEAR(x.L->grad, 1.0, 0.0, "L.grad");
    EXPECT_NEAR(x.d->grad, -2.0, 0.0, "d.grad = f");
    EXPECT_NEAR(x.f->grad, 4.0, 0.0, "f.grad = d");
    EXPECT_NEAR(x.e->grad, -2.0, 0.0, "e.grad = d.grad * 1");
    EXPECT_NEAR(x.c->grad, -2.0, 0.0, "c.grad = d.grad * 1");
    EXPECT_NEAR(x.a->grad, 6.0, 0.0, "a.grad = b * e.grad");
    EXPECT_NEAR(x.b->grad, -4.0, 0.0, "b.grad = a * e.grad");

    /* lecture [10]: one step x.data += 0.01 * x.grad on the leaves gives L = -7.286496 */
    Value *leaves[] = {x.a, x.b, x.c, x.f};
    for (int i = 0; i < 4; i++) leaves[i]->data += 0.01 * leaves[i]->grad;
    Value *L2 = value_mul(value_add(value_mul(x.a, x.b), x.c), x.f);   /* forward again */
    EXPECT_NEAR(L2->data, -7.286496, 1e-12, "L after one step of 0.01 * grad");
    value_pool_free(&pool);
}
END_TEST

/* ---- the neuron, two ways ---------------------------------------------- */

typedef struct Neuron {
    Value *x1, *x2, *w1, *w2, *b, *n, *o;
} Neuron;

static Neuron build_neuron_leaves(ValuePool *pool)
{
    Neuron m;
    m.x1 = value_new(pool, 2.0, "x1");
    m.x2 = value_new(pool, 0.0, "x2");
    m.w1 = value_new(pool, -3.0, "w1");
    m.w2 = value_new(pool, 1.0, "w2");
    m.b = value_new(pool, 6.8813735870195432, "b");
    Value *x1w1 = value_set_label(value_mul(m.x1, m.w1), "x1*w1");
    Value *x2w2 = value_set_label(value_mul(m.x2, m.w2), "x2*w2");
    Value *sum = value_set_label(value_add(x1w1, x2w2), "x1*w1 + x2*w2");
    m.n = value_set_label(value_add(sum, m.b), "n");
    m.o = NULL;
    return m;
}

static void expect_neuron_grads(const Neuron *m, double tol)
{
    /* lecture mg-2 [10]: x1 -1.5, w1 1.0, x2 0.5, w2 0.0, n 0.5, b 0.5 */
    EXPECT_NEAR(m->o->data, 0.7071067811865476, tol, "o = tanh(n)");
    EXPECT_NEAR(m->o->grad, 1.0, 0.0, "o.grad");
    EXPECT_NEAR(m->n->grad, 0.5, tol, "n.grad = 1 - o^2");
    EXPECT_NEAR(m->b->grad, 0.5, tol, "b.grad");
    EXPECT_NEAR(m->x1->grad, -1.5, tol, "x1.grad = w1 * 0.5");
    EXPECT_NEAR(m->w1->grad, 1.0, tol, "w1.grad = x1 * 0.5");
    EXPECT_NEAR(m->x2->grad, 0.5, tol, "x2.grad = w2 * 0.5");
    EXPECT_NEAR(m->w2->grad, 0.0, tol, "w2.grad = x2 * 0.5");
}

/* ---- core.value.2 ------------------------------------------------------- */

START_TEST(test_neuron_tanh)
{
    ValuePool pool = {0};
    Neuron m = build_neuron_leaves(&pool);
    EXPECT_NEAR(m.n->data, 0.8813735870195432, 1e-15, "n = x1*w1 + x2*w2 + b");
    m.o = value_set_label(value_tanh(m.n), "o");
    value_backward(m.o);
    /* exactly the digits the lecture prints: o [16], 1 - o**2 [29] */
    EXPECT_NEAR(m.o->data, 0.7071067811865476, 0.0, "o = tanh(n), bit for bit");
    EXPECT_NEAR(m.n->grad, 0.4999999999999999, 0.0, "n.grad = 1 - o**2, bit for bit");
    expect_neuron_grads(&m, 1e-15);
    harness_note("o %.16g, n.grad %.16g (the lecture prints these digits)", m.o->data, m.n->grad);
    value_pool_free(&pool);
}
END_TEST

/* ---- core.value.3 ------------------------------------------------------- */

START_TEST(test_neuron_tanh_via_exp)
{
    ValuePool pool = {0};
    Neuron m = build_neuron_leaves(&pool);
    /* mg-2 [11]: e = (2*n).exp(); o = (e - 1) / (e + 1) */
    Value *two_n = value_mul_const(m.n, 2.0);
    Value *e = value_set_label(value_exp(two_n), "e");
    Value *e_minus_1 = value_add_const(e, -1.0);   // e - 1 in engine.py is e + Value(-1)
    Value *e_plus_1 = value_add_const(e, 1.0);
    Value *inv = value_pow(e_plus_1, -1.0);
    m.o = value_set_label(value_mul(e_minus_1, inv), "o");   // engine.py: a / b = a * b**-1
    value_backward(m.o);
    expect_neuron_grads(&m, 1e-12);

    /* the intermediate nodes as the SVG labels print them (4 decimals) */
    const double t = 5e-5;
    EXPECT_NEAR(two_n->data, 1.7627, t, "2n");
    EXPECT_NEAR(two_n->grad, 0.25, t, "2n.grad");
    EXPECT_NEAR(two_n->prev[1]->grad, 0.2203, t, "grad of the constant 2");
    EXPECT_NEAR(e->data, 5.8284, t, "e = exp(2n)");
    EXPECT_NEAR(e->grad, 0.0429, t, "e.grad");
    EXPECT_NEAR(e_minus_1->data, 4.8284, t, "e - 1");
    EXPECT_NEAR(e_minus_1->grad, 0.1464, t, "(e - 1).grad");
    EXPECT_NEAR(e_plus_1->data, 6.8284, t, "e + 1");
    EXPECT_NEAR(e_plus_1->grad, -0.1036, t, "(e + 1).grad");
    EXPECT_NEAR(inv->data, 0.1464, t, "(e + 1)**-1");
    EXPECT_NEAR(inv->grad, 4.8284, t, "((e + 1)**-1).grad");
    value_pool_free(&pool);
}
END_TEST

/* ---- core.value.4 ------------------------------------------------------- */

START_TEST(test_used_twice)
{
    ValuePool pool = {0};
    /* mg-1 [31]: b = a + a with a = 3 gives b = 6, a.grad = 2 (the `=` vs `+=` bug) */
    Value *a = value_new(&pool, 3.0, "a");
    Value *b = value_set_label(value_add(a, a), "b");
    value_backward(b);
    EXPECT_NEAR(b->data, 6.0, 0.0, "b = a + a");
    EXPECT_NEAR(a->grad, 2.0, 0.0, "a.grad of b = a + a");

    /* c = b + b: a reaches c along four paths */
    value_zero_grad(&pool);
    Value *c = value_set_label(value_add(b, b), "c");
    value_backward(c);
    EXPECT_NEAR(c->data, 12.0, 0.0, "c = b + b");
    EXPECT_NEAR(b->grad, 2.0, 0.0, "b.grad of c = b + b");
    EXPECT_NEAR(a->grad, 4.0, 0.0, "a.grad of c = (a + a) + (a + a)");

    /* a * a: both inputs are the same node, each use adds a */
    value_zero_grad(&pool);
    Value *sq = value_mul(a, a);
    value_backward(sq);
    EXPECT_NEAR(a->grad, 6.0, 0.0, "a.grad of a*a = 2a");
    value_pool_free(&pool);
}
END_TEST

/* ---- core.value.5 ------------------------------------------------------- */

START_TEST(test_shared_subexpression)
{
    ValuePool pool = {0};
    /* mg-1 [32]: a = -2, b = 3, d = a*b, e = a + b, f = d*e */
    Value *a = value_new(&pool, -2.0, "a");
    Value *b = value_new(&pool, 3.0, "b");
    Value *d = value_set_label(value_mul(a, b), "d");
    Value *e = value_set_label(value_add(a, b), "e");
    Value *f = value_set_label(value_mul(d, e), "f");
    value_backward(f);
    EXPECT_NEAR(d->data, -6.0, 0.0, "d = a*b");
    EXPECT_NEAR(e->data, 1.0, 0.0, "e = a + b");
    EXPECT_NEAR(f->data, -6.0, 0.0, "f = d*e");
    EXPECT_NEAR(d->grad, 1.0, 0.0, "d.grad = e");
    EXPECT_NEAR(e->grad, -6.0, 0.0, "e.grad = d");
    EXPECT_NEAR(a->grad, -3.0, 0.0, "a.grad = b*d.grad + e.grad");
    EXPECT_NEAR(b->grad, -8.0, 0.0, "b.grad = a*d.grad + e.grad");
    value_pool_free(&pool);
}
END_TEST

/* ---- core.value.6 ------------------------------------------------------- */

START_TEST(test_accumulate_and_zero)
{
    ValuePool pool = {0};
    LExpr x = build_L(&pool);
    value_backward(x.L);
    value_backward(x.L);   /* no zero_grad in between: leaves accumulate */
    EXPECT_NEAR(x.a->grad, 12.0, 0.0, "a.grad after two backward calls (2 x 6)");
    EXPECT_NEAR(x.b->grad, -8.0, 0.0, "b.grad after two backward calls (2 x -4)");
    EXPECT_NEAR(x.c->grad, -4.0, 0.0, "c.grad after two backward calls (2 x -2)");
    EXPECT_NEAR(x.f->grad, 8.0, 0.0, "f.grad after two backward calls (2 x 4)");
    /* interior nodes restart from 0 on each backward (value.h: PyTorch's rule) */
    EXPECT_NEAR(x.d->grad, -2.0, 0.0, "d.grad (interior) after two backward calls");
    EXPECT_NEAR(x.e->grad, -2.0, 0.0, "e.grad (interior) after two backward calls");
    EXPECT_NEAR(x.L->grad, 1.0, 0.0, "L.grad is set, not added");

    value_zero_grad(&pool);
    Value *all[] = {x.a, x.b, x.c, x.e, x.d, x.f, x.L};
    for (int i = 0; i < 7; i++) EXPECT_NEAR(all[i]->grad, 0.0, 0.0, all[i]->label);
    value_backward(x.L);
    EXPECT_NEAR(x.a->grad, 6.0, 0.0, "a.grad after zero_grad and one backward");
    value_zero_grad(NULL);   /* a no-op */
    value_pool_free(&pool);
}
END_TEST

/* ---- core.value.7 ------------------------------------------------------- */

START_TEST(test_long_chain)
{
    /* x_{k+1} = x_k * 1.0001 + 0 for 100,000 steps: 400,001 Values, a path of
     * 200,001 ops from x_0 to the end. micrograd's recursive build_topo would
     * need as many nested calls; the explicit stack does not care. */
    enum { N = 100000 };
    ValuePool pool = {0};
    Value *x0 = value_new(&pool, 1.0, "x0");
    Value *x = x0;
    for (int k = 0; k < N; k++) x = value_add_const(value_mul_const(x, 1.0001), 0.0);
    EXPECT_INT_EQ(value_pool_count(&pool), 1 + 4L * N, "Values in the pool");
    value_backward(x);
    double want = pow(1.0001, N);   /* d x_N / d x_0 = 1.0001^N, and x_N = x_0 * 1.0001^N */
    EXPECT_NEAR(x->data / want, 1.0, 1e-9, "x_N / 1.0001^N");
    EXPECT_NEAR(x0->grad / want, 1.0, 1e-9, "x0.grad / 1.0001^N");
    harness_note("x0.grad %.10g, closed form 1.0001^%d = %.10g", x0->grad, N, want);

    /* the same depth through tanh: d x_N / d x_0 = prod (1 - x_k^2), computed by hand */
    value_pool_reset(&pool);
    x0 = value_new(&pool, 0.5, "x0");
    x = x0;
    double h = 0.5, prod = 1.0;
    for (int k = 0; k < N; k++) {
        x = value_tanh(x);
        h = tanh(h);
        prod *= 1.0 - h * h;
    }
    value_backward(x);
    /* libm's tanh() and value_tanh's formula may differ in the last bit */
    EXPECT_NEAR(x->data / h, 1.0, 1e-12, "tanh chain x_N / tanh^N(0.5)");
    EXPECT_NEAR(x0->grad / prod, 1.0, 1e-10, "tanh chain x0.grad / prod(1 - x_k^2)");
    harness_note("tanh chain: x_N %.10g, x0.grad %.10g, by hand %.10g", x->data, x0->grad, prod);
    value_pool_free(&pool);
}
END_TEST

/* ---- core.value.8 ------------------------------------------------------- */

typedef Value *(*Fn2)(Value *x, Value *y);

static Value *f_add(Value *x, Value *y) { return value_add(x, y); }
static Value *f_mul(Value *x, Value *y) { return value_mul(x, y); }
static Value *f_pow3(Value *x, Value *y) { (void)y; return value_pow(x, 3.0); }
static Value *f_pow_m1(Value *x, Value *y) { (void)y; return value_pow(x, -1.0); }
static Value *f_pow_half(Value *x, Value *y) { (void)y; return value_pow(x, 0.5); }
static Value *f_exp(Value *x, Value *y) { (void)y; return value_exp(x); }
static Value *f_tanh(Value *x, Value *y) { (void)y; return value_tanh(x); }
static Value *f_relu(Value *x, Value *y) { (void)y; return value_relu(x); }
static Value *f_neg(Value *x, Value *y) { (void)y; return value_neg(x); }
static Value *f_sub(Value *x, Value *y) { return value_sub(x, y); }
static Value *f_div(Value *x, Value *y) { return value_div(x, y); }
static Value *f_add_const(Value *x, Value *y) { (void)y; return value_add_const(x, 2.5); }
static Value *f_mul_const(Value *x, Value *y) { (void)y; return value_mul_const(x, -1.5); }
/* everything at once, with x used three times: relu(tanh(x*y + exp(y)) / (x - 3)) ** 2 + x */
static Value *f_mix(Value *x, Value *y)
{
    Value *t = value_tanh(value_add(value_mul(x, y), value_exp(y)));
    Value *q = value_div(t, value_sub(x, value_const(x->pool, 3.0)));
    return value_add(value_pow(value_relu(q), 2.0), x);
}

static double eval2(ValuePool *pool, Fn2 f, double x, double y)
{
    value_pool_reset(pool);
    return f(value_new(pool, x, "x"), value_new(pool, y, "y"))->data;
}

START_TEST(test_finite_differences)
{
    static const struct {
        const char *name;
        Fn2 f;
        double x, y;
    } cases[] = {
        {"x + y", f_add, 1.3, -0.7},
        {"x * y", f_mul, 1.3, -0.7},
        {"x ** 3", f_pow3, -1.2, 0.0},
        {"x ** -1", f_pow_m1, 0.8, 0.0},
        {"x ** 0.5", f_pow_half, 2.0, 0.0},
        {"exp(x)", f_exp, 0.9, 0.0},
        {"tanh(x)", f_tanh, 0.4, 0.0},
        {"relu(x), x > 0", f_relu, 0.7, 0.0},
        {"relu(x), x < 0", f_relu, -0.7, 0.0},
        {"-x", f_neg, 1.1, 0.0},
        {"x - y", f_sub, 1.1, 2.2},
        {"x / y", f_div, 1.1, -2.2},
        {"x + 2.5", f_add_const, 1.1, 0.0},
        {"x * -1.5", f_mul_const, 1.1, 0.0},
        {"relu(tanh(x*y + exp(y)) / (x - 3))**2 + x", f_mix, -0.6, 0.3},
    };
    const double h = 1e-6, tol = 1e-6;
    ValuePool pool = {0};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        value_pool_reset(&pool);
        Value *x = value_new(&pool, cases[i].x, "x");
        Value *y = value_new(&pool, cases[i].y, "y");
        Value *out = cases[i].f(x, y);
        value_backward(out);
        double gx = x->grad, gy = y->grad;
        /* central difference: error O(h^2), far below tol */
        double nx = (eval2(&pool, cases[i].f, cases[i].x + h, cases[i].y) -
                     eval2(&pool, cases[i].f, cases[i].x - h, cases[i].y)) / (2 * h);
        double ny = (eval2(&pool, cases[i].f, cases[i].x, cases[i].y + h) -
                     eval2(&pool, cases[i].f, cases[i].x, cases[i].y - h)) / (2 * h);
        char what[96];
        /* relative tolerance, absolute below 1 (some grads are exactly 0) */
        snprintf(what, sizeof what, "d/dx of %s", cases[i].name);
        EXPECT_NEAR(gx, nx, tol * fmax(1.0, fabs(nx)), what);
        snprintf(what, sizeof what, "d/dy of %s", cases[i].name);
        EXPECT_NEAR(gy, ny, tol * fmax(1.0, fabs(ny)), what);
    }
    harness_note("%zu expressions, x and y grads vs central differences (h %g, tol %g)",
                 sizeof cases / sizeof cases[0], h, tol);
    value_pool_free(&pool);
}
END_TEST

/* ---- core.value.9 ------------------------------------------------------- */

static int count_lines_with(const char *text, const char *needle)
{
    int n = 0;
    for (const char *line = text; *line != '\0';) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        const char *hit = strstr(line, needle);
        if (hit != NULL && hit < line + len) n++;
        line += len + (end ? 1 : 0);
    }
    return n;
}

START_TEST(test_dot_dump)
{
    ValuePool pool = {0};
    LExpr x = build_L(&pool);
    value_backward(x.L);
    Value *extra = value_new(&pool, 42.0, "not in L");   /* in the pool, not in the graph */
    (void)extra;

    char *text = NULL;
    size_t size = 0;
    FILE *mem = open_memstream(&text, &size);
    ck_assert_msg(mem != NULL, "open_memstream failed");
    value_dot(mem, x.L);
    fclose(mem);

    /* 7 Values (a b c e d f L), 3 ops, edges: 3 op -> result + 6 input -> op */
    EXPECT_INT_EQ(count_lines_with(text, "shape=record"), 7, "record nodes (one per Value)");
    EXPECT_INT_EQ(count_lines_with(text, "_op [label="), 3, "op nodes (one per op)");
    EXPECT_INT_EQ(count_lines_with(text, "->"), 9, "edges");
    EXPECT_INT_EQ(count_lines_with(text, "| data "), 7, "records showing data");
    EXPECT_INT_EQ(count_lines_with(text, "| grad "), 7, "records showing grad");
    EXPECT_INT_EQ(count_lines_with(text, "rankdir=LR"), 1, "left to right");
    EXPECT_INT_EQ(count_lines_with(text, "not in L"), 0, "Values outside the graph");
    ck_assert_msg(strncmp(text, "digraph", 7) == 0, "the dump starts with 'digraph', got: %.20s", text);
    ck_assert_msg(size >= 2 && strcmp(text + size - 2, "}\n") == 0, "the dump ends with '}'");
    const char *want[] = {
        "{ a | data 2.0000 | grad 6.0000 }",
        "{ b | data -3.0000 | grad -4.0000 }",
        "{ e | data -6.0000 | grad -2.0000 }",
        "{ L | data -8.0000 | grad 1.0000 }",
        "[label=\"*\"]",
        "[label=\"+\"]",
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        ck_assert_msg(strstr(text, want[i]) != NULL, "the dump lacks '%s'; it is:\n%s", want[i], text);
    free(text);

    /* pow shows its exponent; labels with record syntax are escaped */
    value_pool_reset(&pool);
    Value *q = value_pow(value_new(&pool, 2.0, "a|b{c}"), -1.0);
    mem = open_memstream(&text, &size);
    ck_assert_msg(mem != NULL, "open_memstream failed");
    value_dot(mem, q);
    fclose(mem);
    ck_assert_msg(strstr(text, "[label=\"**-1\"]") != NULL, "pow node should read **-1:\n%s", text);
    ck_assert_msg(strstr(text, "a\\|b\\{c\\}") != NULL, "label should be escaped:\n%s", text);
    EXPECT_INT_EQ(count_lines_with(text, "shape=record"), 2, "record nodes of a**-1");
    free(text);
    value_pool_free(&pool);
}
END_TEST

/* ---- core.value.10 ------------------------------------------------------ */

static Value *build_sum(ValuePool *pool, int n)
{
    Value *s = value_new(pool, 0.0, "s");
    for (int i = 0; i < n; i++) s = value_add(s, value_mul_const(value_new(pool, i, "x"), 2.0));
    return s;
}

START_TEST(test_pool)
{
    ValuePool pool;
    value_pool_init(&pool, 4);   /* tiny slabs: the graph spans many of them */
    Value *first = value_new(&pool, 7.0, "first");
    Value *s = build_sum(&pool, 100);
    EXPECT_INT_EQ(value_pool_count(&pool), 2 + 4 * 100, "Values made");
    EXPECT_NEAR(first->data, 7.0, 0.0, "an early Value survives the pool growing");
    EXPECT_NEAR(s->data, 2.0 * 99 * 100 / 2, 0.0, "sum of 2*i");
    value_backward(s);
    ck_assert_msg(value_pool_system_allocs(&pool) > 1, "a 402-Value graph from 4-Value slabs should take several mallocs (%ld)",
                  value_pool_system_allocs(&pool));

    /* a training loop: reset, rebuild the same graph, backward. The first reset
     * grows the arena to the high-water mark (arena.h); no malloc after that. */
    long allocs = 0;
    for (int step = 0; step < 5; step++) {
        value_pool_reset(&pool);
        EXPECT_INT_EQ(value_pool_count(&pool), 0, "Values after reset");
        s = build_sum(&pool, 100);
        value_zero_grad(&pool);
        value_backward(s);
        EXPECT_NEAR(s->prev[0]->grad, 1.0, 0.0, "grad after a reset");
        if (step == 0) allocs = value_pool_system_allocs(&pool);
        EXPECT_INT_EQ(value_pool_system_allocs(&pool), allocs, "mallocs after the first reset");
    }

    value_pool_free(&pool);
    EXPECT_INT_EQ(value_pool_count(&pool), 0, "Values after free");
    ck_assert_msg(pool.kept.base == NULL && pool.temp.base == NULL && pool.stack == NULL && pool.topo == NULL,
                  "free releases every block");
    EXPECT_INT_EQ(pool.slab_values, 4, "free keeps the slab size chosen");
    value_pool_free(&pool);   /* twice is fine */
    value_pool_free(NULL);    /* a no-op */
    value_pool_reset(NULL);   /* a no-op */
    value_pool_mark(NULL);    /* a no-op */
    value_pool_rewind(NULL);  /* a no-op */
    EXPECT_INT_EQ(value_pool_count(NULL), 0, "count of NULL");
    EXPECT_INT_EQ(value_pool_system_allocs(NULL), 0, "allocs of NULL");

    /* still usable after free, like a fresh pool */
    Value *a = value_new(&pool, 1.5, "a");
    Value *b = value_exp(a);
    value_backward(b);
    EXPECT_NEAR(a->grad, exp(1.5), 1e-15, "d exp(a)/da after free and reuse");
    EXPECT_INT_EQ(a->id, 0, "ids restart at 0");

    /* long labels are cut, not overflowed */
    char lng[100];
    memset(lng, 'z', sizeof lng - 1);
    lng[sizeof lng - 1] = '\0';
    value_set_label(a, lng);
    EXPECT_INT_EQ((long)strlen(a->label), VALUE_LABEL_SIZE - 1, "a long label is cut");
    value_pool_free(&pool);
}
END_TEST

/* ---- core.value.11 ------------------------------------------------------ */

START_TEST(test_mark_rewind)
{
    /* A tiny model trained by SGD: parameters w, b kept; each step's graph
     * (w*x + b - y)^2 over 50 points is temporary. */
    ValuePool pool;
    value_pool_init(&pool, 16);
    Value *w = value_new(&pool, 0.5, "w");
    Value *b = value_new(&pool, -0.25, "b");
    value_pool_mark(&pool);
    value_pool_mark(&pool);   /* again, with no temporaries: a no-op */
    EXPECT_INT_EQ(value_pool_count(&pool), 2, "kept Values");
    long allocs = 0;
    double w_by_hand = 0.5, b_by_hand = -0.25;
    for (int step = 0; step < 20; step++) {
        Value *loss = value_const(&pool, 0.0);
        double gw = 0, gb = 0;
        for (int i = 0; i < 50; i++) {
            double x = i / 25.0 - 1.0, y = 3.0 * x + 1.0;
            Value *err = value_add_const(value_add(value_mul_const(w, x), b), -y);
            loss = value_add(loss, value_pow(err, 2.0));
            double e = w_by_hand * x + b_by_hand - y;   /* the same step by hand */
            gw += 2 * e * x;
            gb += 2 * e;
        }
        EXPECT_INT_EQ(value_pool_count(&pool), 2 + 1 + 50 * 7, "Values during a step (7 per point)");
        w->grad = b->grad = 0.0;
        value_backward(loss);
        EXPECT_NEAR(w->grad, gw, 1e-9, "dloss/dw");
        EXPECT_NEAR(b->grad, gb, 1e-9, "dloss/db");
        w->data += -0.005 * w->grad;
        b->data += -0.005 * b->grad;
        w_by_hand += -0.005 * gw;
        b_by_hand += -0.005 * gb;
        value_pool_rewind(&pool);
        EXPECT_INT_EQ(value_pool_count(&pool), 2, "Values after a rewind");
        if (step == 0) allocs = value_pool_system_allocs(&pool);   /* the first rewind grows the arena */
        EXPECT_INT_EQ(value_pool_system_allocs(&pool), allocs, "mallocs after the first step");
    }
    EXPECT_NEAR(w->data, w_by_hand, 1e-9, "w survives 20 rewinds, trained");
    EXPECT_NEAR(b->data, b_by_hand, 1e-9, "b survives 20 rewinds, trained");
    EXPECT_INT_EQ(w->id, 0, "w keeps its id");
    harness_note("w %.6f b %.6f after 20 steps (target 3, 1); %ld mallocs in all", w->data, b->data,
                 value_pool_system_allocs(&pool));
    value_zero_grad(&pool);
    EXPECT_NEAR(w->grad, 0.0, 0.0, "zero_grad reaches kept Values");

    /* reset forgets the mark too: rewinding then is an error (nothing to forget) */
    value_pool_reset(&pool);
    EXPECT_INT_EQ(value_pool_count(&pool), 0, "Values after reset");
    ck_assert_msg(!pool.marked, "reset forgets the mark");
    value_pool_free(&pool);
}
END_TEST

int main(int argc, char **argv)
{
    /* inside main: Check's test names are pointers, not constants */
    const HarnessStep steps[] = {
        {"core.value.1", "L = (a*b + c)*f is -8, grads a 6 b -4 c -2 e -2 d -2 f 4", test_L_expression, 10},
        {"core.value.2", "neuron o = tanh(x1*w1 + x2*w2 + b) = 0.7071 and its grads", test_neuron_tanh, 10},
        {"core.value.3", "tanh written with exp, (e-1)/(e+1): same grads", test_neuron_tanh_via_exp, 10},
        {"core.value.4", "a Value used twice gets both grads (b = a + a)", test_used_twice, 10},
        {"core.value.5", "d = a*b, e = a+b, f = d*e: grads a -3, b -8", test_shared_subexpression, 10},
        {"core.value.6", "grads accumulate over two backward calls; zero_grad", test_accumulate_and_zero, 10},
        {"core.value.7", "a 100,000-step chain backprops without recursion", test_long_chain, 30},
        {"core.value.8", "every op's gradient matches central differences", test_finite_differences, 10},
        {"core.value.9", "value_dot: one record per Value with data and grad", test_dot_dump, 10},
        {"core.value.10", "the pool: reset reuses memory, free releases it", test_pool, 10},
        {"core.value.11", "mark and rewind: parameters outlive each step's graph, no malloc after step 1", test_mark_rewind, 10},
    };
    return harness_main(argc, argv, "core.value", steps, sizeof steps / sizeof steps[0]);
}
