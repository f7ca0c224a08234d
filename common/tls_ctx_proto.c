/* tls_ctx_proto.c: Postfix TLS protocol lists (smtpd_tls_protocols and
 * friends) into OpenSSL version bounds and SSL_OP_NO_* exclusions.
 *
 * Two syntaxes, which may be mixed, as in Postfix 3.6+:
 *   ">=TLSv1.2", "<=TLSv1.3"  bounds; the version is a name or a
 *                             hexadecimal number ("0303", "0x303", "303")
 *   "!SSLv3", "TLSv1.2"       exclusions and inclusions by name; with any
 *                             inclusion every known protocol not included
 *                             is excluded too
 * Items are separated by commas, colons or white space; names are
 * case-insensitive.
 */
#include "tls_ctx.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cfg_list.h"
#include "mem.h"

struct tls_proto_name {
	const char *name;
	int version;
	uint64_t op;
};

static const struct tls_proto_name tls_proto_names[] = {
	{"SSLv2", 0x0002, 0}, /* long gone from OpenSSL: nothing to exclude */
	{"SSLv3", SSL3_VERSION, SSL_OP_NO_SSLv3},
	{"TLSv1", TLS1_VERSION, SSL_OP_NO_TLSv1},
	{"TLSv1.1", TLS1_1_VERSION, SSL_OP_NO_TLSv1_1},
	{"TLSv1.2", TLS1_2_VERSION, SSL_OP_NO_TLSv1_2},
	{"TLSv1.3", TLS1_3_VERSION, SSL_OP_NO_TLSv1_3},
};

#define TLS_PROTO_N (sizeof(tls_proto_names) / sizeof(tls_proto_names[0]))

static const struct tls_proto_name *tls_proto_lookup(const char *name)
{
	for (size_t i = 0; i < TLS_PROTO_N; i++)
		if (strcasecmp(tls_proto_names[i].name, name) == 0)
			return &tls_proto_names[i];
	return NULL;
}

/* tls_proto_version: a bound's version, by name or in hexadecimal. */
static int tls_proto_version(const char *text, int *version_r)
{
	const struct tls_proto_name *p = tls_proto_lookup(text);
	if (p != NULL) {
		*version_r = p->version;
		return 1;
	}
	const char *hex = text;
	if (hex[0] == '0' && (hex[1] == 'x' || hex[1] == 'X'))
		hex += 2;
	if (*hex == '\0' || strlen(hex) > 4 || hex[strspn(hex, "0123456789abcdefABCDEF")] != '\0')
		return -1;
	*version_r = (int)strtol(hex, NULL, 16);
	return 1;
}

int tls_protocols_parse(const char *value, struct tls_protocols *r, char **error_r)
{
	char **items;
	if (cfg_split_at(value, ", :\t\r\n", &items, NULL, error_r) < 0)
		return -1;
	unsigned include = 0; /* bit i: tls_proto_names[i] is included */
	uint64_t exclude = 0;
	int min = 0, max = 0, ret = 1;
	for (size_t i = 0; items[i] != NULL && ret == 1; i++) {
		const char *item = items[i];
		if (strncmp(item, ">=", 2) == 0 || strncmp(item, "<=", 2) == 0) {
			int *bound = item[0] == '>' ? &min : &max;
			if (tls_proto_version(item + 2, bound) < 0) {
				*error_r = xasprintf("invalid TLS protocol version \"%s\"", item);
				ret = -1;
			}
			continue;
		}
		const char *name = item[0] == '!' ? item + 1 : item;
		const struct tls_proto_name *p = tls_proto_lookup(name);
		if (p == NULL) {
			*error_r = xasprintf("invalid TLS protocol \"%s\"", item);
			ret = -1;
		} else if (item[0] == '!') {
			exclude |= p->op;
		} else {
			include |= 1u << (p - tls_proto_names);
		}
	}
	cfg_list_free(&items);
	if (ret < 0)
		return -1;
	if (include != 0) {
		for (size_t i = 0; i < TLS_PROTO_N; i++)
			if ((include & (1u << i)) == 0)
				exclude |= tls_proto_names[i].op;
	}
	r->min_version = min;
	r->max_version = max;
	r->ssl_op = exclude;
	return 1;
}
