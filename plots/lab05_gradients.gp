# figure: lab 05, the gradient reaching each Tanh layer's output after 1001 steps, with and without batchnorm
# data: deep_grad_bn.tsv
# data: deep_grad_stats_bn.tsv
# data: deep_grad_nobn.tsv
# data: deep_grad_stats_nobn.tsv
# made-by: make lab05-solution ARGS="deep"
#
# deep_grad_*.tsv: per Tanh layer a pair of columns (bin center, density) of
# dL/dt, 100 bins over its own range. deep_grad_stats_*.tsv: layer, mean, std.
# What to notice: the layers' gradient distributions lie on top of each
# other: no layer's gradient shrinks or explodes on its way down.

array gsd[5]
array lay[5]
set multiplot layout 1, 2 title "Lab 05: gradient distribution at each Tanh layer's output (after 1001 steps)" noenhanced
set grid
set key top right font ",8"
set xlabel "dL/dt" noenhanced
set ylabel "density" noenhanced
set format x "%.0e"
set xtics rotate by -30
do for [v=1:2] {
    sfx = v == 1 ? "bn" : "nobn"
    do for [k=1:5] {
        stats dir.'/deep_grad_stats_'.sfx.'.tsv' every ::(k-1)::(k-1) using 1 nooutput
        lay[k] = STATS_max
        stats dir.'/deep_grad_stats_'.sfx.'.tsv' every ::(k-1)::(k-1) using 3 nooutput
        gsd[k] = STATS_max
    }
    set title (v == 1 ? "with batchnorm" : "without batchnorm (gain 5/3)") noenhanced
    plot for [k=1:5] dir.'/deep_grad_'.sfx.'.tsv' using (column(2*k-1)):(column(2*k)) with lines linewidth 1.5 \
         title sprintf("layer %d (Tanh): std %.2e", lay[k], gsd[k]) noenhanced
}
unset multiplot
