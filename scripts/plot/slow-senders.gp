# slow-senders: scenario 2, a fast client's latency while N slow clients
# trickle their requests. Needs timeout (s), rate (bytes/s) and counts (the
# N values run); dir/s2-MODEL.dat holds "N p50_ms kind p99_ms", kind 2 =
# timed out. One group per N, one column per model within it: the models
# that answer in about the same time would otherwise hide one another.
load plotdir.'/common.gp'
if (ttl eq "") ttl = "Slow senders: who still answers a fast client?"
@wide_title
nm = words(models)
nc = words(counts)
gw = 0.8				# width of a group of columns
slot(i) = (i - (nm + 1) / 2.0) * gw / nm
grp(n, k) = k > nc ? NaN : (word(counts, k) + 0 == n ? k - 1 : grp(n, k + 1))
xpos(n, i) = grp(n, 1) + slot(i)
set xrange [-0.6:nc - 0.4]
set xtics () scale 0
do for [k=1:nc] { set xtics add (sprintf("N = %s slow sender%s", word(counts, k), word(counts, k) eq "1" ? "" : "s") k - 1) }
do for [k=2:nc] { set arrow from k - 1.5, graph 0 to k - 1.5, graph 1 nohead lc rgb "#cccccc" }
set xlabel sprintf("each slow sender sends its request at %d bytes/s; the fast client sends GET / again and again", rate)
set ylabel "fast client's latency (ms): point median, bar to p99"
set logscale y
set format y "%g"
set yrange [0.01:timeout * 1000 * 8]
set grid noxtics ytics
set key outside right center
set bmargin 4
# the key from NaN entries: a model that never answered has no points to show
plot for [i=1:nm] NaN with points pt ptype(word(models,i)) ps 1.6 \
        lc rgb col(word(models,i)) title word(models,i), \
     for [i=1:nm] dir.'/s2-'.word(models,i).'.dat' \
        using (xpos($1, i)):($3 == 1 ? $2 : 1/0):2:4 with yerrorbars lw 2 pt ptype(word(models,i)) ps 1.6 \
        lc rgb col(word(models,i)) notitle, \
     for [i=1:nm] dir.'/s2-'.word(models,i).'.dat' \
        using (xpos($1, i)):($3 == 2 ? $2 : 1/0) with points pt 2 ps 2.2 lw 3 \
        lc rgb col(word(models,i)) notitle, \
     NaN with points pt 2 ps 2 lw 3 lc rgb "#444444" title "no answer (timed out)", \
     timeout * 1000 with lines dt 4 lc rgb "#d62728" title sprintf("client timeout %g s", timeout)
