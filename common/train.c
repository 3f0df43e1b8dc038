/*
 * train.c: the plumbing every lab binary shares (train.h): the command line,
 * the progress line, TSV logs, the NaN guard, checkpoints, evaluation in
 * batches and --json output.
 *
 * What it is: the same behaviour in every lab, so a learner who has met one
 * lab's flags and errors knows them all. Errors are one line that names what
 * is wrong and says what to type next.
 * What it is not: anything about a model. Labs own their forward passes; this
 * file never looks inside a tensor except to save and load its float32 data.
 *
 * Sections, in the order a run meets them: command line, progress line, TSV
 * logs, NaN guard, checkpoints (with their CRC-32), evaluation, JSON.
 */
#define _POSIX_C_SOURCE 200809L /* isatty, fileno, mkdir, fstat */

#include "train.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "kit.h"

/* ========================================================================= */
/* Command line                                                              */
/* ========================================================================= */

/* The ranges of the shared flags (train.h documents them for --help). */
#define STEPS_MAX 100000000L /* 1e8: 500x the lectures' 200,000, still finite */
#define BATCH_MAX 1000000    /* more than any split of names.txt */
#define LR_MAX 1000.0        /* lr is in (0, LR_MAX] */

void kit_args_defaults(KitArgs *a, const char *name)
{
    /* One default out path per process: labs call this once, before parsing. */
    static char out_default[256];
    snprintf(out_default, sizeof out_default, "build/out/%s", name ? name : "lab");
    *a = (KitArgs){0};
    a->data = "data/names.txt";
    a->seed = 2147483647ULL;
    a->out = out_default;
}

/* The shared flags, so that lookup, suggestions and --help see one list. */
enum { F_DATA, F_SEED, F_STEPS, F_BATCH, F_LR, F_OUT, F_JSON, F_QUIET, F_HELP, F_NSHARED };
static const char *const shared_names[F_NSHARED] = {
    "--data", "--seed", "--steps", "--batch", "--lr", "--out", "--json", "--quiet", "--help",
};

/* Print `<prog>: <message>` as one line on stderr and exit 2 (a usage error). */
static _Noreturn void arg_fail(const KitProgram *prog, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static _Noreturn void arg_fail(const KitProgram *prog, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fflush(stdout);
    fprintf(stderr, "%s: %s\n", prog->name, msg);
    exit(2);
}

/*
 * Optimal-string-alignment distance (Levenshtein plus swapping two neighbours),
 * so the typo --stpes is one edit from --steps. Strings here are short flag
 * names; longer ones are simply "far".
 */
static int edit_distance(const char *a, const char *b)
{
    enum { MAXL = 40 };
    int la = (int)strlen(a), lb = (int)strlen(b);
    if (la >= MAXL || lb >= MAXL) return 1000;
    int d[MAXL + 1][MAXL + 1];
    for (int i = 0; i <= la; i++) d[i][0] = i;
    for (int j = 0; j <= lb; j++) d[0][j] = j;
    for (int i = 1; i <= la; i++) {
        for (int j = 1; j <= lb; j++) {
            int cost = a[i - 1] != b[j - 1];
            int best = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < best) best = d[i][j - 1] + 1;
            if (d[i - 1][j - 1] + cost < best) best = d[i - 1][j - 1] + cost;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < best)
                best = d[i - 2][j - 2] + 1;
            d[i][j] = best;
        }
    }
    return d[la][lb];
}

/* Keep `cand` in *best if it is closer to `word` than what is there, and close enough to suggest. */
static void consider(const char *word, const char *cand, const char **best, int *best_d)
{
    const char *w = word, *c = cand;
    while (*w == '-') w++;
    while (*c == '-') c++;
    int d = edit_distance(w, c);
    int len = (int)strlen(c);
    int limit = len / 3 > 1 ? len / 3 : 1; /* one typo in a short name, two in a long one */
    if (d <= limit && d < *best_d) {
        *best = cand;
        *best_d = d;
    }
}

/* The index of flag `name` among the lab's opts, or -1. */
static int find_opt(const KitOpt *opts, int nopts, const char *name, size_t len)
{
    for (int i = 0; i < nopts; i++)
        if (strlen(opts[i].name) == len && strncmp(opts[i].name, name, len) == 0) return i;
    return -1;
}
static int find_shared(const char *name, size_t len)
{
    for (int i = 0; i < F_NSHARED; i++)
        if (strlen(shared_names[i]) == len && strncmp(shared_names[i], name, len) == 0) return i;
    return -1;
}

/* ---- KitOpt.commands: the space-separated subcommands a lab flag belongs to ---- */

/* The next word of a space-separated list: its start in *w and length in *len; false at the end. */
static bool next_word(const char **p, const char **w, size_t *len)
{
    while (**p == ' ') (*p)++;
    if (!**p) return false;
    *w = *p;
    while (**p && **p != ' ') (*p)++;
    *len = (size_t)(*p - *w);
    return true;
}

static bool list_has(const char *list, const char *word)
{
    const char *p = list, *w;
    size_t len;
    while (next_word(&p, &w, &len))
        if (len == strlen(word) && strncmp(w, word, len) == 0) return true;
    return false;
}

/* "train", "train and sample", "train, lrsearch and sample"; returns how many words. */
static int list_phrase(const char *list, char *buf, size_t n)
{
    const char *p = list, *w;
    size_t len;
    int count = 0, total = 0;
    while (next_word(&p, &w, &len)) total++;
    buf[0] = '\0';
    p = list;
    while (next_word(&p, &w, &len)) {
        size_t l = strlen(buf);
        const char *sep = count == 0 ? "" : count == total - 1 ? " and " : ", ";
        snprintf(buf + l, n - l, "%s%.*s", sep, (int)len, w);
        count++;
    }
    return total;
}

/* ---- number parsing: the whole string, base 10, no overflow, no nan/inf ---- */

static bool parse_ll(const char *s, long long *out)
{
    if (!*s || (*s != '-' && *s != '+' && (*s < '0' || *s > '9'))) return false; /* no leading spaces */
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno == ERANGE || *end != '\0') return false;
    *out = v;
    return true;
}

static bool parse_u64(const char *s, uint64_t *out)
{
    /* strtoull would quietly accept "-1" as 2^64-1: allow digits only. */
    if (!*s || *s < '0' || *s > '9') return false;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno == ERANGE || *end != '\0') return false;
    *out = (uint64_t)v;
    return true;
}

static bool parse_double(const char *s, double *out)
{
    if (!*s || (*s != '-' && *s != '+' && *s != '.' && (*s < '0' || *s > '9'))) return false;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno == ERANGE || *end != '\0' || !isfinite(v)) return false; /* rejects nan, inf, 1e999, 1e-999 */
    *out = v;
    return true;
}

/* A value as the user typed it, quoted when it would otherwise be invisible. */
static const char *shown(const char *v, char *buf, size_t n)
{
    if (!*v || strchr(v, ' ') || strchr(v, '\t')) snprintf(buf, n, "'%s'", v);
    else snprintf(buf, n, "%s", v);
    return buf;
}

/* Print the usage of `prog` with every flag, its default and its range, to stdout. */
static void print_usage(const KitProgram *prog, const KitArgs *a, const KitOpt *opts, int nopts)
{
    FILE *f = stdout;
    fprintf(f, "%s: %s\n\n", prog->name, prog->purpose ? prog->purpose : "");
    fprintf(f, "usage: %s %s[flags]\n", prog->name, prog->commands && prog->commands[0] ? "[command] " : "");
    if (prog->commands && prog->commands[0]) {
        fprintf(f, "\ncommands:\n");
        for (int i = 0; prog->commands[i]; i++)
            fprintf(f, i == 0 ? "  %-22s(default)\n" : "  %s\n", prog->commands[i]);
    }
    /* The shared flags, less the ones this lab does not take (KitProgram.unused). */
#define TAKES(flag) (!prog->unused || !list_has(prog->unused, flag))
    fprintf(f, "\nflags (--flag VALUE or --flag=VALUE):\n");
    if (TAKES("--data")) fprintf(f, "  %-22swords file, one name per line (default %s)\n", "--data FILE", a->data ? a->data : "none");
    if (TAKES("--seed")) fprintf(f, "  %-22srandom seed, 0 to 18446744073709551615 (default %" PRIu64 ")\n", "--seed N", a->seed);
    if (TAKES("--steps")) fprintf(f, "  %-22straining steps, 0 to %ld (default %ld)\n", "--steps N", STEPS_MAX, a->steps);
    if (TAKES("--batch")) fprintf(f, "  %-22sminibatch size, 1 to %d (default %d)\n", "--batch N", BATCH_MAX, a->batch);
    if (TAKES("--lr")) fprintf(f, "  %-22slearning rate, greater than 0 and at most %g (default %g)\n", "--lr X", LR_MAX, a->lr);
    if (TAKES("--out")) fprintf(f, "  %-22swhere logs and checkpoints go (default %s)\n", "--out DIR", a->out ? a->out : "none");
#undef TAKES
    fprintf(f, "  %-22sprint one JSON object with the run's figures at the end\n", "--json");
    fprintf(f, "  %-22sno progress line, no chatter\n", "--quiet");
    fprintf(f, "  %-22sthis text\n", "--help");
    if (nopts > 0) fprintf(f, "\n%s flags:\n", prog->name);
    for (int i = 0; i < nopts; i++) {
        const KitOpt *o = &opts[i];
        char left[64];
        const char *meta = o->type == KIT_OPT_DOUBLE ? " X" : o->type == KIT_OPT_STRING ? " VALUE" : o->type == KIT_OPT_FLAG ? "" : " N";
        snprintf(left, sizeof left, "%s%s", o->name, meta);
        fprintf(f, "  %-22s%s", left, o->help ? o->help : "");
        bool own_default = o->help && strstr(o->help, "(default ");   /* "(default 5 for train, 20 for sample)" */
        if (own_default) {   /* the help's words for the default, then only the range */
            if (o->type == KIT_OPT_DOUBLE) fprintf(f, ", %g to %g", o->min, o->max);
            else if (o->type == KIT_OPT_INT || o->type == KIT_OPT_LONG) fprintf(f, ", %.0f to %.0f", o->min, o->max);
        } else switch (o->type) {
        case KIT_OPT_INT: fprintf(f, ", %.0f to %.0f (default %d)", o->min, o->max, *(int *)o->value); break;
        case KIT_OPT_LONG: fprintf(f, ", %.0f to %.0f (default %ld)", o->min, o->max, *(long *)o->value); break;
        case KIT_OPT_DOUBLE: fprintf(f, ", %g to %g (default %g)", o->min, o->max, *(double *)o->value); break;
        case KIT_OPT_STRING: {
            const char *v = *(const char **)o->value;
            fprintf(f, " (default %s)", v ? v : "none");
            break;
        }
        case KIT_OPT_FLAG: fprintf(f, " (default %s)", *(bool *)o->value ? "on" : "off"); break;
        }
        if (o->commands) {
            char phrase[256];
            list_phrase(o->commands, phrase, sizeof phrase);
            fprintf(f, " [%s only]", phrase);
        }
        fprintf(f, "\n");
    }
    if (prog->usage_extra) fprintf(f, "\n%s\n", prog->usage_extra);
    fflush(f);
}

/* Set a lab option from its text value, or fail naming the flag and its range. */
static void set_opt(const KitProgram *prog, const KitOpt *o, const char *v)
{
    char sv[300];
    shown(v, sv, sizeof sv);
    long long iv;
    double dv;
    switch (o->type) {
    case KIT_OPT_INT:
    case KIT_OPT_LONG: {
        bool ok = parse_ll(v, &iv) && (double)iv >= o->min && (double)iv <= o->max;
        if (o->type == KIT_OPT_INT) ok = ok && iv >= INT_MIN && iv <= INT_MAX;
        if (!ok) {
            long long def = o->type == KIT_OPT_INT ? *(int *)o->value : *(long *)o->value;
            arg_fail(prog, "%s %s: must be an integer from %.0f to %.0f. HINT: the default is %s %lld; %s --help lists every flag",
                     o->name, sv, o->min, o->max, o->name, def, prog->name);
        }
        if (o->type == KIT_OPT_INT) *(int *)o->value = (int)iv;
        else *(long *)o->value = (long)iv;
        break;
    }
    case KIT_OPT_DOUBLE:
        if (!parse_double(v, &dv) || dv < o->min || dv > o->max)
            arg_fail(prog, "%s %s: must be a number from %g to %g. HINT: the default is %s %g; %s --help lists every flag",
                     o->name, sv, o->min, o->max, o->name, *(double *)o->value, prog->name);
        *(double *)o->value = dv;
        break;
    case KIT_OPT_STRING:
        if (!*v) arg_fail(prog, "%s '': must not be empty. HINT: %s --help lists every flag", o->name, prog->name);
        *(const char **)o->value = v;
        break;
    case KIT_OPT_FLAG:
        *(bool *)o->value = true;
        break;
    }
}

/* Set a shared flag from its text value, or fail naming the flag and its range. */
static void set_shared(const KitProgram *prog, int which, const char *v, KitArgs *a)
{
    char sv[300];
    shown(v, sv, sizeof sv);
    long long iv;
    uint64_t uv;
    double dv;
    switch (which) {
    case F_DATA:
        if (!*v) arg_fail(prog, "--data '': must be a file path. HINT: e.g. --data data/names.txt");
        a->data = v;
        break;
    case F_OUT:
        if (!*v) arg_fail(prog, "--out '': must be a directory path. HINT: e.g. --out build/out/%s", prog->name);
        a->out = v;
        break;
    case F_SEED:
        if (!parse_u64(v, &uv))
            arg_fail(prog, "--seed %s: must be an integer from 0 to 18446744073709551615. HINT: the lectures use --seed 2147483647", sv);
        a->seed = uv;
        break;
    case F_STEPS:
        if (!parse_ll(v, &iv) || iv < 0 || iv > STEPS_MAX)
            arg_fail(prog, "--steps %s: must be an integer from 0 to %ld. HINT: e.g. --steps 1000 for a quick run (0 trains nothing)", sv, STEPS_MAX);
        a->steps = (long)iv;
        break;
    case F_BATCH:
        if (!parse_ll(v, &iv) || iv < 1 || iv > BATCH_MAX)
            arg_fail(prog, "--batch %s: must be an integer from 1 to %d. HINT: the lectures use --batch 32", sv, BATCH_MAX);
        a->batch = (int)iv;
        break;
    case F_LR:
        if (!parse_double(v, &dv) || !(dv > 0.0) || dv > LR_MAX)
            arg_fail(prog, "--lr %s: must be a number greater than 0 and at most %g. HINT: the lectures use --lr 0.1", sv, LR_MAX);
        a->lr = dv;
        break;
    default:
        break;
    }
}

void kit_parse_args(int argc, char **argv, const KitProgram *prog, KitArgs *a, const KitOpt *opts, int nopts)
{
    KIT_CHECK(prog && prog->name && a, "kit_parse_args: NULL program or args. HINT: pass the lab's KitProgram and its KitArgs");
    KIT_CHECK(nopts == 0 || opts, "kit_parse_args: %d opts but opts is NULL. HINT: pass the lab's KitOpt array", nopts);
    for (int i = 0; i < nopts; i++) {
        KIT_CHECK(opts[i].name && opts[i].name[0] == '-' && opts[i].value,
                  "kit_parse_args: lab flag %d has no name or no value pointer. HINT: {\"--emb\", KIT_OPT_INT, &emb, 1, 64, \"...\"}", i);
        KIT_CHECK(find_shared(opts[i].name, strlen(opts[i].name)) < 0,
                  "kit_parse_args: lab flag %s is already a shared flag. HINT: pick another name", opts[i].name);
        if (opts[i].commands) {
            const char *p = opts[i].commands, *w;
            size_t len;
            int words = 0;
            while (next_word(&p, &w, &len)) {
                bool known = false;
                for (int c = 0; prog->commands && prog->commands[c]; c++)
                    known = known || (strlen(prog->commands[c]) == len && strncmp(prog->commands[c], w, len) == 0);
                KIT_CHECK(known, "kit_parse_args: lab flag %s lists the command '%.*s', which %s does not have. HINT: "
                          "KitOpt.commands names some of KitProgram.commands, separated by spaces",
                          opts[i].name, (int)len, w, prog->name);
                words++;
            }
            KIT_CHECK(words > 0, "kit_parse_args: lab flag %s has an empty commands list. HINT: NULL means every command",
                      opts[i].name);
        }
    }
    if (prog->unused) {
        const char *p = prog->unused, *w;
        size_t len;
        while (next_word(&p, &w, &len)) {
            int k = find_shared(w, len);
            KIT_CHECK(k >= 0 && k != F_JSON && k != F_QUIET && k != F_HELP,
                      "kit_parse_args: KitProgram.unused lists '%.*s', which is not a shared flag taking a value. "
                      "HINT: name some of --data --seed --steps --batch --lr --out, separated by spaces", (int)len, w);
        }
    }
    enum { MAX_OPTS = 64 };
    KIT_CHECK(nopts <= MAX_OPTS, "kit_parse_args: %d lab flags, at most %d. HINT: fewer flags", nopts, MAX_OPTS);
    /* Where each lab flag was last given (its value too), for the commands check at the end. */
    bool given[MAX_OPTS] = {false};
    const char *given_value[MAX_OPTS] = {NULL};
    bool short_h = find_opt(opts, nopts, "-h", 2) < 0;

    /* --help anywhere wins, and shows the defaults before any flag changed them. */
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || (short_h && strcmp(argv[i], "-h") == 0)) {
            print_usage(prog, a, opts, nopts);
            exit(0);
        }
    }

    bool command_given = false; /* a->command may hold the lab's default: only argv counts here */
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (arg[0] != '-' || arg[1] == '\0') {
            /* Not a flag: the subcommand, once, and only one of prog->commands. */
            const char *best = NULL;
            int best_d = 1000;
            if (!command_given && prog->commands) {
                for (int c = 0; prog->commands[c]; c++) {
                    if (strcmp(arg, prog->commands[c]) == 0) {
                        a->command = prog->commands[c];
                        command_given = true;
                        goto next;
                    }
                    consider(arg, prog->commands[c], &best, &best_d);
                }
                char list[256] = "";
                for (int c = 0; prog->commands[c]; c++) {
                    size_t l = strlen(list);
                    snprintf(list + l, sizeof list - l, "%s%s", c ? ", " : "", prog->commands[c]);
                }
                if (best)
                    arg_fail(prog, "unknown command '%s' (did you mean %s?). HINT: the commands are %s", arg, best, list);
                arg_fail(prog, "unknown command '%s'. HINT: the commands are %s; flags start with --", arg, list);
            }
            if (command_given)
                arg_fail(prog, "unexpected argument '%s' after the command '%s'. HINT: flags start with --; %s --help lists them",
                         arg, a->command, prog->name);
            arg_fail(prog, "unexpected argument '%s'. HINT: flags start with --; %s --help lists them", arg, prog->name);
        }

        /* A flag: --name, --name=value or --name value. */
        const char *eq = strchr(arg, '=');
        size_t nlen = eq ? (size_t)(eq - arg) : strlen(arg);
        int shared = find_shared(arg, nlen);
        int opt = shared < 0 ? find_opt(opts, nopts, arg, nlen) : -1;
        if (shared < 0 && opt < 0) {
            char name[128];
            snprintf(name, sizeof name, "%.*s", (int)(nlen < 100 ? nlen : 100), arg);
            const char *best = NULL;
            int best_d = 1000;
            for (int k = 0; k < F_NSHARED; k++) consider(name, shared_names[k], &best, &best_d);
            for (int k = 0; k < nopts; k++) consider(name, opts[k].name, &best, &best_d);
            if (best) arg_fail(prog, "unknown flag %s (did you mean %s?). HINT: %s --help lists every flag", name, best, prog->name);
            arg_fail(prog, "unknown flag %s. HINT: %s --help lists every flag", name, prog->name);
        }
        const char *fname = shared >= 0 ? shared_names[shared] : opts[opt].name;
        if (shared >= 0 && prog->unused && list_has(prog->unused, fname))   /* refused: it would change nothing */
            arg_fail(prog, "%s is not used by %s. HINT: %s --help lists the flags it takes", fname, prog->name, prog->name);
        bool takes_value = shared >= 0 ? (shared != F_JSON && shared != F_QUIET && shared != F_HELP)
                                       : opts[opt].type != KIT_OPT_FLAG;
        if (!takes_value) {
            if (eq) arg_fail(prog, "%s takes no value (got %s). HINT: write just %s", fname, arg, fname);
            if (shared == F_JSON) a->json = true;
            else if (shared == F_QUIET) a->quiet = true;
            else if (opt >= 0) {
                set_opt(prog, &opts[opt], "");
                given[opt] = true;
            }
            continue;
        }
        const char *value;
        if (eq) {
            value = eq + 1;
        } else {
            /* The next argument is the value, unless there is none or it is another flag. */
            if (i + 1 >= argc || (argv[i + 1][0] == '-' && argv[i + 1][1] == '-' && argv[i + 1][2] != '\0'))
                arg_fail(prog, "%s needs a value. HINT: write %s VALUE or %s=VALUE; %s --help shows its range",
                         fname, fname, fname, prog->name);
            value = argv[++i];
        }
        if (shared >= 0) {
            set_shared(prog, shared, value, a);
        } else {
            set_opt(prog, &opts[opt], value);
            given[opt] = true;
            given_value[opt] = value;
        }
    next:;
    }
    if (!a->command && prog->commands) a->command = prog->commands[0];

    /* Now that the command is known: a lab flag given to a command it does not
     * belong to would be silently ignored, so it is refused instead. */
    for (int k = 0; k < nopts; k++) {
        const KitOpt *o = &opts[k];
        if (!given[k] || !o->commands || (a->command && list_has(o->commands, a->command))) continue;
        char phrase[256], sv[300] = "";
        int count = list_phrase(o->commands, phrase, sizeof phrase);
        const char *p = o->commands, *w = "";
        size_t len = 0;
        next_word(&p, &w, &len); /* the first command the flag belongs to, for the hint */
        if (given_value[k]) shown(given_value[k], sv, sizeof sv);
        arg_fail(prog, "%s is only for the %s command%s. HINT: %s %.*s %s%s%s", o->name, phrase, count > 1 ? "s" : "",
                 prog->name, (int)len, w, o->name, given_value[k] ? " " : "", sv);
    }
}

/* ========================================================================= */
/* Progress line                                                             */
/* ========================================================================= */

/* "1:02:03" or "2:03" for a number of seconds. */
static void format_duration(double s, char *buf, size_t n)
{
    if (!isfinite(s) || s < 0) {
        snprintf(buf, n, "?");
        return;
    }
    long t = (long)(s + 0.5);
    if (t >= 3600) snprintf(buf, n, "%ld:%02ld:%02ld", t / 3600, (t / 60) % 60, t % 60);
    else snprintf(buf, n, "%ld:%02ld", t / 60, t % 60);
}

void progress_start(Progress *p, long total, bool quiet)
{
    p->total = total;
    p->t_start = kit_now();
    p->t_last = -1e300; /* the first update draws */
    p->drawn = false;
    /* Only a terminal gets the line: in a pipe or a log file, \r redraws are noise. */
    p->enabled = !quiet && isatty(fileno(stdout));
}

void progress_update(Progress *p, long step, double loss, double lr)
{
    if (!p->enabled) return;
    double now = kit_now();
    if (now - p->t_last < 0.1 && step < p->total) return; /* at most ~10 redraws a second */
    p->t_last = now;
    double elapsed = now - p->t_start;
    double rate = elapsed > 0 ? (double)step / elapsed : 0.0;
    char eta[32];
    format_duration(rate > 0 ? (double)(p->total - step) / rate : NAN, eta, sizeof eta);
    /* \r returns to the line start; ESC[K clears what a longer line left behind. */
    printf("\rstep %ld/%ld  loss %.4f  lr %g  %.0f steps/s  %s left\033[K", step, p->total, loss, lr, rate, eta);
    fflush(stdout);
    p->drawn = true;
}

double progress_end(Progress *p)
{
    double elapsed = kit_now() - p->t_start;
    if (p->enabled && p->drawn) {
        printf("\n");
        fflush(stdout);
    }
    p->drawn = false;
    return elapsed;
}

/* ========================================================================= */
/* TSV logs                                                                  */
/* ========================================================================= */

int kit_mkdirs(const char *dir)
{
    if (!dir || !*dir) return -1;
    char path[1024];
    size_t len = strlen(dir);
    if (len >= sizeof path) {
        errno = ENAMETOOLONG;
        return -1;
    }
    memcpy(path, dir, len + 1);
    /* Make each prefix that ends before a '/', then the whole path. */
    for (size_t i = 1; i <= len; i++) {
        if (path[i] != '/' && path[i] != '\0') continue;
        char saved = path[i];
        path[i] = '\0';
        if (mkdir(path, 0777) != 0 && errno != EEXIST) return -1;
        path[i] = saved;
    }
    struct stat st;
    if (stat(dir, &st) != 0) return -1;
    if (!S_ISDIR(st.st_mode)) {
        errno = ENOTDIR;
        return -1;
    }
    return 0;
}

int tsv_open(TsvLog *log, const char *dir, const char *name, const char *columns)
{
    *log = (TsvLog){0};
    if (kit_mkdirs(dir) != 0) {
        fprintf(stderr, "%s: cannot create directory: %s. HINT: pass a writable directory with --out\n", dir ? dir : "(null)", strerror(errno));
        return -1;
    }
    int n1 = snprintf(log->path, sizeof log->path, "%s/%s", dir, name);
    int n2 = snprintf(log->tmp, sizeof log->tmp, "%s/%s.tmp", dir, name);
    if (n1 < 0 || (size_t)n1 >= sizeof log->path || n2 < 0 || (size_t)n2 >= sizeof log->tmp) {
        fprintf(stderr, "%s/%s: path too long (limit %zu). HINT: pass a shorter --out\n", dir, name, sizeof log->path - 1);
        *log = (TsvLog){0};
        return -1;
    }
    log->f = fopen(log->tmp, "w");
    if (!log->f) {
        fprintf(stderr, "%s: cannot open for writing: %s. HINT: pass a writable directory with --out\n", log->tmp, strerror(errno));
        return -1;
    }
    fprintf(log->f, "# %s\n", columns ? columns : "");
    return 0;
}

void tsv_row(TsvLog *log, const char *fmt, ...)
{
    if (!log || !log->f) return;
    va_list ap;
    va_start(ap, fmt);
    vfprintf(log->f, fmt, ap);
    va_end(ap);
    fputc('\n', log->f);
}

void tsv_close(TsvLog *log)
{
    if (!log || !log->f) return;
    bool bad = fflush(log->f) != 0 || ferror(log->f);
    if (fclose(log->f) != 0) bad = true;
    log->f = NULL;
    if (bad) {
        fprintf(stderr, "%s: write failed: %s. HINT: is the disk full? The partial log stays in %s\n", log->path, strerror(errno), log->tmp);
        return;
    }
    /* rename is atomic: a reader (gnuplot) sees the old log or the whole new one. */
    if (rename(log->tmp, log->path) != 0)
        fprintf(stderr, "%s: cannot rename %s into place: %s. HINT: check the directory is writable\n", log->path, log->tmp, strerror(errno));
}

/* ========================================================================= */
/* NaN guard                                                                 */
/* ========================================================================= */

bool kit_loss_ok(double loss, long step)
{
    if (isfinite(loss)) return true;
    fflush(stdout);
    fprintf(stderr, "step %ld: loss is %s. HINT: the learning rate may be too high or the initialization too large; try a smaller --lr, e.g. a tenth of the current one\n",
            step, isnan(loss) ? "nan" : loss > 0 ? "inf" : "-inf");
    return false;
}

/* ========================================================================= */
/* Checkpoints                                                               */
/* ========================================================================= */
/*
 * Layout (every integer a little-endian u32, every value a little-endian float32):
 *   "MMCK" | version = 1 | count
 *   count times: name_len | name (no NUL) | ndim | ndim dims | numel floats
 *   crc32 of every byte above
 * The writer is explicit about byte order, so a checkpoint moves between machines.
 */

#define CKPT_VERSION 1u
#define CKPT_MAX_FILE_BYTES (1024L * 1024 * 1024) /* 1 GiB: far above any lab's model */
#define CKPT_MAX_NAME 255

static uint32_t crc_table[256];
static bool crc_table_ready;

uint32_t kit_crc32(const void *data, size_t n, uint32_t crc)
{
    /* The reflected IEEE CRC-32 (zlib, PNG), a byte at a time from a 256-entry table. */
    if (!crc_table_ready) {
        for (uint32_t i = 0; i < 256; i++) {
            uint32_t c = i;
            for (int k = 0; k < 8; k++) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            crc_table[i] = c;
        }
        crc_table_ready = true;
    }
    const unsigned char *p = data;
    crc = ~crc;
    for (size_t i = 0; i < n; i++) crc = crc_table[(crc ^ p[i]) & 0xFF] ^ (crc >> 8);
    return ~crc;
}

static void put_le32(unsigned char *b, uint32_t v)
{
    b[0] = (unsigned char)v;
    b[1] = (unsigned char)(v >> 8);
    b[2] = (unsigned char)(v >> 16);
    b[3] = (unsigned char)(v >> 24);
}
static uint32_t get_le32(const unsigned char *b)
{
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

/* Bytes go to the file and into the running CRC together. */
typedef struct CkptWriter {
    FILE *f;
    uint32_t crc;
    bool ok;
} CkptWriter;

static void w_bytes(CkptWriter *w, const void *p, size_t n)
{
    if (!w->ok || n == 0) return;
    w->crc = kit_crc32(p, n, w->crc);
    if (fwrite(p, 1, n, w->f) != n) w->ok = false;
}
static void w_u32(CkptWriter *w, uint32_t v)
{
    unsigned char b[4];
    put_le32(b, v);
    w_bytes(w, b, 4);
}

/* Format `[30, 200]` from ndim sizes. */
static const char *dims_str(const uint32_t *d, int ndim, char *buf, size_t n)
{
    size_t l = (size_t)snprintf(buf, n, "[");
    for (int i = 0; i < ndim && l < n; i++) l += (size_t)snprintf(buf + l, n - l, "%s%" PRIu32, i ? ", " : "", d[i]);
    if (l < n) snprintf(buf + l, n - l, "]");
    return buf;
}

/* A name read from a file, fit for a one-line message: bytes outside printable
 * ASCII (a newline, a NUL, an escape sequence) are shown as \xHH, never copied
 * to the terminal raw, and a long name is cut after NAME_SHOWN bytes with "..."
 * so the HINT still fits the caller's buffer. buf holds NAME_SHOWN_BUF bytes. */
#define NAME_SHOWN 32
#define NAME_SHOWN_BUF (4 * NAME_SHOWN + 4)
static const char *name_str(const unsigned char *name, uint32_t len, char *buf)
{
    size_t l = 0;
    for (uint32_t i = 0; i < len; i++) {
        if (i == NAME_SHOWN) {
            memcpy(buf + l, "...", 3);
            l += 3;
            break;
        }
        unsigned char c = name[i];
        if (c >= 0x20 && c < 0x7f && c != '\\') buf[l++] = (char)c;
        else l += (size_t)sprintf(buf + l, "\\x%02X", c);
    }
    buf[l] = '\0';
    return buf;
}

static int ckpt_fail(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int ckpt_fail(char *err, size_t errlen, const char *fmt, ...)
{
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return -1;
}

/* Check what the caller passes: n tensors with names, consistent shapes. */
static int check_model(const char *path, Tensor *const *tensors, const char *const *names, int n, char *err, size_t errlen)
{
    if (!path) return ckpt_fail(err, errlen, "(null): no checkpoint path. HINT: pass a path such as build/out/lab03/model.ckpt");
    if (n < 0 || (n > 0 && (!tensors || !names)))
        return ckpt_fail(err, errlen, "%s: %d tensors but no tensor or name array. HINT: pass the model's parameters and their names", path, n);
    for (int i = 0; i < n; i++) {
        const Tensor *t = tensors[i];
        if (!names[i] || !names[i][0] || strlen(names[i]) > CKPT_MAX_NAME)
            return ckpt_fail(err, errlen, "%s: tensor %d has no name or a name over %d characters. HINT: name each parameter (\"C\", \"W1\", ...)", path, i, CKPT_MAX_NAME);
        if (!t || !t->data)
            return ckpt_fail(err, errlen, "%s: tensor %s is NULL or has no data. HINT: create the model's parameters before saving or loading", path, names[i]);
        if (t->shape.ndim < 0 || t->shape.ndim > TENSOR_MAX_DIMS)
            return ckpt_fail(err, errlen, "%s: tensor %s has %d dimensions (at most %d). HINT: this is a bug in the caller", path, names[i], t->shape.ndim, TENSOR_MAX_DIMS);
        long long numel = 1;
        for (int k = 0; k < t->shape.ndim; k++) numel *= t->shape.d[k] >= 0 ? t->shape.d[k] : -1;
        if (numel < 0 || numel != t->numel)
            return ckpt_fail(err, errlen, "%s: tensor %s has numel %d but its shape holds %lld. HINT: this is a bug in the caller", path, names[i], t->numel, numel);
    }
    return 0;
}

/* The size in bytes of a checkpoint holding exactly these tensors. */
static uint64_t model_file_size(Tensor *const *tensors, const char *const *names, int n)
{
    uint64_t s = 12 + 4;
    for (int i = 0; i < n; i++)
        s += 4 + strlen(names[i]) + 4 + 4 * (uint64_t)tensors[i]->shape.ndim + 4 * (uint64_t)tensors[i]->numel;
    return s;
}

int ckpt_save(const char *path, Tensor *const *tensors, const char *const *names, int n, char *err, size_t errlen)
{
    if (err && errlen) err[0] = '\0';
    if (check_model(path, tensors, names, n, err, errlen) != 0) return -1;
    char tmp[1100];
    if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp)
        return ckpt_fail(err, errlen, "%s: path too long. HINT: use a shorter --out", path);

    CkptWriter w = {fopen(tmp, "wb"), 0, true};
    if (!w.f) return ckpt_fail(err, errlen, "%s: cannot open for writing: %s. HINT: check that --out is a writable directory", tmp, strerror(errno));
    w_bytes(&w, "MMCK", 4);
    w_u32(&w, CKPT_VERSION);
    w_u32(&w, (uint32_t)n);
    for (int i = 0; i < n; i++) {
        const Tensor *t = tensors[i];
        size_t len = strlen(names[i]);
        w_u32(&w, (uint32_t)len);
        w_bytes(&w, names[i], len);
        w_u32(&w, (uint32_t)t->shape.ndim);
        for (int k = 0; k < t->shape.ndim; k++) w_u32(&w, (uint32_t)t->shape.d[k]);
        /* float32 bits, little-endian, converted in chunks so any host writes the same bytes. */
        unsigned char chunk[4096];
        for (int j = 0; j < t->numel;) {
            int m = t->numel - j < 1024 ? t->numel - j : 1024;
            for (int q = 0; q < m; q++) {
                uint32_t bits;
                memcpy(&bits, &t->data[j + q], 4);
                put_le32(chunk + 4 * q, bits);
            }
            w_bytes(&w, chunk, 4 * (size_t)m);
            j += m;
        }
    }
    unsigned char b[4];
    put_le32(b, w.crc);
    if (w.ok && fwrite(b, 1, 4, w.f) != 4) w.ok = false;
    if (fflush(w.f) != 0) w.ok = false;
    int e = errno;
    if (fclose(w.f) != 0) w.ok = false;
    if (!w.ok) {
        remove(tmp);
        return ckpt_fail(err, errlen, "%s: write failed: %s. HINT: is the disk full?", tmp, strerror(e));
    }
    /* Renaming is atomic: the old checkpoint stays whole until the new one is. */
    if (rename(tmp, path) != 0) {
        e = errno;
        remove(tmp);
        return ckpt_fail(err, errlen, "%s: cannot rename %s into place: %s. HINT: check the directory is writable", path, tmp, strerror(e));
    }
    return 0;
}

/*
 * Walk the file's own structure without trusting it: every field is read only
 * after checking it lies inside the buffer, and nothing is allocated from the
 * numbers found, so a corrupt count or size costs nothing.
 * Returns 1 when the walk reached the end of the last tensor (*implied = the
 * size the file should have, CRC included), 0 when a header lies beyond the
 * end of the file (*implied = how many bytes were needed at least), or -1 when
 * a field is impossible (its reason in why).
 */
static int ckpt_walk(const unsigned char *buf, uint64_t size, uint64_t *implied, char *why, size_t whylen)
{
    uint64_t off = 12;
    uint32_t count = get_le32(buf + 8);
    for (uint32_t k = 0; k < count; k++) {
        if (off + 4 > size) { *implied = off + 4; return 0; }
        uint32_t len = get_le32(buf + off);
        off += 4;
        if (len == 0 || len > CKPT_MAX_NAME) {
            snprintf(why, whylen, "tensor %" PRIu32 " has a name of %" PRIu32 " bytes (1 to %d)", k, len, CKPT_MAX_NAME);
            return -1;
        }
        off += len;
        if (off + 4 > size) { *implied = off + 4; return 0; }
        uint32_t ndim = get_le32(buf + off);
        off += 4;
        if (ndim > TENSOR_MAX_DIMS) {
            snprintf(why, whylen, "tensor %" PRIu32 " has %" PRIu32 " dimensions (at most %d)", k, ndim, TENSOR_MAX_DIMS);
            return -1;
        }
        if (off + 4 * (uint64_t)ndim > size) { *implied = off + 4 * (uint64_t)ndim; return 0; }
        uint64_t numel = 1;
        for (uint32_t d = 0; d < ndim; d++) {
            numel *= get_le32(buf + off + 4 * d);
            if (numel > (uint64_t)INT_MAX) {
                snprintf(why, whylen, "tensor %" PRIu32 " has more than %d elements", k, INT_MAX);
                return -1;
            }
        }
        off += 4 * (uint64_t)ndim + 4 * numel; /* the data: skipped, not read */
    }
    *implied = off + 4;
    return 1;
}

int ckpt_load(const char *path, Tensor *const *tensors, const char *const *names, int n, char *err, size_t errlen)
{
    if (err && errlen) err[0] = '\0';
    if (check_model(path, tensors, names, n, err, errlen) != 0) return -1;

    /* ---- read the whole file (bounded), so every check below is on memory ---- */
    FILE *f = fopen(path, "rb");
    if (!f)
        return ckpt_fail(err, errlen, "%s: cannot open: %s. HINT: run the train command first (it writes the checkpoint), or check --out",
                         path, strerror(errno));
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        fclose(f);
        return ckpt_fail(err, errlen, "%s: not a regular file. HINT: pass the checkpoint file itself, not its directory", path);
    }
    if (st.st_size > CKPT_MAX_FILE_BYTES) {
        fclose(f);
        return ckpt_fail(err, errlen, "%s: file is %lld bytes, larger than any checkpoint of the kit (limit %ld). HINT: pass a checkpoint written by a lab's train command",
                         path, (long long)st.st_size, CKPT_MAX_FILE_BYTES);
    }
    uint64_t size = (uint64_t)st.st_size;
    unsigned char *buf = malloc(size > 0 ? size : 1);
    KIT_CHECK(buf, "out of memory reading %s (%" PRIu64 " bytes). HINT: free some memory", path, size);
    size_t got = fread(buf, 1, size, f);
    fclose(f);
    int rc = -1;
    char why[200];
    if (got != size) {
        ckpt_fail(err, errlen, "%s: read %zu of %" PRIu64 " bytes. HINT: is the file being written right now?", path, got, size);
        goto done;
    }
    uint64_t want = model_file_size(tensors, names, n);

    /* ---- what it is: magic, then version ---- */
    if (memcmp(buf, "MMCK", size < 4 ? size : 4) != 0) {
        ckpt_fail(err, errlen, "%s: not a makemore-c checkpoint (it does not start with MMCK). HINT: pass a file written by a lab's train command", path);
        goto done;
    }
    if (size < 12) {
        ckpt_fail(err, errlen, "%s: truncated: expected %" PRIu64 " bytes, file has %" PRIu64 ". HINT: the run that wrote it was interrupted or the copy is incomplete; train again",
                  path, want, size);
        goto done;
    }
    uint32_t version = get_le32(buf + 4);
    if (version != CKPT_VERSION) {
        ckpt_fail(err, errlen, "%s: checkpoint version %" PRIu32 ", but this kit reads version %u. HINT: train again with this version of the kit",
                  path, version, CKPT_VERSION);
        goto done;
    }

    /* ---- whole: the size its headers imply, then the CRC ---- */
    uint64_t implied = 0;
    int walk = ckpt_walk(buf, size, &implied, why, sizeof why);
    bool self_consistent = size >= 16 && kit_crc32(buf, size - 4, 0) == get_le32(buf + size - 4);
    if (walk != 1 || implied != size) {
        if (self_consistent) {
            /* Its CRC holds, yet the layout is impossible: not written by this kit. */
            ckpt_fail(err, errlen, "%s: malformed checkpoint: %s. HINT: pass a file written by a lab's train command",
                      path, walk == -1 ? why : "its size does not match its headers");
        } else if (size == want || walk == -1) {
            /* The right size for this model, or an impossible header, and a
             * wrong CRC: bytes changed, not lost. */
            ckpt_fail(err, errlen, "%s: checksum mismatch: the file is corrupt. HINT: train again, or restore the checkpoint from a copy", path);
        } else if (walk == 0 || implied > size) {
            uint64_t expect = walk == 1 ? implied : (want > size ? want : implied);
            ckpt_fail(err, errlen, "%s: truncated: expected %" PRIu64 " bytes, file has %" PRIu64 ". HINT: the run that wrote it was interrupted or the copy is incomplete; train again",
                      path, expect, size);
        } else {
            ckpt_fail(err, errlen, "%s: %" PRIu64 " unexpected bytes after the checksum (expected %" PRIu64 " bytes, file has %" PRIu64 "). HINT: the file is corrupt; train again",
                      path, size - implied, implied, size);
        }
        goto done;
    }
    if (!self_consistent) {
        ckpt_fail(err, errlen, "%s: checksum mismatch (stored 0x%08" PRIX32 ", computed 0x%08" PRIX32 "): the file is corrupt. HINT: train again, or restore the checkpoint from a copy",
                  path, get_le32(buf + size - 4), kit_crc32(buf, size - 4, 0));
        goto done;
    }

    /* ---- what it holds: the model's tensors, by name and shape, in order ---- */
    uint32_t count = get_le32(buf + 8);
    if (count != (uint32_t)n) {
        ckpt_fail(err, errlen, "%s: the checkpoint holds %" PRIu32 " tensors but the model has %d. HINT: it was written by another lab or model; load it with the binary that trained it",
                  path, count, n);
        goto done;
    }
    uint64_t off = 12;
    for (int i = 0; i < n; i++) {
        uint32_t len = get_le32(buf + off);
        const char *name = (const char *)buf + off + 4;
        off += 4 + len;
        if (len != strlen(names[i]) || memcmp(name, names[i], len) != 0) {
            char shown[NAME_SHOWN_BUF];
            ckpt_fail(err, errlen, "%s: tensor %d is named '%s' in the checkpoint but the model wants '%s'. HINT: it was written by another lab or model; load it with the binary that trained it",
                      path, i, name_str((const unsigned char *)name, len, shown), names[i]);
            goto done;
        }
        uint32_t ndim = get_le32(buf + off);
        uint32_t dims[TENSOR_MAX_DIMS], mine[TENSOR_MAX_DIMS];
        for (uint32_t d = 0; d < ndim; d++) dims[d] = get_le32(buf + off + 4 + 4 * d);
        const Tensor *t = tensors[i];
        bool same = (int)ndim == t->shape.ndim;
        for (int d = 0; d < t->shape.ndim; d++) {
            mine[d] = (uint32_t)t->shape.d[d];
            if (same && dims[d] != mine[d]) same = false;
        }
        if (!same) {
            char a[96], b[96];
            ckpt_fail(err, errlen, "%s: tensor %s has shape %s in the checkpoint but the model wants %s. HINT: train with the same --hidden/--emb as you sample with",
                      path, names[i], dims_str(dims, (int)ndim, a, sizeof a), dims_str(mine, t->shape.ndim, b, sizeof b));
            goto done;
        }
        off += 4 + 4 * (uint64_t)ndim + 4 * (uint64_t)t->numel;
    }

    /* ---- everything checked: now, and only now, overwrite the tensors ---- */
    off = 12;
    for (int i = 0; i < n; i++) {
        off += 4 + get_le32(buf + off);
        off += 4 + 4 * (uint64_t)get_le32(buf + off);
        Tensor *t = tensors[i];
        for (int j = 0; j < t->numel; j++) {
            uint32_t bits = get_le32(buf + off + 4 * (uint64_t)j);
            memcpy(&t->data[j], &bits, 4);
        }
        off += 4 * (uint64_t)t->numel;
    }
    rc = 0;
done:
    free(buf);
    return rc;
}

/* ========================================================================= */
/* Evaluation                                                                */
/* ========================================================================= */

double eval_in_batches(int n, int batch, double (*loss_fn)(void *ctx, int start, int count), void *ctx)
{
    KIT_CHECK(n > 0, "eval_in_batches: %d examples: nothing to evaluate. HINT: the split is empty; use a words file with more names", n);
    KIT_CHECK(batch > 0, "eval_in_batches: batch %d must be at least 1. HINT: a few thousand examples per batch is plenty", batch);
    KIT_CHECK(loss_fn, "eval_in_batches: loss_fn is NULL. HINT: pass a function returning a chunk's mean loss");
    /* Each chunk's mean is weighted by its size, so a short last chunk counts
     * as much as its examples, and the result is the mean over all n. */
    double total = 0.0;
    for (int start = 0; start < n; start += batch) {
        int count = n - start < batch ? n - start : batch;
        total += loss_fn(ctx, start, count) * (double)count;
    }
    return total / (double)n;
}

/* ========================================================================= */
/* JSON                                                                      */
/* ========================================================================= */

/* How many fields the object being printed has: one object at a time. */
static int json_fields;

static void json_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
        if (*p == '"' || *p == '\\') fprintf(f, "\\%c", *p);
        else if (*p == '\n') fputs("\\n", f);
        else if (*p == '\t') fputs("\\t", f);
        else if (*p == '\r') fputs("\\r", f);
        else if (*p < 0x20) fprintf(f, "\\u%04x", *p);
        else fputc(*p, f);
    }
    fputc('"', f);
}

static void json_key(FILE *f, const char *key)
{
    if (json_fields++ > 0) fputs(", ", f);
    json_string(f, key);
    fputs(": ", f);
}

void json_begin(FILE *f)
{
    json_fields = 0;
    fputc('{', f);
}

void json_num(FILE *f, const char *key, double v)
{
    json_key(f, key);
    /* JSON has no NaN or Infinity: null says "no number" and stays parseable. */
    if (isfinite(v)) fprintf(f, "%.17g", v);
    else fputs("null", f);
}

void json_str(FILE *f, const char *key, const char *v)
{
    json_key(f, key);
    if (v) json_string(f, v);
    else fputs("null", f);
}

void json_end(FILE *f)
{
    fputs("}\n", f);
    fflush(f);
    json_fields = 0;
}
