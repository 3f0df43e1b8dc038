/*
 * kit.c: the two ways of telling an error (kit.h): KIT_ERROR's stop for a
 * programmer's error and kit_fail's one line for bad input from outside; the
 * TODO hook; two small clocks and checks.
 * Not here: anything numeric.
 */
#define _POSIX_C_SOURCE 200809L
#include "kit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static KitErrorHandler error_handler = NULL;

KitErrorHandler kit_set_error_handler(KitErrorHandler handler)
{
    KitErrorHandler before = error_handler;
    error_handler = handler;
    return before;
}

/* One line, then the handler; if the handler returns (the default does not
 * exist as a function: NULL means print and exit) we exit: an error never
 * continues, whatever the handler did. */
static _Noreturn void deliver(const char *message, int status)
{
    if (error_handler) error_handler(message);
    fflush(stdout);
    fprintf(stderr, "%s\n", message);
    exit(status);
}

void kit_error(const char *file, int line, const char *fmt, ...)
{
    char message[1024];
    int n = snprintf(message, sizeof message, "%s:%d: ", file, line);
    if (n < 0 || (size_t)n >= sizeof message) n = 0;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message + n, sizeof message - (size_t)n, fmt, ap);
    va_end(ap);
    deliver(message, 1);
}

void kit_todo(const char *step, const char *file, int line, const char *what)
{
    char message[1024];
    /* lab03.2 -> make check LAB=03: the check of that lab only. */
    bool lab = strncmp(step, "lab", 3) == 0 && strlen(step) >= 5;
    snprintf(message, sizeof message,
             "TODO(%s) is not done yet: %s. Open %s:%d, write it, then run: make check%s%.*s",
             step, what, file, line, lab ? " LAB=" : "", lab ? 2 : 0, lab ? step + 3 : "");
    deliver(message, KIT_EXIT_TODO);
}

/* ---- bad input from outside: one line, then -1 ---- */

static char last_failure[KIT_MESSAGE_MAX];
static bool failure_quiet;

int kit_fail(const char *fmt, ...)
{
    char raw[KIT_MESSAGE_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(raw, sizeof raw, fmt, ap);
    va_end(ap);
    /* One line whatever the arguments held: a control character is shown, not
     * printed (a newline would make two lines of one message). */
    size_t l = 0;
    for (const unsigned char *p = (const unsigned char *)raw; *p && l + 5 < sizeof last_failure; p++) {
        if (*p == '\n') l += (size_t)snprintf(last_failure + l, sizeof last_failure - l, "\\n");
        else if (*p < 0x20 || *p == 0x7f) l += (size_t)snprintf(last_failure + l, sizeof last_failure - l, "\\x%02X", *p);
        else last_failure[l++] = (char)*p;
    }
    last_failure[l] = '\0';
    if (!failure_quiet) {
        fflush(stdout);
        fprintf(stderr, "%s\n", last_failure);
    }
    return -1;
}

const char *kit_last_failure(void)
{
    return last_failure;
}

bool kit_set_failure_quiet(bool quiet)
{
    bool before = failure_quiet;
    failure_quiet = quiet;
    return before;
}

const char *kit_shown(const char *s, char *buf, size_t n)
{
    if (!buf || n == 0) return "";
    if (!s) s = "(null)";
    /* Escape into a bounded scratch copy of the start and of the end, then
     * join them with "..." when the whole does not fit. */
    enum { KEEP = 78 };                       /* bytes kept from each end of a long string */
    size_t len = strlen(s);
    size_t cut_from = len, cut_to = len;      /* [cut_from, cut_to) is left out */
    if (len > 2 * KEEP + 3) {
        cut_from = KEEP;
        cut_to = len - KEEP;
    }
    size_t l = 0;
    for (size_t i = 0; i < len && l + 5 < n; i++) {
        if (i == cut_from) {
            l += (size_t)snprintf(buf + l, n - l, "...");
            i = cut_to - 1;
            continue;
        }
        unsigned char c = (unsigned char)s[i];
        if (c == '\n') l += (size_t)snprintf(buf + l, n - l, "\\n");
        else if (c == '\t') l += (size_t)snprintf(buf + l, n - l, "\\t");
        else if (c < 0x20 || c == 0x7f) l += (size_t)snprintf(buf + l, n - l, "\\x%02X", c);
        else buf[l++] = (char)c;
    }
    buf[l < n ? l : n - 1] = '\0';
    return buf;
}

bool kit_stdout_is_tty(void)
{
    const char *no_color = getenv("NO_COLOR");
    if (no_color && *no_color) return false;
    return isatty(STDOUT_FILENO) == 1;
}

double kit_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}
