# figure: lab 00, f(x) = 3x^2 - 4x + 5 and its tangent, whose slope is your forward difference
# data: parabola.tsv
# made-by: make lab00-solution
#
# Columns: x (the lecture's np.arange(-5, 5, 0.25)), f(x), and the tangent
# f(x0) + slope * (x - x0) near x0 (nan elsewhere), where slope is
# mg_slope(f, x0, 1e-6) (lab00.1) and x0 is lab00's --at (default 3: slope 14).
# What to notice: the slope is the tangent's rise over run; at the bottom of the
# bowl (x = 2/3) it is 0, which is where gradient descent would stop.

set title "Lab 00: f(x) = 3x^2 - 4x + 5 and its tangent (slope from a forward difference)" noenhanced
set xlabel "x"
set ylabel "f(x)"
set grid
set key top center
plot dir.'/parabola.tsv' using 1:2 with lines linewidth 2 title "f(x)", \
     dir.'/parabola.tsv' using 1:3 with lines linewidth 2 dashtype 2 title "tangent at --at (default x = 3)"
