/**
 * @file bigram.h
 * @brief Lab 01: the bigram language model by counting (makemore part 1, first half).
 *
 * What it is: the four functions the learner writes, in the order the lecture
 * tells the story: count every bigram of the names into a 27x27 table N, turn
 * the counts into a table of probabilities P (with add-k smoothing), sample new
 * names by walking the chain from '.', and score a list of names by their
 * average negative log-likelihood.
 * What it is not: a neural net (that is lab 02, which learns the same table by
 * gradient descent), and not the driver (main.c parses flags and prints).
 *
 * Shapes: V = 27 ('.' = 0 marks start and end, 'a'..'z' = 1..26; see data.h).
 *   N [V, V] int32 counts: N[i][j] = how often character j follows character i.
 *   P [V, V] float32: row i is the distribution of the character after i.
 *
 * Memory: every table is a fixed-size array the caller owns (27x27 is small);
 * nothing here allocates.
 *
 * Next: count the bigrams (bigram_count, lab01.1), then `make check LAB=01`.
 */
#ifndef LAB01_BIGRAM_H
#define LAB01_BIGRAM_H

#include <stdint.h>

#include "data.h"   // VOCAB, stoi, itos, Words
#include "rng.h"    // TorchRng, rng_multinomial_replacement

/**
 * @brief lab01.1: count every bigram of every word into @p N (overwritten).
 *
 * Each word w contributes the pairs of '.' + w + '.', so a word of length L
 * adds L + 1 bigrams: ('.', w[0]), (w[0], w[1]), ..., (w[L-1], '.').
 * @param words  the names (borrowed; every character in a-z)
 * @param N      [V, V] counts, set to zero first, then filled
 * @return the total number of bigrams counted (the sum of N)
 */
long bigram_count(const Words *words, int32_t N[VOCAB][VOCAB]);

/**
 * @brief lab01.2: probabilities from counts with add-k smoothing, in float32
 * as the lecture does it: `P = (N + k).float(); P /= P.sum(1, keepdims=True)`.
 *
 * k = 1 is the lecture's "fake counts": no bigram has probability zero, so no
 * name is infinitely unlikely. k = 0 gives the raw frequencies; a row whose
 * counts are all zero then divides 0 by 0 and becomes NaN, as in torch.
 * @param N  [V, V] counts (borrowed)
 * @param k  added to every count before normalising (>= 0)
 * @param P  [V, V] written: each row sums to 1 (up to float rounding)
 */
void bigram_probs(const int32_t N[VOCAB][VOCAB], float k, float P[VOCAB][VOCAB]);

/**
 * @brief lab01.3: sample one name by walking the chain from '.'.
 *
 * ix = 0; repeat: ix = multinomial(P[ix], 1, replacement=True, generator=g);
 * append itos(ix); stop after appending when ix == 0. So the name ends with
 * '.', as the lecture prints it ("mor."). Each character costs exactly one
 * rng_multinomial_replacement() call (two 32-bit draws), which is what makes
 * seed 2147483647 give the lecture's names.
 * @param P    [V, V] probabilities (borrowed)
 * @param g    the generator, advanced by the draws
 * @param out  receives the name and a NUL
 * @param cap  room in @p out (>= 2); a name that does not fit is cut at
 *             cap - 1 characters (it then has no final '.')
 * @return the length of the name written (its '.' included)
 */
int bigram_sample(const float P[VOCAB][VOCAB], TorchRng *g, char *out, int cap);

/**
 * @brief lab01.4: the average negative log-likelihood of @p n words under P.
 *
 * nll = -(1/count) * sum over every bigram (i, j) of every word of log P[i][j],
 * where the bigrams are those of '.' + w + '.'. The sum is accumulated in
 * double (a float32 running sum over 228,146 terms drifts in the 4th decimal).
 * A bigram with P = 0 makes the result +infinity (the model says "impossible").
 * @param P      [V, V] probabilities (borrowed)
 * @param words  @p n names (borrowed)
 * @param n      how many; pass 1 and &word to score a single name
 * @param count  if not NULL, receives the number of bigrams scored
 * @return the average NLL in nats (lower is better; uniform guessing is ln 27 = 3.2958)
 */
double bigram_nll(const float P[VOCAB][VOCAB], char *const *words, int n, long *count);

#endif /* LAB01_BIGRAM_H */
