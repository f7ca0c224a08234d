/* smtp_reply_parse.c: turn a reply text given by an access table, a policy
 * service or a milter ("550 5.7.1 text", "450 text", multi-line milter
 * replies) into a struct smtp_reply, deriving the enhanced status code the
 * way Postfix does when the text has none (see smtp_reply.h). */
#include "smtp_reply.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"

/* One line of the input, with its code, separator and text located. */
struct reply_line {
	int code;
	char sep; /* '-' continuation, ' ' last */
	const char *text;
	size_t len;
};

static int parse_line(const char *s, size_t len, struct reply_line *l, char **error_r)
{
	if (len < 3 || !isdigit((unsigned char)s[0]) || !isdigit((unsigned char)s[1]) ||
	    !isdigit((unsigned char)s[2])) {
		*error_r = xasprintf("reply text does not start with a 3-digit code: \"%.*s\"",
				     (int)(len > 40 ? 40 : len), s);
		return -1;
	}
	if (s[0] != '4' && s[0] != '5') {
		*error_r = xasprintf("reply code %.3s is not 4xx or 5xx", s);
		return -1;
	}
	l->code = (s[0] - '0') * 100 + (s[1] - '0') * 10 + (s[2] - '0');
	if (len == 3) {
		l->sep = ' ';
		l->text = s + 3;
		l->len = 0;
		return 1;
	}
	if (s[3] != ' ' && s[3] != '\t' && s[3] != '-') {
		*error_r = xasprintf("no white space after reply code %.3s", s);
		return -1;
	}
	l->sep = s[3] == '-' ? '-' : ' ';
	l->text = s + 4;
	l->len = len - 4;
	while (l->len > 0 && (*l->text == ' ' || *l->text == '\t')) {
		l->text++;
		l->len--;
	}
	return 1;
}

/* strip_dsn: drop a leading enhanced status code (and the white space
 * after it) from the line; return its length, 0 when there is none. */
static size_t strip_dsn(struct reply_line *l, char dsn[SMTP_DSN_SIZE])
{
	char tmp[SMTP_DSN_SIZE + 1];
	size_t n = l->len < SMTP_DSN_SIZE ? l->len : SMTP_DSN_SIZE;
	memcpy(tmp, l->text, n);
	tmp[n] = '\0';
	size_t dsn_len = smtp_dsn_valid(tmp);
	if (dsn_len == 0)
		return 0;
	memcpy(dsn, l->text, dsn_len);
	dsn[dsn_len] = '\0';
	l->text += dsn_len;
	l->len -= dsn_len;
	while (l->len > 0 && (*l->text == ' ' || *l->text == '\t')) {
		l->text++;
		l->len--;
	}
	return dsn_len;
}

int smtp_reply_parse(const char *text, struct smtp_reply **reply_r, char **error_r)
{
	struct smtp_reply *r = NULL;
	char dsn[SMTP_DSN_SIZE] = "";
	const char *p = text;
	int done = 0;

	*reply_r = NULL;
	while (!done) {
		size_t len = strcspn(p, "\r\n");
		struct reply_line l;
		if (parse_line(p, len, &l, error_r) < 0)
			goto fail;
		if (r != NULL && l.code != r->code) {
			*error_r = xasprintf("reply code %d differs from the first line's %d",
					     l.code, r->code);
			goto fail;
		}
		char line_dsn[SMTP_DSN_SIZE];
		if (strip_dsn(&l, line_dsn) > 0 && dsn[0] == '\0')
			memcpy(dsn, line_dsn, sizeof(dsn));
		char *line = xstrndup(l.text, l.len);
		if (r == NULL) {
			r = smtp_reply_custom(l.code, NULL, line);
		} else {
			smtp_reply_add_line(r, line);
		}
		free(line);
		p += len;
		if (p[0] == '\r' && p[1] == '\n')
			p += 2;
		else if (p[0] == '\r' || p[0] == '\n')
			p += 1;
		done = l.sep == ' ';
		if (done && *p != '\0') {
			*error_r = xstrdup("reply text continues after its last line");
			goto fail;
		}
		if (!done && *p == '\0') {
			*error_r = xstrdup("multi-line reply text ends with a continuation line");
			goto fail;
		}
	}
	if (dsn[0] == '\0')
		memcpy(dsn, r->code >= 500 ? "5.7.1" : "4.7.1", sizeof("5.7.1"));
	dsn[0] = (char)('0' + r->code / 100);
	memcpy(r->dsn, dsn, sizeof(r->dsn));
	*reply_r = r;
	return 1;
fail:
	smtp_reply_free(&r);
	return -1;
}
