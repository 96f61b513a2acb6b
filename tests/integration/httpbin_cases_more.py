"""httpbin_cases_more: redirects, cookies, auth, caching, etags, ranges, links, encodings.

Loaded by httpbin_compare.py; see its docstring for the shape of a case.
Absolute redirects send "Host: example.test" so both Locations name the same
host. Bodies of 3xx, 401 and 404 answers differ on purpose (echofetch sends
its JSON error or nothing), so those cases compare status and headers only.
"""

CT = "header:Content-Type"
LOC = "header:Location"
JSON = ["status", CT, "json"]
REDIR = ["status", LOC]
HOST = {"Host": "example.test"}


def req(name, path, compare=None, headers=None, method="GET", body=None, **kw):
    """One case; compare defaults to status, Content-Type and the JSON."""
    c = {"name": name, "method": method, "path": path, "headers": headers or {},
         "body": body, "compare": compare if compare is not None else JSON}
    c.update(kw)
    return c


CASES = [
    # redirects
    req("redirect 3 is relative", "/redirect/3", REDIR),
    req("redirect 1 goes to /get", "/redirect/1", REDIR),
    req("redirect absolute=true", "/redirect/3?absolute=true", REDIR, HOST),
    req("redirect 1 absolute", "/redirect/1?absolute=true", REDIR, HOST),
    req("relative-redirect 2", "/relative-redirect/2", REDIR + [CT, "body"]),
    req("relative-redirect 1", "/relative-redirect/1", REDIR + [CT, "body"]),
    req("absolute-redirect 2", "/absolute-redirect/2", REDIR, HOST),
    req("absolute-redirect 1", "/absolute-redirect/1", REDIR, HOST),
    req("redirect-to default 302", "/redirect-to?url=/anything", REDIR + ["body"]),
    req("redirect-to 307", "/redirect-to?url=http://example.test/x&status_code=307",
        REDIR + ["body"]),
    req("redirect-to 301 absolute", "/redirect-to?url=https://example.test/&status_code=301",
        REDIR),
    req("redirect-to POST 303", "/redirect-to?url=/get&status_code=303", REDIR,
        method="POST", body=b"x=1"),
    req("redirect-to keeps the url as given", "/redirect-to?url=%2Fa%3Fb%3Dc%26d", REDIR),
    # cookies
    req("cookies none", "/cookies"),
    req("cookies two", "/cookies", headers={"Cookie": "a=1; b=two"}),
    req("cookies quoted value", "/cookies", headers={"Cookie": 'k="v w"'}),
    req("cookies set via query", "/cookies/set?a=1&b=2",
        REDIR + ["header:Set-Cookie"]),
    req("cookies set via path", "/cookies/set/name/value",
        REDIR + ["header:Set-Cookie"]),
    req("cookies delete", "/cookies/delete?a", REDIR + ["header:Set-Cookie"]),
    req("cookies delete two", "/cookies/delete?a&b", REDIR + ["header:Set-Cookie"]),
    # authentication
    req("basic-auth without credentials", "/basic-auth/user/pw",
        ["status", "header:WWW-Authenticate"]),
    req("basic-auth right", "/basic-auth/user/pw",
        headers={"Authorization": "Basic dXNlcjpwdw=="}),
    req("basic-auth wrong password", "/basic-auth/user/pw",
        ["status", "header:WWW-Authenticate"],
        headers={"Authorization": "Basic dXNlcjpweA=="}),
    req("hidden-basic-auth without credentials", "/hidden-basic-auth/user/pw",
        ["status", "header:WWW-Authenticate"]),
    req("hidden-basic-auth right", "/hidden-basic-auth/user/pw",
        headers={"Authorization": "Basic dXNlcjpwdw=="}),
    req("bearer without token", "/bearer", ["status", "header:WWW-Authenticate"]),
    req("bearer with token", "/bearer", headers={"Authorization": "Bearer xyz.123"}),
    # caching and etags
    req("cache plain", "/cache", ["status", CT, "json", "json-keys"]),
    req("cache If-Modified-Since", "/cache", ["status", "body"],
        headers={"If-Modified-Since": "Wed, 21 Oct 2015 07:28:00 GMT"}),
    req("cache If-None-Match", "/cache", ["status", "body"],
        headers={"If-None-Match": '"x"'}),
    req("cache/60", "/cache/60", JSON + ["header:Cache-Control"]),
    req("cache/0", "/cache/0", JSON + ["header:Cache-Control"]),
    req("etag plain", "/etag/abc", JSON + ["header:ETag"]),
    req("etag If-None-Match hit", "/etag/abc", ["status", "header:ETag", "body"],
        headers={"If-None-Match": '"abc"'}),
    req("etag If-None-Match list hit", "/etag/abc", ["status", "header:ETag"],
        headers={"If-None-Match": '"x", W/"abc"'}),
    req("etag If-None-Match star", "/etag/abc", ["status", "header:ETag"],
        headers={"If-None-Match": "*"}),
    req("etag If-None-Match miss", "/etag/abc", JSON + ["header:ETag"],
        headers={"If-None-Match": '"nope"'}),
    req("etag If-Match hit", "/etag/abc", JSON + ["header:ETag"],
        headers={"If-Match": '"abc"'}),
    req("etag If-Match miss", "/etag/abc", ["status"], headers={"If-Match": '"nope"'}),
    # ranges
    req("range whole", "/range/30", ["status", CT, "body", "header:Content-Range",
                                     "header:ETag", "header:Accept-Ranges"]),
    req("range 2-5", "/range/30", ["status", "body", "header:Content-Range"],
        headers={"Range": "bytes=2-5"}),
    req("range open end", "/range/30", ["status", "body", "header:Content-Range"],
        headers={"Range": "bytes=25-"}),
    req("range suffix", "/range/30", ["status", "body", "header:Content-Range"],
        headers={"Range": "bytes=-4"}),
    req("range past the end", "/range/30", ["status", "header:Content-Range"],
        headers={"Range": "bytes=40-50"}),
    req("range reversed", "/range/30", ["status", "header:Content-Range"],
        headers={"Range": "bytes=9-3"}),
    req("range 1000 bytes", "/range/1000", ["status", "body"],
        headers={"Range": "bytes=990-999"}),
    # response headers
    req("response-headers one", "/response-headers?X-Test=1",
        JSON + ["header:X-Test"]),
    req("response-headers repeated", "/response-headers?X-A=1&X-A=2",
        JSON + ["header:X-A"]),
    req("response-headers POST", "/response-headers?X-B=b", JSON + ["header:X-B"],
        method="POST", body=b""),
    req("response-headers none", "/response-headers"),
    # links
    req("links redirect", "/links/5", REDIR),
    req("links page", "/links/5/2", ["status", CT, "body"]),
    req("links page 1", "/links/1/0", ["status", CT, "body"]),
    # encodings: the bytes differ by compressor; the JSON is checked in httpbin_more.sh
    req("gzip", "/gzip", ["status", CT, "header:Content-Encoding"]),
    req("deflate", "/deflate", ["status", CT, "header:Content-Encoding"]),
    # endpoints Debian's httpbin lacks or answers otherwise on purpose
    req("redirect 0 refused", "/redirect/0", want={"status": 400}),
    req("redirect-to 200 refused", "/redirect-to?url=/&status_code=200",
        want={"status": 400}),
    req("range 0 refused", "/range/0", want={"status": 400}),
    req("sse", "/sse?count=2&duration=0", want={"status": 200,
                                                "header:Content-Type": "text/event-stream"}),
    req("stream-bytes", "/stream-bytes/10?seed=1",
        ["status", CT, "header:Transfer-Encoding"]),
]
