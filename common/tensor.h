/**
 * @file tensor.h
 * @brief float32 tensors with reverse-mode autograd: the core every lab trains on.
 *
 * What it is: row-major, contiguous tensors of up to 4 dimensions, a handful
 * of ops in the words PyTorch uses (matmul, add, tanh, sum, cross_entropy...),
 * and `tensor_backward(loss)`. Each op in tensor.c has its backward directly
 * under its forward.
 * What it is not: a general array library. No strides, no dtypes, no devices;
 * broadcasting covers exactly the cases the lectures use (below).
 *
 * ## Shape legend (used on every tensor in the kit)
 *   - B  batch size (examples in a minibatch; 32 in the lectures)
 *   - T  block size: characters of context (3)
 *   - C  embedding size per character (10; 2 for the embedding picture)
 *   - H  hidden units (200; 100 in the deeper net)
 *   - V  vocabulary size: 27 ('.' and a-z)
 * Shapes are written in comments as `[B, T, C]`.
 *
 * ## Memory (see arena.h)
 * Tensors made by ops and by tensor_new() live in the Graph's step arena and
 * die at graph_step_reset(). Parameters (tensor_param) and buffers
 * (tensor_buffer) live in the params arena until graph_free(). Callers never
 * free a tensor.
 *
 * ## Autograd
 * An op whose input requires a gradient (and the graph is not in no-grad mode)
 * gives a result that requires one too: its `grad` is allocated (zeroed) and
 * the op is appended to the graph's tape. The tape is in creation order, which
 * is a topological order, so tensor_backward() walks it newest first; no
 * recursion, no sort. Gradients accumulate with `+=` (as PyTorch's do), so zero
 * them before each backward: params_zero_grad().
 *
 * ## Broadcasting (add, sub, mul, div)
 * `a op b` where b's shape equals a's, or b is a row vector `[N]`/`[1, N]`
 * against `[..., N]`, a column `[M, 1]` against `[M, N]`, or a scalar `[1]`
 * (and the same with the roles of a and b swapped). Anything else is an error
 * that names both shapes.
 */
#ifndef KIT_TENSOR_H
#define KIT_TENSOR_H

#include <stdbool.h>
#include <stdint.h>

#include "arena.h"
#include "kernels.h"   /* the loops under the ops; matmul_reference for the labs */
#include "rng.h"

/** The most dimensions a tensor has: [B, T, C] plus one. */
#define TENSOR_MAX_DIMS 4

/** A shape: ndim sizes, outermost first. Build one with SHAPE(27, 10). */
typedef struct Shape {
    int ndim;                /**< how many sizes (1 to TENSOR_MAX_DIMS) */
    int d[TENSOR_MAX_DIMS];  /**< the sizes, outermost first */
} Shape;

/** @cond INTERNAL */
#define KIT_NARGS_(a, b, c, d, n, ...) n
#define KIT_NARGS(...) KIT_NARGS_(__VA_ARGS__, 4, 3, 2, 1, 0)
/** @endcond */
/** SHAPE(32, 3, 10) is the Shape [32, 3, 10]. One to four sizes. */
#define SHAPE(...) ((Shape){KIT_NARGS(__VA_ARGS__), {__VA_ARGS__}})

/** @brief Number of elements of @p s (product of its sizes; 1 for ndim 0). */
int shape_numel(Shape s);
/** @brief Writes `[32, 3, 10]` into @p buf (at least 48 bytes); returns @p buf. */
const char *shape_str(Shape s, char *buf);

/** A tensor (below). */
typedef struct Tensor Tensor;
/** The graph a tensor belongs to (below). */
typedef struct Graph Graph;

/** The backward of one op: reads out->grad, adds into its inputs' grads. */
typedef void (*BackwardFn)(Tensor *out);

/** A tensor. Fields above the line are public; read them freely. */
struct Tensor {
    float *data;         /**< numel values, row-major (owned by an arena) */
    float *grad;         /**< numel gradient values, or NULL when no gradient flows here */
    Shape shape;         /**< sizes, outermost first */
    int numel;           /**< number of elements */
    bool requires_grad;  /**< true for parameters and for results computed from them */
    const char *op;      /**< which op made it ("matmul", "param"...), for tensor_print */
    /* ---- private to tensor.c ---- */
    Graph *graph;        /**< the graph whose arenas hold it */
    BackwardFn backward; /**< NULL for leaves */
    Tensor *in[3];       /**< inputs of the op */
    const int *idx;      /**< indices the backward reads, in the step arena: a copy of embed's, pick's or
                              cross_entropy's (NULL when nothing was recorded), or where each max was */
    int dim;             /**< the dimension a reduction ran over (sum, mean, max, var, std) */
    bool unbiased;       /**< var, std: divided by n - 1, not n */
    bool is_view;        /**< made by tensor_view: a's data and grad under another shape, never on the tape */
    float scalar;        /**< the constant of mul_scalar, add_scalar, pow */
    float *saved;        /**< values the backward needs (softmax probabilities...) */
    void *ctx;           /**< what an op defined outside tensor.c keeps for its backward */
    Tensor *tape_prev;   /**< the tensor recorded before this one */
};

/** The context every tensor belongs to: two arenas, the tape, the no-grad switch. */
struct Graph {
    Arena params;  /**< parameters, their grads, buffers: live until graph_free */
    Arena step;    /**< everything made during one step: reset by graph_step_reset */
    Tensor *tape;  /**< newest recorded op (a linked list through tape_prev) */
    int no_grad;   /**< > 0: ops record nothing and results need no grad */
    bool backward_ran; /**< private: a backward has run over this tape (a second one first clears the intermediates' grads) */
};

/* ------------------------------------------------------------------------- */
/** @name Graph lifetime */
/** @{ */
/** @brief Set up an empty graph. Free it with graph_free(). */
void graph_init(Graph *g);
/** @brief Release everything the graph owns: every tensor made from it is gone. NULL is a no-op. */
void graph_free(Graph *g);
/** @brief End a training step: forget the tape and every step tensor. Parameters stay. */
void graph_step_reset(Graph *g);
/**
 * @brief Turn no-grad mode on or off (like `with torch.no_grad():`). Use it for
 * the SGD update, running statistics and evaluation.
 * @return the previous setting, to restore it afterwards.
 */
bool graph_set_no_grad(Graph *g, bool on);
/** @} */

/* ------------------------------------------------------------------------- */
/** @name Making tensors */
/** @{ */
/** @brief A zero tensor in the step arena, no grad. */
Tensor *tensor_new(Graph *g, Shape s);
/** @brief A step tensor holding a copy of @p values (numel of them). */
Tensor *tensor_from(Graph *g, Shape s, const float *values);
/** @brief A parameter: zeros in the params arena, requires_grad, grad allocated. Fill it with tensor_randn_(). */
Tensor *tensor_param(Graph *g, Shape s);
/** @brief A buffer: zeros in the params arena, no grad (running mean and std). */
Tensor *tensor_buffer(Graph *g, Shape s);
/** @brief Fill @p t in place with `torch.randn(t.shape, generator=r)`: same values, same draws. */
void tensor_randn_(Tensor *t, TorchRng *r);
/** @brief Set every element to @p v (in place, no grad). */
void tensor_fill_(Tensor *t, float v);
/** @brief Multiply every element by @p s in place, as `W *= s` under no_grad. `x * (float)s`, like torch. */
void tensor_scale_(Tensor *t, float s);
/**
 * @brief one_hot(ix, V).float(): an [N, V] step tensor, no grad, 1 at ix[i].
 * An index outside 0..V-1 is an error naming it.
 */
Tensor *tensor_one_hot(Graph *g, const int *ix, int n, int V);
/** @} */

/* ------------------------------------------------------------------------- */
/** @name Ops (each differentiable; results live in the step arena) */
/** @{ */
/** @brief a @ b: [M, K] x [K, N] -> [M, N]. */
Tensor *tensor_matmul(Tensor *a, Tensor *b);
/** @brief a + b with broadcasting (see the file comment). */
Tensor *tensor_add(Tensor *a, Tensor *b);
/** @brief a - b with broadcasting. */
Tensor *tensor_sub(Tensor *a, Tensor *b);
/** @brief a * b elementwise with broadcasting. */
Tensor *tensor_mul(Tensor *a, Tensor *b);
/** @brief a / b elementwise with broadcasting. */
Tensor *tensor_div(Tensor *a, Tensor *b);
/** @brief a * s for a constant s. */
Tensor *tensor_mul_scalar(Tensor *a, float s);
/** @brief a + s for a constant s. */
Tensor *tensor_add_scalar(Tensor *a, float s);
/** @brief -a. */
Tensor *tensor_neg(Tensor *a);
/** @brief a ** p for a constant p. */
Tensor *tensor_pow(Tensor *a, float p);
/** @brief exp(a). */
Tensor *tensor_exp(Tensor *a);
/** @brief log(a) (natural). log(0) is -inf, as in torch. */
Tensor *tensor_log(Tensor *a);
/** @brief tanh(a). */
Tensor *tensor_tanh(Tensor *a);
/** @brief Sum over dimension @p dim (keepdim keeps it with size 1; -1 is the last dim).
 * Reducing a 1-d tensor gives [1], never a 0-d tensor. Sums in float, in order. */
Tensor *tensor_sum(Tensor *a, int dim, bool keepdim);
/** @brief Sum of all elements: shape [1]. Accumulated in double, rounded once (long sums drift in float). */
Tensor *tensor_sum_all(Tensor *a);
/** @brief Mean over dimension @p dim. */
Tensor *tensor_mean(Tensor *a, int dim, bool keepdim);
/** @brief Mean of all elements: shape [1]. Accumulated in double, rounded once. */
Tensor *tensor_mean_all(Tensor *a);
/** @brief Max over dimension @p dim (values only; gradient to the first max). */
Tensor *tensor_max(Tensor *a, int dim, bool keepdim);
/** @brief Variance over @p dim; @p unbiased divides by n-1 (torch's default). Mean, then squared deviations, in double (as torch). */
Tensor *tensor_var(Tensor *a, int dim, bool keepdim, bool unbiased);
/** @brief Standard deviation over @p dim: sqrt(var). `x.std(0)` is tensor_std(x, 0, true?, true). */
Tensor *tensor_std(Tensor *a, int dim, bool keepdim, bool unbiased);
/** @brief sqrt(a). */
Tensor *tensor_sqrt(Tensor *a);
/**
 * @brief Embedding lookup `table[ix]`: table [V, C], ix of shape @p ishape
 * (e.g. [B, T]) -> [ishape..., C]. The op keeps its own copy of @p ix for backward.
 */
Tensor *tensor_embed(Tensor *table, const int *ix, Shape ishape);
/** @brief `a[arange(B), y]`: a [B, V] -> [B]. The op keeps its own copy of @p y for backward. */
Tensor *tensor_pick(Tensor *a, const int *y);
/** @brief The same data seen with another shape (same numel). No copy; shares grad.
 * One size may be -1 (inferred, as in torch): SHAPE(B, -1). A view is not on the tape. */
Tensor *tensor_view(Tensor *a, Shape s);
/** @brief Softmax over the last dimension (rows), max-subtracted. */
Tensor *tensor_softmax(Tensor *a);
/** @brief log(softmax(a)) over the last dimension, computed stably. */
Tensor *tensor_log_softmax(Tensor *a);
/**
 * @brief F.cross_entropy(logits, y): mean over B of -log softmax(logits)[b, y[b]].
 * logits [B, V], y (B labels, copied for backward) -> [1]. Fused: one pass forward, and
 * backward (softmax - onehot)/B. Equal (tested) to the composed version.
 */
Tensor *tensor_cross_entropy(Tensor *logits, const int *y);
/** @} */

/* ------------------------------------------------------------------------- */
/** @name Backward and training */
/** @{ */
/**
 * @brief Backpropagate from a one-element tensor: its grad += 1, then every
 * recorded op from @p loss back, newest first. Parameters accumulate over
 * repeated calls (zero them with params_zero_grad()); the intermediates of the
 * tape hold the gradient of the latest call (a second call clears them first).
 */
void tensor_backward(Tensor *loss);
/** @brief Set t->grad to zero (no-op when t has none). */
void tensor_zero_grad(Tensor *t);
/** @brief Zero the grads of @p n parameters. */
void params_zero_grad(Tensor **params, int n);
/** @brief `p.data += -lr * p.grad` for each parameter (no_grad implied). */
void params_sgd(Tensor **params, int n, float lr);
/** @brief Total number of elements of @p n parameters (the lectures' parameter count). */
long params_count(Tensor **params, int n);
/** @} */

/* ------------------------------------------------------------------------- */
/** @name Looking inside */
/** @{ */
/** @brief The single value of a one-element tensor. */
float tensor_item(const Tensor *t);
/** @brief Print `name [32, 27] op=matmul: 0.1234 -0.5678 ...` (shape and first values) to stdout. */
void tensor_print(const Tensor *t, const char *name);
/** @} */

/* ------------------------------------------------------------------------- */
/** @name Ops defined outside tensor.c (as the bench's fused cross-entropy, tools/embed_ce.c) */
/** @{ */
/**
 * @brief The result tensor of an op with inputs @p a and @p b (b may be NULL),
 * its data not yet written: in the step arena, and, when an input needs a
 * gradient and no_grad is off, with a zeroed grad, @p backward and its inputs
 * recorded on the tape. Keep what the backward needs in `saved` or `ctx`
 * (allocated from the graph's step arena).
 */
Tensor *tensor_op_result(Shape s, const char *op, BackwardFn backward, Tensor *a, Tensor *b);
/** @} */

#endif /* KIT_TENSOR_H */
