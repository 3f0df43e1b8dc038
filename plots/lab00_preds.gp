# figure: lab 00, the MLP's four predictions after training against their targets
# data: preds.tsv
# made-by: make lab00-solution
#
# Columns: example (1-4), target (1 or -1), prediction (the last step's forward
# pass, the lecture's ypred).
# What to notice: every prediction has the sign of its target and is close to
# it; tanh's output never reaches +-1 exactly, so the loss never reaches 0.

set title "Lab 00: predictions after training vs targets (the lecture's ypred)" noenhanced
set xlabel "example"
set ylabel "value"
set grid
set key bottom left
set xrange [0.5:4.5]
set yrange [-1.2:1.2]
set xtics 1
set boxwidth 0.35
set style fill solid 0.5 noborder
plot dir.'/preds.tsv' using ($1 - 0.18):2 with boxes linecolor rgb "gray60" title "target", \
     dir.'/preds.tsv' using ($1 + 0.18):3 with boxes linecolor rgb "#1f77b4" title "prediction"
