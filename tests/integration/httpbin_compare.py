#!/usr/bin/env python3
"""httpbin_compare: send the same requests to the real httpbin and to echofetch, as TAP.

Usage: httpbin_compare.py --target NAME=PORT [--target NAME=PORT ...] [--only SUBSTR]

Starts Debian's httpbin (python3-httpbin, on werkzeug) on 127.0.0.1 port 0
in a child process, then for every case in the httpbin_cases_*.py files next
to this script sends one request to httpbin and the same request to each
target, and compares what the case's "compare" list names:

  status          the status codes are equal
  header:NAME     that response header is equal, or absent from both
  json            the JSON bodies are equal field by field, once the values
                  that must differ (url host and port, Host, Content-Length of
                  differing bodies) are normalised
  json-keys       the JSON bodies are objects with the same keys
  json:KEY        only that top-level field of the JSON bodies is equal
  body            the bodies are the same bytes

A case is a dict: name, method, path, headers (dict or list of pairs; "Host"
defaults to 127.0.0.1:PORT), body (bytes or None), compare. A case with
"want" instead is for an endpoint Debian's httpbin lacks: it is checked only
against the targets, e.g. {"status": 200, "header:Content-Type": "..."}.
"repeat": N sends the request N times to each side and compares the set of
statuses seen (for random choices). One TAP line per case. Only loopback is
used, and no proxy: the *_proxy variables are cleared first.
"""

import glob
import http.client
import importlib.util
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TIMEOUT = 10

# Started in a child: the httpbin Flask app on werkzeug, its port on stdout.
HTTPBIN_LAUNCH = r"""
import logging, sys
logging.getLogger("werkzeug").setLevel(logging.ERROR)
from werkzeug.serving import make_server
from httpbin.core import app
srv = make_server("127.0.0.1", 0, app, threaded=True)
print(srv.server_port, flush=True)
srv.serve_forever()
"""


def clear_proxies():
    """No request of ours may leave through a proxy."""
    for k in list(os.environ):
        if k.lower().endswith("_proxy"):
            del os.environ[k]


def start_httpbin():
    """The httpbin child and its port; raises if it does not answer in 15 s.

    Debian's python3 runs it: that is where python3-httpbin is installed.
    """
    py = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable
    p = subprocess.Popen([py, "-c", HTTPBIN_LAUNCH],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         stdin=subprocess.DEVNULL)
    line = p.stdout.readline().decode().strip()
    if not line.isdigit():
        p.kill()
        err = p.stderr.read().decode(errors="replace")
        raise RuntimeError("httpbin did not start: %s" % err[-500:])
    port = int(line)
    deadline = time.monotonic() + 15
    while True:
        try:
            st, _, _ = send(port, {"method": "GET", "path": "/ip"})
            if st == 200:
                return p, port
        except OSError:
            pass
        if time.monotonic() > deadline:
            p.kill()
            raise RuntimeError("httpbin on port %d never answered /ip" % port)
        time.sleep(0.05)


def header_pairs(case, port):
    """The case's headers as a list of pairs, Host first unless the case sets it."""
    h = case.get("headers") or {}
    pairs = list(h.items()) if isinstance(h, dict) else list(h)
    if not any(k.lower() == "host" for k, _ in pairs):
        pairs.insert(0, ("Host", "127.0.0.1:%d" % port))
    return pairs


def send(port, case):
    """One request on a fresh connection: (status, {lowercase name: [values]}, body)."""
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
    try:
        c.putrequest(case["method"], case["path"], skip_host=True,
                     skip_accept_encoding=True)
        body = case.get("body")
        have_len = False
        for k, v in header_pairs(case, port):
            c.putheader(k, v)
            have_len = have_len or k.lower() == "content-length"
        if body is not None and not have_len:
            c.putheader("Content-Length", str(len(body)))
        c.endheaders(body)
        r = c.getresponse()
        data = r.read()
        heads = {}
        for k, v in r.getheaders():
            heads.setdefault(k.lower(), []).append(v)
        return r.status, heads, data
    finally:
        c.close()


def normalise(v, port):
    """Values that must differ between servers made equal: our port, Host."""
    if isinstance(v, dict):
        out = {}
        for k, x in v.items():
            if k.lower() == "host" and isinstance(x, str):
                x = "HOST"
            out[k] = normalise(x, port)
        return out
    if isinstance(v, list):
        return [normalise(x, port) for x in v]
    if isinstance(v, str):
        return v.replace("127.0.0.1:%d" % port, "HOST")
    return v


def json_diff(a, b, path=""):
    """The first difference between two JSON values, as text, or None."""
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b)):
            if k not in a:
                return "%s/%s: only echofetch has it (%r)" % (path, k, b[k])
            if k not in b:
                return "%s/%s: echofetch lacks it (httpbin: %r)" % (path, k, a[k])
            d = json_diff(a[k], b[k], path + "/" + k)
            if d:
                return d
        return None
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b)):
            d = json_diff(x, y, "%s[%d]" % (path, i))
            if d:
                return d
        return None
    if a != b or type(a) != type(b):
        return "%s: httpbin %r, echofetch %r" % (path or "/", a, b)
    return None


def parse_json(body):
    """The body as JSON, or an exception's text."""
    try:
        return json.loads(body.decode("utf-8")), None
    except (ValueError, UnicodeDecodeError) as e:
        return None, "not JSON (%s): %r" % (e, body[:200])


def compare_one(what, ref, got, ref_port, got_port):
    """One item of a case's compare list; a reason when it differs, else None."""
    (rs, rh, rb), (gs, gh, gb) = ref, got
    if what == "status":
        return None if rs == gs else "status: httpbin %d, echofetch %d" % (rs, gs)
    if what.startswith("header:"):
        name = what[7:].lower()
        a, b = rh.get(name), gh.get(name)
        if name == "content-type" and a and b:
            a, b = [x.replace(" ", "").lower() for x in a], [x.replace(" ", "").lower() for x in b]
        return None if a == b else "%s: httpbin %r, echofetch %r" % (what[7:], a, b)
    if what == "body":
        return None if rb == gb else "body: httpbin %r, echofetch %r" % (rb[:200], gb[:200])
    if what in ("json", "json-keys") or what.startswith("json:"):
        a, err = parse_json(rb)
        if err:
            return "httpbin body " + err
        b, err = parse_json(gb)
        if err:
            return "echofetch body " + err
        a, b = normalise(a, ref_port), normalise(b, got_port)
        if what == "json":
            return json_diff(a, b)
        if what.startswith("json:"):
            if not isinstance(a, dict) or not isinstance(b, dict):
                return "%s: not both objects" % what
            return json_diff(a.get(what[5:]), b.get(what[5:]), "/" + what[5:])
        if not isinstance(a, dict) or not isinstance(b, dict):
            return "json-keys: not both objects"
        if set(a) != set(b):
            return "keys: httpbin %s, echofetch %s" % (sorted(a), sorted(b))
        return None
    return "unknown comparison %r" % what


def check_want(case, got):
    """A case for an endpoint httpbin lacks: the target's answer against "want"."""
    st, heads, body = got
    for what, want in case["want"].items():
        if what == "status" and st != want:
            return "status %d, want %d" % (st, want)
        if what.startswith("header:"):
            v = heads.get(what[7:].lower())
            if v != [want]:
                return "%s: %r, want %r" % (what[7:], v, want)
        if what == "json-keys":
            b, err = parse_json(body)
            if err:
                return err
            if sorted(b) != sorted(want):
                return "keys %s, want %s" % (sorted(b), sorted(want))
    return None


def run_case(case, hb_port, targets):
    """Reasons a case fails against each target (empty when it passes)."""
    reasons = []
    n = case.get("repeat", 1)
    ref = None
    if "want" not in case:
        ref = [send(hb_port, case) for _ in range(n)]
    for name, port in targets:
        got = [send(port, case) for _ in range(n)]
        if "want" in case:
            r = check_want(case, got[0])
            if r:
                reasons.append("%s: %s" % (name, r))
            continue
        if n > 1:
            a, b = sorted({x[0] for x in ref}), sorted({x[0] for x in got})
            if a != b:
                reasons.append("%s: statuses seen: httpbin %s, echofetch %s" % (name, a, b))
            continue
        for what in case["compare"]:
            r = compare_one(what, ref[0], got[0], hb_port, port)
            if r:
                reasons.append("%s: %s" % (name, r))
    return reasons


def load_cases(only):
    """Every CASES list from httpbin_cases_*.py here, in file name order."""
    cases = []
    for path in sorted(glob.glob(os.path.join(HERE, "httpbin_cases_*.py"))):
        name = os.path.splitext(os.path.basename(path))[0]
        spec = importlib.util.spec_from_file_location(name, path)
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        for c in mod.CASES:
            if only is None or only in c["name"]:
                cases.append((name[len("httpbin_cases_"):], c))
    return cases


def main():
    """Parse the targets, start httpbin, print one TAP line per case."""
    args = sys.argv[1:]
    targets, only = [], None
    while args:
        if args[0] == "--target" and len(args) > 1:
            name, _, port = args[1].partition("=")
            targets.append((name, int(port)))
            args = args[2:]
        elif args[0] == "--only" and len(args) > 1:
            only, args = args[1], args[2:]
        else:
            sys.exit(__doc__)
    if not targets:
        sys.exit(__doc__)
    clear_proxies()
    cases = load_cases(only)
    try:
        hb, hb_port = start_httpbin()
    except RuntimeError as e:
        print("Bail out! %s" % e)
        sys.exit(1)
    failed = 0
    try:
        for i, (group, case) in enumerate(cases, 1):
            try:
                reasons = run_case(case, hb_port, targets)
            except (OSError, http.client.HTTPException) as e:
                reasons = ["%s: %s" % (type(e).__name__, e)]
            print("%sok %d - %s: %s" % ("not " if reasons else "", i, group, case["name"]))
            for r in reasons:
                print("#   %s" % r)
            failed += bool(reasons)
            sys.stdout.flush()
    finally:
        hb.kill()
        hb.wait()
    print("1..%d" % len(cases))
    print("# %d of %d cases differ" % (failed, len(cases)))


if __name__ == "__main__":
    main()
