#!/usr/bin/env bash
# tests/tools_test.sh: tests of the learner's commands: the checklist of
# `make check` (tools/check.sh + tests/harness.c) and the progress commands
# (tools/progress.sh: status, next, hint, reset, solution), plus tools/plots.sh,
# the Makefile's learner-facing behaviour (quiet, exit status, LAB/STEP checked,
# forwarding from a lab folder, rebuild on a new compiler, clean), make watch,
# make lecture-data, make deps' lists, that every step has a hint, and the
# report of tools/bench.sh (from raw lines with known figures).
#
# What it is: black-box tests that assert exact output and exit codes. They run
# in a scratch copy, never in the real tree: a temporary folder gets copies of
# tools/, tests/harness.*, common/kit.*, and a stand-in lab 98 (five steps whose
# learner code is made to pass, fail, crash, hang, or stay a TODO); a second
# scratch folder gets a copy of the real labs/ and solutions/ for reset and
# solution. The real labs/ is checksummed before and after: no test may touch it.
# What it is not: a test of the labs themselves (tests/labNN_test.c do that).
# Prints one line per assertion and `N passed, M failed`; exits 1 on any failure.
# Needs: a C compiler, Check (pkg-config check), gnuplot for the plots tests.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2
repo=$PWD
CC=${CC:-gcc}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export NO_COLOR=   # colour is decided by the tty test below, not by the caller
unset LAB STEP FROM GNUTERM B CK_FORK CK_TIMEOUT_MULTIPLIER CK_RUN_CASE CK_RUN_SUITE 2>/dev/null
# The make runs below are a learner's: not the calling make's flags and variables
# (make test V=1 LAB=..., or STRICT=1 from .ci/run).
unset MAKEFLAGS MFLAGS MAKELEVEL STRICT V MAINTAINER 2>/dev/null

pass=0; fail=0
ok()  { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; }
# expect_eq NAME GOT WANT: exact text, with a diff when it differs.
expect_eq() {
  if [ "$2" == "$3" ]; then ok "$1"; else
    bad "$1"; diff -u <(printf '%s\n' "$3") <(printf '%s\n' "$2") | sed -e '1,2d' -e 's/^/       /'
  fi
}
expect_rc() { if [ "$2" -eq "$3" ]; then ok "$1"; else bad "$1 (exit $2, expected $3)"; fi; }
expect_has() { if grep -q -F -- "$3" <<<"$2"; then ok "$1"; else bad "$1: no '$3' in:"; sed 's/^/       /' <<<"$2" | head -n 20; fi; }
expect_lacks() { if ! grep -q -F -- "$3" <<<"$2"; then ok "$1"; else bad "$1: '$3' should not be in the output"; fi; }
# Timings vary: (0.01s) becomes (T).
untime() { sed -E 's/\([0-9]+\.[0-9]{2}s\)/(T)/g'; }

labs_sum() { (cd "$repo" && find labs -type f -print0 | sort -z | xargs -0 sha256sum 2>/dev/null | sha256sum); }
before=$(labs_sum)

# ---- the scratch kit with the stand-in lab 98 -------------------------------------------
R=$tmp/kit
mkdir -p "$R/tools" "$R/tests" "$R/common" "$R/solutions/98_fake" "$R/labs/98_fake" "$R/plots"
cp tools/*.sh "$R/tools/"
cp tests/harness.c tests/harness.h "$R/tests/"
cp common/kit.c common/kit.h "$R/common/"

cat > "$R/solutions/98_fake/fake.h" <<'EOF'
/* fake.h: lab 98, a stand-in lab for tests/tools_test.sh. One function per step. */
#ifndef FAKE_H
#define FAKE_H
int fake_add(int a, int b);
int fake_mul(int a, int b);
int fake_read(const int *p);
int fake_loop(int n);
int fake_neg(int a);
#endif
EOF
cat > "$R/solutions/98_fake/fake.c" <<'EOF'
/* fake.c: lab 98, the learner's functions (a stand-in lab for the tool tests). */
#include "fake.h"
#include "kit.h"

/* lab98.1: add */
int fake_add(int a, int b)
{
#if !SKELETON /* lab98.1 */
    return a + b;
#else
    // TODO(lab98.1): return the sum of a and b,
    // as plain ints.
    (void)a; (void)b;
    KIT_TODO("lab98.1", "the sum");
#endif
}

/* lab98.2: multiply */
int fake_mul(int a, int b)
{
#if !SKELETON /* lab98.2 */
    return a * b;
#else
    // TODO(lab98.2): return the product of a and b.
    (void)a; (void)b;
    KIT_TODO("lab98.2", "the product");
#endif
}

/* lab98.3: read */
int fake_read(const int *p)
{
#if !SKELETON /* lab98.3 */
    return p ? *p : 0;
#else
    // TODO(lab98.3): return *p, or 0 when p is NULL.
    (void)p;
    KIT_TODO("lab98.3", "the read");
#endif
}

/* lab98.4: loop */
int fake_loop(int n)
{
#if !SKELETON /* lab98.4 */
    int s = 0;
    for (int i = 0; i < n; i++) s += i;
    return s;
#else
    // TODO(lab98.4): return 0 + 1 + ... + (n - 1).
    (void)n;
    KIT_TODO("lab98.4", "the loop");
#endif
}

/* lab98.5: negate */
int fake_neg(int a)
{
#if !SKELETON /* lab98.5 */
    return -a;
#else
    // TODO(lab98.5): return minus a.
    (void)a;
    KIT_TODO("lab98.5", "the negation");
#endif
}
EOF
cat > "$R/solutions/98_fake/main.c" <<'EOF'
/* main.c: lab 98's driver (a stand-in for the tool tests). */
#include <stdio.h>
#include "fake.h"
int main(void) { printf("%d\n", fake_add(1, 2)); return 0; }
EOF
cat > "$R/tests/lab98_test.c" <<'EOF'
/* lab98_test.c: the stand-in lab's suite for tests/tools_test.sh. */
#include "harness.h"
#include "fake.h"
START_TEST(t_add) { EXPECT_INT_EQ(fake_add(2, 3), 5, "fake_add(2, 3)"); } END_TEST
START_TEST(t_mul) { EXPECT_INT_EQ(fake_mul(2, 3), 6, "fake_mul(2, 3)"); } END_TEST
START_TEST(t_read)
{
    int x = 7;
    EXPECT_INT_EQ(fake_read(&x), 7, "fake_read(&x)");
    EXPECT_INT_EQ(fake_read(NULL), 0, "fake_read(NULL)");
}
END_TEST
START_TEST(t_loop) { EXPECT_INT_EQ(fake_loop(5), 10, "fake_loop(5)"); } END_TEST
START_TEST(t_neg) { harness_note("fake_neg(4) is %d", fake_neg(4)); EXPECT_INT_EQ(fake_neg(4), -4, "fake_neg(4)"); } END_TEST
int main(int argc, char **argv)
{
    const HarnessStep steps[] = {
        {"lab98.1", "add two numbers", t_add, 5},
        {"lab98.2", "multiply two numbers", t_mul, 5},
        {"lab98.3", "read through a pointer", t_read, 5},
        {"lab98.4", "sum in a loop", t_loop, 1},
        {"lab98.5", "negate", t_neg, 5},
    };
    return harness_main(argc, argv, "lab98", steps, sizeof steps / sizeof steps[0]);
}
EOF
# The learner's attempt: 1 right, 2 wrong, 3 crashes on NULL, 4 never ends, 5 untouched.
cat > "$tmp/attempt.c" <<'EOF'
/* fake.c: lab 98, the learner's functions (a stand-in lab for the tool tests). */
#include "fake.h"
#include <stdio.h>
#include "kit.h"

/* lab98.1: add */
int fake_add(int a, int b)
{
    return a + b;
}

/* lab98.2: multiply */
int fake_mul(int a, int b)
{
    return a + b;
}

/* lab98.3: read */
int fake_read(const int *p)
{
    printf("reading %s\n", p ? "a number" : "NULL");
    return *(volatile const int *)p;
}

/* lab98.4: loop */
int fake_loop(int n)
{
    volatile int s = 0;
    for (int i = 0; i < n; i += 0) s += i;
    return s;
}

/* lab98.5: negate */
int fake_neg(int a)
{
    // TODO(lab98.5): return minus a.
    (void)a;
    KIT_TODO("lab98.5", "the negation");
}
EOF
cat > "$R/labs/98_fake/README.md" <<'EOF'
# Lab 98: a stand-in lab

Some words.

## lab98.1: add

Add them.

## lab98.2 multiply {#mul}

Multiply them.
EOF
cat > "$R/labs/98_fake/HINTS.md" <<'EOF'
# Hints for lab 98

## lab98.1

A nudge: what does `+` do?

---

More concrete: one `return` line,
with a plus in it.

---

Almost there: add a and b.

## lab98.2

Only one tier here.
EOF

(cd "$R" && bash tools/skeleton.sh > /dev/null) || bad "tools/skeleton.sh makes the scratch lab"
# build: compile the stand-in lab's suite against labs/98_fake, as the Makefile would.
build() {
  mkdir -p "$R/build/bin/labs/98_fake"
  (cd "$R" && $CC -std=c11 -Wall -Wextra -Werror -O0 -g -Icommon -Itests -Ilabs/98_fake $(pkg-config --cflags check) \
      tests/lab98_test.c labs/98_fake/fake.c tests/harness.c common/kit.c $(pkg-config --libs check) -lm \
      -o build/bin/labs/98_fake/lab98_test) || { bad "the stand-in lab compiles"; return 1; }
}
run() { (cd "$R" && env "$@") 2>&1; }   # run VAR=value... command: in the scratch kit, stdout+stderr

echo "== make check on a fresh skeleton"
build
got=$(run LAB=98 bash tools/check.sh); rc=$?
expect_rc "check: a fresh skeleton fails" $rc 1
expect_eq "check: a fresh skeleton's checklist and next: line" "$(untime <<<"$got")" "
lab 98: a stand-in lab   (labs/98_fake/)
  lab98.1  add two numbers ............................... TODO (not written yet)
  lab98.2  multiply two numbers .......................... TODO (not written yet)
  lab98.3  read through a pointer ........................ TODO (not written yet)
  lab98.4  sum in a loop ................................. TODO (not written yet)
  lab98.5  negate ........................................ TODO (not written yet)

Score: 0/5
next: lab98.1  add two numbers  at labs/98_fake/fake.c:11
      TODO(lab98.1): return the sum of a and b, as plain ints.
      read:   labs/98_fake/README.md:5  (lab98.1: add)
      stuck?  make hint LAB=98 STEP=1
      rerun:  make check LAB=98 STEP=1"
expect_eq "check: line 11 is the stub's KIT_TODO, the line the lab binary names" "$(sed -n 11p "$R/labs/98_fake/fake.c")" '    KIT_TODO("lab98.1", "the sum");'

echo "== make check on an attempt: OK, FAIL, CRASH, TIMEOUT, TODO"
cp "$tmp/attempt.c" "$R/labs/98_fake/fake.c"
build
got=$(run LAB=98 bash tools/check.sh); rc=$?
expect_rc "check: exits 1 while anything fails" $rc 1
expect_eq "check: one line per step, reasons under them, score, next:, debug help" "$(untime <<<"$got")" "
lab 98: a stand-in lab   (labs/98_fake/)
  lab98.1  add two numbers ............................... OK (T)
  lab98.2  multiply two numbers .......................... FAIL
           fake_mul(2, 3): got 5, expected 6   [tests/lab98_test.c:5]
  lab98.3  read through a pointer ........................ CRASH (SIGSEGV)
           the step crashed: a bad index, a NULL pointer, or memory used after it was freed?
           reading a number
           reading NULL
  lab98.4  sum in a loop ................................. TIMEOUT
           did not finish within 1s: an endless loop, or far too much work? (to see where: make check says how to run it under gdb; press Ctrl-C, then type bt)
  lab98.5  negate ........................................ TODO (not written yet)

Score: 1/5
next: lab98.2  multiply two numbers  at labs/98_fake/fake.c:12
      FAIL: fake_mul(2, 3): got 5, expected 6
      read:   labs/98_fake/README.md:9  (lab98.2 multiply)
      stuck?  make hint LAB=98 STEP=2
      rerun:  make check LAB=98 STEP=2
lab98.3 crashed. Where it crashed is not always where memory went wrong (a write past an
      array, even in an earlier function this step calls, breaks things later). The line that did it:
      make SANITIZE=1 check LAB=98 STEP=3      (AddressSanitizer names the file:line of the bad access)
      or under the debugger: CK_FORK=no gdb -ex run --args build/bin/labs/98_fake/lab98_test --step lab98.3
      then type bt at the crash (make DEBUG=1 check builds it unoptimised)"
expect_lacks "check: no colour when stdout is not a terminal" "$got" $'\033['
tsv=$(cut -f1,2,4,5 "$R/build/check/lab98.tsv")
expect_eq "check: build/check/lab98.tsv, one record per step" "$tsv" "lab98.1	OK	add two numbers	
lab98.2	FAIL	multiply two numbers	fake_mul(2, 3): got 5, expected 6
lab98.3	CRASH	read through a pointer	SIGSEGV: Received signal 11 (Segmentation fault)
lab98.4	TIMEOUT	sum in a loop	Test timeout expired
lab98.5	TODO	negate	TODO(lab98.5) is not done yet: the negation. Open labs/98_fake/fake.c:38, write it, then run: make check LAB=98"
tap=$(grep -E '^(TAP|1\.\.|ok|not ok)' "$R/build/check/lab98.tap")
expect_eq "check: build/check/lab98.tap is TAP 13, once (no duplicate from the forked steps)" "$tap" "TAP version 13
1..5
ok 1 - lab98.1 add two numbers
not ok 2 - lab98.2 multiply two numbers
not ok 3 - lab98.3 read through a pointer
not ok 4 - lab98.4 sum in a loop
not ok 5 - lab98.5 negate"
expect_has "check: TAP carries the reason" "$(cat "$R/build/check/lab98.tap")" '  message: "fake_mul(2, 3): got 5, expected 6"'

echo "== narrowing: STEP, bad LAB, bad STEP"
got=$(run LAB=98 STEP=2 bash tools/check.sh); rc=$?
expect_rc "check STEP=2: fails" $rc 1
expect_eq "check STEP=2: only that step" "$(untime <<<"$got" | sed -n 2,6p)" "lab 98: a stand-in lab   (labs/98_fake/)
  lab98.2  multiply two numbers .......................... FAIL
           fake_mul(2, 3): got 5, expected 6   [tests/lab98_test.c:5]

Score: 0/1"
expect_eq "check STEP=2: writes lab98-step.tsv, keeps the whole-lab lab98.tsv" "$(wc -l < "$R/build/check/lab98-step.tsv") $(wc -l < "$R/build/check/lab98.tsv")" "1 5"
got=$(run LAB=98 STEP=1 bash tools/check.sh); rc=$?
expect_rc "check STEP=1: a passing step exits 0" $rc 0
expect_eq "check STEP=1: says how to run the whole lab" "$(tail -n 1 <<<"$got")" "lab98.1 passes. The whole lab: make check LAB=98"
got=$(run LAB=lab98 STEP=lab98.1 bash tools/check.sh); rc=$?
expect_rc "check LAB=lab98 STEP=lab98.1: the long forms work" $rc 0
got=$(run LAB=7 bash tools/check.sh); rc=$?
expect_rc "check LAB=7: no such lab exits 2" $rc 2
expect_eq "check LAB=7: one line with an example" "$got" "make check: there is no lab '7'. e.g. make check LAB=01   (the labs: 98_fake)"
got=$(run STEP=2 bash tools/check.sh); rc=$?
expect_rc "check STEP without LAB exits 2" $rc 2
expect_eq "check STEP without LAB: one line" "$got" "make check: STEP=2 needs a lab too, e.g. make check LAB=01 STEP=2"
got=$(run LAB=98 STEP=9 bash tools/check.sh); rc=$?
expect_rc "check STEP=9: exits 2" $rc 2
expect_eq "check STEP=9: one line, that there is no such step" "$got" "make check: lab 98 has no step 9. Its steps: 1 2 3 4 5"

echo "== colour on a terminal only"
got=$(cd "$R" && LAB=98 STEP=1 script -qec "bash tools/check.sh" /dev/null 2>&1)
expect_has "check on a tty: OK in green" "$got" $'\033[32mOK\033[0m'
got=$(cd "$R" && NO_COLOR=1 LAB=98 STEP=1 script -qec "bash tools/check.sh" /dev/null 2>&1)
expect_lacks "check on a tty with NO_COLOR=1: plain" "$got" $'\033['

echo "== the harness on its own"
got=$(cd "$R" && build/bin/labs/98_fake/lab98_test --list)
expect_eq "harness --list: id and title" "$got" "lab98.1	add two numbers
lab98.2	multiply two numbers
lab98.3	read through a pointer
lab98.4	sum in a loop
lab98.5	negate"
got=$(cd "$R" && build/bin/labs/98_fake/lab98_test --src labs/98_fake --step 3 2>&1 | untime); rc=$?
expect_eq "harness --step 3: line, reason, score, next:, debug help" "$got" "  lab98.3  read through a pointer ........................ CRASH (SIGSEGV)
           the step crashed: a bad index, a NULL pointer, or memory used after it was freed?
           reading a number
           reading NULL
Score: 0/1
next: lab98.3  read through a pointer
      Received signal 11 (Segmentation fault)
      rerun just this step: make check LAB=98 STEP=3
      a crash: the line that did it: make SANITIZE=1 check LAB=98 STEP=3
      a crash or hang: debug it in one process: CK_FORK=no gdb -ex run --args build/bin/labs/98_fake/lab98_test --step lab98.3 (a hang: Ctrl-C, then bt)"
got=$(cd "$R" && build/bin/labs/98_fake/lab98_test --bogus 2>&1); rc=$?
expect_rc "harness: an unknown flag exits 2" $rc 2

echo "== make status and make next"
got=$(run bash tools/progress.sh status); rc=$?
expect_rc "status: exits 0" $rc 0
expect_eq "status: the table" "$got" "lab  title                                done   next      state   what
98   a stand-in lab                       1/5    lab98.2   FAIL    multiply two numbers

Total: 1/5 steps
next: lab98.2   (make next says where; make check LAB=98 shows why)"
got=$(run bash tools/progress.sh next); rc=$?
expect_rc "next: exits 0" $rc 0
expect_eq "next: the step, where, why, what to read" "$got" "next: lab98.2  multiply two numbers   (lab 98: 1/5 steps done)
  labs/98_fake/fake.c:12
    last check: FAIL: fake_mul(2, 3): got 5, expected 6
  read:   labs/98_fake/README.md:9  (lab98.2 multiply)
  check:  make check LAB=98 STEP=2
  stuck?  make hint LAB=98 STEP=2"
# status reruns the suite when the results are older than the learner's files
sleep 1
(cd "$R" && bash tools/skeleton.sh --to "$tmp/sk" > /dev/null && cp "$tmp/sk/98_fake/fake.c" labs/98_fake/fake.c)
build
got=$(run bash tools/progress.sh status | sed -n 2p)
expect_eq "status: fresh results after the files changed" "$got" "98   a stand-in lab                       0/5    lab98.1   TODO    add two numbers"
got=$(run bash tools/progress.sh next)
expect_eq "next: a TODO step shows its TODO text" "$got" "next: lab98.1  add two numbers   (lab 98: 0/5 steps done)
  labs/98_fake/fake.c:11
    TODO(lab98.1): return the sum of a and b, as plain ints.
  read:   labs/98_fake/README.md:5  (lab98.1: add)
  check:  make check LAB=98 STEP=1
  stuck?  make hint LAB=98 STEP=1"

echo "== make hint"
got=$(run LAB=98 STEP=1 bash tools/progress.sh hint); rc=$?
expect_rc "hint 1: exits 0" $rc 0
expect_eq "hint 1: the nudge, and how many remain" "$got" "lab98.1: hint 1 of 3

  A nudge: what does \`+\` do?

2 more hints for this step: run make hint LAB=98 STEP=1 again."
expect_eq "hint: the tier reached is kept in build/hints/lab98.1" "$(cat "$R/build/hints/lab98.1")" "1"
got=$(run LAB=98 STEP=1 bash tools/progress.sh hint)
expect_eq "hint 2: asking again gives the next tier" "$got" "lab98.1: hint 2 of 3

  More concrete: one \`return\` line,
  with a plus in it.

1 more hint for this step: run make hint LAB=98 STEP=1 again."
got=$(run LAB=98 STEP=1 bash tools/progress.sh hint)
expect_eq "hint 3: the last tier says so, and what else to do" "$got" "lab98.1: hint 3 of 3

  Almost there: add a and b.

That was the last hint for lab98.1.
Still stuck? Reread labs/98_fake/README.md:5 (lab98.1: add), or compare with the solution: make solution LAB=98
(to start these hints over: rm build/hints/lab98.1)"
got=$(run LAB=98 STEP=1 bash tools/progress.sh hint)
expect_eq "hint 4: the last tier again, never more" "$(head -n 3 <<<"$got")" "lab98.1: hint 3 of 3 (the last one, again)

  Almost there: add a and b."
expect_lacks "hint: never shows the solution's code" "$got" "return a + b"
got=$(run LAB=98 STEP=2 bash tools/progress.sh hint)
expect_has "hint: another step has its own count" "$got" "lab98.2: hint 1 of 1"
got=$(run LAB=98 STEP=lab98.2 bash tools/progress.sh hint)
expect_has "hint STEP=lab98.2: the long form works" "$got" "lab98.2: hint 1 of 1 (the last one, again)"
got=$(run LAB=98 STEP=4 bash tools/progress.sh hint); rc=$?
expect_rc "hint for a step without hints exits 2" $rc 2
expect_eq "hint for a step without hints: says which have them" "$got" "make hint: labs/98_fake/HINTS.md has no hints for lab98.4. Steps with hints: lab98.1 lab98.2."
got=$(run STEP=2 bash tools/progress.sh hint); rc=$?
expect_rc "hint with a STEP but no LAB exits 2" $rc 2
expect_eq "hint with a STEP but no LAB: a one-line error with an example" "$got" "make hint: which lab? e.g. make hint LAB=03 STEP=2   (the labs: 98_fake)"
got=$(run LAB=98 bash tools/progress.sh hint)
expect_has "hint without STEP: the lab's first unfinished step" "$got" "(the next step is lab98.1; another one: make hint LAB=98 STEP=N)"
got=$(run bash tools/progress.sh hint)
expect_has "hint without LAB and STEP: the next step's hint" "$got" "(the next step is lab98.1; another one: make hint LAB=98 STEP=N)"

echo "== make solution"
cp "$tmp/attempt.c" "$R/labs/98_fake/fake.c"
got=$(run LAB=98 bash tools/progress.sh solution); rc=$?
expect_rc "solution: exits 0" $rc 0
expect_eq "solution: a warning, then the diff of the learner's code against the solution (markers and stubs resolved)" "$(head -n 23 <<<"$got")" "A look at the solution of lab 98. That is fine when you are really stuck,
but you learn the most by finding it yourself: make hint LAB=98 STEP=N first?
Below: diff -u of your files (-) against the solution's (+).

--- labs/98_fake/fake.c (yours)
+++ solutions/98_fake/fake.c (solution)
@@ -1,6 +1,5 @@
 /* fake.c: lab 98, the learner's functions (a stand-in lab for the tool tests). */
 #include \"fake.h\"
-#include <stdio.h>
 #include \"kit.h\"
 
 /* lab98.1: add */
@@ -12,28 +11,25 @@
 /* lab98.2: multiply */
 int fake_mul(int a, int b)
 {
-    return a + b;
+    return a * b;
 }
 
 /* lab98.3: read */
 int fake_read(const int *p)"
expect_lacks "solution: no skeleton markers in the solution's side" "$got" "#if !SKELETON"
got=$(run bash tools/progress.sh solution); rc=$?
expect_rc "solution without LAB exits 2" $rc 2
expect_eq "solution without LAB: one line" "$got" "make solution: which lab? e.g. make solution LAB=03   (the labs: 98_fake)"

echo "== make reset"
got=$(run LAB=98 bash tools/progress.sh reset); rc=$?
expect_rc "reset: exits 0" $rc 0
backup=$(cd "$R" && ls -d build/backup/*/98_fake)
expect_eq "reset: says what it saved where, and how to get it back" "$got" "Saved your files of lab 98 in $backup/: fake.c main.c fake.h
Restored labs/98_fake/ from the skeleton: fake.c main.c fake.h (README.md and HINTS.md untouched).
To get your version back:  cp $backup/* labs/98_fake/
(make clean keeps build/backup/; rm -rf build would delete it.)"
if [[ $backup =~ ^build/backup/[0-9]{8}-[0-9]{6}/98_fake$ ]]; then ok "reset: the backup folder is build/backup/<timestamp>/98_fake"; else bad "reset: backup folder $backup"; fi
if cmp -s "$R/$backup/fake.c" "$tmp/attempt.c"; then ok "reset: the backup holds the learner's file"; else bad "reset: the backup differs from the learner's file"; fi
if cmp -s "$R/labs/98_fake/fake.c" "$tmp/sk/98_fake/fake.c"; then ok "reset: labs/98_fake/fake.c is the skeleton again"; else bad "reset: fake.c is not the skeleton"; fi
expect_has "reset: README.md untouched" "$(cat "$R/labs/98_fake/README.md")" "# Lab 98: a stand-in lab"
got=$(run LAB=98 bash tools/progress.sh reset)
expect_eq "reset twice: nothing to do, nothing saved" "$got" "labs/98_fake/ is already the skeleton: nothing to reset, nothing saved."
expect_eq "reset twice: still one backup" "$(cd "$R" && ls -d build/backup/*/98_fake | wc -l)" "1"
got=$(run LAB=42 bash tools/progress.sh reset); rc=$?
expect_rc "reset LAB=42 exits 2" $rc 2
expect_eq "reset LAB=42: one line" "$got" "make reset: there is no lab '42'. e.g. make reset LAB=03   (the labs: 98_fake)"
(cd "$R" && cp "$backup"/* labs/98_fake/)
if cmp -s "$R/labs/98_fake/fake.c" "$tmp/attempt.c"; then ok "reset: the printed command brings the learner's version back"; else bad "reset: restoring from the backup"; fi

echo "== all steps pass"
cp "$R/solutions/98_fake/fake.c" "$R/labs/98_fake/fake.c"
build
got=$(run LAB=98 bash tools/check.sh); rc=$?
expect_rc "check: exits 0 when every step passes" $rc 0
expect_eq "check: the score and the last word" "$(tail -n 9 <<<"$got" | untime)" "  lab98.1  add two numbers ............................... OK (T)
  lab98.2  multiply two numbers .......................... OK (T)
  lab98.3  read through a pointer ........................ OK (T)
  lab98.4  sum in a loop ................................. OK (T)
  lab98.5  negate ........................................ OK (T)
           fake_neg(4) is -4

Score: 5/5
Every step of lab 98 passes. Look at your figures: make lab98, then make plots."
got=$(run bash tools/progress.sh next)
expect_eq "next: nothing left" "$got" "Nothing left to do: every step with a test passes. Figures: make plots; the site: make docs."

echo "== make plots"
if command -v gnuplot > /dev/null; then
  cat > "$R/plots/lab98_loss.gp" <<'EOF'
# figure: training loss of the stand-in lab
# data: loss.tsv
# made-by: make lab98-solution ARGS="--steps 10"
set title "loss falls, then flattens"
set xlabel "step"
set ylabel "loss"
plot dir.'/loss.tsv' using 1:2 with lines title 'loss'
EOF
  cat > "$R/plots/lab98_other.gp" <<'EOF'
# figure: a figure without data
# data: other.tsv
# made-by: make lab98-solution ARGS="other"
plot dir.'/other.tsv' using 1:2 with lines
EOF
  mkdir -p "$R/build/out/lab98-solution" "$R/build/out/lab98"
  printf '# step loss lr\n0\t3.3\t0.1\n1\t2.9\t0.1\n2\t2.7\t0.1\n' > "$R/build/out/lab98-solution/loss.tsv"
  printf '# step loss lr\n0\t3.1\t0.1\n1\t2.8\t0.1\n2\t2.6\t0.1\n' > "$R/build/out/lab98/loss.tsv"
  rm -f "$R/build/check/lab98.tsv"
  got=$(run bash tools/plots.sh); rc=$?
  expect_rc "plots: a skipped figure is not a failure" $rc 0
  expect_eq "plots: solution's data while the lab does not pass; the skipped figure names its command" "$got" "lab 98: the solution's data (build/out/lab98-solution): your lab 98 does not pass make check LAB=98 yet
  made build/plots/lab98_loss.png and .svg: training loss of the stand-in lab (data: solution, lab 98)
  skip lab98_other (a figure without data): no build/out/lab98-solution/other.tsv. Make it with: make lab98-solution ARGS=\"other\"

make plots: 1 figure in build/plots/ (PNG and SVG), 0 from your runs and 1 from the solutions'; 1 skipped (data missing), 0 failed.
  the skipped ones: run the command named above, then make plots again.
  next: look at them (any image viewer, or make docs: they are in each lab's page)."
  if [ "$(head -c 8 "$R/build/plots/lab98_loss.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ]; then ok "plots: the PNG is a PNG"; else bad "plots: lab98_loss.png is not a PNG"; fi
  expect_has "plots: the SVG is an SVG" "$(head -c 400 "$R/build/plots/lab98_loss.svg")" "<svg"
  expect_has "plots: the figure says whose data" "$(cat "$R/build/plots/lab98_loss.svg")" "data: solution, lab 98"
  expect_eq "plots: sources.tsv" "$(cat "$R/build/plots/sources.tsv")" "lab98_loss	solution	build/out/lab98-solution	training loss of the stand-in lab"
  run LAB=98 bash tools/check.sh > /dev/null
  got=$(run bash tools/plots.sh | head -n 2)
  expect_eq "plots: the learner's data once the lab passes" "$got" "lab 98: your data (build/out/lab98)
  made build/plots/lab98_loss.png and .svg: training loss of the stand-in lab (data: your lab 98)"
  got=$(run FROM=solutions bash tools/plots.sh | head -n 1)
  expect_eq "plots FROM=solutions: the solution's data" "$got" "  made build/plots/lab98_loss.png and .svg: training loss of the stand-in lab (data: solution, lab 98)"
  got=$(run GNUTERM=dumb bash tools/plots.sh); rc=$?
  expect_rc "plots GNUTERM=dumb: exits 0" $rc 0
  expect_has "plots GNUTERM=dumb: draws in the terminal" "$got" "loss falls, then flattens"
  expect_has "plots GNUTERM=dumb: the summary says so" "$got" "1 figure drawn in the terminal"
  got=$(run FROM=mine bash tools/plots.sh); rc=$?
  expect_rc "plots FROM=mine: exits 2" $rc 2
  printf 'plot dir.'"'"'/loss.tsv'"'"' using 1:2 with lines title foo(\n' > "$R/plots/lab98_broken.gp"
  got=$(run FROM=solutions bash tools/plots.sh); rc=$?
  expect_rc "plots: a broken script fails the run" $rc 1
  expect_has "plots: a broken script is named" "$got" "fail lab98_broken: gnuplot stopped with an error (the script plots/lab98_broken.gp needs a fix):"
  rm -f "$R/plots/lab98_broken.gp"
else
  echo "skip the plots tests: gnuplot is not installed"
fi

# ---- a scratch copy of the real labs: reset and solution on each ------------------------
echo "== reset and solution on a scratch copy of the real labs"
K=$tmp/real
mkdir -p "$K"
cp -r tools solutions labs "$K/"
# the code in labs/ is generated (make skeletons); make sure the scratch copy has it
(cd "$K" && bash tools/skeleton.sh > /dev/null) || bad "tools/skeleton.sh on the scratch copy of the real labs"
for d in $(cd "$K" && ls -d solutions/[0-9][0-9]_*/ 2>/dev/null); do
  d=$(basename "$d"); n=${d%%_*}
  c=$(cd "$K/solutions/$d" && grep -l 'TODO(lab' *.c 2>/dev/null | head -n 1)
  [ -n "$c" ] && [ -f "$K/labs/$d/$c" ] || continue
  echo "/* my attempt at lab $n */" >> "$K/labs/$d/$c"
  got=$(cd "$K" && LAB=$n bash tools/progress.sh solution)
  expect_has "real lab $n: solution shows the learner's change" "$got" "-/* my attempt at lab $n */"
  expect_lacks "real lab $n: solution shows no markers" "$got" "+#if !SKELETON"
  got=$(cd "$K" && LAB=$n bash tools/progress.sh reset); rc=$?
  expect_rc "real lab $n: reset exits 0" $rc 0
  expect_has "real lab $n: reset says where it saved" "$got" "Saved your files of lab $n in build/backup/"
  if (cd "$K" && bash tools/skeleton.sh --check > /dev/null 2>&1); then ok "real lab $n: after reset, labs/ is in sync with the skeleton"
  else bad "real lab $n: after reset labs/ differs from the skeleton"; fi
done

# ---- issue 20: verdicts that must not lie (exit(0), signals, a suite that stops) ----------
echo "== crashes by kind, exit(0) in a step, a suite that does not finish"
cat > "$R/labs/98_fake/fake.c" <<'EOF'
/* fake.c: lab 98 with a step that exits, one that divides by zero, one that aborts, one that recurses forever. */
#include "fake.h"
#include <stdlib.h>
#include "kit.h"
int fake_add(int a, int b) { (void)a; (void)b; exit(0); }
int fake_mul(int a, int b) { volatile int z = 0; return a * b / z; }
int fake_read(const int *p) { (void)p; abort(); }
int fake_loop(int n)
{
    volatile char pad[4096];
    pad[0] = (char)n;
    if (pad[0] != 7 || n >= 0) return fake_loop(n + 1) + pad[0];
    return 0;
}
int fake_neg(int a) { return -a; }
EOF
build
got=$(run LAB=98 bash tools/check.sh | untime); rc=$?
expect_has "check: exit(0) inside a step is not a pass" "$got" "lab98.1  add two numbers ............................... CRASH (exited early)"
expect_has "check: exit(0) says what happened" "$got" "the step ended the program before it finished: exit() or abort() in a function the test calls?"
expect_has "check: SIGFPE has its own words" "$got" "CRASH (SIGFPE)
           the step crashed (SIGFPE): an integer division or remainder by zero?"
expect_has "check: SIGABRT has its own words" "$got" "CRASH (SIGABRT)
           the step aborted (SIGABRT): a failed assert()"
expect_has "check: a stack overflow has its own words" "$got" "CRASH (stack overflow)
           the step ran out of stack: a recursion that never stops"
expect_has "check: the score counts only the real pass" "$got" "Score: 1/5"
expect_eq "check: the TSV says exited early, not OK" "$(cut -f1,2,5 "$R/build/check/lab98.tsv" | head -n 1)" "lab98.1	CRASH	exited early: exit(0) before the step finished"
# A suite run in one process (CK_FORK=no, the debugging advice) that dies in step 3.
sed -e 's|#include "kit.h"|#include <stdlib.h>\n#include "kit.h"|' -e 's|return p ? \*p : 0;|(void)p; abort();|' "$R/solutions/98_fake/fake.c" > "$R/labs/98_fake/fake.c"
build
got=$(run CK_FORK=no LAB=98 bash tools/check.sh 2>&1 | untime); rc=$?
expect_rc "check, suite killed in step 3 (CK_FORK=no, abort): exits 1" $rc 1
expect_lacks "check, suite killed: never 'Every step passes'" "$got" "Every step"
expect_has "check, suite killed: says it did not finish, and where" "$got" "the test suite of lab 98 did not finish (killed by signal 6 (SIGABRT)) in step lab98.3: 5 steps, 2 reported; the rest count as not passed."
expect_has "check, suite killed: the missing steps count" "$got" "Score: 2/5"
if [ ! -e "$R/build/check/lab98.tsv" ]; then ok "check, suite killed: no partial lab98.tsv left for status and next to reuse"; else bad "check, suite killed: a partial lab98.tsv was kept"; fi
sed -e 's|abort();|exit(0);|' -i "$R/labs/98_fake/fake.c"
build
got=$(run CK_FORK=no LAB=98 bash tools/check.sh 2>&1 | untime); rc=$?
expect_rc "check, exit(0) in step 3 under CK_FORK=no: exits 1" $rc 1
expect_has "check, exit(0) under CK_FORK=no: did not finish" "$got" "did not finish (exit 0) in step lab98.3"
# The suite's source is there but its binary is missing (a relink in progress, a failed build).
rm -f "$R/build/bin/labs/98_fake/lab98_test"
got=$(run LAB=98 bash tools/check.sh 2>&1); rc=$?
expect_rc "check, suite binary missing: exits 1" $rc 1
expect_has "check, suite binary missing: an error, not 'no test suite yet'" "$got" "the test suite of lab 98 was not built"
expect_lacks "check, suite binary missing: no Score 0/0" "$got" "Score: 0/0"

# ---- make reset never loses work (issue 20, item 1) --------------------------------------------
echo "== make reset: the backup first, or nothing"
cp "$tmp/attempt.c" "$R/labs/98_fake/fake.c"
mkdir -p "$tmp/fakebin"
reset_case() { # NAME: run reset in the scratch kit with $tmp/fakebin first in PATH
  got=$(cd "$R" && PATH="$tmp/fakebin:$PATH" LAB=98 bash tools/progress.sh reset 2>&1); rc=$?
  expect_rc "reset, $1: exits 1" $rc 1
  expect_eq "reset, $1: one line" "$(wc -l <<<"$got")" 1
  expect_lacks "reset, $1: never says Restored" "$got" "Restored"
  if cmp -s "$R/labs/98_fake/fake.c" "$tmp/attempt.c"; then ok "reset, $1: the learner's file is untouched"; else bad "reset, $1: labs/98_fake/fake.c changed"; fi
}
mv "$R/build" "$R/build.real" && touch "$R/build"
reset_case "build is a plain file"
expect_has "reset, build is a plain file: names the cause" "$got" "move build away"
rm -f "$R/build" && mv "$R/build.real" "$R/build"
printf '#!/bin/sh\nfor last; do :; done\n: > "$last"\nexit 0\n' > "$tmp/fakebin/cp"; chmod +x "$tmp/fakebin/cp"
reset_case "a copy that comes out empty (full disk, cp says nothing)"
expect_has "reset, empty copy: names the cause" "$got" "differs from labs/98_fake/fake.c"
printf '#!/bin/sh\necho "cp: error writing x: No space left on device" >&2\nexit 1\n' > "$tmp/fakebin/cp"
reset_case "cp fails (No space left on device)"
expect_has "reset, cp fails: names the cause" "$got" "No space left on device"
printf '#!/bin/sh\nfor last; do :; done\ncase "$last" in labs/*) echo "cp: cannot create regular file: Permission denied" >&2; exit 1;; esac\nexec /bin/cp "$@"\n' > "$tmp/fakebin/cp"
got=$(cd "$R" && PATH="$tmp/fakebin:$PATH" LAB=98 bash tools/progress.sh reset 2>&1); rc=$?
expect_rc "reset, labs/ not writable: exits 1" $rc 1
expect_lacks "reset, labs/ not writable: never says Restored" "$got" "Restored"
expect_has "reset, labs/ not writable: says the files are safe" "$got" "could not restore fake.c"
rm -f "$tmp/fakebin/cp"

# ---- the Makefile, on the scratch kit ------------------------------------------------------------
echo "== the Makefile: quiet, honest status, LAB/STEP checked, forwarding"
cp Makefile "$R/Makefile"
cp "$tmp/sk/98_fake/fake.c" "$R/labs/98_fake/fake.c"
(cd "$R" && bash tools/skeleton.sh > /dev/null)
mk() { (cd "$R" && make --no-print-directory "$@") 2>&1; }
got=$(mk check LAB=98); rc=$?
expect_rc "make check with failing steps: exits 0 (the checklist says it)" $rc 0
expect_lacks "make check: no make error line" "$got" "make: ***"
expect_lacks "make check: no compiler command lines" "$got" "-std=c11"
expect_has "make check: the checklist" "$got" "Score: 0/5"
mk check LAB=98 STRICT=1 > /dev/null; rc=$?
if [ $rc -ne 0 ]; then ok "make check STRICT=1: non-zero while a step fails"; else bad "make check STRICT=1 exited 0"; fi
got=$(mk lab98); rc=$?
expect_rc "make lab98 at a TODO: exits 0" $rc 0
expect_eq "make lab98 at a TODO: the kit's line is the whole output" "$got" "TODO(lab98.1) is not done yet: the sum. Open labs/98_fake/fake.c:11, write it, then run: make check LAB=98"
mk lab98 STRICT=1 > /dev/null; rc=$?
if [ $rc -ne 0 ]; then ok "make lab98 STRICT=1: non-zero at a TODO"; else bad "make lab98 STRICT=1 exited 0"; fi
touch "$R/labs/98_fake/fake.c"
got=$(mk V=1 check LAB=98)
expect_has "make V=1: shows the compiler's command lines" "$got" "-std=c11"
printf '#!/bin/sh\necho "$@" >> "%s/cc.log"\nexec gcc "$@"\n' "$tmp" > "$tmp/mycc"; chmod +x "$tmp/mycc"
mk check LAB=98 CC="$tmp/mycc" > /dev/null
if [ -s "$tmp/cc.log" ]; then ok "make CC=another: rebuilds with it"; else bad "make CC=another reused the other compiler's objects"; fi
: > "$tmp/cc.log"
mk check LAB=98 CC="$tmp/mycc" > /dev/null
if [ ! -s "$tmp/cc.log" ]; then ok "make CC=another, again: nothing to rebuild"; else bad "make CC=another rebuilt twice"; fi
got=$(mk check LAB=98 STEP=9); rc=$?
expect_eq "make check STEP=9: one line, that there is no such step" "$got" "make check: lab 98 has no step 9. Its steps: 1 2 3 4 5"
got=$(mk next LAB=98)
expect_has "make next LAB=98: the lab's next step, at the line make lab98 names" "$got" "labs/98_fake/fake.c:11"
got=$(cd "$R/labs/98_fake" && make --no-print-directory check 2>&1); rc=$?
expect_has "make check inside labs/98_fake: that lab's checklist" "$got" "lab 98: a stand-in lab"
got=$(cd "$R/labs/98_fake" && make --no-print-directory -f ../../Makefile check LAB=98 2>&1)
expect_has "make -f ../../Makefile check in a lab folder: works" "$got" "Score: 0/5"
if [ ! -e "$R/labs/98_fake/build" ]; then ok "make -f ../../Makefile in a lab folder: no stray build/ there"; else bad "a stray build/ in labs/98_fake"; fi
rm -f "$R/F"
got=$(mk help LAB="x'; touch F; '"); rc=$?
if [ ! -e "$R/F" ]; then ok "make help LAB=\"x'; touch F; '\": nothing runs"; else bad "LAB was run as shell code"; rm -f "$R/F"; fi
if [ $rc -ne 0 ]; then ok "make with a bad LAB: exits non-zero"; else bad "make with a bad LAB exited 0"; fi
expect_has "make with a bad LAB: says what is wrong" "$got" "is not a lab. HINT: use its number, e.g. LAB=03"
mk -n clean LAB='$(shell touch F)' > /dev/null
if [ ! -e "$R/F" ]; then ok "make -n clean LAB='\$(shell touch F)': nothing runs"; else bad "LAB was expanded by make"; rm -f "$R/F"; fi
mk check LAB=98 STEP='1; touch F' > /dev/null
if [ ! -e "$R/F" ]; then ok "make check STEP='1; touch F': nothing runs"; else bad "STEP was run as shell code"; rm -f "$R/F"; fi
# A warning in the learner's file is shown, not fatal; a compile error is shown as such.
printf 'int fake_extra(void);\nint fake_extra(void) { int unused_here; return 0; }\n' >> "$R/labs/98_fake/fake.c"
got=$(mk check LAB=98); rc=$?
expect_has "make check, a warning in the learner's file: shown with file:line" "$got" "labs/98_fake/fake.c:"
expect_has "make check, a warning: the steps still run" "$got" "Score: 0/5"
printf 'int fake_add(int a, int b) { return a + }\n' >> "$R/labs/98_fake/fake.c"
got=$(mk check); rc=$?
expect_rc "make check, a compile error: exits 0 (the checklist says it)" $rc 0
expect_has "make check, a compile error: the lab says it does not compile" "$got" "does not compile"
expect_has "make check, a compile error: the compiler's first error, file:line" "$got" "labs/98_fake/fake.c:"
expect_lacks "make check, a compile error: no make error line" "$got" "make: ***"
(cd "$R" && bash tools/skeleton.sh --to "$tmp/sk2" > /dev/null && cp "$tmp/sk2/98_fake/fake.c" labs/98_fake/fake.c)
# Two make check at once: each gets a whole, right answer (they take turns).
touch "$R/labs/98_fake/fake.c"
(mk check LAB=98 > "$tmp/c1.out") & (mk check LAB=98 > "$tmp/c2.out") & wait
for c in c1 c2; do expect_has "two make check at once: run $c has the whole score" "$(cat "$tmp/$c.out")" "Score: 0/5"; done
# make clean keeps the reset backups.
mkdir -p "$R/build/backup/x" && touch "$R/build/backup/x/keep.c"
got=$(mk clean)
if [ -f "$R/build/backup/x/keep.c" ] && [ ! -d "$R/build/bin" ]; then ok "make clean: build/ gone, build/backup/ kept"; else bad "make clean: backup lost or build/bin left"; fi
expect_has "make clean: says it kept the backups" "$got" "except build/backup/"
got=$(make -q lab3 > /dev/null 2>&1; echo $?)
expect_eq "make lab3: a target (the short form of lab03)" "$got" 1

# ---- make watch ---------------------------------------------------------------------------------
echo "== make watch"
printf '#!/bin/sh\necho "check run $*"\n' > "$tmp/fakemake"; chmod +x "$tmp/fakemake"
(cd "$R" && LAB=98 MAKE="$tmp/fakemake" WATCH_POLL=1 WATCH_INTERVAL=0.1 exec env --default-signal=INT bash tools/watch.sh > "$tmp/watch.out" 2>&1) &
wpid=$!
for _ in $(seq 1 600); do grep -q "Watching" "$tmp/watch.out" 2>/dev/null && break; sleep 0.1; done   # up to a minute: never a race on a busy machine
echo "/* saved */" >> "$R/labs/98_fake/fake.c"
for _ in $(seq 1 600); do [ "$(grep -c '^check run' "$tmp/watch.out")" -ge 2 ] && break; sleep 0.1; done
kill -INT $wpid 2>/dev/null; wait $wpid; rc=$?
expect_eq "watch: one run at the start, one after the save" "$(grep -c '^check run' "$tmp/watch.out")" 2
expect_has "watch: runs that lab's checklist" "$(cat "$tmp/watch.out")" "check run --no-print-directory -s check LAB=98"
expect_rc "watch: Ctrl-C stops it with exit 0" $rc 0
expect_has "watch: Ctrl-C says it stopped" "$(cat "$tmp/watch.out")" "Stopped watching labs/98_fake/."

# ---- make lecture-data ----------------------------------------------------------------------------
echo "== make lecture-data (with a fake curl: this test never goes online)"
mkdir -p "$R/data" "$tmp/curlbin"
printf '#!/bin/sh\necho "curl: (6) Could not resolve host: raw.githubusercontent.com" >&2\nexit 6\n' > "$tmp/curlbin/curl"; chmod +x "$tmp/curlbin/curl"
got=$(cd "$R" && PATH="$tmp/curlbin:$PATH" bash tools/lecture_data.sh 2>&1); rc=$?
expect_rc "lecture-data offline: exits 1" $rc 1
expect_eq "lecture-data offline: one line" "$(wc -l <<<"$got")" 1
expect_has "lecture-data offline: says so" "$got" "could not download https://raw.githubusercontent.com/karpathy/makemore/master/names.txt (offline? Could not resolve host"
expect_eq "lecture-data offline: nothing left in data/" "$(ls -A "$R/data")" ""
# A fake curl that writes a file: a wrong checksum is refused, the right one saved.
printf '#!/bin/sh\nwhile [ $# -gt 0 ]; do [ "$1" = -o ] && { printf "emma\\nolivia\\n" > "$2"; exit 0; }; shift; done\nexit 2\n' > "$tmp/curlbin/curl"
got=$(cd "$R" && PATH="$tmp/curlbin:$PATH" bash tools/lecture_data.sh 2>&1); rc=$?
expect_rc "lecture-data, wrong checksum: exits 1" $rc 1
expect_has "lecture-data, wrong checksum: says so" "$got" "is not makemore's names.txt (SHA-256"
expect_eq "lecture-data, wrong checksum: nothing left in data/" "$(ls -A "$R/data")" ""
sum=$(printf 'emma\nolivia\n' | sha256sum | cut -d' ' -f1)
got=$(cd "$R" && PATH="$tmp/curlbin:$PATH" LECTURE_DATA_SHA256=$sum bash tools/lecture_data.sh 2>&1); rc=$?
expect_rc "lecture-data, right checksum: exits 0" $rc 0
expect_eq "lecture-data, right checksum: data/makemore-names.txt only" "$(ls -A "$R/data")" "makemore-names.txt"
expect_has "lecture-data: says how to use it" "$got" "--data data/makemore-names.txt"
expect_has "lecture-data: the URL is makemore's own" "$(cat tools/lecture_data.sh)" "https://raw.githubusercontent.com/karpathy/makemore/master/names.txt"
expect_has "lecture-data: the checksum is the known one" "$(cat tools/lecture_data.sh)" "0a30b5557f192f32ab962680889aac5f6fda0f4cecf40a6d0b5694f58ea8cc4d"

# ---- make deps: the learner's set, the maintainers' apart --------------------------------------
echo "== make deps"
got=$(bash tools/deps.sh --list | tr '\n' ' ')
expect_has "deps: the learner's set has Check" "$got" "check "
expect_lacks "deps: the learner's set has no valgrind" "$got" "valgrind"
expect_has "deps MAINTAINER=1: adds valgrind and clang" "$(MAINTAINER=1 bash tools/deps.sh --list | tr '\n' ' ')" "valgrind clang libclang-rt-14-dev"

# ---- every step has a hint -------------------------------------------------------------------------
echo "== every step of every lab has a hint"
for t in tests/lab[0-9][0-9]_test.c; do
  [ -e "$t" ] || continue
  n=$(basename "$t" _test.c); n=${n#lab}
  d=$(ls -d labs/"$n"_*/ 2>/dev/null | head -n 1)
  missing=()
  for id in $(grep -oE '\{ *"lab[0-9]+\.[A-Za-z0-9_]+"' "$t" | grep -oE 'lab[0-9]+\.[A-Za-z0-9_]+'); do
    grep -qE "^##[[:space:]]+$id([[:space:]:]|\$)" "${d}HINTS.md" 2>/dev/null || missing+=("$id")
  done
  if [ ${#missing[@]} -eq 0 ]; then ok "lab $n: every step has a ## section in ${d}HINTS.md"; else bad "lab $n: no hints for ${missing[*]} in ${d:-labs/${n}_*/}HINTS.md"; fi
done

# ---- make bench's report, from raw lines with known figures (REPORT_ONLY=1: nothing runs) ----
# C 40 us a step, PyTorch 330 us (twice the 165 us of the reference speed), five rounds.
BR=$tmp/benchrep
mkdir -p "$BR/build/bench"
for r in 1 2 3 4 5; do
  echo "{\"round\": $r, \"impl\": \"c\", \"model\": \"lab03\", \"steps_per_s\": 25000, \"us_per_step\": 40, \"cpu_us_per_step\": 40, \"gflops\": 54.72, \"peak_rss_kb\": 5800, \"kernels\": \"avx2\"}"
  echo "{\"round\": $r, \"impl\": \"torch\", \"model\": \"lab03\", \"steps_per_s\": 3030.303, \"us_per_step\": 330, \"cpu_us_per_step\": 330, \"gflops\": 6.63, \"peak_rss_kb\": 263000, \"torch\": \"1.13\", \"blas\": \"OpenBLAS\"}"
done > "$BR/build/bench/raw-x.jsonl"
got=$(cd "$BR" && REPORT_ONLY=1 B=build/x bash "$repo/tools/bench.sh" 2>&1); rc=$?
expect_rc "bench report: exits 0" $rc 0
expect_has "bench report: the rounds come from the raw lines (5, not ROUNDS' 3)" "$got" "8.25x (min 8.25, max 8.25 over 5 rounds)"
expect_has "bench report: names the kernel set the C side ran on" "$got" "kernels: avx2"
expect_has "bench report: the kernel set in results.json" "$(cat "$BR/build/bench/results.json")" '"kernels": "avx2"'
expect_has "bench report: 200,000 steps at 40 us" "$got" "would take 8.0 s at the median round (8.0-8.0 s over the rounds; target < 10 s: met)"
expect_has "bench report: the machine line, scaled to the reference speed" "$got" "machine: PyTorch's step took 330 us here, 2.0x the 165 us it took when the targets were set (2 cores, AVX-512); scaled by the same factor, the 200,000 steps would take 4.0 s"
grep -v '"torch"' "$BR/build/bench/raw-x.jsonl" > "$BR/c-only" && mv "$BR/c-only" "$BR/build/bench/raw-x.jsonl"
got=$(cd "$BR" && REPORT_ONLY=1 B=build/x bash "$repo/tools/bench.sh" 2>&1)
# "machine: PyTorch's step", not just "machine:": a busy machine's load line says "(busy machine: ...)".
expect_lacks "bench report without PyTorch: no machine line" "$got" "machine: PyTorch's step"
expect_has "bench report without PyTorch: says so" "$got" "(no PyTorch figures)"

after=$(labs_sum)
expect_eq "the real labs/ was not modified" "$after" "$before"

echo
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
