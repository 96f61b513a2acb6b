#!/bin/bash
# fetch_suite: /fetch, /gather, /chain, the fetch queue, SSRF and TLS, as TAP.
#
# usage: fetch_suite.sh event
#        fetch_suite.sh blocking sequential|thread
#
# The front (the build under test) fetches from an upstream that is a second
# echofetchd (event build) on port 0, over HTTP and HTTPS, and from the small
# misbehaving upstreams in fetch_upstream.py. The CA and the server
# certificate are made here, with the openssl command, in the scratch
# directory. Only 127.0.0.1 is ever contacted.

. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"

FIXTURE=$LIB_DIR/fetch_upstream.py

# ---------------------------------------------------------------- setup

# Pick the front binary and model from the arguments; the upstream is always event.
fsuite_args() {
	lib_pick_build "$@"
	UP_BIN=$top_builddir/echofetchd
	[ -x "$UP_BIN" ] || tap_bail "no binary $UP_BIN (build first)"
	command -v openssl >/dev/null || tap_bail "no openssl command"
}

# A throwaway CA and a localhost/127.0.0.1 certificate it signed, in $T/pki.
fsuite_certs() {
	local d=$T/pki
	mkdir -p "$d"
	printf '%s\n' 'subjectAltName=DNS:localhost,IP:127.0.0.1' \
	    'basicConstraints=CA:FALSE' 'extendedKeyUsage=serverAuth' >"$d/ext.cnf"
	{
		openssl req -x509 -newkey rsa:2048 -nodes -days 2 \
		    -subj '/CN=echofetch test CA' -keyout "$d/ca.key" \
		    -out "$d/ca.pem" -addext 'basicConstraints=critical,CA:TRUE' \
		    -addext 'keyUsage=critical,keyCertSign,cRLSign' &&
		openssl req -newkey rsa:2048 -nodes -subj '/CN=localhost' \
		    -keyout "$d/srv.key" -out "$d/srv.csr" &&
		openssl x509 -req -days 2 -in "$d/srv.csr" -CA "$d/ca.pem" \
		    -CAkey "$d/ca.key" -CAcreateserial -extfile "$d/ext.cnf" \
		    -out "$d/srv.pem"
	} >"$d/openssl.log" 2>&1 || {
		sed 's/^/#   /' "$d/openssl.log" | tail -5
		tap_bail "openssl could not make the test certificates"
	}
	CA=$d/ca.pem
	CERT=$d/srv.pem
	KEY=$d/srv.key
	TLS_ARGS=(-o tls_cert="$CERT" -o tls_key="$KEY")
}

# One port from a server's port file (https, tls_echo ...), or "".
srv_port() {
	sed -n "s/^$2=\([0-9]*\).*/\1/p" "$T/$1.ports" 2>/dev/null | head -1
}

# Start a front (the build under test) with extra flags; a note if it fails.
front_start() {
	local name=$1
	shift
	srv_start "$name" "$BIN" "${MODEL_ARGS[@]}" "$@" && return 0
	note "front $name did not start: $(head -3 "$T/$name.err" 2>/dev/null)"
	return 1
}

# The upstream: event build, HTTP and HTTPS, big enough /bytes; else bail.
fsuite_start_upstream() {
	if ! srv_start up "$UP_BIN" -o tls_listen=127.0.0.1:0 \
	    "${TLS_ARGS[@]}" -o bytes_max=32M; then
		srv_explain up
		tap_bail "upstream echofetchd did not start"
	fi
	UPU=http://127.0.0.1:${SRV_HTTP[up]}
	UP_TLS=$(srv_port up https)
	[ -n "$UP_TLS" ] || tap_bail "upstream port file has no https= line"
}

# The main front: loopback allowed, the test CA, redirects on, TLS listeners.
# If it will not start with TLS, the fetch checks still run on a plain front
# and every TLS check fails, quoting why (TLS_WHY).
fsuite_start_main() {
	local fetch_args=(-o fetch_allow=127.0.0.0/8 -o fetch_ca_file="$CA"
	    -o fetch_redirects=3 -o fetch_body_max=32M)
	TLS_WHY=
	if ! front_start main "${fetch_args[@]}" -o tls_listen=127.0.0.1:0 \
	    -o tls_echo_listen=127.0.0.1:0 "${TLS_ARGS[@]}"; then
		TLS_WHY="the front refused the TLS listeners: $(head -1 "$T/main.err")"
		tap_diag "$TLS_WHY"
		srv_kill main
		if ! front_start main "${fetch_args[@]}"; then
			srv_explain main
			tap_bail "front $BIN ($MODEL) did not start"
		fi
	fi
	F=http://127.0.0.1:${SRV_HTTP[main]}
	F_TLS=$(srv_port main https)
	F_TLS_ECHO=$(srv_port main tls_echo)
	tap_diag "front $(basename "$BIN") model $MODEL: http=${SRV_HTTP[main]}" \
	    "https=$F_TLS tls_echo=$F_TLS_ECHO; upstream http=${SRV_HTTP[up]}" \
	    "https=$UP_TLS"
}

# The front has an HTTPS (or TLS echo) port; else a note saying why not.
need_port() {
	[ -n "$1" ] && return 0
	note "no $2= line in the port file${TLS_WHY:+ ($TLS_WHY)}"
	return 1
}

# Start fetch_upstream.py MODE as NAME (port in FX_PORT); 1 if it never listens.
fixture_start() {
	local name=$1 mode=$2 arg=${3:-} i
	rm -f "$T/$name.port"
	: >"$T/$name.conns"
	python3 "$FIXTURE" "$mode" "$T/$name.port" "$T/$name.conns" "$arg" \
	    >"$T/$name.out" 2>"$T/$name.err" </dev/null &
	SRV_PID[$name]=$!
	for ((i = 0; i < 250; i++)); do
		if [ -s "$T/$name.port" ]; then
			FX_PORT=$(cat "$T/$name.port")
			return 0
		fi
		kill -0 "${SRV_PID[$name]}" 2>/dev/null || break
		sleep 0.02
	done
	note "fixture $name ($mode) did not start: $(head -3 "$T/$name.err")"
	return 1
}

# A 127.0.0.1 port nobody listens on (bound, then closed again).
closed_port() {
	python3 -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# Lines in a file (0 if it is missing).
count_lines() {
	if [ -f "$1" ]; then
		wc -l <"$1" | tr -d ' '
	else
		echo 0
	fi
}

# ---------------------------------------------------------------- requests

# GET BASE/PATH with every further argument as a url= parameter, via req.
# freq NAME BASE PATH URL...
freq() {
	local name=$1 base=$2 path=$3 u args=()
	shift 3
	for u in "$@"; do
		args+=(--data-urlencode "url=$u")
	done
	req "$name" -G "${args[@]}" "$base$path"
}

# sha256 of a file, hex only.
sha() {
	sha256sum <"$1" | cut -d' ' -f1
}

# The JSON error body carries a reason containing this text.
expect_reason() {
	expect_json "$T/$1.body" "d['status'] == $2 and '''$3''' in d['error']"
}

# ---------------------------------------------------------------- fetch

# /fetch of /ip: 200, the upstream's exact bytes, its type, X-Upstream-Time.
t_fetch_ip() {
	req direct_ip "$UPU/ip"
	freq fip "$F" /fetch "$UPU/ip"
	expect_status fip 200 &&
	    expect_same_file "$T/fip.body" "$T/direct_ip.body" &&
	    expect_hdr fip Content-Type application/json &&
	    expect_hdr_present fip X-Upstream-Time
}

# The upstream's status comes through, here 418 with its empty body.
t_fetch_418() {
	freq f418 "$F" /fetch "$UPU/status/418"
	expect_status f418 418 &&
	    expect_eq "body bytes" "$(wc -c <"$T/f418.body")" 0
}

# A binary body arrives byte for byte (sha256 against a direct GET).
t_fetch_bytes() {
	req direct_b "$UPU/bytes/300000?seed=11"
	freq fb "$F" /fetch "$UPU/bytes/300000?seed=11"
	expect_status fb 200 &&
	    expect_eq "bytes" "$(wc -c <"$T/fb.body")" 300000 &&
	    expect_eq sha256 "$(sha "$T/fb.body")" "$(sha "$T/direct_b.body")" &&
	    expect_hdr fb Content-Type application/octet-stream &&
	    expect_hdr fb Content-Length 300000 &&
	    expect_eq "Transfer-Encoding" "$(hdr fb Transfer-Encoding)" ""
}

# X-Upstream-Time is "<N>ms" and at least the upstream's own delay.
t_fetch_upstream_time() {
	local v
	freq fdel "$F" /fetch "$UPU/delay?ms=250"
	v=$(hdr fdel X-Upstream-Time)
	expect_status fdel 200 &&
	    { [[ $v =~ ^[0-9]+ms$ ]] || { note "X-Upstream-Time '$v'"; false; }; } &&
	    expect_ge "X-Upstream-Time ms" "${v%ms}" 250 &&
	    expect_json "$T/fdel.body" 'd["delay_ms"] == 250'
}

# An HTTPS upstream signed by the test CA, by name and by IP: 200.
t_fetch_https_ca() {
	freq fhttps "$F" /fetch "https://localhost:$UP_TLS/ip"
	expect_status fhttps 200 &&
	    expect_same_file "$T/fhttps.body" "$T/direct_ip.body" &&
	    freq fhttps2 "$F" /fetch "https://127.0.0.1:$UP_TLS/bytes/5000?seed=2" &&
	    expect_status fhttps2 200 &&
	    expect_eq "bytes" "$(wc -c <"$T/fhttps2.body")" 5000
}

# Without the test CA the certificate does not verify: 502 saying so.
t_fetch_https_noca() {
	front_strict || return 1
	freq fnoca "$FS" /fetch "https://localhost:$UP_TLS/ip"
	expect_status fnoca 502 &&
	    expect_hdr fnoca Content-Type application/json &&
	    expect_reason fnoca 502 TLS
}

# A redirect is followed (fetch_redirects=3) to an allowed address.
t_fetch_redirect_ok() {
	fixture_start redir_ok redirect "$UPU/ip?via=redirect" || return 1
	freq fredok "$F" /fetch "http://127.0.0.1:$FX_PORT/start"
	expect_status fredok 200 &&
	    expect_same_file "$T/fredok.body" "$T/direct_ip.body"
}

# Redirect hops pass the checks of a first URL: user:pass@ is refused, the
# target never sees a connection, nobody sees an Authorization header.
t_redirect_userinfo() {
	local wport
	fixture_start rwit status "HTTP/1.1 200 OK" || return 1
	wport=$FX_PORT
	fixture_start redir_ui redirect "http://user:pass@127.0.0.1:$wport/" || return 1
	freq fredui "$F" /fetch "http://127.0.0.1:$FX_PORT/start"
	expect_status fredui 403 &&
	    expect_reason fredui 403 "redirect refused" &&
	    expect_reason fredui 403 "user name or password" &&
	    expect_eq "target connections" "$(count_lines "$T/rwit.conns")" 0 &&
	    { ! grep -qi '^authorization:' "$T/rwit.conns.heads" "$T/redir_ui.conns.heads" ||
	    { note "an upstream saw an Authorization header"; false; }; }
}

# A redirect to an address fetch_allow does not cover is refused naming the redirect.
t_redirect_denied() {
	fixture_start redir_md redirect "http://169.254.169.254/latest/meta-data/" || return 1
	freq fredmd "$F" /fetch "http://127.0.0.1:$FX_PORT/start"
	expect_status fredmd 403 &&
	    expect_reason fredmd 403 "redirect refused" &&
	    expect_reason fredmd 403 "169.254.169.254" &&
	    expect_lt "ms to refuse" "$MS" 2000
}

# A redirect to itself stops after fetch_redirects=3 hops with 502.
t_redirect_loop() {
	fixture_start redir_self redirect "/again" || return 1
	freq fredself "$F" /fetch "http://127.0.0.1:$FX_PORT/start"
	expect_status fredself 502 &&
	    expect_reason fredself 502 "too many redirects" &&
	    expect_eq "redirector connections" "$(count_lines "$T/redir_self.conns")" 4
}

# The fetch checks, against the main front.
fsuite_fetch() {
	tap_run "/fetch /ip: 200, the upstream's bytes and Content-Type, X-Upstream-Time" t_fetch_ip
	tap_run "/fetch /status/418 passes the status through" t_fetch_418
	tap_run "/fetch /bytes/300000: same sha256 and octet-stream type" t_fetch_bytes
	tap_run "X-Upstream-Time is Nms and >= the upstream's 250 ms delay" t_fetch_upstream_time
	tap_run "/fetch of an https upstream with fetch_ca_file = test CA -> 200" t_fetch_https_ca
	tap_run "/fetch of an https upstream without the CA -> 502 (TLS)" t_fetch_https_noca
	tap_run "/fetch follows a redirect to an allowed address" t_fetch_redirect_ok
	tap_run "a redirect to http://user:pass@allowed/ -> 403, no Authorization sent" \
	    t_redirect_userinfo
	tap_run "a redirect to 169.254.169.254 -> 403 naming the redirect" t_redirect_denied
	tap_run "a redirect to itself -> 502 after fetch_redirects hops" t_redirect_loop
}

# ---------------------------------------------------------------- gather, chain

# /gather or /chain of /ip, /bytes/1000, /status/404: per-url status and bytes.
t_summary() {
	local mode=$1 ipn
	ipn=$(wc -c <"$T/direct_ip.body")
	freq "s$mode" "$F" "/$mode" "$UPU/ip" "$UPU/bytes/1000?seed=1" \
	    "$UPU/status/404"
	expect_status "s$mode" 200 &&
	    expect_hdr "s$mode" Content-Type application/json &&
	    expect_json "$T/s$mode.body" "list(d) == ['mode', 'total_ms', 'results']
	    and d['mode'] == '$mode' and len(d['results']) == 3 and
	    [list(r) for r in d['results']] == [['url', 'status', 'bytes', 'time_ms', 'error']] * 3 and
	    [r['url'] for r in d['results']] == ['$UPU/ip', '$UPU/bytes/1000?seed=1', '$UPU/status/404'] and
	    [r['status'] for r in d['results']] == [200, 200, 404] and
	    [r['bytes'] for r in d['results']] == [$ipn, 1000, 0] and
	    [r['error'] for r in d['results']] == [None, None, None]"
}

# One failing url is reported in its own result; the others still succeed.
t_summary_partial() {
	local mode=$1 port
	port=$(closed_port)
	freq "p$mode" "$F" "/$mode" "$UPU/ip" "http://127.0.0.1:$port/" \
	    "$UPU/bytes/10"
	expect_status "p$mode" 200 &&
	    expect_json "$T/p$mode.body" "[r['status'] for r in d['results']] == [200, 502, 200]
	    and d['results'][1]['error'] and d['results'][1]['bytes'] == 0 and
	    d['results'][0]['error'] is None"
}

# 4 upstream 400 ms delays: wall time and total_ms within [lo, hi).
t_delays4() {
	local mode=$1 lo=$2 hi=$3 d="$UPU/delay?ms=400"
	freq "d$mode" "$F" "/$mode" "$d&n=1" "$d&n=2" "$d&n=3" "$d&n=4"
	expect_status "d$mode" 200 &&
	    expect_json "$T/d$mode.body" "[r['status'] for r in d['results']] == [200] * 4
	    and $lo <= d['total_ms'] < $hi" &&
	    expect_ge "wall ms" "$MS" "$lo" &&
	    expect_lt "wall ms" "$MS" "$hi"
}

# The gather/chain checks; gather overlaps only in the event build.
fsuite_gather() {
	tap_run "/gather: status and bytes per url, in order" t_summary gather
	tap_run "/chain: status and bytes per url, in order" t_summary chain
	tap_run "/gather: a refused url gives 502 in its result only" t_summary_partial gather
	tap_run "/chain: a refused url gives 502 in its result only" t_summary_partial chain
	if [ "$MODEL" = event ]; then
		tap_run "/gather of 4 x 400 ms delays takes < 1 s (concurrent)" \
		    t_delays4 gather 400 1000
	else
		tap_run "/gather of 4 x 400 ms delays takes >= 1.6 s (one after another)" \
		    t_delays4 gather 1600 5000
	fi
	tap_run "/chain of 4 x 400 ms delays takes >= 1.6 s (in order)" \
	    t_delays4 chain 1600 5000
}

# ---------------------------------------------------------------- streaming

# Resident set of a process in KiB (0 if gone).
rss_kb() {
	awk '/^VmRSS:/ { print $2; found = 1 } END { if (!found) print 0 }' \
	    "/proc/$1/status" 2>/dev/null || echo 0
}

# 20 MB to a 4 MB/s reader: all bytes, same sha256, front RSS < idle + 16 MiB.
t_stream_big() {
	local pid=${SRV_PID[main]} idle max rss cpid rc u="$UPU/bytes/20000000?seed=5"
	req direct_big --max-time 20 "$u"
	idle=$(rss_kb "$pid")
	max=$idle
	curl -sS --max-time 20 --limit-rate 4M -o "$T/big.body" \
	    -w '%{http_code}' -G --data-urlencode "url=$u" "$F/fetch" \
	    >"$T/big.code" 2>"$T/big.err" &
	cpid=$!
	while kill -0 "$cpid" 2>/dev/null; do
		rss=$(rss_kb "$pid")
		[ "$rss" -gt "$max" ] && max=$rss
		sleep 0.1
	done
	wait "$cpid"
	rc=$?
	tap_diag "streaming: front RSS idle ${idle} KiB, peak ${max} KiB"
	expect_eq "curl exit" "$rc" 0 &&
	    expect_eq status "$(cat "$T/big.code")" 200 &&
	    expect_eq bytes "$(wc -c <"$T/big.body")" 20000000 &&
	    expect_eq sha256 "$(sha "$T/big.body")" "$(sha "$T/direct_big.body")" &&
	    expect_lt "peak RSS KiB (idle $idle)" "$max" $((idle + 16384))
}

# ---------------------------------------------------------------- queue

# A front with one fetch slot and one queue place, then three /fetch of a
# 500 ms delay at once; QCODES = sorted statuses, QMS = wall ms.
queue_three() {
	local i t0 pids=() base
	front_start queue -o fetch_allow=127.0.0.0/8 -o fetch_concurrency=1 \
	    -o fetch_queue=1 || return 1
	base=http://127.0.0.1:${SRV_HTTP[queue]}
	t0=$(now_ms)
	for i in 1 2 3; do
		curl -sS --max-time 4 -o "$T/q$i.body" -w '%{http_code}\n' -G \
		    --data-urlencode "url=$UPU/delay?ms=500&q=$i" "$base/fetch" \
		    >"$T/q$i.code" 2>"$T/q$i.err" &
		pids+=($!)
	done
	wait "${pids[@]}"
	QMS=$(($(now_ms) - t0))
	QCODES=$(cat "$T"/q[123].code | sort | tr '\n' ' ')
}

# concurrency 1, queue 1: one runs, one waits, the third gets 503.
t_queue_full() {
	queue_three || return 1
	expect_eq statuses "$QCODES" "200 200 503 " &&
	    { grep -l '"fetch queue full (fetch_concurrency, fetch_queue)"' "$T"/q[123].body >/dev/null ||
	    { note "no body says \"fetch queue full\""; lib_note_file "$T/q3.body"; false; }; } &&
	    expect_ge "wall ms (the queued one waits)" "$QMS" 950
}

# A sequential server takes one client at a time: the queue never fills.
t_queue_sequential() {
	queue_three || return 1
	expect_eq statuses "$QCODES" "200 200 200 " &&
	    expect_ge "wall ms (one after another)" "$QMS" 1450
}

# /stats and /metrics count what the queue did (REJ = rejected expected).
t_queue_stats() {
	local rej=$1 wait_min=$2
	[ -n "${SRV_HTTP[queue]:-}" ] || { note "queue front not running"; return 1; }
	req qstats "http://127.0.0.1:${SRV_HTTP[queue]}/stats"
	req qmet "http://127.0.0.1:${SRV_HTTP[queue]}/metrics"
	expect_status qstats 200 &&
	    expect_json "$T/qstats.body" "d['fetch']['active'] == 0 and
	    d['fetch']['queued'] == 0 and d['fetch']['total'] >= 2 and
	    d['fetch']['rejected'] == $rej and d['fetch']['wait_ms_total'] >= $wait_min" &&
	    expect_contains "$T/qmet.body" "echofetch_fetch_rejected_total $rej" &&
	    expect_contains "$T/qmet.body" "echofetch_fetch_queued 0"
}

# The queue checks, by what each model does with simultaneous clients.
fsuite_queue() {
	if [ "$MODEL" = sequential ]; then
		tap_run "queue 1+1, sequential: three /fetch all 200, one after another" \
		    t_queue_sequential
		tap_run "/stats and /metrics: fetch counters, nothing rejected" \
		    t_queue_stats 0 0
	else
		tap_run "queue 1+1: three /fetch at once -> 200, 200, 503 fetch queue full" \
		    t_queue_full
		tap_run "/stats and /metrics: fetch total, 1 rejected, queue wait" \
		    t_queue_stats 1 300
	fi
	srv_kill queue
}

# ---------------------------------------------------------------- SSRF

# The front without fetch_allow, and a witness upstream that logs every connection.
front_deny() {
	[ -n "${SRV_HTTP[deny]:-}" ] && [ -n "${SRV_PID[deny]:-}" ] && return 0
	front_start deny -o fetch_timeout_ms=2000 -o fetch_redirects=3 || return 1
	FD=http://127.0.0.1:${SRV_HTTP[deny]}
	fixture_start witness hang || return 1
	WP=$FX_PORT
}

# URL refused with 403 and a reason, quickly, and neither upstream saw a connection.
t_ssrf() {
	local url=$1 name=ssrf$TAP_N w0 a0
	front_deny || return 1
	url=${url//@WP@/$WP}
	url=${url//@UP@/${SRV_HTTP[up]}}
	w0=$(count_lines "$T/witness.conns")
	a0=$(count_lines "$T/up.access")
	freq "$name" "$FD" /fetch "$url"
	sleep 0.05
	expect_status "$name" 403 &&
	    expect_json "$T/$name.body" "d['status'] == 403 and d['error']" &&
	    expect_lt "ms to refuse" "$MS" 2000 &&
	    expect_eq "witness connections" "$(count_lines "$T/witness.conns")" "$w0" &&
	    expect_eq "upstream access-log lines" "$(count_lines "$T/up.access")" "$a0"
}

# A url that is no URL at all is the client's mistake: 400, not a refusal.
t_url_malformed() {
	front_deny || return 1
	freq badurl "$FD" /fetch "not a url"
	expect_status badurl 400 &&
	    expect_json "$T/badurl.body" "d['status'] == 400 and
	    d['error'].startswith('url is not an absolute http or https URL (')"
}

# A /gather with a denied literal url is refused whole, before any transfer.
t_ssrf_gather_literal() {
	local w0 a0
	front_deny || return 1
	w0=$(count_lines "$T/witness.conns")
	a0=$(count_lines "$T/up.access")
	freq ssrfg "$FD" /gather "http://localhost:$WP/" "http://127.0.0.1:${SRV_HTTP[up]}/ip"
	sleep 0.05
	expect_status ssrfg 403 &&
	    expect_reason ssrfg 403 127.0.0.1 &&
	    expect_eq "witness connections" "$(count_lines "$T/witness.conns")" "$w0" &&
	    expect_eq "upstream access-log lines" "$(count_lines "$T/up.access")" "$a0"
}

# A name that resolves to loopback is refused at connect time, per result.
t_ssrf_gather_name() {
	local w0
	front_deny || return 1
	w0=$(count_lines "$T/witness.conns")
	freq ssrfn "$FD" /gather "http://localhost:$WP/a" "http://localhost:$WP/b"
	sleep 0.05
	expect_status ssrfn 200 &&
	    expect_json "$T/ssrfn.body" "[r['status'] for r in d['results']] == [403, 403]
	    and all(r['error'] and r['bytes'] == 0 for r in d['results'])" &&
	    expect_eq "witness connections" "$(count_lines "$T/witness.conns")" "$w0"
}

# A redirect to 10.0.0.1 is re-checked and refused (the main front allows loopback).
t_ssrf_redirect() {
	fixture_start redir_bad redirect "http://10.0.0.1/secret" || return 1
	freq ssrfr "$F" /fetch "http://127.0.0.1:$FX_PORT/start"
	expect_status ssrfr 403 &&
	    expect_json "$T/ssrfr.body" "d['status'] == 403 and d['error']" &&
	    expect_eq "redirector connections" "$(count_lines "$T/redir_bad.conns")" 1 &&
	    expect_lt "ms to refuse" "$MS" 2000
}

# Every SSRF case, against a front that allows nothing private.
fsuite_ssrf() {
	local u d
	for u in 'http://127.0.0.1:@WP@/' 'http://[::1]:@WP@/' \
	    'http://[::ffff:127.0.0.1]:@WP@/' 'http://2130706433:@WP@/' \
	    'http://0x7f000001:@WP@/' 'http://0.0.0.0:@WP@/' \
	    'http://localhost:@WP@/' 'http://127.0.0.1:@UP@/ip' \
	    'https://127.0.0.1:@WP@/' \
	    'http://10.0.0.1/' 'http://169.254.169.254/latest/meta-data/' \
	    'http://100.64.0.1/' 'file:///etc/passwd' 'gopher://127.0.0.1:@WP@/' \
	    'ftp://127.0.0.1:@WP@/'; do
		d=${u//@WP@/P}
		tap_run "SSRF: ${d//@UP@/UP} -> 403, no connection" t_ssrf "$u"
	done
	tap_run "a url that is not a URL -> 400 saying so" t_url_malformed
	tap_run "SSRF: /gather with a denied literal url -> 403 whole, nothing contacted" \
	    t_ssrf_gather_literal
	tap_run "SSRF: /gather of localhost urls -> 403 per result, nothing contacted" \
	    t_ssrf_gather_name
	tap_run "SSRF: a redirect to http://10.0.0.1/ is re-checked -> 403" t_ssrf_redirect
	srv_kill witness
	srv_kill deny
}

# ---------------------------------------------------------------- upstream failures

# A front with a 1 s fetch timeout, a 1 MiB body cap and no private CA.
front_strict() {
	[ -n "${SRV_PID[strict]:-}" ] && return 0
	front_start strict -o fetch_allow=127.0.0.0/8 -o fetch_timeout_ms=1000 \
	    -o fetch_body_max=1M || return 1
	FS=http://127.0.0.1:${SRV_HTTP[strict]}
}

# A closed port: 502 at once.
t_up_refused() {
	local port
	front_strict || return 1
	port=$(closed_port)
	freq urefused "$FS" /fetch "http://127.0.0.1:$port/"
	expect_status urefused 502 &&
	    expect_reason urefused 502 refused &&
	    expect_lt "ms" "$MS" 2000
}

# An upstream that never answers: 504 after fetch_timeout_ms, within 2 s.
t_up_hang() {
	front_strict || return 1
	fixture_start hang hang || return 1
	freq uhang "$FS" /fetch "http://127.0.0.1:$FX_PORT/"
	expect_status uhang 504 &&
	    expect_reason uhang 504 "timed out" &&
	    expect_ge "ms" "$MS" 900 &&
	    expect_lt "ms" "$MS" 2000
}

# An upstream that answers junk: 502.
t_up_junk() {
	front_strict || return 1
	fixture_start junk junk || return 1
	freq ujunk "$FS" /fetch "http://127.0.0.1:$FX_PORT/"
	expect_status ujunk 502 &&
	    expect_json "$T/ujunk.body" "d['status'] == 502 and d['error']" &&
	    expect_lt "ms" "$MS" 2000
}

# A 2 MB body with Content-Length past a 1 MiB cap, known before the head: 502.
t_up_too_big_length() {
	front_strict || return 1
	freq ubig "$FS" /fetch "$UPU/bytes/2000000"
	expect_status ubig 502 &&
	    expect_reason ubig 502 "larger than" &&
	    expect_lt "ms" "$MS" 2000
}

# A 2 MB chunked body past the cap after the head went out: cut off, curl exit 18.
t_up_too_big_chunked() {
	local rc n
	front_strict || return 1
	fixture_start chunky chunked 2000000 || return 1
	curl -sS --max-time 8 -D "$T/ubigc.hdr" -o "$T/ubigc.body" -G \
	    --data-urlencode "url=http://127.0.0.1:$FX_PORT/" "$FS/fetch" \
	    2>"$T/ubigc.err"
	rc=$?
	n=$(wc -c <"$T/ubigc.body")
	{ expect_eq "curl exit (18 = partial body)" "$rc" 18 ||
	    { lib_note_file "$T/ubigc.err"; false; }; } &&
	    expect_contains "$T/ubigc.hdr" "HTTP/1.1 200" &&
	    expect_lt "body bytes" "$n" $((1048576 + 1))
}

# A body cut short of the Content-Length passed on: the client sees the cut (curl 18).
t_up_short_length() {
	local rc
	front_strict || return 1
	fixture_start short short 100000 || return 1
	curl -sS --max-time 8 -D "$T/ushort.hdr" -o "$T/ushort.body" -G \
	    --data-urlencode "url=http://127.0.0.1:$FX_PORT/" "$FS/fetch" 2>"$T/ushort.err"
	rc=$?
	expect_eq "curl exit (18 = partial body)" "$rc" 18 &&
	    expect_hdr ushort Content-Length 100000 &&
	    expect_lt "body bytes" "$(wc -c <"$T/ushort.body")" 100000
}

# A head whose body comes late reaches the client at once, the body after.
t_up_slow_body() {
	local w
	front_strict || return 1
	fixture_start slowbody slowbody 800 || return 1
	w=$(curl -sS --max-time 8 -D "$T/uslow.hdr" -o "$T/uslow.body" \
	    -w '%{time_starttransfer} %{time_total}' -G \
	    --data-urlencode "url=http://127.0.0.1:$FX_PORT/" "$FS/fetch")
	expect_eq body "$(cat "$T/uslow.body")" body &&
	    expect_hdr uslow Content-Length 4 &&
	    expect_lt "head ms" "$(awk '{ printf "%d", $1 * 1000 }' <<<"$w")" 600 &&
	    expect_ge "total ms" "$(awk '{ printf "%d", $2 * 1000 }' <<<"$w")" 800
}

# After the failures above the strict front still answers.
t_up_still_serving() {
	front_strict || return 1
	freq ualive "$FS" /fetch "$UPU/ip"
	expect_status ualive 200
}

# An upstream status line we cannot relay: 502 with a reason, and the
# pipelined request behind it on the same connection is still answered.
t_up_bad_status() {
	local line=$1 why=$2 name=ubs$TAP_N
	front_strict || return 1
	fixture_start "$name" status "$line" || return 1
	printf 'GET /fetch?url=http://127.0.0.1:%s/ HTTP/1.1\r\nHost: x\r\n\r\nGET /ip HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' \
	    "$FX_PORT" >"$T/$name.req"
	raw "$name" "${SRV_HTTP[strict]}"
	raw_split "$name"
	expect_eq statuses "$RAW_STATUSES" "502 200" &&
	    expect_json "$T/$name.1.body" "d['status'] == 502 and '''$why''' in d['error']" &&
	    expect_closed "$name"
}

# Upstreams that refuse, hang, talk junk or send too much.
fsuite_failures() {
	tap_run "upstream status 0 -> 502, the pipelined request still answered" \
	    t_up_bad_status "HTTP/1.1 0 X" "malformed"
	tap_run "upstream status 999 -> 502, the pipelined request still answered" \
	    t_up_bad_status "HTTP/1.1 999 X" "status 999"
	tap_run "upstream status 600 -> 502, the pipelined request still answered" \
	    t_up_bad_status "HTTP/1.1 600 X" "status 600"
	tap_run "upstream 101 without an upgrade asked -> 502, pipelined request answered" \
	    t_up_bad_status "HTTP/1.1 101 Switching Protocols" "101"
	tap_run "upstream refusing (closed port) -> 502" t_up_refused
	tap_run "upstream hanging, fetch_timeout_ms=1000 -> 504 within 2 s" t_up_hang
	tap_run "upstream sending garbage -> 502" t_up_junk
	tap_run "upstream body 2 MB with Content-Length, fetch_body_max=1M -> 502" \
	    t_up_too_big_length
	tap_run "upstream chunked body 2 MB past the cap after the head -> cut off (curl 18)" \
	    t_up_too_big_chunked
	tap_run "upstream body cut short of its Content-Length -> client sees the cut" \
	    t_up_short_length
	tap_run "a late upstream body: the head passes at once, the length kept" t_up_slow_body
	tap_run "the front still fetches after those failures" t_up_still_serving
	srv_kill strict
}

# ---------------------------------------------------------------- loops

# A front that may fetch itself, with 2 slots per level and a 10 s fetch
# timeout: a stall shows as a wait of 10 s (or curl's 8 s --max-time).
front_loop() {
	[ -n "${SRV_PID[loop]:-}" ] && return 0
	front_start loop -o fetch_allow=127.0.0.0/8 -o fetch_concurrency=2 \
	    -o fetch_timeout_ms=10000 || return 1
	FL=http://127.0.0.1:${SRV_HTTP[loop]}
}

# URL of ENDPOINT nested DEPTH times around LEAF, FAN url= at each level.
nest_url() {
	python3 -c 'import sys, urllib.parse as up
base, ep, depth, fan, leaf = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
def mk(d):
    if d == 0:
        return leaf
    return base + "/" + ep + "?" + "&".join("url=" + up.quote(mk(d - 1), safe="") for _ in range(fan))
print(mk(depth))' "$@"
}

# /fetch of /fetch of ... itself, past fetch_max_hops: 508 saying why, at once.
t_loop_508() {
	front_loop || return 1
	req loop508 "$(nest_url "$FL" fetch 4 1 "$FL/ip")"
	expect_status loop508 508 &&
	    expect_reason loop508 508 fetch_max_hops &&
	    expect_lt "ms (fetch_timeout_ms is 10000)" "$MS" 5000
}

# The upstream request carries one Via member per hop: the client's 2, plus ours.
t_loop_via() {
	front_loop || return 1
	req loopvia -H 'Via: 1.0 a, 1.1 b (x, y)' -G --data-urlencode \
	    "url=$UPU/headers" "$FL/fetch"
	expect_status loopvia 200 &&
	    expect_json "$T/loopvia.body" "hdr(d['headers'], 'Via') ==
	    '1.1 echofetchd, 1.1 echofetchd, 1.1 echofetchd'"
}

# A /gather of /gathers of itself within the hop limit, 2 slots: all 200, quickly.
t_loop_nested_gather() {
	front_loop || return 1
	req loopng "$(nest_url "$FL" gather 2 2 "$FL/ip")"
	expect_status loopng 200 &&
	    expect_json "$T/loopng.body" "[r['status'] for r in d['results']] == [200, 200]" &&
	    expect_lt "ms (fetch_timeout_ms is 10000)" "$MS" 5000
}

# While a 2-wide /gather loop past the hop limit runs, a plain /fetch is answered.
t_loop_plain_meanwhile() {
	local pid t0 rc u
	front_loop || return 1
	u=$(nest_url "$FL" gather 4 2 "$FL/ip")
	t0=$(now_ms)
	curl -sS --max-time 12 -o "$T/loopbg.body" -w '%{http_code}' "$u" \
	    >"$T/loopbg.code" 2>"$T/loopbg.err" &
	pid=$!
	freq loopplain "$FL" /fetch "$UPU/ip"
	wait "$pid"
	rc=$?
	expect_status loopplain 200 &&
	    expect_lt "plain /fetch ms" "$MS" 5000 &&
	    expect_eq "loop curl exit" "$rc" 0 &&
	    expect_eq "loop status" "$(cat "$T/loopbg.code")" 200 &&
	    expect_lt "loop ms (fetch_timeout_ms is 10000)" "$(($(now_ms) - t0))" 5000
}

# Fetch loops through the server itself. A sequential server cannot take
# the nested connection while it fetches, so it is left out.
fsuite_loops() {
	tap_run "upstream requests carry Via: one member per hop plus ours" t_loop_via
	[ "$MODEL" = sequential ] && { srv_kill loop; return 0; }
	tap_run "a fetch of itself 4 deep -> 508 naming fetch_max_hops, quickly" t_loop_508
	tap_run "a /gather of /gathers of itself with 2 slots -> all 200, no stall" \
	    t_loop_nested_gather
	tap_run "a /gather loop past the hop limit: a plain /fetch meanwhile is prompt" \
	    t_loop_plain_meanwhile
	srv_kill loop
}

# ---------------------------------------------------------------- TLS front

# HTTPS to the front, verified against the test CA, every endpoint there.
t_https_anything() {
	need_port "$F_TLS" https || return 1
	req hany --cacert "$CA" "https://localhost:$F_TLS/anything?x=1"
	expect_status hany 200 &&
	    expect_json "$T/hany.body" "d['url'].startswith('https://') and
	    d['url'].endswith('/anything?x=1') and d['args'] == {'x': '1'}"
}

# Two requests over one TLS connection; ALPN picks http/1.1.
t_https_keepalive() {
	local out
	need_port "$F_TLS" https || return 1
	out=$(curl -sS -v --max-time 8 --cacert "$CA" -o /dev/null -o /dev/null \
	    -w '%{http_code}/%{num_connects} ' "https://localhost:$F_TLS/ip" \
	    "https://localhost:$F_TLS/ip?n=2" 2>"$T/hka.err")
	expect_eq "status/connects" "$out" "200/1 200/0 " &&
	    { grep -qi 'ALPN.*accepted.*http/1.1' "$T/hka.err" ||
	    { note "curl -v shows no ALPN http/1.1"; false; }; }
}

# /fetch through the HTTPS front of the HTTPS upstream.
t_https_fetch() {
	need_port "$F_TLS" https || return 1
	req hfetch --cacert "$CA" -G --data-urlencode \
	    "url=https://localhost:$UP_TLS/bytes/40000?seed=9" \
	    "https://localhost:$F_TLS/fetch"
	req direct_h "$UPU/bytes/40000?seed=9"
	expect_status hfetch 200 &&
	    expect_eq sha256 "$(sha "$T/hfetch.body")" "$(sha "$T/direct_h.body")"
}

# The TLS echo port gives back text and binary, verified by s_client.
t_tls_echo() {
	need_port "$F_TLS_ECHO" tls_echo || return 1
	{
		printf 'hello tls echo\n'
		python3 -c 'import sys; sys.stdout.buffer.write(bytes(range(256)) * 64)'
	} >"$T/techo.in"
	{ cat "$T/techo.in"; sleep 1; } |
	    timeout 5 openssl s_client -quiet -no_ign_eof -verify_return_error \
	    -CAfile "$CA" -connect "127.0.0.1:$F_TLS_ECHO" \
	    >"$T/techo.out" 2>"$T/techo.err"
	expect_same_file "$T/techo.out" "$T/techo.in" ||
	    { lib_note_file "$T/techo.err"; false; }
}

# A missing certificate or key file stops the start, naming the file.
t_tls_bad_file() {
	local which=$1 args
	if [ "$which" = cert ]; then
		args=(-o tls_cert="$T/no-such-cert.pem" -o tls_key="$KEY")
	else
		args=(-o tls_cert="$CERT" -o tls_key="$T/no-such-key.pem")
	fi
	bin_run tlsbad --listen 127.0.0.1:0 --echo-listen 127.0.0.1:0 \
	    -o tls_listen=127.0.0.1:0 "${args[@]}"
	expect_start_failed tlsbad "$T/no-such-$which.pem"
}

# HTTPS and TLS echo on the main front.
fsuite_tls() {
	tap_run "HTTPS: curl --cacert https://localhost/anything -> 200, https url" t_https_anything
	tap_run "HTTPS: keep-alive (2 requests, 1 connection), ALPN http/1.1" t_https_keepalive
	tap_run "HTTPS front /fetch of the HTTPS upstream: same bytes" t_https_fetch
	tap_run "TLS echo via openssl s_client returns the same bytes" t_tls_echo
	tap_run "a missing tls_cert file: exit non-zero naming the path" t_tls_bad_file cert
	tap_run "a missing tls_key file: exit non-zero naming the path" t_tls_bad_file key
}

# ---------------------------------------------------------------- main

# Every check; the slow streaming one near the end.
fsuite_main() {
	fsuite_fetch
	fsuite_gather
	fsuite_ssrf
	fsuite_failures
	fsuite_queue
	fsuite_loops
	fsuite_tls
	tap_run "20 MB to a 4 MB/s reader: all bytes, front RSS < idle + 16 MiB" t_stream_big
}

lib_setup
fsuite_args "$@"
fsuite_certs
fsuite_start_upstream
fsuite_start_main
fsuite_main
tap_end
