# A whole program that starts N threads or N processes that do nothing, and ends, timed from
# outside by hyperfine (run-all: hyperfine-spawn.csv): median wall time over N, whiskers from
# the fastest to the slowest run. Log-log: N goes from 1 to 1000. Variables: see lines.gp.
set title "A whole program starting N threads or N processes (hyperfine)\n".machine font font_name.",14"
set ylabel "wall time of the program (ms, log scale)"
set xlabel "N (log scale); ipcbench-spawn threads|processes N, timed by hyperfine -N; whiskers: min to max" offset 0,-0.4
set logscale xy
set format y "%g"
eval log_ticks_y
set autoscale yfix                # the data, not the decades around it, with the offsets below
set offsets graph 0.05, graph 0.1, graph 0.15, graph 0.12   # room for the labels below the threads
set key top left
load plots."/lines.gp"
