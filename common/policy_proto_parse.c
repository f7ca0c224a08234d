/* policy_proto_parse.c: the incremental, bounded parser for policy
 * delegation requests and replies (see policy_proto.h).
 *
 * Input is taken a run of plain bytes at a time (memchr finds the end of
 * the line); the limits are checked as if byte by byte, so an error is
 * found at the same byte however the input is chunked, and the parser
 * never holds more than one line plus the attributes of one message. */
#include "policy_proto.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "mem.h"

#define REQUEST_TYPE "smtpd_access_policy"

struct policy_parser {
	enum policy_kind kind;
	struct policy_limits limits;
	struct buf line;	    /* current line, without its newline */
	struct policy_attrs *attrs; /* current message, or NULL */
	size_t size;		    /* bytes of the current message so far */
	size_t lineno;		    /* lines of the current message so far */
	char *error;		    /* first error, repeated by later calls */
};

static const char *kind_name(const struct policy_parser *p)
{
	return p->kind == POLICY_REQUEST ? "policy request" : "policy reply";
}

static int fail(struct policy_parser *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* fail: record the error for this and every later call. */
static int fail(struct policy_parser *p, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = xvasprintf(fmt, ap);
	va_end(ap);
	p->error = xasprintf("%s %s", kind_name(p), msg);
	free(msg);
	return -1;
}

struct policy_parser *policy_parser_new(enum policy_kind kind, const struct policy_limits *limits)
{
	struct policy_parser *p = xcalloc(1, sizeof(*p));

	p->kind = kind;
	if (limits != NULL)
		p->limits = *limits;
	if (p->limits.max_line == 0)
		p->limits.max_line = POLICY_MAX_LINE_DEFAULT;
	if (p->limits.max_attrs == 0)
		p->limits.max_attrs = POLICY_MAX_ATTRS_DEFAULT;
	if (p->limits.max_size == 0)
		p->limits.max_size = POLICY_MAX_SIZE_DEFAULT;
	buf_init(&p->line, 0);
	return p;
}

void policy_parser_free(struct policy_parser **pp)
{
	if (pp == NULL || *pp == NULL)
		return;
	buf_deinit(&(*pp)->line);
	policy_attrs_free(&(*pp)->attrs);
	free((*pp)->error);
	FREE_AND_NULL(*pp);
}

int policy_parser_pending(const struct policy_parser *p)
{
	return p->size > 0;
}

/* end_message: check the message that an empty line ended. */
static int end_message(struct policy_parser *p)
{
	const char *type;

	if (p->kind == POLICY_REPLY) {
		if (policy_attrs_get(p->attrs, "action") == NULL)
			return fail(p, "without action attribute");
		return 1;
	}
	if ((type = policy_attrs_get(p->attrs, "request")) == NULL)
		return fail(p, "without request=" REQUEST_TYPE);
	if (strcmp(type, REQUEST_TYPE) != 0)
		return fail(p, "of unsupported type request=%.100s", type);
	return 1;
}

/* end_line: a complete line; 1 when it ends a message, 0 when more lines
 * follow, -1 on error. */
static int end_line(struct policy_parser *p)
{
	char *line = (char *)buf_cstr(&p->line);
	size_t len = buf_len(&p->line);
	char *eq, *error;

	if (len > 0 && line[len - 1] == '\r')
		line[--len] = '\0';
	if (p->attrs == NULL)
		p->attrs = policy_attrs_new();
	if (len == 0)
		return end_message(p);
	if ((eq = strchr(line, '=')) == NULL)
		return fail(p, "line %zu: no '=' in \"%.100s\"", p->lineno, line);
	if (p->attrs->count == p->limits.max_attrs)
		return fail(p, "line %zu: more than %zu attributes", p->lineno,
			    p->limits.max_attrs);
	*eq = '\0';
	if (policy_attrs_add(p->attrs, line, eq + 1, &error) < 0) {
		fail(p, "line %zu: %s", p->lineno, error);
		free(error);
		return -1;
	}
	buf_reset(&p->line);
	return 0;
}

/* plain_run: the length of data's leading run without '\n' or NUL. */
static size_t plain_run(const unsigned char *data, size_t len)
{
	const unsigned char *nl = memchr(data, '\n', len);
	size_t n = nl != NULL ? (size_t)(nl - data) : len;
	const unsigned char *nul = memchr(data, '\0', n);
	return nul != NULL ? (size_t)(nul - data) : n;
}

int policy_parser_feed(struct policy_parser *p, const void *data, size_t len, size_t *consumed_r,
		       struct policy_attrs **attrs_r, char **error_r)
{
	const unsigned char *in = data;
	size_t used = 0;
	int rc = 0;

	while (p->error == NULL && rc == 0 && used < len) {
		if (p->size == p->limits.max_size) {
			used++;
			fail(p, "larger than %zu bytes", p->limits.max_size);
			break;
		}
		/* the bytes that fit in the message, then those of the line */
		size_t avail = len - used;
		if (avail > p->limits.max_size - p->size)
			avail = p->limits.max_size - p->size;
		size_t run = plain_run(in + used, avail);
		size_t line_room = p->limits.max_line - buf_len(&p->line);
		if (run > line_room) {
			buf_append(&p->line, in + used, line_room);
			used += line_room + 1;
			p->size += line_room + 1;
			fail(p, "line %zu: longer than %zu bytes", p->lineno + 1,
			     p->limits.max_line);
			break;
		}
		buf_append(&p->line, in + used, run);
		used += run;
		p->size += run;
		if (run == avail)
			continue;
		unsigned char c = in[used++];
		p->size++;
		if (c == '\n') {
			p->lineno++;
			rc = end_line(p);
		} else {
			fail(p, "line %zu: NUL byte", p->lineno + 1);
		}
	}
	*consumed_r = used;
	if (p->error != NULL) {
		*error_r = xstrdup(p->error);
		return -1;
	}
	if (rc == 1) {
		*attrs_r = p->attrs;
		p->attrs = NULL;
		buf_reset(&p->line);
		p->size = 0;
		p->lineno = 0;
	}
	return rc;
}
