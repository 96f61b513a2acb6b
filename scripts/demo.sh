#!/bin/sh
# The main job, from a fresh machine to a result: install what is missing,
# build, show the seed article's lesson with 1,000 real waiting clients (the
# time and the memory of an event loop, a thread per client, and one at a
# time), then run the quick comparison of every model (scripts/compare.sh
# --quick) with one sentence per scenario and a short summary. With --live,
# start the three servers with their admin listeners and a paced load, and
# print the URL of a dashboard that watches all three. Stops everything it
# started, also on Ctrl-C.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILDDIR:-$top/build}
# After an in-tree ./configure (README's autotools line) a second, VPATH
# configure refuses; use the tree's own build then.
if [ -z "${BUILDDIR:-}" ] && [ -f "$top/config.status" ]; then
	build=$top
fi
work=""
pids=""
live=0
slow=0
duration=0
expected="about 1 minute"

# Print the usage.
demo_usage() {
	cat <<EOF
usage: scripts/demo.sh [--live [--slow] [--duration S]]

Without options: installs what is missing (scripts/deps.sh), builds into
build/, shows 1,000 clients that each wait 1 s on the event loop, on a
thread per client and one at a time, then runs scripts/compare.sh --quick.
Takes $expected on a 2-core machine once built; ends with a
summary and the paths of results.md and the plots.

  --live          start echofetchd and echofetchd-blocking (thread and
                  sequential models) with their admin listeners, print the
                  dashboard URL that watches all three, and send them the
                  same waves of GET /delay requests until Ctrl-C
  --slow          with --live: fewer, longer requests, paced for a talk
  --duration S    with --live: stop after S seconds instead of at Ctrl-C
  -h, --help      this text
EOF
}

# Complain about the command line and exit 2.
demo_usage_error() {
	echo "demo: $*" >&2
	demo_usage >&2
	exit 2
}

# Read the flags; errors exit 2 before anything starts.
demo_args() {
	while [ $# -gt 0 ]; do
		case $1 in
		--live) live=1 ;;
		--slow) slow=1 ;;
		--duration)
			[ $# -ge 2 ] || demo_usage_error "--duration needs a number of seconds"
			duration=$2
			shift
			case $duration in
			''|*[!0-9]*|0*) demo_usage_error "--duration $duration: want whole seconds, 1 or more" ;;
			esac
			;;
		-h|--help) demo_usage; exit 0 ;;
		*) demo_usage_error "unknown option: $1" ;;
		esac
		shift
	done
	if [ "$live" = 0 ] && { [ "$slow" = 1 ] || [ "$duration" != 0 ]; }; then
		demo_usage_error "--slow and --duration go with --live"
	fi
	return 0
}

# Build in ./build unless the three binaries are already there.
demo_build() {
	if [ -x "$build/echofetchd" ] && [ -x "$build/echofetchd-blocking" ] &&
	    [ -x "$build/echofetch-load" ]; then
		return 0
	fi
	echo "demo: building in $build"
	if [ ! -f "$build/Makefile" ]; then
		(cd "$top" && autoreconf -fi >/dev/null 2>&1)
		mkdir -p "$build"
		(cd "$build" && "$top/configure" -q)
	fi
	(cd "$build" && make -j"$(nproc)" >/dev/null)
}

# Stop what this script started (the waves stop their own loads), and
# remove its scratch directory.
demo_cleanup() {
	for pid in $pids; do
		kill "$pid" 2>/dev/null || true
	done
	for pid in $pids; do
		wait "$pid" 2>/dev/null || true
	done
	pids=""
	[ -n "$work" ] && rm -rf "$work"
	work=""
}

# demo_launch NAME BINARY ARGS...: start a server on free ports, not
# waiting for it; its pid is in pid_NAME.
demo_launch() {
	name=$1
	shift
	"$@" -l 127.0.0.1:0 -e 127.0.0.1:0 -p "$work/$name.ports" \
	    --access-log off >/dev/null 2>"$work/$name.err" &
	eval "pid_$name=$!"
	pids="$pids $!"
}

# demo_ready NAME: wait for server NAME's port file; sets PORT (http) and
# SERVER_PID.
demo_ready() {
	i=0
	while ! grep -q '^http=' "$work/$1.ports" 2>/dev/null; do
		i=$((i + 1))
		if [ $i -gt 250 ]; then
			echo "demo: $1 did not start:" >&2
			cat "$work/$1.err" >&2
			exit 1
		fi
		sleep 0.02
	done
	PORT=$(sed -n 's/^http=//p' "$work/$1.ports")
	eval "SERVER_PID=\$pid_$1"
}

# demo_start NAME BINARY ARGS...: a server on free ports; sets PORT (http).
demo_start() {
	demo_launch "$@"
	demo_ready "$1"
}

# A value of the echofetch-load JSON in FILE (a top-level number).
demo_json() {
	sed -n "s/.*\"$2\":\\([0-9.]*\\).*/\\1/p" "$1"
}

# Resident memory (VmRSS or VmHWM, KiB) of process PID.
demo_kib() {
	awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0
}

# demo_wait NAME CLIENTS MS: CLIENTS at once each GET /delay?ms=MS from the
# server started last; sets WALL (s) and MEM ("peak MiB, KiB per client").
demo_wait() {
	base=$(demo_kib "$SERVER_PID" VmRSS)
	"$build/echofetch-load" -q --json -c "$2" -n "$2" --timeout 60 \
	    "http://127.0.0.1:$PORT/delay?ms=$3" >"$work/$1.json"
	WALL=$(printf '%.2f' "$(demo_json "$work/$1.json" wall_s)")
	MEM=$(awk -v h="$(demo_kib "$SERVER_PID" VmHWM)" -v b="$base" -v n="$2" \
	    'BEGIN { printf "%.0f MiB, %.1f KiB per client", h / 1024, (h - b) / n }')
}

# The seed article's lesson in numbers: 1,000 clients that each wait 1 s;
# sets LEAD to the sentence it ends with.
demo_lesson() {
	n=1000
	echo "1,000 clients each wait 1 s (GET /delay?ms=1000), all at once:"
	demo_launch event "$build/echofetchd" --backlog 4096
	demo_launch thread "$build/echofetchd-blocking" --model thread \
	    --max-threads $((n + 100)) --backlog 4096
	demo_launch seq "$build/echofetchd-blocking" --model sequential
	# Two clients of the sequential model only wait: they run meanwhile.
	demo_ready seq
	"$build/echofetch-load" -q --json -c 2 -n 2 --timeout 60 \
	    "http://127.0.0.1:$PORT/delay?ms=1000" >"$work/seq.json" &
	seq_load=$!
	pids="$pids $seq_load"
	demo_ready event
	demo_wait event $n 1000
	ev_wall=$WALL ev_mem=$MEM
	printf '  %-34s %6s s   peak RSS %s\n' "event loop (echofetchd, 1 thread)" "$WALL" "$MEM"
	demo_ready thread
	demo_wait thread $n 1000
	th_wall=$WALL th_mem=$MEM
	printf '  %-34s %6s s   peak RSS %s\n' "a thread per client (blocking)" "$WALL" "$MEM"
	wait "$seq_load" || true
	WALL=$(printf '%.2f' "$(demo_json "$work/seq.json" wall_s)")
	seq_all=$(awk -v w="$WALL" -v n=$n 'BEGIN { printf "%.0f", w / 2 * n }')
	printf '  %-34s %6s s   for just 2 of them: all 1,000 would need %s s\n' \
	    "one at a time (sequential)" "$WALL" "$seq_all"
	demo_cleanup
	work=$(mktemp -d)
	LEAD="1,000 clients each waiting 1 s: event ${ev_wall} s in ${ev_mem%%,*}; thread ${th_wall} s in ${th_mem%%,*}; sequential would need $seq_all s."
	echo "=> $LEAD"
	awk -v e="$ev_wall" -v t="$th_wall" -v em="${ev_mem#*, }" -v tm="${th_mem#*, }" 'BEGIN {
		if (t <= e * 1.25)
			s = "Threads wait as fast as the event loop"
		else
			s = sprintf("The event loop was %.1fx faster than threads here", t / e)
		printf "   %s, and a thread costs memory: %s,\n   where the event loop needs %s.\n", s, tm, em
	}'

}

# The lesson, then the full quick comparison with its findings and summary.
demo_story() {
	t0=$(date +%s)
	echo "echofetch demo: $expected on an idle 2-core machine, about 2 on a busy one (and the build, the first time)."
	"$top/scripts/deps.sh"
	demo_build
	work=$(mktemp -d)
	echo
	demo_lesson
	echo
	echo "Now every model through five scenarios (scripts/compare.sh --quick):"
	BUILDDIR=$build "$top/scripts/compare.sh" --quick --brief --lead "0. $LEAD"
	echo "The demo took $(($(date +%s) - t0)) s."
}

# The admin port of server NAME from its port file, or nothing.
demo_admin_port() {
	sed -n 's/^admin[= ]\([0-9]*\)$/\1/p' "$work/$1.ports"
}

# demo_waves NAME PORT: every PERIOD s (or when the last one is done, if it
# took longer), CLIENTS requests at once of /delay?ms=MS; its status file
# holds "waves-done last-wall-s started-epoch busy|idle". Its load and its
# pause run in the background so that a TERM stops both at once.
demo_waves() {
	k=0
	last=-
	child=""
	trap '[ -n "$child" ] && kill "$child" 2>/dev/null && wait "$child"; exit 0' TERM
	while :; do
		t=$(date +%s)
		echo "$k $last $t busy" >"$work/$1.status"
		"$build/echofetch-load" -q --json -c "$clients" -n "$clients" --timeout 600 \
		    "http://127.0.0.1:$2/delay?ms=$ms" >"$work/$1.json" 2>/dev/null &
		child=$!
		wait "$child" || true
		k=$((k + 1))
		last=$(demo_json "$work/$1.json" wall_s)
		echo "$k ${last:--} $t idle" >"$work/$1.status"
		left=$((t + period - $(date +%s)))
		if [ "$left" -gt 0 ]; then
			sleep "$left" &
			child=$!
			wait "$child" || true
		fi
	done
}

# One status line: per server the waves done and what it is doing now.
demo_status() {
	now=$(date +%s)
	line=""
	for name in event thread sequential; do
		read -r k last t state <"$work/$name.status" || continue
		line="$line | $name: $k wave$([ "$k" = 1 ] || echo s)"
		[ "$last" != - ] && line="$line, last $(printf '%.2f' "$last") s"
		[ "$state" = busy ] && [ $((now - t)) -ge 2 ] &&
		    line="$line, now $((now - t)) s into one"
	done
	printf '\r%-*.*s' 119 119 "$((now - t0)) s${line}"
}

# --live: three servers with admin listeners, the dashboard URL, paced waves.
demo_live() {
	for b in echofetchd echofetchd-blocking; do
		if [ -x "$build/$b" ] && ! "$build/$b" --help 2>&1 | grep -q -- '--admin-listen'; then
			echo "demo --live: $build/$b has no admin listener (it does not know" \
			    "--admin-listen), which the dashboard reads; build a version that has it." >&2
			exit 2
		fi
	done
	"$top/scripts/deps.sh" >/dev/null
	demo_build
	work=$(mktemp -d)
	if [ "$slow" = 1 ]; then
		clients=10 ms=3000 period=6
	else
		clients=20 ms=1000 period=3
	fi
	watch=""
	demo_launch event "$build/echofetchd" --admin-listen 127.0.0.1:0
	for model in thread sequential; do
		demo_launch $model "$build/echofetchd-blocking" --model $model \
		    --admin-listen 127.0.0.1:0
	done
	for model in event thread sequential; do
		demo_ready $model
		case $model in
		event) http_event=$PORT ;;
		thread) http_thread=$PORT ;;
		*) http_sequential=$PORT ;;
		esac
		admin=$(demo_admin_port $model)
		if [ -z "$admin" ]; then
			echo "demo --live: $model wrote no admin port to its port file:" >&2
			cat "$work/$model.ports" "$work/$model.err" >&2
			exit 2
		fi
		watch="$watch${watch:+,}127.0.0.1:$admin"
	done
	# the page from the event server's admin listener if it has one there
	page=$(echo "$watch" | cut -d, -f1)
	if ! curl -fsS -o /dev/null --max-time 2 "http://$page/dashboard" 2>/dev/null; then
		page=127.0.0.1:$http_event
	fi
	echo "Dashboard: http://$page/dashboard?watch=$watch"
	echo "  event (echofetchd) http port $http_event; thread and sequential" \
	    "(echofetchd-blocking) $http_thread and $http_sequential."
	echo "Load: every $period s, $clients clients at once each GET /delay?ms=$ms, to each server."
	echo "  event and thread answer a wave in about $((ms / 1000)) s; sequential needs" \
	    "$((clients * ms / 1000)) s for one, so it falls behind."
	if [ "$duration" -gt 0 ]; then
		echo "Stops after $duration s (or Ctrl-C)."
	else
		echo "Ctrl-C stops it all."
	fi
	t0=$(date +%s)
	demo_waves event "$http_event" &
	pids="$! $pids"
	demo_waves thread "$http_thread" &
	pids="$! $pids"
	demo_waves sequential "$http_sequential" &
	pids="$! $pids"
	while [ "$duration" -eq 0 ] || [ $(($(date +%s) - t0)) -lt "$duration" ]; do
		demo_status
		sleep 1
	done
	demo_status
	echo
}

# Parse, then the story or the live show.
demo_main() {
	demo_args "$@"
	ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
	trap demo_cleanup EXIT
	trap 'exit 130' INT TERM HUP PIPE
	if [ "$live" = 1 ]; then
		demo_live
	else
		demo_story
	fi
}

demo_main "$@"
