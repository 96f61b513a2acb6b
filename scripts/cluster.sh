#!/bin/bash
# cluster: N echofetchd instances behind Debian's HAProxy on loopback, and
# echofetch-load through it.
#
# Usage: scripts/cluster.sh [-n instances] [-c clients] [-d seconds] [PATH]
#
# Each instance listens on its own 127.0.0.1 port (port 0, read from its
# port file); HAProxy gets a private copy of conf/haproxy.cfg with those
# ports, a stats socket and fast checks, and runs unprivileged in the
# foreground (no user, chroot or ports below 1024). Everything it started
# is stopped at the end, also on Ctrl-C. Sourced (by the cluster test), it
# only defines the cluster_* functions.

CLUSTER_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
: "${CLUSTER_BUILD:=${BUILDDIR:-$CLUSTER_TOP/build}}"
CLUSTER_INTER_MS=100		# HAProxy's check interval here
CLUSTER_DRAIN_DELAY_MS=1000	# /health 503 this long before a drain
CLUSTER_DIR=
CLUSTER_HAPROXY_PID=
CLUSTER_FRONT_PORT=
declare -a CLUSTER_PID=() CLUSTER_PORT=() CLUSTER_CMD=()

# A TCP port on 127.0.0.1 nobody listens on now (HAProxy cannot report port 0).
cluster_free_port() {
	python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# Run CMD... every 20 ms until it succeeds (0) or MS ms have passed (1).
cluster_poll() {
	local ms=$1 end
	shift
	end=$(($(date +%s%N) / 1000000 + ms))
	until "$@"; do
		[ "$(($(date +%s%N) / 1000000))" -ge "$end" ] && return 1
		sleep 0.02
	done
}

# Instance I has written its port file, or died.
cluster_listening_or_dead() {
	grep -q '^http=[0-9]' "$CLUSTER_DIR/e$1.ports" 2>/dev/null ||
	    ! kill -0 "${CLUSTER_PID[$1]}" 2>/dev/null
}

# Start instance I (CLUSTER_CMD[I], default echofetchd) on its port, 0 the
# first time; 0 once it listens.
cluster_instance_start() {
	local i=$1 port=${CLUSTER_PORT[$1]:-0}
	local -a cmd
	read -r -a cmd <<<"${CLUSTER_CMD[$i]:-$CLUSTER_BUILD/echofetchd}"
	rm -f "$CLUSTER_DIR/e$i.ports"
	"${cmd[@]}" --listen "127.0.0.1:$port" --echo-listen off \
	    --port-file "$CLUSTER_DIR/e$i.ports" --access-log off \
	    --drain-delay-ms "$CLUSTER_DRAIN_DELAY_MS" --shutdown-timeout-ms 10000 \
	    </dev/null >>"$CLUSTER_DIR/e$i.log" 2>&1 &
	CLUSTER_PID[$i]=$!
	cluster_poll 5000 cluster_listening_or_dead "$i" &&
	    kill -0 "${CLUSTER_PID[$i]}" 2>/dev/null || return 1
	CLUSTER_PORT[$i]=$(sed -n 's/^http=//p' "$CLUSTER_DIR/e$i.ports")
}

# conf/haproxy.cfg with this cluster's ports, fast checks and a stats socket.
cluster_haproxy_config() {
	local i
	sed -e "s|^\tbind 127.0.0.1:8000\$|\tbind 127.0.0.1:$CLUSTER_FRONT_PORT|" \
	    -e "s|^\tdefault-server inter 1s fall 2 rise 2\$|\tdefault-server inter ${CLUSTER_INTER_MS}ms fall 1 rise 1|" \
	    -e "s|^\tmaxconn 4096\$|&\n\tstats socket $CLUSTER_DIR/haproxy.sock|" \
	    -e '/^\tserver /d' "$CLUSTER_TOP/conf/haproxy.cfg"
	for i in "${!CLUSTER_PORT[@]}"; do
		printf '\tserver e%d 127.0.0.1:%d check\n' "$i" "${CLUSTER_PORT[$i]}"
	done
}

# Field F (0-based) of HAProxy's "show stat" line for server eI ("" if none):
# 7 is requests sent so far, 17 the state (UP, DOWN, MAINT...).
cluster_stat() {
	python3 - "$CLUSTER_DIR/haproxy.sock" "e$1" "$2" <<'EOF' 2>/dev/null
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(2)
s.connect(sys.argv[1])
s.sendall(b"show stat\n")
data = b""
while True:
    chunk = s.recv(65536)
    if not chunk:
        break
    data += chunk
for line in data.decode().splitlines():
    f = line.split(",")
    if len(f) > 17 and f[0] == "echofetchd" and f[1] == sys.argv[2]:
        print(f[int(sys.argv[3])])
EOF
}

# HAProxy's view of server eI: UP, DOWN, MAINT... ("" if it cannot say).
cluster_state() {
	local st
	st=$(cluster_stat "$1" 17)
	echo "${st%% *}"
}

# Server eI is in STATE for HAProxy.
cluster_is() {
	[ "$(cluster_state "$1")" = "$2" ]
}

# Start HAProxy on a free port in front of every instance; 0 once all are UP.
cluster_haproxy_start() {
	local i
	CLUSTER_FRONT_PORT=$(cluster_free_port)
	cluster_haproxy_config >"$CLUSTER_DIR/haproxy.cfg"
	haproxy -c -q -f "$CLUSTER_DIR/haproxy.cfg" >"$CLUSTER_DIR/haproxy.log" 2>&1 ||
	    return 1
	haproxy -db -f "$CLUSTER_DIR/haproxy.cfg" </dev/null >>"$CLUSTER_DIR/haproxy.log" 2>&1 &
	CLUSTER_HAPROXY_PID=$!
	for i in "${!CLUSTER_PORT[@]}"; do
		cluster_poll 5000 cluster_is "$i" UP || return 1
	done
}

# Stop HAProxy and every instance still running; keep CLUSTER_DIR.
cluster_stop() {
	local pid
	for pid in "$CLUSTER_HAPROXY_PID" "${CLUSTER_PID[@]}"; do
		[ -n "$pid" ] || continue
		kill -TERM "$pid" 2>/dev/null
		cluster_poll 3000 eval "! kill -0 $pid 2>/dev/null" || kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	CLUSTER_HAPROXY_PID=
	CLUSTER_PID=()
}

# Start N instances and HAProxy in front: 0 when every one is UP.
cluster_start() {
	local n=$1 i
	for ((i = 1; i <= n; i++)); do
		cluster_instance_start "$i" || return 1
	done
	cluster_haproxy_start
}

# The command-line use: start, load through HAProxy, print the result, stop.
cluster_main() {
	local n=3 clients=20 secs=5 path=/delay?ms=10 opt
	while getopts n:c:d: opt; do
		case $opt in
		n) n=$OPTARG ;;
		c) clients=$OPTARG ;;
		d) secs=$OPTARG ;;
		*) echo "usage: cluster.sh [-n instances] [-c clients] [-d seconds] [PATH]" >&2
		   exit 2 ;;
		esac
	done
	shift $((OPTIND - 1))
	[ $# -gt 0 ] && path=$1
	command -v haproxy >/dev/null || { echo "cluster: no haproxy (scripts/deps.sh)" >&2; exit 1; }
	[ -x "$CLUSTER_BUILD/echofetch-load" ] ||
	    { echo "cluster: no binaries in $CLUSTER_BUILD (build first)" >&2; exit 1; }
	CLUSTER_DIR=$(mktemp -d "${TMPDIR:-/tmp}/echofetch-cluster.XXXXXX")
	trap 'cluster_stop; rm -rf "$CLUSTER_DIR"' EXIT
	trap 'exit 1' INT TERM HUP
	cluster_start "$n" || { echo "cluster: start failed:" >&2; tail -n 5 "$CLUSTER_DIR"/*.log >&2; exit 1; }
	echo "cluster: $n instances (ports ${CLUSTER_PORT[*]}) behind haproxy on 127.0.0.1:$CLUSTER_FRONT_PORT" >&2
	"$CLUSTER_BUILD/echofetch-load" -c "$clients" -d "$secs" \
	    "http://127.0.0.1:$CLUSTER_FRONT_PORT$path"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	cluster_main "$@"
fi
