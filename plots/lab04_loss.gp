# figure: lab 04, the hockey stick: log10 loss per step, original init vs the softmax fix
# data: loss_original.tsv
# data: loss_softmax.tsv
# made-by: make lab04-solution ARGS="stages"
# size: 1000,900 (two panels)
#
# Columns: step, loss (one minibatch of 32), lr. The top panel is the lecture's
# picture, plt.plot(lossi) on a linear step axis: the hockey stick is the thin
# spike at its left edge. The bottom panel shows the same curves against
# log(step + 1), so the first few hundred steps are as wide as the rest.
# The first loss of the data shown: with the solution's default data/names.txt
# the original init starts at 22.3050 and the softmax fix at 3.2717 (on
# makemore's names.txt: 27.8817 and 3.3221); the titles read it from the data.
# What to notice: the original starts far above -log(1/27) = 3.30 and spends its
# first steps squashing its logits (the hockey stick); the softmax fix starts at
# 3.30 and never wastes those steps.

fo = dir.'/loss_original.tsv'
fs = dir.'/loss_softmax.tsv'
stats fo using 2 every ::0::0 nooutput
first_original = STATS_min
stats fs using 2 every ::0::0 nooutput
first_softmax = STATS_min

set multiplot layout 2, 1 title sprintf("Lab 04: the hockey stick (first loss %.2f) disappears with the softmax fix (first loss %.2f)", first_original, first_softmax) noenhanced
set grid
set key top right
set ylabel "log10(loss)" noenhanced
set arrow 1 from graph 0, first log10(3.2958) to graph 1, first log10(3.2958) nohead dashtype 2 linecolor rgb "#808080"
set label 1 "-log(1/27) = 3.2958" at graph 0.5, first log10(3.2958) offset 0, 0.7 textcolor rgb "#606060" noenhanced

set title "linear step axis (the lecture's plot)" noenhanced
set xlabel "step" noenhanced
set autoscale xfix
plot fo using 1:(log10($2)) with lines linewidth 0.5 linecolor rgb "#d62728" title "original (plain randn)" noenhanced, \
     fs using 1:(log10($2)) with lines linewidth 0.5 linecolor rgb "#1f77b4" title "softmax fix" noenhanced

set title "the same, log step axis: the first steps spread out" noenhanced
set label 1 at graph 0.2, first log10(3.2958)
set xlabel "step + 1 (log scale)" noenhanced
set logscale x
plot fo using ($1+1):(log10($2)) with lines linewidth 0.5 linecolor rgb "#d62728" title "original (plain randn)" noenhanced, \
     fs using ($1+1):(log10($2)) with lines linewidth 0.5 linecolor rgb "#1f77b4" title "softmax fix" noenhanced
unset multiplot
