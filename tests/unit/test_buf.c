/* test_buf: the growable buffer and its sticky out-of-memory flag. */
#include "autoconfig.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "util/buf.h"

/* A fresh buffer owns nothing and still reads as "". */
static void
test_buf_empty(void **state)
{
	struct buf	 b;

	buf_init(&b);
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.oom, 0);
	assert_string_equal(buf_cstr(&b), "");
	assert_non_null(b.data);
	buf_free(&b);
	assert_null(b.data);
	assert_int_equal(b.cap, 0);
}

/* Appends of every kind land in order and stay NUL-terminated. */
static void
test_buf_append(void **state)
{
	struct buf	 b;

	buf_init(&b);
	buf_append(&b, "ab", 2);
	buf_append(&b, "zzz", 0);
	buf_append_str(&b, "cd");
	buf_append_char(&b, '-');
	buf_append_uint(&b, 0);
	buf_append_char(&b, ' ');
	buf_append_uint(&b, 18446744073709551615ULL);
	assert_int_equal(b.len, 27);
	assert_memory_equal(b.data, "abcd-0 18446744073709551615", 27);
	assert_int_equal(b.data[b.len], '\0');
	assert_true(b.cap > b.len);
	buf_free(&b);
}

/* Binary data with NULs survives, and growth past the first block works. */
static void
test_buf_grow(void **state)
{
	struct buf	 b;
	char		 chunk[1000];
	size_t		 i;

	memset(chunk, 0, sizeof(chunk));
	chunk[999] = 'x';
	buf_init(&b);
	for (i = 0; i < 100; i++)
		buf_append(&b, chunk, sizeof(chunk));
	assert_int_equal(b.len, 100000);
	assert_int_equal(b.oom, 0);
	assert_int_equal(b.data[99999], 'x');
	assert_int_equal(b.data[99998], '\0');
	assert_int_equal(b.data[100000], '\0');
	buf_free(&b);
}

/* appendf formats, including output far longer than the first block. */
static void
test_buf_appendf(void **state)
{
	struct buf	 b;

	buf_init(&b);
	buf_appendf(&b, "%s=%d;", "a", 42);
	buf_appendf(&b, "%05.1f|%x", 3.14159, 255U);
	assert_string_equal(buf_cstr(&b), "a=42;003.1|ff");
	buf_reset(&b);
	assert_int_equal(b.len, 0);
	buf_appendf(&b, "%500s", "end");
	assert_int_equal(b.len, 500);
	assert_memory_equal(b.data + 497, "end", 4);
	assert_int_equal(b.data[0], ' ');
	buf_free(&b);
}

/* An impossible reservation sets oom, which then ignores every append. */
static void
test_buf_oom(void **state)
{
	struct buf	 b;

	buf_init(&b);
	buf_append_str(&b, "keep");
	assert_int_equal(buf_reserve(&b, SIZE_MAX), -1);
	assert_int_equal(b.oom, 1);
	buf_append_str(&b, "more");
	buf_append_char(&b, 'x');
	buf_append_uint(&b, 7);
	buf_appendf(&b, "%d", 12);
	assert_int_equal(b.len, 4);
	assert_string_equal(b.data, "keep");
	assert_int_equal(buf_reserve(&b, 1), -1);
	/* reset clears the flag and the buffer is usable again */
	buf_reset(&b);
	assert_int_equal(b.oom, 0);
	assert_int_equal(buf_reserve(&b, 10), 0);
	buf_append_str(&b, "ok");
	assert_string_equal(buf_cstr(&b), "ok");
	buf_free(&b);
}

/* A reservation that fits in the remaining space does not reallocate. */
static void
test_buf_reserve(void **state)
{
	struct buf	 b;
	char		*before;

	buf_init(&b);
	assert_int_equal(buf_reserve(&b, 100), 0);
	assert_true(b.cap >= 101);
	before = b.data;
	buf_append(&b, "0123456789", 10);
	assert_int_equal(buf_reserve(&b, 50), 0);
	assert_ptr_equal(b.data, before);
	assert_int_equal(buf_reserve(&b, SIZE_MAX - 5), -1);
	assert_int_equal(b.oom, 1);
	assert_int_equal(b.len, 10);
	buf_free(&b);
	assert_int_equal(b.oom, 0);
}

/* Run every buf test; cmocka prints TAP under make check. */
int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buf_empty),
		cmocka_unit_test(test_buf_append),
		cmocka_unit_test(test_buf_grow),
		cmocka_unit_test(test_buf_appendf),
		cmocka_unit_test(test_buf_oom),
		cmocka_unit_test(test_buf_reserve),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
