# lib.sh: what scripts/compare.sh and scripts/bench.sh share. Source it after
# setting PROG (the name messages start with).

# Complain and stop; the EXIT trap cleans up.
die() {
	echo "$PROG: $*" >&2
	exit 1
}

# Progress goes to stderr so that stdout stays free for the table.
say() {
	echo "$PROG: $*" >&2
}

# Stop one process and, for the fork model, the children it left serving.
stop_pid() {
	pid=$1
	for child in $(pgrep -P "$pid" 2>/dev/null || true); do
		kill -TERM "$child" 2>/dev/null || true
	done
	kill -TERM "$pid" 2>/dev/null || true
	i=0
	while kill -0 "$pid" 2>/dev/null && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	PIDS=$(echo "$PIDS" | tr ' ' '\n' | grep -vx "$pid" | tr '\n' ' ' || true)
}

# Float arithmetic: calc 'EXPR' prints it with up to 3 decimals.
calc() {
	awk "BEGIN { v = $1; printf \"%.3f\", v }"
}

# A number from an echofetch-load JSON summary (keys are unique in it).
jget() {
	v=$(sed -n "s/.*\"$2\":\([-0-9.e+]*\).*/\1/p" "$1")
	echo "${v:-0}"
}

# The machine and its load, for the top of the output: figures are per machine.
machine() {
	cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
	os=$(sed -n 's/^PRETTY_NAME="*\([^"]*\)"*$/\1/p' /etc/os-release 2>/dev/null)
	mem=$(awk '/^MemTotal:/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)
	echo "$NCPU CPUs ($cpu), $mem, ${os:-$(uname -s)}, Linux $(uname -r)"
}

# Raise the soft open-file limit to the hard one: 10000 clients need 10000 fds.
raise_nofile() {
	ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
	NOFILE=$(ulimit -n)
	[ "$NOFILE" = unlimited ] && NOFILE=1048576
	# Leave the servers room for listeners, logs and pipes.
	MAX_CONN=$((NOFILE - 100))
}
