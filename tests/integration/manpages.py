#!/usr/bin/env python3
# manpages: every option and setting --help lists has an entry in the
# program's man page, each default --help states is the page's, and the
# page renders without mdoc warnings or flag-macro leaks, names the license
# and, once made from its .in, the configured paths. TAP on stdout.
#
# usage: manpages.py BUILDDIR SRCDIR

import os
import re
import subprocess
import sys

PAGES = [
    ("echofetchd", "src/event/echofetchd.8"),
    ("echofetchd-blocking", "src/blocking/echofetchd-blocking.8"),
    ("echofetch-load", "src/load/echofetch-load.1"),
]


# (short flag or None, long option, default or None) for each option --help lists.
def help_options(binary):
    out = subprocess.run([binary, "--help"], capture_output=True, text=True,
                         timeout=10).stdout
    opts = []
    for m in re.finditer(r"^\s+(?:-(\w), )?--([a-z0-9-]+)(.*)$", out, re.M):
        d = re.search(r"\(default ([^)]*)\)\s*$", m.group(3))
        opts.append((m.group(1), m.group(2), d.group(1) if d else None))
    return opts


# The .It lines of a page, joined with the text that follows up to the next .It.
def page_entries(text):
    entries, cur = [], None
    for line in text.splitlines():
        if line.startswith(".It "):
            cur = [line]
            entries.append(cur)
        elif cur is not None:
            cur.append(line)
    return ["\n".join(e) for e in entries]


# The entry that documents LONG (as a setting key or a long flag), or None.
def find_entry(entries, long):
    key = long.replace("-", "_")
    for e in entries:
        head = e.split("\n", 1)[0]
        words = re.split(r"[\s,]+", head)
        if ("Cm" in words and key in words) or \
                re.search(r"Fl Fl %s(\s|$|Ns|\[)" % re.escape(long), head):
            return e
    return None


# The ways a page may write DEFAULT: a duration in ms also as seconds or minutes.
def spellings(long, default):
    forms = [default]
    if long.endswith("-ms") and default.isdigit():
        ms = int(default)
        forms += ["%d ms" % ms, "%gs" % (ms / 1000.0), "%g s" % (ms / 1000.0)]
        if ms % 60000 == 0 and ms:
            forms += ["%dm" % (ms // 60000), "%d min" % (ms // 60000)]
    return forms


# Problems with one program's page: missing entries, defaults that differ.
def check_page(binary, page_path):
    text = open(page_path).read()
    entries = page_entries(text)
    missing, wrong = [], []
    for short, long, default in help_options(binary):
        e = find_entry(entries, long)
        if e is None:
            missing.append("--" + long)
            continue
        if short and not re.search(r"\bFl %s\b" % short, text):
            missing.append("-" + short)
        if default in (None, '""', "off", "no", "yes"):
            continue
        body = e.replace("\\&", "").replace("\\-", "-")
        if not any(re.search(r"(^|[\s(])%s\b" % re.escape(f), body)
                   for f in spellings(long, default)):
            wrong.append("--%s default %s" % (long, default))
    return missing, wrong


# mdoc warnings from groff, and flag-macro leaks such as "(-l, -default -x)".
def check_render(page_path):
    r = subprocess.run(["groff", "-mandoc", "-Tutf8", "-ww", "-z", page_path],
                       capture_output=True, text=True, timeout=30)
    warnings = [l for l in r.stderr.splitlines() if l.strip()]
    out = subprocess.run(["groff", "-mandoc", "-Tascii", page_path],
                         capture_output=True, text=True, timeout=30).stdout
    out = re.sub(r".\x08", "", out)
    leaks = re.findall(r"-default -\S+|\[v6:port\]", out)
    return warnings, leaks


# The page as installed: made by make in the build tree from PAGE.in, or
# shipped as it is in the source tree.
def locate(build, src, page):
    made = os.path.join(build, page)
    if os.path.exists(src + "/" + page + ".in"):
        return made
    return os.path.join(src, page)


# Left-over @var@ placeholders, the configuration file --help names as the
# default when the page does not, and a page that names no license.
def check_paths(binary, page_path, license_name):
    text = open(page_path).read()
    bad = ["placeholder " + p for p in sorted(set(re.findall(r"@\w+@", text)))]
    out = subprocess.run([binary, "--help"], capture_output=True, text=True,
                         timeout=10).stdout
    m = re.search(r"--config FILE.*\(default (\S+),", out)
    if m and not re.search(r"^\.(It )?Pa %s\s*$" % re.escape(m.group(1)),
                           text, re.M):
        bad.append("no .Pa " + m.group(1))
    if license_name not in text:
        bad.append("no \"%s\"" % license_name)
    return bad


def main(build, src):
    n, failed = 0, 0
    license_name = open(src + "/LICENSE").readline().split()[0] + " license"
    for prog, page in PAGES:
        binary = "%s/%s" % (build, prog)
        path = locate(build, src, page)
        missing, wrong = check_page(binary, path)
        warnings, leaks = check_render(path)
        paths = check_paths(binary, path, license_name)
        for desc, bad in [("every --help option has an entry", missing),
                          ("the defaults agree with --help", wrong),
                          ("renders without groff warnings", warnings),
                          ("no flag-macro leaks when rendered", leaks),
                          ("configured paths and the license", paths)]:
            n += 1
            print("%s %d - %s(%s): %s" % ("not ok" if bad else "ok", n, prog,
                                          page[-1], desc))
            for b in bad[:20]:
                print("#   %s" % b)
            failed += bool(bad)
    print("1..%d" % n)
    print("# %d of %d checks failed" % (failed, n))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
