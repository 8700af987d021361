# Creation cost per method: one bar per benchmark of group "create", its median (p50), with a
# whisker up to p99 (or max). Needs, besides common.gp's variables:
#   data: tab-separated file, one line per method:
#         label, p50_us, whisker_us, is_process (0|1), mark ("*" where the whisker is max, not p99; else "-")
#   whisker: what the whisker shows, for the key ("p99", ...)

# Log scale: a thread is created in tens of microseconds, fork+exec takes hundreds; both
# must read. The range is whole decades around the data, with room above for the labels.
stats data using 2 nooutput
lo = 10**floor(log10(STATS_min) - 0.05)
stats data using 3 nooutput
hi = 10**ceil(log10(STATS_max) + 0.35)
set logscale y
set yrange [lo:hi]
set format y "%g"
set xrange [-0.6:STATS_records - 0.4]

set title "Cost of creating a thread or a process\n".machine font font_name.",14"
set ylabel "time to create one (µs, log scale)"
set xlabel "creation method (benchmark create.<method>)"
set xtics scale 0
set style fill solid 0.9 noborder
set boxwidth 0.6

colour(is_process) = is_process > 0 ? process_colour : thread_colour
# On a log axis a box has no natural floor: draw each from the bottom of the range. The
# whisker is two vectors (stem and cap): yerrorbars would leave a gap where its point is.
plot data using 0:(sqrt(lo*$2)):($0-0.3):($0+0.3):(lo):2:(colour($4)):xtic(1) \
	     with boxxyerror lc rgb variable, \
     '' using 0:2:(0):($3-$2) with vectors nohead lc rgb whisker_colour lw 1.5, \
     '' using ($0-0.1):3:(0.2):(0) with vectors nohead lc rgb whisker_colour lw 1.5, \
     '' using 0:3:(sig3($2)." µs".(strcol(5) eq "*" ? "*" : "")) with labels offset 0,0.9 font font_name.",10", \
     NaN with boxes lc rgb thread_colour title "thread (median)", \
     NaN with boxes lc rgb process_colour title "process (median)", \
     NaN with lines lc rgb whisker_colour lw 1.5 title "whisker: median to ".whisker
