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
tap_end
