#!/bin/bash
# cluster: three instances behind HAProxy survive a rolling restart under
# load without one failed request. TAP.
#
# scripts/cluster.sh starts them (echofetchd, echofetchd-blocking --model
# thread, echofetchd) on 127.0.0.1 port 0 behind HAProxy on a free loopback
# port with conf/haproxy.cfg's settings; each in turn gets SIGTERM, answers
# /health 503 (drain_delay_ms), is marked DOWN, drains and exits, starts
# again on its port and comes back UP, while echofetch-load runs through
# HAProxy for a fixed time. Skipped without haproxy.

. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"

LOAD_SECS=14	# covers three restarts of about 2.5 s each, with room

# Instance I answers /health 503 (its drain delay has begun).
cl_health_503() {
	[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 \
	    "http://127.0.0.1:${CLUSTER_PORT[$1]}/health")" = 503 ]
}

# HAProxy has sent instance 1 a request: the load is flowing.
cl_has_traffic() {
	[ "$(cluster_stat 1 7)" -gt 0 ] 2>/dev/null
}

# Restart instance I as an operator would, every step checked in order.
cl_restart_one() {
	local i=$1 pid=${CLUSTER_PID[$1]}
	kill -TERM "$pid"
	wait_until 2000 cl_health_503 "$i" ||
	    { note "e$i: /health never answered 503"; return 1; }
	wait_until 3000 cluster_is "$i" DOWN ||
	    { note "e$i: haproxy says '$(cluster_state "$i")', not DOWN"; return 1; }
	wait_until 8000 pid_gone "$pid" || { note "e$i: did not exit"; return 1; }
	wait "$pid"
	expect_eq "e$i exit status" "$?" 0 || return 1
	cluster_instance_start "$i" || { note "e$i: did not start again"; return 1; }
	wait_until 5000 cluster_is "$i" UP ||
	    { note "e$i: haproxy says '$(cluster_state "$i")', not UP"; return 1; }
}

# The three restarts under load; then the load's own count of failures.
t_rolling_restart() {
	local lp i
	cluster_start 3 || { note "cluster did not start"; lib_note_file "$CLUSTER_DIR/haproxy.log"; return 1; }
	"$top_builddir/echofetch-load" -q --json -c 8 -d "$LOAD_SECS" --timeout 10 \
	    "http://127.0.0.1:$CLUSTER_FRONT_PORT/delay?ms=5" >"$T/load.json" 2>"$T/load.err" &
	lp=$!
	wait_until 3000 cl_has_traffic || true
	for i in 1 2 3; do
		cl_restart_one "$i" || { wait "$lp"; return 1; }
	done
	kill -0 "$lp" 2>/dev/null ||
	    { note "the load ended before the last restart did: raise LOAD_SECS"; return 1; }
	wait "$lp"
	expect_json "$T/load.json" 'd["errors"]["total"] == 0 and d["status"]["5xx"] == 0 and
	    d["status"]["4xx"] == 0 and d["status"]["2xx"] == d["requests"] and d["requests"] > 100'
}

lib_setup
. "$top_srcdir/scripts/cluster.sh"
CLUSTER_BUILD=$top_builddir
CLUSTER_DIR=$T/cluster
mkdir -p "$CLUSTER_DIR"
CLUSTER_CMD[2]="$top_builddir/echofetchd-blocking --model thread"
trap 'cluster_stop; lib_cleanup' EXIT
if ! command -v haproxy >/dev/null; then
	echo "1..0 # SKIP no haproxy (scripts/deps.sh installs it)"
	exit 0
fi
[ -x "$top_builddir/echofetch-load" ] || tap_bail "no echofetch-load in $top_builddir"
tap_run "rolling restart of 3 instances behind haproxy under load: 0 failed requests" \
    t_rolling_restart
tap_end
