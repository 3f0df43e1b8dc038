# figure: lab 05, the weights' gradient distributions, with the grad:data ratio std(grad)/std(data) of each in the legend
# data: deep_wgrad_bn.tsv
# data: deep_wgrad_stats_bn.tsv
# data: deep_meta_bn.tsv
# data: deep_wgrad_nobn.tsv
# data: deep_wgrad_stats_nobn.tsv
# data: deep_meta_nobn.tsv
# made-by: make lab05-solution ARGS="deep"
#
# deep_wgrad_*.tsv: per 2-D weight (C, then each Linear) a pair of columns
# (bin center, density) of its gradient. deep_wgrad_stats_*.tsv: weight (C or
# layerN, the index of its Linear, and its shape), mean, std, (unused),
# grad:data ratio.
# What to notice: the ratios are ~1e-2 (C) to ~1e-1; without batchnorm the last
# layer's is the largest by far (its weight was scaled by 0.1, so the same
# gradient is a larger fraction of it): it trains faster than the others.
# The x range is cut at +-0.06 (in thousandths: +-60): the tails are thin.

array gd[8]
set multiplot layout 1, 2 title "Lab 05: weight gradient distributions (legend: weight, grad:data ratio)" noenhanced
set grid
set key below font ",8" maxcols 2
set xlabel "dL/dW (x 1e-3)" noenhanced
set ylabel "density (per 1e-3)" noenhanced
set xrange [-60:60]
do for [v=1:2] {
    sfx = v == 1 ? "bn" : "nobn"
    f = dir.'/deep_wgrad_stats_'.sfx.'.tsv'
    stats f using 5 nooutput
    nw = STATS_records
    do for [k=1:nw] {
        stats f every ::(k-1)::(k-1) using 5 nooutput
        gd[k] = STATS_max
    }
    set title system("sed -n 2p '".dir."/deep_meta_".sfx.".tsv'") noenhanced font ",9"
    plot for [k=1:nw] dir.'/deep_wgrad_'.sfx.'.tsv' using (1e3 * column(2*k-1)):(1e-3 * column(2*k)) with lines linewidth 1.5 \
         title sprintf("%s: %.2e", system("sed -n '".(k+1)."p' ".f." | cut -f1 | tr ':' ' '"), gd[k]) noenhanced
}
unset multiplot
