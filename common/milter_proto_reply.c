/* milter_proto_reply.c: decode and encode the replies a milter sends to the
 * MTA (see milter_proto_reply.h), and the checks Postfix applies to a
 * milter's SMTP reply text. */
#include "milter_proto_reply.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "mem.h"
#include "milter_proto_private.h"

static void reply_error(char **error_r, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void reply_error(char **error_r, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = xvasprintf(fmt, ap);
	va_end(ap);
	*error_r = xasprintf("%s: %s", milter_reply_name(code), msg);
	free(msg);
}

static int decode_optneg(const struct milter_packet *pkt, struct milter_reply *r, char **error_r)
{
	struct milter_optneg *o = &r->u.optneg;
	struct milter_cursor c;

	milter_cursor_init(&c, pkt);
	if (!milter_cursor_u32(&c, &o->version) || !milter_cursor_u32(&c, &o->actions) ||
	    !milter_cursor_u32(&c, &o->protocol)) {
		reply_error(error_r, r->code, "%zu data bytes, need at least 12", pkt->len);
		return -1;
	}
	while (c.left > 0) {
		uint32_t stage;
		const char *list;
		if (!milter_cursor_u32(&c, &stage) || !milter_cursor_str(&c, &list)) {
			reply_error(error_r, r->code, "truncated macro list");
			return -1;
		}
		/* Like Postfix: a later list for the same stage wins, and lists
		 * for stages we do not know are skipped. */
		if (stage < MILTER_STAGE_COUNT)
			o->symlists[stage] = list;
		else
			o->unknown_stages++;
	}
	return 1;
}

/* decode_strings: the packet is min..max NUL-terminated strings; s[i] set
 * for each one present, NULL for the others. */
static int decode_strings(const struct milter_packet *pkt, struct milter_reply *r, long min,
			  long max, const char **s[], char **error_r)
{
	long count = milter_strings_count(pkt->data, pkt->len);
	const char *p = (const char *)pkt->data;

	if (count < min || count > max) {
		if (min == max)
			reply_error(error_r, r->code, "data is not %ld NUL-terminated string%s",
				    min, min == 1 ? "" : "s");
		else
			reply_error(error_r, r->code,
				    "data is not %ld to %ld NUL-terminated strings", min, max);
		return -1;
	}
	for (long i = 0; i < max; i++) {
		*s[i] = i < count ? p : NULL;
		if (i < count)
			p += strlen(p) + 1;
	}
	return 1;
}

static int decode_header(const struct milter_packet *pkt, struct milter_reply *r, char **error_r)
{
	const char **s[] = {&r->u.header.name, &r->u.header.value};
	struct milter_packet rest = *pkt;

	if (r->code != MILTER_REPLY_ADDHEADER) {
		struct milter_cursor c;
		milter_cursor_init(&c, pkt);
		if (!milter_cursor_u32(&c, &r->u.header.index)) {
			reply_error(error_r, r->code, "header index missing");
			return -1;
		}
		/* libmilter sends a non-negative int. */
		if (r->u.header.index > INT32_MAX) {
			reply_error(error_r, r->code, "header index %lu out of range",
				    (unsigned long)r->u.header.index);
			return -1;
		}
		rest.data = c.p;
		rest.len = c.left;
	}
	if (decode_strings(&rest, r, 2, 2, s, error_r) < 0)
		return -1;
	if (*r->u.header.name == '\0') {
		reply_error(error_r, r->code, "empty header name");
		return -1;
	}
	return 1;
}

static int decode_addr(const struct milter_packet *pkt, struct milter_reply *r, char **error_r)
{
	const char **s[] = {&r->u.addr.addr, &r->u.addr.args};

	if (decode_strings(pkt, r, 1, 2, s, error_r) < 0)
		return -1;
	if (*r->u.addr.addr == '\0') {
		reply_error(error_r, r->code, "empty address");
		return -1;
	}
	return 1;
}

static int decode_text(const struct milter_packet *pkt, struct milter_reply *r, char **error_r)
{
	const char **s[] = {&r->u.text};

	if (decode_strings(pkt, r, 1, 1, s, error_r) < 0)
		return -1;
	if ((r->code == MILTER_REPLY_ADDRCPT || r->code == MILTER_REPLY_DELRCPT) &&
	    *r->u.text == '\0') {
		reply_error(error_r, r->code, "empty address");
		return -1;
	}
	if (r->code == MILTER_REPLY_REPLYCODE) {
		char *why;
		if (milter_replycode_check(r->u.text, &why) < 0) {
			reply_error(error_r, r->code, "%s", why);
			free(why);
			return -1;
		}
	}
	return 1;
}

int milter_reply_decode(const struct milter_packet *pkt, struct milter_reply *reply_r,
			char **error_r)
{
	memset(reply_r, 0, sizeof(*reply_r));
	reply_r->code = pkt->code;
	switch (pkt->code) {
	case MILTER_REPLY_OPTNEG:
		return decode_optneg(pkt, reply_r, error_r);
	case MILTER_REPLY_REPLYCODE:
	case MILTER_REPLY_QUARANTINE:
	case MILTER_REPLY_ADDRCPT:
	case MILTER_REPLY_DELRCPT:
		return decode_text(pkt, reply_r, error_r);
	case MILTER_REPLY_ADDRCPT_PAR:
	case MILTER_REPLY_CHGFROM:
		return decode_addr(pkt, reply_r, error_r);
	case MILTER_REPLY_ADDHEADER:
	case MILTER_REPLY_INSHEADER:
	case MILTER_REPLY_CHGHEADER:
		return decode_header(pkt, reply_r, error_r);
	case MILTER_REPLY_REPLBODY:
		reply_r->u.body.data = pkt->data;
		reply_r->u.body.len = pkt->len;
		return 1;
	case MILTER_REPLY_ACCEPT:
	case MILTER_REPLY_CONTINUE:
	case MILTER_REPLY_REJECT:
	case MILTER_REPLY_TEMPFAIL:
	case MILTER_REPLY_DISCARD:
	case MILTER_REPLY_SKIP:
	case MILTER_REPLY_PROGRESS:
	case MILTER_REPLY_SHUTDOWN:
	case MILTER_REPLY_CONN_FAIL:
		if (pkt->len > 0) {
			reply_error(error_r, pkt->code, "%zu unexpected data bytes", pkt->len);
			return -1;
		}
		return 1;
	case MILTER_REPLY_SETSYMLIST:
		reply_error(error_r, pkt->code, "macro lists are only valid inside SMFIC_OPTNEG");
		return -1;
	default:
		*error_r = xasprintf("unknown milter reply code 0x%02x", (unsigned)pkt->code);
		return -1;
	}
}

/* put_nonempty: an address or header name libmilter would not send empty. */
static int put_nonempty(struct buf *b, const struct milter_reply *r, const char *s,
			const char *what, char **error_r)
{
	if (s == NULL || *s == '\0') {
		reply_error(error_r, r->code, "%s is empty", what);
		return -1;
	}
	milter_put_str(b, s);
	return 1;
}

static int encode_optneg(struct buf *b, const struct milter_reply *r)
{
	milter_put_u32(b, r->u.optneg.version);
	milter_put_u32(b, r->u.optneg.actions);
	milter_put_u32(b, r->u.optneg.protocol);
	for (uint32_t stage = 0; stage < MILTER_STAGE_COUNT; stage++) {
		if (r->u.optneg.symlists[stage] != NULL) {
			milter_put_u32(b, stage);
			milter_put_str(b, r->u.optneg.symlists[stage]);
		}
	}
	return 1;
}

static int encode_header(struct buf *b, const struct milter_reply *r, char **error_r)
{
	if (r->code != MILTER_REPLY_ADDHEADER) {
		if (r->u.header.index > INT32_MAX) {
			reply_error(error_r, r->code, "header index %lu out of range",
				    (unsigned long)r->u.header.index);
			return -1;
		}
		milter_put_u32(b, r->u.header.index);
	}
	if (put_nonempty(b, r, r->u.header.name, "header name", error_r) < 0)
		return -1;
	if (r->u.header.value == NULL) {
		reply_error(error_r, r->code, "header value is NULL");
		return -1;
	}
	milter_put_str(b, r->u.header.value);
	return 1;
}

static int encode_text(struct buf *b, const struct milter_reply *r, char **error_r)
{
	if (r->u.text == NULL) {
		reply_error(error_r, r->code, "text is NULL");
		return -1;
	}
	if (r->code == MILTER_REPLY_REPLYCODE) {
		char *why;
		if (milter_replycode_check(r->u.text, &why) < 0) {
			reply_error(error_r, r->code, "%s", why);
			free(why);
			return -1;
		}
	}
	if (r->code == MILTER_REPLY_ADDRCPT || r->code == MILTER_REPLY_DELRCPT)
		return put_nonempty(b, r, r->u.text, "address", error_r);
	milter_put_str(b, r->u.text);
	return 1;
}

/* encode_payload: the packet data of every reply except REPLBODY. */
static int encode_payload(struct buf *b, const struct milter_reply *r, char **error_r)
{
	switch (r->code) {
	case MILTER_REPLY_OPTNEG:
		return encode_optneg(b, r);
	case MILTER_REPLY_REPLYCODE:
	case MILTER_REPLY_QUARANTINE:
	case MILTER_REPLY_ADDRCPT:
	case MILTER_REPLY_DELRCPT:
		return encode_text(b, r, error_r);
	case MILTER_REPLY_ADDRCPT_PAR:
	case MILTER_REPLY_CHGFROM:
		if (put_nonempty(b, r, r->u.addr.addr, "address", error_r) < 0)
			return -1;
		if (r->u.addr.args != NULL)
			milter_put_str(b, r->u.addr.args);
		return 1;
	case MILTER_REPLY_ADDHEADER:
	case MILTER_REPLY_INSHEADER:
	case MILTER_REPLY_CHGHEADER:
		return encode_header(b, r, error_r);
	case MILTER_REPLY_ACCEPT:
	case MILTER_REPLY_CONTINUE:
	case MILTER_REPLY_REJECT:
	case MILTER_REPLY_TEMPFAIL:
	case MILTER_REPLY_DISCARD:
	case MILTER_REPLY_SKIP:
	case MILTER_REPLY_PROGRESS:
	case MILTER_REPLY_SHUTDOWN:
	case MILTER_REPLY_CONN_FAIL:
		return 1;
	case MILTER_REPLY_SETSYMLIST:
		reply_error(error_r, r->code, "macro lists are only valid inside SMFIC_OPTNEG");
		return -1;
	default:
		*error_r = xasprintf("unknown milter reply code 0x%02x", (unsigned)r->code);
		return -1;
	}
}

int milter_reply_encode(struct buf *out, const struct milter_reply *reply, size_t max_data,
			char **error_r)
{
	if (reply->code == MILTER_REPLY_REPLBODY)
		return milter_packet_encode(out, reply->code, reply->u.body.data, reply->u.body.len,
					    max_data, error_r);

	struct buf payload;
	buf_init(&payload, 0);
	int rc = encode_payload(&payload, reply, error_r);
	if (rc > 0)
		rc = milter_packet_encode(out, reply->code, buf_cstr(&payload), buf_len(&payload),
					  max_data, error_r);
	buf_deinit(&payload);
	return rc;
}

int milter_replycode_check(const char *text, char **error_r)
{
	const char *line = text;

	for (int n = 1;; n++) {
		const char *end = strstr(line, "\r\n");
		size_t len = end ? (size_t)(end - line) : strlen(line);

		if ((line[0] != '4' && line[0] != '5') || !isdigit((unsigned char)line[1]) ||
		    !isdigit((unsigned char)line[2])) {
			*error_r = xasprintf("line %d does not start with a 4NN or 5NN code", n);
			return -1;
		}
		if (strncmp(line, text, 3) != 0) {
			*error_r =
				xasprintf("line %d has code %.3s, line 1 has %.3s", n, line, text);
			return -1;
		}
		if (line[3] != (end ? '-' : ' ')) {
			*error_r =
				xasprintf("line %d: '%c' must follow the code", n, end ? '-' : ' ');
			return -1;
		}
		if (isdigit((unsigned char)line[4]) && line[4] != line[0]) {
			*error_r = xasprintf("line %d: enhanced status class differs from the code",
					     n);
			return -1;
		}
		if (memchr(line, '\r', len) != NULL || memchr(line, '\n', len) != NULL) {
			*error_r = xasprintf("line %d: bare CR or LF", n);
			return -1;
		}
		if (end == NULL)
			return 1;
		line = end + 2;
	}
}

char *milter_replycode_unescape(const char *text)
{
	char *copy = xstrdup(text);
	char *w = copy;

	for (const char *r = text; *r != '\0'; r++) {
		if (*r == '%' && *++r == '\0')
			break;
		*w++ = *r;
	}
	*w = '\0';
	return copy;
}
