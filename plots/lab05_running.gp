# figure: lab 05, the running estimates (momentum 0.001) against the statistics calibrated over the whole training set, one point per hidden unit
# data: bn_stats.tsv
# made-by: make lab05-solution ARGS="train"
#
# Columns: unit, running mean, calibrated mean, running std, calibrated std.
# What to notice: the points sit on the diagonal: the running estimates,
# which cost nothing extra during training, agree with a full pass over the
# training set, which is why the lecture can skip the calibration step.

set multiplot layout 1, 2 title "Lab 05: running vs calibrated batchnorm statistics (200 hidden units)" noenhanced
set grid
set key top left
set size ratio -1
set title "mean" noenhanced
set xlabel "calibrated" noenhanced
set ylabel "running" noenhanced
plot dir.'/bn_stats.tsv' using 3:2 with points pointtype 7 pointsize 0.5 title "hidden unit" noenhanced, x with lines dashtype 2 linecolor rgb "black" title "y = x" noenhanced
set title "std" noenhanced
plot dir.'/bn_stats.tsv' using 5:4 with points pointtype 7 pointsize 0.5 title "hidden unit" noenhanced, x with lines dashtype 2 linecolor rgb "black" title "y = x" noenhanced
unset multiplot
