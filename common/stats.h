/**
 * @file stats.h
 * @brief The numbers behind the lectures' diagnostics: histograms, mean and
 *        standard deviation of a float array.
 *
 * What it is: `torch.histc`-style counts and `x.mean()`, `x.std()` over plain
 * float arrays (a tensor's data or grad), for the pictures of labs 04-06
 * (activation and gradient histograms, tanh saturation, update:data ratios).
 * What it is not: differentiable (use tensor_mean / tensor_std for that).
 */
#ifndef KIT_STATS_H
#define KIT_STATS_H

/**
 * @brief Count @p n values into @p bins equal bins over [lo, hi] (@p counts
 * has @p bins entries). Values below lo count in the first bin and above hi in
 * the last, so nothing disappears from the picture (a histogram that drops its
 * tails hides saturation). With hi <= lo every value lands in the first bin.
 */
void stats_histogram(const float *x, long n, float lo, float hi, int bins, long *counts);

/**
 * @brief Mean and unbiased standard deviation (torch's `x.std()`, divided by
 * n - 1) of @p n values, in double, in two passes (mean first, then squared
 * deviations: no cancellation). n = 0 gives 0 and 0; n = 1 gives std 0.
 */
void stats_mean_std(const float *x, long n, double *mean, double *std);

/** @brief The unbiased standard deviation alone (stats_mean_std's second result). */
double stats_std(const float *x, long n);

#endif /* KIT_STATS_H */
