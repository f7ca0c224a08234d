/* table_posix.c: POSIX ERE/BRE to PCRE2 translation for regexp: tables (see
 * table_posix.h). One pass over the expression, writing the PCRE2 pattern
 * and remembering where the last atom started, so that a quantifier can be
 * applied to an already quantified atom by wrapping it in "(?:...)".
 */
#include "table_posix.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "mem.h"

#define TABLE_POSIX_NO_ATOM ((size_t)-1)
#define TABLE_POSIX_MAX_DEPTH 256

struct table_posix {
	const char *re; /* the expression being translated */
	const char *p;	/* next character */
	int extended;
	int newline;
	struct buf out;
	size_t atom;			      /* offset in out of the last atom, or NO_ATOM */
	int quantified;			      /* the last atom already carries a quantifier */
	size_t groups[TABLE_POSIX_MAX_DEPTH]; /* offsets of open groups */
	size_t depth;
	char *error;
};

static int table_posix_fail(struct table_posix *tp, const char *what)
{
	tp->error = xasprintf("%s at offset %zu", what, (size_t)(tp->p - tp->re));
	return -1;
}

static int table_posix_is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* table_posix_literal: write c so that PCRE2 takes it literally. */
static void table_posix_literal(struct table_posix *tp, char c)
{
	if (c > ' ' && c < 0x7f && !table_posix_is_alnum(c))
		buf_append_char(&tp->out, '\\');
	buf_append_char(&tp->out, c);
}

/* table_posix_begin_atom: note where the next atom starts. */
static void table_posix_begin_atom(struct table_posix *tp)
{
	tp->atom = buf_len(&tp->out);
	tp->quantified = 0;
}

/* table_posix_no_atom: after an anchor, "(" or "|": nothing to quantify. */
static void table_posix_no_atom(struct table_posix *tp)
{
	tp->atom = TABLE_POSIX_NO_ATOM;
	tp->quantified = 0;
}

/* table_posix_quantify: write quantifier q (len bytes) after the last atom. */
static int table_posix_quantify(struct table_posix *tp, const char *q, size_t len)
{
	if (tp->atom == TABLE_POSIX_NO_ATOM)
		return table_posix_fail(tp, "quantifier without an atom to repeat");
	if (tp->quantified) {
		/* "a+?" in POSIX means "(a+)?": wrap the quantified atom. */
		size_t tail = buf_len(&tp->out) - tp->atom;
		buf_append(&tp->out, "(?:", 3);
		char *data = tp->out.data;
		memmove(data + tp->atom + 3, data + tp->atom, tail);
		memcpy(data + tp->atom, "(?:", 3);
		buf_append_char(&tp->out, ')');
	}
	buf_append(&tp->out, q, len);
	tp->quantified = 1;
	return 1;
}

/* table_posix_interval: "{m}", "{m,}", "{m,n}" or "{,n}" at tp->p (after
 * the opening brace); close is "}" (ERE) or "\\}" (BRE). */
static int table_posix_interval(struct table_posix *tp, const char *close)
{
	const char *s = tp->p;
	size_t min_len = strspn(s, "0123456789");
	const char *comma = s + min_len;
	size_t max_len = 0;
	if (*comma == ',')
		max_len = strspn(comma + 1, "0123456789");
	const char *end = *comma == ',' ? comma + 1 + max_len : comma;
	if ((min_len == 0 && max_len == 0) || min_len > 5 || max_len > 5 ||
	    strncmp(end, close, strlen(close)) != 0)
		return table_posix_fail(tp, "bad interval (expected {m}, {m,} or {m,n})");
	if (min_len > 0 && max_len > 0 && atoi(s) > atoi(comma + 1))
		return table_posix_fail(tp, "bad interval: minimum above maximum");
	char q[16];
	size_t n = (size_t)snprintf(q, sizeof(q), "{%d%s", min_len > 0 ? atoi(s) : 0,
				    *comma == ',' ? "," : "");
	if (max_len > 0)
		n += (size_t)snprintf(q + n, sizeof(q) - n, "%d", atoi(comma + 1));
	q[n++] = '}';
	tp->p = end + strlen(close);
	return table_posix_quantify(tp, q, n);
}

static const char *const table_posix_classes[] = {
    "alnum", "alpha", "blank", "cntrl", "digit", "graph",
    "lower", "print", "punct", "space", "upper", "xdigit",
};

/* table_posix_bracket: a bracket expression, tp->p just after "[". */
static int table_posix_bracket(struct table_posix *tp)
{
	table_posix_begin_atom(tp);
	buf_append_char(&tp->out, '[');
	int negated = *tp->p == '^';
	if (negated) {
		buf_append_char(&tp->out, '^');
		tp->p++;
	}
	if (*tp->p == ']') {
		buf_append(&tp->out, "\\]", 2);
		tp->p++;
	}
	for (;;) {
		char c = *tp->p;
		if (c == '\0')
			return table_posix_fail(tp, "unmatched [");
		if (c == ']')
			break;
		if (c == '[' && (tp->p[1] == '=' || tp->p[1] == '.'))
			return table_posix_fail(tp, "equivalence classes and collating symbols "
						    "are not supported");
		if (c == '[' && tp->p[1] == ':') {
			const char *name = tp->p + 2, *end = strstr(name, ":]");
			size_t i, n = sizeof(table_posix_classes) / sizeof(*table_posix_classes);
			for (i = 0; end != NULL && i < n; i++)
				if (strlen(table_posix_classes[i]) == (size_t)(end - name) &&
				    strncmp(name, table_posix_classes[i], (size_t)(end - name)) ==
					0)
					break;
			if (end == NULL || i == n)
				return table_posix_fail(tp, "unknown character class");
			buf_append(&tp->out, tp->p, (size_t)(end + 2 - tp->p));
			tp->p = end + 2;
			continue;
		}
		/* Inside brackets a backslash and "[" are plain characters. */
		if (c == '\\' || c == '[' || c == '^')
			buf_append_char(&tp->out, '\\');
		buf_append_char(&tp->out, c);
		tp->p++;
	}
	if (negated && tp->newline)
		buf_append(&tp->out, "\\n", 2);
	buf_append_char(&tp->out, ']');
	tp->p++;
	return 1;
}

static int table_posix_open(struct table_posix *tp)
{
	if (tp->depth == TABLE_POSIX_MAX_DEPTH)
		return table_posix_fail(tp, "groups nested too deeply");
	tp->groups[tp->depth++] = buf_len(&tp->out);
	buf_append_char(&tp->out, '(');
	table_posix_no_atom(tp);
	return 1;
}

static int table_posix_close(struct table_posix *tp)
{
	if (tp->depth == 0)
		return table_posix_fail(tp, "unmatched )");
	buf_append_char(&tp->out, ')');
	tp->atom = tp->groups[--tp->depth];
	tp->quantified = 0;
	return 1;
}

/* table_posix_escape: the character after a backslash outside brackets,
 * for the escapes that mean the same in ERE and BRE. */
static int table_posix_escape(struct table_posix *tp, char c)
{
	static const struct {
		char c;
		const char *pcre;
	} assertions[] = {
	    {'<', "\\b(?=\\w)"}, {'>', "\\b(?<=\\w)"}, {'`', "\\A"},
	    {'\'', "\\z"},	 {'b', "\\b"},	       {'B', "\\B"},
	};
	for (size_t i = 0; i < sizeof(assertions) / sizeof(*assertions); i++) {
		if (assertions[i].c == c) {
			buf_append_str(&tp->out, assertions[i].pcre);
			table_posix_no_atom(tp);
			return 1;
		}
	}
	table_posix_begin_atom(tp);
	if ((c >= '1' && c <= '9') || c == 'w' || c == 'W' || c == 's' || c == 'S') {
		buf_append_char(&tp->out, '\\');
		buf_append_char(&tp->out, c);
		return 1;
	}
	if (table_posix_is_alnum(c))
		return table_posix_fail(tp, "escape sequence with no meaning in a POSIX "
					    "regular expression");
	table_posix_literal(tp, c);
	return 1;
}

/* table_posix_bre_special: BRE's "\(" "\)" "\{" "\|" "\+" "\?"; 1 handled,
 * 0 not one of them, -1 error. */
static int table_posix_bre_special(struct table_posix *tp, char c)
{
	switch (c) {
	case '(':
		return table_posix_open(tp);
	case ')':
		return table_posix_close(tp);
	case '{':
		return table_posix_interval(tp, "\\}");
	case '|':
		buf_append_char(&tp->out, '|');
		table_posix_no_atom(tp);
		return 1;
	case '+':
	case '?':
		/* Like "*", with nothing to repeat they are ordinary (glibc). */
		if (tp->atom == TABLE_POSIX_NO_ATOM) {
			table_posix_begin_atom(tp);
			table_posix_literal(tp, c);
			return 1;
		}
		return table_posix_quantify(tp, &c, 1);
	default:
		return 0;
	}
}

/* table_posix_bre_at_start: does a BRE expression begin at p? */
static int table_posix_bre_at_start(const struct table_posix *tp, const char *p)
{
	return p == tp->re || (p - tp->re >= 2 && p[-2] == '\\' && (p[-1] == '(' || p[-1] == '|'));
}

/* table_posix_bre_at_end: is s where a BRE expression ends? */
static int table_posix_bre_at_end(const char *s)
{
	return *s == '\0' || (s[0] == '\\' && (s[1] == ')' || s[1] == '|'));
}

static int table_posix_step(struct table_posix *tp)
{
	const char *here = tp->p;
	char c = *tp->p++;
	int rc;

	if (c == '\\') {
		char e = *tp->p++;
		if (e == '\0') {
			tp->p = here;
			return table_posix_fail(tp, "trailing backslash");
		}
		if (!tp->extended && (rc = table_posix_bre_special(tp, e)) != 0)
			return rc;
		return table_posix_escape(tp, e);
	}
	if (c == '[')
		return table_posix_bracket(tp);
	if (c == '.') {
		table_posix_begin_atom(tp);
		buf_append_char(&tp->out, '.');
		return 1;
	}
	if (c == '*') {
		/* In BRE a leading "*" is an ordinary character. */
		if (!tp->extended && tp->atom == TABLE_POSIX_NO_ATOM) {
			table_posix_begin_atom(tp);
			table_posix_literal(tp, c);
			return 1;
		}
		return table_posix_quantify(tp, "*", 1);
	}
	if (c == '^' && (tp->extended || table_posix_bre_at_start(tp, here))) {
		buf_append_char(&tp->out, '^');
		table_posix_no_atom(tp);
		return 1;
	}
	if (c == '$' && (tp->extended || table_posix_bre_at_end(tp->p))) {
		buf_append_char(&tp->out, '$');
		table_posix_no_atom(tp);
		return 1;
	}
	if (tp->extended) {
		switch (c) {
		case '(':
			return table_posix_open(tp);
		case ')':
			/* glibc takes an unmatched ")" in ERE literally. */
			if (tp->depth == 0)
				break;
			return table_posix_close(tp);
		case '|':
			buf_append_char(&tp->out, '|');
			table_posix_no_atom(tp);
			return 1;
		case '+':
		case '?':
			return table_posix_quantify(tp, &c, 1);
		case '{':
			return table_posix_interval(tp, "}");
		default:
			break;
		}
	}
	table_posix_begin_atom(tp);
	table_posix_literal(tp, c);
	return 1;
}

int table_posix_to_pcre(const char *re, int extended, int newline, char **pcre_r, char **error_r)
{
	struct table_posix tp = {
	    .re = re,
	    .p = re,
	    .extended = extended,
	    .newline = newline,
	    .atom = TABLE_POSIX_NO_ATOM,
	};
	buf_init(&tp.out, 0);
	int rc = 1;
	while (*tp.p != '\0' && rc > 0)
		rc = table_posix_step(&tp);
	if (rc > 0 && tp.depth > 0)
		rc = table_posix_fail(&tp, "unmatched (");
	if (rc < 0) {
		*error_r = tp.error;
		buf_deinit(&tp.out);
		return -1;
	}
	*pcre_r = buf_detach(&tp.out);
	buf_deinit(&tp.out);
	return 1;
}
