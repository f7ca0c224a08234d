/* tls_ctx_cipher.c: cipher lists from Postfix cipher grades and
 * exclusions, and the OpenSSL options of tls_ssl_options.
 */
#include "tls_ctx.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "cfg_expand.h"
#include "cfg_list.h"
#include "mem.h"

#define TLS_CIPHER_SEPARATORS "\t\n\r ,:"

int tls_cipherlist(const struct cfg *view, const char *grade, const char *exclusions, char **list_r,
		   char **error_r)
{
	static const char *const grades[] = {"export", "low", "medium", "high", "null"};
	size_t i;
	for (i = 0; i < sizeof(grades) / sizeof(grades[0]); i++)
		if (strcmp(grade, grades[i]) == 0)
			break;
	if (i == sizeof(grades) / sizeof(grades[0])) {
		*error_r = xasprintf("invalid cipher grade \"%s\" (expected export, low, medium, "
				     "high or null)",
				     grade);
		return -1;
	}
	char *param = xasprintf("tls_%s_cipherlist", grade);
	char *base = NULL;
	int ret = cfg_expand_param(view, param, &base, error_r);
	if (ret == 0 || (ret == 1 && *base == '\0')) {
		*error_r = xasprintf("%s is empty", param);
		ret = -1;
	}
	free(param);
	if (ret < 0) {
		free(base);
		return -1;
	}
	struct buf list;
	buf_init(&list, 0);
	buf_append_str(&list, base);
	free(base);
	/* Split as Postfix does (mystrtok): braces group nothing here, so no
	 * name can smuggle a separator into the OpenSSL cipher string. */
	char *copy = xstrdup(exclusions != NULL ? exclusions : ""), *rest = copy, *name;
	while ((name = strsep(&rest, TLS_CIPHER_SEPARATORS)) != NULL) {
		if (*name == '\0')
			continue;
		if (strchr("!+-@", name[0]) != NULL) {
			*error_r = xasprintf("invalid unary '!+-@' in cipher exclusion \"%s\"", name);
			free(copy);
			buf_deinit(&list);
			return -1;
		}
		buf_printf(&list, ":!%s", name);
	}
	free(copy);
	*list_r = buf_detach(&list);
	buf_deinit(&list);
	return 1;
}

struct tls_ssl_option {
	const char *name;
	uint64_t op;
};

/* The names postconf(5) documents for tls_ssl_options. */
static const struct tls_ssl_option tls_ssl_options[] = {
	{"ENABLE_MIDDLEBOX_COMPAT", SSL_OP_ENABLE_MIDDLEBOX_COMPAT},
	{"LEGACY_SERVER_CONNECT", SSL_OP_LEGACY_SERVER_CONNECT},
	{"NO_TICKET", SSL_OP_NO_TICKET},
	{"NO_COMPRESSION", SSL_OP_NO_COMPRESSION},
	{"NO_RENEGOTIATION", SSL_OP_NO_RENEGOTIATION},
	{"NO_SESSION_RESUMPTION_ON_RENEGOTIATION", SSL_OP_NO_SESSION_RESUMPTION_ON_RENEGOTIATION},
	{"PRIORITIZE_CHACHA", SSL_OP_PRIORITIZE_CHACHA},
};

/* Bits other parameters control: a numeric mask cannot set them. */
#define TLS_SSL_OPTIONS_RESERVED (SSL_OP_NO_SSL_MASK | SSL_OP_CIPHER_SERVER_PREFERENCE)

static int tls_ssl_option_number(const char *word, uint64_t *op_r)
{
	if (word[0] != '0' || (word[1] != 'x' && word[1] != 'X') ||
	    !isxdigit((unsigned char)word[2]))
		return 0;
	char *end;
	errno = 0;
	unsigned long long v = strtoull(word + 2, &end, 16);
	if (errno != 0 || *end != '\0')
		return 0;
	*op_r = (uint64_t)v & ~(uint64_t)TLS_SSL_OPTIONS_RESERVED;
	return 1;
}

int tls_ssl_options_parse(const char *value, uint64_t *ops_r, char **error_r)
{
	char **words;
	if (cfg_split_at(value, ", \t\r\n", &words, NULL, error_r) < 0)
		return -1;
	uint64_t ops = 0;
	int ret = 1;
	for (size_t i = 0; words[i] != NULL; i++) {
		uint64_t op = 0;
		size_t k;
		for (k = 0; k < sizeof(tls_ssl_options) / sizeof(tls_ssl_options[0]); k++)
			if (strcasecmp(words[i], tls_ssl_options[k].name) == 0)
				break;
		if (k < sizeof(tls_ssl_options) / sizeof(tls_ssl_options[0])) {
			op = tls_ssl_options[k].op;
		} else if (!tls_ssl_option_number(words[i], &op)) {
			*error_r = xasprintf("unknown OpenSSL option \"%s\"", words[i]);
			ret = -1;
			break;
		}
		ops |= op;
	}
	cfg_list_free(&words);
	if (ret == 1)
		*ops_r = ops;
	return ret;
}
