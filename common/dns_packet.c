/* dns_packet.c: decode libunbound's answers (DNS wire format) into the
 * text records of struct dns_result, with libresolv's ns_* parser. */
#include "config.h"

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <resolv.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "dns_private.h"
#include "mem.h"

static const char *dns_rcode_name(int rcode)
{
	switch (rcode) {
	case ns_r_formerr:
		return "FORMERR";
	case ns_r_servfail:
		return "SERVFAIL";
	case ns_r_notimpl:
		return "NOTIMP";
	case ns_r_refused:
		return "REFUSED";
	default:
		return "DNS error";
	}
}

/* dns_rr_text: the text form of one record of the wanted type into out;
 * -1 when its data is malformed. */
static int dns_rr_text(const ns_msg *msg, const ns_rr *rr, enum dns_type type, struct buf *out,
		       unsigned *pref_r)
{
	const unsigned char *rd = ns_rr_rdata(*rr);
	size_t len = ns_rr_rdlen(*rr);
	char host[NS_MAXDNAME], addr[INET6_ADDRSTRLEN];

	switch (type) {
	case DNS_T_A:
	case DNS_T_AAAA:
		if (len != (type == DNS_T_A ? 4u : 16u) ||
		    !inet_ntop(type == DNS_T_A ? AF_INET : AF_INET6, rd, addr, sizeof(addr)))
			return -1;
		buf_append_str(out, addr);
		return 1;
	case DNS_T_MX:
	case DNS_T_PTR:
		if (type == DNS_T_MX) {
			if (len < 3)
				return -1;
			*pref_r = (unsigned)rd[0] << 8 | rd[1];
			rd += 2;
		}
		if (dn_expand(ns_msg_base(*msg), ns_msg_end(*msg), rd, host, sizeof(host)) < 0)
			return -1;
		/* the root (the null MX) has no name */
		buf_append_str(out, strcmp(host, ".") == 0 ? "" : host);
		return 1;
	case DNS_T_TXT:
		for (size_t at = 0; at < len;) {
			size_t n = rd[at++];
			if (at + n > len)
				return -1;
			for (size_t i = 0; i < n; i++)
				buf_append_char(out, rd[at + i] == '\0' ? '?' : (char)rd[at + i]);
			at += n;
		}
		return 1;
	}
	return -1;
}

void dns_packet_decode(int rcode, const void *packet, size_t len, enum dns_type type,
		       struct dns_result *result)
{
	ns_msg msg;
	ns_rr rr;
	struct buf text;

	result->n = 0;
	result->rr = NULL;
	if (rcode == ns_r_nxdomain) {
		result->status = DNS_NOTFOUND;
		result->nxdomain = 1;
		return;
	}
	if (rcode != ns_r_noerror) {
		result->status = DNS_TEMPFAIL;
		result->why = dns_rcode_name(rcode);
		return;
	}
	if (packet == NULL || ns_initparse(packet, (int)len, &msg) < 0) {
		result->status = DNS_TEMPFAIL;
		result->why = "malformed answer";
		return;
	}
	rcode = ns_msg_getflag(msg, ns_f_rcode);
	if (rcode == ns_r_nxdomain) {
		result->status = DNS_NOTFOUND;
		result->nxdomain = 1;
		return;
	}
	if (rcode != ns_r_noerror) {
		result->status = DNS_TEMPFAIL;
		result->why = dns_rcode_name(rcode);
		return;
	}
	buf_init(&text, 0);
	int count = ns_msg_count(msg, ns_s_an);
	for (int i = 0; i < count; i++) {
		unsigned pref = 0;
		if (ns_parserr(&msg, ns_s_an, i, &rr) < 0)
			goto malformed;
		if ((int)ns_rr_type(rr) != (int)type || ns_rr_class(rr) != ns_c_in)
			continue;
		buf_reset(&text);
		if (dns_rr_text(&msg, &rr, type, &text, &pref) < 0)
			goto malformed;
		result->rr = xreallocarray(result->rr, result->n + 1, sizeof(*result->rr));
		result->rr[result->n].text = xstrdup(buf_cstr(&text));
		result->rr[result->n].pref = pref;
		result->rr[result->n].ttl = ns_rr_ttl(rr);
		result->n++;
	}
	buf_deinit(&text);
	result->status = result->n > 0 ? DNS_FOUND : DNS_NOTFOUND;
	return;
malformed:
	buf_deinit(&text);
	dns_result_deinit(result);
	result->status = DNS_TEMPFAIL;
	result->why = "malformed answer";
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
