# figure: lab 03, loss against learning-rate exponent (the lecture's learning-rate search on its small net)
# data: lrsearch.tsv
# data: lrsearch_best.gp
# made-by: make lab03-solution ARGS="lrsearch"
#
# Columns of lrsearch.tsv: step, lr exponent e, lr = 10^e, loss. Step i of the
# sweep trains the exploratory net (embedding 2, hidden 100) with lr = 10^e_i,
# e going from -3 to 0 over 1,000 steps. lrsearch_best.gp, written by the same
# run, holds the lowest 50-step moving average it found (best_exponent,
# best_loss, best_window): the title and the dashed line state that run's
# minimum, not a fixed text.
# What to notice: too small a rate barely moves the loss from its start near 18,
# the curve reaches about 3 around e = -1 (lr 0.1, the lecture's choice), and it
# climbs again and gets unstable above e = -0.5.

f = dir.'/lrsearch.tsv'
load dir.'/lrsearch_best.gp'
set title sprintf("Lab 03: loss during a 1,000-step sweep of lr = 10^e (lowest %d-step mean %.2f at e = %.2f)", best_window, best_loss, best_exponent) noenhanced
set xlabel "learning-rate exponent e (lr = 10^e)" noenhanced
set ylabel "minibatch loss" noenhanced
set grid
set key top right
set arrow 1 from best_exponent, graph 0 to best_exponent, graph 1 nohead dashtype 2 linecolor rgb "#c00000"
set label 1 sprintf("lowest: e = %.2f (lr %.2g)", best_exponent, 10**best_exponent) at best_exponent, graph 0.92 offset 1, 0 textcolor rgb "#c00000" noenhanced
plot f using 2:4 with lines linewidth 1 linecolor rgb "#1f77b4" title "loss at that step" noenhanced
