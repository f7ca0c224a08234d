/* header_token.c: RFC 822/2045 tokenizer for structured header values such
 * as Content-Type (see header_token.h). */
#include "header_token.h"

#include <string.h>

static int is_lwsp(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static int is_special(const struct header_lexer *lx, char c)
{
	unsigned char u = (unsigned char)c;

	return u < 0x20 || u == 0x7f || (c != '\0' && strchr(lx->specials, c) != NULL);
}

void header_lexer_init(struct header_lexer *lx, const char *s, size_t len, const char *specials)
{
	lx->s = s;
	lx->len = len;
	lx->pos = 0;
	lx->specials = specials;
	lx->defects = 0;
}

/* skip_comment: pos is just after "("; comments nest, so count levels. */
static void skip_comment(struct header_lexer *lx)
{
	unsigned long level = 1;

	while (lx->pos < lx->len) {
		char c = lx->s[lx->pos++];
		if (c == '\\') {
			if (lx->pos < lx->len)
				lx->pos++;
		} else if (c == '(') {
			level++;
		} else if (c == ')' && --level == 0) {
			return;
		}
	}
	lx->defects |= HEADER_TOKEN_UNCLOSED;
}

/* read_qstring: pos is just after the opening quote. */
static void read_qstring(struct header_lexer *lx, struct buf *value)
{
	while (lx->pos < lx->len) {
		char c = lx->s[lx->pos++];
		if (c == '"')
			return;
		if (c == '\n') {
			size_t len = buf_len(value);
			while (len > 0 && is_lwsp(buf_cstr(value)[len - 1]))
				len--;
			buf_truncate(value, len);
			continue;
		}
		if (c == '\\') {
			if (lx->pos >= lx->len)
				break;
			c = lx->s[lx->pos++];
		}
		buf_append_char(value, c);
	}
	lx->defects |= HEADER_TOKEN_UNCLOSED;
}

enum header_token_type header_token_next(struct header_lexer *lx, struct buf *value,
					 size_t *start_r)
{
	buf_reset(value);
	while (lx->pos < lx->len) {
		size_t start = lx->pos;
		char c = lx->s[lx->pos++];
		if (is_lwsp(c))
			continue;
		if (c == '(') {
			skip_comment(lx);
			continue;
		}
		if (start_r != NULL)
			*start_r = start;
		if (c == '"') {
			read_qstring(lx, value);
			return HEADER_TOKEN_QSTRING;
		}
		if (is_special(lx, c)) {
			buf_append_char(value, c);
			return HEADER_TOKEN_SPECIAL;
		}
		while (lx->pos < lx->len && !is_lwsp(lx->s[lx->pos]) && lx->s[lx->pos] != '"' &&
		       lx->s[lx->pos] != '(' && !is_special(lx, lx->s[lx->pos]))
			lx->pos++;
		buf_append(value, lx->s + start, lx->pos - start);
		return HEADER_TOKEN_ATOM;
	}
	if (start_r != NULL)
		*start_r = lx->len;
	return HEADER_TOKEN_END;
}
