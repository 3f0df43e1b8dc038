/*
 * core_train_test.c: the plumbing around a lab's model: common/args.c (the
 * command line), common/output.c (progress, TSV logs, the output directory's
 * lock, JSON), common/checkpoint.c and common/train.c (the loss guard,
 * eval_in_batches, the end of a run).
 *
 * What it checks: the command-line parser on good argument vectors (in
 * process) and on bad ones (in a forked child: a usage error exits 2, so the
 * test checks the exit status and the one line on stderr); --help; the
 * progress line on a pseudo-terminal; TSV logs (header, rows, the .tmp file
 * renamed on close); the NaN guard's message; CRC-32 against its check value;
 * checkpoints saved and loaded bit-exact, and refused (missing, truncated,
 * flipped byte, wrong magic, version, count, name, shape) with the tensors
 * left untouched; eval_in_batches' weighting; JSON output text.
 * What it does not check: timings (the progress line is checked for its
 * format, never for its speed). Tensors here are built by hand from arrays,
 * so this suite needs only tensor.h, not tensor.c.
 */
#define _XOPEN_SOURCE 700 /* fork, pipe, mkdtemp, posix_openpt */

#include <errno.h>
#include <fcntl.h>
#include <float.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "args.h"
#include "checkpoint.h"
#include "harness.h"
#include "kit.h"
#include "output.h"
#include "train.h"

#define EXPECT_CONTAINS(text, want, what) \
    ck_assert_msg(strstr((text), (want)) != NULL, "%s: text\n    %s\nshould contain\n    %s", (what), (text), (want))

/* ------------------------------------------------------------------------- */
/* helpers: temporary directories, reading files, capturing stderr */

static void make_tmpdir(char *dir, size_t n)
{
    snprintf(dir, n, "/tmp/core_train_XXXXXX");
    ck_assert_msg(mkdtemp(dir) != NULL, "mkdtemp failed: %s", strerror(errno));
}

/* The whole content of a FILE* (rewound), NUL-terminated, into buf. */
static size_t slurp_file(FILE *f, char *buf, size_t n)
{
    fflush(f);
    rewind(f);
    size_t got = fread(buf, 1, n - 1, f);
    buf[got] = '\0';
    return got;
}

static long read_path(const char *path, char *buf, size_t n)
{
    FILE *f = fopen(path, "rb");
    if (!f) return -1;
    size_t got = slurp_file(f, buf, n);
    fclose(f);
    return (long)got;
}

static bool exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* Redirect fd 2 into a temporary file until capture_end, which returns its text. */
typedef struct Capture {
    FILE *file;
    int saved;
} Capture;
static void capture_begin(Capture *c)
{
    fflush(stderr);
    c->file = tmpfile();
    ck_assert_msg(c->file != NULL, "tmpfile failed");
    c->saved = dup(2);
    dup2(fileno(c->file), 2);
}
static void capture_end(Capture *c, char *buf, size_t n)
{
    fflush(stderr);
    dup2(c->saved, 2);
    close(c->saved);
    slurp_file(c->file, buf, n);
    fclose(c->file);
}

/* ------------------------------------------------------------------------- */
/* the command line: a lab03-like program */

static const char *const commands[] = {"train", "sample", "eval", NULL};
static const KitProgram prog = {"lab03", "the MLP of Bengio et al. 2003", commands,
                                "examples:\n  lab03 train --steps 1000\n  lab03 sample -n 5", NULL};

/* The lab's own flags and their defaults, reset before each parse. */
static int emb, hidden;
static double wd;
static const char *init;
static bool bn;
static long nsamples;
static KitOpt opts[6];
/* KitOpt.commands of --init and --bn, NULL (every command) unless a test sets
 * them before parse_in_child (the forked child sees the value). -n is for sample only. */
static const char *init_commands, *bn_commands;
/* KitProgram.unused and -n's help text, likewise: NULL and "names to sample" unless a test sets them. */
static const char *prog_unused, *n_help;
/* -n's value before parsing: 20, or -1 for "decided per command" (lab 01's way). */
static long n_before = 20;

static void lab_defaults(KitArgs *a)
{
    kit_args_defaults(a, "lab03");
    a->steps = 200000;
    a->batch = 32;
    a->lr = 0.1;
    emb = 10;
    hidden = 200;
    wd = 0.0;
    init = "kaiming";
    bn = false;
    nsamples = n_before;
    const KitOpt o[6] = {
        {"--emb", KIT_OPT_INT, &emb, 1, 64, "embedding size C", NULL},
        {"--hidden", KIT_OPT_INT, &hidden, 1, 4096, "hidden units H", NULL},
        {"--wd", KIT_OPT_DOUBLE, &wd, 0, 1, "weight decay", NULL},
        {"--init", KIT_OPT_STRING, &init, 0, 0, "initialization: kaiming or lecture", init_commands},
        {"--bn", KIT_OPT_FLAG, &bn, 0, 0, "batch normalization", bn_commands},
        {"-n", KIT_OPT_LONG, &nsamples, 1, 1000000, n_help ? n_help : "names to sample", "sample"},
    };
    memcpy(opts, o, sizeof o);
}

/* In the child: give the real stderr back at exit, so what a sanitizer prints
 * when the process ends (its leak report runs after atexit handlers) is not
 * mistaken for the parser's one line. */
static int child_saved_stderr = -1;
static void child_restore_stderr(void)
{
    fflush(stderr);
    if (child_saved_stderr >= 0) dup2(child_saved_stderr, 2);
}

/* Parse argv (NULL-terminated, without argv[0]) in a forked child; return its exit status and what it printed. */
static int parse_in_child(const char *const *args, char *out, size_t outlen, char *err, size_t errlen)
{
    char *argv[64] = {"lab03"};
    int argc = 1;
    while (args[argc - 1]) {
        argv[argc] = (char *)args[argc - 1];
        argc++;
    }
    argv[argc] = NULL;
    FILE *fo = tmpfile(), *fe = tmpfile();
    ck_assert_msg(fo && fe, "tmpfile failed");
    fflush(NULL);
    pid_t pid = fork();
    ck_assert_msg(pid >= 0, "fork failed");
    if (pid == 0) {
        child_saved_stderr = dup(2);
        atexit(child_restore_stderr);
        dup2(fileno(fo), 1);
        dup2(fileno(fe), 2);
        kit_set_error_handler(NULL);
        kit_set_failure_quiet(false);
        KitArgs a;
        lab_defaults(&a);
        KitProgram pr = prog;
        pr.unused = prog_unused;
        kit_parse_args(argc, argv, &pr, &a, opts, 6);
        printf("parsed: command=%s steps=%ld data=%s out=%s\n", a.command, a.steps, a.data, a.out);
        fflush(stdout);
        _exit(0);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    slurp_file(fo, out, outlen);
    slurp_file(fe, err, errlen);
    fclose(fo);
    fclose(fe);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

START_TEST(test_args_good)
{
    KitArgs a;
    lab_defaults(&a);
    char *v0[] = {"lab03", NULL};
    kit_parse_args(1, v0, &prog, &a, opts, 6);
    ck_assert_msg(strcmp(a.command, "train") == 0, "no command: got %s, expected the first (train)", a.command);
    ck_assert_msg(strcmp(a.data, "data/names.txt") == 0, "default --data: got %s", a.data);
    ck_assert_msg(strcmp(a.out, "build/out/lab03") == 0, "default --out: got %s", a.out);
    ck_assert_msg(a.seed == 2147483647ULL, "default --seed: got %llu", (unsigned long long)a.seed);
    EXPECT_INT_EQ(a.steps, 200000, "--steps kept the lab's default");
    ck_assert_msg(!a.json && !a.quiet, "--json and --quiet default off");

    lab_defaults(&a);
    char *v1[] = {"lab03", "sample", "--steps", "1000", "--batch=64", "--lr", "0.05", "--seed", "18446744073709551615",
                  "--data", "x.txt", "--out=o/dir", "--json", "--quiet", "--emb", "2", "--hidden=100", "--wd", "1e-3",
                  "--init", "lecture", "--bn", "-n", "5", NULL};
    kit_parse_args(24, v1, &prog, &a, opts, 6);
    ck_assert_msg(strcmp(a.command, "sample") == 0, "command: got %s, expected sample", a.command);
    EXPECT_INT_EQ(a.steps, 1000, "--steps 1000");
    EXPECT_INT_EQ(a.batch, 64, "--batch=64");
    ck_assert_msg(a.lr == 0.05, "--lr 0.05: got %.17g", a.lr);
    ck_assert_msg(a.seed == UINT64_MAX, "--seed 2^64-1: got %llu", (unsigned long long)a.seed);
    ck_assert_msg(strcmp(a.data, "x.txt") == 0 && strcmp(a.out, "o/dir") == 0, "--data/--out: got %s, %s", a.data, a.out);
    ck_assert_msg(a.json && a.quiet, "--json --quiet set");
    EXPECT_INT_EQ(emb, 2, "--emb 2");
    EXPECT_INT_EQ(hidden, 100, "--hidden=100");
    ck_assert_msg(wd == 1e-3, "--wd 1e-3: got %.17g", wd);
    ck_assert_msg(strcmp(init, "lecture") == 0, "--init lecture: got %s", init);
    ck_assert_msg(bn, "--bn set");
    EXPECT_INT_EQ(nsamples, 5, "-n 5");

    /* flags before the command; the extremes of every range */
    lab_defaults(&a);
    char *v2[] = {"lab03", "--steps", "0", "--seed=0", "--lr", "1000", "--batch", "1000000", "sample", "--emb=64", "-n=1", NULL};
    kit_parse_args(11, v2, &prog, &a, opts, 6);
    ck_assert_msg(strcmp(a.command, "sample") == 0, "command after flags: got %s", a.command);
    ck_assert_msg(a.steps == 0 && a.seed == 0 && a.lr == 1000.0 && a.batch == 1000000 && emb == 64 && nsamples == 1,
                  "range ends: steps %ld seed %llu lr %g batch %d emb %d n %ld", a.steps, (unsigned long long)a.seed, a.lr, a.batch,
                  emb, nsamples);

    lab_defaults(&a);
    char *v3[] = {"lab03", "--steps", "100000000", "--lr", "1e-300", NULL};
    kit_parse_args(5, v3, &prog, &a, opts, 6);
    ck_assert_msg(a.steps == 100000000 && a.lr > 0, "--steps 1e8 and the smallest positive lr are accepted");
}
END_TEST

/* One bad command line and the texts its error line must contain. */
typedef struct BadArgs {
    const char *argv[6];
    const char *want[2];
} BadArgs;

START_TEST(test_args_bad)
{
    static const BadArgs cases[] = {
        {{"--batch", "0"}, {"lab03: --batch 0: must be an integer from 1 to 1000000. HINT:"}},
        {{"--batch", "1000001"}, {"--batch 1000001: must be an integer from 1 to 1000000"}},
        {{"--batch=3.5"}, {"--batch 3.5: must be an integer from 1 to 1000000"}},
        {{"--steps", "-1"}, {"--steps -1: must be an integer from 0 to 100000000"}},
        {{"--steps", "12x"}, {"--steps 12x: must be an integer from 0 to 100000000"}},
        {{"--steps", "99999999999999999999"}, {"--steps 99999999999999999999: must be an integer from 0 to 100000000"}},
        {{"--steps", " 5"}, {"--steps ' 5': must be an integer"}},
        {{"--steps="}, {"--steps '': must be an integer"}},
        {{"--steps", "1e3"}, {"--steps 1e3: must be an integer"}},
        {{"--lr", "nan"}, {"lab03: --lr nan: must be a number greater than 0 and at most 1000. HINT:"}},
        {{"--lr", "inf"}, {"--lr inf: must be a number greater than 0 and at most 1000"}},
        {{"--lr=-0.1"}, {"--lr -0.1: must be a number greater than 0"}},
        {{"--lr", "0"}, {"--lr 0: must be a number greater than 0"}},
        {{"--lr", "1e999"}, {"--lr 1e999: must be a number"}},
        {{"--lr", "1000.5"}, {"--lr 1000.5: must be a number greater than 0 and at most 1000"}},
        {{"--lr", "0.1x"}, {"--lr 0.1x: must be a number"}},
        {{"--seed", "-1"}, {"--seed -1: must be an integer from 0 to 18446744073709551615"}},
        {{"--seed", "18446744073709551616"}, {"--seed 18446744073709551616: must be an integer from 0 to 18446744073709551615"}},
        {{"--stpes", "5"}, {"lab03: unknown flag --stpes (did you mean --steps?)", "--help"}},
        {{"--stpes=5"}, {"unknown flag --stpes (did you mean --steps?)"}},
        {{"--hiden", "5"}, {"unknown flag --hiden (did you mean --hidden?)"}},
        {{"--frobnicate"}, {"unknown flag --frobnicate. HINT: lab03 --help lists every flag"}},
        {{"--steps"}, {"lab03: --steps needs a value"}},
        {{"--steps", "--batch", "3"}, {"--steps needs a value"}},
        {{"--emb", "0"}, {"lab03: --emb 0: must be an integer from 1 to 64. HINT: the default is --emb 10"}},
        {{"--hidden", "5000000000"}, {"--hidden 5000000000: must be an integer from 1 to 4096"}},
        {{"--wd", "2"}, {"--wd 2: must be a number from 0 to 1"}},
        {{"--wd", "nan"}, {"--wd nan: must be a number from 0 to 1"}},
        {{"-n", "0"}, {"-n 0: must be an integer from 1 to 1000000"}},
        {{"--json=1"}, {"--json takes no value"}},
        {{"--data="}, {"--data '': must be a file path"}},
        {{"smaple"}, {"lab03: unknown command 'smaple' (did you mean sample?)", "train, sample"}},
        {{"train", "sample"}, {"unexpected argument 'sample' after the command 'train'"}},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        char out[4096], err[4096];
        int st = parse_in_child(cases[k].argv, out, sizeof out, err, sizeof err);
        char cmd[256] = "lab03";
        for (int i = 0; cases[k].argv[i]; i++) {
            size_t l = strlen(cmd);
            snprintf(cmd + l, sizeof cmd - l, " %s", cases[k].argv[i]);
        }
        ck_assert_msg(st == 2, "`%s`: exit status %d, expected 2; stderr: %s", cmd, st, err);
        ck_assert_msg(out[0] == '\0', "`%s`: nothing on stdout, got: %s", cmd, out);
        size_t len = strlen(err);
        ck_assert_msg(len > 0 && err[len - 1] == '\n' && strchr(err, '\n') == err + len - 1,
                      "`%s`: stderr must be exactly one line, got:\n%s", cmd, err);
        ck_assert_msg(strncmp(err, "lab03: ", 7) == 0 && strstr(err, "HINT: ") != NULL, "`%s`: `lab03: ... HINT: ...`, got: %s", cmd, err);
        for (int i = 0; i < 2 && cases[k].want[i]; i++) EXPECT_CONTAINS(err, cases[k].want[i], cmd);
    }
    harness_note("%zu bad command lines: each exits 2 with one line", sizeof cases / sizeof cases[0]);
}
END_TEST

START_TEST(test_args_help)
{
    char out[8192], err[4096];
    const char *const help[] = {"--emb", "5", "--batch", "0", "--help", NULL}; /* --help wins, and shows the defaults */
    int st = parse_in_child(help, out, sizeof out, err, sizeof err);
    ck_assert_msg(st == 0, "--help: exit status %d, expected 0; stderr: %s", st, err);
    ck_assert_msg(err[0] == '\0', "--help prints nothing on stderr, got: %s", err);
    const char *want[] = {
        "lab03: the MLP of Bengio et al. 2003", "usage: lab03 [command] [flags]", "train", "(default)", "sample",
        "--data FILE", "(default data/names.txt)", "--seed N", "0 to 18446744073709551615 (default 2147483647)",
        "--steps N", "0 to 100000000 (default 200000)", "--batch N", "1 to 1000000 (default 32)", "--lr X",
        "greater than 0 and at most 1000 (default 0.1)", "--out DIR", "(default build/out/lab03)", "--json", "--quiet", "--help",
        "--emb N", "embedding size C, 1 to 64 (default 10)", "--hidden N", "1 to 4096 (default 200)", "--wd X", "0 to 1 (default 0)",
        "--init VALUE", "(default kaiming)", "--bn", "(default off)", "-n N", "1 to 1000000 (default 20) [sample only]",
        "examples:\n  lab03 train --steps 1000",
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) EXPECT_CONTAINS(out, want[i], "--help output");
    const char *const h[] = {"-h", NULL};
    st = parse_in_child(h, out, sizeof out, err, sizeof err);
    ck_assert_msg(st == 0 && strstr(out, "usage: lab03") != NULL, "-h also prints the usage (status %d)", st);
}
END_TEST

/* Run one command line in a child and check its exit status and its exact stderr. */
static void expect_parse(const char *const *args, int want_status, const char *want_err)
{
    char out[8192], err[4096], cmd[256] = "lab03";
    for (int i = 0; args[i]; i++) {
        size_t l = strlen(cmd);
        snprintf(cmd + l, sizeof cmd - l, " %s", args[i]);
    }
    int st = parse_in_child(args, out, sizeof out, err, sizeof err);
    ck_assert_msg(st == want_status, "`%s`: exit status %d, expected %d; stderr: %s", cmd, st, want_status, err);
    if (want_status == 0) {
        ck_assert_msg(err[0] == '\0', "`%s`: accepted, so nothing on stderr; got: %s", cmd, err);
        return;
    }
    ck_assert_msg(out[0] == '\0', "`%s`: nothing on stdout, got: %s", cmd, out);
    ck_assert_msg(strcmp(err, want_err) == 0, "`%s`: stderr\n    %s\nexpected\n    %s", cmd, err, want_err);
}

START_TEST(test_args_commands)
{
    /* In process: -n (KitOpt.commands "sample") with its command, before or after it. */
    KitArgs a;
    lab_defaults(&a);
    char *v0[] = {"lab03", "-n", "7", "sample", NULL};
    kit_parse_args(4, v0, &prog, &a, opts, 6);
    ck_assert_msg(strcmp(a.command, "sample") == 0 && nsamples == 7, "-n 7 sample: command %s, n %ld", a.command, nsamples);

    /* Given to another command (the default one, or named before or after): refused, one line. */
    const char *const c1[] = {"-n", "5", NULL};
    expect_parse(c1, 2, "lab03: -n is only for the sample command. HINT: lab03 sample -n 5\n");
    const char *const c2[] = {"eval", "-n=3", NULL};
    expect_parse(c2, 2, "lab03: -n is only for the sample command. HINT: lab03 sample -n 3\n");
    const char *const c3[] = {"-n", "3", "train", "--steps", "5", NULL};
    expect_parse(c3, 2, "lab03: -n is only for the sample command. HINT: lab03 sample -n 3\n");
    /* A bad value is reported before the misplaced flag (it is read first). */
    const char *const c4[] = {"-n", "0", NULL};
    expect_parse(c4, 2, "lab03: -n 0: must be an integer from 1 to 1000000. HINT: the default is -n 20; lab03 --help lists every flag\n");

    /* Two commands: the phrase names both; the hint uses the first, quoting a value with a space. */
    init_commands = "train sample";
    const char *const c5[] = {"eval", "--init", "my init", NULL};
    expect_parse(c5, 2, "lab03: --init is only for the train and sample commands. HINT: lab03 train --init 'my init'\n");
    const char *const c6[] = {"--init", "lecture", NULL}; /* the default command train is one of them */
    expect_parse(c6, 0, NULL);
    const char *const c7[] = {"sample", "--init=lecture", NULL};
    expect_parse(c7, 0, NULL);
    init_commands = "train sample eval";
    const char *const c8[] = {"--init", "lecture", "sample", "-n", "1", NULL};
    expect_parse(c8, 0, NULL);
    init_commands = "train eval";
    const char *const c9[] = {"sample", "--init", "x", NULL};
    expect_parse(c9, 2, "lab03: --init is only for the train and eval commands. HINT: lab03 train --init x\n");
    init_commands = NULL;

    /* A flag without a value: the hint is just the command and the flag. */
    bn_commands = "sample";
    const char *const c10[] = {"--bn", NULL};
    expect_parse(c10, 2, "lab03: --bn is only for the sample command. HINT: lab03 sample --bn\n");

    /* --help says which commands a flag is for. */
    init_commands = "train sample";
    char out[8192], err[4096];
    const char *const h[] = {"--help", NULL};
    int st = parse_in_child(h, out, sizeof out, err, sizeof err);
    ck_assert_msg(st == 0, "--help: exit status %d", st);
    EXPECT_CONTAINS(out, "(default kaiming) [train and sample only]", "--help for --init");
    EXPECT_CONTAINS(out, "(default off) [sample only]", "--help for --bn");
    EXPECT_CONTAINS(out, "names to sample, 1 to 1000000 (default 20) [sample only]", "--help for -n");
    init_commands = NULL;

    /* A commands list naming a command the program does not have is the lab's bug: KIT_ERROR, exit 1. */
    bn_commands = "trian";
    const char *const c11[] = {"train", NULL};
    st = parse_in_child(c11, out, sizeof out, err, sizeof err);
    ck_assert_msg(st == 1, "unknown command in KitOpt.commands: exit status %d, expected 1 (KIT_ERROR)", st);
    EXPECT_CONTAINS(err, "lab flag --bn lists the command 'trian', which lab03 does not have. HINT:", "KitOpt.commands typo");
    bn_commands = " ";
    st = parse_in_child(c11, out, sizeof out, err, sizeof err);
    ck_assert_msg(st == 1, "empty KitOpt.commands: exit status %d, expected 1 (KIT_ERROR)", st);
    EXPECT_CONTAINS(err, "lab flag --bn has an empty commands list. HINT: NULL means every command", "KitOpt.commands empty");
    bn_commands = NULL;

    /* A shared flag the lab does not take (KitProgram.unused) is refused, not ignored, and --help leaves it out. */
    prog_unused = "--steps --batch --lr";
    const char *const c12[] = {"train", "--steps", "5", NULL};
    expect_parse(c12, 2, "lab03: --steps is not used by lab03. HINT: lab03 --help lists the flags it takes\n");
    const char *const c13[] = {"--batch=5", NULL};
    expect_parse(c13, 2, "lab03: --batch is not used by lab03. HINT: lab03 --help lists the flags it takes\n");
    const char *const c14[] = {"--seed", "1", NULL};
    expect_parse(c14, 0, NULL);
    st = parse_in_child(h, out, sizeof out, err, sizeof err);
    ck_assert_msg(st == 0, "--help with unused flags: exit status %d", st);
    EXPECT_CONTAINS(out, "--seed N", "--help keeps the flags the lab takes");
    ck_assert_msg(!strstr(out, "--steps N") && !strstr(out, "--batch N") && !strstr(out, "--lr X"),
                  "--help must leave out the unused --steps, --batch and --lr, got:\n%s", out);
    prog_unused = "--json";
    st = parse_in_child(c11, out, sizeof out, err, sizeof err);
    ck_assert_msg(st == 1, "KitProgram.unused naming a flag without a value: exit status %d, expected 1 (KIT_ERROR)", st);
    EXPECT_CONTAINS(err, "KitProgram.unused lists '--json', which is not a shared flag taking a value", "KitProgram.unused typo");
    prog_unused = NULL;

    /* A help text that states its own default (it depends on the command) keeps it: --help adds only the range. */
    n_help = "names to sample (default 5 for train, 20 for sample)";
    st = parse_in_child(h, out, sizeof out, err, sizeof err);
    ck_assert_msg(st == 0, "--help: exit status %d", st);
    EXPECT_CONTAINS(out, "names to sample (default 5 for train, 20 for sample), 1 to 1000000 [sample only]\n", "--help for -n");
    ck_assert_msg(!strstr(out, "(default 20)"), "--help must not add the value's (default 20) after the help's own, got:\n%s", out);
    n_help = NULL;
    harness_note("15 command lines: flags of one subcommand refused elsewhere, with the line to type; shared flags a lab "
                 "does not take refused; a default stated by the help kept");
}
END_TEST

/* ------------------------------------------------------------------------- */
/* progress line */

START_TEST(test_progress)
{
    /* Not a terminal (a file): silent. */
    FILE *f = tmpfile();
    ck_assert_msg(f != NULL, "tmpfile failed");
    fflush(stdout);
    int saved = dup(1);
    dup2(fileno(f), 1);
    Progress p;
    progress_start(&p, 100, false);
    bool enabled = p.enabled;
    for (long s = 1; s <= 100; s++) progress_update(&p, s, 2.5, 0.1);
    double el = progress_end(&p);
    fflush(stdout);
    dup2(saved, 1);
    close(saved);
    char buf[4096];
    size_t got = slurp_file(f, buf, sizeof buf);
    fclose(f);
    ck_assert_msg(!enabled, "stdout is a file: the progress line must be off");
    ck_assert_msg(got == 0, "nothing printed when stdout is not a terminal, got: %s", buf);
    ck_assert_msg(el >= 0, "elapsed seconds >= 0, got %g", el);

    /* A pseudo-terminal: the line is drawn with \r, and redrawn far fewer than 1000 times. */
    int master = posix_openpt(O_RDWR | O_NOCTTY);
    if (master < 0 || grantpt(master) != 0 || unlockpt(master) != 0) {
        harness_note("no pseudo-terminal available here: the terminal case is not exercised");
        return;
    }
    int slave = open(ptsname(master), O_RDWR | O_NOCTTY);
    ck_assert_msg(slave >= 0, "cannot open the pty slave");
    fflush(NULL);
    pid_t pid = fork();
    ck_assert_msg(pid >= 0, "fork failed");
    if (pid == 0) {
        close(master);
        dup2(slave, 1);
        Progress q;
        progress_start(&q, 1000, false);
        if (!q.enabled) _exit(3);
        for (long s = 1; s <= 1000; s++) progress_update(&q, s, 2.1234, 0.1);
        progress_end(&q);
        Progress quiet;
        progress_start(&quiet, 10, true); /* --quiet: off even on a terminal */
        _exit(quiet.enabled ? 4 : 0);
    }
    close(slave);
    char text[65536];
    size_t len = 0;
    for (;;) {
        ssize_t r = read(master, text + len, sizeof text - 1 - len);
        if (r <= 0) break; /* EIO once the child has closed the terminal */
        len += (size_t)r;
    }
    text[len] = '\0';
    close(master);
    int status = 0;
    waitpid(pid, &status, 0);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child status 0x%x (3: not enabled on a tty, 4: --quiet ignored)", status);
    int draws = 0;
    for (const char *s = text; (s = strstr(s, "\rstep ")) != NULL; s++) draws++;
    ck_assert_msg(draws >= 1 && draws < 100, "1000 quick updates: got %d redraws, expected 1..99 (rate-limited)", draws);
    EXPECT_CONTAINS(text, "\rstep 1000/1000  loss 2.1234  lr 0.1  ", "the last update is always drawn");
    EXPECT_CONTAINS(text, "steps/s", "progress line");
    EXPECT_CONTAINS(text, "0:00 left", "progress line ETA at the end");
    ck_assert_msg(len > 0 && (text[len - 1] == '\n'), "progress_end ends the line with a newline");
    harness_note("%d redraws for 1000 updates", draws);
}
END_TEST

/* ------------------------------------------------------------------------- */
/* TSV logs */

START_TEST(test_tsv)
{
    char dir[64], sub[160], path[256], tmp[600], text[1024];
    make_tmpdir(dir, sizeof dir);
    snprintf(sub, sizeof sub, "%s/a/b/c", dir);
    TsvLog log;
    ck_assert_msg(tsv_open(&log, sub, "loss.tsv", "step loss lr") == 0, "tsv_open into a new nested directory");
    tsv_row(&log, "%d\t%.4f\t%g", 0, 3.3, 0.1);
    tsv_row(&log, "%d\t%.4f\t%g", 1, 2.75, 0.01);
    snprintf(path, sizeof path, "%s/loss.tsv", sub);
    snprintf(tmp, sizeof tmp, "%s", log.tmp);
    ck_assert_msg(strncmp(tmp, path, strlen(path)) == 0 && strcmp(tmp + strlen(tmp) - 4, ".tmp") == 0,
                  "the temporary file is loss.tsv.<pid>.<k>.tmp: %s", tmp);
    ck_assert_msg(exists(tmp) && !exists(path), "before close only the .tmp exists");
    EXPECT_INT_EQ(tsv_close(&log), 0, "tsv_close");
    ck_assert_msg(!exists(tmp) && exists(path), "after close the log is renamed into place");
    read_path(path, text, sizeof text);
    const char *want = "# step loss lr\n0\t3.3000\t0.1\n1\t2.7500\t0.01\n";
    ck_assert_msg(strcmp(text, want) == 0, "log text:\n%s\nexpected:\n%s", text, want);
    EXPECT_INT_EQ(tsv_close(&log), 0, "closed twice: a no-op");
    EXPECT_INT_EQ(tsv_close(NULL), 0, "tsv_close(NULL)");

    /* A path component that is a file cannot become a directory. */
    char file[200], bad[260], err[1024];
    snprintf(file, sizeof file, "%s/plain", dir);
    FILE *f = fopen(file, "w");
    fclose(f);
    snprintf(bad, sizeof bad, "%s/plain/sub", dir);
    EXPECT_INT_EQ(kit_mkdirs(bad), -1, "kit_mkdirs through a file");
    EXPECT_INT_EQ(kit_mkdirs(sub), 0, "kit_mkdirs of an existing directory");
    Capture c;
    capture_begin(&c);
    int rc = tsv_open(&log, bad, "x.tsv", "a b");
    capture_end(&c, err, sizeof err);
    EXPECT_INT_EQ(rc, -1, "tsv_open where the directory cannot be made");
    EXPECT_CONTAINS(err, "/plain/sub: cannot create directory", "tsv_open message");
    ck_assert_msg(log.f == NULL, "a failed tsv_open leaves no open file");
    EXPECT_INT_EQ(tsv_close(&log), 0, "tsv_close of a log that never opened");
    remove(path);
    remove(file);
    for (int up = 0; up < 3; up++) { /* c, b, a */
        rmdir(sub);
        *strrchr(sub, '/') = '\0';
    }
    rmdir(dir);
}
END_TEST

/* ------------------------------------------------------------------------- */
/* NaN guard */

START_TEST(test_loss_ok)
{
    char err[1024];
    Capture c;
    capture_begin(&c);
    bool ok1 = kit_loss_ok(2.5, 10), ok2 = kit_loss_ok(0.0, 11), ok3 = kit_loss_ok(-1e300, 12);
    capture_end(&c, err, sizeof err);
    ck_assert_msg(ok1 && ok2 && ok3, "finite losses are ok");
    ck_assert_msg(err[0] == '\0', "a finite loss prints nothing, got: %s", err);

    capture_begin(&c);
    bool nan_ok = kit_loss_ok(NAN, 1234);
    capture_end(&c, err, sizeof err);
    ck_assert_msg(!nan_ok, "nan is not ok");
    const char *want = "step 1234: loss is nan. HINT: the learning rate may be too high or the initialization too large; try a smaller --lr, e.g. a tenth of the current one\n";
    ck_assert_msg(strcmp(err, want) == 0, "message:\n%s\nexpected:\n%s", err, want);

    capture_begin(&c);
    bool inf_ok = kit_loss_ok(INFINITY, 7), minf_ok = kit_loss_ok(-INFINITY, 8);
    capture_end(&c, err, sizeof err);
    ck_assert_msg(!inf_ok && !minf_ok, "+-inf are not ok");
    EXPECT_CONTAINS(err, "step 7: loss is inf. HINT:", "inf message");
    EXPECT_CONTAINS(err, "step 8: loss is -inf. HINT:", "-inf message");
}
END_TEST

/* ------------------------------------------------------------------------- */
/* checkpoints */

START_TEST(test_crc32)
{
    ck_assert_msg(kit_crc32("123456789", 9, 0) == 0xCBF43926u, "crc32(\"123456789\"): got 0x%08X, expected 0xCBF43926",
                  kit_crc32("123456789", 9, 0));
    uint32_t part = kit_crc32("1234", 4, 0);
    ck_assert_msg(kit_crc32("56789", 5, part) == 0xCBF43926u, "crc32 continued over two pieces");
    ck_assert_msg(kit_crc32("", 0, 0) == 0, "crc32 of nothing is 0");
    ck_assert_msg(kit_crc32("a", 1, 0) == 0xE8B7BE43u, "crc32(\"a\"): got 0x%08X, expected 0xE8B7BE43", kit_crc32("a", 1, 0));
}
END_TEST

/* A small model: C [27, 2], W1 [6, 100], b1 [100], with awkward values. */
enum { NC = 27 * 2, NW = 6 * 100, NB = 100 };
typedef struct Model {
    float c[NC], w1[NW], b1[NB];
    Tensor tc, tw1, tb1;
    Tensor *t[3];
} Model;
static const char *const model_names[3] = {"C", "W1", "b1"};

static void model_init(Model *m, int hidden_cols, float fill)
{
    m->tc = (Tensor){.data = m->c, .shape = SHAPE(27, 2), .numel = NC};
    m->tw1 = (Tensor){.data = m->w1, .shape = SHAPE(6, hidden_cols), .numel = 6 * hidden_cols};
    m->tb1 = (Tensor){.data = m->b1, .shape = SHAPE(NB), .numel = NB};
    m->t[0] = &m->tc;
    m->t[1] = &m->tw1;
    m->t[2] = &m->tb1;
    for (int i = 0; i < NC; i++) m->c[i] = fill;
    for (int i = 0; i < NW; i++) m->w1[i] = fill;
    for (int i = 0; i < NB; i++) m->b1[i] = fill;
}

static void model_fill_awkward(Model *m)
{
    uint32_t x = 12345;
    float *all[3] = {m->c, m->w1, m->b1};
    int ns[3] = {NC, NW, NB};
    for (int k = 0; k < 3; k++)
        for (int i = 0; i < ns[k]; i++) {
            x = x * 1664525u + 1013904223u; /* any bits that are not a NaN */
            uint32_t bits = x;
            if ((bits & 0x7F800000u) == 0x7F800000u) bits ^= 0x40000000u;
            memcpy(&all[k][i], &bits, 4);
        }
    m->c[0] = -0.0f;
    m->c[1] = 1e-40f; /* subnormal */
    m->c[2] = FLT_MAX;
    m->c[3] = -FLT_MIN;
    uint32_t nanbits = 0x7FC12345u; /* a NaN with a payload survives bit for bit */
    memcpy(&m->b1[99], &nanbits, 4);
}

/* Save a fresh awkward model to dir/name; returns its size in bytes. */
static long save_model(const char *dir, const char *name, char *path, size_t n, Model *m)
{
    snprintf(path, n, "%s/%s", dir, name);
    model_init(m, 100, 0.0f);
    model_fill_awkward(m);
    int rc = ckpt_save(path, m->t, model_names, 3);
    ck_assert_msg(rc == 0, "ckpt_save: %s", kit_last_failure());
    struct stat st;
    stat(path, &st);
    return (long)st.st_size;
}

START_TEST(test_ckpt_roundtrip)
{
    char dir[64], path[128], tmp[140];
    const char *err = kit_last_failure();   /* the buffer of the last refusal's line */
    make_tmpdir(dir, sizeof dir);
    Model a, b;
    long size = save_model(dir, "model.ckpt", path, sizeof path, &a);
    long want = 12 + (4 + 1 + 4 + 8 + 4 * NC) + (4 + 2 + 4 + 8 + 4 * NW) + (4 + 2 + 4 + 4 + 4 * NB) + 4;
    EXPECT_INT_EQ(size, want, "checkpoint size in bytes");
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    ck_assert_msg(!exists(tmp), "no .tmp left after a save");
    unsigned char head[16];
    FILE *f = fopen(path, "rb");
    ck_assert_msg(fread(head, 1, 16, f) == 16, "read the header");
    fclose(f);
    const unsigned char want_head[16] = {'M', 'M', 'C', 'K', 1, 0, 0, 0, 3, 0, 0, 0, 1, 0, 0, 0};
    ck_assert_msg(memcmp(head, want_head, 16) == 0, "header: MMCK, version 1, count 3, name length 1 (little-endian)");

    model_init(&b, 100, 7.0f);
    int rc = ckpt_load(path, b.t, model_names, 3);
    ck_assert_msg(rc == 0, "ckpt_load: %s", err);
    ck_assert_msg(memcmp(a.c, b.c, sizeof a.c) == 0 && memcmp(a.w1, b.w1, sizeof a.w1) == 0 && memcmp(a.b1, b.b1, sizeof a.b1) == 0,
                  "loaded tensors are bit-exact copies (including -0, a subnormal and a NaN payload)");
    /* saving over an existing checkpoint replaces it */
    ck_assert_msg(ckpt_save(path, a.t, model_names, 3) == 0, "save again: %s", err);
    remove(path);
    rmdir(dir);
}
END_TEST

/* Load `path` into a fresh model (hidden columns `cols`, names `names`, n tensors) expecting refusal with `want`. */
static void expect_ckpt_refused(const char *path, int cols, const char *const *names, int n, const char *want, const char *what)
{
    Model m;
    model_init(&m, cols, 7.0f);
    bool was = kit_set_failure_quiet(true);   /* the line is read below, not printed */
    int rc = ckpt_load(path, m.t, names, n);
    kit_set_failure_quiet(was);
    const char *err = kit_last_failure();
    ck_assert_msg(rc == -1, "%s: ckpt_load returned %d, expected -1", what, rc);
    ck_assert_msg(strchr(err, '\n') == NULL && strstr(err, "HINT: ") != NULL, "%s: one line with a HINT, got: %s", what, err);
    EXPECT_CONTAINS(err, want, what);
    for (int i = 0; i < NC; i++) ck_assert_msg(m.c[i] == 7.0f, "%s: a refused load must leave the tensors unchanged", what);
    for (int i = 0; i < NB; i++) ck_assert_msg(m.b1[i] == 7.0f, "%s: a refused load must leave the tensors unchanged", what);
    harness_note("%s", err);
}

/* Write `n` bytes of `bytes` to `path`. */
static void write_bytes(const char *path, const unsigned char *bytes, size_t n)
{
    FILE *f = fopen(path, "wb");
    ck_assert_msg(f != NULL && fwrite(bytes, 1, n, f) == n, "write %s", path);
    fclose(f);
}

START_TEST(test_ckpt_refusals)
{
    char dir[64], path[128], bad[160], msg[256];
    make_tmpdir(dir, sizeof dir);
    Model m;
    long size = save_model(dir, "model.ckpt", path, sizeof path, &m);
    static unsigned char good[8192], b[8192];
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f && fread(good, 1, (size_t)size, f) == (size_t)size, "read back the checkpoint");
    fclose(f);
    snprintf(bad, sizeof bad, "%s/bad.ckpt", dir);

    snprintf(msg, sizeof msg, "%s/nope.ckpt: cannot open: No such file or directory", dir);
    char nope[160];
    snprintf(nope, sizeof nope, "%s/nope.ckpt", dir);
    expect_ckpt_refused(nope, 100, model_names, 3, msg, "missing file");

    write_bytes(bad, good, (size_t)size - 10);
    snprintf(msg, sizeof msg, "truncated: expected %ld bytes, file has %ld", size, size - 10);
    expect_ckpt_refused(bad, 100, model_names, 3, msg, "truncated in the last tensor");
    write_bytes(bad, good, (size_t)size / 2);
    snprintf(msg, sizeof msg, "truncated: expected %ld bytes, file has %ld", size, size / 2);
    expect_ckpt_refused(bad, 100, model_names, 3, msg, "truncated in the middle");
    write_bytes(bad, good, 0);
    snprintf(msg, sizeof msg, "truncated: expected %ld bytes, file has 0", size);
    expect_ckpt_refused(bad, 100, model_names, 3, msg, "empty file");

    memcpy(b, good, (size_t)size);
    b[size / 2] ^= 0x01;
    write_bytes(bad, b, (size_t)size);
    expect_ckpt_refused(bad, 100, model_names, 3, "checksum mismatch", "one flipped bit in the data");
    memcpy(b, good, (size_t)size);
    b[12 + 4 + 1 + 4] ^= 0x10; /* C's first size: 27 -> 11 */
    write_bytes(bad, b, (size_t)size);
    expect_ckpt_refused(bad, 100, model_names, 3, "checksum mismatch", "one flipped bit in a shape");

    memcpy(b, good, (size_t)size);
    memcpy(b, "PK\3\4", 4);
    write_bytes(bad, b, (size_t)size);
    expect_ckpt_refused(bad, 100, model_names, 3, "not a makemore-c checkpoint", "wrong magic");

    memcpy(b, good, (size_t)size);
    b[4] = 2;
    write_bytes(bad, b, (size_t)size);
    expect_ckpt_refused(bad, 100, model_names, 3, "checkpoint version 2, but this kit reads version 1", "wrong version");

    expect_ckpt_refused(path, 50, model_names, 3,
                        "tensor W1 has shape [6, 100] in the checkpoint but the model wants [6, 50]. HINT: train with the same --hidden/--emb as you sample with",
                        "wrong shape");
    const char *const other_names[3] = {"C", "W2", "b1"};
    expect_ckpt_refused(path, 100, other_names, 3, "tensor 1 is named 'W1' in the checkpoint but the model wants 'W2'", "wrong name");
    expect_ckpt_refused(path, 100, model_names, 2, "the checkpoint holds 3 tensors but the model has 2", "wrong count");

    /* A corrupt count or size whose CRC still holds: refused without allocating from it. */
    unsigned char huge[16] = {'M', 'M', 'C', 'K', 1, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF};
    uint32_t crc = kit_crc32(huge, 12, 0);
    for (int i = 0; i < 4; i++) huge[12 + i] = (unsigned char)(crc >> (8 * i));
    write_bytes(bad, huge, 16);
    expect_ckpt_refused(bad, 100, model_names, 3, "malformed checkpoint", "count 2^32-1");
    unsigned char dims[40] = {'M', 'M', 'C', 'K', 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 'C', 2, 0, 0, 0,
                              0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF};
    crc = kit_crc32(dims, 29, 0);
    for (int i = 0; i < 4; i++) dims[29 + i] = (unsigned char)(crc >> (8 * i));
    write_bytes(bad, dims, 33);
    expect_ckpt_refused(bad, 100, model_names, 3, "malformed checkpoint: tensor 0 has more than", "sizes 2^32-1 x 2^32-1");

    expect_ckpt_refused(dir, 100, model_names, 3, "not a regular file", "a directory");
    remove(bad);
    remove(path);
    rmdir(dir);
}
END_TEST

/* ------------------------------------------------------------------------- */
/* evaluation */

typedef struct Calls {
    int n, start[8], count[8];
} Calls;

/* Example i has loss i; a chunk's mean loss is the mean of its indices. */
static double index_loss(void *ctx, int start, int count)
{
    Calls *c = ctx;
    if (c->n < 8) {
        c->start[c->n] = start;
        c->count[c->n] = count;
    }
    c->n++;
    return (double)start + (count - 1) / 2.0;
}

START_TEST(test_eval_batches)
{
    Calls c = {0};
    double m = eval_in_batches(10, 4, index_loss, &c);
    ck_assert_msg(m == 4.5, "mean loss over 10 examples in batches of 4: got %.17g, expected 4.5 (the mean of 0..9)", m);
    EXPECT_INT_EQ(c.n, 3, "chunks for 10 examples in batches of 4");
    ck_assert_msg(c.start[0] == 0 && c.count[0] == 4 && c.start[1] == 4 && c.count[1] == 4 && c.start[2] == 8 && c.count[2] == 2,
                  "chunks: got (%d,%d) (%d,%d) (%d,%d), expected (0,4) (4,4) (8,2)", c.start[0], c.count[0], c.start[1], c.count[1],
                  c.start[2], c.count[2]);
    Calls one = {0};
    m = eval_in_batches(7, 1000, index_loss, &one);
    ck_assert_msg(m == 3.0 && one.n == 1 && one.count[0] == 7, "one chunk when batch >= n: got %g in %d calls", m, one.n);
}
END_TEST

/* ------------------------------------------------------------------------- */
/* JSON */

START_TEST(test_json)
{
    FILE *f = tmpfile();
    ck_assert_msg(f != NULL, "tmpfile failed");
    json_begin(f);
    json_num(f, "train_loss", 2.0674145221710205);
    json_num(f, "steps", 200000);
    json_num(f, "lr", 0.1);
    json_num(f, "nan", NAN);
    json_num(f, "inf", -INFINITY);
    json_str(f, "name", "a\"b\\c\n\x01");
    json_str(f, "none", NULL);
    EXPECT_INT_EQ(json_end(f), 0, "json_end");
    char text[1024];
    slurp_file(f, text, sizeof text);
    fclose(f);
    const char *want = "{\"train_loss\": 2.0674145221710205, \"steps\": 200000, \"lr\": 0.10000000000000001, "
                       "\"nan\": null, \"inf\": null, \"name\": \"a\\\"b\\\\c\\n\\u0001\", \"none\": null}\n";
    ck_assert_msg(strcmp(text, want) == 0, "json:\n%s\nexpected:\n%s", text, want);
    ck_assert_msg(strtod("2.0674145221710205", NULL) == 2.0674145221710205, "%%.17g reads back bit-exact");

    f = tmpfile();
    json_begin(f);
    EXPECT_INT_EQ(json_end(f), 0, "json_end of an empty object");
    slurp_file(f, text, sizeof text);
    fclose(f);
    ck_assert_msg(strcmp(text, "{}\n") == 0, "an empty object: got %s", text);
}
END_TEST

/* ------------------------------------------------------------------------- */
/* issue 20: messages of the command line, outputs that cannot mix or lie */

/* Remove every file of `dir` (one level), then the directory. */
static void remove_dir(const char *dir)
{
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    ck_assert_msg(system(cmd) == 0, "%s", cmd);
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    ck_assert_msg(f && fputs(text, f) >= 0 && fclose(f) == 0, "write %s", path);
}

START_TEST(test_args_messages)
{
    /* `--` ends the flags, as in getopt; it used to be "unknown flag -- (did you mean -n?)". */
    const char *const d1[] = {"--", NULL};
    expect_parse(d1, 0, NULL);
    const char *const d2[] = {"--steps", "5", "--", "sample", NULL};
    expect_parse(d2, 0, NULL);
    const char *const d3[] = {"--", "--steps", "5", NULL};
    expect_parse(d3, 2, "lab03: unexpected argument '--steps' after '--'. HINT: flags go before '--'; lab03 --help lists them\n");

    /* A value with a newline: still one line, the newline shown as \n. */
    const char *const n1[] = {"--batch", "3\n4", NULL};
    expect_parse(n1, 2, "lab03: --batch 3\\n4: must be an integer from 1 to 1000000. HINT: the lectures use --batch 32\n");
    const char *const n2[] = {"--steps\nx", NULL};
    expect_parse(n2, 2, "lab03: unknown flag --steps\\nx. HINT: lab03 --help lists every flag\n");

    /* A flag whose value is decided per command (-1 before parsing, lab 01's
     * -n) has no default to name: it used to say "the default is -n -1". */
    n_before = -1;
    n_help = "how many names to sample (default 5 for train, 20 for sample)";
    const char *const m1[] = {"sample", "-n", "0", NULL};
    expect_parse(m1, 2, "lab03: -n 0: must be an integer from 1 to 1000000. HINT: lab03 --help lists every flag and its default\n");
    n_before = 20;
    n_help = NULL;

    /* A typo of a flag the lab does not take is not "corrected" into it. */
    prog_unused = "--steps --batch --lr";
    const char *const u1[] = {"--stpes", "3", NULL};
    expect_parse(u1, 2, "lab03: unknown flag --stpes. HINT: lab03 --help lists every flag\n");
    prog_unused = NULL;

    /* A 100,000-character value: cut in the middle, the reason and the HINT kept. */
    static char big[100001];
    memset(big, '7', 100000);
    big[0] = 'x';
    const char *const b1[] = {"--batch", big, NULL};
    char out[8192], err[4096];
    int st = parse_in_child(b1, out, sizeof out, err, sizeof err);
    EXPECT_INT_EQ(st, 2, "--batch with 100,000 characters");
    ck_assert_msg(strchr(err, '\n') == err + strlen(err) - 1, "one line: %s", err);
    EXPECT_CONTAINS(err, "...", "the value cut in the middle");
    EXPECT_CONTAINS(err, ": must be an integer from 1 to 1000000. HINT: the lectures use --batch 32\n", "reason and HINT kept");
    ck_assert_msg(strlen(err) < 512, "the line is %zu bytes", strlen(err));

    /* Run from inside a lab folder (issue 19): the defaults move up to the kit's top. */
    char top[64], lab[160], cwd[1024], path[200];
    make_tmpdir(top, sizeof top);
    ck_assert(getcwd(cwd, sizeof cwd) != NULL);
    snprintf(path, sizeof path, "%s/data", top);
    mkdir(path, 0777);
    snprintf(path, sizeof path, "%s/data/names.txt", top);
    write_text(path, "emma\n");
    snprintf(lab, sizeof lab, "%s/labs", top);
    mkdir(lab, 0777);
    snprintf(lab, sizeof lab, "%s/labs/03_mlp", top);
    mkdir(lab, 0777);
    ck_assert(chdir(lab) == 0);
    const char *const f0[] = {NULL};
    st = parse_in_child(f0, out, sizeof out, err, sizeof err);
    EXPECT_INT_EQ(st, 0, "no flags, from labs/03_mlp");
    EXPECT_CONTAINS(out, "data=../../data/names.txt out=../../build/out/lab03", "the defaults from a lab folder");
    const char *const f1[] = {"--data", "mine.txt", NULL};
    st = parse_in_child(f1, out, sizeof out, err, sizeof err);
    EXPECT_CONTAINS(out, "data=mine.txt out=build/out/lab03", "a --data the user gave stays as given");
    ck_assert(chdir(top) == 0);   /* no ../../data here: the defaults stay */
    st = parse_in_child(f0, out, sizeof out, err, sizeof err);
    EXPECT_CONTAINS(out, "data=data/names.txt out=build/out/lab03", "the defaults elsewhere");
    ck_assert(chdir(cwd) == 0);
    remove_dir(top);
}
END_TEST

START_TEST(test_outputs_safe)
{
    char dir[64], path[200], victim[200], text[1024];
    make_tmpdir(dir, sizeof dir);
    bool was = kit_set_failure_quiet(true);

    /* A symlink where the temporary file would go is never written through:
     * the old fixed name, and the next 50 names this process would take. */
    snprintf(victim, sizeof victim, "%s/victim", dir);
    write_text(victim, "keep\n");
    snprintf(path, sizeof path, "%s/loss.tsv.tmp", dir);
    ck_assert(symlink(victim, path) == 0);
    for (int k = 0; k < 50; k++) {
        snprintf(path, sizeof path, "%s/loss.tsv.%ld.%d.tmp", dir, (long)getpid(), k);
        ck_assert(symlink(victim, path) == 0);
    }
    TsvLog log;
    EXPECT_INT_EQ(tsv_open(&log, dir, "loss.tsv", "step loss"), 0, "tsv_open past 51 symlinks");
    tsv_row(&log, "0\t1.5");
    EXPECT_INT_EQ(tsv_close(&log), 0, "tsv_close");
    read_path(victim, text, sizeof text);
    ck_assert_msg(strcmp(text, "keep\n") == 0, "the symlinks' target was written: %s", text);
    snprintf(path, sizeof path, "%s/loss.tsv", dir);
    read_path(path, text, sizeof text);
    ck_assert_msg(strcmp(text, "# step loss\n0\t1.5\n") == 0, "loss.tsv: %s", text);

    /* Two logs of one name at once (two runs, before the lock): each its own
     * temporary file, so the one renamed last is whole, never a mix. */
    TsvLog a, b;
    ck_assert(tsv_open(&a, dir, "two.tsv", "run") == 0 && tsv_open(&b, dir, "two.tsv", "run") == 0);
    ck_assert_msg(strcmp(a.tmp, b.tmp) != 0, "two logs share the temporary file %s", a.tmp);
    for (int i = 0; i < 3; i++) {
        tsv_row(&a, "a%d", i);
        tsv_row(&b, "b%d", i);
    }
    ck_assert(tsv_close(&a) == 0 && tsv_close(&b) == 0);
    snprintf(path, sizeof path, "%s/two.tsv", dir);
    read_path(path, text, sizeof text);
    ck_assert_msg(strcmp(text, "# run\nb0\nb1\nb2\n") == 0, "two.tsv is one log: %s", text);

    /* Another process writing into the directory: refused with one line. */
    int ready[2], go[2];
    ck_assert(pipe(ready) == 0 && pipe(go) == 0);
    char other[64];
    make_tmpdir(other, sizeof other);
    fflush(NULL);
    pid_t pid = fork();
    ck_assert(pid >= 0);
    if (pid == 0) {
        TsvLog c;
        char byte = tsv_open(&c, other, "loss.tsv", "x") == 0 ? 'y' : 'n';
        if (write(ready[1], &byte, 1) != 1 || read(go[0], &byte, 1) != 1) _exit(1);
        _exit(0);
    }
    char byte = 0;
    ck_assert(read(ready[0], &byte, 1) == 1 && byte == 'y');
    int before = kit_output_failures();
    EXPECT_INT_EQ(tsv_open(&log, other, "loss.tsv", "x"), -1, "tsv_open while another run holds the directory");
    EXPECT_CONTAINS(kit_last_failure(), ": another run is writing into this directory. HINT: wait for it to finish, or pass another --out",
                    "the lock's message");
    harness_note("%s", kit_last_failure());
    float w[2] = {1, 2};
    Tensor tw = {.data = w, .shape = SHAPE(2), .numel = 2};
    Tensor *tws[1] = {&tw};
    const char *names[1] = {"W"};
    snprintf(path, sizeof path, "%s/model.ckpt", other);
    EXPECT_INT_EQ(ckpt_save(path, tws, names, 1), -1, "ckpt_save while another run holds the directory");
    EXPECT_CONTAINS(kit_last_failure(), "another run", "ckpt_save's refusal");
    EXPECT_INT_EQ(kit_output_failures(), before + 2, "both refusals counted");
    ck_assert(write(go[1], "x", 1) == 1);
    int status;
    waitpid(pid, &status, 0);
    EXPECT_INT_EQ(tsv_open(&log, other, "loss.tsv", "x"), 0, "tsv_open once the other run ended (its lock with it)");
    tsv_discard(&log);

    /* A rename that fails (a directory under the log's name) is -1 and counted. */
    snprintf(path, sizeof path, "%s/blocked.tsv", dir);
    mkdir(path, 0777);
    snprintf(path, sizeof path, "%s/blocked.tsv/x", dir);
    write_text(path, "x");
    before = kit_output_failures();
    EXPECT_INT_EQ(tsv_open(&log, dir, "blocked.tsv", "a"), 0, "tsv_open");
    EXPECT_INT_EQ(tsv_close(&log), -1, "tsv_close when the rename fails");
    EXPECT_CONTAINS(kit_last_failure(), "cannot rename", "tsv_close's line");
    snprintf(path, sizeof path, "%s/blocked.ckpt", dir);
    mkdir(path, 0777);
    snprintf(path, sizeof path, "%s/blocked.ckpt/x", dir);
    write_text(path, "x");
    snprintf(path, sizeof path, "%s/blocked.ckpt", dir);
    EXPECT_INT_EQ(ckpt_save(path, tws, names, 1), -1, "ckpt_save when the rename fails");
    EXPECT_INT_EQ(kit_output_failures(), before + 2, "both failures counted");

    /* --json to a full disk: json_end says so. */
    FILE *full = fopen("/dev/full", "w");
    if (full) {
        json_begin(full);
        json_num(full, "x", 1);
        EXPECT_INT_EQ(json_end(full), -1, "json_end on /dev/full");
        EXPECT_CONTAINS(kit_last_failure(), "--json: the JSON object could not be written", "json_end's line");
        fclose(full);
    }
    kit_set_failure_quiet(was);
    remove_dir(dir);
    remove_dir(other);
}
END_TEST

/* The end of a run: the checkpoint and the log appear together, or neither. */
START_TEST(test_train_save)
{
    char dir[64], ckpt[200], logp[200], text[1024];
    make_tmpdir(dir, sizeof dir);
    snprintf(ckpt, sizeof ckpt, "%s/model.ckpt", dir);
    snprintf(logp, sizeof logp, "%s/loss.tsv", dir);
    float w[2] = {1, 2};
    Tensor tw = {.data = w, .shape = SHAPE(2), .numel = 2};
    Tensor *tws[1] = {&tw};
    const char *names[1] = {"W"};
    TsvLog log;

    /* A trained run: both files in place, no temporary file left. */
    ck_assert(tsv_open(&log, dir, "loss.tsv", "step loss") == 0);
    tsv_row(&log, "0\t3.0");
    EXPECT_INT_EQ(train_save(ckpt, tws, names, 1, &log, 1, true), 0, "train_save after 1 step");
    ck_assert(log.f == NULL && !exists(log.tmp));
    static unsigned char saved[256], now[256];
    long n_saved = read_path(ckpt, (char *)saved, sizeof saved);
    ck_assert(n_saved > 0);

    /* --steps 0 trained nothing: neither file is replaced (issue 20 item 4). */
    w[0] = w[1] = 0;
    ck_assert(tsv_open(&log, dir, "loss.tsv", "step loss") == 0);
    EXPECT_INT_EQ(train_save(ckpt, tws, names, 1, &log, 0, true), 0, "train_save after 0 steps");
    ck_assert_msg(read_path(ckpt, (char *)now, sizeof now) == n_saved && memcmp(now, saved, (size_t)n_saved) == 0,
                  "--steps 0 replaced the trained model.ckpt");
    read_path(logp, text, sizeof text);
    ck_assert_msg(strcmp(text, "# step loss\n0\t3.0\n") == 0, "--steps 0 replaced loss.tsv: %s", text);
    ck_assert_msg(log.f == NULL && !exists(log.tmp), "the discarded log's temporary file is gone");

    /* A checkpoint that cannot be saved: the previous log stays with the
     * previous checkpoint (issue 20 item 3), and the call says -1. */
    bool was = kit_set_failure_quiet(true);
    ck_assert(tsv_open(&log, dir, "loss.tsv", "step loss") == 0);
    tsv_row(&log, "0\t9.0");
    char blocked[220];
    snprintf(blocked, sizeof blocked, "%s/sub", dir);
    mkdir(blocked, 0777);
    snprintf(blocked, sizeof blocked, "%s/sub/model.ckpt", dir);
    mkdir(blocked, 0777);   /* a non-empty directory under the checkpoint's name: the rename fails */
    char inside[240];
    snprintf(inside, sizeof inside, "%s/x", blocked);
    write_text(inside, "x");
    EXPECT_INT_EQ(train_save(blocked, tws, names, 1, &log, 5, true), -1, "train_save when the checkpoint fails");
    kit_set_failure_quiet(was);
    read_path(logp, text, sizeof text);
    ck_assert_msg(strcmp(text, "# step loss\n0\t3.0\n") == 0, "the previous log was replaced after a failed save: %s", text);
    ck_assert_msg(log.f == NULL && !exists(log.tmp), "the failed run's log is discarded");
    remove_dir(dir);
}
END_TEST

int main(int argc, char **argv)
{
    const HarnessStep steps[] = {
        {"core.train.1", "args: defaults, both value forms, lab flags", test_args_good, 10},
        {"core.train.2", "args: bad values exit 2 with one line", test_args_bad, 30},
        {"core.train.3", "args: --help lists flags, ranges, defaults", test_args_help, 10},
        {"core.train.4", "progress line: off in a file, \\r on a tty", test_progress, 10},
        {"core.train.5", "TSV log: header, rows, .tmp renamed", test_tsv, 10},
        {"core.train.6", "NaN guard: nan/inf refused with a hint", test_loss_ok, 10},
        {"core.train.7", "CRC-32 check value 0xCBF43926", test_crc32, 10},
        {"core.train.8", "checkpoint: save and load bit-exact", test_ckpt_roundtrip, 10},
        {"core.train.9", "checkpoint: bad files refused, tensors kept", test_ckpt_refusals, 10},
        {"core.train.10", "eval_in_batches: example-weighted mean", test_eval_batches, 10},
        {"core.train.11", "JSON: %.17g numbers, null for NaN, escapes", test_json, 10},
        {"core.train.12", "args: a flag of one subcommand refused elsewhere", test_args_commands, 30},
        {"core.train.13", "args: --, newlines, long values, lab folders", test_args_messages, 30},
        {"core.train.14", "outputs: own temp files, dir lock, failures said", test_outputs_safe, 20},
        {"core.train.15", "end of a run: checkpoint and log together", test_train_save, 10},
    };
    return harness_main(argc, argv, "core.train", steps, sizeof steps / sizeof steps[0]);
}
