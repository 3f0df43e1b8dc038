/*
 * main.c: the lab 01 driver. You do not need to edit this file; read it to see
 * how your four functions in bigram.c are used.
 *
 * What it is: the command line around the counting model.
 *   lab01 train              count, show the top bigrams, sample 5 names, score
 *                            the dataset; writes <out>/counts.tsv for the heat map
 *   lab01 sample -n 20       sample 20 names
 *   lab01 eval               the dataset's average NLL, smoothed and unsmoothed
 *   lab01 eval --word NAME   the NLL of one name, bigram by bigram
 * Shared flags (--data --seed --out --json --quiet --help) come from args.h
 * (--steps --batch --lr are refused: nothing is trained here);
 * --smooth K sets the add-k smoothing (default 1, the lecture's "+1").
 * What it is not: where the model lives (bigram.c) or where figures are drawn
 * (plots/lab01_counts.gp reads the TSV; C never plots).
 *
 * Every subcommand calls your functions in step order (count, then probs, then
 * sample or nll), so an unfinished skeleton stops at the lowest TODO first.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bigram.h"
#include "data.h"    // words_load, itos, VOCAB
#include "kit.h"     // KIT_EXIT_TODO
#include "rng.h"     // rng_seed
#include "args.h"    // kit_parse_args
#include "output.h"  // tsv_open, json_*

#define NAME_CAP 256   // longest sampled name we keep (a smoothed chain ends long before)

/* "a." for the pair (1, 0): the lecture's way to name a bigram */
static void bigram_str(int i, int j, char out[3])
{
    out[0] = itos(i);
    out[1] = itos(j);
    out[2] = '\0';
}

/* Print the 10 most frequent bigrams, like the lecture's sorted(b.items()). */
static void print_top_bigrams(const int32_t N[VOCAB][VOCAB], int top)
{
    int used[VOCAB][VOCAB] = {{0}};
    printf("top bigrams:");
    for (int t = 0; t < top; t++) {
        int bi = 0, bj = 0;
        int32_t best = -1;
        for (int i = 0; i < VOCAB; i++)
            for (int j = 0; j < VOCAB; j++)
                if (!used[i][j] && N[i][j] > best) { best = N[i][j]; bi = i; bj = j; }
        used[bi][bj] = 1;
        char s[3];
        bigram_str(bi, bj, s);
        printf("%s %s %d", t ? "," : "", s, (int)best);
    }
    printf("\n");
}

/* counts.tsv: one row per cell, what plots/lab01_counts.gp draws. */
static void write_counts_tsv(const char *dir, const int32_t N[VOCAB][VOCAB], bool quiet)
{
    TsvLog log;
    if (tsv_open(&log, dir, "counts.tsv", "row col bigram count") != 0)
        exit(1);
    for (int i = 0; i < VOCAB; i++)
        for (int j = 0; j < VOCAB; j++) {
            char s[3];
            bigram_str(i, j, s);
            tsv_row(&log, "%d\t%d\t%s\t%d", i, j, s, (int)N[i][j]);
        }
    if (tsv_close(&log) != 0)
        exit(1);
    if (!quiet) printf("wrote %s/counts.tsv (the heat map: make plots)\n", dir);
}

/* --word must be a name the table can score: a-z only, at most WORD_MAX_LEN
 * (bigram_nll would stop at its own source line otherwise). A usage error, so
 * one line that names the flag, and exit 2 as for any bad flag. */
static void check_word(const char *word)
{
    size_t len = strlen(word);
    const char *bad = NULL;
    for (const char *p = word; *p && !bad; p++)
        if (*p < 'a' || *p > 'z') bad = p;
    if (!bad && len <= WORD_MAX_LEN) return;

    // the word as typed, with bytes a terminal would not show as \xNN, cut at 64 characters
    char shown[300];
    size_t n = 0;
    for (const char *p = word; *p && p - word < 64; p++) {   // at most 4 bytes shown per character
        unsigned char c = (unsigned char)*p;
        n += (size_t)snprintf(shown + n, sizeof shown - n, c >= ' ' && c < 0x7f ? "%c" : "\\x%02X", c);
    }
    if (len > 64) snprintf(shown + n, sizeof shown - n, "...");

    fflush(stdout);
    if (!bad) {
        fprintf(stderr, "lab01: --word '%s': %zu characters, the limit is %d (WORD_MAX_LEN). HINT: names are short, "
                "e.g. lab01 eval --word emma\n", shown, len, WORD_MAX_LEN);
        exit(2);
    }

    // the suggestion: the word lowercased without its spaces, digits and punctuation,
    // when every odd character is plain ASCII (an accent has no one right a-z letter)
    char fix[WORD_MAX_LEN + 1];
    size_t nfix = 0;
    bool ascii = true;
    for (const char *p = word; *p && nfix < WORD_MAX_LEN; p++) {
        char c = *p >= 'A' && *p <= 'Z' ? (char)(*p - 'A' + 'a') : *p;
        if (c >= 'a' && c <= 'z') fix[nfix++] = c;
        ascii = ascii && (unsigned char)*p < 0x80;
    }
    fix[nfix] = '\0';

    unsigned char c = (unsigned char)*bad;
    char what[64];
    if (c == ' ') snprintf(what, sizeof what, "a space");
    else if (c > ' ' && c < 0x7f) snprintf(what, sizeof what, "character '%c'", c);
    else snprintf(what, sizeof what, "byte \\x%02X%s", c, c >= 0x80 ? " (an accent?)" : "");
    fprintf(stderr, "lab01: --word '%s': %s at position %d; a name is lowercase letters a-z only. HINT: %s%s\n", shown,
            what, (int)(bad - word) + 1, ascii && nfix > 0 ? "lab01 eval --word " : "write it in plain a-z, e.g. lab01 eval --word ",
            ascii && nfix > 0 ? fix : "emma");
    exit(2);
}

/* The lecture's cell: every bigram of one name, its probability and log. */
static void eval_word(const float P[VOCAB][VOCAB], const float P0[VOCAB][VOCAB], const char *word, double k, bool quiet)
{
    char *w = (char *)word;
    double nll = bigram_nll(P, &w, 1, NULL);
    double nll0 = bigram_nll(P0, &w, 1, NULL);
    if (!quiet) {
        int len = (int)strlen(word), prev = 0;
        printf("bigram      P(+%g)   log P\n", k);
        for (int t = 0; t <= len; t++) {
            int next = t < len ? stoi(word[t]) : 0;
            char s[3];
            bigram_str(prev, next, s);
            printf("  %s      %.4f  %8.4f%s\n", s, P[prev][next], log(P[prev][next]),
                   P0[prev][next] == 0.0f ? "   (never seen: P = 0 without smoothing)" : "");
            prev = next;
        }
    }
    printf("\"%s\": average NLL %.4f with +%g smoothing, %.4f without\n", word, nll, k, nll0);
}

int main(int argc, char **argv)
{
    static const char *const commands[] = {"train", "sample", "eval", NULL};
    const KitProgram prog = {
        "lab01", "the bigram model by counting (makemore part 1)", commands,
        "examples:\n"
        "  lab01 train                      counts, top bigrams, 5 samples, NLL; writes counts.tsv\n"
        "  lab01 sample -n 20               20 names from the +1-smoothed table\n"
        "  lab01 eval --word andrejq        one name's NLL (infinite without smoothing)\n"
        "  lab01 train --data data/makemore-names.txt   the lecture's dataset\n",
        "--steps --batch --lr"};  // counted, not trained: these shared flags would do nothing
    KitArgs a;
    kit_args_defaults(&a, "lab01");
    double smooth = 1.0;
    int nsamples = -1;
    const char *word = NULL;
    const KitOpt opts[] = {
        {"--smooth", KIT_OPT_DOUBLE, &smooth, 0, 1e9, "add-k smoothing: P = (N + k) / rowsum", NULL},
        {"-n", KIT_OPT_INT, &nsamples, 1, 1000000, "how many names to sample (default 5 for train, 20 for sample)",
         "train sample"},
        {"--word", KIT_OPT_STRING, &word, 0, 0, "eval: score this one name instead of the dataset", "eval"},
    };
    kit_parse_args(argc, argv, &prog, &a, opts, (int)(sizeof opts / sizeof opts[0]));
    if (word) check_word(word);
    const char *cmd = a.command ? a.command : "train";
    if (nsamples < 0) nsamples = strcmp(cmd, "sample") == 0 ? 20 : 5;

    Words words;
    if (words_load(&words, a.data) != 0)
        return 1;

    // lab01.1: the model is the table of counts
    static int32_t N[VOCAB][VOCAB];
    long total = bigram_count(&words, N);
    if (strcmp(cmd, "train") == 0) {
        int seen = 0;
        long row0 = 0;
        for (int i = 0; i < VOCAB; i++)
            for (int j = 0; j < VOCAB; j++) seen += N[i][j] > 0;
        for (int j = 0; j < VOCAB; j++) row0 += N[0][j];
        if (!a.quiet) {
            printf("%s: %d words, %ld bigrams, %d of %d pairs seen\n", a.data, words.n, total, seen, VOCAB * VOCAB);
            print_top_bigrams(N, 10);
            printf("N['.']['a'] = %d, P(first letter = a) = %.4f\n", (int)N[0][1], (double)N[0][1] / (double)row0);
        }
        write_counts_tsv(a.out, N, a.quiet);
    }

    // lab01.2: probabilities, smoothed (the model) and raw (to compare)
    static float P[VOCAB][VOCAB], P0[VOCAB][VOCAB];
    bigram_probs(N, (float)smooth, P);
    bigram_probs(N, 0.0f, P0);

    // lab01.3: one generator for all names, created once, as in the lecture's cell
    char samples[4096] = "";
    if (strcmp(cmd, "train") == 0 || strcmp(cmd, "sample") == 0) {
        TorchRng g;
        rng_seed(&g, a.seed);
        if (!a.quiet && strcmp(cmd, "train") == 0)
            printf("samples (seed %llu, +%g smoothing):", (unsigned long long)a.seed, smooth);
        for (int s = 0; s < nsamples; s++) {
            char name[NAME_CAP];
            bigram_sample(P, &g, name, NAME_CAP);
            if (strcmp(cmd, "sample") == 0) {
                if (!a.quiet) printf("%s\n", name);
            } else if (!a.quiet) {
                printf(" %s", name);
            }
            if (strlen(samples) + strlen(name) + 2 < sizeof samples) {
                if (s) strcat(samples, " ");
                strcat(samples, name);
            }
        }
        if (!a.quiet && strcmp(cmd, "train") == 0) printf("\n");
    }

    // lab01.4: how good is the table? average NLL over every bigram of the data
    double nll = NAN, nll0 = NAN;
    long count = 0;
    if (strcmp(cmd, "eval") == 0 && word) {
        eval_word(P, P0, word, smooth, a.quiet);
        char *w = (char *)word;
        nll = bigram_nll(P, &w, 1, &count);
        nll0 = bigram_nll(P0, &w, 1, NULL);
    } else if (strcmp(cmd, "train") == 0 || strcmp(cmd, "eval") == 0) {
        nll = bigram_nll(P, words.words, words.n, &count);
        nll0 = bigram_nll(P0, words.words, words.n, NULL);
        if (!a.quiet || strcmp(cmd, "eval") == 0)
            printf("average NLL over %ld bigrams: %.6f with +%g smoothing, %.6f without (uniform guess: %.6f)\n",
                   count, nll, smooth, nll0, log((double)VOCAB));
    }

    if (a.json) {
        json_begin(stdout);
        json_str(stdout, "command", cmd);
        json_num(stdout, "words", words.n);
        json_num(stdout, "bigrams", (double)total);
        json_num(stdout, "N_dot_a", N[0][1]);
        json_num(stdout, "smooth", smooth);
        if (samples[0]) json_str(stdout, "samples", samples);
        if (!isnan(nll)) {
            // JSON has no infinity: an impossible name is reported as the string "inf"
            if (isfinite(nll)) json_num(stdout, "nll", nll); else json_str(stdout, "nll", "inf");
            if (isfinite(nll0)) json_num(stdout, "nll_unsmoothed", nll0); else json_str(stdout, "nll_unsmoothed", "inf");
        }
        if (word) json_str(stdout, "word", word);
        if (json_end(stdout) != 0) {
            words_free(&words);
            return 1;
        }
    }
    if (!a.quiet && !a.json && strcmp(cmd, "train") == 0)
        printf("next: make plots (the count heat map), then lab 02: make check LAB=02\n");
    words_free(&words);
    return 0;
}
