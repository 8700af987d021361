# IPC throughput vs message size (benchmarks ipc.*, metric throughput, MB/s = 10^6 bytes/s)
# for one mode: a line per mechanism through the medians, log-log; the first placement solid,
# the second dashed (a third dotted). Needs, besides common.gp's variables:
#   data:  tab-separated, one block per series (blocks apart by two blank lines): size in
#          bytes, MB/s
#   mode:  thread or process; nseries, and for k = 1..nseries:
#     s<k>_c      the mechanism's number (its colour and point type)
#     s<k>_dash   1 first placement, 2 second, 3 any other
#     s<k>_title  the mechanism, on its first series; "" on the others
#   nplaces, places: the placements (space-separated, in dash order); xtics_spec: the
#   "set xtics (...)" command that labels the sizes measured; footnote: "" or what was left out
#   family: msg (message passing) or shm (shared memory and zero-copy): the title
#   mdata: size, MB/s of limit.memcpy at the chart's sizes; has_memcpy, memcpy_title;
#   beyond_y, beyond_title: memcpy beyond the chart's sizes (NaN, "": none)

# Distinct colours for up to twelve mechanisms (Okabe-Ito first), then again with other points.
mech_colours = "0x0072B2 0xD55E00 0x009E73 0xCC79A7 0xE69F00 0x56B4E9 0x000000 0x8C564B 0x7F7F7F 0xBCBD22 0x17BECF 0x9467BD"
mcolour(c) = int(word(mech_colours, (c - 1) % 12 + 1))
mpoint(c) = word("7 5 9 11 13 15 7 5 9 11 13 15 6 4 8 10 12 14", (c - 1) % 18 + 1) + 0
place_dash(d) = d == 1 ? 1 : d == 2 ? 2 : 3

if (!exists("family")) family = "msg"
if (!exists("has_memcpy")) { has_memcpy = 0; beyond_y = NaN; beyond_title = ""; memcpy_title = "" }
set title "Throughput vs message size, ".(family eq "shm" ? "shared memory and zero-copy" : "message passing"). \
	"\nbetween two ".(mode eq "thread" ? "threads" : "processes")." · ".machine font font_name.",14"
set ylabel "throughput, median (MB/s = 10^6 bytes/s, log scale)"
set xlabel "message size (log scale); benchmark ipc.<mechanism>, one-way stream, bytes the receiver counted" offset 0,-0.4
set logscale x 2
set logscale y
set format y "%g"
eval log_ticks_y
eval xtics_spec
set mxtics 1
set grid xtics ytics mytics lc rgb "#e4e4e4" lw 1, lc rgb "#f2f2f2" lw 1
set autoscale yfix
set offsets graph 0.03, graph 0.03, graph 0.08, graph 0.05
if (strlen(footnote) > 0) {
	set label 98 footnote at screen 0.01, screen 0.025 left font font_name.",9" tc rgb "#777777"
}
set key top left samplen 3 font font_name.(fmt eq "svg" ? ",12" : ",10")
memcpy_colour = 0x333333
# Up to a dozen mechanisms and the memcpy lines, which run along the top where a key inside
# would sit: the key goes beside the plot.
set key outside right top vertical maxcols 1 samplen 3 spacing 1.1 font font_name.(fmt eq "svg" ? ",11" : ",9")
set xlabel "message size (log scale); ipc.<mechanism>, one-way stream" offset 0,-0.4

plot for [k=1:nseries] data index (k - 1) using 1:2 with linespoints \
	     lc rgb mcolour(value(sprintf("s%d_c", k))) dt place_dash(value(sprintf("s%d_dash", k))) \
	     lw 2 pt mpoint(value(sprintf("s%d_c", k))) ps 1.1 title value(sprintf("s%d_title", k)), \
     for [d=1:(nplaces > 1 ? nplaces : 0)] NaN with lines lc rgb "#555555" dt place_dash(d) lw 2 \
	     title placement_name(word(places, d)), \
     mdata using 1:(has_memcpy ? $2 : NaN) with linespoints lc rgb memcpy_colour dt (10, 6) lw 2.5 pt 1 ps 1.2 \
	     title (has_memcpy ? memcpy_title : ""), \
     beyond_y with lines lc rgb memcpy_colour dt (2, 5) lw 2 title beyond_title
