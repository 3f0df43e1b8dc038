# figure: the trained net's probability table softmax(W) next to lab 01's counted table (N+1)/rowsum
# data: probs.tsv
# made-by: make lab02-solution ARGS="train"
# size: 1600,800 (two 27 x 27 tables side by side)
#
# What it is: two heat maps with the same colour scale. Left: what gradient
# descent learned, row ix = softmax(W[ix]). Right: what lab 01 counted. They
# look the same because they are the same model reached two ways; the small
# differences are the regularisation (it pulls rows toward uniform, like
# lab 01's +1, but not by the same amount).
# The caller sets `dir`, the terminal and the output; this script sets neither.

chars = ".abcdefghijklmnopqrstuvwxyz"
set size ratio -1
set xrange [-0.5:26.5]
set yrange [26.5:-0.5]            # row 0 at the top, as imshow draws it
set xlabel "next character"
set ylabel "this character"
set xtics () scale 0 nomirror font ",8"
set ytics () scale 0 nomirror font ",8"
do for [i=0:26] {
    set xtics add (substr(chars, i+1, i+1) i)
    set ytics add (substr(chars, i+1, i+1) i)
}
unset x2tics
unset y2tics
set palette defined (0 "#f7fbff", 0.25 "#c6dbef", 0.5 "#6baed6", 0.75 "#2171b5", 1 "#08306b")   # matplotlib's Blues
set cbrange [0:0.5]               # one scale for both, so equal colours mean equal probabilities
set cblabel "probability"
unset key

set multiplot layout 1,2 title "Lab 02: the net's table (left) is the counting model's table (right)"
set title "trained net: softmax(W[row])"
plot dir.'/probs.tsv' using 2:1:4 with image
set title "lab 01 counts: (N + 1) / rowsum"
plot dir.'/probs.tsv' using 2:1:5 with image
unset multiplot
