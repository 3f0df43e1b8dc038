/**
 * @file args.h
 * @brief The command line every lab binary shares: an optional subcommand, the
 *        shared flags (--data --seed --steps --batch --lr --out --json --quiet
 *        --help) and the lab's own flags, each with its range.
 *
 * What it is: one parser, so a learner who has met one lab's flags and errors
 * knows them all. A bad flag is one line that names the flag, its accepted
 * range and what to type instead (with a spelling suggestion for a typo), then
 * exit status 2. What it is not: a general option library.
 *
 * Why not getopt_long: it would give the `--flag VALUE` / `--flag=VALUE`
 * syntax, but not the rest of what the kit promises (ranges checked per flag,
 * flags that belong to one subcommand, "did you mean", a flag refused because
 * the lab does not use it), and it adds behaviour the kit does not want: it
 * accepts any unambiguous prefix (`--st` for `--steps`), permutes argv, and
 * prints its own messages. The syntax part is small, so the kit keeps its own.
 */
#ifndef KIT_ARGS_H
#define KIT_ARGS_H

#include <stdbool.h>
#include <stdint.h>

/** The flags every lab binary takes. kit_args_defaults() fills the lecture's values. */
typedef struct KitArgs {
    const char *data;   /**< --data FILE, default "data/names.txt" */
    uint64_t seed;      /**< --seed N, 0 to 2^64-1, default 2147483647 */
    long steps;         /**< --steps N, 0 to 100000000 (lab's default set before parsing; 0 trains nothing) */
    int batch;          /**< --batch N, 1 to 1000000 */
    double lr;          /**< --lr X, greater than 0 and at most 1000 (nan, inf refused) */
    const char *out;    /**< --out DIR, default "build/out/labNN" */
    bool json;          /**< --json: print one JSON object with the run's figures at the end */
    bool quiet;         /**< --quiet: no progress line, no chatter */
    const char *command;/**< the subcommand (train, sample, eval...), or the lab's default */
} KitArgs;

/** The kind of value a lab-specific flag takes. */
typedef enum KitOptType { KIT_OPT_INT, KIT_OPT_LONG, KIT_OPT_DOUBLE, KIT_OPT_STRING, KIT_OPT_FLAG } KitOptType;

/**
 * A lab-specific flag, e.g. {"--emb", KIT_OPT_INT, &emb, 1, 64, "embedding size C", NULL}, or
 * {"--word", KIT_OPT_STRING, &word, 0, 0, "score one name", "eval"} for a flag that only
 * one subcommand takes. The value pointer is borrowed: it must outlive kit_parse_args().
 */
typedef struct KitOpt {
    const char *name;   /**< "--emb" (also accepted as --emb=VALUE); "-n" style short names work too */
    KitOptType type;    /**< what kind of value follows the flag */
    void *value;        /**< int*, long*, double*, const char**, bool* */
    double min;         /**< smallest accepted number (inclusive) */
    double max;         /**< largest accepted number (inclusive) */
    const char *help;   /**< one line for --help; one that says "(default ...)" itself (a default that depends on
                             the command) keeps it, and --help adds only the range */
    const char *commands; /**< space-separated subcommands this flag belongs to ("train sample"), each one of
                               KitProgram::commands; NULL = all. Given with another command, the flag is
                               refused (exit 2): `lab04: --stage is only for the train command. HINT: lab04 train --stage tanh` */
} KitOpt;

/** What a lab binary is: its name, one line of purpose, its subcommands. */
typedef struct KitProgram {
    const char *name;          /**< "lab03" */
    const char *purpose;       /**< "the MLP of Bengio et al. 2003" */
    const char *const *commands; /**< NULL-terminated list, first is the default ("train", "sample", NULL) */
    const char *usage_extra;   /**< extra help text (examples), or NULL */
    const char *unused;        /**< space-separated shared flags this lab does not take ("--steps --batch --lr"
                                    for a model that is counted, not trained): --help leaves them out and
                                    giving one is refused (exit 2) instead of ignored; NULL = it takes them all */
} KitProgram;

/**
 * @brief The lecture's defaults: data/names.txt, seed 2147483647, out
 * `build/out/<name>`. steps/batch/lr left at 0 and command NULL: the lab sets its
 * own defaults after this call and before kit_parse_args(). The out string is
 * kept in one static buffer, so call this once per process.
 */
void kit_args_defaults(KitArgs *a, const char *name);

/**
 * @brief Parse argv: an optional subcommand first, then the shared flags and
 * the lab's @p opts. A bad flag, a missing or non-numeric value, or a value
 * outside its range prints one line naming the flag and its accepted range,
 * then exits with status 2. --help prints the usage and exits 0.
 *
 * - The subcommand is the first argument that is not a flag or a flag's value;
 *   it must be one of prog->commands (`lab03 smaple` is refused with a
 *   suggestion). Without one, a->command keeps what the lab set, or is
 *   prog->commands[0] when that is NULL.
 * - Values: `--steps 1000` or `--steps=1000`. Numbers are base 10, whole
 *   string (`12x`, `1e3` for an integer, overflow, nan, inf are refused);
 *   lab opts must lie in [min, max].
 * - Errors look like `lab03: --batch 0: must be an integer from 1 to 1000000. HINT: ...`
 *   and `lab03: unknown flag --stpes (did you mean --steps?). HINT: ...`.
 * - A lab opt with KitOpt::commands set belongs to those subcommands only:
 *   given with another one (named or the default), it is refused with the
 *   commands it is for and the command line to type instead. This check runs
 *   after every flag is read (the subcommand may come last), so a bad value
 *   is reported before a misplaced flag.
 * - A shared flag named in KitProgram::unused is refused:
 *   `lab01: --steps is not used by lab01. HINT: lab01 --help lists the flags it takes`.
 * - --help (and -h, unless the lab uses -h) anywhere prints every flag with
 *   its range and its default (the values in @p a and the opts before parsing,
 *   unless KitOpt::help states it), and for a flag with KitOpt::commands the
 *   commands it belongs to; the shared flags in KitProgram::unused are left out.
 * - `--` ends the flags (as in getopt): what follows is only the subcommand.
 * - Run from inside a lab folder (labs/NN_name/, where ./data/names.txt is
 *   missing and ../../data/names.txt exists), the defaults of --data and --out
 *   become ../../data/names.txt and ../../build/out/NAME (NAME the lab's), so the binary
 *   finds the kit's data and writes where `make plots` reads.
 * - A value is shown in a message through kit_shown() (kit.h): a newline in it
 *   stays on the one line, and a very long one is cut in the middle.
 * String values point into @p argv (not copied). At most 64 lab opts (@p nopts);
 * an opt without a name or value pointer, with a shared flag's name, or with a
 * KitOpt::commands word that is not one of prog->commands, and a
 * KitProgram::unused word that is not a shared flag taking a value, are
 * programming errors (KIT_ERROR, kit.h).
 */
void kit_parse_args(int argc, char **argv, const KitProgram *prog, KitArgs *a, const KitOpt *opts, int nopts);

#endif /* KIT_ARGS_H */
