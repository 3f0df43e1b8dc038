/**
 * @file sample.h
 * @brief Sampling names from a trained character model, one letter at a time.
 *
 * What it is: the lecture's sampling loop, written once for every model that
 * maps a context of T characters to 27 logits (labs 03-06):
 *
 *     context = [0] * block_size
 *     while True:
 *         logits = model(torch.tensor([context]))
 *         probs = F.softmax(logits, dim=1)
 *         ix = torch.multinomial(probs, num_samples=1, generator=g).item()
 *         context = context[1:] + [ix]
 *         out.append(ix)
 *         if ix == 0: break
 *
 * What it is not: lab 01's sampler (it reads a probability table, not a model),
 * or a batched sampler.
 */
#ifndef KIT_SAMPLE_H
#define KIT_SAMPLE_H

#include "rng.h"
#include "tensor.h"

/** The longest context sample_name accepts (the lectures use 3 to 8). */
#define SAMPLE_MAX_T 64

/** A model's logits for one context: @p context [1, T] -> [1, V], in the step arena. */
typedef Tensor *(*NextLogitsFn)(void *model, const int *context);

/**
 * @brief Sample one name into @p out (at most @p cap - 1 letters, then '\0').
 *
 * Starts from the context "..." (T zeros), asks @p logits_of for the next
 * character's logits, takes their softmax, draws with torch's multinomial
 * (rng_multinomial_race: the same draws as torch 1.13 with the same seed),
 * shifts the character into the context, appends its letter, and stops after
 * '.', which is kept as the name's last character ("emma."). No gradients are
 * recorded, and the step arena is reset after each letter.
 *
 * A model that never says '.' cannot hang the caller: after cap - 1 letters
 * the name is cut there, and then @p out does not end in '.' (say so to the
 * learner). @return the number of letters written, or -1 when the model's
 * probabilities are not finite (a diverged model; one line on stderr says so).
 * @p T must be 1..SAMPLE_MAX_T and @p cap at least 2 (KIT_ERROR otherwise).
 */
int sample_name(Graph *g, TorchRng *r, int T, NextLogitsFn logits_of, void *model, char *out, int cap);

#endif /* KIT_SAMPLE_H */
