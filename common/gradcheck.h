/**
 * @file gradcheck.h
 * @brief A gradient checker: does backward agree with central differences?
 *
 * What it is: for a function that builds a tensor from some inputs (parameters
 * of a model, or the operands of one op), compare every input's analytic
 * gradient (tensor_backward) with the numerical one, and say so in one line
 * per input:
 *
 *     dW1 maxdiff 2.4e-07 (tol 1e-05) OK
 *
 * What it is not: fast (two forward passes per input element: keep the
 * tensors small), nor a proof (it samples one point and one direction).
 *
 * How it checks, and why:
 *   - The function's output `out` (any shape) is reduced to a scalar as
 *     `loss = sum(out * W)`, W a fixed tensor of random weights in [-1, 1].
 *     Not `sum(out)`: with an all-ones upstream gradient some bugs vanish
 *     (batchnorm's input gradient sums to zero over the batch, so a wrong one
 *     can look right).
 *   - Numerical gradient: each input element x is set to x + eps and x - eps,
 *     the loss is evaluated (in float, by the same code), and
 *     (L(x+eps) - L(x-eps)) / (x+eps - (x-eps)) is formed in double, with the
 *     perturbation actually stored in the float. The weighted sum is also
 *     accumulated in double, so the rounding of the outputs that the
 *     perturbation does not touch cancels exactly.
 *   - An element passes when |analytic - numeric| <= atol + rtol * |numeric|
 *     (like numpy.allclose). The worst element is the one furthest over its
 *     tolerance; the report names it.
 *
 * Memory: every evaluation starts with graph_step_reset() on the inputs'
 * graph, so the inputs (and anything @p fn uses across calls) must live in
 * the params arena: make them with tensor_param() / tensor_buffer(). Tensors
 * made inside @p fn are step tensors, as usual. The inputs' grads are
 * overwritten; their data is restored exactly.
 */
#ifndef KIT_GRADCHECK_H
#define KIT_GRADCHECK_H

#include <stdbool.h>
#include <stdio.h>

#include "tensor.h"

/**
 * @brief Builds the tensor to check from the inputs. Called many times; it must
 * compute the same function each time (no random draws inside). @p ctx is
 * whatever the caller passed to gradcheck() (a model, labels...). Returns a
 * step tensor of any shape that depends on the inputs through tensor ops.
 */
typedef Tensor *(*GradcheckFn)(void *ctx, Tensor *const *inputs, int n_inputs);

/** Tolerances and step; gradcheck_defaults() gives values that suit float32. */
typedef struct GradcheckOptions {
    double eps;     /**< perturbation of each input element (default 1e-2; see gradcheck_defaults) */
    double atol;    /**< absolute tolerance (default 1e-4) */
    double rtol;    /**< relative tolerance (default 1e-2) */
    unsigned seed;  /**< seed of the random weights W (default 1234) */
} GradcheckOptions;

/** What gradcheck found for one input. */
typedef struct GradcheckReport {
    const char *name;   /**< the input's name (borrowed from the caller), e.g. "W1" */
    double max_abs;     /**< max |analytic - numeric| over the elements */
    double max_rel;     /**< max |analytic - numeric| / max(|numeric|, 1e-12) */
    int worst;          /**< flat index of the element furthest over its tolerance */
    double analytic;    /**< analytic gradient at `worst` */
    double numeric;     /**< numerical gradient at `worst` */
    double tol;         /**< tolerance at `worst`: atol + rtol * |numeric| */
    bool ok;            /**< every element within its tolerance */
} GradcheckReport;

/**
 * @brief The defaults for float32: eps 1e-2, atol 1e-4, rtol 1e-2, seed 1234.
 *
 * Why eps is this large: the loss is a float, good to ~6e-8 relative, so its
 * difference over 2*eps carries ~3e-8/eps of noise, while the central
 * difference's own error grows as eps^2. 1e-2 balances the two for values of
 * order 1; use a smaller eps for inputs near a kink (max) or a pole (log, div).
 */
GradcheckOptions gradcheck_defaults(void);

/**
 * @brief Compare analytic and numerical gradients of @p fn at @p inputs.
 *
 * @param fn        builds the output from the inputs (see GradcheckFn)
 * @param ctx       passed to @p fn unchanged (may be NULL)
 * @param inputs    @p n tensors made by tensor_param() (requires_grad, params
 *                  arena); an input that is not a parameter is an error
 * @param names     @p n names for the report lines, or NULL ("input0"...)
 * @param n         how many inputs
 * @param opt       tolerances, or NULL for gradcheck_defaults()
 * @param reports   array of @p n reports to fill, or NULL
 * @param out       where to print one line per input (`dW1 maxdiff ...`), or NULL for silence
 * @return the number of inputs that failed: 0 means all OK.
 *
 * Leaves the graph's step arena reset and no_grad as it found it. Next:
 * gradcheck_format() to print a report yourself.
 */
int gradcheck(GradcheckFn fn, void *ctx, Tensor *const *inputs, const char *const *names, int n,
              const GradcheckOptions *opt, GradcheckReport *reports, FILE *out);

/**
 * @brief Write @p r as one line (no newline) into @p buf of @p len bytes:
 * `dW1 maxdiff 2.4e-07 (tol 1e-05) OK`, and on failure the worst element:
 * `dW1 maxdiff 0.31 (tol 0.0012) FAIL at [5]: analytic 0.1234 numeric 0.4321`.
 * @return @p buf.
 */
const char *gradcheck_format(const GradcheckReport *r, char *buf, size_t len);

#endif /* KIT_GRADCHECK_H */
