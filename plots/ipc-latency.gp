# IPC round trip by mechanism (benchmarks ipc.*, metric rtt) for one message size: for each
# mechanism a horizontal bar per mode and placement, its median with a whisker to p99 (or max),
# fastest mechanism at the top. Colour says thread or process; fill says placement (first
# placement solid, second lighter, a third hatched). Log scale: a round trip on one CPU and
# one that wakes another CPU can be ten times apart. Needs, besides common.gp's variables:
#   data:  tab-separated, one line per bar: y, p50_us, whisker_us, kind (0 thread, 1 process),
#          slot (0, 1, 2: index in `placements`), value label
#   ticks: tab-separated, one line per mechanism: y, label
#   ny: mechanisms; barh: height of one bar (y units); nslots, placements (space-separated,
#   slot order); has_thread, has_process; size_label: what goes round ("a 64 B message");
#   longest: characters of the longest mechanism name; whisker: what a whisker shows;
#   footnote: what a * means ("" for none); height: of the canvas (common.gp)
#   nlims, and for k = 1..nlims: lim<k>_x (µs), lim<k>_title: the limits of the same run
#   (a cache line between CPUs, a null system call), drawn as dashed vertical lines

if (!exists("nlims")) nlims = 0
lim_x(k) = value(sprintf("lim%d_x", k))
lim_colour(k) = word("0x009E73 0xCC79A7", (k - 1) % 2 + 1) + 0
lim_dash(k) = k + 1

stats data using 2 nooutput
lo_v = STATS_min
do for [k=1:nlims] { if (lim_x(k) < lo_v) { lo_v = lim_x(k) } }
# The axis reaches down to the limits: a cache line (~0.1 µs) and a pipe across CPUs (~50 µs)
# are both read on it, a decade apart per tick group.
lo = 10**floor(log10(lo_v / 1.1))
if (lo_v / lo < 1.5) { lo = lo / 2 }       # a line at the axis would hide in it
stats data using 3 nooutput
# Room right of the longest whisker for its value label (about 60 pixels of about 700).
hi = 10**(log10(STATS_max) + (log10(STATS_max) - log10(lo)) * 0.14)
set logscale x
set xrange [lo:hi]
set format x "%g"
# 1, 2 and 5 of each decade while they fit; over more than four decades (a whisker to the
# maximum of a long tail), the decades alone.
if (log10(hi / lo) > 4) {
	set xtics (); do for [e=-4:7] { set xtics add (sprintf(e >= 0 ? '%.0f' : '%g', 10**e) 10**e) }
} else {
	set xtics (); do for [e=-4:7] { set xtics add (sprintf('%g', 10**e) 10**e, \
		sprintf('%g', 2*10**e) 2*10**e, sprintf('%g', 5*10**e) 5*10**e) }
}
set mxtics 1
set yrange [ny - 0.4:-0.6]
set ytics scale 0
set grid noytics nomytics xtics mxtics lc rgb "#e4e4e4" lw 1, lc rgb "#f2f2f2" lw 1
set lmargin longest * 0.9 + 2

if (strlen(size_label) > 20) {            # the key says thread or process
	set title "Round trip of ".size_label."\n".machine font font_name.",14"
} else {
	set title "Round trip of ".size_label." between two threads or two processes\n".machine font font_name.",14"
}
set xlabel "round trip (µs, log scale); benchmark ipc.<mechanism>, metric rtt; figures: median, µs" offset 0,-0.4
set ylabel ""
# The key under the x label, in columns (thread, process, whisker), where no bar can run
# under it: the bottom margin grows by its rows (about 20 pixels each).
key_rows = nslots < 2 ? 2 : nslots
if (key_rows < 1 + nlims) { key_rows = 1 + nlims }    # the whisker and the limits: one column
set bmargin 6 + key_rows * 1.5
set key at screen 0.08, screen (45.0 + key_rows * 20) / height left top vertical maxrows key_rows \
	nobox samplen 2.5 font font_name.(fmt eq "svg" ? ",12" : ",10")
if (strlen(footnote) > 0) {
	set label 98 footnote at screen 0.01, screen 0.025 left font font_name.",9" tc rgb "#777777"
}

do for [k=1:nlims] {
	set arrow (80 + k) from first lim_x(k), graph 0 to first lim_x(k), graph 1 nohead front lc rgb lim_colour(k) dt lim_dash(k) lw 2
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
     NaN with lines lc rgb whisker_colour lw 1.2 title "whisker: ".whisker, \
     for [k=1:nlims] NaN with lines lc rgb lim_colour(k) dt lim_dash(k) lw 2 title value(sprintf("lim%d_title", k))
