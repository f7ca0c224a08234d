/* dns.h: asynchronous DNS lookups on a libevent event_base (libunbound).
 *
 * One struct dns per event loop (per worker thread): it owns a libunbound
 * context attached to that event_base, configured from /etc/resolv.conf
 * (the name servers there are used as forwarders, so a test namespace's
 * DNS server is the one asked). As with Postfix's DNS lookups (res_query),
 * /etc/hosts is not consulted. Unbound's built-in local
 * zones (localhost, the reverse zones of 127/8 and private networks,
 * "test.", "invalid.", ...) are switched off, so every name is answered
 * by the configured servers as the system resolver would answer it.
 *
 * A lookup names a type (A, AAAA, MX, PTR, TXT) and reports, on the loop,
 * through a callback:
 *   DNS_FOUND     records of the type exist (NOERROR with answers; a CNAME
 *                 chain is followed, the records are those at its end);
 *   DNS_NOTFOUND  permanent: NXDOMAIN, or the name exists without records
 *                 of that type (NODATA); nxdomain tells the two apart;
 *   DNS_TEMPFAIL  temporary: SERVFAIL, REFUSED, timeout, no server, a
 *                 malformed answer: the caller must say "try again later"
 *                 (4xx), never treat it as "not found".
 * The callback may run before dns_lookup() returns (an answer from
 * unbound's cache, a name that cannot be looked up); callers must allow
 * for it.
 *
 * Not thread-safe: a struct dns and its lookups belong to the thread that
 * runs its event_base.
 */
#ifndef POSTERN_DNS_H
#define POSTERN_DNS_H

#include <stddef.h>

struct event_base;
struct dns;
struct dns_query;

enum dns_type {
	DNS_T_A = 1,
	DNS_T_PTR = 12,
	DNS_T_MX = 15,
	DNS_T_TXT = 16,
	DNS_T_AAAA = 28,
};

enum dns_status {
	DNS_TEMPFAIL = -1,
	DNS_NOTFOUND = 0,
	DNS_FOUND = 1,
};

/* One record of the answer, in text form:
 *   A, AAAA  the address ("192.0.2.1", "2001:db8::1")
 *   PTR      the host name, without the trailing dot
 *   MX       the exchanger host name without the trailing dot ("" for
 *            the null MX "."), preference in pref
 *   TXT      the character strings of the record concatenated (as
 *            Postfix's RBL reply and SPF do); a NUL inside a string is
 *            replaced by '?' */
struct dns_rr {
	char *text;
	unsigned pref; /* MX only */
	unsigned ttl;
};

struct dns_result {
	enum dns_status status;
	enum dns_type type;
	const char *name; /* the name looked up, as given */
	int nxdomain;	  /* DNS_NOTFOUND: 1 for NXDOMAIN, 0 for NODATA */
	int secure;	  /* 1 when DNSSEC-validated (needs a trust anchor) */
	/* DNS_TEMPFAIL: why, for logs ("SERVFAIL", "timeout", ...). */
	const char *why;
	size_t n; /* DNS_FOUND: number of records, > 0 */
	struct dns_rr *rr;
};

/* Called once per lookup, on the loop's thread. The result and its strings
 * are valid only during the call (copy what you keep). The query handle is
 * gone when the callback runs: do not dns_cancel() it. */
typedef void dns_cb(void *arg, const struct dns_result *result);

struct dns_opts {
	/* resolv.conf to read; NULL for /etc/resolv.conf. */
	const char *resolv_conf;
	/* Seconds before a lookup is reported as DNS_TEMPFAIL "timeout"; 0
	 * for the default (10). */
	unsigned timeout;
};

/* dns_new: a resolver on base (not owned; must outlive the resolver).
 * opts may be NULL for the defaults. Returns 1 with *dns_r (free with
 * dns_free()), or -1 with *error_r (caller frees), e.g. an unreadable
 * resolv.conf. */
int dns_new(struct event_base *base, const struct dns_opts *opts, struct dns **dns_r,
	    char **error_r);

/* dns_free: cancel every pending lookup (their callbacks are not called)
 * and release *dnsp; sets it to NULL; accepts NULL. */
void dns_free(struct dns **dnsp);

/* dns_lookup: look name up (a host or domain name, with or without the
 * trailing dot; for PTR the full in-addr.arpa/ip6.arpa name, see
 * dns_reverse_name()). cb is called exactly once, unless the lookup is
 * cancelled first. Returns the query handle, or NULL when cb has already
 * been called (answer at hand, or a name that cannot be looked up, which
 * is reported as DNS_NOTFOUND). */
struct dns_query *dns_lookup(struct dns *dns, const char *name, enum dns_type type, dns_cb *cb,
			     void *arg);

/* dns_cancel: cancel a pending lookup (its callback is not called) and set
 * *qp to NULL; accepts NULL and *qp == NULL. */
void dns_cancel(struct dns_query **qp);

/* dns_pending: the number of lookups in progress on dns. */
size_t dns_pending(const struct dns *dns);

/* dns_reverse_name: the PTR lookup name of an IPv4 or IPv6 address in
 * text form ("1.2.0.192.in-addr.arpa", nibbles under "ip6.arpa"), or, with
 * suffix non-NULL, the name under that DNSBL domain ("1.2.0.192.zen.example"):
 * octets reversed for IPv4, nibbles reversed for IPv6. 1 with *name_r
 * (malloc'd), 0 when addr is not an IP address. */
int dns_reverse_name(const char *addr, const char *suffix, char **name_r);

/* dns_type_name: "A", "MX", ... (static strings). */
const char *dns_type_name(enum dns_type type);

#endif
