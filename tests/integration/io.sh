#!/bin/bash
# io: echofetchd's connection I/O (plain and TLS on its own events), as TAP.
#
# An idle keep-alive connection gives its buffers back (/stats
# connections.buffered); HTTPS pipelining, uploads, slow readers and the
# timeouts go through the same reads and writes. io_client.py plays the
# clients. Exits 0 whatever the checks say; "Bail out!" if the binary is missing.

. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"

IC=$LIB_DIR/io_client.py
HOLD_N=20

# A self-signed certificate for 127.0.0.1 in $T.
io_cert() {
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
	    -subj /CN=127.0.0.1 -keyout "$T/key.pem" -out "$T/cert.pem" >"$T/openssl.log" 2>&1
}

# Server NAME with an HTTPS port too (TLS_PORT[NAME]); more options after.
declare -A TLS_PORT
io_start() {
	local name=$1
	shift
	srv_start_noted "$name" "$BIN" --workers 1 -o tls_listen=127.0.0.1:0 \
	    -o tls_cert="$T/cert.pem" -o tls_key="$T/key.pem" "$@" || return 1
	TLS_PORT[$name]=$(sed -n 's/^https=\([0-9]*\).*/\1/p' "$T/$name.ports" | head -1)
	[ -n "${TLS_PORT[$name]}" ] || { note "no https= in the port file"; return 1; }
}

# HOLD_N connections of KIND (plain or tls) answered once and held idle:
# only the connection asking /stats holds buffers.
t_idle_buffers() {
	local kind=$1 port=${SRV_HTTP[io]} pid rc=0
	[ "$kind" = tls ] && port=${TLS_PORT[io]}
	rm -f "$T/hold.$kind"
	python3 "$IC" hold "$port" "$HOLD_N" "$kind" "$T/hold.$kind" 2>"$T/hold.$kind.err" &
	pid=$!
	if ! wait_until 10000 test -s "$T/hold.$kind"; then
		note "the $HOLD_N connections were not answered: $(tail -2 "$T/hold.$kind.err")"
		rc=1
	elif ! srv_stat_wait_eq io '["connections"]["open"]' $((HOLD_N + 1)) 3000; then
		rc=1
	elif ! srv_stat_wait_eq io '["connections"]["buffered"]' 1 3000; then
		note "(1 is the connection asking; the $HOLD_N idle ones hold theirs)"
		rc=1
	fi
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return $rc
}

# 600 requests (two TLS records) in one write: 600 answers.
t_tls_pipeline() {
	python3 "$IC" pipeline "${TLS_PORT[io]}" 600 >"$T/pipe.json" 2>&1
	expect_json "$T/pipe.json" 'd["answers"] == 600 and d["ok"] == 600'
}

# 900,000 random bytes POSTed to /echo over TLS come back whole.
t_tls_upload() {
	python3 "$IC" upload "${TLS_PORT[io]}" 900000 >"$T/up.json" 2>&1
	expect_json "$T/up.json" 'd["status"] == 200 and d["same"] and d["bytes"] == 900000'
}

# A TLS client that reads 3 MB late and slowly gets the same bytes as plain HTTP.
t_tls_slow_reader() {
	local want
	want=$(curl -s --max-time 8 "$(srv_url io)/bytes/3000000?seed=3" | sha256sum | cut -d' ' -f1)
	python3 "$IC" slowread "${TLS_PORT[io]}" 3000000 >"$T/slow.json" 2>&1
	expect_json "$T/slow.json" "d['status'] == 200 and d['bytes'] == 3000000 and
	    d['sha256'] == '$want'"
}

# keepalive_timeout_ms=1000: an answered TLS connection ends at ~1 s, quietly.
t_tls_idle_close() {
	python3 "$IC" idle "${TLS_PORT[short]}" >"$T/idle.json" 2>&1
	expect_json "$T/idle.json" 'd["status"] == 200 and d["how"] == "eof" and
	    d["after"] == 0 and 700 <= d["ms"] <= 3000'
}

# header_timeout_ms=1000: half a head over TLS gets its 408 at ~1 s.
t_tls_partial_head() {
	python3 "$IC" partial "${TLS_PORT[short]}" >"$T/part.json" 2>&1
	expect_json "$T/part.json" 'd["status"] == 408 and "header_timeout_ms" in d["body"] and
	    700 <= d["ms"] <= 3000'
}

io_main() {
	if ! io_cert || ! io_start io || ! io_start short -o keepalive_timeout_ms=1000 \
	    -o header_timeout_ms=1000; then
		tap_bail "cannot start the servers: $TAP_NOTES $(cat "$T/openssl.log" 2>/dev/null)"
	fi
	tap_run "$HOLD_N idle plain keep-alive connections hold no buffers (/stats buffered 1)" \
	    t_idle_buffers plain
	tap_run "$HOLD_N idle TLS keep-alive connections hold no buffers (/stats buffered 1)" \
	    t_idle_buffers tls
	tap_run "HTTPS: 600 pipelined GETs in one write (two TLS records) get 600 answers" t_tls_pipeline
	tap_run "HTTPS: POST /echo of 900,000 random bytes comes back whole" t_tls_upload
	tap_run "HTTPS: a late, slow reader of /bytes/3000000 gets the plain bytes" t_tls_slow_reader
	tap_run "HTTPS keepalive_timeout_ms=1000: an idle connection ends at ~1 s, no bytes" \
	    t_tls_idle_close
	tap_run "HTTPS header_timeout_ms=1000: half a head gets 408 at ~1 s" t_tls_partial_head
	srv_kill io
	srv_kill short
}

lib_setup
BIN=$top_builddir/echofetchd
[ -x "$BIN" ] || tap_bail "no binary $BIN (build first)"
io_main
tap_end
