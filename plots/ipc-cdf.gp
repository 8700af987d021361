# Latency CDF of the 64-byte IPC round trip (benchmarks ipc.*, metric rtt, from samples.csv):
# a panel per placement (side by side), a curve per mechanism and mode: the share of round
# trips at most x µs, up to the 99.9th percentile. Threads solid, processes dashed; a
# mechanism has the colour and point it has on the throughput charts. Needs, besides
# common.gp's variables:
#   data: tab-separated blocks (two blank lines apart), one per series, each a header line
#         (placement, mechanism, mode) then lines of µs, fraction
#   nseries, and for k = 1..nseries (in key order): s<k>_block (its block in data, from 0),
#   s<k>_c (mechanism number: colour), s<k>_dash (1 thread, 2 process), s<k>_panel
#   (1..npanels), s<k>_title (the mechanism once per panel; "" otherwise)
#   npanels, places: the placements, space-separated, in panel order

mech_colours = "0x0072B2 0xD55E00 0x009E73 0xCC79A7 0xE69F00 0x56B4E9 0x000000 0x8C564B 0x7F7F7F 0xBCBD22 0x17BECF 0x9467BD"
mcolour(c) = int(word(mech_colours, (c - 1) % 12 + 1))
sv(k, name) = value(sprintf("s%d_%s", k, name))

set logscale x
set format x "%g"
set mxtics 10                   # panels are narrow: decades only
set yrange [0:1]
set ytics 0, 0.1, 1
set grid xtics mxtics ytics lc rgb "#e4e4e4" lw 1, lc rgb "#f4f4f4" lw 1
set key bottom right samplen 2.5 font font_name.(fmt eq "svg" ? ",11" : ",9")
set xlabel "round trip (µs, log scale)"

set multiplot title "Round trip of a 64 B message: share of round trips at most x, up to p99.9\n".machine font font_name.",14" \
	layout 1, npanels
do for [p=1:npanels] {
	set title placement_name(word(places, p)).(p == 1 ? " · solid: threads, dashed: processes" : "") font font_name.",11"
	set ylabel (p == 1 ? "share of round trips (CDF)" : "")
	plot for [k=1:nseries] data index sv(k, "block") every ::1 using 1:(sv(k, "panel") == p ? $2 : NaN) with lines \
		lc rgb mcolour(sv(k, "c")) dt sv(k, "dash") lw 2 title (sv(k, "panel") == p ? sv(k, "title") : "")
}
unset multiplot
