/* sasl_server.c: one SMTP session's side of SMTP AUTH (see
 * sasl_server.h): which mechanisms to offer, the checks Postfix makes
 * before AUTH, the conversation steps handed to the back-end, and the
 * replies and log lines of the outcome.
 */
#include "sasl_private.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include "log.h"
#include "mem.h"

int sasl_backend_new(const struct sasl_server_conf *conf, struct event_base *base,
		     struct sasl_backend **be_r, char **error_r)
{
	if (conf->type == SASL_TYPE_PASSWD_FILE)
		return sasl_passwd_new(conf, base, be_r, error_r);
	return sasl_dovecot_new(conf, base, be_r, error_r);
}

void sasl_backend_init(struct sasl_backend *be, const struct sasl_server_conf *conf,
		       struct event_base *base, const struct sasl_backend_ops *ops)
{
	be->type = conf->type;
	be->path = xstrdup(conf->path);
	if (conf->n_auth_addrs > 0)
		be->addrs =
			xmemdup(conf->auth_addrs, conf->n_auth_addrs * sizeof(*conf->auth_addrs));
	be->n_addrs = conf->n_auth_addrs;
	be->base = base;
	be->ops = ops;
}

void sasl_backend_free(struct sasl_backend **bep)
{
	struct sasl_backend *be = *bep;
	if (be == NULL)
		return;
	for (size_t i = 0; i < be->n_mechs; i++)
		free(be->mechs[i].name);
	free(be->mechs);
	free(be->path);
	free(be->addrs);
	be->ops->free(be);
	*bep = NULL;
}

struct sasl_server *sasl_server_new(struct sasl_backend *be, const struct sasl_server_conf *conf,
				    const struct sasl_peer *peer)
{
	struct sasl_server *s = xcalloc(1, sizeof(*s));
	s->be = be;
	s->conf = conf;
	s->namaddr = xstrdup(peer->namaddr);
	s->client_addr = xstrdup(peer->client_addr);
	s->client_port = peer->client_port;
	s->server_addr = xstrdup(peer->server_addr);
	s->server_port = peer->server_port;
	return s;
}

static void sasl_server_unwait(struct sasl_server *s)
{
	for (struct sasl_server **p = &s->be->waiters; *p != NULL; p = &(*p)->next_waiter)
		if (*p == s) {
			*p = s->next_waiter;
			break;
		}
	s->mechs_cb = NULL;
}

void sasl_server_free(struct sasl_server **sp)
{
	struct sasl_server *s = *sp;
	if (s == NULL)
		return;
	s->be->ops->cancel(s);
	if (s->mechs_cb != NULL)
		sasl_server_unwait(s);
	free(s->namaddr);
	free(s->client_addr);
	free(s->server_addr);
	free(s->mech);
	free(s->attempt_user);
	free(s->username);
	free(s->method);
	free(s);
	*sp = NULL;
}

void sasl_server_set_tls(struct sasl_server *s, int active)
{
	s->tls = active;
}

/* sasl_mech_allowed: may mech be offered under the security options? */
static int sasl_mech_allowed(const struct sasl_mech *m, unsigned opts)
{
	if ((m->flags & SASL_MECH_PRIVATE) ||
	    ((opts & SASL_SEC_NOPLAINTEXT) && (m->flags & SASL_MECH_PLAINTEXT)) ||
	    ((opts & SASL_SEC_NOACTIVE) && (m->flags & SASL_MECH_ACTIVE)) ||
	    ((opts & SASL_SEC_NODICTIONARY) && (m->flags & SASL_MECH_DICTIONARY)) ||
	    ((opts & SASL_SEC_NOANONYMOUS) && (m->flags & SASL_MECH_ANONYMOUS)))
		return 0;
	if (((opts & SASL_SEC_MUTUAL_AUTH) && !(m->flags & SASL_MECH_MUTUAL_AUTH)) ||
	    ((opts & SASL_SEC_FORWARD_SECRECY) && !(m->flags & SASL_MECH_FORWARD_SECRECY)))
		return 0;
	return 1;
}

/* sasl_server_offered: the mechanisms to offer now, space-separated
 * (malloc'd), or NULL for none. */
static char *sasl_server_offered(const struct sasl_server *s)
{
	const struct sasl_server_conf *conf = s->conf;
	if (!conf->enable || (conf->tls_auth_only && !s->tls) || !s->be->ready)
		return NULL;
	unsigned opts = s->tls ? conf->tls_sec_opts : conf->sec_opts;
	struct buf list;
	buf_init(&list, 0);
	for (size_t i = 0; i < s->be->n_mechs; i++)
		if (sasl_mech_allowed(&s->be->mechs[i], opts))
			buf_printf(&list, "%s%s", list.len ? " " : "", s->be->mechs[i].name);
	if (list.len == 0) {
		buf_deinit(&list);
		return NULL;
	}
	char *r = buf_detach(&list);
	buf_deinit(&list);
	return r;
}

char *sasl_server_mechs_now(struct sasl_server *s)
{
	if (!s->be->ready && s->conf->enable)
		s->be->ops->ensure(s->be);
	return sasl_server_offered(s);
}

static void sasl_server_answer_mechs(struct sasl_server *s)
{
	sasl_mechs_fn *cb = s->mechs_cb;
	void *arg = s->mechs_arg;
	s->mechs_cb = NULL;
	char *mechs = sasl_server_offered(s);
	cb(arg, mechs);
	free(mechs);
}

void sasl_server_mechs(struct sasl_server *s, sasl_mechs_fn *cb, void *arg)
{
	const struct sasl_server_conf *conf = s->conf;
	s->mechs_cb = cb;
	s->mechs_arg = arg;
	/* Wait for the back-end even when nothing is offered yet (TLS first):
	 * it is then ready when STARTTLS makes AUTH possible. */
	if (!conf->enable || s->be->ready) {
		sasl_server_answer_mechs(s);
		return;
	}
	s->next_waiter = s->be->waiters;
	s->be->waiters = s;
	s->be->ops->ensure(s->be);
}

void sasl_backend_ready(struct sasl_backend *be)
{
	while (be->waiters != NULL) {
		struct sasl_server *s = be->waiters;
		be->waiters = s->next_waiter;
		sasl_server_answer_mechs(s);
	}
}

/* sasl_printable: s with control and 8-bit characters as '?', for logs. */
static char *sasl_printable(const char *s)
{
	char *p = xstrdup(s);
	for (char *q = p; *q; q++)
		if (!isprint((unsigned char)*q))
			*q = '?';
	return p;
}

void sasl_server_result(struct sasl_server *s, enum sasl_status status, const char *challenge,
			const char *username, const char *reason, int temp)
{
	struct sasl_result res = {.status = status};
	sasl_step_fn *cb = s->cb;
	void *arg = s->arg;
	if (status == SASL_CONTINUE) {
		res.challenge = challenge;
		cb(arg, &res);
		return;
	}
	s->busy = 0;
	if (status == SASL_OK) {
		s->username = sasl_printable(username);
		s->method = xstrdup(s->mech);
		res.mechanism = s->method;
		res.username = s->username;
		cb(arg, &res);
		return;
	}
	char *why = sasl_printable(reason != NULL && *reason ? reason : "(reason unavailable)");
	char *who = username != NULL ? sasl_printable(username) : NULL;
	if (who != NULL && username != s->attempt_user) {
		free(s->attempt_user);
		s->attempt_user = xstrdup(who);
	}
	log_warn("%s: SASL %s authentication failed: %s, sasl_username=%s", s->namaddr, s->mech,
		 why, who != NULL ? who : "(unavailable)");
	res.reply = smtp_reply_new(temp ? SMTP_R_AUTH_TEMPFAIL : SMTP_R_AUTH_FAILED, why, NULL);
	free(why);
	free(who);
	cb(arg, &res);
	smtp_reply_free(&res.reply);
}

/* sasl_server_fail_now: a failure found before the back-end is asked.
 * Like Postfix, the log names the last user the session tried. */
static void sasl_server_fail_now(struct sasl_server *s, const char *reason, int temp)
{
	s->busy = 1;
	sasl_server_result(s, SASL_FAIL, NULL, s->attempt_user, reason, temp);
}

void sasl_server_start(struct sasl_server *s, const char *mech, const char *initial_response,
		       sasl_step_fn *cb, void *arg)
{
	s->cb = cb;
	s->arg = arg;
	free(s->mech);
	s->mech = xstrdup(mech);
	for (char *p = s->mech; *p; p++)
		*p = (char)toupper((unsigned char)*p);
	char *offered = sasl_server_offered(s);
	int known = 0;
	if (offered != NULL) {
		char *save, *word;
		for (word = strtok_r(offered, " ", &save); word != NULL && !known;
		     word = strtok_r(NULL, " ", &save))
			known = strcmp(word, s->mech) == 0;
	}
	free(offered);
	if (!s->be->ready && s->conf->enable) {
		sasl_server_fail_now(s, "Can't connect to authentication server", 1);
		return;
	}
	if (!known) {
		sasl_server_fail_now(s, "Invalid authentication mechanism", 0);
		return;
	}
	/* RFC 4954 4: "=" is an empty initial response. */
	if (initial_response != NULL && strcmp(initial_response, "=") == 0)
		initial_response = "";
	if (initial_response != NULL && !sasl_base64_valid(initial_response)) {
		sasl_server_fail_now(s, "Invalid base64 data in initial response", 0);
		return;
	}
	s->busy = 1;
	s->be->ops->start(s, s->mech, initial_response);
}

void sasl_server_step(struct sasl_server *s, const char *response, sasl_step_fn *cb, void *arg)
{
	s->cb = cb;
	s->arg = arg;
	if (strcmp(response, "*") == 0) {
		s->be->ops->cancel(s);
		s->busy = 0;
		log_warn("%s: SASL %s authentication aborted", s->namaddr, s->mech);
		struct sasl_result res = {.status = SASL_FAIL};
		res.reply = smtp_reply_new(SMTP_R_AUTH_ABORTED, NULL);
		cb(arg, &res);
		smtp_reply_free(&res.reply);
		return;
	}
	if (!sasl_base64_valid(response)) {
		s->be->ops->cancel(s);
		sasl_server_result(s, SASL_FAIL, NULL, s->attempt_user,
				   "Invalid base64 data in continued response", 0);
		return;
	}
	s->be->ops->step(s, response);
}

void sasl_server_cancel(struct sasl_server *s)
{
	s->be->ops->cancel(s);
	s->busy = 0;
}

enum smtp_reply_id sasl_server_auth_allowed(const struct sasl_server *s, int in_mail, int argc)
{
	if (s == NULL || !s->conf->enable || (s->conf->tls_auth_only && !s->tls))
		return SMTP_R_AUTH_NOT_ENABLED;
	if (in_mail)
		return SMTP_R_AUTH_IN_MAIL;
	if (s->username != NULL)
		return SMTP_R_AUTH_ALREADY;
	if (argc < 2 || argc > 3)
		return SMTP_R_SYNTAX_AUTH;
	return SMTP_R__COUNT;
}

int sasl_base64_valid(const char *s)
{
	return s[strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=")] ==
	       '\0';
}

int sasl_base64_decode(const char *s, char **out_r, size_t *len_r)
{
	size_t n = strlen(s);
	if (n % 4 != 0 || !sasl_base64_valid(s))
		return -1;
	size_t pad = n > 0 && s[n - 1] == '=' ? (n > 1 && s[n - 2] == '=' ? 2 : 1) : 0;
	/* '=' only as padding at the very end. */
	if (strchr(s, '=') != NULL && (size_t)(strchr(s, '=') - s) != n - pad)
		return -1;
	unsigned char *out = xmalloc(n / 4 * 3 + 1);
	int len = n > 0 ? EVP_DecodeBlock(out, (const unsigned char *)s, (int)n) : 0;
	if (len < 0) {
		free(out);
		return -1;
	}
	len -= (int)pad;
	out[len] = '\0';
	*out_r = (char *)out;
	*len_r = (size_t)len;
	return 1;
}
