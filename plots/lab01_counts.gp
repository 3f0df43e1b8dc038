# figure: the bigram count table N as a heat map, each cell labelled with its bigram and count
# data: counts.tsv
# made-by: make lab01-solution ARGS="train"
# size: 1600,1600 (27 x 27 labelled cells need a large canvas; the lecture drew it 16 x 16 inches)
#
# What it is: the lecture's picture of N (plt.imshow(N, cmap='Blues') with the
# bigram and its count written in every cell). Row = this character, column =
# the next one; '.' marks the start (row 0) and the end (column 0) of a name.
# The caller sets `dir`, the terminal and the output; this script sets neither.

chars = ".abcdefghijklmnopqrstuvwxyz"
stats dir.'/counts.tsv' using 4 nooutput   # STATS_max: the largest count (before the ranges are set, which stats obeys)
set title "Bigram counts N (row: this character, column: the next one)\nthe darkest cells are endings 'n.' and 'a.'; row '.' is how names start, column '.' how they end; '..' is 0: no empty names"
set size ratio -1
set xrange [-0.5:26.5]
set yrange [26.5:-0.5]            # row 0 at the top, as imshow draws it
set xlabel "next character"
set ylabel "this character"
set xtics () scale 0
set ytics () scale 0
do for [i=0:26] {
    set xtics add (substr(chars, i+1, i+1) i)
    set ytics add (substr(chars, i+1, i+1) i)
}
unset x2tics
unset y2tics
set xtics nomirror
set ytics nomirror
set palette defined (0 "#f7fbff", 0.25 "#c6dbef", 0.5 "#6baed6", 0.75 "#2171b5", 1 "#08306b")   # matplotlib's Blues
set cblabel "count"
unset key

# gray labels as in the lecture, white on the cells darker than half the largest count (gray is unreadable there)
ink(c) = c > STATS_max / 2 ? 0xffffff : 0x666666
plot dir.'/counts.tsv' using 2:1:4 with image, \
     ''                using 2:1:3:(ink($4)) with labels offset 0,0.35 font ",8" textcolor rgb variable, \
     ''                using 2:1:(sprintf("%d", $4)):(ink($4)) with labels offset 0,-0.35 font ",7" textcolor rgb variable
