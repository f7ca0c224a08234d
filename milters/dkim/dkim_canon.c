/* dkim_canon.c: DKIM simple and relaxed canonicalization (see
 * dkim_canon.h). */
#include "dkim_canon.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

int dkim_canon_parse(const char *text, size_t len, enum dkim_canon_mode *mode_r)
{
	if (len == 6 && strncasecmp(text, "simple", 6) == 0)
		*mode_r = DKIM_CANON_MODE_SIMPLE;
	else if (len == 7 && strncasecmp(text, "relaxed", 7) == 0)
		*mode_r = DKIM_CANON_MODE_RELAXED;
	else
		return 0;
	return 1;
}

const char *dkim_canon_name(enum dkim_canon_mode mode)
{
	return mode == DKIM_CANON_MODE_RELAXED ? "relaxed" : "simple";
}

static int canon_wsp(char c)
{
	return c == ' ' || c == '\t';
}

void dkim_canon_header(enum dkim_canon_mode mode, const char *name, const char *value, int crlf,
		       struct buf *out)
{
	if (mode == DKIM_CANON_MODE_SIMPLE) {
		buf_printf(out, "%s:%s%s", name, value, crlf ? "\r\n" : "");
		return;
	}
	/* Relaxed: name in lower case without white space before the colon;
	 * value unfolded, white space runs made one space, none at either end. */
	size_t nlen = strlen(name);
	while (nlen > 0 && canon_wsp(name[nlen - 1]))
		nlen--;
	for (size_t i = 0; i < nlen; i++)
		buf_append_char(out, (char)tolower((unsigned char)name[i]));
	buf_append_char(out, ':');
	int space = 0, started = 0;
	for (const char *p = value; *p != '\0'; p++) {
		if (*p == '\r' || *p == '\n' || canon_wsp(*p)) {
			space = 1;
			continue;
		}
		if (space && started)
			buf_append_char(out, ' ');
		buf_append_char(out, *p);
		space = 0;
		started = 1;
	}
	if (crlf)
		buf_append_str(out, "\r\n");
}

static void body_flush(struct dkim_body_canon *b)
{
	if (b->out_len > 0)
		b->emit(b->ctx, b->out, b->out_len);
	b->length += b->out_len;
	b->out_len = 0;
}

static void body_put(struct dkim_body_canon *b, const char *data, size_t len)
{
	while (len > 0) {
		size_t room = sizeof(b->out) - b->out_len;
		size_t n = len < room ? len : room;
		memcpy(b->out + b->out_len, data, n);
		b->out_len += n;
		data += n;
		len -= n;
		if (b->out_len == sizeof(b->out))
			body_flush(b);
	}
}

/* body_content: an ordinary character: the held-back line ends and white
 * space come first. */
static void body_content(struct dkim_body_canon *b, char c)
{
	for (; b->pending_crlf > 0; b->pending_crlf--)
		body_put(b, "\r\n", 2);
	if (b->pending_wsp)
		body_put(b, " ", 1);
	b->pending_wsp = 0;
	body_put(b, &c, 1);
	b->content = 1;
}

void dkim_body_init(struct dkim_body_canon *b, enum dkim_canon_mode mode, dkim_body_emit_fn *emit,
		    void *ctx)
{
	memset(b, 0, sizeof(*b));
	b->mode = mode;
	b->emit = emit;
	b->ctx = ctx;
}

void dkim_body_update(struct dkim_body_canon *b, const void *data, size_t len)
{
	const char *p = data;
	for (size_t i = 0; i < len; i++) {
		char c = p[i];
		if (b->pending_cr) {
			b->pending_cr = 0;
			if (c == '\n') {
				/* End of line: trailing white space goes (relaxed). */
				b->pending_wsp = 0;
				b->pending_crlf++;
				continue;
			}
			body_content(b, '\r');
		}
		if (c == '\r')
			b->pending_cr = 1;
		else if (b->mode == DKIM_CANON_MODE_RELAXED && canon_wsp(c))
			b->pending_wsp = 1;
		else
			body_content(b, c);
	}
}

unsigned long long dkim_body_final(struct dkim_body_canon *b)
{
	if (b->pending_cr)
		body_content(b, '\r');
	b->pending_cr = 0;
	/* Relaxed: white space at the end of the last line goes. The last
	 * line ends in exactly one CRLF; a simple empty body is one CRLF. */
	if (b->content || b->mode == DKIM_CANON_MODE_SIMPLE)
		body_put(b, "\r\n", 2);
	b->pending_crlf = 0;
	b->pending_wsp = 0;
	body_flush(b);
	return b->length;
}
