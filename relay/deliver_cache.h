/* deliver_cache.h: SMTP and LMTP connections kept open after a delivery
 * so that the next delivery to the same destination reuses them
 * (Postfix's connection cache, scache(8), inside the process).
 *
 * Parameters (postconf(5) names and defaults; each has an lmtp_
 * counterpart for the LMTP client, with the same default):
 *   smtp_connection_cache_on_demand   yes: a delivery that ends with a
 *                                     healthy session parks it here
 *                                     (Postfix's qmgr allows it only
 *                                     while deliveries to the destination
 *                                     follow each other; Postern always)
 *   smtp_connection_cache_destinations
 *                                     empty: destinations whose sessions
 *                                     are cached even when on_demand is
 *                                     no (deliver_route_destination gives
 *                                     the name matched: the host without
 *                                     [] and port, or the LMTP socket
 *                                     path; items as in relay_domains,
 *                                     without parent domain matching)
 *   smtp_connection_cache_time_limit  2s: how long a parked session may
 *                                     wait for its next delivery
 *   smtp_connection_reuse_time_limit  300s: no parking once a session is
 *                                     this old
 *   smtp_connection_reuse_count_limit 0: no parking once a session has
 *                                     carried this many transactions (0:
 *                                     no limit)
 * The scheduler passes the cache to a delivery only when one of the two
 * says so (deliver_cache_wanted). A session is parked under its protocol
 * and next hop ("[host]:port", "host", "unix:/path"); the taker sends
 * RSET before its MAIL FROM and falls back to a new connection when that
 * fails. Expired sessions are closed without QUIT,
 * as Postfix's scache closes them. Thread-safe: delivery threads park and
 * take, the scheduler thread expires.
 */
#ifndef POSTERN_DELIVER_CACHE_H
#define POSTERN_DELIVER_CACHE_H

#include <stdint.h>

#include "cfg.h"
#include "deliver_conn.h"

struct nexthop_domains;

struct deliver_cache_conf {
	int lmtp;		     /* the LMTP client's cache (lmtp_*), else SMTP's */
	int on_demand;		     /* smtp_connection_cache_on_demand */
	struct nexthop_domains *destinations; /* smtp_connection_cache_destinations */
	long long idle_limit;	     /* smtp_connection_cache_time_limit, seconds */
	long long reuse_time_limit;  /* smtp_connection_reuse_time_limit, seconds */
	long long reuse_count_limit; /* smtp_connection_reuse_count_limit, 0 no limit */
};

/* A parked session: its connection and what its EHLO said. */
struct deliver_cached {
	struct deliver_conn *conn;
	char where[512];	       /* relay=, "host[addr]:port" */
	unsigned ext;		       /* DELIVER_EXT_* of its EHLO reply */
	unsigned long long size_limit; /* its SIZE */
	int64_t born_us;	       /* when it was connected */
	long long uses;		       /* transactions it carried */
};

/* deliver_cache_conf_init: read the smtp_ (lmtp 0) or lmtp_ parameters
 * from view (deliver_conf.c). 1, or -1 with *error_r (a table of the
 * destinations that cannot be opened). Release with
 * deliver_cache_conf_deinit, also after a failure. */
int deliver_cache_conf_init(struct deliver_cache_conf *c, const struct cfg *view, int lmtp,
			    char **error_r);
void deliver_cache_conf_deinit(struct deliver_cache_conf *c);

/* deliver_cache_wanted: are sessions to nexthop cached: on_demand, or its
 * destination is listed? 1 yes, 0 no (a table lookup that fails counts
 * as no, with a warning). */
int deliver_cache_wanted(const struct deliver_cache_conf *conf, const char *nexthop);

/* deliver_cache_take: a session of conf's protocol parked under nexthop
 * that has not expired,
 * moved into *c_r (the caller owns c_r->conn). 1 found, 0 none. */
int deliver_cache_take(const struct deliver_cache_conf *conf, const char *nexthop,
		       struct deliver_cached *c_r);

/* deliver_cache_park: park *c under conf's protocol and nexthop when conf
 * allows (a time limit, its age and use count within the limits). 1
 * parked (c->conn now belongs to the cache and is cleared), 0 not parked
 * (the caller still owns c->conn). */
int deliver_cache_park(const struct deliver_cache_conf *conf, const char *nexthop,
		       struct deliver_cached *c);

/* deliver_cache_expire: close the sessions of conf's protocol idle longer
 * than conf->idle_limit; with conf NULL, close them all (at stop). */
void deliver_cache_expire(const struct deliver_cache_conf *conf);

#endif
