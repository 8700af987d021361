# The lecture's ack server (benchmarks server.<model>, group server) at one request size: two
# panels over the number of connections (log scale), requests answered per second above (metric
# rate) and the p99 latency of a request below (metric rtt), a line per model and placement:
# the model by colour and point, the placement by dash (first solid, second dashed, a third
# dotted). Stacked, not side by side, so that both panels have the chart's full width and one
# x axis reads for both; one key, beside them. Needs, besides common.gp's variables:
#   data:  tab-separated, one block per series (blocks apart by two blank lines): connections,
#          requests/s (NaN: none), p99 latency in µs (NaN: none)
#   nseries, and for k = 1..nseries:
#     s<k>_c      the model's number: 1 thread, 2 process, 3 epoll, 4 pool, 5.. others
#     s<k>_dash   1 first placement, 2 second, 3 any other
#     s<k>_title  the model, on its first series; "" on the others
#   nplaces, places: the placements (space-separated, in dash order)
#   size_label: "64 B", "4 KiB"; xtics_spec: "set xtics (...)" at the connection counts measured,
#   xtics_bare: the same ticks without labels (the top panel)
#   footnote: "" or what is missing

# Thread and process in the suite's colours (common.gp); epoll and pool in the next two of
# Okabe-Ito. The point type tells them apart in greyscale too.
model_colours = sprintf("%d %d 0x009E73 0xE69F00 0xCC79A7 0x56B4E9 0x000000 0x8C564B", thread_colour, process_colour)
mcolour(c) = int(word(model_colours, (c - 1) % 8 + 1))
mpoint(c) = word("7 5 9 11 13 15 6 4", (c - 1) % 8 + 1) + 0
place_dash(d) = d == 1 ? 1 : d == 2 ? 2 : 3
sv(k, name) = value(sprintf("s%d_%s", k, name))

set logscale x 2
set mxtics 1
set logscale y
set format y "%g"
set grid xtics ytics mytics lc rgb "#e4e4e4" lw 1, lc rgb "#f2f2f2" lw 1
set autoscale yfix              # the data's range, not the next decade: log axes over 2-3 decades
set offsets graph 0.04, graph 0.04, graph 0.08, graph 0.08
# Both panels the same width, the key to their right.
set lmargin at screen 0.10
set rmargin at screen 0.72
set key at screen 0.99, screen 0.86 right top vertical maxcols 1 samplen 3 spacing 1.2 \
	font font_name.(fmt eq "svg" ? ",12" : ",10")
# What the load is, beside the lower panel, where the key leaves room.
set label 97 "Closed loop: each\nconnection sends its\nnext request when its\nlast one is acked.\n\nAbove: higher is better;\nbelow: lower is better." \
	at screen 0.745, screen 0.44 left font font_name.(fmt eq "svg" ? ",11" : ",9") tc rgb "#555555"
if (strlen(footnote) > 0) {
	set label 98 footnote at screen 0.01, screen 0.025 left font font_name.",9" tc rgb "#777777"
}

set multiplot title "The lecture's ack server: ".size_label." requests on N connections at once". \
	(nplaces == 1 ? ", ".placement_name(word(places, 1)) : "")."\n".machine \
	font font_name.",14"

# Top: requests answered per second (thousands), higher is better.
set tmargin at screen 0.88
set bmargin at screen 0.54
set ylabel "requests/s, thousands (log scale)"
set xlabel ""
eval xtics_bare
# Requests/s rarely span more than a decade: ticks at 1, 1.5, 2, 3, 5 and 7 of it.
set ytics (); do for [e=-1:4] { do for [m in "1 1.5 2 3 5 7"] { set ytics add (sprintf('%g', m * 10**e) m * 10**e) } }
plot for [k=1:nseries] data index (k - 1) using 1:($2 / 1e3) with linespoints \
	     lc rgb mcolour(sv(k, "c")) dt place_dash(sv(k, "dash")) lw 2 pt mpoint(sv(k, "c")) ps 1.2 \
	     title sv(k, "title"), \
     for [d=1:(nplaces > 1 ? nplaces : 0)] NaN with lines lc rgb "#555555" dt place_dash(d) lw 2 \
	     title placement_name(word(places, d))

# Bottom: the 99th percentile of a request's latency, lower is better. No key: the same lines.
set tmargin at screen 0.48
set bmargin at screen 0.11
set ylabel "p99 latency of a request (log scale)"
set xlabel "connections at once (log scale); benchmark server.<model>" offset 0,-0.4
eval xtics_spec
# Ticks at 1, 2, 5 of each decade, labelled in the unit people read: 500 µs, 2 ms.
human_us(v) = v >= 1e6 ? sprintf("%g s", v / 1e6) : v >= 1e3 ? sprintf("%g ms", v / 1e3) : sprintf("%g µs", v)
set ytics (); do for [e=-1:7] { set ytics add (human_us(10**e) 10**e, human_us(2*10**e) 2*10**e, \
	human_us(5*10**e) 5*10**e) }
unset key
unset label 98
unset label 97
plot for [k=1:nseries] data index (k - 1) using 1:3 with linespoints \
	     lc rgb mcolour(sv(k, "c")) dt place_dash(sv(k, "dash")) lw 2 pt mpoint(sv(k, "c")) ps 1.2 notitle
unset multiplot
