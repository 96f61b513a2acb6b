#!/bin/bash
# load: echofetch-load against a real echofetchd on port 0, as TAP.
#
# Checks what the load generator counts (requests, statuses, errors,
# connections, timeline rows) and its exit codes; timings only as wide
# behaviour bounds. Skips if echofetchd or echofetch-load is not built.

. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"

lib_setup
LOAD=$top_builddir/echofetch-load
BIN=$top_builddir/echofetchd
if [ ! -x "$LOAD" ] || [ ! -x "$BIN" ]; then
	echo "1..0 # SKIP echofetch-load or echofetchd not built"
	exit 0
fi
if ! srv_start main "$BIN"; then
	srv_explain main
	tap_bail "echofetchd did not start"
fi
HTTP=${SRV_HTTP[main]}
ECHO=${SRV_ECHO[main]}
U=http://127.0.0.1:$HTTP
SRCDIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# Run the load generator with a hard time limit; LRC = its exit status.
# load NAME ARGS...: stdout to $T/NAME.json, stderr to $T/NAME.err.
load() {
	local name=$1
	shift
	timeout 60 "$LOAD" -q "$@" >"$T/$name.json" 2>"$T/$name.err" </dev/null
	LRC=$?
}

# Exit status 0 and the JSON summary satisfies every given expression.
load_ok() {
	local name=$1 e
	shift
	expect_eq "$name exit status" "$LRC" 0 || { lib_note_file "$T/$name.err"; return 1; }
	for e in "$@"; do
		expect_json "$T/$name.json" "$e" || return 1
	done
}

# Closed loop with keep-alive: every request answered over one connection each.
t_keepalive() {
	load ka --json -c 10 -n 200 "$U/headers"
	load_ok ka 'd["requests"] == 200' 'd["status"]["2xx"] == 200' \
	    'd["errors"]["total"] == 0' 'd["connects"] == 10' \
	    'd["bytes_in"] > 0 and d["bytes_out"] > 0' \
	    'd["latency_ms"]["p50"] <= d["latency_ms"]["p99"] <= d["latency_ms"]["max"]'
}

# --no-keepalive opens a connection per request.
t_no_keepalive() {
	load nka --json --no-keepalive -c 5 -n 50 "$U/headers"
	load_ok nka 'd["requests"] == 50' 'd["connects"] == 50' 'd["errors"]["total"] == 0'
}

# Non-2xx statuses are counted by class and are not errors.
t_status_classes() {
	load s404 --json -c 4 -n 20 "$U/status/404"
	load_ok s404 'd["status"]["4xx"] == 20' 'd["errors"]["total"] == 0'
	load s503 --json -c 4 -n 8 "$U/status/503"
	load_ok s503 'd["status"]["5xx"] == 8'
}

# 20 concurrent 300 ms delays overlap on the event build: well under 20 x 300 ms.
t_concurrent_delay() {
	load delay --json -c 20 -n 20 "$U/delay?ms=300"
	load_ok delay 'd["requests"] == 20' 'd["latency_ms"]["p50"] >= 300' \
	    'd["wall_s"] < 2.0'
}

# TCP echo: exact bytes back, on kept-alive and on fresh connections.
t_tcp_echo() {
	[ -n "$ECHO" ] || { note "no echo= port"; return 1; }
	load echo --json -c 10 -n 100 --payload 1000 "tcp://127.0.0.1:$ECHO"
	load_ok echo 'd["requests"] == 100' 'd["errors"]["total"] == 0' \
	    'd["bytes_in"] == 100000' 'd["bytes_out"] == 100000' || return 1
	load echo1 --json --no-keepalive -c 4 -n 20 --payload 3 "tcp://127.0.0.1:$ECHO"
	load_ok echo1 'd["requests"] == 20' 'd["connects"] == 20'
}

# POST bodies reach the server whole (/echo returns them).
t_post_body() {
	load post --json -c 2 -n 10 --payload 5000 "$U/echo"
	load_ok post 'd["status"]["2xx"] == 10' 'd["bytes_in"] >= 50000'
}

# Streamed (chunked or until-close) and large bodies are read to their end.
t_bodies() {
	load stream --json -c 3 -n 12 "$U/stream/5?interval_ms=10"
	load_ok stream 'd["status"]["2xx"] == 12' 'd["errors"]["total"] == 0' || return 1
	load bytes --json -c 2 -n 10 "$U/bytes/100000"
	load_ok bytes 'd["status"]["2xx"] == 10' 'd["bytes_in"] >= 1000000' \
	    'd["connects"] == 2'
}

# One timeline row per request, after the header, with status and ordered times.
t_timeline() {
	load tl --json -c 5 -n 50 --timeline "$T/tl.csv" "$U/headers"
	load_ok tl 'd["requests"] == 50' || return 1
	expect_eq "timeline header" "$(head -1 "$T/tl.csv")" "client,start_s,end_s,status" || return 1
	expect_eq "timeline rows" "$(tail -n +2 "$T/tl.csv" | wc -l)" 50 || return 1
	expect_eq "bad rows" "$(tail -n +2 "$T/tl.csv" |
	    awk -F, '!($1 >= 0 && $1 < 5 && $3 >= $2 && $4 == 200 && $2 ~ /^[0-9]+\.[0-9][0-9][0-9][0-9][0-9][0-9]$/)' |
	    wc -l)" 0
}

# Open loop: 25 requests at 50/s cannot finish before the last one's start at 0.48 s.
t_rate() {
	load rate --json -c 5 -n 25 --rate 50 "$U/headers"
	load_ok rate 'd["requests"] == 25' 'd["wall_s"] >= 0.45' 'd["wall_s"] < 5'
}

# --slow-send at 200 B/s: a ~100-byte request takes a good fraction of a second.
t_slow_send() {
	load slow --json -c 3 -n 3 --slow-send 200 "$U/headers"
	load_ok slow 'd["requests"] == 3' 'd["latency_ms"]["min"] >= 250' \
	    'd["errors"]["total"] == 0'
}

# A closed port: every request a connect error, and exit 1 for "nothing done".
t_refused() {
	local port
	port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	load refused --json -c 3 -n 30 "http://127.0.0.1:$port/"
	expect_eq "exit status" "$LRC" 1 || return 1
	expect_json "$T/refused.json" 'd["errors"]["connect"] == 30 and d["requests"] == 0'
}

# A request timeout is counted as such, and the run still ends on time.
t_timeout() {
	load to --json -c 2 -n 2 --timeout 200ms "$U/delay?ms=2000"
	expect_eq "exit status" "$LRC" 1 || return 1
	expect_json "$T/to.json" 'd["errors"]["timeout"] == 2 and d["wall_s"] < 1.5'
}

# Bad arguments exit 2 with a message and no run.
t_bad_args() {
	load bad1 -n 5 -d 5 "$U/"
	expect_eq "-n with -d" "$LRC" 2 || return 1
	expect_contains "$T/bad1.err" "conflict" || return 1
	load bad2 "ftp://127.0.0.1/"
	expect_eq "ftp URL" "$LRC" 2 || return 1
	load bad3 -c abc "$U/"
	expect_eq "bad -c" "$LRC" 2
}

# --hold against max_connections=5: 8 opened, 3 answered 503 and closed, 5 kept open.
t_hold_cap() {
	srv_start_noted cap "$BIN" -o max_connections=5 || return 1
	load hcap --json -c 8 --hold 0 "http://127.0.0.1:${SRV_HTTP[cap]}/"
	srv_kill cap
	load_ok hcap 'd["connections"] == 8 and d["opened"] == 8 and d["refused"] == 0' \
	    'd["answered"] == {"503": 3} and d["closed"] == 3 and d["open"] == 5' \
	    'json.loads(d["bodies"]["503"])["status"] == 503 and not d["interrupted"]'
}

# --hold --send: one answer on each connection, all kept open; text without --json.
t_hold_send() {
	load hsend --json -c 20 --hold 0 --send "$U/ip"
	load_ok hsend 'd["opened"] == 20 and d["answered"] == {"200": 20}' \
	    'd["open"] == 20 and d["closed"] == 0' \
	    'json.loads(d["bodies"]["200"])["origin"] == "127.0.0.1"' || return 1
	load htext -c 2 --hold 0 --send "$U/ip"
	expect_eq "text exit status" "$LRC" 0 &&
	    expect_contains "$T/htext.json" "opened 2, refused 0, connecting 0, answered 2, closed 0, open 2"
}

# The report comes once settled, the connections stay until TERM, which ends it at once.
t_hold_term() {
	local pid base
	base=$(srv_stat main '["connections"]["open"]')
	"$LOAD" -q --json -c 10 --hold 10m --settle 200ms "$U/" >"$T/hterm.json" 2>"$T/hterm.err" &
	pid=$!
	wait_file "$T/hterm.json" 5000 || { kill "$pid"; note "no report within 5 s"; return 1; }
	srv_stat_wait_ge main '["connections"]["open"]' $((base + 10)) 2000 || { kill "$pid"; return 1; }
	kill -TERM "$pid"
	wait_gone "$pid" 1000 || { kill -KILL "$pid"; note "still running 1 s after TERM"; return 1; }
	wait "$pid"
	expect_eq "exit status" "$?" 0 &&
	    expect_json "$T/hterm.json" 'd["opened"] == 10 and d["open"] == 10 and d["answered"] == {}'
}

# A closed port: every connection refused, exit 1.
t_hold_refused() {
	local port
	port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	load hrefused --json -c 3 --hold 0 "http://127.0.0.1:$port/"
	expect_eq "exit status" "$LRC" 1 &&
	    expect_json "$T/hrefused.json" 'd["refused"] == 3 and d["opened"] == 0'
}

# A throwaway CA and a certificate for localhost and 127.0.0.1 it signed, in $T/pki.
load_certs() {
	local d=$T/pki
	mkdir -p "$d"
	printf '%s\n' 'subjectAltName=DNS:localhost,IP:127.0.0.1' >"$d/ext.cnf"
	{
		openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj '/CN=load test CA' \
		    -keyout "$d/ca.key" -out "$d/ca.pem" &&
		openssl req -newkey rsa:2048 -nodes -subj '/CN=localhost' \
		    -keyout "$d/srv.key" -out "$d/srv.csr" &&
		openssl x509 -req -days 2 -in "$d/srv.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" \
		    -CAcreateserial -extfile "$d/ext.cnf" -out "$d/srv.pem"
	} >"$d/openssl.log" 2>&1
}

# https: verified with --cacert (by name and by address), or --insecure; refused otherwise.
t_https() {
	local port n=40
	command -v openssl >/dev/null || { note "no openssl command"; return 1; }
	load_certs || { lib_note_file "$T/pki/openssl.log"; return 1; }
	srv_start_noted tls "$BIN" --tls-listen 127.0.0.1:0 -o tls_cert="$T/pki/srv.pem" \
	    -o tls_key="$T/pki/srv.key" || return 1
	port=$(sed -n 's/^https=\([0-9]*\).*/\1/p' "$T/tls.ports")
	load hca --json -c 4 -n $n --cacert "$T/pki/ca.pem" "https://localhost:$port/headers"
	load_ok hca "d['requests'] == $n" 'd["tls"] and d["connects"] == 4' \
	    'd["errors"]["total"] == 0' || return 1
	load hcaip --json -c 2 -n 10 --cacert "$T/pki/ca.pem" "https://127.0.0.1:$port/"
	load_ok hcaip 'd["requests"] == 10' || return 1
	load hins --json -c 4 -n $n --insecure "https://127.0.0.1:$port/headers"
	load_ok hins "d['requests'] == $n" || return 1
	load hno --json -c 2 -n 6 "https://localhost:$port/headers"
	srv_kill tls
	expect_eq "unverified exit status" "$LRC" 1 &&
	    expect_json "$T/hno.json" 'd["errors"]["tls"] == 6 and d["requests"] == 0' &&
	    expect_json "$T/hno.json" '"certificate" in d["tls_error"] and d["connects"] == 0'
}

# Host names go through the resolver: localhost, this host's name and ip6-localhost
# where the hosts file has them.
t_names() {
	local h
	load nlocal --json -c 2 -n 10 "http://localhost:$HTTP/headers"
	load_ok nlocal 'd["requests"] == 10' || return 1
	h=$(hostname)
	if getent ahostsv4 "$h" | grep -q '^127\.0\.0\.1 '; then
		load nhost --json -c 2 -n 10 "http://$h:$HTTP/headers"
		load_ok nhost 'd["requests"] == 10' || return 1
	else
		note "this host's name ($h) is not 127.0.0.1 here: not checked"
	fi
	load nbad -n 1 "http://no-such-host.invalid:$HTTP/"
	expect_eq "unknown name exit status" "$LRC" 2 &&
	    expect_contains "$T/nbad.err" "no-such-host.invalid" || return 1
	if ! getent ahosts ip6-localhost | grep -q '^::1 '; then
		note "ip6-localhost does not resolve to ::1 here: checked [::1] only"
		set -- "[::1]"
	else
		set -- "[::1]" ip6-localhost
	fi
	srv_start_noted v6 "$BIN" --listen '[::1]:0' || return 1
	for h in "$@"; do
		load n6 --json -c 2 -n 10 "http://$h:${SRV_HTTP[v6]}/headers"
		load_ok n6 'd["requests"] == 10' || { srv_kill v6; return 1; }
	done
	srv_kill v6
}

# --threads: one loop per thread, the clients split, the counts merged.
t_threads() {
	load thr --json -t 4 -c 8 -n 400 "$U/headers"
	load_ok thr 'd["requests"] == 400 and d["threads"] == 4' 'd["connects"] == 8' \
	    'd["status"]["2xx"] == 400' 'sum(1 for _ in d["targets"]) == 1' || return 1
	load thrd --json -t 2 -c 4 -d 300ms "$U/headers"
	load_ok thrd 'd["requests"] > 0 and d["errors"]["total"] == 0' 'd["wall_s"] < 2'
}

# --procs: processes of --threads loops, merged into one report.
t_procs() {
	load procs --json --procs 2 -t 2 -c 8 -n 200 "$U/headers"
	load_ok procs 'd["requests"] == 200 and d["procs"] == 2 and d["threads"] == 2' \
	    'd["connects"] == 8 and d["latency_ms"]["max"] > 0'
}

# Two front ends by --target: the clients alternate, each server gets two of them
# (closed loop: the faster server answers more of the 200).
t_targets() {
	local a b
	srv_start_noted ta "$BIN" || return 1
	srv_start_noted tb "$BIN" || { srv_kill ta; return 1; }
	load tgt --json -c 4 -n 200 "http://127.0.0.1:${SRV_HTTP[ta]}/headers" \
	    --target "http://localhost:${SRV_HTTP[tb]}/headers"
	a=$(srv_stat ta '["requests"]["by_endpoint"]["headers"]["200"]')
	b=$(srv_stat tb '["requests"]["by_endpoint"]["headers"]["200"]')
	srv_kill ta
	srv_kill tb
	load_ok tgt 'd["requests"] == 200 and len(d["targets"]) == 2' \
	    'd["connects"] == 4' || return 1
	expect_eq "requests to both" "$((a + b))" 200 &&
	    expect_ge "requests to the first" "$a" 1 && expect_ge "requests to the second" "$b" 1
}

# --latency: wrk's distribution table to p99.99, with the stdev.
t_latency() {
	load lat -c 2 -n 50 --latency "$U/headers"
	expect_eq "exit status" "$LRC" 0 || return 1
	for w in "Latency Distribution" "Stdev" " 50% " " 75% " " 90% " " 99% " "99.9% " "99.99% "; do
		expect_contains "$T/lat.json" "$w" || return 1
	done
	load latj --json -c 2 -n 50 "$U/headers"
	load_ok latj 'all(k in d["latency_ms"] for k in ("p50", "p75", "p90", "p99", "p99.9", "p99.99", "stdev", "mean", "max", "min"))' \
	    'd["latency_ms"]["p50"] <= d["latency_ms"]["p75"] <= d["latency_ms"]["p90"] <= d["latency_ms"]["p99"] <= d["latency_ms"]["p99.99"]'
}

# Thresholds set exit 99 and say which failed; a run inside them exits 0.
t_thresholds() {
	local port
	load thp --json -c 2 -n 6 --max-p99 5 "$U/delay?ms=30"
	expect_eq "p99 over: exit status" "$LRC" 99 &&
	    expect_contains "$T/thp.err" "threshold failed: p99" &&
	    expect_json "$T/thp.json" 'not d["thresholds"]["passed"] and not d["thresholds"]["max_p99_ms"]["ok"]' || return 1
	load thok --json -c 2 -n 6 --max-p99 5000 --max-errors 0 "$U/delay?ms=30"
	load_ok thok 'd["thresholds"]["passed"] and d["thresholds"]["max_errors"]["ok"]' || return 1
	port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	load the --json -c 2 -n 20 --max-errors 3 "$U/headers" --target "http://127.0.0.1:$port/"
	expect_eq "errors over: exit status" "$LRC" 99 &&
	    expect_contains "$T/the.err" "errors > --max-errors 3" || return 1
	load the2 -c 2 -n 20 --max-errors 20 "$U/headers" --target "http://127.0.0.1:$port/"
	expect_eq "errors within: exit status" "$LRC" 0
}

# --rate corrects for coordinated omission: one client that can do 20/s asked for
# 100/s falls behind, and the wait counts (from the intended start), not 50 ms each.
t_rate_co() {
	load co --json -c 1 -n 20 --rate 100 "$U/delay?ms=50"
	load_ok co 'd["requests"] == 20 and d["latency_from"] == "intended_start"' \
	    'd["latency_ms"]["max"] >= 600 and d["latency_ms"]["min"] < 200' || return 1
	load noco --json -c 1 -n 5 "$U/delay?ms=50"
	load_ok noco 'd["latency_from"] == "send" and d["latency_ms"]["max"] < 600'
}

# ws://: -c connections each sending --messages echoes of --payload bytes.
t_ws() {
	local port pid
	rm -f "$T/ws.port"
	python3 "$SRCDIR/ws_echo.py" "$T/ws.port" 2>"$T/ws.err" &
	pid=$!
	wait_file "$T/ws.port" 10000 || { kill "$pid"; lib_note_file "$T/ws.err"; return 1; }
	port=$(sed -n 's/^ws=//p' "$T/ws.port")
	load ws --json -c 5 --messages 20 --payload 100 "ws://127.0.0.1:$port/websocket/echo"
	load wsbig --json -t 2 -c 2 --messages 3 --payload 70000 "ws://localhost:$port/"
	kill "$pid"
	load_ok ws 'd["requests"] == 100 and d["proto"] == "ws" and d["connects"] == 5' \
	    'd["errors"]["total"] == 0 and d["latency_ms"]["p99"] > 0' || return 1
	load_ok wsbig 'd["requests"] == 6 and d["bytes_in"] >= 420000' || return 1
	rm -f "$T/ws.port"
	python3 "$SRCDIR/ws_echo.py" "$T/ws.port" --bad-accept 2>"$T/ws.err" &
	pid=$!
	wait_file "$T/ws.port" 10000 || { kill "$pid"; return 1; }
	port=$(sed -n 's/^ws=//p' "$T/ws.port")
	load wsbad --json -c 2 --messages 2 "ws://127.0.0.1:$port/"
	kill "$pid"
	expect_eq "bad accept: exit status" "$LRC" 1 &&
	    expect_json "$T/wsbad.json" 'd["requests"] == 0 and d["errors"]["bad_response"] == 4'
}

# The summary's words fit the numbers: units by size, singulars, only opened connections.
t_quirks() {
	local port
	load one -c 1 -n 1 "$U/headers"
	expect_contains "$T/one.json" "1 request in" &&
	    expect_contains "$T/one.json" "1 connection opened" &&
	    expect_contains "$T/one.json" " B read" || return 1
	if grep -q "0.00 MB" "$T/one.json"; then note "0.00 MB printed"; return 1; fi
	port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	load two -c 2 -n 2 "http://127.0.0.1:$port/"
	expect_contains "$T/two.json" "2 errors" &&
	    expect_contains "$T/two.json" "0 connections opened" &&
	    expect_contains "$T/two.json" "0 B read"
}

tap_run "keep-alive: 200 requests on 10 connections" t_keepalive
tap_run "--no-keepalive: one connection per request" t_no_keepalive
tap_run "status classes counted, not errors" t_status_classes
tap_run "20 concurrent /delay?ms=300 overlap" t_concurrent_delay
tap_run "tcp echo, keep-alive and not" t_tcp_echo
tap_run "POST --payload body" t_post_body
tap_run "chunked and large bodies" t_bodies
tap_run "--timeline rows" t_timeline
tap_run "--rate paces an open loop" t_rate
tap_run "--slow-send trickles the request" t_slow_send
tap_run "connection refused: exit 1" t_refused
tap_run "--timeout counted" t_timeout
tap_run "bad arguments: exit 2" t_bad_args
tap_run "--hold: refused by the cap, 503 and closed; the rest held" t_hold_cap
tap_run "--hold --send: each answered once and kept open" t_hold_send
tap_run "--hold: report once settled, held until TERM" t_hold_term
tap_run "--hold: nothing opened, exit 1" t_hold_refused
tap_run "https: --cacert, --insecure, refused unverified" t_https
tap_run "host names resolved: localhost, [::1], ip6-localhost" t_names
tap_run "--threads: loops merged" t_threads
tap_run "--procs: processes merged" t_procs
tap_run "--target: two front ends share the clients" t_targets
tap_run "--latency: the percentile table" t_latency
tap_run "--max-p99, --max-errors: exit 99 naming the threshold" t_thresholds
tap_run "--rate: latency from the intended start" t_rate_co
tap_run "ws://: echoed messages; a wrong accept refused" t_ws
tap_run "summary wording: units, singulars, opened connections" t_quirks
tap_end
