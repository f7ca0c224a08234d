/* sendmail_headers.c: the message that "postern sendmail" injects: its
 * recipients, and the header scan: -t takes recipients from To:, Cc: and
 * Bcc:; Bcc: is removed in any case, as Postfix's cleanup does for mail
 * from its sendmail (see sendmail.h). */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

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

/* sendmail_trim: s[0..len) without surrounding white space, malloc'd. */
static char *sendmail_trim(const char *s, size_t len)
{
	while (len > 0 && (*s == ' ' || *s == '\t'))
		s++, len--;
	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	return xstrndup(s, len);
}

/* sendmail_addr_list: add each address of an RFC 5322 address list
 * (unfolded, NUL-terminated): "Name <a@b>", "a@b (comment)", groups
 * "name: a@b, c@d;". */
static void sendmail_addr_list(struct sendmail_msg *m, const char *v, const char *myorigin)
{
	struct buf plain, angle;
	buf_init(&plain, 0);
	buf_init(&angle, 0);
	int quoted = 0, comment = 0, in_angle = 0, had_angle = 0;
	for (const char *p = v;; p++) {
		char c = *p;
		int end = c == '\0' || (!quoted && !comment && !in_angle && (c == ',' || c == ';'));
		if (!end && !quoted && !comment && !in_angle && c == ':') {
			buf_reset(&plain); /* a group's display name */
			continue;
		}
		if (end) {
			char *a = had_angle ? sendmail_trim(buf_cstr(&angle), buf_len(&angle))
					    : sendmail_trim(buf_cstr(&plain), buf_len(&plain));
			if (a[0] != '\0')
				sendmail_msg_add_rcpt(m, a, myorigin);
			free(a);
			buf_reset(&plain);
			buf_reset(&angle);
			had_angle = 0;
			if (c == '\0')
				break;
			continue;
		}
		if (c == '\\' && p[1] != '\0' && (quoted || comment)) {
			if (!comment)
				buf_append((in_angle ? &angle : &plain), p, 2);
			p++;
			continue;
		}
		if (comment) {
			comment += c == '(';
			comment -= c == ')';
			continue;
		}
		if (c == '"')
			quoted = !quoted;
		else if (c == '(' && !quoted) {
			comment = 1;
			continue;
		} else if (c == '<' && !quoted) {
			in_angle = had_angle = 1;
			buf_reset(&angle);
			continue;
		} else if (c == '>' && !quoted && in_angle) {
			in_angle = 0;
			continue;
		}
		buf_append_char(in_angle ? &angle : &plain, c);
	}
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
