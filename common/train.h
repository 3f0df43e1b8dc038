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
    uint64_t seed;      /**< --seed N, default 2147483647 */
    long steps;         /**< --steps N (lab's default set before parsing) */
    int batch;          /**< --batch N */
    double lr;          /**< --lr X */
    const char *out;    /**< --out DIR, default "build/out/labNN" */
    bool json;          /**< --json: print one JSON object with the run's figures at the end */
    bool quiet;         /**< --quiet: no progress line, no chatter */
    const char *command;/**< the subcommand (train, sample, eval...), or the lab's default */
} KitArgs;

/** The kind of value a lab-specific flag takes. */
typedef enum KitOptType { KIT_OPT_INT, KIT_OPT_LONG, KIT_OPT_DOUBLE, KIT_OPT_STRING, KIT_OPT_FLAG } KitOptType;

/** A lab-specific flag, e.g. {"--emb", KIT_OPT_INT, &emb, 1, 64, "embedding size C"}. */
typedef struct KitOpt {
    const char *name;   /**< "--emb" (also accepted as --emb=VALUE); "-n" style short names work too */
    KitOptType type;
    void *value;        /**< int*, long*, double*, const char**, bool* */
    double min, max;    /**< accepted range for numbers (inclusive) */
    const char *help;   /**< one line for --help */
} KitOpt;

/** What a lab binary is: its name, one line of purpose, its subcommands. */
typedef struct KitProgram {
    const char *name;          /**< "lab03" */
    const char *purpose;       /**< "the MLP of Bengio et al. 2003" */
    const char *const *commands; /**< NULL-terminated list, first is the default ("train", "sample", NULL) */
    const char *usage_extra;   /**< extra help text (examples), or NULL */
} KitProgram;

/** @brief The lecture's defaults: data/names.txt, seed 2147483647, out build/out/<name>. steps/batch/lr left at 0. */
void kit_args_defaults(KitArgs *a, const char *name);

/**
 * @brief Parse argv: an optional subcommand first, then the shared flags and
 * the lab's @p opts. A bad flag, a missing or non-numeric value, or a value
 * outside its range prints one line naming the flag and its accepted range,
 * then exits with status 2. --help prints the usage and exits 0.
 */
void kit_parse_args(int argc, char **argv, const KitProgram *prog, KitArgs *a, const KitOpt *opts, int nopts);

/** @} */

/* ------------------------------------------------------------------------- */
/** @name Progress line */
/** @{ */
/** A one-line progress display, redrawn in place on a terminal. */
typedef struct Progress {
    long total;
    double t_start, t_last;
    bool enabled;   /**< false when stdout is not a terminal or --quiet */
} Progress;
/** @brief Start a progress line for @p total steps (silent unless stdout is a terminal and !quiet). */
void progress_start(Progress *p, long total, bool quiet);
/** @brief Redraw `step 1200/200000  loss 2.3412  lr 0.1  8123 steps/s  0:24 left` (at most ~10 times a second). */
void progress_update(Progress *p, long step, double loss, double lr);
/** @brief Finish the line (newline) and return elapsed seconds. */
double progress_end(Progress *p);
/** @} */

/* ------------------------------------------------------------------------- */
/** @name TSV logs */
/** @{ */
/** A tab-separated log written to `<dir>/<name>.tmp` and renamed to `<dir>/<name>` on close. */
typedef struct TsvLog {
    FILE *f;
    char path[512];
    char tmp[520];
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
 * (learning rate too high? initialization too large?) and return false.
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
 * @return 0, or -1 with a one-line reason in @p err.
 */
int ckpt_save(const char *path, Tensor *const *tensors, const char *const *names, int n, char *err, size_t errlen);
/**
 * @brief Load into @p n existing tensors (names and shapes must match exactly).
 * A missing, truncated or foreign file, a wrong version, a checksum mismatch or
 * a shape that does not fit is refused with one line in @p err.
 * @return 0, or -1 (the tensors are then left unchanged).
 */
int ckpt_load(const char *path, Tensor *const *tensors, const char *const *names, int n, char *err, size_t errlen);
/** @} */

/* ------------------------------------------------------------------------- */
/** @name Evaluation */
/** @{ */
/**
 * @brief The loss of a model on @p n examples, in batches of @p batch: calls
 * @p loss_fn(ctx, start, count) for each chunk (it returns the chunk's mean
 * loss) and returns the example-weighted mean, accumulated in double. The
 * caller's loss_fn runs in no-grad mode and resets the step arena itself.
 */
double eval_in_batches(int n, int batch, double (*loss_fn)(void *ctx, int start, int count), void *ctx);
/** @} */

/* ------------------------------------------------------------------------- */
/** @name JSON output (--json) */
/** @{ */
/** @brief Print `{"k": v, ...}` helpers: start, a number, a string, end. Keys are literals. */
void json_begin(FILE *f);
void json_num(FILE *f, const char *key, double v);
void json_str(FILE *f, const char *key, const char *v);
void json_end(FILE *f);
/** @} */

#endif /* KIT_TRAIN_H */
