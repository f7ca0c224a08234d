/* addr_parse.c: read the path of MAIL FROM: / RCPT TO: into an internal-form
 * address (see addr.h for what is accepted and why).
 *
 * Three steps: find where the path ends in the command line; cut the text
 * into tokens (atoms, quoted strings, address literals, operators), dropping
 * comments and white space in lenient mode; then check the token sequence
 * (brackets, phrase, one address, domain syntax, limits) and build the
 * result. Raw pointer arithmetic is confined to the scanners below.
 */
#include "addr.h"

#include <stdlib.h>
#include <string.h>

#include "domain.h"
#include "mem.h"

enum addr_tok_type {
	TOK_ATOM,
	TOK_QUOTED,
	TOK_LITERAL,
	TOK_OP,
};

struct addr_tok {
	enum addr_tok_type type;
	char op;	 /* TOK_OP: the operator character */
	int escaped;	 /* TOK_ATOM: had a backslash escape */
	size_t off, len; /* the unescaped text, in addr_lex.text */
};

struct addr_lex {
	struct addr_tok *toks;
	size_t n, cap;
	struct buf text;
	const char *why; /* the first error, a constant string */
	enum addr_fail fail;
};

/* Characters that end an atom; of these, OPERATORS are tokens of their own
 * (Postfix's tokenizer treats % ! | as operators too). */
#define OPERATORS "@.%!|<>"
#define SPECIALS "()<>@,;:\"[].%!|\\"

static int addr_is_ctl(unsigned char c)
{
	return c < 0x20 || c == 0x7f;
}

static int addr_is_word(const struct addr_tok *t)
{
	return t->type != TOK_OP;
}

static int addr_is_op(const struct addr_tok *t, char op)
{
	return t->type == TOK_OP && t->op == op;
}

static int addr_lex_fail(struct addr_lex *lx, enum addr_fail fail, const char *why)
{
	if (lx->why == NULL) {
		lx->why = why;
		lx->fail = fail;
	}
	return -1;
}

static struct addr_tok *addr_lex_push(struct addr_lex *lx, enum addr_tok_type type)
{
	if (lx->n == lx->cap) {
		lx->cap = lx->cap ? lx->cap * 2 : 16;
		lx->toks = xreallocarray(lx->toks, lx->cap, sizeof(*lx->toks));
	}
	struct addr_tok *t = &lx->toks[lx->n++];
	memset(t, 0, sizeof(*t));
	t->type = type;
	t->off = buf_len(&lx->text);
	return t;
}

/* addr_lex_close: the token's text is what was appended since it began. */
static void addr_lex_close(struct addr_lex *lx, struct addr_tok *t)
{
	t->len = buf_len(&lx->text) - t->off;
}

/* addr_path_end: where the path that starts at s ends, following Postfix's
 * SMTP command tokenizer: at white space outside <...> and "...", where
 * brackets nest, quotes hide brackets and a backslash hides any character.
 * Returns 0 with *end_r set, or -1 when a bracket or quote is left open. */
static int addr_path_end(const char *s, const char **end_r)
{
	size_t depth = 0, i;
	int quote = 0;

	for (i = 0; s[i] != '\0'; i++) {
		char c = s[i];
		if (c == '\\') {
			if (s[i + 1] == '\0') {
				i++;
				break;
			}
			i++;
		} else if (quote) {
			quote = c != '"';
		} else if (c == '"') {
			quote = 1;
		} else if (c == '<') {
			depth++;
		} else if (c == '>' && depth > 0) {
			depth--;
		} else if (depth == 0 && (c == ' ' || c == '\t')) {
			break;
		}
	}
	*end_r = s + i;
	return quote || depth > 0 ? -1 : 0;
}

/* addr_lex_comment: skip a (nested) comment at p[*ip] == '('. */
static int addr_lex_comment(struct addr_lex *lx, const char *p, size_t len, size_t *ip)
{
	size_t i = *ip + 1, depth = 1;
	while (i < len && depth > 0) {
		unsigned char c = (unsigned char)p[i++];
		if (addr_is_ctl(c))
			return addr_lex_fail(lx, ADDR_FAIL_SYNTAX, "control character in comment");
		if (c == '\\' && i < len)
			i++;
		else if (c == '(')
			depth++;
		else if (c == ')')
			depth--;
	}
	if (depth > 0)
		return addr_lex_fail(lx, ADDR_FAIL_SYNTAX, "unterminated comment");
	*ip = i;
	return 0;
}

/* addr_lex_quoted: a quoted string at p[*ip] == '"'; the token text is the
 * content with the quoting removed. */
static int addr_lex_quoted(struct addr_lex *lx, const char *p, size_t len, size_t *ip)
{
	struct addr_tok *t = addr_lex_push(lx, TOK_QUOTED);
	size_t i = *ip + 1;
	while (i < len && p[i] != '"') {
		if (p[i] == '\\' && ++i == len)
			break;
		if (addr_is_ctl((unsigned char)p[i]))
			return addr_lex_fail(lx, ADDR_FAIL_SYNTAX, "control character in address");
		buf_append_char(&lx->text, p[i++]);
	}
	if (i >= len)
		return addr_lex_fail(lx, ADDR_FAIL_SYNTAX, "unterminated quoted string");
	addr_lex_close(lx, t);
	*ip = i + 1;
	return 0;
}

/* addr_lex_literal: an address literal at p[*ip] == '['; the token text
 * keeps the brackets. */
static int addr_lex_literal(struct addr_lex *lx, const char *p, size_t len, size_t *ip)
{
	struct addr_tok *t = addr_lex_push(lx, TOK_LITERAL);
	size_t i = *ip;
	buf_append_char(&lx->text, '[');
	for (i++; i < len && p[i] != ']'; i++) {
		unsigned char c = (unsigned char)p[i];
		if (addr_is_ctl(c) || c == ' ' || c == '[' || c == '\\')
			return addr_lex_fail(lx, ADDR_FAIL_SYNTAX,
					     "bad character in address literal");
		buf_append_char(&lx->text, (char)c);
	}
	if (i >= len)
		return addr_lex_fail(lx, ADDR_FAIL_SYNTAX, "unterminated address literal");
	buf_append_char(&lx->text, ']');
	addr_lex_close(lx, t);
	*ip = i + 1;
	return 0;
}

/* addr_lex_atom: a run of atom characters, backslash escapes removed. */
static int addr_lex_atom(struct addr_lex *lx, const char *p, size_t len, size_t *ip)
{
	struct addr_tok *t = addr_lex_push(lx, TOK_ATOM);
	size_t i = *ip;
	while (i < len) {
		unsigned char c = (unsigned char)p[i];
		if (c == '\\') {
			if (i + 1 == len)
				return addr_lex_fail(lx, ADDR_FAIL_SYNTAX, "backslash at end");
			c = (unsigned char)p[i + 1];
			if (addr_is_ctl(c))
				return addr_lex_fail(lx, ADDR_FAIL_SYNTAX,
						     "control character in address");
			t->escaped = 1;
			i += 2;
		} else if (c <= ' ' || c == 0x7f || strchr(SPECIALS, c) != NULL) {
			break;
		} else {
			i++;
		}
		buf_append_char(&lx->text, (char)c);
	}
	addr_lex_close(lx, t);
	*ip = i;
	return 0;
}

/* addr_lex_run: cut p[0..len) into tokens. */
static int addr_lex_run(struct addr_lex *lx, const char *p, size_t len, unsigned int flags)
{
	int strict = (flags & ADDR_STRICT_RFC821) != 0;
	size_t i = 0;

	while (i < len) {
		unsigned char c = (unsigned char)p[i];
		int rc = 0;
		if (c == ' ' || c == '\t') {
			i++; /* between tokens, in both modes, as Postfix */
		} else if (addr_is_ctl(c)) {
			return addr_lex_fail(lx, ADDR_FAIL_SYNTAX, "control character in address");
		} else if (c == '(') {
			if (strict)
				return addr_lex_fail(lx, ADDR_FAIL_SYNTAX, "comment in address");
			rc = addr_lex_comment(lx, p, len, &i);
		} else if (c == '"') {
			rc = addr_lex_quoted(lx, p, len, &i);
		} else if (c == '[') {
			rc = addr_lex_literal(lx, p, len, &i);
		} else if (strchr(OPERATORS, c) != NULL) {
			addr_lex_push(lx, TOK_OP)->op = (char)c;
			i++;
		} else if (c != '\\' && strchr(SPECIALS, c) != NULL) {
			return addr_lex_fail(lx, ADDR_FAIL_SYNTAX, "invalid character in address");
		} else {
			rc = addr_lex_atom(lx, p, len, &i);
		}
		if (rc < 0)
			return -1;
	}
	return 0;
}

/* addr_unwrap: narrow [*lo, *hi) to the address: strip <...> layers and,
 * in lenient mode, a phrase before an inner <address>. */
static int addr_unwrap(struct addr_lex *lx, size_t *lo, size_t *hi, unsigned int flags)
{
	for (;;) {
		size_t first = *hi, last = *hi;
		for (size_t i = *lo; i < *hi; i++) {
			if (addr_is_op(&lx->toks[i], '<') && first == *hi)
				first = i;
			if (addr_is_op(&lx->toks[i], '>'))
				last = i;
		}
		if (first == *hi)
			break;
		if (last == *hi || last < first)
			return addr_lex_fail(lx, ADDR_FAIL_SYNTAX, "unbalanced <>");
		if (last + 1 != *hi)
			return addr_lex_fail(lx, ADDR_FAIL_SYNTAX, "text after address");
		for (size_t i = *lo; i < first; i++) {
			if (flags & ADDR_STRICT_RFC821)
				return addr_lex_fail(lx, ADDR_FAIL_SYNTAX, "phrase in address");
			if (!addr_is_word(&lx->toks[i]) && !addr_is_op(&lx->toks[i], '.'))
				return addr_lex_fail(lx, ADDR_FAIL_SYNTAX, "bad phrase in address");
		}
		*lo = first + 1;
		*hi = last;
	}
	for (size_t i = *lo; i < *hi; i++) {
		if (addr_is_op(&lx->toks[i], '>'))
			return addr_lex_fail(lx, ADDR_FAIL_SYNTAX, "unbalanced <>");
		if (i + 1 < *hi && addr_is_word(&lx->toks[i]) && addr_is_word(&lx->toks[i + 1]))
			return addr_lex_fail(lx, ADDR_FAIL_SYNTAX, "more than one address");
	}
	return 0;
}

/* addr_join: append the internal form of tokens [lo, hi) to out. */
static void addr_join(const struct addr_lex *lx, size_t lo, size_t hi, struct buf *out)
{
	for (size_t i = lo; i < hi; i++) {
		const struct addr_tok *t = &lx->toks[i];
		if (t->type == TOK_OP)
			buf_append_char(out, t->op);
		else
			buf_append(out, buf_cstr(&lx->text) + t->off, t->len);
	}
}

static int addr_has_8bit(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s >= 0x80)
			return 1;
	return 0;
}

/* addr_domain: check the domain tokens [lo, hi) and append the domain to
 * out: one address literal, or atoms separated by single dots; trailing
 * dots are dropped. */
static int addr_domain(struct addr_lex *lx, size_t lo, size_t hi, unsigned int flags,
		       struct buf *out, int *literal_r)
{
	const char *why = NULL;

	while (hi > lo && addr_is_op(&lx->toks[hi - 1], '.'))
		hi--;
	if (hi == lo)
		return addr_lex_fail(lx, ADDR_FAIL_SYNTAX, "missing domain");
	*literal_r = lx->toks[lo].type == TOK_LITERAL;
	if (*literal_r) {
		const struct addr_tok *t = &lx->toks[lo];
		if (hi - lo != 1 || !domain_literal_parse(buf_cstr(&lx->text) + t->off, t->len,
							  NULL, NULL, NULL, &why))
			return addr_lex_fail(lx, ADDR_FAIL_SYNTAX,
					     why ? why : "text after address literal");
		addr_join(lx, lo, hi, out);
		return 0;
	}
	for (size_t i = lo; i < hi; i++) {
		const struct addr_tok *t = &lx->toks[i];
		int want_atom = (i - lo) % 2 == 0;
		if (want_atom ? t->type != TOK_ATOM || t->escaped : !addr_is_op(t, '.'))
			return addr_lex_fail(lx, ADDR_FAIL_SYNTAX, "bad domain syntax");
	}
	addr_join(lx, lo, hi, out);
	if (!(flags & ADDR_SMTPUTF8) && addr_has_8bit(buf_cstr(out)))
		return addr_lex_fail(lx, ADDR_FAIL_UTF8, "non-ASCII domain without SMTPUTF8");
	if (!domain_valid_hostname(buf_cstr(out), (flags & ADDR_SMTPUTF8) ? DOMAIN_UTF8 : 0, &why))
		return addr_lex_fail(lx, ADDR_FAIL_SYNTAX, why);
	return 0;
}

/* addr_check_limits: the RFC 5321 4.5.3.1 sizes, on the external form. */
static int addr_check_limits(struct addr_lex *lx, const struct addr *a)
{
	struct buf q;
	buf_init(&q, 0);
	addr_quote_local(&q, a->local);
	size_t local_len = buf_len(&q), domain_len = a->domain ? strlen(a->domain) : 0;
	buf_deinit(&q);
	if (local_len > ADDR_LOCAL_MAX)
		return addr_lex_fail(lx, ADDR_FAIL_TOO_LONG, "local part longer than 64 octets");
	if (domain_len > ADDR_DOMAIN_MAX)
		return addr_lex_fail(lx, ADDR_FAIL_TOO_LONG, "domain longer than 255 octets");
	if (2 + local_len + (a->domain ? 1 + domain_len : 0) > ADDR_PATH_MAX)
		return addr_lex_fail(lx, ADDR_FAIL_TOO_LONG, "path longer than 256 octets");
	return 0;
}

/* addr_build: from the address tokens [lo, hi), the result in *a. */
static int addr_build(struct addr_lex *lx, size_t lo, size_t hi, unsigned int flags, struct addr *a)
{
	struct buf local, domain;
	size_t at = hi;
	int rc = -1;

	for (size_t i = lo; i < hi; i++)
		if (addr_is_op(&lx->toks[i], '@'))
			at = i;
	buf_init(&local, 0);
	buf_init(&domain, 0);
	addr_join(lx, lo, at, &local);
	if (at < hi && addr_domain(lx, at + 1, hi, flags, &domain, &a->literal) < 0)
		goto out;
	if (at == hi && buf_len(&local) == 0) {
		if (!(flags & ADDR_ALLOW_NULL)) {
			addr_lex_fail(lx, ADDR_FAIL_NULL, "null address not allowed here");
			goto out;
		}
	} else if (at == hi && strchr(buf_cstr(&local), '@') != NULL) {
		addr_lex_fail(lx, ADDR_FAIL_SYNTAX, "quoted '@' in an address without domain");
		goto out;
	} else if ((flags & ADDR_STRICT_RFC821) &&
		   (buf_len(&local) == 0 || buf_cstr(&local)[0] == '@')) {
		/* Postfix's strict mode: the internal form may not start with '@'. */
		addr_lex_fail(lx, ADDR_FAIL_SYNTAX, "address starts with '@'");
		goto out;
	}
	if (addr_has_8bit(buf_cstr(&local)) && !(flags & (ADDR_SMTPUTF8 | ADDR_8BIT_LOCAL))) {
		addr_lex_fail(lx, ADDR_FAIL_UTF8, "non-ASCII local part without SMTPUTF8");
		goto out;
	}
	a->local = buf_detach(&local);
	if (at < hi) {
		a->domain = buf_detach(&domain);
		a->internal = xasprintf("%s@%s", a->local, a->domain);
	} else {
		a->internal = xstrdup(a->local);
	}
	a->utf8 = addr_has_8bit(a->internal);
	rc = (flags & ADDR_ENFORCE_LIMITS) ? addr_check_limits(lx, a) : 0;
out:
	buf_deinit(&local);
	buf_deinit(&domain);
	return rc;
}

/* addr_content: the address text inside the path, p[0..len). */
static int addr_content(struct addr_lex *lx, const char *p, size_t len, unsigned int flags,
			struct addr *a)
{
	const char *colon;
	size_t lo = 0, hi;

	for (size_t i = 0; i < len; i++) {
		if ((unsigned char)p[i] >= 0x80) {
			if (!domain_utf8_valid(p, len))
				return addr_lex_fail(lx, ADDR_FAIL_SYNTAX, "malformed UTF-8");
			break;
		}
	}
	/* The source route: Postfix drops up to the first ':' unchecked. */
	if (len > 0 && p[0] == '@' && (colon = memchr(p, ':', len)) != NULL) {
		len -= (size_t)(colon + 1 - p);
		p = colon + 1;
	}
	if (addr_lex_run(lx, p, len, flags) < 0)
		return -1;
	hi = lx->n;
	if (addr_unwrap(lx, &lo, &hi, flags) < 0)
		return -1;
	return addr_build(lx, lo, hi, flags, a);
}

int addr_parse_path(const char *text, unsigned int flags, struct addr **addr_r, const char **rest_r,
		    enum addr_fail *fail_r, char **error_r)
{
	struct addr_lex lx = {0};
	struct addr *a = xcalloc(1, sizeof(*a));
	const char *p = text + strspn(text, " \t"), *end;
	size_t len;
	int rc = -1;

	buf_init(&lx.text, 0);
	if (addr_path_end(p, &end) < 0) {
		addr_lex_fail(&lx, ADDR_FAIL_SYNTAX, "unbalanced <> or quotes");
		goto out;
	}
	len = (size_t)(end - p);
	if (len == 0) {
		addr_lex_fail(&lx, ADDR_FAIL_SYNTAX, "missing address");
		goto out;
	}
	if (len >= 2 && p[0] == '<' && p[len - 1] == '>') {
		p++;
		len -= 2;
	} else if (flags & ADDR_STRICT_RFC821) {
		addr_lex_fail(&lx, ADDR_FAIL_SYNTAX, "address not enclosed in <>");
		goto out;
	}
	if (addr_content(&lx, p, len, flags, a) < 0)
		goto out;
	rc = 1;
	*addr_r = a;
	a = NULL;
	if (rest_r != NULL)
		*rest_r = end;
out:
	if (rc < 0) {
		if (fail_r != NULL)
			*fail_r = lx.fail;
		*error_r = xstrdup(lx.why);
	}
	addr_free(&a);
	free(lx.toks);
	buf_deinit(&lx.text);
	return rc;
}
