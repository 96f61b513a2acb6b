/* test_http_form: form kinds, boundaries, multipart parts; base64 both ways. */
#include "autoconfig.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "util/base64.h"
#include "core/http_form.h"

/* Kind of a Content-Type string; -1 cases leave why set. */
static int
kind_of(const char *ct, enum http_form_kind *k, char *boundary)
{
	const char	*why = NULL;
	int		 rc;

	rc = http_form_kind(ct, ct != NULL ? strlen(ct) : 0, k, boundary, &why);
	if (rc == -1)
		assert_non_null(why);
	return (rc);
}

/* Media types are matched without case; parameters and quotes are handled. */
static void
test_form_kind(void **state)
{
	enum http_form_kind	 k;
	char			 b[HTTP_FORM_BOUNDARY_MAX + 1];

	assert_int_equal(kind_of(NULL, &k, b), 0);
	assert_int_equal(k, HTTP_FORM_NONE);
	assert_int_equal(kind_of("application/json", &k, b), 0);
	assert_int_equal(k, HTTP_FORM_NONE);
	assert_int_equal(kind_of("Application/X-WWW-Form-Urlencoded; charset=utf-8", &k, b), 0);
	assert_int_equal(k, HTTP_FORM_URLENCODED);
	assert_int_equal(kind_of("application/x-www-form-urlencodedX", &k, b), 0);
	assert_int_equal(k, HTTP_FORM_NONE);
	assert_int_equal(kind_of("multipart/form-data; boundary=abc", &k, b), 0);
	assert_int_equal(k, HTTP_FORM_MULTIPART);
	assert_string_equal(b, "abc");
	assert_int_equal(kind_of("Multipart/Form-Data; charset=x; BOUNDARY=\"a;b c\"", &k, b), 0);
	assert_string_equal(b, "a;b c");
	assert_int_equal(kind_of("multipart/form-data", &k, b), -1);
	assert_int_equal(kind_of("multipart/form-data; boundary=", &k, b), -1);
	assert_int_equal(kind_of("multipart/form-data; boundary=\"\"", &k, b), -1);
	assert_int_equal(kind_of("multipart/form-data; boundary=0123456789012345678901234567"
	    "890123456789012345678901234567890123456789x", &k, b), -1);
}

/* Split a body; returns the count or -1. */
static int
split(const char *body, const char *boundary, struct http_form_part *parts, unsigned int max)
{
	const char	*why = NULL;
	unsigned int	 n;

	if (http_form_multipart(body, strlen(body), boundary, parts, max, &n, &why) == -1) {
		assert_non_null(why);
		return (-1);
	}
	return ((int)n);
}

/* Fields, files with types, a preamble, data holding CRLF and dashes. */
static void
test_form_multipart(void **state)
{
	struct http_form_part	 p[4];
	static const char	 body[] = "preamble\r\n--XY\r\n"
	    "Content-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n"
	    "--XY  \r\ncontent-disposition: form-data; name=\"f\"; filename=\"x;y.txt\"\r\n"
	    "Content-Type:  text/plain \r\n\r\nline\r\n--X\r\n"
	    "--XY\r\nContent-Disposition: form-data; name=e\r\n\r\n\r\n--XY--\r\nepilogue";

	assert_int_equal(split(body, "XY", p, 4), 3);
	assert_int_equal(p[0].name_len, 1);
	assert_memory_equal(p[0].name, "a", 1);
	assert_false(p[0].is_file);
	assert_null(p[0].type);
	assert_int_equal(p[0].data_len, 1);
	assert_memory_equal(p[0].data, "1", 1);
	assert_memory_equal(p[1].name, "f", 1);
	assert_true(p[1].is_file);
	assert_int_equal(p[1].type_len, 10);
	assert_memory_equal(p[1].type, "text/plain", 10);
	assert_int_equal(p[1].data_len, 9);
	assert_memory_equal(p[1].data, "line\r\n--X", 9);
	assert_memory_equal(p[2].name, "e", 1);
	assert_int_equal(p[2].data_len, 0);
	/* The body may open with the delimiter; an empty form is just the close. */
	assert_int_equal(split("--b\r\nContent-Disposition: form-data; name=\"k\"\r\n\r\nv"
	    "\r\n--b--", "b", p, 4), 1);
	assert_int_equal(split("--b--\r\n", "b", p, 4), 0);
}

/* Broken bodies and too many parts are refused, never read past. */
static void
test_form_multipart_bad(void **state)
{
	struct http_form_part	 p[2];
	static const char	 one[] =
	    "--b\r\nContent-Disposition: form-data; name=\"k\"\r\n\r\nv\r\n";

	assert_int_equal(split("", "b", p, 2), -1);
	assert_int_equal(split("no delimiter here", "b", p, 2), -1);
	assert_int_equal(split(one, "b", p, 2), -1);		/* never closed */
	assert_int_equal(split("--b\r\nContent-Disposition: form-data; name=\"k\"\r\nv"
	    "\r\n--b--", "b", p, 2), -1);			/* no blank line */
	assert_int_equal(split("--b\r\nContent-Disposition: attachment; name=\"k\"\r\n\r\nv"
	    "\r\n--b--", "b", p, 2), -1);			/* not form-data */
	assert_int_equal(split("--b\r\nContent-Type: text/plain\r\n\r\nv\r\n--b--", "b",
	    p, 2), -1);						/* no name */
	assert_int_equal(split("--bx\r\n", "b", p, 2), -1);	/* junk after delimiter */
	assert_int_equal(split("--b\r\nContent-Disposition: form-data; name=a\r\n\r\n1\r\n"
	    "--b\r\nContent-Disposition: form-data; name=b\r\n\r\n2\r\n"
	    "--b\r\nContent-Disposition: form-data; name=c\r\n\r\n3\r\n--b--", "b", p, 2), -1);
}

/* RFC 4648 test vectors, both alphabets, optional padding, refusals. */
static void
test_base64(void **state)
{
	static const char *vec[][2] = {
		{ "", "" }, { "f", "Zg==" }, { "fo", "Zm8=" }, { "foo", "Zm9v" },
		{ "foob", "Zm9vYg==" }, { "fooba", "Zm9vYmE=" }, { "foobar", "Zm9vYmFy" },
	};
	struct buf	 b;
	size_t		 i;

	buf_init(&b);
	for (i = 0; i < sizeof(vec) / sizeof(vec[0]); i++) {
		buf_reset(&b);
		base64_encode(&b, vec[i][0], strlen(vec[i][0]));
		assert_string_equal(buf_cstr(&b), vec[i][1]);
		buf_reset(&b);
		assert_int_equal(base64_decode(&b, vec[i][1], strlen(vec[i][1])), 0);
		assert_string_equal(buf_cstr(&b), vec[i][0]);
	}
	buf_reset(&b);
	assert_int_equal(base64_decode(&b, "Zm9vYg", 6), 0);
	assert_string_equal(buf_cstr(&b), "foob");
	buf_reset(&b);
	assert_int_equal(base64_decode(&b, "Pz8_Pj4-", 8), 0);
	assert_string_equal(buf_cstr(&b), "?" "?" "?>>>");
	assert_int_equal(base64_decode(&b, "Zm9v!", 5), -1);
	assert_int_equal(base64_decode(&b, "Z", 1), -1);
	assert_int_equal(base64_decode(&b, "Zh", 2), -1);	/* bits left over */
	assert_int_equal(base64_decode(&b, "Zm=9", 4), -1);
	buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_form_kind),
		cmocka_unit_test(test_form_multipart),
		cmocka_unit_test(test_form_multipart_bad),
		cmocka_unit_test(test_base64),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
