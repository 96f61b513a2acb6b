# lib: TAP output, server start/stop, and curl/nc helpers for the suites.
#
# Sourced by suite.sh (bash). Every network call here has a timeout, so a
# broken server makes checks fail instead of hanging the run.

LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# Debian's python3, which scripts/deps.sh installs: a version manager's shim
# earlier in PATH can cost a second per call on a busy machine, and the
# suites call python3 hundreds of times while servers wait on deadlines.
# Until lib_setup puts it first in PATH, a function stands in for it.
PYTHON=python3
[ -x /usr/bin/python3 ] && PYTHON=/usr/bin/python3
python3() { "$PYTHON" "$@"; }

# Make "python3" in PATH Debian's, and drop the stand-in: a function started
# with & runs in a subshell, so $! would be that subshell and killing it
# would leave Python running (and holding the TAP pipe open).
lib_python_path() {
	[ "$PYTHON" = python3 ] && return 0
	mkdir -p "$T/bin" && ln -sf "$PYTHON" "$T/bin/python3" || return 0
	PATH=$T/bin:$PATH
	unset -f python3
}

# Where the sources and binaries are: automake exports both; by hand, guess.
lib_find_tree() {
	: "${top_srcdir:=$(cd "$LIB_DIR/../.." && pwd)}"
	if [ -z "${top_builddir:-}" ]; then
		if [ -x "$PWD/echofetchd" ]; then
			top_builddir=$PWD
		else
			top_builddir=$top_srcdir/build
		fi
	fi
	export top_srcdir top_builddir
}

# ---------------------------------------------------------------- TAP

TAP_N=0
TAP_FAILED=0
TAP_NOTES=

# Remember a reason for the check now running; printed only if it fails.
note() {
	TAP_NOTES="$TAP_NOTES$*
"
}

# Run one check function; "ok" if it returns 0, else "not ok" plus its notes.
tap_run() {
	local desc=$1 line
	shift
	TAP_NOTES=
	TAP_N=$((TAP_N + 1))
	if "$@"; then
		echo "ok $TAP_N - $desc"
		return 0
	fi
	echo "not ok $TAP_N - $desc"
	TAP_FAILED=$((TAP_FAILED + 1))
	while IFS= read -r line; do
		[ -n "$line" ] && printf '#   %s\n' "$line"
	done <<<"$TAP_NOTES"
	return 0
}

# Print a comment line that tap-driver shows but does not count.
tap_diag() {
	printf '# %s\n' "$*"
}

# A check that could not run here: "ok N - desc # SKIP why".
tap_skip() {
	TAP_N=$((TAP_N + 1))
	echo "ok $TAP_N - $1 # SKIP $2"
}

# Give up on the whole suite (the server cannot start): tap-driver errors.
tap_bail() {
	echo "Bail out! $*"
	exit 1
}

# A check that drives chromium ($CHROMIUM), skipped where it is not installed.
# tap_run_chromium DESC FUNCTION [args...]
tap_run_chromium() {
	CHROMIUM=$(command -v chromium || true)
	if [ -z "$CHROMIUM" ]; then
		tap_skip "$1" "chromium is not installed"
		return 0
	fi
	tap_run "$@"
}

# The plan goes last, once we know how many checks ran.
tap_end() {
	echo "1..$TAP_N"
	tap_diag "$TAP_FAILED of $TAP_N checks failed"
	exit 0
}

# ---------------------------------------------------------------- assertions

# Equal strings, else a note showing both.
expect_eq() {
	[ "$2" = "$3" ] && return 0
	note "$1: got '$2', want '$3'"
	return 1
}

# Integer a >= b.
expect_ge() {
	[ "$2" -ge "$3" ] 2>/dev/null && return 0
	note "$1: got $2, want >= $3"
	return 1
}

# Integer a < b.
expect_lt() {
	[ "$2" -lt "$3" ] 2>/dev/null && return 0
	note "$1: got $2, want < $3"
	return 1
}

# A file holds a fixed string.
expect_contains() {
	lib_expect_grep -F "does not contain" "$@"
}

# A file has a line matching an extended regex.
expect_match() {
	lib_expect_grep -E "has no line matching" "$@"
}

# grep -q with FLAG for PATTERN in FILE, else a note saying WHY and the file.
# lib_expect_grep FLAG WHY FILE PATTERN
lib_expect_grep() {
	grep -q "$1" -- "$4" "$3" 2>/dev/null && return 0
	note "$(basename "$3") $2 '$4'"
	lib_note_file "$3"
	return 1
}

# Two files have the same bytes.
expect_same_file() {
	cmp -s "$1" "$2" && return 0
	note "$(basename "$1") differs from $(basename "$2"):" \
	    "$(wc -c <"$1" 2>/dev/null) vs $(wc -c <"$2" 2>/dev/null) bytes;" \
	    "$(cmp "$1" "$2" 2>&1 | head -1)"
	return 1
}

# A python expression over the JSON file (bound to d) is true.
expect_json() {
	local out
	out=$(python3 - "$1" "$2" 2>&1 <<'EOF'
import json, sys
try:
    with open(sys.argv[1], "rb") as f:
        d = json.loads(f.read().decode("utf-8"))
except Exception as e:
    print("not JSON: %s" % e)
    sys.exit(1)
def find(o, key):
    """The first value of key anywhere in o (for nested counters)."""
    if isinstance(o, dict):
        if key in o:
            return o[key]
        o = list(o.values())
    if isinstance(o, list):
        for v in o:
            r = find(v, key)
            if r is not None:
                return r
    return None
def hdr(obj, name):
    """A header value from a JSON headers object, name matched any case."""
    for k, v in obj.items():
        if k.lower() == name.lower():
            return v
    return None
if not eval("(" + sys.argv[2] + ")"):
    print("false: %s" % sys.argv[2])
    sys.exit(1)
EOF
	) && return 0
	note "$(basename "$1"): $out"
	lib_note_file "$1"
	return 1
}

# Show the first lines of a file in the notes (bytes made printable).
lib_note_file() {
	[ -f "$1" ] || { note "  ($1 missing)"; return; }
	note "  --- $(basename "$1") ($(wc -c <"$1") bytes):"
	note "$(head -c 600 "$1" | cat -v | head -12 | sed 's/^/  | /')"
}

# ---------------------------------------------------------------- time

# Milliseconds since the epoch.
now_ms() {
	local ns
	ns=$(date +%s%N)
	echo $((ns / 1000000))
}

# ---------------------------------------------------------------- servers

declare -A SRV_PID SRV_HTTP SRV_ECHO SRV_UDP

# A private scratch directory, removed (with every server killed) on exit.
lib_setup() {
	lib_find_tree
	# The servers read the installed default file unless told otherwise.
	export ECHOFETCHD_CONFIG=
	T=$(mktemp -d "${TMPDIR:-/tmp}/echofetch-it.XXXXXX") ||
	    tap_bail "mktemp failed"
	trap lib_cleanup EXIT
	trap 'exit 1' INT TERM HUP
	lib_python_path
}

# Stop what we started (by pid), then remove the scratch directory.
lib_cleanup() {
	local name
	for name in "${!SRV_PID[@]}"; do
		srv_kill "$name"
	done
	[ -n "${T:-}" ] && rm -rf "$T"
}

# Server NAME wrote its ports, or died (then wait_until stops on the 1).
srv_listening_or_dead() {
	grep -q '^http=[0-9]' "$T/$1.ports" 2>/dev/null && return 0
	! kill -0 "${SRV_PID[$1]}" 2>/dev/null
}

# Start a server in the background and wait for its port file (5 s at most).
# srv_start NAME BINARY ARGS...: 0 when listening, 1 if it died or never did.
srv_start() {
	local name=$1 bin=$2
	shift 2
	rm -f "$T/$name.ports"
	"$bin" --listen 127.0.0.1:0 --echo-listen 127.0.0.1:0 \
	    --port-file "$T/$name.ports" --access-log "$T/$name.access" \
	    "$@" >"$T/$name.out" 2>"$T/$name.err" </dev/null &
	SRV_PID[$name]=$!
	wait_until 5000 srv_listening_or_dead "$name" &&
	    grep -q '^http=[0-9]' "$T/$name.ports" 2>/dev/null || return 1
	srv_read_ports "$name"
	return 0
}

# Load http=, echo= and udp= from the port file.
srv_read_ports() {
	local f=$T/$1.ports
	SRV_HTTP[$1]=$(sed -n 's/^http=\([0-9]*\).*/\1/p' "$f" | head -1)
	SRV_ECHO[$1]=$(sed -n 's/^echo=\([0-9]*\).*/\1/p' "$f" | head -1)
	SRV_UDP[$1]=$(sed -n 's/^udp=\([0-9]*\).*/\1/p' "$f" | head -1)
}

# Why a server did not start, as TAP comments.
srv_explain() {
	tap_diag "server $1 did not start; its stderr:"
	sed 's/^/#   /' "$T/$1.err" 2>/dev/null | head -20
}

# SIGTERM and wait up to 2 s; SRV_STATUS = exit status, 1 if it had to be killed.
srv_stop() {
	local name=$1 pid=${SRV_PID[$1]:-}
	SRV_STATUS=
	[ -n "$pid" ] || return 1
	kill -TERM "$pid" 2>/dev/null
	if ! wait_until 2000 pid_gone "$pid"; then
		srv_kill "$name"
		return 1
	fi
	wait "$pid"
	SRV_STATUS=$?
	unset "SRV_PID[$name]"
	return 0
}

# Make sure a server is gone (cleanup path): TERM, a short grace, then KILL.
srv_kill() {
	local pid=${SRV_PID[$1]:-}
	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2>/dev/null
	wait_until 1000 pid_gone "$pid"
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	unset "SRV_PID[$1]"
}

# The server a suite tests, from its arguments: event (the default) or
# blocking MODEL. Sets BIN, SERVER, MODEL and MODEL_ARGS; bails out on
# other arguments or without the binary.
lib_pick_build() {
	case "${1:-event}" in
	event)
		BIN=$top_builddir/echofetchd
		MODEL=event
		MODEL_ARGS=()
		;;
	blocking)
		BIN=$top_builddir/echofetchd-blocking
		MODEL=${2:-sequential}
		MODEL_ARGS=(--model "$MODEL")
		;;
	*)
		tap_bail "usage: $(basename "$0") [event | blocking MODEL]"
		;;
	esac
	SERVER=$(basename "$BIN")
	[ -x "$BIN" ] || tap_bail "no binary $BIN (build first)"
}

# Servers "event" (echofetchd) and "thread" (echofetchd-blocking --model
# thread), for suites that compare the builds; bails out if either fails.
srv_start_both() {
	local b
	for b in echofetchd echofetchd-blocking; do
		[ -x "$top_builddir/$b" ] || tap_bail "no binary $top_builddir/$b (build first)"
	done
	srv_start event "$top_builddir/echofetchd" ||
	    { srv_explain event; tap_bail "echofetchd did not start"; }
	srv_start thread "$top_builddir/echofetchd-blocking" --model thread ||
	    { srv_explain thread; tap_bail "echofetchd-blocking did not start"; }
}

# Kill server NAME, keeping the status of the check before it.
srv_kill_keep() {
	local rc=$?
	srv_kill "$1"
	return "$rc"
}

# Start a server as srv_start does; on failure a note says why and it is killed.
srv_start_noted() {
	local name=$1
	srv_start "$@" && return 0
	note "server $name did not start: $(head -3 "$T/$name.err" 2>/dev/null)"
	srv_kill "$name"
	return 1
}

# The base URL of server NAME.
srv_url() {
	echo "http://127.0.0.1:${SRV_HTTP[$1]}"
}

# A number from NAME's /stats (a python path like ["connections"]["open"]); -1 if none.
srv_stat() {
	curl -s --max-time 2 "$(srv_url "$1")/stats" 2>/dev/null |
	    python3 -c "import json, sys
try:
    print(json.load(sys.stdin)$2)
except Exception:
    print(-1)"
}

# ---------------------------------------------------------------- waiting

# Run CMD... every 20 ms until it succeeds (0) or MS ms have passed (1);
# CMD runs at least once.
wait_until() {
	local ms=$1 t0
	shift
	t0=$(now_ms)
	until "$@"; do
		[ $(($(now_ms) - t0)) -ge "$ms" ] && return 1
		sleep 0.02
	done
	return 0
}

# FILE holds a fixed string.
has_text() {
	grep -qF -- "$2" "$1" 2>/dev/null
}

# FILE holds a line matching a basic regex.
has_line() {
	grep -q -- "$2" "$1" 2>/dev/null
}

# FILE has at least N lines.
has_lines() {
	[ "$(wc -l <"$1" 2>/dev/null || echo 0)" -ge "$2" ]
}

# FILE has at least N lines containing a fixed string.
has_lines_matching() {
	[ "$(grep -cF -- "$2" "$1" 2>/dev/null)" -ge "$3" ]
}

# The process PID (ours or not) is gone.
pid_gone() {
	! kill -0 "$1" 2>/dev/null
}

# Wait up to MS ms for a fixed string in a file.
wait_text() {
	wait_until "$3" has_text "$1" "$2"
}

# Wait up to MS ms for FILE to hold a line matching a basic regex.
wait_line() {
	wait_until "$3" has_line "$1" "$2"
}

# Wait up to MS ms for FILE to have at least N lines.
wait_lines() {
	wait_until "$3" has_lines "$1" "$2"
}

# Wait up to MS ms until FILE has N lines containing TEXT.
wait_lines_matching() {
	wait_until "$4" has_lines_matching "$1" "$2" "$3"
}

# Wait up to MS ms for FILE to be non-empty.
wait_file() {
	wait_until "$2" test -s "$1"
}

# Wait up to MS ms for a process we may not have started (no wait(2)) to be gone.
wait_gone() {
	wait_until "$2" pid_gone "$1"
}

# NAME's /stats value at PATH is at least WANT; SRV_STAT holds it.
srv_stat_ge() {
	SRV_STAT=$(srv_stat "$1" "$2")
	[ "$SRV_STAT" -ge "$3" ] 2>/dev/null
}

# NAME's /stats value at PATH equals WANT; SRV_STAT holds it.
srv_stat_eq() {
	SRV_STAT=$(srv_stat "$1" "$2")
	[ "$SRV_STAT" = "$3" ]
}

# Poll NAME's /stats until the value reaches at least WANT (up to MS ms).
srv_stat_wait_ge() {
	wait_until "$4" srv_stat_ge "$1" "$2" "$3" && return 0
	note "/stats $2 stayed at $SRV_STAT (wanted >= $3 within $4 ms)"
	return 1
}

# Poll NAME's /stats until the value equals WANT (up to MS ms); SRV_STAT holds the last value.
srv_stat_wait_eq() {
	wait_until "$4" srv_stat_eq "$1" "$2" "$3" && return 0
	note "/stats $2 stayed at $SRV_STAT (wanted $3 within $4 ms)"
	return 1
}

# GET PATH on NAME answers 200 (curl's files are $T/NAME.*, ST the status).
srv_serves() {
	req "$1" --max-time 2 "$(srv_url "$1")$2"
	[ "$ST" = 200 ]
}

# Ask NAME for PATH until it answers 200, for up to MS ms; a note if it never does.
srv_wait_served() {
	wait_until "$3" srv_serves "$1" "$2" && return 0
	expect_status "$1" 200
}

# Wait until MS ms after T0 for server NAME to exit; EXIT_MS from T0, SRV_STATUS its status.
srv_wait_exit() {
	local name=$1 ms=$2 t0=$3 pid=${SRV_PID[$1]:-}
	SRV_STATUS= EXIT_MS=
	[ -n "$pid" ] || return 1
	wait_until $((ms - ($(now_ms) - t0))) pid_gone "$pid" || return 1
	EXIT_MS=$(($(now_ms) - t0))
	wait "$pid"
	SRV_STATUS=$?
	unset "SRV_PID[$name]"
	return 0
}

# Hold N connections to PORT with echofetch-load --hold SECS (more flags
# after, e.g. --settle); its one JSON report goes to $T/NAME.json once they
# settle, and it exits SECS later. Run it with & to measure meanwhile.
hold_conns() {
	local name=$1 port=$2 n=$3 secs=$4
	shift 4
	timeout $((${secs%.*} + 60)) "$top_builddir/echofetch-load" -q --json -c "$n" \
	    --hold "$secs" "$@" "http://127.0.0.1:$port/" \
	    >"$T/$name.json" 2>"$T/$name.hold.err" </dev/null
}

# User plus system CPU of a process, in clock ticks.
proc_cpu_ticks() {
	awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo -1
}

# A line of /proc/PID/status (VmRSS, VmHWM) in KiB.
proc_vm_kib() {
	awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status" 2>/dev/null
}

# The server's stderr, as notes (for a failing check).
srv_note_err() {
	note "  --- $1 stderr:"
	note "$(tail -n "${2:-8}" "$T/$1.err" 2>/dev/null | sed 's/^/  | /')"
}

# Run the server's command line once (-t, -s, -d, a start that must fail)
# with a 10 s cap: RC, and its output in $T/NAME.{out,err}.
# bin_run NAME [args...]
bin_run() {
	local name=$1
	shift
	timeout 10 "$BIN" "${MODEL_ARGS[@]}" "$@" >"$T/$name.out" 2>"$T/$name.err" </dev/null
	RC=$?
}

# bin_run NAME failed by itself (not stopped by the cap), its stderr naming TEXT.
expect_start_failed() {
	{ [ "$RC" -ne 0 ] && [ "$RC" -ne 124 ]; } ||
	    { note "exit status $RC, want a failure"; return 1; }
	expect_contains "$T/$1.err" "$2"
}

# ---------------------------------------------------------------- HTTP

# curl into $T/NAME.{hdr,body,err}; sets ST (status) and MS (elapsed ms).
# req NAME [curl args...] URL
req() {
	local name=$1 t0
	shift
	t0=$(now_ms)
	ST=$(curl -sS --max-time 8 -D "$T/$name.hdr" -o "$T/$name.body" \
	    -w '%{http_code}' "$@" 2>"$T/$name.err")
	MS=$(($(now_ms) - t0))
	[ -n "$ST" ] || ST=000
	return 0
}

# The last value of a header in the last response of NAME.hdr (CR removed).
hdr() {
	awk -v want="$(echo "$2" | tr '[:upper:]' '[:lower:]')" '
		/^HTTP\// { v = ""; found = 0; next }
		{
			sub(/\r$/, "")
			i = index($0, ":")
			if (i == 0) next
			n = tolower(substr($0, 1, i - 1))
			if (n != want) next
			val = substr($0, i + 1)
			sub(/^[ \t]+/, "", val); sub(/[ \t]+$/, "", val)
			v = val; found = 1
		}
		END { if (found) print v }' "$T/$1.hdr"
}

# Status is as wanted; else a note with curl's error and the body start.
expect_status() {
	[ "$ST" = "$2" ] && return 0
	note "$1: status $ST, want $2 ($(head -c 200 "$T/$1.err" 2>/dev/null))"
	lib_note_file "$T/$1.body"
	return 1
}

# A header of NAME's last response has exactly this value.
expect_hdr() {
	expect_eq "$1 header $2" "$(hdr "$1" "$2")" "$3"
}

# A header of NAME's last response is present.
expect_hdr_present() {
	[ -n "$(hdr "$1" "$2")" ] && return 0
	note "$1: no $2 header"
	lib_note_file "$T/$1.hdr"
	return 1
}

# ---------------------------------------------------------------- raw TCP

# Send $T/NAME.req with nc, keep the reply in $T/NAME.raw. CLOSED=1 if the
# server closed the connection within 2 s (nc keeps its side open).
raw() {
	local port=$2 rc
	timeout 2 nc -w 5 127.0.0.1 "$port" <"$T/$1.req" >"$T/$1.raw" 2>"$T/$1.err"
	rc=$?
	CLOSED=1
	[ "$rc" -eq 124 ] && CLOSED=0
	return 0
}

# Split NAME.raw into responses NAME.N.{hdr,body}; RAW_STATUSES = "s1 s2 ..",
# RAW_TRAILING = leftover bytes after the last whole response.
raw_split() {
	local out
	out=$(python3 "$LIB_DIR/rawhttp.py" "$T/$1.raw" "$T/$1" ${2:+"$2"} 2>&1)
	RAW_STATUSES=$(echo "$out" | awk '$1 ~ /^[0-9]+$/ { printf "%s%s", s, $2; s = " " }')
	RAW_TRAILING=$(echo "$out" | sed -n 's/^trailing //p')
	[ -n "$RAW_TRAILING" ] || { RAW_TRAILING='?'; note "rawhttp: $out"; }
	return 0
}

# The server closed the raw connection by itself.
expect_closed() {
	[ "$CLOSED" = 1 ] && return 0
	note "$1: the server kept the connection open (nc timed out)"
	lib_note_file "$T/$1.raw"
	return 1
}

# A header line of raw response N has exactly this value (NAME.N.hdr).
expect_raw_hdr() {
	expect_eq "$1 response $2 header $3" "$(hdr "$1.$2" "$3")" "$4"
}
