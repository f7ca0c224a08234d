/* addr_quote.c: between internal-form addresses and the quoted external
 * form that goes on the wire (see addr.h). */
#include "addr.h"

#include <string.h>

/* Characters that may not appear unquoted in a dot-string: RFC 5322
 * specials and the space; controls are tested separately. */
#define ADDR_NOT_ATEXT "()<>@,;:\\\".[] "

/* addr_is_dot_string: local[0..len) is atoms separated by single dots. */
static int addr_is_dot_string(const char *local, size_t len)
{
	if (len == 0 || local[0] == '.' || local[len - 1] == '.')
		return 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)local[i];
		if (c == '.') {
			if (local[i + 1] == '.')
				return 0;
		} else if (c < 0x20 || c == 0x7f || strchr(ADDR_NOT_ATEXT, c) != NULL) {
			return 0;
		}
	}
	return 1;
}

static void addr_quote_span(struct buf *out, const char *local, size_t len)
{
	if (addr_is_dot_string(local, len)) {
		buf_append(out, local, len);
		return;
	}
	buf_append_char(out, '"');
	for (size_t i = 0; i < len; i++) {
		if (local[i] == '"' || local[i] == '\\')
			buf_append_char(out, '\\');
		buf_append_char(out, local[i]);
	}
	buf_append_char(out, '"');
}

void addr_quote_local(struct buf *out, const char *local)
{
	addr_quote_span(out, local, strlen(local));
}

void addr_quote(struct buf *out, const char *internal)
{
	const char *at = strrchr(internal, '@');
	size_t len = at ? (size_t)(at - internal) : strlen(internal);
	addr_quote_span(out, internal, len);
	if (at != NULL)
		buf_append_str(out, at);
}

void addr_format_path(struct buf *out, const char *internal)
{
	buf_append_char(out, '<');
	if (*internal != '\0')
		addr_quote(out, internal);
	buf_append_char(out, '>');
}

void addr_unquote(struct buf *out, const char *external)
{
	const char *p = external, *colon;
	size_t bare_at = (size_t)-1; /* where the last unquoted '@' went in out */
	const char *bare_at_src = NULL;
	int quote = 0;

	if (*p == '@' && (colon = strchr(p, ':')) != NULL) {
		buf_append(out, p, (size_t)(colon + 1 - p));
		p = colon + 1;
	}
	for (; *p != '\0'; p++) {
		if (*p == '"') {
			quote = !quote;
			continue;
		}
		if (*p == '@' && !quote) {
			bare_at = buf_len(out);
			bare_at_src = p;
		} else if (*p == '\\') {
			if (p[1] == '\0')
				continue; /* a lone trailing backslash is dropped */
			p++;
		}
		buf_append_char(out, *p);
	}
	/* The domain is copied as it was written. */
	if (bare_at_src != NULL) {
		buf_truncate(out, bare_at);
		buf_append_str(out, bare_at_src);
	}
}
