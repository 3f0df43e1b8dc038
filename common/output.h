/**
 * @file output.h
 * @brief What a run writes: the progress line on the terminal, TSV logs for
 *        gnuplot, one JSON object for --json, and the directory they go to.
 *
 * What it is not: checkpoints (checkpoint.h) or the messages of errors (kit.h).
 *
 * Plain-text logs are the only interface between C and gnuplot: a first line
 * `# step loss lr` naming the columns, then one tab-separated row per step.
 *
 * Nothing is lost, nothing is half-visible:
 * - a log is written to a temporary file of its own (`loss.tsv.<pid>.<k>.tmp`,
 *   created with O_EXCL, so a file or symlink already there is never written
 *   through) and renamed to its name only when it is whole (tsv_close);
 * - the first writer of a directory takes a lock on it (flock on the
 *   directory, no file left behind) for the rest of the process: a second run
 *   writing into the same --out is refused with one line instead of mixing its
 *   files with the first one's;
 * - every function that could not write what it promised says so in one line
 *   (kit_fail) and returns -1, and kit_output_failures() counts them, so that
 *   main can end with a non-zero status when any output is missing.
 */
#ifndef KIT_OUTPUT_H
#define KIT_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/** Marks a result the caller must look at (the compiler warns, and -Werror stops, when it is dropped). */
#define KIT_MUST_CHECK __attribute__((warn_unused_result))

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
/** A tab-separated log written to a temporary file and renamed to `<dir>/<name>` on close. */
typedef struct TsvLog {
    FILE *f;            /**< the open temporary file, NULL when closed or discarded */
    char path[512];     /**< the final name */
    char tmp[560];      /**< the name written to until close: `<path>.<pid>.<k>.tmp` */
} TsvLog;
/**
 * @brief Create @p dir (and its parents), take the directory's lock (see above)
 * and open a new temporary file for `<dir>/<name>`, with the header line
 * `# <columns>` (columns separated by spaces or tabs).
 * @return 0, or -1 after one line on stderr naming the path (the log is then
 * closed: tsv_row, tsv_close and tsv_discard on it do nothing).
 */
int tsv_open(TsvLog *log, const char *dir, const char *name, const char *columns) KIT_MUST_CHECK;
/** @brief Write one row: printf-style, a newline is added. A closed log ignores it. */
void tsv_row(TsvLog *log, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/**
 * @brief Flush, close and rename into place: the log becomes visible whole,
 * replacing the one before. A log never closed leaves only its temporary file.
 * @return 0; -1 after one line when a write or the rename failed (the previous
 * log, if any, is then unchanged); 0 for a log already closed or never opened.
 */
int tsv_close(TsvLog *log) KIT_MUST_CHECK;
/** @brief Close and delete the temporary file: the log under its name stays as it was. No-op when closed. */
void tsv_discard(TsvLog *log);
/** @brief Make @p dir and its parents (like mkdir -p). @return 0 or -1 (errno set; nothing printed). */
int kit_mkdirs(const char *dir);
/**
 * @brief Take the write lock of @p dir for the rest of the process (tsv_open
 * and ckpt_save call it; taking it again is free). Another process holding it
 * is refused: `DIR: another run is writing into this directory. HINT: ...`.
 * The lock ends with the process, however it ends.
 * @return 0, or -1 after one line.
 */
int kit_lock_dir(const char *dir) KIT_MUST_CHECK;
/**
 * @brief A new file `<path>.<pid>.<k>.tmp` for writing, its name in @p tmp
 * (@p tmplen bytes), created with O_EXCL|O_NOFOLLOW: never an existing file,
 * never through a symlink. The mode is 0666 less the umask, as fopen's.
 * tsv_open and ckpt_save write through it, then rename into place.
 * @return the stream, or NULL with errno set (nothing printed).
 */
FILE *kit_open_tmp(const char *path, char *tmp, size_t tmplen);
/** @brief Count one more output that could not be written (for writers outside this file, e.g. ckpt_save). */
void kit_output_failed(void);
/** @brief How many outputs this process could not write (tsv_open, tsv_close, json_end, ckpt_save failures). */
int kit_output_failures(void);
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
/** @brief Close the object, end the line and flush. @return 0, or -1 after one line when the stream could not be written (a full disk, a closed pipe). */
int json_end(FILE *f) KIT_MUST_CHECK;
/** @} */

#endif /* KIT_OUTPUT_H */
