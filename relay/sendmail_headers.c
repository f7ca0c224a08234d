/* sendmail_headers.c: the message that "postern sendmail" injects: its
 * recipients, and the header scan: -t takes recipients from To:, Cc: and
 * Bcc:; Bcc: is removed in any case, as Postfix's cleanup does for mail
 * from its sendmail (see sendmail.h). */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "header_token.h"
#include "mem.h"
#include "sendmail.h"

char *sendmail_qualify(const char *addr, const char *myorigin)
{
	if (addr[0] == '\0' || strchr(addr, '@') != NULL)
		return xstrdup(addr);
	return xasprintf("%s@%s", addr, myorigin);
}

void sendmail_msg_add_rcpt(struct sendmail_msg *m, const char *addr, const char *myorigin)
{
	m->rcpts = xreallocarray(m->rcpts, m->n_rcpts + 1, sizeof(char *));
	m->rcpts[m->n_rcpts++] = sendmail_qualify(addr, myorigin);
}

void sendmail_msg_deinit(struct sendmail_msg *m)
{
	for (size_t i = 0; i < m->n_rcpts; i++)
		free(m->rcpts[i]);
	free(m->rcpts);
	free(m->sender);
	free(m->ret);
	free(m->envid);
	free(m->full_name);
	buf_deinit(&m->content);
	memset(m, 0, sizeof(*m));
}

/* sendmail_addr_word: append a word of an address to b, a quoted string
 * quoted again. */
static void sendmail_addr_word(struct buf *b, enum header_token_type t, const struct buf *value)
{
	if (t != HEADER_TOKEN_QSTRING) {
		buf_append(b, buf_cstr(value), buf_len(value));
		return;
	}
	buf_append_char(b, '"');
	for (const char *c = buf_cstr(value); *c != '\0'; c++) {
		if (*c == '"' || *c == '\\')
			buf_append_char(b, '\\');
		buf_append_char(b, *c);
	}
	buf_append_char(b, '"');
}

/* sendmail_addr_list: add each address of an RFC 5322 address list
 * (unfolded, NUL-terminated), tokenized by the header lexer: "Name <a@b>",
 * "a@b (comment)", groups "name: a@b, c@d;". */
static void sendmail_addr_list(struct sendmail_msg *m, const char *v, const char *myorigin)
{
	struct header_lexer lx;
	struct buf value, plain, angle;
	int in_angle = 0, had_angle = 0;
	enum header_token_type t;

	header_lexer_init(&lx, v, strlen(v), HEADER_RFC822_SPECIALS);
	buf_init(&value, 0);
	buf_init(&plain, 0);
	buf_init(&angle, 0);
	do {
		t = header_token_next(&lx, &value, NULL);
		char c = t == HEADER_TOKEN_SPECIAL ? buf_cstr(&value)[0] : '\0';
		if (t == HEADER_TOKEN_END || (!in_angle && (c == ',' || c == ';'))) {
			const struct buf *a = had_angle ? &angle : &plain;
			if (buf_len(a) > 0)
				sendmail_msg_add_rcpt(m, buf_cstr(a), myorigin);
			buf_reset(&plain);
			buf_reset(&angle);
			had_angle = 0;
		} else if (!in_angle && c == ':') {
			buf_reset(&plain); /* a group's display name */
		} else if (c == '<') {
			in_angle = had_angle = 1;
			buf_reset(&angle);
		} else if (c == '>') {
			in_angle = 0;
		} else {
			sendmail_addr_word(in_angle ? &angle : &plain, t, &value);
		}
	} while (t != HEADER_TOKEN_END);
	buf_deinit(&value);
	buf_deinit(&plain);
	buf_deinit(&angle);
}

/* sendmail_header_is: does the header line[0..len) have name? */
static int sendmail_header_is(const char *line, size_t len, const char *name)
{
	size_t n = strlen(name);
	if (len <= n || strncasecmp(line, name, n) != 0)
		return 0;
	size_t i = n;
	while (i < len && (line[i] == ' ' || line[i] == '\t'))
		i++;
	return i < len && line[i] == ':';
}

void sendmail_headers_scan(struct sendmail_msg *m, int extract, const char *myorigin)
{
	struct buf out;
	buf_init(&out, 0);
	const char *data = buf_cstr(&m->content), *end = data + buf_len(&m->content);
	const char *p = data;
	while (p < end) {
		/* One header: its first line and continuation lines. */
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		if (eol == NULL || eol == p + 1 || eol == p) /* the empty line */
			break;
		const char *h_end = eol + 1;
		while (h_end < end && (*h_end == ' ' || *h_end == '\t')) {
			const char *next = memchr(h_end, '\n', (size_t)(end - h_end));
			h_end = next != NULL ? next + 1 : end;
		}
		size_t h_len = (size_t)(h_end - p);
		int bcc = sendmail_header_is(p, h_len, "Bcc");
		if (extract && (bcc || sendmail_header_is(p, h_len, "To") ||
				sendmail_header_is(p, h_len, "Cc"))) {
			const char *colon = memchr(p, ':', h_len);
			struct buf v;
			buf_init(&v, 0);
			for (const char *q = colon + 1; q < h_end; q++)
				if (*q != '\r' && *q != '\n')
					buf_append_char(&v, *q);
			sendmail_addr_list(m, buf_cstr(&v), myorigin);
			buf_deinit(&v);
		}
		if (!bcc)
			buf_append(&out, p, h_len);
		p = h_end;
	}
	buf_append(&out, p, (size_t)(end - p));
	buf_deinit(&m->content);
	m->content = out;
}
