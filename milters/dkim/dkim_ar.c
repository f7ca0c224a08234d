/* dkim_ar.c: the Authentication-Results field of postern-dkim (see
 * dkim_ar.h). */
#include "dkim_ar.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "mem.h"

/* ar_token_char: c may appear in an RFC 2045 token. */
static int ar_token_char(unsigned char c)
{
	return c > 0x20 && c < 0x7f && strchr("()<>@,;:\\\"/[]?=", c) == NULL;
}

/* ar_value: a property value: as is when it is a token, or a local part
 * and domain made of token characters (RFC 8601 pvalue), else a quoted
 * string. */
static void ar_value(struct buf *out, const char *v)
{
	int plain = *v != '\0';
	for (const char *p = v; *p != '\0' && plain; p++)
		plain = ar_token_char((unsigned char)*p) || *p == '@';
	if (plain) {
		buf_append_str(out, v);
		return;
	}
	buf_append_char(out, '"');
	for (const char *p = v; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			buf_append_char(out, '\\');
		if ((unsigned char)*p >= 0x20 && *p != 0x7f)
			buf_append_char(out, *p);
	}
	buf_append_char(out, '"');
}

static void ar_property(struct buf *out, const char *name, const char *value)
{
	if (value == NULL || *value == '\0')
		return;
	buf_printf(out, " %s=", name);
	ar_value(out, value);
}

char *dkim_ar_value(const char *authserv_id, const struct dkim_sig_result *r, size_t n)
{
	struct buf out;
	buf_init(&out, 0);
	buf_printf(&out, "%s;", authserv_id);
	if (n == 0)
		buf_append_str(&out, " dkim=none");
	for (size_t i = 0; i < n; i++) {
		buf_printf(&out, "%s\r\n\tdkim=%s", i > 0 ? ";" : "",
			   dkim_result_name(r[i].result));
		if (r[i].reason != NULL)
			buf_printf(&out, " (%s)", r[i].reason);
		else if (r[i].key_bits > 0)
			buf_printf(&out, " (%u-bit key)", r[i].key_bits);
		ar_property(&out, "header.d", r[i].domain);
		ar_property(&out, "header.i", r[i].identity);
		ar_property(&out, "header.s", r[i].selector);
		ar_property(&out, "header.a", r[i].alg);
		ar_property(&out, "header.b", r[i].b_prefix);
	}
	char *s = buf_detach(&out);
	buf_deinit(&out);
	return s;
}

/* ar_skip_cfws: past white space, line breaks and (nested) comments. */
static const char *ar_skip_cfws(const char *p)
{
	int depth = 0;
	for (; *p != '\0'; p++) {
		if (*p == '(')
			depth++;
		else if (*p == ')' && depth > 0)
			depth--;
		else if (*p == '\\' && depth > 0 && p[1] != '\0')
			p++;
		else if (depth == 0 && *p != ' ' && *p != '\t' && *p != '\r' && *p != '\n')
			break;
	}
	return p;
}

int dkim_ar_authserv_id(const char *value, char **id_r)
{
	const char *p = ar_skip_cfws(value);
	struct buf id;
	buf_init(&id, 0);
	if (*p == '"') {
		for (p++; *p != '\0' && *p != '"'; p++) {
			if (*p == '\\' && p[1] != '\0')
				p++;
			buf_append_char(&id, *p);
		}
	} else {
		for (; *p != '\0' && ar_token_char((unsigned char)*p); p++)
			buf_append_char(&id, *p);
	}
	if (id.len == 0) {
		buf_deinit(&id);
		return 0;
	}
	*id_r = buf_detach(&id);
	buf_deinit(&id);
	return 1;
}
