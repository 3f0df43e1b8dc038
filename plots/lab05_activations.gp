# figure: lab 05, the deeper network's tanh outputs per layer after 1001 steps, with and without batchnorm (saturation |t| > 0.97 in the legend)
# data: deep_act_bn.tsv
# data: deep_act_stats_bn.tsv
# data: deep_act_nobn.tsv
# data: deep_act_stats_nobn.tsv
# made-by: make lab05-solution ARGS="deep"
#
# deep_act_*.tsv: for each of the 5 Tanh layers a pair of columns (bin center,
# density), 100 bins over that layer's own [min, max] (torch.histogram).
# deep_act_stats_*.tsv: one row per layer: layer index, mean, std, saturated %.
# What to notice: with batchnorm every layer looks alike (std ~0.65, a few %
# saturated): the statistics are the same all the way down. Without it, the
# 5/3 gain has to be tuned by hand to get the same picture.

array sat[5]
array lay[5]
set multiplot layout 1, 2 title "Lab 05: activation distribution of each Tanh layer (after 1001 steps)" noenhanced
set grid
set key top center font ",8"
set xlabel "tanh output" noenhanced
set ylabel "density" noenhanced
do for [v=1:2] {
    sfx = v == 1 ? "bn" : "nobn"
    do for [k=1:5] {
        stats dir.'/deep_act_stats_'.sfx.'.tsv' every ::(k-1)::(k-1) using 1 nooutput
        lay[k] = STATS_max
        stats dir.'/deep_act_stats_'.sfx.'.tsv' every ::(k-1)::(k-1) using 4 nooutput
        sat[k] = STATS_max
    }
    set title (v == 1 ? "with batchnorm" : "without batchnorm (gain 5/3)") noenhanced
    plot for [k=1:5] dir.'/deep_act_'.sfx.'.tsv' using (column(2*k-1)):(column(2*k)) with lines linewidth 1.5 \
         title sprintf("layer %d (Tanh): %.2f%% saturated", lay[k], sat[k]) noenhanced
}
unset multiplot
