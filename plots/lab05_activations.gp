# figure: lab 05, the deeper network's hidden layer outputs (tanh), layer by layer, with and without batchnorm (saturation |t| > 0.97 in the legend)
# data: deep_act_bn.tsv
# data: deep_act_stats_bn.tsv
# data: deep_meta_bn.tsv
# data: deep_act_nobn.tsv
# data: deep_act_stats_nobn.tsv
# data: deep_meta_nobn.tsv
# made-by: make lab05-solution ARGS="deep"
#
# deep_act_*.tsv: for each of the 5 hidden blocks a pair of columns (bin
# center, density) of its output (the Tanh; with --no-tanh the block's last
# layer), 100 bins over that layer's own [min, max] (torch.histogram).
# deep_act_stats_*.tsv: one row per layer: layer index, mean, std, saturated %
# (-1 when the layer is not a tanh: |x| > 0.97 says nothing about a Linear's output).
# deep_meta_*.tsv: the run in words (batchnorm, gain, tanh, steps), the panel's title.
# What to notice: with batchnorm every layer looks alike (std ~0.65, a few %
# saturated) whatever the gain; without it, the gain decides (5/3 keeps the
# layers alike, 0.5 shrinks them towards 0, 3 saturates them).

array sat[5]
array lay[5]
set multiplot layout 1, 2 title "Lab 05: output distribution of each hidden layer" noenhanced
set grid
set key below font ",8" maxrows 3
set xlabel "layer output (the tanh; with --no-tanh the Linear)" noenhanced
set ylabel "density" noenhanced
do for [v=1:2] {
    sfx = v == 1 ? "bn" : "nobn"
    do for [k=1:5] {
        stats dir.'/deep_act_stats_'.sfx.'.tsv' every ::(k-1)::(k-1) using 1 nooutput
        lay[k] = STATS_max
        stats dir.'/deep_act_stats_'.sfx.'.tsv' every ::(k-1)::(k-1) using 4 nooutput
        sat[k] = STATS_max
    }
    set title system("sed -n 2p '".dir."/deep_meta_".sfx.".tsv'") noenhanced font ",9"
    plot for [k=1:5] dir.'/deep_act_'.sfx.'.tsv' using (column(2*k-1)):(column(2*k)) with lines linewidth 1.5 \
         title (sat[k] < 0 ? sprintf("layer %d", lay[k]) : sprintf("layer %d: %.2f%% saturated", lay[k], sat[k])) noenhanced
}
unset multiplot
