/*
 * given.c: lab 02, given code: read it, you do not edit it.
 *
 * What it is: the loop over the whole dataset that the driver trains with,
 * made of your functions from nn.c, and the writers of the figures' files.
 * What it is not: the model (nn.c) or the command line (main.c).
 */
#include "given.h"

#include <math.h>
#include <stdlib.h>

#include "kit.h"     // KIT_CHECK
#include "output.h"  // TsvLog, tsv_open, tsv_row, tsv_close

void nn_pairs_free(Pairs *p)
{
    if (!p) return;
    free(p->xs);
    free(p->ys);
    p->xs = p->ys = NULL;
    p->n = 0;
}

/*
 * The lecture's step builds [n, V] tensors: on 228,146 pairs each is 25 MB,
 * and a step holds about seven of them (xenc, logits, counts, probs and the
 * gradients). The same step in chunks: the loss is a mean over the n pairs,
 * so the full batch's loss is
 *     sum over chunks c of (n_c / n) * nn_loss(chunk c)
 * (the reg * mean(W^2) term too: its weights n_c / n add up to 1), and since
 * backward adds into W.grad, one backward per chunk, after one zeroing, leaves
 * the full batch's gradient there. Then one update, the line of your nn_step.
 * Each chunk's tensors go at graph_step_reset, before the next chunk makes its
 * own. Equal to nn_step up to float rounding (lab02.5 compares them).
 */
float nn_full_step(Graph *g, Tensor *W, const Pairs *d, float lr, float reg, int chunk)
{
    KIT_CHECK(chunk > 0, "nn_full_step: chunk is %d. HINT: pass NN_CHUNK", chunk);
    params_zero_grad(&W, 1);
    double total = 0.0;
    for (int c0 = 0; c0 < d->n; c0 += chunk) {
        int nc = d->n - c0 < chunk ? d->n - c0 : chunk;
        Tensor *probs = nn_softmax(nn_logits(g, W, d->xs + c0, nc));          // [n_c, V]
        Tensor *loss = nn_loss(probs, W, d->ys + c0, reg);                     // [1]: the chunk's mean
        Tensor *part = tensor_mul_scalar(loss, (float)((double)nc / d->n));    // [1]: its share of n
        tensor_backward(part);   // W.grad += d part / dW
        total += tensor_item(part);
        graph_step_reset(g);     // this chunk's tensors go; W and its grad stay
    }
    params_sgd(&W, 1, lr);   // W.data += -lr * W.grad
    return (float)total;
}

double nn_data_nll(Graph *g, Tensor *W, const Pairs *d, int chunk)
{
    bool was = graph_set_no_grad(g, true);
    double total = 0.0;
    for (int c0 = 0; c0 < d->n; c0 += chunk) {
        int nc = d->n - c0 < chunk ? d->n - c0 : chunk;
        Tensor *probs = nn_softmax(nn_logits(g, W, d->xs + c0, nc));          // [n_c, V]
        total += (double)nc / d->n * tensor_item(nn_loss(probs, W, d->ys + c0, 0.0f));
        graph_step_reset(g);
    }
    graph_set_no_grad(g, was);
    return total;
}

int nn_write_onehot_tsv(const char *dir, Graph *g, const Pairs *d, int n)
{
    TsvLog log;
    if (tsv_open(&log, dir, "onehot.tsv", "row col input value") != 0) return -1;   // tsv_open said why
    if (n > d->n) n = d->n;
    Tensor *xenc = tensor_one_hot(g, d->xs, n, VOCAB);   // [n, V]: what your nn_logits multiplies by W
    for (int i = 0; i < n; i++)
        for (int j = 0; j < VOCAB; j++) tsv_row(&log, "%d\t%d\t%c\t%g", i, j, itos(d->xs[i]), xenc->data[i * VOCAB + j]);
    graph_step_reset(g);
    return tsv_close(&log);   // 0, or -1 after one line
}

int nn_write_probs_tsv(const char *dir, Graph *g, Tensor *W, const Pairs *d, double *maxdiff)
{
    long N[VOCAB * VOCAB] = {0};   // lab 01's count table
    for (int i = 0; i < d->n; i++) N[d->xs[i] * VOCAB + d->ys[i]]++;
    TsvLog log;
    if (tsv_open(&log, dir, "probs.tsv", "row col bigram p_net p_count") != 0) return -1;
    bool was = graph_set_no_grad(g, true);
    Tensor *P = nn_softmax(W);   // [V, V]: row x is softmax(W[x]), the net's distribution after x
    *maxdiff = 0;
    for (int i = 0; i < VOCAB; i++) {
        double rowcount = 0;
        for (int j = 0; j < VOCAB; j++) rowcount += (double)N[i * VOCAB + j] + 1.0;
        for (int j = 0; j < VOCAB; j++) {
            double pn = P->data[i * VOCAB + j], pc = ((double)N[i * VOCAB + j] + 1.0) / rowcount;
            if (fabs(pn - pc) > *maxdiff) *maxdiff = fabs(pn - pc);
            tsv_row(&log, "%d\t%d\t%c%c\t%.6g\t%.6g", i, j, itos(i), itos(j), pn, pc);
        }
    }
    graph_set_no_grad(g, was);
    graph_step_reset(g);
    return tsv_close(&log);   // 0, or -1 after one line
}
