# rawhttp: split a raw byte stream of HTTP/1.x responses (as nc saw it).
#
# usage: python3 rawhttp.py RAWFILE PREFIX [head]
#
# Writes PREFIX.N.hdr (the head, CR removed) and PREFIX.N.body (the decoded
# body bytes) for every complete response N = 1, 2, ..., and prints one line
# "N STATUS BODYLEN" for each, then "trailing BYTES" for what was left over
# (0 when the stream ended exactly after the last response). With "head" the
# responses are taken to answer HEAD requests: no body whatever the length.
import sys


def rawhttp_head_fields(head):
    """Header name (lower case) -> last value, from a head's text lines."""
    fields = {}
    for line in head.split("\n")[1:]:
        if ":" in line:
            name, value = line.split(":", 1)
            fields[name.strip().lower()] = value.strip()
    return fields


def rawhttp_chunked(data, pos):
    """Decode a chunked body at pos; (body, end) or (None, pos) if cut short."""
    body = b""
    while True:
        eol = data.find(b"\r\n", pos)
        if eol < 0:
            return None, pos
        size = int(data[pos:eol].split(b";")[0].strip(), 16)
        pos = eol + 2
        if size == 0:
            break
        if len(data) < pos + size + 2:
            return None, pos
        body += data[pos:pos + size]
        pos += size + 2
    # trailer fields, up to the empty line
    while True:
        eol = data.find(b"\r\n", pos)
        if eol < 0:
            return None, pos
        line = data[pos:eol]
        pos = eol + 2
        if line == b"":
            return body, pos


def rawhttp_one(data, pos, head_only):
    """Parse one response at pos; (status, head, body, end) or None."""
    end = data.find(b"\r\n\r\n", pos)
    if end < 0:
        return None
    head = data[pos:end].decode("latin-1").replace("\r", "")
    status = int(head.split(" ")[1])
    fields = rawhttp_head_fields(head)
    pos = end + 4
    if head_only or status < 200 or status in (204, 304):
        return status, head, b"", pos
    if "chunked" in fields.get("transfer-encoding", "").lower():
        body, pos = rawhttp_chunked(data, pos)
        if body is None:
            return None
        return status, head, body, pos
    if "content-length" in fields:
        n = int(fields["content-length"])
        if len(data) < pos + n:
            return None
        return status, head, data[pos:pos + n], pos + n
    return status, head, data[pos:], len(data)


def rawhttp_main(argv):
    """Split the file, write the pieces, print the summary."""
    with open(argv[1], "rb") as f:
        data = f.read()
    prefix = argv[2]
    head_only = len(argv) > 3 and argv[3] == "head"
    pos, n = 0, 0
    while pos < len(data):
        one = rawhttp_one(data, pos, head_only)
        if one is None:
            break
        status, head, body, pos = one
        n += 1
        with open("%s.%d.hdr" % (prefix, n), "w") as f:
            f.write(head + "\n")
        with open("%s.%d.body" % (prefix, n), "wb") as f:
            f.write(body)
        print("%d %d %d" % (n, status, len(body)))
    print("trailing %d" % (len(data) - pos))
    return 0


if __name__ == "__main__":
    sys.exit(rawhttp_main(sys.argv))
