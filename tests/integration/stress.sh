#!/bin/bash
# stress: the heavy scenarios, run alone by `make check-stress`, as TAP.
#
# Usage: stress.sh [emf] [tenk] [sht] [nginx]   (default: all, in that order)
#
# slowhttptest's three attacks, the same slow-read attack against nginx
# serving a 1 MB file in the same run (so a failure can be told apart from a
# machine that cannot keep up), 10,000 clients at once, and fd exhaustion.
# Each needs both cores to itself: scripts/test.sh runs this suite after the
# parallel ones, never beside them. Exits 0 whatever the checks say.

. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"


# ---------------------------------------------------------------- slowhttptest

# Probe URL's /ip (or PATH) every 0.5 s for SECS s; one line "code seconds" per probe into FILE.
probe_loop() {
	local url=$1 secs=$2 file=$3 i
	: >"$file"
	for ((i = 0; i < secs * 2; i++)); do
		curl -s --max-time 2 -o /dev/null -w '%{http_code} %{time_total}\n' \
		    "$url" >>"$file" 2>/dev/null || echo "000 fail" >>"$file"
		sleep 0.5	# the probe's pace, not a wait for state
	done
}

# Sample PID's VmRSS every 0.2 s into FILE until the file STOP exists.
rss_sampler() {
	local pid=$1 file=$2 stop=$3
	: >"$file"
	until [ -e "$stop" ]; do
		proc_vm_kib "$pid" VmRSS >>"$file"
		sleep 0.2	# the sampling pace
	done
}

# Run slowhttptest MODE for 10 s with 1000 connections against base URL, as TAG.
sht_run() {
	local mode=$1 tag=$2 url=$3 path=$4 pid=$5 sampler
	case "$mode" in
	-H) set -- -H -i 5 -x 24 -u "$url$path" ;;
	-B) set -- -B -i 5 -x 10 -s 8192 -t POST -u "$url$path" ;;
	-X) set -- -X -w 512 -y 1024 -n 5 -z 32 -k 3 -u "$url$path" ;;
	esac
	rm -f "$T/sht$tag.stop"
	rss_sampler "$pid" "$T/sht$tag.rss" "$T/sht$tag.stop" &
	sampler=$!
	probe_loop "$url/ip" 10 "$T/sht$tag.probe" &
	SHT_PROBE=$!
	timeout 25 slowhttptest "$@" -c 1000 -r 200 -l 10 -p 2 -g \
	    -o "$T/sht$tag" >"$T/sht$tag.out" 2>&1
	SHT_RC=$?
	wait "$SHT_PROBE"
	touch "$T/sht$tag.stop"
	wait "$sampler"
}

# The verdict of run TAG as one JSON line in $T/shtTAG.verdict.
sht_verdict() {
	python3 - "$T/sht$1.csv" "$T/sht$1.probe" "$T/sht$1.rss" >"$T/sht$1.verdict" <<'EOF'
import csv, json, sys
rows = list(csv.reader(open(sys.argv[1])))
head, rows = rows[0], [r for r in rows[1:] if r]
col = {n.strip(): i for i, n in enumerate(head)}
avail = [int(r[col["Service Available"]]) for r in rows]
conn = max([int(r[col["Connected"]]) for r in rows] or [0])
probes = [l.split() for l in open(sys.argv[2]) if l.strip()]
bad = [p for p in probes if p[0] != "200" or p[1] == "fail" or float(p[1]) >= 2.0]
rss = [int(l) for l in open(sys.argv[3]) if l.strip().isdigit()]
print(json.dumps({"rows": len(rows), "unavailable": sum(a == 0 for a in avail),
                  "connected": conn, "probes": len(probes), "bad_probes": len(bad),
                  "first_bad": bad[:3], "rss_min_kib": min(rss or [0]),
                  "rss_max_kib": max(rss or [0])}))
EOF
}

# Service available in every row, enough connections made, every probe < 2 s.
sht_judge() {
	local tag=$1 min_conn=$2
	sht_verdict "$tag" || { note "no verdict for $tag"; lib_note_file "$T/sht$tag.out"; return 1; }
	tap_diag "slowhttptest $tag: $(cat "$T/sht$tag.verdict")"
	expect_json "$T/sht$tag.verdict" "d['rows'] > 0 and d['unavailable'] == 0 and
	    d['connected'] >= $min_conn and d['probes'] >= 15 and d['bad_probes'] == 0" && return 0
	note "slowhttptest exit $SHT_RC: $(grep -a 'Exit status' "$T/sht$tag.out" | sed 's/\x1b\[[0-9;]*m//g')"
	srv_note_err sht 4
	return 1
}

# One slowhttptest mode against echofetchd on default settings.
t_sht() {
	command -v slowhttptest >/dev/null || { note "slowhttptest is not installed"; return 1; }
	[ -n "${SRV_PID[sht]:-}" ] || srv_start_noted sht "$BIN" --access-log off || return 1
	case "$1" in
	-B) sht_run "$1" "$2" "$(srv_url sht)" /echo "${SRV_PID[sht]}" ;;
	-X) sht_run "$1" "$2" "$(srv_url sht)" /bytes/1000000 "${SRV_PID[sht]}" ;;
	*) sht_run "$1" "$2" "$(srv_url sht)" /ip "${SRV_PID[sht]}" ;;
	esac
	[ -s "$T/sht$2.csv" ] || { note "no CSV; output:"; lib_note_file "$T/sht$2.out"; return 1; }
	sht_judge "$2" "$3"
}

# A TCP port of 127.0.0.1 that is free now (nginx cannot report a port-0 bind).
free_port() {
	python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# nginx serving a 1 MB file and /ip, in $T/nginx; NG_PID and NG_PORT. 1 if it cannot.
nginx_start() {
	local d=$T/nginx try i
	command -v nginx >/dev/null || { note "nginx is not installed"; return 1; }
	mkdir -p "$d/www" && head -c 1000000 /dev/urandom >"$d/www/1m.bin"
	echo ok >"$d/www/ip"
	for try in 1 2 3; do
		NG_PORT=$(free_port)
		cat >"$d/nginx.conf" <<EOF
user root;
worker_processes 1;
pid $d/nginx.pid;
error_log $d/error.log;
events { worker_connections 4096; }
http {
	access_log off;
	client_body_temp_path $d/tmp;
	server {
		listen 127.0.0.1:$NG_PORT;
		root $d/www;
	}
}
EOF
		nginx -p "$d" -e "$d/error.log" -c "$d/nginx.conf" -g 'daemon off;' \
		    >"$d/out" 2>&1 </dev/null &
		NG_PID=$!
		for ((i = 0; i < 250; i++)); do
			curl -s --max-time 1 -o /dev/null "http://127.0.0.1:$NG_PORT/ip" && return 0
			kill -0 "$NG_PID" 2>/dev/null || break
			sleep 0.02
		done
		kill "$NG_PID" 2>/dev/null
		wait "$NG_PID" 2>/dev/null
	done
	note "nginx did not start: $(tail -3 "$d/error.log" 2>/dev/null)"
	return 1
}

# The nginx worker's pid (the master only forks it), for its RSS.
nginx_worker() {
	pgrep -P "$NG_PID" | head -1
}

# The same slow-read attack against nginx serving a 1 MB file: its verdict, as a reference.
t_sht_nginx() {
	local worker
	command -v slowhttptest >/dev/null || { note "slowhttptest is not installed"; return 1; }
	nginx_start || return 1
	worker=$(nginx_worker)
	sht_run -X NX "http://127.0.0.1:$NG_PORT" /1m.bin "${worker:-$NG_PID}"
	kill -QUIT "$NG_PID" 2>/dev/null
	wait "$NG_PID" 2>/dev/null
	sht_verdict NX || { note "no verdict for nginx"; lib_note_file "$T/shtNX.out"; return 1; }
	tap_diag "slowhttptest -X against nginx 1 worker, 1 MB file: $(cat "$T/shtNX.verdict")"
	expect_json "$T/shtNX.verdict" "d['rows'] > 0"
}

# echofetchd keeps the service at least as available as nginx did, RSS per connection bounded.
t_sht_vs_nginx() {
	[ -s "$T/shtX.verdict" ] && [ -s "$T/shtNX.verdict" ] ||
	    { note "a slow-read run is missing"; return 1; }
	python3 - "$T/shtX.verdict" "$T/shtNX.verdict" >"$T/shtcmp.json" <<'EOF'
import json, sys
e, n = (json.load(open(p)) for p in sys.argv[1:3])
per = lambda d: (d["rss_max_kib"] - d["rss_min_kib"]) / max(d["connected"], 1)
print(json.dumps({"e_unavail": e["unavailable"], "n_unavail": n["unavailable"],
                  "e_bad": e["bad_probes"], "n_bad": n["bad_probes"],
                  "e_kib_per_conn": round(per(e), 1), "n_kib_per_conn": round(per(n), 1)}))
EOF
	tap_diag "slow read, echofetchd vs nginx: $(cat "$T/shtcmp.json")"
	expect_json "$T/shtcmp.json" "d['e_unavail'] <= d['n_unavail'] and
	    d['e_bad'] <= d['n_bad'] and d['e_kib_per_conn'] <= $ST_KIB_PER_CONN"
}

# ---------------------------------------------------------------- 10,000 clients

# 10,000 connections each ask /delay?ms=1000 at once: all answered 200 within 15 s.
t_ten_thousand() {
	local pid t0 ms hwm
	# Both programs raise their soft limit to the hard one; 10,000 each must fit.
	expect_ge "hard limit on open files" "$(ulimit -Hn)" 10200 || return 1
	srv_start_noted tenk "$BIN" --access-log off -o max_connections=20000 || return 1
	pid=${SRV_PID[tenk]}
	t0=$(now_ms)
	timeout 60 "$LOAD" -q --json -c 10000 -n 10000 --connect-timeout 20 --timeout 30 \
	    "$(srv_url tenk)/delay?ms=1000" >"$T/tenk.json" 2>"$T/tenk-load.err"
	ms=$(($(now_ms) - t0))
	hwm=$(proc_vm_kib "$pid" VmHWM)
	srv_kill tenk
	tap_diag "10,000 x /delay?ms=1000: ${ms} ms wall, server peak RSS ${hwm} KiB"
	expect_json "$T/tenk.json" 'd["status"]["2xx"] == 10000 and d["errors"]["total"] == 0' ||
	    { lib_note_file "$T/tenk-load.err"; return 1; }
	expect_lt "ms for all 10,000" "$ms" 15000 &&
	    expect_lt "server peak RSS KiB" "${hwm:-999999}" "$ST_TENK_KIB"
}

# ---------------------------------------------------------------- EMFILE

# Start echofetchd with 64 descriptors and 100 idle clients knocking.
emf_run() {
	local pid a b
	EMF_OK=0
	printf '#!/bin/bash\nulimit -n 64 || exit 1\nexec "%s" "$@"\n' "$BIN" >"$T/ulimit64.sh"
	chmod +x "$T/ulimit64.sh"
	srv_start emf "$T/ulimit64.sh" || { EMF_NOTE="did not start: $(head -3 "$T/emf.err")"; return 1; }
	pid=${SRV_PID[emf]}
	hold_conns emf "${SRV_HTTP[emf]}" 100 4 --settle 0.5 &
	EMF_HOLD=$!
	wait_text "$T/emf.err" "pausing accept" 5000 || EMF_NOTE="no 'pausing accept' within 5 s"
	a=$(proc_cpu_ticks "$pid")
	sleep 2	# the window CPU is measured over, not a wait for state
	b=$(proc_cpu_ticks "$pid")
	EMF_CPU_MS=$(((b - a) * 1000 / $(getconf CLK_TCK)))
	kill -0 "$pid" 2>/dev/null && EMF_ALIVE=1 || EMF_ALIVE=0
	wait "$EMF_HOLD"
	EMF_T0=$(now_ms)
	curl -sS --max-time 3 -o /dev/null -w '%{http_code}' "$(srv_url emf)/ip" \
	    >"$T/emf.code" 2>"$T/emf.curl"
	EMF_REQ_MS=$(($(now_ms) - EMF_T0))
	EMF_OK=1
}

# With 100 clients and 64 fds: alive, and the pause is logged.
t_emf_alive() {
	[ "$EMF_OK" = 1 ] || { note "EMFILE server ${EMF_NOTE:-}"; return 1; }
	[ -n "${EMF_NOTE:-}" ] && note "$EMF_NOTE"
	expect_eq "server alive" "$EMF_ALIVE" 1 &&
	    expect_json "$T/emf.json" 'd["opened"] == 100' &&
	    expect_contains "$T/emf.err" "pausing accept"
}

# Out of fds it does not spin: < 0.5 s of CPU over 2 s.
t_emf_nospin() {
	[ "$EMF_OK" = 1 ] || return 1
	tap_diag "EMFILE: $EMF_CPU_MS ms CPU in 2 s"
	expect_lt "CPU ms in 2 s" "$EMF_CPU_MS" 500
}

# When the clients leave, a request is answered within ~2 s.
t_emf_recover() {
	[ "$EMF_OK" = 1 ] || return 1
	srv_kill emf
	expect_eq "status" "$(cat "$T/emf.code")" 200 ||
	    { note "curl: $(head -c 200 "$T/emf.curl")"; srv_note_err emf 4; return 1; }
	expect_lt "ms to the answer" "$EMF_REQ_MS" 2200
}

# ---------------------------------------------------------------- main

# The stress scenarios named (default all: emf tenk sht nginx), one after another.
stress_main() {
	local only=" ${*:-emf tenk sht nginx} "
	if [[ $only == *" emf "* ]]; then
		emf_run
		tap_run "ulimit -n 64 and 100 clients: alive, 'pausing accept' logged" t_emf_alive
		tap_run "ulimit -n 64: no spin (< 0.5 s CPU in 2 s)" t_emf_nospin
		tap_run "ulimit -n 64: after the clients leave a request succeeds within ~2 s" t_emf_recover
	fi
	[[ $only == *" tenk "* ]] &&
	    tap_run "10,000 clients x /delay?ms=1000 at once: all 200 in < 15 s, RSS < $((ST_TENK_KIB / 1024)) MiB" t_ten_thousand
	if [[ $only == *" sht "* ]]; then
		tap_run "slowhttptest -H (slowloris) 1000 conns 10 s: service and /ip probes (2 s) stay up" t_sht -H H 900
		tap_run "slowhttptest -B (slow body) 1000 conns 10 s: service and /ip probes (2 s) stay up" t_sht -B B 900
		tap_run "slowhttptest -X (slow read) 1000 conns 10 s: service and /ip probes (2 s) stay up" t_sht -X X 500
		srv_kill sht
	fi
	if [[ $only == *" nginx "* ]]; then
		tap_run "slowhttptest -X against nginx serving a 1 MB file (the reference, same run)" t_sht_nginx
		tap_run "slow read: echofetchd as available as nginx, < $ST_KIB_PER_CONN KiB RSS per connection" t_sht_vs_nginx
	fi
}

lib_setup
# RSS bounds: what a connection may cost; ASan's redzones and shadow double it.
ST_KIB_PER_CONN=64
ST_TENK_KIB=262144
if ldd "$top_builddir/echofetchd" 2>/dev/null | grep -q libasan; then
	ST_KIB_PER_CONN=$((ST_KIB_PER_CONN * 2))
	ST_TENK_KIB=$((ST_TENK_KIB * 2))
fi
BIN=$top_builddir/echofetchd
LOAD=$top_builddir/echofetch-load
[ -x "$BIN" ] || tap_bail "no binary $BIN (build first)"
[ -x "$LOAD" ] || tap_bail "no binary $LOAD (build first)"
stress_main "$@"
tap_end
