/**
 * @file kit.h
 * @brief What every file of the kit shares: failing with file:line and a hint,
 *        and the hook that a skeleton's unfinished TODO calls.
 *
 * Not here: anything about tensors or data (see tensor.h, data.h).
 *
 * The error story, stated once: a broken invariant or bad input inside the core
 * (a shape that does not fit, an index out of range) calls KIT_ERROR, which
 * formats `file:line: what is wrong. HINT: what to do` and hands it to the
 * current error handler. The default handler prints that one line to stderr and
 * exits with status 1. Tests install a handler that turns the line into a test
 * failure instead, so a learner sees the message in `make check`.
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
 * @brief Report a broken invariant or bad input at @p file:@p line and stop.
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

/** @brief Non-zero when stdout is a terminal and colour is allowed (NO_COLOR unset). */
bool kit_stdout_is_tty(void);

/** @brief Seconds from a monotonic clock, for progress lines and timings. */
double kit_now(void);

#endif /* KIT_H */
