#!/bin/sh
# Install what is missing, build from scratch with warnings as errors, run
# every test, print the logs of the failures, and end with one line
# "N passed, N failed".
#
#   scripts/test.sh               the normal build in ./build
#   scripts/test.sh --sanitizers  an ASan+UBSan build in ./build-san, leak checks on
#   scripts/test.sh --valgrind    the unit tests of ./build under valgrind, zero leaks
#
# Extra arguments go to ./configure.
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1

mode=plain
case "${1:-}" in
--sanitizers) mode=san; shift ;;
--valgrind) mode=valgrind; shift ;;
esac

"$top/scripts/deps.sh" || { echo "0 passed, 1 failed"; exit 1; }

jobs=$(nproc 2>/dev/null || echo 2)

fail_setup() {
	echo "test.sh: $1 failed" >&2
	echo "0 passed, 1 failed"
	exit 1
}

# build DIR CONFIGURE-ARGS...: configure and make in DIR, from a fresh autoreconf.
build() {
	dir=$1
	shift
	if [ ! -x "$top/configure" ] || [ "$top/configure.ac" -nt "$top/configure" ]; then
		autoreconf -fi >/dev/null 2>&1 || { autoreconf -fi; fail_setup autoreconf; }
	fi
	# An in-tree ./configure makes every VPATH configure refuse to run.
	if [ -f "$top/config.status" ]; then
		echo "test.sh: the source tree was configured in place; make distclean there first" >&2
		(cd "$top" && make distclean >/dev/null 2>&1) || fail_setup "make distclean in $top"
	fi
	mkdir -p "$dir" && cd "$dir" || fail_setup mkdir
	"$top/configure" --enable-werror "$@" >configure.out 2>&1 ||
		{ cat configure.out; fail_setup configure; }
	make -j"$jobs" >make.out 2>&1 || { cat make.out; fail_setup make; }
}

# Add the automake summary of FILE to counts_pass and counts_failed.
add_counts() {
	p=$(sed -n 's/^# PASS: *\([0-9]*\).*/\1/p' "$1" | tail -1)
	f=$(sed -n 's/^# FAIL: *\([0-9]*\).*/\1/p' "$1" | tail -1)
	e=$(sed -n 's/^# ERROR: *\([0-9]*\).*/\1/p' "$1" | tail -1)
	x=$(sed -n 's/^# XPASS: *\([0-9]*\).*/\1/p' "$1" | tail -1)
	counts_pass=$((counts_pass + ${p:-0}))
	counts_failed=$((counts_failed + ${f:-0} + ${e:-0} + ${x:-0}))
}

# Run every unit test binary of ./build under valgrind; each is one test.
run_valgrind() {
	cd "$top/build" 2>/dev/null && [ -f Makefile ] || build "$top/build"
	make -j"$jobs" check TESTS= >/dev/null 2>&1 || fail_setup "make check programs"
	pass=0 failed=0
	for t in tests/unit/test_*; do
		case "$t" in *.o|*.log|*.trs|*.c) continue ;; esac
		[ -x "$t" ] || continue
		if top_srcdir="$top" valgrind -q --leak-check=full \
		    --errors-for-leak-kinds=definite,indirect,possible \
		    --error-exitcode=99 "./$t" >"$t.vg.out" 2>&1; then
			echo "PASS: valgrind $t"
			pass=$((pass + 1))
		else
			echo "FAIL: valgrind $t"
			cat "$t.vg.out"
			failed=$((failed + 1))
		fi
	done
	echo "$pass passed, $failed failed"
	[ "$failed" -eq 0 ]
}

if [ "$mode" = valgrind ]; then
	run_valgrind
	exit $?
fi

if [ "$mode" = san ]; then
	build "${BUILDDIR:-$top/build-san}" --enable-sanitizers "$@"
	# A small quarantine: the memory-bound tests measure RSS, and the default
	# 256 MiB of freed-but-held blocks would drown what they look for.
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1:quarantine_size_mb=4
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
	export ASAN_OPTIONS UBSAN_OPTIONS
else
	build "${BUILDDIR:-$top/build}" "$@"
fi

make -j"$jobs" check >check.out 2>&1
status=$?
grep -E '^(PASS|FAIL|XPASS|ERROR|SKIP|XFAIL):|^# ' check.out || true
counts_pass=0 counts_failed=0
add_counts check.out

# The stress scenarios run alone, after the parallel suites, on a quiet machine.
make check-stress >stress.out 2>&1
[ $? -eq 0 ] || status=1
grep -E '^(PASS|FAIL|XPASS|ERROR|SKIP|XFAIL):|^# ' stress.out || true
add_counts stress.out

# Show the log of every test that did not pass.
for log in $(find . -name '*.log' ! -name 'test-suite.log' ! -name 'config.log'); do
	if grep -qE '^(FAIL|ERROR|XPASS):|^not ok|^Bail out' "$log" 2>/dev/null; then
		echo "==== $log"
		cat "$log"
	fi
done

pass=$counts_pass
failed=$counts_failed
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
	failed=1
fi
echo "$pass passed, $failed failed"
[ "$status" -eq 0 ] && [ "$failed" -eq 0 ]
