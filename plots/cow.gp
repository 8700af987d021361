# Cost per 4 KiB page: the copy-on-write fault that the first write to a page costs after
# fork (vm.cow, per region size), beside the fault of a first touch of a fresh private or
# shared page (vm.touch.*), one bar per placement. Variables: see bars.gp.
set title "What one 4 KiB page costs: copy-on-write after fork vs first touch\n".machine font font_name.",14"
set ylabel "time per page (µs)"
set xlabel "benchmark vm.cow (cow_fault) and vm.touch.* (fault); figures: median" offset 0,-1
set bmargin 6
logy = 0
load plots."/bars.gp"
