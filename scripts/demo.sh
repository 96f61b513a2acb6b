#!/bin/sh
# The main job, from a fresh machine: install what is missing, build, start
# echofetchd and echofetchd-blocking on free loopback ports, and show the seed
# article's lesson with real requests: two 2-second waits take 4 s one after
# another and 2 s at once. Stops everything it started, also on Ctrl-C.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILDDIR:-$top/build}
"$top/scripts/deps.sh"

if [ ! -x "$build/echofetchd" ] || [ ! -x "$build/echofetchd-blocking" ]; then
	echo "demo: building in $build"
	(cd "$top" && autoreconf -fi >/dev/null 2>&1)
	mkdir -p "$build"
	(cd "$build" && "$top/configure" -q && make -j"$(nproc)" >/dev/null)
fi

work=$(mktemp -d)
pids=""
cleanup() {
	for pid in $pids; do kill "$pid" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT INT TERM

# start NAME BINARY ARGS...: run a server on free ports, wait for its port file.
start() {
	name=$1
	shift
	"$@" -l 127.0.0.1:0 -e 127.0.0.1:0 -p "$work/$name.ports" \
	    --access-log off 2>"$work/$name.err" &
	pids="$pids $!"
	i=0
	while [ ! -s "$work/$name.ports" ]; do
		i=$((i + 1))
		if [ $i -gt 250 ]; then
			echo "demo: $name did not start:" >&2
			cat "$work/$name.err" >&2
			exit 1
		fi
		sleep 0.02
	done
	sed -n 's/^http=//p' "$work/$name.ports"
}

# timed N URL: N concurrent requests, print the wall time in seconds.
timed() {
	n=$1 url=$2
	t0=$(date +%s%N)
	i=0
	while [ $i -lt "$n" ]; do
		curl -s -o /dev/null --max-time 60 "$url" &
		i=$((i + 1))
	done
	wait	# in this $(...) subshell the curls are the only children
	t1=$(date +%s%N)
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", (b - a) / 1e9 }'
}

event=$(start event "$build/echofetchd")
seq=$(start sequential "$build/echofetchd-blocking" --model sequential)
thr=$(start thread "$build/echofetchd-blocking" --model thread)

echo
echo "Two requests that each wait 2 s (GET /delay?ms=2000), sent at the same time:"
printf '  %-34s %6s s\n' "echofetchd (one event loop)" "$(timed 2 "http://127.0.0.1:$event/delay?ms=2000")"
printf '  %-34s %6s s\n' "echofetchd-blocking --model sequential" "$(timed 2 "http://127.0.0.1:$seq/delay?ms=2000")"
printf '  %-34s %6s s\n' "echofetchd-blocking --model thread" "$(timed 2 "http://127.0.0.1:$thr/delay?ms=2000")"
echo
echo "Twenty requests that each wait 500 ms:"
printf '  %-34s %6s s\n' "echofetchd (one event loop)" "$(timed 20 "http://127.0.0.1:$event/delay?ms=500")"
printf '  %-34s %6s s\n' "echofetchd-blocking --model sequential" "$(timed 20 "http://127.0.0.1:$seq/delay?ms=500")"
echo
echo "Concurrency is not parallelism: four 250 ms CPU burns (GET /cpu?ms=250) on the event loop:"
printf '  %-34s %6s s\n' "echofetchd (one thread)" "$(timed 4 "http://127.0.0.1:$event/cpu?ms=250")"
echo
echo "The event server's own counters (GET /stats, abridged):"
curl -s "http://127.0.0.1:$event/stats" | sed -n '1,12p'
echo "..."
