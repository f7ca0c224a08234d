/* splice_test.c: replaced, deleted, kept and inserted ranges come out the
 * same whatever the chunk sizes the text is fed in. */
#include <string.h>

#include "splice.h"
#include "tap.h"

struct edit {
	size_t offset, len;
	int keep;
	const char *text;
};

struct edits {
	const struct edit *e;
	size_t n, next;
};

static int next_edit(void *context, struct splice_range *range_r)
{
	struct edits *es = context;

	if (es->next >= es->n)
		return 0;
	const struct edit *e = &es->e[es->next++];
	*range_r = (struct splice_range){.offset = e->offset, .len = e->len, .keep = e->keep,
					 .item = e};
	return 1;
}

static void edit_text(void *context, const struct splice_range *range, struct buf *out)
{
	const struct edit *e = range->item;

	(void)context;
	buf_append_str(out, e->text);
}

/* run: feed text in chunks of size chunk through the edits. */
static void run(const char *text, const struct edit *e, size_t n, size_t chunk, struct buf *out)
{
	struct edits es = {.e = e, .n = n};
	struct splice s;
	size_t len = strlen(text);

	buf_reset(out);
	splice_init(&s, next_edit, edit_text, &es);
	for (size_t at = 0; at < len; at += chunk)
		splice_write(&s, text + at, len - at < chunk ? len - at : chunk, out);
}

int main(void)
{
	/*                      0123456789012345678901234 */
	static const char text[] = "alpha beta gamma delta\r\n";
	static const struct edit edits[] = {
		{0, 0, 0, "[start]"},	     /* insertion at the start */
		{6, 5, 0, "BETA "},	     /* replacement */
		{11, 6, 0, ""},		     /* deletion */
		{17, 5, 1, "> "},	     /* text in front, original kept */
	};
	static const char want[] = "[start]alpha BETA > delta\r\n";
	struct buf out;

	buf_init(&out, 0);
	for (size_t chunk = 1; chunk <= sizeof(text); chunk++) {
		run(text, edits, 4, chunk, &out);
		if (strcmp(buf_cstr(&out), want) != 0) {
			tap_is_str(buf_cstr(&out), want, "edits with chunks of %zu bytes", chunk);
			break;
		}
	}
	tap_is_str(buf_cstr(&out), want, "every chunk size gives the same output");
	run(text, edits, 0, 7, &out);
	tap_is_str(buf_cstr(&out), text, "no ranges: the text unchanged");
	static const struct edit tail[] = {{20, 4, 0, "END\r\n"}};
	run(text, tail, 1, 3, &out);
	tap_is_str(buf_cstr(&out), "alpha beta gamma delEND\r\n", "a range up to the end");
	buf_deinit(&out);
	return tap_done();
}
