/**
 * @file train.h
 * @brief What every lab binary needs around its model: one command-line
 *        parser, a progress line, TSV logs, a NaN guard, checkpoints, and
 *        evaluation of a whole split in large batches.
 *
 * What it is not: a model. Labs own their forward passes; this file owns the
 * plumbing, so every lab behaves the same way at the command line.
 *
 * Plain-text logs are the only interface between C and gnuplot: a first line
 * `# step loss lr` naming the columns, then one tab-separated row per step.
 */
#ifndef KIT_TRAIN_H
#define KIT_TRAIN_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "tensor.h"

/* ------------------------------------------------------------------------- */
/** @name Command line */
/** @{ */

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
 * String values point into @p argv (not copied). At most 64 lab opts (@p nopts);
 * an opt without a name or value pointer, with a shared flag's name, or with a
 * KitOpt::commands word that is not one of prog->commands, and a
 * KitProgram::unused word that is not a shared flag taking a value, are
 * programming errors (KIT_ERROR, kit.h).
 */
void kit_parse_args(int argc, char **argv, const KitProgram *prog, KitArgs *a, const KitOpt *opts, int nopts);

/** @} */

/* ------------------------------------------------------------------------- */
/** @name Progress line */
/** @{ */
/** A one-line progress display, redrawn in place on a terminal. */
typedef struct Progress {
    long total;         /**< steps in the whole run */
    double t_start;     /**< kit_now() at progress_start */
    double t_last;      /**< kit_now() at the last redraw (redraws are rate-limited) */
    bool enabled;   /**< false when stdout is not a terminal or --quiet */
    bool drawn;     /**< a line is on screen, so progress_end() ends it with a newline */
} Progress;
/** @brief Start a progress line for @p total steps (silent unless stdout is a terminal and !quiet; NO_COLOR does not silence it). */
void progress_start(Progress *p, long total, bool quiet);
/** @brief Redraw `step 1200/200000  loss 2.3412  lr 0.1  8123 steps/s  0:24 left` (at most ~10 times a second). */
void progress_update(Progress *p, long step, double loss, double lr);
/** @brief Finish the line (newline, if a line was drawn) and return elapsed seconds since progress_start(). */
double progress_end(Progress *p);
/** @} */

/* ------------------------------------------------------------------------- */
/** @name TSV logs */
/** @{ */
/** A tab-separated log written to `<dir>/<name>.tmp` and renamed to `<dir>/<name>` on close. */
typedef struct TsvLog {
    FILE *f;            /**< the open .tmp file, NULL when closed */
    char path[512];     /**< the final name */
    char tmp[520];      /**< the name written to until close */
} TsvLog;
/**
 * @brief Create @p dir (and its parents) and open `<dir>/<name>` for writing,
 * with the header line `# <columns>` (columns separated by spaces or tabs).
 * @return 0, or -1 with a message on stderr naming the path.
 */
int tsv_open(TsvLog *log, const char *dir, const char *name, const char *columns);
/** @brief Write one row: printf-style, a newline is added. */
void tsv_row(TsvLog *log, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/** @brief Flush, close and rename into place. A log never closed leaves only the .tmp file. NULL/unopened is a no-op. */
void tsv_close(TsvLog *log);
/** @brief Make @p dir and its parents (like mkdir -p). @return 0 or -1. */
int kit_mkdirs(const char *dir);
/** @} */

/* ------------------------------------------------------------------------- */
/** @name NaN guard */
/** @{ */
/**
 * @brief If @p loss is NaN or infinite: print `step N: loss is nan. HINT: ...`
 * (learning rate too high? initialization too large?) to stderr and return false.
 * A finite loss returns true and prints nothing.
 * The caller flushes its logs and exits non-zero.
 */
bool kit_loss_ok(double loss, long step);
/** @} */

/* ------------------------------------------------------------------------- */
/** @name Checkpoints */
/** @{ */
/**
 * @brief Save @p n named tensors to @p path: magic "MMCK", version, count, then
 * per tensor its name, shape and float32 data, then a CRC-32 of everything
 * before it. Written to `path.tmp` and renamed, so an interrupted run never
 * leaves a half-written checkpoint.
 *
 * Layout, all little-endian: `"MMCK"`, u32 version (1), u32 count, then per
 * tensor u32 name length (1..255), the name bytes (no NUL), u32 ndim (0..4),
 * ndim u32 sizes, numel float32 values; then u32 CRC-32 (kit_crc32) of every
 * byte before it. The tensors are only read.
 * @return 0, or -1 with a one-line reason in @p err.
 */
int ckpt_save(const char *path, Tensor *const *tensors, const char *const *names, int n, char *err, size_t errlen);
/**
 * @brief Load into @p n existing tensors (names and shapes must match exactly).
 * A missing, truncated or foreign file, a wrong version, a checksum mismatch or
 * a shape that does not fit is refused with one line in @p err.
 * Checks run in this order: magic, version, size implied by the headers
 * (`truncated: expected N bytes, file has M`), CRC-32, tensor count, then each
 * name and shape (`tensor W1 has shape [30, 100] in the checkpoint but the model
 * wants [30, 200]. HINT: ...`). The whole file is read into memory first (files
 * over 1 GiB are refused), and nothing is allocated from numbers in the file.
 * @return 0, or -1 (the tensors are then left unchanged).
 */
int ckpt_load(const char *path, Tensor *const *tensors, const char *const *names, int n, char *err, size_t errlen);
/**
 * @brief The IEEE CRC-32 (as zlib's crc32 and PNG) of @p n bytes at @p data,
 * continuing from @p crc (pass 0 to start). crc32("123456789") is 0xCBF43926.
 * Checkpoints end with the CRC-32 of every byte before it. @p data is only read.
 */
uint32_t kit_crc32(const void *data, size_t n, uint32_t crc);
/** @} */

/* ------------------------------------------------------------------------- */
/** @name Evaluation */
/** @{ */
/**
 * @brief The loss of a model on @p n examples (n >= 1), in batches of @p batch (>= 1): calls
 * @p loss_fn(ctx, start, count) for each chunk (it returns the chunk's mean
 * loss) and returns the example-weighted mean, accumulated in double. The
 * caller's loss_fn runs in no-grad mode and resets the step arena itself.
 */
double eval_in_batches(int n, int batch, double (*loss_fn)(void *ctx, int start, int count), void *ctx);
/** @} */

/* ------------------------------------------------------------------------- */
/** @name JSON output (--json) */
/** @{ */
/**
 * @brief Print `{"k": v, ...}` helpers: start, a number, a string, end. Keys are literals.
 * The output is one line of valid JSON: numbers are printed with %.17g (they
 * read back bit-exact), NaN and infinities as null, strings escaped. One object
 * at a time (the comma between fields is tracked in one static counter).
 */
void json_begin(FILE *f);
/** @brief Write `"key": v` (v with %.17g; NaN and infinities as null). */
void json_num(FILE *f, const char *key, double v);
/** @brief Write `"key": "v"` with v escaped. */
void json_str(FILE *f, const char *key, const char *v);
/** @brief Close the object and end the line. */
void json_end(FILE *f);
/** @} */

#endif /* KIT_TRAIN_H */
