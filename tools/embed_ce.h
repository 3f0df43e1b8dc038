/*
 * embed_ce.h: the bench's fused op, F.cross_entropy(W[x], y) in one step
 * (tools/embed_ce.c; not part of the core's library).
 */
#ifndef KIT_EMBED_CE_H
#define KIT_EMBED_CE_H

#include "tensor.h"

/**
 * F.cross_entropy(W[x], y) in one op, never making the [n, V] logits:
 * W [R, V], x and y read only during the call (n pairs) -> [1]. The row gather
 * and tensor_cross_entropy fused; equal within float rounding (tested) to
 * `tensor_cross_entropy(tensor_embed(W, x, SHAPE(n)), y)`, the readable version.
 */
Tensor *tensor_embed_cross_entropy(Tensor *W, const int *x, const int *y, int n);

#endif /* KIT_EMBED_CE_H */
