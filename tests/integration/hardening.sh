#!/bin/bash
# hardening: echofetchd against drains, slow and hostile clients, and fd exhaustion, as TAP.
#
# Every server runs on 127.0.0.1 port 0 (lib.sh); hard_client.py plays the
# odd clients and slowhttptest the slow-attack ones. Each scenario runs once
# and its findings are then checked as separate "ok" lines. Exits 0 whatever
# the checks say; "Bail out!" if the binary is missing.

. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"

HC=$LIB_DIR/hard_client.py

# ---------------------------------------------------------------- helpers

# Start echofetchd as NAME with extra flags; a note says why if it cannot.
hs_start() {
	local name=$1
	shift
	srv_start "$name" "$BIN" "$@" && return 0
	note "server $name did not start: $(head -3 "$T/$name.err" 2>/dev/null)"
	srv_kill "$name"
	return 1
}

# The base URL of server NAME.
hs_url() {
	echo "http://127.0.0.1:${SRV_HTTP[$1]}"
}

# A number from NAME's /stats (a python path like ["connections"]["open"]); -1 if none.
hs_stat() {
	curl -s --max-time 2 "$(hs_url "$1")/stats" 2>/dev/null |
	    python3 -c "import json, sys
try:
    print(json.load(sys.stdin)$2)
except Exception:
    print(-1)"
}

# Poll NAME's /stats until the value reaches at least WANT (up to MS ms).
hs_stat_wait_ge() {
	local name=$1 path=$2 want=$3 ms=$4 t0 v
	t0=$(now_ms)
	while :; do
		v=$(hs_stat "$name" "$path")
		[ "$v" -ge "$want" ] 2>/dev/null && return 0
		[ $(($(now_ms) - t0)) -ge "$ms" ] && break
		sleep 0.05
	done
	note "/stats $path stayed at $v (wanted >= $want within $ms ms)"
	return 1
}

# Wait up to MS ms for a fixed string in a file.
hs_wait_text() {
	local file=$1 text=$2 ms=$3 t0
	t0=$(now_ms)
	until grep -qF -- "$text" "$file" 2>/dev/null; do
		[ $(($(now_ms) - t0)) -ge "$ms" ] && return 1
		sleep 0.02
	done
	return 0
}

# Wait up to MS ms for server NAME to exit; EXIT_MS from T0, SRV_STATUS its status.
hs_wait_exit() {
	local name=$1 ms=$2 t0=$3 pid=${SRV_PID[$1]:-}
	SRV_STATUS= EXIT_MS=
	[ -n "$pid" ] || return 1
	while kill -0 "$pid" 2>/dev/null; do
		[ $(($(now_ms) - t0)) -ge "$ms" ] && return 1
		sleep 0.01
	done
	EXIT_MS=$(($(now_ms) - t0))
	wait "$pid"
	SRV_STATUS=$?
	unset "SRV_PID[$name]"
	return 0
}

# User plus system CPU of a process, in clock ticks.
hs_cpu_ticks() {
	awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo -1
}

# A line of /proc/PID/status (VmRSS, VmHWM) in KiB.
hs_vm_kib() {
	awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status" 2>/dev/null
}

# The server's stderr, as notes (for a failing check).
hs_note_err() {
	note "  --- $1 stderr:"
	note "$(tail -n "${2:-8}" "$T/$1.err" 2>/dev/null | sed 's/^/  | /')"
}

# A JSON field of a hard_client.py result line (the last line of FILE).
hs_json() {
	tail -1 "$1" | python3 -c "import json, sys
try:
    print(json.loads(sys.stdin.read())$2)
except Exception:
    print('?')"
}

# ---------------------------------------------------------------- drain

# 200 delays in flight, SIGTERM, one connect attempt; results for the checks.
drain_run() {
	local t0 mpid
	DR_OK=0 DR_CURL= DR_STATUS= DR_MS= DR_NOTE= TAP_NOTES=
	hs_start drain || return 1
	t0=$(now_ms)
	python3 "$HC" many "${SRV_HTTP[drain]}" 200 '/delay?ms=2000' 10 \
	    >"$T/drain.many" 2>&1 &
	mpid=$!
	if ! hs_stat_wait_ge drain '["requests"]["in_flight"]' 200 1800; then
		DR_NOTE=$TAP_NOTES
	fi
	kill -TERM "${SRV_PID[drain]}"
	t0=$(now_ms)
	hs_wait_text "$T/drain.err" "draining" 1000
	curl -sS --max-time 2 -o /dev/null "$(hs_url drain)/ip" 2>"$T/drain.curl"
	DR_CURL=$?
	wait "$mpid"
	tail -1 "$T/drain.many" >"$T/drain.json"
	hs_wait_exit drain 8000 "$t0"
	DR_STATUS=${SRV_STATUS:-"still running 8 s after SIGTERM"}
	DR_MS=$EXIT_MS
	srv_kill drain
	DR_OK=1
}

# Every in-flight request got its 200.
t_drain_answered() {
	[ "$DR_OK" = 1 ] || { note "the drain server did not start"; return 1; }
	[ -n "${DR_NOTE:-}" ] && note "$DR_NOTE"
	expect_json "$T/drain.json" 'd["n"] == 200 and d["status"] == {"200": 200}
	    and d["errors"] == 0'
}

# ... and each said Connection: close, since the server closes it after.
t_drain_conn_close() {
	[ "$DR_OK" = 1 ] || return 1
	expect_json "$T/drain.json" 'd["conn_close"] == 200' || {
		note "responses to requests in flight at SIGTERM carry Connection: keep-alive"
		return 1
	}
}

# A new connection after the signal is refused: the listener is closed.
t_drain_refused() {
	[ "$DR_OK" = 1 ] || return 1
	expect_eq "curl exit status (7 = refused)" "$DR_CURL" 7 || {
		note "curl: $(head -c 200 "$T/drain.curl")"
		return 1
	}
}

# The drain ends with exit status 0 once the delays are done.
t_drain_exit() {
	[ "$DR_OK" = 1 ] || return 1
	expect_eq "exit status" "$DR_STATUS" 0 || { hs_note_err drain; return 1; }
	tap_diag "drain: exited $DR_MS ms after SIGTERM"
}

# A second SIGTERM during a drain stops at once (< 1 s) though a 5 s delay runs.
t_drain_second_signal() {
	local cpid t0
	hs_start drain2 || return 1
	curl -s --max-time 8 -o /dev/null "$(hs_url drain2)/delay?ms=5000" &
	cpid=$!
	hs_stat_wait_ge drain2 '["requests"]["in_flight"]' 1 2000
	kill -TERM "${SRV_PID[drain2]}"
	hs_wait_text "$T/drain2.err" "draining" 1000 ||
	    { note "no 'draining' log line"; hs_note_err drain2; }
	t0=$(now_ms)
	kill -TERM "${SRV_PID[drain2]}"
	hs_wait_exit drain2 3000 "$t0"
	kill "$cpid" 2>/dev/null
	wait "$cpid" 2>/dev/null
	[ -n "$EXIT_MS" ] || { note "still running 3 s after the second SIGTERM"; hs_note_err drain2; srv_kill drain2; return 1; }
	expect_lt "ms from the second SIGTERM to exit" "$EXIT_MS" 1000 ||
	    { hs_note_err drain2; return 1; }
}

# shutdown_timeout_ms=500 cuts a 3 s delay short: exit in ~1 s, logged.
t_drain_deadline() {
	local cpid t0 line
	hs_start drain3 -o shutdown_timeout_ms=500 || return 1
	curl -s --max-time 8 -o /dev/null "$(hs_url drain3)/delay?ms=3000&tag=cut" &
	cpid=$!
	hs_stat_wait_ge drain3 '["requests"]["in_flight"]' 1 2000
	t0=$(now_ms)
	kill -TERM "${SRV_PID[drain3]}"
	hs_wait_exit drain3 3000 "$t0"
	kill "$cpid" 2>/dev/null
	wait "$cpid" 2>/dev/null
	[ -n "$EXIT_MS" ] || { note "still running 3 s after SIGTERM"; srv_kill drain3; return 1; }
	expect_lt "ms from SIGTERM to exit" "$EXIT_MS" 1300 || { hs_note_err drain3; return 1; }
	expect_eq "exit status" "$SRV_STATUS" 0 || return 1
	line=$(grep -F "tag=cut" "$T/drain3.access")
	[ -n "$line" ] || { note "no access-log line for the cut request"; lib_note_file "$T/drain3.access"; return 1; }
	tap_diag "cut request logged as: $line"
	[[ $line == *drain* ]] || { note "the line does not say it was cut: $line"; return 1; }
}

# ---------------------------------------------------------------- slow clients

# The server for the slow-client checks: short timeouts all round.
slow_start() {
	hs_start slow -o header_timeout_ms=1500 -o keepalive_timeout_ms=1000 \
	    -o body_timeout_ms=1500 -o write_timeout_ms=1000
}

# A head trickled at 1 byte / 200 ms (each in time) still hits the 1.5 s deadline.
t_slow_header() {
	[ -n "${SRV_PID[slow]:-}" ] || slow_start || return 1
	python3 "$HC" trickle "${SRV_HTTP[slow]}" 200 \
	    'GET /ip HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Pad: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n\r\n' \
	    3 >"$T/slowhdr.json" 2>&1
	expect_json "$T/slowhdr.json" 'd["status"] == 408 and
	    json.loads(d["body"])["status"] == 408 and d["how"] != "timeout" and
	    1300 <= d["ms_from_first"] <= 2200 and d["ms_from_last"] < 400 and
	    d["sent"] < d["of"]'
}

# A body that stops mid-way gets 408 body_timeout_ms after its last byte.
t_slow_body_stall() {
	[ -n "${SRV_PID[slow]:-}" ] || slow_start || return 1
	python3 "$HC" trickle "${SRV_HTTP[slow]}" 0 \
	    'POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n0123456789' \
	    4 >"$T/slowbody.json" 2>&1
	expect_json "$T/slowbody.json" 'd["status"] == 408 and
	    json.loads(d["body"])["status"] == 408 and d["how"] != "timeout" and
	    1300 <= d["ms_from_last"] <= 2200'
}

# A body trickled with every pause < body_timeout_ms is accepted (a pause limit, per the man page).
t_slow_body_trickle() {
	[ -n "${SRV_PID[slow]:-}" ] || slow_start || return 1
	python3 "$HC" trickle "${SRV_HTTP[slow]}" 200 \
	    'POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 12\r\n\r\n0123456789ab' \
	    3 51 >"$T/slowbody2.json" 2>&1
	expect_json "$T/slowbody2.json" 'd["status"] == 200 and
	    d["body"] == "0123456789ab" and d["ms_from_first"] >= 2000'
}

# A reader that never reads /bytes/10000000 is cut off by write_timeout_ms; RSS stays small.
t_slow_reader() {
	local pid rpid t0 open closed_ms= hwm
	[ -n "${SRV_PID[slow]:-}" ] || slow_start || return 1
	pid=${SRV_PID[slow]}
	python3 "$HC" slowread "${SRV_HTTP[slow]}" /bytes/10000000 5 \
	    >"$T/slowread.json" 2>&1 &
	rpid=$!
	t0=$(now_ms)
	sleep 0.3
	# /stats counts its own connection: 1 means the reader is gone.
	while [ $(($(now_ms) - t0)) -lt 5000 ]; do
		open=$(hs_stat slow '["connections"]["open"]')
		if [ "$open" = 1 ]; then
			closed_ms=$(($(now_ms) - t0))
			break
		fi
		sleep 0.1
	done
	wait "$rpid"
	hwm=$(hs_vm_kib "$pid" VmHWM)
	tap_diag "slow reader: server closed it after ~${closed_ms:-?} ms; peak RSS ${hwm} KiB"
	[ -n "$closed_ms" ] || { note "the reader's connection was still open after 5 s"; hs_note_err slow; return 1; }
	expect_json "$T/slowread.json" 'd["status"] == 200 and d["bytes"] < 10000000 and
	    d["how"] in ("eof", "reset")' &&
	    expect_lt "server peak RSS KiB" "${hwm:-999999}" 65536
}

# ---------------------------------------------------------------- slowhttptest

# Probe /ip every 0.5 s for SECS s; one line "code ms" per probe into FILE.
probe_loop() {
	local url=$1 secs=$2 file=$3 i
	: >"$file"
	for ((i = 0; i < secs * 2; i++)); do
		curl -s --max-time 2 -o /dev/null -w '%{http_code} %{time_total}\n' \
		    "$url/ip" >>"$file" 2>/dev/null || echo "000 fail" >>"$file"
		sleep 0.5
	done
}

# Run slowhttptest in MODE (-H, -B, -X) for 10 s with 1000 connections.
sht_run() {
	local mode=$1 tag=$2 url
	url=$(hs_url sht)
	case "$mode" in
	-H) set -- -H -i 5 -x 24 -u "$url/ip" ;;
	-B) set -- -B -i 5 -x 10 -s 8192 -t POST -u "$url/echo" ;;
	-X) set -- -X -w 512 -y 1024 -n 5 -z 32 -k 3 -u "$url/bytes/1000000" ;;
	esac
	probe_loop "$url" 10 "$T/sht$tag.probe" &
	SHT_PROBE=$!
	timeout 25 slowhttptest "$@" -c 1000 -r 200 -l 10 -p 2 -g \
	    -o "$T/sht$tag" >"$T/sht$tag.out" 2>&1
	SHT_RC=$?
	wait "$SHT_PROBE"
}

# Service available in every CSV row, enough connections made, and every probe < 1 s.
sht_judge() {
	local tag=$1 min_conn=$2 out
	out=$(python3 - "$T/sht$tag.csv" "$T/sht$tag.probe" "$min_conn" <<'EOF'
import csv, sys
rows = list(csv.reader(open(sys.argv[1])))
head, rows = rows[0], [r for r in rows[1:] if r]
col = {n.strip(): i for i, n in enumerate(head)}
avail = [int(r[col["Service Available"]]) for r in rows]
conn = max(int(r[col["Connected"]]) for r in rows)
probes = [l.split() for l in open(sys.argv[2]) if l.strip()]
bad = [p for p in probes if p[0] != "200" or p[1] == "fail" or float(p[1]) >= 2.0]
print("rows %d, unavailable rows %d, most connected %d, probes %d, bad probes %d %s"
      % (len(rows), sum(a == 0 for a in avail), conn, len(probes), len(bad), bad[:3]))
sys.exit(0 if rows and all(avail) and conn >= int(sys.argv[3])
         and len(probes) >= 15 and not bad else 1)
EOF
	) && { tap_diag "slowhttptest $tag: $out"; return 0; }
	note "$out"
	note "slowhttptest exit $SHT_RC: $(grep -a 'Exit status' "$T/sht$tag.out" | sed 's/\x1b\[[0-9;]*m//g')"
	hs_note_err sht 4
	return 1
}

# One slowhttptest mode against a server on default settings.
t_sht() {
	[ -n "${SRV_PID[sht]:-}" ] || hs_start sht --access-log off || return 1
	command -v slowhttptest >/dev/null || { note "slowhttptest is not installed"; return 1; }
	sht_run "$1" "$2"
	[ -s "$T/sht$2.csv" ] || { note "no CSV; output:"; lib_note_file "$T/sht$2.out"; return 1; }
	tap_diag "slowhttptest $2: server peak RSS $(hs_vm_kib "${SRV_PID[sht]}" VmHWM) KiB"
	sht_judge "$2" "$3"
}

# ---------------------------------------------------------------- limits

# 150 idle connections with max_connections=50: 100 get 503 JSON and a close.
t_cap_refuse() {
	hs_start cap -o max_connections=50 || return 1
	python3 "$HC" hold "${SRV_HTTP[cap]}" 150 1 0 >"$T/cap.json" 2>&1
	expect_json "$T/cap.json" 'd["opened"] == 150 and d["r503"] == 100 and
	    d["open"] == 50 and d["other"] == 0 and
	    json.loads(d["body503"])["status"] == 503'
}

# Once those are closed, a new request is served.
t_cap_recover() {
	[ -n "${SRV_PID[cap]:-}" ] || { note "no cap server"; return 1; }
	sleep 0.2
	req cap "$(hs_url cap)/ip"
	srv_kill cap
	expect_status cap 200
}

# Two workers share max_connections=50: still 50 open in all, 100 refused.
t_cap_workers() {
	hs_start cap2 -w 2 -o max_connections=50 || return 1
	python3 "$HC" hold "${SRV_HTTP[cap2]}" 150 1 0 >"$T/cap2.json" 2>&1
	srv_kill cap2
	expect_json "$T/cap2.json" 'd["opened"] == 150 and d["r503"] == 100 and
	    d["open"] == 50 and d["other"] == 0'
}

# Start echofetchd with 64 descriptors and 100 idle clients knocking.
emf_run() {
	local pid a b
	EMF_OK=0
	printf '#!/bin/bash\nulimit -n 64 || exit 1\nexec "%s" "$@"\n' "$BIN" >"$T/ulimit64.sh"
	chmod +x "$T/ulimit64.sh"
	srv_start emf "$T/ulimit64.sh" || { EMF_NOTE="did not start: $(head -3 "$T/emf.err")"; return 1; }
	pid=${SRV_PID[emf]}
	python3 "$HC" hold "${SRV_HTTP[emf]}" 100 0.5 3 >"$T/emf.json" 2>&1 &
	EMF_HOLD=$!
	sleep 0.8
	a=$(hs_cpu_ticks "$pid")
	sleep 2
	b=$(hs_cpu_ticks "$pid")
	EMF_CPU_MS=$(((b - a) * 1000 / $(getconf CLK_TCK)))
	kill -0 "$pid" 2>/dev/null && EMF_ALIVE=1 || EMF_ALIVE=0
	wait "$EMF_HOLD"
	EMF_T0=$(now_ms)
	curl -sS --max-time 3 -o /dev/null -w '%{http_code}' "$(hs_url emf)/ip" \
	    >"$T/emf.code" 2>"$T/emf.curl"
	EMF_REQ_MS=$(($(now_ms) - EMF_T0))
	EMF_OK=1
}

# With 100 clients and 64 fds: alive, and the pause is logged.
t_emf_alive() {
	[ "$EMF_OK" = 1 ] || { note "EMFILE server ${EMF_NOTE:-}"; return 1; }
	expect_eq "server alive" "$EMF_ALIVE" 1 &&
	    expect_json "$T/emf.json" 'd["opened"] == 100' &&
	    expect_contains "$T/emf.err" "pausing accept"
}

# Out of fds it does not spin: < 0.5 s of CPU over 2 s.
t_emf_nospin() {
	[ "$EMF_OK" = 1 ] || return 1
	tap_diag "EMFILE: $EMF_CPU_MS ms CPU in 2 s"
	expect_lt "CPU ms in 2 s" "$EMF_CPU_MS" 500
}

# When the clients leave, a request is answered within ~2 s.
t_emf_recover() {
	[ "$EMF_OK" = 1 ] || return 1
	srv_kill emf
	expect_eq "status" "$(cat "$T/emf.code")" 200 ||
	    { note "curl: $(head -c 200 "$T/emf.curl")"; hs_note_err emf 4; return 1; }
	expect_lt "ms to the answer" "$EMF_REQ_MS" 2200
}

# ---------------------------------------------------------------- hostile bytes

# 1 MiB of noise through the TCP echo port comes back unchanged.
t_rand_echo() {
	[ -n "${SRV_PID[main]:-}" ] || hs_start main || return 1
	python3 "$HC" echo "${SRV_ECHO[main]}" "$T/1m.bin" >"$T/recho.json" 2>&1
	expect_json "$T/recho.json" 'd["sent"] == 1048576 and d["same"]'
}

# 64 KiB of noise to the HTTP port: 400 then close (or just a close); still serving.
t_rand_http() {
	[ -n "${SRV_PID[main]:-}" ] || hs_start main || return 1
	python3 "$HC" garbage "${SRV_HTTP[main]}" "$T/64k.bin" >"$T/rhttp.json" 2>&1
	expect_json "$T/rhttp.json" 'd["status"] in (0, 400) and d["how"] != "timeout"
	    and (d["status"] == 0 or d["bytes"] > 0)' || return 1
	req ralive "$(hs_url main)/ip"
	expect_status ralive 200
}

# A client that shuts its write side after the request still gets the answer.
t_half_close() {
	[ -n "${SRV_PID[main]:-}" ] || hs_start main || return 1
	python3 "$HC" halfclose "${SRV_HTTP[main]}" 'GET /ip HTTP/1.1\r\nHost: x\r\n\r\n' \
	    >"$T/half.json" 2>&1
	expect_json "$T/half.json" 'd["status"] == 200 and
	    json.loads(d["body"])["origin"] == "127.0.0.1"'
}

# An RST in the middle of /bytes/5000000 leaves the server well and leaks nothing.
t_rst_mid() {
	local base open t0
	[ -n "${SRV_PID[main]:-}" ] || hs_start main || return 1
	base=$(hs_stat main '["connections"]["open"]')
	python3 "$HC" rst "${SRV_HTTP[main]}" /bytes/5000000 100000 >"$T/rst.json" 2>&1
	expect_json "$T/rst.json" 'd["status"] == 200 and d["read"] >= 100000' || return 1
	t0=$(now_ms)
	while :; do
		open=$(hs_stat main '["connections"]["open"]')
		[ "$open" = "$base" ] && break
		[ $(($(now_ms) - t0)) -ge 2000 ] && break
		sleep 0.05
	done
	kill -0 "${SRV_PID[main]}" 2>/dev/null || { note "the server died"; hs_note_err main; return 1; }
	expect_eq "connections open 2 s after the RST" "$open" "$base"
}

# ---------------------------------------------------------------- main

# Inputs: noise for the echo and HTTP ports.
hard_fixtures() {
	head -c 1048576 /dev/urandom >"$T/1m.bin"
	head -c 65536 /dev/urandom >"$T/64k.bin"
}

# Every check; the slow-attack runs last.
hard_main() {
	drain_run
	tap_run "drain: 200 /delay?ms=2000 in flight at SIGTERM all answered 200" t_drain_answered
	tap_run "drain: those responses carry Connection: close" t_drain_conn_close
	tap_run "drain: a new connection after SIGTERM is refused (curl exit 7)" t_drain_refused
	tap_run "drain: exit status 0 after the last answer" t_drain_exit
	tap_run "drain: a second SIGTERM stops at once (< 1 s) despite a 5 s delay" t_drain_second_signal
	tap_run "drain: shutdown_timeout_ms=500 cuts a 3 s delay, exit < 1.3 s, logged" t_drain_deadline
	tap_run "header_timeout_ms=1500: head trickled 1 B/200 ms -> 408 JSON at ~1.5 s" t_slow_header
	tap_run "body_timeout_ms=1500: a stalled body -> 408 JSON ~1.5 s after its last byte" t_slow_body_stall
	tap_run "body_timeout_ms=1500: a body with every pause < 1.5 s is accepted (pause limit)" t_slow_body_trickle
	tap_run "write_timeout_ms=1000: a reader that never reads /bytes/10000000 is closed; RSS < 64 MiB" t_slow_reader
	srv_kill slow
	tap_run "max_connections=50: of 150 idle connections 100 get 503 JSON and a close" t_cap_refuse
	tap_run "max_connections=50: after they close, a request succeeds" t_cap_recover
	tap_run "max_connections=50 over 2 workers (25 each): 50 open, 100 refused" t_cap_workers
	emf_run
	tap_run "ulimit -n 64 and 100 clients: alive, 'pausing accept' logged" t_emf_alive
	tap_run "ulimit -n 64: no spin (< 0.5 s CPU in 2 s)" t_emf_nospin
	tap_run "ulimit -n 64: after the clients leave a request succeeds within ~2 s" t_emf_recover
	tap_run "1 MiB of /dev/urandom through the TCP echo port comes back identical" t_rand_echo
	tap_run "64 KiB of random bytes to the HTTP port: 400 or close, then still serving" t_rand_http
	tap_run "half-closed client (SHUT_WR after GET /ip) still gets its answer" t_half_close
	tap_run "RST mid /bytes/5000000: server alive, connections open back to baseline" t_rst_mid
	srv_kill main
	tap_run "slowhttptest -H (slowloris) 1000 conns 10 s: service and /ip probes (2 s) stay up" t_sht -H H 900
	tap_run "slowhttptest -B (slow body) 1000 conns 10 s: service and /ip probes (2 s) stay up" t_sht -B B 900
	tap_run "slowhttptest -X (slow read) 1000 conns 10 s: service and /ip probes (2 s) stay up" t_sht -X X 500
	srv_kill sht
}

lib_setup
BIN=$top_builddir/echofetchd
[ -x "$BIN" ] || tap_bail "no binary $BIN (build first)"
hard_fixtures
hard_main
tap_end
