# figure: lab 03, the MLP's minibatch loss per step (log10), learning rate 0.1 -> 0.01 at half
# data: loss.tsv
# made-by: make lab03-solution ARGS="train"
#
# Columns of loss.tsv: step, loss, log10 loss, lr. The lecture plots
# log10(loss) so the first steps (from ~28 down to ~3) do not flatten the rest.
# What to notice: the steep drop from the bad initialisation, the thick band
# (each point is one minibatch of 32), and the step down when lr drops.

f = dir.'/loss.tsv'
# Where the learning rate first falls below its starting value: the decay step.
stats f using 4 nooutput
lr0 = STATS_max
stats f using ($4 < lr0 ? $1 : 1/0) nooutput
drop = STATS_min

set title "Lab 03: minibatch loss per step (lr 0.1, then 0.01 from the dashed line)"
set xlabel "step"
set ylabel "log10(loss)"
set grid
set key top right
set arrow 1 from drop, graph 0 to drop, graph 1 nohead dashtype 2 linewidth 2 linecolor rgb "#c00000"
set label 1 sprintf("lr 0.1 -> 0.01 at step %d", drop) at drop, graph 0.92 offset 1, 0 textcolor rgb "#c00000"
plot f using 1:3 with lines linewidth 0.5 linecolor rgb "#1f77b4" title "log10 loss (one minibatch)"
