/* fuzz_smtp_data.c: libFuzzer target for the DATA/BDAT content decoder and
 * the command-line reader.
 *
 * The first input byte picks the settings (bare LF/CR mode, a small or
 * normal line length, size and header limits), the second a split point;
 * the rest is the byte stream. Aborts when:
 *  - the decoder's output (lines, flags, end position, error) differs
 *    between feeding the stream whole, in two pieces, and byte by byte (the
 *    chunking property), for DATA and for BDAT chunks;
 *  - DATA ends anywhere but right after <CRLF>.<CRLF> (or ".<CRLF>" at the
 *    very start): the SMTP smuggling property;
 *  - the pieces of a line exceed the line length, or a line reaches the
 *    callback after the message failed;
 *  - the command-line reader gives different lines for different splits, or
 *    a line longer than its limit.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "smtp_data.h"
#include "smtp_line.h"

struct sink {
	struct buf out;
	size_t line_length;
	struct smtp_data *d;
};

static int sink_line(void *ctx, const char *line, size_t len, unsigned flags)
{
	struct sink *s = ctx;
	if (len > s->line_length || smtp_data_error(s->d) != SMTP_DATA_OK)
		abort();
	buf_printf(&s->out, "%u:", flags);
	buf_append(&s->out, line, len);
	buf_append_char(&s->out, '\n');
	return 0;
}

/* decode: the decoder's whole output for data[0..len), into out (which the
 * caller initializes and frees), fed in pieces of at most step bytes (0:
 * whole) after an optional first piece of split bytes. bdat_split > 0: BDAT
 * with two chunks split there (the second LAST). */
static void decode(struct buf *out, const uint8_t *data, size_t len, enum smtp_bare_mode mode,
		   const struct smtp_data_limits *lim, size_t split, size_t step, size_t bdat_split)
{
	struct sink s = {.line_length = lim->line_length};
	s.out = *out;
	s.d = smtp_data_new(mode, lim, sink_line, &s);
	const char *in = (const char *)data;
	size_t pos = 0, end = 0;
	int chunks = bdat_split > 0 ? 2 : 0;

	for (int c = 0; c < (chunks ? chunks : 1); c++) {
		if (chunks)
			smtp_data_bdat(s.d, c == 0 ? bdat_split : len - bdat_split, c == 1);
		int rc = 0;
		while (rc == 0 && pos < len) {
			size_t n = len - pos, used;
			if (step > 0 && n > step)
				n = step;
			if (split > 0 && pos < split && n > split - pos)
				n = split - pos;
			rc = smtp_data_feed(s.d, in + pos, n, &used);
			pos += used;
		}
		if (rc == 0 && chunks) {
			size_t used;
			rc = smtp_data_feed(s.d, in + pos, 0, &used);
		}
	}
	if (smtp_data_done(s.d)) {
		end = pos;
		if (!chunks && !(end == 3 && memcmp(in, ".\r\n", 3) == 0) &&
		    !(end >= 5 && memcmp(in + end - 5, "\r\n.\r\n", 5) == 0))
			abort();
	}
	buf_printf(&s.out, "done=%d end=%zu error=%d size=%llu", smtp_data_done(s.d), end,
		   (int)smtp_data_error(s.d), (unsigned long long)smtp_data_stats(s.d)->size);
	smtp_data_free(&s.d);
	*out = s.out;
}

static void check_data(const uint8_t *data, size_t len, enum smtp_bare_mode mode,
		       const struct smtp_data_limits *lim, size_t split, size_t bdat_split)
{
	struct buf whole, two, bytes;
	buf_init(&whole, 0);
	buf_init(&two, 0);
	buf_init(&bytes, 0);
	decode(&whole, data, len, mode, lim, 0, 0, bdat_split);
	decode(&two, data, len, mode, lim, split, 0, bdat_split);
	decode(&bytes, data, len, mode, lim, 0, 1, bdat_split);
	if (buf_len(&whole) != buf_len(&two) || buf_len(&whole) != buf_len(&bytes) ||
	    memcmp(buf_cstr(&whole), buf_cstr(&two), buf_len(&whole)) != 0 ||
	    memcmp(buf_cstr(&whole), buf_cstr(&bytes), buf_len(&whole)) != 0)
		abort();
	buf_deinit(&whole);
	buf_deinit(&two);
	buf_deinit(&bytes);
}

static char *read_lines(const uint8_t *data, size_t len, size_t max, enum smtp_bare_mode mode,
			size_t split, size_t step)
{
	struct smtp_line_reader *r = smtp_line_new(max, mode);
	struct buf out;
	size_t pos = 0;
	buf_init(&out, 0);
	while (pos < len) {
		size_t n = len - pos, used;
		if (step > 0 && n > step)
			n = step;
		if (split > 0 && pos < split && n > split - pos)
			n = split - pos;
		const char *line;
		enum smtp_line_status st;
		if (smtp_line_read(r, (const char *)data + pos, n, &used, &line, &st) == 1) {
			if (strlen(line) > max)
				abort();
			buf_printf(&out, "%d:%s\n", (int)st, line);
		}
		pos += used;
	}
	smtp_line_free(&r);
	char *s = buf_detach(&out);
	buf_deinit(&out);
	return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	uint8_t cfg = data[0];
	size_t split = data[1];
	data += 2;
	size -= 2;
	enum smtp_bare_mode mode = (cfg & 1) ? SMTP_BARE_NORMALIZE : SMTP_BARE_REJECT;
	struct smtp_data_limits lim = {
	    .message_size = (cfg & 2) ? 64 : 0,
	    .header_size = (cfg & 4) ? 32 : 0,
	    .line_length = (cfg & 8) ? 2048 : 1 + (cfg >> 4),
	};
	if (split > size)
		split = size / 2;

	check_data(data, size, mode, &lim, split, 0);
	if (size > 0)
		check_data(data, size, mode, &lim, split, split > 0 ? split : 1);

	size_t max = (cfg & 8) ? 512 : 1 + (cfg >> 4);
	char *whole = read_lines(data, size, max, mode, 0, 0);
	char *two = read_lines(data, size, max, mode, split, 0);
	char *bytes = read_lines(data, size, max, mode, 0, 1);
	if (strcmp(whole, two) != 0 || strcmp(whole, bytes) != 0)
		abort();
	free(whole);
	free(two);
	free(bytes);
	return 0;
}
