/* tls_ctx.c: an SSL_CTX from a daemon's Postfix TLS parameters (see
 * tls_ctx.h): protocols, ciphers, options, certificates, trust anchors,
 * client certificate requests and the session cache.
 */
#include "tls_ctx_private.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cfg_expand.h"
#include "cfg_value.h"
#include "log.h"
#include "mem.h"

int tls_ctx_param(const struct cfg *view, const char *prefix, const char *name, char **value_r,
		  char **error_r)
{
	char *param =
		prefix != NULL ? xasprintf("%s_tls_%s", prefix, name) : xasprintf("tls_%s", name);
	int ret = cfg_expand_param(view, param, value_r, error_r);
	free(param);
	if (ret == 0)
		*value_r = xstrdup("");
	return ret < 0 ? -1 : 1;
}

char *tls_ctx_error(void)
{
	struct buf b;
	buf_init(&b, 0);
	unsigned long err;
	char text[256];
	while ((err = ERR_get_error()) != 0) {
		ERR_error_string_n(err, text, sizeof(text));
		buf_printf(&b, "%s%s", b.len ? "; " : "", text);
	}
	char *s = buf_detach(&b);
	buf_deinit(&b);
	return s;
}

/* tls_ctx_value_error: "PARAM: why (\"value\")" from a parse error. */
static int tls_ctx_value_error(const char *prefix, const char *name, char *why, char **error_r)
{
	if (prefix != NULL)
		*error_r = xasprintf("%s_tls_%s: %s", prefix, name, why);
	else
		*error_r = xasprintf("tls_%s: %s", name, why);
	free(why);
	return -1;
}

static int tls_ctx_bool(const struct cfg *view, const char *prefix, const char *name, int *r,
			char **error_r)
{
	char *value, *why = NULL;
	if (tls_ctx_param(view, prefix, name, &value, error_r) < 0)
		return -1;
	int ret = *value == '\0' ? (*r = 0, 1) : cfg_value_bool(value, r, &why);
	free(value);
	return ret < 0 ? tls_ctx_value_error(prefix, name, why, error_r) : 1;
}

static int tls_ctx_int(const struct cfg *view, const char *prefix, const char *name, long long min,
		       long long max, long long *r, char **error_r)
{
	char *value, *why = NULL;
	if (tls_ctx_param(view, prefix, name, &value, error_r) < 0)
		return -1;
	int ret = cfg_value_int(value, min, max, r, &why);
	free(value);
	return ret < 0 ? tls_ctx_value_error(prefix, name, why, error_r) : 1;
}

/* tls_ctx_protocols: the protocol list in force, applied to ssl_ctx. */
static int tls_ctx_protocols(struct tls_ctx *tc, const struct cfg *view, const char *prefix,
			     int mandatory, char **error_r)
{
	const char *name = mandatory ? "mandatory_protocols" : "protocols";
	char *why;
	struct tls_protocols p;
	if (tls_ctx_param(view, prefix, name, &tc->protocols, error_r) < 0)
		return -1;
	if (tls_protocols_parse(tc->protocols, &p, &why) < 0)
		return tls_ctx_value_error(prefix, name, why, error_r);
	SSL_CTX_set_options(tc->ssl_ctx, p.ssl_op);
	if ((p.min_version && !SSL_CTX_set_min_proto_version(tc->ssl_ctx, p.min_version)) ||
	    (p.max_version && !SSL_CTX_set_max_proto_version(tc->ssl_ctx, p.max_version))) {
		ERR_clear_error();
		why = xasprintf("a protocol version OpenSSL does not know in \"%s\"",
				tc->protocols);
		return tls_ctx_value_error(prefix, name, why, error_r);
	}
	return 1;
}

/* tls_ctx_ciphers: the grade's cipher list less the exclusions. */
static int tls_ctx_ciphers(struct tls_ctx *tc, const struct cfg *view, const char *prefix,
			   int mandatory, char **error_r)
{
	const char *name = mandatory ? "mandatory_ciphers" : "ciphers";
	char *grade = NULL, *excl = NULL, *mexcl = NULL, *why;
	int ret = -1;
	if (tls_ctx_param(view, prefix, name, &grade, error_r) < 0 ||
	    tls_ctx_param(view, prefix, "exclude_ciphers", &excl, error_r) < 0 ||
	    tls_ctx_param(view, prefix, "mandatory_exclude_ciphers", &mexcl, error_r) < 0)
		goto out;
	char *all = mandatory ? xasprintf("%s %s", excl, mexcl) : xstrdup(excl);
	ret = tls_cipherlist(view, grade, all, &tc->cipherlist, &why);
	free(all);
	if (ret < 0) {
		tls_ctx_value_error(prefix, name, why, error_r);
	} else if (SSL_CTX_set_cipher_list(tc->ssl_ctx, tc->cipherlist) != 1) {
		char *ossl = tls_ctx_error();
		why = xasprintf("no usable cipher in \"%s\": %s", tc->cipherlist, ossl);
		free(ossl);
		ret = tls_ctx_value_error(prefix, name, why, error_r);
	}
out:
	free(grade);
	free(excl);
	free(mexcl);
	return ret;
}

static int tls_ctx_options(struct tls_ctx *tc, const struct cfg *view, char **error_r)
{
	char *value, *why;
	uint64_t ops;
	int preempt;
	if (tls_ctx_param(view, NULL, "ssl_options", &value, error_r) < 0)
		return -1;
	int ret = tls_ssl_options_parse(value, &ops, &why);
	free(value);
	if (ret < 0)
		return tls_ctx_value_error(NULL, "ssl_options", why, error_r);
	if (tls_ctx_bool(view, NULL, "preempt_cipherlist", &preempt, error_r) < 0)
		return -1;
	if (preempt && tc->role == TLS_CTX_SERVER)
		ops |= SSL_OP_CIPHER_SERVER_PREFERENCE;
	SSL_CTX_set_options(tc->ssl_ctx, SSL_OP_ALL | ops);
	return 1;
}

static int tls_ctx_trust(struct tls_ctx *tc, const struct cfg *view, const char *prefix,
			 char **error_r)
{
	char *file = NULL, *path = NULL;
	int ret = tls_ctx_param(view, prefix, "CAfile", &file, error_r) < 0 ||
				  tls_ctx_param(view, prefix, "CApath", &path, error_r) < 0
			  ? -1
			  : 1;
	if (ret == 1 && (*file || *path) &&
	    SSL_CTX_load_verify_locations(tc->ssl_ctx, *file ? file : NULL, *path ? path : NULL) !=
		    1) {
		char *why = tls_ctx_error();
		*error_r = xasprintf("%s_tls_%s: %s: cannot load trusted certificates: %s", prefix,
				     *file ? "CAfile" : "CApath", *file ? file : path, why);
		free(why);
		ret = -1;
	}
	/* The CA names sent with a client certificate request. */
	if (ret == 1 && tc->ask_ccert && *file) {
		STACK_OF(X509_NAME) *names = SSL_load_client_CA_file(file);
		if (names != NULL)
			SSL_CTX_set_client_CA_list(tc->ssl_ctx, names);
		ERR_clear_error();
	}
	free(file);
	free(path);
	return ret;
}

/* tls_ctx_accept_any: a client certificate never fails the handshake; the
 * verification result is kept for the session's facts (Postfix does the
 * same when a certificate is asked for but not required). */
static int tls_ctx_accept_any(int ok, X509_STORE_CTX *store)
{
	(void)ok;
	(void)store;
	return 1;
}

/* tls_ctx_info_cb: smtpd_tls_loglevel >= 2 logs the handshake's steps. */
static void tls_ctx_info_cb(const SSL *ssl, int where, int ret)
{
	SSL_CTX *ctx = SSL_get_SSL_CTX(ssl);
	intptr_t level = (intptr_t)SSL_CTX_get_app_data(ctx);
	if (level < 2)
		return;
	const char *side = SSL_is_server((SSL *)ssl) ? "SSL_accept" : "SSL_connect";
	if (where & SSL_CB_LOOP) {
		log_info("%s:%s", side, SSL_state_string_long(ssl));
	} else if (where & SSL_CB_ALERT) {
		if ((ret & 0xff) != SSL3_AD_CLOSE_NOTIFY)
			log_info("SSL3 alert %s:%s:%s", (where & SSL_CB_READ) ? "read" : "write",
				 SSL_alert_type_string_long(ret), SSL_alert_desc_string_long(ret));
	} else if ((where & SSL_CB_EXIT) && ret == 0) {
		log_info("%s:failed in %s", side, SSL_state_string_long(ssl));
	}
}

static int tls_ctx_server(struct tls_ctx *tc, const struct cfg *view, const char *prefix,
			  char **error_r)
{
	long long depth, timeout;
	char *value, *why;
	if (tls_ctx_bool(view, prefix, "ask_ccert", &tc->ask_ccert, error_r) < 0 ||
	    tls_ctx_int(view, prefix, "ccert_verifydepth", 0, 100, &depth, error_r) < 0)
		return -1;
	if (tc->ask_ccert) {
		SSL_CTX_set_verify(tc->ssl_ctx, SSL_VERIFY_PEER | SSL_VERIFY_CLIENT_ONCE,
				   tls_ctx_accept_any);
		SSL_CTX_set_verify_depth(tc->ssl_ctx, (int)depth + 1);
	}
	static const unsigned char sid_ctx[] = "postern-smtpd";
	SSL_CTX_set_session_id_context(tc->ssl_ctx, sid_ctx, sizeof(sid_ctx) - 1);
	if (tls_ctx_param(view, prefix, "session_cache_timeout", &value, error_r) < 0)
		return -1;
	int ret = cfg_value_time(value, 's', &timeout, &why);
	free(value);
	if (ret < 0)
		return tls_ctx_value_error(prefix, "session_cache_timeout", why, error_r);
	if (timeout < 0 || timeout > 8640000) {
		why = xstrdup("out of range (0s..100d)");
		return tls_ctx_value_error(prefix, "session_cache_timeout", why, error_r);
	}
	if (timeout == 0) {
		SSL_CTX_set_session_cache_mode(tc->ssl_ctx, SSL_SESS_CACHE_OFF);
		SSL_CTX_set_options(tc->ssl_ctx, SSL_OP_NO_TICKET);
	} else {
		SSL_CTX_set_session_cache_mode(tc->ssl_ctx, SSL_SESS_CACHE_SERVER);
		SSL_CTX_set_timeout(tc->ssl_ctx, (long)timeout);
	}
	return 1;
}

static int tls_ctx_digest(struct tls_ctx *tc, const struct cfg *view, const char *prefix,
			  char **error_r)
{
	char *value;
	if (tls_ctx_param(view, prefix, "fingerprint_digest", &value, error_r) < 0)
		return -1;
	tc->digest = EVP_get_digestbyname(*value ? value : "sha256");
	if (tc->digest == NULL) {
		char *why = xasprintf("unknown digest \"%s\"", value);
		free(value);
		return tls_ctx_value_error(prefix, "fingerprint_digest", why, error_r);
	}
	free(value);
	return 1;
}

int tls_ctx_new(const struct cfg *view, enum tls_ctx_role role, const char *prefix, int mandatory,
		struct tls_ctx **ctx_r, char **error_r)
{
	struct tls_ctx *tc = xcalloc(1, sizeof(*tc));
	long long loglevel;
	int have_cert;
	tc->role = role;
	tc->ssl_ctx =
		SSL_CTX_new(role == TLS_CTX_SERVER ? TLS_server_method() : TLS_client_method());
	if (tc->ssl_ctx == NULL) {
		char *why = tls_ctx_error();
		*error_r = xasprintf("cannot make an OpenSSL context: %s", why);
		free(why);
		tls_ctx_free(&tc);
		return -1;
	}
	if (tls_ctx_int(view, prefix, "loglevel", 0, 4, &loglevel, error_r) < 0 ||
	    tls_ctx_protocols(tc, view, prefix, mandatory, error_r) < 0 ||
	    tls_ctx_ciphers(tc, view, prefix, mandatory, error_r) < 0 ||
	    tls_ctx_options(tc, view, error_r) < 0 ||
	    tls_ctx_digest(tc, view, prefix, error_r) < 0 ||
	    (role == TLS_CTX_SERVER && tls_ctx_server(tc, view, prefix, error_r) < 0) ||
	    tls_ctx_trust(tc, view, prefix, error_r) < 0 ||
	    tls_ctx_load_certs(tc->ssl_ctx, view, prefix, &have_cert, error_r) < 0) {
		tls_ctx_free(&tc);
		return -1;
	}
	if (role == TLS_CTX_SERVER && !have_cert) {
		*error_r =
			xasprintf("%s_tls_cert_file: no server certificate (set %s_tls_chain_files "
				  "or %s_tls_cert_file)",
				  prefix, prefix, prefix);
		tls_ctx_free(&tc);
		return -1;
	}
	tc->loglevel = (int)loglevel;
	SSL_CTX_set_app_data(tc->ssl_ctx, (void *)(intptr_t)tc->loglevel);
	SSL_CTX_set_info_callback(tc->ssl_ctx, tls_ctx_info_cb);
	*ctx_r = tc;
	return 1;
}

void tls_ctx_free(struct tls_ctx **ctxp)
{
	struct tls_ctx *tc = *ctxp;
	if (tc == NULL)
		return;
	SSL_CTX_free(tc->ssl_ctx);
	free(tc->protocols);
	free(tc->cipherlist);
	free(tc);
	*ctxp = NULL;
}
