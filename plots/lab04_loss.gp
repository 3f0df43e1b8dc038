# figure: lab 04, the hockey stick: log10 loss per step, original init vs the softmax fix
# data: loss_original.tsv
# data: loss_softmax.tsv
# made-by: make lab04-solution ARGS="stages"
#
# Columns: step, loss (one minibatch of 32), lr. The x axis is logarithmic
# (step + 1) so the first few hundred steps, where the original init spends its
# time squashing logits that start at +-15, are as visible as the long tail.
# What to notice: the original starts near 28 and falls steeply (the hockey
# stick); the softmax fix starts at -log(1/27) = 3.30 and never wastes those steps.

set title "Lab 04: the hockey stick disappears when the first logits are small" noenhanced
set xlabel "step + 1 (log scale)" noenhanced
set ylabel "log10(loss)" noenhanced
set logscale x
set autoscale xfix
set grid
set key top right
set arrow 1 from graph 0, first log10(3.2958) to graph 1, first log10(3.2958) nohead dashtype 2 linecolor rgb "#808080"
set label 1 "-log(1/27) = 3.2958" at graph 0.02, first log10(3.2958) offset 0, 0.7 textcolor rgb "#606060" noenhanced
plot dir.'/loss_original.tsv' using ($1+1):(log10($2)) with lines linewidth 0.5 linecolor rgb "#d62728" title "original (plain randn)" noenhanced, \
     dir.'/loss_softmax.tsv'  using ($1+1):(log10($2)) with lines linewidth 0.5 linecolor rgb "#1f77b4" title "softmax fix (W2 * 0.01, b2 * 0)" noenhanced
