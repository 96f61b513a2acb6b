#!/bin/bash
# limits: what one client, or many idle ones, can make a server hold, as TAP.
#
# Usage: limits.sh
#
# The fork and thread models' own caps (max_children, max_threads) and the
# chunked framing allowance (chunk_overhead_max) in both builds. Servers run
# on 127.0.0.1 port 0 (lib.sh). Exits 0 whatever the checks say; "Bail out!"
# without a binary.

. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"

LC=$LIB_DIR/limits_client.py

# ---------------------------------------------------------------- helpers

# Processes whose parent is PID.
lm_children() {
	pgrep -P "$1" | wc -l
}

# Threads of PID.
lm_threads() {
	awk '/^Threads:/ { print $2 }' "/proc/$1/status"
}

# ---------------------------------------------------------------- caps

# 30 idle clients against a cap of 20 (KEY=20 for MODEL): 10 get 503 JSON
# naming KEY, 20 stay open; COUNT (children or threads) stays near 20.
lm_cap() {
	local name=$1 model=$2 key=$3 count=$4 pid n
	srv_start_noted "$name" "$BL" --model "$model" -o "$key=20" || return 1
	pid=${SRV_PID[$name]}
	hold_conns "$name" "${SRV_HTTP[$name]}" 30 3 &
	LM_HOLD=$!
	wait_file "$T/$name.json" 8000 || { note "hold printed nothing"; return 1; }
	n=$($count "$pid")
	tap_diag "$model, $key=20, 30 idle clients: $count = $n"
	expect_json "$T/$name.json" 'd["opened"] == 30 and d["answered"] == {"503": 10} and
	    d["closed"] == 10 and d["open"] == 20 and
	    json.loads(d["bodies"]["503"]) == {"error": "too many connections ('"$key"')",
	    "status": 503}' || return 1
	expect_lt "$count of $model server" "$n" 25
}

# Once the held clients close, the slots come back: a request is served.
lm_cap_recover() {
	local name=$1
	[ -n "${SRV_PID[$name]:-}" ] || { note "no $name server"; return 1; }
	wait "$LM_HOLD"
	srv_wait_served "$name" /ip 5000
	srv_kill "$name"
	[ "$ST" = 200 ]
}

t_fork_cap() { lm_cap fork fork max_children lm_children; }
t_fork_recover() { lm_cap_recover fork; }
t_thread_cap() { lm_cap thread thread max_threads lm_threads; }
t_thread_recover() { lm_cap_recover thread; }

# ---------------------------------------------------------------- chunked framing

# 2,000 one-byte chunks with 4,000-byte extensions: 400 naming
# chunk_overhead_max (the access log says 400 even if a reset ate the reply).
lm_chunk_flood() {
	local name=$1
	python3 "$LC" chunks "${SRV_HTTP[$name]}" /anything 2000 1 4000 >"$T/$name-flood.json" 2>&1
	tap_diag "$name: $(python3 -c 'import json,sys; d=json.load(open(sys.argv[1]));
print("status %s (%s) after %d of %d bytes" % (d["status"], d["how"], d["sent"], d["of"]))' \
	    "$T/$name-flood.json" 2>&1)"
	wait_line "$T/$name.access" '"POST /anything" [0-9]' 3000
	expect_contains "$T/$name.access" '"POST /anything" 400 ' || return 1
	expect_json "$T/$name-flood.json" 'd["status"] == 0 and d["how"] == "reset" or
	    d["status"] == 400 and
	    "chunk_overhead_max" in json.loads(d["body"])["error"]'
}

# 64 chunks of 1 KiB with 20-byte extensions: 200, the whole body echoed.
lm_chunk_normal() {
	local name=$1
	python3 "$LC" chunks "${SRV_HTTP[$name]}" /anything 64 1024 20 >"$T/$name-ok.json" 2>&1
	expect_json "$T/$name-ok.json" 'd["status"] == 200 and d["sent"] == d["of"]'
}

t_ev_flood() {
	srv_start_noted evc "$EV" || return 1
	lm_chunk_flood evc
}
t_ev_normal() { lm_chunk_normal evc; }
t_bl_flood() {
	srv_start_noted blc "$BL" --model thread || return 1
	lm_chunk_flood blc
}
t_bl_normal() { lm_chunk_normal blc; }

# ---------------------------------------------------------------- main

lib_setup
EV=$top_builddir/echofetchd
BL=$top_builddir/echofetchd-blocking
[ -x "$EV" ] && [ -x "$BL" ] || tap_bail "no binaries in $top_builddir (build first)"
tap_run "fork, max_children=20: of 30 idle clients 10 get 503 JSON, at most ~20 children" t_fork_cap
tap_run "fork, max_children=20: after they close, a request succeeds" t_fork_recover
tap_run "thread, max_threads=20: of 30 idle clients 10 get 503 JSON, at most ~20 threads" t_thread_cap
tap_run "thread, max_threads=20: after they close, a request succeeds" t_thread_recover
tap_run "echofetchd: 2,000 1-byte chunks with 4,000-byte extensions get 400 early" t_ev_flood
tap_run "echofetchd: 64 KiB in 1 KiB chunks with short extensions get 200" t_ev_normal
srv_kill evc
tap_run "echofetchd-blocking: 2,000 1-byte chunks with 4,000-byte extensions get 400 early" t_bl_flood
tap_run "echofetchd-blocking: 64 KiB in 1 KiB chunks with short extensions get 200" t_bl_normal
srv_kill blc
tap_end
