# figure: lab 05, update:data ratio log10(std(lr * grad) / std(data)) of each weight over the 1001 steps, with the 1e-3 guide
# data: deep_ud_bn.tsv
# data: deep_ud_nobn.tsv
# made-by: make lab05-solution ARGS="deep"
#
# Columns: step, then one column per 2-D weight (C, then each Linear),
# named by shape in the header.
# What to notice: after the first couple of hundred steps each line flattens:
# every weight's updates are a steady fraction of its values, within a factor
# of ten of the lecture's 1e-3 rule of thumb (dashed); far below it learns
# slowly, far above it is unstable. Without batchnorm the last layer is the
# outlier (its weights were scaled by 0.1, so the same-size updates are a
# larger fraction of them) and it comes down only slowly.

set multiplot layout 1, 2 title "Lab 05: log10(update / data) per weight; dashed: the 1e-3 guide" noenhanced
set grid
set key bottom right font ",8"
set xlabel "step" noenhanced
set ylabel "log10(std(lr * grad) / std(data))" noenhanced
set yrange [-4.5:-0.5]
do for [v=1:2] {
    sfx = v == 1 ? "bn" : "nobn"
    f = dir.'/deep_ud_'.sfx.'.tsv'
    ncol = int(system("awk 'NR==2 {print NF; exit}' ".f))
    set title (v == 1 ? "with batchnorm" : "without batchnorm (gain 5/3)") noenhanced
    plot for [k=2:ncol] f using 1:(column(k)) with lines linewidth 1 \
             title system("head -1 ".f." | tr -s ' \t' '\n' | sed -n '".(k+1)."p' | sed 's/log10_ud_//'") noenhanced, \
         -3 with lines dashtype 2 linewidth 2 linecolor rgb "black" title "1e-3" noenhanced
}
unset multiplot
