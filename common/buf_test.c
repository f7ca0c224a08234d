/* buf_test.c: growable buffers grow, bound, consume and detach correctly. */
#include <string.h>
#include <stdlib.h>

#include "buf.h"
#include "tap.h"

static void test_growth(void)
{
	struct buf *b = buf_new(0);
	for (int i = 0; i < 1000; i++)
		buf_append_str(b, "abcd");
	tap_is_int((long long)buf_len(b), 4000, "appends grow the buffer");
	tap_is_int((long long)strlen(buf_cstr(b)), 4000, "data stays NUL-terminated");
	buf_free(&b);
	tap_ok(b == NULL, "buf_free clears the pointer");
	buf_free(&b);
	tap_ok(1, "buf_free accepts NULL");
}

static void test_bound(void)
{
	struct buf *b = buf_new(8);
	tap_is_int(buf_append_str(b, "12345678"), 0, "append up to the bound succeeds");
	tap_is_int(buf_append_char(b, 'x'), -1, "append past the bound fails");
	tap_is_str(buf_cstr(b), "12345678", "a failed append leaves the contents");
	tap_is_int(buf_printf(b, "%d", 1), -1, "printf past the bound fails");
	buf_free(&b);
}

static void test_reserve(void)
{
	struct buf *b = buf_new(0);
	buf_append_str(b, "ab");
	tap_is_int(buf_reserve(b, 1000), 0, "reserve makes room");
	const char *before = buf_cstr(b);
	for (int i = 0; i < 250; i++)
		buf_append_str(b, "wxyz");
	tap_ok(buf_cstr(b) == before, "appends within the reserve do not move the data");
	tap_is_int((long long)buf_len(b), 1002, "and keep what was there");
	tap_ok(strncmp(buf_cstr(b), "abwxyz", 6) == 0, "in order");
	buf_free(&b);
	b = buf_new(8);
	tap_is_int(buf_reserve(b, 9), -1, "reserve past the bound fails");
	tap_is_int(buf_reserve(b, 8), 0, "reserve up to the bound succeeds");
	buf_free(&b);
}

static void test_edit(void)
{
	struct buf *b = buf_new(0);
	buf_printf(b, "%s=%d", "limit", 42);
	tap_is_str(buf_cstr(b), "limit=42", "printf formats");
	buf_consume(b, 6);
	tap_is_str(buf_cstr(b), "42", "consume drops the front");
	buf_truncate(b, 1);
	tap_is_str(buf_cstr(b), "4", "truncate shortens");
	buf_append(b, "\0z", 2);
	tap_is_int((long long)buf_len(b), 3, "embedded NUL is kept");
	char *s = buf_detach(b);
	tap_is_int((long long)buf_len(b), 0, "detach empties the buffer");
	tap_is_str(s, "4", "detached data is the old contents");
	free(s);
	buf_free(&b);
}

int main(void)
{
	test_growth();
	test_bound();
	test_reserve();
	test_edit();
	return tap_done();
}
