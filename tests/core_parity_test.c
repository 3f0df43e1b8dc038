/*
 * core_parity_test.c: the core against PyTorch 1.13, model by model.
 *
 * What it is: every lab's model rebuilt with common/tensor.h and compared with
 * the fixtures tools/make_fixtures.py wrote from the same model in PyTorch
 * (seed 2147483647, the lecture's init and order of draws):
 *   - initial parameters: bit for bit (the generator is PyTorch's);
 *   - the minibatch draws (randint on the same generator): exactly;
 *   - logits, loss and every parameter gradient of step 0: within 1e-5,
 *     relative to the largest magnitude of the reference tensor;
 *   - the losses of the first 10 SGD steps, and lab 05's running statistics
 *     after those steps: within 1e-4 relative.
 * Measured (torch 1.13, -O2 and -march=native alike): every step-0 tensor
 * within 1.2e-6 relative, every trace within 5.1e-7; the tolerances leave
 * room for another compiler or summation order, not for a wrong formula (a
 * wrong gradient is off by far more than 1e-5 of the tensor's scale).
 * Lab 01's five sampled names come from the bigram counts of makemore's
 * names.txt (tests/fixtures/makemore_bigram_counts.txt) and must be the
 * lecture's, letter for letter.
 * What it is not: a gradient check (core_tensor_test does central
 * differences) or a speed test (tools/bench.c).
 *
 * Why "relative to the largest magnitude": PyTorch sums in another order
 * (OpenBLAS's sgemm blocks K, its reductions are vectorised), so each element
 * carries a rounding error of order 1e-7 times the size of the terms it sums,
 * not times its own size. An element that is nearly zero through cancellation
 * may differ by 100% of itself and still be correct to float precision; the
 * tensor's largest element is the honest yardstick. Every comparison prints
 *   `dW1 maxdiff 2.4e-07 (max|ref| 3.1, rel 7.7e-08, tol 1e-05) OK`.
 *
 * Fixture format (written by tools/make_fixtures.py, which documents it too;
 * little-endian): "MMFX", u32 version (1), u32 count, then per tensor: u32
 * name length, the name (no NUL), u32 ndim (1..4), u32 dims[ndim], float32
 * data[prod(dims)]. Integer tensors (ix, X, Y) are stored as float32, exact
 * below 2^24; the reader checks each one is integral.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "data.h"    /* words_load, words_split, dataset_build: the minibatch cross-check */
#include "harness.h"
#include "rng.h"     /* TorchRng: rng_seed, rng_randint, rng_multinomial_replacement */
#include "tensor.h"  /* the core under test */
/* The bench's fused op is not in libkit: its one file is compiled into this test. */
#include "../tools/embed_ce.c"

#define SEED 2147483647u
#define STEPS 10
#define FIXDIR "tests/fixtures/"
#define REGEN "HINT: regenerate with `/usr/bin/python3 tools/make_fixtures.py` from the repo root."

#define TOL_FWD 1e-5   /* logits, loss, gradients: relative to max|ref| */
#define TOL_TRACE 1e-4 /* the 10-step loss trace: relative to |ref| */

/* ======================================================================== */
/* The fixture reader                                                        */
/* ======================================================================== */

#define FX_MAX 64

typedef struct FxTensor {
    char name[32];
    Shape shape;
    int numel;
    float *data; /* points into Fixture.blob (copied out, so aligned) */
} FxTensor;

typedef struct Fixture {
    const char *path;
    int n;
    FxTensor t[FX_MAX];
    float *store;  /* owned: all tensors' data, back to back */
} Fixture;

static uint32_t rd_u32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Parse a fixture held in memory. Returns 0, or -1 with a message in err
 * (the file is then empty). Every length is checked against what is left, so
 * a truncated or foreign file is refused rather than read past its end. */
static int fx_parse(Fixture *fx, const unsigned char *buf, size_t len, char *err, size_t errlen)
{
    memset(fx->t, 0, sizeof fx->t);
    fx->n = 0;
    fx->store = NULL;
    size_t pos = 0;
#define NEED(k, what)                                                                         \
    do {                                                                                      \
        if (len - pos < (size_t)(k)) {                                                        \
            snprintf(err, errlen, "truncated at byte %zu while reading %s", pos, (what));    \
            goto fail;                                                                        \
        }                                                                                     \
    } while (0)
    NEED(12, "the header");
    if (memcmp(buf, "MMFX", 4) != 0) {
        snprintf(err, errlen, "not a fixture (magic is not MMFX)");
        goto fail;
    }
    uint32_t version = rd_u32(buf + 4), count = rd_u32(buf + 8);
    pos = 12;
    if (version != 1) {
        snprintf(err, errlen, "fixture version %u, this reader knows version 1", version);
        goto fail;
    }
    if (count > FX_MAX) {
        snprintf(err, errlen, "%u tensors, more than this reader's %d", count, FX_MAX);
        goto fail;
    }
    fx->store = malloc(len + 64); /* data is at most the file's size */
    KIT_CHECK(fx->store != NULL, "out of memory reading a fixture. HINT: none");
    size_t used = 0;
    for (uint32_t i = 0; i < count; i++) {
        FxTensor *t = &fx->t[i];
        NEED(4, "a name length");
        uint32_t nl = rd_u32(buf + pos);
        pos += 4;
        if (nl == 0 || nl >= sizeof t->name) {
            snprintf(err, errlen, "tensor %u: name length %u out of range", i, nl);
            goto fail;
        }
        NEED(nl, "a name");
        memcpy(t->name, buf + pos, nl);
        t->name[nl] = '\0';
        pos += nl;
        NEED(4, "ndim");
        uint32_t nd = rd_u32(buf + pos);
        pos += 4;
        if (nd < 1 || nd > TENSOR_MAX_DIMS) {
            snprintf(err, errlen, "%s: ndim %u out of range 1..%d", t->name, nd, TENSOR_MAX_DIMS);
            goto fail;
        }
        NEED(4 * nd, "dims");
        t->shape.ndim = (int)nd;
        uint64_t numel = 1;
        for (uint32_t d = 0; d < nd; d++) {
            uint32_t s = rd_u32(buf + pos + 4 * d);
            if (s == 0 || s > (1u << 24)) {
                snprintf(err, errlen, "%s: size %u out of range", t->name, s);
                goto fail;
            }
            t->shape.d[d] = (int)s;
            numel *= s;
        }
        pos += 4 * nd;
        if (numel > len) {
            snprintf(err, errlen, "%s: %llu values cannot fit in the file", t->name,
                     (unsigned long long)numel);
            goto fail;
        }
        NEED(4 * numel, t->name);
        t->numel = (int)numel;
        t->data = fx->store + used;
        for (uint64_t k = 0; k < numel; k++) {
            uint32_t u = rd_u32(buf + pos + 4 * k);
            memcpy(&t->data[k], &u, 4);
        }
        used += numel;
        pos += 4 * numel;
        fx->n++;
    }
    if (pos != len) {
        snprintf(err, errlen, "%zu bytes of trailing garbage after %u tensors", len - pos, count);
        goto fail;
    }
    return 0;
fail:
#undef NEED
    free(fx->store);
    fx->store = NULL;
    fx->n = 0;
    return -1;
}

/* Load FIXDIR/name or stop the test with file, reason and how to regenerate. */
static void fx_load(Fixture *fx, const char *name)
{
    char path[256], err[200];
    snprintf(path, sizeof path, FIXDIR "%s", name);
    fx->path = name;
    FILE *f = fopen(path, "rb");
    KIT_CHECK(f != NULL, "%s: cannot open. HINT: run the tests from the repo root; " REGEN, path);
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    KIT_CHECK(len > 0, "%s: empty file. %s", path, REGEN);
    unsigned char *buf = malloc((size_t)len);
    KIT_CHECK(buf != NULL, "out of memory. HINT: none");
    size_t got = fread(buf, 1, (size_t)len, f);
    fclose(f);
    KIT_CHECK(got == (size_t)len, "%s: short read. %s", path, REGEN);
    int rc = fx_parse(fx, buf, (size_t)len, err, sizeof err);
    free(buf);
    KIT_CHECK(rc == 0, "%s: %s. %s", path, err, REGEN);
}

static void fx_free(Fixture *fx)
{
    free(fx->store);
    fx->store = NULL;
    fx->n = 0;
}

/* The tensor called name, whose numel must be numel (-1: any). */
static const FxTensor *fx_get(const Fixture *fx, const char *name, int numel)
{
    for (int i = 0; i < fx->n; i++) {
        if (strcmp(fx->t[i].name, name) == 0) {
            KIT_CHECK(numel < 0 || fx->t[i].numel == numel,
                      "%s: tensor %s has %d values, the test expects %d. %s", fx->path, name,
                      fx->t[i].numel, numel, REGEN);
            return &fx->t[i];
        }
    }
    KIT_ERROR("%s: no tensor named %s. %s", fx->path, name, REGEN);
}

/* Integer tensor (stored as float32): a malloc'd int copy. */
static int *fx_ints(const Fixture *fx, const char *name, int numel)
{
    const FxTensor *t = fx_get(fx, name, numel);
    int *out = malloc(sizeof(int) * (size_t)t->numel);
    KIT_CHECK(out != NULL, "out of memory. HINT: none");
    for (int i = 0; i < t->numel; i++) {
        float v = t->data[i];
        KIT_CHECK(v >= 0 && v < 16777216.0f && v == (float)(int)v,
                  "%s: %s[%d] = %g is not a small integer. %s", fx->path, name, i, (double)v, REGEN);
        out[i] = (int)v;
    }
    return out;
}

/* ======================================================================== */
/* Comparisons: each prints one evidence line and counts failures            */
/* ======================================================================== */

typedef struct Verdict {
    int failed;
    char first[160]; /* the first failing comparison, for the failure message */
} Verdict;

static void verdict_fail(Verdict *v, const char *what)
{
    if (v->failed++ == 0)
        snprintf(v->first, sizeof v->first, "%s", what);
}

/* Bit for bit: memcmp of the float bits, and the max abs difference (0). */
static void cmp_exact(Verdict *v, const char *name, const float *got, const float *want, int n)
{
    double md = 0;
    int bad = 0;
    for (int i = 0; i < n; i++) {
        if (memcmp(&got[i], &want[i], sizeof(float)) != 0)
            bad++;
        double d = fabs((double)got[i] - (double)want[i]);
        if (!(d <= md))
            md = d;
    }
    bool ok = bad == 0;
    harness_note("%-8s maxdiff %.2g bit for bit (%d of %d values differ) %s", name, md, bad, n,
                 ok ? "OK" : "FAIL");
    if (!ok) {
        char buf[160];
        snprintf(buf, sizeof buf, "%s not bit for bit: %d of %d values differ, maxdiff %.3g", name,
                 bad, n, md);
        verdict_fail(v, buf);
    }
}

/* Within tol relative to max|want| (see the file comment for why). */
static void cmp_rel(Verdict *v, const char *name, const float *got, const float *want, int n,
                    double tol)
{
    double md = 0, scale = 0;
    int worst = 0;
    for (int i = 0; i < n; i++) {
        double d = fabs((double)got[i] - (double)want[i]);
        if (!(d <= md)) { /* NaN sticks */
            md = d;
            worst = i;
        }
        if (fabs(want[i]) > scale)
            scale = fabs(want[i]);
    }
    double rel = scale > 0 ? md / scale : md;
    bool ok = rel <= tol; /* false for NaN */
    harness_note("%-8s maxdiff %.2g (max|ref| %.3g, rel %.2g, tol %g) %s", name, md, scale, rel, tol,
                 ok ? "OK" : "FAIL");
    if (!ok) {
        char buf[160];
        snprintf(buf, sizeof buf, "%s: rel %.3g > tol %g (worst [%d]: got %.9g, expected %.9g)",
                 name, rel, tol, worst, (double)got[worst], (double)want[worst]);
        verdict_fail(v, buf);
    }
}

static void cmp_ints(Verdict *v, const char *name, const int *got, const int *want, int n)
{
    int bad = 0, first = -1;
    for (int i = 0; i < n; i++)
        if (got[i] != want[i] && bad++ == 0)
            first = i;
    harness_note("%-8s %d of %d equal %s", name, n - bad, n, bad ? "FAIL" : "OK");
    if (bad) {
        char buf[160];
        snprintf(buf, sizeof buf, "%s: [%d] got %d, expected %d (%d of %d differ)", name, first,
                 got[first], want[first], bad, n);
        verdict_fail(v, buf);
    }
}

/* The 10-step trace: each loss within tol relative to |ref|. */
static void cmp_trace(Verdict *v, const float *got, const float *want, int n, double tol)
{
    double worst = 0;
    int wi = 0;
    for (int i = 0; i < n; i++) {
        double r = fabs((double)got[i] - (double)want[i]) / fmax(1.0, fabs((double)want[i]));
        if (!(r <= worst)) {
            worst = r;
            wi = i;
        }
    }
    bool ok = worst <= tol;
    harness_note("losses   first %.7f last %.7f (torch %.7f %.7f), worst rel %.2g at step %d (tol %g) %s",
                 (double)got[0], (double)got[n - 1], (double)want[0], (double)want[n - 1], worst, wi,
                 tol, ok ? "OK" : "FAIL");
    if (!ok) {
        char buf[160];
        snprintf(buf, sizeof buf, "loss trace: step %d got %.9g, expected %.9g (rel %.3g > %g)", wi,
                 (double)got[wi], (double)want[wi], worst, tol);
        verdict_fail(v, buf);
    }
}

static void verdict_assert(const Verdict *v, const char *model)
{
    ck_assert_msg(v->failed == 0, "%s: %d comparison(s) failed; first: %s", model, v->failed, v->first);
}

/* ======================================================================== */
/* Init helpers                                                              */
/* ======================================================================== */

/*
 * W /= s in place, as `randn(...) / s` in torch: a float division by (float)s.
 * Not tensor_scale_(W, 1/s): multiplying by the rounded reciprocal differs
 * from dividing in the last bit for about a quarter of the values, and the
 * initial parameters must be bit for bit. (tensor.h has no in-place division
 * yet; reported.)
 */
static void div_scalar_(Tensor *t, float s)
{
    for (int i = 0; i < t->numel; i++)
        t->data[i] = t->data[i] / s;
}

static Tensor *randn_param(Graph *g, TorchRng *r, Shape s)
{
    Tensor *t = tensor_param(g, s);
    tensor_randn_(t, r);
    return t;
}

/* ======================================================================== */
/* The models: each forward exactly as the notebook writes it               */
/* ======================================================================== */

typedef struct Model Model;
typedef Tensor *(*ForwardFn)(Model *m, const int *X, const int *Y, int B, Tensor **logits);

#define MAXP 19
struct Model {
    const char *fixture;
    const char *title;
    Graph g;
    TorchRng rng;
    Tensor *p[MAXP];          /* parameters, in the notebook's order */
    const char *pname[MAXP];  /* their names in the fixture */
    int np;
    ForwardFn forward;
    int T;                    /* context length; 0 for lab 02 (full batch, no randint) */
    float lr;
    int ntrain;               /* examples in the training split (randint's range) */
    /* lab 05 buffers */
    Tensor *buf[4];
    const char *bufname[4];
    int nbuf;
    int *xs, *ys;             /* lab 02's fixed data */
    int n;                    /* lab 02's number of examples */
};

static void add_param(Model *m, const char *name, Tensor *t)
{
    KIT_CHECK(m->np < MAXP, "too many parameters. HINT: raise MAXP");
    m->pname[m->np] = name;
    m->p[m->np++] = t;
}

/* ---- lab 02: logits = one_hot(xs) @ W; softmax by hand; NLL + 0.01 mean(W^2) ---- */
static Tensor *lab02_forward(Model *m, const int *X, const int *Y, int n, Tensor **logits_out)
{
    Tensor *W = m->p[0];                                       // [V, V]
    Tensor *xenc = tensor_one_hot(&m->g, X, n, VOCAB);         // [n, V]
    Tensor *logits = tensor_matmul(xenc, W);                   // [n, V]
    Tensor *counts = tensor_exp(logits);                       // [n, V]
    Tensor *probs = tensor_div(counts, tensor_sum(counts, 1, true)); // [n, V] / [n, 1]
    Tensor *nll = tensor_neg(tensor_mean_all(tensor_log(tensor_pick(probs, Y)))); // [1]
    Tensor *reg = tensor_mul_scalar(tensor_mean_all(tensor_pow(W, 2.0f)), 0.01f); // [1]
    *logits_out = logits;
    return tensor_add(nll, reg);
}

/* ---- lab 02 again, W[xs] and the cross-entropy as one op (tensor_embed_cross_entropy,
 * which `make bench` times): the same fixture, so the same loss, gradient and trace */
static Tensor *lab02_forward_fused(Model *m, const int *X, const int *Y, int n, Tensor **logits_out)
{
    Tensor *W = m->p[0];                                                   // [V, V]
    Tensor *nll = tensor_embed_cross_entropy(W, X, Y, n);                  // [1]
    Tensor *reg = tensor_mul_scalar(tensor_mean_all(tensor_pow(W, 2.0f)), 0.01f); // [1]
    bool was = graph_set_no_grad(&m->g, true);   /* the op never makes the logits: W[xs] for the comparison only */
    *logits_out = tensor_embed(W, X, SHAPE(n));                            // [n, V]
    graph_set_no_grad(&m->g, was);
    return tensor_add(nll, reg);
}

/* ---- labs 03, 04: h = tanh(C[X].view(B, 30) @ W1 + b1); logits = h @ W2 + b2 ---- */
static Tensor *mlp_forward(Model *m, const int *X, const int *Y, int B, Tensor **logits_out)
{
    Tensor *C = m->p[0], *W1 = m->p[1], *b1 = m->p[2], *W2 = m->p[3], *b2 = m->p[4];
    Tensor *emb = tensor_embed(C, X, SHAPE(B, m->T));                      // [B, T, C]
    Tensor *embcat = tensor_view(emb, SHAPE(B, m->T * C->shape.d[1]));     // [B, T*C]
    Tensor *h = tensor_tanh(tensor_add(tensor_matmul(embcat, W1), b1));    // [B, H]
    Tensor *logits = tensor_add(tensor_matmul(h, W2), b2);                 // [B, V]
    *logits_out = logits;
    return tensor_cross_entropy(logits, Y);
}

/* ---- lab 05: the batchnorm MLP (no b1; std(0) unbiased, no epsilon) ---- */
static Tensor *bn_forward(Model *m, const int *X, const int *Y, int B, Tensor **logits_out)
{
    Tensor *C = m->p[0], *W1 = m->p[1], *W2 = m->p[2], *b2 = m->p[3];
    Tensor *bngain = m->p[4], *bnbias = m->p[5];
    Tensor *emb = tensor_embed(C, X, SHAPE(B, m->T));                      // [B, T, C]
    Tensor *embcat = tensor_view(emb, SHAPE(B, m->T * C->shape.d[1]));     // [B, T*C]
    Tensor *hpreact = tensor_matmul(embcat, W1);                           // [B, H]
    Tensor *bnmeani = tensor_mean(hpreact, 0, true);                       // [1, H]
    Tensor *bnstdi = tensor_std(hpreact, 0, true, true);                   // [1, H]
    // bngain * (hpreact - bnmeani) / bnstdi + bnbias, in Python's left-to-right order
    hpreact = tensor_add(tensor_div(tensor_mul(bngain, tensor_sub(hpreact, bnmeani)), bnstdi), bnbias);
    bool was = graph_set_no_grad(&m->g, true);
    Tensor *mean_r = m->buf[0], *std_r = m->buf[1];
    Tensor *nm = tensor_add(tensor_mul_scalar(mean_r, 0.999f), tensor_mul_scalar(bnmeani, 0.001f));
    Tensor *ns = tensor_add(tensor_mul_scalar(std_r, 0.999f), tensor_mul_scalar(bnstdi, 0.001f));
    memcpy(mean_r->data, nm->data, sizeof(float) * (size_t)mean_r->numel);
    memcpy(std_r->data, ns->data, sizeof(float) * (size_t)std_r->numel);
    graph_set_no_grad(&m->g, was);
    Tensor *h = tensor_tanh(hpreact);                                      // [B, H]
    Tensor *logits = tensor_add(tensor_matmul(h, W2), b2);                 // [B, V]
    *logits_out = logits;
    return tensor_cross_entropy(logits, Y);
}

/* ---- lab 05: the deeper net: 6 x [Linear (no bias), BatchNorm1d], Tanh between ---- */
static Tensor *deep_forward(Model *m, const int *X, const int *Y, int B, Tensor **logits_out)
{
    Tensor *C = m->p[0];
    Tensor *emb = tensor_embed(C, X, SHAPE(B, m->T));                      // [B, T, C]
    Tensor *x = tensor_view(emb, SHAPE(B, m->T * C->shape.d[1]));          // [B, T*C]
    for (int l = 0; l < 6; l++) {
        Tensor *W = m->p[1 + 3 * l], *gamma = m->p[2 + 3 * l], *beta = m->p[3 + 3 * l];
        x = tensor_matmul(x, W);                                           // [B, H] (last: [B, V])
        Tensor *xmean = tensor_mean(x, 0, true);                           // [1, H]
        Tensor *xvar = tensor_var(x, 0, true, true);                       // [1, H], unbiased
        Tensor *xhat = tensor_div(tensor_sub(x, xmean), tensor_sqrt(tensor_add_scalar(xvar, 1e-5f)));
        x = tensor_add(tensor_mul(gamma, xhat), beta);
        if (l == 5) {
            /* running statistics of the last layer, as the notebook's BatchNorm1d */
            bool was = graph_set_no_grad(&m->g, true);
            Tensor *rm = m->buf[0], *rv = m->buf[1];
            Tensor *nm = tensor_add(tensor_mul_scalar(rm, (float)(1 - 0.1)), tensor_mul_scalar(xmean, 0.1f));
            Tensor *nv = tensor_add(tensor_mul_scalar(rv, (float)(1 - 0.1)), tensor_mul_scalar(xvar, 0.1f));
            memcpy(rm->data, nm->data, sizeof(float) * (size_t)rm->numel);
            memcpy(rv->data, nv->data, sizeof(float) * (size_t)rv->numel);
            graph_set_no_grad(&m->g, was);
        } else {
            x = tensor_tanh(x);
        }
    }
    *logits_out = x;
    return tensor_cross_entropy(x, Y);
}

/* ======================================================================== */
/* Building each model (the lecture's order of draws)                       */
/* ======================================================================== */

static void model_begin(Model *m, const char *fixture, const char *title)
{
    memset(m, 0, sizeof *m);
    m->fixture = fixture;
    m->title = title;
    graph_init(&m->g);
    rng_seed(&m->rng, SEED);
    m->lr = 0.1f;
    m->T = 3;
}

/* labs 03 (kaiming = false) and 04 (true) */
static void build_mlp(Model *m, bool kaiming)
{
    Graph *g = &m->g;
    TorchRng *r = &m->rng;
    Tensor *C = randn_param(g, r, SHAPE(VOCAB, 10));    // [V, C]
    Tensor *W1 = randn_param(g, r, SHAPE(30, 200));     // [T*C, H]
    Tensor *b1 = randn_param(g, r, SHAPE(200));         // [H]
    Tensor *W2 = randn_param(g, r, SHAPE(200, VOCAB));  // [H, V]
    Tensor *b2 = randn_param(g, r, SHAPE(VOCAB));       // [V]
    if (kaiming) {
        /* randn(...) * (5/3) / 30**0.5: a multiply, then a division (two roundings) */
        tensor_scale_(W1, (float)(5.0 / 3.0));
        div_scalar_(W1, (float)sqrt(30.0));
        tensor_scale_(b1, 0.01f);
        tensor_scale_(W2, 0.01f);
        tensor_scale_(b2, 0.0f);
    }
    m->forward = mlp_forward;
    add_param(m, "C", C);
    add_param(m, "W1", W1);
    add_param(m, "b1", b1);
    add_param(m, "W2", W2);
    add_param(m, "b2", b2);
}

static void build_bn(Model *m)
{
    Graph *g = &m->g;
    TorchRng *r = &m->rng;
    Tensor *C = randn_param(g, r, SHAPE(VOCAB, 10));
    Tensor *W1 = randn_param(g, r, SHAPE(30, 200));
    tensor_scale_(W1, (float)(5.0 / 3.0));
    div_scalar_(W1, (float)sqrt(30.0));
    /* b1 is commented out in the notebook: no draw */
    Tensor *W2 = randn_param(g, r, SHAPE(200, VOCAB));
    tensor_scale_(W2, 0.01f);
    Tensor *b2 = randn_param(g, r, SHAPE(VOCAB)); /* drawn, then zeroed */
    tensor_scale_(b2, 0.0f);
    Tensor *bngain = tensor_param(g, SHAPE(1, 200));
    tensor_fill_(bngain, 1.0f);
    Tensor *bnbias = tensor_param(g, SHAPE(1, 200));
    m->buf[0] = tensor_buffer(g, SHAPE(1, 200));
    m->buf[1] = tensor_buffer(g, SHAPE(1, 200));
    tensor_fill_(m->buf[1], 1.0f);
    m->bufname[0] = "bnmean_running";
    m->bufname[1] = "bnstd_running";
    m->nbuf = 2;
    m->forward = bn_forward;
    add_param(m, "C", C);
    add_param(m, "W1", W1);
    add_param(m, "W2", W2);
    add_param(m, "b2", b2);
    add_param(m, "bngain", bngain);
    add_param(m, "bnbias", bnbias);
}

static void build_deep(Model *m)
{
    static const char *names[18] = {"W0", "gamma0", "beta0", "W1", "gamma1", "beta1",
                                    "W2", "gamma2", "beta2", "W3", "gamma3", "beta3",
                                    "W4", "gamma4", "beta4", "W5", "gamma5", "beta5"};
    Graph *g = &m->g;
    TorchRng *r = &m->rng;
    add_param(m, "C", randn_param(g, r, SHAPE(VOCAB, 10)));
    int fan[7] = {30, 100, 100, 100, 100, 100, VOCAB};
    for (int l = 0; l < 6; l++) {
        Tensor *W = randn_param(g, r, SHAPE(fan[l], fan[l + 1]));
        div_scalar_(W, (float)sqrt((double)fan[l]));   /* randn(...) / fan_in**0.5 */
        tensor_scale_(W, 1.0f);                          /* the notebook's `*= 1.0` (5/3 commented out) */
        Tensor *gamma = tensor_param(g, SHAPE(fan[l + 1]));
        tensor_fill_(gamma, 1.0f);
        if (l == 5)
            tensor_scale_(gamma, 0.1f);                  /* layers[-1].gamma *= 0.1 */
        Tensor *beta = tensor_param(g, SHAPE(fan[l + 1]));
        add_param(m, names[3 * l], W);
        add_param(m, names[3 * l + 1], gamma);
        add_param(m, names[3 * l + 2], beta);
    }
    m->buf[0] = tensor_buffer(g, SHAPE(VOCAB));
    m->buf[1] = tensor_buffer(g, SHAPE(VOCAB));
    tensor_fill_(m->buf[1], 1.0f);
    m->bufname[0] = "running_mean5";
    m->bufname[1] = "running_var5";
    m->nbuf = 2;
    m->forward = deep_forward;
}

/* ======================================================================== */
/* The comparison run, the same for every model                             */
/* ======================================================================== */

static void run_parity(Model *m)
{
    Fixture fx;
    Verdict v = {0};
    fx_load(&fx, m->fixture);
    harness_note("%s vs %s (PyTorch 1.13)", m->title, m->fixture);

    /* 1. initial parameters, bit for bit */
    for (int i = 0; i < m->np; i++) {
        const FxTensor *want = fx_get(&fx, m->pname[i], m->p[i]->numel);
        cmp_exact(&v, m->pname[i], m->p[i]->data, want->data, m->p[i]->numel);
    }

    /* 2. ten SGD steps; step 0 is compared in detail */
    int B = 0;
    int *X = NULL, *Y = NULL, *ix = NULL, *ixgot = NULL;
    if (m->T == 0) { /* lab 02: one fixed full batch */
        B = fx_get(&fx, "Y", -1)->numel;
        X = fx_ints(&fx, "X", B);
        Y = fx_ints(&fx, "Y", B);
    } else {
        const FxTensor *tY = fx_get(&fx, "Y", -1);
        KIT_CHECK(tY->shape.ndim == 2 && tY->shape.d[0] == STEPS, "%s: Y must be [%d, B]. %s",
                  m->fixture, STEPS, REGEN);
        B = tY->shape.d[1];
        X = fx_ints(&fx, "X", STEPS * B * m->T);
        Y = fx_ints(&fx, "Y", STEPS * B);
        ix = fx_ints(&fx, "ix", STEPS * B);
        ixgot = malloc(sizeof(int) * STEPS * (size_t)B);
    }
    float losses[STEPS];
    for (int k = 0; k < STEPS; k++) {
        const int *Xb = X, *Yb = Y;
        if (m->T > 0) {
            /* ix = torch.randint(0, Xtr.shape[0], (B,), generator=g): must match exactly */
            for (int b = 0; b < B; b++)
                ixgot[k * B + b] = (int)rng_randint(&m->rng, 0, m->ntrain);
            Xb = X + (size_t)k * B * m->T;
            Yb = Y + (size_t)k * B;
        }
        Tensor *logits = NULL;
        Tensor *loss = m->forward(m, Xb, Yb, B, &logits);
        params_zero_grad(m->p, m->np);
        tensor_backward(loss);
        losses[k] = tensor_item(loss);
        if (k == 0) {
            const FxTensor *wl = fx_get(&fx, "logits", logits->numel);
            cmp_rel(&v, "logits", logits->data, wl->data, logits->numel, TOL_FWD);
            cmp_rel(&v, "loss", &losses[0], fx_get(&fx, "loss", 1)->data, 1, TOL_FWD);
            for (int i = 0; i < m->np; i++) {
                char dn[40];
                snprintf(dn, sizeof dn, "d%s", m->pname[i]);
                const FxTensor *want = fx_get(&fx, dn, m->p[i]->numel);
                cmp_rel(&v, dn, m->p[i]->grad, want->data, m->p[i]->numel, TOL_FWD);
            }
        }
        params_sgd(m->p, m->np, m->lr);
        graph_step_reset(&m->g);
    }
    if (m->T > 0)
        cmp_ints(&v, "ix", ixgot, ix, STEPS * B);
    cmp_trace(&v, losses, fx_get(&fx, "losses", STEPS)->data, STEPS, TOL_TRACE);
    for (int i = 0; i < m->nbuf; i++) {
        const FxTensor *want = fx_get(&fx, m->bufname[i], m->buf[i]->numel);
        cmp_rel(&v, m->bufname[i], m->buf[i]->data, want->data, m->buf[i]->numel, TOL_TRACE);
    }
    free(X);
    free(Y);
    free(ix);
    free(ixgot);
    fx_free(&fx);
    graph_free(&m->g);
    verdict_assert(&v, m->title);
}

/* The size of the lecture's training split of data/names.txt (block 3), which
 * is randint's range. Stated here rather than loaded, so the model steps do
 * not depend on data.c; core.parity.7 checks it against the loaded data. */
#define NTRAIN_SSA2018 183802

/* ======================================================================== */
/* The steps                                                                 */
/* ======================================================================== */

/* Lab 01: P = (N+1) / rowsum, then ix = multinomial(P[ix], 1, True, g) until '.' */
static void sample_names(const int N[VOCAB][VOCAB], int smooth, char *out, size_t outlen)
{
    float P[VOCAB][VOCAB];
    for (int i = 0; i < VOCAB; i++) {
        float sum = 0.0f; /* integers below 2^24: exact in any order */
        for (int j = 0; j < VOCAB; j++)
            sum += (float)(N[i][j] + smooth);
        for (int j = 0; j < VOCAB; j++)
            P[i][j] = (float)(N[i][j] + smooth) / sum;
    }
    TorchRng g;
    rng_seed(&g, SEED);
    size_t pos = 0;
    out[0] = '\0';
    for (int name = 0; name < 5; name++) {
        int ix = 0;
        do {
            int r = rng_multinomial_replacement(&g, P[ix], VOCAB, 1, &ix);
            KIT_CHECK(r == 0, "multinomial refused row %d. HINT: check the counts", ix);
            KIT_CHECK(pos + 3 < outlen, "names too long. HINT: the sampler never reached '.'");
            out[pos++] = itos(ix);
        } while (ix != 0);
        out[pos++] = ' ';
        out[pos] = '\0';
    }
    if (pos > 0)
        out[pos - 1] = '\0';
}

START_TEST(test_lab01_samples)
{
    const char *path = FIXDIR "makemore_bigram_counts.txt";
    FILE *f = fopen(path, "r");
    KIT_CHECK(f != NULL, "%s: cannot open. HINT: run the tests from the repo root", path);
    static int N[VOCAB][VOCAB];
    char line[1024];
    int row = 0;
    long total = 0;
    while (fgets(line, sizeof line, f) && row < VOCAB) {
        if (line[0] == '#' || line[0] == '\n')
            continue;
        char *p = line;
        for (int j = 0; j < VOCAB; j++) {
            char *end;
            long c = strtol(p, &end, 10);
            KIT_CHECK(end != p && c >= 0, "%s: row %d, column %d is not a count. HINT: restore the file",
                      path, row, j);
            N[row][j] = (int)c;
            total += c;
            p = end;
        }
        row++;
    }
    fclose(f);
    EXPECT_INT_EQ(row, VOCAB, "rows of counts");
    EXPECT_INT_EQ(total, 228146, "bigrams in makemore's names.txt");
    const char *want = "mor. axx. minaymoryles. kondlaisah. anchshizarie.";
    char got[256];
    sample_names(N, 1, got, sizeof got);
    harness_note("P = (N+1)/rowsum: %s (lecture: %s) %s", got, want, strcmp(got, want) ? "FAIL" : "OK");
    ck_assert_msg(strcmp(got, want) == 0, "smoothed sampler: got \"%s\", expected \"%s\"", got, want);
    sample_names(N, 0, got, sizeof got);
    harness_note("P = N/rowsum:     %s %s", got, strcmp(got, want) ? "FAIL" : "OK");
    ck_assert_msg(strcmp(got, want) == 0, "unsmoothed sampler: got \"%s\", expected \"%s\"", got, want);
}
END_TEST

START_TEST(test_lab02)
{
    Model m;
    model_begin(&m, "parity_lab02.bin", "lab 02: one-layer network on 42 bigrams (one-hot @ W, lr 50)");
    add_param(&m, "W", randn_param(&m.g, &m.rng, SHAPE(VOCAB, VOCAB)));
    m.forward = lab02_forward;
    m.T = 0;
    m.lr = 50.0f; /* the lecture's full-batch rate (cell [57]) */
    run_parity(&m);
}
END_TEST

START_TEST(test_lab02_fused)
{
    Model m;
    model_begin(&m, "parity_lab02.bin", "lab 02 with W[xs] and cross-entropy fused (tensor_embed_cross_entropy)");
    add_param(&m, "W", randn_param(&m.g, &m.rng, SHAPE(VOCAB, VOCAB)));
    m.forward = lab02_forward_fused;
    m.T = 0;
    m.lr = 50.0f;
    run_parity(&m);
}
END_TEST

START_TEST(test_lab03)
{
    Model m;
    model_begin(&m, "parity_lab03.bin", "lab 03: MLP, plain randn init");
    build_mlp(&m, false);
    m.ntrain = NTRAIN_SSA2018;
    run_parity(&m);
}
END_TEST

START_TEST(test_lab04)
{
    Model m;
    model_begin(&m, "parity_lab04.bin", "lab 04: MLP, Kaiming init");
    build_mlp(&m, true);
    m.ntrain = NTRAIN_SSA2018;
    run_parity(&m);
}
END_TEST

START_TEST(test_lab05_bn)
{
    Model m;
    model_begin(&m, "parity_lab05_bn.bin", "lab 05: batchnorm MLP");
    build_bn(&m);
    m.ntrain = NTRAIN_SSA2018;
    run_parity(&m);
}
END_TEST

START_TEST(test_lab05_deep)
{
    Model m;
    model_begin(&m, "parity_lab05_deep.bin", "lab 05: the deeper network (5 x 100 hidden, BatchNorm1d)");
    build_deep(&m);
    m.ntrain = NTRAIN_SSA2018;
    run_parity(&m);
}
END_TEST

/* The fixtures' minibatches are the lecture's: data/names.txt, split with
 * Python's shuffle (seed 42), block 3, rows Xtr[ix] for the stored ix. */
START_TEST(test_minibatches_from_data)
{
    Words all, tr, dv, te;
    int rc = words_load(&all, "data/names.txt");
    ck_assert_msg(rc == 0, "%s", kit_last_failure());
    ck_assert_msg(words_split(&all, 42, &tr, &dv, &te) == 0, "%s", kit_last_failure());
    Dataset ds;
    dataset_build(&ds, &tr, 3);
    EXPECT_INT_EQ(ds.n, NTRAIN_SSA2018, "training examples (block 3)");
    Fixture fx;
    fx_load(&fx, "parity_lab03.bin");
    int *ix = fx_ints(&fx, "ix", -1), *X = fx_ints(&fx, "X", -1), *Y = fx_ints(&fx, "Y", -1);
    int n = fx_get(&fx, "ix", -1)->numel, bad = 0;
    for (int i = 0; i < n; i++) {
        KIT_CHECK(ix[i] < ds.n, "ix %d out of range. %s", ix[i], REGEN);
        for (int t = 0; t < 3; t++)
            bad += ds.X[ix[i] * 3 + t] != X[i * 3 + t];
        bad += ds.Y[ix[i]] != Y[i];
    }
    harness_note("Xtr[ix], Ytr[ix] from data/names.txt vs the fixture: %d of %d values differ %s", bad,
                 n * 4, bad ? "FAIL" : "OK");
    EXPECT_INT_EQ(bad, 0, "minibatch values that differ");
    free(ix);
    free(X);
    free(Y);
    fx_free(&fx);
    dataset_free(&ds);
    words_free(&tr);
    words_free(&dv);
    words_free(&te);
    words_free(&all);
}
END_TEST

/* The reader refuses what it cannot trust: wrong magic, truncation, junk. */
START_TEST(test_fixture_reader_refuses)
{
    unsigned char good[64] = "MMFX";
    size_t n = 4;
#define PUT32(v) do { uint32_t v_ = (v); for (int b_ = 0; b_ < 4; b_++) good[n++] = (unsigned char)(v_ >> (8 * b_)); } while (0)
    PUT32(1); PUT32(1); PUT32(1); good[n++] = 'x'; PUT32(1); PUT32(2);
    float vals[2] = {1.5f, -2.0f};
    uint32_t u;
    for (int i = 0; i < 2; i++) { memcpy(&u, &vals[i], 4); PUT32(u); }
#undef PUT32
    Fixture fx;
    char err[200];
    ck_assert_msg(fx_parse(&fx, good, n, err, sizeof err) == 0, "a good file was refused: %s", err);
    ck_assert(fx.n == 1 && fx.t[0].numel == 2 && fx.t[0].data[1] == -2.0f);
    fx_free(&fx);
    for (size_t cut = 0; cut < n; cut++) {
        ck_assert_msg(fx_parse(&fx, good, cut, err, sizeof err) == -1, "truncated at %zu accepted", cut);
    }
    harness_note("truncated copies (0..%zu bytes) refused: e.g. \"%s\"", n - 1, err);
    unsigned char bad[64];
    memcpy(bad, good, n);
    bad[0] = 'X';
    ck_assert(fx_parse(&fx, bad, n, err, sizeof err) == -1);
    harness_note("wrong magic refused: \"%s\"", err);
    memcpy(bad, good, n);
    bad[4] = 2;
    ck_assert(fx_parse(&fx, bad, n, err, sizeof err) == -1);
    harness_note("version 2 refused: \"%s\"", err);
    memcpy(bad, good, n);
    bad[n] = 0;
    ck_assert(fx_parse(&fx, bad, n + 1, err, sizeof err) == -1);
    harness_note("trailing byte refused: \"%s\"", err);
}
END_TEST

int main(int argc, char **argv)
{
    const HarnessStep steps[] = {
        {"core.parity.1", "lab 01: the lecture's five bigram samples from makemore's counts", test_lab01_samples, 10},
        {"core.parity.2", "lab 02: one-layer bigram network vs PyTorch", test_lab02, 30},
        {"core.parity.3", "lab 03: MLP (plain init) vs PyTorch", test_lab03, 30},
        {"core.parity.4", "lab 04: MLP (Kaiming init) vs PyTorch", test_lab04, 30},
        {"core.parity.5", "lab 05: batchnorm MLP vs PyTorch", test_lab05_bn, 30},
        {"core.parity.6", "lab 05: deeper network (6 x Linear+BatchNorm1d) vs PyTorch", test_lab05_deep, 60},
        {"core.parity.7", "the fixtures' minibatches are Xtr[ix] of data/names.txt", test_minibatches_from_data, 30},
        {"core.parity.8", "the fixture reader refuses foreign and truncated files", test_fixture_reader_refuses, 10},
        {"core.parity.9", "lab 02 with W[xs] and cross-entropy fused vs PyTorch", test_lab02_fused, 30},
    };
    return harness_main(argc, argv, "core.parity", steps, sizeof steps / sizeof steps[0]);
}
