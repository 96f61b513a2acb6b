# memory: scenario 5, server RSS against idle keep-alive connections held.
# Needs pool (its size); dir/s5-MODEL.dat holds "open rss_mib pss_mib answered".
load plotdir.'/common.gp'
set title "Memory per idle connection: a thread or a process per client costs several times an event loop's"
set xlabel "idle keep-alive connections held open"
set ylabel "server RSS (MiB)"
set logscale xy
set format y "%g"
set format x "%g"
set key bottom right
set yrange [0.02:10000]
ttl(m) = m eq "sequential" ? "sequential (serves 1; the rest queue in the kernel)" : \
    m eq "pool" ? sprintf("pool (serves %d; the rest queue in the kernel)", pool) : \
    m eq "fork" ? "fork (summed over one process per connection)" : m
# fork's PSS too, dashed: its RSS sum counts shared pages once per process
pss = strstrt(" ".models." ", " fork ") == 0 ? "" : \
    ", '".dir."/s5-fork.dat' using 1:3 with linespoints lw 2 dt 2 pt 6 lc rgb col('fork') title 'fork, PSS (shared pages split)'"
plot for [i=1:words(models)] dir.'/s5-'.word(models,i).'.dat' \
        using 1:2 with linespoints lw 2 pt 7 \
        lc rgb col(word(models,i)) title ttl(word(models,i)) @pss
