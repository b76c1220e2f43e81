# SPDX-License-Identifier: GPL-2.0
#
# usage: gnuplot -e "data='DIR'; out='DIR'; stamp='TEXT'" bench/plot.gp
#
# The plots of docs/benchmarks.md, from the data files bench/report writes
# into DIR: touch.dat (size MiB; remap 2 MiB, remap 4 KiB, fault cached,
# fault wc 2 MiB, fault wc 4 KiB, anonymous populate, on-demand ms; NaN
# where the kernel has no 2 MiB entries),
# load.dat (size KiB, load ms, unload ms) and ratios.dat (index, label,
# chrmem's speed relative to its baseline, its lowest and highest round).

set terminal pngcairo size 960,600 font "sans,10" noenhanced
set grid
set key top left box opaque

set output out.'/bench-touch.png'
set title "Map + first write to every page (median, lower is better)\n".stamp
set logscale xy
set xlabel 'mapping size (MiB)'
set ylabel 'time (ms)'
set xtics (4, 64, 512)
set format y '%g'
plot data.'/touch.dat' using 1:2 with linespoints lw 2 pt 7 title 'chrmem remap, 2 MiB entries', \
     ''                using 1:3 with linespoints lw 2 pt 6 title 'chrmem remap, 4 KiB entries', \
     ''                using 1:4 with linespoints lw 2 pt 5 title 'chrmem fault cached, 4 KiB windows', \
     ''                using 1:5 with linespoints lw 2 pt 13 title 'chrmem fault wc, 2 MiB entries', \
     ''                using 1:6 with linespoints lw 2 pt 12 title 'chrmem fault wc, 4 KiB windows', \
     ''                using 1:7 with linespoints lw 2 pt 9 dt 2 title 'anonymous, MAP_POPULATE', \
     ''                using 1:8 with linespoints lw 2 pt 11 dt 2 title 'anonymous, on demand'

set output out.'/bench-load.png'
set title "Module load and unload against the buffer size (median, lower is better)\n".stamp
set xlabel 'buffer size (KiB)'
set ylabel 'time (ms)'
set xtics auto
set format x '%g'
plot data.'/load.dat' using 1:2 with linespoints lw 2 pt 7 title 'finit_module (load)', \
     ''               using 1:3 with linespoints lw 2 pt 5 title 'delete_module (unload)'

set output out.'/bench-ratios.png'
set terminal pngcairo size 960,720 font "sans,10" noenhanced
set title "chrmem's speed relative to its baseline, median and range over the rounds (above 1: faster; dashed: 10% slower)\n".stamp
unset logscale x
set logscale y 2
set xlabel ''
set ylabel 'speed relative to the baseline (log scale)'
set xtics rotate by -60 left font "sans,8"
set format y '%g'
set style fill solid 0.6 border -1
set boxwidth 0.7
set yrange [*:*]
stats data.'/ratios.dat' using 1 nooutput
set xrange [-0.7:STATS_max + 0.7]
set rmargin 10
set bmargin 14
set key off
# Bars rise from 1 (as fast as the baseline): up is faster, down slower.
# The error bars span the per-round ratios.
plot data.'/ratios.dat' using 1:(1):($1 - 0.35):($1 + 0.35):(1 < $3 ? 1 : $3):(1 < $3 ? $3 : 1):xtic(2) \
	with boxxyerrorbars lc rgb '#4477aa', \
     ''                 using 1:3:4:5 with yerrorbars lc rgb 'black' pt 7 ps 0.4, \
     1 with lines lc rgb 'black' lw 1, \
     0.9 with lines lc rgb 'red' dt 2 lw 1
