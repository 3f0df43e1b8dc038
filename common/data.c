/*
 * data.c: the data pipeline of data.h. A words file becomes a list of names,
 * the lecture's shuffle splits it 80/10/10, and each name of length L becomes
 * L+1 (context of T characters, next character) examples.
 *
 * What it is: the lecture's
 *     words = open('names.txt').read().splitlines()
 *     random.seed(42); random.shuffle(words)
 *     build_dataset(words[:n1]) ...
 * in C, with one clear line for every way a words file can be wrong.
 * What it is not: a general text reader. The vocabulary is '.' and a-z, and
 * anything else in the file stops the program with the line and the character,
 * rather than being dropped or truncated silently (a silently dropped
 * character would shift every count the lectures print).
 */
#define _POSIX_C_SOURCE 200809L /* fstat, fileno, read */

#include "data.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "kit.h"
#include "rng.h"

/* A words file larger than this is surely not a list of names (names.txt is
 * about 230 kB); refusing it early avoids reading a multi-gigabyte file into
 * memory because of a mistyped --data. */
#define WORDS_MAX_FILE_BYTES (256L * 1024 * 1024)

/* ------------------------------------------------------------------------- */
/* The vocabulary: '.' is 0, 'a'..'z' are 1..26 */

int stoi(char c)
{
    if (c == '.') return 0;
    if (c >= 'a' && c <= 'z') return c - 'a' + 1;
    return -1;
}

char itos(int i)
{
    if (i == 0) return '.';
    if (i >= 1 && i <= 26) return (char)('a' + i - 1);
    KIT_ERROR("itos(%d): index outside the vocabulary 0..%d. HINT: a sampled or "
              "stored index went out of range; check the logits have %d columns",
              i, VOCAB - 1, VOCAB);
}

/* ------------------------------------------------------------------------- */
/* Loading a words file */

/* One line `path[:line]: message` through kit_fail (kit.h); out left empty. */
static int load_fail(Words *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int load_fail(Words *out, const char *fmt, ...)
{
    char msg[KIT_MESSAGE_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    words_free(out);
    return kit_fail("%s", msg);
}

/*
 * Describe the byte at p (which is not a-z and not a line end) for a message:
 * what it is, and a hint that fits it. `p` may run up to `end` (for the
 * bytes of a UTF-8 sequence).
 */
static void describe_bad_char(const unsigned char *p, const unsigned char *end,
                              char *what, size_t wlen, const char **hint)
{
    unsigned char c = *p;
    if (c >= 'A' && c <= 'Z') {
        snprintf(what, wlen, "uppercase letter '%c': the kit expects lowercase a-z", c);
        *hint = "convert the file with: tr A-Z a-z < in.txt > out.txt";
    } else if (c >= '0' && c <= '9') {
        snprintf(what, wlen, "digit '%c': names are letters a-z only", c);
        *hint = "remove the digits (names.txt holds one lowercase name per line)";
    } else if (c == ' ') {
        snprintf(what, wlen, "space character: names are letters a-z only, one per line");
        *hint = "remove spaces (a line holds exactly one name; check for trailing spaces)";
    } else if (c == '\t') {
        snprintf(what, wlen, "tab character: names are letters a-z only, one per line");
        *hint = "a line holds exactly one name; if this is a TSV file, keep only the name column (cut -f1)";
    } else if (c == '\r') {
        snprintf(what, wlen, "carriage return (\\r) inside the line: the kit reads LF or CRLF line ends");
        *hint = "convert old Mac line ends with: tr '\\r' '\\n' < in.txt > out.txt";
    } else if (c == '.') {
        snprintf(what, wlen, "character '.': '.' is the kit's start/end marker, not a letter");
        *hint = "names are letters a-z only; remove the dots";
    } else if (c == 0) {
        snprintf(what, wlen, "NUL byte (\\x00): this looks like a binary file, not a text file of names");
        *hint = "pass a text file with one lowercase name per line, e.g. --data data/names.txt";
    } else if (c < 0x20 || c == 0x7f) {
        snprintf(what, wlen, "control character \\x%02X: this looks like a binary file, not a text file of names", c);
        *hint = "pass a text file with one lowercase name per line, e.g. --data data/names.txt";
    } else if (c < 0x80) {
        snprintf(what, wlen, "punctuation '%c': names are letters a-z only", c);
        *hint = "remove it, e.g. drop hyphens and apostrophes with: tr -d \"'-\" < in.txt > out.txt";
    } else {
        /* A UTF-8 letter is shown whole (\xC3\xA9 is 'é'); a byte that starts
         * no valid UTF-8 sequence means Latin-1 text or a binary file. */
        size_t need = (c >= 0xC2 && c <= 0xDF) ? 2 : (c >= 0xE0 && c <= 0xEF) ? 3 : (c >= 0xF0 && c <= 0xF4) ? 4 : 0;
        size_t k = 1;
        while (need && k < need && p + k < end && (p[k] & 0xC0) == 0x80) k++;
        if (need && k == need) {
            char seq[20] = "";
            size_t len = 0;
            for (size_t q = 0; q < k; q++) len += (size_t)snprintf(seq + len, sizeof seq - len, "\\x%02X", p[q]);
            snprintf(what, wlen, "non-ASCII character %s (UTF-8): accents and other non-ASCII letters are not in the vocabulary (a-z)", seq);
            *hint = "transliterate to plain a-z, e.g. iconv -f utf-8 -t ascii//TRANSLIT < in.txt | tr A-Z a-z > out.txt";
        } else {
            snprintf(what, wlen, "byte \\x%02X is neither ASCII nor UTF-8: a Latin-1 accent, or a binary file; accents are not in the vocabulary (a-z)", c);
            *hint = "pass a text file of names; for Latin-1 text try iconv -f latin1 -t ascii//TRANSLIT";
        }
    }
}

/* A byte that can never be in a words file: anything but a-z and line ends.
 * (The byte-order mark at the start is checked by the caller.) */
static bool never_in_words(unsigned char c)
{
    return !(c >= 'a' && c <= 'z') && c != '\n' && c != '\r';
}

int words_load(Words *out, const char *path)
{
    *out = (Words){0};
    if (!path) return load_fail(out, "(null): no words file given. HINT: pass one with --data, e.g. --data data/names.txt");
    char shown[KIT_SHOWN_BUF];
    const char *sp = kit_shown(path, shown, sizeof shown);   /* the path as messages show it */

    FILE *f = fopen(path, "rb");
    if (!f) {
        int e = errno;
        if (e == ENOENT && strcmp(path, "data/names.txt") == 0)   /* the default, from another folder */
            return load_fail(out, "%s: cannot open: %s. HINT: run the lab binaries from the kit's top folder (where data/ is), "
                                  "or pass a words file with --data FILE", sp, strerror(e));
        if (e == ENOENT)   /* a relative path is relative to where the lab runs: say where that should be */
            return load_fail(out, "%s: cannot open: %s. HINT: pass a words file with --data, e.g. --data data/names.txt%s",
                             sp, strerror(e), path[0] == '/' ? "" : " (paths are relative: run the labs from the kit's top folder, as make labNN does)");
        if (e == EACCES)
            return load_fail(out, "%s: cannot open: %s. HINT: make it readable (chmod u+r %s) or pass another file with --data",
                             sp, strerror(e), sp);
        return load_fail(out, "%s: cannot open: %s. HINT: pass a words file with --data, e.g. --data data/names.txt",
                         sp, strerror(e));
    }
    struct stat st;
    if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
        fclose(f);
        return load_fail(out, "%s: is a directory, not a words file. HINT: pass the file inside it, e.g. --data data/names.txt", sp);
    }

    /* A regular file over the limit is refused by its size, before any byte is read. */
    if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) && st.st_size > WORDS_MAX_FILE_BYTES) {
        fclose(f);
        return load_fail(out, "%s: file is larger than %ld MiB, too large to be a list of names. HINT: pass a words file with --data, e.g. --data data/names.txt",
                         sp, WORDS_MAX_FILE_BYTES / (1024 * 1024));
    }
    /* Read it all; the size is not trusted (pipes report 0), so grow as needed. */
    size_t cap = (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) ? (size_t)st.st_size + 1 : 4096;
    if (cap > (size_t)WORDS_MAX_FILE_BYTES + 1) cap = (size_t)WORDS_MAX_FILE_BYTES + 1;
    char *buf = malloc(cap);
    KIT_CHECK(buf, "out of memory reading %s (%zu bytes). HINT: the file is too large to be a list of names", sp, cap);
    size_t len = 0;
    /* Reading stops soon after the first byte that no words file holds (a
     * binary file, /dev/urandom): the checks below name it, and a few more
     * bytes are read so that a UTF-8 sequence is shown whole. */
    size_t first_bad = SIZE_MAX;
    for (;;) {
        if (first_bad != SIZE_MAX && len >= first_bad + 4) break;
        if (len + 1 >= cap) {
            if (cap > (size_t)WORDS_MAX_FILE_BYTES) {
                free(buf);
                fclose(f);
                return load_fail(out, "%s: file is larger than %ld MiB, too large to be a list of names. HINT: pass a words file with --data, e.g. --data data/names.txt",
                                 sp, WORDS_MAX_FILE_BYTES / (1024 * 1024));
            }
            cap *= 2;
            char *nb = realloc(buf, cap);
            KIT_CHECK(nb, "out of memory reading %s. HINT: the file is too large to be a list of names", sp);
            buf = nb;
        }
        size_t want = cap - 1 - len;
        if (want > 65536) want = 65536;   /* a chunk at a time, so a bad byte stops the reading early */
        /* read(), not fread(): a pipe hands over what it has, so a bad byte
         * is seen without waiting for the writer to send 64 KiB or to close. */
        ssize_t r = read(fileno(f), buf + len, want);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) {
            int e = errno;
            free(buf);
            fclose(f);
            return load_fail(out, "%s: cannot read: %s. HINT: check the file is a readable text file", sp, strerror(e));
        }
        size_t got = (size_t)r;
        for (size_t k = len; k < len + got && first_bad == SIZE_MAX; k++)
            if (never_in_words((unsigned char)buf[k]) && !(k < 3 && (unsigned char)buf[k] >= 0xBB)) first_bad = k;
        len += got;
        if (got == 0) break;
    }
    fclose(f);
    buf[len] = '\0';

    /* A UTF-8 byte-order mark (EF BB BF) at the very start is what some Windows
     * editors write before the text: not part of the first name, so it is
     * skipped. Columns are then counted from after it, as an editor shows them.
     * Anywhere else those bytes are refused like any non-ASCII character. */
    bool bom = len >= 3 && (unsigned char)buf[0] == 0xEF && (unsigned char)buf[1] == 0xBB && (unsigned char)buf[2] == 0xBF;
    if (bom) {
        memmove(buf, buf + 3, len - 3 + 1); /* with the final NUL */
        len -= 3;
    }

    /* Pass 1: check every line and count the names. Nothing is changed yet, so
     * an error leaves nothing half-done. */
    int n = 0;
    long lineno = 0;
    for (size_t i = 0; i < len;) {
        lineno++;
        size_t start = i, stop;
        while (i < len && buf[i] != '\n') i++;
        stop = i;                             /* one past the last byte of the line */
        if (i < len) i++;                     /* skip the '\n' */
        if (stop > start && buf[stop - 1] == '\r') stop--; /* CRLF */
        for (size_t k = start; k < stop; k++) {
            unsigned char c = (unsigned char)buf[k];
            if (c >= 'a' && c <= 'z') continue;
            char what[200];
            const char *hint = "";
            describe_bad_char((const unsigned char *)buf + k, (const unsigned char *)buf + stop, what, sizeof what, &hint);
            free(buf);
            return load_fail(out, "%s:%ld:%zu: %s. HINT: %s", sp, lineno, k - start + 1, what, hint);
        }
        if (stop - start > WORD_MAX_LEN) {
            free(buf);
            return load_fail(out, "%s:%ld: line is %zu characters long; the limit is %d (WORD_MAX_LEN). HINT: names are short; is this really a words file with one name per line?",
                             sp, lineno, stop - start, WORD_MAX_LEN);
        }
        if (stop > start) {
            KIT_CHECK(n < INT_MAX, "%s: more than %d names. HINT: use a smaller words file", sp, INT_MAX);
            n++;
        }
    }
    if (n == 0) {
        free(buf);
        return load_fail(out, "%s: no names: the file is %s. HINT: pass a words file with one name per line, e.g. --data data/names.txt",
                         sp, len > 0 ? "only blank lines" : bom ? "only a UTF-8 byte-order mark" : "empty");
    }

    /* Pass 2: cut the lines in place; words[i] points into buf. */
    char **words = malloc((size_t)n * sizeof *words);
    KIT_CHECK(words, "out of memory for %d names. HINT: use a smaller words file", n);
    int w = 0;
    for (size_t i = 0; i < len;) {
        size_t start = i, stop;
        while (i < len && buf[i] != '\n') i++;
        stop = i;
        if (i < len) i++;
        if (stop > start && buf[stop - 1] == '\r') stop--;
        buf[stop] = '\0'; /* overwrites '\r', '\n' or the final NUL */
        if (stop > start) words[w++] = buf + start;
    }
    out->words = words;
    out->n = n;
    out->buf = buf;
    return 0;
}

void words_free(Words *w)
{
    if (!w) return;
    free(w->words);
    free(w->buf);
    *w = (Words){0};
}

/* ------------------------------------------------------------------------- */
/* The lecture's split */

/* The words of `all` at positions perm[lo..hi) into `part` (borrowed strings). */
static void take(const Words *all, const int *perm, int lo, int hi, Words *part)
{
    int n = hi - lo;
    part->words = malloc((size_t)(n > 0 ? n : 1) * sizeof *part->words);
    KIT_CHECK(part->words, "out of memory splitting %d words. HINT: use a smaller words file", all->n);
    for (int i = 0; i < n; i++) part->words[i] = all->words[perm[lo + i]];
    part->n = n;
    part->buf = NULL;
}

/* The lecture's cut points: n1 = int(0.8*n), n2 = int(0.9*n), a double
 * product truncated, as Python computes them. */
static void cut_points(int n, int *n1, int *n2)
{
    *n1 = (int)(0.8 * (double)n);
    *n2 = (int)(0.9 * (double)n);
}

int words_split_min(void)
{
    for (int n = 1;; n++) {
        int n1, n2;
        cut_points(n, &n1, &n2);
        if (n1 >= 1 && n2 > n1 && n > n2) return n;
    }
}

int words_split(const Words *all, unsigned long seed, Words *train, Words *dev, Words *test)
{
    KIT_CHECK(all && train && dev && test, "words_split: NULL argument. HINT: pass the loaded words and three Words to fill");
    *train = *dev = *test = (Words){0};
    int n = all->n, n1, n2;
    cut_points(n, &n1, &n2);
    if (n1 < 1 || n2 <= n1 || n <= n2) {
        /* An empty split would fail later, after the training (an empty dev
         * split has no loss): refused now, with the smallest file that works. */
        int min = words_split_min();
        const char *empty = n1 < 1 ? "training" : n2 <= n1 ? "dev" : "test";
        return kit_fail("the words file has %d name%s, too few for the lecture's 80/10/10 split: the %s split would be empty "
                        "(train %d, dev %d, test %d); it needs at least %d names. HINT: pass a words file with %d names or more, "
                        "e.g. --data data/names.txt",
                        n, n == 1 ? "" : "s", empty, n1, n2 - n1, n - n2, min, min);
    }
    /* random.shuffle(words) moves the strings; shuffling the indices 0..n-1
     * with the same draws and reading the words in that order is the same
     * permutation (the element type never enters the shuffle). */
    int *perm = malloc((size_t)n * sizeof *perm);
    KIT_CHECK(perm, "out of memory splitting %d words. HINT: use a smaller words file", n);
    for (int i = 0; i < n; i++) perm[i] = i;
    PyRandom r;
    pyrandom_seed(&r, (uint64_t)seed);
    pyrandom_shuffle_int(&r, perm, n);
    take(all, perm, 0, n1, train);
    take(all, perm, n1, n2, dev);
    take(all, perm, n2, n, test);
    free(perm);
    return 0;
}

/* ------------------------------------------------------------------------- */
/* (X, Y) examples */

void dataset_build(Dataset *ds, const Words *w, int T)
{
    KIT_CHECK(ds && w, "dataset_build: NULL argument. HINT: pass a Dataset to fill and loaded words");
    KIT_CHECK(T >= 1 && T <= 1024, "dataset_build: block size T = %d is outside 1..1024. HINT: the lectures use T = 3 (and 1 for bigrams)", T);
    /* Each word of length L gives L+1 examples (its letters, then the '.' that ends it). */
    size_t n = 0;
    for (int i = 0; i < w->n; i++) n += strlen(w->words[i]) + 1;
    KIT_CHECK(n <= (size_t)INT_MAX / (size_t)T, "dataset_build: %zu examples of %d characters do not fit an int index. HINT: use fewer words or a smaller T", n, T);
    *ds = (Dataset){0};
    ds->X = malloc((n > 0 ? n : 1) * (size_t)T * sizeof *ds->X); /* [n, T] */
    ds->Y = malloc((n > 0 ? n : 1) * sizeof *ds->Y);             /* [n] */
    KIT_CHECK(ds->X && ds->Y, "out of memory for %zu examples. HINT: use fewer words or a smaller T", n);
    ds->n = (int)n;
    ds->T = T;

    int *context = malloc((size_t)T * sizeof *context);
    KIT_CHECK(context, "out of memory. HINT: use a smaller T");
    size_t row = 0;
    for (int i = 0; i < w->n; i++) {
        const char *word = w->words[i];
        for (int t = 0; t < T; t++) context[t] = 0; /* context = [0] * block_size */
        for (const char *p = word;; p++) {           /* for ch in w + '.' */
            char ch = *p ? *p : '.';
            int ix = stoi(ch);
            KIT_CHECK(ix >= 0, "dataset_build: word %d \"%s\" has character '%c', not in a-z. HINT: load words with words_load, which checks them",
                      i, word, ch);
            memcpy(ds->X + row * (size_t)T, context, (size_t)T * sizeof *context); /* X.append(context) */
            ds->Y[row] = ix;                                                        /* Y.append(ix) */
            row++;
            memmove(context, context + 1, (size_t)(T - 1) * sizeof *context);     /* context = context[1:] + [ix] */
            context[T - 1] = ix;
            if (!*p) break;
        }
    }
    free(context);
}

void dataset_free(Dataset *ds)
{
    if (!ds) return;
    free(ds->X);
    free(ds->Y);
    *ds = (Dataset){0};
}
