#!/bin/bash
# udp: UDP echo never loops, never reflects, and keeps to its rates; as TAP.
#
# Runs against echofetchd (two workers, so two sockets share the limits)
# and echofetchd-blocking in the sequential (poll loop) and thread (UDP
# thread) models. udp_client.py plays the clients and reads /stats; as root
# it binds service ports and forges a datagram from the server's own port.

. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"

UC=$LIB_DIR/udp_client.py
# timeout(1) runs a program, not lib.sh's python3 function: name Debian's directly.
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
RATE=100	# udp_echo_rate of the "lim" server
GLOBAL=200	# udp_echo_rate_global of the "glob" server

# ---------------------------------------------------------------- helpers

# Run udp_client.py steps ('MODE ARGS') in turn against server NAME; each
# leaves $T/NAME.MODE.json.
uc_batch() {
	local name=$1
	shift
	timeout 120 "$PY" "$UC" batch "${SRV_HTTP[$name]}" "${SRV_UDP[$name]}" "$T/$name" "$@" \
	    2>"$T/$name.uc.err" || tap_diag "udp_client.py failed: $(tail -3 "$T/$name.uc.err")"
}

# The result file of a step for the checks that follow.
uc() {
	OUT=$T/$1.$2.json
}

# A check that could not run here: "ok N - desc # SKIP why" (tap-driver counts a skip).
tap_skip() {
	TAP_N=$((TAP_N + 1))
	echo "ok $TAP_N - $1 # SKIP $2"
}

# Run check FN unless the step's result says it could not run here.
uc_run() {
	local desc=$1 why
	shift
	why=$(sed -n 's/.*"skip": "\([^"]*\)".*/\1/p' "$OUT" 2>/dev/null)
	if [ -n "$why" ]; then
		tap_skip "$desc" "$why"
		return 0
	fi
	tap_run "$desc" "$@"
}

# ---------------------------------------------------------------- checks

# A plain client still gets its datagram back.
t_echo() {
	expect_json "$OUT" 'd["reply"] is not None and d["match"]'
}

# From echo, daytime, chargen and time ports: read, counted, never answered.
t_from_ports() {
	grep -q '"skipped": \[\]' "$OUT" ||
	    tap_diag "service ports not tested here: $(sed -n 's/.*"skipped": \[\([^]]*\)\].*/\1/p' "$OUT")"
	expect_json "$OUT" 'd["replies"] == 0 and d["probe"] and
	    d["d_udp_dropped_reflect"] == d["sent"] and d["d_udp_datagrams"] == 0'
}

# Forged from the server's own address and port: one drop, no self-loop.
t_spoof_self() {
	expect_json "$OUT" 'd["d_udp_dropped_reflect"] == 1 and not d["looping"] and
	    d["probe"] and d["d_udp_datagrams"] == 1'
}

# One source flooding: at most a burst plus the rate over the time taken, at
# least half a burst (earlier checks spent a few); the rest dropped.
t_flood_source() {
	expect_json "$OUT" "$((RATE / 2)) <= d['replies'] <= $RATE + $RATE * d['elapsed'] + 2 and
	    d['replies'] <= d['d_udp_datagrams'] and
	    d['d_udp_datagrams'] + d['d_udp_dropped_rate'] == d['sent']"
}

# Three sources together stay under the global rate.
t_flood_global() {
	expect_json "$OUT" "$((GLOBAL / 2)) <= d['replies'] <= $GLOBAL + $GLOBAL * d['elapsed'] + 2 and
	    d['d_udp_datagrams'] + d['d_udp_dropped_rate'] == d['sent']"
}

# /metrics names the drops by reason.
t_metrics() {
	req "$1.metrics" "http://127.0.0.1:${SRV_HTTP[$1]}/metrics"
	expect_status "$1.metrics" 200 || return 1
	expect_contains "$T/$1.metrics.body" 'echofetch_echo_udp_dropped_total{reason="reflect"}' ||
	    return 1
	grep -Eq '^echofetch_echo_udp_dropped_total\{reason="rate"\} [1-9]' \
	    "$T/$1.metrics.body" && return 0
	note "no nonzero rate drops in /metrics"
	return 1
}

# ---------------------------------------------------------------- one build

# Every check against one binary and its flags.
udp_build() {
	local label=$1 bin=$2
	shift 2

	[ -x "$bin" ] || tap_bail "no binary $bin (build first)"
	if ! srv_start lim "$bin" "$@" --udp-echo-rate "$RATE"; then
		srv_explain lim
		tap_bail "$label did not start"
	fi
	tap_diag "$label: http=${SRV_HTTP[lim]} udp=${SRV_UDP[lim]}"
	uc_batch lim echo "from-ports 7 13 19 37" spoof-self "flood 5000 127.0.0.1" \
	    "echo2:echo 127.0.0.2"
	uc lim echo
	tap_run "$label: a plain client gets its echo" t_echo
	uc lim from-ports
	uc_run "$label: no echo to source ports 7, 13, 19, 37; counted as reflect" t_from_ports
	uc lim spoof-self
	uc_run "$label: a datagram forged from its own port is dropped, no self-loop" t_spoof_self
	uc lim flood
	tap_run "$label: 5000 from one source get at most $RATE/s plus a burst" t_flood_source
	uc lim echo2
	tap_run "$label: another source still gets its echo after the flood" t_echo
	tap_run "$label: /metrics counts drops by reason" t_metrics lim
	srv_stop lim

	if ! srv_start glob "$bin" "$@" --udp-echo-rate 0 --udp-echo-rate-global "$GLOBAL"; then
		srv_explain glob
		tap_bail "$label did not start"
	fi
	uc_batch glob "flood 2000 127.0.0.3,127.0.0.4,127.0.0.5"
	uc glob flood
	tap_run "$label: three sources together get at most $GLOBAL/s plus a burst" t_flood_global
	srv_stop glob
}

lib_setup
udp_build "echofetchd" "$top_builddir/echofetchd" --workers 2
udp_build "echofetchd-blocking sequential" "$top_builddir/echofetchd-blocking" --model sequential
udp_build "echofetchd-blocking thread" "$top_builddir/echofetchd-blocking" --model thread
tap_end
