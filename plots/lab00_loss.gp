# figure: lab 00, the MLP's loss per training step (sum of squared errors over 4 examples)
# data: loss.tsv
# made-by: make lab00-solution
#
# Columns: step, loss (computed in that step, before its update), for
# MLP(3, [4, 4, 1]) with random.seed(1337) (the default), lr 0.1.
# What to notice: the loss falls on every step, fast once the predictions have
# the right signs; with --seed 1337 these are the Python run's numbers to 1e-15.

set title "Lab 00: loss per step, MLP(3, [4, 4, 1]) on the lecture's 4 examples (lr 0.1)" noenhanced
set xlabel "step"
set ylabel "loss = sum of (ypred - y)^2"
set grid
set logscale y
set key top right
plot dir.'/loss.tsv' using 1:2 with linespoints linewidth 2 pointtype 7 title "loss"
