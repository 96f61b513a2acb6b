#!/usr/bin/env python3
# hard_client: hostile and odd TCP clients for hardening.sh and daemon.sh.
#
# usage: hard_client.py MODE PORT ARGS...   (always 127.0.0.1)
# Each mode prints one JSON object on stdout for expect_json, except
# "notify", which records sd_notify datagrams until it is killed. Every
# wait has a deadline, so a broken server fails a check instead of hanging.

import json
import os
import re
import selectors
import socket
import struct
import sys
import time

HOST = "127.0.0.1"


# One JSON line on stdout, flushed so a backgrounded caller sees it now.
def emit(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


# Milliseconds on a clock that never jumps.
def mono_ms():
    return int(time.monotonic() * 1000)


# Escapes like \r\n in a command-line argument, turned into bytes.
def arg_bytes(text):
    return text.encode("latin-1").decode("unicode_escape").encode("latin-1")


# Status code, headers (lower-case names) and body of a raw reply, if any.
def parse_reply(data):
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    m = re.match(rb"HTTP/1\.[01] (\d{3})", lines[0] if lines else b"")
    if not m:
        return 0, {}, data
    hdrs = {}
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        hdrs[name.strip().lower().decode("latin-1")] = \
            value.strip().decode("latin-1")
    return int(m.group(1)), hdrs, body


# Read whatever is there without blocking: (bytes, "open"|"eof"|"reset").
def drain_nowait(sock):
    got = b""
    sock.setblocking(False)
    try:
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                return got, "eof"
            got += chunk
    except BlockingIOError:
        return got, "open"
    except ConnectionResetError:
        return got, "reset"


# Read until EOF, reset or the deadline: (bytes, "eof"|"reset"|"timeout").
def read_until_close(sock, deadline):
    got = b""
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return got, "timeout"
        sock.settimeout(left)
        try:
            chunk = sock.recv(65536)
        except socket.timeout:
            return got, "timeout"
        except ConnectionResetError:
            return got, "reset"
        if not chunk:
            return got, "eof"
        got += chunk


# The reply as a JSON-friendly dict.
def reply_summary(data, how):
    status, hdrs, body = parse_reply(data)
    return {"status": status, "headers": hdrs, "how": how,
            "body": body[:400].decode("latin-1"), "bytes": len(data)}


# Wait up to MS for the socket to turn readable (a reply or a close).
def readable_within(sock, ms):
    sel = selectors.DefaultSelector()
    sel.register(sock, selectors.EVENT_READ)
    ready = sel.select(timeout=ms / 1000.0)
    sel.close()
    return bool(ready)


# Send the first UPFRONT bytes of DATA at once, the rest one byte every
# INTERVAL ms; stop early if the server answers or closes, then wait up to
# WAIT s for the reply. Times are from the first and the last byte sent.
def mode_trickle(port, interval_ms, data, wait_s, upfront="0"):
    sock = socket.create_connection((HOST, port), timeout=5)
    data = arg_bytes(data)
    interval = int(interval_ms)
    step = int(upfront) or 1
    if interval <= 0:
        step = len(data)
    first = last = mono_ms()
    got, how, sent = b"", "open", 0
    while sent < len(data) and how == "open" and not got:
        try:
            sock.sendall(data[sent:sent + step])
        except (BrokenPipeError, ConnectionResetError):
            how = "reset"
            break
        sent += step
        step = 1
        last = mono_ms()
        if sent < len(data) and not readable_within(sock, interval):
            continue
        more, how = drain_nowait(sock)
        got += more
    answered = mono_ms()
    if how == "open":
        more, how = read_until_close(sock, time.monotonic() + float(wait_s))
        if more and not got:
            answered = mono_ms()
        got += more
    out = reply_summary(got, how)
    out.update({"sent": sent, "of": len(data),
                "ms_from_first": answered - first,
                "ms_from_last": answered - last})
    sock.close()
    emit(out)


# Ask for PATH with a tiny receive window and never read for HOLD s; then
# see how much had been delivered and whether the server had hung up.
def mode_slowread(port, path, hold_s):
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.settimeout(5)
    sock.connect((HOST, port))
    sock.sendall(("GET %s HTTP/1.1\r\nHost: x\r\n\r\n" % path).encode())
    sys.stderr.write("request sent\n")
    sys.stderr.flush()
    time.sleep(float(hold_s))
    # What the kernel still holds trickles through our small window slowly
    # on a busy machine: the deadline is for a server that never hangs up.
    got, how = read_until_close(sock, time.monotonic() + 20)
    status, _, _ = parse_reply(got)
    emit({"status": status, "bytes": len(got), "how": how})
    sock.close()


# A reader of one /delay-like request on a non-blocking socket.
class Req:
    # Connect (non-blocking) and queue the request bytes.
    def __init__(self, port, path):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setblocking(False)
        self.out = ("GET %s HTTP/1.1\r\nHost: x\r\n\r\n" % path).encode()
        self.got = b""
        self.err = None
        self.done = False
        try:
            self.sock.connect((HOST, port))
        except BlockingIOError:
            pass
        except OSError as e:
            self.fail(str(e))

    # Give up on this one, remembering why.
    def fail(self, why):
        self.err, self.done = why, True
        self.sock.close()

    # The socket is writable: push the request.
    def on_write(self):
        try:
            n = self.sock.send(self.out)
        except OSError as e:
            self.fail(str(e))
            return
        self.out = self.out[n:]

    # The socket is readable: collect, and finish on EOF.
    def on_read(self):
        try:
            chunk = self.sock.recv(65536)
        except OSError as e:
            self.fail(str(e))
            return
        if chunk:
            self.got += chunk
            return
        self.done = True
        self.sock.close()


# N concurrent GET PATH; "sent" once every request is out, then a summary.
def mode_many(port, n, path, wait_s):
    reqs = [Req(port, path) for _ in range(int(n))]
    sel = selectors.DefaultSelector()
    for r in reqs:
        if not r.done:
            sel.register(r.sock, selectors.EVENT_WRITE, r)
    deadline = time.monotonic() + float(wait_s)
    announced = False
    while time.monotonic() < deadline and not all(r.done for r in reqs):
        for key, _ in sel.select(timeout=0.1):
            r = key.data
            if r.out:
                r.on_write()
                if not r.done and not r.out:
                    sel.modify(r.sock, selectors.EVENT_READ, r)
            else:
                r.on_read()
            if r.done:
                sel.unregister(r.sock)
        if not announced and all(r.done or not r.out for r in reqs):
            emit({"sent": len(reqs)})
            announced = True
    statuses, close_hdr, errors = {}, 0, []
    for r in reqs:
        status, hdrs, _ = parse_reply(r.got)
        statuses[str(status)] = statuses.get(str(status), 0) + 1
        close_hdr += hdrs.get("connection", "").lower() == "close"
        if r.err or not r.done:
            errors.append(r.err or "no EOF by the deadline")
    emit({"n": len(reqs), "status": statuses, "conn_close": close_hdr,
          "errors": len(errors), "first_error": errors[0] if errors else ""})


# Send REQUEST, shut our write side, and read the reply to the end.
def mode_halfclose(port, request):
    sock = socket.create_connection((HOST, port), timeout=5)
    sock.sendall(arg_bytes(request))
    sock.shutdown(socket.SHUT_WR)
    got, how = read_until_close(sock, time.monotonic() + 3)
    emit(reply_summary(got, how))
    sock.close()


# Read KEEP bytes of a streaming GET PATH, then close with RST (linger 0).
def mode_rst(port, path, keep):
    sock = socket.create_connection((HOST, port), timeout=5)
    sock.sendall(("GET %s HTTP/1.1\r\nHost: x\r\n\r\n" % path).encode())
    got = b""
    while len(got) < int(keep):
        chunk = sock.recv(65536)
        if not chunk:
            break
        got += chunk
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                    struct.pack("ii", 1, 0))
    sock.close()
    emit({"read": len(got), "status": parse_reply(got)[0]})


# Push FILE through the echo port while reading, compare what comes back.
def mode_echo(port, path):
    with open(path, "rb") as f:
        data = f.read()
    sock = socket.create_connection((HOST, port), timeout=5)
    sock.setblocking(False)
    sel = selectors.DefaultSelector()
    sel.register(sock, selectors.EVENT_READ | selectors.EVENT_WRITE)
    sent, got = 0, bytearray()
    deadline = time.monotonic() + 10
    while len(got) < len(data) and time.monotonic() < deadline:
        for _, ev in sel.select(timeout=0.1):
            if ev & selectors.EVENT_WRITE and sent < len(data):
                sent += sock.send(data[sent:sent + 65536])
                if sent == len(data):
                    sel.modify(sock, selectors.EVENT_READ)
            if ev & selectors.EVENT_READ:
                chunk = sock.recv(65536)
                if not chunk:
                    deadline = 0
                    break
                got += chunk
    sock.close()
    emit({"sent": sent, "got": len(got), "same": bytes(got) == data})


# Send FILE's bytes as if they were a request; see what the server says.
def mode_garbage(port, path):
    with open(path, "rb") as f:
        data = f.read()
    sock = socket.create_connection((HOST, port), timeout=5)
    try:
        sock.sendall(data)
    except (BrokenPipeError, ConnectionResetError):
        pass
    got, how = read_until_close(sock, time.monotonic() + 3)
    emit(reply_summary(got, how))
    sock.close()


# Bind an sd_notify socket and append each datagram as one line to OUT.
def mode_notify(path, out):
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    if os.path.exists(path):
        os.unlink(path)
    sock.bind(path)
    with open(out, "a") as f:
        f.write("bound\n")
        f.flush()
        while True:
            msg = sock.recv(4096).decode("utf-8", "replace")
            f.write(msg.replace("\n", " ").strip() + "\n")
            f.flush()


MODES = {
    "trickle": mode_trickle, "slowread": mode_slowread, "many": mode_many,
    "halfclose": mode_halfclose, "rst": mode_rst,
    "echo": mode_echo, "garbage": mode_garbage,
}


# The I-th pipelined request for PATH: a GET, or a POST whose BODY-byte body
# starts with I in six digits, so a reply can be matched to its request.
def pipeline_request(path, i, body):
    if body <= 0:
        return ("GET %s HTTP/1.1\r\nHost: x\r\n\r\n" % path).encode()
    data = b"%06d" % i + b"x" * (body - 6)
    return ("POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n"
            "Content-Length: %d\r\n\r\n" % (path, body)).encode() + data


# Whole replies at the front of BUF from OFF on: [(status, body)], new offset.
def pipeline_replies(buf, off):
    out = []
    while True:
        end = buf.find(b"\r\n\r\n", off)
        if end == -1:
            return out, off
        status, hdrs, _ = parse_reply(bytes(buf[off:end + 4]))
        length = int(hdrs.get("content-length", "0"))
        if len(buf) < end + 4 + length:
            return out, off
        out.append((status, bytes(buf[end + 4:end + 4 + length])))
        off = end + 4 + length


# Each reply fits its request: 200 and, for a POST, /anything's data
# starting with that request's number.
def pipeline_check(replies, body):
    statuses, in_order = {}, True
    for i, (status, data) in enumerate(replies):
        statuses[str(status)] = statuses.get(str(status), 0) + 1
        if body > 0 and status == 200:
            try:
                in_order &= json.loads(data)["data"][:6] == "%06d" % i
            except (ValueError, KeyError, TypeError):
                in_order = False
    return statuses, in_order


# Send N pipelined requests for PATH (POST bodies of BODY bytes if BODY > 0)
# without reading, until all are out or nothing moves for a second, and say
# how far that got. Once the file GO exists, read every reply while sending
# the rest, and check them: count, statuses, order. WAIT s bounds each phase.
def mode_pipeline(port, n, path, body, go, wait_s="30"):
    n, body, wait = int(n), int(body), float(wait_s)
    sock = socket.create_connection((HOST, port), timeout=5)
    sock.setblocking(False)
    sel = selectors.DefaultSelector()
    sel.register(sock, selectors.EVENT_WRITE)
    pending, nexti, sent, total = b"", 0, 0, n * len(pipeline_request(path, 0, body))
    stalled = False
    deadline = time.monotonic() + wait
    while (pending or nexti < n) and time.monotonic() < deadline:
        while len(pending) < 65536 and nexti < n:
            pending += pipeline_request(path, nexti, body)
            nexti += 1
        if not sel.select(timeout=1.0):
            stalled = True
            break
        try:
            k = sock.send(pending)
        except BlockingIOError:
            continue
        pending, sent = pending[k:], sent + k
    emit({"phase": "held", "sent": sent, "of": total, "stalled": stalled})
    while not os.path.exists(go) and time.monotonic() < deadline:
        time.sleep(0.02)
    buf, off, replies, how = bytearray(), 0, [], "open"
    deadline = time.monotonic() + wait
    sel.modify(sock, selectors.EVENT_READ | selectors.EVENT_WRITE)
    while len(replies) < n and how == "open" and time.monotonic() < deadline:
        while len(pending) < 65536 and nexti < n:
            pending += pipeline_request(path, nexti, body)
            nexti += 1
        if not pending:
            sel.modify(sock, selectors.EVENT_READ)
        for _, ev in sel.select(timeout=0.5):
            if ev & selectors.EVENT_WRITE and pending:
                try:
                    k = sock.send(pending)
                    pending, sent = pending[k:], sent + k
                except BlockingIOError:
                    pass
                except OSError:
                    how = "reset"
            if ev & selectors.EVENT_READ:
                try:
                    chunk = sock.recv(1 << 20)
                except BlockingIOError:
                    continue
                except OSError:
                    how = "reset"
                    continue
                if not chunk:
                    how = "eof"
                buf += chunk
                got, off = pipeline_replies(buf, off)
                replies += got
                if off > (1 << 22):
                    del buf[:off]
                    off = 0
    sock.close()
    statuses, in_order = pipeline_check(replies, body)
    emit({"phase": "read", "replies": len(replies), "of": n, "sent": sent,
          "status": statuses, "in_order": in_order, "how": how})


# TLS to the echo port: handshake, stay quiet for QUIET ms (past the
# handshake deadline), then say whether one line still comes back.
def mode_tlsecho(port, quiet_ms):
    import ssl
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    raw = socket.create_connection((HOST, port), timeout=5)
    out = {"handshake": False, "echo": ""}
    try:
        sock = ctx.wrap_socket(raw)
        out["handshake"] = True
        time.sleep(int(quiet_ms) / 1000.0)  # the scenario, not a sync
        sock.sendall(b"still here\n")
        got = b""
        while not got.endswith(b"\n"):
            chunk = sock.recv(4096)
            if not chunk:
                break
            got += chunk
        out["echo"] = got.decode("latin-1")
    except (OSError, ssl.SSLError) as e:
        out["error"] = str(e)
    raw.close()
    emit(out)


# Connect, send DATA (one byte every INTERVAL ms if > 0) and time how long
# the server takes to hang up, from the connect, within WAIT s.
def mode_hangup(port, interval_ms, data, wait_s):
    data, interval = arg_bytes(data), int(interval_ms) / 1000.0
    start = time.monotonic()
    deadline = start + float(wait_s)
    sock = socket.create_connection((HOST, port), timeout=5)
    sent, how = 0, "open"
    if interval <= 0:
        sock.sendall(data)
        sent = len(data)
    while how == "open" and time.monotonic() < deadline:
        if sent < len(data) and not readable_within(sock, interval * 1000):
            try:
                sock.sendall(data[sent:sent + 1])
                sent += 1
            except OSError:
                how = "reset"
            continue
        _, how = read_until_close(sock, deadline if sent == len(data) else
                                  time.monotonic() + 0.05)
        if how == "timeout":
            how = "open"
    ms = int((time.monotonic() - start) * 1000)
    sock.close()
    emit({"how": how, "ms": ms, "sent": sent, "of": len(data)})


MODES.update({"pipeline": mode_pipeline, "tlsecho": mode_tlsecho,
              "hangup": mode_hangup})


# Dispatch on the first argument.
def main(argv):
    if len(argv) >= 3 and argv[0] == "notify":
        mode_notify(argv[1], argv[2])
        return 0
    if len(argv) < 2 or argv[0] not in MODES:
        sys.stderr.write("usage: hard_client.py MODE PORT ARGS...\n")
        return 2
    MODES[argv[0]](int(argv[1]), *argv[2:])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
