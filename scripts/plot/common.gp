# common: the terminal, and one colour per model so that every plot agrees.
# Callers set: term (a terminal spec), out (the PNG), dir (data), models.
set terminal @term
set output out
set grid lc rgb "#dddddd"
set border lc rgb "#444444"
set key box opaque samplen 2
col(m) = m eq "sequential" ? "#d62728" : m eq "pool" ? "#ff7f0e" : \
    m eq "thread" ? "#1f77b4" : m eq "fork" ? "#9467bd" : "#2ca02c"
