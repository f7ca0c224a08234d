/* deliver_route.c: next hop to addresses: parsing the next-hop forms, MX
 * and address lookups (see deliver_route.h). */
#include "deliver_route.h"

#include <arpa/inet.h>
#include <event2/event.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#include "dns.h"
#include "mem.h"

/* One lookup run to completion: its result copied. */
struct deliver_lookup {
	int done;
	enum dns_status status;
	int nxdomain;
	char *why;
	struct dns_rr *rr; /* text copied */
	size_t n;
};

static void deliver_lookup_cb(void *arg, const struct dns_result *res)
{
	struct deliver_lookup *l = arg;
	l->done = 1;
	l->status = res->status;
	l->nxdomain = res->nxdomain;
	l->why = xstrdup(res->why != NULL ? res->why : "lookup failed");
	if (res->status != DNS_FOUND)
		return;
	l->rr = xcalloc(res->n, sizeof(*l->rr));
	l->n = res->n;
	for (size_t i = 0; i < res->n; i++) {
		l->rr[i] = res->rr[i];
		l->rr[i].text = xstrdup(res->rr[i].text);
	}
}

static void deliver_lookup_deinit(struct deliver_lookup *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->rr[i].text);
	free(l->rr);
	free(l->why);
	memset(l, 0, sizeof(*l));
}

/* deliver_lookup: look name/type up and wait for the answer. */
static void deliver_lookup(struct dns *dns, struct event_base *base, const char *name,
			   enum dns_type type, struct deliver_lookup *l_r)
{
	memset(l_r, 0, sizeof(*l_r));
	dns_lookup(dns, name, type, deliver_lookup_cb, l_r);
	while (!l_r->done)
		event_base_loop(base, EVLOOP_ONCE);
}

/* deliver_route_add: one target. */
static void deliver_route_add(struct deliver_route *r, const char *host,
			      const struct sockaddr *sa, socklen_t len)
{
	r->targets = xreallocarray(r->targets, r->n + 1, sizeof(*r->targets));
	struct deliver_target *t = &r->targets[r->n++];
	memset(t, 0, sizeof(*t));
	t->host = xstrdup(host);
	memcpy(&t->addr.ss, sa, len);
	t->addr.len = len;
}

/* deliver_route_literal: add host as an IP address; 1, or 0 if it is not one. */
static int deliver_route_literal(struct deliver_route *r, const char *host, unsigned port)
{
	struct sockaddr_in sin = {0};
	struct sockaddr_in6 sin6 = {0};
	if (inet_pton(AF_INET, host, &sin.sin_addr) == 1) {
		sin.sin_family = AF_INET;
		sin.sin_port = htons(port);
		deliver_route_add(r, host, (struct sockaddr *)&sin, sizeof(sin));
		return 1;
	}
	if (inet_pton(AF_INET6, host, &sin6.sin6_addr) == 1) {
		sin6.sin6_family = AF_INET6;
		sin6.sin6_port = htons(port);
		deliver_route_add(r, host, (struct sockaddr *)&sin6, sizeof(sin6));
		return 1;
	}
	return 0;
}

/* deliver_route_host: add the A then AAAA addresses of host. 1 some
 * found, 0 none exist (*nxdomain_r set when the name does not exist), -1
 * a lookup failed with none found (*why_r). */
static int deliver_route_host(struct dns *dns, struct event_base *base, struct deliver_route *r,
			      const char *host, unsigned port, unsigned families, int *nxdomain_r,
			      char **why_r)
{
	static const enum dns_type types[] = {DNS_T_A, DNS_T_AAAA};
	static const unsigned fam[] = {DELIVER_ROUTE_IPV4, DELIVER_ROUTE_IPV6};
	size_t before = r->n;
	int tempfail = 0;
	*nxdomain_r = 0;
	for (size_t k = 0; k < 2; k++) {
		if (!(families & fam[k]))
			continue;
		struct deliver_lookup l;
		deliver_lookup(dns, base, host, types[k], &l);
		if (l.status == DNS_TEMPFAIL && !tempfail) {
			tempfail = 1;
			free(*why_r);
			*why_r = xstrdup(l.why);
		}
		if (l.status == DNS_NOTFOUND && l.nxdomain)
			*nxdomain_r = 1;
		for (size_t i = 0; i < l.n; i++)
			deliver_route_literal(r, l.rr[i].text, port);
		deliver_lookup_deinit(&l);
	}
	if (r->n > before) {
		for (size_t i = before; i < r->n; i++) {
			free(r->targets[i].host);
			r->targets[i].host = xstrdup(host);
		}
		return 1;
	}
	return tempfail ? -1 : 0;
}

static int deliver_route_mx_cmp(const void *a, const void *b)
{
	const struct dns_rr *x = a, *y = b;
	return x->pref < y->pref ? -1 : x->pref > y->pref;
}

/* deliver_route_dns: the targets of host by DNS, with MX when mx. */
static int deliver_route_dns(struct deliver_route *r, const char *host, unsigned port, int mx,
			     unsigned families, char dsn_r[16], char **error_r)
{
	struct event_base *base = event_base_new();
	struct dns *dns = NULL;
	char *why = NULL;
	int nx = 0, rc;
	if (base == NULL || dns_new(base, NULL, &dns, error_r) < 0) {
		if (base == NULL)
			*error_r = xstrdup("cannot create an event loop");
		if (base != NULL)
			event_base_free(base);
		snprintf(dsn_r, 16, "4.3.0");
		return -1;
	}
	struct deliver_lookup l = {0};
	if (mx)
		deliver_lookup(dns, base, host, DNS_T_MX, &l);
	if (mx && l.status == DNS_TEMPFAIL) {
		snprintf(dsn_r, 16, "4.4.3");
		*error_r = xasprintf("Host or domain name not found. Name service error for "
				     "name=%s type=MX: %s",
				     host, l.why);
		rc = -1;
	} else if (mx && l.status == DNS_NOTFOUND && l.nxdomain) {
		snprintf(dsn_r, 16, "5.4.4");
		*error_r = xasprintf("Host or domain name not found. Name service error for "
				     "name=%s type=MX: Host not found",
				     host);
		rc = 0;
	} else if (mx && l.status == DNS_FOUND) {
		qsort(l.rr, l.n, sizeof(*l.rr), deliver_route_mx_cmp);
		rc = 0;
		for (size_t i = 0; i < l.n && *error_r == NULL; i++) {
			if (l.rr[i].text[0] == '\0') {
				snprintf(dsn_r, 16, "5.1.10");
				*error_r = xasprintf("Recipient address rejected: Domain %s does "
						     "not accept mail (nullMX)",
						     host);
				break;
			}
			deliver_route_host(dns, base, r, l.rr[i].text, port, families, &nx, &why);
		}
		if (r->n > 0 && *error_r == NULL)
			rc = 1;
		else if (*error_r == NULL) {
			/* MX hosts without addresses: try again later. */
			snprintf(dsn_r, 16, "4.4.3");
			*error_r = xasprintf("Host or domain name not found. Name service error "
					     "for the MX hosts of %s: %s",
					     host, why != NULL ? why : "no address");
			rc = -1;
		}
	} else {
		rc = deliver_route_host(dns, base, r, host, port, families, &nx, &why);
		if (rc <= 0) {
			snprintf(dsn_r, 16, rc < 0 ? "4.4.3" : "5.4.4");
			*error_r = xasprintf("Host or domain name not found. Name service error "
					     "for name=%s type=A: %s",
					     host, rc < 0 ? why : "Host not found");
		}
	}
	deliver_lookup_deinit(&l);
	free(why);
	dns_free(&dns);
	event_base_free(base);
	return rc;
}

/* deliver_route_unix: the target of a unix socket path. */
static int deliver_route_unix(struct deliver_route *r, const char *path, char dsn_r[16],
			      char **error_r)
{
	struct sockaddr_un sun = {0};
	if (path[0] == '\0' || strlen(path) >= sizeof(sun.sun_path)) {
		snprintf(dsn_r, 16, "4.3.5");
		*error_r = xasprintf("bad unix socket path \"%s\"", path);
		return -1;
	}
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, path, strlen(path));
	deliver_route_add(r, "localhost", (struct sockaddr *)&sun, sizeof(sun));
	return 1;
}

/* deliver_route_parse: the host (malloc'd), port and MX flag of an
 * SMTP or LMTP next hop that is not a unix socket. 1, or -1 with dsn_r
 * and *error_r. */
static int deliver_route_parse(const char *nexthop, int lmtp, char **host_r, unsigned *port_r,
			       int *mx_r, char dsn_r[16], char **error_r)
{
	const char *p = nexthop;
	const char *rest;
	*mx_r = !lmtp;
	*host_r = NULL;
	if (lmtp && strncmp(p, "inet:", 5) == 0)
		p += 5;
	if (p[0] == '[') {
		const char *close = strchr(p, ']');
		if (close == NULL) {
			snprintf(dsn_r, 16, "4.3.5");
			*error_r = xasprintf("bad next hop \"%s\"", nexthop);
			return -1;
		}
		*host_r = xstrndup(p + 1, (size_t)(close - p - 1));
		rest = close + 1;
		*mx_r = 0;
	} else {
		const char *colon = strrchr(p, ':');
		*host_r = colon != NULL ? xstrndup(p, (size_t)(colon - p)) : xstrdup(p);
		rest = colon != NULL ? colon : "";
	}
	*port_r = lmtp ? 24 : 25;
	if (rest[0] == ':') {
		char *end;
		unsigned long v = strtoul(rest + 1, &end, 10);
		if (*end != '\0' || v == 0 || v > 65535) {
			FREE_AND_NULL(*host_r);
			snprintf(dsn_r, 16, "4.3.5");
			*error_r = xasprintf("bad port in next hop \"%s\"", nexthop);
			return -1;
		}
		*port_r = (unsigned)v;
	}
	if ((*host_r)[0] == '\0') {
		FREE_AND_NULL(*host_r);
		snprintf(dsn_r, 16, "4.3.5");
		*error_r = xasprintf("no host in next hop \"%s\"", nexthop);
		return -1;
	}
	return 1;
}

int deliver_route_find(const char *nexthop, int lmtp, unsigned families,
		       struct deliver_route *route_r, char dsn_r[16], char **error_r)
{
	memset(route_r, 0, sizeof(*route_r));
	*error_r = NULL;
	if (lmtp && strncmp(nexthop, "unix:", 5) == 0)
		return deliver_route_unix(route_r, nexthop + 5, dsn_r, error_r);
	char *host;
	unsigned port;
	int mx;
	if (deliver_route_parse(nexthop, lmtp, &host, &port, &mx, dsn_r, error_r) < 0)
		return -1;
	int rc = 1;
	if (!deliver_route_literal(route_r, host, port))
		rc = deliver_route_dns(route_r, host, port, mx, families, dsn_r, error_r);
	free(host);
	if (rc <= 0)
		deliver_route_deinit(route_r);
	return rc;
}

char *deliver_route_destination(const char *nexthop, int lmtp)
{
	if (lmtp && strncmp(nexthop, "unix:", 5) == 0)
		return xstrdup(nexthop + 5);
	char *host = NULL, *error = NULL;
	char dsn[16];
	unsigned port;
	int mx;
	if (deliver_route_parse(nexthop, lmtp, &host, &port, &mx, dsn, &error) < 0) {
		free(error);
		return xstrdup(nexthop);
	}
	return host;
}

void deliver_route_deinit(struct deliver_route *route)
{
	for (size_t i = 0; i < route->n; i++)
		free(route->targets[i].host);
	free(route->targets);
	route->targets = NULL;
	route->n = 0;
}

const char *deliver_target_name(const struct deliver_target *t, char *buf, size_t size)
{
	return sockspec_format_peer(t->host, (const struct sockaddr *)&t->addr.ss, t->addr.len, buf,
				    size);
}
