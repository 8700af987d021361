# Memory of N idle threads vs N idle processes (mem.idle, memory_total: user + kernel), the
# medians as points and a least-squares line per mode, whose slope is what one more thread or
# process costs (the lecture's "Overhead"). Log-log, so that 1 and 1000 both read; the line
# a + b·N bends where the fixed part a stops mattering. Variables: see lines.gp, and yunit.
set title "Memory of N idle threads vs N idle processes\n".machine font font_name.",14"
set ylabel "memory in use, user + kernel (".yunit.", log scale)"
set xlabel "N, idle threads or processes alive at once (log scale); benchmark mem.idle; line: least squares, a + b·N" offset 0,-0.4
set logscale xy
set format y "%g"
eval log_ticks_y
set autoscale yfix                # the data, not the decades around it, with the offsets below
set offsets graph 0.05, graph 0.12, graph 0.15, graph 0.05
set key top left
load plots."/lines.gp"
