#!/bin/bash
# fuzz: feed the corpus to a live echofetchd, then check it is still well (TAP).
#
# Every corpus file goes to the real server over its own connection (see
# feed_server.py); each must be answered or closed within a bound. Afterwards
# the server must still answer GET /ip, /stats must show no connection left
# open but the one asking, and SIGTERM must stop it with status 0.

. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/../integration/lib.sh"

FEED_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
FEED_BOUND=5

lib_setup
BIN=$top_builddir/echofetchd
[ -x "$BIN" ] || tap_bail "no binary $BIN (build first)"
# Short timeouts, so the cut-short inputs get their 408 well within the bound.
if ! srv_start feed "$BIN" --header-timeout-ms 1000 --body-timeout-ms 1000 \
    --keepalive-timeout-ms 2000 --shutdown-timeout-ms 2000 --workers 1; then
	srv_explain feed
	tap_bail "echofetchd did not start within 5 s"
fi
PORT=${SRV_HTTP[feed]}
tap_diag "echofetchd http=$PORT, corpus $FEED_DIR/corpus"

python3 "$FEED_DIR/feed_server.py" "$PORT" "$FEED_DIR/corpus" "$T/feed.out" \
    "$FEED_BOUND" 2>"$T/feed.err" ||
    tap_bail "feed_server.py failed: $(head -c 300 "$T/feed.err")"

# One feed_server.py result line: 1 passes, 0 fails with its note.
feed_result() {
	[ "$1" = 1 ] && return 0
	note "$2"
	return 1
}

while IFS=$'\t' read -r ok desc why; do
	tap_run "$desc answered or closed within ${FEED_BOUND}s ($why)" \
	    feed_result "$ok" "$why"
done <"$T/feed.out"

# The server outlived its input.
t_alive() {
	kill -0 "${SRV_PID[feed]}" 2>/dev/null && return 0
	note "echofetchd died; its stderr:"
	note "$(tail -5 "$T/feed.err" 2>/dev/null)"
	return 1
}

# It still serves a plain request.
t_ip() {
	req ip "http://127.0.0.1:$PORT/ip"
	expect_status ip 200 &&
	    expect_json "$T/ip.body" 'd["origin"] == "127.0.0.1"'
}

# Every fed connection was closed and counted down: /stats sees only itself.
t_no_leak() {
	local i
	for ((i = 0; i < 150; i++)); do
		req stats "http://127.0.0.1:$PORT/stats"
		if [ "$ST" = 200 ] && expect_json "$T/stats.body" \
		    'd["connections"]["open"] == 1' 2>/dev/null; then
			TAP_NOTES=
			return 0
		fi
		sleep 0.02
	done
	note "connections.open never came back to 1 (the /stats request itself)"
	lib_note_file "$T/stats.body"
	return 1
}

# SIGTERM is a clean stop, even after all that.
t_sigterm() {
	srv_stop feed || { note "echofetchd ignored SIGTERM for 2 s"; return 1; }
	expect_eq "exit status" "$SRV_STATUS" 0
}

tap_run "echofetchd is still running" t_alive
tap_run "GET /ip still answers 200" t_ip
tap_run "/stats: no connection left open" t_no_leak
tap_run "SIGTERM stops echofetchd with status 0" t_sigterm
tap_end
