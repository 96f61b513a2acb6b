# fuzz: send every corpus file to a live server, one TCP connection each.
#
# usage: python3 feed_server.py PORT CORPUS_DIR OUT_FILE [BOUND_SECONDS]
#
# The first byte of a corpus file is the fuzz target's control byte, so what
# goes on the wire is the rest. Each file is sent whole; the pipelined and
# chunked ones again in writes of 1..7 bytes; and a few streams of seeded
# random bytes follow. A connection passes when, within the bound, it gets a
# response head ("HTTP/1.x NNN ...\r\n\r\n") or the server closes it (FIN or
# RST). Then we close our end, so the server must notice and free it.
#
# OUT_FILE gets one line per connection: "1|0 <TAB> description <TAB> note".
import os
import random
import socket
import sys
import threading
import time

FEED_SPLIT_PREFIXES = ("pipe-", "chunked-", "bad-chunk", "expect-", "put-echo")
FEED_RANDOM_STREAMS = 6


def feed_cases(corpus):
    """(description, list of writes) for every connection to make."""
    cases = []
    for name in sorted(os.listdir(corpus)):
        if name.startswith((".", "ws-")):
            continue  # ws-*: WebSocket frames for fuzz_ws, not HTTP
        with open(os.path.join(corpus, name), "rb") as f:
            data = f.read()[1:]
        if not data:
            continue
        cases.append(("whole %s" % name, [data]))
        if name.startswith(FEED_SPLIT_PREFIXES):
            rng = random.Random(name)
            writes, i = [], 0
            while i < len(data):
                n = rng.randint(1, 7)
                writes.append(data[i:i + n])
                i += n
            cases.append(("split %s" % name, writes))
    rng = random.Random(20240601)
    for k in range(FEED_RANDOM_STREAMS):
        noise = bytes(rng.getrandbits(8) for _ in range(rng.randint(16, 2048)))
        if k % 2:
            noise = b"GET / HTTP/1.1\r\n" + noise
        cases.append(("random bytes #%d (%d bytes)" % (k, len(noise)), [noise]))
    return cases


def feed_answered(got):
    """A whole response head, or an error if the bytes are not HTTP."""
    if not got:
        return None
    if not got.startswith(b"HTTP/1."):
        return "reply is not HTTP: %r" % got[:40]
    if b"\r\n\r\n" in got:
        return ""
    return None


def feed_one(port, writes, bound):
    """Send the writes; (ok, note) once answered or closed, or at the bound."""
    deadline = time.monotonic() + bound
    got = b""
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=bound)
    except OSError as e:
        return False, "connect: %s" % e
    try:
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            for w in writes:
                s.sendall(w)
                if len(writes) > 1:
                    time.sleep(0.001)
        except (ConnectionResetError, BrokenPipeError):
            pass    # it closed early (e.g. after Connection: close); read what came
        while True:
            why = feed_answered(got)
            if why is not None:
                return why == "", why or "answered %s" % got[9:12].decode("latin-1")
            left = deadline - time.monotonic()
            if left <= 0:
                return False, "no response and no close within %.1f s" % bound
            s.settimeout(left)
            b = s.recv(65536)
            if not b:
                return True, "closed after %d bytes" % len(got)
            got += b
    except (ConnectionResetError, BrokenPipeError):
        return True, "reset after %d bytes" % len(got)
    except socket.timeout:
        return False, "no response and no close within %.1f s" % bound
    except OSError as e:
        return False, "socket error: %s" % e
    finally:
        s.close()


def main():
    port, corpus, out = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    bound = float(sys.argv[4]) if len(sys.argv) > 4 else 5.0
    cases = feed_cases(corpus)
    results = [None] * len(cases)
    sem = threading.Semaphore(32)

    def run(i):
        with sem:
            results[i] = feed_one(port, cases[i][1], bound)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(cases))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with open(out, "w") as f:
        for (desc, _), (ok, note) in zip(cases, results):
            f.write("%d\t%s\t%s\n" % (1 if ok else 0, desc, note.replace("\n", " ")))


if __name__ == "__main__":
    main()
