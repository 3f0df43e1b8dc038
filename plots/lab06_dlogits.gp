# figure: lab 06, dlogits of the first minibatch: softmax everywhere, minus 1 at each row's label (the lecture's imshow(dlogits))
# data: dlogits.tsv
# made-by: make lab06-solution ARGS="grads"
# size: 1000,900
#
# Columns of dlogits.tsv: row (example of the batch), col (character 0-26),
# dlogits (exercise 2's formula, (softmax - onehot) / n), label (1 at the row's label).
# What to notice: one dark cell per row, at the character that came next
# (softmax - 1 < 0: the gradient pulls that logit up), and light cells
# elsewhere (softmax > 0: the others are pushed down). Each row sums to zero,
# so the pull equals the pushes: the forces of a tug of war, strongest where
# the network was most wrong.

set title "Lab 06: dlogits = (softmax(logits) - onehot(Y)) / n, one row per example" noenhanced
set xlabel "character (0 = '.', 1-26 = a-z)" noenhanced
set ylabel "example in the batch" noenhanced
set xrange [-0.5:26.5]
set yrange [31.5:-0.5]
set xtics 0, 1, 26 font ",8"
set ytics 0, 2, 31
set palette gray
set cblabel "dlogits" noenhanced
set size ratio -1
plot dir.'/dlogits.tsv' using 2:1:3 with image notitle
