/* spf_engine.c: libspf2 wrapped. A DNS layer of our own sits on top of
 * libspf2's resolver: it fetches SPF records itself (so every record goes
 * through spf_guard_record() before libspf2 compiles it), checks every
 * explanation string, and counts lookups against the RFC 7208 limits.
 * Below it, spf_dns.c asks the DNS servers and keeps their answers.
 * libspf2's own limits are set above ours so ours decide. */
#include "config.h"

#include "spf_engine.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <spf2/spf.h>
#include <spf2/spf_dns.h>
#include <spf2/spf_dns_rr.h>
#include <spf2/spf_log.h>
#include <spf2/spf_record.h>

#include "log.h"
#include "mem.h"
#include "spf_dns.h"
#include "spf_guard.h"

struct spf_engine {
	SPF_server_t *server;
	SPF_dns_server_t *guard; /* top DNS layer; hook points to the engine */
	struct spf_guard_eval eval;
};

static const char *const result_names[SPF_R_COUNT] = {
	"none", "neutral", "pass", "fail", "softfail", "temperror", "permerror",
};

const char *spf_result_name(enum spf_result r)
{
	return (unsigned)r < SPF_R_COUNT ? result_names[r] : "permerror";
}

int spf_result_parse(const char *name)
{
	for (int i = 0; i < SPF_R_COUNT; i++)
		if (strcasecmp(name, result_names[i]) == 0)
			return i;
	return -1;
}

/* ---- the guard DNS layer ---- */

static int rr_is_void(const SPF_dns_rr_t *rr)
{
	return rr->herrno == HOST_NOT_FOUND || rr->herrno == NO_DATA ||
	       (rr->herrno == NETDB_SUCCESS && rr->num_rr == 0);
}

/* guard_explanation: the TXT answer for exp=: exactly one record whose
 * macros pass spf_guard_explanation(), else none (RFC 7208 6.2: then the
 * default explanation applies). libspf2 1.2.10 compiles an explanation
 * like a domain-spec, where a space ends the string: spaces are handed to
 * it as "%_", which RFC 7208 defines as a space too. */
static SPF_dns_rr_t *guard_explanation(SPF_dns_server_t *layer, const char *domain,
				       SPF_dns_rr_t *rr)
{
	char *reason = NULL;
	if (rr->num_rr != 1 || !spf_guard_explanation(rr->rr[0]->txt, &reason)) {
		log_debug(1, "exp=%s not used: %s", domain,
			  reason ? reason : "not exactly one TXT record");
		free(reason);
		SPF_dns_rr_free(rr);
		return SPF_dns_rr_new_init(layer, domain, ns_t_txt, 0, NO_DATA);
	}
	const char *txt = rr->rr[0]->txt;
	size_t spaces = 0, len = strlen(txt);
	for (const char *p = txt; *p != '\0'; p++)
		spaces += *p == ' ';
	if (spaces == 0)
		return rr;
	char *copy = xmalloc(len + spaces + 1), *out = copy;
	for (const char *p = txt; *p != '\0'; p++) {
		if (*p == ' ') {
			*out++ = '%';
			*out++ = '_';
		} else {
			*out++ = *p;
		}
	}
	*out = '\0';
	if (SPF_dns_rr_buf_realloc(rr, 0, len + spaces + 1) == SPF_E_SUCCESS)
		memcpy(rr->rr[0]->txt, copy, len + spaces + 1);
	free(copy);
	return rr;
}

static SPF_dns_rr_t *guard_lookup(SPF_dns_server_t *layer, const char *domain, ns_type type,
				  int should_cache)
{
	struct spf_engine *eng = layer->hook;
	enum spf_guard_query q;
	switch (type) {
	case ns_t_a:
	case ns_t_aaaa:
		q = SPF_GUARD_Q_A;
		break;
	case ns_t_mx:
		q = SPF_GUARD_Q_MX;
		break;
	case ns_t_ptr:
		q = SPF_GUARD_Q_PTR;
		break;
	default: /* TXT: only exp= comes this way (records use guard_get_spf) */
		q = SPF_GUARD_Q_EXP;
		break;
	}
	if (!spf_guard_eval_query(&eng->eval, q, domain))
		return SPF_dns_rr_new_nxdomain(layer, domain);
	SPF_dns_rr_t *rr = SPF_dns_lookup(layer->layer_below, domain, type, should_cache);
	const char *names[SPF_GUARD_MAX_FOLLOW];
	size_t n = 0;
	if ((q == SPF_GUARD_Q_MX || q == SPF_GUARD_Q_PTR) && rr->herrno == NETDB_SUCCESS) {
		for (int i = 0; i < rr->num_rr; i++) {
			if (n < SPF_GUARD_MAX_FOLLOW)
				names[n] = q == SPF_GUARD_Q_MX ? rr->rr[i]->mx : rr->rr[i]->ptr;
			n++;
		}
	}
	if (!spf_guard_eval_answer(&eng->eval, q, rr_is_void(rr), names, n)) {
		SPF_dns_rr_free(rr);
		return SPF_dns_rr_new_nxdomain(layer, domain);
	}
	if (q == SPF_GUARD_Q_EXP && rr->herrno == NETDB_SUCCESS)
		return guard_explanation(layer, domain, rr);
	return rr;
}

static int is_spf_record(const char *txt)
{
	return strncasecmp(txt, "v=spf1", 6) == 0 && (txt[6] == ' ' || txt[6] == '\0');
}

static SPF_errcode_t record_error(SPF_response_t *resp, SPF_result_t result, SPF_errcode_t code,
				  const char *fmt, const char *domain, const char *why)
{
	resp->result = result;
	resp->reason = SPF_REASON_FAILURE;
	resp->err = code;
	return SPF_response_add_error(resp, code, fmt, domain, why);
}

static SPF_errcode_t guard_get_spf(SPF_server_t *server, SPF_request_t *req, SPF_response_t *resp,
				   SPF_record_t **recordp)
{
	struct spf_engine *eng = server->resolver->hook;
	const char *domain = req->cur_dom;
	*recordp = NULL;
	if (!spf_guard_eval_query(&eng->eval, SPF_GUARD_Q_RECORD, domain))
		return record_error(resp, SPF_RESULT_PERMERROR, SPF_E_BIG_DNS, "%s: %s", domain,
				    eng->eval.verdict);
	SPF_dns_rr_t *rr = SPF_dns_lookup(server->resolver->layer_below, domain, ns_t_txt, 1);
	SPF_errcode_t err;
	if (rr->herrno == TRY_AGAIN || (rr->herrno != NETDB_SUCCESS && !rr_is_void(rr))) {
		err = record_error(resp, SPF_RESULT_TEMPERROR, SPF_E_DNS_ERROR, "%s: %s", domain,
				   "temporary DNS failure");
		SPF_dns_rr_free(rr);
		return err;
	}
	int found = 0, idx = 0;
	for (int i = 0; rr->herrno == NETDB_SUCCESS && i < rr->num_rr; i++) {
		if (is_spf_record(rr->rr[i]->txt)) {
			found++;
			idx = i;
		}
	}
	if (found != 1) {
		err = found == 0 ? record_error(resp, SPF_RESULT_NONE, SPF_E_NOT_SPF, "%s: %s",
						domain, "no SPF record")
				 : record_error(resp, SPF_RESULT_PERMERROR, SPF_E_MULTIPLE_RECORDS,
						"%s: %s", domain, "multiple SPF records");
		SPF_dns_rr_free(rr);
		return err;
	}
	char *reason = NULL;
	if (!spf_guard_record(rr->rr[idx]->txt, &reason)) {
		snprintf(eng->eval.verdict, sizeof(eng->eval.verdict), "%s: %s", domain, reason);
		err = record_error(resp, SPF_RESULT_PERMERROR, SPF_E_SYNTAX, "%s: %s", domain,
				   reason);
		free(reason);
		SPF_dns_rr_free(rr);
		return err;
	}
	err = SPF_record_compile(server, resp, recordp, rr->rr[idx]->txt);
	SPF_dns_rr_free(rr);
	if (err != SPF_E_SUCCESS) {
		if (*recordp != NULL) {
			SPF_record_free(*recordp);
			*recordp = NULL;
		}
		return record_error(resp, SPF_RESULT_PERMERROR, err, "%s: %s", domain,
				    "invalid SPF record");
	}
	return SPF_E_SUCCESS;
}

/* ---- libspf2 log routing ---- */

static void spf_log_error(const char *file, int line, const char *msg) __attribute__((noreturn));
static void spf_log_error(const char *file, int line, const char *msg)
{
	log_panic("libspf2 %s:%d: %s", file ? file : "?", line, msg);
}

static void spf_log_debug(const char *file, int line, const char *msg)
{
	log_debug(2, "libspf2 %s:%d: %s", file ? file : "?", line, msg);
}

void spf_engine_library_init(void)
{
	SPF_error_handler = spf_log_error;
	SPF_warning_handler = spf_log_debug;
	SPF_info_handler = spf_log_debug;
	SPF_debug_handler = spf_log_debug;
}

/* ---- engine ---- */

static void guard_destroy(SPF_dns_server_t *layer)
{
	SPF_dns_free(layer->layer_below);
	free(layer);
}

int spf_engine_new(const char *receiver, struct spf_cache *dns_cache, struct spf_engine **engine_r,
		   char **error_r)
{
	SPF_dns_server_t *below = spf_dns_new(dns_cache, error_r);
	if (below == NULL)
		return -1;
	struct spf_engine *eng = xcalloc(1, sizeof(*eng));
	eng->guard = xcalloc(1, sizeof(*eng->guard));
	eng->guard->destroy = guard_destroy;
	eng->guard->lookup = guard_lookup;
	eng->guard->get_spf = guard_get_spf;
	eng->guard->layer_below = below;
	eng->guard->name = "postern-guard";
	eng->guard->hook = eng;
	eng->server = SPF_server_new_dns(eng->guard, 0);
	if (eng->server == NULL) {
		guard_destroy(eng->guard);
		free(eng);
		*error_r = xstrdup("libspf2: cannot create a server");
		return -1;
	}
	/* Our guard enforces the RFC limits; libspf2's must not be stricter. */
	SPF_server_set_max_dns_mech(eng->server, 1000);
	SPF_server_set_max_dns_mx(eng->server, SPF_GUARD_MAX_MX);
	SPF_server_set_max_dns_ptr(eng->server, SPF_GUARD_MAX_MX);
	SPF_response_t *resp = NULL;
	if (receiver != NULL && *receiver != '\0')
		SPF_server_set_rec_dom(eng->server, receiver);
	SPF_server_set_explanation(eng->server,
				   "%{o}%_does%_not%_allow%_%{i}%_to%_send%_mail%_as%_%{s}", &resp);
	if (resp != NULL)
		SPF_response_free(resp);
	*engine_r = eng;
	return 1;
}

void spf_engine_free(struct spf_engine **ep)
{
	if (*ep == NULL)
		return;
	/* A server made with SPF_server_new_dns() leaves its resolver alone:
	 * our layer destroys the one below it. */
	SPF_server_free((*ep)->server);
	guard_destroy((*ep)->guard);
	FREE_AND_NULL(*ep);
}

void spf_engine_set_answers(struct spf_engine *eng, struct spf_cache *answers, int offline)
{
	spf_dns_set_answers(eng->guard->layer_below, answers, offline);
}

const char *spf_engine_missing(struct spf_engine *eng, int *type_r)
{
	return spf_dns_missing(eng->guard->layer_below, type_r);
}

int spf_engine_known(struct spf_engine *eng, const char *domain, int type)
{
	return spf_dns_known(eng->guard->layer_below, domain, type);
}

void spf_engine_add_answer(struct spf_engine *eng, const char *domain, int type,
			   const unsigned char *answer, int len)
{
	spf_dns_add_answer(eng->guard->layer_below, domain, type, answer, len);
}

void spf_outcome_deinit(struct spf_outcome *out)
{
	FREE_AND_NULL(out->explanation);
	FREE_AND_NULL(out->comment);
}

static enum spf_result map_result(SPF_result_t r)
{
	switch (r) {
	case SPF_RESULT_NEUTRAL:
		return SPF_R_NEUTRAL;
	case SPF_RESULT_PASS:
		return SPF_R_PASS;
	case SPF_RESULT_FAIL:
		return SPF_R_FAIL;
	case SPF_RESULT_SOFTFAIL:
		return SPF_R_SOFTFAIL;
	case SPF_RESULT_NONE:
		return SPF_R_NONE;
	case SPF_RESULT_TEMPERROR:
		return SPF_R_TEMPERROR;
	default:
		return SPF_R_PERMERROR;
	}
}

/* identity_domain_ok: a domain that can have a record (RFC 7208 4.3):
 * at least two labels, none empty or over 63 octets, no address literal. */
static int identity_domain_ok(const char *domain)
{
	size_t len = strlen(domain);
	if (len > 0 && domain[len - 1] == '.')
		len--;
	if (len == 0 || len > 253 || domain[0] == '[' || memchr(domain, '.', len) == NULL)
		return 0;
	size_t label = 0;
	for (size_t i = 0; i < len; i++) {
		if (domain[i] == '.') {
			if (label == 0)
				return 0;
			label = 0;
		} else if (++label > 63) {
			return 0;
		}
	}
	return label > 0;
}

static int set_client(SPF_request_t *req, const char *ip)
{
	struct in_addr a4;
	struct in6_addr a6;
	if (inet_pton(AF_INET, ip, &a4) == 1)
		return SPF_request_set_ipv4(req, a4) == SPF_E_SUCCESS;
	if (inet_pton(AF_INET6, ip, &a6) == 1)
		return SPF_request_set_ipv6(req, a6) == SPF_E_SUCCESS;
	return 0;
}

void spf_engine_check(struct spf_engine *eng, const struct spf_query *q, struct spf_outcome *out)
{
	memset(out, 0, sizeof(*out));
	spf_guard_eval_reset(&eng->eval);
	SPF_request_t *req = SPF_request_new(eng->server);
	SPF_response_t *resp = NULL;
	char *from = NULL;
	if (!set_client(req, q->client_ip)) {
		out->result = SPF_R_PERMERROR;
		out->comment = xasprintf("invalid client address \"%s\"", q->client_ip);
		goto done;
	}
	if (q->identity == SPF_ID_HELO || q->sender[0] == '\0')
		from = xasprintf("postmaster@%s", q->helo);
	else if (strchr(q->sender, '@') == NULL)
		from = xasprintf("postmaster@%s", q->sender);
	else
		from = xstrdup(q->sender);
	const char *domain = strrchr(from, '@') + 1;
	if (!identity_domain_ok(domain)) {
		/* RFC 7208 4.3: no valid domain, no record to look up. */
		out->result = SPF_R_NONE;
		out->comment = xasprintf("no domain to check in \"%s\"", from);
		goto done;
	}
	if (q->helo[0] != '\0')
		SPF_request_set_helo_dom(req, q->helo);
	if (SPF_request_set_env_from(req, from) != 0) {
		out->result = SPF_R_NONE;
		out->comment = xasprintf("cannot use \"%s\" as identity", from);
		goto done;
	}
	SPF_request_query_mailfrom(req, &resp);
	if (spf_guard_eval_failed(&eng->eval)) {
		out->result = SPF_R_PERMERROR;
		out->comment = xstrdup(eng->eval.verdict);
		goto done;
	}
	out->result = resp != NULL ? map_result(SPF_response_result(resp)) : SPF_R_PERMERROR;
	const char *comment = resp != NULL ? SPF_response_get_header_comment(resp) : NULL;
	out->comment = xstrdup(comment != NULL ? comment : spf_result_name(out->result));
	if (out->result == SPF_R_FAIL) {
		const char *exp = SPF_response_get_explanation(resp);
		out->explanation = xstrdup(exp != NULL ? exp : "");
	}
done:
	free(from);
	if (resp != NULL)
		SPF_response_free(resp);
	SPF_request_free(req);
}
