/* deliver_conf.c: the settings of the SMTP and LMTP clients, read from a
 * configuration snapshot under each protocol's parameter names
 * (smtp_helo_name / lmtp_lhlo_name, smtp_*_timeout / lmtp_*_timeout,
 * smtp_connection_cache_* / lmtp_connection_cache_*, ...), as Postfix's
 * smtp(8) reads them when it runs as smtp or as lmtp. */
#include <stdlib.h>
#include <string.h>

#include "deliver_cache.h"
#include "deliver_route.h"
#include "deliver_sasl.h"
#include "deliver_smtp.h"
#include "deliver_tls.h"
#include "log.h"
#include "mem.h"
#include "nexthop_domains.h"
#include "relay_conf_value.h"

/* deliver_conf_time: <proto>_<suffix> in seconds into *r. */
static int deliver_conf_time(const struct cfg *v, const char *proto, const char *suffix,
			     long long *r, char **error_r)
{
	char *name = xasprintf("%s_%s", proto, suffix);
	int rc = relay_conf_time(v, name, r, error_r);
	free(name);
	return rc;
}

int deliver_smtp_conf_init(struct deliver_smtp_conf *c, const struct cfg *v, int lmtp,
			   unsigned families, char **error_r)
{
	const char *p = lmtp ? "lmtp" : "smtp";
	memset(c, 0, sizeof(*c));
	c->families = families;
	int ok = relay_conf_str(v, lmtp ? "lmtp_lhlo_name" : "smtp_helo_name", &c->helo_name,
				error_r) > 0 &&
		 deliver_conf_time(v, p, "connect_timeout", &c->connect_timeout, error_r) > 0 &&
		 deliver_conf_time(v, p, lmtp ? "lhlo_timeout" : "helo_timeout", &c->helo_timeout,
				   error_r) > 0 &&
		 deliver_conf_time(v, p, "mail_timeout", &c->mail_timeout, error_r) > 0 &&
		 deliver_conf_time(v, p, "rcpt_timeout", &c->rcpt_timeout, error_r) > 0 &&
		 deliver_conf_time(v, p, "data_init_timeout", &c->data_init_timeout, error_r) > 0 &&
		 deliver_conf_time(v, p, "data_xfer_timeout", &c->data_xfer_timeout, error_r) > 0 &&
		 deliver_conf_time(v, p, "data_done_timeout", &c->data_done_timeout, error_r) > 0 &&
		 deliver_conf_time(v, p, "rset_timeout", &c->rset_timeout, error_r) > 0 &&
		 deliver_conf_time(v, p, "quit_timeout", &c->quit_timeout, error_r) > 0 &&
		 deliver_tls_conf_new(v, p, &c->tls, error_r) > 0 &&
		 (lmtp || deliver_sasl_conf_new(v, &c->sasl, error_r) > 0);
	return ok ? 1 : -1;
}

void deliver_smtp_conf_deinit(struct deliver_smtp_conf *c)
{
	FREE_AND_NULL(c->helo_name);
	deliver_tls_conf_free(&c->tls);
	deliver_sasl_conf_free(&c->sasl);
}

int deliver_cache_conf_init(struct deliver_cache_conf *c, const struct cfg *v, int lmtp,
			    char **error_r)
{
	const char *p = lmtp ? "lmtp" : "smtp";
	char *name = NULL, *dests = NULL;
	memset(c, 0, sizeof(*c));
	c->lmtp = lmtp;
	name = xasprintf("%s_connection_cache_on_demand", p);
	int ok = relay_conf_bool(v, name, &c->on_demand, error_r) > 0 &&
		 deliver_conf_time(v, p, "connection_cache_time_limit", &c->idle_limit, error_r) >
			 0 &&
		 deliver_conf_time(v, p, "connection_reuse_time_limit", &c->reuse_time_limit,
				   error_r) > 0;
	free(name);
	name = xasprintf("%s_connection_reuse_count_limit", p);
	ok = ok && relay_conf_int(v, name, &c->reuse_count_limit, error_r) > 0;
	free(name);
	name = xasprintf("%s_connection_cache_destinations", p);
	ok = ok && relay_conf_str(v, name, &dests, error_r) > 0;
	if (ok && nexthop_domains_new(dests, 0, &c->destinations, error_r) < 0) {
		char *why = *error_r;
		*error_r = xasprintf("%s: %s", name, why);
		free(why);
		ok = 0;
	}
	free(name);
	free(dests);
	return ok ? 1 : -1;
}

void deliver_cache_conf_deinit(struct deliver_cache_conf *c)
{
	nexthop_domains_free(&c->destinations);
}

int deliver_cache_wanted(const struct deliver_cache_conf *conf, const char *nexthop)
{
	if (conf->on_demand)
		return 1;
	char *dest = deliver_route_destination(nexthop, conf->lmtp);
	char *error = NULL;
	int rc = nexthop_domains_match(conf->destinations, dest, &error);
	if (rc < 0) {
		log_warn("%s_connection_cache_destinations: %s", conf->lmtp ? "lmtp" : "smtp",
			 error);
		free(error);
	}
	free(dest);
	return rc > 0;
}
