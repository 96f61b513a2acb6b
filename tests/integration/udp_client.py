#!/usr/bin/env python3
# udp_client: UDP echo clients for udp.sh: plain, from service ports, forged, floods.
#
# usage: udp_client.py MODE HTTP_PORT UDP_PORT ARGS...   (always 127.0.0.1)
#        udp_client.py batch HTTP_PORT UDP_PORT PREFIX '[LABEL:]MODE ARGS'...
# Each mode prints one JSON object on stdout for expect_json: the replies it
# saw and the server's /stats counters before and after ("d_" deltas), or
# {"skip": why} when this machine cannot run it. Every wait has a deadline
# and judges /stats, never the clock, so a slow machine only runs longer.

import json
import socket
import struct
import sys
import time
import urllib.request

HOST = "127.0.0.1"
DEADLINE = 10.0


# One JSON line on stdout.
def emit(obj):
    sys.stdout.write(json.dumps(obj, sort_keys=True) + "\n")
    sys.stdout.flush()


# The UDP counters of /stats (missing ones as None: an old server).
def udp_stats(http):
    url = "http://%s:%d/stats" % (HOST, http)
    with urllib.request.urlopen(url, timeout=5) as r:
        d = json.loads(r.read().decode("utf-8"))
    e = d.get("echo", {})
    return {k: e.get(k) for k in ("udp_datagrams", "udp_dropped_reflect", "udp_dropped_rate")}


# Datagrams the server has read since `before`: echoed plus dropped.
def handled(before, now):
    n = 0
    for k in before:
        if before[k] is None or now[k] is None:
            continue
        n += now[k] - before[k]
    return n


# Poll /stats until the server has read `n` more datagrams than `before`.
def wait_handled(http, before, n):
    end = time.monotonic() + DEADLINE
    while True:
        now = udp_stats(http)
        if handled(before, now) >= n or time.monotonic() > end:
            return now
        time.sleep(0.01)


# The result: replies seen and counter deltas.
def result(before, after, **extra):
    out = dict(extra)
    for k in before:
        if before[k] is None or after[k] is None:
            out["d_" + k] = None
        else:
            out["d_" + k] = after[k] - before[k]
    return out


# Count what is queued on a socket now, without waiting.
def drain(sock):
    n = 0
    sock.setblocking(False)
    try:
        while True:
            sock.recvfrom(65536)
            n += 1
    except BlockingIOError:
        pass
    return n


# The server's UDP port: an ephemeral client port must not equal it, since
# the server (by design) never answers a datagram from its own port number.
SERVER_UDP_PORT = None


# A UDP socket bound to host:port (port 0 = any port but the server's).
def bound(host="127.0.0.1", port=0):
    while True:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((host, port))
        if port != 0 or s.getsockname()[1] != SERVER_UDP_PORT:
            return s
        s.close()


# A plain client (from SRC, default 127.0.0.1) gets its datagram back.
def mode_echo(http, udp, args):
    s = bound(args[0] if args else "127.0.0.1")
    s.settimeout(3)
    msg = b"echo me \x00\xff"
    s.sendto(msg, (HOST, udp))
    try:
        data, peer = s.recvfrom(65536)
    except socket.timeout:
        return {"reply": None}
    return {"reply": data.decode("latin-1"), "match": data == msg, "peer": peer[1]}


# One datagram from each service port given; the ones we cannot bind are skipped.
def mode_from_ports(http, udp, args):
    socks, skipped = [], []
    for p in args:
        try:
            socks.append((int(p), bound("127.0.0.1", int(p))))
        except OSError as e:
            skipped.append("%s: %s" % (p, e.strerror))
    if not socks:
        return {"skip": "no service port could be bound (%s)" % "; ".join(skipped)}
    before = udp_stats(http)
    for p, s in socks:
        s.sendto(b"from port %d" % p, (HOST, udp))
    after = wait_handled(http, before, len(socks))
    # A plain echo after them proves the server is past them: loopback
    # queues a reply in sendto, so any reply to them would be here by now.
    probe = mode_echo(http, udp, [])
    replies = sum(drain(s) for _, s in socks)
    return result(before, after, sent=len(socks), replies=replies, skipped=skipped,
                  probe=probe.get("match"))


# The IPv4 + UDP header of a forged datagram, with both checksums.
def forged(src, sport, dst, dport, payload):
    def csum(b):
        if len(b) % 2:
            b += b"\0"
        s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
        while s >> 16:
            s = (s & 0xffff) + (s >> 16)
        return (~s) & 0xffff
    sa, da = socket.inet_aton(src), socket.inet_aton(dst)
    ulen = 8 + len(payload)
    pseudo = sa + da + struct.pack("!BBH", 0, socket.IPPROTO_UDP, ulen)
    udp = struct.pack("!HHHH", sport, dport, ulen, 0) + payload
    c = csum(pseudo + udp) or 0xffff
    udp = struct.pack("!HHHH", sport, dport, ulen, c) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + ulen, 0x1234, 0, 64,
                     socket.IPPROTO_UDP, 0, sa, da)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return ip + udp


# One datagram forged from the server's own address and port (raw socket, root).
def mode_spoof_self(http, udp, args):
    try:
        raw = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    except OSError as e:
        return {"skip": "no raw socket: %s" % e.strerror}
    before = udp_stats(http)
    try:
        raw.sendto(forged(HOST, udp, HOST, udp, b"loop me"), (HOST, 0))
    except OSError as e:
        return {"skip": "cannot send a forged datagram: %s" % e.strerror}
    after = wait_handled(http, before, 1)
    # Past the forged one; a self-loop would keep udp_datagrams climbing.
    probe = mode_echo(http, udp, [])
    later = udp_stats(http)
    return result(before, later, probe=probe.get("match"),
                  looping=None if after["udp_datagrams"] is None else
                  later["udp_datagrams"] - after["udp_datagrams"] > 1)


# N datagrams from each of SOURCES addresses, paced so no socket buffer overflows.
def mode_flood(http, udp, args):
    n, sources = int(args[0]), args[1].split(",")
    socks = [bound(src) for src in sources]
    before = udp_stats(http)
    t0 = time.monotonic()
    sent = replies = 0
    while sent < n * len(socks):
        for s in socks:
            for _ in range(50):
                s.sendto(b"flood", (HOST, udp))
                sent += 1
        wait_handled(http, before, sent)
        replies += sum(drain(s) for s in socks)
    after = wait_handled(http, before, sent)
    replies += sum(drain(s) for s in socks)
    return result(before, after, sent=sent, replies=replies,
                  elapsed=time.monotonic() - t0)


MODES = {
    "echo": mode_echo,
    "from-ports": mode_from_ports,
    "spoof-self": mode_spoof_self,
    "flood": mode_flood,
}


# One mode, or "batch PREFIX '[LABEL:]MODE ARGS'..." writing PREFIX.LABEL.json
# (LABEL defaults to MODE) for each
# in turn (one interpreter start instead of many on a loaded machine).
def main():
    if len(sys.argv) < 4:
        sys.stderr.write("usage: udp_client.py MODE HTTP_PORT UDP_PORT ARGS...\n")
        return 2
    global SERVER_UDP_PORT
    mode, http, udp, args = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4:]
    SERVER_UDP_PORT = udp
    if mode == "batch":
        prefix = args[0]
        for step in args[1:]:
            label, _, step = step.rpartition(":")
            words = step.split()
            with open("%s.%s.json" % (prefix, label or words[0]), "w") as f:
                f.write(json.dumps(MODES[words[0]](http, udp, words[1:]), sort_keys=True) + "\n")
        return 0
    if mode not in MODES:
        sys.stderr.write("unknown mode %s\n" % mode)
        return 2
    emit(MODES[mode](http, udp, args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
