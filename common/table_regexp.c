/* table_regexp.c: pcre_table(5) and regexp_table(5) tables, both matched
 * with PCRE2 (JIT-compiled where the platform allows).
 *
 * One rule per logical line: "/pattern/flags result", "!/pattern/flags
 * result", "if /pattern/flags", "if !/pattern/flags", "endif". The
 * delimiter is any character but a letter, a digit, white space or a
 * backslash; a backslash escapes the delimiter inside the pattern. Rules
 * are tried in order; the first match gives the result, after "$n"
 * substitution (table_subst.h). The two types differ only in their flags
 * and in how a pattern is compiled: pcre: patterns go to PCRE2 as they are,
 * regexp: patterns are POSIX expressions translated first (table_posix.h).
 *
 * Where Postfix skips a bad rule with a warning, Postern refuses the table
 * with "FILE:LINE: ..." naming the pattern.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "mem.h"
#include "table_posix.h"
#include "table_private.h"
#include "table_subst.h"
#include "table_text.h"

/* How one table type reads flags and compiles patterns. */
struct table_regexp_syntax {
	const char *flags; /* the flag letters; bit i of a rule's flags is letter i */
	/* compile: 1 with *code_r, or -1 with *error_r (no file:line). */
	int (*compile)(const char *pattern, unsigned flags, pcre2_code **code_r, char **error_r);
};

enum table_regexp_kind {
	TABLE_REGEXP_MATCH,
	TABLE_REGEXP_IF,
	TABLE_REGEXP_ENDIF,
};

struct table_regexp_rule {
	enum table_regexp_kind kind;
	pcre2_code *code;
	int jit; /* code was JIT-compiled: match with pcre2_jit_match() */
	int negate;
	/* first: for a pattern anchored at the start of the key, the bytes a
	 * match can start with (bit b of first[b / 8]); has_first is 0 when
	 * PCRE2 does not know them. A key whose first byte is not among them
	 * cannot match, and PCRE2 is not asked. */
	int has_first;
	uint8_t first[32];
	struct table_subst *result; /* TABLE_REGEXP_MATCH */
	size_t endif;		    /* TABLE_REGEXP_IF: index of the matching endif */
	size_t lineno;
};

struct table_regexp {
	char *origin;
	struct table_regexp_rule *rules;
	size_t n_rules;
	uint32_t max_groups;
	/* first: when every result rule has first bytes and no rule is
	 * negated (has_first), the union of the result rules' first bytes: a
	 * key starting with any other byte matches nothing (an if only
	 * narrows what its rules see). */
	int has_first;
	uint8_t first[32];
};

/* table_regexp_pcre2: compile for PCRE2 with options; 1 or -1. */
static int table_regexp_pcre2(const char *pattern, uint32_t options, pcre2_code **code_r,
			      char **error_r)
{
	int errcode;
	PCRE2_SIZE offset;
	pcre2_code *code = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED, options,
					 &errcode, &offset, NULL);
	if (code == NULL) {
		PCRE2_UCHAR msg[256];
		pcre2_get_error_message(errcode, msg, sizeof(msg));
		*error_r = xasprintf("%s at offset %zu", (const char *)msg, (size_t)offset);
		return -1;
	}
	/* Without JIT (an unsupported CPU, no executable memory) PCRE2's
	 * interpreter does the same matching, only slower. */
	pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);
	*code_r = code;
	return 1;
}

/* pcre_table(5): i (on by default) m s (on by default) x A E U X. PCRE2
 * always rejects unknown escapes, which is what X asked PCRE 1 for, so X
 * is accepted and changes nothing. */
static int table_regexp_compile_pcre(const char *pattern, unsigned flags, pcre2_code **code_r,
				     char **error_r)
{
	static const uint32_t options[] = {
	    PCRE2_CASELESS, PCRE2_MULTILINE,	  PCRE2_DOTALL,	  PCRE2_EXTENDED,
	    PCRE2_ANCHORED, PCRE2_DOLLAR_ENDONLY, PCRE2_UNGREEDY, 0,
	};
	uint32_t opts = PCRE2_CASELESS | PCRE2_DOTALL;
	for (size_t i = 0; i < sizeof(options) / sizeof(*options); i++)
		if (flags & (1u << i))
			opts ^= options[i];
	return table_regexp_pcre2(pattern, opts, code_r, error_r);
}

/* regexp_table(5): i (REG_ICASE, on by default), x (REG_EXTENDED, on by
 * default), m (REG_NEWLINE). Without REG_NEWLINE "." matches a newline and
 * "$" only the very end; with it "^" and "$" match at line breaks. */
static int table_regexp_compile_posix(const char *pattern, unsigned flags, pcre2_code **code_r,
				      char **error_r)
{
	int icase = !(flags & 1u), extended = !(flags & 2u), newline = (flags & 4u) != 0;
	char *translated, *error;
	if (table_posix_to_pcre(pattern, extended, newline, &translated, error_r) < 0)
		return -1;
	uint32_t opts = (icase ? PCRE2_CASELESS : 0) |
			(newline ? PCRE2_MULTILINE : PCRE2_DOTALL | PCRE2_DOLLAR_ENDONLY);
	int rc = table_regexp_pcre2(translated, opts, code_r, &error);
	if (rc < 0) {
		*error_r = xasprintf("%s of its PCRE2 translation %s", error, translated);
		free(error);
	}
	free(translated);
	return rc;
}

static const struct table_regexp_syntax table_regexp_pcre_syntax = {
    .flags = "imsxAEUX",
    .compile = table_regexp_compile_pcre,
};

static const struct table_regexp_syntax table_regexp_posix_syntax = {
    .flags = "ixm",
    .compile = table_regexp_compile_posix,
};

/* table_regexp_keyword: does line start with keyword (any case) followed
 * by end, white space, or (for "if") a pattern? */
static int table_regexp_keyword(const char *line, const char *keyword)
{
	size_t len = strlen(keyword);
	if (strncasecmp(line, keyword, len) != 0)
		return 0;
	char next = line[len];
	return next == '\0' || !((next >= 'a' && next <= 'z') || (next >= 'A' && next <= 'Z') ||
				 (next >= '0' && next <= '9'));
}

/* table_regexp_pattern: parse "[!]DELIMpatternDELIMflags" at *s; sets the
 * pattern (caller frees), the flag bits and rule->negate, and *s past the
 * flags. 1 ok, -1 error. */
static int table_regexp_pattern(const struct table_regexp_syntax *syn, const char **s,
				struct table_regexp_rule *rule, char **pattern_r, unsigned *flags_r,
				char **error_r)
{
	const char *p = *s;
	while (*p == '!') {
		rule->negate = !rule->negate;
		p = table_skip_space(p + 1);
	}
	char delim = *p;
	if (delim == '\0' || delim == '\\' || table_is_space((unsigned char)delim) ||
	    (delim >= 'a' && delim <= 'z') || (delim >= 'A' && delim <= 'Z') ||
	    (delim >= '0' && delim <= '9')) {
		*error_r = xasprintf("expected /pattern/ but found \"%s\"", *s);
		return -1;
	}
	const char *start = ++p;
	while (*p != '\0' && *p != delim)
		p += p[0] == '\\' && p[1] != '\0' ? 2 : 1;
	if (*p != delim) {
		*error_r = xasprintf("missing closing delimiter %c in \"%s\"", delim, *s);
		return -1;
	}
	*pattern_r = xstrndup(start, (size_t)(p - start));
	*flags_r = 0;
	for (p++; *p != '\0' && !table_is_space((unsigned char)*p); p++) {
		const char *letter = strchr(syn->flags, *p);
		if (letter == NULL) {
			*error_r = xasprintf("unknown flag \"%c\" after %c%s%c (flags are \"%s\")",
					     *p, delim, *pattern_r, delim, syn->flags);
			FREE_AND_NULL(*pattern_r);
			return -1;
		}
		*flags_r ^= 1u << (letter - syn->flags);
	}
	*s = p;
	return 1;
}

/* table_regexp_ascii_other_case: the other case of an ASCII letter, as
 * PCRE2's built-in character tables have it; any other byte itself. */
static uint32_t table_regexp_ascii_other_case(uint32_t c)
{
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 'A';
	if (c >= 'A' && c <= 'Z')
		return c - 'A' + 'a';
	return c;
}

/* table_regexp_first_bytes: fill rule->first from what PCRE2 learned when
 * it compiled an anchored pattern: a fixed first code unit (taken in both
 * cases: the first byte's caselessness is not reported, and a superset is
 * safe) or its bitmap of possible first code units. Patterns in UTF or UCP
 * mode are left alone: there a caseless letter can match bytes of another
 * script. */
static void table_regexp_first_bytes(struct table_regexp_rule *rule)
{
	uint32_t options = 0, type = 0, unit = 0;
	const uint8_t *bitmap = NULL;

	pcre2_pattern_info(rule->code, PCRE2_INFO_ALLOPTIONS, &options);
	if (!(options & PCRE2_ANCHORED) || (options & (PCRE2_UTF | PCRE2_UCP)))
		return;
	pcre2_pattern_info(rule->code, PCRE2_INFO_FIRSTCODETYPE, &type);
	if (type == 1) {
		pcre2_pattern_info(rule->code, PCRE2_INFO_FIRSTCODEUNIT, &unit);
		if (unit > 0xff)
			return;
		uint32_t other = table_regexp_ascii_other_case(unit);
		rule->first[unit / 8] |= (uint8_t)(1u << (unit % 8));
		rule->first[other / 8] |= (uint8_t)(1u << (other % 8));
		rule->has_first = 1;
		return;
	}
	pcre2_pattern_info(rule->code, PCRE2_INFO_FIRSTBITMAP, &bitmap);
	if (bitmap != NULL) {
		memcpy(rule->first, bitmap, sizeof(rule->first));
		rule->has_first = 1;
	}
}

/* table_regexp_rule_text: parse a rule after any "if": pattern, flags,
 * then the result (only for TABLE_REGEXP_MATCH); 1 ok, -1 error (no
 * file:line). */
static int table_regexp_rule_text(const struct table_regexp_syntax *syn, const char *s,
				  struct table_regexp_rule *rule, char **error_r)
{
	char *pattern, *error;
	unsigned flags;
	if (table_regexp_pattern(syn, &s, rule, &pattern, &flags, error_r) < 0)
		return -1;
	int rc = -1;
	const char *rest = table_skip_space(s);
	if (rule->kind == TABLE_REGEXP_IF && *rest != '\0') {
		*error_r = xasprintf("text after IF /%s/: \"%s\" (a rule inside IF ... ENDIF "
				     "must start on its own line, without leading white space)",
				     pattern, rest);
		goto out;
	}
	if (syn->compile(pattern, flags, &rule->code, &error) < 0) {
		*error_r = xasprintf("bad regular expression /%s/: %s", pattern, error);
		free(error);
		goto out;
	}
	table_regexp_first_bytes(rule);
	if (rule->kind == TABLE_REGEXP_IF) {
		rc = 1;
		goto out;
	}
	uint32_t n_groups;
	pcre2_pattern_info(rule->code, PCRE2_INFO_CAPTURECOUNT, &n_groups);
	if (table_subst_parse(rest, n_groups, &rule->result, &error) < 0) {
		*error_r = xasprintf("result of /%s/: %s", pattern, error);
		free(error);
		goto out;
	}
	if (rule->negate && table_subst_has_refs(rule->result)) {
		*error_r = xasprintf("$number in the result of negated pattern !/%s/: a pattern "
				     "that did not match has no groups",
				     pattern);
		goto out;
	}
	rc = 1;
out:
	free(pattern);
	return rc;
}

static void table_regexp_rule_deinit(struct table_regexp_rule *rule)
{
	pcre2_code_free(rule->code);
	table_subst_free(&rule->result);
}

/* table_regexp_line: parse one logical line into rule; 1 ok, -1 error. */
static int table_regexp_line(const struct table_regexp_syntax *syn, const char *origin,
			     size_t lineno, const char *line, struct table_regexp_rule *rule,
			     char **error_r)
{
	char *error;
	memset(rule, 0, sizeof(*rule));
	rule->lineno = lineno;
	if (table_regexp_keyword(line, "endif")) {
		rule->kind = TABLE_REGEXP_ENDIF;
		if (*table_skip_space(line + 5) == '\0')
			return 1;
		*error_r = table_text_error(origin, lineno, "text after ENDIF");
		return -1;
	}
	const char *s = line;
	if (table_regexp_keyword(line, "if")) {
		rule->kind = TABLE_REGEXP_IF;
		s = table_skip_space(line + 2);
	}
	if (table_regexp_rule_text(syn, s, rule, &error) < 0) {
		*error_r = table_text_error(origin, lineno, "%s", error);
		free(error);
		table_regexp_rule_deinit(rule);
		return -1;
	}
	return 1;
}

static void table_regexp_free(void *data)
{
	struct table_regexp *re = data;
	if (re == NULL)
		return;
	for (size_t i = 0; i < re->n_rules; i++)
		table_regexp_rule_deinit(&re->rules[i]);
	free(re->rules);
	free(re->origin);
	free(re);
}

/* table_regexp_table_first_bytes: fill re->first (see struct table_regexp). */
static void table_regexp_table_first_bytes(struct table_regexp *re)
{
	re->has_first = 1;
	for (size_t i = 0; i < re->n_rules && re->has_first; i++) {
		const struct table_regexp_rule *r = &re->rules[i];
		if (r->negate || (r->kind == TABLE_REGEXP_MATCH && !r->has_first))
			re->has_first = 0;
		else if (r->kind == TABLE_REGEXP_MATCH)
			for (size_t b = 0; b < sizeof(re->first); b++)
				re->first[b] |= r->first[b];
	}
}

static int table_regexp_parse(const struct table_regexp_syntax *syn, const char *origin,
			      const char *text, size_t len, void **data_r, char **error_r)
{
	struct table_regexp *re = xcalloc(1, sizeof(*re));
	struct table_nest nest = {0};
	struct table_text tt;
	const char *line;
	size_t lineno;
	int rc;

	re->origin = xstrdup(origin);
	table_text_init(&tt, origin, text, len);
	while ((rc = table_text_next(&tt, &line, &lineno, error_r)) > 0) {
		struct table_regexp_rule rule;
		size_t if_rule;
		if ((rc = table_regexp_line(syn, origin, lineno, line, &rule, error_r)) < 0)
			break;
		if (rule.kind == TABLE_REGEXP_IF)
			table_nest_if(&nest, re->n_rules, lineno);
		if (rule.kind == TABLE_REGEXP_ENDIF) {
			if ((rc = table_nest_endif(&nest, origin, lineno, &if_rule, error_r)) < 0)
				break;
			re->rules[if_rule].endif = re->n_rules;
		}
		if (rule.code != NULL) {
			uint32_t n_groups;
			size_t jit_size = 0;
			pcre2_pattern_info(rule.code, PCRE2_INFO_CAPTURECOUNT, &n_groups);
			pcre2_pattern_info(rule.code, PCRE2_INFO_JITSIZE, &jit_size);
			rule.jit = jit_size > 0;
			if (n_groups > re->max_groups)
				re->max_groups = n_groups;
		}
		re->rules = xreallocarray(re->rules, re->n_rules + 1, sizeof(*re->rules));
		re->rules[re->n_rules++] = rule;
	}
	if (table_nest_deinit(&nest, origin, rc == 0 ? error_r : NULL) < 0)
		rc = -1;
	table_regexp_table_first_bytes(re);
	table_text_deinit(&tt);
	if (rc < 0) {
		table_regexp_free(re);
		return -1;
	}
	*data_r = re;
	return 1;
}

/* table_regexp_match: match one rule's pattern against key (len bytes);
 * the number of ovector pairs set (at least 1) on a match, 0 if none, -1
 * on error. */
static int table_regexp_match(const struct table_regexp *re, const struct table_regexp_rule *r,
			      const char *key, size_t len, pcre2_match_data *md, char **error_r)
{
	/* The JIT fast path skips pcre2_match()'s checks of its arguments,
	 * which cost as much as matching a short line. */
	int rc = r->jit ? pcre2_jit_match(r->code, (PCRE2_SPTR)key, len, 0, 0, md, NULL)
			: pcre2_match(r->code, (PCRE2_SPTR)key, len, 0, 0, md, NULL);
	/* The JIT stack is small; the interpreter can go deeper. */
	if (rc == PCRE2_ERROR_JIT_STACKLIMIT)
		rc = pcre2_match(r->code, (PCRE2_SPTR)key, len, 0, PCRE2_NO_JIT, md, NULL);
	if (rc > 0)
		return rc;
	if (rc == PCRE2_ERROR_NOMATCH)
		return 0;
	PCRE2_UCHAR msg[256];
	pcre2_get_error_message(rc, msg, sizeof(msg));
	*error_r =
	    table_text_error(re->origin, r->lineno, "matching failed: %s", (const char *)msg);
	return -1;
}

/* table_regexp_excluded: key's first byte is not among first (for an
 * empty key: there is none). */
static int table_regexp_excluded(const uint8_t first[32], const char *key)
{
	unsigned char c = (unsigned char)key[0];
	return c == '\0' || !(first[c / 8] & (1u << (c % 8)));
}

static int table_regexp_lookup(const void *data, const char *key, char **value_r, char **error_r)
{
	const struct table_regexp *re = data;
	if (re->has_first && table_regexp_excluded(re->first, key))
		return 0;
	pcre2_match_data *md = NULL; /* made when a pattern is first run */
	int rc = 0;
	size_t len = strlen(key);
	for (size_t i = 0; i < re->n_rules && rc == 0; i++) {
		const struct table_regexp_rule *r = &re->rules[i];
		if (r->kind == TABLE_REGEXP_ENDIF)
			continue;
		int pairs = 0;
		if (!r->has_first || !table_regexp_excluded(r->first, key)) {
			if (md == NULL &&
			    (md = pcre2_match_data_create(re->max_groups + 1, NULL)) == NULL) {
				*error_r = xasprintf("%s: out of memory for a regular expression "
						     "match",
						     re->origin);
				return -1;
			}
			pairs = table_regexp_match(re, r, key, len, md, error_r);
		}
		if (pairs < 0) {
			rc = -1;
		} else if (r->kind == TABLE_REGEXP_IF) {
			if ((pairs > 0) == r->negate)
				i = r->endif;
		} else if ((pairs > 0) != r->negate) {
			/* A negated rule has no groups (its result has no $n). */
			*value_r = table_subst_expand(r->result, key, pcre2_get_ovector_pointer(md),
						      (size_t)pairs);
			rc = 1;
		}
	}
	pcre2_match_data_free(md);
	return rc;
}

static int table_regexp_parse_pcre(const char *origin, const char *text, size_t len, int flags,
				   void **data_r, char **error_r)
{
	return table_regexp_parse(&table_regexp_pcre_syntax, origin, text, len, data_r, error_r);
}

static int table_regexp_parse_posix(const char *origin, const char *text, size_t len, int flags,
				    void **data_r, char **error_r)
{
	return table_regexp_parse(&table_regexp_posix_syntax, origin, text, len, data_r, error_r);
}

const struct table_ops table_ops_pcre = {
    .ops_flags = TABLE_OPS_FILE | TABLE_OPS_PATTERN | TABLE_OPS_INLINE_RULES,
    .parse = table_regexp_parse_pcre,
    .lookup = table_regexp_lookup,
    .free = table_regexp_free,
};

const struct table_ops table_ops_regexp = {
    .ops_flags = TABLE_OPS_FILE | TABLE_OPS_PATTERN | TABLE_OPS_INLINE_RULES,
    .parse = table_regexp_parse_posix,
    .lookup = table_regexp_lookup,
    .free = table_regexp_free,
};
