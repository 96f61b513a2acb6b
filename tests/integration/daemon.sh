#!/bin/bash
# daemon: -t, -d with a pid file, SIGHUP reloads and sd_notify, as TAP.
#
# Usage: daemon.sh [event | blocking MODEL]  (default event)
#
# Servers run on 127.0.0.1 port 0 (lib.sh); the daemon is registered with
# lib.sh's cleanup by its pid, and hard_client.py plays systemd's notify
# socket. Exits 0 whatever the checks say; "Bail out!" without a binary.

. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"

HC=$LIB_DIR/hard_client.py
LC=$LIB_DIR/limits_client.py

# ---------------------------------------------------------------- -t

# A good file: named as tested, and exit 0.
t_test_ok() {
	printf '# good\ndelay_max_ms = 2000\nmax_connections = 100\n' >"$T/good.conf"
	bin_run t1 -t -c "$T/good.conf"
	expect_eq "exit status" "$RC" 0 && expect_contains "$T/t1.out" "configuration file $T/good.conf test is successful"
}

# An unknown key: exit 2, and the message names file:line.
t_test_bad_key() {
	printf '# bad\ndelay_max_ms = 2000\nno_such_key = 1\n' >"$T/badkey.conf"
	bin_run t2 -t -c "$T/badkey.conf"
	expect_eq "exit status" "$RC" 2 && expect_contains "$T/t2.err" "badkey.conf:3"
}

# A TLS listener whose certificate file is missing: exit 1, naming the file.
t_test_no_cert() {
	bin_run t3 -t -o tls_listen=127.0.0.1:0 -o tls_cert="$T/missing-cert.pem" \
	    -o tls_key="$T/missing-key.pem"
	expect_eq "exit status" "$RC" 1 && expect_contains "$T/t3.err" "missing-cert.pem"
}

# ---------------------------------------------------------------- -d

# -d returns 0 once serving; the ports are known and a request works at once.
t_daemon_start() {
	local http
	DM_PID=
	bin_run d1 -d --pidfile "$T/d.pid" --listen 127.0.0.1:0 --echo-listen 127.0.0.1:0 \
	    --port-file "$T/d.ports" --access-log "$T/d.access"
	if [ -s "$T/d.pid" ]; then
		DM_PID=$(head -1 "$T/d.pid")
		[[ $DM_PID =~ ^[0-9]+$ ]] && SRV_PID[daemon]=$DM_PID	# lib_cleanup kills it
	fi
	expect_eq "exit status of -d" "$RC" 0 || { srv_note_err d1; return 1; }
	http=$(sed -n 's/^http=\([0-9]*\).*/\1/p' "$T/d.ports" 2>/dev/null)
	[ -n "$http" ] || { note "no port file when -d returned"; return 1; }
	DM_URL=http://127.0.0.1:$http
	req d1 "$DM_URL/ip"
	expect_status d1 200
}

# The pid file names a live process in / with no controlling terminal.
t_daemon_pidfile() {
	local cwd tty
	[[ ${DM_PID:-} =~ ^[0-9]+$ ]] || { note "pid file: '$(head -c 40 "$T/d.pid" 2>/dev/null)'"; return 1; }
	kill -0 "$DM_PID" 2>/dev/null || { note "pid $DM_PID is not running"; return 1; }
	cwd=$(readlink "/proc/$DM_PID/cwd")
	tty=$(ps -o tty= -p "$DM_PID" | tr -d ' ')
	expect_eq "cwd of $DM_PID" "$cwd" / && expect_eq "tty of $DM_PID" "$tty" "?"
}

# A second -d with the same pid file refuses, naming the running one.
t_daemon_second() {
	[ -n "${DM_PID:-}" ] || { note "no daemon"; return 1; }
	bin_run d2 -d --pidfile "$T/d.pid" --listen 127.0.0.1:0 --echo-listen 127.0.0.1:0 \
	    --access-log off
	[ "$RC" -ne 0 ] && [ "$RC" -ne 124 ] || { note "exit status $RC, want a failure"; return 1; }
	expect_contains "$T/d2.err" "another instance is running" &&
	    expect_eq "pid file still names the first" "$(head -1 "$T/d.pid")" "$DM_PID"
}

# SIGTERM: the daemon goes, and takes its pid file with it.
t_daemon_term() {
	[ -n "${DM_PID:-}" ] || { note "no daemon"; return 1; }
	kill -TERM "$DM_PID"
	wait_gone "$DM_PID" 3000 || { note "pid $DM_PID still running 3 s after SIGTERM"; return 1; }
	unset "SRV_PID[daemon]"
	[ ! -e "$T/d.pid" ] || { note "pid file still there: $(cat "$T/d.pid")"; return 1; }
}

# ---------------------------------------------------------------- SIGHUP

# A foreground server with a config file (delay_max_ms 1000) and stderr to a file.
hup_start() {
	printf 'delay_max_ms = 1000\n' >"$T/hup.conf"
	srv_start hup "$BIN" "${MODEL_ARGS[@]}" -c "$T/hup.conf" && return 0
	note "did not start: $(head -3 "$T/hup.err")"
	return 1
}

# SIGHUP and wait for the Nth "reload:" line in the log.
hup_send() {
	kill -HUP "${SRV_PID[hup]}"
	wait_lines_matching "$T/hup.err" "reload:" "$1" 2000
}

# A raised delay_max_ms applies after SIGHUP: /delay?ms=1200 goes from 400 to 200.
t_hup_apply() {
	local u
	hup_start || return 1
	u=http://127.0.0.1:${SRV_HTTP[hup]}
	req hup0 "$u/delay?ms=1200"
	expect_status hup0 400 || { note "(before the reload, the old limit 1000)"; return 1; }
	printf 'delay_max_ms = 3000\n' >"$T/hup.conf"
	hup_send 1 || { note "no 'reload:' log line"; srv_note_err hup; return 1; }
	req hup1 "$u/delay?ms=1200"
	expect_status hup1 200 || { srv_note_err hup; return 1; }
}

# A broken file on SIGHUP: logged with file:line, the server keeps the old settings.
t_hup_broken() {
	local u
	[ -n "${SRV_PID[hup]:-}" ] || { note "no hup server"; return 1; }
	u=http://127.0.0.1:${SRV_HTTP[hup]}
	printf 'delay_max_ms = 3000\ndelay_max_ms = banana\n' >"$T/hup.conf"
	hup_send 2 || { note "no second 'reload:' log line"; srv_note_err hup; return 1; }
	kill -0 "${SRV_PID[hup]}" 2>/dev/null || { note "the server died"; srv_note_err hup; return 1; }
	expect_contains "$T/hup.err" "hup.conf:2" || return 1
	tap_diag "logged: $(grep -F 'hup.conf:2' "$T/hup.err" | head -1)"
	req hup2 "$u/delay?ms=1200"
	expect_status hup2 200 || return 1
	req hup3 "$u/delay?ms=3500"
	expect_status hup3 400
}

# SIGHUP reopens the access log: after a rename, new lines go to a new file.
t_hup_reopen() {
	local u
	[ -n "${SRV_PID[hup]:-}" ] || { note "no hup server"; return 1; }
	u=http://127.0.0.1:${SRV_HTTP[hup]}
	printf 'delay_max_ms = 3000\n' >"$T/hup.conf"
	req hup4 "$u/ip?before=rotate"
	mv "$T/hup.access" "$T/hup.access.1"
	hup_send 3 || { note "no third 'reload:' log line"; srv_note_err hup; return 1; }
	req hup5 "$u/ip?after=rotate"
	expect_status hup5 200 || return 1
	wait_text "$T/hup.access" "after=rotate" 2000 ||
	    { note "no new access log with the request at the original path"; lib_note_file "$T/hup.access.1"; return 1; }
	expect_contains "$T/hup.access.1" "before=rotate" || return 1
	! grep -qF "after=rotate" "$T/hup.access.1" ||
	    { note "the request also went to the renamed file"; return 1; }
}

# ---------------------------------------------------------------- SIGUSR1 and co.

# SIGUSR1 (what logrotate sends nginx) reopens the access log: after a
# rename, a new request and a kept-alive connection's next request (a fork
# child made before the signal) both go to a new file at the old path. The
# sequential model would serve the kept-alive client alone: curl plays it.
t_usr1_reopen() {
	local u kpid=
	srv_start usr1 "$BIN" "${MODEL_ARGS[@]}" || { note "did not start: $(head -3 "$T/usr1.err")"; return 1; }
	u=http://127.0.0.1:${SRV_HTTP[usr1]}
	if [ "${MODEL_ARGS[1]:-}" = sequential ]; then
		req usr1k "$u/ip?kept=before"
	else
		python3 "$LC" keepalive "${SRV_HTTP[usr1]}" "/ip?kept=before" "/ip?kept=after" \
		    "$T/usr1.go" >"$T/usr1.kept" 2>&1 &
		kpid=$!
	fi
	req usr1a "$u/ip?before=usr1"
	expect_status usr1a 200 || return 1
	# Python may take seconds to start on a loaded machine.
	wait_text "$T/usr1.access" "kept=before" 10000 &&
	    wait_text "$T/usr1.access" "before=usr1" 3000 ||
	    { note "requests not logged"; lib_note_file "$T/usr1.access"; lib_note_file "$T/usr1.kept"; return 1; }
	mv "$T/usr1.access" "$T/usr1.access.1"
	kill -USR1 "${SRV_PID[usr1]}"
	wait_text "$T/usr1.err" "reopened" 2000 ||
	    { note "no 'reopened' log line"; srv_note_err usr1; return 1; }
	touch "$T/usr1.go"
	if [ -n "$kpid" ]; then
		wait "$kpid"
		expect_contains "$T/usr1.kept" '"second": 200' || return 1
	else
		req usr1k "$u/ip?kept=after"
	fi
	req usr1b "$u/ip?after=usr1"
	expect_status usr1b 200 || { srv_note_err usr1; return 1; }
	wait_text "$T/usr1.access" "after=usr1" 2000 &&
	    wait_text "$T/usr1.access" "kept=after" 2000 ||
	    { note "not both new requests in the new file"; lib_note_file "$T/usr1.access";
	    lib_note_file "$T/usr1.access.1"; return 1; }
	expect_contains "$T/usr1.access.1" "before=usr1" || return 1
	! grep -qF "=after" "$T/usr1.access.1" ||
	    { note "a new request went to the renamed file"; lib_note_file "$T/usr1.access.1"; return 1; }
	kill -0 "${SRV_PID[usr1]}" 2>/dev/null || { note "the server died"; return 1; }
	tap_diag "logged: $(grep -F reopened "$T/usr1.err" | head -1)"
}

# SIGUSR2 is logged and ignored; SIGWINCH, SIGALRM, SIGTTIN, SIGTTOU, SIGXFSZ
# and SIGPIPE are ignored: the server still answers afterwards.
t_other_signals() {
	local s
	[ -n "${SRV_PID[usr1]:-}" ] || { note "no usr1 server"; return 1; }
	kill -USR2 "${SRV_PID[usr1]}"
	wait_text "$T/usr1.err" "SIGUSR2" 2000 ||
	    { note "no SIGUSR2 log line"; srv_note_err usr1; return 1; }
	for s in WINCH ALRM TTIN TTOU XFSZ PIPE; do
		kill -"$s" "${SRV_PID[usr1]}" 2>/dev/null || { note "SIG$s: the server is gone"; return 1; }
	done
	req usr1c --max-time 3 "http://127.0.0.1:${SRV_HTTP[usr1]}/ip"
	expect_status usr1c 200 || { srv_note_err usr1; return 1; }
	kill -0 "${SRV_PID[usr1]}" 2>/dev/null || { note "the server died"; return 1; }
	expect_eq "state" "$(awk '/^State:/ { print $2 }' "/proc/${SRV_PID[usr1]}/status")" S
}

# ---------------------------------------------------------------- sd_notify

# A notify socket we bind, and a server that reports to it.
ntf_start() {
	NTF_OK=0
	"$PYTHON" "$HC" notify "$T/notify.sock" "$T/notify.log" 2>"$T/notify.err" &
	SRV_PID[notify]=$!
	# Python may take seconds to start on a loaded machine.
	wait_text "$T/notify.log" bound 10000 || { note "the notify socket did not bind"; return 1; }
	export NOTIFY_SOCKET=$T/notify.sock
	srv_start ntf "$BIN" "${MODEL_ARGS[@]}"
	NTF_RC=$?
	unset NOTIFY_SOCKET
	[ "$NTF_RC" = 0 ] || { note "did not start: $(head -3 "$T/ntf.err")"; return 1; }
	NTF_OK=1
}

# What the socket got after "bound", one state per line, space separated.
ntf_states() {
	sed 1d "$T/notify.log" | tr '\n' ' ' | sed 's/ $//'
}

# READY=1 once the server serves.
t_notify_ready() {
	ntf_start || return 1
	wait_lines "$T/notify.log" 2 2000
	expect_eq "states" "$(ntf_states)" "READY=1"
}

# SIGHUP: RELOADING=1 then READY=1.
t_notify_reload() {
	[ "$NTF_OK" = 1 ] || return 1
	kill -HUP "${SRV_PID[ntf]}"
	wait_lines "$T/notify.log" 4 2000
	expect_eq "states" "$(ntf_states)" "READY=1 RELOADING=1 READY=1"
}

# SIGTERM: STOPPING=1.
t_notify_stop() {
	[ "$NTF_OK" = 1 ] || return 1
	kill -TERM "${SRV_PID[ntf]}"
	wait_lines "$T/notify.log" 5 2000
	srv_stop ntf
	expect_eq "states" "$(ntf_states)" "READY=1 RELOADING=1 READY=1 STOPPING=1"
}

# ---------------------------------------------------------------- main

# Every check, in order: each group leans on the one before it.
daemon_main() {
	tap_run "-t: names the file it tested, exit 0" t_test_ok
	tap_run "-t with an unknown key: exit 2 naming file:line" t_test_bad_key
	tap_run "-t with a missing tls_cert: exit 1 naming the file" t_test_no_cert
	tap_run "-d --pidfile: returns 0 once serving, a request works at once" t_daemon_start
	tap_run "-d: pid file holds a live pid with cwd / and no controlling tty" t_daemon_pidfile
	tap_run "-d: a second instance on the same pid file refuses" t_daemon_second
	tap_run "-d: SIGTERM stops it and removes the pid file" t_daemon_term
	tap_run "SIGHUP: a raised delay_max_ms applies live" t_hup_apply
	tap_run "SIGHUP with a broken file: logged (file:line), old settings kept" t_hup_broken
	tap_run "SIGHUP reopens the access log (rotation)" t_hup_reopen
	srv_kill hup
	tap_run "SIGUSR1 reopens the access log (logrotate), kept-alive clients too" t_usr1_reopen
	tap_run "SIGUSR2 logged and ignored; WINCH, ALRM, TTIN, TTOU, XFSZ, PIPE ignored" t_other_signals
	srv_kill usr1
	tap_run "sd_notify: READY=1 after start" t_notify_ready
	tap_run "sd_notify: RELOADING=1 then READY=1 on SIGHUP" t_notify_reload
	tap_run "sd_notify: STOPPING=1 on SIGTERM" t_notify_stop
	srv_kill notify
}

lib_setup
lib_pick_build "$@"
daemon_main
tap_end
