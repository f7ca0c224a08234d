/* fuzz_sockspec.c: libFuzzer target for common/sockspec parsing. The first
 * input byte chooses the flags, the rest is the spec. An accepted spec must
 * format to a canonical text that parses to the same spec, and a numeric
 * spec must resolve without any lookup; a violation aborts. No socket is
 * opened. */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sockspec.h"

static void check(int cond)
{
	if (!cond)
		abort();
}

static int is_numeric(const char *host)
{
	unsigned char a[sizeof(struct in6_addr)];
	return inet_pton(AF_INET, host, a) == 1 || inet_pton(AF_INET6, host, a) == 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > 4096)
		return 0;
	/* Service names read /etc/services; DNS is never allowed here. */
	unsigned int flags =
	    data[0] & (SOCKSPEC_LISTEN | SOCKSPEC_BARE_PATH | SOCKSPEC_SERVICE_NAMES);
	char *text = malloc(size);
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';

	struct sockspec *spec = NULL, *again = NULL;
	char *error = NULL;
	if (sockspec_parse(text, flags, &spec, &error) == 1) {
		struct buf one, two;
		buf_init(&one, 0);
		buf_init(&two, 0);
		sockspec_format(&one, spec);
		check(sockspec_parse(buf_cstr(&one), SOCKSPEC_LISTEN, &again, &error) == 1);
		check(strcmp(sockspec_format(&two, again), buf_cstr(&one)) == 0);
		check(again->kind == spec->kind && again->family == spec->family &&
		      again->port == spec->port);
		if (spec->kind == SOCKSPEC_UNIX) {
			check(spec->path != NULL && *spec->path != '\0');
		} else {
			check(spec->port <= 65535);
			check(spec->host != NULL || (flags & SOCKSPEC_LISTEN));
		}
		if (spec->kind == SOCKSPEC_UNIX || spec->host == NULL || is_numeric(spec->host)) {
			struct sockspec_addr *addrs = NULL;
			size_t n = 0;
			check(sockspec_resolve(spec, 0, &addrs, &n, &error) == 1 && n >= 1);
			char line[SOCKSPEC_ADDRSTRLEN];
			for (size_t i = 0; i < n; i++)
				sockspec_format_peer(NULL, (struct sockaddr *)&addrs[i].ss,
						     addrs[i].len, line, sizeof(line));
			free(addrs);
		}
		buf_deinit(&one);
		buf_deinit(&two);
	} else {
		check(spec == NULL && error != NULL);
	}
	sockspec_free(&spec);
	sockspec_free(&again);
	free(error);
	free(text);
	return 0;
}
