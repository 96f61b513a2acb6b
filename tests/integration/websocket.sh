#!/bin/bash
# websocket: /websocket/echo on echofetchd and echofetchd-blocking, as TAP.
#
# ws_client.py plays the clients: python3-websockets for echo, fragments,
# ping and close codes; hand-made frames for what a client must not send
# (1002, 1007, 1009), a bad upgrade (400/426), the idle timeout, and a
# client that sends without reading (the server must stop taking it). Then
# /stats must have counted it all, and SIGTERM must close an open
# WebSocket with 1001. The sequential model serves one WebSocket at a
# time; the others serve two at once.

. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"

WC=$LIB_DIR/ws_client.py
# timeout(1) runs a program, not lib.sh's python3 function: name Debian's directly.
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
WS_ARGS=(-o ws_frame_max=64K -o ws_message_max=128K -o ws_idle_timeout_ms=1500
    -o shutdown_timeout_ms=5000)
CHECKS=(text binary fragmented large ping close_code unmasked bad_utf8 bad_utf8_split
    frame_too_big message_too_big bad_opcode rsv control_fragmented bad_upgrade idle
    backpressure)

# ---------------------------------------------------------------- checks

# ws_client.py said "ok NAME" for server SRV.
ws_ok() {
	grep -qx "ok $2" "$T/$1.ws" && return 0
	note "$(grep -E "^not ok $2(:|\$)" "$T/$1.ws" || echo "no result for $2")"
	lib_note_file "$T/$1.ws.err"
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

# ---------------------------------------------------------------- runs

# Run every check against one server: ws_build LABEL NAME CONCURRENCY BINARY ARGS...
ws_build() {
	local label=$1 name=$2 conc=$3 bin=$4 c
	shift 4
	if ! srv_start "$name" "$bin" "$@" "${WS_ARGS[@]}"; then
		srv_explain "$name"
		tap_bail "$label did not start"
	fi
	timeout 60 "$PY" "$WC" "${SRV_HTTP[$name]}" "${CHECKS[@]}" "$conc" \
	    >"$T/$name.ws" 2>"$T/$name.ws.err"
	for c in "${CHECKS[@]}"; do
		tap_run "$label: $c" ws_ok "$name" "$c"
	done
	if [ "$conc" = serial ]; then
		tap_run "$label: a second WebSocket waits for the first" ws_ok "$name" serial
	else
		tap_run "$label: two WebSockets at once" ws_ok "$name" parallel
	fi
	tap_run "$label: /stats counts connections, messages, closes by code" ws_stats "$name"
	tap_run "$label: SIGTERM closes an open WebSocket with 1001" ws_sigterm "$name"
}

lib_setup
ws_build "echofetchd" ev parallel "$top_builddir/echofetchd" --workers 2
ws_build "echofetchd-blocking thread" th parallel "$top_builddir/echofetchd-blocking" \
    --model thread
ws_build "echofetchd-blocking sequential" sq serial "$top_builddir/echofetchd-blocking" \
    --model sequential
tap_end
