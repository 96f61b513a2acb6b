# lib.sh: what scripts/compare.sh and scripts/bench.sh share. Source it after
# setting PROG (the name messages start with) and BUILD (where the binaries are).
# The shell starts and stops processes; benchtool.py reads what they printed.

SCRIPTS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# Debian's python3: a version manager's shim earlier in PATH is slow to start.
PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3

# Every process we started and have not stopped yet.
PIDS=""

# Complain and stop; the EXIT trap cleans up.
die() {
	echo "$PROG: $*" >&2
	exit 1
}

# Progress goes to stderr so that stdout stays free for the table.
say() {
	echo "$PROG: $*" >&2
}

# The figures and cells of benchtool.py (see its usage).
bt() {
	"$PY" "$SCRIPTS/benchtool.py" "$@"
}

# Values of dotted KEYs in a JSON file, space-separated; 0 for a missing one.
json_get() {
	bt get "$@"
}

# Run CMD... every 20 ms until it succeeds (0) or MS ms have passed (1).
poll() {
	local ms=$1 t0 ns
	shift
	ns=$(date +%s%N)
	t0=$((ns / 1000000))
	until "$@"; do
		ns=$(date +%s%N)
		[ $((ns / 1000000 - t0)) -ge "$ms" ] && return 1
		sleep 0.02
	done
	return 0
}

# The process PID is gone.
pid_gone() {
	! kill -0 "$1" 2>/dev/null
}

# Remember a pid for cleanup.
track() {
	PIDS="$PIDS $1"
}

# Stop one process and, for the fork model, the children it left serving.
stop_pid() {
	local pid=$1 child
	for child in $(pgrep -P "$pid" 2>/dev/null || true); do
		kill -TERM "$child" 2>/dev/null || true
	done
	kill -TERM "$pid" 2>/dev/null || true
	poll 5000 pid_gone "$pid" || true
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	PIDS=$(echo "$PIDS" | tr ' ' '\n' | grep -vx "$pid" | tr '\n' ' ' || true)
}

# On exit or Ctrl-C: stop whatever is still running, newest first.
stop_all() {
	local pid
	for pid in $(echo "$PIDS" | tr ' ' '\n' | tac); do
		[ -n "$pid" ] && stop_pid "$pid"
	done
	return 0
}

# Float arithmetic: calc 'EXPR' prints it with up to 3 decimals.
calc() {
	awk "BEGIN { v = $1; printf \"%.3f\", v }"
}

# The machine and its load, for the top of the output: figures are per machine.
machine() {
	local cpu os mem
	cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
	os=$(sed -n 's/^PRETTY_NAME="*\([^"]*\)"*$/\1/p' /etc/os-release 2>/dev/null)
	mem=$(awk '/^MemTotal:/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)
	echo "$(nproc) CPUs ($cpu), $mem, ${os:-$(uname -s)}, Linux $(uname -r)"
}

# Raise the soft open-file limit to the hard one: 10000 clients need 10000 fds.
# Sets NOFILE, and MAX_CONN with room for the servers' listeners, logs and pipes.
raise_nofile() {
	ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
	NOFILE=$(ulimit -n)
	[ "$NOFILE" = unlimited ] && NOFILE=1048576
	MAX_CONN=$((NOFILE - 100))
}

# FILE is non-empty.
nonempty() {
	[ -s "$1" ]
}

# Open N connections to 127.0.0.1:PORT with echofetch-load --hold, send one
# GET / on each, and keep them until hold_stop. Waits (SETTLE s of quiet, 60 s
# at most) for its JSON report in FILE; sets HOLD_PID.
hold_start() {
	local port=$1 n=$2 settle=$3 file=$4
	: >"$file"
	"$BUILD/echofetch-load" -q --json -c "$n" --hold 1h --send --settle "$settle" \
	    "http://127.0.0.1:$port/" >"$file" 2>>"$file.err" </dev/null &
	HOLD_PID=$!
	track "$HOLD_PID"
	poll 60000 nonempty "$file" || say "the holder of $n connections reported nothing in 60 s"
}
