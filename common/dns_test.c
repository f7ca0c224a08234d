/* dns_test.c: unit tests of common/dns: reverse names, answer decoding
 * (from packets built here), name checks, and the life of lookups on a
 * real event loop (cancel, timeout, free). Lookups through a DNS server are
 * tested in tests/integration/check_dns.sh. */
#include "config.h"

#include <arpa/nameser.h>
#include <event2/event.h>
#include <stdlib.h>
#include <string.h>

#include "dns.h"
#include "dns_private.h"
#include "tap.h"

static void test_reverse(void)
{
	static const struct {
		const char *addr, *suffix, *want;
	} cases[] = {
		{ "192.0.2.1", NULL, "1.2.0.192.in-addr.arpa" },
		{ "127.0.0.2", "zen.example", "2.0.0.127.zen.example" },
		{ "2001:db8::1", NULL,
		  "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa" },
		{ "2001:db8::1", "rbl.test",
		  "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.rbl.test" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *name = NULL;
		tap_is_int(dns_reverse_name(cases[i].addr, cases[i].suffix, &name), 1,
			   "reverse name of %s under %s is made", cases[i].addr,
			   cases[i].suffix ? cases[i].suffix : "the arpa tree");
		tap_is_str(name, cases[i].want, "reverse name of %s under %s", cases[i].addr,
			   cases[i].suffix ? cases[i].suffix : "the arpa tree");
		free(name);
	}
	char *name = NULL;
	tap_is_int(dns_reverse_name("example.test", NULL, &name), 0,
		   "a host name has no reverse name");
	tap_is_int(dns_reverse_name("1.2.3", NULL, &name), 0, "a short dotted number neither");
}

static void test_name_valid(void)
{
	char long_label[80], long_name[300];
	memset(long_label, 'a', 64);
	strcpy(long_label + 64, ".test");
	memset(long_name, 'a', sizeof(long_name));
	for (size_t i = 10; i < 290; i += 10)
		long_name[i] = '.';
	long_name[260] = '\0';
	tap_is_int(dns_name_valid("example.test"), 1, "a plain name is valid");
	tap_is_int(dns_name_valid("example.test."), 1, "a trailing dot is allowed");
	tap_is_int(dns_name_valid(""), 0, "the empty name is not");
	tap_is_int(dns_name_valid("."), 0, "nor the root alone");
	tap_is_int(dns_name_valid("a..b"), 0, "nor an empty label");
	tap_is_int(dns_name_valid("a b.test"), 0, "nor white space");
	tap_is_int(dns_name_valid("a\nb.test"), 0, "nor a control character");
	tap_is_int(dns_name_valid(long_label), 0, "nor a label of 64 octets");
	tap_is_int(dns_name_valid(long_name), 0, "nor a name of 260 octets");
}

/* A packet builder: header, the question, and answer records. */
struct pkt {
	unsigned char b[1024];
	size_t len;
};

static void pkt_u16(struct pkt *p, unsigned v)
{
	p->b[p->len++] = (unsigned char)(v >> 8);
	p->b[p->len++] = (unsigned char)v;
}

static void pkt_name(struct pkt *p, const char *name)
{
	while (*name) {
		size_t n = strcspn(name, ".");
		p->b[p->len++] = (unsigned char)n;
		memcpy(p->b + p->len, name, n);
		p->len += n;
		name += n + (name[n] == '.');
	}
	p->b[p->len++] = 0;
}

static void pkt_start(struct pkt *p, int rcode, unsigned ancount, const char *qname, int qtype)
{
	p->len = 0;
	pkt_u16(p, 0x1234);
	pkt_u16(p, 0x8180 | (unsigned)rcode);
	pkt_u16(p, 1);
	pkt_u16(p, ancount);
	pkt_u16(p, 0);
	pkt_u16(p, 0);
	pkt_name(p, qname);
	pkt_u16(p, (unsigned)qtype);
	pkt_u16(p, 1);
}

/* pkt_rr: a record whose owner is the question name (a pointer to it). */
static void pkt_rr(struct pkt *p, int type, const void *rdata, size_t rdlen)
{
	pkt_u16(p, 0xc00c);
	pkt_u16(p, (unsigned)type);
	pkt_u16(p, 1);
	pkt_u16(p, 0);
	pkt_u16(p, 300);
	pkt_u16(p, (unsigned)rdlen);
	memcpy(p->b + p->len, rdata, rdlen);
	p->len += rdlen;
}

static void test_decode(void)
{
	struct pkt p;
	struct dns_result r = { 0 };

	pkt_start(&p, 0, 2, "h.example.test", ns_t_a);
	pkt_rr(&p, ns_t_a, "\x7f\x00\x00\x02", 4);
	pkt_rr(&p, ns_t_a, "\xc0\x00\x02\x0a", 4);
	dns_packet_decode(0, p.b, p.len, DNS_T_A, &r);
	tap_is_int(r.status, DNS_FOUND, "A: found");
	tap_is_int((long long)r.n, 2, "A: two records");
	tap_is_str(r.n == 2 ? r.rr[1].text : NULL, "192.0.2.10", "A: the address as text");
	tap_is_int(r.n == 2 ? r.rr[0].ttl : 0, 300, "A: the TTL");
	dns_result_deinit(&r);

	pkt_start(&p, 0, 2, "www.example.test", ns_t_a);
	pkt_rr(&p, ns_t_cname, "\x04mail\xc0\x10", 7);
	pkt_rr(&p, ns_t_a, "\x7f\x00\x00\x19", 4);
	dns_packet_decode(0, p.b, p.len, DNS_T_A, &r);
	tap_ok(r.status == DNS_FOUND && r.n == 1 && strcmp(r.rr[0].text, "127.0.0.25") == 0,
	       "A through a CNAME: the record at the end of the chain only");
	dns_result_deinit(&r);

	pkt_start(&p, 0, 1, "example.test", ns_t_aaaa);
	pkt_rr(&p, ns_t_aaaa, "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x10", 16);
	dns_packet_decode(0, p.b, p.len, DNS_T_AAAA, &r);
	tap_is_str(r.n == 1 ? r.rr[0].text : NULL, "2001:db8::10", "AAAA as text");
	dns_result_deinit(&r);

	pkt_start(&p, 0, 2, "example.test", ns_t_mx);
	pkt_rr(&p, ns_t_mx, "\x00\x0a\x03mx1\xc0\x0c", 8);
	pkt_rr(&p, ns_t_mx, "\x00\x00\x00", 3);
	dns_packet_decode(0, p.b, p.len, DNS_T_MX, &r);
	tap_ok(r.n == 2 && r.rr[0].pref == 10 && strcmp(r.rr[0].text, "mx1.example.test") == 0,
	       "MX: preference and exchanger, compressed name expanded");
	tap_ok(r.n == 2 && r.rr[1].pref == 0 && strcmp(r.rr[1].text, "") == 0,
	       "MX: the null MX has an empty exchanger");
	dns_result_deinit(&r);

	pkt_start(&p, 0, 1, "2.0.0.127.rbl.test", ns_t_txt);
	pkt_rr(&p, ns_t_txt, "\x05" "first\x07 second", 14);
	dns_packet_decode(0, p.b, p.len, DNS_T_TXT, &r);
	tap_is_str(r.n == 1 ? r.rr[0].text : NULL, "first second",
		   "TXT: the character strings are joined");
	dns_result_deinit(&r);

	pkt_start(&p, 0, 1, "1.0.0.127.in-addr.arpa", ns_t_ptr);
	pkt_rr(&p, ns_t_ptr, "\x09localhost\x00", 11);
	dns_packet_decode(0, p.b, p.len, DNS_T_PTR, &r);
	tap_is_str(r.n == 1 ? r.rr[0].text : NULL, "localhost", "PTR: the name");
	dns_result_deinit(&r);

	pkt_start(&p, ns_r_nxdomain, 0, "nx.example.test", ns_t_a);
	dns_packet_decode(0, p.b, p.len, DNS_T_A, &r);
	tap_ok(r.status == DNS_NOTFOUND && r.nxdomain, "NXDOMAIN in the packet: not found");
	memset(&r, 0, sizeof(r));
	dns_packet_decode(ns_r_nxdomain, NULL, 0, DNS_T_A, &r);
	tap_ok(r.status == DNS_NOTFOUND && r.nxdomain, "NXDOMAIN as rcode: not found");

	pkt_start(&p, 0, 1, "example.test", ns_t_a);
	pkt_rr(&p, ns_t_mx, "\x00\x0a\x03mx1\xc0\x0c", 8);
	memset(&r, 0, sizeof(r));
	dns_packet_decode(0, p.b, p.len, DNS_T_A, &r);
	tap_ok(r.status == DNS_NOTFOUND && !r.nxdomain && r.n == 0,
	       "records of another type only: NODATA");

	memset(&r, 0, sizeof(r));
	dns_packet_decode(ns_r_servfail, NULL, 0, DNS_T_A, &r);
	tap_ok(r.status == DNS_TEMPFAIL && strcmp(r.why, "SERVFAIL") == 0,
	       "SERVFAIL: temporary failure");
	pkt_start(&p, ns_r_refused, 0, "example.test", ns_t_a);
	memset(&r, 0, sizeof(r));
	dns_packet_decode(0, p.b, p.len, DNS_T_A, &r);
	tap_ok(r.status == DNS_TEMPFAIL && strcmp(r.why, "REFUSED") == 0,
	       "REFUSED in the packet: temporary failure");

	pkt_start(&p, 0, 1, "example.test", ns_t_a);
	pkt_rr(&p, ns_t_a, "\x7f\x00\x00", 3);
	memset(&r, 0, sizeof(r));
	dns_packet_decode(0, p.b, p.len, DNS_T_A, &r);
	tap_ok(r.status == DNS_TEMPFAIL && r.n == 0, "a short A record: temporary failure");
	pkt_start(&p, 0, 1, "example.test", ns_t_txt);
	pkt_rr(&p, ns_t_txt, "\x09short", 6);
	memset(&r, 0, sizeof(r));
	dns_packet_decode(0, p.b, p.len, DNS_T_TXT, &r);
	tap_ok(r.status == DNS_TEMPFAIL, "a TXT string longer than its record: temporary failure");
	memset(&r, 0, sizeof(r));
	dns_packet_decode(0, p.b, 7, DNS_T_TXT, &r);
	tap_ok(r.status == DNS_TEMPFAIL, "a truncated packet: temporary failure");
}

struct lookup_state {
	int calls;
	enum dns_status status;
};

static void lookup_done(void *arg, const struct dns_result *r)
{
	struct lookup_state *st = arg;
	st->calls++;
	st->status = r->status;
}

static void test_loop(void)
{
	char resolv[512];
	struct event_base *base = event_base_new();
	struct dns *dns = NULL;
	char *error = NULL;

	/* A server that never answers (nothing leaves this test). */
	snprintf(resolv, sizeof(resolv), "%s/resolv.conf", tap_tmpdir());
	tap_write_file(resolv, "nameserver 192.0.2.53\n");
	struct dns_opts opts = { .resolv_conf = resolv, .timeout = 1 };
	tap_is_int(dns_new(base, &opts, &dns, &error), 1, "a resolver on an event loop");

	struct lookup_state bad = { 0 };
	struct dns_query *q = dns_lookup(dns, "a..b", DNS_T_A, lookup_done, &bad);
	tap_ok(q == NULL && bad.calls == 1 && bad.status == DNS_NOTFOUND,
	       "an invalid name is reported at once as not found");

	struct lookup_state cancelled = { 0 };
	q = dns_lookup(dns, "elsewhere.example.test", DNS_T_MX, lookup_done, &cancelled);
	tap_ok(q != NULL && dns_pending(dns) == 1, "a lookup that needs the server is pending");
	dns_cancel(&q);
	tap_ok(q == NULL && dns_pending(dns) == 0, "cancel clears the handle and the lookup");
	tap_is_int(cancelled.calls, 0, "a cancelled lookup is not reported");

	struct lookup_state timed = { 0 };
	dns_lookup(dns, "slow.example.test", DNS_T_A, lookup_done, &timed);
	while (dns_pending(dns) > 0)
		event_base_loop(base, EVLOOP_ONCE);
	tap_ok(timed.calls == 1 && timed.status == DNS_TEMPFAIL,
	       "no answer within the timeout: a temporary failure, reported once");

	struct lookup_state left = { 0 };
	dns_lookup(dns, "other.example.test", DNS_T_TXT, lookup_done, &left);
	dns_free(&dns);
	tap_ok(dns == NULL && left.calls == 0, "dns_free drops pending lookups silently");
	dns_free(&dns);

	opts.resolv_conf = "/nonexistent/resolv.conf";
	tap_is_int(dns_new(base, &opts, &dns, &error), -1, "an unreadable resolv.conf is an error");
	tap_ok(error && strstr(error, "/nonexistent/resolv.conf"), "which names the file");
	free(error);
	event_base_free(base);
}

int main(void)
{
	test_reverse();
	test_name_valid();
	test_decode();
	test_loop();
	return tap_done();
}
