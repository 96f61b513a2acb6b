#!/usr/bin/python3
"""Load /dashboard in headless Chromium and read what the page counted.

usage: dashboard_browser.py CHROMIUM URL SERVERS SHOT PROFILE SECONDS [SETTLE [LOAD...]]

Starts Chromium on loopback only (a dead proxy for everything else, no name
resolution), drives it over the DevTools protocol, polls the page's
#srv-N data attributes; once every server is live it starts the load (a
thread per LOAD URL asking it again and again), then polls until every
watched server has sent at least three
events with a request waiting on a timer, or SECONDS pass; then saves a
screenshot to SHOT (SETTLE seconds later, default 0.5) and prints {"servers": [...]} as JSON. Exit 0 unless the
browser could not be driven at all.
"""

import asyncio
import base64
import json
import os
import subprocess
import sys
import threading
import time
import urllib.request

import websockets

READ = """JSON.stringify(Array.from(document.querySelectorAll('.server')).map(
    function (e) { return Object.assign({id: e.id}, e.dataset); }))"""


def devtools_port(profile, deadline):
    """The port Chromium chose, from the file it writes in its profile."""
    path = os.path.join(profile, "DevToolsActivePort")
    while time.monotonic() < deadline:
        try:
            with open(path) as f:
                line = f.readline().strip()
            if line:
                return int(line)
        except (OSError, ValueError):
            pass
        time.sleep(0.05)
    raise RuntimeError("no DevToolsActivePort")


def page_socket(port, deadline):
    """The debugger URL of the first page target."""
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(
                    "http://127.0.0.1:%d/json/list" % port, timeout=2) as r:
                for t in json.load(r):
                    if t.get("type") == "page":
                        return t["webSocketDebuggerUrl"]
        except OSError:
            pass
        time.sleep(0.05)
    raise RuntimeError("no page target")


async def call(ws, state, method, params=None):
    """One DevTools command; its result."""
    state["id"] += 1
    mine = state["id"]
    await ws.send(json.dumps({"id": mine, "method": method,
                              "params": params or {}}))
    while True:
        msg = json.loads(await ws.recv())
        if msg.get("id") == mine:
            if "error" in msg:
                raise RuntimeError("%s: %s" % (method, msg["error"]))
            return msg["result"]


def done(servers, want):
    """Every watched server sent events and showed a request on a timer."""
    return len(servers) == want and all(
        int(s.get("events", 0)) >= 3 and int(s.get("maxTimer", 0)) >= 1
        for s in servers)


def load(url, stop):
    """Ask url again and again until stop is set."""
    while not stop.is_set():
        try:
            with urllib.request.urlopen(url, timeout=10) as r:
                r.read()
        except OSError:
            stop.wait(0.1)


async def drive(url, want, shot, deadline, settle, loads):
    """Poll the page until done or the deadline, then take the screenshot."""
    state = {"id": 0}
    servers = []
    stop = threading.Event()
    threads = []
    async with websockets.connect(url, max_size=64 * 1024 * 1024) as ws:
        while time.monotonic() < deadline:
            r = await call(ws, state, "Runtime.evaluate",
                           {"expression": READ, "returnByValue": True})
            value = r.get("result", {}).get("value")
            servers = json.loads(value) if value else []
            if not threads and len(servers) == want and all(
                    int(s.get("events", 0)) >= 1 for s in servers):
                threads = [threading.Thread(target=load, args=(u, stop))
                           for u in loads]
                for t in threads:
                    t.start()
            if done(servers, want):
                break
            await asyncio.sleep(0.1)
        await asyncio.sleep(settle)	# more points on the charts
        r = await call(ws, state, "Page.captureScreenshot", {"format": "png"})
        with open(shot, "wb") as f:
            f.write(base64.b64decode(r["data"]))
    stop.set()
    for t in threads:
        t.join()
    return servers


def main():
    chromium, url, want, shot, profile, seconds = sys.argv[1:7]
    settle = float(sys.argv[7]) if len(sys.argv) > 7 else 0.5
    loads = sys.argv[8:]
    deadline = time.monotonic() + float(seconds)
    args = [chromium, "--headless", "--no-sandbox", "--disable-gpu",
            "--user-data-dir=" + profile, "--remote-debugging-port=0",
            "--remote-allow-origins=*",
            "--no-first-run", "--no-default-browser-check",
            "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--disable-extensions", "--no-pings",
            "--proxy-server=127.0.0.1:9",
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
            "--window-size=" + os.environ.get("DASHBOARD_WINDOW", "1400,1000"),
            url]
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL,
                            stderr=open(os.path.join(profile, "stderr"), "w"))
    try:
        port = devtools_port(profile, deadline)
        ws = page_socket(port, deadline)
        servers = asyncio.run(drive(ws, int(want), shot, deadline, settle,
                                    loads))
        print(json.dumps({"servers": servers}))
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


if __name__ == "__main__":
    main()
