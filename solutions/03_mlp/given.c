/**
 * @file given.c
 * @brief Lab 03, given code: read it, you do not edit it.
 *
 * What it is: the model's parameters in the lecture's draw order, the forward
 * pass that chains your three layers, and the driver's helpers: the lowest
 * loss a dataset allows, torch's linspace, the sweep's minimum and the
 * embedding picture. What it is not: anything you write (mlp.c).
 */
#include "given.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kit.h"    // KIT_CHECK
#include "mlp.h"    // your layers, called by mlp_forward
#include "output.h" // tsv_open

/* ========================================================================= */
/* The parameters, in the lecture's order, and the forward pass              */
/* ========================================================================= */

void mlp_init(Mlp *m, Graph *g, int T, int n_embd, int n_hidden, TorchRng *r)
{
    KIT_CHECK(T >= 1 && n_embd >= 1 && n_hidden >= 1,
              "mlp_init: block %d, embedding %d, hidden %d must all be at least 1. "
              "HINT: check --block, --emb and --hidden.", T, n_embd, n_hidden);
    memset(m, 0, sizeof *m);
    m->g = g;
    m->T = T;
    m->n_embd = n_embd;
    m->n_hidden = n_hidden;
    // The lecture draws every parameter with plain randn ("no scaling": this
    // net starts badly, with a first loss near 28; lab 04 fixes that). The
    // ORDER matters: each randn continues the same generator, so C, W1, b1,
    // W2, b2 in this order reproduce the lecture's numbers exactly.
    m->C = tensor_param(g, SHAPE(VOCAB, n_embd));          // [V, C]
    tensor_randn_(m->C, r);
    m->W1 = tensor_param(g, SHAPE(T * n_embd, n_hidden));  // [T*C, H]
    tensor_randn_(m->W1, r);
    m->b1 = tensor_param(g, SHAPE(n_hidden));              // [H]
    tensor_randn_(m->b1, r);
    m->W2 = tensor_param(g, SHAPE(n_hidden, VOCAB));       // [H, V]
    tensor_randn_(m->W2, r);
    m->b2 = tensor_param(g, SHAPE(VOCAB));                 // [V]
    tensor_randn_(m->b2, r);
    Tensor *ps[MLP_NPARAMS] = {m->C, m->W1, m->b1, m->W2, m->b2};
    memcpy(m->params, ps, sizeof ps);
}

Tensor *mlp_forward(const Mlp *m, const int *X, int B)
{
    Tensor *x = mlp_embed(m, X, B);  // [B, T*C]   lab03.2
    Tensor *h = mlp_hidden(m, x);    // [B, H]     lab03.3
    return mlp_output(m, h);         // [B, V]     lab03.4
}

Tensor *mlp_loss_of(void *model, const int *X, const int *Y, int n)
{
    return mlp_loss(mlp_forward(model, X, n), Y);  // [n, V] -> [1]   lab03.6
}

/* ========================================================================= */
/* Why overfitting one batch stops above zero                                */
/* ========================================================================= */

double dataset_min_loss(const Dataset *ds)
{
    // For each example, count the examples with the same context (n_ctx) and
    // those with the same context and the same target (n_same): the best any
    // model can do is p = n_same / n_ctx, so the example costs -log of that.
    const int T = ds->T;
    double total = 0.0;
    for (int i = 0; i < ds->n; i++) {
        int n_ctx = 0, n_same = 0;
        for (int j = 0; j < ds->n; j++) {
            if (memcmp(ds->X + (size_t)i * T, ds->X + (size_t)j * T, (size_t)T * sizeof *ds->X) != 0)
                continue;
            n_ctx++;
            n_same += ds->Y[j] == ds->Y[i];
        }
        total += -log((double)n_same / n_ctx);
    }
    return ds->n > 0 ? total / ds->n : 0.0;
}

/* ========================================================================= */
/* The learning-rate sweep's exponents and its minimum                       */
/* ========================================================================= */

void linspace_f32(float *out, float start, float end, int n)
{
    if (n <= 0)
        return;
    if (n == 1) {
        out[0] = start;
        return;
    }
    // torch 1.13's linspace_kernel (aten/src/ATen/native/cpu/RangeFactoriesKernel.cpp),
    // float32: step = (end - start) / (n - 1); the first half counts up from
    // start (start + step*i), the second half counts down from end
    // (end - step*(n-1-i)), so both endpoints come out exact.
    const float step = (end - start) / (float)(n - 1);
    const int halfway = n / 2;
    int i = 0;
    // Its vectorised loop (AVX2: 8 floats a vector, two vectors a turn) computes
    // each vector's first value that way and the other lanes as base + k*step
    // (Vectorized<float>::arange); the last n % 16 values take the scalar path.
    // Debian's torch 1.13 build fuses start + step*i (and end - step*j) into one
    // FMA: with the fmaf below all 1000 exponents equal torch.linspace(-3, 0,
    // 1000) bit for bit; without it 24 of them (176..199) are 1 ulp off.
    for (; i <= n - 16; i += 16) {
        for (int v = 0; v < 2; v++) {
            int idx = i + 8 * v;
            float base = idx < halfway ? fmaf(step, (float)idx, start)
                                       : fmaf(-step, (float)(n - idx - 1), end);
            for (int k = 0; k < 8; k++)
                out[idx + k] = base + (float)k * step;
        }
    }
    for (; i < n; i++)
        out[i] = i < halfway ? fmaf(step, (float)i, start) : fmaf(-step, (float)(n - i - 1), end);
}

int lr_sweep_best(const float *losses, int n, int w, double *best_mean)
{
    if (w > n)
        w = n;
    int best = -1;
    *best_mean = INFINITY;
    for (int i = 0; w > 0 && i + w <= n; i++) {
        double sum = 0;
        for (int k = 0; k < w; k++)
            sum += losses[i + k];
        if (isfinite(sum) && sum / w < *best_mean) {
            *best_mean = sum / w;
            best = i + w / 2;
        }
    }
    return best;
}

/* ========================================================================= */
/* The embedding picture                                                     */
/* ========================================================================= */

int mlp_write_embedding(const Mlp *m, const char *dir)
{
    if (m->n_embd < 2) {
        fprintf(stderr, "embedding.tsv needs 2 numbers per character, this model has %d. "
                "HINT: train with --emb 2.\n", m->n_embd);
        return -1;
    }
    TsvLog log;
    if (tsv_open(&log, dir, "embedding.tsv", "char x y") != 0)
        return -1;
    for (int i = 0; i < VOCAB; i++) {
        const float *row = m->C->data + (size_t)i * m->n_embd;  // C[i], [C]
        tsv_row(&log, "%c\t%.6f\t%.6f", itos(i), row[0], row[1]);
    }
    return tsv_close(&log);   // 0, or -1 after one line
}
