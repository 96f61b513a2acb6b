# common: the terminal, and one colour and one point shape per model so that
# every plot agrees. Callers set: term (a terminal spec), out (the PNG),
# dir (data), models; compare.sh also sets ttl (the finding, for the title)
# and headline (the figure to print on the plot).
set terminal @term
set output out
set grid lc rgb "#dddddd"
set border lc rgb "#444444"
set key box opaque samplen 2
col(m) = m eq "sequential" ? "#d62728" : m eq "pool" ? "#ff7f0e" : \
    m eq "thread" ? "#1f77b4" : m eq "fork" ? "#9467bd" : "#2ca02c"
# filled square, triangle, circle, diamond, inverted triangle
ptype(m) = m eq "sequential" ? 5 : m eq "pool" ? 9 : \
    m eq "thread" ? 7 : m eq "fork" ? 13 : 11
if (!exists("ttl")) ttl = ""
if (!exists("headline")) headline = ""
# The headline in a box at the top left of the plot area.
if (headline ne "") set label 99 headline at graph 0.015, graph 0.955 left front \
    font ",10" textcolor rgb "#222222" boxed
set style textbox opaque fc rgb "#fffbe6" border lc rgb "#bbbbbb"
# A title centred on the whole image: with the key outside on the right a
# plain title centres on the plot area and a long one runs off the left.
wide_title = 'set title " "; set label 98 ttl at screen 0.5, screen 0.965 center font ",11"'
