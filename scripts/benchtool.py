#!/usr/bin/python3
"""benchtool: the figures of scripts/bench.sh and scripts/compare.sh.

The shell scripts start and stop servers and clients and leave what the
clients printed in files; this reads those files and does the arithmetic and
the table cells. Standard library only.

usage: benchtool.py COMMAND ARGS...
  get FILE KEY...            values from a JSON file (KEY a.b.c; 0 if absent),
                             one line, space-separated (true/false as 1/0)
  run FILE [TICKS HZ]        "rps errors" of one wrk output or load JSON; with
                             the server's CPU ticks over the run, "rps errors
                             cpu_us" (CPU microseconds per request)
  rate-row A B LABEL UNIT LIMIT REF RUNS
                             a throughput table row from the "rps errors
                             [cpu_us]" lines in files A and B (ratio A/B >=
                             LIMIT), the median CPU per request of each
  fig FILE UNIT RUNS         a throughput figure from the lines in FILE
  delay-row CONNS JSON HWM_KB REF
                             scenario 3's row (echofetch-load JSON, peak RSS)
  delay-ref CONNS JSON HWM_KB
                             nginx's reference cell for scenario 3
  idle-row CONNS EF_HOLD EF_IDLE EF_WITH NG_HOLD NG_IDLE NG_WITH
                             scenario 4's row (hold JSON files, RSS kB)
  hold-answered FILE         connections answered, from a --hold report
"""

import json
import re
import statistics
import sys


def load_json(path):
    """The JSON object in PATH, or {} if it is missing or broken."""
    try:
        with open(path, encoding="utf-8") as f:
            v = json.load(f)
    except (OSError, ValueError):
        return {}
    return v if isinstance(v, dict) else {}


def lookup(obj, key):
    """A dotted key in nested objects; 0 when any part is absent."""
    for part in key.split("."):
        if not isinstance(obj, dict) or part not in obj:
            return 0
        obj = obj[part]
    return obj


def show(v):
    """A JSON value as the shell wants it: numbers plain, booleans 1/0."""
    if isinstance(v, bool):
        return "1" if v else "0"
    if isinstance(v, (dict, list)):
        return json.dumps(v, separators=(",", ":"))
    return str(v)


def wrk_figures(text):
    """Requests/s and errors (non-2xx plus socket errors) from wrk's output."""
    m = re.search(r"^Requests/sec:\s*([0-9.]+)", text, re.M)
    errors = 0
    m2 = re.search(r"Non-2xx or 3xx responses:\s*(\d+)", text)
    if m2:
        errors += int(m2.group(1))
    m3 = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), "
                   r"timeout (\d+)", text)
    if m3:
        errors += sum(int(x) for x in m3.groups())
    return (float(m.group(1)) if m else 0.0), errors


def run_figures(path):
    """(rps, errors, requests) of one client run: wrk text or echofetch-load JSON."""
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read()
    except OSError:
        return 0.0, 0, 0
    if text.lstrip().startswith("{"):
        d = load_json(path)
        return float(lookup(d, "rps")), int(lookup(d, "errors.total")), \
            int(lookup(d, "requests"))
    rps, errors = wrk_figures(text)
    m = re.search(r"^\s*(\d+) requests in", text, re.M)
    return rps, errors, (int(m.group(1)) if m else 0)


def cmd_run(path, ticks=None, hz=None):
    """One run's line: "rps errors", and the CPU µs per request when ticks are given."""
    rps, errors, requests = run_figures(path)
    line = "%.2f %d" % (rps, errors)
    if ticks is not None:
        us = int(ticks) * 1e6 / int(hz) / requests if requests > 0 else 0.0
        line += " %.2f" % us
    print(line)


def read_runs(path, cpu=None):
    """The "rps errors [cpu_us]" lines a script collected: (list of rps,
    error total); the CPU figures, if any, are appended to cpu."""
    rates, errors = [], 0
    try:
        with open(path, encoding="utf-8") as f:
            for line in f:
                parts = line.split()
                if len(parts) in (2, 3):
                    rates.append(float(parts[0]))
                    errors += int(parts[1])
                if len(parts) == 3 and cpu is not None:
                    cpu.append(float(parts[2]))
    except OSError:
        pass
    return rates, errors


def cpu_cell(ca, cb):
    """Median CPU µs per request of each side, and ours / theirs."""
    if not ca:
        return "—"
    a = statistics.median(ca)
    if not cb:
        return "%.2f" % a
    b = statistics.median(cb)
    return "%.2f / %.2f, %s×" % (a, b, ratio(a, b))


def median(values):
    """The median, 0 for none; two decimals when it falls between two runs."""
    if not values:
        return 0.0
    return round(statistics.median(values), 2)


def short(v):
    """A rate, short: 77.5k, or 89 below ten thousand."""
    return "%.1fk" % (v / 1000) if v >= 10000 else "%.0f" % v


def figure(rates, errors, unit, runs):
    """The median, each run when there are several, and the errors if any."""
    s = "%.0f %s" % (median(rates), unit)
    if runs > 1:
        s += " (runs: %s)" % " / ".join(short(v) for v in rates)
    if errors:
        s += ", %d errors in %d runs" % (errors, runs)
    return s


def ratio(a, b):
    """A/B with two decimals as text; 0 when B is 0."""
    return "%.2f" % (a / b) if b > 0 else "0"


def verdict(ok):
    return "PASS" if ok else "MISS"


def row(*cells):
    return "| " + " | ".join(cells) + " |"


def cmd_rate_row(a_file, b_file, label, unit, limit, ref, runs):
    """A throughput row; its one-line summary goes to stderr."""
    ca, cb = [], []
    ra, ea = read_runs(a_file, ca)
    rb, eb = read_runs(b_file, cb)
    ma, mb = median(ra), median(rb)
    r = ratio(ma, mb)
    runs = int(runs)
    cpu = cpu_cell(ca, cb)
    print(row(label, figure(ra, ea, unit, runs), "%s %s" % (ref, figure(rb, eb, unit, runs)),
              r + "×", "≥ %s×" % limit, verdict(float(r) >= float(limit)), cpu))
    sys.stderr.write("bench:   -> %g vs %g %s: %s×; CPU µs/req %s\n" % (ma, mb, unit, r, cpu))


def cmd_delay_row(conns, path, hwm_kb, ref):
    """Scenario 3: wall time, answers, errors and peak RSS against the targets."""
    d = load_json(path)
    wall, ok, errs = float(lookup(d, "wall_s")), int(lookup(d, "requests")), \
        int(lookup(d, "errors.total"))
    mib = int(hwm_kb) / 1024
    good = wall <= 1.10 and errs == 0 and ok == int(conns) and mib <= 64
    sys.stderr.write("bench:   -> wall %g s, %d errors, VmHWM %.3f MiB\n" % (wall, errs, mib))
    print(row("%s %s concurrent /delay?ms=1000, 1 worker (ratio: wall / 1 s)" % ("3", conns),
              "%.2f s wall, %d/%s answered, %d errors, peak RSS %.1f MiB" % (
                  wall, ok, conns, errs, mib),
              ref, "%.2f" % wall, "≤ 1.10, 0 errors, ≤ 64 MiB", verdict(good), "—"))


def cmd_delay_ref(conns, path, hwm_kb):
    """nginx's figures for scenario 3, as one cell."""
    d = load_json(path)
    wall, ok, errs = float(lookup(d, "wall_s")), int(lookup(d, "requests")), \
        int(lookup(d, "errors.total"))
    mib = int(hwm_kb) / 1024
    sys.stderr.write("bench:   nginx + echo_sleep: wall %g s, %d errors, worker VmHWM "
                     "%.3f MiB\n" % (wall, errs, mib))
    print("nginx echo_sleep 1: %.2f s wall, %d/%s answered, %d errors, worker peak RSS "
          "%.1f MiB" % (wall, ok, conns, errs, mib))


def hold_answered(path):
    """How many held connections got an answer, from an echofetch-load --hold report."""
    answered = lookup(load_json(path), "answered")
    return sum(answered.values()) if isinstance(answered, dict) else 0


def idle_cell(conns, hold, idle_kb, with_kb):
    """(KiB per connection, answered, the cell text) for one side of scenario 4."""
    per = (int(with_kb) - int(idle_kb)) / int(conns)
    answered = hold_answered(hold)
    text = "%.2f KiB/conn (RSS %.1f → %.1f MiB, %d answered)" % (
        per, int(idle_kb) / 1024, int(with_kb) / 1024, answered)
    return per, answered, text


def cmd_idle_row(conns, ef_hold, ef_idle, ef_with, ng_hold, ng_idle, ng_with):
    """Scenario 4: RSS per idle keep-alive connection, echofetchd vs nginx's worker."""
    ekb, ea, etext = idle_cell(conns, ef_hold, ef_idle, ef_with)
    nkb, na, ntext = idle_cell(conns, ng_hold, ng_idle, ng_with)
    sys.stderr.write("bench:   echofetchd: %d answered, RSS %s -> %s kB: %.3f KiB/conn\n"
                     % (ea, ef_idle, ef_with, ekb))
    sys.stderr.write("bench:   nginx worker: %d answered, RSS %s -> %s kB: %.3f KiB/conn\n"
                     % (na, ng_idle, ng_with, nkb))
    print(row("4 RSS per idle keep-alive conn, %s held, 1 worker" % conns, etext,
              "nginx worker: " + ntext, ratio(round(ekb, 3), round(nkb, 3)) + "×",
              "≤ 3 KiB", verdict(round(ekb, 3) <= 3 and ea == int(conns)), "—"))


def main(argv):
    if not argv:
        sys.stderr.write(__doc__)
        return 2
    cmd, args = argv[0], argv[1:]
    if cmd == "get":
        d = load_json(args[0])
        print(" ".join(show(lookup(d, k)) for k in args[1:]))
    elif cmd == "run":
        cmd_run(*args)
    elif cmd == "rate-row":
        cmd_rate_row(*args)
    elif cmd == "fig":
        cpu = []
        rates, errors = read_runs(args[0], cpu)
        print(figure(rates, errors, args[1], int(args[2])))
        sys.stderr.write("bench:   -> %g %s\n" % (median(rates), args[1]))
    elif cmd == "delay-row":
        cmd_delay_row(*args)
    elif cmd == "delay-ref":
        cmd_delay_ref(*args)
    elif cmd == "idle-row":
        cmd_idle_row(*args)
    elif cmd == "hold-answered":
        print(hold_answered(args[0]))
    else:
        sys.stderr.write(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
