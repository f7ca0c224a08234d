/* smtpd_check_policy.c: check_policy_service, as Postfix's smtpd does it:
 * the service's settings (the smtpd_policy_service_* parameters, or the
 * Postfix 3.0 "{ server, name=value, ... }" attributes), the request with
 * Postfix's attributes in Postfix's order, and what the reply's action
 * does (an access(5) action, through chk_table_result). When the service
 * gives no answer after its attempts, one warning is logged and the
 * default action applies, as in Postfix ("451 4.3.5 Server configuration
 * problem" unless configured otherwise). FILTER is refused: posternd has
 * no content filter transport to hand the message to. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cfg_expand.h"
#include "cfg_list.h"
#include "cfg_parse.h"
#include "cfg_value.h"
#include "mem.h"
#include "policy_proto.h"
#include "smtpd_check_private.h"

/* param: the expanded value of name ("" when no layer defines it). */
static char *param(const struct cfg *view, const char *name, char **error_r)
{
	char *v = NULL;
	int rc = cfg_expand_param(view, name, &v, error_r);
	if (rc < 0)
		return NULL;
	return rc == 0 ? xstrdup("") : v;
}

/* set_value: one setting, named as the attribute (without the
 * smtpd_policy_service_ prefix). 1, 0 when name is no such setting, -1
 * with *error_r for a bad value. */
static int set_value(struct chk_policy *p, const char *name, const char *value, char **error_r)
{
	static const struct {
		const char *name;
		size_t off;
		long long min; /* -1: a time */
	} nums[] = {
		{"timeout", offsetof(struct chk_policy, timeout), -1},
		{"max_idle", offsetof(struct chk_policy, max_idle), -1},
		{"max_ttl", offsetof(struct chk_policy, max_ttl), -1},
		{"retry_delay", offsetof(struct chk_policy, retry_delay), -1},
		{"try_limit", offsetof(struct chk_policy, try_limit), 1},
		{"request_limit", offsetof(struct chk_policy, request_limit), 0},
	};
	if (strcmp(name, "default_action") == 0) {
		free(p->default_action);
		p->default_action = xstrdup(value);
		return 1;
	}
	if (strcmp(name, "policy_context") == 0) {
		free(p->policy_context);
		p->policy_context = xstrdup(value);
		return 1;
	}
	for (size_t i = 0; i < sizeof(nums) / sizeof(nums[0]); i++) {
		if (strcmp(nums[i].name, name) != 0)
			continue;
		long long *r = (long long *)((char *)p + nums[i].off);
		int rc = nums[i].min < 0 ? cfg_value_time(value, 's', r, error_r) :
					   cfg_value_int(value, nums[i].min, 1LL << 40, r, error_r);
		if (rc > 0 && nums[i].min < 0 && *r <= 0 && strcmp(name, "retry_delay") != 0) {
			*error_r = xasprintf("\"%s\" must be greater than zero", value);
			rc = -1;
		}
		return rc < 0 ? -1 : 1;
	}
	return 0;
}

int chk_policy_load(struct smtpd_check_conf *conf, const struct cfg *view, char **error_r)
{
	static const char *const names[] = {"timeout",	   "max_idle",	    "max_ttl",
					    "retry_delay", "try_limit",	    "request_limit",
					    "policy_context"};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char *pname = xasprintf("smtpd_policy_service_%s", names[i]), *e = NULL;
		char *v = param(view, pname, &e);
		int rc = v ? set_value(&conf->policy, names[i], v, &e) : -1;
		free(v);
		if (rc < 0) {
			*error_r = xasprintf("%s: %s", pname, e);
			free(e);
			free(pname);
			return -1;
		}
		free(pname);
	}
	char *e = NULL;
	if ((conf->queue_directory = param(view, "queue_directory", &e)) == NULL) {
		*error_r = e;
		return -1;
	}
	return 1;
}

void chk_policy_free(struct chk_policy **pp)
{
	struct chk_policy *p = *pp;
	if (p == NULL)
		return;
	*pp = NULL;
	free(p->server);
	free(p->name);
	free(p->default_action);
	free(p->policy_context);
	free(p);
}

/* resolve: the endpoint; "unix:private/x" is relative to queue_directory,
 * as in Postfix. */
static int resolve(const struct smtpd_check_conf *conf, struct chk_policy *p, char **error_r)
{
	struct sockspec *spec = NULL;
	struct sockspec_addr *addrs = NULL;
	size_t n = 0;
	struct buf b;

	if (sockspec_parse(p->server, 0, &spec, error_r) < 0)
		return -1;
	if (spec->kind == SOCKSPEC_UNIX && spec->path[0] != '/') {
		char *abs = xasprintf("%s/%s", conf->queue_directory, spec->path);
		free(spec->path);
		spec->path = abs;
	}
	buf_init(&b, 0);
	p->name = xstrdup(sockspec_format(&b, spec));
	buf_deinit(&b);
	int rc = sockspec_resolve(spec, SOCKSPEC_RESOLVE, &addrs, &n, error_r);
	sockspec_free(&spec);
	if (rc <= 0)
		return -1;
	p->addr = addrs[0];
	free(addrs);
	return 1;
}

int chk_policy_parse(const struct smtpd_check_conf *conf, const char *arg,
		     struct chk_policy **policy_r, char **error_r)
{
	char *inner, **items, *e = NULL;
	if (cfg_unbrace(arg, &inner, error_r) < 0)
		return -1;
	int rc = cfg_list_split(inner, &items, NULL, error_r);
	free(inner);
	if (rc < 0)
		return -1;
	struct chk_policy *p = xcalloc(1, sizeof(*p));
	*p = conf->policy;
	p->server = p->name = p->default_action = NULL;
	p->policy_context = xstrdup(conf->policy.policy_context ? conf->policy.policy_context : "");
	rc = 1;
	for (char **i = items; rc > 0 && *i; i++) {
		if (i == items) {
			p->server = xstrdup(*i);
			if (strchr(*i, ':') == NULL || strchr(*i, '=') != NULL) {
				*error_r = xasprintf("check_policy_service: \"%s\" is not "
						     "transport:server",
						     *i);
				rc = -1;
			}
			continue;
		}
		/* "{ name = value with spaces }" or name=value */
		char *name = NULL, *value = NULL, *group = NULL;
		if ((*i)[0] == '{' && cfg_unbrace(*i, &group, &e) > 0)
			cfg_split_nameval(group, &name, &value, &e);
		else if ((*i)[0] != '{')
			cfg_split_nameval(*i, &name, &value, &e);
		free(group);
		FREE_AND_NULL(e);
		int set = name ? set_value(p, name, value, &e) : 0;
		if (set <= 0) {
			*error_r = set < 0 ? xasprintf("check_policy_service %s: %s: %s", p->server,
						       name, e)
					   : xasprintf("check_policy_service %s: unknown attribute "
						       "\"%s\"",
						       p->server, *i);
			rc = -1;
		}
		FREE_AND_NULL(e);
		free(name);
		free(value);
	}
	cfg_list_free(&items);
	if (rc > 0 && p->server == NULL) {
		*error_r = xstrdup("check_policy_service: no server given");
		rc = -1;
	}
	if (rc > 0 && resolve(conf, p, &e) < 0) {
		*error_r = xasprintf("check_policy_service %s: %s", p->server, e);
		free(e);
		rc = -1;
	}
	if (rc < 0) {
		chk_policy_free(&p);
		return -1;
	}
	*policy_r = p;
	return 1;
}

/* add: one attribute (values with CR or LF, which SMTP cannot carry, are
 * sent empty). */
static void add(struct policy_attrs *a, const char *name, const char *value)
{
	char *error = NULL;
	if (policy_attrs_add(a, name, value ? value : "", &error) < 0) {
		free(error);
		(void)policy_attrs_add(a, name, "", &error);
		free(error);
	}
}

/* request: the attributes Postfix 3.7 sends, in its order (3.8 added
 * compatibility_level and mail_version; 3.7 does not send them). */
static char *request(struct chk_pass *p, const struct chk_policy *svc)
{
	const struct smtpd_facts *f = p->f;
	const int sasl = p->chk->conf->sasl_enable;
	struct policy_attrs *a = policy_attrs_new();
	char count[32], size[32], bits[32];

	/* Postfix sends the count at DATA and END-OF-MESSAGE only. */
	snprintf(count, sizeof(count), "%u",
		 p->stage >= SMTPD_CHECK_DATA ? f->rcpt_count : 0);
	snprintf(size, sizeof(size), "%lld", f->size > 0 ? f->size : 0);
	snprintf(bits, sizeof(bits), "%d", f->tls_protocol ? f->tls_bits : 0);
	add(a, "request", "smtpd_access_policy");
	add(a, "protocol_state", p->where);
	add(a, "protocol_name", p->protocol ? p->protocol : "SMTP");
	add(a, "client_address", f->client_addr);
	add(a, "client_name", f->client_name ? f->client_name : "unknown");
	add(a, "client_port", f->client_port);
	add(a, "reverse_client_name", f->reverse_name ? f->reverse_name : "unknown");
	add(a, "server_address", f->server_addr);
	add(a, "server_port", f->server_port);
	add(a, "helo_name", p->helo);
	add(a, "sender", p->sender);
	add(a, "recipient", p->recipient);
	add(a, "recipient_count", count);
	add(a, "queue_id", f->queue_id);
	add(a, "instance", f->instance);
	add(a, "size", size);
	add(a, "etrn_domain", "");
	add(a, "stress", "");
	add(a, "sasl_method", sasl ? f->sasl_method : NULL);
	add(a, "sasl_username", sasl ? f->sasl_username : NULL);
	add(a, "sasl_sender", sasl ? f->sasl_sender : NULL);
	add(a, "ccert_subject", f->ccert_subject);
	add(a, "ccert_issuer", f->ccert_issuer);
	add(a, "ccert_fingerprint", f->ccert_fingerprint);
	add(a, "ccert_pubkey_fingerprint", "");
	add(a, "encryption_protocol", f->tls_protocol);
	add(a, "encryption_cipher", f->tls_cipher);
	add(a, "encryption_keysize", bits);
	add(a, "policy_context", svc->policy_context);

	struct buf b;
	char *error = NULL;
	buf_init(&b, 0);
	if (policy_request_encode(&b, a, &error) < 0)
		free(error); /* only a bound on b, which has none */
	policy_attrs_free(&a);
	char *text = buf_detach(&b);
	buf_deinit(&b);
	return text;
}

int chk_policy_service(struct chk_pass *p, const struct chk_policy *svc, const char *reply_name,
		       const char *reply_class, enum chk_def_acl def_acl)
{
	const struct chk_policy_answer *answer;
	char *req = request(p, svc);
	int ready = chk_policyq_get(p->chk->policyq, svc, req, &answer);
	free(req);
	if (!ready)
		return CHK_PENDING;
	if (answer->action == NULL) {
		const char *action =
			svc->default_action ? svc->default_action : p->chk->conf->policy_default_action;
		chk_log_warn(p, "problem talking to server %s: %s; default_action is \"%s\"",
			     svc->server, answer->error, action);
		chk_trace(p, "%s: no answer (%s); default_action %s", svc->server, answer->error,
			  action);
		return chk_table_result(p, svc->server, action, reply_name, reply_class, def_acl);
	}
	chk_trace(p, "%s: action=%s", svc->server, answer->action);
	size_t word = strcspn(answer->action, " \t");
	if (word == 6 && strncasecmp(answer->action, "FILTER", 6) == 0) {
		chk_log_warn(p, "policy service %s: action %s is not supported in policy replies; "
				"ignored",
			     svc->server, answer->action);
		return CHK_DUNNO;
	}
	return chk_table_result(p, svc->server, answer->action, reply_name, reply_class, def_acl);
}
