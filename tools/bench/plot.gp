# tools/bench/plot.gp: the figure of docs/benchmarks.md (gnuplot; run in
# the directory of plotdata.awk's files, with -e "out='FILE.png'").
set terminal pngcairo size 1400,1000 font ",10"
set output out
load "labels.gp"
set datafile missing "?"
set multiplot layout 2,2 title "pxenstored, C xenstored 4.17, oxenstored 4.17 (medians; 16 clients)"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set logscale y
set grid ytics
set key top right opaque box
set xtics rotate by -30
px = "#1b7837"; cx = "#2166ac"; ox = "#b2182b"; fl = "#999999"

set title "Requests/s over the Unix socket (log)"
plot "ops_socket.dat" using 2:xtic(1) title "pxenstored" lc rgb px, \
     "" using 3 title "C xenstored" lc rgb cx, \
     "" using 4 title "oxenstored" lc rgb ox, \
     "" using 5 title "ping-pong floor" lc rgb fl

set title sprintf("Requests/s over rings, %d simulated guests (log)", rings_clients)
plot "ops_rings.dat" using 2:xtic(1) title "pxenstored" lc rgb px, \
     "" using 3 title "C xenstored" lc rgb cx, \
     "" using 4 title "oxenstored" lc rgb ox

set title "Daemon CPU per operation, µs, socket (log; lower is better)"
set key top left opaque box
plot "cpu_socket.dat" using 2:xtic(1) title "pxenstored" lc rgb px, \
     "" using 3 title "C xenstored" lc rgb cx, \
     "" using 4 title "oxenstored" lc rgb ox

set title "Requests/s against store size (log-log)"
set style data linespoints
set logscale x
set xtics norotate
set xlabel "nodes in the store"
set key bottom left opaque box
plot "tree.dat" using 1:2 title "pxenstored read" lc rgb px pt 7, \
     "" using 1:5 title "pxenstored write" lc rgb px pt 5 dt 2, \
     "" using 1:3 title "C xenstored read" lc rgb cx pt 7, \
     "" using 1:6 title "C xenstored write" lc rgb cx pt 5 dt 2, \
     "" using 1:4 title "oxenstored read" lc rgb ox pt 7, \
     "" using 1:7 title "oxenstored write" lc rgb ox pt 5 dt 2
unset multiplot
