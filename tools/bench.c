/*
 * bench.c: how fast the core trains the lectures' models (the C side of `make bench`).
 *
 * What it is: one model per run (so the peak memory is that model's alone),
 * trained for a fixed number of steps on one thread, printing one JSON line:
 * steps per second, microseconds per step (wall clock and process CPU time),
 * achieved GFLOP/s, peak memory (getrusage ru_maxrss) and the final loss.
 * tools/bench_torch.py is the same in PyTorch, field for field, and
 * tools/bench.sh runs the two alternately and prints the ratios.
 * What it is not: a test (it asserts nothing) or a lab (no logs, no checkpoints).
 *
 * The models, built as the lectures build them (seed 2147483647, same init and
 * order of draws as tests/core_parity_test.c, which proves they equal PyTorch's):
 *   lab03  part 2's MLP: block 3, embedding 10, hidden 200, batch 32, plain
 *          randn init, lr 0.1. One step = 32 randint draws, forward,
 *          cross_entropy, backward, SGD update, step-arena reset.
 *   lab05  part 3's batchnorm MLP (final code: no b1, bngain/bnbias, std(0)
 *          unbiased without epsilon, running mean/std updated under no_grad).
 *   lab02  part 1's full-batch step [57] over every bigram of the data file
 *          (229,804 for data/names.txt): logits = W[xs], softmax by hand,
 *          -mean log p + 0.01*mean(W^2), lr 50.
 *          Why W[xs] (a row gather) equals one_hot(xs) @ W: row i of the one-hot
 *          matrix is 1 at column xs[i] and 0 elsewhere, so row i of the product
 *          is sum_k onehot[i][k] * W[k] = W[xs[i]], the row itself, exactly
 *          (every other term is an exact 0). The backward matches too:
 *          dW = onehot^T @ dlogits adds row i of dlogits into row xs[i] of dW,
 *          which is what the embedding's backward does. The gather skips the
 *          n x 27 x 27 multiply-adds by zero and the [n, 27] one-hot matrix.
 *   lab02onehot  the same step with the one-hot matmul, as the lecture writes it.
 *   lab02fused   the same loss with W[xs] and the core's fused cross_entropy
 *          (-mean log softmax(W[xs])[ys]) instead of the by-hand softmax.
 *   lab02chunks  lab02fused 512 pairs at a time, adding up the gradient
 *          (see lab02_step_chunks): the same full-batch step, in cache.
 *   lab02gce     the same loss with W[xs] and the cross-entropy as one op
 *          (tensor_embed_cross_entropy, tools/embed_ce.c): every pair's softmax, as in
 *          lab02fused, but no [n, 27] tensor is ever written.
 *   lab02counts  the same full-batch loss and gradient from the 27x27 bigram
 *          count table N (lab 02's default, nn_loss_counts in
 *          solutions/02_nn/nn.c, written out here with the same core ops
 *          because bench links only the core): every pair with input x gets
 *          the same row softmax(W[x]), so -(1/n) sum_i log p[x_i][y_i] =
 *          -(1/n) sum_{x,y} N[x][y] log softmax(W)[x][y], and the gradient is
 *          (1/n)(rowcount[x] softmax(W[x]) - N[x]) + 0.02 W / 729. One step is
 *          [27, 27] work and memory whatever n is; N is counted once, before
 *          the timed steps (its cost is reported as setup_cpu_us). Same loss
 *          as lab02 up to float summation order (tests/lab02_test.c, step
 *          lab02.fast): compare the final_loss fields of the two runs.
 *   lab06manual  part 4's exercise 4: the batchnorm MLP of lab 06 (hidden 200,
 *          b1 kept, epsilon 1e-5, bngain/bnbias from their own seed), one
 *          training step with the manual backward (manual_backward, in
 *          no-grad mode: the core records no tape). lr 0.1, then 0.01 from
 *          half the steps, as the lecture (model_train's schedule, in each of
 *          its two calls: the warmup steps, then the timed ones).
 *   lab06autograd  the same step with the core's tape and tensor_backward.
 *          Both are lab 06's own code, not a copy: the bench links
 *          solutions/06_backprop/model.o and backprop.o (the Makefile's bench
 *          rule) and times model_train, the lab's training loop, with
 *          BACKWARD_MANUAL or BACKWARD_AUTOGRAD. Same seed, same batches, so
 *          the two runs' final_loss fields agree to float tolerance (1e-5:
 *          tests/lab06_test.c asserts it); tools/bench.sh prints both.
 *
 * FLOPs per step count only matrix multiplies: 2*M*K*N for a forward matmul
 * [M,K] @ [K,N] and twice that for its backward (dA = dOut @ B^T and
 * dB = A^T @ dOut), so 6*M*K*N per matmul per step; elementwise ops
 * (tanh, exp, the adds, batchnorm's reductions, cross_entropy) are ignored.
 * lab03, lab05 and both lab06 steps (the manual backward does the same two
 * matmuls per linear layer as autograd): 3 * (2*32*30*200 + 2*32*200*27) = 2,188,800.
 * lab02 (gather), lab02fused, lab02chunks, lab02gce, lab02counts: no matmul, so no GFLOP/s figure;
 * lab02onehot: 6*n*27*27.
 *
 * Usage: bench --model lab03|lab05|lab02|lab02onehot|lab02fused|lab02chunks|lab02gce|lab02counts|lab06manual|lab06autograd [--steps N] [--warmup N] [--data FILE]
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "data.h"    /* words_load, words_split, dataset_build */
#include "embed_ce.h" /* tensor_embed_cross_entropy: the lab02gce workload's op (tools/embed_ce.c) */
#include "kit.h"     /* kit_now, KIT_ERROR */
#include "model.h"   /* lab 06: Model, model_train, Backward (solutions/06_backprop) */
#include "rng.h"     /* TorchRng */
#include "tensor.h"  /* the core being measured */

#define SEED 2147483647u
#define BATCH 32
#define BLOCK 3
#define EMB 10
#define HIDDEN 200

typedef struct Bench {
    Graph g;
    TorchRng rng;
    Tensor *p[8];
    int np;
    Tensor *bnmean_running, *bnstd_running;  /* lab05 buffers: [1, H] */
    Dataset ds;          /* lab03/05: the training split; lab02: all bigrams (T = 1) */
    int Xb[BATCH * BLOCK], Yb[BATCH];   /* the minibatch, rebuilt each step */
    float lr;
    int onehot;          /* lab02: 0 = W[xs], 1 = one_hot @ W, 2 = W[xs] + fused cross_entropy, 3 = 2 by chunks, 4 = embed_cross_entropy */
    float N[VOCAB * VOCAB];  /* lab02counts: [V, V] bigram counts of ds (exact in float below 2^24) */
} Bench;

static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static Tensor *randn_param(Bench *b, Shape s)
{
    Tensor *t = tensor_param(&b->g, s);
    tensor_randn_(t, &b->rng);
    b->p[b->np++] = t;
    return t;
}

/* W /= s as torch's `randn(...) / s`: a division, not a multiply by 1/s. */
static void div_scalar_(Tensor *t, float s)
{
    for (int i = 0; i < t->numel; i++)
        t->data[i] = t->data[i] / s;
}

/* ix = torch.randint(0, n, (B,), generator=g); Xb, Yb = Xtr[ix], Ytr[ix] */
static void next_batch(Bench *b)
{
    for (int i = 0; i < BATCH; i++) {
        int ix = (int)rng_randint(&b->rng, 0, b->ds.n);
        memcpy(&b->Xb[i * BLOCK], &b->ds.X[(size_t)ix * BLOCK], sizeof(int) * BLOCK);
        b->Yb[i] = b->ds.Y[ix];
    }
}

/* ---- lab 03 ---------------------------------------------------------------- */
static void lab03_init(Bench *b)
{
    randn_param(b, SHAPE(VOCAB, EMB));           // C  [V, C]
    randn_param(b, SHAPE(BLOCK * EMB, HIDDEN));  // W1 [T*C, H]
    randn_param(b, SHAPE(HIDDEN));               // b1 [H]
    randn_param(b, SHAPE(HIDDEN, VOCAB));        // W2 [H, V]
    randn_param(b, SHAPE(VOCAB));                // b2 [V]
    b->lr = 0.1f;
}

static float lab03_step(Bench *b)
{
    Tensor *C = b->p[0], *W1 = b->p[1], *b1 = b->p[2], *W2 = b->p[3], *b2 = b->p[4];
    next_batch(b);
    Tensor *emb = tensor_embed(C, b->Xb, SHAPE(BATCH, BLOCK));             // [B, T, C]
    Tensor *embcat = tensor_view(emb, SHAPE(BATCH, BLOCK * EMB));          // [B, T*C]
    Tensor *h = tensor_tanh(tensor_add(tensor_matmul(embcat, W1), b1));    // [B, H]
    Tensor *logits = tensor_add(tensor_matmul(h, W2), b2);                 // [B, V]
    Tensor *loss = tensor_cross_entropy(logits, b->Yb);                    // [1]
    params_zero_grad(b->p, b->np);
    tensor_backward(loss);
    float v = tensor_item(loss);
    params_sgd(b->p, b->np, b->lr);
    graph_step_reset(&b->g);
    return v;
}

/* ---- lab 05 (batchnorm) ---------------------------------------------------- */
static void lab05_init(Bench *b)
{
    randn_param(b, SHAPE(VOCAB, EMB));                                     // C
    Tensor *W1 = randn_param(b, SHAPE(BLOCK * EMB, HIDDEN));
    tensor_scale_(W1, (float)(5.0 / 3.0));
    div_scalar_(W1, (float)sqrt(BLOCK * EMB));                             // * (5/3) / 30**0.5
    tensor_scale_(randn_param(b, SHAPE(HIDDEN, VOCAB)), 0.01f);            // W2
    tensor_scale_(randn_param(b, SHAPE(VOCAB)), 0.0f);                     // b2: drawn, then zeroed
    Tensor *bngain = tensor_param(&b->g, SHAPE(1, HIDDEN));
    tensor_fill_(bngain, 1.0f);
    b->p[b->np++] = bngain;
    b->p[b->np++] = tensor_param(&b->g, SHAPE(1, HIDDEN));                 // bnbias
    b->bnmean_running = tensor_buffer(&b->g, SHAPE(1, HIDDEN));
    b->bnstd_running = tensor_buffer(&b->g, SHAPE(1, HIDDEN));
    tensor_fill_(b->bnstd_running, 1.0f);
    b->lr = 0.1f;
}

static float lab05_step(Bench *b)
{
    Tensor *C = b->p[0], *W1 = b->p[1], *W2 = b->p[2], *b2 = b->p[3];
    Tensor *bngain = b->p[4], *bnbias = b->p[5];
    next_batch(b);
    Tensor *emb = tensor_embed(C, b->Xb, SHAPE(BATCH, BLOCK));             // [B, T, C]
    Tensor *embcat = tensor_view(emb, SHAPE(BATCH, BLOCK * EMB));          // [B, T*C]
    Tensor *hpreact = tensor_matmul(embcat, W1);                           // [B, H]
    Tensor *bnmeani = tensor_mean(hpreact, 0, true);                       // [1, H]
    Tensor *bnstdi = tensor_std(hpreact, 0, true, true);                   // [1, H]
    hpreact = tensor_add(tensor_div(tensor_mul(bngain, tensor_sub(hpreact, bnmeani)), bnstdi), bnbias);
    bool was = graph_set_no_grad(&b->g, true);
    Tensor *nm = tensor_add(tensor_mul_scalar(b->bnmean_running, 0.999f), tensor_mul_scalar(bnmeani, 0.001f));
    Tensor *ns = tensor_add(tensor_mul_scalar(b->bnstd_running, 0.999f), tensor_mul_scalar(bnstdi, 0.001f));
    memcpy(b->bnmean_running->data, nm->data, sizeof(float) * HIDDEN);
    memcpy(b->bnstd_running->data, ns->data, sizeof(float) * HIDDEN);
    graph_set_no_grad(&b->g, was);
    Tensor *h = tensor_tanh(hpreact);                                      // [B, H]
    Tensor *logits = tensor_add(tensor_matmul(h, W2), b2);                 // [B, V]
    Tensor *loss = tensor_cross_entropy(logits, b->Yb);
    params_zero_grad(b->p, b->np);
    tensor_backward(loss);
    float v = tensor_item(loss);
    params_sgd(b->p, b->np, b->lr);
    graph_step_reset(&b->g);
    return v;
}

/* ---- lab 02 (full batch) ---------------------------------------------------- */
static void lab02_init(Bench *b)
{
    randn_param(b, SHAPE(VOCAB, VOCAB));  // W [V, V]
    b->lr = 50.0f;
}

/* The end of every full-batch lab 02 step but the chunked one: loss = nll +
 * 0.01 * mean(W^2) (the lecture's regularisation), backward, one SGD step. */
static float lab02_finish(Bench *b, Tensor *nll)
{
    Tensor *W = b->p[0];
    Tensor *reg = tensor_mul_scalar(tensor_mean_all(tensor_pow(W, 2.0f)), 0.01f);  // [1]
    Tensor *loss = tensor_add(nll, reg);
    params_zero_grad(b->p, b->np);
    tensor_backward(loss);
    float v = tensor_item(loss);
    params_sgd(b->p, b->np, b->lr);
    graph_step_reset(&b->g);
    return v;
}

/* lab02chunks: the same step as lab02fused, the n pairs taken CHUNK02 at a
 * time (gradient accumulation): -(1/n) sum_i log p_i is the sum over chunks
 * of (n_c/n) times the chunk's mean, and W.grad adds up each chunk's
 * backward (parameters accumulate; params_zero_grad runs once, first). The
 * chunk's [n_c, V] tensors stay in cache and their memory is reused by the
 * next chunk, instead of 25 MB tensors per op for the whole batch; the loss
 * and gradient are the full batch's up to float rounding (the JSON line's
 * final_loss: compare it with lab02fused's). 512 rows measured fastest here
 * (4096: 19 ms a step, 512: 16 ms). */
enum { CHUNK02 = 512 };
static float lab02_step_chunks(Bench *b)
{
    Tensor *W = b->p[0];
    int n = b->ds.n;
    params_zero_grad(b->p, b->np);
    double total = 0.0;
    for (int c0 = 0; c0 < n; c0 += CHUNK02) {
        int nc = n - c0 < CHUNK02 ? n - c0 : CHUNK02;
        Tensor *logits = tensor_embed(W, b->ds.X + c0, SHAPE(nc));                                   // [nc, V]
        Tensor *part = tensor_mul_scalar(tensor_cross_entropy(logits, b->ds.Y + c0), (float)((double)nc / n));   // [1]
        tensor_backward(part);   /* W.grad += d part / dW */
        total += tensor_item(part);
        graph_step_reset(&b->g);
    }
    Tensor *reg = tensor_mul_scalar(tensor_mean_all(tensor_pow(W, 2.0f)), 0.01f);   // [1]
    tensor_backward(reg);
    total += tensor_item(reg);
    params_sgd(b->p, b->np, b->lr);
    graph_step_reset(&b->g);
    return (float)total;
}

/* lab02gce: the same step with the gather and the cross-entropy in one op
 * (tensor_embed_cross_entropy): no [n, V] tensor at all. */
static float lab02_step_gce(Bench *b)
{
    Tensor *W = b->p[0];
    Tensor *nll = tensor_embed_cross_entropy(W, b->ds.X, b->ds.Y, b->ds.n);       // [1]
    return lab02_finish(b, nll);
}

static float lab02_step(Bench *b)
{
    Tensor *W = b->p[0];
    int n = b->ds.n;
    const int *xs = b->ds.X, *ys = b->ds.Y;   /* T = 1: X is [n] */
    if (b->onehot == 3)
        return lab02_step_chunks(b);
    if (b->onehot == 4)
        return lab02_step_gce(b);
    Tensor *logits = b->onehot == 1 ? tensor_matmul(tensor_one_hot(&b->g, xs, n, VOCAB), W)  // [n, V]
                                    : tensor_embed(W, xs, SHAPE(n));                          // [n, V]
    Tensor *nll;
    if (b->onehot == 2) {
        /* the same loss through the core's fused softmax-cross-entropy */
        nll = tensor_cross_entropy(logits, ys);                             // [1]
    } else {
        Tensor *counts = tensor_exp(logits);
        Tensor *probs = tensor_div(counts, tensor_sum(counts, 1, true));   // [n, V] / [n, 1]
        nll = tensor_neg(tensor_mean_all(tensor_log(tensor_pick(probs, ys))));
    }
    return lab02_finish(b, nll);
}

/* lab02counts: the loss from the count table, counted once here (not timed per step). */
static void lab02counts_init(Bench *b)
{
    lab02_init(b);
    static long N[VOCAB * VOCAB];
    for (int i = 0; i < b->ds.n; i++) N[b->ds.X[i] * VOCAB + b->ds.Y[i]]++;
    for (int k = 0; k < VOCAB * VOCAB; k++) {
        if (N[k] > (1L << 24)) KIT_ERROR("bench: a bigram occurs %ld times, more than a float counts exactly. HINT: a smaller --data file", N[k]);
        b->N[k] = (float)N[k];
    }
}

static float lab02counts_step(Bench *b)
{
    Tensor *W = b->p[0];
    Tensor *counts = tensor_exp(W);                                        // [V, V]
    Tensor *probs = tensor_div(counts, tensor_sum(counts, 1, true));       // [V, V] / [V, 1]: row x = softmax(W[x])
    Tensor *N = tensor_from(&b->g, SHAPE(VOCAB, VOCAB), b->N);             // [V, V] constant
    Tensor *loglik = tensor_sum_all(tensor_mul(N, tensor_log(probs)));     // [1]: sum_{x,y} N log p
    Tensor *nll = tensor_mul_scalar(loglik, (float)(-1.0 / (double)b->ds.n));
    return lab02_finish(b, nll);
}

/* ---- lab 06 (the manual backward against the core's autograd) --------------- */
static Model m06;   /* lab 06's model, in b->g */

static void lab06_init(Bench *b)
{
    model_create(&m06, &b->g, BP_BLOCK, BP_EMB, BP_HIDDEN_TRAIN);
    model_init(&m06, &b->rng, BP_BN_SEED);
}

/* @p steps steps of the lab's own training loop with backward @p bw; the
 * last step's loss (before its update, as the other workloads'). */
static float lab06_train(Bench *b, long steps, Backward bw)
{
    float *losses = malloc(sizeof(float) * (size_t)steps);
    if (!losses) KIT_ERROR("bench: out of memory for %ld losses. HINT: fewer --steps", steps);
    double first;
    if (model_train(&m06, &b->ds, &b->rng, steps, BP_BATCH, BP_LR, bw, NULL, losses, &first, true) != 0)
        KIT_ERROR("bench: lab 06's training diverged (stderr says at which step)");
    float v = losses[steps - 1];
    free(losses);
    return v;
}

static void usage(void)
{
    fprintf(stderr, "usage: bench --model lab03|lab05|lab02|lab02onehot|lab02fused|lab02chunks|lab02gce|lab02counts|lab06manual|lab06autograd [--steps N] [--warmup N] [--data FILE]\n");
    exit(2);
}

int main(int argc, char **argv)
{
    const char *model = NULL, *data = "data/names.txt";
    long steps = -1, warmup = -1;
    for (int i = 1; i < argc; i++) {
        if (i + 1 < argc && strcmp(argv[i], "--model") == 0)
            model = argv[++i];
        else if (i + 1 < argc && strcmp(argv[i], "--steps") == 0)
            steps = atol(argv[++i]);
        else if (i + 1 < argc && strcmp(argv[i], "--warmup") == 0)
            warmup = atol(argv[++i]);
        else if (i + 1 < argc && strcmp(argv[i], "--data") == 0)
            data = argv[++i];
        else
            usage();
    }
    if (!model)
        usage();
    bool is02 = strncmp(model, "lab02", 5) == 0;
    if (!(strcmp(model, "lab03") == 0 || strcmp(model, "lab05") == 0 || strcmp(model, "lab02") == 0 ||
          strcmp(model, "lab02onehot") == 0 || strcmp(model, "lab02fused") == 0 || strcmp(model, "lab02counts") == 0 ||
          strcmp(model, "lab02chunks") == 0 || strcmp(model, "lab02gce") == 0 ||
          strcmp(model, "lab06manual") == 0 || strcmp(model, "lab06autograd") == 0))
        usage();
    int bw06 = strcmp(model, "lab06manual") == 0 ? BACKWARD_MANUAL : strcmp(model, "lab06autograd") == 0 ? BACKWARD_AUTOGRAD : -1;
    bool counts02 = strcmp(model, "lab02counts") == 0;   /* microseconds per step: time many */
    if (steps <= 0)
        steps = counts02 ? 3000 : is02 ? 20 : 20000;
    if (warmup < 0)
        warmup = counts02 ? 30 : is02 ? 2 : 200;

    static Bench b; /* static: zeroed, and off the stack */
    graph_init(&b.g);
    rng_seed(&b.rng, SEED);
    Words all;
    if (words_load(&all, data) != 0)   /* one line on stderr */
        return 1;
    float (*step)(Bench *) = NULL;
    double flops = 0, setup_cpu = 0;
    if (counts02) {
        dataset_build(&b.ds, &all, 1);   /* the bigrams, in file order */
        double s0 = cpu_now();
        lab02counts_init(&b);            /* one pass over the n pairs, once */
        setup_cpu = cpu_now() - s0;
        step = lab02counts_step;
    } else if (is02) {
        dataset_build(&b.ds, &all, 1);   /* the bigrams, in file order */
        lab02_init(&b);
        b.onehot = strcmp(model, "lab02onehot") == 0 ? 1 : strcmp(model, "lab02fused") == 0 ? 2
                 : strcmp(model, "lab02chunks") == 0 ? 3 : strcmp(model, "lab02gce") == 0 ? 4 : 0;
        step = lab02_step;
        flops = b.onehot == 1 ? 6.0 * b.ds.n * VOCAB * VOCAB : 0;
    } else {
        Words tr, dv, te;
        if (words_split(&all, 42, &tr, &dv, &te) != 0) {   /* too few names: said the minimum */
            words_free(&all);
            return 1;
        }
        dataset_build(&b.ds, &tr, BLOCK);
        words_free(&tr);
        words_free(&dv);
        words_free(&te);
        if (strcmp(model, "lab03") == 0)
            lab03_init(&b), step = lab03_step;
        else if (bw06 >= 0)
            lab06_init(&b);   /* timed through model_train below, not a step function */
        else
            lab05_init(&b), step = lab05_step;
        flops = 3.0 * (2.0 * BATCH * BLOCK * EMB * HIDDEN + 2.0 * BATCH * HIDDEN * VOCAB);
    }

    float loss = 0;
    double t0, c0;
    if (bw06 >= 0) {
        if (warmup > 0)
            loss = lab06_train(&b, warmup, (Backward)bw06);
        t0 = kit_now(), c0 = cpu_now();
        loss = lab06_train(&b, steps, (Backward)bw06);
    } else {
        for (long k = 0; k < warmup; k++)
            loss = step(&b);
        t0 = kit_now(), c0 = cpu_now();
        for (long k = 0; k < steps; k++)
            loss = step(&b);
    }
    double dt = kit_now() - t0, cpu = cpu_now() - c0;

    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("{\"impl\": \"c\", \"model\": \"%s\", \"examples\": %d, \"steps\": %ld, \"warmup\": %ld, "
           "\"seconds\": %.6f, \"cpu_seconds\": %.6f, \"steps_per_s\": %.3f, \"us_per_step\": %.3f, "
           "\"cpu_us_per_step\": %.3f, \"flops_per_step\": %.0f, \"gflops\": ",
           model, b.ds.n, steps, warmup, dt, cpu, steps / dt, 1e6 * dt / steps, 1e6 * cpu / steps, flops);
    if (flops > 0)
        printf("%.4f", flops * steps / dt / 1e9);
    else
        printf("null");
    printf(", \"peak_rss_kb\": %ld, \"final_loss\": %.7f, \"step_arena_bytes\": %zu, \"kernels\": \"%s\"", ru.ru_maxrss,
           (double)loss, b.g.step.high_water, kernels()->name);
    if (counts02)
        printf(", \"setup_cpu_us\": %.3f", 1e6 * setup_cpu);
    printf("}\n");

    dataset_free(&b.ds);
    words_free(&all);
    graph_free(&b.g);
    return 0;
}
