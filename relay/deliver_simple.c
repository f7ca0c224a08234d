/* deliver_simple.c: the discard: and error: transports (no I/O). */
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

void deliver_error(const char *nexthop, struct deliver_status *st_r)
{
	size_t n = dsn_length(nexthop);
	char dsn[16] = "5.0.0";
	const char *text = nexthop + n;

	if (n > 0)
		snprintf(dsn, sizeof(dsn), "%.*s", (int)n, nexthop);
	while (*text == ' ')
		text++;
	deliver_status_set(st_r, dsn[0] == '4' ? QUEUE_RCPT_DEFERRED : QUEUE_RCPT_BOUNCED, dsn,
			   "none", "%s", text[0] != '\0' ? text : "mail delivery disabled");
}
