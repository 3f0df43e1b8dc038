# figure: lab 04, histograms of the first batch's h = tanh(hpreact) and of hpreact, before and after the tanh fix
# data: hist_original.tsv
# data: hist_tanh.tsv
# made-by: make lab04-solution ARGS="stages"
#
# Columns: h bin center, h count (50 bins on [-1, 1]), hpreact bin center,
# hpreact count (50 bins on that stage's own [min, max], as plt.hist does).
# What to notice: with plain randn weights hpreact spreads over +-15 and h piles
# up at -1 and +1, where tanh's gradient 1 - h^2 is zero; after W1 * 0.2 the
# pre-activations stay near [-3, 3] and h is spread out.

set multiplot layout 1, 2 title "Lab 04: tanh saturation at initialization (first batch, 32 x 200 values)" noenhanced
set style fill solid 0.4 noborder
set grid
# Each legend sits where its panel has no data: h piles up at both ends (the
# middle of the top is free), hpreact is a bell around 0 (the right is free).
set title "h = tanh(hpreact)" noenhanced
set xlabel "h" noenhanced
set ylabel "count" noenhanced
set xrange [-1:1]
set key top center
plot dir.'/hist_original.tsv' using 1:2 with boxes linecolor rgb "#d62728" title "original" noenhanced, \
     dir.'/hist_tanh.tsv'     using 1:2 with boxes linecolor rgb "#1f77b4" title "tanh fix" noenhanced
set title "hpreact = emb @ W1 + b1" noenhanced
set xlabel "hpreact" noenhanced
set xrange [*:*]
set key top right
plot dir.'/hist_original.tsv' using 3:4 with boxes linecolor rgb "#d62728" title "original" noenhanced, \
     dir.'/hist_tanh.tsv'     using 3:4 with boxes linecolor rgb "#1f77b4" title "tanh fix" noenhanced
unset multiplot
