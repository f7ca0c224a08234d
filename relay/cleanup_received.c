/* cleanup_received.c: the Received header and the Date and Message-Id
 * headers that posternd writes (see cleanup.h). */
#include "cleanup.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "addr.h"
#include "mem.h"

void cleanup_date(struct buf *out, time_t when)
{
	struct tm local;
	char text[64];
	localtime_r(&when, &local);
	strftime(text, sizeof(text), "%a, %e %b %Y %H:%M:%S ", &local);
	long off = local.tm_gmtoff / 60;
	char sign = off < 0 ? '-' : '+';
	if (off < 0)
		off = -off;
	buf_printf(out, "%s%c%02ld%02ld (%s)", text, sign, off / 60, off % 60,
		   local.tm_zone != NULL ? local.tm_zone : "UTC");
}

/* cleanup_tls_clause: append the clause with CRLF line ends. */
static void cleanup_tls_clause(struct buf *out, const char *clause)
{
	for (const char *p = clause; *p;) {
		size_t n = strcspn(p, "\n");
		buf_append(out, p, n);
		buf_append_str(out, "\r\n");
		p += n;
		if (*p == '\n')
			p++;
	}
}

void cleanup_received(struct buf *out, const struct cleanup_received *r)
{
	int v6 = strchr(r->client_addr, ':') != NULL;
	buf_printf(out, "Received: from %s (%s [%s%s])\r\n",
		   r->helo != NULL ? r->helo : r->client_name, r->client_name, v6 ? "IPv6:" : "",
		   r->client_addr);
	if (r->tls_clause != NULL)
		cleanup_tls_clause(out, r->tls_clause);
	if (r->sasl_sender != NULL)
		buf_printf(out, "\t(Authenticated sender: %s)\r\n", r->sasl_sender);
	buf_printf(out, "\tby %s (%s) with %s id %s", r->myhostname, r->mail_name, r->protocol,
		   r->queue_id);
	if (r->rcpt != NULL) {
		buf_append_str(out, "\r\n\tfor <");
		addr_quote(out, r->rcpt);
		buf_append_char(out, '>');
	}
	buf_append_str(out, "; ");
	cleanup_date(out, r->when);
	buf_append_str(out, "\r\n");
}

static const struct {
	const char *name;
	enum cleanup_header kind;
} cleanup_headers[] = {
	{"received", CLEANUP_HDR_RECEIVED},
	{"message-id", CLEANUP_HDR_MESSAGE_ID},
	{"date", CLEANUP_HDR_DATE},
	{"resent-message-id", CLEANUP_HDR_RESENT_MESSAGE_ID},
	{"resent-date", CLEANUP_HDR_RESENT_DATE},
	{"from", CLEANUP_HDR_FROM},
};

enum cleanup_header cleanup_header_kind(const char *line, size_t len)
{
	size_t n = 0;
	while (n < len && line[n] != ':' && line[n] != ' ' && line[n] != '\t')
		n++;
	for (size_t i = 0; i < sizeof(cleanup_headers) / sizeof(cleanup_headers[0]); i++)
		if (strlen(cleanup_headers[i].name) == n &&
		    strncasecmp(line, cleanup_headers[i].name, n) == 0)
			return cleanup_headers[i].kind;
	return CLEANUP_HDR_OTHER;
}

void cleanup_message_id(struct buf *out, time_t when, const char *queue_id, const char *myhostname,
			char **id_r)
{
	struct tm utc;
	char stamp[32];
	gmtime_r(&when, &utc);
	strftime(stamp, sizeof(stamp), "%Y%m%d%H%M%S", &utc);
	*id_r = xasprintf("<%s.%s@%s>", stamp, queue_id, myhostname);
	buf_printf(out, "Message-Id: %s\r\n", *id_r);
}

char *cleanup_message_id_value(const char *line, size_t len)
{
	const char *colon = memchr(line, ':', len);
	if (colon == NULL)
		return NULL;
	const char *p = colon + 1, *end = line + len;
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	return end > p ? xstrndup(p, (size_t)(end - p)) : NULL;
}
