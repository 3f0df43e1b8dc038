/*
 * harness.c: runs a suite's steps one by one under Check and prints the
 * checklist a learner reads (see harness.h).
 *
 * Why one SRunner per step: it lets us time each step, give each its own
 * timeout, run just one (--step), and print its line the moment it ends.
 * Not here: the tests themselves, and the summary across labs (tools/check.sh).
 */
#define _XOPEN_SOURCE 700
#include "harness.h"

#include <dirent.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <unistd.h>

/* ---- evidence and array comparison -------------------------------------- */

void harness_note(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    printf("           ");
    vprintf(fmt, ap);
    printf("\n");
    va_end(ap);
    fflush(stdout);
}

void harness_expect_array_near(const char *file, int line, const float *got, const float *want,
                               long n, double tol, const char *what)
{
    long first = -1, count = 0;
    double maxdiff = 0;
    for (long i = 0; i < n; i++) {
        double d = fabs((double)got[i] - (double)want[i]);
        if (!(d <= tol)) {          /* written this way so NaN counts as a difference */
            if (first < 0) first = i;
            count++;
        }
        if (d > maxdiff || d != d) maxdiff = d;
    }
    if (first >= 0)
        _ck_assert_failed(file, line, "array", "%s[%ld]: got %.9g, expected %.9g (tol %g); "
                          "%ld of %ld elements differ, max diff %.3g",
                          what, first, (double)got[first], (double)want[first], tol, count, n, maxdiff);
}

/* ---- kit errors become test failures ------------------------------------ */

static void error_to_failure(const char *message)
{
    _ck_assert_failed("", 0, "kit", "%s", message);
}

/* ---- classifying a finished step ---------------------------------------- */

typedef enum { ST_OK, ST_FAIL, ST_CRASH, ST_TIMEOUT, ST_TODO } Status;
static const char *status_word[] = {"OK", "FAIL", "CRASH", "TIMEOUT", "TODO"};

/* What the forked step tells the parent besides Check's verdict, one byte
 * each in a file both share: 'F' when the test function returned (written by
 * the checked teardown, so a learner's exit(0) inside a TODO function, which
 * Check's fork mode counts as a pass, is caught), 'S' when it died of a stack
 * overflow (the SIGSEGV handler below). */
static int mark_fd = -1;

static bool marked(char what)
{
    char buf[8];
    ssize_t n = mark_fd >= 0 ? pread(mark_fd, buf, sizeof buf, 0) : -1;
    for (ssize_t i = 0; i < n; i++) if (buf[i] == what) return true;
    return false;
}

static Status classify(int rtype, const char *msg, char *crash, size_t crashlen)
{
    if (rtype == CK_PASS) {
        if (mark_fd >= 0 && !marked('F')) {
            snprintf(crash, crashlen, "exited early");
            return ST_CRASH;
        }
        return ST_OK;
    }
    if (msg && strstr(msg, "Test timeout expired")) return ST_TIMEOUT;
    if (msg && strncmp(msg, "TODO(", 5) == 0) return ST_TODO;
    if (rtype == CK_ERROR && msg) {
        int sig;
        if (sscanf(msg, "Received signal %d", &sig) == 1) {
            const char *name = sig == SIGSEGV ? (marked('S') ? "stack overflow" : "SIGSEGV")
                             : sig == SIGABRT ? "SIGABRT" : sig == SIGFPE ? "SIGFPE"
                             : sig == SIGBUS ? "SIGBUS" : sig == SIGILL ? "SIGILL" : "signal";
            snprintf(crash, crashlen, "%s", name);
            return ST_CRASH;
        }
        snprintf(crash, crashlen, "exited early");
        return ST_CRASH;  /* exit(n) and other errors: the step did not finish */
    }
    return ST_FAIL;
}

/* The words under a CRASH line: what each kind of crash usually means. */
static const char *crash_words(const char *crash)
{
    if (!strcmp(crash, "stack overflow"))
        return "the step ran out of stack: a recursion that never stops, or a very large local array?";
    if (!strcmp(crash, "SIGFPE"))
        return "the step crashed (SIGFPE): an integer division or remainder by zero? "
               "(a float division by zero gives inf or nan, not a crash)";
    if (!strcmp(crash, "SIGABRT"))
        return "the step aborted (SIGABRT): a failed assert(), or the C library found the heap "
               "broken (a write past the end of a malloc'd block, a double free)?";
    if (!strcmp(crash, "SIGSEGV") || !strcmp(crash, "SIGBUS"))
        return "the step crashed: a bad index, a NULL pointer, or memory used after it was freed?";
    if (!strcmp(crash, "SIGILL"))
        return "the step hit an illegal instruction: a build for another CPU (NATIVE=1), or undefined behaviour the compiler trapped?";
    if (!strcmp(crash, "exited early"))
        return "the step ended the program before it finished: exit() or abort() in a function the test calls? "
               "A lab's function must return its result.";
    return "the step was killed by a signal.";
}

/* ---- finding the learner's TODO for the next: line ---------------------- */

/* Search DIR's .c and .h files for "TODO(<id>)"; on success fill path:line and
 * the TODO's text (that comment line and the comment lines that follow it). */
static int find_todo(const char *dir, const char *id, char *where, size_t wlen, char *text, size_t tlen)
{
    DIR *d = opendir(dir);
    if (!d) return -1;
    char needle[64];
    snprintf(needle, sizeof needle, "TODO(%s)", id);
    struct dirent *e;
    int found = -1;
    while (found < 0 && (e = readdir(d))) {
        size_t len = strlen(e->d_name);
        if (len < 3 || (strcmp(e->d_name + len - 2, ".c") && strcmp(e->d_name + len - 2, ".h"))) continue;
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        FILE *f = fopen(path, "r");
        if (!f) continue;
        char buf[512];
        int lineno = 0;
        while (fgets(buf, sizeof buf, f)) {
            lineno++;
            char *at = strstr(buf, needle);
            if (!at) continue;
            snprintf(where, wlen, "%s:%d", path, lineno);
            size_t used = 0;
            text[0] = 0;
            char *s = at + strlen(needle);
            if (*s == ':') s++;
            int more = 1;
            do {
                while (*s == ' ' || *s == '\t' || *s == '/') s++;
                s[strcspn(s, "\n")] = 0;
                if (*s) used += (size_t)snprintf(text + used, used < tlen ? tlen - used : 0, "%s%s", used ? " " : "", s);
                if (!fgets(buf, sizeof buf, f)) { more = 0; break; }
                lineno++;
                s = buf;
                while (*s == ' ' || *s == '\t') s++;
            } while (strncmp(s, "//", 2) == 0 && !strstr(s, "TODO("));
            /* The line to open is the stub's KIT_TODO call (the line a lab binary
             * names when it stops there), when it follows within a few lines. */
            char call[64];
            snprintf(call, sizeof call, "KIT_TODO(\"%s\"", id);
            for (int k = 0; more && k < 12; k++) {
                if (strstr(buf, call)) { snprintf(where, wlen, "%s:%d", path, lineno); break; }
                if (!fgets(buf, sizeof buf, f)) break;
                lineno++;
            }
            found = 0;
            break;
        }
        fclose(f);
    }
    closedir(d);
    return found;
}

/* ---- what a step printed ------------------------------------------------ */

/* A step's own output (evidence from harness_note, a learner's debug printf, a
 * sanitizer report) is captured into a temporary file while the step runs and
 * printed under its checklist line, so it never lands above the line it belongs
 * to. Not under CK_FORK=no: there a crash would take the captured text with it. */
typedef struct Capture {
    FILE *f;
    int saved_out, saved_err;
} Capture;

static void capture_begin(Capture *c, bool on)
{
    c->f = NULL;
    fflush(NULL);   /* every stream: a forked step must not write our buffers a second time */
    if (!on || !(c->f = tmpfile())) return;
    c->saved_out = dup(STDOUT_FILENO);
    c->saved_err = dup(STDERR_FILENO);
    dup2(fileno(c->f), STDOUT_FILENO);
    dup2(fileno(c->f), STDERR_FILENO);
}

/* Give stdout/stderr back to the terminal; the captured text waits in c->f. */
static void capture_restore(Capture *c)
{
    fflush(stdout);
    fflush(stderr);
    if (!c->f) return;
    dup2(c->saved_out, STDOUT_FILENO);
    dup2(c->saved_err, STDERR_FILENO);
    close(c->saved_out);
    close(c->saved_err);
}

/* Print what was captured, indented under the step's line, at most max_lines
 * of it (0: all), and close it. */
static void capture_print(Capture *c, int max_lines, const char *rerun)
{
    if (!c->f) return;
    rewind(c->f);
    char buf[1024];
    int shown = 0, more = 0;
    while (fgets(buf, sizeof buf, c->f)) {   /* a line longer than buf counts as several */
        if (max_lines > 0 && shown >= max_lines) { more++; continue; }
        shown++;
        if (strncmp(buf, "           ", 11) != 0) fputs("           ", stdout);
        fputs(buf, stdout);
        if (!strchr(buf, '\n')) putchar('\n');
    }
    if (more) printf("           ... %d more line%s (all of them: %s --verbose)\n", more, more == 1 ? "" : "s", rerun);
    fclose(c->f);
    fflush(stdout);
}

/* AddressSanitizer has its own SIGSEGV handler, which names a stack overflow itself. */
#if defined(__SANITIZE_ADDRESS__)
#define HARNESS_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HARNESS_ASAN 1
#endif
#endif

#ifndef HARNESS_ASAN
static char *stack_top;          /* near the top of the step's stack (step_setup's frame) */
static size_t stack_limit;       /* RLIMIT_STACK */

/* SIGSEGV at an address about one stack size below the top is a stack
 * overflow: say so in the marks file, then let the fault happen again with
 * the default action (the step dies of SIGSEGV as before). Runs on its own
 * stack, since the normal one is full. Not under AddressSanitizer, which
 * reports stack overflows itself. */
static void on_segv(int sig, siginfo_t *si, void *ctx)
{
    (void)ctx;
    char *a = (char *)si->si_addr;
    size_t slack = (size_t)1 << 20;
    if (mark_fd >= 0 && stack_top && a < stack_top && (size_t)(stack_top - a) + slack >= stack_limit &&
        (size_t)(stack_top - a) <= stack_limit + slack) {
        ssize_t w = write(mark_fd, "S", 1);
        (void)w;
    }
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    sigaction(sig, &dfl, NULL);
}
#endif

/* Runs inside the forked step, before the test: line-buffer stdout, so what a
 * step printed before it crashed is still in the capture; watch for a stack overflow. */
static void step_setup(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
#ifndef HARNESS_ASAN
    static char alt[1 << 16];
    char here;
    stack_top = &here;
    struct rlimit rl;
    stack_limit = getrlimit(RLIMIT_STACK, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY ? (size_t)rl.rlim_cur : (size_t)8 << 20;
    stack_t ss = {.ss_sp = alt, .ss_size = sizeof alt, .ss_flags = 0};
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_segv;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    if (sigaltstack(&ss, NULL) == 0) sigaction(SIGSEGV, &sa, NULL);
#endif
}

/* Runs inside the forked step when the test function returned: the step finished. */
static void step_teardown(void)
{
    if (mark_fd >= 0) {
        ssize_t w = write(mark_fd, "F", 1);
        (void)w;
    }
}

/* ---- machine-readable results -------------------------------------------- */

/* One field of the --results TSV or a TAP YAML string: tabs, newlines and
 * control characters become spaces (and, for TAP, quotes and backslashes are
 * escaped), so every record stays on one line. */
static void put_clean(FILE *f, const char *s, bool yaml)
{
    for (; s && *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch < 32) fputc(' ', f);
        else if (yaml && (ch == '"' || ch == '\\')) { fputc('\\', f); fputc(ch, f); }
        else fputc(ch, f);
    }
}

/* ---- the runner ---------------------------------------------------------- */

static bool matches(const char *id, const char *want)
{
    if (!want) return true;
    if (strcmp(id, want) == 0) return true;
    const char *dot = strrchr(id, '.');
    return dot && strcmp(dot + 1, want) == 0;
}

int harness_main(int argc, char **argv, const char *suite, const HarnessStep *steps, int n)
{
    const char *only = NULL, *src = NULL, *tap_path = NULL, *results_path = NULL;
    bool list = false, verbose = false, summary = true;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--step") && v) only = v, i++;
        else if (!strcmp(a, "--src") && v) src = v, i++;
        else if (!strcmp(a, "--tap") && v) tap_path = v, i++;
        else if (!strcmp(a, "--results") && v) results_path = v, i++;
        else if (!strcmp(a, "--list")) list = true;
        else if (!strcmp(a, "--verbose")) verbose = true;
        else if (!strcmp(a, "--no-summary")) summary = false;
        else {
            fprintf(stderr, "%s: unknown argument %s. HINT: flags are --step ID, --src DIR, --tap FILE, "
                    "--results FILE, --list, --verbose, --no-summary\n", argv[0], a);
            return 2;
        }
    }
    if (list) {
        for (int i = 0; i < n; i++) printf("%s\t%s\n", steps[i].id, steps[i].title);
        return 0;
    }
    if (only) {
        bool any = false;
        for (int i = 0; i < n; i++) any |= matches(steps[i].id, only);
        if (!any) {
            fprintf(stderr, "%s: no step %s. HINT: the steps are", suite, only);
            for (int i = 0; i < n; i++) fprintf(stderr, " %s", steps[i].id);
            fprintf(stderr, "\n");
            return 2;
        }
    }

    bool color = kit_stdout_is_tty();
    const char *green = color ? "\033[32m" : "", *red = color ? "\033[31m" : "",
               *yellow = color ? "\033[33m" : "", *bold = color ? "\033[1m" : "", *reset = color ? "\033[0m" : "";
    const char *fork_env = getenv("CK_FORK");
    bool forked = !(fork_env && strcmp(fork_env, "no") == 0);
    FILE *tap = tap_path ? fopen(tap_path, "w") : NULL;
    FILE *res = results_path ? fopen(results_path, "w") : NULL;
    if (tap_path && !tap) fprintf(stderr, "%s: cannot write %s (TAP results); going on without it\n", suite, tap_path);
    if (results_path && !res) fprintf(stderr, "%s: cannot write %s (results); going on without it\n", suite, results_path);
    if (tap) fprintf(tap, "TAP version 13\n1..%d\n", n);

    /* Dots run to one column per suite, so the verdicts line up. */
    /* Ids are padded to the suite's longest (lab00.9 and lab00.10), so the titles line up too. */
    int idw = 0;
    for (int i = 0; i < n; i++)
        if ((int)strlen(steps[i].id) > idw) idw = (int)strlen(steps[i].id);
    size_t width = 56;
    for (int i = 0; i < n; i++) {
        size_t len = (size_t)idw + 2 + strlen(steps[i].title) + 4;
        if (len > width) width = len < 72 ? len : 72;
    }

    FILE *marks = tmpfile();
    mark_fd = marks ? fileno(marks) : -1;
    kit_set_error_handler(error_to_failure);
    int passed = 0, ran = 0, first_bad = -1;
    char first_msg[1024] = "";
    bool crashed = false;
    for (int i = 0; i < n; i++) {
        if (!matches(steps[i].id, only)) {
            if (tap) fprintf(tap, "ok %d - %s %s # SKIP not selected\n", i + 1, steps[i].id, steps[i].title);
            continue;
        }
        Suite *s = suite_create(suite);
        TCase *tc = tcase_create(steps[i].id);
        tcase_set_timeout(tc, steps[i].timeout_s > 0 ? steps[i].timeout_s : 10);
        tcase_add_checked_fixture(tc, step_setup, step_teardown);
        _tcase_add_test(tc, steps[i].test, 0, 0, 0, 1);
        suite_add_tcase(s, tc);
        SRunner *sr = srunner_create(s);
        Capture cap;
        if (mark_fd >= 0 && (ftruncate(mark_fd, 0) != 0 || lseek(mark_fd, 0, SEEK_SET) != 0)) mark_fd = -1;
        double t0 = kit_now();
        capture_begin(&cap, forked);
        srunner_run_all(sr, CK_SILENT);
        double dt = kit_now() - t0;
        TestResult **r = srunner_results(sr);
        int rtype = r && r[0] ? tr_rtype(r[0]) : CK_ERROR;
        const char *msg = r && r[0] ? tr_msg(r[0]) : "no result";
        char crash[32] = "";
        Status st = classify(rtype, msg, crash, sizeof crash);
        if (st == ST_CRASH && rtype == CK_PASS) msg = "exit(0) before the step finished";  /* Check said "Passed" */
        int timeout_s = steps[i].timeout_s > 0 ? steps[i].timeout_s : 10;

        capture_restore(&cap);   /* the step's own output is printed after its line */

        /* The line: id, title, dots, verdict. */
        char label[256];
        snprintf(label, sizeof label, "%-*s  %s ", idw, steps[i].id, steps[i].title);
        size_t len = strlen(label);
        printf("  %s", label);
        for (size_t k = len; k < width || k < len + 3; k++) putchar('.');
        const char *c = st == ST_OK ? green : st == ST_TIMEOUT || st == ST_TODO ? yellow : red;
        if (st == ST_OK) printf(" %sOK%s (%.2fs)\n", c, reset, dt);
        else if (st == ST_CRASH) printf(" %sCRASH (%s)%s\n", c, crash, reset);
        else if (st == ST_TODO) printf(" %sTODO%s (not written yet)\n", c, reset);
        else printf(" %s%s%s\n", c, status_word[st], reset);

        /* Under it, the reason, in words that say what to do. */
        if (st == ST_FAIL) {
            const char *file = r && r[0] ? tr_lfile(r[0]) : NULL;
            int lno = r && r[0] ? tr_lno(r[0]) : 0;
            if (file && *file && lno > 0)
                printf("           %s   [%s:%d]\n", msg, file, lno);
            else
                printf("           %s\n", msg);
        } else if (st == ST_TODO) {
            /* A TODO of another step (an earlier one this step needs) is worth saying;
             * its own TODO is what the verdict already says. */
            char own[64];
            snprintf(own, sizeof own, "TODO(%s)", steps[i].id);
            if (strncmp(msg, own, strlen(own)) != 0) {
                int idlen = (int)strcspn(msg + 5, ")");
                printf("           needs %.*s first (still a TODO)\n", idlen, msg + 5);
            }
        } else if (st == ST_TIMEOUT) {
            printf("           did not finish within %ds: an endless loop, or far too much work? "
                   "(to see where: make check says how to run it under gdb; press Ctrl-C, then type bt)\n", timeout_s);
        } else if (st == ST_CRASH) {
            printf("           %s\n", crash_words(crash));
            if (!strcmp(crash, "exited early")) printf("           (%s)\n", msg);
        }
        char rerun[512];
        snprintf(rerun, sizeof rerun, "%s --step %s", argv[0], steps[i].id);
        capture_print(&cap, verbose ? 0 : 12, rerun);
        if (st == ST_CRASH || st == ST_TIMEOUT) crashed = true;
        fflush(stdout);

        ran++;
        if (st == ST_OK) passed++;
        else if (first_bad < 0) {
            first_bad = i;
            snprintf(first_msg, sizeof first_msg, "%s", msg);
        }
        if (tap) {
            fprintf(tap, "%s %d - %s %s\n", st == ST_OK ? "ok" : "not ok", i + 1, steps[i].id, steps[i].title);
            fprintf(tap, "  ---\n  status: %s\n  seconds: %.3f\n", status_word[st], dt);
            if (st != ST_OK) {
                fputs("  message: \"", tap);
                put_clean(tap, msg, true);
                fputs("\"\n", tap);
            }
            fputs("  ...\n", tap);
        }
        if (res) {
            fprintf(res, "%s\t%s\t%.3f\t", steps[i].id, status_word[st], dt);
            put_clean(res, steps[i].title, false);
            fputc('\t', res);
            if (st == ST_CRASH && crash[0]) fprintf(res, "%s: ", crash);
            put_clean(res, st == ST_OK ? "" : msg, false);
            fputc('\n', res);
        }
        /* Each step's record reaches the files before the next step runs: a suite
         * that dies later (CK_FORK=no) leaves the rows of the steps it finished. */
        if (tap) fflush(tap);
        if (res) fflush(res);
        free(r);  /* srunner_results() hands us the array; a forked child would report it as a leak */
        srunner_free(sr);
    }
    kit_set_error_handler(NULL);
    if (marks) fclose(marks);
    mark_fd = -1;
    if (tap) fclose(tap);
    if (res) fclose(res);

    if (summary) printf("%sScore: %d/%d%s\n", bold, passed, ran, reset);
    if (summary && first_bad >= 0) {
        const HarnessStep *b = &steps[first_bad];
        char where[1100], text[1024];
        if (src && find_todo(src, b->id, where, sizeof where, text, sizeof text) == 0)
            printf("next: %s  %s\n      %s: TODO(%s): %s\n", b->id, b->title, where, b->id, text);
        else
            printf("next: %s  %s\n      %s\n", b->id, b->title, first_msg);
        const char *dot = strrchr(b->id, '.');
        if (strncmp(suite, "lab", 3) == 0 && dot)
            printf("      rerun just this step: make check LAB=%.*s STEP=%s\n", (int)(dot - b->id - 3), b->id + 3, dot + 1);
        else
            printf("      rerun just this step: %s --step %s\n", argv[0], b->id);
        if (crashed) {
            if (strncmp(suite, "lab", 3) == 0 && dot)
                printf("      a crash: the line that did it: make SANITIZE=1 check LAB=%.*s STEP=%s\n",
                       (int)(dot - b->id - 3), b->id + 3, dot + 1);
            printf("      a crash or hang: debug it in one process: CK_FORK=no gdb -ex run --args %s --step %s "
                   "(a hang: Ctrl-C, then bt)\n", argv[0], b->id);
        }
    }
    return passed == ran ? 0 : 1;
}
