/*
 * backprop.c: Lab 06, becoming a backprop ninja (makemore part 4).
 *
 * What it is: only what you write, in the lecture's order. Exercise 1, the
 * chunked forward backwards, one small op at a time: the loss back to the
 * logits (lab06.1), a linear layer's backward (lab06.2), tanh's (lab06.3),
 * the second layer and tanh with them (lab06.4), batchnorm (lab06.5), the
 * embedding's backward (lab06.6), the first layer and the embedding
 * (lab06.7). Exercise 2, the cross-entropy backward in one formula
 * (lab06.8). Exercise 3, the batchnorm backward in one formula (lab06.9).
 * Exercise 4, the whole backward for training, from your pieces (lab06.10).
 * What it is not: the model, its forward, the comparison with autograd or the
 * training loop: model.c (given; read it, do not edit it).
 *
 * Every function here ADDS into its outputs (+=), as the core's backwards do:
 * the arrays come zeroed, and a tensor that feeds two ops (counts, bndiff,
 * hprebn...) collects the gradient of both. Each step quotes its forward line
 * and names the local derivative.
 *
 * Next: `make lab06`, which stops at the first TODO, then `make check LAB=06`.
 */
#include "backprop.h"

#include <math.h>

#include "kit.h"

/* ------------------------------------------------------------------------- */
/* Exercise 1: backprop through the chunked forward, one op at a time        */
/* ------------------------------------------------------------------------- */

/* lab06.1  the loss back to the logits                                      */
void backward_loss(const Chunked *f, Grads *d)
{
    // logprobs, probs, counts, norm_logits, logits [B, V]; counts_sum, counts_sum_inv, logit_maxes [B, 1]
#if !SKELETON /* lab06.1 */
    const int B = f->B, V = VOCAB;
    const float *counts = f->counts->data, *counts_sum = f->counts_sum->data;
    const float *counts_sum_inv = f->counts_sum_inv->data, *probs = f->probs->data, *logits = f->logits->data;
    const float *logit_maxes = f->logit_maxes->data;
    // forward: loss = -logprobs[range(n), Y].mean()
    // local:   -1/n at each picked element, 0 elsewhere
    for (int b = 0; b < B; b++) d->logprobs[b * V + f->Y[b]] += -1.0f / B;
    // forward: logprobs = probs.log()          local: 1/probs
    for (int i = 0; i < B * V; i++) d->probs[i] += (1.0f / probs[i]) * d->logprobs[i];
    // forward: probs = counts * counts_sum_inv  ([B, 1] broadcast along each row)
    // local:   counts_sum_inv for counts; counts for counts_sum_inv, summed along the row
    for (int b = 0; b < B; b++)
        for (int v = 0; v < V; v++) {
            d->counts_sum_inv[b] += counts[b * V + v] * d->probs[b * V + v];
            d->counts[b * V + v] += counts_sum_inv[b] * d->probs[b * V + v];
        }
    // forward: counts_sum_inv = counts_sum**-1  local: -counts_sum**-2
    for (int b = 0; b < B; b++) d->counts_sum[b] += (-1.0f / (counts_sum[b] * counts_sum[b])) * d->counts_sum_inv[b];
    // forward: counts_sum = counts.sum(1, keepdim)  local: 1 for every element of the row
    // (counts already has its gradient through probs: this one adds to it)
    for (int b = 0; b < B; b++)
        for (int v = 0; v < V; v++) d->counts[b * V + v] += d->counts_sum[b];
    // forward: counts = norm_logits.exp()       local: exp(norm_logits) = counts
    for (int i = 0; i < B * V; i++) d->norm_logits[i] += counts[i] * d->counts[i];
    // forward: norm_logits = logits - logit_maxes
    // local:   1 for logits; -1 for logit_maxes, summed along the row
    for (int b = 0; b < B; b++)
        for (int v = 0; v < V; v++) {
            d->logits[b * V + v] += d->norm_logits[b * V + v];
            d->logit_maxes[b] += -d->norm_logits[b * V + v];
        }
    // forward: logit_maxes = logits.max(1, keepdim)
    // local:   1 at each row's (first) maximum, 0 elsewhere
    for (int b = 0; b < B; b++) {
        int at = 0;
        while (at < V - 1 && logits[b * V + at] != logit_maxes[b]) at++;
        d->logits[b * V + at] += d->logit_maxes[b];
    }
#else
    // TODO(lab06.1): from loss = -logprobs[range(n), Y].mean() back to the
    // logits: dlogprobs, dprobs, dcounts_sum_inv, dcounts_sum, dcounts,
    // dnorm_logits, dlogit_maxes, dlogits, into d (counts and logits get two).
    KIT_TODO("lab06.1", "backward_loss: the gradients from dlogprobs back to dlogits");
#endif
}

/* lab06.2  a linear layer's backward                                        */
void linear_backward(const float *dout, const float *x, const float *W, int B, int K, int N, float *dx, float *dW,
                     float *db)
{
    // dout [B, N], x [B, K], W [K, N] -> dx [B, K], dW [K, N], db [N]
#if !SKELETON /* lab06.2 */
    // forward: out[b, j] = sum_k x[b, k] * W[k, j] + b[j]
    // local:   d out[b, j] / d x[b, k] = W[k, j];  d out[b, j] / d W[k, j] = x[b, k];  d / d b[j] = 1
    for (int b = 0; b < B; b++)
        for (int k = 0; k < K; k++) {
            float s = 0.0f;  // dx = dout @ W^T
            for (int j = 0; j < N; j++) s += dout[b * N + j] * W[k * N + j];
            dx[b * K + k] += s;
        }
    for (int b = 0; b < B; b++)
        for (int k = 0; k < K; k++) {
            float xv = x[b * K + k];  // dW = x^T @ dout, one row of dout at a time
            for (int j = 0; j < N; j++) dW[k * N + j] += xv * dout[b * N + j];
        }
    for (int b = 0; b < B; b++)
        for (int j = 0; j < N; j++) db[j] += dout[b * N + j];  // b broadcasts over the rows: sum them
#else
    // TODO(lab06.2): the backward of out = x @ W + b: dx += dout @ W^T,
    // dW += x^T @ dout, db += dout summed over the batch.
    KIT_TODO("lab06.2", "linear_backward: dx, dW and db of x @ W + b");
#endif
}

/* lab06.3  tanh's backward                                                  */
void tanh_backward(const float *dh, const float *h, int n, float *dhpreact)
{
#if !SKELETON /* lab06.3 */
    // forward: h = tanh(hpreact)   local: 1 - tanh^2 = 1 - h^2
    for (int i = 0; i < n; i++) dhpreact[i] += (1.0f - h[i] * h[i]) * dh[i];
#else
    // TODO(lab06.3): the backward of h = tanh(hpreact), from h itself.
    KIT_TODO("lab06.3", "tanh_backward: dhpreact from dh and h");
#endif
}

/* lab06.4  the second layer and the tanh                                    */
void backward_layer2(const Model *m, const Chunked *f, Grads *d)
{
    // logits [B, V] = h [B, H] @ W2 [H, V] + b2 [V];  h = tanh(hpreact) [B, H]
#if !SKELETON /* lab06.4 */
    const int B = f->B, H = m->n_hidden, V = VOCAB;
    linear_backward(d->logits, f->h->data, m->W2->data, B, H, V, d->h, d->W2, d->b2);
    tanh_backward(d->h, f->h->data, B * H, d->hpreact);
#else
    // TODO(lab06.4): dh, dW2, db2 with linear_backward, then dhpreact with
    // tanh_backward.
    KIT_TODO("lab06.4", "backward_layer2: dh, dW2, db2 and dhpreact");
#endif
}

/* lab06.5  batchnorm, one small op at a time                                */
void backward_batchnorm(const Model *m, const Chunked *f, Grads *d)
{
    // hpreact, bnraw, bndiff, bndiff2, hprebn [B, H]; bngain, bnbias, bnvar_inv, bnvar, bnmeani [1, H]
#if !SKELETON /* lab06.5 */
    const int B = f->B, H = m->n_hidden;
    const float *bngain = m->bngain->data, *bnraw = f->bnraw->data, *bnvar_inv = f->bnvar_inv->data;
    const float *bndiff = f->bndiff->data, *bnvar = f->bnvar->data;
    // forward: hpreact = bngain * bnraw + bnbias  (bngain, bnbias [1, H] broadcast down the rows)
    // local:   bnraw for bngain and bngain for bnraw; 1 for bnbias; the rows summed for [1, H]
    for (int b = 0; b < B; b++)
        for (int j = 0; j < H; j++) {
            float g = d->hpreact[b * H + j];
            d->bngain[j] += bnraw[b * H + j] * g;
            d->bnbias[j] += g;
            d->bnraw[b * H + j] += bngain[j] * g;
        }
    // forward: bnraw = bndiff * bnvar_inv        local: bnvar_inv for bndiff; bndiff for bnvar_inv (summed)
    for (int b = 0; b < B; b++)
        for (int j = 0; j < H; j++) {
            d->bndiff[b * H + j] += bnvar_inv[j] * d->bnraw[b * H + j];
            d->bnvar_inv[j] += bndiff[b * H + j] * d->bnraw[b * H + j];
        }
    // forward: bnvar_inv = (bnvar + 1e-5)**-0.5   local: -0.5 * (bnvar + 1e-5)**-1.5
    for (int j = 0; j < H; j++)
        d->bnvar[j] += (-0.5f * powf(bnvar[j] + BP_EPS, -1.5f)) * d->bnvar_inv[j];
    // forward: bnvar = 1/(n-1) * bndiff2.sum(0, keepdim)   local: 1/(n-1) for every row
    for (int b = 0; b < B; b++)
        for (int j = 0; j < H; j++) d->bndiff2[b * H + j] += (1.0f / (B - 1)) * d->bnvar[j];
    // forward: bndiff2 = bndiff**2               local: 2 * bndiff (bndiff's second gradient)
    for (int i = 0; i < B * H; i++) d->bndiff[i] += 2.0f * bndiff[i] * d->bndiff2[i];
    // forward: bndiff = hprebn - bnmeani         local: 1 for hprebn; -1 for bnmeani (summed)
    for (int b = 0; b < B; b++)
        for (int j = 0; j < H; j++) {
            d->hprebn[b * H + j] += d->bndiff[b * H + j];
            d->bnmeani[j] += -d->bndiff[b * H + j];
        }
    // forward: bnmeani = 1/n * hprebn.sum(0, keepdim)   local: 1/n for every row (hprebn's second gradient)
    for (int b = 0; b < B; b++)
        for (int j = 0; j < H; j++) d->hprebn[b * H + j] += (1.0f / B) * d->bnmeani[j];
#else
    // TODO(lab06.5): follow the batchnorm's eight forward lines backwards:
    // dbngain, dbnbias, dbnraw, dbnvar_inv, dbnvar, dbndiff2, dbndiff (two
    // paths), dbnmeani, dhprebn (two paths), into d.
    KIT_TODO("lab06.5", "backward_batchnorm: the gradients from dbngain back to dhprebn");
#endif
}

/* lab06.6  the embedding's backward                                         */
void embed_backward(const float *demb, const int *X, int n, int C, float *dC)
{
    // demb [n, C] (n = B*T lookups), X [n] -> dC [V, C]
#if !SKELETON /* lab06.6 */
    // forward: emb[i, :] = C[X[i], :]   local: 1 from row X[i] of C to row i of emb
    // (a character that appears twice in the batch collects both rows)
    for (int i = 0; i < n; i++)
        for (int c = 0; c < C; c++) dC[X[i] * C + c] += demb[i * C + c];
#else
    // TODO(lab06.6): the backward of emb = C[X]: add each row of demb into
    // the row of dC that it was looked up from.
    KIT_TODO("lab06.6", "embed_backward: dC from demb");
#endif
}

/* lab06.7  the first layer and the embedding                                */
void backward_layer1(const Model *m, const Chunked *f, Grads *d)
{
    // hprebn [B, H] = embcat [B, T*C] @ W1 [T*C, H] + b1 [H];  embcat = C[X].view(B, T*C)
#if !SKELETON /* lab06.7 */
    const int B = f->B, H = m->n_hidden, K = m->T * m->n_embd;
    linear_backward(d->hprebn, f->embcat->data, m->W1->data, B, K, H, d->embcat, d->W1, d->b1);
    // demb = dembcat.view(emb.shape): the same floats (d->emb points at d->embcat)
    embed_backward(d->emb, f->X, B * m->T, m->n_embd, d->C);
#else
    // TODO(lab06.7): dembcat, dW1, db1 with linear_backward, then dC with
    // embed_backward (demb is dembcat: the same floats).
    KIT_TODO("lab06.7", "backward_layer1: dembcat, dW1, db1 and dC");
#endif
}

/* ------------------------------------------------------------------------- */
/* Exercise 2: the cross-entropy backward in one formula                     */
/* ------------------------------------------------------------------------- */

void cross_entropy_backward(const float *logits, const int *Y, int B, int V, float *dlogits)
{
    // logits [B, V], Y [B] -> dlogits [B, V]
#if !SKELETON /* lab06.8 */
    // forward: loss = -mean_b log softmax(logits[b])[Y[b]]
    // local:   d loss / d logits[b, v] = (softmax(logits[b])[v] - 1[v == Y[b]]) / n
    for (int b = 0; b < B; b++) {
        const float *x = logits + b * V;
        float mx = x[0], sum = 0.0f;
        for (int v = 1; v < V; v++) mx = x[v] > mx ? x[v] : mx;  // subtract the max: exp cannot overflow
        for (int v = 0; v < V; v++) sum += expf(x[v] - mx);
        for (int v = 0; v < V; v++) {
            float p = expf(x[v] - mx) / sum;
            dlogits[b * V + v] += (p - (v == Y[b] ? 1.0f : 0.0f)) / B;
        }
    }
#else
    // TODO(lab06.8): dlogits = softmax(logits) per row, minus 1 at each
    // row's label, divided by B (stable softmax: subtract the row's max).
    KIT_TODO("lab06.8", "cross_entropy_backward: dlogits in one formula");
#endif
}

/* ------------------------------------------------------------------------- */
/* Exercise 3: the batchnorm backward in one formula                         */
/* ------------------------------------------------------------------------- */

void batchnorm_backward(const float *dhpreact, const float *bnraw, const float *bnvar_inv, const float *bngain, int B,
                        int H, float *dhprebn)
{
    // dhpreact, bnraw [B, H]; bnvar_inv, bngain [1, H] -> dhprebn [B, H]
#if !SKELETON /* lab06.9 */
    const float n = (float)B;
    for (int j = 0; j < H; j++) {  // each hidden unit (a column) on its own
        float s = 0.0f, sr = 0.0f;  // sum_b dhpreact and sum_b dhpreact * bnraw
        for (int b = 0; b < B; b++) {
            s += dhpreact[b * H + j];
            sr += dhpreact[b * H + j] * bnraw[b * H + j];
        }
        float scale = bngain[j] * bnvar_inv[j] / n;
        for (int b = 0; b < B; b++)
            dhprebn[b * H + j] +=
                scale * (n * dhpreact[b * H + j] - s - n / (n - 1.0f) * bnraw[b * H + j] * sr);
    }
#else
    // TODO(lab06.9): per column j, dhprebn = bngain * bnvar_inv / n *
    // (n * dhpreact - sum(dhpreact) - n/(n-1) * bnraw * sum(dhpreact * bnraw)),
    // the sums over the batch.
    KIT_TODO("lab06.9", "batchnorm_backward: dhprebn in one formula");
#endif
}

/* ------------------------------------------------------------------------- */
/* Exercise 4: the whole backward, for training with no tape                 */
/* ------------------------------------------------------------------------- */

void manual_backward(Model *m, const Forward *f, const int *X, const int *Y, int B)
{
    // the gradients of every parameter, added into m->C->grad ... m->bnbias->grad
#if !SKELETON /* lab06.10 */
    const int H = m->n_hidden, V = VOCAB, K = m->T * m->n_embd;
    float *dlogits = step_zeros(m->g, B * V), *dh = step_zeros(m->g, B * H);
    float *dhpreact = step_zeros(m->g, B * H), *dhprebn = step_zeros(m->g, B * H);
    float *dembcat = step_zeros(m->g, B * K);
    cross_entropy_backward(f->logits->data, Y, B, V, dlogits);                                   // exercise 2
    linear_backward(dlogits, f->h->data, m->W2->data, B, H, V, dh, m->W2->grad, m->b2->grad);
    tanh_backward(dh, f->h->data, B * H, dhpreact);
    for (int b = 0; b < B; b++)  // hpreact = bngain * bnraw + bnbias
        for (int j = 0; j < H; j++) {
            m->bngain->grad[j] += f->bnraw->data[b * H + j] * dhpreact[b * H + j];
            m->bnbias->grad[j] += dhpreact[b * H + j];
        }
    batchnorm_backward(dhpreact, f->bnraw->data, f->bnvar_inv->data, m->bngain->data, B, H, dhprebn);  // exercise 3
    linear_backward(dhprebn, f->embcat->data, m->W1->data, B, K, H, dembcat, m->W1->grad, m->b1->grad);
    embed_backward(dembcat, X, B * m->T, m->n_embd, m->C->grad);
#else
    // TODO(lab06.10): dlogits (exercise 2), then W2, b2, tanh, bngain and
    // bnbias, dhprebn (exercise 3), W1, b1 and C, into each parameter's
    // ->grad; scratch arrays from step_zeros(m->g, n).
    KIT_TODO("lab06.10", "manual_backward: every parameter's gradient from your pieces");
#endif
}
