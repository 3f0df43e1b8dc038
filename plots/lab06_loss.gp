# figure: lab 06, exercise 4: the loss per step, trained with your manual backward (no autograd), beside lab 05's batchnorm MLP (autograd)
# data: loss.tsv
# made-by: make lab06-solution ARGS="train"
#
# Columns of loss.tsv: step, loss (one minibatch of 32), lr. Each curve is the
# mean log10 loss of every 1,000 steps (gnuplot's smooth unique averages the
# points that share an x), so the two runs can be told apart. Lab 05's curve
# (build/out/lab05-solution/loss_bn.tsv, or your build/out/lab05/loss_bn.tsv)
# is drawn when that file exists: the lecture's part 3 network, trained by the
# core's autograd (no b1, no epsilon, running statistics).
# What to notice: without any autograd the loss falls exactly as a network
# trained by autograd does, and steps down when lr drops at half the steps.
# The two curves wiggle together because they see almost the same minibatches:
# both draw them from the lecture's generator after the init, and lab 06's
# extra b1 (200 normals, 216 draws) only shifts the sequence by under 7 steps.

f = dir.'/loss.tsv'
have_file(p) = system('test -s "'.p.'" && echo 1 || echo 0') + 0
l5 = dir.'/../lab05-solution/loss_bn.tsv'
if (!have_file(l5)) { l5 = dir.'/../lab05/loss_bn.tsv' }
have5 = have_file(l5)

set title "Lab 06: training with your backward only (mean log10 loss per 1,000 steps)" noenhanced
set xlabel "step" noenhanced
set ylabel "log10(loss)" noenhanced
set grid
set key top right noenhanced
bin(x) = floor(x / 1000) * 1000 + 500
if (have5) {
    plot f using (bin($1)):(log10($2)) smooth unique with lines linewidth 2 linecolor rgb "#1f77b4" title "lab 06: manual backward (H = 200, b1, eps 1e-5)", \
         l5 using (bin($1)):(log10($2)) smooth unique with lines linewidth 1.5 dashtype 2 linecolor rgb "#d62728" title "lab 05: autograd (H = 200, no b1)"
} else {
    plot f using (bin($1)):(log10($2)) smooth unique with lines linewidth 2 linecolor rgb "#1f77b4" title "lab 06: manual backward (H = 200, b1, eps 1e-5)"
}
