/*
 * minibatch.c: drawing a minibatch, the step-decay learning rate, and a
 * split's loss in chunks. See minibatch.h for what each promises.
 */
#include "minibatch.h"

#include <string.h>

#include "kit.h"
#include "train.h"  /* eval_in_batches */

Batch batch_draw(Graph *g, const Dataset *ds, TorchRng *r, int B, int *ix_out)
{
    KIT_CHECK(B >= 1, "batch_draw: batch size %d. HINT: draw at least one example", B);
    KIT_CHECK(ds->n >= 1, "batch_draw: the dataset is empty. HINT: build it from a words file with names in it");
    const int T = ds->T;
    // In the step arena: no malloc per step, and the indices outlive backward.
    int *X = arena_alloc(&g->step, (size_t)B * (size_t)T * sizeof *X);  // [B, T]
    int *Y = arena_alloc(&g->step, (size_t)B * sizeof *Y);              // [B]
    for (int b = 0; b < B; b++) {
        int i = (int)rng_randint(r, 0, ds->n);  // one draw per example, in order, as torch.randint
        if (ix_out)
            ix_out[b] = i;
        memcpy(X + (size_t)b * T, ds->X + (size_t)i * T, (size_t)T * sizeof *X);
        Y[b] = ds->Y[i];
    }
    return (Batch){X, Y, B};
}

double lr_step_decay(long step, long decay_at, double lr)
{
    return step < decay_at ? lr : lr / 10.0;
}

/* What one chunk of split_loss needs. */
typedef struct SplitChunk {
    Graph *g;
    const Dataset *ds;
    SplitLossFn loss_of;
    void *model;
} SplitChunk;

/* eval_in_batches' callback: the mean loss of examples start..start+count-1. */
static double split_chunk(void *ctx, int start, int count)
{
    SplitChunk *c = ctx;
    const int *X = c->ds->X + (size_t)start * (size_t)c->ds->T;  // [count, T]
    const int *Y = c->ds->Y + start;                              // [count]
    double loss = tensor_item(c->loss_of(c->model, X, Y, count));
    graph_step_reset(c->g);  // this chunk's activations are not needed again
    return loss;
}

double split_loss(Graph *g, const Dataset *ds, SplitLossFn loss_of, void *model)
{
    KIT_CHECK(loss_of != NULL, "split_loss: loss_of is NULL. HINT: pass the function that returns a chunk's mean loss");
    SplitChunk c = {g, ds, loss_of, model};
    bool was = graph_set_no_grad(g, true);
    double loss = eval_in_batches(ds->n, 4096, split_chunk, &c);
    graph_set_no_grad(g, was);
    return loss;
}
