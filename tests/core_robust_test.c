/*
 * core_robust_test.c: what fuzzing the loaders found, kept as tests.
 *
 * What it checks: every input committed under tests/fuzz/regressions/ (words
 * files and checkpoints that once broke a promise of data.h or checkpoint.h) is
 * replayed through words_load() / ckpt_load() with the fuzz harnesses'
 * promises: no crash, 0 or -1, a refusal is one printable line that starts
 * with the path and carries a HINT, and a refused checkpoint leaves the model
 * untouched. Then the one finding so far, spelled out: a checkpoint whose
 * tensor name holds a newline, an escape, a NUL or a byte like \xFF was
 * copied raw into the message (a two-line message, or terminal escapes); the
 * name is now shown as \xHH and cut after 32 bytes, so the HINT always fits.
 * What it is not: the loaders' unit tests (core_data_test.c and
 * core_train_test.c own the messages of each ordinary bad file) or the
 * fuzzers themselves (tests/fuzz/, `make fuzz`).
 * Runs from the repository root (it reads tests/fuzz/regressions/).
 */
#define _XOPEN_SOURCE 700 /* mkdtemp, opendir */

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "data.h"
#include "checkpoint.h"
#include "harness.h"
#include "kit.h"

#define REGRESSIONS "tests/fuzz/regressions"

/* ------------------------------------------------------------------------- */
/* helpers */

/* The model of tests/fuzz/fuzz_ckpt.c: C [5, 2], W1 [2, 3], b1 [3], built by hand. */
typedef struct FuzzModel {
    float C[10], W1[6], b1[3];
    Tensor tc, tw, tb;
    Tensor *t[3];
} FuzzModel;
static const char *const MODEL_NAMES[3] = {"C", "W1", "b1"};

static void model_init(FuzzModel *m)
{
    for (int i = 0; i < 10; i++) m->C[i] = 0.5f * (float)i;
    for (int i = 0; i < 6; i++) m->W1[i] = -1.0f - (float)i;
    for (int i = 0; i < 3; i++) m->b1[i] = 100.0f + (float)i;
    m->tc = (Tensor){.data = m->C, .shape = SHAPE(5, 2), .numel = 10};
    m->tw = (Tensor){.data = m->W1, .shape = SHAPE(2, 3), .numel = 6};
    m->tb = (Tensor){.data = m->b1, .shape = SHAPE(3), .numel = 3};
    m->t[0] = &m->tc;
    m->t[1] = &m->tw;
    m->t[2] = &m->tb;
}

/* Check a refusal message: `path...`, one line of printable ASCII, a HINT. */
static void expect_clean_refusal(const char *err, const char *path, const char *what)
{
    ck_assert_msg(strncmp(err, path, strlen(path)) == 0, "%s: the message should start with the path %s: %s", what, path, err);
    ck_assert_msg(strstr(err, "HINT: ") != NULL, "%s: the message has no HINT: %s", what, err);
    for (const char *p = err; *p; p++)
        ck_assert_msg((unsigned char)*p >= 0x20 && (unsigned char)*p < 0x7f,
                      "%s: byte %ld of the message is \\x%02X; expected one printable line: %s", what, (long)(p - err),
                      (unsigned char)*p, err);
}

static void write_bytes(const char *path, const unsigned char *b, size_t n)
{
    FILE *f = fopen(path, "wb");
    ck_assert_msg(f != NULL, "cannot write %s: %s", path, strerror(errno));
    ck_assert_msg(fwrite(b, 1, n, f) == n, "short write to %s", path);
    fclose(f);
}

static void put_le32(unsigned char *b, uint32_t v)
{
    for (int k = 0; k < 4; k++) b[k] = (unsigned char)(v >> (8 * k));
}

/* Every regular file in dir, in name order; returns how many (at most max). */
static int list_inputs(const char *dir, char names[][512], int max)
{
    DIR *d = opendir(dir);
    if (!d) return 0;
    int n = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL && n < max;) {
        if (e->d_name[0] == '.') continue;
        snprintf(names[n++], 512, "%s/%s", dir, e->d_name);
    }
    closedir(d);
    qsort(names, (size_t)n, 512, (int (*)(const void *, const void *))strcmp);
    return n;
}

/* ------------------------------------------------------------------------- */

START_TEST(test_replay_words)
{
    static char files[256][512];
    int n = list_inputs(REGRESSIONS "/words", files, 256);
    int refused = 0, accepted = 0;
    for (int i = 0; i < n; i++) {
        Words w;
        int rc = words_load(&w, files[i]);
        const char *err = kit_last_failure();
        ck_assert_msg(rc == 0 || rc == -1, "%s: words_load returned %d", files[i], rc);
        if (rc == 0) {
            accepted++;
            ck_assert_msg(w.n >= 1, "%s: accepted with %d names", files[i], w.n);
            for (int k = 0; k < w.n; k++) {
                size_t len = strlen(w.words[k]);
                ck_assert_msg(len >= 1 && len <= WORD_MAX_LEN, "%s: name %d has length %zu", files[i], k, len);
                for (size_t j = 0; j < len; j++)
                    ck_assert_msg(stoi(w.words[k][j]) >= 1, "%s: name %d holds \\x%02X", files[i], k, (unsigned char)w.words[k][j]);
            }
            words_free(&w);
        } else {
            refused++;
            ck_assert_msg(w.n == 0 && w.words == NULL, "%s: refused but Words not empty", files[i]);
            expect_clean_refusal(err, files[i], files[i]);
        }
    }
    harness_note("%d words regression inputs replayed: %d refused cleanly, %d accepted", n, refused, accepted);
    EXPECT_INT_EQ(refused + accepted, n, "inputs replayed");
}
END_TEST

START_TEST(test_replay_ckpt)
{
    static char files[256][512];
    int n = list_inputs(REGRESSIONS "/ckpt", files, 256);
    int refused = 0, accepted = 0;
    for (int i = 0; i < n; i++) {
        FuzzModel m, before;
        model_init(&m);
        model_init(&before);
        int rc = ckpt_load(files[i], m.t, MODEL_NAMES, 3);
        const char *err = kit_last_failure();
        ck_assert_msg(rc == 0 || rc == -1, "%s: ckpt_load returned %d", files[i], rc);
        if (rc == 0) {
            accepted++;
            continue;
        }
        refused++;
        expect_clean_refusal(err, files[i], files[i]);
        ck_assert_msg(memcmp(m.C, before.C, sizeof m.C) == 0 && memcmp(m.W1, before.W1, sizeof m.W1) == 0 &&
                          memcmp(m.b1, before.b1, sizeof m.b1) == 0,
                      "%s: refused, but the model's tensors changed", files[i]);
    }
    harness_note("%d checkpoint regression inputs replayed: %d refused cleanly, %d accepted", n, refused, accepted);
    ck_assert_msg(n >= 1, "no inputs under " REGRESSIONS "/ckpt (run from the repository root)");
    EXPECT_INT_EQ(refused + accepted, n, "inputs replayed");
}
END_TEST

/*
 * A self-consistent checkpoint (right CRC) with one tensor whose name is
 * `name` (len bytes) and shape [3]: what another program, or a deliberate
 * edit, could hand to a lab.
 */
static size_t forge_ckpt(unsigned char *b, const unsigned char *name, uint32_t len)
{
    size_t off = 0;
    memcpy(b, "MMCK", 4);
    put_le32(b + 4, 1);   /* version */
    put_le32(b + 8, 1);   /* count */
    off = 12;
    put_le32(b + off, len);
    memcpy(b + off + 4, name, len);
    off += 4 + len;
    put_le32(b + off, 1); /* ndim */
    put_le32(b + off + 4, 3);
    off += 8;
    for (int j = 0; j < 3; j++, off += 4) put_le32(b + off, 0x3f800000u); /* 1.0f */
    put_le32(b + off, kit_crc32(b, off, 0));
    return off + 4;
}

START_TEST(test_ckpt_name_escaped)
{
    char dir[] = "/tmp/core_robust_XXXXXX";
    ck_assert_msg(mkdtemp(dir) != NULL, "mkdtemp: %s", strerror(errno));
    char path[600];
    snprintf(path, sizeof path, "%s/model.ckpt", dir);
    float b1[3] = {7, 8, 9};
    Tensor tb = {.data = b1, .shape = SHAPE(3), .numel = 3};
    Tensor *model[1] = {&tb};
    const char *names[1] = {"b1"};
    unsigned char file[1024];
    const char *err = kit_last_failure();   /* the buffer of the last refusal's line */

    /* The fuzzer's find: "\xFF1" instead of "W1"; and a newline, an escape, a NUL. */
    static const struct { const char *bytes; uint32_t len; const char *shown; } cases[] = {
        {"\xff" "1", 2, "'\\xFF1'"},
        {"b\n1", 3, "'b\\x0A1'"},
        {"\x1b[2J", 4, "'\\x1B[2J'"},
        {"b\0" "1", 3, "'b\\x001'"},
        {"a\\b", 3, "'a\\x5Cb'"},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        size_t n = forge_ckpt(file, (const unsigned char *)cases[c].bytes, cases[c].len);
        write_bytes(path, file, n);
        int rc = ckpt_load(path, model, names, 1);
        EXPECT_INT_EQ(rc, -1, "ckpt_load of a foreign tensor name");
        expect_clean_refusal(err, path, cases[c].shown);
        ck_assert_msg(strstr(err, cases[c].shown) != NULL, "the name should be shown as %s: %s", cases[c].shown, err);
        ck_assert_msg(b1[0] == 7 && b1[1] == 8 && b1[2] == 9, "refused, but b1 changed");
    }

    /* The longest name the format allows, all unprintable: cut, and the HINT still fits 512 bytes. */
    unsigned char longname[255];
    memset(longname, 0xff, sizeof longname);
    size_t n = forge_ckpt(file, longname, sizeof longname);
    write_bytes(path, file, n);
    EXPECT_INT_EQ(ckpt_load(path, model, names, 1), -1, "ckpt_load of a 255-byte name");
    expect_clean_refusal(err, path, "255 bytes of \\xFF");
    ck_assert_msg(strstr(err, "...'") != NULL, "a long name should be cut with ...: %s", err);
    harness_note("%s", err);
    unlink(path);
    rmdir(dir);
}
END_TEST

int main(int argc, char **argv)
{
    kit_set_failure_quiet(true);   /* every refusal's line is read by the test, not printed */
    const HarnessStep steps[] = {
        {"core.robust.1", "fuzz regressions: words files replay cleanly", test_replay_words, 20},
        {"core.robust.2", "fuzz regressions: checkpoints replay cleanly", test_replay_ckpt, 20},
        {"core.robust.3", "checkpoint: a foreign tensor name is shown escaped", test_ckpt_name_escaped, 10},
    };
    return harness_main(argc, argv, "core.robust", steps, sizeof steps / sizeof steps[0]);
}
