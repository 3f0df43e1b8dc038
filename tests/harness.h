/**
 * @file harness.h
 * @brief The checklist runner every test suite of the kit uses.
 *
 * What it is: a thin layer over Check. A suite is an array of steps, each a
 * titled Check test with its own timeout; harness_main() runs every step in
 * its own forked process (so a segfault or an endless loop in a learner's
 * function is that step's failure and the run goes on), prints one checklist
 * line per step, the score, and a `next:` line pointing at the first
 * unfinished TODO. What it is not: a test framework of its own; assertions are
 * Check's, with the EXPECT_* helpers below printing got and expected.
 *
 * Flags of every test binary: `--step ID` (one step: `lab03.2` or just `2`),
 * `--src DIR` (where to look for the TODO of the next step), `--tap FILE`,
 * `--results FILE` (TSV for tools/), `--list`, `--verbose`.
 * Environment: CK_FORK=no runs in one process (for gdb),
 * CK_TIMEOUT_MULTIPLIER scales every timeout (sanitizer builds set it).
 */
#ifndef KIT_HARNESS_H
#define KIT_HARNESS_H

#include <check.h>
#include <math.h>
#include <stdio.h>

#include "kit.h"

/** One step of a suite: an id (`lab03.2`), a title a learner can read, the test, a timeout in seconds. */
typedef struct HarnessStep {
    const char *id;
    const char *title;
    const TTest *test;   /**< the name given to START_TEST */
    int timeout_s;
} HarnessStep;

/** A step as a constant initializer: HARNESS_STEP("lab03.2", "embedding lookup", test_embed, 10). */
#define HARNESS_STEP(id, title, test, timeout_s) { (id), (title), &test##_ttest, (timeout_s) }

/** @brief Run @p steps of suite @p suite as described above. @return the process exit status (0: all passed). */
int harness_main(int argc, char **argv, const char *suite, const HarnessStep *steps, int n);

/** @brief Print one evidence line from inside a test, e.g. `dW1 maxdiff 2.4e-07 (tol 1e-05) OK`. */
void harness_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/** Fail unless |got - want| <= tol; prints both (NaN always fails). */
#define EXPECT_NEAR(got, want, tol, what)                                                     \
    do {                                                                                      \
        double g_ = (double)(got), w_ = (double)(want), t_ = (double)(tol);                   \
        ck_assert_msg(fabs(g_ - w_) <= t_, "%s: got %.9g, expected %.9g (tol %g)", (what), g_, \
                      w_, t_);                                                                \
    } while (0)

/** Fail unless got == want (integers); prints both. */
#define EXPECT_INT_EQ(got, want, what)                                                        \
    do {                                                                                      \
        long long g_ = (long long)(got), w_ = (long long)(want);                              \
        ck_assert_msg(g_ == w_, "%s: got %lld, expected %lld", (what), g_, w_);               \
    } while (0)

/** Fail at the first element where |got[i] - want[i]| > tol; prints index, both values, how many differ. */
#define EXPECT_ARRAY_NEAR(got, want, n, tol, what) \
    harness_expect_array_near(__FILE__, __LINE__, (got), (want), (n), (tol), (what))
/** @cond INTERNAL */
void harness_expect_array_near(const char *file, int line, const float *got, const float *want,
                               long n, double tol, const char *what);
/** @endcond */

#endif /* KIT_HARNESS_H */
