/*
 * core_kernels_test.c: every kernel set this machine runs gives the portable
 * set's bits (common/kernels*.c).
 *
 * What it checks: for each set kernels_find() offers here (the readable
 * reference, the portable fast set, and in the default build on x86-64 the
 * AVX2 and AVX-512 copies the CPU supports), every kernel on the same inputs
 * as the portable set, compared bit for bit: matmul forward and both
 * backward products on shapes with ragged edges and long panels, tanh and
 * exp over sweeps of floats and their edges (0, -0, subnormals, the clamps,
 * inf, NaN), and the row max and sum. It names the sets it compared, and
 * which one the kit would choose (KIT_KERNELS honoured).
 * What it does not check: accuracy (core.tensor compares the kernels with
 * libm) or speed.
 */
#define _POSIX_C_SOURCE 200809L

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "kernels.h"
#include "rng.h"

static const char *const SETS[] = {"reference", "portable", "native", "avx2", "avx512"};
enum { NSETS = sizeof SETS / sizeof SETS[0] };

/* The sets this build and CPU offer, the portable one (the build's own) first. */
static int available(const Kernels **out, char *names, size_t cap)
{
    int n = 0;
    names[0] = '\0';
    const Kernels *base = kernels_find("portable");
    if (!base) base = kernels_find("native");
    ck_assert_msg(base != NULL, "neither a portable nor a native kernel set");
    out[n++] = base;
    for (int i = 0; i < NSETS; i++) {
        const Kernels *k = kernels_find(SETS[i]);
        if (k && k != base) out[n++] = k;
    }
    for (int i = 0; i < n; i++)
        snprintf(names + strlen(names), cap - strlen(names), "%s%s", i ? ", " : "", out[i]->name);
    return n;
}

static int bits_differ(const float *a, const float *b, int n)
{
    for (int i = 0; i < n; i++)
        if (memcmp(&a[i], &b[i], sizeof(float)) != 0) return i;
    return -1;
}

static float *randn_buf(TorchRng *r, int n)
{
    float *x = malloc((size_t)n * sizeof(float));
    ck_assert(x != NULL);
    rng_randn(r, x, n);
    return x;
}

/* ------------------------------------------------------------------------- */

START_TEST(test_matmul_sets)
{
    const Kernels *ks[NSETS + 1];
    char names[128];
    int nk = available(ks, names, sizeof names);
    /* lab 03's shapes, ragged ones around every vector width, and K over one panel (256) */
    static const int shapes[][3] = {{32, 30, 200}, {32, 200, 27}, {1, 1, 1},   {3, 5, 7},   {17, 9, 33},
                                    {14, 3, 16},   {15, 4, 31},   {5, 300, 9}, {130, 7, 45}, {29, 513, 18}};
    TorchRng r;
    rng_seed(&r, 42);
    long checked = 0;
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
        int M = shapes[s][0], K = shapes[s][1], N = shapes[s][2];
        float *a = randn_buf(&r, M * K), *b = randn_buf(&r, K * N), *dout = randn_buf(&r, M * N);
        float *init_mn = randn_buf(&r, M * N), *init_mk = randn_buf(&r, M * K), *init_kn = randn_buf(&r, K * N);
        float *want = malloc(sizeof(float) * (size_t)(M * N + M * K + K * N) * 2);
        float *got = malloc(sizeof(float) * (size_t)(M * N + M * K + K * N) * 2);
        float *bt = malloc(sizeof(float) * (size_t)K * N);
        ck_assert(want && got && bt);
        for (int i = 0; i < nk; i++) {
            float *o = i == 0 ? want : got;
            float *fw = o, *fa = o + M * N, *da = fa + M * N, *db = da + M * K;   /* forward, forward +=, da, db */
            ks[i]->matmul(fw, a, b, M, K, N, false);
            memcpy(fa, init_mn, sizeof(float) * (size_t)M * N);
            ks[i]->matmul(fa, a, b, M, K, N, true);
            memcpy(da, init_mk, sizeof(float) * (size_t)M * K);
            ks[i]->matmul_da(da, dout, b, bt, M, K, N);
            memcpy(db, init_kn, sizeof(float) * (size_t)K * N);
            ks[i]->matmul_db(db, a, dout, M, K, N);
            if (i == 0) continue;
            int n = 2 * M * N + M * K + K * N;
            int at = bits_differ(want, got, n);
            ck_assert_msg(at < 0, "%s differs from %s on [%d, %d] @ [%d, %d] at element %d of forward, +=, da, db: %.9g vs %.9g",
                          ks[i]->name, ks[0]->name, M, K, K, N, at, got[at], want[at]);
            checked += n;
        }
        free(a); free(b); free(dout); free(init_mn); free(init_mk); free(init_kn); free(want); free(got); free(bt);
    }
    harness_note("kernel sets compared with %s: %s; %ld matmul results (forward, +=, da, db) bit for bit",
                 ks[0]->name, names, checked);
    bool chosen = kernels_find(getenv("KIT_KERNELS")) == kernels();
    harness_note("the kit runs on: %s%s", kernels()->name, chosen ? " (KIT_KERNELS)" : " (its automatic choice)");
}
END_TEST

/* tanh and exp over a sweep (every `step`-th float of [lo, hi], both signs)
 * and their edges, one set against the other. */
static void sweep_sets(const char *what, size_t off, uint32_t hi_bits, int step)
{
    const Kernels *ks[NSETS + 1];
    char names[128];
    int nk = available(ks, names, sizeof names);
    int n = 0, cap = (int)(hi_bits / (uint32_t)step) * 2 + 64;
    float *x = malloc((size_t)cap * sizeof(float)), *want = malloc((size_t)cap * sizeof(float)),
          *got = malloc((size_t)cap * sizeof(float));
    ck_assert(x && want && got);
    for (uint32_t u = 0; u <= hi_bits && n + 2 < cap; u += (uint32_t)step) {
        float f;
        memcpy(&f, &u, sizeof f);
        x[n++] = f;
        x[n++] = -f;
    }
    const float edge[] = {0.0f, -0.0f, 1e-40f, -1e-40f, 0.55f, -0.55f, 9.01f, 10.0f, 89.0f, 88.7f, -103.9f, -104.0f,
                          -150.0f, 1e30f, -1e30f, INFINITY, -INFINITY, NAN, -NAN};
    for (size_t i = 0; i < sizeof edge / sizeof edge[0]; i++) x[n++] = edge[i];
    for (int i = 0; i < nk; i++) {
        void (*f)(float *, const float *, int);
        memcpy(&f, (const char *)ks[i] + off, sizeof f);
        float *o = i == 0 ? want : got;
        f(o, x, n);
        if (i == 0) continue;
        int at = bits_differ(want, got, n);
        ck_assert_msg(at < 0, "%s %s(%.9g) = %.9g, %s gives %.9g", ks[i]->name, what, x[at], got[at], ks[0]->name, want[at]);
    }
    harness_note("%s: %s against %s on %d floats, bit for bit", what, names, ks[0]->name, n);
    free(x); free(want); free(got);
}

START_TEST(test_tanh_sets)
{
    sweep_sets("tanh", offsetof(Kernels, tanh_n), 0x41300000u /* 11.0f */, 1009);
}
END_TEST

START_TEST(test_exp_sets)
{
    sweep_sets("exp", offsetof(Kernels, exp_n), 0x42D20000u /* 105.0f */, 1013);
}
END_TEST

START_TEST(test_rows_sets)
{
    const Kernels *ks[NSETS + 1];
    char names[128];
    int nk = available(ks, names, sizeof names);
    TorchRng r;
    rng_seed(&r, 7);
    static const int shapes[][2] = {{32, 27}, {1, 1}, {7, 3}, {9, 200}, {17, 31}, {64, 1}};
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
        int rows = shapes[s][0], V = shapes[s][1];
        float *x = randn_buf(&r, rows * V);
        if (rows * V > 5) x[5] = NAN;   /* a NaN in a row: the first max stays what `>` says */
        float want[2][64], got[2][64];
        for (int i = 0; i < nk; i++) {
            float (*o)[64] = i == 0 ? want : got;
            ks[i]->rows_max(o[0], x, rows, V);
            ks[i]->rows_sum(o[1], x, rows, V);
            if (i == 0) continue;
            ck_assert_msg(bits_differ(want[0], got[0], rows) < 0, "%s rows_max differs on [%d, %d]", ks[i]->name, rows, V);
            ck_assert_msg(bits_differ(want[1], got[1], rows) < 0, "%s rows_sum differs on [%d, %d]", ks[i]->name, rows, V);
        }
        free(x);
    }
    harness_note("row max and sum: %s against %s, bit for bit", names, ks[0]->name);
}
END_TEST

START_TEST(test_find)
{
    ck_assert(kernels_find("reference") != NULL);
    ck_assert(kernels_find("no-such-set") == NULL);
    ck_assert(kernels_find(NULL) == NULL);
    ck_assert(kernels() != NULL && kernels()->name != NULL);
    harness_note("fused multiply-adds: %s", kernels_fused() ? "yes (NATIVE=1 with FMA: its own bits)" : "no (the default build's bits)");
}
END_TEST

/* ------------------------------------------------------------------------- */

int main(int argc, char **argv)
{
    const HarnessStep steps[] = {
        {"core.kernels.1", "matmul and its backward: every kernel set equals the portable one bit for bit", test_matmul_sets, 60},
        {"core.kernels.2", "tanh over arrays: every kernel set equals the portable one bit for bit", test_tanh_sets, 60},
        {"core.kernels.3", "exp over arrays: every kernel set equals the portable one bit for bit", test_exp_sets, 60},
        {"core.kernels.4", "row max and sum: every kernel set equals the portable one bit for bit", test_rows_sets, 20},
        {"core.kernels.5", "kernels_find names the sets; unknown names give NULL", test_find, 10},
    };
    return harness_main(argc, argv, "core.kernels", steps, sizeof steps / sizeof steps[0]);
}
