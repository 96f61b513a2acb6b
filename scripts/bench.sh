#!/bin/bash
# bench: echofetchd against nginx on 127.0.0.1, seven scenarios side by side in
# one run; prints each figure, the reference, the ratio and PASS/MISS against
# the targets of issue 7. A MISS is information: the script exits 0 whenever
# it ran. Stops everything it started, also on Ctrl-C.
set -eu

PROG=bench
. "$(dirname "$0")/lib.sh"

TOP=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILDDIR:-$TOP/build}

# Defaults for a full run (about 3 minutes); --quick and the flags change them.
SECS=5			# length of one throughput run
RUNS=3			# throughput runs per figure; the median is reported
CONNS=10000		# connections of scenarios 3 and 4
OUT=""
KEEP=0

# Print the usage.
usage() {
	cat <<EOF
usage: scripts/bench.sh [--quick] [--secs S] [--runs N] [--conns N]
                        [--out FILE] [--keep] [--build DIR]

Runs echofetchd and nginx side by side on free ports of 127.0.0.1:
  1 keep-alive GET req/s: /echo vs nginx 'return 200', 1 worker each pinned
    (server on CPU 0, wrk -t1 -c50 on CPU 1), then --workers auto vs
    worker_processes auto (unpinned, wrk -t2 -c50)
  2 TCP echo, 512 B ping-pong, 50 connections (echofetch-load tcp://)
  3 N concurrent /delay?ms=1000: wall time, errors, peak RSS
  4 RSS per idle keep-alive connection with N held open, vs nginx's worker
  5 /fetch of 1 KiB from a loopback echofetchd vs nginx proxy_pass (keepalive)
  6 HTTPS keep-alive req/s vs nginx TLS, same certificate
  7 /cpu?ms=20 with 8 clients: --workers 2 vs --workers 1
Each throughput figure is the median of --runs runs; the two sides alternate.

  --quick        about one minute: 1 s runs
  --secs S       length of one throughput run (default $SECS)
  --runs N       runs per throughput figure (default $RUNS)
  --conns N      connections of scenarios 3 and 4 (default $CONNS)
  --out FILE     also write the table as Markdown to FILE
  --keep         keep the work directory (configs, logs, raw output)
  --build DIR    where the binaries are (default \$BUILDDIR or ./build)
  -h, --help     this text
EOF
}

# Read the flags; --quick sets shorter runs that later flags can override.
parse_args() {
	while [ $# -gt 0 ]; do
		case $1 in
		--quick) SECS=1 ;;
		--secs) SECS=${2:?}; shift ;;
		--runs) RUNS=${2:?}; shift ;;
		--conns) CONNS=${2:?}; shift ;;
		--out) OUT=${2:?}; shift ;;
		--keep) KEEP=1 ;;
		--build) BUILD=${2:?}; shift ;;
		-h|--help) usage; exit 0 ;;
		*) usage >&2; exit 2 ;;
		esac
		shift
	done
	for v in "$SECS" "$RUNS" "$CONNS"; do
		case $v in
		''|*[!0-9]*|0) die "not a positive integer: $v" ;;
		esac
	done
}

# The shared raise_nofile, and a check that --conns fits what we got.
bench_nofile() {
	raise_nofile
	[ $((CONNS + 200)) -le "$NOFILE" ] || die "--conns $CONNS needs more than ulimit -n $NOFILE"
}

# Find the binaries and the tools; decide whether servers and clients get a core each.
check_tools() {
	for b in echofetchd echofetch-load; do
		[ -x "$BUILD/$b" ] || die "no $BUILD/$b: build first (or --build DIR)"
	done
	for t in nginx wrk openssl python3 curl; do
		command -v "$t" >/dev/null || die "$t not found (scripts/deps.sh installs it)"
	done
	NCPU=$(nproc)
	ECHO_MODULE=""
	for m in /usr/lib/nginx/modules/ngx_http_echo_module.so /usr/lib64/nginx/modules/ngx_http_echo_module.so; do
		[ -r "$m" ] && ECHO_MODULE=$m && break
	done
	if [ "$NCPU" -ge 2 ] && command -v taskset >/dev/null; then
		PIN_SERVER="taskset -c 0"
		PIN_CLIENT="taskset -c 1"
	else
		PIN_SERVER="" PIN_CLIENT=""
		say "fewer than 2 CPUs or no taskset: scenario 1 runs unpinned"
	fi
}

# Every process we started and have not stopped yet.
PIDS=""

# On exit or Ctrl-C: stop whatever is still running, newest first; drop the work dir.
cleanup() {
	trap - EXIT INT TERM
	for pid in $(echo "$PIDS" | tr ' ' '\n' | tac); do
		[ -n "$pid" ] && stop_pid "$pid"
	done
	if [ -n "${WORK:-}" ] && [ -d "$WORK" ]; then
		if [ "$KEEP" = 1 ]; then
			say "work directory kept: $WORK"
		else
			rm -rf "$WORK"
		fi
	fi
	return 0
}

# Start an echofetchd named NAME; sets EF_PID, EF_HTTP, EF_ECHO, EF_HTTPS.
# PIN (a taskset prefix or "") comes first, then NAME, then extra flags.
ef_start() {
	pin=$1 name=$2
	shift 2
	pf=$WORK/$name.ports
	rm -f "$pf"
	# shellcheck disable=SC2086
	$pin "$BUILD/echofetchd" -l 127.0.0.1:0 -e 127.0.0.1:0 -p "$pf" --access-log off \
	    --backlog 4096 --max-connections "$MAX_CONN" "$@" >/dev/null 2>>"$WORK/$name.err" &
	EF_PID=$!
	PIDS="$PIDS $EF_PID"
	i=0
	while ! grep -q '^http=' "$pf" 2>/dev/null; do
		i=$((i + 1))
		[ $i -gt 250 ] && die "echofetchd $name did not start; see $WORK/$name.err"
		sleep 0.02
	done
	# The file is written at once, but give the other lines a moment too.
	sleep 0.05
	EF_HTTP=$(sed -n 's/^http=//p' "$pf")
	EF_ECHO=$(sed -n 's/^echo=//p' "$pf")
	EF_HTTPS=$(sed -n 's/^https=//p' "$pf")
}

# A TCP port of 127.0.0.1 that is free now (nginx cannot report a port 0 bind).
free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# The server block of nginx's config for KIND: plain, tls or proxy (to UPSTREAM).
nginx_server() {
	kind=$1 port=$2 tport=$3 upstream=$4
	case $kind in
	plain)
		echo "server { listen 127.0.0.1:$port backlog=4096; location / { return 200 \"ok\"; } }" ;;
	tls)
		cat <<EOF
server {
	listen 127.0.0.1:$port backlog=4096;
	listen 127.0.0.1:$tport ssl backlog=4096;
	ssl_certificate $WORK/cert.pem;
	ssl_certificate_key $WORK/key.pem;
	ssl_protocols TLSv1.2 TLSv1.3;
	location / { return 200 "ok"; }
}
EOF
		;;
	delay)
		echo "server { listen 127.0.0.1:$port backlog=4096;" \
		    "location /delay { echo_sleep 1.0; echo ok; } location / { return 200 \"ok\"; } }" ;;
	proxy)
		cat <<EOF
upstream up { server 127.0.0.1:$upstream; keepalive 64; }
server {
	listen 127.0.0.1:$port backlog=4096;
	location / {
		proxy_pass http://up;
		proxy_http_version 1.1;
		proxy_set_header Connection "";
	}
}
EOF
		;;
	esac
}

# Start nginx NAME with WORKERS processes serving KIND; sets NG_PID, NG_PORT, NG_TLS.
nginx_start() {
	pin=$1 name=$2 workers=$3 kind=$4 upstream=${5:-0}
	dir=$WORK/nginx-$name
	mkdir -p "$dir"
	NG_PORT=$(free_port)
	NG_TLS=$(free_port)
	mods=""
	[ "$kind" = delay ] && mods="load_module $ECHO_MODULE;"
	cat >"$dir/nginx.conf" <<EOF
$mods
worker_processes $workers;
worker_rlimit_nofile $NOFILE;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 20000; }
http {
	access_log off;
	default_type text/plain;
	client_body_temp_path $dir/body;
	proxy_temp_path $dir/proxy;
	fastcgi_temp_path $dir/fastcgi;
	uwsgi_temp_path $dir/uwsgi;
	scgi_temp_path $dir/scgi;
	keepalive_timeout 300s;
	keepalive_requests 10000000;
	$(nginx_server "$kind" "$NG_PORT" "$NG_TLS" "$upstream")
}
EOF
	# shellcheck disable=SC2086
	$pin nginx -p "$dir" -e "$dir/error.log" -c "$dir/nginx.conf" -g 'daemon off;' \
	    >/dev/null 2>>"$dir/stderr.log" &
	NG_PID=$!
	PIDS="$PIDS $NG_PID"
	i=0
	while ! curl -s -o /dev/null "http://127.0.0.1:$NG_PORT/" 2>/dev/null; do
		i=$((i + 1))
		kill -0 "$NG_PID" 2>/dev/null || die "nginx $name did not start; see $dir/error.log"
		[ $i -gt 250 ] && die "nginx $name does not answer; see $dir/error.log"
		sleep 0.02
	done
}

# The pids of nginx's workers: the master's children.
nginx_workers() {
	pgrep -P "$1" | tr '\n' ' '
}

# A /proc/PID/status field in kB (VmRSS, VmHWM), summed over the pids given.
proc_kb() {
	field=$1
	shift
	t=0
	for p in "$@"; do
		v=$(awk -v f="$field:" '$1 == f { print $2 }' "/proc/$p/status" 2>/dev/null || true)
		t=$((t + ${v:-0}))
	done
	echo "$t"
}

# The median of the numbers given.
median() {
	printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END {
	    if (NR % 2) print v[(NR + 1) / 2]; else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# One wrk run; prints "rps errors". PIN, THREADS, then the URL.
wrk_run() {
	pin=$1 threads=$2 url=$3
	f=$WORK/wrk.$$.out
	# shellcheck disable=SC2086
	$pin wrk -t"$threads" -c50 -d"${SECS}s" "$url" >"$f" 2>&1 || true
	cat "$f" >>"$WORK/wrk.log"
	rps=$(sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p' "$f")
	errs=$(awk '/Non-2xx/ { e += $NF } /Socket errors/ { gsub(",", ""); e += $4 + $6 + $8 + $10 }
	    END { print e + 0 }' "$f")
	echo "${rps:-0} $errs"
}

# One echofetch-load run for --secs; prints "rps errors". PIN, then its flags.
load_run() {
	pin=$1
	shift
	f=$WORK/load.$$.json
	# shellcheck disable=SC2086
	$pin "$BUILD/echofetch-load" -q --json -d "$SECS" "$@" >"$f" 2>>"$WORK/load.err" || true
	[ -s "$f" ] || echo '{}' >"$f"
	cat "$f" >>"$WORK/load.log"
	echo "$(jget "$f" rps) $(jget "$f" total)"
}

# Alternate RUNS runs of two commands (A then B); sets MED_A, MED_B, ERR_A, ERR_B.
# Each argument is a command line, run with eval, printing "rps errors".
alternate() {
	a=$1 b=$2
	ra="" rb="" ERR_A=0 ERR_B=0
	for r in $(seq "$RUNS"); do
		read -r x e <<EOF
$(eval "$a")
EOF
		ra="$ra $x" ERR_A=$((ERR_A + e))
		read -r y e <<EOF
$(eval "$b")
EOF
		rb="$rb $y" ERR_B=$((ERR_B + e))
		say "    run $r: $x vs $y"
	done
	# shellcheck disable=SC2086
	MED_A=$(median $ra)
	# shellcheck disable=SC2086
	MED_B=$(median $rb)
	RUNS_A=$ra RUNS_B=$rb
}

# RUNS runs of one command (see alternate); sets MED_A and ERR_A.
repeat() {
	ra="" ERR_A=0
	for r in $(seq "$RUNS"); do
		read -r x e <<EOF
$(eval "$1")
EOF
		ra="$ra $x" ERR_A=$((ERR_A + e))
		say "    run $r: $x"
	done
	# shellcheck disable=SC2086
	MED_A=$(median $ra)
	RUNS_A=$ra
}

# The rows of the table, one "|"-separated line each, in order.
ROWS=""

# Add a row: scenario, echofetchd, reference, ratio, target, result.
row() {
	ROWS="$ROWS| $1 | $2 | $3 | $4 | $5 | $6 |
"
}

# PASS when VALUE OP LIMIT holds (OP is >= or <=), else MISS.
verdict() {
	if awk -v v="$1" -v l="$3" -v op="$2" 'BEGIN { exit !(op == ">=" ? v >= l : v <= l) }'; then
		echo PASS
	else
		echo MISS
	fi
}

# A rate, short: 77.5k, or 89 below ten thousand.
short() {
	awk -v v="$1" 'BEGIN { if (v >= 10000) printf "%.1fk", v / 1000; else printf "%.0f", v }'
}

# A rate figure for the table: the median, each run, and the errors if any.
# MEDIAN UNIT ERRORS "RUN RUN RUN".
fig() {
	s=$(printf '%.0f %s' "$1" "$2")
	if [ "$RUNS" -gt 1 ]; then
		each=""
		for v in $4; do
			each="$each${each:+ / }$(short "$v")"
		done
		s="$s (runs: $each)"
	fi
	[ "$3" != 0 ] && s="$s, $3 errors in $RUNS runs"
	echo "$s"
}

# A ratio A/B with two decimals; 0 when B is 0.
ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print 0 }'
}

# Add a throughput row from MED_A/MED_B with target ≥ LIMIT×.
rate_row() {
	label=$1 unit=$2 limit=$3 ref=$4
	r=$(ratio "$MED_A" "$MED_B")
	row "$label" "$(fig "$MED_A" "$unit" "$ERR_A" "$RUNS_A")" \
	    "$ref $(fig "$MED_B" "$unit" "$ERR_B" "$RUNS_B")" \
	    "${r}×" "≥ ${limit}×" "$(verdict "$r" '>=' "$limit")"
	say "  -> $MED_A vs $MED_B $unit: ${r}×"
}

# Scenario 1a: one worker each, server on CPU 0, wrk -t1 on CPU 1.
scenario_get_pinned() {
	say "1a keep-alive GET, 1 worker each, pinned: wrk -t1 -c50 -d${SECS}s x $RUNS"
	ef_start "$PIN_SERVER" get1 --workers 1
	ef=$EF_PID efp=$EF_HTTP
	nginx_start "$PIN_SERVER" get1 1 plain
	ng=$NG_PID
	alternate "wrk_run '$PIN_CLIENT' 1 'http://127.0.0.1:$efp/echo'" \
	    "wrk_run '$PIN_CLIENT' 1 'http://127.0.0.1:$NG_PORT/'"
	rate_row "1a keep-alive GET, 1 worker, pinned (/echo vs return 200)" req/s 1.1 "nginx:"
	stop_pid "$ng"
	stop_pid "$ef"
}

# Scenario 1b: --workers auto vs worker_processes auto, unpinned, wrk -t2.
scenario_get_auto() {
	say "1b keep-alive GET, workers auto, unpinned: wrk -t2 -c50 -d${SECS}s x $RUNS"
	ef_start "" getauto --workers auto
	ef=$EF_PID efp=$EF_HTTP
	nginx_start "" getauto auto plain
	ng=$NG_PID
	alternate "wrk_run '' 2 'http://127.0.0.1:$efp/echo'" "wrk_run '' 2 'http://127.0.0.1:$NG_PORT/'"
	rate_row "1b keep-alive GET, workers auto ($NCPU), unpinned, wrk -t2" req/s 1.1 "nginx:"
	stop_pid "$ng"
	stop_pid "$ef"
}

# Why nginx gives no TCP echo figure to compare with.
echo_reference() {
	if nginx -V 2>&1 | grep -q -- '--with-stream\( \|$\)' ||
	    ls /usr/lib/nginx/modules/ngx_stream_module.so >/dev/null 2>&1; then
		echo "no reference (nginx stream cannot echo by itself)"
	else
		echo "no reference (this nginx has no stream module)"
	fi
}

# Scenario 2: 512 B echo ping-pong over 50 connections, echofetchd alone.
scenario_echo() {
	say "2 TCP echo 512 B, 50 connections, pinned: -d $SECS x $RUNS"
	ef_start "$PIN_SERVER" echo --workers 1
	repeat "load_run '$PIN_CLIENT' -c 50 --payload 512 'tcp://127.0.0.1:$EF_ECHO'"
	stop_pid "$EF_PID"
	row "2 TCP echo 512 B ping-pong, 50 conns, 1 worker, pinned" \
	    "$(fig "$MED_A" msgs/s "$ERR_A" "$RUNS_A")" "$(echo_reference)" "—" "—" "info"
	say "  -> $MED_A msgs/s"
}

# N concurrent GET PATH on PORT, then the peak RSS of PIDS: "wall errors answered hwm_kB".
delay_run() {
	port=$1 path=$2
	shift 2
	f=$WORK/delay-$port.json
	timeout --foreground -s TERM 60 "$BUILD/echofetch-load" -q --json -c "$CONNS" -n "$CONNS" \
	    --timeout 30 "http://127.0.0.1:$port$path" >"$f" 2>>"$WORK/load.err" || true
	[ -s "$f" ] || echo '{}' >"$f"
	echo "$(jget "$f" wall_s) $(jget "$f" total) $(jget "$f" requests) $(proc_kb VmHWM "$@")"
}

# nginx's answer to /delay: the echo module's echo_sleep, when it is installed.
delay_reference() {
	if [ -z "$ECHO_MODULE" ]; then
		echo "no reference (no nginx echo module)"
		return
	fi
	nginx_start "" delay 1 delay
	# shellcheck disable=SC2046
	read -r wall errs ok hwm <<EOF
$(delay_run "$NG_PORT" /delay $(nginx_workers "$NG_PID"))
EOF
	stop_pid "$NG_PID"
	say "  nginx + echo_sleep: wall $wall s, $errs errors, worker VmHWM $(calc "$hwm / 1024") MiB"
	printf 'nginx echo_sleep 1: %.2f s wall, %s/%s answered, %s errors, worker peak RSS %.1f MiB' \
	    "$wall" "$ok" "$CONNS" "$errs" "$(calc "$hwm / 1024")"
}

# Scenario 3: N concurrent /delay?ms=1000 on a fresh echofetchd: wall, errors, peak RSS.
scenario_delay() {
	say "3 $CONNS concurrent /delay?ms=1000"
	ef_start "" delay --workers 1
	read -r wall errs ok hwm <<EOF
$(delay_run "$EF_HTTP" '/delay?ms=1000' "$EF_PID")
EOF
	stop_pid "$EF_PID"
	mib=$(calc "$hwm / 1024")
	say "  -> wall $wall s, $errs errors, VmHWM $mib MiB"
	ref=$(delay_reference)
	res=PASS
	[ "$(verdict "$wall" '<=' 1.10)" = PASS ] || res=MISS
	[ "$errs" = 0 ] && [ "$ok" = "$CONNS" ] || res=MISS
	[ "$(verdict "$mib" '<=' 64)" = PASS ] || res=MISS
	row "3 $CONNS concurrent /delay?ms=1000, 1 worker (ratio: wall / 1 s)" \
	    "$(printf '%.2f s wall, %s/%s answered, %s errors, peak RSS %.1f MiB' \
	    "$wall" "$ok" "$CONNS" "$errs" "$mib")" "$ref" "$(printf '%.2f' "$wall")" \
	    "≤ 1.10, 0 errors, ≤ 64 MiB" "$res"
}

# Holds N keep-alive connections: connects them all, sends one GET / on each,
# reads the answers, prints how many were answered, then waits for a line on
# stdin and exits, closing them.
HOLDER_PY='
import resource, selectors, socket, sys, time
port, n = int(sys.argv[1]), int(sys.argv[2])
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
sel = selectors.DefaultSelector()
req = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
socks, answered = [], 0
for i in range(n):
    s = socket.socket()
    s.setblocking(False)
    s.connect_ex(("127.0.0.1", port))
    sel.register(s, selectors.EVENT_WRITE)
    socks.append(s)
deadline, last = time.monotonic() + 30, time.monotonic()
while answered < n and time.monotonic() < deadline and time.monotonic() - last < 3:
    for key, ev in sel.select(0.05):
        s, last = key.fileobj, time.monotonic()
        if ev & selectors.EVENT_WRITE:
            if s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR):
                sel.unregister(s)
                continue
            try:
                s.send(req)
                sel.modify(s, selectors.EVENT_READ)
            except OSError:
                sel.unregister(s)
            continue
        try:
            data = s.recv(65536)
        except OSError:
            data = b""
        sel.unregister(s)
        if data:
            answered += 1
print(answered, flush=True)
sys.stdin.readline()
'

# Hold CONNS idle connections on PORT; prints "answered rss_idle_kB rss_with_kB"
# for the pids given (the server, or nginx's worker).
hold_idle() {
	port=$1
	shift
	curl -s -o /dev/null "http://127.0.0.1:$port/" || true
	sleep 0.2
	idle=$(proc_kb VmRSS "$@")
	coproc HOLDER { exec python3 -c "$HOLDER_PY" "$port" "$CONNS"; }
	# shellcheck disable=SC2153 # coproc sets HOLDER_PID
	hp=$HOLDER_PID
	PIDS="$PIDS $hp"
	read -r answered <&"${HOLDER[0]}" || answered=0
	sleep 0.5
	with=$(proc_kb VmRSS "$@")
	echo stop >&"${HOLDER[1]}" || true
	stop_pid "$hp"
	echo "$answered $idle $with"
}

# One side of scenario 4: "KiB-per-connection answered idle_kB with_kB".
rss_per_conn() {
	read -r answered idle with <<EOF
$(hold_idle "$@")
EOF
	echo "$(calc "($with - $idle) / $CONNS") $answered $idle $with"
}

# Scenario 4: RSS per idle keep-alive connection, echofetchd vs nginx's worker.
scenario_idle() {
	say "4 RSS per idle keep-alive connection, $CONNS held"
	ef_start "" idle --workers 1
	read -r ekb ea ei ew <<EOF
$(rss_per_conn "$EF_HTTP" "$EF_PID")
EOF
	stop_pid "$EF_PID"
	say "  echofetchd: $ea answered, RSS $ei -> $ew kB: $ekb KiB/conn"
	nginx_start "" idle 1 plain
	# shellcheck disable=SC2046
	read -r nkb na ni nw <<EOF
$(rss_per_conn "$NG_PORT" $(nginx_workers "$NG_PID"))
EOF
	stop_pid "$NG_PID"
	say "  nginx worker: $na answered, RSS $ni -> $nw kB: $nkb KiB/conn"
	res=$(verdict "$ekb" '<=' 3)
	[ "$ea" = "$CONNS" ] || res=MISS
	row "4 RSS per idle keep-alive conn, $CONNS held, 1 worker" \
	    "$(printf '%.2f KiB/conn (RSS %.1f → %.1f MiB, %s answered)' "$ekb" \
	    "$(calc "$ei / 1024")" "$(calc "$ew / 1024")" "$ea")" \
	    "$(printf 'nginx worker: %.2f KiB/conn (RSS %.1f → %.1f MiB, %s answered)' "$nkb" \
	    "$(calc "$ni / 1024")" "$(calc "$nw / 1024")" "$na")" \
	    "$(ratio "$ekb" "$nkb")×" "≤ 3 KiB" "$res"
}

# Scenario 5: /fetch of 1 KiB from a loopback echofetchd vs nginx proxy_pass.
scenario_fetch() {
	say "5 /fetch vs proxy_pass, upstream /bytes/1024?seed=1: wrk -t1 -c50 -d${SECS}s x $RUNS"
	ef_start "" upstream --workers 1
	up=$EF_PID upp=$EF_HTTP
	ef_start "" fetch --workers 1 -o fetch_allow=127.0.0.0/8
	ef=$EF_PID efp=$EF_HTTP
	nginx_start "" proxy 1 proxy "$upp"
	ng=$NG_PID
	u="http%3A%2F%2F127.0.0.1%3A$upp%2Fbytes%2F1024%3Fseed%3D1"
	a=$(curl -s "http://127.0.0.1:$efp/fetch?url=$u" | cksum)
	b=$(curl -s "http://127.0.0.1:$NG_PORT/bytes/1024?seed=1" | cksum)
	[ "$a" = "$b" ] || say "  warning: /fetch and proxy_pass bodies differ ($a / $b)"
	alternate "wrk_run '' 1 'http://127.0.0.1:$efp/fetch?url=$u'" \
	    "wrk_run '' 1 'http://127.0.0.1:$NG_PORT/bytes/1024?seed=1'"
	rate_row "5 /fetch 1 KiB from loopback upstream, 1 worker, unpinned" req/s 1.0 \
	    "nginx proxy_pass, keepalive upstream:"
	stop_pid "$ng"
	stop_pid "$ef"
	stop_pid "$up"
}

# A self-signed P-256 certificate for both servers.
make_cert() {
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
	    -subj /CN=127.0.0.1 -keyout "$WORK/key.pem" -out "$WORK/cert.pem" >/dev/null 2>&1 ||
	    die "openssl could not make a certificate"
}

# What a default OpenSSL client negotiates with PORT: "TLSv1.3 TLS_AES_256_GCM_SHA384".
negotiated() {
	timeout 5 openssl s_client -connect "127.0.0.1:$1" </dev/null 2>/dev/null |
	    sed -n 's/^New, \([^,]*\), Cipher is \(.*\)/\1 \2/p' | head -1
}

# Scenario 6: HTTPS keep-alive GET, one worker each, pinned like scenario 1a.
scenario_tls() {
	say "6 HTTPS keep-alive GET, 1 worker each, pinned: wrk -t1 -c50 -d${SECS}s x $RUNS"
	make_cert
	ef_start "$PIN_SERVER" tls --workers 1 -o tls_listen=127.0.0.1:0 \
	    -o "tls_cert=$WORK/cert.pem" -o "tls_key=$WORK/key.pem"
	ef=$EF_PID efs=$EF_HTTPS
	[ -n "$efs" ] || die "echofetchd wrote no https= port; see $WORK/tls.err"
	nginx_start "$PIN_SERVER" tls 1 tls
	ng=$NG_PID
	te=$(negotiated "$efs")
	tn=$(negotiated "$NG_TLS")
	say "  negotiated: echofetchd ${te:-?}, nginx ${tn:-?}"
	[ "$te" = "$tn" ] || say "  warning: the two servers negotiate differently"
	alternate "wrk_run '$PIN_CLIENT' 1 'https://127.0.0.1:$efs/echo'" \
	    "wrk_run '$PIN_CLIENT' 1 'https://127.0.0.1:$NG_TLS/'"
	rate_row "6 HTTPS keep-alive GET, 1 worker, pinned (echofetchd ${te:-?}; nginx ${tn:-?})" \
	    req/s 1.0 "nginx TLS:"
	stop_pid "$ng"
	stop_pid "$ef"
}

# Scenario 7: /cpu?ms=20 with 8 clients on --workers 2 and --workers 1.
scenario_cpu() {
	say "7 /cpu?ms=20, 8 clients: --workers 2 vs 1, -d $SECS x $RUNS"
	ef_start "" cpu2 --workers 2
	w2=$EF_PID w2p=$EF_HTTP
	ef_start "" cpu1 --workers 1
	w1=$EF_PID w1p=$EF_HTTP
	alternate "load_run '' -c 8 'http://127.0.0.1:$w2p/cpu?ms=20'" \
	    "load_run '' -c 8 'http://127.0.0.1:$w1p/cpu?ms=20'"
	rate_row "7 /cpu?ms=20, 8 clients, --workers 2 vs --workers 1" req/s 1.8 "--workers 1:"
	stop_pid "$w1"
	stop_pid "$w2"
}

# The 1-minute load average now.
load1() {
	cut -d' ' -f1 /proc/loadavg
}

# The whole table as Markdown.
report() {
	echo "# echofetchd vs nginx, $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo
	echo "Machine: $(machine)."
	echo "Commit: $(git -C "$TOP" rev-parse --short HEAD 2>/dev/null || echo unknown)."
	echo "Versions: $(nginx -v 2>&1 | sed 's/^nginx version: //'), $(wrk -v 2>&1 | head -1 |
	    cut -d' ' -f1-2), $("$BUILD/echofetchd" -v 2>&1 | head -1)."
	echo "Command: \`scripts/bench.sh${ARGS:+ $ARGS}\`; $RUNS runs of $SECS s per throughput" \
	    "figure (median), the two sides alternating."
	echo "Load average (1 min): $LOAD_START at the start, $(load1) at the end."
	echo
	echo "| scenario | echofetchd | reference | ratio | target | result |"
	echo "|---|---|---|---|---|---|"
	printf '%s' "$ROWS"
}

# Parse, run the seven scenarios, print the table.
main() {
	ARGS="$*"
	parse_args "$@"
	bench_nofile
	check_tools
	WORK=$(mktemp -d "${TMPDIR:-/tmp}/bench.XXXXXX")
	# nginx's workers run as nobody when started as root.
	chmod 755 "$WORK"
	trap cleanup EXIT
	trap 'say interrupted; exit 130' INT TERM
	LOAD_START=$(load1)
	say "$(machine); load average $LOAD_START; ulimit -n $NOFILE; work dir $WORK"
	scenario_get_pinned
	scenario_get_auto
	scenario_echo
	scenario_delay
	scenario_idle
	scenario_fetch
	scenario_tls
	scenario_cpu
	report >"$WORK/table.md"
	[ -n "$OUT" ] && cp "$WORK/table.md" "$OUT"
	cat "$WORK/table.md"
}

main "$@"
