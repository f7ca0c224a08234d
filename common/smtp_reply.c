/* smtp_reply.c: reply objects built from the reply table, and their wire
 * format with the 512-octet line limit (see smtp_reply.h). */
#include "smtp_reply.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "mem.h"

/* Wire prefix "NNN-" and the CRLF around each line's text. */
#define REPLY_PREFIX_LEN 4
#define REPLY_CRLF_LEN 2

/* append_sanitized: copy s to b, control characters (other than TAB) and
 * DEL replaced by '?'; keep_newline: '\n' is kept as the line separator. */
static void append_sanitized(struct buf *b, const char *s, int keep_newline)
{
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;
		if ((c < 0x20 && c != '\t' && !(keep_newline && c == '\n')) || c == 0x7f)
			c = '?';
		buf_append_char(b, (char)c);
	}
}

static struct smtp_reply *reply_alloc(int code, const char *dsn)
{
	if (code < 200 || code > 599)
		log_panic("smtp_reply: bad reply code %d", code);
	struct smtp_reply *r = xcalloc(1, sizeof(*r));
	r->code = code;
	if (dsn != NULL && dsn[0] != '\0') {
		size_t len = smtp_dsn_valid(dsn);
		if (len == 0 || dsn[len] != '\0')
			log_panic("smtp_reply: bad enhanced status code \"%s\"", dsn);
		memcpy(r->dsn, dsn, len + 1);
		r->dsn[0] = (char)('0' + code / 100);
	}
	buf_init(&r->text, 0);
	return r;
}

struct smtp_reply *smtp_reply_new(enum smtp_reply_id id, ...)
{
	const struct smtp_reply_def *def = smtp_reply_def(id);
	struct smtp_reply *r = reply_alloc(def->code, def->dsn);
	int want = smtp_reply_def_nargs(def), got = 0;
	va_list ap;

	va_start(ap, id);
	for (const char *p = def->text; *p != '\0'; p++) {
		if (p[0] == '%' && p[1] == 's') {
			const char *arg = va_arg(ap, const char *);
			if (arg == NULL)
				log_panic("smtp_reply_new(%s): %d arguments for %d placeholders",
					  def->name, got, want);
			append_sanitized(&r->text, arg, 0);
			got++;
			p++;
		} else {
			buf_append_char(&r->text, *p);
		}
	}
	if (va_arg(ap, const char *) != NULL)
		log_panic("smtp_reply_new(%s): more arguments than its %d placeholders", def->name,
			  want);
	va_end(ap);
	return r;
}

struct smtp_reply *smtp_reply_custom(int code, const char *dsn, const char *text)
{
	struct smtp_reply *r = reply_alloc(code, dsn);
	append_sanitized(&r->text, text, 1);
	return r;
}

void smtp_reply_free(struct smtp_reply **rp)
{
	if (rp == NULL || *rp == NULL)
		return;
	buf_deinit(&(*rp)->text);
	FREE_AND_NULL(*rp);
}

int smtp_reply_set_code(struct smtp_reply *r, int code)
{
	if (code < 200 || code > 599)
		return -1;
	r->code = code;
	if (r->dsn[0] != '\0')
		r->dsn[0] = (char)('0' + code / 100);
	return 1;
}

void smtp_reply_add_line(struct smtp_reply *r, const char *line)
{
	buf_append_char(&r->text, '\n');
	append_sanitized(&r->text, line, 1);
}

size_t smtp_dsn_valid(const char *s)
{
	const char *p = s;
	if (*p != '2' && *p != '4' && *p != '5')
		return 0;
	p++;
	for (int part = 0; part < 2; part++) {
		if (*p++ != '.')
			return 0;
		int digits = 0;
		while (isdigit((unsigned char)*p) && digits < 4) {
			p++;
			digits++;
		}
		if (digits < 1 || digits > 3)
			return 0;
	}
	if (*p != '\0' && *p != ' ' && *p != '\t')
		return 0;
	return (size_t)(p - s);
}

/* piece_len: how much of the n bytes at s fit in one wire line of at most
 * max text bytes; *skip_r is set to the bytes to drop after the piece (the
 * space a split happened at). */
static size_t piece_len(const char *s, size_t n, size_t max, size_t *skip_r)
{
	*skip_r = 0;
	if (n <= max)
		return n;
	for (size_t k = max; k > 0; k--) {
		if (s[k] == ' ') {
			*skip_r = 1;
			return k;
		}
	}
	size_t cut = max;
	while (cut > 0 && ((unsigned char)s[cut] & 0xc0) == 0x80)
		cut--;
	return cut > 0 ? cut : max;
}

int smtp_reply_format(const struct smtp_reply *r, unsigned flags, struct buf *out)
{
	int enhanced = (flags & SMTP_REPLY_ENHANCED) && r->dsn[0] != '\0';
	size_t dsn_len = enhanced ? strlen(r->dsn) + 1 : 0;
	size_t max = SMTP_REPLY_LINE_MAX - REPLY_CRLF_LEN - REPLY_PREFIX_LEN - dsn_len;
	const char *text = buf_cstr(&r->text);
	size_t text_len = buf_len(&r->text);
	size_t pos = 0;
	int rc = 1;

	for (;;) {
		const char *nl = memchr(text + pos, '\n', text_len - pos);
		size_t line_end = nl != NULL ? (size_t)(nl - text) : text_len;
		do {
			size_t skip;
			size_t n = piece_len(text + pos, line_end - pos, max, &skip);
			int last = nl == NULL && pos + n + skip >= line_end;
			if (buf_printf(out, "%03d%c%s%s", r->code, last ? ' ' : '-',
				       enhanced ? r->dsn : "", enhanced ? " " : "") < 0 ||
			    buf_append(out, text + pos, n) < 0 || buf_append(out, "\r\n", 2) < 0)
				rc = -1;
			pos += n + skip;
		} while (pos < line_end && rc > 0);
		if (nl == NULL || rc < 0)
			break;
		pos = line_end + 1;
	}
	return rc;
}

char *smtp_reply_to_string(const struct smtp_reply *r)
{
	struct buf b;
	buf_init(&b, 0);
	buf_printf(&b, "%03d%s%s ", r->code, r->dsn[0] ? " " : "", r->dsn);
	for (const char *p = buf_cstr(&r->text); *p != '\0'; p++)
		buf_append_char(&b, *p == '\n' ? ' ' : *p);
	char *s = xstrdup(buf_cstr(&b));
	buf_deinit(&b);
	return s;
}
