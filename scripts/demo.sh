#!/bin/sh
# The main job, from a fresh machine to a result: install what is missing,
# build, show the seed article's lesson with two real requests (two 2-second
# waits take 4 s one after another and 2 s at once), then run the quick
# comparison of every model (scripts/compare.sh --quick) and print its table
# and where its plots are. About two minutes; stops everything it started,
# also on Ctrl-C.
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

# Stop the servers this script started, and remove its scratch directory.
demo_cleanup() {
	for pid in $pids; do
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	pids=""
	[ -n "$work" ] && rm -rf "$work"
	work=""
}

# demo_start NAME BINARY ARGS...: a server on free ports; sets PORT.
demo_start() {
	name=$1
	shift
	"$@" -l 127.0.0.1:0 -e 127.0.0.1:0 -p "$work/$name.ports" \
	    --access-log off >/dev/null 2>"$work/$name.err" &
	pids="$pids $!"
	i=0
	while ! grep -q '^http=' "$work/$name.ports" 2>/dev/null; do
		i=$((i + 1))
		if [ $i -gt 250 ]; then
			echo "demo: $name did not start:" >&2
			cat "$work/$name.err" >&2
			exit 1
		fi
		sleep 0.02
	done
	PORT=$(sed -n 's/^http=//p' "$work/$name.ports")
}

# demo_timed URL: two concurrent GETs of URL; print the wall time in seconds.
demo_timed() {
	"$build/echofetch-load" -q --json -c 2 -n 2 "$1" |
	    sed -n 's/.*"wall_s":\([0-9.]*\).*/\1/p'
}

# demo_lesson LABEL NAME BINARY ARGS...: start a server, time two 2 s waits.
demo_lesson() {
	label=$1
	shift
	demo_start "$@"
	printf '  %-38s %5s s\n' "$label" "$(demo_timed "http://127.0.0.1:$PORT/delay?ms=2000")"
}

# The seed article in three lines, then the full quick comparison.
demo_main() {
	"$top/scripts/deps.sh"
	demo_build
	work=$(mktemp -d)
	trap demo_cleanup EXIT
	trap 'exit 130' INT TERM
	echo
	echo "Two requests that each wait 2 s (GET /delay?ms=2000), sent at the same time:"
	demo_lesson "echofetchd (one event loop)" event "$build/echofetchd"
	demo_lesson "echofetchd-blocking --model sequential" seq \
	    "$build/echofetchd-blocking" --model sequential
	demo_lesson "echofetchd-blocking --model thread" thread \
	    "$build/echofetchd-blocking" --model thread
	demo_cleanup
	echo
	echo "Now every model through five scenarios (scripts/compare.sh --quick, about a minute):"
	echo
	BUILDDIR=$build "$top/scripts/compare.sh" --quick
}

demo_main "$@"
