# figure: lab 04, activation functions and their derivatives; thick grey marks where the gradient vanishes (f' < 0.01)
# data: activations.tsv
# made-by: make lab04-solution ARGS="demo"
#
# Columns: x, then f and f' for tanh, sigmoid, relu, leaky_relu, elu (all
# computed by the C side, act_eval in init.c; this script only draws).
# What to notice: tanh and sigmoid are flat on both sides, ReLU on the whole
# negative side (a unit stuck there is dead); ELU only far to the left. Leaky
# ReLU keeps its slope of 0.01 on the whole left side: small, but it never goes
# to zero, so the grey mark (f' below 0.01) never appears on it.

names = "tanh sigmoid relu leaky_relu elu"
set multiplot layout 2, 3 title "Lab 04: activation functions (solid) and their derivatives (dashed)" noenhanced
set grid
# No legend inside the panels (every corner has a curve in one of them): one
# legend for all five, in the sixth, empty slot of the grid.
unset key
set xrange [-5:5]
set xlabel "x" noenhanced
do for [k=1:5] {
    set title word(names, k) noenhanced
    fc = 2*k
    dc = 2*k + 1
    plot dir.'/activations.tsv' using 1:(column(fc)) with lines linewidth 2 linecolor rgb "#1f77b4" title "f(x)" noenhanced, \
         '' using 1:(column(dc)) with lines dashtype 2 linewidth 2 linecolor rgb "#d62728" title "f'(x)" noenhanced, \
         '' using 1:(column(dc) < 0.01 ? 0 : 1/0) with lines linewidth 6 linecolor rgb "#a0a0a0" title "f' < 0.01: vanishes" noenhanced
}
# the sixth slot: the legend alone (curves of NaN, no axes)
set title ""
unset xlabel
unset ylabel
unset tics
unset border
unset grid
set key center center Left reverse font ",11" spacing 1.5
set yrange [0:1]
plot NaN with lines linewidth 2 linecolor rgb "#1f77b4" title "f(x)" noenhanced, \
     NaN with lines dashtype 2 linewidth 2 linecolor rgb "#d62728" title "f'(x)" noenhanced, \
     NaN with lines linewidth 6 linecolor rgb "#a0a0a0" title "f'(x) < 0.01: the gradient vanishes" noenhanced
unset multiplot
