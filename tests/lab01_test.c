/*
 * lab01_test.c: the checklist for lab 01 (the bigram model by counting), one
 * step per function you write in bigram.c, plus one for the heat map's numbers.
 *
 * What it is: each step calls your function on small inputs and on the real
 * data, and compares with numbers found another way: counted here with plain
 * loops, worked out by hand, or printed by the lecture. The lecture's samples
 * and NLL come from tests/fixtures/makemore_bigram_counts.txt, the 27x27
 * counts of makemore's names.txt (sampling and scoring need only the counts).
 * What it is not: a test of the driver (main.c) or of the core's generator
 * (tests/core_rng_test.c does that).
 *
 * Run: make check LAB=01 (your code), make test (the solution).
 */
#include <stdlib.h>
#include <string.h>

#include "bigram.h"
#include "data.h"      // words_load, stoi, VOCAB
#include "harness.h"
#include "kit.h"       // kit_last_failure
#include "rng.h"

#define LECTURE_SEED 2147483647u
#define FIXTURE "tests/fixtures/makemore_bigram_counts.txt"
#define NAMES "data/names.txt"

/* ---- helpers: everything the expectations are computed with ------------- */

/* Read the 27x27 committed counts (comment lines start with #). */
static void load_fixture_counts(int32_t N[VOCAB][VOCAB])
{
    FILE *f = fopen(FIXTURE, "r");
    ck_assert_msg(f != NULL, "cannot open %s. HINT: run the tests from the repository root (make check)", FIXTURE);
    char line[4096];
    int row = 0;
    while (row < VOCAB && fgets(line, sizeof line, f)) {
        if (line[0] == '#') continue;
        char *p = line;
        for (int j = 0; j < VOCAB; j++) {
            char *end;
            N[row][j] = (int32_t)strtol(p, &end, 10);
            ck_assert_msg(end != p, "%s: row %d has fewer than 27 numbers", FIXTURE, row);
            p = end;
        }
        row++;
    }
    fclose(f);
    ck_assert_msg(row == VOCAB, "%s: %d rows, expected 27", FIXTURE, row);
}

/* Count data/names.txt our own way: read the file line by line (not through
 * words_load), and add one per pair of '.' + line + '.'. */
static long count_names_file(int32_t N[VOCAB][VOCAB], int *nwords)
{
    memset(N, 0, sizeof(int32_t) * VOCAB * VOCAB);
    FILE *f = fopen(NAMES, "r");
    ck_assert_msg(f != NULL, "cannot open %s. HINT: run the tests from the repository root (make check)", NAMES);
    char line[256];
    long total = 0;
    *nwords = 0;
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (!line[0]) continue;
        (*nwords)++;
        int prev = 0;
        for (char *c = line; *c; c++) {
            int next = *c - 'a' + 1;
            N[prev][next]++, total++;
            prev = next;
        }
        N[prev][0]++, total++;
    }
    fclose(f);
    return total;
}

/* P = (N + k) / rowsum in float32, the expectation for bigram_probs and the
 * input of the sampling and NLL steps (so those do not depend on step 2). */
static void probs_reference(const int32_t N[VOCAB][VOCAB], float k, float P[VOCAB][VOCAB])
{
    for (int i = 0; i < VOCAB; i++) {
        float row = 0.0f;
        for (int j = 0; j < VOCAB; j++) row += (float)N[i][j] + k;
        for (int j = 0; j < VOCAB; j++) P[i][j] = ((float)N[i][j] + k) / row;
    }
}

/* The average NLL of some words under P, in double, straight from the definition. */
static double nll_reference(const float P[VOCAB][VOCAB], char *const *words, int n)
{
    double ll = 0;
    long count = 0;
    for (int w = 0; w < n; w++) {
        int prev = 0;
        for (const char *c = words[w]; *c; c++) {
            ll += log((double)P[prev][*c - 'a' + 1]);
            count++;
            prev = *c - 'a' + 1;
        }
        ll += log((double)P[prev][0]);
        count++;
    }
    return -ll / (double)count;
}

static void expect_counts_equal(const int32_t got[VOCAB][VOCAB], const int32_t want[VOCAB][VOCAB], const char *what)
{
    for (int i = 0; i < VOCAB; i++)
        for (int j = 0; j < VOCAB; j++)
            ck_assert_msg(got[i][j] == want[i][j], "%s: N['%c']['%c'] (N[%d][%d]) is %d, expected %d", what,
                          i ? 'a' + i - 1 : '.', j ? 'a' + j - 1 : '.', i, j, (int)got[i][j], (int)want[i][j]);
}

/* ---- lab01.1: count ------------------------------------------------------ */

START_TEST(test_count)
{
    // by hand: "emma" is .e em mm ma a.   "ava" is .a av va a.
    char *names[] = {"emma", "ava"};
    Words w = {names, 2, NULL};
    static int32_t N[VOCAB][VOCAB], want[VOCAB][VOCAB];
    for (int i = 0; i < VOCAB; i++)
        for (int j = 0; j < VOCAB; j++) N[i][j] = 7;   // garbage: your count must start from zero
    memset(want, 0, sizeof want);
    int e = stoi('e'), m = stoi('m'), a = stoi('a'), v = stoi('v');
    want[0][e] = 1; want[e][m] = 1; want[m][m] = 1; want[m][a] = 1; want[a][0] = 2;
    want[0][a] = 1; want[a][v] = 1; want[v][a] = 1;
    long total = bigram_count(&w, N);
    EXPECT_INT_EQ(total, 9, "bigrams in {emma, ava} (length + 1 per word)");
    expect_counts_equal(N, want, "{emma, ava}");

    // the shipped data: every cell against a count made here with plain loops
    Words all;
    ck_assert_msg(words_load(&all, NAMES) == 0, "%s", kit_last_failure());
    int nwords;
    static int32_t ref[VOCAB][VOCAB];
    long want_total = count_names_file(ref, &nwords);
    total = bigram_count(&all, N);
    EXPECT_INT_EQ(all.n, nwords, "words in data/names.txt");
    EXPECT_INT_EQ(total, want_total, "bigrams in data/names.txt");
    EXPECT_INT_EQ(total, 229804, "bigrams in data/names.txt");
    EXPECT_INT_EQ(N[0][1], 4438, "N['.']['a'] in data/names.txt");
    expect_counts_equal(N, ref, "data/names.txt");
    harness_note("data/names.txt: %ld bigrams, N['.']['a'] = %d, N['n']['.'] = %d", total, (int)N[0][1], (int)N[14][0]);
    words_free(&all);
}
END_TEST

/* P[i][j] against @p want; on a failure, the row of N it came from and the row
 * of P that came out (small inputs: 27 numbers each) */
static void expect_p(const float P[VOCAB][VOCAB], const int32_t N[VOCAB][VOCAB], float k, int i, int j, double want,
                     const char *what)
{
    if (fabs((double)P[i][j] - want) <= 0) return;
    char counts[512] = "", probs[512] = "";
    int len = 0, plen = 0;
    for (int c = 0; c < VOCAB; c++) {
        if (N[i][c]) len += snprintf(counts + len, sizeof counts - len, "%s[%d] = %d", len ? ", " : "", c, (int)N[i][c]);
        if (c < 6) plen += snprintf(probs + plen, sizeof probs - plen, "%s%.4g", c ? " " : "", P[i][c]);
    }
    ck_assert_msg(0, "%s: got %.9g, expected %.9g; from row %d of N with %s (every other count 0) and k = %g; "
                  "your row %d of P starts %s ...",
                  what, P[i][j], want, i, len ? counts : "no counts", k, i, probs);
}

/* ---- lab01.2: normalize -------------------------------------------------- */

START_TEST(test_probs)
{
    // a hand example: row 0 counts 1, 3 (rest 0); row 1 all zero; row 2 has 27 ones
    static int32_t N[VOCAB][VOCAB];
    static float P[VOCAB][VOCAB], want[VOCAB][VOCAB];
    memset(N, 0, sizeof N);
    N[0][0] = 1; N[0][1] = 3;
    for (int j = 0; j < VOCAB; j++) N[2][j] = 1;
    for (int j = 3; j < VOCAB; j++) N[3][j] = 1000 * j;   // a bigger row
    bigram_probs(N, 0.0f, P);
    expect_p(P, N, 0.0f, 0, 0, 0.25, "k=0: P[0][0] = 1/4");
    expect_p(P, N, 0.0f, 0, 1, 0.75, "k=0: P[0][1] = 3/4");
    expect_p(P, N, 0.0f, 0, 5, 0.0, "k=0: P[0][5] (never seen) = 0");
    expect_p(P, N, 0.0f, 2, 4, 1.0f / 27.0f, "k=0: P[2][4] = 1/27");
    bigram_probs(N, 1.0f, P);
    expect_p(P, N, 1.0f, 0, 0, 2.0f / 31.0f, "k=1: P[0][0] = (1+1)/(4+27)");
    expect_p(P, N, 1.0f, 0, 5, 1.0f / 31.0f, "k=1: P[0][5] = (0+1)/(4+27)");
    expect_p(P, N, 1.0f, 1, 9, 1.0f / 27.0f, "k=1: an all-zero row becomes uniform");
    probs_reference(N, 1.0f, want);
    EXPECT_ARRAY_NEAR(&P[0][0], &want[0][0], VOCAB * VOCAB, 2e-7, "k=1: P = (N+1)/rowsum, float32");
    bigram_probs(N, 0.5f, P);
    probs_reference(N, 0.5f, want);
    EXPECT_ARRAY_NEAR(&P[0][0], &want[0][0], VOCAB * VOCAB, 2e-7, "k=0.5: P = (N+0.5)/rowsum, float32");

    // the lecture's counts: P(first letter = a) printed as 0.1377 (cell [13])
    static int32_t L[VOCAB][VOCAB];
    load_fixture_counts(L);
    bigram_probs(L, 0.0f, P);
    EXPECT_NEAR(P[0][1], 0.1377, 5e-5, "lecture: P['.']['a'] without smoothing");
    for (int i = 0; i < VOCAB; i++) {
        double s = 0;
        for (int j = 0; j < VOCAB; j++) s += P[i][j];
        EXPECT_NEAR(s, 1.0, 1e-6, "a row of P sums to 1");
    }
    bigram_probs(L, 1.0f, P);
    probs_reference(L, 1.0f, want);
    EXPECT_ARRAY_NEAR(&P[0][0], &want[0][0], VOCAB * VOCAB, 2e-7, "lecture counts: P = (N+1)/rowsum");
}
END_TEST

/* ---- lab01.3: sample ----------------------------------------------------- */

START_TEST(test_sample)
{
    // a chain with no choice: '.' -> a -> b -> '.' gives "ab." and costs 3 draws of 2 words
    static float P[VOCAB][VOCAB];
    memset(P, 0, sizeof P);
    P[0][1] = 1.0f; P[1][2] = 1.0f; P[2][0] = 1.0f;
    for (int i = 3; i < VOCAB; i++) P[i][0] = 1.0f;
    TorchRng g, ref;
    rng_seed(&g, LECTURE_SEED);
    char name[64];
    int len = bigram_sample(P, &g, name, sizeof name);
    ck_assert_msg(strcmp(name, "ab.") == 0, "forced chain: got \"%s\", expected \"ab.\"", name);
    EXPECT_INT_EQ(len, 3, "length of \"ab.\"");
    rng_seed(&ref, LECTURE_SEED);
    for (int i = 0; i < 6; i++) (void)rng_u32(&ref);
    ck_assert_msg(rng_u32(&g) == rng_u32(&ref),
                  "3 characters must use exactly 3 draws (6 words): one rng_multinomial_replacement(P[ix], 1) per character");
    rng_seed(&g, LECTURE_SEED);
    len = bigram_sample(P, &g, name, 3);
    ck_assert_msg(len == 2 && strcmp(name, "ab") == 0, "cap 3: got \"%s\" (length %d), expected \"ab\" (length 2)", name, len);

    // the lecture's five names, from its counts, with and without +1 smoothing (cell [24])
    static int32_t N[VOCAB][VOCAB];
    load_fixture_counts(N);
    const char *want[5] = {"mor.", "axx.", "minaymoryles.", "kondlaisah.", "anchshizarie."};
    for (int k = 1; k >= 0; k--) {
        probs_reference(N, (float)k, P);
        rng_seed(&g, LECTURE_SEED);
        for (int s = 0; s < 5; s++) {
            bigram_sample(P, &g, name, sizeof name);
            ck_assert_msg(strcmp(name, want[s]) == 0, "lecture sample %d (k=%d): got \"%s\", expected \"%s\"", s + 1, k,
                          name, want[s]);
        }
    }
    harness_note("lecture counts, seed 2147483647: mor. axx. minaymoryles. kondlaisah. anchshizarie.");
}
END_TEST

/* ---- lab01.4: evaluate --------------------------------------------------- */

START_TEST(test_nll)
{
    // uniform P: every bigram costs ln 27
    static float P[VOCAB][VOCAB];
    for (int i = 0; i < VOCAB; i++)
        for (int j = 0; j < VOCAB; j++) P[i][j] = 1.0f / 27.0f;
    char *emma[] = {"emma"};
    long count = 0;
    EXPECT_NEAR(bigram_nll(P, emma, 1, &count), -log((double)(1.0f / 27.0f)), 1e-12, "uniform P: NLL = ln 27");
    EXPECT_INT_EQ(count, 5, "bigrams of \"emma\"");

    // the lecture's "andrejq": 'jq' never occurs, so it is impossible without smoothing
    static int32_t N[VOCAB][VOCAB];
    load_fixture_counts(N);
    char *andrejq[] = {"andrejq"};
    probs_reference(N, 0.0f, P);
    double nll0 = bigram_nll(P, andrejq, 1, &count);
    ck_assert_msg(isinf(nll0) && nll0 > 0, "\"andrejq\" without smoothing: got %g, expected +inf (P['j']['q'] = 0)", nll0);
    EXPECT_INT_EQ(count, 8, "bigrams of \"andrejq\"");
    probs_reference(N, 1.0f, P);
    double nll1 = bigram_nll(P, andrejq, 1, NULL);
    EXPECT_NEAR(nll1, nll_reference(P, andrejq, 1), 1e-9, "\"andrejq\" with +1 smoothing");
    EXPECT_NEAR(nll1, 3.4834, 5e-5, "\"andrejq\" with +1 smoothing, as the lecture printed");

    // the whole shipped dataset, float64 targets of the lecture's figures (ssa2018)
    Words all;
    ck_assert_msg(words_load(&all, NAMES) == 0, "%s", kit_last_failure());
    int nwords;
    static int32_t S[VOCAB][VOCAB];
    count_names_file(S, &nwords);
    probs_reference(S, 0.0f, P);
    double got0 = bigram_nll(P, all.words, all.n, &count);
    EXPECT_INT_EQ(count, 229804, "bigrams scored in data/names.txt");
    EXPECT_NEAR(got0, 2.4543953286, 1e-6, "average NLL of data/names.txt, unsmoothed");
    probs_reference(S, 1.0f, P);
    double got1 = bigram_nll(P, all.words, all.n, NULL);
    EXPECT_NEAR(got1, 2.4549509940, 1e-6, "average NLL of data/names.txt, +1 smoothing");
    harness_note("data/names.txt: NLL %.10f unsmoothed, %.10f with +1 (float64 targets 2.4543953286 / 2.4549509940)",
                 got0, got1);
    words_free(&all);
}
END_TEST

/* ---- figure: the count heat map ------------------------------------------ */

/* plots/lab01_counts.gp draws N as counts.tsv holds it. The numbers the
 * picture should show: for the lecture's data (the fixture: the lecture's
 * totals and darkest cell) and for the shipped data, through your count. */
START_TEST(test_fig_counts)
{
    static int32_t N[VOCAB][VOCAB], L[VOCAB][VOCAB];
    load_fixture_counts(L);
    long lt = 0;
    int seen = 0;
    for (int i = 0; i < VOCAB; i++)
        for (int j = 0; j < VOCAB; j++) lt += L[i][j], seen += L[i][j] > 0;
    EXPECT_INT_EQ(lt, 228146, "lecture: bigrams in the fixture");
    EXPECT_INT_EQ(seen, 627, "lecture: non-zero cells");
    EXPECT_INT_EQ(L[0][1], 4410, "lecture: N['.']['a']");
    EXPECT_INT_EQ(L[14][0], 6763, "lecture: N['n']['.'], the largest cell");

    Words all;
    ck_assert_msg(words_load(&all, NAMES) == 0, "%s", kit_last_failure());
    bigram_count(&all, N);
    int bi = 0, bj = 0;
    seen = 0;
    for (int i = 0; i < VOCAB; i++)
        for (int j = 0; j < VOCAB; j++) {
            seen += N[i][j] > 0;
            if (N[i][j] > N[bi][bj]) bi = i, bj = j;
        }
    EXPECT_INT_EQ(seen, 627, "data/names.txt: non-zero cells of the heat map");
    EXPECT_INT_EQ(bi * VOCAB + bj, 14 * VOCAB + 0, "data/names.txt: the darkest cell is 'n.' (row 14, col 0)");
    EXPECT_INT_EQ(N[14][0], 6808, "data/names.txt: N['n']['.']");
    EXPECT_INT_EQ(N[1][0], 6682, "data/names.txt: N['a']['.']");
    EXPECT_INT_EQ(N[0][0], 0, "no empty names: N['.']['.'] = 0");
    words_free(&all);
}
END_TEST

int main(int argc, char **argv)
{
    /* a local array: Check's test handles are pointer variables, which C does
     * not accept in a static initializer */
    const HarnessStep steps[] = {
        {"lab01.1", "count the bigrams into N", test_count, 20},
        {"lab01.2", "probabilities P with add-k smoothing", test_probs, 10},
        {"lab01.3", "sample names by walking the chain", test_sample, 10},
        {"lab01.4", "average negative log-likelihood", test_nll, 20},
        {"lab01.fig", "the numbers behind the count heat map", test_fig_counts, 20},
    };
    return harness_main(argc, argv, "lab01", steps, (int)(sizeof steps / sizeof steps[0]));
}
