/**
 * @file given.h
 * @brief Lab 02, given code: read it, you do not edit it.
 *
 * What it is: what the driver needs around your functions of nn.h. The
 * training step over the whole dataset (nn_full_step, built from your
 * nn_logits, nn_softmax and nn_loss), the data part of the loss, and the two
 * files the figures read (onehot.tsv, probs.tsv).
 * What it is not: part of the model (nn.h) or the command line (main.c).
 *
 * Shapes: V = 27, n = number of pairs, n_c = pairs in one chunk.
 *
 * Memory: nothing here keeps memory between calls; every tensor goes at the
 * graph_step_reset() that ends each chunk.
 */
#ifndef LAB02_GIVEN_H
#define LAB02_GIVEN_H

#include <stdbool.h>

#include "nn.h"

/** Pairs per chunk in nn_full_step(): [2048, 27] floats are 221 KB a tensor. */
#define NN_CHUNK 2048

/** @brief Free what nn_pairs_build() made; @p p stays valid and empty. NULL is a no-op. */
void nn_pairs_free(Pairs *p);

/**
 * @brief One step of full-batch gradient descent on every pair of @p d, the
 * same step as your nn_step(), taken @p chunk pairs at a time (gradient
 * accumulation), so that memory does not grow with n.
 * @param chunk pairs per chunk (> 0; the driver passes NN_CHUNK)
 * @return the full batch's loss (before the update)
 */
float nn_full_step(Graph *g, Tensor *W, const Pairs *d, float lr, float reg, int chunk);

/** @brief The data part of the loss (no regularisation) on every pair of @p d,
 * without recording a tape, @p chunk pairs at a time. */
double nn_data_nll(Graph *g, Tensor *W, const Pairs *d, int chunk);

/**
 * @brief onehot.tsv: the one-hot rows xenc of the first @p n pairs of @p d
 * (the lecture's `plt.imshow(xenc)`), one row per cell: `row col input value`.
 * @return 0, or -1 after tsv_open() said why
 */
int nn_write_onehot_tsv(const char *dir, Graph *g, const Pairs *d, int n);

/**
 * @brief probs.tsv: the trained net's table (your nn_softmax on the 27 rows of
 * W) next to lab 01's counted table (N + 1) / rowsum, N counted from @p d, one
 * row per cell: `row col bigram p_net p_count`.
 * @param maxdiff receives max |p_net - p_count|
 * @return 0, or -1 after tsv_open() said why
 */
int nn_write_probs_tsv(const char *dir, Graph *g, Tensor *W, const Pairs *d, double *maxdiff);

#endif /* LAB02_GIVEN_H */
