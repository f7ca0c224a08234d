/* fuzz_addr.c: libFuzzer target for common/addr and common/domain. The
 * first input byte chooses the parse flags, the rest is the path. Beyond
 * not crashing, every accepted path must keep the invariants of struct
 * addr and round-trip: quoting the internal form and parsing it again gives
 * the same internal form, and unquoting the quoted form gives it back. A
 * violation aborts. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "domain.h"

static void check(int cond)
{
	if (!cond)
		abort();
}

static void check_invariants(const struct addr *a, unsigned int flags)
{
	size_t llen = strlen(a->local);

	check(strncmp(a->internal, a->local, llen) == 0);
	if (a->domain == NULL) {
		check(a->internal[llen] == '\0');
		check(strchr(a->local, '@') == NULL);
		check(*a->internal != '\0' || (flags & ADDR_ALLOW_NULL));
	} else {
		check(a->internal[llen] == '@' && strcmp(a->internal + llen + 1, a->domain) == 0);
		if (a->literal)
			check(domain_literal_parse(a->domain, strlen(a->domain), NULL, NULL, NULL,
						   NULL));
		else
			check(domain_valid_hostname(
			    a->domain, (flags & ADDR_SMTPUTF8) ? DOMAIN_UTF8 : 0, NULL));
	}
	for (const char *p = a->internal; *p != '\0'; p++) {
		unsigned char c = (unsigned char)*p;
		check(c >= 0x20 && c != 0x7f);
		if (c >= 0x80)
			check(a->utf8 && (flags & (ADDR_SMTPUTF8 | ADDR_8BIT_LOCAL)));
	}
	check(domain_utf8_valid(a->internal, strlen(a->internal)));
	if ((flags & ADDR_STRICT_RFC821) && a->domain != NULL)
		check(a->internal[0] != '@');
}

static void check_round_trip(const struct addr *a, unsigned int flags)
{
	struct buf path, quoted, unquoted;
	struct addr *b = NULL;
	char *error = NULL;

	buf_init(&path, 0);
	buf_init(&quoted, 0);
	buf_init(&unquoted, 0);
	addr_format_path(&path, a->internal);
	/* Strict mode refuses an internal form that starts with '@'. */
	flags = (flags | ADDR_ALLOW_NULL) & ~(unsigned int)ADDR_ENFORCE_LIMITS;
	if (a->internal[0] == '@')
		flags &= ~(unsigned int)ADDR_STRICT_RFC821;
	check(addr_parse_path(buf_cstr(&path), flags, &b, NULL, NULL, &error) == 1);
	check(strcmp(a->internal, b->internal) == 0);
	check((a->domain == NULL) == (b->domain == NULL));

	if (*a->internal != '\0') {
		addr_quote(&quoted, a->internal);
		addr_unquote(&unquoted, buf_cstr(&quoted));
		check(strcmp(buf_cstr(&unquoted), a->internal) == 0);
	}
	struct addr *c = addr_from_internal(a->internal);
	check(strcmp(c->local, a->local) == 0);
	check((c->domain == NULL && a->domain == NULL) ||
	      (c->domain != NULL && a->domain != NULL && strcmp(c->domain, a->domain) == 0));
	check(addr_equal(a->internal, c->internal));

	addr_free(&c);
	addr_free(&b);
	buf_deinit(&path);
	buf_deinit(&quoted);
	buf_deinit(&unquoted);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > 8192)
		return 0;
	unsigned int flags = data[0] & (ADDR_STRICT_RFC821 | ADDR_SMTPUTF8 | ADDR_8BIT_LOCAL |
					ADDR_ENFORCE_LIMITS | ADDR_ALLOW_NULL);
	char *text = malloc(size);
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';

	struct addr *a = NULL;
	const char *rest = NULL;
	enum addr_fail fail = 0;
	char *error = NULL;
	if (addr_parse_path(text, flags, &a, &rest, &fail, &error) == 1) {
		check(rest >= text && rest <= text + strlen(text));
		check(*rest == '\0' || *rest == ' ' || *rest == '\t');
		check_invariants(a, flags);
		check_round_trip(a, flags);
	} else {
		check(a == NULL && error != NULL && *error != '\0');
		check(fail >= ADDR_FAIL_SYNTAX && fail <= ADDR_FAIL_TOO_LONG);
	}
	addr_free(&a);
	free(error);
	free(text);
	return 0;
}
