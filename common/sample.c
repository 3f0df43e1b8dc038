/*
 * sample.c: the sampling loop of makemore parts 2-4. See sample.h.
 */
#include "sample.h"

#include <stdio.h>
#include <string.h>

#include "data.h"  /* VOCAB, itos */
#include "kit.h"

int sample_name(Graph *g, TorchRng *r, int T, NextLogitsFn logits_of, void *model, char *out, int cap)
{
    KIT_CHECK(cap >= 2, "sample_name: a buffer of %d chars is too small. HINT: pass at least 2", cap);
    KIT_CHECK(T >= 1 && T <= SAMPLE_MAX_T, "sample_name: block size %d is not 1..%d. HINT: sample from a model with a block size of %d or less",
              T, SAMPLE_MAX_T, SAMPLE_MAX_T);
    KIT_CHECK(logits_of != NULL, "sample_name: logits_of is NULL. HINT: pass the model's forward for one context");
    int context[SAMPLE_MAX_T] = {0};  // [1, T]: every name starts after "..."
    bool was = graph_set_no_grad(g, true);
    int n = 0;
    for (;;) {
        Tensor *probs = tensor_softmax(logits_of(model, context));  // [1, V]
        // multinomial(probs, 1, generator=g): torch 1.13's default
        // (replacement=False) is an exponential race over all 27 characters.
        int ix = rng_multinomial_race(r, probs->data, VOCAB);
        graph_step_reset(g);
        if (ix < 0) {
            fprintf(stderr, "sample_name: the model's probabilities are not finite. "
                    "HINT: the model diverged; retrain with a smaller --lr.\n");
            n = -1;
            break;
        }
        memmove(context, context + 1, (size_t)(T - 1) * sizeof *context);
        context[T - 1] = ix;
        out[n++] = itos(ix);
        if (ix == 0 || n == cap - 1)
            break;  // a '.' ends the name; a full buffer cuts it
    }
    graph_set_no_grad(g, was);
    out[n < 0 ? 0 : n] = '\0';
    return n;
}
