# slow-senders: scenario 2, a fast client's median latency while N slow
# clients trickle their requests. Needs timeout (s) and rate (bytes/s);
# dir/s2-MODEL.dat holds "N p50_ms kind p99_ms", kind 2 = timed out.
load plotdir.'/common.gp'
set title "Slow senders: a thread or process per client keeps a fast client fast; sequential and pool starve it"
set xlabel sprintf("slow clients N (each sends its request at %d bytes/s)", rate)
set ylabel "fast client's median latency (ms)"
set logscale xy
set format y "%g"
set format x "%g"
set xrange [0.7:*]
set yrange [0.01:timeout * 1000 * 4]
set key center right
plot for [i=1:words(models)] dir.'/s2-'.word(models,i).'.dat' \
        using 1:($3 == 1 ? $2 : 1/0) with linespoints lw 2 pt 7 \
        lc rgb col(word(models,i)) title word(models,i), \
     for [i=1:words(models)] dir.'/s2-'.word(models,i).'.dat' \
        using ($1 * (1 + 0.08 * (i - 3))):($3 == 2 ? $2 : 1/0) with points pt 2 ps 2 lw 2 \
        lc rgb col(word(models,i)) notitle, \
     NaN with points pt 2 ps 2 lw 2 lc rgb "#444444" title "no answer at all (timed out)", \
     timeout * 1000 with lines dt 4 lc rgb "#d62728" title sprintf("client timeout %d s", timeout)
