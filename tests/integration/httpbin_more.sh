#!/bin/bash
# httpbin_more: what httpbin_compare.py cannot compare byte for byte, as TAP:
# gzip and deflate bodies decoded, Accept-Encoding on /cache/n, the chunk
# sizes of /stream-bytes, /sse's events and pacing, refusals that keep CR/LF
# out of response heads. Against echofetchd and echofetchd-blocking (thread).

. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"

# The body of NAME, decompressed by python's zlib (wbits: 31 gzip, 15 zlib), into NAME.json.
inflate() {
	python3 -c 'import sys, zlib
sys.stdout.buffer.write(zlib.decompress(open(sys.argv[1], "rb").read(), int(sys.argv[2])))' \
	    "$T/$1.body" "$2" >"$T/$1.json" 2>"$T/$1.zerr"
}

# /gzip: Content-Encoding gzip, and the gzip stream holds httpbin's JSON shape.
check_gzip() {
	local s=$1 n=$1.gzip
	req "$n" "$(srv_url "$s")/gzip"
	expect_status "$n" 200 && expect_hdr "$n" Content-Encoding gzip &&
	    inflate "$n" 31 && expect_json "$T/$n.json" \
	    'd["gzipped"] is True and d["method"] == "GET" and "Host" in d["headers"] and d["origin"] == "127.0.0.1"'
}

# /deflate: the zlib format, as httpbin sends it.
check_deflate() {
	local s=$1 n=$1.deflate
	req "$n" "$(srv_url "$s")/deflate"
	expect_status "$n" 200 && expect_hdr "$n" Content-Encoding deflate &&
	    inflate "$n" 15 && expect_json "$T/$n.json" 'd["deflated"] is True'
}

# /cache/n honours Accept-Encoding: gzip, and not gzip;q=0; Vary says so both times.
check_accept_encoding() {
	local s=$1 n=$1.ae m=$1.aeq0
	req "$n" -H 'Accept-Encoding: br, gzip' "$(srv_url "$s")/cache/7?a=1"
	req "$m" -H 'Accept-Encoding: gzip;q=0' "$(srv_url "$s")/cache/7?a=1"
	expect_status "$n" 200 && expect_hdr "$n" Content-Encoding gzip &&
	    expect_hdr "$n" Vary Accept-Encoding &&
	    expect_hdr "$n" Cache-Control 'public, max-age=7' &&
	    inflate "$n" 31 && expect_json "$T/$n.json" 'd["args"] == {"a": "1"}' &&
	    expect_status "$m" 200 && expect_hdr "$m" Content-Encoding '' &&
	    expect_json "$T/$m.body" 'd["args"] == {"a": "1"}'
}

# /stream-bytes: chunks of chunk_size on the wire, the same bytes as /bytes with the seed.
check_stream_bytes() {
	local s=$1 n=$1.sb b=$1.bytes sizes
	req "$n" --raw "$(srv_url "$s")/stream-bytes/100?seed=9&chunk_size=30"
	req "$b" "$(srv_url "$s")/bytes/100?seed=9"
	expect_status "$n" 200 && expect_hdr "$n" Transfer-Encoding chunked || return 1
	sizes=$(python3 -c 'import sys
d = open(sys.argv[1], "rb").read(); out = bytearray(); sizes = []
while True:
    i = d.index(b"\r\n"); k = int(d[:i], 16); sizes.append(str(k))
    if k == 0: break
    out += d[i + 2:i + 2 + k]; d = d[i + 4 + k:]
open(sys.argv[2], "wb").write(out); print(" ".join(sizes))' "$T/$n.body" "$T/$n.data" 2>&1)
	expect_eq "chunk sizes" "$sizes" "30 30 30 10 0" &&
	    expect_same_file "$T/$n.data" "$T/$b.body"
}

# /stream-bytes over HTTP/1.0: no chunks, the body ends at close.
check_stream_bytes_http10() {
	local s=$1 n=$1.sb10
	req "$n" --http1.0 "$(srv_url "$s")/stream-bytes/50000?seed=2"
	expect_status "$n" 200 && expect_hdr "$n" Transfer-Encoding '' &&
	    expect_eq "bytes" "$(wc -c <"$T/$n.body")" 50000
}

# /sse: count events with ids 0..count-1, spread over duration, as text/event-stream.
check_sse() {
	local s=$1 n=$1.sse
	req "$n" "$(srv_url "$s")/sse?count=4&duration=0.6"
	expect_status "$n" 200 && expect_hdr "$n" Content-Type text/event-stream &&
	    expect_eq "ids" "$(sed -n 's/^id: //p' "$T/$n.body" | tr '\n' ' ')" "0 1 2 3 " &&
	    expect_eq "events" "$(grep -c '^event: ping$' "$T/$n.body")" 4 &&
	    expect_ge "elapsed ms" "$MS" 400 && expect_lt "elapsed ms" "$MS" 5000
}

# Out-of-range /sse and /stream-bytes parameters: 400 naming them and the range.
check_sse_bounds() {
	local s=$1 n=$1.sseb m=$1.sbb
	req "$n" "$(srv_url "$s")/sse?duration=11"
	req "$m" "$(srv_url "$s")/stream-bytes/10?chunk_size=16385"
	expect_status "$n" 400 &&
	    expect_contains "$T/$n.body" 'duration must be a number of seconds 0..10' &&
	    expect_status "$m" 400 &&
	    expect_contains "$T/$m.body" 'chunk_size must be an integer 1..16384'
}

# Decoded CR/LF must not reach a head: redirect-to, etag, response-headers, cookies refuse.
check_no_injection() {
	local s=$1 p what
	for p in '/redirect-to?url=/a%0d%0aX-Evil:%201' '/etag/a%0d%0aX-Evil:1' \
	    '/response-headers?X-A=1%0d%0aX-Evil:%201' '/cookies/set?a=1%0d%0aX-Evil:%201' \
	    '/response-headers?Content-Length=1'; do
		req "$s.inj" "$(srv_url "$s")$p"
		what="$p"
		expect_status "$s.inj" 400 || { note "for $what"; return 1; }
		if grep -qi '^X-Evil' "$T/$s.inj.hdr"; then
			note "$what: X-Evil reached the head"
			return 1
		fi
	done
}

# /response-headers: the body's Content-Length is the real one.
check_response_headers_length() {
	local s=$1 n=$1.rh
	req "$n" "$(srv_url "$s")/response-headers?X-Long=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	expect_status "$n" 200 &&
	    expect_json "$T/$n.body" "d['Content-Length'] == '$(wc -c <"$T/$n.body")'"
}

# /basic-auth through curl -u, and /cookies after a /cookies/set round trip with a jar.
check_auth_cookies() {
	local s=$1 n=$1.ba c=$1.ck
	req "$n" -u 'al ice:p:w' "$(srv_url "$s")/basic-auth/al%20ice/p:w"
	req "$c" -L -c "$T/$s.jar" -b "$T/$s.jar" "$(srv_url "$s")/cookies/set?k=v&z=9"
	expect_status "$n" 200 && expect_json "$T/$n.body" 'd == {"authenticated": True, "user": "al ice"}' &&
	    expect_status "$c" 200 && expect_json "$T/$c.body" 'd == {"cookies": {"k": "v", "z": "9"}}'
}

lib_setup
srv_start_both
for s in event thread; do
	tap_run "$s: /gzip decodes to the request as JSON" check_gzip "$s"
	tap_run "$s: /deflate decodes to the request as JSON" check_deflate "$s"
	tap_run "$s: /cache/n gzip-encodes for Accept-Encoding: gzip only" check_accept_encoding "$s"
	tap_run "$s: /stream-bytes chunks at chunk_size, /bytes's bytes" check_stream_bytes "$s"
	tap_run "$s: /stream-bytes over HTTP/1.0 ends at close" check_stream_bytes_http10 "$s"
	tap_run "$s: /sse sends count events over duration" check_sse "$s"
	tap_run "$s: /sse and /stream-bytes bounds are 400s" check_sse_bounds "$s"
	tap_run "$s: no CR/LF from the request reaches a head" check_no_injection "$s"
	tap_run "$s: /response-headers reports its own length" check_response_headers_length "$s"
	tap_run "$s: /basic-auth with curl -u, cookies round trip" check_auth_cookies "$s"
done
tap_end
