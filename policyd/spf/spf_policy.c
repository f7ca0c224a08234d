/* spf_policy.c: what postern-spf answers to a request (see spf_policy.h).
 * The Received-SPF header follows RFC 7208 section 9.1: result, a comment,
 * then client-ip, envelope-from, helo, receiver (unless hidden) and
 * identity as key=value pairs. */
#include "config.h"

#include "spf_policy.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "log.h"
#include "mem.h"

/* take: the string built in b (caller frees); b is released. */
static char *take(struct buf *b)
{
	char *s = buf_detach(b);
	buf_deinit(b);
	return s;
}

static const char *attr(const struct policy_attrs *req, const char *name)
{
	const char *v = policy_attrs_get(req, name);
	return v != NULL ? v : "";
}

static const char *sender_domain(const char *sender)
{
	const char *at = strrchr(sender, '@');
	return at != NULL ? at + 1 : sender;
}

int spf_policy_skip(const struct spf_conf *conf, const struct policy_attrs *req, char **action_r,
		    char **why_r)
{
	const char *ip = attr(req, "client_address");
	const char *state = attr(req, "protocol_state");
	char *err = NULL;
	int rc;
	*action_r = NULL;
	if (*state != '\0' && strcasecmp(state, "RCPT") != 0) {
		*why_r = xasprintf("not checked at protocol_state=%s", state);
		goto dunno;
	}
	if (*attr(req, "sasl_username") != '\0') {
		*why_r = xasprintf("authenticated client sasl_username=%s", attr(req, "sasl_username"));
		goto dunno;
	}
	if ((rc = spf_list_match_addr(conf->skip_addresses, ip, &err)) != 0) {
		if (rc < 0)
			goto failed;
		*why_r = xasprintf("client %s is in skip_addresses", ip);
		goto dunno;
	}
	if ((rc = spf_list_match_addr(conf->whitelist, ip, &err)) != 0) {
		if (rc < 0)
			goto failed;
		*why_r = xasprintf("client %s is in whitelist", ip);
		goto dunno;
	}
	if ((rc = spf_list_match_domain(conf->helo_whitelist, attr(req, "helo_name"), &err)) != 0) {
		if (rc < 0)
			goto failed;
		*why_r = xasprintf("helo %s is in helo_whitelist", attr(req, "helo_name"));
		goto dunno;
	}
	rc = spf_list_match_domain(conf->domain_whitelist, sender_domain(attr(req, "sender")), &err);
	if (rc != 0) {
		if (rc < 0)
			goto failed;
		*why_r = xasprintf("sender domain of %s is in domain_whitelist", attr(req, "sender"));
		goto dunno;
	}
	*why_r = NULL;
	return 0;
dunno:
	*action_r = xstrdup("DUNNO");
	return 1;
failed:
	*why_r = err;
	return -1;
}

char *spf_policy_cache_key(const struct policy_attrs *req)
{
	return xasprintf("%s\n%s\n%s", attr(req, "client_address"), attr(req, "helo_name"),
			 attr(req, "sender"));
}

/* rejects: does mode reject result r? */
static int rejects(enum spf_reject_mode mode, enum spf_result r, int sender_null)
{
	switch (mode) {
	case SPF_REJECT_FAIL:
		return r == SPF_R_FAIL;
	case SPF_REJECT_SOFTFAIL:
		return r == SPF_R_FAIL || r == SPF_R_SOFTFAIL;
	case SPF_REJECT_NOT_PASS:
		return r != SPF_R_PASS && r != SPF_R_TEMPERROR;
	case SPF_REJECT_NULL:
		return r == SPF_R_FAIL && sender_null;
	default:
		return 0;
	}
}

/* clean: a value safe inside a header field (no CR, LF or quotes). */
static void append_clean(struct buf *b, const char *s)
{
	for (; *s != '\0'; s++)
		buf_append_char(b, (*s == '\r' || *s == '\n' || *s == '"') ? '?' : *s);
}

static char *header(const struct spf_conf *conf, const struct spf_query *q,
		    const struct spf_outcome *o)
{
	const char *id = q->identity == SPF_ID_HELO ? "helo" : "mailfrom";
	struct buf b;
	buf_init(&b, 0);
	if (conf->header_type == SPF_HEADER_AR) {
		buf_printf(&b, "PREPEND Authentication-Results: %s; spf=%s smtp.%s=",
			   conf->authserv_id, spf_result_name(o->result), id);
		append_clean(&b, q->identity == SPF_ID_HELO || q->sender[0] == '\0' ? q->helo
										     : q->sender);
		return take(&b);
	}
	buf_printf(&b, "PREPEND Received-SPF: %s (%s) client-ip=%s; envelope-from=\"",
		   spf_result_name(o->result), id, q->client_ip);
	append_clean(&b, q->sender);
	buf_append_str(&b, "\"; helo=");
	append_clean(&b, q->helo);
	buf_append_str(&b, "; receiver=");
	append_clean(&b, conf->hide_receiver ? "<UNKNOWN>" : conf->receiver);
	buf_printf(&b, "; identity=%s", id);
	return take(&b);
}

char *spf_policy_action(const struct spf_conf *conf, const struct spf_query *q,
			const struct spf_outcome *o, int sender_null)
{
	enum spf_reject_mode mode =
		q->identity == SPF_ID_HELO ? conf->helo_reject : conf->mail_from_reject;
	if (rejects(mode, o->result, sender_null)) {
		struct buf b;
		buf_init(&b, 0);
		buf_printf(&b, "550 5.7.23 Message rejected due to: SPF %s: ",
			   spf_result_name(o->result));
		append_clean(&b, o->explanation != NULL && *o->explanation ? o->explanation
									   : o->comment);
		return take(&b);
	}
	if (o->result == SPF_R_TEMPERROR && conf->temperror_defer)
		return xasprintf("DEFER_IF_PERMIT 4.4.3 SPF temperror for %s: try again later",
				 q->identity == SPF_ID_HELO ? "HELO" : "MAIL FROM");
	if (o->result == SPF_R_PERMERROR && conf->permerror_reject)
		return xasprintf("550 5.5.2 SPF permerror for %s: the domain's SPF record is invalid",
				 q->identity == SPF_ID_HELO ? "HELO" : "MAIL FROM");
	if (conf->header_type == SPF_HEADER_NONE)
		return xstrdup("DUNNO");
	return header(conf, q, o);
}

/* is_refusal: a 4NN/5NN reply or a DEFER action (they end the check). */
static int is_refusal(const char *action)
{
	return action[0] == '4' || action[0] == '5' || strncasecmp(action, "DEFER", 5) == 0;
}

char *spf_policy_evaluate(const struct spf_conf *conf, struct spf_engine *engine,
			  const struct policy_attrs *req, char **log_r)
{
	struct spf_query q = {
		.client_ip = attr(req, "client_address"),
		.helo = attr(req, "helo_name"),
		.sender = attr(req, "sender"),
	};
	int sender_null = q.sender[0] == '\0';
	struct buf log;
	buf_init(&log, 0);
	char *helo_action = NULL;
	if (conf->helo_reject != SPF_REJECT_NO_CHECK && q.helo[0] != '\0') {
		struct spf_outcome o;
		q.identity = SPF_ID_HELO;
		spf_engine_check(engine, &q, &o);
		buf_printf(&log, "helo=%s (%s)", spf_result_name(o.result), o.comment);
		helo_action = spf_policy_action(conf, &q, &o, sender_null);
		spf_outcome_deinit(&o);
		/* A refusal for HELO ends it; with the null sender the HELO
		 * result is the only one (RFC 7208 2.4). */
		if (sender_null || is_refusal(helo_action)) {
			*log_r = take(&log);
			return helo_action;
		}
	}
	if (conf->mail_from_reject == SPF_REJECT_NO_CHECK || sender_null) {
		*log_r = take(&log);
		return helo_action != NULL ? helo_action : xstrdup("DUNNO");
	}
	struct spf_outcome o;
	q.identity = SPF_ID_MAILFROM;
	spf_engine_check(engine, &q, &o);
	buf_printf(&log, "%smailfrom=%s (%s)", buf_len(&log) ? " " : "",
		   spf_result_name(o.result), o.comment);
	char *action = spf_policy_action(conf, &q, &o, sender_null);
	spf_outcome_deinit(&o);
	free(helo_action);
	*log_r = take(&log);
	return action;
}
