/* dns_packet.c: decode libunbound's answers (DNS wire format, RFC 1035
 * section 4) into the text records of struct dns_result. A bounded parser
 * of its own (names: compression pointers followed at most 64 times, at
 * most 255 octets), so that a malformed packet is a temporary failure and
 * never a crash; tests/fuzz/fuzz_dns_packet.c feeds it arbitrary bytes. */
#include "config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "buf.h"
#include "dns_private.h"
#include "mem.h"

#define DNS_HEADER_SIZE 12
#define DNS_MAX_HOPS 64
#define DNS_NAME_MAX 255
#define DNS_CLASS_IN 1

enum dns_rcode { RCODE_NOERROR = 0, RCODE_FORMERR, RCODE_SERVFAIL, RCODE_NXDOMAIN, RCODE_NOTIMP,
		 RCODE_REFUSED };

struct dns_msg {
	const unsigned char *p;
	size_t len;
};

static const char *dns_rcode_name(int rcode)
{
	switch (rcode) {
	case RCODE_FORMERR:
		return "FORMERR";
	case RCODE_SERVFAIL:
		return "SERVFAIL";
	case RCODE_NOTIMP:
		return "NOTIMP";
	case RCODE_REFUSED:
		return "REFUSED";
	default:
		return "DNS error";
	}
}

static unsigned get16(const struct dns_msg *m, size_t off)
{
	return (unsigned)m->p[off] << 8 | m->p[off + 1];
}

/* name_skip: move *off past the name there; -1 if it runs off the end. */
static int name_skip(const struct dns_msg *m, size_t *off)
{
	size_t at = *off;
	while (at < m->len) {
		unsigned n = m->p[at];
		if ((n & 0xc0) == 0xc0) {
			if (at + 2 > m->len)
				return -1;
			*off = at + 2;
			return 1;
		}
		if (n & 0xc0)
			return -1;
		if (n == 0) {
			*off = at + 1;
			return 1;
		}
		at += 1 + n;
	}
	return -1;
}

/* name_text: the name at off, dotted, without the trailing dot ("" for the
 * root), with '.', '\' and non-printable octets escaped as dn_expand()
 * does. -1 on a malformed name. */
static int name_text(const struct dns_msg *m, size_t off, struct buf *out)
{
	size_t octets = 0;
	int hops = 0;

	for (;;) {
		if (off >= m->len)
			return -1;
		unsigned n = m->p[off];
		if ((n & 0xc0) == 0xc0) {
			if (off + 2 > m->len || ++hops > DNS_MAX_HOPS)
				return -1;
			off = get16(m, off) & 0x3fff;
			continue;
		}
		if (n & 0xc0)
			return -1;
		if (n == 0)
			return 1;
		if (off + 1 + n > m->len || (octets += n + 1) > DNS_NAME_MAX)
			return -1;
		if (out->len > 0)
			buf_append_char(out, '.');
		for (size_t i = 0; i < n; i++) {
			unsigned char c = m->p[off + 1 + i];
			if (c == '.' || c == '\\')
				buf_printf(out, "\\%c", c);
			else if (c <= ' ' || c >= 0x7f)
				buf_printf(out, "\\%03u", c);
			else
				buf_append_char(out, (char)c);
		}
		off += 1 + n;
	}
}

/* rr_text: the text of one record of the wanted type; -1 if malformed. */
static int rr_text(const struct dns_msg *m, size_t rd, size_t rdlen, enum dns_type type,
		   struct buf *out, unsigned *pref_r)
{
	char addr[INET6_ADDRSTRLEN];

	switch (type) {
	case DNS_T_A:
	case DNS_T_AAAA:
		if (rdlen != (type == DNS_T_A ? 4u : 16u) ||
		    !inet_ntop(type == DNS_T_A ? AF_INET : AF_INET6, m->p + rd, addr, sizeof(addr)))
			return -1;
		buf_append_str(out, addr);
		return 1;
	case DNS_T_MX:
	case DNS_T_PTR:
		if (type == DNS_T_MX) {
			if (rdlen < 3)
				return -1;
			*pref_r = get16(m, rd);
			rd += 2;
		}
		return name_text(m, rd, out);
	case DNS_T_TXT:
		for (size_t at = 0; at < rdlen;) {
			size_t n = m->p[rd + at++];
			if (at + n > rdlen)
				return -1;
			for (size_t i = 0; i < n; i++) {
				char c = (char)m->p[rd + at + i];
				buf_append_char(out, c == '\0' ? '?' : c);
			}
			at += n;
		}
		return 1;
	}
	return -1;
}

/* decode_answers: the records of type in the answer section. */
static int decode_answers(const struct dns_msg *m, enum dns_type type, struct dns_result *result)
{
	size_t off = DNS_HEADER_SIZE;
	unsigned qd = get16(m, 4), an = get16(m, 6);
	struct buf text;
	int rc = 1;

	for (unsigned i = 0; i < qd; i++) {
		if (name_skip(m, &off) < 0 || off + 4 > m->len)
			return -1;
		off += 4;
	}
	buf_init(&text, 0);
	for (unsigned i = 0; i < an && rc > 0; i++) {
		unsigned pref = 0;
		if (name_skip(m, &off) < 0 || off + 10 > m->len) {
			rc = -1;
			break;
		}
		unsigned rtype = get16(m, off), rclass = get16(m, off + 2);
		unsigned long ttl = (unsigned long)get16(m, off + 4) << 16 | get16(m, off + 6);
		size_t rdlen = get16(m, off + 8), rd = off + 10;
		if (rd + rdlen > m->len) {
			rc = -1;
			break;
		}
		off = rd + rdlen;
		if (rtype != (unsigned)type || rclass != DNS_CLASS_IN)
			continue;
		buf_reset(&text);
		if ((rc = rr_text(m, rd, rdlen, type, &text, &pref)) < 0)
			break;
		result->rr = xreallocarray(result->rr, result->n + 1, sizeof(*result->rr));
		result->rr[result->n].text = xstrdup(buf_cstr(&text));
		result->rr[result->n].pref = pref;
		result->rr[result->n].ttl = (unsigned)ttl;
		result->n++;
	}
	buf_deinit(&text);
	return rc;
}

void dns_packet_decode(int rcode, const void *packet, size_t len, enum dns_type type,
		       struct dns_result *result)
{
	const struct dns_msg m = { packet, len };

	result->n = 0;
	result->rr = NULL;
	if (rcode == RCODE_NOERROR && packet != NULL && len >= DNS_HEADER_SIZE)
		rcode = m.p[3] & 0x0f;
	else if (rcode == RCODE_NOERROR) {
		result->status = DNS_TEMPFAIL;
		result->why = "malformed answer";
		return;
	}
	if (rcode == RCODE_NXDOMAIN) {
		result->status = DNS_NOTFOUND;
		result->nxdomain = 1;
		return;
	}
	if (rcode != RCODE_NOERROR) {
		result->status = DNS_TEMPFAIL;
		result->why = dns_rcode_name(rcode);
		return;
	}
	if (decode_answers(&m, type, result) < 0) {
		dns_result_deinit(result);
		result->status = DNS_TEMPFAIL;
		result->why = "malformed answer";
		return;
	}
	result->status = result->n > 0 ? DNS_FOUND : DNS_NOTFOUND;
}

void dns_result_deinit(struct dns_result *result)
{
	for (size_t i = 0; i < result->n; i++)
		free(result->rr[i].text);
	free(result->rr);
	result->rr = NULL;
	result->n = 0;
}

int dns_name_valid(const char *name)
{
	size_t len = strlen(name), label = 0;
	if (len > 0 && name[len - 1] == '.')
		len--;
	if (len == 0 || len > 253)
		return 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];
		if (c == '.') {
			if (label == 0)
				return 0;
			label = 0;
		} else if (c <= ' ' || c == 0x7f || ++label > 63) {
			return 0;
		}
	}
	return 1;
}
