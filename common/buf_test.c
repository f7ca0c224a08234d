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
	test_edit();
	return tap_done();
}
