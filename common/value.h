/**
 * @file value.h
 * @brief Scalar autograd, micrograd in C: a `Value` is one double with a
 *        gradient, the op that made it and the Values it was made from.
 *
 * What it is: the engine of the "micrograd" lecture (Karpathy's engine.py),
 * op for op: add, mul, pow by a constant, exp, tanh, relu, and neg, sub, div
 * built from those the way engine.py builds them. value_backward() runs
 * backpropagation over the graph under a root; value_dot() writes the graph as
 * Graphviz, like the lecture's draw_dot. In value.c each op's backward sits
 * directly under its forward.
 * What it is not: fast, or for tensors. One node per number is the point: you
 * can print every intermediate and its grad. The labs train on tensor.h.
 *
 * ## Memory: one pool, on the arena, with a mark
 * Every Value lives in a ValuePool, and the pool takes its memory from the
 * kit's arenas (arena.h) in slabs of Values, so making a Value never calls
 * malloc by itself, pointers to Values stay valid while they live, and one
 * value_pool_free() releases everything: nothing to free node by node,
 * nothing to leak. Two lifetimes, as for tensors:
 * - Values made before value_pool_mark() are kept (a model's parameters);
 * - Values made after it are temporaries (one training step's graph):
 *   value_pool_rewind() forgets them and keeps the parameters. The first
 *   rewind grows the temporaries' arena to what the step needed, so a loop
 *   that rebuilds its graph every step stops calling malloc after step one.
 * value_pool_reset() forgets every Value, kept or not. Callers never free a Value.
 *
 * ## Gradients (the rules, stated once)
 * - value_backward(root) sets root->grad = 1 and walks the graph in reverse
 *   topological order; each node's backward ADDS into its children's grad
 *   (`+=`), because a Value used twice (b = a + a) gets a gradient from each
 *   use. That is the lecture's `+=` bug fix.
 * - So grads accumulate across calls: zero them first (value_zero_grad).
 * - One difference from engine.py, on purpose: before propagating,
 *   value_backward() resets the grad of every *interior* node under the root
 *   (every node that an op made), as PyTorch does for non-leaf tensors. The
 *   leaves (value_new, value_const) keep accumulating. Calling backward twice
 *   without zeroing therefore gives each leaf exactly twice its gradient;
 *   in engine.py the interior grads would accumulate too and the leaves would
 *   get more than twice.
 *
 * ## Typical use
 * @code
 *   ValuePool pool = {0};                        // valid and empty
 *   Value *a = value_new(&pool, 2.0, "a");
 *   Value *b = value_new(&pool, -3.0, "b");
 *   Value *c = value_new(&pool, 10.0, "c");
 *   Value *e = value_set_label(value_mul(a, b), "e");
 *   Value *d = value_set_label(value_add(e, c), "d");
 *   Value *f = value_new(&pool, -2.0, "f");
 *   Value *L = value_set_label(value_mul(d, f), "L");   // L->data == -8
 *   value_backward(L);                                  // a->grad == 6
 *   value_dot(stdout, L);                               // | dot -Tsvg > L.svg
 *   value_pool_free(&pool);
 * @endcode
 *
 * Errors (a NULL input, Values from two different pools) stop with
 * file:line and a HINT through KIT_ERROR (kit.h).
 */
#ifndef KIT_VALUE_H
#define KIT_VALUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "arena.h"   // Arena: where the Values live

/** Longest label kept, including the terminating NUL; longer ones are cut. */
#define VALUE_LABEL_SIZE 32

/** A scalar with its gradient and the op that made it (defined below). */
typedef struct Value Value;
/** Where Values live: slabs carved from arenas, freed all at once (defined below). */
typedef struct ValuePool ValuePool;

/** The backward of one op: reads out->grad, adds into out->prev[i]->grad. */
typedef void (*ValueBackwardFn)(Value *out);

/** One scalar in the graph. Fields above the line are public; read them freely. */
struct Value {
    double data;                  /**< the value (micrograd: .data) */
    double grad;                  /**< dL/d(this) after value_backward(L) (micrograd: .grad) */
    const char *op;               /**< what made it: "+", "*", "**", "exp", "tanh", "ReLU"; "" for a leaf (micrograd: ._op) */
    Value *prev[2];               /**< the Values it was made from, NULL where unused (micrograd: ._prev) */
    int n_prev;                   /**< how many of prev are used: 0 (leaf), 1 or 2 */
    double exponent;              /**< the constant k of `x ** k` (op "**" only) */
    char label[VALUE_LABEL_SIZE]; /**< a name for value_dot ("" if none) */
    ValueBackwardFn backward;     /**< the op's backward, set by the op; NULL for a leaf (micrograd: ._backward).
                                       A lab may put its own in its place (lab 00 does). */
    /* -- internal ------------------------------------------------------- */
    ValuePool *pool;              /**< the pool it lives in; results of ops go there too */
    long id;                      /**< creation index within the pool since the last reset; names the node in value_dot */
    uint64_t mark;                /**< == pool->epoch when the current traversal has seen it */
};

/** @cond INTERNAL */
typedef struct ValueSlab ValueSlab;
/** @endcond */

/**
 * A pool of Values. Zero-initialised (`ValuePool pool = {0}`) is a valid empty
 * pool with the default slab size; value_pool_init() chooses another.
 * All fields are the pool's own: read them, do not write them.
 */
struct ValuePool {
    Arena kept;               /**< Values made before value_pool_mark() (or all, with no mark) */
    Arena temp;               /**< Values made after value_pool_mark(): value_pool_rewind() resets it */
    ValueSlab *kept_slabs;    /**< slabs carved from kept, newest first */
    ValueSlab *temp_slabs;    /**< slabs carved from temp, newest first */
    size_t slab_values;       /**< Values per slab (0 = VALUE_POOL_DEFAULT_SLAB) */
    bool marked;              /**< value_pool_mark() was called: new Values are temporaries */
    long n_kept;              /**< Values made before the mark */
    long n_values;            /**< Values alive (kept and temporary) */
    uint64_t epoch;           /**< traversal counter: a node is "visited" when its mark equals it */
    void *stack;              /**< scratch for the graph walk (malloc'd; grows with the pool) */
    Value **topo;             /**< scratch: the last topological order (malloc'd) */
    size_t scratch_cap;       /**< entries that stack and topo can hold */
    long n_scratch_allocs;    /**< calls to realloc for the scratch (value_pool_system_allocs adds the arenas') */
};

/** Values per slab of a zero-initialised pool (a slab is one arena allocation). */
#define VALUE_POOL_DEFAULT_SLAB 256

/* ---------------------------------------------------------------------------
 * The pool
 * ------------------------------------------------------------------------- */

/**
 * @brief Set up @p pool empty; it will take Values from its arenas @p slab_values
 * at a time (0 = VALUE_POOL_DEFAULT_SLAB). Allocates nothing yet. Same as `= {0}`
 * when @p slab_values is 0. Next: value_new().
 */
void value_pool_init(ValuePool *pool, size_t slab_values);

/**
 * @brief Keep every Value made so far: from now on new Values are temporaries,
 * which value_pool_rewind() forgets. Call it once the parameters exist, before
 * the first training step. Marking again when no temporary is alive is a
 * no-op; with temporaries alive it is an error (rewind first). NULL is a no-op.
 */
void value_pool_mark(ValuePool *pool);

/**
 * @brief Forget every Value made since value_pool_mark() (pointers to them
 * become invalid; debug builds poison them with NaN) and keep the ones made
 * before it, grads included. The mark stays, so call it at the end of every
 * training step. The first rewind grows the temporaries' arena to the step's
 * high-water mark; later steps of the same size call no malloc. Without a mark
 * it is an error (it would forget nothing). NULL is a no-op.
 */
void value_pool_rewind(ValuePool *pool);

/**
 * @brief Forget every Value of @p pool, kept or temporary, and the mark; keep
 * the memory, grown to the high-water mark, so the next graph of the same
 * size needs no malloc. NULL is a no-op.
 */
void value_pool_reset(ValuePool *pool);

/**
 * @brief Release all memory of @p pool: every Value it made is gone. @p pool
 * stays valid and empty (reusable as if zero-initialised, keeping its
 * slab_values choice). NULL is a no-op.
 */
void value_pool_free(ValuePool *pool);

/** @brief Values alive in @p pool (kept and temporary); 0 for NULL. */
long value_pool_count(const ValuePool *pool);

/** @brief Calls to malloc/realloc the pool has made so far (its arenas and its walk's scratch); tests assert it stops growing. 0 for NULL. */
long value_pool_system_allocs(const ValuePool *pool);

/* ---------------------------------------------------------------------------
 * Leaves
 * ------------------------------------------------------------------------- */

/**
 * @brief A new leaf in @p pool holding @p data, grad 0, named @p label
 * (copied, cut to VALUE_LABEL_SIZE - 1 chars; NULL means no label).
 * Owned by the pool: never free it. @p pool must not be NULL.
 * micrograd: `a = Value(2.0, label="a")`. Next: the ops below.
 */
Value *value_new(ValuePool *pool, double data, const char *label);

/** @brief A leaf with no label, for constants such as the 2 of `2 * n`. Same rules as value_new(). */
Value *value_const(ValuePool *pool, double data);

/**
 * @brief Copy @p label into @p v (cut to VALUE_LABEL_SIZE - 1 chars; NULL
 * clears it) and return @p v, so it chains: `value_set_label(value_mul(a, b), "e")`.
 * micrograd: `e.label = "e"`. @p v must not be NULL.
 */
Value *value_set_label(Value *v, const char *label);

/* ---------------------------------------------------------------------------
 * Ops. Each returns a new Value in its inputs' pool (never NULL), remembers its
 * inputs for backward, and stops with KIT_ERROR on a NULL input or on inputs
 * from two different pools. Inputs are only read.
 * ------------------------------------------------------------------------- */

/** @brief a + b. micrograd: `a + b`. */
Value *value_add(Value *a, Value *b);
/** @brief a * b. micrograd: `a * b`. */
Value *value_mul(Value *a, Value *b);
/** @brief a ** k for a constant k (no gradient flows to k). micrograd: `a ** k`. */
Value *value_pow(Value *a, double k);
/** @brief e ** a. micrograd: `a.exp()`. */
Value *value_exp(Value *a);
/** @brief tanh(a), computed with the lecture's formula (e^2a - 1)/(e^2a + 1) (via expm1),
 *  so the neuron prints the lecture's digits. micrograd lecture: `a.tanh()`. */
Value *value_tanh(Value *a);
/** @brief max(0, a); its gradient at exactly 0 is taken as 0. micrograd: `a.relu()`. */
Value *value_relu(Value *a);

/* Built from the ops above, as engine.py builds them (so they add nodes). */

/** @brief -a, made as a * (-1). micrograd: `-a`. */
Value *value_neg(Value *a);
/** @brief a - b, made as a + (-b). micrograd: `a - b`. */
Value *value_sub(Value *a, Value *b);
/** @brief a / b, made as a * b**-1. micrograd: `a / b`. */
Value *value_div(Value *a, Value *b);
/** @brief a + k, with k a new value_const leaf. micrograd: `a + 2.0`. */
Value *value_add_const(Value *a, double k);
/** @brief a * k, with k a new value_const leaf. micrograd: `a * 2.0`. */
Value *value_mul_const(Value *a, double k);

/* ---------------------------------------------------------------------------
 * Backpropagation and the graph
 * ------------------------------------------------------------------------- */

/**
 * @brief Backpropagate from @p root: root->grad = 1, every interior node
 * under it starts at 0, and each node's backward runs in reverse topological
 * order, adding into the grads of the nodes it was made from. Leaves
 * accumulate: call value_zero_grad() before each backward of a training step.
 *
 * The topological sort is iterative (an explicit stack, no recursion), so a
 * chain of millions of nodes works; "visited" is a mark compared with the
 * pool's epoch, so no set is built. The scratch it needs belongs to the pool.
 * @p root must not be NULL.
 */
void value_backward(Value *root);

/** @brief Set grad = 0 on every Value of @p pool (micrograd: `p.grad = 0` for all p). NULL is a no-op. */
void value_zero_grad(ValuePool *pool);

/**
 * @brief Topological order of the graph under @p root: children before the
 * Values made from them, @p root last (the order of micrograd's build_topo).
 * Returns the count and sets *@p order to an array owned by the pool, valid
 * until the next value_topo/value_backward/value_dot, reset or free.
 * @p root and @p order must not be NULL.
 */
long value_topo(Value *root, Value ***order);

/**
 * @brief Write the graph under @p root to @p out as Graphviz dot, like the
 * lecture's draw_dot: left to right, one record node per Value showing
 * `label | data 2.0000 | grad 6.0000`, and for each Value made by an op an
 * extra small node with the op ("*") with edges inputs -> op -> result.
 * Render with `dot -Tsvg graph.dot > graph.svg`. Writes nothing else; does not
 * close @p out. @p out and @p root must not be NULL.
 */
void value_dot(FILE *out, Value *root);

#endif /* KIT_VALUE_H */
