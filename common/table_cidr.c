/* table_cidr.c: cidr_table(5) tables: "network/prefix result" rules for
 * IPv4 and IPv6, tried in order, first match wins; "!pattern" matches what
 * the pattern does not (but only addresses of the same family, as in
 * Postfix); "if pattern" ... "endif" blocks nest.
 *
 * Postfix skips a bad rule with a warning; Postern refuses the table with
 * "FILE:LINE: ..." instead: a network with host bits set, a bad prefix
 * length, an address that does not parse, a rule without a result,
 * unbalanced if/endif.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "mem.h"
#include "table_private.h"
#include "table_text.h"

enum table_cidr_kind {
	TABLE_CIDR_MATCH,
	TABLE_CIDR_IF,
	TABLE_CIDR_ENDIF,
};

struct table_cidr_rule {
	enum table_cidr_kind kind;
	int family; /* AF_INET or AF_INET6 */
	unsigned char addr[16];
	unsigned prefix;
	int negate;
	char *value;  /* TABLE_CIDR_MATCH */
	size_t endif; /* TABLE_CIDR_IF: index of the matching endif */
};

struct table_cidr {
	struct table_cidr_rule *rules;
	size_t n_rules;
};

/* table_cidr_prefix_eq: do the first prefix bits of a and b agree? */
static int table_cidr_prefix_eq(const unsigned char *a, const unsigned char *b, unsigned prefix)
{
	unsigned bytes = prefix / 8, bits = prefix % 8;
	if (memcmp(a, b, bytes) != 0)
		return 0;
	if (bits == 0)
		return 1;
	unsigned char mask = (unsigned char)(0xff << (8 - bits));
	return ((a[bytes] ^ b[bytes]) & mask) == 0;
}

/* table_cidr_key: parse a lookup key or a table address (no brackets, no
 * prefix); 1 ok, 0 not an address. */
static int table_cidr_addr(const char *s, int *family_r, unsigned char *addr_r)
{
	*family_r = strchr(s, ':') != NULL ? AF_INET6 : AF_INET;
	return inet_pton(*family_r, s, addr_r) == 1;
}

/* table_cidr_pattern: parse "addr", "addr/len", "[addr]/len" or
 * "[addr/len]" into rule; 1 ok, -1 error. */
static int table_cidr_pattern(const char *origin, size_t lineno, const char *pattern,
			      struct table_cidr_rule *rule, char **error_r)
{
	char *text = xstrdup(pattern);
	if (text[0] == '[') {
		char *close = strchr(text, ']');
		if (close != NULL) {
			memmove(close, close + 1, strlen(close));
			memmove(text, text + 1, strlen(text));
		}
	}
	char *slash = strchr(text, '/');
	if (slash != NULL)
		*slash++ = '\0';
	int rc = -1;
	if (!table_cidr_addr(text, &rule->family, rule->addr)) {
		*error_r = table_text_error(origin, lineno, "bad address pattern: \"%s\"", pattern);
		goto out;
	}
	unsigned max = rule->family == AF_INET ? 32 : 128;
	rule->prefix = max;
	if (slash != NULL) {
		size_t ndig = strspn(slash, "0123456789");
		if (ndig == 0 || slash[ndig] != '\0' || ndig > 3 || (unsigned)atoi(slash) > max) {
			*error_r = table_text_error(origin, lineno, "bad prefix length in \"%s\"",
						    pattern);
			goto out;
		}
		rule->prefix = (unsigned)atoi(slash);
	}
	unsigned char net[16] = {0};
	memcpy(net, rule->addr, rule->prefix / 8);
	if (rule->prefix % 8 != 0)
		net[rule->prefix / 8] = (unsigned char)(rule->addr[rule->prefix / 8] &
							(0xff << (8 - rule->prefix % 8)));
	if (memcmp(net, rule->addr, max / 8) != 0) {
		char shown[INET6_ADDRSTRLEN];
		inet_ntop(rule->family, net, shown, sizeof(shown));
		*error_r = table_text_error(origin, lineno,
					    "non-null host address bits in \"%s\", perhaps you "
					    "should use \"%s/%u\" instead",
					    pattern, shown, rule->prefix);
		goto out;
	}
	rc = 1;
out:
	free(text);
	return rc;
}

/* table_cidr_line: parse one logical line into rule; 1 ok, -1 error. */
static int table_cidr_line(const char *origin, size_t lineno, const char *line,
			   struct table_cidr_rule *rule, char **error_r)
{
	const char *s = line;
	memset(rule, 0, sizeof(*rule));
	rule->kind = TABLE_CIDR_MATCH;
	if (strncasecmp(s, "endif", 5) == 0 && (s[5] == '\0' || table_is_space(s[5]))) {
		rule->kind = TABLE_CIDR_ENDIF;
		if (*table_skip_space(s + 5) != '\0') {
			*error_r = table_text_error(origin, lineno, "garbage after ENDIF");
			return -1;
		}
		return 1;
	}
	if (strncasecmp(s, "if", 2) == 0 && (table_is_space(s[2]) || s[2] == '!')) {
		rule->kind = TABLE_CIDR_IF;
		s = table_skip_space(s + 2);
	}
	if (*s == '!') {
		rule->negate = 1;
		s = table_skip_space(s + 1);
	}
	size_t plen = 0;
	while (s[plen] != '\0' && !table_is_space((unsigned char)s[plen]))
		plen++;
	const char *rest = table_skip_space(s + plen);
	if (rule->kind == TABLE_CIDR_IF && *rest != '\0') {
		*error_r =
		    table_text_error(origin, lineno, "garbage after IF pattern: \"%s\"", rest);
		return -1;
	}
	if (rule->kind == TABLE_CIDR_MATCH && *rest == '\0') {
		*error_r = table_text_error(origin, lineno, "no lookup result: \"%s\"", line);
		return -1;
	}
	char *pattern = xstrndup(s, plen);
	int rc = table_cidr_pattern(origin, lineno, pattern, rule, error_r);
	free(pattern);
	if (rc > 0 && rule->kind == TABLE_CIDR_MATCH)
		rule->value = xstrdup(rest);
	return rc;
}

static void table_cidr_free(void *data)
{
	struct table_cidr *cidr = data;
	if (cidr == NULL)
		return;
	for (size_t i = 0; i < cidr->n_rules; i++)
		free(cidr->rules[i].value);
	free(cidr->rules);
	free(cidr);
}

static int table_cidr_parse(const char *origin, const char *text, size_t len, int flags,
			    void **data_r, char **error_r)
{
	struct table_cidr *cidr = xcalloc(1, sizeof(*cidr));
	struct table_nest nest = {0};
	struct table_text tt;
	const char *line;
	size_t lineno;
	int rc;

	table_text_init(&tt, origin, text, len);
	while ((rc = table_text_next(&tt, &line, &lineno, error_r)) > 0) {
		struct table_cidr_rule rule;
		if ((rc = table_cidr_line(origin, lineno, line, &rule, error_r)) < 0)
			break;
		size_t if_rule;
		if (rule.kind == TABLE_CIDR_IF)
			table_nest_if(&nest, cidr->n_rules, lineno);
		if (rule.kind == TABLE_CIDR_ENDIF) {
			if ((rc = table_nest_endif(&nest, origin, lineno, &if_rule, error_r)) < 0)
				break;
			cidr->rules[if_rule].endif = cidr->n_rules;
		}
		cidr->rules = xreallocarray(cidr->rules, cidr->n_rules + 1, sizeof(*cidr->rules));
		cidr->rules[cidr->n_rules++] = rule;
	}
	if (table_nest_deinit(&nest, origin, rc == 0 ? error_r : NULL) < 0)
		rc = -1;
	table_text_deinit(&tt);
	if (rc < 0) {
		table_cidr_free(cidr);
		return -1;
	}
	*data_r = cidr;
	return 1;
}

static int table_cidr_lookup(const void *data, const char *key, char **value_r, char **error_r)
{
	const struct table_cidr *cidr = data;
	unsigned char addr[16];
	int family;

	/* Postfix: a key that is not an address matches nothing, not even a
	 * negated pattern. */
	if (!table_cidr_addr(key, &family, addr))
		return 0;
	for (size_t i = 0; i < cidr->n_rules; i++) {
		const struct table_cidr_rule *r = &cidr->rules[i];
		if (r->kind == TABLE_CIDR_ENDIF)
			continue;
		int match = r->family == family &&
			    table_cidr_prefix_eq(r->addr, addr, r->prefix) != r->negate;
		if (r->kind == TABLE_CIDR_IF) {
			if (!match)
				i = r->endif;
		} else if (match) {
			*value_r = xstrdup(r->value);
			return 1;
		}
	}
	return 0;
}

const struct table_ops table_ops_cidr = {
    .ops_flags = TABLE_OPS_FILE | TABLE_OPS_PATTERN | TABLE_OPS_INLINE_RULES,
    .parse = table_cidr_parse,
    .lookup = table_cidr_lookup,
    .free = table_cidr_free,
};
