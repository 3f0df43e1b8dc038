/*
 * bigram.c: lab 01, the bigram model by counting. You write four functions,
 * in the order the lecture builds them: count, normalize, sample, evaluate.
 *
 * What it is: plain loops over a 27x27 table. No tensors, no autograd: the
 * "model" is the table of counts itself, and "training" is counting.
 * What it is not: the driver (main.c: flags, printing, the TSV for the heat
 * map) or the neural version of the same model (lab 02).
 *
 * Shapes (V = 27, '.' = 0, 'a'..'z' = 1..26):
 *   N [V, V] int32 counts, P [V, V] float32 probabilities (row = current char).
 *
 * Next: fill in each TODO in order, then `make check LAB=01` and `make lab01`.
 */
#include "bigram.h"

#include <math.h>
#include <string.h>

#include "kit.h"   // KIT_TODO, KIT_CHECK

/* ------------------------------------------------------------------------- */
/* lab01.1: count                                                             */
/* ------------------------------------------------------------------------- */

long bigram_count(const Words *words, int32_t N[VOCAB][VOCAB])
{
#if !SKELETON /* lab01.1 */
    memset(N, 0, sizeof(int32_t) * VOCAB * VOCAB);
    long total = 0;
    for (int w = 0; w < words->n; w++) {
        // '.' both opens and closes the name: the lecture's chs = ['.'] + list(w) + ['.']
        const char *name = words->words[w];
        int len = (int)strlen(name);
        int prev = 0;                                   // the opening '.'
        for (int t = 0; t <= len; t++) {
            int next = t < len ? stoi(name[t]) : 0;     // after the last letter comes '.'
            KIT_CHECK(next >= 0, "word %d (\"%s\") has character '%c' outside a-z. HINT: load words with words_load()",
                      w, name, name[t]);
            N[prev][next]++;
            total++;
            prev = next;
        }
    }
    return total;
#else
    // TODO(lab01.1): zero N, then for each word walk the pairs of '.' + w + '.'
    // and add one to N[stoi(first)][stoi(second)]; return how many you counted.
    KIT_TODO("lab01.1", "count the bigrams of every word into N");
#endif
}

/* ------------------------------------------------------------------------- */
/* lab01.2: normalize                                                         */
/* ------------------------------------------------------------------------- */

void bigram_probs(const int32_t N[VOCAB][VOCAB], float k, float P[VOCAB][VOCAB])
{
#if !SKELETON /* lab01.2 */
    for (int i = 0; i < VOCAB; i++) {
        // P = (N + k).float(): the smoothing is added before normalising, so a
        // pair never seen still gets k / (rowsum + 27k), never zero (k > 0).
        float row = 0.0f;
        for (int j = 0; j < VOCAB; j++) {
            P[i][j] = (float)N[i][j] + k;
            row += P[i][j];
        }
        // P /= P.sum(1, keepdims=True): divide (not multiply by 1/row), like torch,
        // so the probabilities are the same floats the lecture sampled from.
        for (int j = 0; j < VOCAB; j++)
            P[i][j] = P[i][j] / row;
    }
#else
    // TODO(lab01.2): P[i][j] = (N[i][j] + k) as float, then divide each row by
    // its sum (in float32, dividing as torch does), so each row sums to 1.
    KIT_TODO("lab01.2", "probabilities P from the counts with add-k smoothing");
#endif
}

/* ------------------------------------------------------------------------- */
/* lab01.3: sample                                                            */
/* ------------------------------------------------------------------------- */

int bigram_sample(const float P[VOCAB][VOCAB], TorchRng *g, char *out, int cap)
{
#if !SKELETON /* lab01.3 */
    KIT_CHECK(cap >= 2, "bigram_sample needs room for at least 2 characters, got %d. HINT: pass a bigger buffer", cap);
    int len = 0;
    int ix = 0;   // every name starts after '.'
    while (len < cap - 1) {
        // one draw per character, exactly torch.multinomial(P[ix], 1, replacement=True, generator=g)
        int next;
        KIT_CHECK(rng_multinomial_replacement(g, P[ix], VOCAB, 1, &next) == 0,
                  "row %d of P is not a distribution (negative, NaN or all zero). HINT: smooth with k > 0 or check bigram_probs", ix);
        ix = next;
        out[len++] = itos(ix);
        if (ix == 0) break;   // '.' is appended, then the name ends
    }
    out[len] = '\0';
    return len;
#else
    // TODO(lab01.3): start at ix = 0; repeatedly draw the next ix from row P[ix]
    // with rng_multinomial_replacement(g, P[ix], VOCAB, 1, &ix), append itos(ix),
    // and stop after appending '.' (ix == 0). NUL-terminate; return the length.
    KIT_TODO("lab01.3", "sample a name by walking the chain from '.'");
#endif
}

/* ------------------------------------------------------------------------- */
/* lab01.4: evaluate                                                          */
/* ------------------------------------------------------------------------- */

double bigram_nll(const float P[VOCAB][VOCAB], char *const *words, int n, long *count)
{
#if !SKELETON /* lab01.4 */
    KIT_CHECK(n > 0, "bigram_nll got %d words. HINT: pass at least one name", n);
    double log_likelihood = 0.0;   // double: 228,146 float32 additions drift by ~1e-4
    long bigrams = 0;
    for (int w = 0; w < n; w++) {
        const char *name = words[w];
        int len = (int)strlen(name);
        int prev = 0;
        for (int t = 0; t <= len; t++) {
            int next = t < len ? stoi(name[t]) : 0;
            KIT_CHECK(next >= 0, "word %d (\"%s\") has character '%c' outside a-z. HINT: names are lowercase a-z only",
                      w, name, name[t]);
            // log(0) = -inf: a pair the model calls impossible makes the NLL infinite
            log_likelihood += log((double)P[prev][next]);
            bigrams++;
            prev = next;
        }
    }
    if (count) *count = bigrams;
    return -log_likelihood / (double)bigrams;
#else
    // TODO(lab01.4): over the bigrams of '.' + w + '.' of every word, add up
    // log(P[i][j]) in double and count them; return -(sum) / count (and store
    // the count in *count when it is not NULL).
    KIT_TODO("lab01.4", "the average negative log-likelihood of the words");
#endif
}
