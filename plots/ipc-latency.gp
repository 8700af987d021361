# IPC round trip by mechanism (benchmarks ipc.*, metric rtt) for one message size: for each
# mechanism a horizontal bar per mode and placement, its median with a whisker to p99 (or max),
# fastest mechanism at the top. Colour says thread or process; fill says placement (first
# placement solid, second lighter, a third hatched). Log scale: a round trip on one CPU and
# one that wakes another CPU can be ten times apart. Needs, besides common.gp's variables:
#   data:  tab-separated, one line per bar: y, p50_us, whisker_us, kind (0 thread, 1 process),
#          slot (0, 1, 2: index in `placements`), value label
#   ticks: tab-separated, one line per mechanism: y, label
#   ny: mechanisms; barh: height of one bar (y units); nslots, placements (space-separated,
#   slot order); has_thread, has_process; size_label: the message size ("64 B");
#   longest: characters of the longest mechanism name; whisker: what a whisker shows;
#   footnote: what a * means ("" for none); height: of the canvas (common.gp)

stats data using 2 nooutput
lo = 10**floor(log10(STATS_min) - 0.05)
stats data using 3 nooutput
# Room right of the longest whisker for its value label (about 60 pixels of about 700).
hi = 10**(log10(STATS_max) + (log10(STATS_max) - log10(lo)) * 0.14)
set logscale x
set xrange [lo:hi]
set format x "%g"
set xtics (); do for [e=-4:7] { set xtics add (sprintf('%g', 10**e) 10**e, \
	sprintf('%g', 2*10**e) 2*10**e, sprintf('%g', 5*10**e) 5*10**e) }
set mxtics 1
set yrange [ny - 0.4:-0.6]
set ytics scale 0
set grid noytics nomytics xtics mxtics lc rgb "#e4e4e4" lw 1, lc rgb "#f2f2f2" lw 1
set lmargin longest * 0.9 + 2

set title "Round trip of a ".size_label." message between two threads or two processes\n".machine font font_name.",14"
set xlabel "round trip (µs, log scale); benchmark ipc.<mechanism>, metric rtt; figures: median, µs" offset 0,-0.4
set ylabel ""
# The key under the x label, in columns (thread, process, whisker), where no bar can run
# under it: the bottom margin grows by its rows (about 20 pixels each).
key_rows = nslots < 2 ? 2 : nslots
set bmargin 5 + key_rows * 1.5
set key at screen 0.08, screen (30.0 + key_rows * 20) / height left top vertical maxrows key_rows \
	nobox font font_name.(fmt eq "svg" ? ",12" : ",10")
if (strlen(footnote) > 0) {
	set label 98 footnote at screen 0.01, screen 0.025 left font font_name.",9" tc rgb "#777777"
}

hh = barh / 2 * 0.9             # half a bar, with a hair of space between neighbours
ch = barh * 0.2                 # half a whisker cap
label_pt = fmt eq "svg" ? 9 : 8

# A bar is a box from the left end of the axis to the median; light and hatched bars get an
# outline in the full colour. Whiskers are two vectors (stem and cap).
plot ticks using (NaN):1:ytic(2), \
     data using (sqrt(lo*$2)):1:(lo):($2*($5 <= 1 ? 1 : NaN)):($1-hh):($1+hh):(fill($4,$5)) \
	     with boxxyerror fs solid 1.0 noborder lc rgb variable, \
     '' using (sqrt(lo*$2)):1:(lo):($2*($5 == 2 ? 1 : NaN)):($1-hh):($1+hh):(colour($4)) \
	     with boxxyerror fs transparent pattern 5 noborder lc rgb variable, \
     '' using (sqrt(lo*$2)):($5 > 0 ? $1 : NaN):(lo):2:($1-hh):($1+hh):(colour($4)) \
	     with boxxyerror lc rgb variable lw 1 fs empty border, \
     '' using 2:1:($3-$2):(0) with vectors nohead lc rgb whisker_colour lw 1, \
     '' using 3:($1-ch):(0):(2*ch) with vectors nohead lc rgb whisker_colour lw 1, \
     '' using 3:1:6 with labels left offset 0.5,0 font font_name.",".label_pt, \
     for [k=1:(has_thread ? (nslots < 2 ? nslots : 2) : 0)] NaN with boxes lc rgb fill(0, k - 1) \
	     fs solid 1.0 border lc rgb thread_colour title "thread · ".placement_name(word(placements, k)), \
     for [k=3:(has_thread ? nslots : 0)] NaN with boxes lc rgb thread_colour \
	     fs transparent pattern 5 border lc rgb thread_colour title "thread · ".placement_name(word(placements, k)), \
     for [k=1:(has_process ? (nslots < 2 ? nslots : 2) : 0)] NaN with boxes lc rgb fill(1, k - 1) \
	     fs solid 1.0 border lc rgb process_colour title "process · ".placement_name(word(placements, k)), \
     for [k=3:(has_process ? nslots : 0)] NaN with boxes lc rgb process_colour \
	     fs transparent pattern 5 border lc rgb process_colour title "process · ".placement_name(word(placements, k)), \
     NaN with lines lc rgb whisker_colour lw 1.2 title "whisker: ".whisker
