#!/bin/bash
# websocket: /websocket/echo on echofetchd and echofetchd-blocking, as TAP.
#
# ws_client.py plays the clients: python3-websockets for echo, fragments,
# ping and close codes; hand-made frames for what a client must not send
# (1002, 1007, 1009), a bad upgrade (400/426), the idle timeout, and a
# client that sends without reading (the server must stop taking it). Then
# /stats must have counted it all, and SIGTERM must close an open
# WebSocket with 1001. The sequential model serves one WebSocket at a
# time and the pool model (size 2) two, the next one waiting; the others
# serve two at once. Every server also listens for TLS: the well-behaved
# checks run again over wss://, and echofetch-load's ws:// and wss://
# modes must get every message back, counted in /stats.

. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"

WC=$LIB_DIR/ws_client.py
# timeout(1) runs a program, not lib.sh's python3 function: name Debian's directly.
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
WS_ARGS=(-o ws_frame_max=64K -o ws_message_max=128K -o ws_idle_timeout_ms=1000
    -o shutdown_timeout_ms=5000 -o tls_listen=127.0.0.1:0)
CHECKS=(text binary fragmented large ping close_code unmasked bad_utf8 bad_utf8_split
    frame_too_big message_too_big bad_opcode rsv control_fragmented bad_upgrade idle
    backpressure)
TLS_CHECKS=(text binary fragmented large ping close_code unmasked)
# echofetch-load: connections x messages
LOAD_C=4
LOAD_M=25

# ---------------------------------------------------------------- checks

# ws_client.py said "ok NAME" for server SRV (over TLS: ws_ok SRV NAME wss).
ws_ok() {
	local f=$T/$1.${3:-ws}
	grep -qx "ok $2" "$f" && return 0
	note "$(grep -E "^not ok $2(:|\$)" "$f" || echo "no result for $2")"
	lib_note_file "$f.err"
	return 1
}

# Every WebSocket of the run is closed and counted, by close code.
ws_stats() {
	local name=$1
	wait_until 3000 srv_stat_eq "$name" '["websocket"]["connections_open"]' 0 ||
	    { note "connections_open stays $SRV_STAT"; return 1; }
	curl -s --max-time 2 "$(srv_url "$name")/stats" >"$T/$name.stats"
	expect_json "$T/$name.stats" 'd["websocket"]["connections_total"] >= 15 and
	    d["websocket"]["messages"] >= 7 and d["websocket"]["closes_1000"] >= 5 and
	    d["websocket"]["closes_1001"] >= 1 and d["websocket"]["closes_1002"] >= 4 and
	    d["websocket"]["closes_1007"] >= 2 and d["websocket"]["closes_1009"] >= 2 and
	    d["websocket"]["closes_other"] >= 1 and
	    d["requests"]["by_endpoint"]["websocket"]["101"] >= 15 and
	    d["requests"]["by_endpoint"]["websocket"]["426"] >= 2'
}

# SIGTERM with a WebSocket open: it gets close 1001, and the server exits
# within srv_stop's 2 s, long before shutdown_timeout_ms.
ws_sigterm() {
	local name=$1 pid
	rm -f "$T/$name.ready"
	timeout 10 "$PY" "$WC" "${SRV_HTTP[$name]}" hold "$T/$name.ready" \
	    >"$T/$name.hold" 2>&1 &
	pid=$!
	wait_file "$T/$name.ready" 5000 || { note "the WebSocket did not open"; return 1; }
	srv_stop "$name" || { note "server did not exit within 2 s of SIGTERM"; return 1; }
	wait "$pid"
	expect_eq "server exit status" "$SRV_STATUS" 0 || return 1
	expect_contains "$T/$name.hold" "close 1001 server shutting down"
}

# A self-signed certificate for localhost and 127.0.0.1, its own CA, in $T.
ws_cert() {
	command -v openssl >/dev/null || tap_bail "no openssl command"
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj '/CN=localhost' \
	    -addext 'subjectAltName=DNS:localhost,IP:127.0.0.1' \
	    -keyout "$T/key.pem" -out "$T/cert.pem" >"$T/openssl.log" 2>&1 ||
	    { sed 's/^/#   /' "$T/openssl.log" | tail -5; tap_bail "openssl failed"; }
	WS_ARGS+=(-o tls_cert="$T/cert.pem" -o tls_key="$T/key.pem")
}

# The server's HTTPS port, from its port file.
ws_tls_port() {
	sed -n 's/^https=\([0-9]*\).*/\1/p' "$T/$1.ports" | head -1
}

# "messages connections_total" from server NAME's /stats websocket counters.
ws_counts() {
	curl -s --max-time 2 "$(srv_url "$1")/stats" | python3 -c 'import json, sys
w = json.load(sys.stdin)["websocket"]
print(w["messages"], w["connections_total"])'
}

# echofetch-load SCHEME against server NAME: LOAD_C connections x LOAD_M
# messages all echoed, and /stats counts every one of them (a message is
# counted before its echo is sent, so the counts are whole when it ends).
ws_load() {
	local name=$1 scheme=$2 port=${SRV_HTTP[$1]} m0 c0 m1 c1 tls=()
	if [ "$scheme" = wss ]; then
		port=$(ws_tls_port "$name")
		tls=(--cacert "$T/cert.pem")
	fi
	read -r m0 c0 < <(ws_counts "$name")
	[ -n "$c0" ] || { note "no /stats"; return 1; }
	timeout 30 "$top_builddir/echofetch-load" -q --json "${tls[@]}" -c $LOAD_C \
	    --messages $LOAD_M --payload 300 "$scheme://localhost:$port/websocket/echo" \
	    >"$T/$name.$scheme.json" 2>"$T/$name.$scheme.err"
	expect_eq "echofetch-load exit status" "$?" 0 || { lib_note_file "$T/$name.$scheme.err"; return 1; }
	read -r m1 c1 < <(ws_counts "$name")
	expect_json "$T/$name.$scheme.json" "d['requests'] == $LOAD_C * $LOAD_M and
	    d['errors']['total'] == 0 and d['connects'] == $LOAD_C" &&
	    expect_eq "messages counted" "$((m1 - m0))" $((LOAD_C * LOAD_M)) &&
	    expect_eq "connections counted" "$((c1 - c0))" $LOAD_C
}

# ---------------------------------------------------------------- runs

# What check NAME of ws_client.py shows, for the TAP line.
ws_desc() {
	case $1 in
	parallel) echo "two WebSockets at once" ;;
	queue:1) echo "a second WebSocket waits for the first" ;;
	queue:*) echo "${1#queue:} WebSockets at once, the next one waits" ;;
	*) echo "$1" ;;
	esac
}

# Run every check against one server:
# ws_build LABEL NAME "CONCURRENCY CHECKS" LOAD BINARY ARGS...
# LOAD: yes to run echofetch-load (it needs LOAD_C WebSockets at once).
ws_build() {
	local label=$1 name=$2 conc=$3 load=$4 bin=$5 c
	shift 5
	if ! srv_start "$name" "$bin" "$@" "${WS_ARGS[@]}"; then
		srv_explain "$name"
		tap_bail "$label did not start"
	fi
	# shellcheck disable=SC2086 # conc is a list of checks
	timeout 60 "$PY" "$WC" "${SRV_HTTP[$name]}" "${CHECKS[@]}" $conc \
	    >"$T/$name.ws" 2>"$T/$name.ws.err"
	timeout 30 "$PY" "$WC" --tls "$T/cert.pem" "$(ws_tls_port "$name")" \
	    "${TLS_CHECKS[@]}" >"$T/$name.wss" 2>"$T/$name.wss.err"
	for c in "${CHECKS[@]}" $conc; do
		tap_run "$label: $(ws_desc "$c")" ws_ok "$name" "$c"
	done
	for c in "${TLS_CHECKS[@]}"; do
		tap_run "$label: wss:// $c" ws_ok "$name" "$c" wss
	done
	if [ "$load" = yes ]; then
		tap_run "$label: echofetch-load ws:// $LOAD_C x $LOAD_M, all in /stats" \
		    ws_load "$name" ws
		tap_run "$label: echofetch-load wss:// --cacert $LOAD_C x $LOAD_M, all in /stats" \
		    ws_load "$name" wss
	fi
	tap_run "$label: /stats counts connections, messages, closes by code" ws_stats "$name"
	tap_run "$label: SIGTERM closes an open WebSocket with 1001" ws_sigterm "$name"
}

lib_setup
ws_cert
ws_build "echofetchd" ev parallel yes "$top_builddir/echofetchd" --workers 2
ws_build "echofetchd-blocking thread" th parallel yes "$top_builddir/echofetchd-blocking" \
    --model thread
ws_build "echofetchd-blocking fork" fk parallel no "$top_builddir/echofetchd-blocking" \
    --model fork
ws_build "echofetchd-blocking pool" pl "parallel queue:2" no \
    "$top_builddir/echofetchd-blocking" --model pool --pool-size 2
ws_build "echofetchd-blocking sequential" sq queue:1 no "$top_builddir/echofetchd-blocking" \
    --model sequential
tap_end
