/*
 * args.c: the command line of every lab binary (args.h): the subcommand, the
 * shared flags, the lab's flags with their ranges, --help, and a spelling
 * suggestion for a flag or command that does not exist.
 *
 * What it is: the same behaviour in every lab. Errors are one line (printed by
 * kit_fail, kit.h) that names what is wrong and says what to type next, then
 * exit status 2: a usage error, before anything has started.
 * What it is not: getopt_long (args.h says why).
 */
#define _POSIX_C_SOURCE 200809L /* access */

#include "args.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kit.h"

/* The ranges of the shared flags (args.h documents them for --help). */
#define STEPS_MAX 100000000L /* 1e8: 500x the lectures' 200,000, still finite */
#define BATCH_MAX 1000000    /* more than any split of names.txt */
#define LR_MAX 1000.0        /* lr is in (0, LR_MAX] */

/* The defaults of --data and --out, kept so that kit_parse_args can tell a
 * default (which it may move, below) from a path the user typed. */
static const char DATA_DEFAULT[] = "data/names.txt";
static char out_default[256];

void kit_args_defaults(KitArgs *a, const char *name)
{
    /* One default out path per process: labs call this once, before parsing. */
    snprintf(out_default, sizeof out_default, "build/out/%s", name ? name : "lab");
    *a = (KitArgs){0};
    a->data = DATA_DEFAULT;
    a->seed = 2147483647ULL;
    a->out = out_default;
}

/* A lab binary run from inside its folder (labs/NN_name/, two levels below
 * the kit's top): the default paths are relative to the top, so they move up
 * two levels there. Only defaults move; a path the user gave stays as given. */
static void from_lab_folder(KitArgs *a, const char *name)
{
    static char out_up[300];
    if (a->data != DATA_DEFAULT || access(DATA_DEFAULT, F_OK) == 0 || access("../../data/names.txt", F_OK) != 0) return;
    a->data = "../../data/names.txt";
    if (a->out == out_default) {
        snprintf(out_up, sizeof out_up, "../../build/out/%s", name);
        a->out = out_up;
    }
}

/* The shared flags, so that lookup, suggestions and --help see one list. */
enum { F_DATA, F_SEED, F_STEPS, F_BATCH, F_LR, F_OUT, F_JSON, F_QUIET, F_HELP, F_NSHARED };
static const char *const shared_names[F_NSHARED] = {
    "--data", "--seed", "--steps", "--batch", "--lr", "--out", "--json", "--quiet", "--help",
};

/* Print `<prog>: <message>` as one line on stderr (kit_fail) and exit 2 (a usage error). */
static _Noreturn void arg_fail(const KitProgram *prog, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static _Noreturn void arg_fail(const KitProgram *prog, const char *fmt, ...)
{
    char msg[KIT_MESSAGE_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    kit_fail("%s: %s", prog->name, msg);
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

/* A value as the user typed it, quoted when it would otherwise be invisible
 * (empty, or with spaces), with control characters shown and a long one cut
 * in the middle (kit_shown), so the message stays one line that ends in its HINT. */
static const char *shown(const char *v, char *buf, size_t n)
{
    char s[KIT_SHOWN_BUF];
    kit_shown(v, s, sizeof s);
    if (!*v || strchr(v, ' ') || strchr(v, '\t')) snprintf(buf, n, "'%s'", s);
    else snprintf(buf, n, "%s", s);
    return buf;
}

/* Whether a lab flag's help states its default itself ("(default 5 for train, 20 for sample)"). */
static bool own_default(const KitOpt *o)
{
    return o->help && strstr(o->help, "(default ");
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
        if (own_default(o)) {   /* the help's words for the default, then only the range */
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
    char sv[KIT_SHOWN_BUF + 2];
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
            /* The value before parsing is the default only when it is one the flag
             * accepts: a lab that decides later (-1 for "per command", with the
             * help saying "(default ...)") has no single default to name. */
            if (own_default(o) || (double)def < o->min || (double)def > o->max)
                arg_fail(prog, "%s %s: must be an integer from %.0f to %.0f. HINT: %s --help lists every flag and its default",
                         o->name, sv, o->min, o->max, prog->name);
            arg_fail(prog, "%s %s: must be an integer from %.0f to %.0f. HINT: the default is %s %lld; %s --help lists every flag",
                     o->name, sv, o->min, o->max, o->name, def, prog->name);
        }
        if (o->type == KIT_OPT_INT) *(int *)o->value = (int)iv;
        else *(long *)o->value = (long)iv;
        break;
    }
    case KIT_OPT_DOUBLE:
        if (!parse_double(v, &dv) || dv < o->min || dv > o->max) {
            double def = *(double *)o->value;
            if (own_default(o) || !(def >= o->min && def <= o->max))
                arg_fail(prog, "%s %s: must be a number from %g to %g. HINT: %s --help lists every flag and its default",
                         o->name, sv, o->min, o->max, prog->name);
            arg_fail(prog, "%s %s: must be a number from %g to %g. HINT: the default is %s %g; %s --help lists every flag",
                     o->name, sv, o->min, o->max, o->name, def, prog->name);
        }
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
    char sv[KIT_SHOWN_BUF + 2];
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
    bool flags_ended = false;   /* after `--`, every argument is a word, never a flag */
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        char sa[KIT_SHOWN_BUF];
        kit_shown(arg, sa, sizeof sa);
        if (!flags_ended && strcmp(arg, "--") == 0) {
            flags_ended = true;
            continue;
        }
        if (flags_ended || arg[0] != '-' || arg[1] == '\0') {
            /* Not a flag: the subcommand, once, and only one of prog->commands. */
            if (flags_ended && arg[0] == '-' && arg[1] != '\0')
                arg_fail(prog, "unexpected argument '%s' after '--'. HINT: flags go before '--'; %s --help lists them", sa, prog->name);
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
                    arg_fail(prog, "unknown command '%s' (did you mean %s?). HINT: the commands are %s", sa, best, list);
                arg_fail(prog, "unknown command '%s'. HINT: the commands are %s; flags start with --", sa, list);
            }
            if (command_given)
                arg_fail(prog, "unexpected argument '%s' after the command '%s'. HINT: flags start with --; %s --help lists them",
                         sa, a->command, prog->name);
            arg_fail(prog, "unexpected argument '%s'. HINT: flags start with --; %s --help lists them", sa, prog->name);
        }

        /* A flag: --name, --name=value or --name value. */
        const char *eq = strchr(arg, '=');
        size_t nlen = eq ? (size_t)(eq - arg) : strlen(arg);
        int shared = find_shared(arg, nlen);
        int opt = shared < 0 ? find_opt(opts, nopts, arg, nlen) : -1;
        if (shared < 0 && opt < 0) {
            char raw[128], name[KIT_SHOWN_BUF];
            snprintf(raw, sizeof raw, "%.*s", (int)(nlen < 100 ? nlen : 100), arg);
            kit_shown(raw, name, sizeof name);
            const char *best = NULL;
            int best_d = 1000;
            for (int k = 0; k < F_NSHARED; k++)   /* a flag this lab refuses is no suggestion */
                if (!prog->unused || !list_has(prog->unused, shared_names[k])) consider(name, shared_names[k], &best, &best_d);
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
            if (eq) arg_fail(prog, "%s takes no value (got %s). HINT: write just %s", fname, sa, fname);
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
    from_lab_folder(a, prog->name);

    /* Now that the command is known: a lab flag given to a command it does not
     * belong to would be silently ignored, so it is refused instead. */
    for (int k = 0; k < nopts; k++) {
        const KitOpt *o = &opts[k];
        if (!given[k] || !o->commands || (a->command && list_has(o->commands, a->command))) continue;
        char phrase[256], sv[KIT_SHOWN_BUF + 2] = "";
        int count = list_phrase(o->commands, phrase, sizeof phrase);
        const char *p = o->commands, *w = "";
        size_t len = 0;
        next_word(&p, &w, &len); /* the first command the flag belongs to, for the hint */
        if (given_value[k]) shown(given_value[k], sv, sizeof sv);
        arg_fail(prog, "%s is only for the %s command%s. HINT: %s %.*s %s%s%s", o->name, phrase, count > 1 ? "s" : "",
                 prog->name, (int)len, w, o->name, given_value[k] ? " " : "", sv);
    }
}

