#!/bin/bash
# manpages: each program's man page against its --help (manpages.py), as TAP.

. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"

lib_find_tree
for b in echofetchd echofetchd-blocking echofetch-load; do
	[ -x "$top_builddir/$b" ] || tap_bail "no binary $top_builddir/$b (build first)"
done
command -v groff >/dev/null || tap_bail "groff is not installed (scripts/deps.sh installs it)"
python3 "$LIB_DIR/manpages.py" "$top_builddir" "$top_srcdir"
