#!/bin/bash
# demo: scripts/demo.sh's command line: --help, and the errors that must stop
# it (exit 2) before it installs, builds or starts anything. As TAP.

. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"

lib_setup
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

tap_run "--help prints the usage and exits 0" check_help
tap_run "--duration without seconds is refused" check_refused "needs a number" --live --duration
tap_run "--duration abc is refused" check_refused "want whole seconds" --live --duration abc
tap_run "--duration 0 is refused" check_refused "want whole seconds" --live --duration 0
tap_run "--duration without --live is refused" check_refused "go with --live" --duration 5
tap_run "--slow without --live is refused" check_refused "go with --live" --slow
tap_run "an unknown option is refused" check_refused "unknown option" --bogus
tap_run "--live without an admin listener exits 2 and says why" check_no_admin
tap_end
