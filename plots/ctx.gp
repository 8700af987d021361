# Context switch, thread vs process: for each mechanism (ctx.pipe, ctx.futex) and placement,
# a thread bar and a process bar at working set 0, median with a p99 whisker. On one CPU the
# corrected switch ((round trip − the same work inside one task) ÷ 2); across two CPUs half a
# round trip, which is a wake-up of the other CPU rather than a switch. Log scale: a wake-up
# across CPUs can cost ten times a switch on one. Variables: see bars.gp.
set title "Handing a token over between two threads or two processes\n".machine font font_name.",14"
set ylabel "time per hand-over (µs, log scale)"
set xlabel "mechanism · placement (benchmark ctx.<mechanism>, working set 0 KiB); figures: median, µs" offset 0,-1
set bmargin 6                   # room for two-line tick labels and the x label
logy = 1
load plots."/bars.gp"
