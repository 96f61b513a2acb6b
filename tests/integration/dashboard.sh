#!/bin/bash
# dashboard: /events, the admin listener and /dashboard in a real browser; as TAP.
#
# /events is read with curl -N on the event build's own port and on the
# sequential model's admin listener while that model is busy with a /delay.
# Then headless Chromium (loopback only) loads /dashboard watching both
# while a small load runs, and the page's DOM must show events and requests
# in flight for each; its screenshot is left in the build directory.

. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"

PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
SHOT=$top_builddir/dashboard.png
LOAD_PIDS=()

# A check that could not run here: "ok N - desc # SKIP why".
tap_skip() {
	TAP_N=$((TAP_N + 1))
	echo "ok $TAP_N - $1 # SKIP $2"
}

# The admin= port of server NAME.
srv_admin() {
	sed -n 's/^admin=\([0-9]*\).*/\1/p' "$T/$1.ports" | head -1
}

# Read SECONDS of an event stream at URL into FILE (curl -N, bounded).
sse_read() {
	curl -sN --max-time "$3" -D "$2.head" -o "$2" "$1" 2>/dev/null
	return 0
}

# FILE holds at least N events, each JSON with every documented field, and
# the python expression ANY is true for at least one event (bound to e).
sse_ok() {
	local out
	out=$("$PY" - "$1" "$2" "$3" 2>&1 <<'EOF'
import json, sys
path, want, expr = sys.argv[1], int(sys.argv[2]), sys.argv[3]
fields = {"seq": int, "server": str, "model": str, "workers": int,
          "uptime_s": int, "interval_ms": int, "connections_open": int,
          "in_flight": dict, "requests_total": int,
          "requests_per_s": (int, float), "latency_ms": dict,
          "fetch_queue": int, "fetch_active": int, "rss_bytes": int,
          "per_worker": list}
waits = ("total", "timer", "stream", "fetch", "cpu", "queued")
events = []
for line in open(path, encoding="utf-8").read().split("\n"):
    if line.startswith("data: "):
        events.append(json.loads(line[6:]))
if len(events) < want:
    sys.exit("%d events, want at least %d" % (len(events), want))
for e in events:
    for k, t in fields.items():
        if not isinstance(e.get(k), t):
            sys.exit("event %s: field %s missing or not %s" % (e.get("seq"), k, t))
    for k in waits:
        if not isinstance(e["in_flight"].get(k), int):
            sys.exit("event %s: in_flight.%s missing" % (e["seq"], k))
    for k in ("p50", "p99"):
        if not isinstance(e["latency_ms"].get(k), (int, float)):
            sys.exit("event %s: latency_ms.%s missing" % (e["seq"], k))
if [e["seq"] for e in events] != list(range(events[0]["seq"], events[0]["seq"] + len(events))):
    sys.exit("seq not consecutive")
if not any(eval(expr) for e in events):
    sys.exit("no event with " + expr)
EOF
	) && return 0
	note "$(basename "$1"): $out"
	lib_note_file "$1"
	return 1
}

# Start COUNT clients, each asking URL/delay/SECS ROUNDS times in a row.
load_start() {
	local url=$1 secs=$2 count=$3 rounds=$4 i
	for ((i = 0; i < count; i++)); do
		(for ((r = 0; r < rounds; r++)); do
			curl -s --max-time 20 -o /dev/null "$url/delay/$secs"
		done) &
		LOAD_PIDS+=($!)
	done
}

# Stop the load clients we started, by pid, and reap them.
load_stop() {
	local pid
	for pid in "${LOAD_PIDS[@]}"; do
		kill "$pid" 2>/dev/null
		pkill -P "$pid" 2>/dev/null
	done
	for pid in "${LOAD_PIDS[@]}"; do
		wait "$pid" 2>/dev/null
	done
	LOAD_PIDS=()
}

# The sequential server's admin listener sees a request in flight.
admin_busy() {
	curl -s --max-time 1 "http://127.0.0.1:$SEQ_ADMIN/stats" 2>/dev/null |
	    "$PY" -c 'import json, sys; sys.exit(json.load(sys.stdin)["requests"]["in_flight"] < 1)'
}

# ---------------------------------------------------------------- checks

t_event_stream() {
	sse_read "$(srv_url ev)/events" "$T/ev.sse" 1.3
	expect_contains "$T/ev.sse.head" "text/event-stream" &&
	    expect_contains "$T/ev.sse.head" "Access-Control-Allow-Origin: *" &&
	    sse_ok "$T/ev.sse" 3 'e["model"] == "event" and e["in_flight"]["timer"] >= 1'
}

t_event_workers() {
	sse_ok "$T/ev.sse" 1 'len(e["per_worker"]) == 2 and e["workers"] == 2'
}

t_seq_busy() {
	# The model's one thread is in a /delay: its own port cannot answer.
	! curl -s --max-time 0.5 -o /dev/null "$(srv_url seq)/stats" || {
		note "/stats on the busy sequential port answered"
		return 1
	}
}

t_seq_admin_stream() {
	sse_read "http://127.0.0.1:$SEQ_ADMIN/events" "$T/seq.sse" 1.3
	expect_contains "$T/seq.sse.head" "Access-Control-Allow-Origin: *" &&
	    sse_ok "$T/seq.sse" 3 'e["model"] == "sequential" and e["in_flight"]["timer"] == 1'
}

t_seq_main_no_events() {
	local st
	st=$(curl -s --max-time 5 -o "$T/seq.main" -w '%{http_code}' "$(srv_url seq)/events")
	expect_eq "status" "$st" 404 &&
	    expect_json "$T/seq.main" 'd["status"] == 404 and "admin_listen" in d["error"]'
}

t_admin_only_watches() {
	local st
	st=$(curl -s --max-time 5 -o "$T/seq.adm404" -w '%{http_code}' \
	    "http://127.0.0.1:$SEQ_ADMIN/delay/1")
	expect_eq "status" "$st" 404 &&
	    expect_json "$T/seq.adm404" 'd["status"] == 404'
}

t_admin_stats() {
	curl -s --max-time 5 -o "$T/seq.astats" "http://127.0.0.1:$SEQ_ADMIN/stats"
	expect_json "$T/seq.astats" 'd["model"] == "sequential" and d["requests"]["total"] >= 1'
}

t_dashboard_page() {
	curl -s --max-time 5 -D "$T/dash.head" -o "$T/dash.html" "$(srv_url ev)/dashboard"
	expect_contains "$T/dash.head" "text/html" &&
	    expect_contains "$T/dash.html" "EventSource" &&
	    expect_contains "$T/dash.html" "admin_listen" &&
	    ! grep -Eq '(src|href)="https?:' "$T/dash.html" ||
	    { note "page missing or refers elsewhere"; return 1; }
}

t_browser() {
	local url="$(srv_url ev)/dashboard?watch=127.0.0.1:${SRV_HTTP[ev]},127.0.0.1:$SEQ_ADMIN"
	mkdir -p "$T/profile"
	rm -f "$SHOT"
	# The driver starts the load once the page is live: two clients on
	# the event loop, one on the sequential server, each /delay/1 in turn.
	timeout 60 "$PY" "$LIB_DIR/dashboard_browser.py" "$CHROMIUM" "$url" 2 "$SHOT" \
	    "$T/profile" 40 0.5 "$(srv_url ev)/delay/1" "$(srv_url ev)/delay/1" \
	    "$(srv_url seq)/delay/1" >"$T/browser.json" 2>"$T/browser.err"
	[ -s "$T/browser.json" ] || { note "browser: $(tail -3 "$T/browser.err")"; return 1; }
	expect_json "$T/browser.json" 'len(d["servers"]) == 2' &&
	    expect_json "$T/browser.json" \
	    'all(int(s["events"]) >= 3 and int(s["maxTimer"]) >= 1 for s in d["servers"])' &&
	    expect_json "$T/browser.json" \
	    '[s["model"] for s in d["servers"]] == ["event", "sequential"]' &&
	    [ "$(head -c 8 "$SHOT" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] ||
	    { note "no PNG screenshot at $SHOT"; return 1; }
}

t_drain_watcher() {
	local pid
	curl -sN --max-time 20 -o "$T/drain.sse" "$(srv_url ev)/events" 2>/dev/null &
	pid=$!
	wait_text "$T/drain.sse" "data: " 5000 || { note "no event before the stop"; kill "$pid"; wait "$pid"; return 1; }
	srv_stop ev
	local st=$?
	wait_until 2000 pid_gone "$pid"
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	[ "$st" -eq 0 ] && expect_eq "exit status" "$SRV_STATUS" 0 ||
	    { note "echofetchd did not stop within 2 s with a watcher open"; return 1; }
}

# ---------------------------------------------------------------- run

lib_setup
if ! srv_start ev "$top_builddir/echofetchd" --workers 2 --events-interval-ms 100; then
	srv_explain ev
	tap_bail "echofetchd did not start"
fi
if ! srv_start seq "$top_builddir/echofetchd-blocking" --model sequential \
    --admin-listen 127.0.0.1:0 --events-interval-ms 100; then
	srv_explain seq
	tap_bail "echofetchd-blocking did not start"
fi
SEQ_ADMIN=$(srv_admin seq)

load_start "$(srv_url ev)" 1 1 1
tap_run "echofetchd: /events on its own port streams the documented fields" t_event_stream
tap_run "echofetchd: /events has per_worker with two workers" t_event_workers
load_stop

load_start "$(srv_url seq)" 3 1 1
wait_until 2000 admin_busy >/dev/null 2>&1
tap_run "sequential: busy with a /delay, its own port does not answer" t_seq_busy
tap_run "sequential: the admin listener streams /events meanwhile, timer 1" t_seq_admin_stream
load_stop
tap_run "sequential: /events on the model's port says where it is" t_seq_main_no_events
tap_run "admin listener: only watches, /delay is a 404" t_admin_only_watches
tap_run "admin listener: /stats" t_admin_stats
tap_run "/dashboard: one page, nothing fetched from elsewhere" t_dashboard_page

tap_run_chromium "chromium: /dashboard shows both servers' events and requests" t_browser
tap_run "echofetchd: SIGTERM with an /events watcher open stops within 2 s" t_drain_watcher
tap_end
