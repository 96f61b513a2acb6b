#!/bin/sh
# Install what is missing, build from scratch with warnings as errors, run
# every test, print the logs of the failures, and end with one line
# "N passed, N failed". Extra arguments go to ./configure.
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1

"$top/scripts/deps.sh" || { echo "0 passed, 1 failed"; exit 1; }

builddir=${BUILDDIR:-$top/build}
jobs=$(nproc 2>/dev/null || echo 2)

fail_setup() {
	echo "test.sh: $1 failed" >&2
	echo "0 passed, 1 failed"
	exit 1
}

autoreconf -fi >/dev/null 2>&1 || { autoreconf -fi; fail_setup autoreconf; }
mkdir -p "$builddir" && cd "$builddir" || fail_setup mkdir
"$top/configure" --enable-werror "$@" >configure.out 2>&1 ||
	{ cat configure.out; fail_setup configure; }
make -j"$jobs" >make.out 2>&1 || { cat make.out; fail_setup make; }

make -j"$jobs" check >check.out 2>&1
status=$?
cat check.out | grep -E '^(PASS|FAIL|XPASS|ERROR|SKIP|XFAIL):|^# ' || true

# Show the log of every suite that did not pass.
for log in $(find . -name '*.log' ! -name 'test-suite.log' ! -name 'config.log'); do
	if grep -qE '^(FAIL|ERROR|XPASS):|^not ok' "$log" 2>/dev/null &&
	    ! grep -qE '^not ok.*# (TODO|SKIP)' "$log"; then
		echo "==== $log"
		cat "$log"
	fi
done

pass=$(sed -n 's/^# PASS: *\([0-9]*\).*/\1/p' check.out | tail -1)
failed=$(sed -n 's/^# FAIL: *\([0-9]*\).*/\1/p' check.out | tail -1)
errors=$(sed -n 's/^# ERROR: *\([0-9]*\).*/\1/p' check.out | tail -1)
xpass=$(sed -n 's/^# XPASS: *\([0-9]*\).*/\1/p' check.out | tail -1)
pass=${pass:-0}
failed=$((${failed:-0} + ${errors:-0} + ${xpass:-0}))
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
	failed=1
fi
echo "$pass passed, $failed failed"
[ "$status" -eq 0 ] && [ "$failed" -eq 0 ]
