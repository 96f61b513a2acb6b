# ws_client: WebSocket checks against /websocket/echo, for websocket.sh.
#
# usage: python3 ws_client.py [--tls CA_FILE] PORT CHECK[:N]...
#        python3 ws_client.py PORT hold READY_FILE
#
# Each CHECK prints "ok NAME" or "not ok NAME: why". The well-behaved ones
# use python3-websockets (Debian's 10.x: the asyncio client); the bad ones
# send hand-made frames over a plain socket and read the close code back.
# The server is expected to run with ws_frame_max=64K, ws_message_max=128K
# and ws_idle_timeout_ms=1000. With --tls, PORT is the HTTPS listener and
# every connection is TLS, verified against CA_FILE for the name localhost
# (the raw checks wrap their socket, the others use wss://). "hold" opens one WebSocket, writes READY_FILE,
# and reports the close the server sends (websocket.sh then sends SIGTERM).
import asyncio
import base64
import hashlib
import json
import os
import socket
import ssl
import struct
import sys
import time

import websockets

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
TIMEOUT = 5.0
PORT = 0
TLS = None	# an ssl.SSLContext with --tls


class CheckFailed(Exception):
    pass


def expect(cond, why):
    if not cond:
        raise CheckFailed(why)


def url():
    return "%s://127.0.0.1:%d/websocket/echo" % ("wss" if TLS else "ws", PORT)


def connect(timeout=TIMEOUT):
    """A socket to the server, through TLS with --tls."""
    s = socket.create_connection(("127.0.0.1", PORT), timeout=timeout)
    return TLS.wrap_socket(s, server_hostname="localhost") if TLS else s


def ws_connect(**kw):
    """python3-websockets' client, with the TLS context and name with --tls."""
    if TLS:
        kw.update(ssl=TLS, server_hostname="localhost")
    return websockets.connect(url(), open_timeout=TIMEOUT, **kw)


# ------------------------------------------------------------ raw frames

def frame(op, payload=b"", fin=True, masked=True, rsv=0, length=None):
    """A client frame; length overrides the payload's own (a lie)."""
    n = len(payload) if length is None else length
    head = bytes([(0x80 if fin else 0) | rsv | op])
    m = 0x80 if masked else 0
    if n < 126:
        head += bytes([m | n])
    elif n < 65536:
        head += bytes([m | 126]) + struct.pack(">H", n)
    else:
        head += bytes([m | 127]) + struct.pack(">Q", n)
    if not masked:
        return head + payload
    key = os.urandom(4)
    return head + key + bytes(c ^ key[i % 4] for i, c in enumerate(payload))


def read_until(s, buf, mark):
    """Add what S sends to BUF until MARK is in it or S closes; BUF."""
    while mark not in buf:
        chunk = s.recv(65536)
        if not chunk:
            break
        buf += chunk
    return buf


def handshake(extra=b"", key=None, version=b"13"):
    """Send an upgrade request; (socket, status line, head, rest of bytes)."""
    s = connect()
    key = key or base64.b64encode(os.urandom(16))
    s.sendall(b"GET /websocket/echo HTTP/1.1\r\nHost: 127.0.0.1\r\n"
              b"Upgrade: websocket\r\nConnection: Upgrade\r\n"
              b"Sec-WebSocket-Key: " + key + b"\r\n"
              b"Sec-WebSocket-Version: " + version + b"\r\n" + extra + b"\r\n")
    buf = read_until(s, b"", b"\r\n\r\n")
    expect(b"\r\n\r\n" in buf, "connection closed before the response head")
    head, rest = buf.split(b"\r\n\r\n", 1)
    return s, head.split(b"\r\n")[0], head, rest, key


def raw_open():
    """An upgraded socket, its accept key checked; (socket, bytes after the head)."""
    s, status, head, rest, key = handshake()
    expect(status.startswith(b"HTTP/1.1 101"), "status %r" % status)
    want = base64.b64encode(hashlib.sha1(key + GUID).digest())
    expect(b"Sec-WebSocket-Accept: " + want in head, "bad accept in %r" % head)
    return s, rest


def read_frame(s, buf):
    """One server frame: (opcode, payload, rest); the server must not mask."""
    def need(n, buf):
        while len(buf) < n:
            chunk = s.recv(65536)
            expect(chunk, "EOF inside a frame")
            buf += chunk
        return buf
    buf = need(2, buf)
    op, n = buf[0] & 0x0f, buf[1] & 0x7f
    expect(not buf[1] & 0x80, "server frame is masked")
    off = 2
    if n == 126:
        buf = need(4, buf)
        n, off = struct.unpack(">H", buf[2:4])[0], 4
    elif n == 127:
        buf = need(10, buf)
        n, off = struct.unpack(">Q", buf[2:10])[0], 10
    buf = need(off + n, buf)
    return op, buf[off:off + n], buf[off + n:]


def read_close(s, buf):
    """Skip frames up to the server's close: (code, reason)."""
    while True:
        op, payload, buf = read_frame(s, buf)
        if op == 8:
            expect(len(payload) >= 2, "close without a code")
            return struct.unpack(">H", payload[:2])[0], payload[2:].decode()


def expect_close(frames, code, word=None):
    s, rest = raw_open()
    try:
        s.sendall(frames)
        got, reason = read_close(s, rest)
        expect(got == code, "close %d (%s), want %d" % (got, reason, code))
        expect(word is None or word in reason, "reason %r lacks %r" % (reason, word))
    finally:
        s.close()


# ------------------------------------------------------------ checks

async def echo(msg):
    async with ws_connect(max_size=None) as ws:
        await ws.send(msg)
        got = await asyncio.wait_for(ws.recv(), TIMEOUT)
        want = b"".join(msg) if isinstance(msg, list) and isinstance(msg[0], bytes) \
            else "".join(msg) if isinstance(msg, list) else msg
        expect(got == want, "echo differs: %d vs %d" % (len(got), len(want)))


def check_text():
    asyncio.run(echo("h\u00e9llo, w\u00f6rld \u2713 \U0001F600"))


def check_binary():
    asyncio.run(echo(bytes(range(256))))


def check_fragmented():
    asyncio.run(echo(["caf", "\u00e9 ", "au ", "lait"]))
    asyncio.run(echo([b"\x00", b"\xff" * 1000, b"\x01"]))


def check_large():
    asyncio.run(echo(os.urandom(60000)))
    asyncio.run(echo([b"a" * 60000, b"b" * 60000]))


def check_ping():
    async def run():
        async with ws_connect() as ws:
            pong = await ws.ping(b"are you there")
            await asyncio.wait_for(pong, TIMEOUT)
    asyncio.run(run())
    # a ping between two fragments is answered at once
    s, rest = raw_open()
    s.sendall(frame(1, b"ab", fin=False) + frame(9, b"p1") + frame(0, b"cd"))
    op, payload, rest = read_frame(s, rest)
    expect((op, payload) == (10, b"p1"), "want pong p1, got %d %r" % (op, payload))
    op, payload, rest = read_frame(s, rest)
    expect((op, payload) == (1, b"abcd"), "want text abcd, got %d %r" % (op, payload))
    s.close()


def check_close_code():
    async def run():
        ws = await ws_connect()
        await ws.close(code=4001, reason="bye")
        expect(ws.close_code == 4001, "server answered close with %s" % ws.close_code)
    asyncio.run(run())


def check_unmasked():
    expect_close(frame(1, b"hello", masked=False), 1002, "masked")


def check_bad_utf8():
    expect_close(frame(1, b"ok \xed\xa0\x80"), 1007, "UTF-8")


def check_bad_utf8_split():
    # valid so far in the first fragment, broken by the second
    expect_close(frame(1, b"caf\xc3", fin=False) + frame(0, b"A"), 1007, "UTF-8")


def check_frame_too_big():
    expect_close(frame(2, b"", length=70000), 1009, "ws_frame_max")


def check_message_too_big():
    chunk = b"x" * 60000
    expect_close(frame(2, chunk, fin=False) + frame(0, chunk, fin=False) +
                 frame(0, chunk), 1009, "ws_message_max")


def check_bad_opcode():
    expect_close(frame(3, b"?"), 1002, "opcode")


def check_rsv():
    expect_close(frame(1, b"x", rsv=0x40), 1002, "reserved")


def check_control_fragmented():
    expect_close(frame(9, b"x", fin=False), 1002, "control")


def check_bad_upgrade():
    cases = [
        (b"GET /websocket/echo HTTP/1.1\r\nHost: x\r\n\r\n", b"426", "Upgrade"),
    ]
    for req, status, word in cases:
        s = socket.create_connection(("127.0.0.1", PORT), timeout=TIMEOUT)
        s.sendall(req)
        got = read_until(s, b"", b"}\n")
        s.close()
        head, _, body = got.partition(b"\r\n\r\n")
        expect(head.startswith(b"HTTP/1.1 " + status), "got %r" % head[:40])
        expect(b"\r\nUpgrade: websocket\r\n" in head, "426 without Upgrade")
        expect(word in json.loads(body)["error"], "reason %r" % body)
    for kw, status, word in ((dict(version=b"8"), b"426", "13"),
                             (dict(key=b"c2hvcnQ="), b"400", "Sec-WebSocket-Key")):
        s, line, head, rest, _ = handshake(**kw)
        rest = read_until(s, rest, b"}\n")
        s.close()
        expect(line.startswith(b"HTTP/1.1 " + status), "got %r, want %r" % (line, status))
        err = json.loads(rest)
        expect(word in err["error"] and err["status"] == int(status), "body %r" % rest)


def check_idle():
    s, rest = raw_open()
    t0 = time.monotonic()
    code, reason = read_close(s, rest)
    took = time.monotonic() - t0
    s.close()
    expect(code == 1001 and "idle" in reason, "close %d %r" % (code, reason))
    expect(0.7 <= took < 4.0, "idle close after %.2f s, want about 1" % took)


def check_backpressure():
    """A client that sends without reading is not buffered without bound."""
    s, rest = raw_open()
    s.setblocking(False)
    msg = frame(2, b"x" * 60000)
    total, limit, off, last = 0, 64 << 20, 0, time.monotonic()
    while total < limit and time.monotonic() - last < 0.5:
        try:
            n = s.send(msg[off:])
        except BlockingIOError:
            time.sleep(0.01)
            continue
        total, off, last = total + n, (off + n) % len(msg), time.monotonic()
    s.close()
    expect(total < limit * 3 // 4, "the server took %d MiB unread" % (total >> 20))


def check_queue(n):
    """Sequential (n = 1), pool (n = its size): n WebSockets are served at
    once, the next handshake waits until one of them ends."""
    open_ = [raw_open() for _ in range(int(n))]
    b = socket.create_connection(("127.0.0.1", PORT), timeout=0.5)
    b.sendall(b"GET /websocket/echo HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
              b"Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
              b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n")
    try:
        early = b.recv(1)
    except socket.timeout:
        early = None
    expect(early is None, "WebSocket %d answered while %d were open" % (int(n) + 1, int(n)))
    for s, rest in open_:
        s.sendall(frame(2, b"still here"))
        op, payload, rest = read_frame(s, rest)
        expect(payload == b"still here", "an open WebSocket stopped echoing")
    a, rest = open_.pop(0)
    a.sendall(frame(8, struct.pack(">H", 1000)))
    read_close(a, rest)
    a.close()
    b.settimeout(TIMEOUT)
    expect(b.recv(12).startswith(b"HTTP/1.1 101"),
           "WebSocket %d not served when one ended" % (int(n) + 1))
    b.close()
    for s, _ in open_:
        s.close()


def check_parallel():
    """Thread, fork, pool and event: two WebSockets at once, both echo."""
    a, ra = raw_open()
    b, rb = raw_open()
    for s, rest, msg in ((b, rb, b"second"), (a, ra, b"first")):
        s.sendall(frame(2, msg))
        op, payload, _ = read_frame(s, rest)
        expect(payload == msg, "got %r" % payload)
        s.close()


def hold(ready):
    """Open one WebSocket, say so, and report the close the server sends."""
    s, rest = raw_open()
    with open(ready, "w") as f:
        f.write("ready\n")
    code, reason = read_close(s, rest)
    s.sendall(frame(8, struct.pack(">H", code)))
    print("close %d %s" % (code, reason))
    s.close()


def main():
    global PORT, TLS
    args = sys.argv[1:]
    if args[0] == "--tls":
        TLS = ssl.create_default_context(cafile=args[1])
        args = args[2:]
    PORT = int(args[0])
    if args[1] == "hold":
        hold(args[2])
        return
    for name in args[1:]:
        fn, _, arg = name.partition(":")
        try:
            globals()["check_" + fn](*([arg] if arg else []))
            print("ok %s" % name)
        except Exception as e:
            print("not ok %s: %s: %s" % (name, type(e).__name__, e))
        sys.stdout.flush()


if __name__ == "__main__":
    main()
