/* test_json: the streaming writer's exact bytes and the validator. */
#include "autoconfig.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "util/json.h"

struct json_escape_case {
	const char	*in;
	size_t		 inlen;
	const char	*out;
};

#define FFFD	"\xef\xbf\xbd"
#define CASE(in, out)	{ in, sizeof(in) - 1, out }

static const struct json_escape_case json_escape_cases[] = {
	CASE("plain text", "plain text"),
	CASE("", ""),
	CASE("\"", "\\\""),
	CASE("\\", "\\\\"),
	CASE("a/b", "a/b"),
	CASE("\b\f\n\r\t", "\\b\\f\\n\\r\\t"),
	CASE("\x01\x1f", "\\u0001\\u001f"),
	CASE("x\0y", "x\\u0000y"),
	CASE("\x7f", "\\u007f"),
	CASE("\x0b\x1b", "\\u000b\\u001b"),
	CASE("caf\xc3\xa9", "caf\xc3\xa9"),			/* U+00E9 */
	CASE("\xe2\x82\xac", "\xe2\x82\xac"),			/* U+20AC */
	CASE("\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80"),		/* U+1F600 */
	CASE("\xf4\x8f\xbf\xbf", "\xf4\x8f\xbf\xbf"),		/* U+10FFFF */
	CASE("\xef\xbf\xbd", FFFD),				/* U+FFFD */
	CASE("\xed\x9f\xbf", "\xed\x9f\xbf"),			/* U+D7FF */
	CASE("\xee\x80\x80", "\xee\x80\x80"),			/* U+E000 */
	CASE("\x80", FFFD),					/* lone continuation */
	CASE("a\xbf" "b", "a" FFFD "b"),
	CASE("\xc0\xaf", FFFD FFFD),				/* overlong '/' */
	CASE("\xc1\xbf", FFFD FFFD),				/* overlong */
	CASE("\xe0\x80\xaf", FFFD FFFD FFFD),			/* overlong 3-byte */
	CASE("\xe0\x9f\xbf", FFFD FFFD FFFD),			/* overlong 3-byte */
	CASE("\xf0\x8f\xbf\xbf", FFFD FFFD FFFD FFFD),		/* overlong 4-byte */
	CASE("\xed\xa0\x80", FFFD FFFD FFFD),			/* U+D800 */
	CASE("\xed\xbf\xbf", FFFD FFFD FFFD),			/* U+DFFF */
	CASE("\xf4\x90\x80\x80", FFFD FFFD FFFD FFFD),		/* U+110000 */
	CASE("\xf5\x80", FFFD FFFD),
	CASE("\xff\xfe", FFFD FFFD),
	CASE("\xe2\x82", FFFD FFFD),				/* truncated at end */
	CASE("\xe2\x82" "A", FFFD FFFD "A"),			/* truncated mid-string */
	CASE("\xc3" "\"", FFFD "\\\""),
	CASE("\xf0\x9f\x98", FFFD FFFD FFFD),
};

/* Every row of the escaping table, as a string body and as a value. */
static void
test_json_escape_table(void **state)
{
	struct buf	 b, v;
	struct json	 j;
	size_t		 i;

	buf_init(&b);
	buf_init(&v);
	for (i = 0; i < sizeof(json_escape_cases) /
	    sizeof(json_escape_cases[0]); i++) {
		const struct json_escape_case *c = &json_escape_cases[i];

		buf_reset(&b);
		json_escape(&b, c->in, c->inlen);
		if (b.len != strlen(c->out) ||
		    memcmp(buf_cstr(&b), c->out, b.len) != 0)
			print_message("escape case %zu failed\n", i);
		assert_int_equal(b.len, strlen(c->out));
		assert_memory_equal(buf_cstr(&b), c->out, b.len);
		/* whatever went in, the quoted result is valid JSON */
		buf_reset(&v);
		json_init(&j, &v, 0);
		json_string(&j, c->in, c->inlen);
		assert_int_equal(v.len, b.len + 2);
		assert_int_equal(json_validate(v.data, v.len), 1);
	}
	buf_free(&b);
	buf_free(&v);
}

/* Build the same document in either mode. */
static void
json_build_doc(struct json *j)
{
	json_object_begin(j);
	json_key(j, "a");
	json_int(j, 1);
	json_key(j, "b");
	json_array_begin(j);
	json_uint(j, 18446744073709551615ULL);
	json_cstring(j, "x");
	json_bool(j, 1);
	json_null(j);
	json_int(j, -42);
	json_array_end(j);
	json_key(j, "c");
	json_object_begin(j);
	json_object_end(j);
	json_key(j, "d");
	json_array_begin(j);
	json_array_end(j);
	json_key(j, "e\n");
	json_object_begin(j);
	json_key(j, "f");
	json_double(j, 1.5);
	json_key(j, "g");
	json_bool(j, 0);
	json_object_end(j);
	json_key(j, "h");
	json_cstring(j, NULL);
	json_object_end(j);
}

/* Pretty output matches Python's json.dumps(indent=2) byte for byte. */
static void
test_json_pretty(void **state)
{
	static const char	 want[] =
	    "{\n"
	    "  \"a\": 1,\n"
	    "  \"b\": [\n"
	    "    18446744073709551615,\n"
	    "    \"x\",\n"
	    "    true,\n"
	    "    null,\n"
	    "    -42\n"
	    "  ],\n"
	    "  \"c\": {},\n"
	    "  \"d\": [],\n"
	    "  \"e\\n\": {\n"
	    "    \"f\": 1.5,\n"
	    "    \"g\": false\n"
	    "  },\n"
	    "  \"h\": null\n"
	    "}";
	struct buf	 b;
	struct json	 j;

	buf_init(&b);
	json_init(&j, &b, 1);
	json_build_doc(&j);
	assert_string_equal(buf_cstr(&b), want);
	assert_int_equal(j.depth, 0);
	assert_int_equal(b.oom, 0);
	assert_int_equal(json_validate(b.data, b.len), 1);
	buf_free(&b);
}

/* Compact output has no whitespace at all. */
static void
test_json_compact(void **state)
{
	struct buf	 b;
	struct json	 j;

	buf_init(&b);
	json_init(&j, &b, 0);
	json_build_doc(&j);
	assert_string_equal(buf_cstr(&b), "{\"a\":1,\"b\":[18446744073709551615,"
	    "\"x\",true,null,-42],\"c\":{},\"d\":[],\"e\\n\":{\"f\":1.5,"
	    "\"g\":false},\"h\":null}");
	buf_reset(&b);
	json_init(&j, &b, 0);
	json_object_begin(&j);
	json_key(&j, "error");
	json_cstring(&j, "x");
	json_key(&j, "status");
	json_int(&j, 400);
	json_object_end(&j);
	assert_string_equal(buf_cstr(&b), "{\"error\":\"x\",\"status\":400}");
	buf_free(&b);
}

/* [[], [0], {}] into B, indented or not. */
static void
test_json_nested(struct buf *b, int pretty)
{
	struct json	 j;

	buf_reset(b);
	json_init(&j, b, pretty);
	json_array_begin(&j);
	json_array_begin(&j);
	json_array_end(&j);
	json_array_begin(&j);
	json_int(&j, 0);
	json_array_end(&j);
	json_object_begin(&j);
	json_object_end(&j);
	json_array_end(&j);
}

/* Top-level empties and arrays of arrays place commas and indents right. */
static void
test_json_nesting(void **state)
{
	struct buf	 b;
	struct json	 j;

	buf_init(&b);
	json_init(&j, &b, 1);
	json_object_begin(&j);
	json_object_end(&j);
	assert_string_equal(buf_cstr(&b), "{}");
	test_json_nested(&b, 1);
	assert_string_equal(buf_cstr(&b),
	    "[\n  [],\n  [\n    0\n  ],\n  {}\n]");
	test_json_nested(&b, 0);
	assert_string_equal(buf_cstr(&b), "[[],[0],{}]");
	buf_free(&b);
}

/* Nesting past JSON_MAX_DEPTH marks the buffer unusable, never overflows. */
static void
test_json_too_deep(void **state)
{
	struct buf	 b;
	struct json	 j;
	int		 i;

	buf_init(&b);
	json_init(&j, &b, 1);
	for (i = 0; i < JSON_MAX_DEPTH; i++)
		json_array_begin(&j);
	assert_int_equal(b.oom, 0);
	json_array_begin(&j);
	assert_int_equal(b.oom, 1);
	for (i = 0; i <= JSON_MAX_DEPTH; i++)
		json_array_end(&j);
	assert_int_equal(j.depth, 0);
	buf_free(&b);
}

/* Numbers keep millisecond precision with trailing zeros trimmed. */
static void
test_json_double(void **state)
{
	static const struct {
		double		 v;
		const char	*want;
	} cases[] = {
		{ 1.5, "1.5" }, { 0.25, "0.25" }, { 3.0, "3" }, { 0.0, "0" },
		{ -0.0, "0" }, { 0.001, "0.001" }, { 1234.5678, "1234.568" },
		{ -2.5, "-2.5" }, { -0.0001, "0" }, { 10.0, "10" },
		{ 5.214, "5.214" }, { 1e20, "100000000000000000000" },
	};
	struct buf	 b;
	struct json	 j;
	size_t		 i;

	buf_init(&b);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		buf_reset(&b);
		json_init(&j, &b, 0);
		json_double(&j, cases[i].v);
		assert_string_equal(buf_cstr(&b), cases[i].want);
	}
	buf_reset(&b);
	json_init(&j, &b, 0);
	json_array_begin(&j);
	json_double(&j, NAN);
	json_double(&j, INFINITY);
	json_double(&j, -INFINITY);
	json_array_end(&j);
	assert_string_equal(buf_cstr(&b), "[null,null,null]");
	buf_free(&b);
}

/* Raw JSON goes in verbatim, commas and indent around it still right. */
static void
test_json_raw(void **state)
{
	static const char	 raw[] = "{\"x\": [1,2]}";
	struct buf	 b;
	struct json	 j;

	buf_init(&b);
	json_init(&j, &b, 1);
	json_object_begin(&j);
	json_key(&j, "json");
	json_raw(&j, raw, strlen(raw));
	json_key(&j, "n");
	json_raw(&j, "7", 1);
	json_object_end(&j);
	assert_string_equal(buf_cstr(&b),
	    "{\n  \"json\": {\"x\": [1,2]},\n  \"n\": 7\n}");
	buf_reset(&b);
	json_init(&j, &b, 0);
	json_array_begin(&j);
	json_raw(&j, "true", 4);
	json_raw(&j, "[]", 2);
	json_array_end(&j);
	assert_string_equal(buf_cstr(&b), "[true,[]]");
	buf_free(&b);
}

/* Bytes the validator must accept. */
static const char *const json_accept[] = {
	"0", "-0", "1", "-12", "1.5", "1.5e10", "-1.25E-3", "1E+2", "0e0",
	"10.010", "\"\"", "\"a\\u00e9\\n\\/\\\"\\\\\\b\\f\\r\\t\"",
	"\"\\uD834\\uDD1E\"", "\"\\uffff\"", "true", "false", "null",
	" [1, 2 ,3] ", "{\"a\":{\"b\":[]}}", "\t\r\n{}\n", "[]", "{}",
	"{\"\":0}", "\"caf\xc3\xa9 \xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf\"",
	"\"\x7f\"", "[null,true,false,\"x\",{\"k\":[{}]}]",
	"{ \"a\" : 1 , \"b\" : [ ] }",
};

/* Bytes the validator must refuse. */
static const char *const json_reject[] = {
	"", " ", "01", "-01", "1.", ".5", "-", "+1", "1e", "1e+", "1.e3",
	"0x10", "NaN", "Infinity", "-Infinity", "[1,]", "[,1]", "{\"a\":1,}",
	"{a:1}", "{\"a\" 1}", "{\"a\":}", "{1:2}", "[1 2]", "\"abc", "\"\\x\"",
	"\"\\u12G4\"", "\"\\u12\"", "\"\t\"", "\"\n\"", "\"\xc3\x28\"",
	"\"\xed\xa0\x80\"", "\"\xc0\xaf\"", "\"\xf4\x90\x80\x80\"",
	"\"\xff\"", "tru", "nulll", "True", "1 2", "{}{}", "[", "]", "{",
	"'a'", "\"a\"x", "[1]]", "{\"a\":1", "\"\\\"", "\xef\xbb\xbf{}",
};

/* RFC 8259 grammar: each accept and reject case, plus embedded NULs. */
static void
test_json_validate(void **state)
{
	size_t	 i;

	for (i = 0; i < sizeof(json_accept) / sizeof(json_accept[0]); i++) {
		if (!json_validate(json_accept[i], strlen(json_accept[i])))
			fail_msg("wrongly refused case %zu: %s", i,
			    json_accept[i]);
	}
	for (i = 0; i < sizeof(json_reject) / sizeof(json_reject[0]); i++) {
		if (json_validate(json_reject[i], strlen(json_reject[i])))
			fail_msg("wrongly accepted case %zu: %s", i,
			    json_reject[i]);
	}
	assert_int_equal(json_validate("[1]\0", 4), 0);
	assert_int_equal(json_validate("\"a\0b\"", 5), 0);
	assert_int_equal(json_validate("[1]", 2), 0);	/* length is honoured */
	assert_int_equal(json_validate("12345", 2), 1);
	assert_int_equal(json_validate(NULL, 0), 0);
}

/* Nesting up to 64 is accepted, 65 is refused (no unbounded recursion). */
static void
test_json_validate_depth(void **state)
{
	char	 doc[400];
	size_t	 len;
	int	 i, n;

	for (n = 64; n <= 65; n++) {
		for (i = 0; i < n; i++) {
			doc[i] = '[';
			doc[2 * n - 1 - i] = ']';
		}
		assert_int_equal(json_validate(doc, (size_t)(2 * n)),
		    n == 64 ? 1 : 0);
		len = 0;
		for (i = 0; i < n; i++) {
			memcpy(doc + len, "{\"a\":", 5);
			len += 5;
		}
		doc[len++] = '1';
		for (i = 0; i < n; i++)
			doc[len++] = '}';
		assert_int_equal(json_validate(doc, len), n == 64 ? 1 : 0);
	}
}

/* Run every json test; cmocka prints TAP under make check. */
int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_escape_table),
		cmocka_unit_test(test_json_pretty),
		cmocka_unit_test(test_json_compact),
		cmocka_unit_test(test_json_nesting),
		cmocka_unit_test(test_json_too_deep),
		cmocka_unit_test(test_json_double),
		cmocka_unit_test(test_json_raw),
		cmocka_unit_test(test_json_validate),
		cmocka_unit_test(test_json_validate_depth),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
