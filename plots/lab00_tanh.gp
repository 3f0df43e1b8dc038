# figure: lab 00, tanh and its derivative 1 - tanh^2, as your backward computes it
# data: tanh.tsv
# made-by: make lab00-solution
#
# Columns: x (np.arange(-5, 5, 0.2)), tanh(x), and x.grad after mg_backward
# of mg_tanh(x): your local derivative (lab00.6) through your backward (lab00.8).
# What to notice: the derivative is 1 at 0 and almost 0 beyond |x| = 3: a
# saturated tanh passes almost no gradient back (lab 04 comes back to this).

set title "Lab 00: tanh(x) and its derivative 1 - tanh(x)^2 (from your backward)" noenhanced
set xlabel "x"
set grid
set key top left
set yrange [-1.1:1.1]
plot dir.'/tanh.tsv' using 1:2 with lines linewidth 2 title "tanh(x)", \
     dir.'/tanh.tsv' using 1:3 with lines linewidth 2 title "d tanh / dx = x.grad"
