/* dns.c: asynchronous DNS lookups through libunbound on a libevent loop
 * (see dns.h): context set-up, queries, timeouts and cancellation. The
 * answer packets are decoded in dns_packet.c. */
#include "config.h"

#include "dns.h"

#include <arpa/inet.h>
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unbound-event.h>
#include <unbound.h>

#include "buf.h"
#include "dns_private.h"
#include "mem.h"

#define DNS_TIMEOUT_DEFAULT 10

struct dns {
	struct ub_ctx *ctx;
	struct event_base *base;
	struct dns_query *queries; /* pending, doubly linked */
	size_t pending;
	unsigned timeout;
	int closing; /* in dns_free(): answers are dropped */
};

struct dns_query {
	struct dns *dns;
	struct dns_query *prev, *next;
	struct event *timer;
	int async_id;
	int starting; /* inside ub_resolve_event() */
	int finished; /* the callback ran while starting */
	enum dns_type type;
	char *name;
	dns_cb *cb;
	void *arg;
};

/* The zones unbound answers from its own data by default (unbound.conf(5),
 * "local-zone"): the system resolver has no such zones, and a test
 * namespace serves several of them (example.test, 127.in-addr.arpa,
 * 8.b.d.0.1.0.0.2.ip6.arpa) from its DNS server. They are removed once the
 * context is configured (the "nodefault" option has no effect through
 * libunbound's ub_ctx_set_option). The 16-31.172 and 64-127.100 reverse
 * zones are generated in dns_unblock_zones(). */
static const char *const dns_unbound_default_zones[] = {
	"localhost.",
	"127.in-addr.arpa.",
	"1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa.",
	"0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa.",
	"home.arpa.",
	"resolver.arpa.",
	"service.arpa.",
	"onion.",
	"test.",
	"invalid.",
	"0.in-addr.arpa.",
	"10.in-addr.arpa.",
	"168.192.in-addr.arpa.",
	"254.169.in-addr.arpa.",
	"2.0.192.in-addr.arpa.",
	"100.51.198.in-addr.arpa.",
	"113.0.203.in-addr.arpa.",
	"255.255.255.255.in-addr.arpa.",
	"8.b.d.0.1.0.0.2.ip6.arpa.",
	"d.f.ip6.arpa.",
	"8.e.f.ip6.arpa.",
	"9.e.f.ip6.arpa.",
	"a.e.f.ip6.arpa.",
	"b.e.f.ip6.arpa.",
};

static int dns_zone_remove(struct ub_ctx *ctx, const char *zone, char **error_r)
{
	int rc = ub_ctx_zone_remove(ctx, zone);
	if (rc != 0) {
		*error_r = xasprintf("removing unbound's local zone %s: %s", zone, ub_strerror(rc));
		return -1;
	}
	return 1;
}

/* dns_unblock_zones: remove unbound's default local zones. */
static int dns_unblock_zones(struct ub_ctx *ctx, char **error_r)
{
	char zone[64];
	for (size_t i = 0; i < sizeof(dns_unbound_default_zones) / sizeof(char *); i++)
		if (dns_zone_remove(ctx, dns_unbound_default_zones[i], error_r) < 0)
			return -1;
	for (int n = 16; n <= 31; n++) {
		snprintf(zone, sizeof(zone), "%d.172.in-addr.arpa.", n);
		if (dns_zone_remove(ctx, zone, error_r) < 0)
			return -1;
	}
	for (int n = 64; n <= 127; n++) {
		snprintf(zone, sizeof(zone), "%d.100.in-addr.arpa.", n);
		if (dns_zone_remove(ctx, zone, error_r) < 0)
			return -1;
	}
	return 1;
}

/* dns_set: one unbound option, with the error naming it. */
static int dns_set(struct ub_ctx *ctx, const char *opt, const char *val, char **error_r)
{
	int rc = ub_ctx_set_option(ctx, opt, val);
	if (rc != 0) {
		*error_r = xasprintf("unbound option %s %s: %s", opt, val, ub_strerror(rc));
		return -1;
	}
	return 1;
}

static int dns_configure(struct ub_ctx *ctx, const struct dns_opts *opts, char **error_r)
{
	const char *resolv = opts && opts->resolv_conf ? opts->resolv_conf : "/etc/resolv.conf";
	int rc;

	if (dns_set(ctx, "do-not-query-localhost:", "no", error_r) < 0)
		return -1;
	if ((rc = ub_ctx_resolvconf(ctx, resolv)) != 0) {
		*error_r = xasprintf("%s: %s", resolv, ub_strerror(rc));
		return -1;
	}
	return dns_unblock_zones(ctx, error_r);
}

int dns_new(struct event_base *base, const struct dns_opts *opts, struct dns **dns_r,
	    char **error_r)
{
	struct ub_ctx *ctx = ub_ctx_create_event(base);
	if (ctx == NULL) {
		*error_r = xstrdup("cannot create a libunbound context on the event loop");
		return -1;
	}
	if (dns_configure(ctx, opts, error_r) < 0) {
		ub_ctx_delete(ctx);
		return -1;
	}
	struct dns *dns = xcalloc(1, sizeof(*dns));
	dns->ctx = ctx;
	dns->base = base;
	dns->timeout = opts && opts->timeout ? opts->timeout : DNS_TIMEOUT_DEFAULT;
	*dns_r = dns;
	return 1;
}

static void dns_query_unlink(struct dns_query *q)
{
	struct dns *dns = q->dns;
	if (q->prev)
		q->prev->next = q->next;
	else
		dns->queries = q->next;
	if (q->next)
		q->next->prev = q->prev;
	dns->pending--;
}

static void dns_query_release(struct dns_query *q)
{
	if (q->timer)
		event_free(q->timer);
	free(q->name);
	free(q);
}

/* dns_finish: report result for q, which has been unlinked, and free it
 * (unless dns_lookup() is still starting it: it frees it then). */
static void dns_finish(struct dns_query *q, struct dns_result *result)
{
	result->name = q->name;
	result->type = q->type;
	q->cb(q->arg, result);
	if (q->starting)
		q->finished = 1;
	else
		dns_query_release(q);
}

static void dns_report_temp(struct dns_query *q, const char *why)
{
	struct dns_result result = { .status = DNS_TEMPFAIL, .why = why };
	dns_finish(q, &result);
}

static void dns_ub_done(void *arg, int rcode, void *packet, int packet_len, int sec,
			char *why_bogus, int was_ratelimited)
{
	struct dns_query *q = arg;
	struct dns_result result = { 0 };

	if (q->dns->closing)
		return;
	dns_query_unlink(q);
	if (sec == 1) {
		dns_report_temp(q, why_bogus ? why_bogus : "DNSSEC validation failed");
		return;
	}
	dns_packet_decode(rcode, packet, packet_len < 0 ? 0 : (size_t)packet_len, q->type, &result);
	result.secure = sec == 2;
	dns_finish(q, &result);
	dns_result_deinit(&result);
}

static void dns_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct dns_query *q = arg;
	ub_cancel(q->dns->ctx, q->async_id);
	dns_query_unlink(q);
	dns_report_temp(q, "timeout");
}

struct dns_query *dns_lookup(struct dns *dns, const char *name, enum dns_type type, dns_cb *cb,
			     void *arg)
{
	struct dns_query *q = xcalloc(1, sizeof(*q));
	q->dns = dns;
	q->type = type;
	q->name = xstrdup(name);
	q->cb = cb;
	q->arg = arg;
	q->next = dns->queries;
	if (q->next)
		q->next->prev = q;
	dns->queries = q;
	dns->pending++;

	if (!dns_name_valid(name)) {
		struct dns_result result = { .status = DNS_NOTFOUND, .nxdomain = 1 };
		dns_query_unlink(q);
		dns_finish(q, &result);
		return NULL;
	}
	q->starting = 1;
	int rc = ub_resolve_event(dns->ctx, name, (int)type, 1, q, dns_ub_done, &q->async_id);
	q->starting = 0;
	if (q->finished) {
		dns_query_release(q);
		return NULL;
	}
	if (rc != 0) {
		dns_query_unlink(q);
		dns_report_temp(q, ub_strerror(rc));
		return NULL;
	}
	struct timeval tv = { .tv_sec = dns->timeout };
	q->timer = evtimer_new(dns->base, dns_timeout, q);
	evtimer_add(q->timer, &tv);
	return q;
}

void dns_cancel(struct dns_query **qp)
{
	struct dns_query *q = *qp;
	if (q == NULL)
		return;
	*qp = NULL;
	ub_cancel(q->dns->ctx, q->async_id);
	dns_query_unlink(q);
	dns_query_release(q);
}

size_t dns_pending(const struct dns *dns)
{
	return dns->pending;
}

void dns_free(struct dns **dnsp)
{
	struct dns *dns = *dnsp;
	if (dns == NULL)
		return;
	*dnsp = NULL;
	/* Deleting the context may report its queries as failed: ignored. */
	dns->closing = 1;
	ub_ctx_delete(dns->ctx);
	while (dns->queries) {
		struct dns_query *q = dns->queries;
		dns_query_unlink(q);
		dns_query_release(q);
	}
	free(dns);
}

const char *dns_type_name(enum dns_type type)
{
	switch (type) {
	case DNS_T_A:
		return "A";
	case DNS_T_PTR:
		return "PTR";
	case DNS_T_MX:
		return "MX";
	case DNS_T_TXT:
		return "TXT";
	case DNS_T_AAAA:
		return "AAAA";
	}
	return "?";
}

int dns_reverse_name(const char *addr, const char *suffix, char **name_r)
{
	unsigned char bytes[16];
	struct buf out;
	int v4 = inet_pton(AF_INET, addr, bytes) == 1;

	if (!v4 && inet_pton(AF_INET6, addr, bytes) != 1)
		return 0;
	buf_init(&out, 0);
	if (v4) {
		buf_printf(&out, "%u.%u.%u.%u.", bytes[3], bytes[2], bytes[1], bytes[0]);
		buf_append_str(&out, suffix ? suffix : "in-addr.arpa");
	} else {
		for (int i = 15; i >= 0; i--)
			buf_printf(&out, "%x.%x.", bytes[i] & 0xf, bytes[i] >> 4);
		buf_append_str(&out, suffix ? suffix : "ip6.arpa");
	}
	*name_r = buf_detach(&out);
	buf_deinit(&out);
	return 1;
}
