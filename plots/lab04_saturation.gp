# figure: lab 04, the saturation picture: |h| > 0.99 for the first batch (32 examples x 200 neurons), white = saturated
# data: sat_original.tsv
# data: sat_tanh.tsv
# made-by: make lab04-solution ARGS="stages"
#
# Each file is a 32 x 200 matrix of 0/1 (rows: examples, columns: hidden units),
# the lecture's plt.imshow(h.abs() > 0.99, cmap='gray').
# What to notice: before the fix most of the picture is white (tanh is flat
# there, so almost no gradient reaches W1); a column white from top to bottom
# would be a dead neuron for this batch. After the tanh fix it is nearly black.

set multiplot layout 2, 1 title "Lab 04: |h| > 0.99 in the first batch (white = saturated, no gradient)" noenhanced
set palette gray
set cbrange [0:1]
unset colorbox
set xlabel "hidden unit" noenhanced
set ylabel "example" noenhanced
set xrange [-0.5:199.5]
set yrange [31.5:-0.5]
set title "original init" noenhanced
plot dir.'/sat_original.tsv' matrix with image notitle
set title "tanh fix (W1 * 0.2, b1 * 0.01)" noenhanced
plot dir.'/sat_tanh.tsv' matrix with image notitle
unset multiplot
