#!/bin/bash
# bounds: what one client can make echofetchd hold or wait for, as TAP.
#
# Pipelined requests from a client that does not read, a TLS echo handshake
# that never finishes, and WAITs that must never end early on the clock the
# access log measures with. Every server runs on 127.0.0.1 port 0 (lib.sh);
# hard_client.py plays the clients. Exits 0 whatever the checks say.

. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"

HC=$LIB_DIR/hard_client.py

# Growth a non-reading pipeliner may cause, in KiB: one request plus a
# window (measured: +0.3 and +4 MiB), with room to spare. Unbounded, the
# runs below queue about 28 and 31 MiB of answers. Under ASan the answers
# already taken by the kernel churn its quarantine and shadow (+15 and
# +19 MiB measured), so the bound doubles there; unbounded is far beyond.
BD_RSS_MAX=16384

# ---------------------------------------------------------------- helpers

# requests.total from NAME's /stats; -1 if it does not answer.
bd_requests() {
	srv_stat "$1" '["requests"]["total"]'
}

# Wait until NAME has stopped serving (only our own /stats polls count up).
bd_settle() {
	local name=$1 ms=$2 t0 a b
	t0=$(now_ms)
	a=$(bd_requests "$name")
	while [ $(($(now_ms) - t0)) -lt "$ms" ]; do
		sleep 0.25
		b=$(bd_requests "$name")
		[ "$a" -ge 0 ] && [ $((b - a)) -le 1 ] && return 0
		a=$b
	done
	note "$name kept serving for $ms ms (requests.total $a)"
	return 1
}

# ---------------------------------------------------------------- pipelining

# N pipelined requests for PATH (BODY-byte POSTs if BODY > 0), never read
# until the server is quiet: PL_GROWTH_KIB is its RSS peak over the start,
# then the client reads; its verdict is the last line of $T/NAME.pl.
pipeline_run() {
	local name=$1 n=$2 path=$3 body=$4 pid base cpid
	shift 4
	PL_OK=0 PL_GROWTH_KIB= PL_NOTE= TAP_NOTES=
	srv_start_noted "$name" "$BIN" "$@" || { PL_NOTE=$TAP_NOTES; return 1; }
	pid=${SRV_PID[$name]}
	base=$(proc_vm_kib "$pid" VmRSS)
	rm -f "$T/$name.go"
	python3 "$HC" pipeline "${SRV_HTTP[$name]}" "$n" "$path" "$body" \
	    "$T/$name.go" 60 >"$T/$name.pl" 2>"$T/$name.plerr" &
	cpid=$!
	if ! wait_line "$T/$name.pl" '"held"' 60000; then
		note "the client never finished sending: $(head -c 300 "$T/$name.plerr")"
	elif bd_settle "$name" 10000; then
		PL_GROWTH_KIB=$(($(proc_vm_kib "$pid" VmHWM) - base))
		tap_diag "$name: $n x $path (body $body): sent $(head -1 "$T/$name.pl");" \
		    "server RSS peak +$PL_GROWTH_KIB KiB, $(bd_requests "$name") answered"
	fi
	touch "$T/$name.go"
	wait "$cpid"
	tail -1 "$T/$name.pl" >"$T/$name.json"
	PL_NOTE=$TAP_NOTES
	kill -0 "$pid" 2>/dev/null || { PL_NOTE+="server $name died"; return 1; }
	PL_OK=1
}

# The server's RSS grew by less than BD_RSS_MAX while nobody read.
t_pipeline_rss() {
	[ "$PL_OK" = 1 ] && [ -n "$PL_GROWTH_KIB" ] ||
	    { note "${PL_NOTE:-no measurement}"; return 1; }
	expect_lt "server RSS growth KiB" "$PL_GROWTH_KIB" "$BD_RSS_MAX"
}

# Once the client reads, every reply comes, 200 and in request order.
t_pipeline_replies() {
	local name=$1 n=$2
	[ "$PL_OK" = 1 ] || { note "${PL_NOTE:-no run}"; return 1; }
	expect_json "$T/$name.json" "d['phase'] == 'read' and d['replies'] == $n and
	    d['status'] == {'200': $n} and d['in_order']" || { srv_note_err "$name"; return 1; }
}

# ---------------------------------------------------------------- TLS echo

# A throwaway self-signed certificate for 127.0.0.1 in $T.
bd_cert() {
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj '/CN=127.0.0.1' \
	    -keyout "$T/key.pem" -out "$T/cert.pem" >"$T/openssl.log" 2>&1
}

# TLS echo and HTTPS listeners with a 1 s handshake bound and 60 s idle timeouts.
tls_echo_start() {
	[ -n "${SRV_PID[tlse]:-}" ] && return 0
	bd_cert || { note "openssl: $(tail -2 "$T/openssl.log")"; return 1; }
	srv_start_noted tlse "$BIN" -o tls_echo_listen=127.0.0.1:0 -o tls_cert="$T/cert.pem" \
	    -o tls_key="$T/key.pem" -o header_timeout_ms=1000 -o tls_listen=127.0.0.1:0 \
	    -o echo_idle_timeout_ms=60000 -o keepalive_timeout_ms=60000 || return 1
	TLSE_PORT=$(sed -n 's/^tls_echo=\([0-9]*\).*/\1/p' "$T/tlse.ports" | head -1)
	TLSH_PORT=$(sed -n 's/^https=\([0-9]*\).*/\1/p' "$T/tlse.ports" | head -1)
	[ -n "$TLSE_PORT" ] && [ -n "$TLSH_PORT" ] ||
	    { note "no tls_echo= or https= in the port file"; return 1; }
}

# Send DATA (1 byte every INTERVAL ms if > 0) to the TLS echo port (or
# https) and see the server hang up 1 to 3 s after the connect, long
# before the idle timeouts.
t_tls_echo_handshake() {
	local interval=$1 data=$2 port
	tls_echo_start || return 1
	port=$TLSE_PORT
	[ "${3:-}" = https ] && port=$TLSH_PORT
	python3 "$HC" hangup "$port" "$interval" "$data" 6 >"$T/tlse.json" 2>&1
	tap_diag "TLS echo handshake: $(cat "$T/tlse.json")"
	expect_json "$T/tlse.json" "d['how'] in ('eof', 'reset') and
	    900 <= d['ms'] < 3000"
}

# A finished handshake is not bound by it: quiet past 1 s, then still echoed.
t_tls_echo_after() {
	tls_echo_start || return 1
	python3 "$HC" tlsecho "$TLSE_PORT" 1500 >"$T/tlse2.json" 2>&1
	expect_json "$T/tlse2.json" "d['handshake'] and d['echo'] == 'still here\n'"
}

# ---------------------------------------------------------------- refused uploads

# 20 uploads of 8 MB, each over body_max and sent without waiting (no
# Expect): every one must read its 413. Closing on the unread rest would
# reset the connection and could destroy the answer before curl reads it.
t_refused_upload() {
	local i codes
	head -c 8000000 /dev/zero >"$T/8m.bin"
	srv_start_noted upload "$BIN" || return 1
	for ((i = 0; i < 20; i++)); do
		curl -sS --max-time 10 -o /dev/null -w '%{http_code}\n' -H 'Expect:' \
		    --data-binary @"$T/8m.bin" "$(srv_url upload)/anything" \
		    >>"$T/upload.codes" 2>>"$T/upload.err"
	done
	srv_kill upload
	codes=$(sort "$T/upload.codes" | uniq -c | awk '{ printf "%s%sx%s", s, $1, $2; s = " " }')
	tap_diag "refused uploads: $codes"
	expect_eq "answers to 20 refused uploads" "$codes" "20x413" ||
	    { lib_note_file "$T/upload.err"; return 1; }
}

# ---------------------------------------------------------------- WAIT

# Every access-log line for TARGET in NAME's log: count and the shortest ms.
bd_durations() {
	awk -v t="\"GET $2" '
		index($0, t) {
			for (i = 1; i <= NF; i++)
				if ($i ~ /^[0-9.]+ms$/) { d = $i + 0 }
			n++
			if (min == "" || d < min) min = d
		}
		END { printf "%d %s\n", n, (min == "" ? "-" : min) }' "$T/$1.access"
}

# NAME's access log holds at least COUNT lines for TARGET.
bd_logged() {
	[ "$(bd_durations "$1" "$2" | cut -d' ' -f1)" -ge "$3" ]
}

# 50 concurrent /delay?ms=100 (curl --parallel), five times, to server NAME
# (started with ARGS by the first call): none logged under 100 ms.
t_wait_never_early() {
	local name=$1 i j args d
	shift
	[ -n "${SRV_PID[$name]:-}" ] || srv_start_noted "$name" "$BIN" "$@" || return 1
	for i in 1 2 3 4 5; do
		args=()
		for j in $(seq 50); do
			args+=(-o /dev/null "http://127.0.0.1:${SRV_HTTP[$name]}/delay?ms=100&c=$i.$j")
		done
		curl -sS --max-time 8 --parallel --parallel-immediate --parallel-max 50 \
		    -w '%{http_code}\n' "${args[@]}" >"$T/wait$i.codes" 2>"$T/wait$i.err"
		expect_eq "200s of 50 /delay?ms=100" "$(grep -c '^200$' "$T/wait$i.codes")" 50 ||
		    return 1
	done
	wait_until 5000 bd_logged "$name" '/delay?ms=100&c=' 250
	d=$(bd_durations "$name" '/delay?ms=100&c=')
	tap_diag "/delay?ms=100: logged count and shortest ms: $d"
	expect_eq "requests logged" "${d%% *}" 250 &&
	    python3 -c "import sys; sys.exit(0 if float('${d#* }') >= 100 else 1)" ||
	    { note "shortest /delay?ms=100 logged at ${d#* } ms"; return 1; }
}

# /gather of 8 delays from the server itself: each one logged at >= 100 ms.
t_wait_gather() {
	local i args=() d
	[ -n "${SRV_PID[wait]:-}" ] ||
	    srv_start_noted wait "$BIN" -o fetch_allow=127.0.0.0/8 || return 1
	for i in 1 2 3 4 5 6 7 8; do
		args+=(--data-urlencode "url=http://127.0.0.1:${SRV_HTTP[wait]}/delay?ms=100&g=$i")
	done
	for i in 1 2 3 4 5; do
		req gather -G "${args[@]}" "http://127.0.0.1:${SRV_HTTP[wait]}/gather"
		expect_status gather 200 || return 1
	done
	wait_until 5000 bd_logged wait '/delay?ms=100&g=' 40
	d=$(bd_durations wait '/delay?ms=100&g=')
	tap_diag "/gather of /delay?ms=100: logged count and shortest ms: $d"
	expect_eq "requests logged" "${d%% *}" 40 &&
	    python3 -c "import sys; sys.exit(0 if float('${d#* }') >= 100 else 1)" ||
	    { note "shortest gathered /delay?ms=100 logged at ${d#* } ms"; return 1; }
}

# ---------------------------------------------------------------- main

lib_setup
BIN=$top_builddir/echofetchd
[ -x "$BIN" ] || tap_bail "$BIN not built"
ldd "$BIN" 2>/dev/null | grep -q libasan && BD_RSS_MAX=$((BD_RSS_MAX * 2))

pipeline_run pget 200000 /ip 0
tap_run "200000 pipelined GET /ip, never read: server RSS grows < $((BD_RSS_MAX / 1024)) MiB" \
    t_pipeline_rss
tap_run "then read: 200000 replies, all 200" t_pipeline_replies pget 200000
srv_kill pget
pipeline_run ppost 32 /anything 1048576 -o body_max=2M
tap_run "32 pipelined 1 MiB POST /anything, never read: server RSS grows < $((BD_RSS_MAX / 1024)) MiB" \
    t_pipeline_rss
tap_run "then read: 32 replies, 200, each echoing its own body in order" \
    t_pipeline_replies ppost 32
srv_kill ppost

tap_run "TLS echo: a silent client is closed at header_timeout_ms (1 s), not the idle timeout" \
    t_tls_echo_handshake 0 ''
tap_run "TLS echo: a partial ClientHello is closed at header_timeout_ms" \
    t_tls_echo_handshake 0 '\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03'
tap_run "TLS echo: a hello trickled 1 B/300 ms is closed at header_timeout_ms" \
    t_tls_echo_handshake 300 '\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03abcdefghijklmnopqrstuvwxyz'
tap_run "TLS echo: after the handshake, quiet past header_timeout_ms still echoes" \
    t_tls_echo_after
tap_run "HTTPS: a silent client is closed at header_timeout_ms (1 s)" \
    t_tls_echo_handshake 0 '' https
tap_run "HTTPS: a hello trickled 1 B/300 ms is closed at header_timeout_ms, not kept by the idle timeout" \
    t_tls_echo_handshake 300 '\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03abcdefghijklmnopqrstuvwxyz' https
srv_kill tlse
tap_run "20 uploads of 8 MB over body_max, sent at once: each reads its 413 (lingering close)" \
    t_refused_upload

tap_run "WAIT: 5 x 50 concurrent /delay?ms=100 all logged >= 100 ms" \
    t_wait_never_early wait -o fetch_allow=127.0.0.0/8
tap_run "WAIT: delays fetched by /gather from the server itself all logged >= 100 ms" \
    t_wait_gather
srv_kill wait
BIN=$top_builddir/echofetchd-blocking
tap_run "WAIT, blocking thread model: 5 x 50 concurrent /delay?ms=100 all logged >= 100 ms" \
    t_wait_never_early bwait --model thread
tap_end
