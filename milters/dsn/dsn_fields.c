/* dsn_fields.c: the message/delivery-status part of a DSN (RFC 3464
 * section 2): blocks of fields separated by blank lines, the first about
 * the message, each further one about a recipient. Each block is read
 * whole, its fields filtered with the block's Status (see dsn_engine.h),
 * and written back: unchanged fields as they were, changed ones on one
 * line. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dsn_private.h"
#include "mem.h"
#include "smtp_reply.h"

/* One field of a block: its physical lines as they were, and its value
 * unfolded. */
struct field {
	char *name;
	struct buf raw;	  /* its lines, CRLF after each */
	struct buf value; /* after the colon, folds removed, blanks trimmed */
	char *new_value;  /* when changed */
};

struct block {
	struct field *v;
	size_t n;
};

/* Fields that are no free text (RFC 3464 sections 2.2 and 2.3). */
static int keep_as_is(const char *name)
{
	static const char *const names[] = {"Action",
					    "Status",
					    "Arrival-Date",
					    "Last-Attempt-Date",
					    "Will-Retry-Until",
					    "Original-Envelope-Id",
					    "Original-Recipient"};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcasecmp(name, names[i]) == 0)
			return 1;
	return 0;
}

static void block_reset(struct block *b)
{
	for (size_t i = 0; i < b->n; i++) {
		free(b->v[i].name);
		buf_deinit(&b->v[i].raw);
		buf_deinit(&b->v[i].value);
		free(b->v[i].new_value);
	}
	free(b->v);
	*b = (struct block){0};
}

/* block_line: add one line (without its line end) to the block. */
static void block_line(struct block *b, const char *line, size_t len)
{
	struct field *f;

	if ((line[0] == ' ' || line[0] == '\t') && b->n > 0) {
		f = &b->v[b->n - 1];
		buf_append(&f->value, line, len);
	} else {
		b->v = xreallocarray(b->v, b->n + 1, sizeof(*b->v));
		f = &b->v[b->n++];
		*f = (struct field){0};
		buf_init(&f->raw, 0);
		buf_init(&f->value, 0);
		const char *colon = memchr(line, ':', len);
		size_t nlen = colon != NULL ? (size_t)(colon - line) : len;
		f->name = xstrndup(line, nlen);
		if (colon != NULL)
			buf_append(&f->value, colon + 1, len - nlen - 1);
	}
	buf_append(&f->raw, line, len);
	buf_append_str(&f->raw, "\r\n");
}

static struct field *block_find(struct block *b, const char *name)
{
	for (size_t i = 0; i < b->n; i++)
		if (strcasecmp(b->v[i].name, name) == 0)
			return &b->v[i];
	return NULL;
}

/* trimmed: value without the blanks around it, in a new string. */
static char *trimmed(const struct buf *value)
{
	const char *s = buf_cstr(value);
	size_t len = buf_len(value);

	while (len > 0 && isspace((unsigned char)*s))
		s++, len--;
	while (len > 0 && isspace((unsigned char)s[len - 1]))
		len--;
	return xstrndup(s, len);
}

/* filter_field: run f's value (without its "type;") through the filter. */
static int filter_field(const struct dsn_rules *rules, struct dsn_result *result, struct field *f,
			const char *status, char **status_r)
{
	char *value = trimmed(&f->value);
	size_t type_len = strspn(value, "abcdefghijklmnopqrstuvwxyz"
					"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-");
	const char *text = value;
	char *new_text = NULL;

	if (type_len > 0 && value[type_len] == ';')
		for (text = value + type_len + 1; isspace((unsigned char)*text); text++)
			;
	else
		type_len = 0;
	int rc = dsn_apply(rules, result, status, text, status_r, &new_text);
	if (rc > 0)
		f->new_value = type_len > 0 ? xasprintf("%.*s; %s", (int)type_len, value, new_text)
					    : xstrdup(new_text);
	free(new_text);
	free(value);
	return rc;
}

/* block_flush: filter the block's fields and write it. */
static int block_flush(const struct dsn_rules *rules, struct dsn_result *result, struct block *b,
		       struct buf *out)
{
	struct field *status_field = block_find(b, "Status");
	char *status = NULL, *new_status = NULL;
	int rc = 1;

	if (status_field != NULL) {
		status = trimmed(&status_field->value);
		size_t n = smtp_dsn_valid(status);
		status[n > 0 ? n : 0] = '\0';
	}
	if (status == NULL || *status == '\0') {
		free(status);
		status = xstrdup(DSN_NO_STATUS);
	}
	for (size_t i = 0; i < b->n && rc > 0; i++) {
		struct field *f = &b->v[i];
		char *st = NULL;
		if (keep_as_is(f->name))
			continue;
		if (filter_field(rules, result, f, status, &st) < 0)
			rc = -1;
		if (st != NULL && strcasecmp(f->name, "Diagnostic-Code") == 0 &&
		    strcmp(st, status) != 0) {
			free(new_status);
			new_status = xstrdup(st);
		}
		free(st);
	}
	if (new_status != NULL && status_field != NULL)
		status_field->new_value = new_status;
	else
		free(new_status);
	for (size_t i = 0; i < b->n; i++) {
		const struct field *f = &b->v[i];
		if (f->new_value != NULL)
			buf_printf(out, "%s: %s\r\n", f->name, f->new_value);
		else
			buf_append(out, buf_cstr(&f->raw), buf_len(&f->raw));
	}
	free(status);
	block_reset(b);
	return rc;
}

int dsn_fields_rewrite(const struct dsn_rules *rules, struct dsn_result *result, const char *text,
		       size_t len, struct buf *out)
{
	struct block b = {0};
	int rc = 1;
	int open_end = len > 0 && text[len - 1] != '\n';

	while (len > 0 && rc > 0) {
		const char *nl = memchr(text, '\n', len);
		size_t line_len = nl != NULL ? (size_t)(nl - text) : len;
		size_t used = nl != NULL ? line_len + 1 : len;
		if (line_len > 0 && text[line_len - 1] == '\r')
			line_len--;
		if (line_len == 0) {
			rc = block_flush(rules, result, &b, out);
			buf_append_str(out, "\r\n");
		} else {
			block_line(&b, text, line_len);
		}
		text += used;
		len -= used;
	}
	if (rc > 0)
		rc = block_flush(rules, result, &b, out);
	block_reset(&b);
	if (open_end && buf_len(out) >= 2)
		buf_truncate(out, buf_len(out) - 2);
	return rc;
}
