# figure: lab 03, the learned 2-D character embedding (each character drawn at its row of C)
# data: emb2/embedding.tsv
# made-by: make lab03-solution ARGS="train --emb 2 --out build/out/lab03-solution/emb2"
#
# Columns of embedding.tsv: the character, then its two coordinates C[i][0],
# C[i][1], after training with an embedding of size 2. What to notice: the
# vowels a e i o u (and y) sit together, because the network learned that they
# are interchangeable in similar contexts; '.' and rare letters like q stand apart.

f = dir.'/emb2/embedding.tsv'
set title "Lab 03: the learned 2-D embedding C (vowels cluster; '.' stands apart)"
set xlabel "C[:, 0]"
set ylabel "C[:, 1]"
set grid
set size ratio -1
set offsets graph 0.08, graph 0.08, graph 0.08, graph 0.08
plot f using 2:3 with points pointtype 7 pointsize 3.5 linecolor rgb "#a6c8ff" notitle, \
     f using 2:3:(stringcolumn(1)) with labels font ",12" notitle
