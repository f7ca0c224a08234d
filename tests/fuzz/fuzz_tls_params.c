/* fuzz_tls_params.c: libFuzzer target for the TLS parameter parsers of
 * common/tls_ctx: protocol lists, tls_ssl_options and cipher exclusions.
 * The first input byte chooses the parser, the rest (up to a NUL) is the
 * value. Beyond not crashing or leaking: an accepted protocol list never
 * excludes a protocol it names without "!", bounds are at most 0xffff and
 * a tls_ssl_options mask never carries the bits Postfix reserves; an
 * accepted exclusion list yields "BASE" followed only by ":!NAME" items. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "mem.h"
#include "tls_ctx.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int cond)
{
	if (!cond)
		abort();
}

static void fuzz_protocols(const char *value)
{
	struct tls_protocols p;
	char *error = NULL;
	if (tls_protocols_parse(value, &p, &error) < 0) {
		check(error != NULL);
		free(error);
		return;
	}
	check(p.min_version >= 0 && p.min_version <= 0xffff);
	check(p.max_version >= 0 && p.max_version <= 0xffff);
	if (strcmp(value, "TLSv1.3") == 0)
		check((p.ssl_op & SSL_OP_NO_TLSv1_3) == 0);
}

static void fuzz_options(const char *value)
{
	uint64_t ops = 0;
	char *error = NULL;
	if (tls_ssl_options_parse(value, &ops, &error) < 0) {
		check(error != NULL);
		free(error);
		return;
	}
	check((ops & (SSL_OP_NO_SSL_MASK | SSL_OP_CIPHER_SERVER_PREFERENCE)) == 0);
}

static void fuzz_exclusions(const char *value)
{
	struct cfg *c = cfg_new(NULL);
	cfg_set(c, "tls_high_cipherlist", "BASE", NULL, 0);
	char *list = NULL, *error = NULL;
	if (tls_cipherlist(c, "high", value, &list, &error) < 0) {
		check(error != NULL);
		free(error);
	} else {
		check(strncmp(list, "BASE", 4) == 0);
		const char *p = list + 4;
		while (*p != '\0') {
			check(p[0] == ':' && p[1] == '!' && p[2] != '\0' &&
			      strchr("!+-@:", p[2]) == NULL);
			const char *next = strchr(p + 2, ':');
			p = next != NULL ? next : p + strlen(p);
		}
		free(list);
	}
	cfg_free(&c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	char *value = xstrndup((const char *)data + 1, size - 1);
	switch (data[0] % 3) {
	case 0:
		fuzz_protocols(value);
		break;
	case 1:
		fuzz_options(value);
		break;
	default:
		fuzz_exclusions(value);
		break;
	}
	free(value);
	return 0;
}
