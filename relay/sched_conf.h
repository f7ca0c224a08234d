/* sched_conf.h: the scheduler's and the delivery agents' settings, read
 * once from a configuration snapshot.
 *
 * Postfix parameters (postconf(5) names and defaults): queue_run_delay,
 * minimal_backoff_time, maximal_backoff_time, maximal_queue_lifetime,
 * bounce_queue_lifetime, delay_warning_time, confirm_delay_cleared,
 * defer_transports,
 * default_destination_concurrency_limit and
 * default_destination_recipient_limit (each overridden per transport by
 * <transport>_destination_concurrency_limit and
 * <transport>_destination_recipient_limit; 0 means no limit),
 * default_process_limit (the most deliveries running at once), the
 * next-hop parameters of nexthop.h, the SMTP and the LMTP client's
 * settings (deliver_smtp.h: helo name, per-phase timeouts, TLS, SASL) and
 * connection caches (deliver_cache.h), and the notification settings of
 * deliver_dsn.h.
 */
#ifndef POSTERN_SCHED_CONF_H
#define POSTERN_SCHED_CONF_H

#include "deliver_dsn.h"
#include "deliver_smtp.h"
#include "nexthop.h"
#include "relay_conf.h"

struct sched_conf {
	struct relay_conf *relay; /* a reference: per-transport names are read from its view */
	struct nexthop *nexthop;
	char *myhostname;
	long long queue_run_delay;	  /* seconds */
	long long minimal_backoff_time;	  /* seconds */
	long long maximal_backoff_time;	  /* seconds */
	long long maximal_queue_lifetime; /* seconds; 0: try once */
	long long bounce_queue_lifetime;  /* the same for mail from the null sender */
	long long delay_warning_time;	  /* seconds; 0: no delay warnings */
	int confirm_delay_cleared;	  /* a notice when a warned recipient is delivered */
	char **defer_transports;	  /* transports that wait for "postern flush" */
	long long process_limit;	  /* deliveries running at once, 0 no limit */
	struct deliver_smtp_conf smtp;	  /* helo name, timeouts, TLS, SASL */
	struct deliver_smtp_conf lmtp;	  /* the same for the LMTP client (lmtp_*) */
	struct deliver_cache_conf cache;  /* smtp_connection_cache_*, smtp_connection_reuse_* */
	struct deliver_cache_conf lmtp_cache; /* lmtp_connection_cache_*, ... */
	struct deliver_dsn_conf dsn;	  /* notifications (deliver_dsn_conf_init) */
};

/* sched_conf_new: read the settings from relay (a reference is taken).
 * 1 with *c_r (free with sched_conf_free), -1 with *error_r (a value
 * that cannot be used, a table that cannot be opened). */
int sched_conf_new(struct relay_conf *relay, struct sched_conf **c_r, char **error_r);
/* sched_conf_free: release *cp; accepts NULL; clears *cp. */
void sched_conf_free(struct sched_conf **cp);

/* sched_conf_transport_limit: the value of <transport>_<suffix> (suffix
 * "destination_concurrency_limit" or "destination_recipient_limit") when
 * set to a valid number, else of default_<suffix>. */
long long sched_conf_transport_limit(const struct sched_conf *c, const char *transport,
				     const char *suffix);

/* sched_conf_deferred_transport: is transport listed in
 * defer_transports? 1 yes, 0 no. */
int sched_conf_deferred_transport(const struct sched_conf *c, const char *transport);

#endif
