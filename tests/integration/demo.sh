#!/bin/bash
# demo: scripts/demo.sh's command line: --help, and the errors that must stop
# it (exit 2) before it installs, builds or starts anything. Then --live
# against the real binaries: it stops by itself after --duration, and on
# SIGTERM, leaving no process behind; and headless Chromium, opening the URL
# it prints, sees events and requests in flight from all three servers. As TAP.

. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"

lib_setup
trap 'demo_reap; lib_cleanup' EXIT
DEMO=$top_srcdir/scripts/demo.sh
[ -f "$DEMO" ] || tap_bail "no $DEMO"

# demo_run ARGS...: run the demo (at most 20 s); sets RC, output in out/err.
demo_run() {
	BUILDDIR=$top_builddir timeout 20 sh "$DEMO" "$@" >"$T/out" 2>"$T/err"
	RC=$?
}

# --help prints the usage on stdout, names --live, and exits 0.
check_help() {
	demo_run --help
	expect_eq "exit status" "$RC" 0 || return 1
	expect_contains "$T/out" "usage: scripts/demo.sh" &&
	    expect_contains "$T/out" "--duration S"
}

# ARGS... are refused with exit 2 and a message naming WHAT, nothing started.
check_refused() {
	local what=$1
	shift
	demo_run "$@"
	expect_eq "exit status of demo.sh $*" "$RC" 2 || return 1
	expect_contains "$T/err" "$what" || return 1
	if grep -q '^deps:\|Dashboard:' "$T/out"; then
		note "it went on after the error:"
		lib_note_file "$T/out"
		return 1
	fi
}

# --live on a build without an admin listener says so and exits 2.
check_no_admin() {
	if "$top_builddir/echofetchd" --help 2>&1 | grep -q -- --admin-listen; then
		return 0
	fi
	demo_run --live --duration 1
	expect_eq "exit status" "$RC" 2 && expect_contains "$T/err" "no admin listener"
}

# Every process that carries this suite's mark: what the demo started.
MARK=ECHOFETCH_DEMO_TEST=$$

# The pids of the processes with MARK in their environment, on one line.
demo_marked() {
	grep -lz -- "^$MARK\$" /proc/[0-9]*/environ 2>/dev/null |
	    sed 's,^/proc/\([0-9]*\)/environ$,\1,' | tr '\n' ' '
}

# Nothing the demo started is left.
demo_none_left() {
	[ -z "$(demo_marked)" ]
}

# Kill what the demo left, by pid, so the suite leaves nothing either.
demo_reap() {
	local pid
	for pid in $(demo_marked); do
		kill -9 "$pid" 2>/dev/null
	done
}

# demo_live_start ARGS...: scripts/demo.sh --live ARGS in the background
# (LIVE_PID); 0 once it printed the dashboard URL (LIVE_URL), within 30 s.
demo_live_start() {
	env "$MARK" BUILDDIR="$top_builddir" sh "$DEMO" --live "$@" \
	    >"$T/live.out" 2>"$T/live.err" &
	LIVE_PID=$!
	if ! wait_until 30000 has_line "$T/live.out" '^Dashboard: http://'; then
		note "no dashboard URL in 30 s"
		lib_note_file "$T/live.out"
		lib_note_file "$T/live.err"
		return 1
	fi
	LIVE_URL=$(sed -n 's/^Dashboard: //p' "$T/live.out")
}

# The demo exits with STATUS within MS ms and leaves no process behind.
demo_live_end() {
	local want=$1 ms=$2 rc
	if ! wait_until "$ms" pid_gone "$LIVE_PID"; then
		note "the demo still ran $ms ms later"
		kill -9 "$LIVE_PID" 2>/dev/null
	fi
	wait "$LIVE_PID"
	rc=$?
	expect_eq "exit status" "$rc" "$want" || { lib_note_file "$T/live.err"; return 1; }
	if ! wait_until 2000 demo_none_left; then
		note "left running: $(ps -o pid=,args= -p "$(demo_marked | sed 's/ $//; s/ /,/g')" 2>&1)"
		demo_reap
		return 1
	fi
}

# --live --duration 2 stops by itself, exit 0, nothing left.
check_live_duration() {
	demo_live_start --duration 2 || { demo_reap; return 1; }
	demo_live_end 0 15000
}

# --live under headless Chromium: all three servers show events and
# requests in flight; SIGTERM then stops it all.
check_live_browser() {
	local st=0
	mkdir -p "$T/profile"
	demo_live_start --duration 60 || { demo_reap; return 1; }
	timeout 60 python3 "$LIB_DIR/dashboard_browser.py" "$CHROMIUM" "$LIVE_URL" 3 \
	    "$T/live.png" "$T/profile" 40 0 >"$T/browser.json" 2>"$T/browser.err"
	kill -TERM "$LIVE_PID" 2>/dev/null
	if [ ! -s "$T/browser.json" ]; then
		note "browser: $(tail -3 "$T/browser.err")"
		st=1
	else
		expect_json "$T/browser.json" \
		    '[s.get("model") for s in d["servers"]] == ["event", "thread", "sequential"]' &&
		    expect_json "$T/browser.json" \
		    'all(int(s["events"]) >= 3 and int(s["maxInflight"]) >= 1 for s in d["servers"])' ||
		    st=1
	fi
	demo_live_end 130 15000 || st=1
	return $st
}

tap_run "--help prints the usage and exits 0" check_help
tap_run "--duration without seconds is refused" check_refused "needs a number" --live --duration
tap_run "--duration abc is refused" check_refused "want whole seconds" --live --duration abc
tap_run "--duration 0 is refused" check_refused "want whole seconds" --live --duration 0
tap_run "--duration without --live is refused" check_refused "go with --live" --duration 5
tap_run "--slow without --live is refused" check_refused "go with --live" --slow
tap_run "an unknown option is refused" check_refused "unknown option" --bogus
tap_run "--live without an admin listener exits 2 and says why" check_no_admin
if ! "$top_builddir/echofetchd" --help 2>&1 | grep -q -- --admin-listen; then
	tap_skip "--live --duration 2 stops by itself and leaves nothing" "no admin listener"
else
	tap_run "--live --duration 2 stops by itself and leaves nothing" check_live_duration
fi
tap_run_chromium "--live in chromium: three servers with events and requests in flight" \
    check_live_browser
tap_end
