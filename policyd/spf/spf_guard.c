/* spf_guard.c: record, macro and lookup-limit checks that postern-spf
 * makes itself instead of trusting libspf2 (see spf_guard.h). The macro
 * grammar is RFC 7208 section 7.1; the compiled-size estimate mirrors the
 * layout of libspf2's compiled macro strings (a 4-byte header per literal
 * run or macro, rounded up to 8 here, which is more than libspf2 uses). */
#include "config.h"

#include "spf_guard.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "mem.h"

#define ALIGN8(n) (((n) + 7u) & ~(size_t)7u)

struct macro_scan {
	int in_explanation; /* c, r, t allowed */
	size_t compiled;    /* estimated compiled size */
	size_t literal;	    /* length of the literal run being built */
};

static int refuse(char **reason_r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int refuse(char **reason_r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	*reason_r = xvasprintf(fmt, ap);
	va_end(ap);
	return 0;
}

static void scan_flush_literal(struct macro_scan *s)
{
	if (s->literal > 0)
		s->compiled += ALIGN8(4 + s->literal);
	s->literal = 0;
}

/* scan_macro: p points after "%{"; check letter, transformers, delimiters
 * and the closing brace. Returns the position after "}" or NULL. */
static const char *scan_macro(struct macro_scan *s, const char *p, const char *end)
{
	if (p >= end)
		return NULL;
	char letter = (char)tolower((unsigned char)*p);
	if (strchr("slodiphv", letter) == NULL &&
	    !(s->in_explanation && strchr("crt", letter) != NULL))
		return NULL;
	if (letter == '\0')
		return NULL;
	p++;
	size_t digits = 0;
	unsigned long parts = 0;
	while (p < end && isdigit((unsigned char)*p)) {
		if (++digits > 3)
			return NULL;
		parts = parts * 10 + (unsigned long)(*p - '0');
		p++;
	}
	if (digits > 0 && (parts == 0 || parts > 128))
		return NULL;
	if (p < end && (*p == 'r' || *p == 'R'))
		p++;
	while (p < end && *p != '}') {
		if (strchr(".-+,/_=", *p) == NULL)
			return NULL;
		p++;
	}
	if (p >= end)
		return NULL;
	return p + 1;
}

/* scan_macro_string: check text[0..len) as a macro-string. 1 ok, 0 refused. */
static int scan_macro_string(const char *text, size_t len, int in_explanation, char **reason_r)
{
	struct macro_scan s = {.in_explanation = in_explanation};
	const char *p = text, *end = text + len;
	while (p < end) {
		unsigned char c = (unsigned char)*p;
		if (c != '%') {
			if (c < 0x21 || c > 0x7e) {
				if (!(in_explanation && c == ' '))
					return refuse(reason_r, "invalid character in \"%.*s\"", (int)(len), text);
			}
			if (++s.literal > 255)
				return refuse(reason_r, "literal too long in \"%.*s\"", (int)len, text);
			p++;
			continue;
		}
		if (p + 1 >= end)
			return refuse(reason_r, "lone %% at the end of \"%.*s\"", (int)(len), text);
		switch (p[1]) {
		case '%':
		case '_':
			s.literal++;
			p += 2;
			break;
		case '-':
			s.literal += 3;
			p += 2;
			break;
		case '{': {
			const char *after = scan_macro(&s, p + 2, end);
			if (after == NULL)
				return refuse(reason_r, "invalid macro in \"%.*s\"", (int)(len), text);
			scan_flush_literal(&s);
			s.compiled += 8;
			p = after;
			break;
		}
		default:
			return refuse(reason_r, "invalid %%-escape in \"%.*s\"", (int)(len), text);
		}
		if (s.literal > 255)
			return refuse(reason_r, "literal too long in \"%.*s\"", (int)(len), text);
	}
	scan_flush_literal(&s);
	if (s.compiled > SPF_GUARD_MAX_COMPILED)
		return refuse(reason_r, "macro string too large to compile safely: \"%.*s\"", (int)(len > 64 ? 64 : len), text);
	return 1;
}

static int is_mechanism(const char *name, size_t n)
{
	static const char *const mechs[] = {"all", "include", "a", "mx", "ptr",
					    "ip4", "ip6", "exists"};
	for (size_t i = 0; i < sizeof(mechs) / sizeof(mechs[0]); i++)
		if (strlen(mechs[i]) == n && strncasecmp(name, mechs[i], n) == 0)
			return 1;
	return 0;
}

/* domain_end_ok: RFC 7208 domain-end: the domain-spec ends in a macro or
 * in a top label that is not all digits (a final dot allowed). */
static int domain_end_ok(const char *spec, size_t len)
{
	if (len > 0 && spec[len - 1] == '.')
		len--;
	if (len > 0 && spec[len - 1] == '}')
		return 1;
	size_t start = len;
	while (start > 0 && spec[start - 1] != '.')
		start--;
	if (start == 0 || start == len)
		return 0; /* no dot, or an empty label */
	/* toplabel: alphanumerics and "-", starting and ending with an
	 * alphanumeric; with no "-" it needs a letter (not all digits) */
	int alpha = 0, dash = 0;
	for (size_t i = start; i < len; i++) {
		if (isalpha((unsigned char)spec[i]))
			alpha = 1;
		else if (spec[i] == '-')
			dash = 1;
		else if (!isdigit((unsigned char)spec[i]))
			return 0;
	}
	return isalnum((unsigned char)spec[start]) && isalnum((unsigned char)spec[len - 1]) &&
	       (alpha || dash);
}

/* strip_cidr: split the CIDR suffix off a mechanism argument: "/N" (up
 * to single_max: 32, or 128 for ip6) and, except for ip4/ip6, "//M" (IPv6,
 * up to 128), decimal without a leading zero. Returns the length before
 * the suffix, or (size_t)-1 when a length is malformed. */
static size_t strip_cidr(const char *arg, size_t len, unsigned long single_max, int dual)
{
	size_t end = len;
	for (int pass = 0; pass < 2; pass++) {
		size_t d = end;
		while (d > 0 && isdigit((unsigned char)arg[d - 1]))
			d--;
		if (d == end || d == 0 || arg[d - 1] != '/')
			return end;
		if (end - d > 1 && arg[d] == '0')
			return (size_t)-1;
		unsigned long n = strtoul(arg + d, NULL, 10);
		int v6 = dual && d >= 2 && arg[d - 2] == '/';
		if (n > (v6 ? 128 : single_max))
			return (size_t)-1;
		end = v6 ? d - 2 : d - 1;
		if (!v6)
			break;
	}
	return end;
}

struct term_state {
	int redirects, exps;
};

/* check_term: one term of a record, term[0..len). */
static int check_term(struct term_state *st, const char *term, size_t len, char **reason_r)
{
	const char *p = term, *end = term + len;
	if (*p == '+' || *p == '-' || *p == '~' || *p == '?')
		p++;
	const char *name = p;
	while (p < end && (isalnum((unsigned char)*p) || *p == '-' || *p == '_' || *p == '.'))
		p++;
	size_t nlen = (size_t)(p - name);
	if (p < end && *p == '=' && !is_mechanism(name, nlen)) { /* a modifier */
		int is_redirect = nlen == 8 && strncasecmp(name, "redirect", 8) == 0;
		int is_exp = nlen == 3 && strncasecmp(name, "exp", 3) == 0;
		if ((is_redirect && ++st->redirects > 1) || (is_exp && ++st->exps > 1))
			return refuse(reason_r, "%.*s= given twice", (int)nlen, name);
		size_t vlen = (size_t)(end - p - 1);
		if ((is_redirect || is_exp) && !domain_end_ok(p + 1, vlen))
			return refuse(reason_r, "invalid domain in \"%.*s\"", (int)len, term);
		return scan_macro_string(p + 1, vlen, 0, reason_r);
	}
	if (nlen == 3 && (strncasecmp(name, "ip4", 3) == 0 || strncasecmp(name, "ip6", 3) == 0)) {
		if (strip_cidr(p, (size_t)(end - p), name[2] == '4' ? 32 : 128, 0) == (size_t)-1)
			return refuse(reason_r, "invalid CIDR length in \"%.*s\"", (int)len, term);
		return 1; /* addresses: libspf2 parses them into fixed buffers it checks */
	}
	if (!is_mechanism(name, nlen))
		return refuse(reason_r, "unknown mechanism in \"%.*s\"", (int)len, term);
	/* only a and mx take a CIDR suffix */
	int cidr = (nlen == 1 && (*name == 'a' || *name == 'A')) ||
		   (nlen == 2 && strncasecmp(name, "mx", 2) == 0);
	size_t rest = cidr ? strip_cidr(p, (size_t)(end - p), 32, 1) : (size_t)(end - p);
	if (rest == (size_t)-1)
		return refuse(reason_r, "invalid CIDR length in \"%.*s\"", (int)len, term);
	if (p < end && *p == ':') {
		if (!domain_end_ok(p + 1, rest - 1))
			return refuse(reason_r, "invalid domain in \"%.*s\"", (int)len, term);
		p++;
		rest--;
	}
	return scan_macro_string(p, rest, 0, reason_r);
}

int spf_guard_record(const char *record, char **reason_r)
{
	size_t len = strlen(record);
	if (len > SPF_GUARD_MAX_RECORD)
		return refuse(reason_r, "record of %zu bytes is too long", len);
	if (strncasecmp(record, "v=spf1", 6) != 0 || (record[6] != ' ' && record[6] != '\0'))
		return refuse(reason_r, "not an SPF record: \"%.*s\"", (int)(len > 64 ? 64 : len), record);
	size_t terms = 0;
	struct term_state st = {0, 0};
	const char *p = record + 6;
	while (*p != '\0') {
		while (*p == ' ')
			p++;
		if (*p == '\0')
			break;
		size_t tlen = strcspn(p, " ");
		if (++terms > SPF_GUARD_MAX_TERMS)
			return refuse(reason_r, "more than %d terms", SPF_GUARD_MAX_TERMS);
		if (!check_term(&st, p, tlen, reason_r))
			return 0;
		p += tlen;
	}
	return 1;
}

int spf_guard_explanation(const char *text, char **reason_r)
{
	size_t len = strlen(text);
	if (len > SPF_GUARD_MAX_RECORD)
		return refuse(reason_r, "explanation of %zu bytes is too long", len);
	return scan_macro_string(text, len, 1, reason_r);
}

/* ---- evaluation limits ---- */

void spf_guard_eval_reset(struct spf_guard_eval *e)
{
	memset(e, 0, sizeof(*e));
}

static int eval_fail(struct spf_guard_eval *e, const char *what)
{
	if (e->verdict[0] == '\0')
		snprintf(e->verdict, sizeof(e->verdict), "%s", what);
	return 0;
}

int spf_guard_eval_failed(const struct spf_guard_eval *e)
{
	return e->verdict[0] != '\0';
}

/* take_follow: remove name from the follow-up names; 1 if it was there. */
static int take_follow(struct spf_guard_eval *e, const char *name)
{
	for (size_t i = 0; i < e->n_follow; i++) {
		if (strcasecmp(e->follow[i], name) == 0) {
			memmove(e->follow[i], e->follow[e->n_follow - 1], SPF_GUARD_NAME_MAX);
			e->n_follow--;
			return 1;
		}
	}
	return 0;
}

int spf_guard_eval_query(struct spf_guard_eval *e, enum spf_guard_query q, const char *name)
{
	e->last_counted = 0;
	if (spf_guard_eval_failed(e))
		return 0;
	switch (q) {
	case SPF_GUARD_Q_EXP:
		return 1;
	case SPF_GUARD_Q_RECORD:
		/* The first record is the check itself; every further one
		 * is an include or a redirect. */
		if (e->records++ == 0)
			return 1;
		break;
	case SPF_GUARD_Q_A:
		if (take_follow(e, name))
			return 1;
		break;
	case SPF_GUARD_Q_MX:
	case SPF_GUARD_Q_PTR:
		e->n_follow = 0;
		break;
	}
	if (++e->dns_terms > SPF_GUARD_MAX_DNS_TERMS)
		return eval_fail(e, "more than 10 DNS-querying terms (RFC 7208 4.6.4)");
	e->last_counted = q != SPF_GUARD_Q_RECORD;
	return 1;
}

int spf_guard_eval_answer(struct spf_guard_eval *e, enum spf_guard_query q, int void_answer,
			  const char *const *names, size_t n)
{
	if (spf_guard_eval_failed(e))
		return 0;
	if (q == SPF_GUARD_Q_MX && n > SPF_GUARD_MAX_MX)
		return eval_fail(e, "more than 10 MX names (RFC 7208 4.6.4)");
	if (e->last_counted && void_answer && ++e->void_lookups > SPF_GUARD_MAX_VOID)
		return eval_fail(e, "more than 2 void lookups (RFC 7208 4.6.4)");
	if (q == SPF_GUARD_Q_MX || q == SPF_GUARD_Q_PTR) {
		e->n_follow = 0;
		for (size_t i = 0; i < n && i < SPF_GUARD_MAX_FOLLOW; i++) {
			snprintf(e->follow[i], SPF_GUARD_NAME_MAX, "%s", names[i]);
			e->n_follow++;
		}
	}
	return 1;
}
