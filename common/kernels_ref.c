/*
 * kernels_ref.c: the readable kernels (the contract is kernels.h).
 *
 * What it is: every kernel as the plain loop that defines it, one element at
 * a time and in the order of its sum, plus tanh and exp of one float. These
 * are what the fast kernels (kernels_fast.h) must equal bit for bit; the
 * tests hold them to it, and KIT_KERNELS=reference runs a whole training on
 * them.
 * What it is not: fast. Nothing here is blocked, vectorized by hand or
 * compiled per CPU.
 */
#include "kernels.h"

#include <stddef.h>

#include "kernels_math.h"

/* The definition, as written on the blackboard: out[i][j] = sum_k a[i][k] b[k][j].
 * The sum starts from out[i][j] when accumulating and adds k = 0, 1, ... in
 * order, which is exactly the order the fast matmul keeps for every element
 * (each step fused when KIT_FMA, in both). */
void matmul_reference(float *out, const float *a, const float *b, int M, int K, int N, bool accumulate)
{
    for (int i = 0; i < M; i++)
        for (int j = 0; j < N; j++) {
            float s = accumulate ? out[(size_t)i * N + j] : 0.0f;
            for (int k = 0; k < K; k++) {
                float x = a[(size_t)i * K + k], y = b[(size_t)k * N + j];
                s = KIT_FMA ? fmaf(x, y, s) : s + x * y;
            }
            out[(size_t)i * N + j] = s;
        }
}

/* da[i][k] += sum_j dout[i][j] b[k][j], j in order, from da[i][k]. */
static void matmul_da_reference(float *da, const float *dout, const float *b, float *bt, int M, int K, int N)
{
    (void)bt;   /* the reference reads b's columns where they are */
    for (int i = 0; i < M; i++)
        for (int k = 0; k < K; k++) {
            float s = da[(size_t)i * K + k];
            for (int j = 0; j < N; j++) {
                float x = dout[(size_t)i * N + j], y = b[(size_t)k * N + j];
                s = KIT_FMA ? fmaf(x, y, s) : s + x * y;
            }
            da[(size_t)i * K + k] = s;
        }
}

/* db[k][j] += sum_i a[i][k] dout[i][j], i in order, from db[k][j]. */
static void matmul_db_reference(float *db, const float *a, const float *dout, int M, int K, int N)
{
    for (int k = 0; k < K; k++)
        for (int j = 0; j < N; j++) {
            float s = db[(size_t)k * N + j];
            for (int i = 0; i < M; i++) {
                float x = a[(size_t)i * K + k], y = dout[(size_t)i * N + j];
                s = KIT_FMA ? fmaf(x, y, s) : s + x * y;
            }
            db[(size_t)k * N + j] = s;
        }
}

float tanh_fast(float x)
{
    return tanh_kernel(x);
}

float exp_fast(float x)
{
    return exp_kernel(x);
}

static void tanh_n_reference(float *y, const float *x, int n)
{
    for (int i = 0; i < n; i++) y[i] = tanh_kernel(x[i]);
}

static void exp_n_reference(float *y, const float *x, int n)
{
    for (int i = 0; i < n; i++) y[i] = exp_kernel(x[i]);
}

/* The first max of each row (a NaN never replaces it: `>` is false). */
static void rows_max_reference(float *out, const float *x, int rows, int V)
{
    for (int r = 0; r < rows; r++) {
        const float *row = x + (size_t)r * V;
        float m = row[0];
        for (int v = 1; v < V; v++) m = row[v] > m ? row[v] : m;
        out[r] = m;
    }
}

static void rows_sum_reference(float *out, const float *x, int rows, int V)
{
    for (int r = 0; r < rows; r++) {
        float s = 0.0f;
        for (int v = 0; v < V; v++) s += x[(size_t)r * V + v];
        out[r] = s;
    }
}

const Kernels kernels_reference = {
    "reference", matmul_reference, matmul_da_reference, matmul_db_reference,
    tanh_n_reference, exp_n_reference, rows_max_reference, rows_sum_reference,
};
