/* deliver_smtp.h: the smtp: and lmtp: transports, a client that delivers
 * one message to a group of recipients with the same next hop.
 *
 * A delivery runs on a delivery thread of its own while it lasts (the
 * scheduler's pool, sched_pool.c) with blocking steps bounded by poll() timeouts:
 * Postfix's per-phase limits, and a stop flag checked every second so
 * that a stopping posternd does not wait for a slow peer.
 *
 * Next hop (as transport(5) writes it):
 *   smtp  "[host]:port" or "[host]" (no MX lookup), "host:port" or
 *         "host" (MX lookup, in preference order, with the host's own
 *         A/AAAA records when it has no MX); port 25 by default
 *   lmtp  "unix:/path", "inet:host:port" or "inet:host" (port 24),
 *         "[host]:port"; no MX lookup
 * Each address of each host is tried in turn until one accepts the
 * mail transaction; the recipients are deferred with the last error when
 * none does, and bounced when the domain does not exist (5.1.2 / 5.4.4).
 *
 * The session: greeting, EHLO (HELO when EHLO gets a 5xx; LHLO for
 * LMTP), STARTTLS and EHLO again as the TLS policy of the next hop asks
 * (deliver_tls.h; for LMTP level may means none on a unix socket, as in
 * Postfix), AUTH (SMTP only) with smtp_sasl_auth_enable
 * (deliver_sasl.h), MAIL FROM with SIZE, BODY=8BITMIME, RET, ENVID and
 * SMTPUTF8 as the peer supports them, one RCPT TO per recipient with NOTIFY and ORCPT
 * when it supports DSN, DATA, the content dot-stuffed, and QUIT. With
 * PIPELINING, MAIL, the RCPTs and DATA go in one write. With a connection
 * cache (deliver_cache.h), a session parked under the next hop is taken
 * first (RSET, then the transaction), and a session that ends in step
 * with its server is parked instead of closed with QUIT. SMTP gives one
 * final reply for all accepted recipients, LMTP one per accepted
 * recipient. A 2xx reply delivers, 4xx defers and 5xx bounces the
 * recipients it applies to; a message larger than the peer's SIZE limit
 * bounces (5.3.4).
 */
#ifndef POSTERN_DELIVER_SMTP_H
#define POSTERN_DELIVER_SMTP_H

#include <stdatomic.h>
#include <stddef.h>

#include "cfg.h"
#include "deliver.h"
#include "deliver_cache.h"
#include "deliver_route.h"

struct deliver_tls_conf;
struct deliver_sasl_conf;

/* The settings of one client, SMTP or LMTP (deliver_conf.c reads each
 * under its own names). Timeouts in seconds (smtp_connect_timeout,
 * smtp_helo_timeout, ..., or lmtp_connect_timeout, lmtp_lhlo_timeout,
 * ...; a connect timeout of 0 leaves it to the kernel, as
 * lmtp_connect_timeout's default does). */
struct deliver_smtp_conf {
	char *helo_name; /* smtp_helo_name or lmtp_lhlo_name */
	struct deliver_tls_conf *tls;	/* smtp_tls_* or lmtp_tls_* (deliver_tls.h) */
	struct deliver_sasl_conf *sasl; /* NULL: no AUTH (always so for LMTP; deliver_sasl.h) */
	unsigned families; /* inet_protocols: DELIVER_ROUTE_IPV4 | DELIVER_ROUTE_IPV6 */
	long long connect_timeout, helo_timeout, mail_timeout, rcpt_timeout;
	long long data_init_timeout, data_xfer_timeout, data_done_timeout, rset_timeout;
	long long quit_timeout;
};

/* deliver_smtp_conf_init: read the SMTP client's settings (lmtp 0: smtp_*
 * names) or the LMTP client's (lmtp_*) from view, which must outlive c.
 * 1, or -1 with *error_r. Release with deliver_smtp_conf_deinit, also
 * after a failure. */
int deliver_smtp_conf_init(struct deliver_smtp_conf *c, const struct cfg *view, int lmtp,
			   unsigned families, char **error_r);
void deliver_smtp_conf_deinit(struct deliver_smtp_conf *c);

struct deliver_smtp_req {
	const struct queue_msg *msg;
	const size_t *rcpts; /* indexes of the recipients in msg */
	size_t n_rcpts;
	int lmtp;	     /* 1: LMTP, 0: SMTP */
	const char *nexthop; /* as above */
	const struct deliver_smtp_conf *conf; /* the SMTP or the LMTP client's */
	const atomic_int *stop; /* non-zero: give up at once */
	const struct deliver_cache_conf *cache; /* NULL: no connection reuse (the
						   scheduler asks deliver_cache_wanted) */
};

/* deliver_smtp: deliver req's message to its recipients and fill
 * st_r[0..n_rcpts) (one status each), t_r->conn_us (when the session
 * was set up) and t_r->conn_use (its transaction count). 1 done; 0 interrupted by the stop flag
 * (st_r untouched but zeroed: record nothing, the recipients are tried again). */
int deliver_smtp(const struct deliver_smtp_req *req, struct deliver_status *st_r,
		 struct deliver_times *t_r);

#endif
