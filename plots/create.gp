# Creation cost per method: for each benchmark of group "create", one bar per CPU placement
# side by side, its median (p50), with a whisker up to p99 (or max). Colour says thread or
# process; fill says placement (solid for the first placement of the run, light for the
# second, hatched for a third). Needs, besides common.gp's variables:
#   data:  tab-separated, one line per bar:
#          x, p50_us, whisker_us, kind (0 thread, 1 process, 2 whole process timed outside
#          ipcbench: neutral colour), slot (0, 1, 2: index in `placements`),
#          mark ("*" where the whisker is max, not p99; else "-")
#   ticks: tab-separated, one line per method: x, label ("\n" breaks a line)
#   nx: number of methods (clusters), hyperfine bar included; nslots: number of placements;
#   barw: width of one bar (x units); placements: the placements, space-separated, in slot
#   order; hyperfine: 1 if the last cluster is hyperfine's whole-process bar;
#   has_thread, has_process: 1 if the run has thread (process) bars, for the key
#   longest: characters in the longest line of a method name
#   whisker: what the whisker shows, for the key ("p99", ...)
#   footnote: what a * means, printed in a corner; "" for none

# Log scale: a thread is created in tens of microseconds, fork+exec takes hundreds; both
# must read. The bottom is the decade below the data; the top leaves the upper part of the
# plot (about 380 pixels high) to the key (a line of about 22 pixels per row) and to the
# value labels above the highest whisker.
key_rows = nslots < 2 ? 2 : nslots
stats data using 2 nooutput
lo = 10**floor(log10(STATS_min) - 0.05)
stats data using 3 nooutput
room = 1 - (key_rows * 22 + 55) / 380.0
hi = 10**(log10(lo) + (log10(STATS_max) - log10(lo)) / room)
set logscale y
set yrange [lo:hi]
set format y "%g"
set xrange [-0.6:nx - 0.4]

set title "Cost of creating a thread or a process\n".machine font font_name.",14"
set ylabel "time to create one (µs, log scale)"
set xlabel "creation method (benchmark create.<method>); figures: median, µs" offset 0,-0.4
set bmargin 6                   # room for a tick label of three lines and the x label
set xtics scale 0
# Method names side by side as long as they fit (about 0.6 em a character), slanted if not.
if (longest * 0.6 * (fmt eq "svg" ? 13 : 11) > 0.82 * 900 / (nx + 0.2)) {
	set xtics rotate by 30 right
	set bmargin 9
}
# Column by column: the thread bars, one line per placement; the process bars; the rest.
set key nobox vertical maxrows key_rows width (fmt eq "svg" ? -4 : -2) font font_name.(fmt eq "svg" ? ",12" : ",10")

# colour() and fill() (common.gp): first placement solid; second the colour lightened; third
# hatched. Light and hatched bars are outlined in the full colour.
hw = barw / 2 * 0.92            # half a bar, with a hair of space between neighbours
cw = barw * 0.2                 # half a whisker cap

# Value labels only where they fit: a label ("123*", at most 5 characters of about 0.75 em)
# must fit in its bar's width or it would run into its neighbour's. The plot area is about
# 82% of the 900-pixel canvas; a font's em is about its size in pixels on both terminals.
bar_px = 0.82 * 900 * barw / (nx + 0.2)
label_max = fmt eq "svg" ? 10 : 9
label_pt = floor(bar_px / (5 * 0.75))
label_pt = label_pt > label_max ? label_max : label_pt
show_labels = label_pt >= 7
bar_label(x, mark) = sig3(x).(mark eq "*" ? "*" : "")

# What a * means, in the corner opposite the run label.
if (strlen(footnote) > 0) {
	set label 98 footnote at screen 0.01, screen 0.025 left font font_name.",9" tc rgb "#777777"
}

# On a log axis a box has no natural floor: draw each from the bottom of the range. The
# whisker is two vectors (stem and cap): yerrorbars would leave a gap where its point is.
# A bar that is not of the style being drawn gets NaN and is skipped.
plot ticks using 1:(NaN):xtic(2), \
     data using 1:(sqrt(lo*$2)):($1-hw):($1+hw):(lo):($2*($5 <= 1 ? 1 : NaN)):(fill($4,$5)) \
	     with boxxyerror fs solid 1.0 noborder lc rgb variable, \
     '' using 1:(sqrt(lo*$2)):($1-hw):($1+hw):(lo):($2*($5 == 2 ? 1 : NaN)):(colour($4)) \
	     with boxxyerror fs transparent pattern 5 noborder lc rgb variable, \
     '' using 1:(sqrt(lo*$2)):($1-hw):($1+hw):(lo):($2*($5 > 0 ? 1 : NaN)):(colour($4)) \
	     with boxxyerror lc rgb variable lw 1.2 fs empty border, \
     '' using 1:2:(0):($3-$2) with vectors nohead lc rgb whisker_colour lw 1.2, \
     '' using ($1-cw):3:(2*cw):(0) with vectors nohead lc rgb whisker_colour lw 1.2, \
     '' using 1:(show_labels ? $3 : NaN):(bar_label($2, strcol(6))) \
	     with labels offset 0,0.7 font font_name.",".label_pt, \
     for [k=1:(has_thread ? (nslots < 2 ? nslots : 2) : 0)] NaN with boxes lc rgb fill(0, k - 1) \
	     fs solid 1.0 border lc rgb thread_colour title "thread · ".placement_name(word(placements, k)), \
     for [k=3:(has_thread ? nslots : 0)] NaN with boxes lc rgb thread_colour \
	     fs transparent pattern 5 border lc rgb thread_colour title "thread · ".placement_name(word(placements, k)), \
     for [k=1:(has_process ? (nslots < 2 ? nslots : 2) : 0)] NaN with boxes lc rgb fill(1, k - 1) \
	     fs solid 1.0 border lc rgb process_colour title "process · ".placement_name(word(placements, k)), \
     for [k=3:(has_process ? nslots : 0)] NaN with boxes lc rgb process_colour \
	     fs transparent pattern 5 border lc rgb process_colour title "process · ".placement_name(word(placements, k)), \
     for [k=1:hyperfine] NaN with boxes lc rgb neutral_colour fs solid 1.0 noborder \
	     title "whole process (hyperfine)", \
     NaN with lines lc rgb whisker_colour lw 1.2 title "whisker: ".whisker
