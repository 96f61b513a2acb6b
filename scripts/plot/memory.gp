# memory: scenario 5, server memory per idle keep-alive connection held.
# Needs pool (its size); dir/s5-MODEL.dat holds "open rss_mib pss_mib
# answered rss_kib_per_conn pss_kib_per_conn", the per-connection figures
# over the server's memory before the first connection. Only models that
# took every connection are drawn: sequential and pool leave the rest in
# the kernel's listen queue, which costs them nothing and serves no one.
load plotdir.'/common.gp'
if (ttl eq "") ttl = "Memory per idle connection"
set title ttl
set xlabel "idle keep-alive connections held open (each sent one GET /)"
set ylabel "server memory per connection (KiB, log scale)"
set logscale xy
set format y "%g"
set format x "%g"
set xrange [*:*]
set offsets graph 0.08, graph 0.2, 0, 0
set yrange [0.5:*]
set key outside bottom center horizontal maxrows 2 width -2
set bmargin 8
held(m) = m ne "sequential" && m ne "pool"
ttl_of(m) = m eq "fork" ? "fork, PSS (shared pages split)" : \
    m eq "thread" ? "thread (one per connection)" : m eq "event" ? "event (one loop)" : m
# the models that were not drawn (or not run: all is every model), and why
if (!exists("all")) all = models
notdrawn = ""
took(m) = m eq "pool" ? sprintf("pool takes %d", pool) : "sequential takes 1"
do for [i=1:words(all)] { if (!held(word(all,i))) { \
    notdrawn = notdrawn.(notdrawn eq "" ? "" : ", ").took(word(all,i)) } }
if (notdrawn ne "") set xlabel "idle keep-alive connections held open (each sent one GET /)\n".\
    "not drawn: ".notdrawn." connection(s) at a time; the rest wait unserved in the kernel's queue"
kv(v) = v < 10 ? sprintf("%.1f KiB", v) : sprintf("%.0f KiB", v)
fork = strstrt(" ".models." ", " fork ") != 0
rssline = fork ? ", '".dir."/s5-fork.dat' using 1:($4 >= $1 ? $5 : 1/0) with linespoints lw 2 dt 2 pt 6 ps 1.4 lc rgb col('fork') title 'fork, RSS summed over its processes'" : ""
plot for [i=1:words(models)] dir.'/s5-'.word(models,i).'.dat' \
        using 1:(held(word(models,i)) && $4 >= $1 ? (word(models,i) eq "fork" ? $6 : $5) : 1/0) \
        with linespoints lw 2 pt ptype(word(models,i)) ps 1.4 \
        lc rgb col(word(models,i)) title (held(word(models,i)) ? ttl_of(word(models,i)) : ""), \
     for [i=1:words(models)] dir.'/s5-'.word(models,i).'.dat' \
        using 1:(held(word(models,i)) && $4 >= $1 ? (word(models,i) eq "fork" ? $6 : $5) : 1/0): \
        (kv(word(models,i) eq "fork" ? $6 : $5)) with labels font ",9" \
        offset 0, (word(models,i) eq "thread" ? -1.3 : 1.2) \
        tc rgb col(word(models,i)) notitle @rssline
