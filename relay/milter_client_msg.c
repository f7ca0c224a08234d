/* milter_client_msg.c: the message as the milters see and edit it: header
 * fields (name, value) and the body, parsed from the queued content and
 * formatted back after the edits (add, insert, change, delete a field).
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mem.h"
#include "milter_client_private.h"

/* milter_msg_field: the length of the field name at p (RFC 5322: printable
 * characters but the colon), 0 when p does not start a header field. */
static size_t milter_msg_field(const char *p, size_t len)
{
	size_t i = 0;
	while (i < len && p[i] > ' ' && p[i] < 127 && p[i] != ':')
		i++;
	return i > 0 && i < len && p[i] == ':' ? i : 0;
}

/* milter_msg_line: the length of the line at p without its line end; the
 * length with it in *next_r. */
static size_t milter_msg_line(const char *p, size_t len, size_t *next_r)
{
	const char *nl = memchr(p, '\n', len);
	if (nl == NULL) {
		*next_r = len;
		return len;
	}
	size_t n = (size_t)(nl - p);
	*next_r = n + 1;
	return n > 0 && p[n - 1] == '\r' ? n - 1 : n;
}

static void milter_msg_push(struct milter_msg *m, size_t at, char *name, char *value)
{
	if (m->n_hdrs == m->cap_hdrs) {
		m->cap_hdrs = m->cap_hdrs ? m->cap_hdrs * 2 : 16;
		m->hdrs = xreallocarray(m->hdrs, m->cap_hdrs, sizeof(*m->hdrs));
	}
	if (at > m->n_hdrs)
		at = m->n_hdrs;
	memmove(&m->hdrs[at + 1], &m->hdrs[at], (m->n_hdrs - at) * sizeof(*m->hdrs));
	m->hdrs[at].name = name;
	m->hdrs[at].value = value;
	m->n_hdrs++;
}

void milter_msg_parse(struct milter_msg *m, const char *data, size_t len)
{
	size_t pos = 0;
	buf_init(&m->body, 0);
	while (pos < len) {
		size_t next, n = milter_msg_line(data + pos, len - pos, &next);
		size_t name_len = milter_msg_field(data + pos, n);
		if (name_len == 0) {
			if (n == 0) /* the empty line between header and body */
				pos += next;
			break;
		}
		char *name = xstrndup(data + pos, name_len);
		struct buf value;
		buf_init(&value, 0);
		buf_append(&value, data + pos + name_len + 1, n - name_len - 1);
		pos += next;
		while (pos < len && (data[pos] == ' ' || data[pos] == '\t')) {
			n = milter_msg_line(data + pos, len - pos, &next);
			buf_append_char(&value, '\n');
			buf_append(&value, data + pos, n);
			pos += next;
		}
		milter_msg_push(m, m->n_hdrs, name, buf_detach(&value));
		buf_deinit(&value);
	}
	buf_append(&m->body, data + pos, len - pos);
}

/* milter_msg_append_lines: text with "\n" (or CRLF) line ends, as CRLF. */
static void milter_msg_append_lines(struct buf *out, const char *text, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (text[i] == '\n' && (i == 0 || text[i - 1] != '\r'))
			buf_append_char(out, '\r');
		buf_append_char(out, text[i]);
	}
}

void milter_msg_format(const struct milter_msg *m, struct buf *out)
{
	for (size_t i = 0; i < m->n_hdrs; i++) {
		buf_append_str(out, m->hdrs[i].name);
		buf_append_char(out, ':');
		milter_msg_append_lines(out, m->hdrs[i].value, strlen(m->hdrs[i].value));
		buf_append_str(out, "\r\n");
	}
	buf_append_str(out, "\r\n");
	buf_append(out, m->body.data, m->body.len);
}

void milter_msg_deinit(struct milter_msg *m)
{
	for (size_t i = 0; i < m->n_hdrs; i++) {
		free(m->hdrs[i].name);
		free(m->hdrs[i].value);
	}
	FREE_AND_NULL(m->hdrs);
	m->n_hdrs = m->cap_hdrs = 0;
	buf_deinit(&m->body);
}

/* milter_msg_value: the stored form of a value a milter sent. */
static char *milter_msg_value(const char *value, int leadspc)
{
	return leadspc ? xstrdup(value) : xasprintf(" %s", value);
}

void milter_msg_add(struct milter_msg *m, const char *name, const char *value, int leadspc)
{
	milter_msg_push(m, m->n_hdrs, xstrdup(name), milter_msg_value(value, leadspc));
}

void milter_msg_insert(struct milter_msg *m, uint32_t index, const char *name,
		       const char *value, int leadspc)
{
	milter_msg_push(m, index, xstrdup(name), milter_msg_value(value, leadspc));
}

void milter_msg_change(struct milter_msg *m, uint32_t index, const char *name,
		       const char *value, int leadspc)
{
	milter_msg_change_to(m, index, name, name, value, leadspc);
}

void milter_msg_change_to(struct milter_msg *m, uint32_t index, const char *name,
			  const char *new_name, const char *value, int leadspc)
{
	uint32_t seen = 0;
	if (index == 0)
		index = 1;
	for (size_t i = 0; i < m->n_hdrs; i++) {
		if (strcasecmp(m->hdrs[i].name, name) != 0 || ++seen != index)
			continue;
		free(m->hdrs[i].value);
		if (*value == '\0') {
			free(m->hdrs[i].name);
			memmove(&m->hdrs[i], &m->hdrs[i + 1], (m->n_hdrs - i - 1) * sizeof(*m->hdrs));
			m->n_hdrs--;
		} else {
			m->hdrs[i].value = milter_msg_value(value, leadspc);
			if (strcmp(m->hdrs[i].name, new_name) != 0) {
				free(m->hdrs[i].name);
				m->hdrs[i].name = xstrdup(new_name);
			}
		}
		return;
	}
	if (*value != '\0')
		milter_msg_add(m, new_name, value, leadspc);
}
