# figure: lab 05, update:data ratio log10(std(lr * grad) / std(data)) of each weight over the steps, with the 1e-3 guide
# data: deep_ud_bn.tsv
# data: deep_meta_bn.tsv
# data: deep_ud_nobn.tsv
# data: deep_meta_nobn.tsv
# made-by: make lab05-solution ARGS="deep"
#
# Columns: step, then one column per 2-D weight (C, then each Linear), named
# in the header by its layer and shape (C:27x10, layer3:100x100, ...).
# With --steps 0 there is one row: the first update, not applied (a point).
# What to notice: after the first couple of hundred steps each line flattens:
# every weight's updates are a steady fraction of its values, within a factor
# of ten of the lecture's 1e-3 rule of thumb (dashed); far below it learns
# slowly (--lr 0.001 puts every line near 1e-5), far above it is unstable.
# Without batchnorm the last layer is the outlier (its weights were scaled by
# 0.1, so the same-size updates are a larger fraction of them).

set multiplot layout 1, 2 title "Lab 05: log10(update / data) per weight; dashed: the 1e-3 guide" noenhanced
set grid
set key below font ",8" maxrows 3
set xlabel "step" noenhanced
set ylabel "log10(std(lr * grad) / std(data))" noenhanced
set yrange [-6:1]
do for [v=1:2] {
    sfx = v == 1 ? "bn" : "nobn"
    f = dir.'/deep_ud_'.sfx.'.tsv'
    ncol = int(system("awk 'NR==2 {print NF; exit}' '".f."'"))
    nrow = int(system("grep -vc '^#' '".f."'"))
    set title system("sed -n 2p '".dir."/deep_meta_".sfx.".tsv'") noenhanced font ",9"
    if (nrow > 1) {
        set xrange [*:*]
        plot for [k=2:ncol] f using 1:(column(k)) with lines linewidth 1 \
                 title system("head -1 '".f."' | tr -s ' \t' '\n' | sed -n '".(k+1)."p' | tr ':' ' '") noenhanced, \
             -3 with lines dashtype 2 linewidth 2 linecolor rgb "black" title "1e-3" noenhanced
    } else {
        set xrange [-1:1]
        plot for [k=2:ncol] f using 1:(column(k)) with points pointsize 1.5 \
                 title system("head -1 '".f."' | tr -s ' \t' '\n' | sed -n '".(k+1)."p' | tr ':' ' '") noenhanced, \
             -3 with lines dashtype 2 linewidth 2 linecolor rgb "black" title "1e-3" noenhanced
    }
}
unset multiplot
