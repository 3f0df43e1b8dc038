# figure: the one-hot rows xenc that the net reads for the 5 bigrams of "emma" (the lecture's plt.imshow(xenc))
# data: onehot.tsv
# made-by: make lab02-solution ARGS="train"
# size: 1200,300 (5 rows of 27 cells)
#
# What it is: the input of the net for the first name, one row per example:
# example i is a row of 27 numbers, all 0 except a 1 in the column of its
# character xs[i] ('.', e, m, m, a). Multiplying this [5, 27] matrix by W
# [27, 27] picks row xs[i] of W for example i.
# The caller sets `dir`, the terminal and the output; this script sets neither.

chars = ".abcdefghijklmnopqrstuvwxyz"
set title "Lab 02: xenc = one_hot(xs) for the 5 bigrams of \"emma\" (row i: example i; a 1 in the column of its character)" noenhanced
set size ratio -1
set xrange [-0.5:26.5]
set yrange [4.5:-0.5]             # example 0 at the top, as imshow draws it
set xlabel "column: the character's index (0 = '.', 1 = a, ..., 26 = z)"
set ylabel "example"
set xtics () scale 0 nomirror
do for [i=0:26] {
    set xtics add (substr(chars, i+1, i+1) i)
}
set ytics scale 0 nomirror
unset x2tics
unset y2tics
set palette defined (0 "#440154", 0.5 "#21918c", 1 "#fde725")   # matplotlib's default (viridis), as in the lecture
set cbrange [0:1]
set cbtics 0, 1, 1
unset key

plot dir.'/onehot.tsv' using 2:1:4 with image, \
     ''                using 2:1:($4 > 0 ? "1" : "") with labels font ",10" textcolor rgb "black", \
     ''                using (-0.5):1:ytic(sprintf("%d: x = '%s'", $1, strcol(3))) with points pointsize 0
