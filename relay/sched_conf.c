/* sched_conf.c: read the scheduler's and the delivery agents' settings
 * from a configuration snapshot (see sched_conf.h). */
#include "sched_conf.h"

#include <stdlib.h>
#include <string.h>

#include "cfg_expand.h"
#include "cfg_list.h"
#include "cfg_value.h"
#include "mem.h"
#include "relay_conf_value.h"

/* Names of the nexthop_conf strings, in the struct's order. */
static const char *const sched_conf_nexthop_names[] = {
	"myhostname",	    "mydestination",   "virtual_alias_domains", "virtual_mailbox_domains",
	"relay_domains",    "local_transport", "virtual_transport",	"relay_transport",
	"default_transport", "relayhost",	"transport_maps",
};
#define SCHED_CONF_N_NEXTHOP (sizeof(sched_conf_nexthop_names) / sizeof(sched_conf_nexthop_names[0]))

/* sched_conf_nexthop: compile the next-hop settings into c->nexthop. */
static int sched_conf_nexthop(struct sched_conf *c, const struct cfg *v, char **error_r)
{
	char *values[SCHED_CONF_N_NEXTHOP] = {0};
	int rc = 1;
	for (size_t i = 0; i < SCHED_CONF_N_NEXTHOP && rc > 0; i++)
		rc = relay_conf_str(v, sched_conf_nexthop_names[i], &values[i], error_r);
	if (rc > 0) {
		struct nexthop_conf nc = {
			values[0], values[1], values[2], values[3], values[4],	values[5],
			values[6], values[7], values[8], values[9], values[10],
		};
		rc = nexthop_new(&nc, &c->nexthop, error_r);
	}
	for (size_t i = 0; i < SCHED_CONF_N_NEXTHOP; i++)
		free(values[i]);
	return rc;
}

/* sched_conf_families: the address families of inet_protocols. */
static int sched_conf_families(const struct cfg *v, unsigned *families_r, char **error_r)
{
	char **items = NULL;
	*families_r = 0;
	if (relay_conf_list(v, "inet_protocols", &items, NULL, error_r) < 0)
		return -1;
	for (size_t i = 0; items[i] != NULL; i++) {
		if (strcmp(items[i], "all") == 0 || strcmp(items[i], "ipv4") == 0)
			*families_r |= DELIVER_ROUTE_IPV4;
		if (strcmp(items[i], "all") == 0 || strcmp(items[i], "ipv6") == 0)
			*families_r |= DELIVER_ROUTE_IPV6;
	}
	cfg_list_free(&items);
	if (*families_r == 0)
		*families_r = DELIVER_ROUTE_IPV4 | DELIVER_ROUTE_IPV6;
	return 1;
}

/* sched_conf_clients: the SMTP and LMTP clients and their caches. */
static int sched_conf_clients(struct sched_conf *c, const struct cfg *v, char **error_r)
{
	unsigned families;
	return sched_conf_families(v, &families, error_r) > 0 &&
			       deliver_smtp_conf_init(&c->smtp, v, 0, families, error_r) > 0 &&
			       deliver_smtp_conf_init(&c->lmtp, v, 1, families, error_r) > 0 &&
			       deliver_cache_conf_init(&c->cache, v, 0, error_r) > 0 &&
			       deliver_cache_conf_init(&c->lmtp_cache, v, 1, error_r) > 0
		       ? 1
		       : -1;
}

int sched_conf_new(struct relay_conf *relay, struct sched_conf **c_r, char **error_r)
{
	struct sched_conf *c = xcalloc(1, sizeof(*c));
	c->relay = relay_conf_ref(relay);
	const struct cfg *v = relay->params->view;
	int ok = relay_conf_str(v, "myhostname", &c->myhostname, error_r) > 0 &&
		 relay_conf_time(v, "queue_run_delay", &c->queue_run_delay, error_r) > 0 &&
		 relay_conf_time(v, "minimal_backoff_time", &c->minimal_backoff_time, error_r) > 0 &&
		 relay_conf_time(v, "maximal_backoff_time", &c->maximal_backoff_time, error_r) > 0 &&
		 relay_conf_time(v, "maximal_queue_lifetime", &c->maximal_queue_lifetime, error_r) >
			 0 &&
		 relay_conf_time(v, "bounce_queue_lifetime", &c->bounce_queue_lifetime, error_r) >
			 0 &&
		 relay_conf_time(v, "delay_warning_time", &c->delay_warning_time, error_r) > 0 &&
		 relay_conf_bool(v, "confirm_delay_cleared", &c->confirm_delay_cleared, error_r) >
			 0 &&
		 relay_conf_list(v, "defer_transports", &c->defer_transports, NULL, error_r) > 0 &&
		 relay_conf_int(v, "default_process_limit", &c->process_limit, error_r) > 0 &&
		 sched_conf_nexthop(c, v, error_r) > 0;
	if (ok)
		ok = sched_conf_clients(c, v, error_r) > 0 &&
		     deliver_dsn_conf_init(&c->dsn, v, error_r) > 0;
	if (!ok) {
		sched_conf_free(&c);
		return -1;
	}
	if (c->queue_run_delay < 1)
		c->queue_run_delay = 1;
	if (c->minimal_backoff_time < 1)
		c->minimal_backoff_time = 1;
	if (c->maximal_backoff_time < c->minimal_backoff_time)
		c->maximal_backoff_time = c->minimal_backoff_time;
	*c_r = c;
	return 1;
}

void sched_conf_free(struct sched_conf **cp)
{
	if (cp == NULL || *cp == NULL)
		return;
	struct sched_conf *c = *cp;
	nexthop_free(&c->nexthop);
	free(c->myhostname);
	deliver_dsn_conf_deinit(&c->dsn);
	deliver_smtp_conf_deinit(&c->smtp);
	deliver_smtp_conf_deinit(&c->lmtp);
	deliver_cache_conf_deinit(&c->cache);
	deliver_cache_conf_deinit(&c->lmtp_cache);
	cfg_list_free(&c->defer_transports);
	relay_conf_unref(&c->relay);
	FREE_AND_NULL(*cp);
}

long long sched_conf_transport_limit(const struct sched_conf *c, const char *transport,
				     const char *suffix)
{
	const struct cfg *v = c->relay->params->view;
	char *name = xasprintf("%s_%s", transport, suffix);
	char *value = NULL, *error = NULL;
	long long n = -1;
	if (cfg_expand_param(v, name, &value, &error) > 0 &&
	    cfg_value_int(value, 0, 1000000, &n, &error) < 0)
		n = -1;
	free(error);
	free(value);
	free(name);
	if (n >= 0)
		return n;
	name = xasprintf("default_%s", suffix);
	if (relay_conf_int(v, name, &n, &error) < 0) {
		free(error);
		n = 0;
	}
	free(name);
	return n;
}

int sched_conf_deferred_transport(const struct sched_conf *c, const char *transport)
{
	for (size_t i = 0; c->defer_transports[i] != NULL; i++)
		if (strcmp(c->defer_transports[i], transport) == 0)
			return 1;
	return 0;
}
