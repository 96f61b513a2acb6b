#!/bin/bash
# install: `make install DESTDIR=...` as a packager runs it: the three
# programs, their man pages, the configuration file and the systemd unit,
# all under DESTDIR and nothing outside it; the unit names paths that were
# installed; an edited config survives a second install; `make uninstall`
# takes it all back. TAP.

. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"

# Run make in the build tree, alone: not as a part of the make check that
# may have started this suite (its jobserver and its overrides stay out).
inst_make() {
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL \
	    make -C "$top_builddir" --no-print-directory "$@"
}

# The value of a variable of the build tree's Makefile, fully expanded.
inst_var() {
	printf 'inst-print-%%:\n\t@echo $($*)\n' >"$T/print.mk"
	inst_make -s -f Makefile -f "$T/print.mk" "inst-print-$1" | tail -n 1
}

# ---------------------------------------------------------------- checks

check_install_runs() {
	# A second back, so that a file this install writes in the same
	# second as the stamp still counts as newer.
	touch -d "@$(($(date +%s) - 1))" "$T/stamp"
	inst_make install DESTDIR="$D" >"$T/install.out" 2>&1 && return 0
	note "make install DESTDIR=$D failed:"
	lib_note_file "$T/install.out"
	return 1
}

check_file_list() {
	local f
	{
		for f in echofetchd echofetchd-blocking echofetch-load; do
			echo "$BINDIR/$f"
		done
		echo "$MANDIR/man8/echofetchd.8"
		echo "$MANDIR/man8/echofetchd-blocking.8"
		echo "$MANDIR/man1/echofetch-load.1"
		echo "$SYSCONFDIR/echofetchd.conf"
		[ "$UNITDIR" != no ] && echo "$UNITDIR/echofetchd.service"
	} | sort >"$T/want"
	(cd "$D" && find . ! -type d | sed 's|^\.||' | sort) >"$T/got"
	cmp -s "$T/want" "$T/got" && return 0
	note "installed files differ from the list (- wanted, + installed):"
	note "$(diff "$T/want" "$T/got" | grep '^[<>]' | sed 's/^</-/; s/^>/+/')"
	return 1
}

check_nothing_outside() {
	local f bad=
	while IFS= read -r f; do
		[ -e "$f" ] && [ "$f" -nt "$T/stamp" ] && bad="$bad $f"
	done <"$T/want"
	[ -z "$bad" ] && return 0
	note "written outside DESTDIR by this make install:$bad"
	return 1
}

check_programs_run() {
	local b
	for b in echofetchd echofetchd-blocking echofetch-load; do
		[ -x "$D$BINDIR/$b" ] && "$D$BINDIR/$b" --version >/dev/null 2>&1 ||
		    { note "$BINDIR/$b does not run"; return 1; }
	done
}

check_config_is_default() {
	"$D$BINDIR/echofetchd" --help >"$T/help" 2>&1
	expect_contains "$T/help" "(default $SYSCONFDIR/echofetchd.conf," || return 1
	ECHOFETCHD_CONFIG="$D$SYSCONFDIR/echofetchd.conf" \
	    "$D$BINDIR/echofetchd" -t >"$T/t.out" 2>&1 && return 0
	note "echofetchd -t rejects the installed echofetchd.conf:"
	lib_note_file "$T/t.out"
	return 1
}

check_unit_paths() {
	local u=$D$UNITDIR/echofetchd.service exe conf
	exe=$(sed -n 's/^ExecStart=\([^ ]*\).*/\1/p' "$u")
	conf=$(sed -n 's/^ExecStart=.* -c \([^ ]*\).*/\1/p' "$u")
	[ -n "$exe" ] && [ -x "$D$exe" ] ||
	    { note "ExecStart '$exe' is not an installed program"; return 1; }
	[ -n "$conf" ] && [ -f "$D$conf" ] ||
	    { note "ExecStart's -c '$conf' is not the installed file"; return 1; }
}

check_no_placeholders() {
	local hits
	hits=$(grep -rlE '@[a-z_]+@' "$D$MANDIR" "$D$SYSCONFDIR" \
	    "$D$UNITDIR" 2>/dev/null | sed "s|^$D||")
	[ -z "$hits" ] && return 0
	note "left @placeholders@ in: $hits"
	return 1
}

check_config_kept() {
	local c=$D$SYSCONFDIR/echofetchd.conf
	echo "# edited here" >>"$c"
	inst_make install DESTDIR="$D" >"$T/install2.out" 2>&1 ||
	    { note "a second make install failed"; lib_note_file "$T/install2.out"; return 1; }
	expect_contains "$c" "# edited here" || return 1
	expect_same_file "$c.new" "$top_srcdir/conf/echofetchd.conf"
}

check_uninstall() {
	inst_make uninstall DESTDIR="$D" >"$T/uninstall.out" 2>&1 ||
	    { note "make uninstall failed"; lib_note_file "$T/uninstall.out"; return 1; }
	(cd "$D" && find . ! -type d) >"$T/left"
	[ ! -s "$T/left" ] && return 0
	note "left after make uninstall: $(tr '\n' ' ' <"$T/left")"
	return 1
}

# ---------------------------------------------------------------- main

lib_setup
[ -f "$top_builddir/Makefile" ] || tap_bail "no Makefile in $top_builddir (configure first)"
D=$T/dest
BINDIR=$(inst_var bindir)
MANDIR=$(inst_var mandir)
SYSCONFDIR=$(inst_var sysconfdir)
UNITDIR=$(inst_var systemdsystemunitdir)
[ -n "$BINDIR" ] && [ -n "$SYSCONFDIR" ] || tap_bail "cannot read the directories from the Makefile"
tap_diag "bindir $BINDIR, sysconfdir $SYSCONFDIR, unit dir $UNITDIR"

tap_run "make install DESTDIR= succeeds" check_install_runs
tap_run "it installs the programs, 3 man pages, the config and the unit" check_file_list
tap_run "it writes nothing outside DESTDIR" check_nothing_outside
tap_run "the installed programs run" check_programs_run
tap_run "the installed config is echofetchd's default file, and valid" check_config_is_default
if [ "$UNITDIR" != no ]; then
	tap_run "the unit's ExecStart names the installed program and config" check_unit_paths
fi
tap_run "no @placeholders@ left in the installed files" check_no_placeholders
tap_run "a second make install keeps the edited config, adds .new" check_config_kept
tap_run "make uninstall DESTDIR= removes every file" check_uninstall
tap_end
