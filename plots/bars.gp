# Grouped bars, shared by the bar charts (ctx.gp, cow.gp): load it after setting the title
# and the axis labels. A cluster of bars per category along x, a bar per figure in it, its
# median with an optional whisker. Needs, besides common.gp's variables:
#   data:  tab-separated, one line per bar: x, value, whisker top ("NaN" for none), kind
#          (0 thread, 1 process, 2 neutral: colour()), slot (0 solid, 1 light, 2 hatched:
#          fill()), value label ("-" for none)
#   ticks: tab-separated, one line per cluster: x, label ("\n" breaks a line)
#   nx: clusters; barw: width of one bar (x units)
#   nkeys, key<k>_kind, key<k>_slot, key<k>_title (k = 1..nkeys): the key, one entry each
#   whisker_title: what a whisker shows, for the key ("" when no bar has one)
#   logy: 1 for a log y axis (bars stand on the decade below the lowest), 0 for linear from 0
#   key_rows: rows of the key, to leave room above the bars; footnote: small text, "" for none

stats data using 2 nooutput
vmin = STATS_min
stats data using ($3 == $3 ? $3 : $2) nooutput
vmax = STATS_max
# The top leaves the upper part of the plot (about 380 pixels high) to the key (a line of
# about 22 pixels per row) and to the value labels above the highest bar.
room = 1 - (key_rows * 22 + 55) / 380.0
if (logy) {
	lo = 10**floor(log10(vmin) - 0.3)   # every bar at least a third of a decade tall
	hi = 10**(log10(lo) + (log10(vmax) - log10(lo)) / room)
	set logscale y
	set format y "%g"
} else {
	lo = 0
	hi = vmax / room
}
set yrange [lo:hi]
set xrange [-0.6:nx - 0.4]
set xtics scale 0
set key nobox vertical maxrows key_rows font font_name.(fmt eq "svg" ? ",12" : ",10")
if (strlen(footnote) > 0) {
	set label 98 footnote at screen 0.01, screen 0.025 left font font_name.",9" tc rgb "#777777"
}

hw = barw / 2 * 0.92            # half a bar, with a hair of space between neighbours
cw = barw * 0.2                 # half a whisker cap
# Value labels only where they fit in the width of a bar (about 0.82 of 900 pixels for the
# plot; a label of up to 5 characters of about 0.75 em).
bar_px = 0.82 * 900 * barw / (nx + 0.2)
label_max = fmt eq "svg" ? 10 : 9
label_pt = floor(bar_px / (5 * 0.75))
label_pt = label_pt > label_max ? label_max : label_pt
show_labels = label_pt >= 7
top(v, w) = w == w ? w : v      # where a label goes: above the whisker, or the bar

# A box from the floor of the axis to the value; light and hatched bars get an outline in
# the full colour. Whiskers are two vectors (stem and cap); a bar without one gets NaN.
plot ticks using 1:(NaN):xtic(2), \
     data using 1:2:($1-hw):($1+hw):(lo):($2*($5 <= 1 ? 1 : NaN)):(fill($4,$5)) \
	     with boxxyerror fs solid 1.0 noborder lc rgb variable, \
     '' using 1:2:($1-hw):($1+hw):(lo):($2*($5 == 2 ? 1 : NaN)):(colour($4)) \
	     with boxxyerror fs transparent pattern 5 noborder lc rgb variable, \
     '' using 1:2:($1-hw):($1+hw):(lo):($2*($5 > 0 ? 1 : NaN)):(colour($4)) \
	     with boxxyerror lc rgb variable lw 1.2 fs empty border, \
     '' using 1:2:(0):($3-$2) with vectors nohead lc rgb whisker_colour lw 1.2, \
     '' using ($1-cw):3:(2*cw):(0) with vectors nohead lc rgb whisker_colour lw 1.2, \
     '' using 1:(show_labels && strcol(6) ne "-" ? top($2, $3) : NaN):6 \
	     with labels offset 0,0.7 font font_name.",".label_pt, \
     for [k=1:nkeys] NaN with boxes lc rgb fill(value(sprintf("key%d_kind", k)), value(sprintf("key%d_slot", k))) \
	     fs solid 1.0 border lc rgb colour(value(sprintf("key%d_kind", k))) \
	     title value(sprintf("key%d_title", k)), \
     for [k=1:(strlen(whisker_title) > 0)] NaN with lines lc rgb whisker_colour lw 1.2 \
	     title "whisker: ".whisker_title
