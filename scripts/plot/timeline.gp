# timeline: scenario 3, one bar per request from its start to its answer.
# Needs d (ms); dir/s3.dat holds one block per model (in models order) of
# "group rank start_s end_s", ranked by end.
load plotdir.'/common.gp'
n = words(models)
h = 23
if (ttl eq "") ttl = sprintf("20 requests that each wait %d ms: a staircase when served one at a time, one block when concurrent", d)
set title ttl."\n{/:Italic a staircase when served one at a time, one block when concurrent}"
set xlabel "time since the 20 clients started (s)"
set ylabel "request (one bar each, by model)"
set yrange [n * h + 1:0]
set xrange [0:*]
set ytics () scale 0
do for [i=1:n] { set ytics add (word(models, i) (i - 1) * h + 10.5) }
set grid noytics xtics
set key off
plot for [i=1:n] dir.'/s3.dat' index (i - 1) \
        using 3:($1 * h + $2):($4 - $3):(0) with vectors nohead lw 3 \
        lc rgb col(word(models,i))
