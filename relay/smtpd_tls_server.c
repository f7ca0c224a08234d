/* smtpd_tls_server.c: a listener's TLS settings read from its view (see
 * smtpd_tls.h): the security level with Postfix's legacy fallbacks, the
 * booleans the session consults, and the SSL_CTX.
 */
#include "smtpd_tls.h"

#include <stdlib.h>
#include <string.h>

#include "cfg_expand.h"
#include "cfg_value.h"
#include "log.h"
#include "mem.h"

/* smtpd_tls_value: the expanded value of name, "" when undefined. */
static int smtpd_tls_value(const struct cfg *view, const char *name, char **value_r, char **error_r)
{
	int ret = cfg_expand_param(view, name, value_r, error_r);
	if (ret == 0)
		*value_r = xstrdup("");
	return ret < 0 ? -1 : 1;
}

static int smtpd_tls_bool(const struct cfg *view, const char *name, int *r, char **error_r)
{
	char *value, *why;
	if (smtpd_tls_value(view, name, &value, error_r) < 0)
		return -1;
	int ret = *value == '\0' ? (*r = 0, 1) : cfg_value_bool(value, r, &why);
	free(value);
	if (ret < 0) {
		*error_r = xasprintf("%s: %s", name, why);
		free(why);
	}
	return ret;
}

static int smtpd_tls_level(const struct cfg *view, enum smtpd_tls_level *level_r, char **error_r)
{
	char *value;
	int enforce, use;
	if (smtpd_tls_value(view, "smtpd_tls_security_level", &value, error_r) < 0)
		return -1;
	int ret = 1;
	if (strcmp(value, "none") == 0) {
		*level_r = SMTPD_TLS_NONE;
	} else if (strcmp(value, "may") == 0) {
		*level_r = SMTPD_TLS_MAY;
	} else if (strcmp(value, "encrypt") == 0) {
		*level_r = SMTPD_TLS_ENCRYPT;
	} else if (*value != '\0') {
		*error_r = xasprintf("smtpd_tls_security_level: invalid level \"%s\" (expected "
				     "none, may or encrypt)",
				     value);
		ret = -1;
	} else if (smtpd_tls_bool(view, "smtpd_enforce_tls", &enforce, error_r) < 0 ||
		   smtpd_tls_bool(view, "smtpd_use_tls", &use, error_r) < 0) {
		ret = -1;
	} else {
		/* Postfix < 2.3 parameters, used when the level is empty. */
		*level_r = enforce ? SMTPD_TLS_ENCRYPT : use ? SMTPD_TLS_MAY : SMTPD_TLS_NONE;
	}
	free(value);
	return ret;
}

/* smtpd_tls_have_cert: does the view name a certificate at all? */
static int smtpd_tls_have_cert(const struct cfg *view, int *have_r, char **error_r)
{
	char *chain, *cert;
	if (smtpd_tls_value(view, "smtpd_tls_chain_files", &chain, error_r) < 0)
		return -1;
	if (smtpd_tls_value(view, "smtpd_tls_cert_file", &cert, error_r) < 0) {
		free(chain);
		return -1;
	}
	*have_r = *chain != '\0' || *cert != '\0';
	free(chain);
	free(cert);
	return 1;
}

static int smtpd_tls_timeout(const struct cfg *view, long long *r, char **error_r)
{
	char *value, *why;
	if (smtpd_tls_value(view, "smtpd_starttls_timeout", &value, error_r) < 0)
		return -1;
	int ret = cfg_value_time(*value ? value : "300s", 's', r, &why);
	free(value);
	if (ret < 0) {
		*error_r = xasprintf("smtpd_starttls_timeout: %s", why);
		free(why);
	} else if (*r <= 0) {
		*error_r = xstrdup("smtpd_starttls_timeout: must be greater than zero");
		ret = -1;
	}
	return ret;
}

int smtpd_tls_server_new(const struct cfg *view, struct smtpd_tls_server **srv_r, char **error_r)
{
	struct smtpd_tls_server *srv = xcalloc(1, sizeof(*srv));
	int have_cert = 0;
	if (smtpd_tls_level(view, &srv->level, error_r) < 0 ||
	    smtpd_tls_bool(view, "smtpd_tls_wrappermode", &srv->wrappermode, error_r) < 0 ||
	    smtpd_tls_bool(view, "smtpd_tls_auth_only", &srv->auth_only, error_r) < 0 ||
	    smtpd_tls_bool(view, "smtpd_tls_received_header", &srv->received_header, error_r) < 0 ||
	    smtpd_tls_timeout(view, &srv->timeout, error_r) < 0 ||
	    smtpd_tls_have_cert(view, &have_cert, error_r) < 0)
		goto fail;
	int enforce = srv->wrappermode || srv->level == SMTPD_TLS_ENCRYPT;
	if (srv->level == SMTPD_TLS_NONE && !srv->wrappermode) {
		*srv_r = srv;
		return 1;
	}
	if (!have_cert && !enforce) {
		log_warn("no server certificate (smtpd_tls_chain_files, smtpd_tls_cert_file): "
			 "TLS will not be offered");
		srv->level = SMTPD_TLS_NONE;
		*srv_r = srv;
		return 1;
	}
	if (tls_ctx_new(view, TLS_CTX_SERVER, "smtpd", enforce, &srv->ctx, error_r) < 0)
		goto fail;
	srv->ask_ccert = srv->ctx->ask_ccert;
	srv->loglevel = srv->ctx->loglevel;
	*srv_r = srv;
	return 1;
fail:
	smtpd_tls_server_free(&srv);
	return -1;
}

void smtpd_tls_server_free(struct smtpd_tls_server **srvp)
{
	struct smtpd_tls_server *srv = *srvp;
	if (srv == NULL)
		return;
	tls_ctx_free(&srv->ctx);
	free(srv);
	*srvp = NULL;
}

int smtpd_tls_offer_starttls(const struct smtpd_tls_server *srv, int tls_active)
{
	return srv->ctx != NULL && srv->level != SMTPD_TLS_NONE && !srv->wrappermode && !tls_active;
}
