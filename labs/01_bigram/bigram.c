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
    // TODO(lab01.1): zero N, then for each word walk the pairs of '.' + w + '.'
    // and add one to N[stoi(first)][stoi(second)]; return how many you counted.
    KIT_TODO("lab01.1", "count the bigrams of every word into N");
}

/* ------------------------------------------------------------------------- */
/* lab01.2: normalize                                                         */
/* ------------------------------------------------------------------------- */

void bigram_probs(const int32_t N[VOCAB][VOCAB], float k, float P[VOCAB][VOCAB])
{
    // TODO(lab01.2): P[i][j] = (N[i][j] + k) as float, then divide each row by
    // its sum (in float32, dividing as torch does), so each row sums to 1.
    KIT_TODO("lab01.2", "probabilities P from the counts with add-k smoothing");
}

/* ------------------------------------------------------------------------- */
/* lab01.3: sample                                                            */
/* ------------------------------------------------------------------------- */

int bigram_sample(const float P[VOCAB][VOCAB], TorchRng *g, char *out, int cap)
{
    // TODO(lab01.3): start at ix = 0; repeatedly draw the next ix from row P[ix]
    // with rng_multinomial_replacement(g, P[ix], VOCAB, 1, &ix), append itos(ix),
    // and stop after appending '.' (ix == 0). NUL-terminate; return the length.
    KIT_TODO("lab01.3", "sample a name by walking the chain from '.'");
}

/* ------------------------------------------------------------------------- */
/* lab01.4: evaluate                                                          */
/* ------------------------------------------------------------------------- */

double bigram_nll(const float P[VOCAB][VOCAB], char *const *words, int n, long *count)
{
    // TODO(lab01.4): over the bigrams of '.' + w + '.' of every word, add up
    // log(P[i][j]) in double and count them; return -(sum) / count (and store
    // the count in *count when it is not NULL).
    KIT_TODO("lab01.4", "the average negative log-likelihood of the words");
}
