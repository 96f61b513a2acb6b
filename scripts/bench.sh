#!/bin/bash
# bench: echofetchd against nginx (and h2o) on 127.0.0.1, the scenarios side by
# side in one run; prints each figure, the reference, the ratio and PASS/MISS against
# the target ratio in each row. A MISS is information: the script exits 0 whenever
# it ran. Stops everything it started, also on Ctrl-C.
set -eu

PROG=bench
TOP=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILDDIR:-$TOP/build}
. "$TOP/scripts/lib.sh"

# Defaults for a full run (about 5 minutes); --quick and the flags change them.
SECS=5			# length of one throughput run
RUNS=3			# throughput runs per figure; the median is reported
CONNS=10000		# connections of scenarios 3 and 4
OUT=""
KEEP=0
ONLY=""		# ",1a,8,": the scenarios to run; "" runs them all

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
 5b the same with 1 MiB bodies
 5c /gather of 16 URLs vs /fetch: CPU per upstream transfer (echofetchd alone)
  6 HTTPS keep-alive req/s vs nginx TLS, same certificate
  7 /cpu?ms=20 with 8 clients: --workers 2 vs --workers 1
  8 keep-alive GET vs h2o (one thread, the same 2-byte body), pinned like 1a
  9 echofetch-load vs wrk (-c50, one thread on CPU 1) against nginx pinned like 1a
Each throughput figure is the median of --runs runs; the two sides alternate.
Each throughput row also shows each server's CPU time per request (user +
system, from /proc/PID/stat over the run) and the ratio of the two.

  --quick        about two minutes: 1 s runs
  --secs S       length of one throughput run (default $SECS)
  --runs N       runs per throughput figure (default $RUNS)
  --conns N      connections of scenarios 3 and 4 (default $CONNS)
  --out FILE     also write the table as Markdown to FILE
  --keep         keep the work directory (configs, logs, raw output)
  --build DIR    where the binaries are (default \$BUILDDIR or ./build)
  --only LIST    run only these scenarios, e.g. --only 1a,8 (1a 1b 2-5 5b 5c 6-9)
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
		--only) ONLY=,${2:?},; shift ;;
		-h|--help) usage; exit 0 ;;
		*) usage >&2; exit 2 ;;
		esac
		shift
	done
	local v
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
	local b t m
	for b in echofetchd echofetch-load; do
		[ -x "$BUILD/$b" ] || die "no $BUILD/$b: build first (or --build DIR)"
	done
	for t in nginx h2o wrk openssl "$PY" curl; do
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

# On exit or Ctrl-C: stop whatever is still running, newest first; drop the work dir.
cleanup() {
	trap - EXIT INT TERM
	stop_all
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
	local pin=$1 name=$2 pf
	shift 2
	pf=$WORK/$name.ports
	rm -f "$pf"
	# shellcheck disable=SC2086
	$pin "$BUILD/echofetchd" -l 127.0.0.1:0 -e 127.0.0.1:0 -p "$pf" --access-log off \
	    --backlog 4096 --max-connections "$MAX_CONN" "$@" >/dev/null 2>>"$WORK/$name.err" &
	EF_PID=$!
	track "$EF_PID"
	poll 5000 grep -q '^http=' "$pf" 2>/dev/null ||
	    die "echofetchd $name did not start; see $WORK/$name.err"
	# The file is written at once, but give the other lines a moment too.
	sleep 0.05
	EF_HTTP=$(sed -n 's/^http=//p' "$pf")
	EF_ECHO=$(sed -n 's/^echo=//p' "$pf")
	EF_HTTPS=$(sed -n 's/^https=//p' "$pf")
}

# A TCP port of 127.0.0.1 that is free now (nginx cannot report a port 0 bind).
free_port() {
	"$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# The server block of nginx's config for KIND: plain, tls or proxy (to UPSTREAM).
nginx_server() {
	local kind=$1 port=$2 tport=$3 upstream=$4
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
	local pin=$1 name=$2 workers=$3 kind=$4 upstream=${5:-0} dir mods
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
	track "$NG_PID"
	poll 5000 nginx_up "$NG_PID" "$NG_PORT" || die "nginx $name does not answer; see $dir/error.log"
	kill -0 "$NG_PID" 2>/dev/null || die "nginx $name did not start; see $dir/error.log"
}

# nginx PID answers on PORT, or has died (then poll stops and the caller sees it).
nginx_up() {
	curl -s -o /dev/null "http://127.0.0.1:$2/" 2>/dev/null || pid_gone "$1"
}

# The pids of nginx's workers: the master's children.
nginx_workers() {
	pgrep -P "$1" | tr '\n' ' '
}

# A /proc/PID/status field in kB (VmRSS, VmHWM), summed over the pids given.
proc_kb() {
	local field=$1 t=0 p v
	shift
	for p in "$@"; do
		v=$(awk -v f="$field:" '$1 == f { print $2 }' "/proc/$p/status" 2>/dev/null || true)
		t=$((t + ${v:-0}))
	done
	echo "$t"
}

# One wrk run into FILE. PIN, THREADS, the URL, then FILE.
wrk_run() {
	local pin=$1 threads=$2 url=$3 file=$4
	# shellcheck disable=SC2086
	$pin wrk -t"$threads" -c50 -d"${SECS}s" "$url" >"$file" 2>&1 || true
	cat "$file" >>"$WORK/wrk.log"
}

# One echofetch-load run for --secs into FILE. PIN, then its flags, then FILE.
load_run() {
	local pin=$1 file=${*: -1}
	shift
	# shellcheck disable=SC2086
	$pin "$BUILD/echofetch-load" -q --json -d "$SECS" "${@:1:$#-1}" >"$file" \
	    2>>"$WORK/load.err" || true
	cat "$file" >>"$WORK/load.log"
}

# CPU ticks (user + system) the pids have used so far, summed.
cpu_ticks() {
	local t=0 p v
	for p in "$@"; do
		v=$(awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$p/stat" 2>/dev/null || true)
		t=$((t + ${v:-0}))
	done
	echo "$t"
}

# Run the command once into a new file and add its "rps errors [cpu_us]"
# line to RUNS; cpu_us is the server's CPU per request when RUNS.pids
# names the server's pids.
# RUNS, then the command (a function taking the output file last).
run_once() {
	local runs=$1 out pids="" t0=0 t1=0
	shift
	out=$(mktemp "$WORK/run.XXXXXX")
	[ -s "$runs.pids" ] && read -r pids <"$runs.pids"
	# shellcheck disable=SC2086
	[ -n "$pids" ] && t0=$(cpu_ticks $pids)
	"$@" "$out"
	# shellcheck disable=SC2086
	[ -n "$pids" ] && t1=$(cpu_ticks $pids)
	bt run "$out" ${pids:+$((t1 - t0)) "$CLK_TCK"} | tee -a "$runs"
}

# Name the server pids whose CPU the runs of TAG's side A and side B count.
cpu_of() {
	echo "$2" >"$WORK/$1.a.pids"
	echo "$3" >"$WORK/$1.b.pids"
}

# True unless --only was given without this scenario.
wanted() {
	[ -z "$ONLY" ] || [[ $ONLY == *",$1,"* ]]
}

# Alternate --runs runs of two commands: TAG A-COMMAND... -- B-COMMAND...
# Their "rps errors" lines go to $WORK/TAG.a and $WORK/TAG.b.
alternate() {
	local tag=$1 a=() b=() r x y
	shift
	while [ "$1" != -- ]; do
		a+=("$1")
		shift
	done
	shift
	b=("$@")
	: >"$WORK/$tag.a"
	: >"$WORK/$tag.b"
	for r in $(seq "$RUNS"); do
		x=$(run_once "$WORK/$tag.a" "${a[@]}")
		y=$(run_once "$WORK/$tag.b" "${b[@]}")
		say "    run $r: ${x% *} vs ${y% *}"
	done
}

# --runs runs of one command (see alternate) into $WORK/TAG.a.
repeat() {
	local tag=$1 r x
	shift
	: >"$WORK/$tag.a"
	for r in $(seq "$RUNS"); do
		x=$(run_once "$WORK/$tag.a" "$@")
		say "    run $r: ${x% *}"
	done
}

# Add a row to the table.
row() {
	echo "$1" >>"$WORK/rows.md"
}

# Add a throughput row for TAG (see alternate) with target >= LIMIT x and,
# given CPU_LIMIT, CPU per request <= CPU_LIMIT x the reference's.
rate_row() {
	local tag=$1 label=$2 unit=$3 limit=$4 ref=$5 cpu=${6:-}
	row "$(bt rate-row "$WORK/$tag.a" "$WORK/$tag.b" "$label" "$unit" "$limit" "$ref" \
	    "$RUNS" ${cpu:+"$cpu"})"
}

# Scenario 1a: one worker each, server on CPU 0, wrk -t1 on CPU 1.
scenario_get_pinned() {
	say "1a keep-alive GET, 1 worker each, pinned: wrk -t1 -c50 -d${SECS}s x $RUNS"
	local ef efp ng
	ef_start "$PIN_SERVER" get1 --workers 1
	ef=$EF_PID efp=$EF_HTTP
	nginx_start "$PIN_SERVER" get1 1 plain
	ng=$NG_PID
	cpu_of get1 "$ef" "$(nginx_workers "$ng")"
	alternate get1 wrk_run "$PIN_CLIENT" 1 "http://127.0.0.1:$efp/echo" -- \
	    wrk_run "$PIN_CLIENT" 1 "http://127.0.0.1:$NG_PORT/"
	rate_row get1 "1a keep-alive GET, 1 worker, pinned (/echo vs return 200)" req/s 1.0 "nginx:" 0.8
	stop_pid "$ng"
	stop_pid "$ef"
}

# Scenario 1b: --workers auto vs worker_processes auto, unpinned, wrk -t2.
scenario_get_auto() {
	say "1b keep-alive GET, workers auto, unpinned: wrk -t2 -c50 -d${SECS}s x $RUNS"
	local ef efp ng
	ef_start "" getauto --workers auto
	ef=$EF_PID efp=$EF_HTTP
	nginx_start "" getauto auto plain
	ng=$NG_PID
	cpu_of getauto "$ef" "$(nginx_workers "$ng")"
	alternate getauto wrk_run "" 2 "http://127.0.0.1:$efp/echo" -- \
	    wrk_run "" 2 "http://127.0.0.1:$NG_PORT/"
	rate_row getauto "1b keep-alive GET, workers auto ($NCPU), unpinned, wrk -t2" req/s 1.0 "nginx:" 0.8
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
	repeat echo load_run "$PIN_CLIENT" -c 50 --payload 512 "tcp://127.0.0.1:$EF_ECHO"
	stop_pid "$EF_PID"
	row "$(printf '| %s | %s | %s | — | — | info | — |' \
	    "2 TCP echo 512 B ping-pong, 50 conns, 1 worker, pinned" \
	    "$(bt fig "$WORK/echo.a" msgs/s "$RUNS")" "$(echo_reference)")"
}

# N concurrent GET PATH on PORT, JSON into FILE; prints the peak RSS (kB) of PIDS.
delay_run() {
	local port=$1 path=$2 file=$3
	shift 3
	timeout --foreground -s TERM 60 "$BUILD/echofetch-load" -q --json -c "$CONNS" -n "$CONNS" \
	    --timeout 30 "http://127.0.0.1:$port$path" >"$file" 2>>"$WORK/load.err" || true
	proc_kb VmHWM "$@"
}

# nginx's answer to /delay: the echo module's echo_sleep, when it is installed.
delay_reference() {
	local hwm
	if [ -z "$ECHO_MODULE" ]; then
		echo "no reference (no nginx echo module)"
		return
	fi
	nginx_start "" delay 1 delay
	# shellcheck disable=SC2046
	hwm=$(delay_run "$NG_PORT" /delay "$WORK/delay-nginx.json" $(nginx_workers "$NG_PID"))
	stop_pid "$NG_PID"
	echo "$hwm" >"$WORK/delay-nginx.hwm"
	bt delay-ref "$CONNS" "$WORK/delay-nginx.json" "$hwm"
}

# Scenario 3: N concurrent /delay?ms=1000 on a fresh echofetchd: wall, errors, peak RSS.
scenario_delay() {
	local hwm
	say "3 $CONNS concurrent /delay?ms=1000"
	ef_start "" delay --workers 1
	hwm=$(delay_run "$EF_HTTP" '/delay?ms=1000' "$WORK/delay-ef.json" "$EF_PID")
	stop_pid "$EF_PID"
	row "$(bt delay-row "$CONNS" "$WORK/delay-ef.json" "$hwm" "$(delay_reference)" \
	    "$WORK/delay-nginx.json" "$WORK/delay-nginx.hwm")"
}

# Hold CONNS keep-alive connections on PORT, each answered once, with the
# report in $WORK/idle-NAME.json; the RSS of PIDS before and while they are
# held goes to $WORK/idle-NAME.rss as "idle with" (kB).
hold_idle() {
	local name=$1 port=$2 idle with
	shift 2
	curl -s -o /dev/null "http://127.0.0.1:$port/" || true
	sleep 0.2	# let the first answer's buffers go before the baseline
	idle=$(proc_kb VmRSS "$@")
	hold_start "$port" "$CONNS" 3 "$WORK/idle-$name.json"
	sleep 0.5	# the server frees what the answers used
	with=$(proc_kb VmRSS "$@")
	stop_pid "$HOLD_PID"
	echo "$idle $with" >"$WORK/idle-$name.rss"
}

# Scenario 4: RSS per idle keep-alive connection, echofetchd vs nginx's worker.
scenario_idle() {
	local ef ng
	say "4 RSS per idle keep-alive connection, $CONNS held"
	ef_start "" idle --workers 1
	hold_idle ef "$EF_HTTP" "$EF_PID"
	stop_pid "$EF_PID"
	nginx_start "" idle 1 plain
	# shellcheck disable=SC2046
	hold_idle nginx "$NG_PORT" $(nginx_workers "$NG_PID")
	stop_pid "$NG_PID"
	read -r ef <"$WORK/idle-ef.rss"
	read -r ng <"$WORK/idle-nginx.rss"
	# shellcheck disable=SC2086
	row "$(bt idle-row "$CONNS" "$WORK/idle-ef.json" $ef "$WORK/idle-nginx.json" $ng)"
}

# Start the upstream echofetchd and one that may fetch from it; sets UP_PID,
# UP_HTTP, FE_PID, FE_HTTP.
fetch_servers() {
	ef_start "" upstream --workers 1
	UP_PID=$EF_PID UP_HTTP=$EF_HTTP
	ef_start "" fetch --workers 1 -o fetch_allow=127.0.0.0/8
	FE_PID=$EF_PID FE_HTTP=$EF_HTTP
}

# The upstream's /bytes/SIZE?seed=SEED, percent-encoded for a url= parameter.
bytes_url() {
	echo "http%3A%2F%2F127.0.0.1%3A$UP_HTTP%2Fbytes%2F$1%3Fseed%3D$2"
}

# Scenarios 5 and 5b: /fetch of SIZE bytes from a loopback echofetchd vs nginx
# proxy_pass. TAG, the row's number, SIZE, then SIZE for people (1 KiB).
scenario_fetch() {
	local tag=$1 num=$2 size=$3 human=$4 ng u a b
	say "$num /fetch vs proxy_pass, upstream /bytes/$size?seed=1: wrk -t1 -c50 -d${SECS}s x $RUNS"
	fetch_servers
	nginx_start "" "$tag" 1 proxy "$UP_HTTP"
	ng=$NG_PID
	u=$(bytes_url "$size" 1)
	a=$(curl -s "http://127.0.0.1:$FE_HTTP/fetch?url=$u" | cksum)
	b=$(curl -s "http://127.0.0.1:$NG_PORT/bytes/$size?seed=1" | cksum)
	[ "$a" = "$b" ] || say "  warning: /fetch and proxy_pass bodies differ ($a / $b)"
	cpu_of "$tag" "$FE_PID" "$(nginx_workers "$ng")"
	alternate "$tag" wrk_run "" 1 "http://127.0.0.1:$FE_HTTP/fetch?url=$u" -- \
	    wrk_run "" 1 "http://127.0.0.1:$NG_PORT/bytes/$size?seed=1"
	rate_row "$tag" "$num /fetch $human from loopback upstream, 1 worker, unpinned" req/s 1.0 \
	    "nginx proxy_pass, keepalive upstream:" 1.0
	stop_pid "$ng"
	stop_pid "$FE_PID"
	stop_pid "$UP_PID"
}

# Scenario 5c: /gather of 16 URLs vs /fetch on one echofetchd, CPU per transfer.
# 4 clients of /gather and 64 of /fetch keep 64 transfers in flight on each side.
scenario_gather() {
	say "5c /gather of 16 x /bytes/1024 (-c 4) vs /fetch (-c 64): -d $SECS x $RUNS"
	local q="" i n
	fetch_servers
	for i in $(seq 16); do
		q="$q&url=$(bytes_url 1024 "$i")"
	done
	q=${q#&}
	n=$(curl -s "http://127.0.0.1:$FE_HTTP/gather?$q" | grep -o '"status": *200' | wc -l)
	[ "$n" = 16 ] || say "  warning: /gather answered $n of 16 URLs with 200"
	cpu_of gather "$FE_PID" "$FE_PID"
	alternate gather load_run "" -c 4 "http://127.0.0.1:$FE_HTTP/gather?$q" -- \
	    load_run "" -c 64 "http://127.0.0.1:$FE_HTTP/fetch?url=$(bytes_url 1024 1)"
	row "$(bt per-row "$WORK/gather.a" "$WORK/gather.b" 16 \
	    "5c /gather of 16 URLs (1 KiB each) vs /fetch, 1 worker; CPU per upstream transfer" \
	    "no nginx reference (echofetchd alone); /fetch:" "$RUNS" 1.0)"
	stop_pid "$FE_PID"
	stop_pid "$UP_PID"
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
	local ef efs ng te tn
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
	cpu_of tls "$ef" "$(nginx_workers "$ng")"
	alternate tls wrk_run "$PIN_CLIENT" 1 "https://127.0.0.1:$efs/echo" -- \
	    wrk_run "$PIN_CLIENT" 1 "https://127.0.0.1:$NG_TLS/"
	rate_row tls "6 HTTPS keep-alive GET, 1 worker, pinned (echofetchd ${te:-?}; nginx ${tn:-?})" \
	    req/s 1.0 "nginx TLS:" 0.9
	stop_pid "$ng"
	stop_pid "$ef"
}

# Scenario 7: /cpu?ms=20 with 8 clients on --workers 2 and --workers 1.
scenario_cpu() {
	say "7 /cpu?ms=20, 8 clients: --workers 2 vs 1, -d $SECS x $RUNS"
	local w1 w1p w2 w2p
	ef_start "" cpu2 --workers 2
	w2=$EF_PID w2p=$EF_HTTP
	ef_start "" cpu1 --workers 1
	w1=$EF_PID w1p=$EF_HTTP
	cpu_of cpu "$w2" "$w1"
	alternate cpu load_run "" -c 8 "http://127.0.0.1:$w2p/cpu?ms=20" -- \
	    load_run "" -c 8 "http://127.0.0.1:$w1p/cpu?ms=20"
	rate_row cpu "7 /cpu?ms=20, 8 clients, --workers 2 vs --workers 1" req/s 1.8 "--workers 1:"
	stop_pid "$w1"
	stop_pid "$w2"
}

# Start h2o NAME with one thread serving a 2-byte "ok" file; sets H2_PID, H2_PORT.
h2o_start() {
	local pin=$1 name=$2 dir
	dir=$WORK/h2o-$name
	mkdir -p "$dir/root"
	printf ok >"$dir/root/index.txt"
	H2_PORT=$(free_port)
	cat >"$dir/h2o.conf" <<EOF
num-threads: 1
max-connections: 20000
access-log: /dev/null
error-log: $dir/error.log
listen:
  host: 127.0.0.1
  port: $H2_PORT
hosts:
  default:
    paths:
      /:
        file.dir: $dir/root
        file.index: [ index.txt ]
EOF
	# shellcheck disable=SC2086
	$pin h2o -c "$dir/h2o.conf" >/dev/null 2>>"$dir/stderr.log" &
	H2_PID=$!
	track "$H2_PID"
	poll 5000 nginx_up "$H2_PID" "$H2_PORT" || die "h2o $name does not answer; see $dir/error.log"
	kill -0 "$H2_PID" 2>/dev/null || die "h2o $name did not start; see $dir/stderr.log"
}

# Scenario 8: keep-alive GET vs h2o, one worker/thread each, pinned like 1a.
scenario_h2o() {
	say "8 keep-alive GET vs h2o, 1 worker/thread each, pinned: wrk -t1 -c50 -d${SECS}s x $RUNS"
	local ef efp h2
	ef_start "$PIN_SERVER" h2o1 --workers 1
	ef=$EF_PID efp=$EF_HTTP
	h2o_start "$PIN_SERVER" get1
	h2=$H2_PID
	cpu_of h2o "$ef" "$h2 $(pgrep -P "$h2" | tr '\n' ' ')"
	alternate h2o wrk_run "$PIN_CLIENT" 1 "http://127.0.0.1:$efp/echo" -- \
	    wrk_run "$PIN_CLIENT" 1 "http://127.0.0.1:$H2_PORT/"
	rate_row h2o "8 keep-alive GET, 1 worker, pinned (/echo vs h2o file \"ok\")" req/s 1.0 "h2o:" 0.8
	stop_pid "$h2"
	stop_pid "$ef"
}

# Scenario 9: echofetch-load vs wrk, both on CPU 1, against one nginx worker on CPU 0.
scenario_load() {
	say "9 echofetch-load vs wrk, -c50, 1 thread on CPU 1, nginx on CPU 0: -d $SECS x $RUNS"
	local ng
	nginx_start "$PIN_SERVER" load 1 plain
	ng=$NG_PID
	cpu_of load "$(nginx_workers "$ng")" "$(nginx_workers "$ng")"
	alternate load load_run "$PIN_CLIENT" --threads 1 -c 50 "http://127.0.0.1:$NG_PORT/" -- \
	    wrk_run "$PIN_CLIENT" 1 "http://127.0.0.1:$NG_PORT/"
	rate_row load "9 echofetch-load vs wrk -t1, 50 conns, nginx 1 worker, pinned (CPU: nginx's)" \
	    req/s 1.0 "wrk:"
	stop_pid "$ng"
}

# The 1-minute load average now.
load1() {
	cut -d' ' -f1 /proc/loadavg
}

# The whole table as Markdown.
report() {
	echo "# echofetchd vs nginx and h2o, $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo
	echo "Machine: $(machine)."
	echo "Commit: $(git -C "$TOP" rev-parse --short HEAD 2>/dev/null || echo unknown)."
	echo "Versions: $(nginx -v 2>&1 | sed 's/^nginx version: //'), $(h2o --version 2>&1 |
	    head -1 | sed 's/ version /\//'), $(wrk -v 2>&1 | head -1 |
	    cut -d' ' -f1-2), $("$BUILD/echofetchd" -v 2>&1 | head -1)."
	echo "Command: \`scripts/bench.sh${ARGS:+ $ARGS}\`; $RUNS runs of $SECS s per throughput" \
	    "figure (median), the two sides alternating."
	echo "Load average (1 min): $LOAD_START at the start, $(load1) at the end."
	echo
	echo "| scenario | echofetchd | reference | ratio | target | result | CPU µs/req (ours / ref, ratio) |"
	echo "|---|---|---|---|---|---|---|"
	cat "$WORK/rows.md"
}

# Parse, run the scenarios (all, or those of --only), print the table.
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
	: >"$WORK/rows.md"
	LOAD_START=$(load1)
	say "$(machine); load average $LOAD_START; ulimit -n $NOFILE; work dir $WORK"
	CLK_TCK=$(getconf CLK_TCK)
	wanted 1a && scenario_get_pinned
	wanted 1b && scenario_get_auto
	wanted 2 && scenario_echo
	wanted 3 && scenario_delay
	wanted 4 && scenario_idle
	wanted 5 && scenario_fetch fetch 5 1024 "1 KiB"
	wanted 5b && scenario_fetch fetch1m 5b 1048576 "1 MiB"
	wanted 5c && scenario_gather
	wanted 6 && scenario_tls
	wanted 7 && scenario_cpu
	wanted 8 && scenario_h2o
	wanted 9 && scenario_load
	report >"$WORK/table.md"
	[ -n "$OUT" ] && cp "$WORK/table.md" "$OUT"
	cat "$WORK/table.md"
}

main "$@"
