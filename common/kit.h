/**
 * @file kit.h
 * @brief What every file of the kit shares: failing with file:line and a hint,
 *        and the hook that a skeleton's unfinished TODO calls.
 *
 * Not here: anything about tensors or data (see tensor.h, data.h).
 *
 * The error story, stated once: every file of the core tells an error in one
 * of two ways, chosen by whose mistake it is.
 *
 * 1. A programmer's error (a broken invariant, a shape that does not fit, an
 *    index out of range, a NULL argument): KIT_CHECK / KIT_ERROR format
 *    `file:line: what is wrong. HINT: what to do` and hand it to the current
 *    error handler. The default handler prints that one line to stderr and
 *    exits with status 1. Tests install a handler that turns the line into a
 *    test failure instead, so a learner sees the message in `make check`.
 * 2. Bad input from outside the program (a words file, a checkpoint, a flag, a
 *    directory that cannot be written, a full disk): the function prints one
 *    line `what is wrong. HINT: what to do` through kit_fail() and returns -1
 *    (or false); the caller frees what it holds and returns a non-zero exit
 *    status from main. Nothing is lost and nothing crashes. The one exception is
 *    kit_parse_args (args.h): a bad flag is a usage error, printed through
 *    kit_fail and followed by exit status 2 before anything has started.
 *
 * A path or a value from outside goes into a message through kit_shown(), so
 * that a newline in it cannot split the line and a 100,000-character path
 * cannot push the reason and the HINT out of it.
 */
#ifndef KIT_H
#define KIT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

/** Exit status of a lab binary that reached a TODO the learner has not written yet. */
#define KIT_EXIT_TODO 3

/**
 * @brief A function that receives one formatted error line (no trailing newline).
 * If it returns, the caller exits with status 1: an error never continues.
 */
typedef void (*KitErrorHandler)(const char *message);

/**
 * @brief Install @p handler for errors and TODOs; NULL restores the default
 * (print to stderr, exit 1 for errors, exit KIT_EXIT_TODO for TODOs).
 * @return the handler that was installed before.
 */
KitErrorHandler kit_set_error_handler(KitErrorHandler handler);

/**
 * @brief Report a broken invariant at @p file:@p line and stop (kind 1 above).
 * Formats `file:line: <printf-formatted message>`; the message should end with
 * ` HINT: ...` saying what to do. Never returns. Use through KIT_ERROR.
 */
_Noreturn void kit_error(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/** KIT_ERROR("shapes %d and %d differ. HINT: ...", a, b): kit_error at this line. */
#define KIT_ERROR(...) kit_error(__FILE__, __LINE__, __VA_ARGS__)

/** Check @p cond; on failure report @p ... (printf-style) with KIT_ERROR. */
#define KIT_CHECK(cond, ...) do { if (!(cond)) KIT_ERROR(__VA_ARGS__); } while (0)

/**
 * @brief Called by a skeleton's stub: step @p step (e.g. "lab01.1") is still a
 * TODO at @p file:@p line. @p what says in a few words what is missing.
 *
 * Prints `TODO(lab01.1) is not done yet: <what>. Open <file>:<line> and write it.`
 * through the error handler and exits with KIT_EXIT_TODO, so a lab binary never
 * trains on the zeros a stub returns. Never returns. Use through KIT_TODO.
 */
_Noreturn void kit_todo(const char *step, const char *file, int line, const char *what);

/** KIT_TODO("lab01.1", "count the bigrams into N"): kit_todo at this line. */
#define KIT_TODO(step, what) kit_todo(step, __FILE__, __LINE__, what)

/** The longest line kit_fail() prints, in bytes (longer ones are cut). */
#define KIT_MESSAGE_MAX 1024

/**
 * @brief Bad input from outside: format one line (printf-style, ending in
 * ` HINT: what to do`), print it to stderr and return -1.
 *
 * The line is kept whole: control characters (a newline in a flag's value)
 * are shown as `\n` or `\xHH`, and a line over KIT_MESSAGE_MAX bytes is cut.
 * Pass paths and values through kit_shown() so that the cut never reaches the
 * reason. The last line stays readable through kit_last_failure().
 * @return -1, so that `return kit_fail(...);` ends a function that failed.
 */
int kit_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/** @brief The line the last kit_fail() printed (or would have printed), "" before any. */
const char *kit_last_failure(void);

/**
 * @brief With @p quiet true, kit_fail() only records its line (for
 * kit_last_failure()) and prints nothing: tests that provoke hundreds of
 * refusals read the lines instead. @return the setting before.
 */
bool kit_set_failure_quiet(bool quiet);

/**
 * @brief @p s as it should appear inside a one-line message: control
 * characters as `\n`, `\t` or `\xHH`, and a string longer than about 160
 * bytes cut in the middle with "..." (its start and its end stay, which is
 * where a path's directory and file name are). NULL shows as "(null)".
 * @p buf of @p n bytes (KIT_SHOWN_BUF is enough) receives the text.
 * @return @p buf.
 */
const char *kit_shown(const char *s, char *buf, size_t n);
/** A buffer size for kit_shown() that never cuts more than the middle of the string. */
#define KIT_SHOWN_BUF 200

/** @brief Non-zero when stdout is a terminal and colour is allowed (NO_COLOR unset). */
bool kit_stdout_is_tty(void);

/** @brief Seconds from a monotonic clock, for progress lines and timings. */
double kit_now(void);

#endif /* KIT_H */
