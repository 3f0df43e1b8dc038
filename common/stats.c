/*
 * stats.c: histograms, mean and standard deviation. See stats.h.
 */
#include "stats.h"

#include <math.h>
#include <string.h>

void stats_histogram(const float *x, long n, float lo, float hi, int bins, long *counts)
{
    memset(counts, 0, sizeof(long) * (size_t)bins);
    double width = ((double)hi - lo) / bins;
    for (long i = 0; i < n; i++) {
        long k = width > 0 ? (long)floor((x[i] - (double)lo) / width) : 0;
        if (k < 0) k = 0;  // clamp both ends (see stats.h)
        if (k >= bins) k = bins - 1;
        counts[k]++;
    }
}

void stats_mean_std(const float *x, long n, double *mean, double *std)
{
    double s = 0.0;
    for (long i = 0; i < n; i++) s += x[i];
    double mu = n > 0 ? s / n : 0.0;
    double ss = 0.0;
    for (long i = 0; i < n; i++) ss += (x[i] - mu) * (x[i] - mu);
    *mean = mu;
    *std = n > 1 ? sqrt(ss / (n - 1)) : 0.0;
}

double stats_std(const float *x, long n)
{
    double mean, std;
    stats_mean_std(x, n, &mean, &std);
    return std;
}
