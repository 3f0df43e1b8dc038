# figure: lab 05, the gradient reaching each hidden layer's output (tanh), with and without batchnorm
# data: deep_grad_bn.tsv
# data: deep_grad_stats_bn.tsv
# data: deep_meta_bn.tsv
# data: deep_grad_nobn.tsv
# data: deep_grad_stats_nobn.tsv
# data: deep_meta_nobn.tsv
# made-by: make lab05-solution ARGS="deep"
#
# deep_grad_*.tsv: per hidden layer a pair of columns (bin center, density) of
# dL/dt, 100 bins over its own range. deep_grad_stats_*.tsv: layer, mean, std.
# The x axis is in thousandths (dL/dt x 1000), so its labels stay distinct.
# What to notice: the layers' gradient distributions lie on top of each
# other: no layer's gradient shrinks or explodes on its way down.

array gsd[5]
array lay[5]
set multiplot layout 1, 2 title "Lab 05: gradient distribution at each hidden layer's output" noenhanced
set grid
set key below font ",8" maxrows 3
set xlabel "dL/dt (x 1e-3)" noenhanced
set ylabel "density (per 1e-3)" noenhanced
do for [v=1:2] {
    sfx = v == 1 ? "bn" : "nobn"
    do for [k=1:5] {
        stats dir.'/deep_grad_stats_'.sfx.'.tsv' every ::(k-1)::(k-1) using 1 nooutput
        lay[k] = STATS_max
        stats dir.'/deep_grad_stats_'.sfx.'.tsv' every ::(k-1)::(k-1) using 3 nooutput
        gsd[k] = STATS_max
    }
    set title system("sed -n 2p '".dir."/deep_meta_".sfx.".tsv'") noenhanced font ",9"
    plot for [k=1:5] dir.'/deep_grad_'.sfx.'.tsv' using (1e3 * column(2*k-1)):(1e-3 * column(2*k)) with lines linewidth 1.5 \
         title sprintf("layer %d: std %.2e", lay[k], gsd[k]) noenhanced
}
unset multiplot
