/* fuzz_smtp_reply.c: libFuzzer target for the client-side reply reader and
 * for smtp_reply_parse/smtp_reply_format.
 *
 * The first input byte is a split point, the rest a stream of server
 * replies. Aborts when:
 *  - the reply reader gives different replies (or a different error) for
 *    the stream fed whole, in two pieces, and byte by byte (the chunking
 *    property);
 *  - a reply it returns breaks its own invariants (code 200-599, an enhanced
 *    code of the code's class, no CR/LF/NUL inside text lines);
 *  - the stream, taken as a reply text from a table, policy service or
 *    milter, parses into a reply whose wire form has a line over 512
 *    octets, a line without CRLF, or that the reply reader does not read
 *    back with the same code and enhanced code (and, when no line had to be
 *    split, the same text).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "smtp_reply.h"
#include "smtp_reply_reader.h"

static void check_reply(const struct smtp_reply *r)
{
	const char *t = buf_cstr(&r->text);
	if (r->code < 200 || r->code > 599)
		abort();
	if (r->dsn[0] != '\0' &&
	    (r->dsn[0] - '0' != r->code / 100 || smtp_dsn_valid(r->dsn) != strlen(r->dsn)))
		abort();
	if (strchr(t, '\r') != NULL || strlen(t) != buf_len(&r->text))
		abort();
}

/* read_all: every reply in data[0..len) fed in pieces, described in out. */
static void read_all(struct buf *out, const uint8_t *data, size_t len, size_t split, size_t step)
{
	struct smtp_reply_reader *rr = smtp_reply_reader_new(512, 20);
	size_t pos = 0;
	while (pos < len) {
		size_t n = len - pos;
		if (step > 0 && n > step)
			n = step;
		if (split > 0 && pos < split && n > split - pos)
			n = split - pos;
		size_t off = 0;
		while (off < n) {
			size_t used;
			struct smtp_reply *r;
			char *err = NULL;
			int rc = smtp_reply_reader_feed(rr, (const char *)data + pos + off, n - off,
							&used, &r, &err);
			if (rc < 0) {
				buf_printf(out, "error: %s\n", err);
				free(err);
				smtp_reply_reader_free(&rr);
				return;
			}
			off += used;
			if (rc == 1) {
				check_reply(r);
				buf_printf(out, "%d %s %s\n", r->code, r->dsn, buf_cstr(&r->text));
				smtp_reply_free(&r);
			}
		}
		pos += n;
	}
	smtp_reply_reader_free(&rr);
}

static void check_format(const char *text)
{
	struct smtp_reply *r = NULL;
	char *err = NULL;
	if (smtp_reply_parse(text, &r, &err) < 0) {
		free(err);
		return;
	}
	check_reply(r);
	struct buf wire;
	buf_init(&wire, 0);
	smtp_reply_format(r, SMTP_REPLY_ENHANCED, &wire);
	/* A text line longer than this is split (and may lose the space it is
	 * split at), so its text cannot come back unchanged. */
	size_t max = SMTP_REPLY_LINE_MAX - 2 - 4 - strlen(r->dsn) - 1;
	int split_lines = 0;
	for (const char *p = buf_cstr(&r->text);; p++) {
		size_t n = strcspn(p, "\n");
		split_lines |= n > max;
		p += n;
		if (*p == '\0')
			break;
	}
	const char *w = buf_cstr(&wire);
	while (*w != '\0') {
		const char *crlf = strstr(w, "\r\n");
		if (crlf == NULL || crlf + 2 - w > SMTP_REPLY_LINE_MAX ||
		    memchr(w, '\n', (size_t)(crlf - w)) != NULL)
			abort();
		w = crlf + 2;
	}

	struct smtp_reply_reader *rr = smtp_reply_reader_new(SMTP_REPLY_LINE_MAX, 1000);
	size_t used;
	struct smtp_reply *back = NULL;
	char *rerr = NULL;
	if (smtp_reply_reader_feed(rr, buf_cstr(&wire), buf_len(&wire), &used, &back, &rerr) != 1 ||
	    used != buf_len(&wire) || back->code != r->code || strcmp(back->dsn, r->dsn) != 0 ||
	    (!split_lines && strcmp(buf_cstr(&back->text), buf_cstr(&r->text)) != 0))
		abort();
	smtp_reply_free(&back);
	smtp_reply_reader_free(&rr);
	buf_deinit(&wire);
	smtp_reply_free(&r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	size_t split = data[0];
	data++;
	size--;
	if (split > size)
		split = size / 2;

	struct buf whole, two, bytes;
	buf_init(&whole, 0);
	buf_init(&two, 0);
	buf_init(&bytes, 0);
	read_all(&whole, data, size, 0, 0);
	read_all(&two, data, size, split, 0);
	read_all(&bytes, data, size, 0, 1);
	if (strcmp(buf_cstr(&whole), buf_cstr(&two)) != 0 ||
	    strcmp(buf_cstr(&whole), buf_cstr(&bytes)) != 0)
		abort();
	buf_deinit(&whole);
	buf_deinit(&two);
	buf_deinit(&bytes);

	char *text = malloc(size + 1);
	memcpy(text, data, size);
	text[size] = '\0';
	check_format(text);
	free(text);
	return 0;
}
