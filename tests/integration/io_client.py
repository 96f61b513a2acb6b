#!/usr/bin/env python3
# io_client: odd HTTP and HTTPS clients for io.sh; each mode prints one JSON line.
#
#   hold PORT N tls|plain READY   N keep-alive connections, one GET each, then
#                                 hold them idle (READY written) until killed
#   pipeline PORT N               N GETs in one TLS write: count the answers
#   upload PORT BYTES             POST /echo over TLS: the body comes back whole
#   slowread PORT BYTES           GET /bytes/BYTES?seed=3 over TLS read after a
#                                 pause and in small pieces: its SHA-256
#   idle PORT                     one TLS GET, then wait: what comes, and when
#   partial PORT                  half a TLS request head, then wait for the answer
import hashlib
import json
import os
import socket
import ssl
import sys
import time


def tls_connect(port):
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    return ctx.wrap_socket(s)


def read_answer(s, buf=b""):
    """One response with a Content-Length: (head, body, what is left)."""
    while b"\r\n\r\n" not in buf:
        d = s.recv(65536)
        if not d:
            raise EOFError("closed before a head")
        buf += d
    head, rest = buf.split(b"\r\n\r\n", 1)
    n = 0
    for line in head.split(b"\r\n")[1:]:
        k, _, v = line.partition(b":")
        if k.strip().lower() == b"content-length":
            n = int(v)
    while len(rest) < n:
        d = s.recv(65536)
        if not d:
            raise EOFError("closed mid-body")
        rest += d
    return head, rest[:n], rest[n:]


def status(head):
    return int(head.split(b" ", 2)[1])


def hold(port, n, kind, ready):
    conns = []
    for _ in range(n):
        if kind == "tls":
            s = tls_connect(port)
        else:
            s = socket.create_connection(("127.0.0.1", port), timeout=10)
        s.sendall(b"GET /ip HTTP/1.1\r\nHost: t\r\n\r\n")
        read_answer(s)
        conns.append(s)
    with open(ready + ".tmp", "w") as f:
        f.write("%d\n" % len(conns))
    os.rename(ready + ".tmp", ready)
    time.sleep(60)


def pipeline(port, n):
    s = tls_connect(port)
    s.sendall(b"GET /ip HTTP/1.1\r\nHost: t\r\n\r\n" * n)
    got, left = [], b""
    for _ in range(n):
        head, _, left = read_answer(s, left)
        got.append(status(head))
    return {"answers": len(got), "ok": got.count(200)}


def upload(port, size):
    body = os.urandom(size)
    s = tls_connect(port)
    s.sendall(b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: %d\r\n\r\n" % size + body)
    head, got, _ = read_answer(s)
    return {"status": status(head), "same": got == body, "bytes": len(got)}


def slowread(port, size):
    s = tls_connect(port)
    s.sendall(b"GET /bytes/%d?seed=3 HTTP/1.1\r\nHost: t\r\n\r\n" % size)
    time.sleep(0.5)	# the server fills the socket and queues the rest
    buf = b""
    while b"\r\n\r\n" not in buf:
        buf += s.recv(4096)
    head, first = buf.split(b"\r\n\r\n", 1)
    body = bytearray(first)
    while len(body) < size:
        d = s.recv(4096)
        if not d:
            break
        body += d
    return {"status": status(head), "bytes": len(body),
            "sha256": hashlib.sha256(body).hexdigest()}


def idle(port):
    s = tls_connect(port)
    s.sendall(b"GET /ip HTTP/1.1\r\nHost: t\r\n\r\n")
    head, _, _ = read_answer(s)
    t0 = time.monotonic()
    try:
        after = s.recv(4096)
        how = "eof" if not after else "bytes"
    except (ConnectionResetError, ssl.SSLError) as e:
        after, how = b"", "error: %s" % e
    return {"status": status(head), "how": how, "after": len(after),
            "ms": int((time.monotonic() - t0) * 1000)}


def partial(port):
    s = tls_connect(port)
    s.sendall(b"GET /ip HTTP/1.1\r\nHo")
    t0 = time.monotonic()
    try:
        head, body, _ = read_answer(s)
    except EOFError as e:
        return {"status": 0, "error": str(e)}
    return {"status": status(head), "body": body.decode(errors="replace"),
            "ms": int((time.monotonic() - t0) * 1000)}


def main():
    mode, port = sys.argv[1], int(sys.argv[2])
    if mode == "hold":
        hold(port, int(sys.argv[3]), sys.argv[4], sys.argv[5])
        return
    if mode == "pipeline":
        r = pipeline(port, int(sys.argv[3]))
    elif mode == "upload":
        r = upload(port, int(sys.argv[3]))
    elif mode == "slowread":
        r = slowread(port, int(sys.argv[3]))
    elif mode == "idle":
        r = idle(port)
    else:
        r = partial(port)
    print(json.dumps(r))


if __name__ == "__main__":
    main()
