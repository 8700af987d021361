# Shared style for every ipcbench chart, loaded before the chart's own script:
#   gnuplot -e "fmt='svg'; out='...'; machine='...'; run='...'; ..." plots/common.gp plots/<chart>.gp
# fmt: svg or png; out: the file to write; machine: "host · Linux kernel" for titles;
# plots: this directory (for the shared bars.gp and lines.gp a chart script loads);
# run: "run <id> · <date>", printed small in a corner so a chart found alone still says its origin.

# Okabe-Ito blue and vermillion: distinct for colour-blind readers and in greyscale print.
# Integers (0xRRGGBB), so charts can use them with "lc rgb variable" as well as "lc rgb".
thread_colour = 0x0072B2
process_colour = 0xD55E00
whisker_colour = 0x333333
# For a figure measured outside ipcbench (e.g. by hyperfine), beside ipcbench's own bars.
neutral_colour = 0x999999
# The colour c mixed with white, f = 0 (c) to 1 (white): the lighter fill of a second placement.
tint(c, f) = (int(((c >> 16) & 255) + (255 - ((c >> 16) & 255)) * f) << 16) + \
	(int(((c >> 8) & 255) + (255 - ((c >> 8) & 255)) * f) << 8) + \
	int((c & 255) + (255 - (c & 255)) * f)
# Colour of a kind of figure: 0 thread, 1 process, 2 measured outside ipcbench or neither
# (hyperfine, mode n/a). fill(): the colour of a bar in the slot-th placement of a chart
# (0 solid, 1 lighter; a third is hatched by the chart).
colour(kind) = kind == 2 ? neutral_colour : kind == 1 ? process_colour : thread_colour
fill(kind, s) = s == 1 ? tint(colour(kind), 0.6) : colour(kind)
font_name = "DejaVu Sans"

# A chart may ask for more height (e.g. one bar per mechanism): `height` in pixels, before this.
if (!exists("height")) height = 560
set encoding utf8
# noenhanced: benchmark names such as clone_vm must not turn into subscripts.
if (fmt eq "svg") {
	set terminal svg size 900,height dynamic font font_name.",13" noenhanced background "white"
} else {
	# pngcairo (antialiased) is in Debian's gnuplot-nox; plain png (libgd) is the fallback.
	if (strstrt(GPVAL_TERMINALS, " pngcairo ") > 0) {
		set terminal pngcairo size 900,height font font_name.",11" noenhanced background "white"
	} else {
		set terminal png size 900,height font font_name.",11" noenhanced background "white"
	}
}
set output out

set border 3 lc rgb "#555555"
set tics nomirror out
set grid ytics mytics lc rgb "#e4e4e4" lw 1, lc rgb "#f2f2f2" lw 1
set key top left Left reverse noautotitle samplen 1.5 spacing 1.2 box lc rgb "#cccccc" opaque
set datafile separator "\t"
# Bottom margin leaves a line under the x label for the run label.
set bmargin 5
set label 99 run at screen 0.99, screen 0.025 right font font_name.",9" tc rgb "#777777"

# On a log axis that spans a decade or two, ticks at 1, 2 and 5 of each decade read better than
# at the decades alone: `eval log_ticks_y` after `set logscale y`.
log_ticks_y = "set ytics (); do for [e=-4:7] { set ytics add (sprintf('%g', 10**e) 10**e, " . \
	"sprintf('%g', 2*10**e) 2*10**e, sprintf('%g', 5*10**e) 5*10**e) }; set mytics 1"

# Three significant figures, as in lecture-table.md; the CSV keeps full precision.
sig3(x) = x >= 99.95 ? sprintf("%.0f", x) : x >= 9.995 ? sprintf("%.1f", x) : sprintf("%.2f", x)

# CPU placement (the CSV's placement column) in words people read, the CSV's word in brackets.
placement_name(p) = p eq "same-cpu" ? "one CPU (same-cpu)" : p eq "cross-cpu" ? "two CPUs (cross-cpu)" : \
	p eq "any" ? "unpinned (any)" : p eq "unknown" ? "placement not recorded" : p
