#!/bin/bash
# hardening: echofetchd against drains, slow and hostile clients, as TAP.
#
# Every server runs on 127.0.0.1 port 0 (lib.sh); hard_client.py plays the
# odd clients. Each scenario runs once and its findings are then checked as
# separate "ok" lines. The attacks that need the machine to themselves
# (slowhttptest, 10,000 clients, fd exhaustion) are stress.sh's. Exits 0
# whatever the checks say; "Bail out!" if the binary is missing.

. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"

HC=$LIB_DIR/hard_client.py

# ---------------------------------------------------------------- helpers

# ---------------------------------------------------------------- drain

# 200 delays in flight, SIGTERM, one connect attempt; results for the checks.
drain_run() {
	local t0 mpid
	DR_OK=0 DR_CURL= DR_STATUS= DR_MS= DR_NOTE= TAP_NOTES=
	srv_start_noted drain "$BIN" || return 1
	t0=$(now_ms)
	python3 "$HC" many "${SRV_HTTP[drain]}" 200 '/delay?ms=2000' 10 \
	    >"$T/drain.many" 2>&1 &
	mpid=$!
	if ! srv_stat_wait_ge drain '["requests"]["in_flight"]' 200 1800; then
		DR_NOTE=$TAP_NOTES
	fi
	kill -TERM "${SRV_PID[drain]}"
	t0=$(now_ms)
	wait_text "$T/drain.err" "draining" 1000
	curl -sS --max-time 2 -o /dev/null "$(srv_url drain)/ip" 2>"$T/drain.curl"
	DR_CURL=$?
	wait "$mpid"
	tail -1 "$T/drain.many" >"$T/drain.json"
	srv_wait_exit drain 8000 "$t0"
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
	expect_eq "exit status" "$DR_STATUS" 0 || { srv_note_err drain; return 1; }
	tap_diag "drain: exited $DR_MS ms after SIGTERM"
}

# A second SIGTERM during a drain stops at once (< 1 s) though a 5 s delay runs.
t_drain_second_signal() {
	local cpid t0
	srv_start_noted drain2 "$BIN" || return 1
	curl -s --max-time 8 -o /dev/null "$(srv_url drain2)/delay?ms=5000" &
	cpid=$!
	srv_stat_wait_ge drain2 '["requests"]["in_flight"]' 1 2000
	kill -TERM "${SRV_PID[drain2]}"
	wait_text "$T/drain2.err" "draining" 1000 ||
	    { note "no 'draining' log line"; srv_note_err drain2; }
	t0=$(now_ms)
	kill -TERM "${SRV_PID[drain2]}"
	srv_wait_exit drain2 3000 "$t0"
	kill "$cpid" 2>/dev/null
	wait "$cpid" 2>/dev/null
	[ -n "$EXIT_MS" ] || { note "still running 3 s after the second SIGTERM"; srv_note_err drain2; srv_kill drain2; return 1; }
	# Wide for a busy machine; waiting the delay out would take 5 s.
	expect_lt "ms from the second SIGTERM to exit" "$EXIT_MS" 2000 ||
	    { srv_note_err drain2; return 1; }
}

# shutdown_timeout_ms=500 cuts an 8 s delay short: exit well before it, logged.
t_drain_deadline() {
	local cpid t0 line
	srv_start_noted drain3 "$BIN" -o shutdown_timeout_ms=500 || return 1
	curl -s --max-time 12 -o /dev/null "$(srv_url drain3)/delay?ms=8000&tag=cut" &
	cpid=$!
	srv_stat_wait_ge drain3 '["requests"]["in_flight"]' 1 5000 || { srv_kill drain3; return 1; }
	t0=$(now_ms)
	kill -TERM "${SRV_PID[drain3]}"
	srv_wait_exit drain3 3000 "$t0"
	kill "$cpid" 2>/dev/null
	wait "$cpid" 2>/dev/null
	[ -n "$EXIT_MS" ] || { note "still running 3 s after SIGTERM"; srv_kill drain3; return 1; }
	# Wide for a busy machine; without the deadline it would take 8 s.
	expect_lt "ms from SIGTERM to exit" "$EXIT_MS" 2500 || { srv_note_err drain3; return 1; }
	expect_eq "exit status" "$SRV_STATUS" 0 || return 1
	line=$(grep -F "tag=cut" "$T/drain3.access")
	[ -n "$line" ] || { note "no access-log line for the cut request"; lib_note_file "$T/drain3.access"; return 1; }
	tap_diag "cut request logged as: $line"
	[[ $line == *drain* ]] || { note "the line does not say it was cut: $line"; return 1; }
}

# ---------------------------------------------------------------- slow clients

# The server for the slow-client checks: short timeouts all round.
slow_start() {
	srv_start_noted slow "$BIN" -o header_timeout_ms=1500 -o keepalive_timeout_ms=1000 \
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

# A connection idle after its answer is closed keepalive_timeout_ms later, not before.
t_keepalive_idle_close() {
	local t0 ms
	[ -n "${SRV_PID[slow]:-}" ] || slow_start || return 1
	t0=$(now_ms)
	python3 "$HC" trickle "${SRV_HTTP[slow]}" 0 \
	    'GET /ip HTTP/1.1\r\nHost: x\r\n\r\n' 4 >"$T/kaidle.json" 2>&1
	ms=$(($(now_ms) - t0))
	expect_json "$T/kaidle.json" 'd["status"] == 200 and d["how"] == "eof"' &&
	    expect_ge "ms until the idle connection closed" "$ms" 900 &&
	    expect_lt "ms until the idle connection closed" "$ms" 2500
}

# A reader that never reads /bytes/10000000 is cut off by write_timeout_ms; RSS stays small.
t_slow_reader() {
	local pid rpid t0 open closed_ms= hwm
	[ -n "${SRV_PID[slow]:-}" ] || slow_start || return 1
	pid=${SRV_PID[slow]}
	python3 "$HC" slowread "${SRV_HTTP[slow]}" /bytes/10000000 5 \
	    >"$T/slowread.json" 2>"$T/slowread.err" &
	rpid=$!
	wait_text "$T/slowread.err" "request sent" 5000 ||
	    { note "the reader never sent its request"; lib_note_file "$T/slowread.err"; }
	t0=$(now_ms)
	# /stats counts its own connection: 1 means the reader is gone.
	srv_stat_wait_eq slow '["connections"]["open"]' 1 8000 && closed_ms=$(($(now_ms) - t0))
	wait "$rpid"
	hwm=$(proc_vm_kib "$pid" VmHWM)
	tap_diag "slow reader: server closed it after ~${closed_ms:-?} ms; peak RSS ${hwm} KiB"
	[ -n "$closed_ms" ] || { note "the reader's connection was still open after 8 s"; srv_note_err slow; return 1; }
	expect_json "$T/slowread.json" 'd["status"] == 200 and d["bytes"] < 10000000 and
	    d["how"] in ("eof", "reset")' &&
	    expect_lt "server peak RSS KiB" "${hwm:-999999}" 65536
}

# ---------------------------------------------------------------- limits

# 150 idle connections with max_connections=50: 100 get 503 JSON and a close.
t_cap_refuse() {
	srv_start_noted cap "$BIN" -o max_connections=50 || return 1
	hold_conns cap "${SRV_HTTP[cap]}" 150 0
	expect_json "$T/cap.json" 'd["opened"] == 150 and d["answered"] == {"503": 100} and
	    d["closed"] == 100 and d["open"] == 50 and
	    json.loads(d["bodies"]["503"])["status"] == 503'
}

# Once those are closed, a new request is served (asked until it is, for 3 s).
t_cap_recover() {
	local rc=0
	[ -n "${SRV_PID[cap]:-}" ] || { note "no cap server"; return 1; }
	srv_wait_served cap /ip 3000 || rc=1
	srv_kill cap
	return "$rc"
}

# Two workers share max_connections=50: still 50 open in all, 100 refused.
t_cap_workers() {
	srv_start_noted cap2 "$BIN" -w 2 -o max_connections=50 || return 1
	hold_conns cap2 "${SRV_HTTP[cap2]}" 150 0
	srv_kill cap2
	expect_json "$T/cap2.json" 'd["opened"] == 150 and d["answered"] == {"503": 100} and
	    d["closed"] == 100 and d["open"] == 50'
}

# ---------------------------------------------------------------- hostile bytes

# 1 MiB of noise through the TCP echo port comes back unchanged.
t_rand_echo() {
	[ -n "${SRV_PID[main]:-}" ] || srv_start_noted main "$BIN" || return 1
	python3 "$HC" echo "${SRV_ECHO[main]}" "$T/1m.bin" >"$T/recho.json" 2>&1
	expect_json "$T/recho.json" 'd["sent"] == 1048576 and d["same"]'
}

# 64 KiB of noise to the HTTP port: 400 then close (or just a close); still serving.
t_rand_http() {
	[ -n "${SRV_PID[main]:-}" ] || srv_start_noted main "$BIN" || return 1
	python3 "$HC" garbage "${SRV_HTTP[main]}" "$T/64k.bin" >"$T/rhttp.json" 2>&1
	expect_json "$T/rhttp.json" 'd["status"] in (0, 400) and d["how"] != "timeout"
	    and (d["status"] == 0 or d["bytes"] > 0)' || return 1
	req ralive "$(srv_url main)/ip"
	expect_status ralive 200
}

# A client that shuts its write side after the request still gets the answer.
t_half_close() {
	[ -n "${SRV_PID[main]:-}" ] || srv_start_noted main "$BIN" || return 1
	python3 "$HC" halfclose "${SRV_HTTP[main]}" 'GET /ip HTTP/1.1\r\nHost: x\r\n\r\n' \
	    >"$T/half.json" 2>&1
	expect_json "$T/half.json" 'd["status"] == 200 and
	    json.loads(d["body"])["origin"] == "127.0.0.1"'
}

# An RST in the middle of /bytes/5000000 leaves the server well and leaks nothing.
t_rst_mid() {
	local base
	[ -n "${SRV_PID[main]:-}" ] || srv_start_noted main "$BIN" || return 1
	base=$(srv_stat main '["connections"]["open"]')
	python3 "$HC" rst "${SRV_HTTP[main]}" /bytes/5000000 100000 >"$T/rst.json" 2>&1
	expect_json "$T/rst.json" 'd["status"] == 200 and d["read"] >= 100000' || return 1
	wait_until 2000 srv_stat_eq main '["connections"]["open"]' "$base"
	kill -0 "${SRV_PID[main]}" 2>/dev/null || { note "the server died"; srv_note_err main; return 1; }
	expect_eq "connections open 2 s after the RST" "$SRV_STAT" "$base"
}

# ---------------------------------------------------------------- main

# Inputs: noise for the echo and HTTP ports.
hard_fixtures() {
	head -c 1048576 /dev/urandom >"$T/1m.bin"
	head -c 65536 /dev/urandom >"$T/64k.bin"
}

# Every check. The heavy scenarios (slowhttptest, 10,000 clients, EMFILE) are in stress.sh.
hard_main() {
	drain_run
	tap_run "drain: 200 /delay?ms=2000 in flight at SIGTERM all answered 200" t_drain_answered
	tap_run "drain: those responses carry Connection: close" t_drain_conn_close
	tap_run "drain: a new connection after SIGTERM is refused (curl exit 7)" t_drain_refused
	tap_run "drain: exit status 0 after the last answer" t_drain_exit
	tap_run "drain: a second SIGTERM stops at once (< 2 s) despite a 5 s delay" t_drain_second_signal
	tap_run "drain: shutdown_timeout_ms=500 cuts an 8 s delay, exit < 2.5 s, logged" t_drain_deadline
	tap_run "header_timeout_ms=1500: head trickled 1 B/200 ms -> 408 JSON at ~1.5 s" t_slow_header
	tap_run "body_timeout_ms=1500: a stalled body -> 408 JSON ~1.5 s after its last byte" t_slow_body_stall
	tap_run "body_timeout_ms=1500: a body with every pause < 1.5 s is accepted (pause limit)" t_slow_body_trickle
	tap_run "keepalive_timeout_ms=1000: an idle answered connection is closed at ~1 s" t_keepalive_idle_close
	tap_run "write_timeout_ms=1000: a reader that never reads /bytes/10000000 is closed; RSS < 64 MiB" t_slow_reader
	srv_kill slow
	tap_run "max_connections=50: of 150 idle connections 100 get 503 JSON and a close" t_cap_refuse
	tap_run "max_connections=50: after they close, a request succeeds" t_cap_recover
	tap_run "max_connections=50 over 2 workers (25 each): 50 open, 100 refused" t_cap_workers
	tap_run "1 MiB of /dev/urandom through the TCP echo port comes back identical" t_rand_echo
	tap_run "64 KiB of random bytes to the HTTP port: 400 or close, then still serving" t_rand_http
	tap_run "half-closed client (SHUT_WR after GET /ip) still gets its answer" t_half_close
	tap_run "RST mid /bytes/5000000: server alive, connections open back to baseline" t_rst_mid
	srv_kill main
}

lib_setup
BIN=$top_builddir/echofetchd
[ -x "$BIN" ] || tap_bail "no binary $BIN (build first)"
hard_fixtures
hard_main
tap_end
