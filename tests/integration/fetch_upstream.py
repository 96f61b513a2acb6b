#!/usr/bin/env python3
# fetch_upstream: a misbehaving upstream on 127.0.0.1 port 0 for fetch_suite.sh.
#
# usage: fetch_upstream.py MODE PORTFILE LOGFILE [ARG]
#   hang      accept, read the request, never answer (the socket stays open)
#   junk      answer "garbage\r\n\r\n" and close
#   redirect  answer 302 with Location: ARG, Content-Length 0
#   chunked   answer 200, chunked, ARG bytes of 'x' without a length
#   status    answer the status line ARG verbatim (e.g. "HTTP/1.1 0 X"),
#             then Content-Length: 2, Connection: close and "ok"
#   short     answer 200 with Content-Length: ARG, send half of it, close
#   slowbody  answer 200 with Content-Length: 4, then "body" after ARG ms
# Writes its port to PORTFILE once listening; logs one line per connection
# to LOGFILE, and every request head it reads to LOGFILE.heads. Runs until
# killed.

import os
import socket
import sys
import threading
import time

HEAD_MAX = 65536


# Read the request head (up to the blank line) so the client is not reset.
def fixture_read_head(conn):
    data = b""
    while b"\r\n\r\n" not in data and len(data) < HEAD_MAX:
        piece = conn.recv(4096)
        if not piece:
            break
        data += piece
    return data


# Keep the connection open without a word, until the peer goes away.
def fixture_hang(conn, arg):
    while conn.recv(4096):
        pass


# A status line no HTTP parser can take.
def fixture_junk(conn, arg):
    conn.sendall(b"garbage\r\n\r\n")


# A redirect to wherever ARG says.
def fixture_redirect(conn, arg):
    conn.sendall(("HTTP/1.1 302 Found\r\nLocation: %s\r\n"
                  "Content-Length: 0\r\nConnection: close\r\n\r\n"
                  % arg).encode("ascii"))


# A chunked body of ARG bytes: no Content-Length for the client to check early.
def fixture_chunked(conn, arg):
    left = int(arg)
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
                 b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n")
    piece = b"x" * 16384
    while left > 0:
        n = min(left, len(piece))
        conn.sendall(b"%x\r\n" % n + piece[:n] + b"\r\n")
        left -= n
    conn.sendall(b"0\r\n\r\n")


# A status line of ARG's choosing, sane or not (0, 999, 101 ...).
def fixture_status(conn, arg):
    conn.sendall(("%s\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"
                  % arg).encode("ascii"))


# A body cut off before the length the head promised.
def fixture_short(conn, arg):
    n = int(arg)
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n"
                 b"Connection: close\r\n\r\n" % n + b"x" * (n // 2))


# The head at once, the body only after ARG ms.
def fixture_slowbody(conn, arg):
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n"
                 b"Connection: close\r\n\r\n")
    time.sleep(int(arg) / 1000.0)
    conn.sendall(b"body")


MODES = {
    "hang": fixture_hang,
    "junk": fixture_junk,
    "redirect": fixture_redirect,
    "chunked": fixture_chunked,
    "status": fixture_status,
    "short": fixture_short,
    "slowbody": fixture_slowbody,
}


# Serve one connection in its own thread; errors just end it.
def fixture_serve(conn, peer, mode, arg, log, heads, lock):
    with lock:
        log.write("%s:%d %s\n" % (peer[0], peer[1], mode))
        log.flush()
    try:
        head = fixture_read_head(conn)
        with lock:
            heads.write(head.decode("latin-1"))
            heads.flush()
        MODES[mode](conn, arg)
    except OSError:
        pass
    finally:
        try:
            conn.close()
        except OSError:
            pass


# Bind, publish the port, accept forever.
def fixture_main():
    if len(sys.argv) < 4 or sys.argv[1] not in MODES:
        sys.stderr.write("usage: fetch_upstream.py hang|junk|redirect|chunked|"
                         "status|short|slowbody PORTFILE LOGFILE [ARG]\n")
        return 2
    mode, portfile, logfile = sys.argv[1:4]
    arg = sys.argv[4] if len(sys.argv) > 4 else ""
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", 0))
    srv.listen(64)
    log = open(logfile, "a")
    heads = open(logfile + ".heads", "a")
    lock = threading.Lock()
    with open(portfile + ".tmp", "w") as f:
        f.write("%d\n" % srv.getsockname()[1])
    os.rename(portfile + ".tmp", portfile)
    while True:
        conn, peer = srv.accept()
        threading.Thread(target=fixture_serve, daemon=True,
                         args=(conn, peer, mode, arg, log, heads, lock)).start()


if __name__ == "__main__":
    sys.exit(fixture_main())
