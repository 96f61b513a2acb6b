"""httpbin_cases_core: the method endpoints, small documents, status lists and CORS.

Loaded by httpbin_compare.py; see its docstring for the shape of a case.
"""

CT = "header:Content-Type"
ACAO = "header:Access-Control-Allow-Origin"
ACAC = "header:Access-Control-Allow-Credentials"
JSON = ["status", CT, "json"]
CORS = [ACAO, ACAC]
PREFLIGHT = ["status", ACAO, ACAC, "header:Access-Control-Allow-Methods",
             "header:Access-Control-Allow-Headers", "header:Access-Control-Max-Age"]

B = "----echofetchboundary7MA4YWxk"
MP = "multipart/form-data; boundary=" + B


def multipart(*parts):
    """A multipart/form-data body from (name, filename or None, type or None, bytes)."""
    out = b""
    for name, filename, ctype, data in parts:
        out += b"--" + B.encode() + b"\r\n"
        disp = 'Content-Disposition: form-data; name="%s"' % name
        if filename is not None:
            disp += '; filename="%s"' % filename
        out += disp.encode() + b"\r\n"
        if ctype is not None:
            out += b"Content-Type: " + ctype.encode() + b"\r\n"
        out += b"\r\n" + data + b"\r\n"
    return out + b"--" + B.encode() + b"--\r\n"


def req(name, method, path, compare=None, headers=None, body=None, **kw):
    """One case; compare defaults to status, Content-Type and the JSON."""
    c = {"name": name, "method": method, "path": path, "headers": headers or {},
         "body": body, "compare": compare if compare is not None else JSON}
    c.update(kw)
    return c


FORM = {"Content-Type": "application/x-www-form-urlencoded"}
JS = {"Content-Type": "application/json"}

CASES = [
    # /get and query strings
    req("GET /get", "GET", "/get"),
    req("GET /get with args", "GET", "/get?a=1&b=two"),
    req("GET /get repeated args become a list", "GET", "/get?a=1&a=2&b=3&a=4"),
    req("GET /get percent and plus decoding", "GET", "/get?q=hello%20world&p=a+b&amp=%26"),
    req("GET /get empty and bare values", "GET", "/get?a=&b&c=3"),
    req("GET /get UTF-8 arg", "GET", "/get?name=%C3%A9t%C3%A9",
        ["status", CT, "json:args", "json:headers", "json-keys"]),
    req("GET /get custom header", "GET", "/get", headers={"X-Custom": "Value 1"}),
    req("GET /get lower-case header name", "GET", "/get",
        headers={"x-lower-case-name": "v"}),
    req("GET /get header name with a digit and a dot", "GET", "/get",
        headers={"x-1abc.def": "v"}),
    req("GET /get with User-Agent and Accept", "GET", "/get",
        headers={"User-Agent": "curl/8.0", "Accept": "*/*"}),
    req("HEAD /get", "HEAD", "/get", ["status", CT, "body"]),
    req("POST /get is 405", "POST", "/get", ["status"], body=b""),
    req("GET /post is 405", "GET", "/post", ["status"]),
    req("PUT /delete is 405", "PUT", "/delete", ["status"], body=b""),
    # bodies
    req("POST /post urlencoded form", "POST", "/post", headers=FORM, body=b"a=1&b=two+words"),
    req("POST /post urlencoded repeated fields", "POST", "/post?x=1", headers=FORM,
        body=b"k=1&k=2&z=%2F"),
    req("POST /post multipart fields", "POST", "/post", headers={"Content-Type": MP},
        body=multipart(("f1", None, None, b"value one"), ("f2", None, None, b"2"))),
    req("POST /post multipart file", "POST", "/post", headers={"Content-Type": MP},
        body=multipart(("upload", "a.txt", "text/plain", b"file body\nline 2\n"))),
    req("POST /post multipart file and field", "POST", "/post", headers={"Content-Type": MP},
        body=multipart(("note", None, None, b"hi"),
                       ("doc", "d.json", "application/json", b'{"x":1}'))),
    req("POST /post multipart repeated field", "POST", "/post", headers={"Content-Type": MP},
        body=multipart(("k", None, None, b"1"), ("k", None, None, b"2"))),
    req("POST /post multipart binary file", "POST", "/post", headers={"Content-Type": MP},
        body=multipart(("bin", "b.bin", "application/octet-stream", bytes(range(250, 256))))),
    req("POST /post JSON object", "POST", "/post", headers=JS,
        body=b'{"a": 1, "b": [true, null, "x"], "c": {"d": 1.5}}'),
    req("POST /post JSON array", "POST", "/post", headers=JS, body=b"[1, 2, 3]"),
    req("POST /post JSON without its content type", "POST", "/post",
        headers={"Content-Type": "text/plain"}, body=b'{"a": "b"}'),
    req("POST /post invalid JSON is null", "POST", "/post", headers=JS, body=b'{"a": '),
    req("POST /post plain text", "POST", "/post", headers={"Content-Type": "text/plain"},
        body=b"just some text"),
    req("POST /post empty body", "POST", "/post", body=b""),
    req("POST /post binary body", "POST", "/post",
        headers={"Content-Type": "application/octet-stream"}, body=bytes([0, 1, 0xff, 0xfe])),
    req("PUT /put JSON", "PUT", "/put", headers=JS, body=b'{"put": true}'),
    req("PATCH /patch form", "PATCH", "/patch", headers=FORM, body=b"p=1"),
    req("DELETE /delete no body", "DELETE", "/delete"),
    req("DELETE /delete with args and body", "DELETE", "/delete?id=7",
        headers={"Content-Type": "text/plain"}, body=b"gone"),
    req("POST /anything multipart", "POST", "/anything/x", headers={"Content-Type": MP},
        body=multipart(("f", "f.txt", "text/plain", b"F"), ("g", None, None, b"G"))),
    # request pieces
    req("GET /headers", "GET", "/headers", headers={"X-Thing": "1"}),
    req("GET /ip", "GET", "/ip"),
    req("GET /user-agent", "GET", "/user-agent", headers={"User-Agent": "echo-test/1.0"}),
    # small documents
    req("GET /uuid shape", "GET", "/uuid", ["status", CT, "json-keys"]),
    req("GET /base64 decodes", "GET", "/base64/SFRUUEJJTiBpcyBhd2Vzb21l", ["status", "body"]),
    req("GET /base64 URL-safe alphabet", "GET", "/base64/Pz8_Pj4-", ["status", "body"]),
    req("GET /base64 bad input is 400", "GET", "/base64/%25%25%25",
        want={"status": 400, CT: "application/json"}),
    req("GET /robots.txt", "GET", "/robots.txt", ["status", CT, "body"]),
    req("GET /xml", "GET", "/xml", ["status", CT, "body"]),
    req("GET /html type", "GET", "/html", ["status", CT]),
    req("GET /encoding/utf8 type", "GET", "/encoding/utf8", ["status", CT]),
    req("GET /json", "GET", "/json", want={"status": 200, CT: "application/json",
                                            "json-keys": ["slideshow"]}),
    # status lists
    req("GET /status/200", "GET", "/status/200", ["status", "body"]),
    req("POST /status/201", "POST", "/status/201", ["status", "body"], body=b"x"),
    req("GET /status/302 points at /redirect/1", "GET", "/status/302",
        ["status", "header:Location"]),
    req("GET /status/204", "GET", "/status/204", ["status", "body"]),
    req("GET /status/404,404", "GET", "/status/404,404", ["status"]),
    req("GET /status/200:0,503:1 weighted", "GET", "/status/200:0,503:1", ["status"],
        repeat=5),
    req("GET /status/202,203 both seen", "GET", "/status/202,203", ["status"], repeat=40),
    req("GET /status/abc is 400", "GET", "/status/abc", ["status"]),
    req("GET /status/200,x is 400", "GET", "/status/200,x", ["status"]),
    req("GET /status/200:y is 400", "GET", "/status/200:y", ["status"]),
    # CORS
    req("CORS: Origin echoed", "GET", "/get", JSON + CORS,
        headers={"Origin": "http://example.test"}),
    req("CORS: no Origin gives *", "GET", "/ip", ["status"] + CORS),
    req("CORS: on /status", "GET", "/status/418", ["status"] + CORS,
        headers={"Origin": "https://a.test"}),
    req("CORS preflight on /get", "OPTIONS", "/get", PREFLIGHT,
        headers={"Origin": "https://a.test", "Access-Control-Request-Method": "PUT",
                 "Access-Control-Request-Headers": "X-One, Content-Type"}),
    req("CORS preflight on /post without request headers", "OPTIONS", "/post", PREFLIGHT),
    req("CORS preflight on /anything/deep", "OPTIONS", "/anything/a/b", PREFLIGHT,
        headers={"Origin": "null", "Access-Control-Request-Headers": "authorization"}),
]
