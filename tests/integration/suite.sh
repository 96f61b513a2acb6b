#!/bin/bash
# suite: the integration checks, run against one build and model, as TAP.
#
# usage: suite.sh event
#        suite.sh blocking sequential|thread|fork|pool
#
# Starts the real server on 127.0.0.1 port 0, reads its ports from the port
# file, and talks to it with curl, nc and bash. Exits 0 whatever the checks
# say (tap-driver counts them); "Bail out!" if the server cannot start.

. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"

# ---------------------------------------------------------------- setup

# The build and model from the arguments; a pool of two workers is enough.
suite_args() {
	lib_pick_build "$@"
	[ "$MODEL" = pool ] && MODEL_ARGS+=(--pool-size 2)
}

# Test inputs: every byte value once, 2 KiB of text, 1 MiB of noise.
suite_fixtures() {
	python3 -c 'import sys; sys.stdout.buffer.write(bytes(range(256)))' \
	    >"$T/all256.bin"
	head -c 2048 /dev/zero | tr '\0' 'x' >"$T/2k.txt"
	head -c 1048576 /dev/urandom >"$T/1m.bin"
}

# Start the main server or give up on the whole run.
suite_start_main() {
	if ! srv_start main "$BIN" "${MODEL_ARGS[@]}"; then
		srv_explain main
		tap_bail "$SERVER ($MODEL) did not start within 5 s"
	fi
	U=http://127.0.0.1:${SRV_HTTP[main]}
	HTTP=${SRV_HTTP[main]}
	tap_diag "$SERVER model $MODEL: http=$HTTP echo=${SRV_ECHO[main]}" \
	    "udp=${SRV_UDP[main]}"
}

# ---------------------------------------------------------------- endpoints

# The index is plain text and lists the endpoints.
t_index() {
	req index "$U/"
	expect_status index 200 &&
	    expect_eq "Content-Type" "$(hdr index Content-Type | cut -d';' -f1)" \
	    text/plain &&
	    expect_contains "$T/index.body" "/delay?ms=N" &&
	    expect_contains "$T/index.body" "/echo" &&
	    expect_contains "$T/index.body" "/stats"
}

# The index as JSON: valid, and every entry has method, path, about.
t_index_json() {
	req indexj "$U/?format=json"
	expect_status indexj 200 &&
	    { python3 -m json.tool "$T/indexj.body" >/dev/null 2>&1 ||
	    { note "json.tool refuses the body"; false; }; } &&
	    expect_json "$T/indexj.body" 'len(d["endpoints"]) >= 10 and
	    all(list(e) == ["method", "path", "about"] for e in d["endpoints"])'
}

# Every response carries Server, an IMF-fixdate Date and a true length.
t_common_head() {
	local date re='^[A-Z][a-z]{2}, [0-9]{2} [A-Z][a-z]{2} [0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2} GMT$'
	req head "$U/ip"
	date=$(hdr head Date)
	expect_status head 200 &&
	    expect_eq "Server prefix" "$(hdr head Server | cut -d/ -f1)" echofetch &&
	    { [[ $date =~ $re ]] || { note "Date '$date' not IMF-fixdate"; false; }; } &&
	    expect_hdr head Content-Length "$(wc -c <"$T/head.body")" &&
	    expect_hdr head Connection keep-alive
}

# /echo sends every byte value back and copies Content-Type.
t_echo_binary() {
	req echo -H 'Content-Type: application/x-efsuite' \
	    --data-binary @"$T/all256.bin" "$U/echo"
	expect_status echo 200 &&
	    expect_same_file "$T/echo.body" "$T/all256.bin" &&
	    expect_hdr echo Content-Type application/x-efsuite &&
	    expect_hdr echo Content-Length 256
}

# /echo without a Content-Type answers application/octet-stream.
t_echo_untyped() {
	req echo2 -H 'Content-Type:' --data-binary 'plain words' "$U/echo"
	expect_status echo2 200 &&
	    expect_eq body "$(cat "$T/echo2.body")" "plain words" &&
	    expect_hdr echo2 Content-Type application/octet-stream
}

# /anything with a query and a JSON body reports both, httpbin style.
t_anything_json() {
	req anyj -H 'Content-Type: application/json' \
	    --data-binary '{"a":1,"b":[true,null]}' "$U/anything?x=1&y=two%20words"
	expect_status anyj 200 &&
	    expect_hdr anyj Content-Type application/json &&
	    expect_json "$T/anyj.body" 'd["method"] == "POST" and
	    d["args"] == {"x": "1", "y": "two words"} and
	    d["json"] == {"a": 1, "b": [True, None]} and
	    d["data"] == "{\"a\":1,\"b\":[true,null]}" and
	    d["origin"] == "127.0.0.1" and d["files"] == {} and
	    d["url"].endswith("/anything?x=1&y=two%20words")'
}

# /anything keys come in the documented order.
t_anything_order() {
	expect_json "$T/anyj.body" 'list(d) == ["args", "data", "files",
	    "form", "headers", "json", "method", "origin", "url"]'
}

# /anything decodes a form body into form (+ is space, %21 is !).
t_anything_form() {
	req anyf -d 'name=a+b&x=%21' "$U/anything"
	expect_status anyf 200 &&
	    expect_json "$T/anyf.body" 'd["form"] == {"name": "a b", "x": "!"}
	    and d["json"] is None and d["method"] == "POST" and d["args"] == {}'
}

# /anything/sub/path is routed and reports its own URL.
t_anything_path() {
	req anyp "$U/anything/sub/path"
	expect_status anyp 200 &&
	    expect_json "$T/anyp.body" 'd["method"] == "GET" and
	    d["url"].endswith("/anything/sub/path") and d["args"] == {}'
}

# /headers shows what we sent.
t_headers() {
	req headers -H 'X-Efsuite: hello world' "$U/headers"
	expect_status headers 200 &&
	    expect_json "$T/headers.body" "list(d) == ['headers'] and
	    hdr(d['headers'], 'X-Efsuite') == 'hello world' and
	    hdr(d['headers'], 'Host') == '127.0.0.1:$HTTP'"
}

# /ip is {"origin":"127.0.0.1"}, pretty-printed, ending in a newline.
t_ip() {
	req ip "$U/ip"
	expect_status ip 200 &&
	    expect_json "$T/ip.body" 'd == {"origin": "127.0.0.1"}' &&
	    expect_eq "line 2" "$(sed -n 2p "$T/ip.body")" '  "origin": "127.0.0.1"' &&
	    expect_eq "last byte" "$(tail -c 1 "$T/ip.body" | od -An -c | tr -d ' ')" '\n'
}

# /user-agent repeats our User-Agent.
t_user_agent() {
	req ua -A 'efsuite/1.0' "$U/user-agent"
	expect_status ua 200 &&
	    expect_json "$T/ua.body" 'd == {"user-agent": "efsuite/1.0"}'
}

# /delay?ms=200 waits at least 200 ms and says so.
t_delay_ms() {
	req delay "$U/delay?ms=200"
	expect_status delay 200 &&
	    expect_ge "elapsed ms" "$MS" 200 &&
	    expect_json "$T/delay.body" 'd["delay_ms"] == 200 and
	    d["args"] == {"ms": "200"} and list(d) == ["args", "data",
	    "delay_ms", "headers", "origin", "url"]'
}

# /delay/0.2 is the same wait in seconds.
t_delay_seconds() {
	req delays "$U/delay/0.2"
	expect_status delays 200 &&
	    expect_ge "elapsed ms" "$MS" 200 &&
	    expect_json "$T/delays.body" 'd["delay_ms"] == 200'
}

# /drip sends exactly N stars over the duration, with a length.
t_drip() {
	req drip "$U/drip?numbytes=5&duration=0.5"
	expect_status drip 200 &&
	    expect_eq body "$(cat "$T/drip.body")" '*****' &&
	    expect_hdr drip Content-Length 5 &&
	    expect_hdr drip Content-Type application/octet-stream &&
	    expect_ge "elapsed ms" "$MS" 400
}

# /stream/3 is three compact JSON lines with consecutive ids, chunked.
t_stream() {
	req stream --http1.1 "$U/stream/3"
	{ echo '['; paste -sd, "$T/stream.body"; echo ']'; } >"$T/stream.json"
	expect_status stream 200 &&
	    expect_hdr stream Transfer-Encoding chunked &&
	    expect_eq lines "$(wc -l <"$T/stream.body")" 3 &&
	    expect_json "$T/stream.json" 'len(d) == 3 and d[0]["id"] in (0, 1)
	    and [e["id"] - d[0]["id"] for e in d] == [0, 1, 2] and
	    all(e["url"].endswith("/stream/3") for e in d)'
}

# /bytes/1000?seed=7 is 1000 bytes, the same on every call.
t_bytes_seed() {
	req bytes1 "$U/bytes/1000?seed=7"
	req bytes2 "$U/bytes/1000?seed=7"
	expect_status bytes2 200 &&
	    expect_eq size "$(wc -c <"$T/bytes1.body")" 1000 &&
	    expect_hdr bytes1 Content-Length 1000 &&
	    expect_hdr bytes1 Content-Type application/octet-stream &&
	    expect_same_file "$T/bytes1.body" "$T/bytes2.body"
}

# /bytes/100000 spans several 16 KiB pieces and arrives whole.
t_bytes_big() {
	req bytesb "$U/bytes/100000"
	expect_status bytesb 200 &&
	    expect_eq size "$(wc -c <"$T/bytesb.body")" 100000 &&
	    expect_hdr bytesb Content-Length 100000
}

# /status/418 has that status and an empty body of length 0.
t_status_418() {
	req s418 "$U/status/418"
	expect_status s418 418 &&
	    expect_hdr s418 Content-Length 0 &&
	    expect_eq "body bytes" "$(wc -c <"$T/s418.body")" 0
}

# /status/204 has no body.
t_status_204() {
	req s204 "$U/status/204"
	expect_status s204 204 &&
	    expect_eq "body bytes" "$(wc -c <"$T/s204.body")" 0
}

# /status/302 points to /.
t_status_302() {
	req s302 "$U/status/302"
	expect_status s302 302 && expect_hdr s302 Location /redirect/1
}

# /status/401 asks for Basic credentials.
t_status_401() {
	req s401 "$U/status/401"
	expect_status s401 401 &&
	    expect_hdr s401 WWW-Authenticate 'Basic realm="echofetch"'
}

# /cpu?ms=50 reports what it burned.
t_cpu() {
	req cpu "$U/cpu?ms=50"
	expect_status cpu 200 && expect_json "$T/cpu.body" 'd == {"burned_ms": 50}'
}

# /stats is JSON naming this server and model.
t_stats() {
	req stats "$U/stats"
	expect_status stats 200 &&
	    expect_json "$T/stats.body" "find(d, 'model') == '$MODEL' and
	    find(d, 'server') == '$SERVER'"
}

# /metrics is Prometheus text with the request counter.
t_metrics() {
	req metrics "$U/metrics"
	expect_status metrics 200 &&
	    expect_hdr metrics Content-Type 'text/plain; version=0.0.4' &&
	    expect_contains "$T/metrics.body" 'echofetch_requests_total{'
}

# HEAD /anything: the head with a Content-Length, then not one body byte.
t_head_anything() {
	printf 'HEAD /anything HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' \
	    >"$T/heada.req"
	raw heada "$HTTP"
	raw_split heada head
	expect_eq statuses "$RAW_STATUSES" 200 &&
	    expect_eq "bytes after the head" "$RAW_TRAILING" 0 &&
	    expect_ge "Content-Length" "$(hdr heada.1 Content-Length)" 1 &&
	    expect_closed heada
}

# HEAD /bytes/1000 announces 1000 bytes and sends none.
t_head_bytes() {
	printf 'HEAD /bytes/1000 HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' \
	    >"$T/headb.req"
	raw headb "$HTTP"
	raw_split headb head
	expect_eq statuses "$RAW_STATUSES" 200 &&
	    expect_eq "bytes after the head" "$RAW_TRAILING" 0 &&
	    expect_raw_hdr headb 1 Content-Length 1000
}

# ---------------------------------------------------------------- errors

# A parameter error is compact one-line JSON naming the parameter.
expect_param_error() {
	expect_status "$1" 400 &&
	    expect_hdr "$1" Content-Type application/json &&
	    expect_eq "body lines" "$(wc -l <"$T/$1.body")" 1 &&
	    expect_json "$T/$1.body" "list(d) == ['error', 'status'] and
	    d['status'] == 400 and '$2' in d['error']"
}

# /delay?ms=abc is refused, naming ms.
t_err_delay_word() {
	req edw "$U/delay?ms=abc"
	expect_param_error edw ms
}

# /delay?ms=999999 is refused, not clamped.
t_err_delay_big() {
	req edb "$U/delay?ms=999999"
	expect_param_error edb ms
}

# An unknown path is a 404 with the documented body, byte for byte.
t_err_404() {
	req e404 "$U/nope"
	expect_status e404 404 &&
	    expect_eq body "$(od -An -c "$T/e404.body" | tr -s ' \n' ' ')" \
	    "$(printf '{"error":"no such endpoint: /nope","status":404}\n' |
	    od -An -c | tr -s ' \n' ' ')"
}

# POST to a GET endpoint is a 405 that says what is allowed.
t_err_405() {
	req e405 -d x "$U/ip"
	expect_status e405 405 && expect_hdr e405 Allow 'GET, HEAD'
}

# /status/99 is out of range.
t_err_status_range() {
	req es99 "$U/status/99"
	expect_status es99 400 &&
	    expect_json "$T/es99.body" 'd["status"] == 400'
}

# ---------------------------------------------------------------- connections

# curl reuses one connection for two URLs (HTTP/1.1 keep-alive).
t_keepalive() {
	local out
	out=$(curl -sS --max-time 5 -o /dev/null -o /dev/null \
	    -w '%{num_connects} ' "$U/ip" "$U/ip" 2>"$T/ka.err")
	expect_eq "connects per request" "$out" "1 0 "
}

# HTTP/1.0 without keep-alive: an HTTP/1.0 answer, Connection: close, closed.
t_http10_close() {
	printf 'GET /ip HTTP/1.0\r\n\r\n' >"$T/h10.req"
	raw h10 "$HTTP"
	raw_split h10
	expect_eq statuses "$RAW_STATUSES" 200 &&
	    expect_eq "status line" "$(head -1 "$T/h10.1.hdr" | cut -c1-12)" \
	    "HTTP/1.0 200" &&
	    expect_raw_hdr h10 1 Connection close &&
	    expect_closed h10
}

# HTTP/1.0 with Connection: keep-alive keeps the connection for the next one.
t_http10_keepalive() {
	printf 'GET /ip?n=1 HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /ip?n=2 HTTP/1.0\r\n\r\n' \
	    >"$T/h10k.req"
	raw h10k "$HTTP"
	raw_split h10k
	expect_eq statuses "$RAW_STATUSES" "200 200" &&
	    expect_raw_hdr h10k 1 Connection keep-alive &&
	    expect_raw_hdr h10k 2 Connection close &&
	    expect_closed h10k
}

# Three requests in one write get three answers, in order.
t_pipeline() {
	printf '%s' \
	    $'GET /anything?n=1 HTTP/1.1\r\nHost: x\r\n\r\n' \
	    $'GET /status/201 HTTP/1.1\r\nHost: x\r\n\r\n' \
	    $'GET /anything?n=3 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' \
	    >"$T/pipe.req"
	raw pipe "$HTTP"
	raw_split pipe
	expect_eq statuses "$RAW_STATUSES" "200 201 200" &&
	    expect_json "$T/pipe.1.body" 'd["args"] == {"n": "1"}' &&
	    expect_eq "body 2 bytes" "$(wc -c <"$T/pipe.2.body")" 0 &&
	    expect_json "$T/pipe.3.body" 'd["args"] == {"n": "3"}' &&
	    expect_eq trailing "$RAW_TRAILING" 0 &&
	    expect_closed pipe
}

# A refused request: exactly one response with the status, a JSON error,
# Connection: close, and the server closes. t_refused NAME STATUS (NAME.req).
t_refused() {
	raw "$1" "$HTTP"
	raw_split "$1"
	expect_eq statuses "$RAW_STATUSES" "$2" &&
	    expect_raw_hdr "$1" 1 Connection close &&
	    expect_json "$T/$1.1.body" "d['status'] == $2 and 'error' in d" &&
	    expect_closed "$1"
}

# Write a raw request (printf format and arguments) to $T/NAME.req.
raw_req() {
	local name=$1 fmt=$2
	shift 2
	printf "$fmt" "$@" >"$T/$name.req"
}

# A GET with Host and n more header fields, in $T/NAME.req.
raw_req_many_headers() {
	local i
	{
		printf 'GET /ip HTTP/1.1\r\nHost: x\r\n'
		for ((i = 1; i <= $2; i++)); do
			printf 'X-H%d: v\r\n' "$i"
		done
		printf '\r\n'
	} >"$T/$1.req"
}

# The parser's refusals, each on its own connection.
suite_refusals() {
	raw_req bad1 'GARBAGE\r\n\r\n'
	tap_run "bad request line -> 400 and close" t_refused bad1 400
	raw_req bad2 'POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc'
	tap_run "duplicate Content-Length -> 400 and close" t_refused bad2 400
	raw_req bad3 'POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n'
	tap_run "Content-Length with Transfer-Encoding -> 400 and close" t_refused bad3 400
	raw_req bad4 'GET /ip HTTP/1.1\r\nHost: x\r\nX-Folded: a\r\n b\r\n\r\n'
	tap_run "obs-fold header -> 400 and close" t_refused bad4 400
	raw_req bad5 'GET /%s HTTP/1.1\r\nHost: x\r\n\r\n' "$(head -c 9000 /dev/zero | tr '\0' a)"
	tap_run "9000-byte request line -> 414 and close" t_refused bad5 414
	raw_req_many_headers bad6 100
	tap_run "101 header fields -> 431 and close" t_refused bad6 431
	raw_req bad7 'POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n'
	tap_run "Transfer-Encoding: gzip -> 501 and close" t_refused bad7 501
	raw_req bad8 'POST /echo HTTP/1.1\r\nHost: x\r\nExpect: something\r\nContent-Length: 3\r\n\r\nabc'
	tap_run "Expect: something -> 417 and close" t_refused bad8 417
	raw_req bad9 'POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1048577\r\n\r\n'
	tap_run "Content-Length over body_max -> 413 and close" t_refused bad9 413
	raw_req bad10 'GET /ip HTTP/2.0\r\nHost: x\r\n\r\n'
	tap_run "HTTP/2.0 request line -> 505 and close" t_refused bad10 505
}

# ---------------------------------------------------------------- bodies

# curl's chunked upload comes back decoded, byte for byte.
t_chunked_curl() {
	req chk -H 'Transfer-Encoding: chunked' -H 'Content-Type: application/octet-stream' \
	    --data-binary @"$T/all256.bin" "$U/echo"
	expect_status chk 200 && expect_same_file "$T/chk.body" "$T/all256.bin"
}

# Chunk extensions and trailers are dropped; the body is the data alone.
t_chunked_raw() {
	raw_req chkr 'POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n'
	raw chkr "$HTTP"
	raw_split chkr
	expect_eq statuses "$RAW_STATUSES" 200 &&
	    expect_eq body "$(cat "$T/chkr.1.body")" "hello world" &&
	    expect_raw_hdr chkr 1 Content-Length 11
}

# Expect: 100-continue gets the interim 100, then the echo.
t_expect_continue() {
	req cont -H 'Expect: 100-continue' -H 'Content-Type: text/plain' \
	    --data-binary @"$T/2k.txt" "$U/echo"
	expect_status cont 200 &&
	    expect_contains "$T/cont.hdr" "HTTP/1.1 100" &&
	    expect_same_file "$T/cont.body" "$T/2k.txt"
}

# ---------------------------------------------------------------- echo

# Send a file through the TCP echo port (half-close after it); keep the reply.
echo_tcp() {
	timeout 10 nc -N -w 3 127.0.0.1 "${SRV_ECHO[main]}" <"$1" >"$2" 2>/dev/null
	return 0
}

# TCP echo returns a line of text.
t_tcp_echo_text() {
	printf 'hello echo\n' >"$T/etext.in"
	[ -n "${SRV_ECHO[main]}" ] || { note "no echo= line in the port file"; return 1; }
	echo_tcp "$T/etext.in" "$T/etext.out"
	expect_same_file "$T/etext.out" "$T/etext.in"
}

# TCP echo returns every byte value.
t_tcp_echo_binary() {
	[ -n "${SRV_ECHO[main]}" ] || { note "no echo= line in the port file"; return 1; }
	echo_tcp "$T/all256.bin" "$T/ebin.out"
	expect_same_file "$T/ebin.out" "$T/all256.bin"
}

# TCP echo returns 1 MiB of noise intact (sha256).
t_tcp_echo_big() {
	[ -n "${SRV_ECHO[main]}" ] || { note "no echo= line in the port file"; return 1; }
	echo_tcp "$T/1m.bin" "$T/ebig.out"
	expect_eq sha256 "$(sha256sum <"$T/ebig.out" | cut -d' ' -f1)" \
	    "$(sha256sum <"$T/1m.bin" | cut -d' ' -f1)"
}

# UDP echo returns a datagram.
t_udp_echo() {
	[ -n "${SRV_UDP[main]}" ] || { note "no udp= line in the port file"; return 1; }
	printf 'udp hello \001\377' >"$T/udp.in"
	timeout 3 nc -u -w 1 127.0.0.1 "${SRV_UDP[main]}" <"$T/udp.in" \
	    >"$T/udp.out" 2>/dev/null
	expect_same_file "$T/udp.out" "$T/udp.in"
}

# ---------------------------------------------------------------- logging

# The first access-log line containing a string, waiting up to 2 s for it.
log_wait() {
	local i line
	for ((i = 0; i < 100; i++)); do
		line=$(grep -F -- "$2" "$1" 2>/dev/null | head -1)
		[ -n "$line" ] && { echo "$line"; return 0; }
		sleep 0.02
	done
	return 1
}

# A request leaves a line with its method, target and status.
t_access_log() {
	local line
	req alog "$U/status/207?tag=accesslog"
	line=$(log_wait "$T/main.access" "/status/207?tag=accesslog") ||
	    { note "no access-log line for the request"; lib_note_file "$T/main.access"; return 1; }
	[[ $line == *"GET /status/207?tag=accesslog"* && " $line " == *" 207 "* ]] &&
	    return 0
	note "line lacks 'GET /status/207?tag=accesslog' or ' 207 ': $line"
	return 1
}

# A client that leaves during /delay is logged as 499.
t_client_gone() {
	local line
	curl -s --max-time 0.5 -o /dev/null "$U/delay?ms=1500&tag=gone" 2>/dev/null
	line=$(log_wait "$T/main.access" "tag=gone") ||
	    { note "no access-log line within 2 s"; lib_note_file "$T/main.access"; return 1; }
	[[ " $line " == *" 499 "* ]] && return 0
	note "line: $line"
	return 1
}

# ---------------------------------------------------------------- accounting

# Hold one started request on NAME's port and, when REFUSE is 1, open a second
# connection over max_connections=1; print both answers' statuses as JSON.
acct_clients() {
	python3 - "$1" "$2" <<'PY'
import json, socket, sys, time
port, refuse = int(sys.argv[1]), sys.argv[2] == "1"
def drain(s):
    s.settimeout(5)
    data = b""
    while True:
        try:
            b = s.recv(65536)
        except OSError:
            break
        if not b:
            break
        data += b
    return data
held = socket.create_connection(("127.0.0.1", port))
held.sendall(b"GET /ip?tag=acct HTTP/1.1\r\nHost: x\r\n")
time.sleep(0.2)
out = {"r503": "", "body503": ""}
if refuse:
    over = socket.create_connection(("127.0.0.1", port))
    r = drain(over).decode("latin-1")
    out["r503"] = r.split("\r\n", 1)[0]
    out["body503"] = r.split("\r\n\r\n", 1)[-1]
out["r408"] = drain(held).decode("latin-1").split("\r\n", 1)[0]
print(json.dumps(out))
PY
}

# Both builds count and log a refusal over max_connections and a 408 the same
# way: by status class, under no endpoint, with the end named in the access log.
t_accounting() {
	local refuse=1 line extra=()
	[ "$MODEL" = sequential ] && refuse=0	# one client at a time: never over the cap
	[ "$MODEL" = event ] && extra=(-o workers=1)
	srv_start acct "$BIN" "${MODEL_ARGS[@]}" "${extra[@]}" \
	    -o max_connections=1 -o header_timeout_ms=500 ||
	    { note "server did not start: $(head -3 "$T/acct.err")"; return 1; }
	acct_clients "${SRV_HTTP[acct]}" "$refuse" >"$T/acct.json" 2>"$T/acct.cerr" ||
	    { lib_note_file "$T/acct.cerr"; return 1; }
	expect_json "$T/acct.json" "d['r408'] == 'HTTP/1.1 408 Request Timeout' and
	    ($refuse == 0 or (d['r503'] == 'HTTP/1.1 503 Service Unavailable' and
	    json.loads(d['body503'])['error'] == 'too many connections (max_connections)'))" ||
	    return 1
	# The held slot comes back after its 408; /stats then answers.
	srv_stat_wait_eq acct '["requests"]["by_endpoint"]["none"]["408"]' 1 3000 || return 1
	# A /stats refused while the slot was still held counts as one more 503.
	curl -s --max-time 2 -o "$T/acct.stats" "$(srv_url acct)/stats"
	expect_json "$T/acct.stats" "d['connections']['rejected'] >= $refuse and
	    d['requests']['by_class']['4xx'] == 1 and
	    d['requests']['by_class']['5xx'] == d['connections']['rejected'] and
	    d['requests']['by_endpoint']['none'].get('503', 0) == d['connections']['rejected'] and
	    'bad_request' not in d['requests']['by_endpoint']" || return 1
	curl -s --max-time 2 -o "$T/acct.metrics" "$(srv_url acct)/metrics"
	expect_contains "$T/acct.metrics" 'echofetch_responses_total{class="4xx"} 1' &&
	    expect_contains "$T/acct.metrics" \
	    'echofetch_requests_total{endpoint="none",code="408"} 1' || return 1
	line=$(log_wait "$T/acct.access" " 408 ") ||
	    { note "no 408 line"; lib_note_file "$T/acct.access"; return 1; }
	[[ $line == *'"- -" 408 '*' header-timeout' ]] ||
	    { note "408 line: $line"; return 1; }
	if [ "$refuse" = 1 ]; then
		line=$(log_wait "$T/acct.access" " 503 ") ||
		    { note "no 503 line"; lib_note_file "$T/acct.access"; return 1; }
		[[ $line == *'"- -" 503 '*' refused-cap' ]] ||
		    { note "503 line: $line"; return 1; }
	fi
	srv_kill acct
}

# ---------------------------------------------------------------- concurrency

# N parallel /delay?ms=MS from one curl (--parallel, a connection each, closed
# after its answer so a one-at-a-time server gets to the next; one process, so
# the clock times the server, not N process starts on a busy machine);
# PAR_MS = wall time, PAR_CODES = the statuses seen.
parallel_delays() {
	local n=$1 ms=$2 i t0 args=()
	for ((i = 0; i < n; i++)); do
		args+=(-o /dev/null "$U/delay?ms=$ms&par=$i")
	done
	t0=$(now_ms)
	curl -s --parallel --parallel-immediate --parallel-max "$n" --max-time 8 \
	    -H "Connection: close" \
	    -w '%{http_code}\n' "${args[@]}" >"$T/par" 2>/dev/null
	PAR_MS=$(($(now_ms) - t0))
	PAR_CODES=$(sort -u "$T/par" | tr '\n' ' ')
	[ "$(wc -l <"$T/par")" -eq "$n" ] || PAR_CODES="$(wc -l <"$T/par") of $n answers: $PAR_CODES"
	rm -f "$T/par"
}

# Delays overlap: n of them take well under n times as long.
t_parallel_fast() {
	parallel_delays "$1" "$2"
	expect_eq statuses "$PAR_CODES" "200 " &&
	    expect_lt "wall ms for $1 x $2 ms" "$PAR_MS" "$3"
}

# Delays queue: n of them take at least min ms (and under max ms).
t_parallel_slow() {
	parallel_delays "$1" "$2"
	expect_eq statuses "$PAR_CODES" "200 " &&
	    expect_ge "wall ms for $1 x $2 ms" "$PAR_MS" "$3" &&
	    expect_lt "wall ms for $1 x $2 ms" "$PAR_MS" "$4"
}

# An idle connection holds a sequential server until header_timeout_ms.
t_sequential_idle() {
	local fd
	if ! srv_start idle "$BIN" --model sequential \
	    -o header_timeout_ms=1000 -o keepalive_timeout_ms=1000; then
		note "second server did not start: $(head -3 "$T/idle.err")"
		return 1
	fi
	exec {fd}<>"/dev/tcp/127.0.0.1/${SRV_HTTP[idle]}"
	req idle "http://127.0.0.1:${SRV_HTTP[idle]}/ip"
	exec {fd}>&-
	srv_kill idle
	expect_status idle 200 && expect_ge "elapsed ms" "$MS" 800
}

# The behaviour each model promises under concurrent delays.
suite_concurrency() {
	case "$MODEL" in
	event)
		tap_run "20 parallel 500 ms delays finish in < 2 s" \
		    t_parallel_fast 20 500 2000 ;;
	thread | fork)
		tap_run "4 parallel 300 ms delays finish in < 1 s" \
		    t_parallel_fast 4 300 1000 ;;
	sequential)
		tap_run "4 parallel 300 ms delays take >= 1.2 s (one at a time)" \
		    t_parallel_slow 4 300 1200 5000
		tap_run "an idle connection delays the next client until header_timeout" \
		    t_sequential_idle ;;
	pool)
		tap_run "4 parallel 300 ms delays on 2 workers take 0.6..1.1 s" \
		    t_parallel_slow 4 300 600 1100 ;;
	esac
}

# ---------------------------------------------------------------- process

# SIGTERM stops the server with status 0 within 2 s.
t_graceful_stop() {
	srv_stop main || { note "still running 2 s after SIGTERM"; return 1; }
	expect_eq "exit status" "$SRV_STATUS" 0
}

# An unknown flag: exit 2 and a message on stderr.
t_cli_bad_flag() {
	local rc
	timeout 5 "$BIN" --no-such-flag >"$T/cli1.out" 2>"$T/cli1.err" </dev/null
	rc=$?
	expect_eq "exit status" "$rc" 2 &&
	    { [ -s "$T/cli1.err" ] || { note "stderr is empty"; false; }; }
}

# -v prints a version and exits 0.
t_cli_version() {
	local rc
	timeout 5 "$BIN" -v >"$T/cli2.out" 2>&1 </dev/null
	rc=$?
	expect_eq "exit status" "$rc" 0 &&
	    { grep -qE '[0-9]+\.[0-9]+' "$T/cli2.out" ||
	    { note "no version number"; lib_note_file "$T/cli2.out"; false; }; }
}

# -h prints the usage, which mentions --listen.
t_cli_help() {
	local rc
	timeout 5 "$BIN" -h >"$T/cli3.out" 2>"$T/cli3.err" </dev/null
	rc=$?
	expect_eq "exit status" "$rc" 0 && expect_contains "$T/cli3.out" --listen
}

# A config file with an unknown key fails, naming file:line.
t_cli_bad_config() {
	printf '# echofetch test\nlisten = 127.0.0.1:0\nno_such_key = 1\n' >"$T/bad.conf"
	bin_run cli4 -c "$T/bad.conf" --listen 127.0.0.1:0 --echo-listen 127.0.0.1:0
	expect_start_failed cli4 "bad.conf:3"
}

# ---------------------------------------------------------------- main

# Every check, in an order that leaves the slow ones for the end.
suite_main() {
	tap_run "GET / lists the endpoints as text" t_index
	tap_run "GET /?format=json is valid JSON" t_index_json
	tap_run "Server, Date, Content-Length and Connection on every response" t_common_head
	tap_run "POST /echo returns all 256 byte values and the Content-Type" t_echo_binary
	tap_run "POST /echo without Content-Type answers application/octet-stream" t_echo_untyped
	tap_run "/anything reports query, JSON body, method, origin, url" t_anything_json
	tap_run "/anything keys in the documented order" t_anything_order
	tap_run "/anything decodes a form body" t_anything_form
	tap_run "/anything/sub/path is routed" t_anything_path
	tap_run "/headers shows the request headers" t_headers
	tap_run "/ip is the pretty-printed origin" t_ip
	tap_run "/user-agent repeats the User-Agent" t_user_agent
	tap_run "/delay?ms=200 waits >= 200 ms" t_delay_ms
	tap_run "/delay/0.2 waits >= 200 ms" t_delay_seconds
	tap_run "/drip sends 5 stars over 0.5 s with Content-Length 5" t_drip
	tap_run "/stream/3 sends 3 JSON lines, chunked" t_stream
	tap_run "/bytes/1000?seed=7 is 1000 bytes, the same twice" t_bytes_seed
	tap_run "/bytes/100000 arrives whole" t_bytes_big
	tap_run "/status/418 with an empty body" t_status_418
	tap_run "/status/204 has no body" t_status_204
	tap_run "/status/302 has Location: /redirect/1" t_status_302
	tap_run "/status/401 has WWW-Authenticate" t_status_401
	tap_run "/cpu?ms=50 reports burned_ms 50" t_cpu
	tap_run "/stats names server $SERVER and model $MODEL" t_stats
	tap_run "/metrics is Prometheus text with echofetch_requests_total" t_metrics
	tap_run "HEAD /anything: Content-Length and no body" t_head_anything
	tap_run "HEAD /bytes/1000: Content-Length 1000 and no body" t_head_bytes
	tap_run "/delay?ms=abc -> 400 JSON naming ms" t_err_delay_word
	tap_run "/delay?ms=999999 -> 400 JSON naming ms" t_err_delay_big
	tap_run "/nope -> 404 with the documented body" t_err_404
	tap_run "POST /ip -> 405 with Allow: GET, HEAD" t_err_405
	tap_run "/status/99 -> 400" t_err_status_range
	tap_run "two URLs in one curl share one connection" t_keepalive
	tap_run "HTTP/1.0 without keep-alive gets HTTP/1.0 and Connection: close" t_http10_close
	tap_run "HTTP/1.0 with Connection: keep-alive keeps the connection" t_http10_keepalive
	tap_run "three pipelined requests answered in order" t_pipeline
	suite_refusals
	tap_run "chunked upload to /echo comes back decoded" t_chunked_curl
	tap_run "chunk extensions and trailers are dropped" t_chunked_raw
	tap_run "Expect: 100-continue gets 100 then the echo" t_expect_continue
	tap_run "TCP echo returns text" t_tcp_echo_text
	tap_run "TCP echo returns all 256 byte values" t_tcp_echo_binary
	tap_run "TCP echo returns 1 MiB intact" t_tcp_echo_big
	tap_run "UDP echo returns the datagram" t_udp_echo
	tap_run "access log has method, target and status" t_access_log
	tap_run "a client gone during /delay is logged as 499" t_client_gone
	tap_run "a 503 over max_connections and a 408: counted by class and logged" \
	    t_accounting
	suite_concurrency
	tap_run "SIGTERM: exit status 0 within 2 s" t_graceful_stop
	tap_run "unknown flag: exit 2 with a message" t_cli_bad_flag
	tap_run "-v prints the version" t_cli_version
	tap_run "-h prints usage with --listen" t_cli_help
	tap_run "config file with an unknown key names file:line" t_cli_bad_config
}

lib_setup
suite_args "$@"
suite_fixtures
suite_start_main
suite_main
tap_end
