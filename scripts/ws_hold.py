# ws_hold: open N WebSockets to /websocket/echo and keep them idle, for compare.sh.
#
# usage: python3 ws_hold.py PORT N SETTLE_S FILE
#
# Opens N connections at once, each sending the upgrade request. Once all
# are sent and no 101 has arrived for SETTLE_S seconds (60 s at most), writes
# {"open": N, "upgraded": K} to FILE and holds everything until killed.
# A model that serves one connection at a time upgrades only the first.
import asyncio
import base64
import json
import os
import sys
import time


async def upgrade(port, state):
    """One connection; counts itself in state when its 101 arrives."""
    try:
        r, w = await asyncio.open_connection("127.0.0.1", port)
    except OSError:
        return None
    key = base64.b64encode(os.urandom(16))
    w.write(b"GET /websocket/echo HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Upgrade: websocket\r\nConnection: Upgrade\r\n"
            b"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: " + key + b"\r\n\r\n")
    state["sent"] += 1
    state["last"] = time.monotonic()
    try:
        head = await r.readuntil(b"\r\n\r\n")
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, OSError):
        return w
    if head.startswith(b"HTTP/1.1 101"):
        state["upgraded"] += 1
        state["last"] = time.monotonic()
    return w


async def main(port, n, settle, path):
    state = {"sent": 0, "upgraded": 0, "last": time.monotonic()}
    tasks = [asyncio.ensure_future(upgrade(port, state)) for _ in range(n)]
    t0 = time.monotonic()
    while time.monotonic() - t0 < 60:
        await asyncio.sleep(0.1)
        if state["upgraded"] == n or (state["sent"] == n and
                                      time.monotonic() - state["last"] >= settle):
            break
    with open(path, "w") as f:
        json.dump({"open": n, "upgraded": state["upgraded"]}, f)
    await asyncio.sleep(3600)
    for t in tasks:
        t.cancel()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), sys.argv[4]))
