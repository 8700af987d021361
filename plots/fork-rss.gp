# fork vs pthread_create as the parent's memory grows (vm.fork_rss): the median time to create
# one (and wait for it) over the MiB the parent has touched, a line per mode and placement.
# fork copies the page tables of every touched page; a thread shares them. The key gives the
# least-squares growth per 100 MiB. Variables: see lines.gp, and yunit.
set title "Creating a process or a thread from a parent that uses more and more memory\n".machine font font_name.",14"
set ylabel "time to create one and wait for it (".yunit.")"
set xlabel "memory the parent has touched (MiB); benchmark vm.fork_rss; figures: median" offset 0,-0.4
set xrange [0:*]
set yrange [0:*]
set offsets 0, graph 0.16, graph 0.1, 0
set key top left
labels_right = 1                # the last point of each line is labelled, right of it
load plots."/lines.gp"
