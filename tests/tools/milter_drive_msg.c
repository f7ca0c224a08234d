/* milter_drive_msg.c: a message for the milter test client: header fields
 * and body from a file, and the milter's changes applied (see
 * milter_drive.h). */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mem.h"
#include "milter_drive.h"

/* msg_line: the next line of text from *pos, without its LF or CRLF. */
static int msg_line(const char *text, size_t len, size_t *pos, const char **line_r, size_t *len_r)
{
	if (*pos >= len)
		return 0;
	const char *start = text + *pos;
	const char *nl = memchr(start, '\n', len - *pos);
	size_t n = nl != NULL ? (size_t)(nl - start) : len - *pos;
	*pos += n + (nl != NULL);
	if (n > 0 && start[n - 1] == '\r')
		n--;
	*line_r = start;
	*len_r = n;
	return 1;
}

static void msg_add_header(struct drive_msg *m, char *name, char *value)
{
	m->headers = xreallocarray(m->headers, m->n_headers + 1, sizeof(*m->headers));
	m->headers[m->n_headers++] = (struct drive_header){name, value};
}

int drive_msg_parse(struct drive_msg *m, const char *text, size_t len, char **error_r)
{
	const char *line;
	size_t n, pos = 0;
	memset(m, 0, sizeof(*m));
	buf_init(&m->body, 0);
	while (msg_line(text, len, &pos, &line, &n) && n > 0) {
		if ((line[0] == ' ' || line[0] == '\t') && m->n_headers > 0) {
			struct drive_header *h = &m->headers[m->n_headers - 1];
			char *joined = xasprintf("%s\n%.*s", h->value, (int)n, line);
			free(h->value);
			h->value = joined;
			continue;
		}
		const char *colon = memchr(line, ':', n);
		if (colon == NULL || colon == line) {
			*error_r = xasprintf("header line without a name and colon: %.*s", (int)n,
					     line);
			return -1;
		}
		msg_add_header(m, xstrndup(line, (size_t)(colon - line)),
			       xstrndup(colon + 1, n - (size_t)(colon - line) - 1));
	}
	/* The body as it is, with lone LF line ends made CRLF. */
	for (size_t i = pos; i < len; i++) {
		if (text[i] == '\n' && (i == pos || text[i - 1] != '\r'))
			buf_append_char(&m->body, '\r');
		buf_append_char(&m->body, text[i]);
	}
	return 1;
}

void drive_msg_deinit(struct drive_msg *m)
{
	for (size_t i = 0; i < m->n_headers; i++) {
		free(m->headers[i].name);
		free(m->headers[i].value);
	}
	FREE_AND_NULL(m->headers);
	m->n_headers = 0;
	buf_deinit(&m->body);
}

/* msg_value: a value from the milter as the file would hold it. */
static char *msg_value(const char *value, int leadspc)
{
	return leadspc ? xstrdup(value) : xasprintf(" %s", value);
}

void drive_msg_apply(struct drive_msg *m, const struct milter_reply *r, int leadspc)
{
	size_t idx, k;
	switch (r->code) {
	case MILTER_REPLY_ADDHEADER:
		msg_add_header(m, xstrdup(r->u.header.name), msg_value(r->u.header.value, leadspc));
		break;
	case MILTER_REPLY_INSHEADER:
		idx = r->u.header.index < m->n_headers ? r->u.header.index : m->n_headers;
		msg_add_header(m, NULL, NULL);
		memmove(&m->headers[idx + 1], &m->headers[idx],
			(m->n_headers - 1 - idx) * sizeof(*m->headers));
		m->headers[idx].name = xstrdup(r->u.header.name);
		m->headers[idx].value = msg_value(r->u.header.value, leadspc);
		break;
	case MILTER_REPLY_CHGHEADER:
		/* The index-th field of that name, from 1 (0 counts as 1). */
		k = r->u.header.index > 0 ? r->u.header.index : 1;
		for (idx = 0; idx < m->n_headers; idx++)
			if (strcasecmp(m->headers[idx].name, r->u.header.name) == 0 && --k == 0)
				break;
		if (idx == m->n_headers) {
			if (*r->u.header.value != '\0')
				msg_add_header(m, xstrdup(r->u.header.name),
					       msg_value(r->u.header.value, leadspc));
			break;
		}
		free(m->headers[idx].value);
		if (*r->u.header.value != '\0') {
			m->headers[idx].value = msg_value(r->u.header.value, leadspc);
			break;
		}
		free(m->headers[idx].name);
		memmove(&m->headers[idx], &m->headers[idx + 1],
			(m->n_headers - idx - 1) * sizeof(*m->headers));
		m->n_headers--;
		break;
	case MILTER_REPLY_REPLBODY:
		buf_reset(&m->body);
		buf_append(&m->body, r->u.body.data, r->u.body.len);
		break;
	default:
		break;
	}
}

void drive_msg_write(const struct drive_msg *m, FILE *out)
{
	for (size_t i = 0; i < m->n_headers; i++) {
		fprintf(out, "%s:", m->headers[i].name);
		for (const char *p = m->headers[i].value; *p != '\0'; p++) {
			if (*p == '\n' && (p == m->headers[i].value || p[-1] != '\r'))
				fputc('\r', out);
			fputc(*p, out);
		}
		fputs("\r\n", out);
	}
	fputs("\r\n", out);
	fwrite(m->body.data, 1, m->body.len, out);
}
