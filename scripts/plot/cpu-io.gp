# cpu-io: scenario 4, requests/s of /cpu and /delay on echofetchd with one
# and two workers. Needs ms and clients; dir/s4.dat holds
# "path workers rps predicted" for cpu w1, cpu w2, delay w1, delay w2.
load plotdir.'/common.gp'
if (ttl eq "") ttl = "Concurrency is not parallelism: burning CPU needs workers, waiting does not"
set title ttl."\n".sprintf("{/:Italic echofetchd (event loop) only, %d clients on 2 cores}", clients)
set ylabel "requests per second (req/s)"
set xlabel sprintf("endpoint (each request burns or waits %d ms), and how many event-loop workers echofetchd runs", ms)
set xrange [-0.6:1.6]
set yrange [0:*]
set offsets 0, 0, graph 0.3, 0
set xtics (sprintf("/cpu?ms=%d (burns CPU)", ms) 0, sprintf("/delay?ms=%d (waits)", ms) 1) scale 0
set grid noxtics ytics
set style fill solid 0.85 border -1
set boxwidth 0.34
set key at graph 0.02, graph 0.86 top left
xpos(row, w) = int(row / 2) + (w == 1 ? -0.18 : 0.18)
plot dir.'/s4.dat' using (xpos($0, $2)):($2 == 1 ? $3 : 1/0) with boxes lc rgb "#2ca02c" title "--workers 1", \
     dir.'/s4.dat' using (xpos($0, $2)):($2 == 2 ? $3 : 1/0) with boxes lc rgb "#98df8a" title "--workers 2", \
     dir.'/s4.dat' using (xpos($0, $2) - 0.17):4:(0.34):(0) with vectors nohead lw 2 dt 2 lc rgb "black" title "predicted", \
     dir.'/s4.dat' using (xpos($0, $2)):3:(sprintf("%.0f/s", $3)) with labels offset 0,-1 notitle
