/* cfg_expand.c: $name expansion and relational expressions in main.cf
 * values (see cfg_expand.h). The text is never modified: every part is a
 * (pointer, length) slice of the input or of a looked-up value. The same
 * walk serves expansion and scanning (scan mode looks nothing up and
 * visits both branches of each conditional). */
#include "cfg_expand.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"

struct cfg_expander {
	const struct cfg *cfg; /* NULL in scan mode */
	cfg_ref_fn *ref_fn;    /* scan mode */
	void *ref_ctx;
	struct buf *out; /* NULL in scan mode */
	const char *stack[CFG_EXPAND_MAX_DEPTH]; /* names being expanded */
	int depth;
	unsigned long steps;
	char *error;
};

#define CFG_SPACE " \t\r\n\v\f"

static int cfg_expand_text(struct cfg_expander *x, const char *s, size_t len);

/* cfg_buf_take: the contents of an embedded buf, which is released. */
static char *cfg_buf_take(struct buf *b)
{
	char *s = buf_detach(b);
	buf_deinit(b);
	return s;
}

static int cfg_expand_fail(struct cfg_expander *x, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int cfg_expand_fail(struct cfg_expander *x, const char *fmt, ...)
{
	if (x->error == NULL) {
		va_list ap;
		va_start(ap, fmt);
		x->error = xvasprintf(fmt, ap);
		va_end(ap);
	}
	return -1;
}

static int cfg_is_name_char(char c)
{
	return isalnum((unsigned char)c) || c == '_';
}

static int cfg_is_space(char c)
{
	return c != '\0' && strchr(CFG_SPACE, c) != NULL;
}

static const char *cfg_skip_space(const char *p, const char *end)
{
	while (p < end && cfg_is_space(*p))
		p++;
	return p;
}

static int cfg_expand_emit(struct cfg_expander *x, const char *s, size_t len)
{
	if (x->out == NULL || len == 0)
		return 0;
	if (buf_append(x->out, s, len) < 0)
		return cfg_expand_fail(x, "expansion result longer than %d bytes",
				       CFG_EXPAND_MAX_OUTPUT);
	return 0;
}

/* cfg_expand_chain: "$a -> $b -> $a" for a reference loop closing on name. */
static char *cfg_expand_chain(const struct cfg_expander *x, const char *name)
{
	struct buf b;
	buf_init(&b, 0);
	int from = 0;
	while (from < x->depth && strcmp(x->stack[from], name) != 0)
		from++;
	for (int i = from; i < x->depth; i++)
		buf_printf(&b, "$%s -> ", x->stack[i]);
	buf_printf(&b, "$%s", name);
	return cfg_buf_take(&b);
}

/* cfg_expand_value: expand the value of a parameter that is in use. */
static int cfg_expand_value(struct cfg_expander *x, const char *name, const char *value)
{
	for (int i = 0; i < x->depth; i++) {
		if (strcmp(x->stack[i], name) == 0) {
			char *chain = cfg_expand_chain(x, name);
			cfg_expand_fail(x, "recursive parameter reference: %s", chain);
			free(chain);
			return -1;
		}
	}
	if (x->depth >= CFG_EXPAND_MAX_DEPTH)
		return cfg_expand_fail(x, "parameter references nested more than %d deep at $%s",
				       CFG_EXPAND_MAX_DEPTH, name);
	x->stack[x->depth++] = name;
	int rc = cfg_expand_text(x, value, strlen(value));
	x->depth--;
	return rc;
}

/* cfg_expand_lookup: the value of name (NULL if undefined); in scan mode
 * report the name and return NULL. */
static const char *cfg_expand_lookup(struct cfg_expander *x, const char *name)
{
	if (x->cfg == NULL) {
		x->ref_fn(x->ref_ctx, name);
		return NULL;
	}
	return cfg_get(x->cfg, name);
}

/* cfg_curly: at *pp (after optional white space) a "{...}" group? Then set
 * the payload slice, move *pp past the group and the white space after it,
 * and return 1. 0 if no group starts here; -1 if its braces don't balance. */
static int cfg_curly(struct cfg_expander *x, const char **pp, const char *end,
		     const char **payload_r, size_t *len_r)
{
	const char *p = cfg_skip_space(*pp, end);
	if (p >= end || *p != '{')
		return 0;
	int level = 1;
	const char *q = p + 1;
	for (; q < end; q++) {
		if (*q == '{')
			level++;
		else if (*q == '}' && --level == 0)
			break;
	}
	if (q >= end)
		return cfg_expand_fail(x, "unbalanced {} in \"%.*s\"", (int)(end - p), p);
	*payload_r = p + 1;
	*len_r = (size_t)(q - p - 1);
	*pp = cfg_skip_space(q + 1, end);
	return 1;
}

/* cfg_compat_parse: "major[.minor[.patch]]" into three numbers. */
static int cfg_compat_parse(const char *s, unsigned long v[3])
{
	const char *p = s;
	v[0] = v[1] = v[2] = 0;
	for (int i = 0; i < 3; i++) {
		if (!isdigit((unsigned char)*p))
			return -1;
		for (int digits = 0; isdigit((unsigned char)*p); p++) {
			if (++digits > 9)
				return -1;
			v[i] = v[i] * 10 + (unsigned long)(*p - '0');
		}
		if (*p == '\0')
			return 0;
		if (*p++ != '.')
			return -1;
	}
	return -1; /* a fourth part, or a trailing "." */
}

int cfg_compat_level_cmp(const char *a, const char *b, int *cmp_r, char **error_r)
{
	unsigned long va[3], vb[3];
	const char *bad = cfg_compat_parse(a, va) < 0 ? a : cfg_compat_parse(b, vb) < 0 ? b : NULL;
	if (bad != NULL) {
		*error_r = xasprintf("malformed compatibility level: \"%s\"", bad);
		return -1;
	}
	*cmp_r = 0;
	for (int i = 0; i < 3 && *cmp_r == 0; i++)
		*cmp_r = va[i] < vb[i] ? -1 : va[i] > vb[i];
	return 1;
}

static int cfg_all_digits(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return 0;
	return 1;
}

/* cfg_numeric_cmp: compare two digit strings of any length. */
static int cfg_numeric_cmp(const char *a, const char *b)
{
	while (*a == '0' && a[1] != '\0')
		a++;
	while (*b == '0' && b[1] != '\0')
		b++;
	size_t la = strlen(a), lb = strlen(b);
	if (la != lb)
		return la < lb ? -1 : 1;
	return strcmp(a, b);
}

enum cfg_relop { CFG_EQ, CFG_NE, CFG_LT, CFG_LE, CFG_GE, CFG_GT };

static int cfg_relop_holds(enum cfg_relop op, int cmp)
{
	switch (op) {
	case CFG_EQ:
		return cmp == 0;
	case CFG_NE:
		return cmp != 0;
	case CFG_LT:
		return cmp < 0;
	case CFG_LE:
		return cmp <= 0;
	case CFG_GE:
		return cmp >= 0;
	case CFG_GT:
		return cmp > 0;
	}
	return 0;
}

/* cfg_parse_relop: the operator at *pp, with an optional "level" suffix. */
static int cfg_parse_relop(struct cfg_expander *x, const char **pp, const char *end,
			   enum cfg_relop *op_r, int *level_r)
{
	static const struct {
		const char *text;
		enum cfg_relop op;
	} ops[] = {
		{ "==", CFG_EQ }, { "!=", CFG_NE }, { "<", CFG_LT },
		{ "<=", CFG_LE }, { ">=", CFG_GE }, { ">", CFG_GT },
	};
	const char *p = *pp;
	size_t n = 0;
	while (p + n < end && p[n] != '\0' && strchr("<>!=?+-*/~&|%", p[n]) != NULL)
		n++;
	size_t i = 0;
	while (i < sizeof(ops) / sizeof(ops[0]) &&
	       (strlen(ops[i].text) != n || strncmp(ops[i].text, p, n) != 0))
		i++;
	if (i == sizeof(ops) / sizeof(ops[0]))
		return cfg_expand_fail(x, "\"==\", \"!=\", \"<\", \"<=\", \">=\" or \">\" expected "
					  "at \"%.*s\"",
				       (int)(end - p), p);
	p += n;
	size_t s = 0;
	while (p + s < end && isalnum((unsigned char)p[s]))
		s++;
	*level_r = 0;
	if (s > 0) {
		if (s != 5 || strncmp(p, "level", 5) != 0)
			return cfg_expand_fail(x, "unknown operator suffix \"%.*s\"", (int)s, p);
		*level_r = 1;
	}
	*op_r = ops[i].op;
	*pp = p + s;
	return 0;
}

/* cfg_expand_operand: expand a relational operand into a fresh string. */
static int cfg_expand_operand(struct cfg_expander *x, const char *s, size_t len, char **r)
{
	struct buf *saved = x->out;
	struct buf b;
	buf_init(&b, CFG_EXPAND_MAX_OUTPUT);
	if (saved != NULL)
		x->out = &b;
	int rc = cfg_expand_text(x, s, len);
	x->out = saved;
	*r = cfg_buf_take(&b);
	return rc;
}

/* cfg_relational: "{a} OP {b}" at *pp; sets *truth_r. */
static int cfg_relational(struct cfg_expander *x, const char **pp, const char *end, int *truth_r)
{
	const char *left, *right;
	size_t left_len, right_len;
	enum cfg_relop op = CFG_EQ;
	int level = 0;
	if (cfg_curly(x, pp, end, &left, &left_len) < 0 ||
	    cfg_parse_relop(x, pp, end, &op, &level) < 0)
		return -1;
	int rc = cfg_curly(x, pp, end, &right, &right_len);
	if (rc == 0)
		return cfg_expand_fail(x, "\"{text}\" expected after operator at \"%.*s\"",
				       (int)(end - *pp), *pp);
	if (rc < 0)
		return -1;
	char *a = NULL, *b = NULL;
	rc = -1;
	if (cfg_expand_operand(x, left, left_len, &a) < 0 ||
	    cfg_expand_operand(x, right, right_len, &b) < 0)
		goto out;
	*truth_r = 0;
	if (x->cfg != NULL) {
		int cmp;
		char *error;
		if (level) {
			if (cfg_compat_level_cmp(a, b, &cmp, &error) < 0) {
				cfg_expand_fail(x, "%s", error);
				free(error);
				goto out;
			}
		} else if (cfg_all_digits(a) && cfg_all_digits(b)) {
			cmp = cfg_numeric_cmp(a, b);
		} else {
			cmp = strcmp(a, b);
		}
		*truth_r = cfg_relop_holds(op, cmp);
	}
	rc = 0;
out:
	free(a);
	free(b);
	return rc;
}

/* cfg_branch: the text after "?" or ":": "{text}" or the rest. */
static int cfg_branch(struct cfg_expander *x, const char **pp, const char *end,
		      const char **text_r, size_t *len_r)
{
	int rc = cfg_curly(x, pp, end, text_r, len_r);
	if (rc != 0)
		return rc < 0 ? -1 : 0;
	*text_r = *pp;
	*len_r = (size_t)(end - *pp);
	*pp = end;
	return 0;
}

/* cfg_expand_expr: the inside of ${...} or $(...). */
static int cfg_expand_expr(struct cfg_expander *x, const char *s, size_t len)
{
	const char *end = s + len, *p = cfg_skip_space(s, end);
	const char *value = NULL; /* NULL: undefined */
	char *name = NULL;
	int is_set; /* defined and non-empty */
	char op = '\0';
	int rc = -1;

	if (++x->steps > CFG_EXPAND_MAX_STEPS)
		return cfg_expand_fail(x, "expansion needs more than %d lookups",
				       CFG_EXPAND_MAX_STEPS);
	if (p < end && *p == '{') {
		int truth = 0;
		if (cfg_relational(x, &p, end, &truth) < 0)
			return -1;
		is_set = truth;
		if (p < end) {
			if (*p != '?' && *p != ':')
				return cfg_expand_fail(x, "\"?\" or \":\" expected at \"%.*s\"",
						       (int)(end - p), p);
			op = *p++;
		}
		if (op == '\0' && truth)
			return cfg_expand_emit(x, "true", 4);
	} else {
		const char *start = p;
		for (;;) {
			const char *w = cfg_skip_space(p, end);
			if (w == end)
				break;
			if (*w == '?' || *w == ':') {
				op = *w;
				break;
			}
			if (!cfg_is_name_char(*p))
				return cfg_expand_fail(x, "parameter name syntax error at \"%.*s\"",
						       (int)(end - start), start);
			p++;
		}
		if (p == start)
			return cfg_expand_fail(x, "empty parameter name in \"%.*s\"", (int)len, s);
		name = xstrndup(start, (size_t)(p - start));
		value = cfg_expand_lookup(x, name);
		is_set = value != NULL && *value != '\0';
		if (op != '\0')
			p = cfg_skip_space(p, end) + 1;
	}

	const char *text;
	size_t text_len;
	switch (op) {
	case '\0':
		rc = is_set && name != NULL ? cfg_expand_value(x, name, value) : 0;
		break;
	case '?':
		if (cfg_branch(x, &p, end, &text, &text_len) < 0)
			break;
		if ((is_set || x->cfg == NULL) && cfg_expand_text(x, text, text_len) < 0)
			break;
		if (p == end) {
			rc = 0;
			break;
		}
		if (*p != ':') {
			cfg_expand_fail(x, "\":\" expected at \"%.*s\"", (int)(end - p), p);
			break;
		}
		p++;
		/* ${name?{text1}:{text2}}: go on with the ":" part. */
		__attribute__((fallthrough));
	case ':':
		if (cfg_branch(x, &p, end, &text, &text_len) < 0)
			break;
		if ((!is_set || x->cfg == NULL) && cfg_expand_text(x, text, text_len) < 0)
			break;
		if (p != end) {
			cfg_expand_fail(x, "unexpected text at \"%.*s\"", (int)(end - p), p);
			break;
		}
		rc = 0;
		break;
	}
	free(name);
	return rc;
}

static int cfg_expand_text(struct cfg_expander *x, const char *s, size_t len)
{
	const char *p = s, *end = s + len;
	while (p < end) {
		const char *dollar = memchr(p, '$', (size_t)(end - p));
		if (dollar == NULL)
			return cfg_expand_emit(x, p, (size_t)(end - p));
		if (cfg_expand_emit(x, p, (size_t)(dollar - p)) < 0)
			return -1;
		p = dollar + 1;
		if (p == end || (!cfg_is_name_char(*p) && *p != '$' && *p != '{' && *p != '('))
			return cfg_expand_fail(x, "empty parameter name after \"$\" in \"%.*s\"",
					       (int)len, s);
		if (*p == '$') {
			if (cfg_expand_emit(x, "$", 1) < 0)
				return -1;
			p++;
		} else if (*p == '{' || *p == '(') {
			char open = *p, close = open == '{' ? '}' : ')';
			int level = 1;
			const char *q = p + 1;
			for (; q < end; q++) {
				if (*q == open)
					level++;
				else if (*q == close && --level == 0)
					break;
			}
			if (q >= end)
				return cfg_expand_fail(
				    x, "truncated parameter reference in \"%.*s\"", (int)len, s);
			if (cfg_expand_expr(x, p + 1, (size_t)(q - p - 1)) < 0)
				return -1;
			p = q + 1;
		} else {
			const char *q = p;
			while (q < end && cfg_is_name_char(*q))
				q++;
			char *name = xstrndup(p, (size_t)(q - p));
			int rc = -1;
			if (++x->steps > CFG_EXPAND_MAX_STEPS) {
				cfg_expand_fail(x, "expansion needs more than %d lookups",
						CFG_EXPAND_MAX_STEPS);
			} else {
				const char *value = cfg_expand_lookup(x, name);
				rc = value != NULL && *value != '\0'
					 ? cfg_expand_value(x, name, value)
					 : 0;
			}
			free(name);
			if (rc < 0)
				return -1;
			p = q;
		}
	}
	return 0;
}

int cfg_expand(const struct cfg *c, const char *text, struct buf *out, char **error_r)
{
	struct cfg_expander x = { .cfg = c };
	struct buf b;
	buf_init(&b, CFG_EXPAND_MAX_OUTPUT);
	x.out = &b;
	int rc = cfg_expand_text(&x, text, strlen(text));
	buf_append(out, buf_cstr(&b), buf_len(&b));
	buf_deinit(&b);
	if (rc < 0) {
		*error_r = x.error;
		return -1;
	}
	return 1;
}

int cfg_expand_param(const struct cfg *c, const char *name, char **value_r, char **error_r)
{
	const char *value = cfg_get(c, name);
	if (value == NULL)
		return 0;
	struct cfg_expander x = { .cfg = c };
	struct buf b;
	buf_init(&b, CFG_EXPAND_MAX_OUTPUT);
	x.out = &b;
	/* Start with name on the stack, so that "a = $a" is a loop. */
	if (cfg_expand_value(&x, name, value) < 0) {
		*error_r = xasprintf("parameter %s: %s", name, x.error);
		free(x.error);
		buf_deinit(&b);
		return -1;
	}
	*value_r = cfg_buf_take(&b);
	return 1;
}

int cfg_expand_scan(const char *text, cfg_ref_fn *fn, void *ctx, char **error_r)
{
	struct cfg_expander x = { .ref_fn = fn, .ref_ctx = ctx };
	if (cfg_expand_text(&x, text, strlen(text)) < 0) {
		*error_r = x.error;
		return -1;
	}
	return 1;
}
