/* addr.c: the address object and the questions asked of internal-form
 * addresses: equality, routing in the local part, the recipient_delimiter
 * extension (see addr.h). Parsing is in addr_parse.c, quoting in
 * addr_quote.c. */
#include "addr.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "domain.h"
#include "mem.h"

struct addr *addr_from_internal(const char *internal)
{
	struct addr *a = xcalloc(1, sizeof(*a));
	const char *at = strrchr(internal, '@');

	a->internal = xstrdup(internal);
	if (at != NULL) {
		a->local = xstrndup(internal, (size_t)(at - internal));
		a->domain = xstrdup(at + 1);
		a->literal = at[1] == '[';
	} else {
		a->local = xstrdup(internal);
	}
	for (const char *p = internal; *p != '\0'; p++)
		if ((unsigned char)*p >= 0x80)
			a->utf8 = 1;
	return a;
}

void addr_free(struct addr **ap)
{
	if (ap == NULL || *ap == NULL)
		return;
	free((*ap)->internal);
	free((*ap)->local);
	free((*ap)->domain);
	FREE_AND_NULL(*ap);
}

int addr_equal(const char *a, const char *b)
{
	const char *at_a = strrchr(a, '@'), *at_b = strrchr(b, '@');

	if ((at_a == NULL) != (at_b == NULL))
		return 0;
	if (at_a == NULL)
		return strcmp(a, b) == 0;
	if (at_a - a != at_b - b || memcmp(a, b, (size_t)(at_a - a)) != 0)
		return 0;
	return domain_eq(at_a + 1, at_b + 1);
}

int addr_local_is_routed(const char *local)
{
	return strpbrk(local, "@%!") != NULL;
}

/* addr_ends_with: s ends in suffix, ignoring ASCII case, with something
 * before it. */
static int addr_ends_with(const char *s, const char *suffix)
{
	size_t len = strlen(s), slen = strlen(suffix);
	return len > slen && strcasecmp(s + len - slen, suffix) == 0;
}

int addr_split_extension(const char *local, const struct addr_ext_opts *opts, size_t *base_len_r)
{
	const char *delims = opts->delimiters ? opts->delimiters : "";
	const char *double_bounce = opts->double_bounce ? opts->double_bounce : "double-bounce";
	size_t len;

	if (*delims == '\0')
		return 0;
	if (strcasecmp(local, "postmaster") == 0 || strcasecmp(local, "MAILER-DAEMON") == 0 ||
	    strcasecmp(local, double_bounce) == 0)
		return 0;
	if (strchr(delims, '-') != NULL && opts->owner_request_special &&
	    (strncasecmp(local, "owner-", 6) == 0 || addr_ends_with(local, "-request")))
		return 0;
	len = strcspn(local, delims);
	if (len == 0 || local[len] == '\0')
		return 0;
	*base_len_r = len;
	return 1;
}
