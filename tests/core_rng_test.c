/*
 * core_rng_test.c: common/rng.c against torch 1.13 and CPython 3.11, value by value.
 *
 * What it is: every test vector of docs/RNG.md §9 (seed 2147483647 unless
 * said otherwise), the lecture's MLP init table, the part-1 multinomial demo,
 * and the two rules that are easy to get wrong: the scalar randn cache that
 * outlives a call, and the tail recompute that makes randn(17) draw 33 words.
 * What it is not: a statistical test of randomness. A value that is off by
 * one ulp is a failure here, because it would change the lecture's numbers.
 *
 * Floats are compared exactly: torch printed them with %.9g, which round-trips
 * a float, so the literal (parsed as a float by the `f` suffix) IS torch's
 * value. Sums in double are compared as their %.9g text.
 */
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "rng.h" /* TorchRng, PyRandom and everything tested here */

#define LECTURE_SEED 2147483647u

/* ---- helpers ----------------------------------------------------------- */

/* Exact float equality, element by element; on failure say where, both
 * values at %.9g, and how many of the n differ. */
static void expect_floats_exact(const float *got, const float *want, long n, const char *what)
{
    long bad = 0, first = -1;
    for (long i = 0; i < n; i++) {
        if (!(got[i] == want[i])) {
            if (first < 0)
                first = i;
            bad++;
        }
    }
    ck_assert_msg(bad == 0, "%s: element %ld: got %.9g, expected %.9g (%ld of %ld differ)", what,
                  first, first >= 0 ? (double)got[first] : 0.0, first >= 0 ? (double)want[first] : 0.0,
                  bad, n);
}

static void expect_ints(const int *got, const int *want, int n, const char *what)
{
    for (int i = 0; i < n; i++)
        ck_assert_msg(got[i] == want[i], "%s: element %d: got %d, expected %d", what, i, got[i],
                      want[i]);
}

/* A double, printed with %.9g, must read exactly as torch printed it. */
static void expect_double_9g(double got, const char *want, const char *what)
{
    char buf[64];
    snprintf(buf, sizeof buf, "%.9g", got);
    ck_assert_msg(strcmp(buf, want) == 0, "%s: got %s, expected %s", what, buf, want);
}

static double sum_double(const float *x, long n)
{
    double s = 0.0;
    for (long i = 0; i < n; i++)
        s += x[i];
    return s;
}

/* The next raw word of @p g must be word number k+1 of a fresh generator
 * seeded with @p seed: i.e. @p g has consumed exactly k words so far. */
static void expect_consumed(TorchRng *g, uint64_t seed, int k, const char *what)
{
    TorchRng ref;
    rng_seed(&ref, seed);
    for (int i = 0; i < k; i++)
        (void)rng_u32(&ref);
    uint32_t got = rng_u32(g), want = rng_u32(&ref);
    ck_assert_msg(got == want,
                  "%s: the next word is %u but word %d of a fresh stream is %u: a different number "
                  "of words was consumed",
                  what, got, k + 1, want);
}

/* ---- the generator ----------------------------------------------------- */

START_TEST(test_seed)
{
    /* init_genrand(5489) is the reference (and std::mt19937's default) seed:
     * its first output is 3499211612 and its 10000th is 4123659995, the value
     * the C++ standard requires. Checks seeding, the twist, and tempering. */
    TorchRng g;
    rng_seed(&g, 5489);
    EXPECT_INT_EQ(rng_u32(&g), 3499211612u, "first word after seed 5489");
    for (int i = 2; i < 10000; i++)
        (void)rng_u32(&g);
    EXPECT_INT_EQ(rng_u32(&g), 4123659995u, "10000th word after seed 5489");

    /* Only the low 32 bits of the seed count: s and s + 2^32 give one stream. */
    TorchRng a, b;
    rng_seed(&a, 7);
    rng_seed(&b, 7 + (UINT64_C(1) << 32));
    for (int i = 0; i < 1000; i++)
        EXPECT_INT_EQ(rng_u32(&a), rng_u32(&b), "seed 7 vs 7 + 2^32");

    /* random64: the FIRST word is the high half. */
    rng_seed(&a, LECTURE_SEED);
    rng_seed(&b, LECTURE_SEED);
    uint64_t hi = rng_u32(&a), lo = rng_u32(&a);
    ck_assert_msg(rng_u64(&b) == ((hi << 32) | lo), "rng_u64 must be (first word << 32) | second word");
}
END_TEST

START_TEST(test_rand)
{
    TorchRng g;
    rng_seed(&g, LECTURE_SEED);
    float got[5];
    rng_rand(&g, got, 5);
    const float want[5] = {0.70812887f, 0.354239106f, 0.105432332f, 0.599644423f, 0.0904441476f};
    expect_floats_exact(got, want, 5, "rand(5)");
    expect_consumed(&g, LECTURE_SEED, 5, "rand(5) draws one word per value");

    /* §1's example: the lecture's rand(3) prints [0.7081, 0.3542, 0.1054]. */
    rng_seed(&g, LECTURE_SEED);
    rng_rand(&g, got, 3);
    expect_floats_exact(got, want, 3, "rand(3)");
}
END_TEST

/* ---- randn ------------------------------------------------------------- */

static const float RANDN5[5] = {-0.98000735f, -1.65784788f, -0.0571662299f, -0.340854108f,
                                2.09915519f};

START_TEST(test_randn_scalar)
{
    TorchRng g;
    rng_seed(&g, LECTURE_SEED);
    float got[5];
    rng_randn(&g, got, 5);
    expect_floats_exact(got, RANDN5, 5, "randn(5) (scalar path)");
    /* Three pairs were started (4 words each); the 6th value waits in the cache. */
    ck_assert_msg(g.has_normal, "randn(5) must leave the 6th Box-Muller value cached");
    expect_consumed(&g, LECTURE_SEED, 12, "randn(5) draws 2 doubles (4 words) per pair");
}
END_TEST

START_TEST(test_randn_cache)
{
    TorchRng g;
    float a[3], b[1], u[2];
    rng_seed(&g, LECTURE_SEED);
    rng_randn(&g, a, 3);
    rng_randn(&g, b, 1); /* the cached r*sin of the second pair: no draw */
    expect_floats_exact(a, RANDN5, 3, "randn(3)");
    expect_floats_exact(b, RANDN5 + 3, 1, "randn(1) after randn(3) returns the cached value");
    expect_consumed(&g, LECTURE_SEED, 8, "the cached value costs no words");

    /* The cache survives rand() and randn(>=16) calls, which neither use nor
     * clear it; manual_seed clears it. */
    float big[16];
    rng_seed(&g, LECTURE_SEED);
    rng_randn(&g, a, 3);
    rng_rand(&g, u, 2);
    rng_randn(&g, big, 16);
    rng_randn(&g, b, 1);
    expect_floats_exact(b, RANDN5 + 3, 1, "cached value after rand(2) and randn(16)");
    rng_seed(&g, LECTURE_SEED);
    ck_assert_msg(!g.has_normal, "rng_seed must clear the cached normal");
    rng_randn(&g, b, 1);
    expect_floats_exact(b, RANDN5, 1, "randn(1) right after the seed");
}
END_TEST

static const float RANDN20[20] = {
    1.56736195f,  -0.23729232f,  -0.0273846053f, -1.10077941f, 0.984879673f,
    -0.148372501f, -1.47952628f, 0.448300153f,   -2.19211125f, -0.781418622f,
    -0.280768663f, -0.738913596f, -1.21988416f,  0.303144097f, -1.07250214f,
    0.7276178f,   2.2497077f,   -0.475500971f,  0.620500445f, 1.15002108f};

START_TEST(test_randn_vector)
{
    TorchRng g;
    rng_seed(&g, LECTURE_SEED);
    float got[20];
    rng_randn(&g, got, 20);
    expect_floats_exact(got, RANDN20, 20, "randn(20) (vector path, AVX2 kernel)");
    ck_assert_msg(!g.has_normal, "the vector path never touches the scalar cache");
}
END_TEST

START_TEST(test_randn_tail)
{
    /* n % 16 != 0: 16 fresh words redo the last 16 slots, so n + 16 words. */
    TorchRng g;
    float x[32];
    rng_seed(&g, LECTURE_SEED);
    rng_randn(&g, x, 17);
    expect_consumed(&g, LECTURE_SEED, 33, "randn(17) consumes 17 + 16 words");
    /* Output 0 comes from block 0, which is randn(16)'s block 0. */
    float y[16];
    TorchRng h;
    rng_seed(&h, LECTURE_SEED);
    rng_randn(&h, y, 16);
    expect_floats_exact(x, y, 1, "randn(17)[0] equals randn(16)[0]");
    /* A multiple of 16 has no tail. */
    rng_seed(&g, LECTURE_SEED);
    rng_randn(&g, x, 32);
    expect_consumed(&g, LECTURE_SEED, 32, "randn(32) consumes exactly 32 words");
}
END_TEST

START_TEST(test_randn_27x10)
{
    TorchRng g;
    rng_seed(&g, LECTURE_SEED);
    float C[27 * 10]; /* [V, C] */
    rng_randn(&g, C, 27 * 10);
    const float want[10] = {1.56736195f,   -0.23729232f, -0.0273846053f, -1.10077941f,
                            0.28588146f,   -0.0296433382f, -1.54705918f, 0.604891956f,
                            0.0791362002f, 0.904623866f};
    expect_floats_exact(C, want, 10, "randn((27,10)) first row");
}
END_TEST

START_TEST(test_mlp_init)
{
    /* Part 2/3's init, drawn in this order from one generator. */
    static const struct {
        const char *name;
        long n;
        float first[3];
        float last;
        const char *sum;
    } t[5] = {
        {"C (27,10)", 27 * 10, {1.56736195f, -0.23729232f, -0.0273846053f}, 0.384485275f, "-5.21251496"},
        {"W1 (30,200)", 30 * 200, {-1.17070079f, 0.0719374046f, -1.84925222f}, -0.713085413f, "77.2490606"},
        {"b1 (200)", 200, {-2.07046366f, -0.985963106f, 0.0321225673f}, 0.54869175f, "3.78199067"},
        {"W2 (200,27)", 200 * 27, {0.726257622f, 1.4949131f, -1.50091124f}, -0.514154196f, "-7.20812278"},
        {"b2 (27)", 27, {0.137313649f, 1.20418775f, 1.94415832f}, -0.251320928f, "4.6393286"},
    };
    TorchRng g;
    rng_seed(&g, LECTURE_SEED);
    float *buf = malloc(6000 * sizeof *buf);
    ck_assert_msg(buf != NULL, "out of memory");
    char what[64];
    for (int k = 0; k < 5; k++) {
        rng_randn(&g, buf, t[k].n);
        snprintf(what, sizeof what, "%s first three", t[k].name);
        expect_floats_exact(buf, t[k].first, 3, what);
        snprintf(what, sizeof what, "%s last", t[k].name);
        expect_floats_exact(buf + t[k].n - 1, &t[k].last, 1, what);
        snprintf(what, sizeof what, "%s sum in double", t[k].name);
        expect_double_9g(sum_double(buf, t[k].n), t[k].sum, what);
    }
    free(buf);
}
END_TEST

START_TEST(test_lab02_W)
{
    TorchRng g;
    rng_seed(&g, LECTURE_SEED);
    float W[27 * 27]; /* [V, V] */
    rng_randn(&g, W, 27 * 27);
    expect_floats_exact(W, RANDN20, 3, "W = randn((27,27)) first three");
    expect_double_9g(sum_double(W, 27 * 27), "12.1954116", "W.sum() in double");
}
END_TEST

START_TEST(test_randn_default_kernel)
{
    /* The libm kernel (§3b ii) has no torch vector in the spec beyond its
     * bound: it differs from AVX2 by at most 1.8e-6 and uses the same words. */
    enum { N = 4103 };
    static float a[N], b[N];
    TorchRng ga, gb;
    rng_seed(&ga, LECTURE_SEED);
    rng_seed(&gb, LECTURE_SEED);
    gb.kernel = RNG_KERNEL_DEFAULT;
    rng_randn(&ga, a, N);
    rng_randn(&gb, b, N);
    long differ = 0;
    double maxdiff = 0.0;
    for (long i = 0; i < N; i++) {
        double d = fabs((double)a[i] - (double)b[i]);
        if (d > maxdiff)
            maxdiff = d;
        differ += a[i] != b[i];
    }
    harness_note("default vs AVX2 kernel: %ld of %d differ, maxdiff %.3g (tol 2e-06)", differ, N, maxdiff);
    ck_assert_msg(maxdiff <= 2e-6, "default kernel is %.3g away from AVX2 (tol 2e-06)", maxdiff);
    ck_assert_msg(differ > 0, "r->kernel = RNG_KERNEL_DEFAULT changed nothing: is it honoured?");
    EXPECT_INT_EQ(rng_u32(&ga), rng_u32(&gb), "both kernels consume the same words");
}
END_TEST

/* ---- randint, multinomial, exponential --------------------------------- */

START_TEST(test_randint)
{
    TorchRng g;
    rng_seed(&g, LECTURE_SEED);
    const long long want[8] = {138156, 41144, 63274, 75447, 70028, 82980, 61784, 130741};
    for (int i = 0; i < 8; i++)
        EXPECT_INT_EQ(rng_randint(&g, 0, 182625), want[i], "randint(0, 182625)");
    expect_consumed(&g, LECTURE_SEED, 8, "a range below 2^32 draws one word per value");

    /* range 2^32 - 1: one 32-bit word; range 2^32 already takes two (high first). */
    TorchRng ref;
    rng_seed(&g, LECTURE_SEED);
    rng_seed(&ref, LECTURE_SEED);
    uint32_t w = rng_u32(&ref);
    EXPECT_INT_EQ(rng_randint(&g, 0, INT64_C(0xffffffff)), w % UINT32_C(0xffffffff), "randint(0, 2^32-1)");
    uint64_t v = rng_u64(&ref);
    EXPECT_INT_EQ(rng_randint(&g, 5, 5 + (INT64_C(1) << 32)), (int64_t)(v % (UINT64_C(1) << 32)) + 5,
                  "randint(5, 5 + 2^32) uses a 64-bit draw");
    EXPECT_INT_EQ(rng_randint(&g, -(INT64_C(1) << 40), INT64_C(1) << 40),
                  (int64_t)(rng_u64(&ref) % (UINT64_C(1) << 41)) - (INT64_C(1) << 40),
                  "randint(-2^40, 2^40)");
    expect_consumed(&g, LECTURE_SEED, 5, "1 + 2 + 2 words");
}
END_TEST

static const float P3[3] = {0.6f, 0.3f, 0.1f};

START_TEST(test_multinomial_replacement)
{
    TorchRng g;
    int got[20];
    rng_seed(&g, LECTURE_SEED);
    ck_assert_int_eq(rng_multinomial_replacement(&g, P3, 3, 20, got), 0);
    const int want[20] = {1, 1, 1, 0, 0, 2, 2, 0, 1, 1, 1, 0, 2, 1, 1, 1, 2, 0, 0, 1};
    expect_ints(got, want, 20, "multinomial([0.6,0.3,0.1], 20, True)");
    expect_consumed(&g, LECTURE_SEED, 40, "two words per sample");

    /* num_samples=1 with replacement is the same CDF draw, one at a time (1.x). */
    rng_seed(&g, LECTURE_SEED);
    for (int i = 0; i < 5; i++)
        ck_assert_int_eq(rng_multinomial_replacement(&g, P3, 3, 1, got + i), 0);
    expect_ints(got, want, 5, "five multinomial(p, 1, True)");

    /* Bad weights are refused without drawing. */
    const float neg[3] = {0.5f, -0.1f, 0.6f}, zero[3] = {0.0f, 0.0f, 0.0f}, inf[2] = {1.0f, INFINITY};
    rng_seed(&g, LECTURE_SEED);
    EXPECT_INT_EQ(rng_multinomial_replacement(&g, neg, 3, 1, got), -1, "a negative weight");
    EXPECT_INT_EQ(rng_multinomial_replacement(&g, zero, 3, 1, got), -1, "all weights zero");
    EXPECT_INT_EQ(rng_multinomial_replacement(&g, inf, 2, 1, got), -1, "an infinite weight");
    EXPECT_INT_EQ(rng_multinomial_race(&g, neg, 3), -1, "race: a negative weight");
    expect_consumed(&g, LECTURE_SEED, 0, "refused calls draw nothing");
}
END_TEST

START_TEST(test_multinomial_race)
{
    TorchRng g;
    rng_seed(&g, LECTURE_SEED);
    const int want[8] = {0, 0, 1, 0, 1, 0, 2, 0};
    int got[8];
    for (int i = 0; i < 8; i++)
        got[i] = rng_multinomial_race(&g, P3, 3);
    expect_ints(got, want, 8, "eight multinomial(p, 1) with replacement=False");
    expect_consumed(&g, LECTURE_SEED, 8 * 3 * 2, "2K words per sample");
}
END_TEST

START_TEST(test_exponential)
{
    TorchRng g;
    rng_seed(&g, LECTURE_SEED);
    float got[27];
    rng_exponential(&g, got, 5);
    const float want[5] = {1.09371841f, 1.85443699f, 1.28573799f, 0.0597247481f, 0.0663871914f};
    expect_floats_exact(got, want, 5, "empty(5).exponential_(1)");
    rng_seed(&g, LECTURE_SEED);
    rng_exponential(&g, got, 27);
    expect_consumed(&g, LECTURE_SEED, 54, "exponential_ on 27 values advances 54 words");
}
END_TEST

START_TEST(test_race_softmax)
{
    /* p = softmax(randn(27)); torch's own softmax uses SLEEF's expf, so this
     * p may differ from torch's in a last bit, but the race's winners are not
     * that close: the test is about the stream and the argmax rule. */
    TorchRng g;
    float x[27], p[27]; /* [V] */
    rng_seed(&g, LECTURE_SEED);
    rng_randn(&g, x, 27);
    float mx = x[0];
    for (int j = 1; j < 27; j++)
        mx = x[j] > mx ? x[j] : mx;
    float s = 0.0f;
    for (int j = 0; j < 27; j++) {
        p[j] = expf(x[j] - mx); /* subtract the max so exp cannot overflow */
        s += p[j];
    }
    for (int j = 0; j < 27; j++)
        p[j] = p[j] / s;
    rng_seed(&g, LECTURE_SEED + 10u); /* the lectures' sampling seed */
    const int want[10] = {3, 2, 0, 16, 26, 8, 24, 17, 17, 12};
    int got[10];
    for (int i = 0; i < 10; i++)
        got[i] = rng_multinomial_race(&g, p, 27);
    expect_ints(got, want, 10, "ten multinomial(softmax(randn(27)), 1), seed 2147483657");
}
END_TEST

START_TEST(test_part1_demo)
{
    /* Part 1: p = torch.rand(3); p = p / p.sum();
     * torch.multinomial(p, num_samples=100, replacement=True) -> 61, 33, 6. */
    TorchRng g;
    rng_seed(&g, LECTURE_SEED);
    float p[3];
    rng_rand(&g, p, 3);
    float s = p[0] + p[1] + p[2];
    for (int j = 0; j < 3; j++)
        p[j] = p[j] / s;
    int ix[100], counts[3] = {0, 0, 0};
    ck_assert_int_eq(rng_multinomial_replacement(&g, p, 3, 100, ix), 0);
    for (int i = 0; i < 100; i++)
        counts[ix[i]]++;
    const int want[3] = {61, 33, 6};
    expect_ints(counts, want, 3, "counts of multinomial(p, 100, True)");
}
END_TEST

/* ---- CPython random ---------------------------------------------------- */

static void shuffled_prefix(int n, const int *want, int nwant, const char *what)
{
    PyRandom pr;
    int *x = malloc((size_t)n * sizeof *x);
    ck_assert_msg(x != NULL, "out of memory");
    for (int i = 0; i < n; i++)
        x[i] = i;
    pyrandom_seed(&pr, 42);
    pyrandom_shuffle_int(&pr, x, n);
    expect_ints(x, want, nwant, what);
    free(x);
}

START_TEST(test_python_random)
{
    /* random.seed(42); random.random() x3, the values every Python user has seen. */
    PyRandom pr;
    pyrandom_seed(&pr, 42);
    const double want_r[3] = {0.6394267984578837, 0.025010755222666936, 0.27502931836911926};
    for (int i = 0; i < 3; i++) {
        double got = pyrandom_random(&pr);
        ck_assert_msg(got == want_r[i], "random() #%d: got %.17g, expected %.17g", i + 1, got, want_r[i]);
    }

    const int w10[10] = {7, 3, 2, 8, 5, 6, 9, 4, 0, 1};
    shuffled_prefix(10, w10, 10, "seed(42); shuffle(range(10))");
    const int w32033[8] = {26785, 23366, 20900, 29382, 25333, 8234, 13378, 17579};
    shuffled_prefix(32033, w32033, 8, "seed(42); shuffle(range(32033)) first 8");
    const int w32257[8] = {12575, 29591, 17151, 23510, 27486, 25156, 11560, 7649};
    shuffled_prefix(32257, w32257, 8, "seed(42); shuffle(range(32257)) first 8");
}
END_TEST

int main(int argc, char **argv)
{
    /* A local array: Check's test handles are pointer variables, which C does
     * not accept in a static initializer. */
    const HarnessStep steps[] = {
        {"core.rng.1", "manual_seed: reference MT19937 stream", test_seed, 10},
        {"core.rng.2", "rand: the lecture's rand(3), rand(5)", test_rand, 10},
        {"core.rng.3", "randn(5): scalar Box-Muller path", test_randn_scalar, 10},
        {"core.rng.4", "randn's cache outlives the call", test_randn_cache, 10},
        {"core.rng.5", "randn(20): vector path, AVX2 kernel", test_randn_vector, 10},
        {"core.rng.6", "randn(17) draws 33 words (the tail)", test_randn_tail, 10},
        {"core.rng.7", "randn((27,10)): first row of C", test_randn_27x10, 10},
        {"core.rng.8", "MLP init: C, W1, b1, W2, b2 in order", test_mlp_init, 10},
        {"core.rng.9", "lab 02: randn((27,27)) sum 12.1954116", test_lab02_W, 10},
        {"core.rng.10", "randn libm kernel within 2e-6 of AVX2", test_randn_default_kernel, 10},
        {"core.rng.11", "randint: 32- vs 64-bit draws", test_randint, 10},
        {"core.rng.12", "multinomial with replacement (CDF)", test_multinomial_replacement, 10},
        {"core.rng.13", "multinomial(p, 1) without replacement", test_multinomial_race, 10},
        {"core.rng.14", "exponential_(1)", test_exponential, 10},
        {"core.rng.15", "race on softmax(randn(27)), seed +10", test_race_softmax, 10},
        {"core.rng.16", "part 1 demo: counts 61/33/6 of 100", test_part1_demo, 10},
        {"core.rng.17", "Python seed(42): random(), shuffle", test_python_random, 10},
    };
    return harness_main(argc, argv, "core.rng", steps, sizeof steps / sizeof steps[0]);
}
