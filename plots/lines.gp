# Lines through measured points, shared by the line charts (ctx-working-set.gp, memory.gp,
# fork-rss.gp, hyperfine-spawn.gp): load it after setting the title, the axes and the key.
# Needs, besides common.gp's variables:
#   data:  tab-separated, one block per series (blocks apart by two blank lines, in series
#          order): x, y, y low, y high (an error bar; "NaN" for none), value label ("-": none)
#   nseries, and for k = 1..nseries:
#     s<k>_kind   0 thread, 1 process, 2 neutral (colour())
#     s<k>_dash   gnuplot dash type (1 solid, 2 dashed, ...); s<k>_pt: point type
#     s<k>_title  the entry in the key
#     s<k>_fit    1: the line is the fitted a + b·x (s<k>_a, s<k>_b), the points are drawn alone;
#                 0: the points are joined
#     s<k>_loff   optional: where its value labels go, in lines above the point (default
#                 0.9; negative: below)
#   errorbars: 1 to draw the y low..y high bars
#   labels_right: 1 to put value labels right of their points (for labels on last points,
#                 where lines coming from the left would cross a label above); default 0

kind(k) = value(sprintf("s%d_kind", k))
dash(k) = value(sprintf("s%d_dash", k))
ptype(k) = value(sprintf("s%d_pt", k))
fitted(k) = value(sprintf("s%d_fit", k))
line(k, x) = fitted(k) ? value(sprintf("s%d_a", k)) + value(sprintf("s%d_b", k)) * x : NaN
if (!exists("labels_right")) labels_right = 0
loff(k) = exists(sprintf("s%d_loff", k)) ? value(sprintf("s%d_loff", k)) : 0.9
set samples 400
set key samplen 3               # long enough to tell a dashed line from a solid one

# Error bars first, so that the points are drawn over them. A fitted series: its points
# alone, the fitted line, and a key entry with both.
plot for [k=1:(errorbars ? nseries : 0)] data index (k - 1) using 1:2:3:4 with yerrorbars \
	     lc rgb colour(kind(k)) pt 0 lw 1 notitle, \
     for [k=1:nseries] data index (k - 1) using 1:(fitted(k) ? NaN : $2) with linespoints \
	     lc rgb colour(kind(k)) dt dash(k) lw 2 pt ptype(k) ps 1.2 \
	     title (fitted(k) ? "" : value(sprintf("s%d_title", k))), \
     for [k=1:nseries] data index (k - 1) using 1:(fitted(k) ? $2 : NaN) with points \
	     lc rgb colour(kind(k)) pt ptype(k) ps 1.3 notitle, \
     for [k=1:nseries] (fitted(k) ? line(k, x) : NaN) with lines \
	     lc rgb colour(kind(k)) dt dash(k) lw 2 notitle, \
     for [k=1:nseries] NaN with linespoints lc rgb colour(kind(k)) dt dash(k) lw 2 pt ptype(k) ps 1.2 \
	     title (fitted(k) ? value(sprintf("s%d_title", k)) : ""), \
     for [k=1:(labels_right ? 0 : nseries)] data index (k - 1) using 1:2:(strcol(5) eq "-" ? "" : strcol(5)) \
	     with labels offset 0,loff(k) font font_name.(fmt eq "svg" ? ",10" : ",9") tc rgb colour(kind(k)) notitle, \
     for [k=1:(labels_right ? nseries : 0)] data index (k - 1) using 1:2:(strcol(5) eq "-" ? "" : strcol(5)) \
	     with labels left offset 1,0 font font_name.(fmt eq "svg" ? ",10" : ",9") tc rgb colour(kind(k)) notitle
