/* endpoint: httpbin's surface: the method endpoints, small documents, status lists, CORS. */
#include "autoconfig.h"

#include <sys/random.h>

#include <string.h>

#include "util/base64.h"
#include "util/buf.h"
#include "core/endpoint.h"
#include "core/endpoint_impl.h"
#include "core/http.h"
#include "core/http_form.h"
#include "util/json.h"
#include "core/plan.h"

#define ENDPOINT_CHOICES_MAX	100	/* codes in one /status list */
#define ENDPOINT_WEIGHT_MAX	1000000	/* a weight, in thousandths: 0..1000 */

/* What a description of the request holds beyond args, headers, origin, url. */
#define ENDPOINT_DESCRIBE_BODY		0x1	/* data, files, form, json */
#define ENDPOINT_DESCRIBE_METHOD	0x2

/* The form fields and files of a request body, grouped as args are. */
struct endpoint_form {
	struct endpoint_query	 fields;
	struct endpoint_query	 files;
	struct buf		 fields_text;
	struct buf		 files_text;
	int			 is_form;	/* a form body: data and json stay empty */
};

/* The fixed documents, by path. */
static const struct endpoint_document {
	const char	*path;
	const char	*ctype;
	const char	*text;
} endpoint_documents[] = {
	{ "/robots.txt", "text/plain", "User-agent: *\nDisallow: /deny\n" },
	{ "/json", ENDPOINT_JSON,
	    "{\n  \"slideshow\": {\n    \"author\": \"Yours Truly\",\n"
	    "    \"date\": \"date of publication\",\n    \"slides\": [\n      {\n"
	    "        \"title\": \"Wake up to WonderWidgets!\",\n        \"type\": \"all\"\n"
	    "      },\n      {\n        \"items\": [\n"
	    "          \"Why <em>WonderWidgets</em> are great\",\n"
	    "          \"Who <em>buys</em> WonderWidgets\"\n        ],\n"
	    "        \"title\": \"Overview\",\n        \"type\": \"all\"\n      }\n"
	    "    ],\n    \"title\": \"Sample Slide Show\"\n  }\n}\n" },
	{ "/xml", "application/xml",
	    "<?xml version='1.0' encoding='us-ascii'?>\n\n"
	    "<!--  A SAMPLE set of slides  -->\n\n<slideshow \n"
	    "    title=\"Sample Slide Show\"\n    date=\"Date of publication\"\n"
	    "    author=\"Yours Truly\"\n    >\n\n    <!-- TITLE SLIDE -->\n"
	    "    <slide type=\"all\">\n      <title>Wake up to WonderWidgets!</title>\n"
	    "    </slide>\n\n    <!-- OVERVIEW -->\n    <slide type=\"all\">\n"
	    "        <title>Overview</title>\n"
	    "        <item>Why <em>WonderWidgets</em> are great</item>\n"
	    "        <item/>\n        <item>Who <em>buys</em> WonderWidgets</item>\n"
	    "    </slide>\n\n</slideshow>" },
	{ "/html", "text/html; charset=utf-8",
	    "<!DOCTYPE html>\n<html>\n  <head>\n    <title>echofetch</title>\n  </head>\n"
	    "  <body>\n    <h1>echofetch</h1>\n"
	    "    <p>An HTTP echo server: every request comes back described, "
	    "delayed, streamed or fetched, as asked.</p>\n  </body>\n</html>\n" },
	{ "/encoding/utf8", "text/html; charset=utf-8",
	    "UTF-8 sample\n\nLatin: caf\xc3\xa9, na\xc3\xaf" "ve, \xc3\x85ngstr\xc3\xb6m\n"
	    "Greek: \xce\xb1\xce\xb2\xce\xb3 \xce\x94\xce\xb5\xce\xbb\xcf\x84\xce\xb1\n"
	    "Cyrillic: \xd0\xbf\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82\n"
	    "Math: \xe2\x88\x80x \xe2\x88\x88 \xe2\x84\x9d, x\xc2\xb2 \xe2\x89\xa5 0\n"
	    "Arrows: \xe2\x86\x90 \xe2\x86\x91 \xe2\x86\x92 \xe2\x86\x93\n"
	    "Beyond the BMP: \xf0\x9d\x84\x9e \xf0\x9f\x98\x80\n" },
};

/*
 * httpbin answers every origin, with credentials: a test server is meant to
 * be reachable from any page. OPTIONS also gets the preflight headers.
 */
void
endpoint_cors(struct endpoint_call *call, struct buf *out)
{
	const struct http_header	*h;

	buf_append_lit(out, "Access-Control-Allow-Origin: ");
	if ((h = http_header_find(call->req, "Origin")) != NULL)
		buf_append(out, h->value.p, h->value.len);
	else
		buf_append_char(out, '*');
	buf_append_lit(out, "\r\nAccess-Control-Allow-Credentials: true\r\n");
	if (call->req->method != HTTP_OPTIONS)
		return;
	buf_append_str(out, "Access-Control-Allow-Methods: GET, POST, PUT, DELETE, "
	    "PATCH, OPTIONS\r\nAccess-Control-Max-Age: 3600\r\n");
	if ((h = http_header_find(call->req, "Access-Control-Request-Headers")) != NULL) {
		buf_append_str(out, "Access-Control-Allow-Headers: ");
		buf_append(out, h->value.p, h->value.len);
		buf_append_str(out, "\r\n");
	}
}

/* OPTIONS on any endpoint: an empty 200; endpoint_cors adds what a preflight needs. */
void
endpoint_preflight(struct endpoint_call *call)
{
	endpoint_respond(call, 200, NULL,
	    "Allow: GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS\r\n", NULL, 0);
}

/* httpbin's json_safe: text as it is, other bytes as a base64 data: URL. */
static void
endpoint_json_safe(struct buf *out, const char *p, size_t len, const char *type,
    size_t tlen)
{
	if (json_utf8_valid(p, len)) {
		buf_append(out, p, len);
		return;
	}
	buf_append_str(out, "data:");
	if (tlen > 0)
		buf_append(out, type, tlen);
	else
		buf_append_str(out, ENDPOINT_OCTETS);
	buf_append_str(out, ";base64,");
	base64_encode(out, p, len);
}

/* Multipart parts into fields and files; files' content made JSON-safe. */
static int
endpoint_form_multipart(struct endpoint_form *f, const char *body, size_t len,
    const char *boundary, const char **why)
{
	struct http_form_part	 parts[ENDPOINT_QUERY_MAX];
	struct buf		 safe;
	unsigned int		 n, i;
	int			 rc = 0;

	if (http_form_multipart(body, len, boundary, parts, ENDPOINT_QUERY_MAX, &n,
	    why) == -1)
		return (-1);
	buf_init(&safe);
	for (i = 0; i < n && rc == 0; i++) {
		if (!parts[i].is_file) {
			rc = endpoint_query_push(&f->fields, parts[i].name,
			    parts[i].name_len, parts[i].data, parts[i].data_len, why);
			continue;
		}
		buf_reset(&safe);
		endpoint_json_safe(&safe, parts[i].data, parts[i].data_len,
		    parts[i].type, parts[i].type_len);
		rc = endpoint_query_push(&f->files, parts[i].name, parts[i].name_len,
		    buf_cstr(&safe), safe.len, why);
	}
	if (safe.oom) {
		*why = "out of memory";
		rc = -1;
	}
	buf_free(&safe);
	return (rc);
}

/* Parse the body if it is a form; -1 with call->reason set if it is a bad one. */
static int
endpoint_form_parse(struct endpoint_call *call, struct endpoint_form *f)
{
	const struct http_request	*req = call->req;
	const struct http_header	*ct;
	enum http_form_kind		 kind;
	char				 boundary[HTTP_FORM_BOUNDARY_MAX + 1];
	const char			*why = NULL;
	const char			*body = req->body.data != NULL ? req->body.data : "";
	int				 rc = 0;

	ct = http_header_find(req, "Content-Type");
	if (http_form_kind(ct != NULL ? ct->value.p : NULL, ct != NULL ? ct->value.len : 0,
	    &kind, boundary, &why) == -1)
		rc = -1;
	else if (kind == HTTP_FORM_URLENCODED)
		rc = endpoint_query_parse(&f->fields, body, req->body.len, &why);
	else if (kind == HTTP_FORM_MULTIPART)
		rc = endpoint_form_multipart(f, body, req->body.len, boundary, &why);
	f->is_form = kind != HTTP_FORM_NONE;
	if (rc == -1) {
		buf_reset(call->reason);
		buf_appendf(call->reason, "form body: %s", why);
	}
	return (rc);
}

/* A JSON body goes in as sent, minus the whitespace around it; anything else is null. */
static void
endpoint_json_body(struct json *j, const char *body, size_t len)
{
	while (len > 0 && (body[0] == ' ' || body[0] == '\t' || body[0] == '\r' ||
	    body[0] == '\n')) {
		body++;
		len--;
	}
	while (len > 0 && (body[len - 1] == ' ' || body[len - 1] == '\t' ||
	    body[len - 1] == '\r' || body[len - 1] == '\n'))
		len--;
	if (len > 0 && json_validate(body, len))
		json_raw(j, body, len);
	else
		json_null(j);
}

/* data, files and form: a form body fills form and files, any other data (and json). */
static void
endpoint_describe_body(struct json *j, const struct endpoint_call *call,
    const struct endpoint_form *f)
{
	const struct http_request	*req = call->req;
	const char			*body = req->body.data != NULL ? req->body.data : "";
	size_t				 len = f->is_form ? 0 : req->body.len;
	struct buf			 data;

	buf_init(&data);
	endpoint_json_safe(&data, body, len, NULL, 0);
	json_key(j, "data");
	json_string(j, buf_cstr(&data), data.len);
	if (data.oom)
		j->out->oom = 1;
	buf_free(&data);
	json_key(j, "files");
	endpoint_json_args(j, &f->files);
	json_key(j, "form");
	endpoint_json_args(j, &f->fields);
}

/* The request as httpbin describes it, keys in its (sorted) order. */
static void
endpoint_describe(struct endpoint_call *call, int what)
{
	struct endpoint_form	 f;
	struct json		 j;

	buf_init(&f.fields_text);
	buf_init(&f.files_text);
	endpoint_query_init(&f.fields, &f.fields_text);
	endpoint_query_init(&f.files, &f.files_text);
	f.is_form = 0;
	if ((what & ENDPOINT_DESCRIBE_BODY) && endpoint_form_parse(call, &f) == -1) {
		endpoint_fail_reason(call);
		goto out;
	}
	json_init(&j, call->body, 1);
	json_object_begin(&j);
	json_key(&j, "args");
	endpoint_json_args(&j, &call->query);
	if (what & ENDPOINT_DESCRIBE_BODY)
		endpoint_describe_body(&j, call, &f);
	json_key(&j, "headers");
	endpoint_json_headers(&j, call->req);
	if (what & ENDPOINT_DESCRIBE_BODY) {
		json_key(&j, "json");
		endpoint_json_body(&j, f.is_form || call->req->body.data == NULL ? "" :
		    call->req->body.data, f.is_form ? 0 : call->req->body.len);
	}
	if (what & ENDPOINT_DESCRIBE_METHOD) {
		json_key(&j, "method");
		json_string(&j, call->req->method_name.p, call->req->method_name.len);
	}
	json_key(&j, "origin");
	endpoint_json_origin(&j, call);
	json_key(&j, "url");
	endpoint_json_url(&j, call);
	json_object_end(&j);
	if (f.fields.store->oom || f.files.store->oom)
		call->body->oom = 1;
	endpoint_json_done(call);
out:
	buf_free(&f.fields_text);
	buf_free(&f.files_text);
}

/* The request, described: httpbin's /anything, any method. */
void
endpoint_anything(struct endpoint_call *call)
{
	endpoint_describe(call, ENDPOINT_DESCRIBE_BODY | ENDPOINT_DESCRIBE_METHOD);
}

/* /get, /post, /put, /patch, /delete: each answers its own method only. */
void
endpoint_methods(struct endpoint_call *call)
{
	static const struct {
		const char	*path;
		enum http_method method;
		const char	*allow;
	} m[] = {
		{ "/get", HTTP_GET, "Allow: GET, HEAD, OPTIONS\r\n" },
		{ "/post", HTTP_POST, "Allow: POST, OPTIONS\r\n" },
		{ "/put", HTTP_PUT, "Allow: PUT, OPTIONS\r\n" },
		{ "/patch", HTTP_PATCH, "Allow: PATCH, OPTIONS\r\n" },
		{ "/delete", HTTP_DELETE, "Allow: DELETE, OPTIONS\r\n" },
	};
	const struct http_request	*req = call->req;
	size_t				 i;

	for (i = 0; i < sizeof(m) / sizeof(m[0]) - 1; i++)
		if (strcmp(buf_cstr(call->path), m[i].path) == 0)
			break;
	if (req->method != m[i].method &&
	    !(m[i].method == HTTP_GET && req->method == HTTP_HEAD)) {
		buf_reset(call->reason);
		buf_append_str(call->reason, "method not allowed: ");
		buf_append(call->reason, req->method_name.p, req->method_name.len);
		endpoint_fail(call, 405, buf_cstr(call->reason), m[i].allow);
		return;
	}
	endpoint_describe(call, m[i].method == HTTP_GET ? 0 : ENDPOINT_DESCRIBE_BODY);
}

/* Random bytes from the kernel; -1 (the plan fails) if it has none. */
static int
endpoint_random(struct endpoint_call *call, void *p, size_t len)
{
	if (getentropy(p, len) == 0)
		return (0);
	plan_fail(call->plan);
	return (-1);
}

/* {"uuid": "..."}: a version 4 UUID (RFC 9562) from the kernel's random bytes. */
void
endpoint_uuid(struct endpoint_call *call)
{
	unsigned char	 u[16];
	char		 text[37];
	struct json	 j;
	size_t		 i, o = 0;

	if (endpoint_random(call, u, sizeof(u)) == -1)
		return;
	u[6] = (unsigned char)((u[6] & 0x0f) | 0x40);
	u[8] = (unsigned char)((u[8] & 0x3f) | 0x80);
	for (i = 0; i < sizeof(u); i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			text[o++] = '-';
		text[o++] = "0123456789abcdef"[u[i] >> 4];
		text[o++] = "0123456789abcdef"[u[i] & 15];
	}
	json_init(&j, call->body, 1);
	json_object_begin(&j);
	json_key(&j, "uuid");
	json_string(&j, text, o);
	json_object_end(&j);
	endpoint_json_done(call);
}

/* /base64/{value}: the value decoded (either alphabet), sent as text. */
void
endpoint_base64(struct endpoint_call *call)
{
	if (base64_decode(call->body, call->rest, call->restlen) == -1) {
		endpoint_fail(call, 400, "value must be base64 (RFC 4648, either alphabet); "
		    "Incorrect Base64 data try: SFRUUEJJTiBpcyBhd2Vzb21l", NULL);
		return;
	}
	endpoint_respond_body(call, 200, "text/html; charset=utf-8");
}

/* A fixed document: robots.txt, a JSON and an XML sample, HTML, UTF-8 text. */
void
endpoint_document(struct endpoint_call *call)
{
	size_t	 i, n = sizeof(endpoint_documents) / sizeof(endpoint_documents[0]);

	for (i = 0; i < n - 1; i++)
		if (strcmp(buf_cstr(call->path), endpoint_documents[i].path) == 0)
			break;
	endpoint_respond(call, 200, endpoint_documents[i].ctype, NULL,
	    endpoint_documents[i].text, strlen(endpoint_documents[i].text));
}

/* One "code[:weight]" of a /status list; weight in thousandths, 1000 when absent. */
static int
endpoint_status_choice(const char *s, size_t len, unsigned long long *code,
    unsigned int *weight)
{
	const char	*colon = memchr(s, ':', len);
	size_t		 clen = colon != NULL ? (size_t)(colon - s) : len;

	if (endpoint_parse_uint(s, clen, 200, 599, code) == -1)
		return (-1);
	*weight = 1000;
	if (colon != NULL && endpoint_parse_seconds(colon + 1, len - clen - 1,
	    ENDPOINT_WEIGHT_MAX, weight) == -1)
		return (-1);
	return (0);
}

/* Pick from "200,500" or "200:3,500:1" as httpbin does, each in proportion to its weight. */
static int
endpoint_status_pick(struct endpoint_call *call, unsigned long long *code)
{
	unsigned long long	 codes[ENDPOINT_CHOICES_MAX], total = 0, r;
	unsigned int		 weights[ENDPOINT_CHOICES_MAX], n = 0, i;
	const char		*p = call->rest, *end = call->rest + call->restlen, *comma;
	uint64_t		 rnd;

	for (;;) {
		comma = memchr(p, ',', (size_t)(end - p));
		if (n == ENDPOINT_CHOICES_MAX || endpoint_status_choice(p,
		    (size_t)((comma != NULL ? comma : end) - p), &codes[n], &weights[n]) == -1)
			goto bad;
		total += weights[n++];
		if (comma == NULL)
			break;
		p = comma + 1;
	}
	if (total == 0)
		goto bad;
	if (endpoint_random(call, &rnd, sizeof(rnd)) == -1)
		return (-1);
	r = rnd % total;
	for (i = 0; i + 1 < n && r >= weights[i]; i++)
		r -= weights[i];
	*code = codes[i];
	return (0);
bad:
	buf_reset(call->reason);
	buf_append_str(call->reason, "codes must be 1..100 comma-separated code[:weight], "
	    "code an integer 200..599, weight a number 0..1000 (not all 0)");
	endpoint_fail_reason(call);
	return (-1);
}

/* Any status on demand, with the headers that status needs to make sense. */
void
endpoint_status(struct endpoint_call *call)
{
	unsigned long long	 code;
	const char		*extra = NULL;

	if (memchr(call->rest, ',', call->restlen) == NULL &&
	    memchr(call->rest, ':', call->restlen) == NULL) {
		if (endpoint_parse_uint(call->rest, call->restlen, 200, 599, &code) == -1) {
			endpoint_reason_uint(call, "code", 200, 599);
			endpoint_fail_reason(call);
			return;
		}
	} else if (endpoint_status_pick(call, &code) == -1)
		return;
	if (code >= 300 && code <= 399 && code != 304)
		extra = "Location: /redirect/1\r\n";
	else if (code == 401)
		extra = "WWW-Authenticate: Basic realm=\"echofetch\"\r\n";
	else if (code == 407)
		extra = "Proxy-Authenticate: Basic realm=\"echofetch\"\r\n";
	endpoint_respond(call, (int)code, NULL, extra, NULL, 0);
}
