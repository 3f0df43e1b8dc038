/*
 * value.c: scalar autograd, micrograd's engine.py in C (see value.h).
 *
 * What it is: the pool that owns every Value (on the arenas of arena.h), the ops, each op's backward
 * directly under its forward, the iterative topological sort, backward, and
 * the Graphviz dump. Read it top to bottom in the order of the lecture.
 * What it is not: the tensor engine the labs train on (tensor.c).
 *
 * How every backward reads: it quotes its forward line, names the local
 * derivative d(out)/d(input), and applies the chain rule
 *     input->grad += local * out->grad
 * with `+=`, because a Value used twice must collect a gradient from each use.
 */
#include "value.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kit.h"

/* ---------------------------------------------------------------------------
 * The pool: Values come from slabs carved out of two arenas
 *
 * A slab is one arena allocation holding slab_values Values; the pool hands
 * them out one by one. The slabs are linked so value_zero_grad can visit every
 * Value. Kept Values (made before the mark) come from the arena `kept`,
 * temporaries from `temp`; rewinding resets `temp` alone, and arena_reset grows
 * it once to the step's high-water mark, so later steps fit without malloc.
 * ------------------------------------------------------------------------- */

struct ValueSlab {
    ValueSlab *next;    /* the previous (older) slab of the same arena, or NULL */
    size_t cap;         /* Values this slab holds */
    size_t used;        /* Values handed out from it */
    Value values[];     /* cap of them */
};

void value_pool_init(ValuePool *pool, size_t slab_values)
{
    KIT_CHECK(pool != NULL, "value_pool_init: pool is NULL. HINT: pass the address of a ValuePool you declared, e.g. value_pool_init(&pool, 0).");
    memset(pool, 0, sizeof *pool);
    pool->slab_values = slab_values;
}

/* Forget the temporaries: their slabs go back to the arena in one reset. */
static void forget_temporaries(ValuePool *pool)
{
#ifdef KIT_DEBUG
    /* poison: a temporary kept across a rewind shows up as NaN, not as a quiet old
     * number (arena_reset poisons too, but a slab spilled into its own chunk is freed) */
    for (ValueSlab *s = pool->temp_slabs; s != NULL; s = s->next)
        for (size_t i = 0; i < s->used; i++) s->values[i].data = s->values[i].grad = NAN;
#endif
    arena_reset(&pool->temp);
    pool->temp_slabs = NULL;
    pool->n_values = pool->n_kept;
    /* the epoch keeps counting: stale marks of forgotten Values never equal a future epoch */
}

void value_pool_mark(ValuePool *pool)
{
    if (pool == NULL) return;
    KIT_CHECK(!pool->marked || pool->n_values == pool->n_kept,
              "value_pool_mark: %ld temporaries are alive since the last mark. HINT: call value_pool_rewind() at the end "
              "of each step; mark once, after making the parameters.", pool->n_values - pool->n_kept);
    pool->marked = true;
    pool->n_kept = pool->n_values;
}

void value_pool_rewind(ValuePool *pool)
{
    if (pool == NULL) return;
    KIT_CHECK(pool->marked, "value_pool_rewind: the pool has no mark, so every Value is kept and nothing would be "
              "forgotten. HINT: call value_pool_mark(&pool) once after making the parameters.");
    forget_temporaries(pool);
}

void value_pool_reset(ValuePool *pool)
{
    if (pool == NULL) return;
    forget_temporaries(pool);
#ifdef KIT_DEBUG
    for (ValueSlab *s = pool->kept_slabs; s != NULL; s = s->next)
        for (size_t i = 0; i < s->used; i++) s->values[i].data = s->values[i].grad = NAN;
#endif
    arena_reset(&pool->kept);
    pool->kept_slabs = NULL;
    pool->marked = false;
    pool->n_kept = 0;
    pool->n_values = 0;
}

void value_pool_free(ValuePool *pool)
{
    if (pool == NULL) return;
    arena_free(&pool->kept);
    arena_free(&pool->temp);
    free(pool->stack);
    free(pool->topo);
    size_t slab = pool->slab_values;
    memset(pool, 0, sizeof *pool);   /* valid and empty, like `= {0}` */
    pool->slab_values = slab;
}

long value_pool_count(const ValuePool *pool)
{
    return pool == NULL ? 0 : pool->n_values;
}

long value_pool_system_allocs(const ValuePool *pool)
{
    if (pool == NULL) return 0;
    return pool->kept.n_system_allocs + pool->temp.n_system_allocs + pool->n_scratch_allocs;
}

/* One fresh node from the pool, all fields zero except op, pool and id. */
static Value *pool_take(ValuePool *pool)
{
    Arena *arena = pool->marked ? &pool->temp : &pool->kept;
    ValueSlab **slabs = pool->marked ? &pool->temp_slabs : &pool->kept_slabs;
    ValueSlab *s = *slabs;
    if (s == NULL || s->used == s->cap) {
        if (arena->name == NULL) arena->name = pool->marked ? "value temporaries" : "values";
        size_t cap = pool->slab_values ? pool->slab_values : VALUE_POOL_DEFAULT_SLAB;
        ValueSlab *fresh = arena_alloc_uninit(arena, sizeof *fresh + cap * sizeof(Value));   /* never NULL */
        fresh->next = s;
        fresh->cap = cap;
        fresh->used = 0;
        *slabs = s = fresh;
    }
    Value *v = &s->values[s->used++];
    memset(v, 0, sizeof *v);
    v->op = "";
    v->pool = pool;
    v->id = pool->n_values++;
    return v;
}

/* ---------------------------------------------------------------------------
 * Leaves and labels
 * ------------------------------------------------------------------------- */

Value *value_set_label(Value *v, const char *label)
{
    KIT_CHECK(v != NULL, "value_set_label: the Value is NULL. HINT: label the result of value_new() or of an op.");
    v->label[0] = '\0';
    if (label != NULL) {
        strncpy(v->label, label, VALUE_LABEL_SIZE - 1);
        v->label[VALUE_LABEL_SIZE - 1] = '\0';
    }
    return v;
}

Value *value_new(ValuePool *pool, double data, const char *label)
{
    KIT_CHECK(pool != NULL, "value_new: pool is NULL. HINT: declare `ValuePool pool = {0};` and pass &pool.");
    Value *v = pool_take(pool);
    v->data = data;
    return value_set_label(v, label);
}

Value *value_const(ValuePool *pool, double data)
{
    return value_new(pool, data, NULL);
}

/* A result node made by an op from inputs a (and b, or NULL); checks the inputs. */
static Value *make_result(const char *opname, Value *a, Value *b, int n_prev)
{
    KIT_CHECK(a != NULL && (n_prev < 2 || b != NULL),
              "value op '%s': an input is NULL. HINT: make inputs with value_new(&pool, x, \"x\") or with another op.",
              opname);
    KIT_CHECK(n_prev < 2 || a->pool == b->pool,
              "value op '%s': '%s' and '%s' live in different pools. HINT: make every Value of one graph in the same ValuePool.",
              opname, a->label, b->label);
    Value *out = pool_take(a->pool);
    out->op = opname;
    out->prev[0] = a;
    out->prev[1] = n_prev == 2 ? b : NULL;
    out->n_prev = n_prev;
    return out;
}

/* ---------------------------------------------------------------------------
 * The ops, each with its backward directly underneath
 *
 * A forward computes out->data and stores its backward in out->backward, as
 * engine.py stores out._backward; value_backward() calls it later. The
 * declarations let each forward name a backward that is written below it.
 * ------------------------------------------------------------------------- */

static void add_backward(Value *out);
static void mul_backward(Value *out);
static void pow_backward(Value *out);
static void exp_backward(Value *out);
static void tanh_backward(Value *out);
static void relu_backward(Value *out);

Value *value_add(Value *a, Value *b)
{
    Value *out = make_result("+", a, b, 2);
    out->data = a->data + b->data;
    out->backward = add_backward;   // engine.py: out._backward = _backward
    return out;
}
static void add_backward(Value *out)
{
    // forward: out = a + b
    // local:   d(out)/da = 1, d(out)/db = 1  (plus routes the gradient unchanged)
    Value *a = out->prev[0], *b = out->prev[1];
    a->grad += 1.0 * out->grad;
    b->grad += 1.0 * out->grad;
}

Value *value_mul(Value *a, Value *b)
{
    Value *out = make_result("*", a, b, 2);
    out->data = a->data * b->data;
    out->backward = mul_backward;
    return out;
}
static void mul_backward(Value *out)
{
    // forward: out = a * b
    // local:   d(out)/da = b, d(out)/db = a  (each input gets the other's value)
    Value *a = out->prev[0], *b = out->prev[1];
    a->grad += b->data * out->grad;
    b->grad += a->data * out->grad;
}

Value *value_pow(Value *a, double k)
{
    Value *out = make_result("**", a, NULL, 1);
    out->exponent = k;
    out->data = pow(a->data, k);
    out->backward = pow_backward;
    return out;
}
static void pow_backward(Value *out)
{
    // forward: out = a ** k   (k a constant: no gradient for it)
    // local:   d(out)/da = k * a ** (k - 1)
    Value *a = out->prev[0];
    double k = out->exponent;
    a->grad += k * pow(a->data, k - 1.0) * out->grad;
}

Value *value_exp(Value *a)
{
    Value *out = make_result("exp", a, NULL, 1);
    out->data = exp(a->data);
    out->backward = exp_backward;
    return out;
}
static void exp_backward(Value *out)
{
    // forward: out = exp(a)
    // local:   d(out)/da = exp(a) = out  (the lecture's video had `=` here: it must be `+=`)
    Value *a = out->prev[0];
    a->grad += out->data * out->grad;
}

Value *value_tanh(Value *a)
{
    Value *out = make_result("tanh", a, NULL, 1);
    /* The lecture's formula, tanh(x) = (e^2x - 1) / (e^2x + 1), so the neuron
     * prints the lecture's o = 0.7071067811865476 (libm's tanh() gives ...477).
     * expm1 computes e^2x - 1 without cancelling digits when x is near 0; above
     * x = 20 the quotient rounds to 1 anyway, and e^2x would overflow by x = 355. */
    double x = a->data, u = expm1(2.0 * x);
    out->data = x > 20.0 ? 1.0 : u / (u + 2.0);
    out->backward = tanh_backward;
    return out;
}
static void tanh_backward(Value *out)
{
    // forward: out = tanh(a)
    // local:   d(out)/da = 1 - tanh(a)^2 = 1 - out^2  (reuse the forward's result)
    Value *a = out->prev[0];
    a->grad += (1.0 - out->data * out->data) * out->grad;
}

Value *value_relu(Value *a)
{
    Value *out = make_result("ReLU", a, NULL, 1);
    out->data = a->data < 0.0 ? 0.0 : a->data;
    out->backward = relu_backward;
    return out;
}
static void relu_backward(Value *out)
{
    // forward: out = max(0, a)
    // local:   d(out)/da = 1 if out > 0 else 0  (at exactly 0 we pick 0, as engine.py does)
    Value *a = out->prev[0];
    a->grad += (out->data > 0.0 ? 1.0 : 0.0) * out->grad;
}

/* ---------------------------------------------------------------------------
 * Built from the ops above, as engine.py does (so they add nodes to the graph)
 * ------------------------------------------------------------------------- */

Value *value_add_const(Value *a, double k)
{
    KIT_CHECK(a != NULL, "value_add_const: input is NULL. HINT: make it with value_new() or another op.");
    return value_add(a, value_const(a->pool, k));      // engine.py: other = Value(other)
}

Value *value_mul_const(Value *a, double k)
{
    KIT_CHECK(a != NULL, "value_mul_const: input is NULL. HINT: make it with value_new() or another op.");
    return value_mul(a, value_const(a->pool, k));
}

Value *value_neg(Value *a)
{
    return value_mul_const(a, -1.0);                   // engine.py: -self = self * -1
}

Value *value_sub(Value *a, Value *b)
{
    return value_add(a, value_neg(b));                 // engine.py: self + (-other)
}

Value *value_div(Value *a, Value *b)
{
    return value_mul(a, value_pow(b, -1.0));           // engine.py: self * other**-1
}

/* ---------------------------------------------------------------------------
 * Topological sort without recursion
 *
 * micrograd's build_topo is a recursive depth-first walk: visit the children,
 * then append the node. A chain of 100,000 nodes would need 100,000 nested
 * calls, which overflows the C stack. Here the call stack is an explicit array
 * of frames (node, index of the next child to visit), so depth costs heap, not
 * stack. "Visited" is `node->mark == pool->epoch`; bumping the epoch at the
 * start of each walk un-visits every node at once, with no set and no clearing.
 * ------------------------------------------------------------------------- */

typedef struct Frame {
    Value *v;
    int next_child;   /* index into v->prev of the next child to look at */
} Frame;

/* Make room for a walk over every Value of the pool: no graph can be larger. */
static void ensure_scratch(ValuePool *pool)
{
    size_t need = (size_t)pool->n_values;
    if (need <= pool->scratch_cap) return;
    size_t cap = pool->scratch_cap ? pool->scratch_cap : 256;
    while (cap < need) cap *= 2;
    Frame *stack = realloc(pool->stack, cap * sizeof *stack);
    KIT_CHECK(stack != NULL, "value_backward: out of memory for a walk over %zu Values. HINT: reset the pool between steps.", need);
    pool->stack = stack;
    Value **topo = realloc(pool->topo, cap * sizeof *topo);
    KIT_CHECK(topo != NULL, "value_backward: out of memory for a walk over %zu Values. HINT: reset the pool between steps.", need);
    pool->topo = topo;
    pool->scratch_cap = cap;
    pool->n_scratch_allocs += 2;
}

long value_topo(Value *root, Value ***order)
{
    KIT_CHECK(root != NULL && order != NULL, "value_topo: root or order is NULL. HINT: pass the loss Value and the address of a Value ** to receive the order.");
    ValuePool *pool = root->pool;
    ensure_scratch(pool);
    Frame *stack = pool->stack;
    Value **topo = pool->topo;
    uint64_t epoch = ++pool->epoch;

    long depth = 0, n = 0;
    root->mark = epoch;
    stack[depth++] = (Frame){root, 0};
    while (depth > 0) {
        Frame *top = &stack[depth - 1];
        if (top->next_child < top->v->n_prev) {
            Value *child = top->v->prev[top->next_child++];
            if (child->mark != epoch) {          // not visited in this walk yet
                child->mark = epoch;
                stack[depth++] = (Frame){child, 0};
            }
        } else {                                 // all children done: the node comes after them
            topo[n++] = top->v;
            depth--;
        }
    }
    *order = topo;
    return n;
}

/* ---------------------------------------------------------------------------
 * Backward and zero_grad
 * ------------------------------------------------------------------------- */

void value_backward(Value *root)
{
    KIT_CHECK(root != NULL, "value_backward: root is NULL. HINT: call it on the loss, the last Value you computed.");
    Value **topo;
    long n = value_topo(root, &topo);

    /* Interior nodes start from 0 on every backward (PyTorch's rule for
     * non-leaf tensors); leaves keep accumulating. See value.h. */
    for (long i = 0; i < n; i++) {
        if (topo[i]->n_prev > 0) topo[i]->grad = 0.0;
    }
    root->grad = 1.0;                             // d(root)/d(root)

    /* reverse topological order: a node's grad is complete (every use of it has
     * added its share) before its own backward passes it on */
    for (long i = n - 1; i >= 0; i--) {
        if (topo[i]->backward != NULL) topo[i]->backward(topo[i]);   // leaves have none
    }
}

void value_zero_grad(ValuePool *pool)
{
    if (pool == NULL) return;
    for (int k = 0; k < 2; k++)
        for (ValueSlab *s = k == 0 ? pool->kept_slabs : pool->temp_slabs; s != NULL; s = s->next)
            for (size_t i = 0; i < s->used; i++) s->values[i].grad = 0.0;
}

/* ---------------------------------------------------------------------------
 * Graphviz, like the lecture's draw_dot
 * ------------------------------------------------------------------------- */

/* Record labels treat { } | < > as structure and " ends the string: escape them. */
static void put_escaped(FILE *out, const char *s)
{
    for (; *s != '\0'; s++) {
        if (strchr("{}|<>\"\\", *s) != NULL) fputc('\\', out);
        fputc(*s, out);
    }
}

void value_dot(FILE *out, Value *root)
{
    KIT_CHECK(out != NULL && root != NULL, "value_dot: out or root is NULL. HINT: value_dot(stdout, loss), or a FILE from fopen(\"graph.dot\", \"w\").");
    Value **topo;
    long n = value_topo(root, &topo);

    fprintf(out, "digraph value {\n");
    fprintf(out, "  rankdir=LR;  // left to right, as draw_dot\n");
    for (long i = 0; i < n; i++) {
        Value *v = topo[i];
        fprintf(out, "  v%ld [shape=record, label=\"{ ", v->id);
        put_escaped(out, v->label);
        fprintf(out, " | data %.4f | grad %.4f }\"];\n", v->data, v->grad);
        if (v->n_prev == 0) continue;
        /* the op as its own small node: inputs -> op -> result */
        if (strcmp(v->op, "**") == 0) {
            fprintf(out, "  v%ld_op [label=\"**%g\"];\n", v->id, v->exponent);
        } else {
            fprintf(out, "  v%ld_op [label=\"%s\"];\n", v->id, v->op);
        }
        fprintf(out, "  v%ld_op -> v%ld;\n", v->id, v->id);
        for (int j = 0; j < v->n_prev; j++) {
            fprintf(out, "  v%ld -> v%ld_op;\n", v->prev[j]->id, v->id);
        }
    }
    fprintf(out, "}\n");
}
