/*
 * gradcheck.c: analytic gradients (tensor_backward) against central
 * differences, one report line per input (the contract is gradcheck.h).
 *
 * What it is not: part of training. It runs each forward 2 * numel + 1 times
 * and allocates its scratch with malloc (it is a test tool; the training step
 * itself never calls malloc).
 */
#include "gradcheck.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kit.h"

GradcheckOptions gradcheck_defaults(void)
{
    GradcheckOptions o = {1e-2, 1e-3, 1e-2, 1234u};
    return o;
}

/* The fixed weights W: a small xorshift, so the checker needs no generator
 * state of its own and gives the same W for the same seed and size. Values in
 * [-1, -0.25] U [0.25, 1]: random signs and sizes, never near zero (a zero
 * weight would hide that output from the check). */
static void fill_weights(float *w, int n, unsigned seed)
{
    unsigned long long s = 0x9E3779B97F4A7C15ull ^ seed;
    for (int i = 0; i < n; i++) {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        double u = (double)(s >> 11) / 9007199254740992.0;   /* [0, 1) */
        double mag = 0.25 + 0.75 * u;
        w[i] = (float)((s & 1) ? mag : -mag);
    }
}

/* One evaluation of fn with the step arena reset first; returns out. */
static Tensor *evaluate(GradcheckFn fn, void *ctx, Tensor *const *inputs, int n)
{
    graph_step_reset(inputs[0]->graph);
    Tensor *out = fn(ctx, inputs, n);
    KIT_CHECK(out != NULL, "gradcheck: the function returned NULL. HINT: return the tensor to check");
    return out;
}

/* sum_i out[i] * w[i], in double (see gradcheck.h: the untouched outputs cancel exactly). */
static double weighted_sum(const Tensor *out, const float *w)
{
    double s = 0.0;
    for (int i = 0; i < out->numel; i++) s += (double)out->data[i] * (double)w[i];
    return s;
}

const char *gradcheck_format(const GradcheckReport *r, char *buf, size_t len)
{
    int k = snprintf(buf, len, "d%s maxdiff %.2g (tol %.2g) %s", r->name ? r->name : "?", r->max_abs, r->tol,
                     r->ok ? "OK" : "FAIL");
    if (!r->ok && k > 0 && (size_t)k < len)
        snprintf(buf + k, len - (size_t)k, " at [%d]: analytic %.6g numeric %.6g", r->worst, r->analytic, r->numeric);
    return buf;
}

int gradcheck(GradcheckFn fn, void *ctx, Tensor *const *inputs, const char *const *names, int n,
              const GradcheckOptions *opt, GradcheckReport *reports, FILE *out)
{
    KIT_CHECK(fn != NULL && inputs != NULL && n >= 1, "gradcheck: need a function and at least one input. HINT: see gradcheck.h");
    GradcheckOptions o = opt ? *opt : gradcheck_defaults();
    Graph *g = inputs[0]->graph;
    for (int k = 0; k < n; k++)
        KIT_CHECK(inputs[k] && inputs[k]->graph == g && inputs[k]->requires_grad && inputs[k]->grad && !inputs[k]->backward &&
                      inputs[k]->op && strcmp(inputs[k]->op, "param") == 0,
                  "gradcheck: input %d is not a parameter of the same graph. HINT: make each input with tensor_param() "
                  "(the checker resets the step arena between evaluations)", k);
    bool no_grad_before = graph_set_no_grad(g, false);

    /* 1. Analytic: loss = sum(out * W), backward once, copy the grads out. */
    Tensor *y = evaluate(fn, ctx, inputs, n);
    Shape wshape = y->shape;
    int wn = y->numel;
    float *w = malloc((size_t)wn * sizeof(float));
    long total = 0;
    for (int k = 0; k < n; k++) total += inputs[k]->numel;
    double *analytic = malloc((size_t)total * sizeof(double));
    KIT_CHECK(w && analytic, "gradcheck: out of memory for %ld gradients. HINT: check smaller tensors", total);
    fill_weights(w, wn, o.seed);
    for (int k = 0; k < n; k++) tensor_zero_grad(inputs[k]);
    Tensor *W = tensor_from(g, wshape, w);
    Tensor *loss = tensor_sum_all(tensor_mul(y, W));
    KIT_CHECK(loss->requires_grad,
              "gradcheck: the output does not depend on any input through tensor ops. HINT: build it from the inputs");
    tensor_backward(loss);
    for (int k = 0, at = 0; k < n; at += inputs[k]->numel, k++)
        for (int i = 0; i < inputs[k]->numel; i++) analytic[at + i] = inputs[k]->grad[i];

    /* 2. Numerical: central differences, one element at a time, no tape. */
    graph_set_no_grad(g, true);
    int failed = 0;
    for (int k = 0, at = 0; k < n; at += inputs[k]->numel, k++) {
        Tensor *x = inputs[k];
        GradcheckReport r = {0};
        char fallback[24];
        snprintf(fallback, sizeof fallback, "input%d", k);
        r.name = names && names[k] ? names[k] : NULL;
        r.ok = true;
        double worst_excess = -1.0;
        for (int i = 0; i < x->numel; i++) {
            float orig = x->data[i];
            float hi = (float)(orig + o.eps), lo = (float)(orig - o.eps);
            x->data[i] = hi;
            Tensor *yp = evaluate(fn, ctx, inputs, n);
            KIT_CHECK(yp->numel == wn, "gradcheck: the output changed size between calls. HINT: fn must be deterministic");
            double lp = weighted_sum(yp, w);
            x->data[i] = lo;
            double lm = weighted_sum(evaluate(fn, ctx, inputs, n), w);
            x->data[i] = orig;
            double num = (lp - lm) / ((double)hi - (double)lo);
            double ana = analytic[at + i];
            double diff = fabs(ana - num), tol = o.atol + o.rtol * fabs(num);
            double rel = diff / (fabs(num) > 1e-12 ? fabs(num) : 1e-12);
            if (diff > r.max_abs) r.max_abs = diff;
            if (rel > r.max_rel) r.max_rel = rel;
            if (!(diff <= tol)) r.ok = false;   /* NaN fails too */
            double excess = isnan(diff) ? INFINITY : diff / tol;
            if (excess > worst_excess) {
                worst_excess = excess;
                r.worst = i;
                r.analytic = ana;
                r.numeric = num;
                r.tol = tol;
            }
            if (isnan(diff)) r.max_abs = NAN;
        }
        if (!r.ok) failed++;
        if (out) {
            char line[256];
            GradcheckReport shown = r;
            if (!shown.name) shown.name = fallback;
            fprintf(out, "%s\n", gradcheck_format(&shown, line, sizeof line));
        }
        if (reports) reports[k] = r;
    }
    graph_step_reset(g);
    graph_set_no_grad(g, no_grad_before);
    free(w);
    free(analytic);
    return failed;
}
