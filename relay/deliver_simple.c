/* deliver_simple.c: the discard:, error: and retry: transports (no I/O). */
#include "deliver_simple.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

void deliver_discard(const char *nexthop, struct deliver_status *st_r)
{
	deliver_status_set(st_r, QUEUE_RCPT_DELIVERED, "2.0.0", "none", "%s",
			   nexthop[0] != '\0' ? nexthop : "discarded");
}

/* dsn_length: the length of an RFC 3463 status "C.S.D" (C 4 or 5; S up
 * to 3 digits; D up to 3 digits) at the start of s followed by a space or
 * the end, or 0. */
static size_t dsn_length(const char *s)
{
	size_t n = 1, digits;

	if (s[0] != '4' && s[0] != '5')
		return 0;
	for (int part = 0; part < 2; part++) {
		if (s[n++] != '.')
			return 0;
		for (digits = 0; isdigit((unsigned char)s[n]); digits++)
			n++;
		if (digits == 0 || digits > 3)
			return 0;
	}
	return s[n] == '\0' || s[n] == ' ' ? n : 0;
}

/* deliver_fail: the status of an error: or retry: nexthop, "X.Y.Z text"
 * or a text alone (dsn then the default). */
static void deliver_fail(const char *nexthop, const char *dsn_default, const char *text_default,
			 int always_defer, struct deliver_status *st_r)
{
	size_t n = dsn_length(nexthop);
	char dsn[16];
	const char *text = nexthop + n;

	snprintf(dsn, sizeof(dsn), "%s", dsn_default);
	if (n > 0)
		snprintf(dsn, sizeof(dsn), "%.*s", (int)n, nexthop);
	if (always_defer)
		dsn[0] = '4';
	while (*text == ' ')
		text++;
	deliver_status_set(st_r, dsn[0] == '4' ? QUEUE_RCPT_DEFERRED : QUEUE_RCPT_BOUNCED, dsn,
			   "none", "%s", text[0] != '\0' ? text : text_default);
}

void deliver_error(const char *nexthop, struct deliver_status *st_r)
{
	deliver_fail(nexthop, "5.0.0", "mail delivery disabled", 0, st_r);
}

void deliver_retry(const char *nexthop, struct deliver_status *st_r)
{
	deliver_fail(nexthop, "4.3.0", "delivery temporarily suspended", 1, st_r);
}
