/*
 * core_data_test.c: the data pipeline (common/data.c) against exact counts.
 *
 * What it checks: stoi/itos; words_load on good files (LF, CRLF, no final
 * newline, empty lines, a UTF-8 byte-order mark at the start) with exact
 * words, and on every kind of bad file with
 * the message naming file:line and the offending character; dataset_build
 * against the lecture's "emma" rows; words_split against Python's
 * random.seed(42) shuffle; and data/names.txt against its known counts
 * (32,257 names, 229,804 bigrams, split 183802 / 22949 / 23053 for T = 3).
 * What it does not check: speed. Tiny files live in tests/data/ (see its README).
 * Run from the repository root (make check does).
 */
#define _POSIX_C_SOURCE 200809L /* fork, pipe, mkdtemp */

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "data.h"
#include "kit.h"

/* ------------------------------------------------------------------------- */
/* helpers */

/* Fail unless `err` contains `want`, printing the whole message. */
#define EXPECT_CONTAINS(err, want, what) \
    ck_assert_msg(strstr((err), (want)) != NULL, "%s: message\n    %s\nshould contain\n    %s", (what), (err), (want))

/* Load `path` expecting success with exactly the n words `want`. */
static void expect_words(const char *path, const char *const *want, int n)
{
    Words w;
    int rc = words_load(&w, path);
    ck_assert_msg(rc == 0, "%s: words_load returned %d, expected 0; message: %s", path, rc, kit_last_failure());
    EXPECT_INT_EQ(w.n, n, path);
    for (int i = 0; i < n; i++)
        ck_assert_msg(strcmp(w.words[i], want[i]) == 0, "%s: word %d is \"%s\", expected \"%s\"", path, i, w.words[i], want[i]);
    words_free(&w);
    ck_assert_msg(w.words == NULL && w.buf == NULL && w.n == 0, "words_free leaves the Words empty");
}

/* Load `path` expecting refusal: -1, an empty result, one line containing each of want[0..n). */
static void expect_refused(const char *path, const char *const *want, int n)
{
    Words w = {(char **)1, 99, (char *)1}; /* garbage: words_load must empty it */
    bool was = kit_set_failure_quiet(true);   /* the line is read below, not printed */
    int rc = words_load(&w, path);
    kit_set_failure_quiet(was);
    const char *err = kit_last_failure();
    ck_assert_msg(rc == -1, "%s: words_load returned %d, expected -1 (refused)", path, rc);
    ck_assert_msg(w.words == NULL && w.buf == NULL && w.n == 0, "%s: a refused load must leave the Words empty (n = %d)", path, w.n);
    ck_assert_msg(strchr(err, '\n') == NULL, "%s: the message must be one line: %s", path, err);
    EXPECT_CONTAINS(err, "HINT:", path);
    for (int i = 0; i < n; i++) EXPECT_CONTAINS(err, want[i], path);
    harness_note("%s", err);
}

/* ------------------------------------------------------------------------- */
/* the vocabulary */

static void itos_out_of_range_child(void)
{
    kit_set_error_handler(NULL); /* the default: print the line, exit 1 */
    (void)itos(27);
    _exit(0);                    /* not reached if itos refuses */
}

START_TEST(test_vocab)
{
    EXPECT_INT_EQ(stoi('.'), 0, "stoi('.')");
    for (int i = 0; i < 26; i++) {
        EXPECT_INT_EQ(stoi((char)('a' + i)), i + 1, "stoi(a..z)");
        EXPECT_INT_EQ(itos(i + 1), 'a' + i, "itos(1..26)");
    }
    EXPECT_INT_EQ(itos(0), '.', "itos(0)");
    const char bad[] = {'A', 'Z', '0', ' ', '\t', '\n', '\0', '-', '{', '`'};
    for (size_t i = 0; i < sizeof bad; i++) EXPECT_INT_EQ(stoi(bad[i]), -1, "stoi of a character outside the vocabulary");
    EXPECT_INT_EQ(stoi((char)0xC3), -1, "stoi of a non-ASCII byte");

    /* itos(27) is an error that stops the program: run it in a child. */
    fflush(NULL);
    pid_t pid = fork();
    ck_assert_msg(pid >= 0, "fork failed");
    if (pid == 0) {
        int devnull = open("/dev/null", O_WRONLY);
        if (devnull >= 0) dup2(devnull, 2);
        itos_out_of_range_child();
    }
    int status = 0;
    waitpid(pid, &status, 0);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 1, "itos(27) must stop with exit status 1 (got status 0x%x)", status);
}
END_TEST

/* ------------------------------------------------------------------------- */
/* words_load: good files */

START_TEST(test_load_good)
{
    const char *const three[] = {"emma", "olivia", "ava"};
    expect_words("tests/data/good_lf.txt", three, 3);
    expect_words("tests/data/good_crlf.txt", three, 3);
    expect_words("tests/data/good_nofinal.txt", three, 3);
    expect_words("tests/data/good_blank.txt", three, 3);
    const char *const longest[] = {"abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijkl", "bo"};
    EXPECT_INT_EQ((long)strlen(longest[0]), WORD_MAX_LEN, "the longest accepted line");
    expect_words("tests/data/good_maxlen.txt", longest, 2);
}
END_TEST

/* Write n bytes to <dir>/<name> and return the path in `path`. */
static void write_file(const char *dir, const char *name, const char *bytes, size_t n, char *path, size_t plen)
{
    snprintf(path, plen, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    ck_assert_msg(f != NULL, "cannot create %s", path);
    ck_assert_msg(fwrite(bytes, 1, n, f) == n, "cannot write %s", path);
    fclose(f);
}

START_TEST(test_load_bom)
{
    /* A UTF-8 byte-order mark at the start (tests/data/good_bom.txt) is skipped. */
    const char *const three[] = {"emma", "olivia", "ava"};
    expect_words("tests/data/good_bom.txt", three, 3);

    char dir[] = "/tmp/core_data_XXXXXX";
    ck_assert_msg(mkdtemp(dir) != NULL, "mkdtemp failed");
    char path[128];
    /* with CRLF line ends and no final newline */
    static const char crlf[] = "\xEF\xBB\xBF" "emma\r\nolivia\r\nava";
    write_file(dir, "bom_crlf.txt", crlf, sizeof crlf - 1, path, sizeof path);
    expect_words(path, three, 3);
    remove(path);
    /* after the mark, columns count from the first letter: 'E' is at 1:1 */
    static const char upper[] = "\xEF\xBB\xBF" "Emma\n";
    write_file(dir, "bom_upper.txt", upper, sizeof upper - 1, path, sizeof path);
    const char *const w_upper[] = {"bom_upper.txt:1:1: uppercase letter 'E'"};
    expect_refused(path, w_upper, 1);
    remove(path);
    /* only the mark: no names */
    write_file(dir, "bom_only.txt", "\xEF\xBB\xBF", 3, path, sizeof path);
    const char *const w_only[] = {"bom_only.txt: no names: the file is only a UTF-8 byte-order mark"};
    expect_refused(path, w_only, 1);
    remove(path);
    /* the mark anywhere but the start is a non-ASCII character */
    static const char mid[] = "emma\n\xEF\xBB\xBF" "ava\n";
    write_file(dir, "bom_mid.txt", mid, sizeof mid - 1, path, sizeof path);
    const char *const w_mid[] = {"bom_mid.txt:2:1: non-ASCII character \\xEF\\xBB\\xBF (UTF-8)"};
    expect_refused(path, w_mid, 1);
    remove(path);
    /* only one mark is skipped; a second one is refused at 1:1 */
    static const char two[] = "\xEF\xBB\xBF\xEF\xBB\xBF" "emma\n";
    write_file(dir, "bom_two.txt", two, sizeof two - 1, path, sizeof path);
    const char *const w_two[] = {"bom_two.txt:1:1: non-ASCII character \\xEF\\xBB\\xBF"};
    expect_refused(path, w_two, 1);
    remove(path);
    /* a cut mark (EF BB) is not a mark: refused at its first byte */
    static const char cut[] = "\xEF\xBB" "emma\n";
    write_file(dir, "bom_cut.txt", cut, sizeof cut - 1, path, sizeof path);
    const char *const w_cut[] = {"bom_cut.txt:1:1: byte \\xEF is neither ASCII nor UTF-8"};
    expect_refused(path, w_cut, 1);
    remove(path);
    rmdir(dir);
}
END_TEST

/* ------------------------------------------------------------------------- */
/* words_load: bad files */

START_TEST(test_load_missing_dir)
{
    const char *const missing[] = {"tests/data/does_not_exist.txt: cannot open: No such file or directory",
                                   "HINT: pass a words file with --data, e.g. --data data/names.txt"};
    expect_refused("tests/data/does_not_exist.txt", missing, 2);
    const char *const dir[] = {"tests/data: is a directory"};
    expect_refused("tests/data", dir, 1);

    /* Unreadable: only testable when permissions apply (not as root). */
    char dirname[] = "/tmp/core_data_XXXXXX";
    ck_assert_msg(mkdtemp(dirname) != NULL, "mkdtemp failed");
    char path[128];
    snprintf(path, sizeof path, "%s/secret.txt", dirname);
    FILE *f = fopen(path, "w");
    ck_assert_msg(f != NULL, "cannot create %s", path);
    fputs("emma\n", f);
    fclose(f);
    chmod(path, 0);
    if (geteuid() != 0) {
        const char *const unreadable[] = {"secret.txt: cannot open: Permission denied", "chmod u+r"};
        expect_refused(path, unreadable, 2);
    } else {
        harness_note("running as root: permissions do not apply, the unreadable-file case is not exercised");
    }
    remove(path);
    rmdir(dirname);
}
END_TEST

START_TEST(test_load_empty)
{
    const char *const empty[] = {"tests/data/empty.txt: no names: the file is empty"};
    expect_refused("tests/data/empty.txt", empty, 1);
    const char *const blank[] = {"tests/data/blank_only.txt: no names: the file is only blank lines"};
    expect_refused("tests/data/blank_only.txt", blank, 1);
}
END_TEST

START_TEST(test_load_uppercase)
{
    const char *const want[] = {"tests/data/bad_upper.txt:2:1: uppercase letter 'O'", "the kit expects lowercase a-z",
                                "tr A-Z a-z"};
    expect_refused("tests/data/bad_upper.txt", want, 3);
}
END_TEST

START_TEST(test_load_accents)
{
    const char *const utf8[] = {"tests/data/bad_accent.txt:2:3: non-ASCII character \\xC3\\xAB",
                                "accents and other non-ASCII letters are not in the vocabulary"};
    expect_refused("tests/data/bad_accent.txt", utf8, 2);
    const char *const latin1[] = {"tests/data/bad_latin1.txt:2:3: byte \\xEB", "accents are not in the vocabulary"};
    expect_refused("tests/data/bad_latin1.txt", latin1, 2);
}
END_TEST

START_TEST(test_load_other_chars)
{
    const char *const digit[] = {"tests/data/bad_digit.txt:2:4: digit '2'"};
    expect_refused("tests/data/bad_digit.txt", digit, 1);
    const char *const space[] = {"tests/data/bad_space.txt:2:5: space character"};
    expect_refused("tests/data/bad_space.txt", space, 1);
    const char *const tab[] = {"tests/data/bad_tab.txt:1:5: tab character"};
    expect_refused("tests/data/bad_tab.txt", tab, 1);
    const char *const punct[] = {"tests/data/bad_punct.txt:3:5: punctuation '-'"};
    expect_refused("tests/data/bad_punct.txt", punct, 1);
    const char *const cr[] = {"tests/data/bad_cr.txt:1:5: carriage return"};
    expect_refused("tests/data/bad_cr.txt", cr, 1);
}
END_TEST

START_TEST(test_load_binary)
{
    const char *const nul[] = {"tests/data/bad_nul.txt:2:3: NUL byte", "binary file"};
    expect_refused("tests/data/bad_nul.txt", nul, 2);
    const char *const png[] = {"tests/data/bad_binary.bin:1:1: byte \\x89", "binary file"};
    expect_refused("tests/data/bad_binary.bin", png, 2);
}
END_TEST

START_TEST(test_load_too_long)
{
    const char *const want[] = {"tests/data/bad_long.txt:2: line is 65 characters long; the limit is 64"};
    expect_refused("tests/data/bad_long.txt", want, 1);
}
END_TEST

/* ------------------------------------------------------------------------- */
/* dataset_build */

START_TEST(test_dataset_emma)
{
    /* The lecture's printout for "emma", block_size 3:
     *   ... ---> e   ..e ---> m   .em ---> m   emm ---> a   mma ---> . */
    char *list[] = {"emma"};
    Words w = {list, 1, NULL};
    Dataset ds;
    dataset_build(&ds, &w, 3);
    EXPECT_INT_EQ(ds.n, 5, "examples from \"emma\" (len 4 + 1)");
    EXPECT_INT_EQ(ds.T, 3, "T");
    const char *ctx[5] = {"...", "..e", ".em", "emm", "mma"};
    const char tgt[5] = {'e', 'm', 'm', 'a', '.'};
    for (int i = 0; i < 5; i++) {
        char got[4] = {itos(ds.X[i * 3]), itos(ds.X[i * 3 + 1]), itos(ds.X[i * 3 + 2]), 0};
        ck_assert_msg(strcmp(got, ctx[i]) == 0 && itos(ds.Y[i]) == tgt[i], "row %d: got %s ---> %c, expected %s ---> %c", i, got,
                      itos(ds.Y[i]), ctx[i], tgt[i]);
    }
    dataset_free(&ds);
    ck_assert_msg(ds.X == NULL && ds.Y == NULL && ds.n == 0, "dataset_free leaves it empty");
    dataset_free(NULL);
}
END_TEST

START_TEST(test_dataset_bigrams)
{
    /* T = 1: (previous, next) pairs, '.' at both ends: .e em mm ma a. .a av va a. */
    char *list[] = {"emma", "ava"};
    Words w = {list, 2, NULL};
    Dataset ds;
    dataset_build(&ds, &w, 1);
    EXPECT_INT_EQ(ds.n, 9, "bigrams of emma, ava");
    const char *pairs[9] = {".e", "em", "mm", "ma", "a.", ".a", "av", "va", "a."};
    for (int i = 0; i < 9; i++) {
        char got[3] = {itos(ds.X[i]), itos(ds.Y[i]), 0};
        ck_assert_msg(strcmp(got, pairs[i]) == 0, "bigram %d: got %s, expected %s", i, got, pairs[i]);
    }
    dataset_free(&ds);
}
END_TEST

/* ------------------------------------------------------------------------- */
/* words_split */

START_TEST(test_split_ten)
{
    /* python: random.seed(42); x = list(range(10)); random.shuffle(x)  ->  [7, 3, 2, 8, 5, 6, 9, 4, 0, 1]
     * n1 = int(0.8*10) = 8, n2 = int(0.9*10) = 9 */
    char *list[] = {"w0", "w1", "w2", "w3", "w4", "w5", "w6", "w7", "w8", "w9"};
    Words all = {list, 10, NULL};
    Words tr, dev, te;
    EXPECT_INT_EQ(words_split(&all, 42, &tr, &dev, &te), 0, "words_split of 10 words");
    EXPECT_INT_EQ(tr.n, 8, "train words");
    EXPECT_INT_EQ(dev.n, 1, "dev words");
    EXPECT_INT_EQ(te.n, 1, "test words");
    const int order[10] = {7, 3, 2, 8, 5, 6, 9, 4, 0, 1};
    for (int i = 0; i < 10; i++) {
        const char *got = i < 8 ? tr.words[i] : i < 9 ? dev.words[i - 8] : te.words[0];
        ck_assert_msg(got == list[order[i]], "shuffled word %d: got %s, expected w%d", i, got, order[i]);
    }
    ck_assert_msg(tr.buf == NULL && dev.buf == NULL && te.buf == NULL, "the parts borrow the strings (buf NULL)");
    words_free(&tr);
    words_free(&dev);
    words_free(&te);

    /* cut points: int(0.8*n), int(0.9*n) in double, as Python */
    const int ns[] = {6, 7, 32033, 32257};
    const int n1s[] = {4, 5, 25626, 25805};
    const int n2s[] = {5, 6, 28829, 29031};
    char **many = malloc(32257 * sizeof *many);
    for (int i = 0; i < 32257; i++) many[i] = list[i % 10];
    for (size_t k = 0; k < sizeof ns / sizeof ns[0]; k++) {
        Words a = {many, ns[k], NULL};
        EXPECT_INT_EQ(words_split(&a, 42, &tr, &dev, &te), 0, "words_split");
        ck_assert_msg(tr.n == n1s[k] && dev.n == n2s[k] - n1s[k] && te.n == ns[k] - n2s[k],
                      "n = %d: got %d/%d/%d words, expected %d/%d/%d", ns[k], tr.n, dev.n, te.n, n1s[k], n2s[k] - n1s[k], ns[k] - n2s[k]);
        words_free(&tr);
        words_free(&dev);
        words_free(&te);
    }
    free(many);
}
END_TEST

/* 1 to 5 names leave a split empty (5: train 4, dev 0, test 1), which the
 * labs used to find only after training: refused up front, naming the true
 * minimum, 6 (issue 20 item 12). */
START_TEST(test_split_too_few)
{
    char *list[] = {"aa", "bb", "cc", "dd", "ee", "ff"};
    EXPECT_INT_EQ(words_split_min(), 6, "the fewest names the 80/10/10 split accepts");
    for (int n = 0; n <= 5; n++) {
        Words all = {list, n, NULL}, tr = {(char **)1, 9, NULL}, dev = tr, te = tr;
        bool was = kit_set_failure_quiet(true);
        int rc = words_split(&all, 42, &tr, &dev, &te);
        kit_set_failure_quiet(was);
        const char *err = kit_last_failure();
        ck_assert_msg(rc == -1, "%d names: words_split returned %d, expected -1", n, rc);
        ck_assert_msg(tr.n == 0 && dev.n == 0 && te.n == 0 && !tr.words, "%d names: the parts must be left empty", n);
        EXPECT_CONTAINS(err, "at least 6", "the true minimum");
        EXPECT_CONTAINS(err, "HINT:", "a hint");
        if (n == 5) {
            EXPECT_CONTAINS(err, "5 names", "the count");
            EXPECT_CONTAINS(err, "dev 0", "which split is empty");
            harness_note("%s", err);
        }
    }
    Words all = {list, 6, NULL}, tr, dev, te;
    EXPECT_INT_EQ(words_split(&all, 42, &tr, &dev, &te), 0, "6 names");
    ck_assert_msg(tr.n == 4 && dev.n == 1 && te.n == 1, "6 names: got %d/%d/%d, expected 4/1/1", tr.n, dev.n, te.n);
    words_free(&tr);
    words_free(&dev);
    words_free(&te);
}
END_TEST

/* ------------------------------------------------------------------------- */
/* data/names.txt (committed; generated by data/make_names.sh) */

START_TEST(test_names_counts)
{
    Words w;
    int rc = words_load(&w, "data/names.txt");
    ck_assert_msg(rc == 0, "data/names.txt must load: %s", kit_last_failure());
    EXPECT_INT_EQ(w.n, 32257, "names in data/names.txt");
    ck_assert_msg(strcmp(w.words[0], "emma") == 0, "first name: got %s, expected emma", w.words[0]);
    Dataset ds;
    dataset_build(&ds, &w, 1);
    EXPECT_INT_EQ(ds.n, 229804, "bigrams (T = 1) of data/names.txt");
    /* N[0, 1]: names starting with 'a' */
    int starts_a = 0;
    for (int i = 0; i < ds.n; i++) starts_a += ds.X[i] == 0 && ds.Y[i] == 1;
    EXPECT_INT_EQ(starts_a, 4438, "bigram count N['.', 'a']");
    dataset_free(&ds);
    words_free(&w);
}
END_TEST

START_TEST(test_names_split)
{
    Words w, tr, dev, te;
    ck_assert_msg(words_load(&w, "data/names.txt") == 0, "data/names.txt must load: %s", kit_last_failure());
    EXPECT_INT_EQ(words_split(&w, 42, &tr, &dev, &te), 0, "words_split of data/names.txt");
    EXPECT_INT_EQ(tr.n, 25805, "train words (int(0.8 * 32257))");
    EXPECT_INT_EQ(tr.n + dev.n, 29031, "train + dev words (int(0.9 * 32257))");
    const char *first[3] = {"anaiza", "julyen", "lyberty"};
    for (int i = 0; i < 3; i++)
        ck_assert_msg(strcmp(tr.words[i], first[i]) == 0, "shuffled word %d: got %s, expected %s", i, tr.words[i], first[i]);
    Dataset a, b, c;
    dataset_build(&a, &tr, 3);
    dataset_build(&b, &dev, 3);
    dataset_build(&c, &te, 3);
    EXPECT_INT_EQ(a.n, 183802, "train examples (T = 3)");
    EXPECT_INT_EQ(b.n, 22949, "dev examples (T = 3)");
    EXPECT_INT_EQ(c.n, 23053, "test examples (T = 3)");
    harness_note("split %d / %d / %d examples; first shuffled: %s, %s, %s", a.n, b.n, c.n, tr.words[0], tr.words[1], tr.words[2]);
    dataset_free(&a);
    dataset_free(&b);
    dataset_free(&c);
    words_free(&tr);
    words_free(&dev);
    words_free(&te);
    words_free(&w);
    words_free(NULL);
}
END_TEST

/* A binary stream (a pipe whose writer stays open, like /dev/urandom it never
 * ends) is refused at its first byte that no words file holds: words_load used
 * to read to the end of the file (up to 256 MiB) before looking, and on this
 * pipe it would wait for ever (issue 20 item 14). */
START_TEST(test_load_binary_stream)
{
    int fds[2];
    ck_assert_msg(pipe(fds) == 0, "pipe");
    const char bytes[] = "emma\nol\x01via\nava\n";   /* the \x01 at line 2, column 3 */
    ck_assert_msg(write(fds[1], bytes, sizeof bytes - 1) == (ssize_t)(sizeof bytes - 1), "write into the pipe");
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fds[0]);
    const char *want[] = {":2:3:", "control character \\x01", "binary file"};
    expect_refused(path, want, 3);   /* returns: the writer end is still open */
    close(fds[0]);
    close(fds[1]);
}
END_TEST

/* A 100,000-character path: the message keeps the reason and the HINT, the
 * path is cut in the middle, and the line stays one line (issue 20 item 14). */
START_TEST(test_load_long_path)
{
    size_t n = 100000;
    char *path = malloc(n + 1);
    ck_assert(path);
    for (size_t i = 0; i < n; i++) path[i] = i % 50 == 0 ? '/' : 'x';
    memcpy(path + n - 9, "names.txt", 10);
    const char *want[] = {"cannot open", "...", "names.txt: cannot open"};
    expect_refused(path, want, 3);
    ck_assert_msg(strlen(kit_last_failure()) < 512, "the line is %zu bytes, expected under 512", strlen(kit_last_failure()));
    free(path);
    /* A newline inside the path is shown, not printed. */
    const char *want2[] = {"bad\\nname.txt", "HINT:"};
    expect_refused("tests/data/bad\nname.txt", want2, 2);
}
END_TEST

int main(int argc, char **argv)
{
    const HarnessStep steps[] = {
        {"core.data.1", "stoi/itos: '.' is 0, a-z are 1..26", test_vocab, 10},
        {"core.data.2", "load: LF, CRLF, no final LF, blank lines", test_load_good, 10},
        {"core.data.3", "refuse: missing, directory, unreadable", test_load_missing_dir, 10},
        {"core.data.4", "refuse: empty file, only blank lines", test_load_empty, 10},
        {"core.data.5", "refuse: uppercase letter at line:col", test_load_uppercase, 10},
        {"core.data.6", "refuse: accents (UTF-8, Latin-1) as \\xNN", test_load_accents, 10},
        {"core.data.7", "refuse: digit, space, tab, '-', stray CR", test_load_other_chars, 10},
        {"core.data.8", "refuse: NUL byte, binary file", test_load_binary, 10},
        {"core.data.9", "refuse: a line over WORD_MAX_LEN (64)", test_load_too_long, 10},
        {"core.data.10", "dataset: \"emma\", T=3: the lecture's 5 rows", test_dataset_emma, 10},
        {"core.data.11", "dataset: T=1 gives bigram pairs", test_dataset_bigrams, 10},
        {"core.data.12", "split: Python seed(42) shuffle, 80/10/10", test_split_ten, 10},
        {"core.data.13", "names.txt: 32,257 names, 229,804 bigrams", test_names_counts, 20},
        {"core.data.14", "names.txt split: 183802/22949/23053", test_names_split, 20},
        {"core.data.15", "load: a UTF-8 byte-order mark is skipped", test_load_bom, 10},
        {"core.data.16", "split: 1-5 names refused, naming the minimum 6", test_split_too_few, 10},
        {"core.data.17", "refuse: a binary stream at its first bad byte", test_load_binary_stream, 10},
        {"core.data.18", "refuse: a 100k path keeps reason and HINT", test_load_long_path, 10},
    };
    return harness_main(argc, argv, "core.data", steps, sizeof steps / sizeof steps[0]);
}
