/*
 * main.c: the lab 00 driver. You do not need to edit this file; read it to see
 * how your functions in micrograd.c are used, in the lecture's order.
 *
 * What it is: the lecture as one run, `lab00 train` (the only command):
 *   1. f(x) = 3x^2 - 4x + 5 and its slopes (lab00.1); parabola.tsv
 *   2. L = (a*b + c)*f as a graph (lab00.2), its grads by hand (lab00.3),
 *      one nudge of the leaves; expression.dot
 *   3. the neuron, backpropagated node by node with your local derivatives
 *      (lab00.4 to lab00.6), then by your backward() (lab00.7, lab00.8);
 *      neuron.dot, tanh.tsv
 *   4. the neuron's tanh rebuilt from exp and pow (lab00.9 to lab00.11)
 *   5. MLP(3, [4, 4, 1]) (lab00.12 to lab00.14) trained on four examples
 *      (lab00.15); loss.tsv, preds.tsv
 *   6. its first layer once more as tensors (lab00.16)
 * Shared flags (--seed --steps --lr --out --json --quiet --help) come from
 * train.h; --seed seeds CPython's `random` (random.seed), default 1337, the
 * seed of the committed Python run (tests/fixtures/lab00_micrograd.txt);
 * --at X moves the tangent of the parabola's figure.
 * What it is not: where figures are drawn (plots/lab00_*.gp read the TSVs;
 * tools/plots.sh renders the .dot files with Graphviz; C never plots).
 *
 * Each part calls your functions in step order, so an unfinished skeleton
 * stops at the lowest TODO first.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "micrograd.h"
#include "rng.h"     // PyRandom, pyrandom_seed
#include "tensor.h"  // Graph, tensor_param, tensor_backward
#include "args.h"    // kit_parse_args
#include "output.h"  // tsv_open, json_*
#include "train.h"   // kit_loss_ok
#include "value.h"   // ValuePool, value_new, value_dot

/* The lecture's four examples and their targets (micrograd, second half). */
#define N_EX 4
static const double XS[N_EX * 3] = {2.0, 3.0, -1.0, 3.0, -1.0, 0.5, 0.5, 1.0, 1.0, 1.0, 1.0, -1.0};
static const double YS[N_EX] = {1.0, -1.0, -1.0, 1.0};

/* Write the graph under root as Graphviz to <dir>/<name>; exit 1 if it cannot be written. */
static void write_dot(const char *dir, const char *name, Value *root, bool quiet)
{
    char path[600];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (f == NULL) {
        fprintf(stderr, "lab00: cannot write %s. HINT: is --out a folder you can write to?\n", path);
        exit(1);
    }
    value_dot(f, root);
    if (fclose(f) != 0) {
        fprintf(stderr, "lab00: could not finish writing %s (disk full?). HINT: free some space or pick another --out\n", path);
        exit(1);
    }
    if (!quiet) printf("wrote %s (the graph: make plots)\n", path);
}

static void open_tsv(TsvLog *log, const char *dir, const char *name, const char *columns)
{
    if (tsv_open(log, dir, name, columns) != 0) exit(1);   // tsv_open said why
}

/* d = a*b + c as a function of c alone, for the lecture's "bump c by h" (a = 2, b = -3). */
static double d_of_c(double c) { return 2.0 * -3.0 + c; }

/* The lecture's neuron: o = tanh(x1*w1 + x2*w2 + b), labelled as in its graph. */
typedef struct NeuronGraph {
    Value *x1, *x2, *w1, *w2, *b, *x1w1, *x2w2, *sum, *n, *o;
} NeuronGraph;

static NeuronGraph build_neuron(ValuePool *pool, bool tanh_from_exp)
{
    NeuronGraph g;
    g.x1 = value_new(pool, 2.0, "x1");
    g.x2 = value_new(pool, 0.0, "x2");
    g.w1 = value_new(pool, -3.0, "w1");
    g.w2 = value_new(pool, 1.0, "w2");
    g.b = value_new(pool, 6.8813735870195432, "b");
    g.x1w1 = value_set_label(mg_mul(g.x1, g.w1), "x1*w1");
    g.x2w2 = value_set_label(mg_mul(g.x2, g.w2), "x2*w2");
    g.sum = value_set_label(mg_add(g.x1w1, g.x2w2), "x1*w1 + x2*w2");
    g.n = value_set_label(mg_add(g.sum, g.b), "n");
    g.o = value_set_label(tanh_from_exp ? mg_tanh_from_exp(g.n) : mg_tanh(g.n), "o");
    return g;
}

static void print_neuron_grads(const char *how, const NeuronGraph *g)
{
    printf("   %s: o %.16g; grads x1 %g, w1 %g, x2 %g, w2 %g, b %g, n %g\n", how, g->o->data, g->x1->grad,
           g->w1->grad, g->x2->grad, g->w2->grad, g->b->grad, g->n->grad);
}

int main(int argc, char **argv)
{
    static const char *const commands[] = {"train", NULL};
    const KitProgram prog = {
        "lab00", "micrograd: derivatives, backpropagation, a neuron, a small net (the course's first lecture)",
        commands,
        "examples:\n"
        "  lab00                          the whole lecture: slopes, graphs, the neuron, 20 training steps\n"
        "  lab00 --quiet --json           only the figures, as one JSON object (seed 1337: the Python run's)\n"
        "  lab00 --steps 100 --lr 0.05    train longer, with smaller steps\n",
        "--data --batch"};   // nothing is read from a words file, and the loop is full batch
    KitArgs a;
    kit_args_defaults(&a, "lab00");
    a.seed = 1337;
    a.steps = 20;
    a.lr = 0.1;
    double at = 3.0;
    const KitOpt opts[] = {
        {"--at", KIT_OPT_DOUBLE, &at, -5.0, 5.0, "x of the tangent in the parabola's figure", NULL},
    };
    kit_parse_args(argc, argv, &prog, &a, opts, (int)(sizeof opts / sizeof opts[0]));
    const bool say = !a.quiet;
    if (kit_mkdirs(a.out) != 0) {
        fprintf(stderr, "lab00: cannot create the folder %s. HINT: pick another --out\n", a.out);
        return 1;
    }
    ValuePool pool = {0};

    /* ---- 1. a derivative as a slope (lab00.1) ------------------------------ */
    double slope_f = mg_slope(mg_f, 2.0 / 3.0, 1e-6);
    double slope_d = mg_slope(d_of_c, 10.0, 1e-4);
    double slope_at = mg_slope(mg_f, at, 1e-6);
    if (say) {
        printf("1. f(x) = 3x^2 - 4x + 5: f(3) = %g\n", mg_f(3.0));
        printf("   slope at x = 2/3 (h 1e-6): %.16g (the true derivative there is 0)\n", slope_f);
        printf("   d = a*b + c, bump c by 1e-4: slope %.16g; slope of f at %g: %.6f\n", slope_d, at, slope_at);
    }
    TsvLog log;
    open_tsv(&log, a.out, "parabola.tsv", "x f tangent");
    for (int i = 0; i < 40; i++) {   // np.arange(-5, 5, 0.25)
        double x = -5.0 + 0.25 * i;
        double tangent = fabs(x - at) <= 1.5 ? mg_f(at) + slope_at * (x - at) : NAN;   // a segment around x0
        tsv_row(&log, "%g\t%.10g\t%.10g", x, mg_f(x), tangent);
    }
    (void)!tsv_close(&log);   // a failure is said and counted: main's exit status (kit_output_failures)

    /* ---- 2. L = (a*b + c)*f, its grads by hand, one nudge (lab00.2, lab00.3) ---- */
    Expression ex = mg_build_expression(&pool);
    mg_grads_by_hand(&ex);
    double L_first = ex.L->data;
    if (say) {
        printf("2. L = (a*b + c)*f = %g; grads by hand: a %g, b %g, c %g, e %g, d %g, f %g\n", ex.L->data, ex.a->grad,
               ex.b->grad, ex.c->grad, ex.e->grad, ex.d->grad, ex.f->grad);
    }
    write_dot(a.out, "expression.dot", ex.L, a.quiet);
    Value *leaves[] = {ex.a, ex.b, ex.c, ex.f};
    for (int i = 0; i < 4; i++) leaves[i]->data += 0.01 * leaves[i]->grad;   // a.data += 0.01 * a.grad ...
    double L_nudged = mg_mul(mg_add(mg_mul(ex.a, ex.b), ex.c), ex.f)->data;     // forward again
    if (say) printf("   after a.data += 0.01 * a.grad (and b, c, f): L = %.6f\n", L_nudged);
    value_pool_reset(&pool);

    /* ---- 3. the neuron: node by node (lab00.4 to .6), then backward() (lab00.7, .8) ---- */
    NeuronGraph g = build_neuron(&pool, false);
    g.o->grad = 1.0;   // the lecture's o.grad = 1.0, then o._backward(), n._backward(), ...
    Value *by_hand[] = {g.o, g.n, g.sum, g.x2w2, g.x1w1};
    for (int i = 0; i < 5; i++) by_hand[i]->backward(by_hand[i]);
    if (say) {
        printf("3. the neuron o = tanh(x1*w1 + x2*w2 + b)\n");
        print_neuron_grads("node by node", &g);
    }
    value_pool_reset(&pool);
    g = build_neuron(&pool, false);
    mg_backward(g.o);
    double neuron_o = g.o->data, neuron_x1 = g.x1->grad;
    if (say) print_neuron_grads("mg_backward(o)", &g);
    write_dot(a.out, "neuron.dot", g.o, a.quiet);
    value_pool_reset(&pool);
    Value *va = value_new(&pool, 3.0, "a");
    Value *twice = mg_add(va, va);
    mg_backward(twice);
    double twice_grad = va->grad;
    if (say) printf("   b = a + a: a.grad = %g (a is used twice: both uses add into a.grad)\n", twice_grad);
    open_tsv(&log, a.out, "tanh.tsv", "x tanh dtanh");   // np.arange(-5, 5, 0.2): tanh and your derivative of it
    for (int i = 0; i <= 50; i++) {
        value_pool_reset(&pool);
        Value *x = value_new(&pool, -5.0 + 0.2 * i, "x");
        Value *t = mg_tanh(x);
        mg_backward(t);
        tsv_row(&log, "%g\t%.10g\t%.10g", x->data, t->data, x->grad);
    }
    (void)!tsv_close(&log);   // a failure is said and counted: main's exit status (kit_output_failures)
    value_pool_reset(&pool);

    /* ---- 4. tanh rebuilt from exp and pow (lab00.9 to lab00.11) --------------- */
    g = build_neuron(&pool, true);
    mg_backward(g.o);
    if (say) {
        printf("4. the same neuron, tanh rebuilt as (exp(2n) - 1) / (exp(2n) + 1)\n");
        print_neuron_grads("with exp and pow", &g);
    }
    value_pool_reset(&pool);

    /* ---- 5. MLP(3, [4, 4, 1]) and the training loop (lab00.12 to lab00.15) --- */
    PyRandom r;
    pyrandom_seed(&r, a.seed);   // random.seed(seed)
    static MLP m;                // about 7 KB of pointers: static rather than on the stack
    const int nouts[] = {4, 4, 1};
    mlp_init(&m, &pool, &r, 3, nouts, 3);
    value_pool_mark(&pool);      // the parameters are kept; every step's graph is temporary
    Value *x0[3], *out0;
    for (int i = 0; i < 3; i++) x0[i] = value_const(&pool, XS[i]);
    mlp_forward(&m, x0, &out0);
    if (say) {
        printf("5. MLP(3, [4, 4, 1]) with random.seed(%llu): %d parameters, n([2, 3, -1]) = %.16g\n",
               (unsigned long long)a.seed, m.n_params, out0->data);
    }
    value_pool_rewind(&pool);
    double ypred[N_EX] = {NAN, NAN, NAN, NAN}, loss_first = NAN, loss_last = NAN;   // NaN: no step ran
    double *losses = calloc((size_t)a.steps + 1, sizeof *losses);
    if (losses == NULL) {
        fprintf(stderr, "lab00: out of memory for %ld losses. HINT: fewer --steps\n", a.steps);
        return 1;
    }
    open_tsv(&log, a.out, "loss.tsv", "step loss");
    for (long k = 0; k < a.steps; k++) {
        double loss = mg_train_step(&m, XS, YS, N_EX, a.lr, ypred);
        value_pool_rewind(&pool);   // forget this step's graph; the parameters stay
        if (!kit_loss_ok(loss, k)) {
            (void)!tsv_close(&log);   // exit 1 either way; a failed rename said why
            return 1;
        }
        losses[k] = loss;
        if (k == 0) loss_first = loss;
        loss_last = loss;
        tsv_row(&log, "%ld\t%.17g", k, loss);
        if (say && (k < 20 || k == a.steps - 1)) printf("   step %2ld  loss %.16g\n", k, loss);
        else if (say && k == 20) printf("   ...\n");
    }
    (void)!tsv_close(&log);   // a failure is said and counted: main's exit status (kit_output_failures)
    open_tsv(&log, a.out, "preds.tsv", "example target prediction");
    for (int k = 0; k < N_EX; k++) tsv_row(&log, "%d\t%g\t%.17g", k + 1, YS[k], ypred[k]);
    (void)!tsv_close(&log);   // a failure is said and counted: main's exit status (kit_output_failures)
    if (say && a.steps > 0) {
        printf("   ypred (the last step's forward) %.6f %.6f %.6f %.6f, targets 1 -1 -1 1\n", ypred[0], ypred[1],
               ypred[2], ypred[3]);
    }

    /* ---- 6. the bridge: the first layer as tensors (lab00.16) ---------------- */
    Graph tg;
    graph_init(&tg);
    const Layer *l0 = &m.layers[0];
    Tensor *X = tensor_new(&tg, SHAPE(N_EX, 3));                // [B, nin], the four examples
    Tensor *W = tensor_param(&tg, SHAPE(3, l0->nout));          // [nin, nout]: column j is neuron j's w
    Tensor *bt = tensor_param(&tg, SHAPE(l0->nout));            // [nout]
    for (int i = 0; i < N_EX * 3; i++) X->data[i] = (float)XS[i];
    for (int j = 0; j < l0->nout; j++) {
        for (int i = 0; i < 3; i++) W->data[i * l0->nout + j] = (float)l0->neurons[j].w[i]->data;
        bt->data[j] = (float)l0->neurons[j].b->data;
    }
    Tensor *H = layer_tensor(X, W, bt);                         // [B, nout]
    double maxdiff = 0.0;
    for (int k = 0; k < N_EX; k++) {
        Value *xv[3];
        for (int i = 0; i < 3; i++) xv[i] = value_const(&pool, XS[k * 3 + i]);
        for (int j = 0; j < l0->nout; j++) {
            double d = fabs((double)H->data[k * l0->nout + j] - neuron_forward(&l0->neurons[j], xv)->data);
            if (d > maxdiff) maxdiff = d;
        }
    }
    value_pool_rewind(&pool);
    if (say) {
        printf("6. the first layer on all four examples as tanh(X @ W + b): one [%d, %d] tensor = %d neurons of Values,"
               " max difference %.2g (float32)\n", N_EX, l0->nout, N_EX * l0->nout, maxdiff);
    }
    graph_free(&tg);

    if (a.json) {
        json_begin(stdout);
        json_num(stdout, "f3", mg_f(3.0));
        json_num(stdout, "slope", slope_f);
        json_num(stdout, "slope_dc", slope_d);
        json_num(stdout, "L", L_first);
        json_num(stdout, "L_nudged", L_nudged);
        json_num(stdout, "neuron_o", neuron_o);
        json_num(stdout, "neuron_x1_grad", neuron_x1);
        json_num(stdout, "a_plus_a_grad", twice_grad);
        json_num(stdout, "seed", (double)a.seed);
        json_num(stdout, "n_params", m.n_params);
        json_num(stdout, "steps", (double)a.steps);
        json_num(stdout, "lr", a.lr);
        json_num(stdout, "loss_first", loss_first);
        json_num(stdout, "loss_last", loss_last);
        json_num(stdout, "bridge_maxdiff", maxdiff);
        // arrays: train.h's json helpers write numbers and strings, so these two are written here
        fputs(", \"losses\": [", stdout);
        for (long k = 0; k < a.steps; k++) printf(k ? ", %.17g" : "%.17g", losses[k]);
        fputs("], \"ypred\": [", stdout);
        for (int k = 0; k < N_EX; k++) {
            if (isfinite(ypred[k])) printf(k ? ", %.17g" : "%.17g", ypred[k]);
            else fputs(k ? ", null" : "null", stdout);   // --steps 0: no prediction was made
        }
        fputs("]", stdout);
        (void)!json_end(stdout);   // a failure is said and counted: the exit status below
    }
    if (say && !a.json) printf("next: make plots (the graphs, the loss, the predictions), then lab 01: make check LAB=01\n");
    free(losses);
    value_pool_free(&pool);
    return kit_output_failures() > 0 ? 1 : 0;   // an output that could not be written
}
