# figure: lab 04, the Kaiming picture: the distribution of x and of x @ w, with and without w's 1/sqrt(fan_in) scale
# data: kaiming.tsv
# made-by: make lab04-solution ARGS="demo"
#
# Columns: bin center, density of x (randn 1000 x 10), of x @ w (w randn 10 x 200),
# and of x @ (w / sqrt(10)). Densities, so each curve has area 1.
# What to notice: a plain randn w multiplies the std by sqrt(fan_in) = 3.16; with
# the 1/sqrt(fan_in) scale x @ w keeps the std of x (the stds are printed by the run).

set title "Lab 04: std(x @ w) = sqrt(fan_in) * std(x) unless w is scaled by 1/sqrt(fan_in)" noenhanced
set xlabel "value" noenhanced
set ylabel "density" noenhanced
set grid
set key top right
plot dir.'/kaiming.tsv' using 1:2 with lines linewidth 2 linecolor rgb "#2ca02c" title "x ~ randn (std 1)" noenhanced, \
     '' using 1:3 with lines linewidth 2 linecolor rgb "#d62728" title "x @ w (std ~ 3.16)" noenhanced, \
     '' using 1:4 with lines linewidth 2 dashtype 2 linecolor rgb "#1f77b4" title "x @ w / sqrt(10) (std ~ 1)" noenhanced
