/*
 * fuzz_words.c: a libFuzzer harness for the words-file loader (common/data.c).
 *
 * What it is: every input the fuzzer invents is written to a scratch file and
 * loaded with words_load(), the function behind every lab's --data. The
 * loader must then either refuse the file with one well-formed line, or
 * accept it with names that obey data.h's contract; accepted names then go
 * through words_split() and dataset_build(), as a lab would use them.
 * What it is not: a unit test. The exact messages for each bad file are
 * tests/core_data_test.c's job; here we only hunt crashes, leaks, undefined
 * behaviour and contract breaks on inputs nobody thought of.
 *
 * Build and run (tools/fuzz.sh does both; `make fuzz`):
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Icommon \
 *         tests/fuzz/fuzz_words.c common/data.c common/kit.c common/rng.c ... -lm
 *   ./fuzz_words tests/fuzz/corpus/words
 * A crash leaves crash-<sha1> in the current directory: commit it under
 * tests/fuzz/regressions/words/ and tests/robust_test.sh replays it.
 * Replay inputs without fuzzing: FUZZ_VERBOSE=1 ./fuzz_words FILE... (prints each verdict).
 */
#define _POSIX_C_SOURCE 200809L /* mkstemp, write, unlink */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "data.h"
#include "kit.h"

/* One scratch file per fuzzing process, removed at exit. */
static char scratch[256];
/* FUZZ_VERBOSE=1: print each input's verdict (for replaying a corpus by hand). */
static int verbose;
/* FUZZ_LAX_MESSAGES=1: accept non-printable bytes in a refusal message, to
 * keep fuzzing past a known finding of that kind while it is being fixed. */
static int lax_messages;

static void remove_scratch(void)
{
    if (scratch[0]) unlink(scratch);
}

/* A KIT_ERROR inside the loader means it stopped the program instead of
 * returning -1 with a message: for a loader of user files that is a bug, so
 * make it a crash the fuzzer records (the default handler would exit(1),
 * which libFuzzer also reports, but abort() gives a stack trace). */
static void error_is_a_crash(const char *message)
{
    fprintf(stderr, "fuzz_words: KIT_ERROR reached: %s\n", message);
    abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    const char *dir = getenv("TMPDIR");
    snprintf(scratch, sizeof scratch, "%s/fuzz_words_XXXXXX", dir && *dir ? dir : "/tmp");
    int fd = mkstemp(scratch);
    if (fd < 0) {
        perror("fuzz_words: mkstemp");
        exit(1);
    }
    close(fd);
    atexit(remove_scratch);
    kit_set_error_handler(error_is_a_crash);
    kit_set_failure_quiet(true);   /* each refusal's line is checked below, not printed */
    verbose = getenv("FUZZ_VERBOSE") != NULL;
    lax_messages = getenv("FUZZ_LAX_MESSAGES") != NULL;
    return 0;
}

/* Stop with a message that says which promise of data.h was broken. */
#define PROMISE(cond, ...)                                                       \
    do {                                                                         \
        if (!(cond)) {                                                           \
            fprintf(stderr, "fuzz_words: broken promise: " __VA_ARGS__);         \
            fprintf(stderr, "\n");                                               \
            abort();                                                             \
        }                                                                        \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    FILE *f = fopen(scratch, "wb");
    if (!f) return 0;
    if (size && fwrite(data, 1, size, f) != size) {
        fclose(f);
        return 0;
    }
    fclose(f);

    Words w;
    int rc = words_load(&w, scratch);
    const char *err = kit_last_failure();
    if (verbose) fprintf(stderr, "fuzz_words: %s\n", rc == 0 ? "accepted" : err);

    if (rc != 0) {
        PROMISE(rc == -1, "words_load returned %d (0 or -1)", rc);
        PROMISE(w.words == NULL && w.buf == NULL && w.n == 0, "a refused file left a non-empty Words");
        PROMISE(memchr(err, '\0', KIT_MESSAGE_MAX) != NULL, "the error message is not NUL-terminated");
        PROMISE(strncmp(err, scratch, strlen(scratch)) == 0 && err[strlen(scratch)] == ':',
                "the message does not start with `path:`: %s", err);
        PROMISE(strstr(err, "HINT:") != NULL, "the message has no HINT: %s", err);
        for (const char *p = err; *p && !lax_messages; p++)
            PROMISE((unsigned char)*p >= 0x20 && (unsigned char)*p < 0x7f,
                    "the message holds byte \\x%02X (one printable line expected): %s", (unsigned char)*p, err);
        return 0;
    }

    /* Accepted: count the names the file really holds (non-empty lines after
     * removing one '\r' before each '\n' or at the end) and check each one. */
    int lines = 0;
    size_t first = 0;
    /* The loader skips one UTF-8 byte-order mark at the very start (data.h). */
    if (size >= 3 && (unsigned char)data[0] == 0xEF && (unsigned char)data[1] == 0xBB && (unsigned char)data[2] == 0xBF)
        first = 3;
    for (size_t i = first; i < size;) {
        size_t start = i;
        while (i < size && data[i] != '\n') i++;
        size_t stop = i;
        if (i < size) i++;
        if (stop > start && data[stop - 1] == '\r') stop--;
        if (stop > start) lines++;
    }
    PROMISE(w.n == lines, "words_load accepted %d names, the file has %d non-empty lines", w.n, lines);
    PROMISE(w.n >= 1, "an accepted file must hold at least one name");
    for (int i = 0; i < w.n; i++) {
        size_t len = strlen(w.words[i]);
        PROMISE(len >= 1 && len <= WORD_MAX_LEN, "name %d has length %zu (1..%d)", i, len, WORD_MAX_LEN);
        for (size_t k = 0; k < len; k++)
            PROMISE(w.words[i][k] >= 'a' && w.words[i][k] <= 'z', "name %d holds byte \\x%02X", i, (unsigned char)w.words[i][k]);
    }

    /* What a lab does next: the split and the examples. */
    Words tr, dv, te;
    int split = words_split(&w, 42, &tr, &dv, &te);
    PROMISE(split == 0 || (split == -1 && w.n < words_split_min()), "words_split returned %d for %d names", split, w.n);
    PROMISE(split != 0 || (tr.n > 0 && dv.n > 0 && te.n > 0), "an empty part: %d/%d/%d", tr.n, dv.n, te.n);
    PROMISE(split != 0 || tr.n + dv.n + te.n == w.n, "the split lost names: %d + %d + %d != %d", tr.n, dv.n, te.n, w.n);
    int T = size ? 1 + data[0] % 8 : 3;
    Dataset ds;
    dataset_build(&ds, &w, T);
    long chars = 0;
    for (int i = 0; i < w.n; i++) chars += (long)strlen(w.words[i]) + 1;
    PROMISE(ds.n == chars, "dataset_build made %d examples, expected %ld", ds.n, chars);
    for (long i = 0; i < (long)ds.n * T; i++) PROMISE(ds.X[i] >= 0 && ds.X[i] < VOCAB, "X[%ld] = %d", i, ds.X[i]);
    for (int i = 0; i < ds.n; i++) PROMISE(ds.Y[i] >= 0 && ds.Y[i] < VOCAB, "Y[%d] = %d", i, ds.Y[i]);
    dataset_free(&ds);
    words_free(&tr);
    words_free(&dv);
    words_free(&te);
    words_free(&w);
    PROMISE(w.words == NULL && w.n == 0 && w.buf == NULL, "words_free left the Words non-empty");
    return 0;
}
