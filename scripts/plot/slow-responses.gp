# slow-responses: scenario 1, wall time of N clients x /delay?ms=d per model.
# Needs d (ms) and budget (s); dir/s1-MODEL.dat holds "N seconds kind",
# kind 1 measured, 2 predicted (not run: over budget), 3 stopped at the
# budget (seconds extrapolated from the share answered).
load plotdir.'/common.gp'
if (ttl eq "") ttl = sprintf("N clients each wait %d ms: one at a time takes N×%d ms, concurrent models about %d ms", d, d, d)
@wide_title
# where models agree their points lie on one another: each has its own
# shape, drawn largest first, so every one stays visible
psz(i) = 2.6 - 0.35 * i
set xlabel "concurrent clients N (each GET /delay?ms=".d.")"
set ylabel "wall time until all N are answered (s)"
set logscale xy
set format y "%g"
set format x "%g"
set key outside right center
set xrange [0.7:*]
set offsets 0, graph 0.05, 0, 0
plot for [i=1:words(models)] dir.'/s1-'.word(models,i).'.dat' \
        using 1:($3 == 1 ? $2 : 1/0) with linespoints lw 2 pt ptype(word(models,i)) ps psz(i) \
        lc rgb col(word(models,i)) title word(models,i), \
     for [i=1:words(models)] dir.'/s1-'.word(models,i).'.dat' \
        using 1:($3 >= 2 ? $2 : 1/0) with points pt ptype(word(models,i)) - 1 ps psz(i) lw 2 \
        lc rgb col(word(models,i)) notitle, \
     NaN with points pt 6 ps 1.8 lw 2 lc rgb "#444444" title "open: not run or not done in budget", \
     x * d / 1000.0 with lines dt 2 lc rgb "#888888" title "N × D", \
     d / 1000.0 with lines dt 3 lw 2 lc rgb "#888888" title "D", \
     budget with lines dt 4 lc rgb "#d62728" title sprintf("budget %d s", budget)
