# figure: lab 02's loss per step of full-batch gradient descent (lr 50, reg 0.01)
# data: loss.tsv
# made-by: make lab02-solution ARGS="train"
#
# What it is: the loss of every forward pass, from the random W (3.77) down to
# where the counting model of lab 01 already was (its NLL is 2.4546 on the
# lecture's data, 2.4550 on data/names.txt; the net adds its 0.01 * mean(W^2)).
# The caller sets `dir`, the terminal and the output; this script sets neither.

set title "Lab 02: loss per step (full batch, lr 50): a fast fall, then a slow approach\nto the counting model's NLL (dashed: lab 01 with +1 smoothing on data/names.txt)"
set xlabel "step"
set ylabel "loss (average NLL + 0.01 mean(W^2))"
set grid
set key top right
set yrange [2.4:3.9]
plot dir.'/loss.tsv' using 1:2 with lines linewidth 2 title "net", \
     2.454951 with lines dashtype 2 linecolor rgb "gray30" title "counting model, +1 (2.4550)"
