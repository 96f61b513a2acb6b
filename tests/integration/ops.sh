#!/bin/bash
# ops: running the daemon as an operator does: the default file, the
# environment, -t/-T, -s, access log formats, /health and drain_delay_ms,
# the start-up line, and limit errors that name their setting. TAP.
#
# Usage: ops.sh [event | blocking MODEL]  (default event)
#
# Servers run on 127.0.0.1 port 0 (lib.sh). $ECHOFETCHD_CONFIG stands in
# for the built-in default file, which a test cannot write.

. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"

# ---------------------------------------------------------------- configuration

# -t names the file it read; with none, says so.
t_test_names_file() {
	printf '# ops\ndelay_max_ms = 1234\n' >"$T/ops.conf"
	ECHOFETCHD_CONFIG=$T/ops.conf bin_run t1 -t
	expect_eq "exit" "$RC" 0 &&
	    expect_contains "$T/t1.out" "configuration file $T/ops.conf test is successful" &&
	    bin_run t2 -t && expect_eq "exit" "$RC" 0 &&
	    expect_contains "$T/t2.out" "no configuration file, defaults: test is successful"
}

# --help names the built-in default file and the variable that replaces it.
t_help_default_file() {
	bin_run h --help
	expect_match "$T/h.out" "default /[^ ]*/echofetchd.conf, if it exists; or [$]ECHOFETCHD_CONFIG"
}

# A named file that does not exist is an error, not silently nothing.
t_missing_file() {
	ECHOFETCHD_CONFIG=$T/nowhere.conf bin_run m -t
	expect_eq "exit" "$RC" 2 && expect_contains "$T/m.err" "$T/nowhere.conf: No such file"
}

# -T: every setting with its origin: file:line, env, flag, default.
t_dump_origins() {
	printf '# ops\ndelay_max_ms = 1234\ncpu_max_ms = 99\n' >"$T/ops.conf"
	ECHOFETCHD_CONFIG=$T/ops.conf ECHOFETCHD_CPU_MAX_MS=77 ECHOFETCHD_STREAM_MAX=9 \
	    bin_run d -T --stream-max 8
	expect_eq "exit" "$RC" 0 &&
	    expect_contains "$T/d.out" "delay_max_ms = 1234	# $T/ops.conf:2" &&
	    expect_contains "$T/d.out" "cpu_max_ms = 77	# env ECHOFETCHD_CPU_MAX_MS" &&
	    expect_contains "$T/d.out" "stream_max = 8	# flag" &&
	    expect_contains "$T/d.out" "bytes_max = 10M	# default" &&
	    expect_contains "$T/d.out" "configuration file $T/ops.conf test is successful"
}

# The environment configures a running server: below flags, above the file.
t_env_serves() {
	printf 'delay_max_ms = 5000\n' >"$T/ops.conf"
	ECHOFETCHD_CONFIG=$T/ops.conf ECHOFETCHD_DELAY_MAX_MS=50 \
	    srv_start_noted env "$BIN" "${MODEL_ARGS[@]}" || return 1
	req r "$(srv_url env)/delay?ms=60"
	expect_status r 400 && expect_contains "$T/r.body" "0..50"
	srv_kill_keep env
}

# A bad value or an unknown ECHOFETCHD_ variable stops the start, named.
t_env_bad() {
	ECHOFETCHD_BODY_MAX=lots bin_run e1 -t
	expect_eq "exit" "$RC" 2 && expect_contains "$T/e1.err" "ECHOFETCHD_BODY_MAX" &&
	    ECHOFETCHD_BODYMAX=1 bin_run e2 -t && expect_eq "exit" "$RC" 2 &&
	    expect_contains "$T/e2.err" "environment ECHOFETCHD_BODYMAX: no such setting"
}

# ---------------------------------------------------------------- -s

# Without a pid file, a missing one, a stale one: exit 1, and why.
t_signal_errors() {
	bin_run s1 -s reload
	expect_eq "exit" "$RC" 1 && expect_contains "$T/s1.err" "no pidfile is set" &&
	    bin_run s2 -s reload --pidfile "$T/none.pid" && expect_eq "exit" "$RC" 1 &&
	    expect_contains "$T/s2.err" "no pid file" &&
	    echo 999999 >"$T/stale.pid" && bin_run s3 -s stop --pidfile "$T/stale.pid" &&
	    expect_eq "exit" "$RC" 1 && expect_contains "$T/s3.err" "stale pid file" &&
	    bin_run s4 -s restart && expect_eq "exit" "$RC" 2 &&
	    expect_contains "$T/s4.err" "want reload, stop, quit or reopen"
}

# reopen, reload and quit reach the instance named in the pid file.
t_signal_live() {
	srv_start_noted sig "$BIN" "${MODEL_ARGS[@]}" --pidfile "$T/sig.pid" || return 1
	bin_run s5 -s reopen --pidfile "$T/sig.pid"
	expect_eq "exit" "$RC" 0 && expect_contains "$T/s5.out" "reopen: signal 10 sent to pid" &&
	    wait_text "$T/sig.err" "access log $T/sig.access reopened" 3000 &&
	    ECHOFETCHD_PIDFILE=$T/sig.pid bin_run s6 -s reload &&
	    expect_eq "exit" "$RC" 0 &&
	    wait_text "$T/sig.err" "reload: configuration read" 3000 &&
	    bin_run s7 -s quit --pidfile "$T/sig.pid" && expect_eq "exit" "$RC" 0 &&
	    wait_gone "${SRV_PID[sig]}" 3000 || { srv_note_err sig; srv_kill sig; return 1; }
	srv_kill sig
}

# ---------------------------------------------------------------- logs

# -d with the default stderr access log: said before detaching that syslog gets it.
t_daemon_access_syslog() {
	bin_run dd -d --pidfile "$T/dd.pid" -l 127.0.0.1:0 -e off -p "$T/dd.ports"
	local pid
	pid=$(cat "$T/dd.pid" 2>/dev/null)
	[ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null && wait_gone "$pid" 3000
	expect_eq "exit" "$RC" 0 && expect_contains "$T/dd.err" "access lines go to syslog"
}

# combined: what Apache and nginx write; json: one valid object a line, escaped.
t_access_formats() {
	srv_start_noted fc "$BIN" "${MODEL_ARGS[@]}" --access-log-format combined || return 1
	req r -A 'agent "x"' -e 'http://ref/' "$(srv_url fc)/ip?q=1"
	srv_stop fc
	expect_match "$T/fc.access" '^127\.0\.0\.1 - - \[[0-9]{2}/[A-Z][a-z]{2}/[0-9]{4}:[0-9:]{8} [+-][0-9]{4}\] "GET /ip\?q=1 HTTP/1\.1" 200 [0-9]+ "http://ref/" "agent \\x22x\\x22"$' || return 1
	srv_start_noted fj "$BIN" "${MODEL_ARGS[@]}" -o access_log_format=json || return 1
	req r -A $'agent "x"\\\xff' "$(srv_url fj)/status/404"
	srv_stop fj
	python3 - "$T/fj.access" >"$T/fj.check" 2>&1 <<'EOF'
import json, sys
lines = open(sys.argv[1], encoding="utf-8").read().splitlines()
assert len(lines) == 1, lines
d = json.loads(lines[0])
assert d["status"] == 404 and d["method"] == "GET" and d["target"] == "/status/404", d
assert d["protocol"] == "HTTP/1.1" and d["referer"] is None, d
assert d["user_agent"] == 'agent "x"\\\ufffd', repr(d["user_agent"])
assert d["client"].startswith("127.0.0.1:") and d["time"].endswith("Z"), d
EOF
	[ $? = 0 ] && return 0
	lib_note_file "$T/fj.check"
	lib_note_file "$T/fj.access"
	return 1
}

# A bad access_log_format is refused with the words it takes.
t_access_format_bad() {
	bin_run af -t --access-log-format apache
	expect_eq "exit" "$RC" 2 && expect_contains "$T/af.err" "want default, combined or json"
}

# The start-up line: "off" for listeners that are off, the same words in both builds.
t_startup_line() {
	srv_start_noted sl "$BIN" "${MODEL_ARGS[@]}" --echo-listen off || return 1
	expect_match "$T/sl.err" "serving http ${SRV_HTTP[sl]}, echo off \(udp off\), https off, tls echo off; access log $T/sl.access; "
	srv_kill_keep sl
}

# ---------------------------------------------------------------- /health and the drain

# /health is 200 with {"status":"ok"} while serving.
t_health_ok() {
	srv_start_noted h "$BIN" "${MODEL_ARGS[@]}" || return 1
	req r "$(srv_url h)/health"
	expect_status r 200 && expect_eq "body" "$(cat "$T/r.body")" '{"status":"ok"}'
	srv_kill_keep h
}

# /health answers 503 from the moment SIGTERM arrives.
health_is_503() {
	req r --max-time 2 "$(srv_url dr)/health"
	[ "$ST" = 503 ]
}

# SIGTERM with drain_delay_ms: 503 on /health, other requests still served
# (and closed), then the listener closes and the process exits.
t_health_drain_delay() {
	local t0 pid
	srv_start_noted dr "$BIN" "${MODEL_ARGS[@]}" --drain-delay-ms 1500 || return 1
	pid=${SRV_PID[dr]}
	t0=$(now_ms)
	kill -TERM "$pid"
	wait_until 1000 health_is_503 || { note "no 503 within 1 s"; srv_kill dr; return 1; }
	expect_eq "body" "$(cat "$T/r.body")" '{"status":"draining"}' || { srv_kill dr; return 1; }
	req r2 "$(srv_url dr)/ip"
	expect_status r2 200 && expect_eq "Connection" "$(hdr r2 Connection)" close ||
	    { srv_kill dr; return 1; }
	srv_wait_exit dr 6000 "$t0" || { note "did not exit"; srv_kill dr; return 1; }
	expect_ge "exit after the delay (ms)" "$EXIT_MS" 1400 && expect_eq "status" "$SRV_STATUS" 0
}

# ---------------------------------------------------------------- errors

# 413, 414, 431, 408 and a refused fetch name the setting that decides.
t_errors_name_settings() {
	local long fd
	srv_start_noted er "$BIN" "${MODEL_ARGS[@]}" --body-max 1K --request-line-max 256 \
	    --headers-max 6 --header-timeout-ms 300 || return 1
	head -c 2000 /dev/zero | tr '\0' x >"$T/big"
	req r --data-binary @"$T/big" "$(srv_url er)/echo"
	expect_status r 413 && expect_contains "$T/r.body" "body_max" || { srv_kill er; return 1; }
	long=$(head -c 400 /dev/zero | tr '\0' a)
	req r "$(srv_url er)/$long"
	expect_status r 414 && expect_contains "$T/r.body" "request_line_max" ||
	    { srv_kill er; return 1; }
	req r -H 'A: 1' -H 'B: 1' -H 'C: 1' -H 'D: 1' "$(srv_url er)/ip"
	expect_status r 431 && expect_contains "$T/r.body" "headers_max" ||
	    { srv_kill er; return 1; }
	req r "$(srv_url er)/fetch?url=http://127.0.0.1:1/"
	expect_status r 403 && expect_contains "$T/r.body" "(not in fetch_allow)" ||
	    { srv_kill er; return 1; }
	# An unfinished head: the server answers 408 and closes, which ends cat.
	exec {fd}<>"/dev/tcp/127.0.0.1/${SRV_HTTP[er]}"
	printf 'GET /ip HTTP/1.1\r\nHost: h\r\n' >&"$fd"
	timeout 5 cat <&"$fd" >"$T/to.out"
	exec {fd}>&-
	expect_contains "$T/to.out" "request header timeout (header_timeout_ms)"
	srv_kill_keep er
}

# The configuration checks exercise code both builds share: once, in the event build.
ops_main() {
	if [ "$MODEL" = event ]; then
		tap_run "-t names the file it tested, or says there was none" t_test_names_file
		tap_run "--help names the default file and ECHOFETCHD_CONFIG" t_help_default_file
		tap_run "a named config file that is missing: exit 2, named" t_missing_file
		tap_run "-T: every setting with file:line, env, flag or default" t_dump_origins
		tap_run "a bad or unknown ECHOFETCHD_ variable: exit 2, named" t_env_bad
		tap_run "access_log_format refuses other words" t_access_format_bad
	fi
	tap_run "ECHOFETCHD_DELAY_MAX_MS configures a server, over the file" t_env_serves
	tap_run "-s without, with a missing, with a stale pid file: exit 1, why" t_signal_errors
	tap_run "-s reopen, reload, quit reach the running instance" t_signal_live
	tap_run "-d with access_log stderr: syslog, said before detaching" t_daemon_access_syslog
	tap_run "access_log_format combined and json (escaped, valid)" t_access_formats
	tap_run "start-up line says off for listeners that are off" t_startup_line
	tap_run "/health: 200 {\"status\":\"ok\"} while serving" t_health_ok
	tap_run "SIGTERM + drain_delay_ms: /health 503, still serving, then exit" t_health_drain_delay
	tap_run "413, 414, 431, 408 and a refused fetch name their setting" t_errors_name_settings
}

lib_setup
lib_pick_build "$@"
ops_main
tap_end
