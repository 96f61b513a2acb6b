#!/usr/bin/env python3
# limits_client: clients for limits.sh that hard_client.py has no mode for.
#
# usage: limits_client.py chunks PORT PATH N SIZE EXT
#        limits_client.py keepalive PORT PATH1 PATH2 GOFILE
# Sends POST PATH with a chunked body of N chunks of SIZE bytes, each with a
# chunk extension of EXT bytes (";" and filler), 16 KiB at a time, and stops
# as soon as the server answers or closes. Prints one JSON object: the reply
# (as hard_client's reply_summary), "sent" and "of" (bytes). A server that
# closes with our bytes unread resets the connection, which may cost its reply:
# waiting a little for an answer after each piece makes that rare, and the
# caller also looks at the access log.

import os
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hard_client import (HOST, drain_nowait, emit, parse_reply,  # noqa: E402
                         read_until_close, readable_within, reply_summary)


# The whole request: head, N chunks with their extensions, the last chunk.
def chunked_request(path, n, size, ext):
    head = ("POST %s HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
            "Connection: close\r\n\r\n" % path).encode()
    ext_bytes = (b";" + b"e" * (ext - 1)) if ext > 0 else b""
    chunk = b"%x" % size + ext_bytes + b"\r\n" + b"d" * size + b"\r\n"
    return head + chunk * n + b"0\r\n\r\n"


# Push the request in pieces, watching for an early answer between them.
def mode_chunks(port, path, n, size, ext):
    data = chunked_request(path, int(n), int(size), int(ext))
    sock = socket.create_connection((HOST, port), timeout=5)
    got, how, sent = b"", "open", 0
    while sent < len(data) and how == "open" and not got:
        try:
            sock.sendall(data[sent:sent + 16384])
        except (BrokenPipeError, ConnectionResetError):
            more, how = drain_nowait(sock)
            got += more
            how = "reset"
            break
        sent = min(sent + 16384, len(data))
        if readable_within(sock, 20):
            more, how = drain_nowait(sock)
            got += more
    if how == "open":
        more, how = read_until_close(sock, time.monotonic() + 5)
        got += more
    out = reply_summary(got, how)
    out.update({"sent": sent, "of": len(data)})
    sock.close()
    emit(out)


# One GET on an open keep-alive connection: the status, or 0.
def keepalive_get(sock, path):
    sock.sendall(("GET %s HTTP/1.1\r\nHost: x\r\n\r\n" % path).encode())
    got = b""
    while b"\r\n\r\n" not in got:
        chunk = sock.recv(65536)
        if not chunk:
            return 0
        got += chunk
    status, hdrs, body = parse_reply(got)
    while len(body) < int(hdrs.get("content-length", "0")):
        chunk = sock.recv(65536)
        if not chunk:
            return 0
        body += chunk
    return status


# GET PATH1, wait (10 s at most) for GOFILE to exist, GET PATH2 on the same
# connection: a server process that outlives a log rotation (a fork child).
def mode_keepalive(port, path1, path2, gofile):
    sock = socket.create_connection((HOST, port), timeout=5)
    first = keepalive_get(sock, path1)
    emit({"first": first})
    deadline = time.monotonic() + 10
    while not os.path.exists(gofile) and time.monotonic() < deadline:
        time.sleep(0.02)
    emit({"second": keepalive_get(sock, path2)})
    sock.close()


if __name__ == "__main__":
    if len(sys.argv) == 7 and sys.argv[1] == "chunks":
        mode_chunks(int(sys.argv[2]), sys.argv[3], *sys.argv[4:7])
    elif len(sys.argv) == 6 and sys.argv[1] == "keepalive":
        mode_keepalive(int(sys.argv[2]), *sys.argv[3:6])
    else:
        sys.exit("usage: limits_client.py chunks PORT PATH N SIZE EXT\n"
                 "       limits_client.py keepalive PORT PATH1 PATH2 GOFILE")
