/**
 * @file data.h
 * @brief The data pipeline: a words file, the 27-character vocabulary, (X, Y)
 *        examples for a context of T characters, and the lecture's split.
 *
 * What it is: exactly what the lectures do with `names.txt`, in C, with clear
 * errors for bad files. What it is not: a tokenizer for anything but a-z.
 *
 * Vocabulary (the lecture's stoi/itos): '.' is 0 and marks both the start and
 * the end of a name; 'a'..'z' are 1..26. V = 27.
 */
#ifndef KIT_DATA_H
#define KIT_DATA_H

#include <stddef.h>

/** Vocabulary size: '.' plus a-z. */
#define VOCAB 27
/** Longest name accepted; a longer line is refused with its line number. */
#define WORD_MAX_LEN 64

/** @brief stoi: '.' -> 0, 'a'..'z' -> 1..26, anything else -> -1. */
int stoi(char c);
/** @brief itos: 0 -> '.', 1..26 -> 'a'..'z'. Out of range is an error (KIT_ERROR, kit.h). */
char itos(int i);

/** A list of words. `words[i]` points into one owned buffer. */
typedef struct Words {
    char **words;  /**< n pointers to NUL-terminated lowercase names */
    int n;         /**< how many */
    char *buf;     /**< owned storage for the text */
} Words;

/**
 * @brief Load a words file: one name per line, a-z only. LF or CRLF line ends,
 * a missing final newline, empty lines and a UTF-8 byte-order mark (EF BB BF)
 * at the very start of the file (skipped; columns in messages count from after
 * it; the same bytes anywhere else are refused) are accepted; anything else
 * (uppercase, digits, spaces, accents, a NUL byte, a line over WORD_MAX_LEN, an
 * empty file, a missing or unreadable file, a directory) is refused.
 *
 * A refusal is one line on stderr (kit_fail, kit.h): `path:line: what is
 * wrong. HINT: what to do` (`path:line:column:` for a bad character, which is
 * named: 'A', '3', a space, a tab, '-', a NUL byte, or non-ASCII bytes as
 * `\xC3\xA9`; `path:` alone for file-level problems). Files over 256 MiB are
 * refused; reading stops soon after the first byte no words file holds (a
 * binary file or /dev/urandom costs a few kilobytes, not the whole file). A line
 * is at most WORD_MAX_LEN characters, not counting its line end; a longer one
 * is refused, never cut. A long path is shown cut in the middle (kit_shown).
 * @param out   filled on success; free with words_free()
 * @param path  the words file to read (not kept)
 * @return 0 on success, -1 after one line on stderr (out is then empty).
 */
int words_load(Words *out, const char *path) __attribute__((warn_unused_result));
/** @brief Free what words_load() or words_split() made; @p w stays valid and empty. NULL is a no-op. */
void words_free(Words *w);

/**
 * @brief The lecture's split: `random.seed(seed); random.shuffle(words)`, then
 * train = [:int(0.8n)], dev = [int(0.8n):int(0.9n)], test = [int(0.9n):].
 * The three results borrow @p all's strings (their `buf` is NULL): free them
 * with words_free() (which frees only the pointer arrays), and @p all after.
 * Too few names for three non-empty parts (fewer than words_split_min(), 6)
 * is bad input: one line naming the minimum (kit_fail), three empty results.
 * @return 0, or -1 after one line on stderr.
 */
int words_split(const Words *all, unsigned long seed, Words *train, Words *dev, Words *test)
    __attribute__((warn_unused_result));
/** @brief The fewest names the 80/10/10 split turns into three non-empty parts (6). */
int words_split_min(void);

/** (X, Y) examples: for each position, T context characters and the next one. */
typedef struct Dataset {
    int *X;     /**< [n, T] context indices, row-major (owned) */
    int *Y;     /**< [n] target indices (owned) */
    int n;      /**< number of examples */
    int T;      /**< block size */
} Dataset;

/**
 * @brief The lecture's build_dataset: for each word, context = [0]*T; for each
 * ch in word + '.', emit (context, stoi(ch)) and shift ch into the context.
 * A word of length L gives L+1 examples. T = 1 gives the bigram pairs.
 * T must be 1..1024; a character outside a-z in @p w is an error (KIT_ERROR).
 * Free @p ds with dataset_free().
 */
void dataset_build(Dataset *ds, const Words *w, int T);
/** @brief Free a dataset; it stays valid and empty. NULL is a no-op. */
void dataset_free(Dataset *ds);

#endif /* KIT_DATA_H */
