/*
 * output.c: what a run writes (output.h): the progress line, TSV logs
 * written whole or not at all, the lock on an output directory, and --json.
 *
 * What it is: the outputs of every lab, each written to a temporary file of
 * its own and renamed into place when whole, so that a reader (gnuplot, the
 * next command) sees the previous file or the whole new one, never a mix.
 * What it is not: a general logging library.
 */
#define _POSIX_C_SOURCE 200809L /* isatty, fileno, mkdir, open, getpid */
#define _DEFAULT_SOURCE         /* flock */

#include "output.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "kit.h"

/* Outputs this process could not write (each reported once, by kit_fail). */
static int output_failures;

int kit_output_failures(void)
{
    return output_failures;
}

void kit_output_failed(void)
{
    output_failures++;
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
/* The output directory: made, then locked                                   */
/* ========================================================================= */

int kit_mkdirs(const char *dir)
{
    if (!dir || !*dir) {
        errno = ENOENT;
        return -1;
    }
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

/*
 * The lock is flock() on the directory itself, so it leaves no file behind.
 * It belongs to the open directory: it ends when the process ends, however it
 * ends (no stale lock after a kill or Ctrl-C). A second open of the same
 * directory by the same process would be a second holder and be refused, so
 * the directory is opened once and kept open, and the directories locked are
 * remembered by device and inode (two spellings of one directory are one lock).
 */
enum { MAX_LOCKED = 64 };
static struct { dev_t dev; ino_t ino; } locked[MAX_LOCKED];
static int nlocked;

int kit_lock_dir(const char *dir)
{
    char sd[KIT_SHOWN_BUF];
    kit_shown(dir, sd, sizeof sd);
    struct stat st;
    if (!dir || stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return kit_fail("%s: not a directory. HINT: pass a writable directory with --out", sd);
    for (int i = 0; i < nlocked; i++)
        if (locked[i].dev == st.st_dev && locked[i].ino == st.st_ino) return 0;
    if (nlocked == MAX_LOCKED) return 0;   /* a process writing into 64 directories: no lock beyond them */
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return kit_fail("%s: cannot open the directory: %s. HINT: pass a writable directory with --out", sd, strerror(errno));
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        int e = errno;
        close(fd);
        if (e == EWOULDBLOCK)
            return kit_fail("%s: another run is writing into this directory. HINT: wait for it to finish, or pass another --out", sd);
        return kit_fail("%s: cannot lock the directory: %s. HINT: pass a directory on a local disk with --out", sd, strerror(e));
    }
    locked[nlocked].dev = st.st_dev;
    locked[nlocked].ino = st.st_ino;
    nlocked++;
    return 0;   /* fd stays open: closing it would drop the lock */
}

/* Two processes, or two logs of one process, never share a temporary file:
 * the pid and a counter make the name, O_EXCL makes sure it is new. */
FILE *kit_open_tmp(const char *path, char *tmp, size_t tmplen)
{
    static unsigned counter;
    for (int attempt = 0; attempt < 100; attempt++) {
        int n = snprintf(tmp, tmplen, "%s.%ld.%u.tmp", path, (long)getpid(), counter++);
        if (n < 0 || (size_t)n >= tmplen) {
            errno = ENAMETOOLONG;
            return NULL;
        }
        int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
        if (fd < 0) {
            if (errno == EEXIST) continue;   /* left by a dead process of the same pid: take the next name */
            return NULL;
        }
        FILE *f = fdopen(fd, "w");
        if (!f) {
            int e = errno;
            close(fd);
            remove(tmp);
            errno = e;
        }
        return f;
    }
    errno = EEXIST;
    return NULL;
}

/* ========================================================================= */
/* TSV logs                                                                  */
/* ========================================================================= */

static int open_log(TsvLog *log, const char *dir, const char *name, const char *columns)
{
    *log = (TsvLog){0};
    char sd[KIT_SHOWN_BUF];
    kit_shown(dir, sd, sizeof sd);
    if (kit_mkdirs(dir) != 0)
        return kit_fail("%s: cannot create directory: %s. HINT: pass a writable directory with --out", sd, strerror(errno));
    int n1 = snprintf(log->path, sizeof log->path, "%s/%s", dir, name);
    if (n1 < 0 || (size_t)n1 >= sizeof log->path) {
        *log = (TsvLog){0};
        return kit_fail("%s/%s: path too long (limit %zu). HINT: pass a shorter --out", sd, name, sizeof log->path - 1);
    }
    if (kit_lock_dir(dir) != 0) {
        *log = (TsvLog){0};
        return -1;
    }
    log->f = kit_open_tmp(log->path, log->tmp, sizeof log->tmp);
    if (!log->f) {
        int e = errno;
        char sp[KIT_SHOWN_BUF];
        kit_shown(log->path, sp, sizeof sp);
        *log = (TsvLog){0};
        return kit_fail("%s: cannot open a temporary file for writing: %s. HINT: pass a writable directory with --out", sp, strerror(e));
    }
    fprintf(log->f, "# %s\n", columns ? columns : "");
    return 0;
}

int tsv_open(TsvLog *log, const char *dir, const char *name, const char *columns)
{
    if (open_log(log, dir, name, columns) == 0) return 0;
    output_failures++;
    return -1;
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

int tsv_close(TsvLog *log)
{
    if (!log || !log->f) return 0;
    char sp[KIT_SHOWN_BUF], st[KIT_SHOWN_BUF];
    kit_shown(log->path, sp, sizeof sp);
    kit_shown(log->tmp, st, sizeof st);
    bool bad = fflush(log->f) != 0 || ferror(log->f);
    int e = errno;
    if (fclose(log->f) != 0 && !bad) {
        bad = true;
        e = errno;
    }
    log->f = NULL;
    if (bad) {
        output_failures++;
        return kit_fail("%s: write failed: %s. HINT: is the disk full? The partial log stays in %s", sp, strerror(e), st);
    }
    /* rename is atomic: a reader (gnuplot) sees the old log or the whole new one. */
    if (rename(log->tmp, log->path) != 0) {
        e = errno;
        output_failures++;
        return kit_fail("%s: cannot rename %s into place: %s. HINT: check the directory is writable", sp, st, strerror(e));
    }
    return 0;
}

void tsv_discard(TsvLog *log)
{
    if (!log || !log->f) return;
    fclose(log->f);
    log->f = NULL;
    remove(log->tmp);
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

int json_end(FILE *f)
{
    fputs("}\n", f);
    json_fields = 0;
    if (fflush(f) != 0 || ferror(f)) {
        output_failures++;
        return kit_fail("--json: the JSON object could not be written: %s. HINT: is the disk full, or the reader of the pipe gone?",
                        strerror(errno));
    }
    return 0;
}
