#!/bin/sh
# fuzz: replay the committed corpus through the fuzz target (TAP, one line per file).
# automake's TESTS take no arguments, so this names the corpus for it.
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$PWD}"
exec "$top_builddir/tests/fuzz/replay" "$top_srcdir/tests/fuzz/corpus"
