# figure: lab 03, loss against learning-rate exponent (the lecture's learning-rate search)
# data: lrsearch.tsv
# made-by: make lab03-solution ARGS="lrsearch"
#
# Columns of lrsearch.tsv: step, lr exponent e, lr = 10^e, loss. Step i of the
# sweep trains with lr = 10^e_i, e going from -3 to 0 over 1,000 steps.
# What to notice: too small a rate barely moves the loss, the curve bottoms out
# around e = -1 (lr 0.1, the lecture's choice), and then it turns up and gets
# unstable as the rate approaches 1.

f = dir.'/lrsearch.tsv'
set title "Lab 03: loss during a 1,000-step sweep of lr = 10^e (lowest around e = -1)"
set xlabel "learning-rate exponent e (lr = 10^e)"
set ylabel "minibatch loss"
set grid
set key top right
set arrow 1 from -1, graph 0 to -1, graph 1 nohead dashtype 2 linecolor rgb "#c00000"
set label 1 "lr 0.1" at -1, graph 0.92 offset 1, 0 textcolor rgb "#c00000"
plot f using 2:4 with lines linewidth 1 linecolor rgb "#1f77b4" title "loss at that step"
