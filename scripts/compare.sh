#!/bin/bash
# compare: run echofetchd and echofetchd-blocking in every model through five
# scenarios on loopback, and write raw JSON/CSV, Markdown tables and PNG plots
# to results/<timestamp>/. Stops everything it started, also on Ctrl-C.
set -eu

PROG=compare
TOP=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILDDIR:-$TOP/build}
. "$TOP/scripts/lib.sh"
PLOTDIR=$TOP/scripts/plot

# Defaults for a full run; --quick and the flags below change them.
DELAY_MS=100		# D in scenario 1
TIMELINE_MS=500		# the wait of each of the 20 timeline requests
MAX_CLIENTS=10000	# largest N in scenarios 1 and 5
MIN_CLIENTS=1		# smallest N in scenario 1
BUDGET=30		# seconds one scenario-1 run may take
MODELS="sequential pool thread fork event"
POOL_SIZE=8
FORK_MAX=1000		# more clients than this means more processes than is sensible
OUT=""
QUICK=0
BRIEF=0			# --brief: findings and summary, not the tables
LEAD=""			# --lead: a finding measured elsewhere, first in the summary
ONLY=""			# --only N: run scenario N alone
SLOW_RATE=20		# bytes/s of each slow sender
CPU_MS=50		# scenario 4 work per request
CPU_CLIENTS=8

# Print the usage.
usage() {
	cat <<EOF
usage: scripts/compare.sh [--quick] [--delay-ms D] [--max-clients N] [--budget S]
                          [--models LIST] [--pool-size N] [--fork-max N]
                          [--timeline-ms MS] [--out DIR] [--build DIR] [--brief]
                          [--lead SENTENCE] [--only N]

Starts echofetchd (event) and echofetchd-blocking (sequential, pool, thread,
fork) on free ports of 127.0.0.1 and runs these scenarios against each:
  1 slow responses  N clients each GET /delay?ms=D, N = 1, 10, ... max-clients
  2 slow senders    N clients trickle their requests at $SLOW_RATE B/s; one fast client's latency
  3 timeline        20 requests to /delay?ms=timeline-ms, one bar per request
  4 CPU vs I/O      /cpu?ms=$CPU_MS and /delay?ms=$CPU_MS, $CPU_CLIENTS clients, echofetchd --workers 1 and 2
  5 memory          server RSS with N idle keep-alive connections held open
  6 WebSocket memory server RSS with 1000 idle WebSockets (a full run or --only 6)
Writes raw JSON/CSV, results.md (the tables) and PNG plots to the output dir.
After each scenario it prints one sentence of what it showed, and at the end
a summary of those with the paths of results.md and the plots.

  --quick           about a minute: N from 10 up to 1000, D = 50 ms,
                    budget 4 s, fork-max 100, timeline 50 ms
  --delay-ms D      scenario 1 wait (default $DELAY_MS)
  --max-clients N   largest client count (default $MAX_CLIENTS)
  --budget S        seconds a scenario-1 run may take; a run predicted to take
                    longer is not started and is shown as "> budget" with the
                    predicted time; one that overruns is stopped (default $BUDGET)
  --models LIST     comma-separated subset of: $MODELS
  --pool-size N     threads of the pool model (default $POOL_SIZE)
  --fork-max N      skip fork runs with more clients than this (default $FORK_MAX)
  --timeline-ms MS  scenario 3 wait (default $TIMELINE_MS)
  --out DIR         output directory (default results/<timestamp>)
  --build DIR       where the binaries are (default \$BUILDDIR or ./build)
  --brief           print the findings and the summary, not the tables
  --lead SENTENCE   a finding of the caller's, put first in the summary
  --only N          run scenario N (1-6) alone, e.g. --only 6
  -h, --help        this text
EOF
}

# Read the flags; --quick sets smaller defaults that later flags can override.
parse_args() {
	while [ $# -gt 0 ]; do
		case $1 in
		--quick) QUICK=1; DELAY_MS=50; TIMELINE_MS=50; MAX_CLIENTS=1000; BUDGET=4
			FORK_MAX=100; MIN_CLIENTS=10 ;;
		--delay-ms) DELAY_MS=${2:?}; shift ;;
		--max-clients) MAX_CLIENTS=${2:?}; shift ;;
		--budget) BUDGET=${2:?}; shift ;;
		--models) MODELS=$(echo "${2:?}" | tr ',' ' '); shift ;;
		--pool-size) POOL_SIZE=${2:?}; shift ;;
		--fork-max) FORK_MAX=${2:?}; shift ;;
		--timeline-ms) TIMELINE_MS=${2:?}; shift ;;
		--out) OUT=${2:?}; shift ;;
		--build) BUILD=${2:?}; shift ;;
		--brief) BRIEF=1 ;;
		--lead) LEAD=${2:?}; shift ;;
		--only) ONLY=${2:?}; shift ;;
		-h|--help) usage; exit 0 ;;
		*) usage >&2; exit 2 ;;
		esac
		shift
	done
	local m v
	case $ONLY in
	''|[1-6]) ;;
	*) die "--only takes a scenario number, 1 to 6: $ONLY" ;;
	esac
	for m in $MODELS; do
		case $m in
		sequential|pool|thread|fork|event) ;;
		*) die "unknown model: $m" ;;
		esac
	done
	for v in "$DELAY_MS" "$MAX_CLIENTS" "$BUDGET" "$POOL_SIZE" "$FORK_MAX" "$TIMELINE_MS"; do
		case $v in
		''|*[!0-9]*|0) die "not a positive integer: $v" ;;
		esac
	done
}

# The client counts: powers of ten from MIN_CLIENTS up to --max-clients.
client_counts() {
	local n=$MIN_CLIENTS
	while [ "$n" -le "$MAX_CLIENTS" ]; do
		printf '%s ' "$n"
		n=$((n * 10))
	done
}

# Find the binaries, gnuplot and its best PNG terminal, python3 for scenario 5.
check_tools() {
	local b
	for b in echofetchd echofetchd-blocking echofetch-load; do
		[ -x "$BUILD/$b" ] || die "no $BUILD/$b: build first (or --build DIR)"
	done
	command -v gnuplot >/dev/null || die "gnuplot not found (scripts/deps.sh installs gnuplot-nox)"
	command -v "$PY" >/dev/null || die "python3 not found (scripts/deps.sh installs it)"
	if gnuplot -e 'set terminal' 2>&1 | grep -qw pngcairo; then
		TERM_PNG="pngcairo size 900,520 font 'sans,10'"
	else
		TERM_PNG="png size 900,520"
	fi
}

# On exit or Ctrl-C: stop whatever is still running, newest first.
cleanup() {
	trap - EXIT INT TERM
	stop_all
}

# Start MODEL's server on free ports; sets SERVER_PID and SERVER_PORT.
server_start() {
	local model=$1 pf common
	shift
	pf=$RUN/raw/server.ports
	rm -f "$pf"
	common=(-l 127.0.0.1:0 -e 127.0.0.1:0 -p "$pf" --access-log off
	    --backlog 4096 --max-connections "$MAX_CONN")
	if [ "$model" = event ]; then
		"$BUILD/echofetchd" "${common[@]}" "$@" >/dev/null 2>>"$RUN/raw/servers.err" &
	else
		# one thread or process per client, as many as the clients: the
		# defaults (256) would answer the rest 503 and hide the cost
		"$BUILD/echofetchd-blocking" --model "$model" --pool-size "$POOL_SIZE" \
		    --max-threads "$MAX_CONN" --max-children "$FORK_MAX" \
		    "${common[@]}" "$@" >/dev/null 2>>"$RUN/raw/servers.err" &
	fi
	SERVER_PID=$!
	track "$SERVER_PID"
	poll 5000 grep -q '^http=' "$pf" 2>/dev/null ||
	    die "$model server did not start; see $RUN/raw/servers.err"
	SERVER_PORT=$(sed -n 's/^http=//p' "$pf")
}

# Stop the server started last.
server_stop() {
	stop_pid "$SERVER_PID"
}

# Run echofetch-load for at most SECONDS; its JSON summary goes to FILE.
load() {
	local secs=$1 file=$2
	shift 2
	timeout --foreground -s TERM "$secs" "$BUILD/echofetch-load" -q --json "$@" >"$file" \
	    2>>"$RUN/raw/load.err" || true
	[ -s "$file" ] || echo '{}' >"$file"
}

# Seconds MODEL needs for N clients that each wait D ms, if it works as designed.
predict_wall() {
	local model=$1 n=$2 d=$3
	case $model in
	sequential) calc "$n * $d / 1000" ;;
	pool) calc "int(($n + $POOL_SIZE - 1) / $POOL_SIZE) * $d / 1000" ;;
	*) calc "$d / 1000" ;;
	esac
}

# The formula behind predict_wall, for the table.
predict_formula() {
	case $1 in
	sequential) echo "N×D" ;;
	pool) echo "⌈N/$POOL_SIZE⌉×D" ;;
	*) echo "D" ;;
	esac
}

# Why MODEL should not be run with N clients here, or nothing.
skip_reason() {
	local model=$1 n=$2
	if [ "$model" = fork ] && [ "$n" -gt "$FORK_MAX" ]; then
		echo "skipped: $n processes (over --fork-max $FORK_MAX)"
	elif [ $((n + 100)) -gt "$NOFILE" ]; then
		echo "skipped: needs $n fds, ulimit -n is $NOFILE"
	fi
}

# Format seconds for a table cell: 3 significant digits.
fmt_s() {
	awk -v v="$1" 'BEGIN { if (v >= 100) printf "%.0f s", v;
	    else if (v >= 10) printf "%.1f s", v; else printf "%.2f s", v }'
}

# Progress on one line of stderr, rewritten in place (\r), cut to the width.
progress() {
	local w=$((${COLUMNS:-80} - 1)) s="$PROG: $*"
	printf '\r%-*.*s' "$w" "$w" "$s" >&2
}

# Clear the progress line.
progress_done() {
	printf '\r%-*s\r' "$((${COLUMNS:-80} - 1))" "" >&2
}

# What scenario N showed, from its data: prints the sentence and keeps it
# for the summary; sets TITLE and LABEL for its plot.
story() {
	local n=$1 sentence
	shift
	{ read -r sentence; read -r TITLE; read -r LABEL; } \
	    < <(bt story "$n" "$RUN/data" models="$MODELS" "$@")
	progress_done
	echo "$n. $sentence"
	echo "$n. $sentence" >>"$RUN/findings.txt"
	echo "$n. $TITLE" >>"$RUN/summary.txt"
	STORY_TITLE[$n]=$TITLE
	STORY_LABEL[$n]=$LABEL
}

# Peak RSS (VmHWM, KiB) of a process; 0 if it is gone.
hwm_of() {
	awk '/^VmHWM:/ { print $2; f = 1 } END { if (!f) print 0 }' "/proc/$1/status" 2>/dev/null || echo 0
}

# A scenario's heading and table head: the fixed columns (COLS, split at
# "|"), then a column "N=n SUFFIX" for each of the client COUNTS.
md_head() {
	local title=$1 cols=$2 suffix=$3 counts=$4 c n
	echo "### $title"
	echo
	printf '|'
	for c in ${cols//|/ }; do printf ' %s |' "$c"; done
	for n in $counts; do printf ' N=%s%s |' "$n" "$suffix"; done
	echo
	printf '|'
	for c in ${cols//|/ } $counts; do printf -- '---|'; done
	echo
}

# Scenario 1, one model at one N: prints a table cell, adds a line for the plot.
s1_one() {
	local model=$1 n=$2 pred reason f wall ok errs interrupted busy
	pred=$(predict_wall "$model" "$n" "$DELAY_MS")
	reason=$(skip_reason "$model" "$n")
	if [ -n "$reason" ]; then
		echo "$reason"
		return
	fi
	if awk -v p="$pred" -v b="$BUDGET" 'BEGIN { exit !(p > b) }'; then
		echo "$n $pred 2" >>"$RUN/data/s1-$model.dat"
		echo "> budget (predicted $(fmt_s "$pred"))"
		return
	fi
	f=$RUN/raw/s1-$model-$n.json
	load "$BUDGET" "$f" -c "$n" -n "$n" --timeout "$((BUDGET + 5))" \
	    "http://127.0.0.1:$SERVER_PORT/delay?ms=$DELAY_MS"
	read -r wall ok errs interrupted busy <<<"$(json_get "$f" wall_s requests errors.total \
	    interrupted status.5xx)"
	errs=$((errs + busy))
	if [ "$interrupted" = 1 ] || ! grep -q wall_s "$f"; then
		# kind 3: stopped; the time at the rate it reached, and how many it answered
		echo "$n $(calc "$BUDGET * $n / ($ok > 0 ? $ok : 1)") 3 $ok" >>"$RUN/data/s1-$model.dat"
		echo "> budget (stopped at $BUDGET s, $ok/$n done)"
		return
	fi
	echo "$n $wall 1 $(hwm_of "$SERVER_PID")" >>"$RUN/data/s1-$model.dat"
	if [ "$errs" != 0 ]; then
		echo "$(fmt_s "$wall") ($errs errors)"
	else
		fmt_s "$wall"
	fi
}

# Scenario 1: N clients each GET /delay?ms=D; wall time per model and N.
scenario_slow_responses() {
	local md n model row cell
	progress "1/5 slow responses: N clients x /delay?ms=$DELAY_MS, budget $BUDGET s"
	md=$RUN/s1.md
	md_head "1. Slow responses: N clients each GET /delay?ms=$DELAY_MS (wall time)" \
	    "model|predicted" '' "$COUNTS" >"$md"
	for model in $MODELS; do
		: >"$RUN/data/s1-$model.dat"
		server_start "$model"
		row="| $model | $(predict_formula "$model") |"
		for n in $COUNTS; do
			cell=$(s1_one "$model" "$n")
			progress "  $model N=$n: $cell"
			row="$row $cell |"
		done
		server_stop
		echo "$row" >>"$md"
	done
}

# Scenario 2, one model with N slow senders: prints the fast client's latency.
s2_one() {
	local model=$1 n=$2 reason url slow f ok p50 p99
	reason=$(skip_reason "$model" "$n")
	if [ -n "$reason" ]; then
		echo "$reason"
		return
	fi
	server_start "$model"
	url="http://127.0.0.1:$SERVER_PORT/"
	"$BUILD/echofetch-load" -q --json -c "$n" -d 10m --timeout 60 \
	    --slow-send "$SLOW_RATE" "$url" >"$RUN/raw/s2-$model-$n-slow.json" \
	    2>>"$RUN/raw/load.err" &
	slow=$!
	track "$slow"
	sleep "$S2_RAMP"
	f=$RUN/raw/s2-$model-$n-fast.json
	load "$((S2_TIMEOUT + 6))" "$f" -c 1 -d "$S2_FAST" --timeout "$S2_TIMEOUT" "$url"
	stop_pid "$slow"
	server_stop
	read -r ok p50 p99 <<<"$(json_get "$f" requests latency_ms.p50 latency_ms.p99)"
	if [ "$ok" = 0 ]; then
		echo "$n $((S2_TIMEOUT * 1000)) 2" >>"$RUN/data/s2-$model.dat"
		echo "no answer in $S2_TIMEOUT s (timed out)"
		return
	fi
	echo "$n $p50 1 $p99" >>"$RUN/data/s2-$model.dat"
	echo "p50 $p50 ms, p99 $p99 ms ($ok req)"
}

# Scenario 2: slow senders hold connections; can a fast client still get in?
scenario_slow_senders() {
	local md n model row cell
	progress "2/5 slow senders at $SLOW_RATE B/s, one fast client for $S2_FAST s"
	md=$RUN/s2.md
	md_head "2. Slow senders: N clients trickle their requests at $SLOW_RATE bytes/s;$(:
	    ) one fast client sends GET / for $S2_FAST s (its latency)" \
	    model ' slow' "$S2_COUNTS" >"$md"
	for model in $MODELS; do
		: >"$RUN/data/s2-$model.dat"
		row="| $model |"
		for n in $S2_COUNTS; do
			cell=$(s2_one "$model" "$n")
			progress "  $model N=$n: $cell"
			row="$row $cell |"
		done
		echo "$row" >>"$md"
	done
}

# Scenario 3: 20 concurrent requests, each one's start and end (sorted by end).
scenario_timeline() {
	local md g model csv first last pred
	progress "3/5 timeline: 20 x /delay?ms=$TIMELINE_MS"
	md=$RUN/s3.md
	{
		echo "### 3. Timeline: 20 clients each GET /delay?ms=$TIMELINE_MS at once"
		echo
		echo "| model | first answer | last answer | predicted last |"
		echo "|---|---|---|---|"
	} >"$md"
	: >"$RUN/data/s3.dat"
	g=0
	for model in $MODELS; do
		server_start "$model"
		csv=$RUN/raw/s3-$model.csv
		load 120 "$RUN/raw/s3-$model.json" -c 20 -n 20 --timeline "$csv" \
		    "http://127.0.0.1:$SERVER_PORT/delay?ms=$TIMELINE_MS"
		server_stop
		# group, rank by end, start, end: one bar per row for gnuplot
		tail -n +2 "$csv" | sort -t, -k3,3g |
		    awk -F, -v g="$g" '{ print g, NR, $2, $3 }' >>"$RUN/data/s3.dat"
		printf '\n\n' >>"$RUN/data/s3.dat"
		first=$(tail -n +2 "$csv" | cut -d, -f3 | sort -g | head -1)
		last=$(tail -n +2 "$csv" | cut -d, -f3 | sort -g | tail -1)
		pred=$(predict_wall "$model" 20 "$TIMELINE_MS")
		echo "| $model | $(fmt_s "${first:-0}") | $(fmt_s "${last:-0}") | $(fmt_s "$pred") |" >>"$md"
		progress "  $model: last answer at ${last:-?} s"
		g=$((g + 1))
	done
}

# Scenario 4, one run: requests/s and latency of /PATH on echofetchd --workers W.
s4_one() {
	local w=$1 path=$2 f rps p50 p99 busy pred
	server_start event --workers "$w"
	f=$RUN/raw/s4-$path-w$w.json
	load 60 "$f" -c "$CPU_CLIENTS" -d "$S4_SECS" "http://127.0.0.1:$SERVER_PORT/$path?ms=$CPU_MS"
	server_stop
	read -r rps p50 p99 <<<"$(json_get "$f" rps latency_ms.p50 latency_ms.p99)"
	if [ "$path" = cpu ]; then
		busy=$w
		[ "$busy" -gt "$NCPU" ] && busy=$NCPU
		pred=$(calc "$busy * 1000 / $CPU_MS")
	else
		pred=$(calc "$CPU_CLIENTS * 1000 / $CPU_MS")
	fi
	echo "\"/$path\" $w $rps $pred" >>"$RUN/data/s4.dat"
	printf '| /%s?ms=%s | %s | %.1f | %.0f | %.1f | %.1f |\n' "$path" "$CPU_MS" "$w" "$rps" \
	    "$pred" "$p50" "$p99" >>"$RUN/s4.md"
	progress "  /$path workers=$w: $rps req/s (predicted $pred)"
}

# Scenario 4: burning CPU needs cores; waiting needs none.
scenario_cpu_io() {
	local path w
	progress "4/5 CPU vs I/O: $CPU_CLIENTS clients, echofetchd --workers 1 and 2"
	{
		echo "### 4. CPU vs I/O: $CPU_CLIENTS clients for $S4_SECS s on echofetchd --workers 1 and 2"
		echo
		echo "| endpoint | workers | req/s | predicted req/s | p50 ms | p99 ms |"
		echo "|---|---|---|---|---|---|"
	} >"$RUN/s4.md"
	: >"$RUN/data/s4.dat"
	for path in cpu delay; do
		for w in 1 2; do
			s4_one "$w" "$path"
		done
	done
}

# Sum a /proc field (kB) over the server and its children: "rss pss procs".
# One cat and one awk for them all: two awks per process took 20 s for the
# fork model's hundred children on a busy machine.
mem_of() {
	local pid=$1 p files=""
	for p in $pid $(pgrep -P "$pid" 2>/dev/null || true); do
		files="$files /proc/$p/status /proc/$p/smaps_rollup"
	done
	# shellcheck disable=SC2086
	cat $files 2>/dev/null | awk '/^VmRSS:/ { rss += $2; k++ } /^Pss:/ { pss += $2 }
	    END { printf "%d %d %d\n", rss, pss, k }'
}

# One row of the memory table; RSS and PSS come in kB.
s5_row() {
	printf '| %s | %s | %s | %s | %.1f | %.1f |\n' "$1" "$2" "$3" "$4" \
	    "$(calc "$5 / 1024")" "$(calc "$6 / 1024")" >>"$RUN/s5.md"
}

# Scenario 5, one model: RSS at each step of idle connections. Each step
# adds the connections it needs with one more echofetch-load --hold, so the
# earlier ones stay open; each sends one GET / and reads its answer.
s5_model() {
	local model=$1 steps="" n rss pss k held=0 answered=0 holders="" f pid rss0 pss0
	for n in $S5_COUNTS; do
		[ -z "$(skip_reason "$model" "$n")" ] && steps="$steps $n"
	done
	server_start "$model"
	sleep 0.2	# let the server finish starting before the baseline
	read -r rss0 pss0 k <<<"$(mem_of "$SERVER_PID")"
	s5_row "$model" 0 0 "$k" "$rss0" "$pss0"
	for n in $steps; do
		f=$RUN/raw/s5-$model-$n.json
		hold_start "$SERVER_PORT" $((n - held)) "$S5_SETTLE" "$f"
		holders="$holders $HOLD_PID"
		held=$n
		answered=$((answered + $(json_get "$f" answered.200)))
		sleep 0.3	# the server frees what the answers used
		read -r rss pss k <<<"$(mem_of "$SERVER_PID")"
		echo "$n $(calc "$rss / 1024") $(calc "$pss / 1024") $answered" \
		    "$(calc "($rss - $rss0) / $n") $(calc "($pss - $pss0) / $n")" >>"$RUN/data/s5-$model.dat"
		s5_row "$model" "$n" "$answered" "$k" "$rss" "$pss"
		progress "  $model: $n open, $answered answered, RSS $((rss / 1024)) MiB in $k process(es)"
	done
	for pid in $holders; do
		stop_pid "$pid"
	done
	server_stop
	for n in $S5_COUNTS; do
		[ -n "$(skip_reason "$model" "$n")" ] &&
		    echo "| $model | $n | $(skip_reason "$model" "$n") | | | |" >>"$RUN/s5.md"
	done
	return 0
}

# Scenario 5: memory per idle keep-alive connection, per model.
scenario_memory() {
	local model
	progress "5/5 memory: idle keep-alive connections, N = $S5_COUNTS"
	{
		echo "### 5. Memory: server RSS with N idle keep-alive connections"
		echo
		echo "Each connection sent one \`GET /\` and stays open. *answered*: connections the server"
		echo "has taken and answered 200 (the rest wait in the listen queue, or got 503). RSS is VmRSS summed over the server"
		echo "and its children (fork: one child per connection, shared pages counted in every child); PSS"
		echo "(from smaps_rollup) splits shared pages between processes, so for fork it is the fairer sum."
		echo
		echo "| model | open | answered | processes | RSS MiB | PSS MiB |"
		echo "|---|---|---|---|---|---|"
	} >"$RUN/s5.md"
	for model in $S5_MODELS; do
		: >"$RUN/data/s5-$model.dat"
		s5_model "$model"
	done
	[ "$S5_MODELS" = "$MODELS" ] ||
	    echo "| not run in --quick: $(echo $MODELS $S5_MODELS | tr ' ' '\n' | sort | uniq -u | tr '\n' ' ')| | | | | |" >>"$RUN/s5.md"
}

# Scenario 6, one model: RSS before and with S6_CONNS idle WebSockets open.
s6_model() {
	local model=$1 f rss0 pss0 rss pss k up pid
	f=$RUN/raw/s6-$model.json
	if [ -n "$(skip_reason "$model" "$S6_CONNS")" ]; then
		echo "| $model | $S6_CONNS | $(skip_reason "$model" "$S6_CONNS") | | | |" >>"$RUN/s6.md"
		return 0
	fi
	server_start "$model"
	sleep 0.2	# let the server finish starting before the baseline
	read -r rss0 pss0 _ <<<"$(mem_of "$SERVER_PID")"
	: >"$f"
	python3 "$TOP/scripts/ws_hold.py" "$SERVER_PORT" "$S6_CONNS" "$S5_SETTLE" "$f" \
	    2>>"$RUN/raw/ws_hold.err" &
	pid=$!
	track "$pid"
	poll 70000 nonempty "$f" || say "the WebSocket holder reported nothing in 70 s"
	sleep 0.3
	read -r rss pss k <<<"$(mem_of "$SERVER_PID")"
	up=$(json_get "$f" upgraded 2>/dev/null || echo 0)
	if [ "${up:-0}" -gt 0 ]; then
		printf '| %s | %s | %s | %s | %.1f | %.1f |\n' "$model" "$S6_CONNS" "$up" "$k" \
		    "$(calc "($rss - $rss0) / $up")" "$(calc "($pss - $pss0) / $up")" >>"$RUN/s6.md"
	else
		echo "| $model | $S6_CONNS | 0 | $k | | |" >>"$RUN/s6.md"
	fi
	say "  $model: $up of $S6_CONNS WebSockets upgraded, RSS +$(((rss - rss0) / 1024)) MiB"
	stop_pid "$pid"
	server_stop
}

# Scenario 6: memory per idle WebSocket, per model (the blocking models hold a
# thread, process or worker for each one; sequential upgrades only the first).
scenario_ws_memory() {
	local model
	S6_CONNS=${S6_CONNS:-1000}
	say "6 memory: $S6_CONNS idle WebSockets"
	{
		echo "### 6. Memory: $S6_CONNS idle WebSockets"
		echo
		echo "Each connection is upgraded on \`/websocket/echo\` and then sends nothing. *upgraded*:"
		echo "WebSockets the server took (the rest wait in the listen queue). Per-connection figures are"
		echo "the growth of RSS and PSS (summed over the server and its children) over the idle server,"
		echo "divided by *upgraded*."
		echo
		echo "| model | open | upgraded | processes | RSS KiB/conn | PSS KiB/conn |"
		echo "|---|---|---|---|---|---|"
	} >"$RUN/s6.md"
	for model in $MODELS; do
		s6_model "$model"
	done
	s6_finding
}

# What scenario 6 showed, from its table, for the findings and the summary.
s6_finding() {
	local line
	line=$(awk -F' *[|] *' -v n="$S6_CONNS" '$4 ~ /^[0-9]+$/ {
		if ($4 == n && $7 != "")
			full = full sprintf("%s%s %s", full ? ", " : "", $2, $7)
		else
			part = part sprintf("%s%s %s", part ? ", " : "", $2, $4)
	} END {
		s = n " idle WebSockets, PSS KiB per connection: " (full ? full : "none measured")
		if (part)
			s = s "; upgraded only " part " of " n " (the rest wait in the listen queue)"
		print s "."
	}' "$RUN/s6.md")
	echo "6. $line"
	echo "6. $line" >>"$RUN/findings.txt"
	echo "6. $line" >>"$RUN/summary.txt"
}

# Draw one plot with scripts/plot/NAME.gp, titled with scenario N's finding.
plot() {
	local name=$1 n=$2
	shift 2
	gnuplot -e "dir='$RUN/data'; out='$RUN/$name.png'; term=\"$TERM_PNG\"; models='$MODELS'" \
	    -e "plotdir='$PLOTDIR'; ttl='${STORY_TITLE[$n]}'; headline='${STORY_LABEL[$n]}'; $*" \
	    "$PLOTDIR/$name.gp" 2>>"$RUN/raw/gnuplot.err" || say "plot $name failed; see raw/gnuplot.err"
}

# Put the tables together into results.md.
write_report() {
	local s
	{
		echo "# echofetch comparison, $(date -u '+%Y-%m-%d %H:%M UTC')"
		echo
		echo "Machine: $(machine)."
		echo "Commit: $(git -C "$TOP" rev-parse --short HEAD 2>/dev/null || echo unknown)."
		echo "Command: \`scripts/compare.sh${ARGS:+ $ARGS}\`."
		echo "Servers: --backlog 4096 --max-connections $MAX_CONN; pool size $POOL_SIZE; budget $BUDGET s."
		echo
		echo "## What it showed"
		echo
		cat "$RUN/findings.txt"
		for s in 1 2 3 4 5; do
			[ -f "$RUN/s$s.md" ] || continue
			echo
			cat "$RUN/s$s.md"
		done
	} >"$RUN/results.md"
}

# Scenario N runs: no --only, or --only N.
wanted() {
	[ -z "$ONLY" ] || [ "$ONLY" = "$1" ]
}

# Parse, run the five scenarios, plot, print the tables.
main() {
	ARGS="$*"
	parse_args "$@"
	raise_nofile
	check_tools
	NCPU=$(nproc)
	COUNTS=$(client_counts)
	if [ "$QUICK" = 1 ]; then
		S2_COUNTS="100" S2_RAMP=0.3 S2_FAST=0.5 S2_TIMEOUT=1 S4_SECS=1
		S5_COUNTS="100 300 1000" S5_SETTLE=0.5
		# sequential and pool take 1 and POOL_SIZE connections whatever N is
		S5_MODELS=$(echo " $MODELS " | sed 's/ sequential / /; s/ pool / /')
	else
		S2_COUNTS="1 10 100 1000" S2_RAMP=2 S2_FAST=3 S2_TIMEOUT=10 S4_SECS=4
		S5_COUNTS=$(client_counts | sed 's/^1 10 //') S5_SETTLE=1.5
		S5_MODELS=$MODELS
	fi
	RUN=${OUT:-$TOP/results/$(date +%Y%m%d-%H%M%S)}
	mkdir -p "$RUN/raw" "$RUN/data"
	: >"$RUN/findings.txt"
	: >"$RUN/summary.txt"
	declare -gA STORY_TITLE STORY_LABEL
	trap cleanup EXIT
	trap 'progress_done; say interrupted; exit 130' INT TERM
	say "writing to $RUN (ulimit -n $NOFILE, $NCPU CPUs)"
	if wanted 1; then
		scenario_slow_responses
		story 1 d="$DELAY_MS" budget="$BUDGET s"
	fi
	if wanted 2; then
		scenario_slow_senders
		story 2 rate="$SLOW_RATE" timeout="$S2_TIMEOUT"
	fi
	if wanted 3; then
		scenario_timeline
		story 3 d="$TIMELINE_MS"
	fi
	if wanted 4; then
		scenario_cpu_io
		story 4 clients="$CPU_CLIENTS" ms="$CPU_MS"
	fi
	if wanted 5; then
		scenario_memory
		story 5
	fi
	# Idle WebSockets per model: a full run or --only 6, the demo stays short.
	if [ "$ONLY" = 6 ] || { [ -z "$ONLY" ] && [ "$QUICK" = 0 ]; }; then
		scenario_ws_memory
	fi
	progress "drawing the plots"
	wanted 1 && plot slow-responses 1 "d=$DELAY_MS; budget=$BUDGET"
	wanted 2 && plot slow-senders 2 "timeout=$S2_TIMEOUT; rate=$SLOW_RATE; counts='$S2_COUNTS'"
	wanted 3 && plot timeline 3 "d=$TIMELINE_MS"
	wanted 4 && plot cpu-io 4 "ms=$CPU_MS; clients=$CPU_CLIENTS"
	wanted 5 && plot memory 5 "pool=$POOL_SIZE; all=models; models='$S5_MODELS'"
	progress_done
	write_report
	[ -f "$RUN/s6.md" ] && { echo; cat "$RUN/s6.md"; } >>"$RUN/results.md"
	[ "$BRIEF" = 1 ] || cat "$RUN/results.md"
	summary
}

# The findings in short (each plot's title), then where everything is: at
# most 13 lines.
summary() {
	local png
	echo
	echo "In short:"
	[ -n "$LEAD" ] && echo "  $LEAD"
	sed 's/^/  /' "$RUN/summary.txt"
	echo "Tables:  $RUN/results.md (raw JSON/CSV in raw/)"
	for png in slow-responses slow-senders timeline cpu-io memory; do
		[ -f "$RUN/$png.png" ] && echo "Plot:    $RUN/$png.png"
	done
	return 0
}

main "$@"
