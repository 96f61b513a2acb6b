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
  rate-row A B LABEL UNIT LIMIT REF RUNS [CPU_LIMIT]
                             a throughput table row from the "rps errors
                             [cpu_us]" lines in files A and B (ratio A/B >=
                             LIMIT), the median CPU per request of each
                             (with CPU_LIMIT, A's / B's must be <= it too)
  per-row A B N LABEL REF RUNS LIMIT
                             a row of CPU per transfer: each request of A
                             makes N upstream transfers, each of B one; A's
                             CPU per transfer / B's must be <= LIMIT
  fig FILE UNIT RUNS         a throughput figure from the lines in FILE
  delay-row CONNS JSON HWM_KB REF [NGINX_JSON NGINX_HWM_FILE]
                             scenario 3's row (echofetch-load JSON, peak RSS)
  delay-ref CONNS JSON HWM_KB
                             nginx's reference cell for scenario 3
  idle-row CONNS EF_HOLD EF_IDLE EF_WITH NG_HOLD NG_IDLE NG_WITH
                             scenario 4's row (hold JSON files, RSS kB)
  hold-answered FILE         connections answered, from a --hold report
  story S DIR KEY=VALUE...   what compare.sh scenario S (1-5) showed, from its
                             data files in DIR: three lines, a sentence for
                             the console, a title and a headline for the plot
                             (KEY: models, d, rate, timeout, pool, clients, ms)
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


def cpu_ok(ca, cb, limit):
    """Whether the median CPU per request of A over B's is at most LIMIT."""
    if not ca or not cb:
        return False
    return float(ratio(statistics.median(ca), statistics.median(cb))) <= float(limit)


def cmd_rate_row(a_file, b_file, label, unit, limit, ref, runs, cpu_limit=None):
    """A throughput row; its one-line summary goes to stderr."""
    ca, cb = [], []
    ra, ea = read_runs(a_file, ca)
    rb, eb = read_runs(b_file, cb)
    ma, mb = median(ra), median(rb)
    r = ratio(ma, mb)
    runs = int(runs)
    cpu = cpu_cell(ca, cb)
    target, ok = "≥ %s×" % limit, float(r) >= float(limit)
    if cpu_limit is not None:
        target += ", CPU ≤ %s×" % cpu_limit
        ok = ok and cpu_ok(ca, cb, cpu_limit)
    print(row(label, figure(ra, ea, unit, runs), "%s %s" % (ref, figure(rb, eb, unit, runs)),
              r + "×", target, verdict(ok), cpu))
    sys.stderr.write("bench:   -> %g vs %g %s: %s×; CPU µs/req %s\n" % (ma, mb, unit, r, cpu))


def cmd_per_row(a_file, b_file, n, label, ref, runs, limit):
    """CPU per upstream transfer: requests of A make N transfers each, of B one."""
    ca, cb = [], []
    n, runs = int(n), int(runs)
    ra, ea = read_runs(a_file, ca)
    rb, eb = read_runs(b_file, cb)
    ta = [v / n for v in ca]
    r = ratio(median(ta), median(cb)) if ta and cb else "0"
    cpu = cpu_cell(ta, cb)
    print(row(label, figure([v * n for v in ra], ea, "transfers/s", runs),
              "%s %s" % (ref, figure(rb, eb, "transfers/s", runs)), r + "×",
              "CPU/transfer ≤ %s×" % limit, verdict(cpu_ok(ta, cb, limit)), cpu))
    sys.stderr.write("bench:   -> CPU µs per transfer %s\n" % cpu)


def cmd_delay_row(conns, path, hwm_kb, ref, ng_path=None, ng_hwm_file=None):
    """Scenario 3: wall time, answers, errors and peak RSS against the targets:
    wall <= 0.9x and RSS <= 0.5x nginx's when nginx ran, else fixed ones."""
    d = load_json(path)
    wall, ok, errs = float(lookup(d, "wall_s")), int(lookup(d, "requests")), \
        int(lookup(d, "errors.total"))
    mib = int(hwm_kb) / 1024
    good = errs == 0 and ok == int(conns)
    try:
        ng = load_json(ng_path)
        ng_wall = float(lookup(ng, "wall_s"))
        with open(ng_hwm_file, encoding="utf-8") as f:
            ng_mib = int(f.read().split()[0]) / 1024
    except (TypeError, OSError, ValueError, KeyError, IndexError):
        ng_wall = ng_mib = None
    if ng_wall and ng_mib:
        rel = "wall %.2f×, RSS %.2f×" % (wall / ng_wall, mib / ng_mib)
        target = "wall ≤ 0.9×, RSS ≤ 0.5× nginx's, 0 errors"
        good = good and wall <= 0.9 * ng_wall and mib <= 0.5 * ng_mib
    else:
        rel = "%.2f (wall / 1 s)" % wall
        target = "≤ 1.10, 0 errors, ≤ 64 MiB"
        good = good and wall <= 1.10 and mib <= 64
    sys.stderr.write("bench:   -> wall %g s, %d errors, VmHWM %.3f MiB\n" % (wall, errs, mib))
    print(row("%s %s concurrent /delay?ms=1000, 1 worker" % ("3", conns),
              "%.2f s wall, %d/%s answered, %d errors, peak RSS %.1f MiB" % (
                  wall, ok, conns, errs, mib),
              ref, rel, target, verdict(good), "—"))


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
              "≤ 0.5 KiB", verdict(round(ekb, 3) <= 0.5 and ea == int(conns)), "—"))


# ---------------------------------------------------------------- stories
# compare.sh's data files (see scripts/plot/*.gp for their columns) turned
# into what a reader should take away. Every figure comes from the files.

ORDER = ["event", "thread", "fork", "pool", "sequential"]


def read_dat(path):
    """The numeric rows of a gnuplot data file; [] if it is missing."""
    rows = []
    try:
        with open(path, encoding="utf-8") as f:
            for line in f:
                parts = line.split()
                if parts and not parts[0].startswith("#"):
                    rows.append([float(p) if re.match(r"^-?[0-9.]+$", p) else p
                                 for p in parts])
    except OSError:
        pass
    return rows


def secs(v):
    """Seconds: two decimals below 10, none above."""
    return "%.0f s" % v if v >= 10 else "%.2f s" % v


def ms(v):
    """Milliseconds, 2 significant digits."""
    return "%.2g ms" % v if v < 10 else "%.0f ms" % v


def kib(v):
    """KiB with one decimal below 10."""
    return "%.1f KiB" % v if v < 10 else "%.0f KiB" % v


def names(models):
    """'a, b and c'."""
    return models[0] if len(models) == 1 else ", ".join(models[:-1]) + " and " + models[-1]


def in_order(models):
    """The models given, event first."""
    return [m for m in ORDER if m in models]


def last_rows(d, prefix, models):
    """{model: its row at the largest first column all models share}, and that N."""
    data = {m: read_dat("%s/%s-%s.dat" % (d, prefix, m)) for m in models}
    ns = [int(r[0]) for rows in data.values() for r in rows]
    if not ns:
        return {}, 0
    n = max(ns)
    return {m: r for m, rows in data.items() for r in rows if int(r[0]) == n}, n


def story_slow_responses(d, kv):
    """Scenario 1: wall time of N waiting clients at the largest N, peak RSS beside it."""
    rows, n = last_rows(d, "s1", in_order(kv["models"]))
    parts = []
    for m in sorted(rows, key=lambda m: rows[m][1]):
        r = rows[m]
        if r[2] == 2:
            parts.append("%s would need %s" % (m, secs(r[1])))
        elif r[2] == 3:
            parts.append("%s stopped at %s with %d answered" % (m, kv["budget"], r[3]))
        elif len(r) > 3 and r[3] > 0 and m != "fork":
            parts.append("%s %s in %.0f MiB" % (m, secs(r[1]), r[3] / 1024))
        else:
            parts.append("%s %s" % (m, secs(r[1])))
    head = "%s clients each waiting %s ms" % (format(n, ","), kv["d"])
    sentence = head + ": " + "; ".join(parts) + "."
    if "event" in rows and rows["event"][2] == 1:
        title = "%s: one event loop answers all in %s" % (head, secs(rows["event"][1]))
        slow = max(rows, key=lambda m: rows[m][1])
        if slow != "event":
            title += ", %s %s %s" % (slow, "takes" if rows[slow][2] == 1 else "would need",
                                       secs(rows[slow][1]))
    else:
        title = head + ": one at a time takes N × D, concurrent models about D"
    mem = [m for m in ("event", "thread") if m in rows and len(rows[m]) > 3 and rows[m][3] > 0]
    label = "N = %s: " % format(n, ",") + ";  ".join(
        "%s %s in %.0f MiB" % (m, secs(rows[m][1]), rows[m][3] / 1024) for m in mem)
    return sentence, title, label


def story_slow_senders(d, kv):
    """Scenario 2: who still answers a fast client while N slow senders hold on."""
    rows, n = last_rows(d, "s2", in_order(kv["models"]))
    answered = [m for m in rows if rows[m][2] == 1]
    fast = [m for m in answered if rows[m][1] < 10]
    slowed = [m for m in answered if m not in fast]
    starved = [m for m in rows if rows[m][2] != 1]
    head = "%s slow senders (%s B/s each)" % (format(n, ","), kv["rate"])
    parts = []
    if answered:
        parts.append("a fast client still got answers from " + ", ".join(
            "%s in %s" % (m, ms(rows[m][1])) for m in answered) + " (median)")
    if starved:
        parts.append("%s gave it nothing in %s s" % (names(starved), kv["timeout"]))
    sentence = head + ": " + "; ".join(parts) + "."
    verbs = []
    if fast:
        verbs.append("%s keep%s a fast client fast" % (names(fast), "" if len(fast) > 1 else "s"))
    if slowed:
        verbs.append("%s slow%s it to %s" % (names(slowed), "" if len(slowed) > 1 else "s",
                                            ms(max(rows[m][1] for m in slowed))))
    if starved:
        verbs.append("%s starve%s it" % (names(starved), "" if len(starved) > 1 else "s"))
    title = "%s slow senders: " % format(n, ",") + "; ".join(verbs)
    if "event" in fast:
        label = "event loop with %s slow senders: fast client's median %s" % (
            format(n, ","), ms(rows["event"][1]))
    else:
        label = head
    return sentence, title, label


def story_timeline(d, kv):
    """Scenario 3: when each model answered the last of 20 requests."""
    models = kv["models"]
    last = {}
    for i, block in enumerate(open_blocks("%s/s3.dat" % d)):
        if i < len(models) and block:
            last[models[i]] = max(r[3] for r in block)
    if not last:
        return "20 requests: no data.", "20 requests: no data", ""
    order = sorted(last, key=last.get)
    sentence = "20 requests that each wait %s ms, sent at once: the last answer came after " % (
        kv["d"]) + ", ".join("%s %s" % (m, secs(last[m])) for m in order) + "."
    slow, quick = order[-1], order[0]
    title = "20 requests of %s ms: %s answers the last after %s, %s after %s" % (
        kv["d"], slow, secs(last[slow]), quick, secs(last[quick]))
    return sentence, title, ""


def open_blocks(path):
    """The blank-line separated blocks of a gnuplot data file, as row lists."""
    blocks, cur = [], []
    try:
        with open(path, encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    cur.append([float(p) for p in line.split()])
                elif cur:
                    blocks.append(cur)
                    cur = []
    except OSError:
        pass
    if cur:
        blocks.append(cur)
    return blocks


def story_cpu_io(d, kv):
    """Scenario 4: what a second worker does for /cpu and for /delay."""
    rps = {(r[0].strip('"'), int(r[1])): r[2] for r in read_dat("%s/s4.dat" % d)}
    c1, c2 = rps.get(("/cpu", 1), 0), rps.get(("/cpu", 2), 0)
    d1, d2 = rps.get(("/delay", 1), 0), rps.get(("/delay", 2), 0)
    sentence = ("%s clients on echofetchd: /cpu?ms=%s went from %.0f req/s with 1 worker to "
                "%.0f with 2 (burning CPU needs cores); /delay?ms=%s gave %.0f and %.0f "
                "(waiting needs none)." % (kv["clients"], kv["ms"], c1, c2, kv["ms"], d1, d2))
    title = ("A second worker: /cpu %.1f× faster, /delay %.1f× — concurrency is not parallelism"
             % (c2 / c1 if c1 else 0, d2 / d1 if d1 else 0))
    return sentence, title, "/cpu: %.0f → %.0f req/s;  /delay: %.0f → %.0f req/s" % (
        c1, c2, d1, d2)


def story_memory(d, kv):
    """Scenario 5: KiB per idle connection at the largest N, per model that holds them."""
    rows, n = last_rows(d, "s5", in_order(kv["models"]))
    # a model capped below the largest N (fork's --fork-max): its largest
    for m in in_order(kv["models"]):
        own = read_dat("%s/s5-%s.dat" % (d, m))
        if m not in rows and own and int(own[-1][3]) >= int(own[-1][0]) > 0:
            rows[m] = own[-1]
    held = [m for m in rows if int(rows[m][3]) >= int(rows[m][0]) and len(rows[m]) > 5]
    queued = [m for m in rows if m not in held]
    parts = []
    for m in sorted(held, key=lambda m: rows[m][4]):
        r = rows[m]
        at = "" if int(r[0]) == n else ", at %s" % format(int(r[0]), ",")
        if m == "fork":
            parts.append("fork %s (PSS; %s if each process's whole RSS is counted%s)" % (
                kib(r[5]), kib(r[4]), at))
        else:
            parts.append("%s %s (%.0f MiB in all%s)" % (m, kib(r[4]), r[1], at))
    sentence = "%s idle connections, memory per connection: " % format(n, ",") + "; ".join(parts)
    if queued:
        sentence += "; %s serve only %s and leave the rest in the kernel's queue" % (
            names(queued), " and ".join(str(int(rows[m][3])) for m in queued))
    sentence += "."
    title, label = "Memory per idle connection", ""
    if held:
        title += ": " + ", ".join("%s %s" % (m, kib(rows[m][5 if m == "fork" else 4]) +
                                             (" (PSS)" if m == "fork" else ""))
                                  for m in sorted(held, key=lambda m: rows[m][4]))
    if "event" in held:
        e = rows["event"][4]
        label = "event loop: %s per connection" % kib(e)
        worst = max(held, key=lambda m: rows[m][5 if m == "fork" else 4])
        if worst != "event" and e > 0:
            label += "; %s needs %.0f× as much" % (worst, rows[worst][5 if worst == "fork" else 4] / e)
    return sentence, title, label


STORIES = {"1": story_slow_responses, "2": story_slow_senders, "3": story_timeline,
           "4": story_cpu_io, "5": story_memory}


def cmd_story(scenario, d, pairs):
    """Print the sentence, the title and the headline of one scenario."""
    kv = dict(p.split("=", 1) for p in pairs)
    kv["models"] = kv.get("models", " ".join(ORDER)).replace(",", " ").split()
    for line in STORIES[scenario](d, kv):
        print(line.replace("'", "’").replace("\n", " "))


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
    elif cmd == "per-row":
        cmd_per_row(*args)
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
    elif cmd == "story" and len(args) >= 2 and args[0] in STORIES:
        cmd_story(args[0], args[1], args[2:])
    else:
        sys.stderr.write(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
