# Context switch on one CPU as the working set grows: the corrected switch of ctx.pipe (solid)
# and ctx.futex (dashed) over working_set_kib, thread vs process. Each task touches its
# working set between hand-overs, so a switch also pays for refilling the caches the other
# task evicted. Variables: see lines.gp, and xtics_spec, the "set xtics (...)" command that
# labels the sizes measured (0 KiB sits left of the smallest other size: a log axis has no 0).
set title "Context switch on one CPU vs working set per task\n".machine font font_name.",14"
set ylabel "switch, corrected (µs)"
set xlabel "working set each task touches between hand-overs (KiB, log scale) · ctx.<mechanism>, one CPU" offset 0,-0.4
set logscale x 2
set offsets graph 0.04, graph 0.12, graph 0.12, graph 0
set yrange [0:*]
eval xtics_spec
set mxtics 1
set key bottom right          # the lines start low and rise to the right: the corner below is free
load plots."/lines.gp"
