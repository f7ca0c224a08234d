/* deliver_tls.c: STARTTLS and wrapper-mode TLS for the SMTP client: the
 * command, the handshake, the server certificate checks of the policy's
 * level, and Postfix's log lines (see deliver_tls.h). */
#include "deliver_tls_private.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/x509v3.h>

#include "log.h"
#include "mem.h"

/* deliver_tls_fail: fill the failure outcome. */
static enum deliver_tls_rc deliver_tls_fail(char **why_r, char dsn_r[16], const char *dsn,
					    char *why)
{
	*why_r = why;
	snprintf(dsn_r, 16, "%s", dsn);
	return DELIVER_TLS_FAIL;
}

/* deliver_tls_io_fail: a failed step of the STARTTLS command. */
static enum deliver_tls_rc deliver_tls_io_fail(enum deliver_conn_fail fail, char *error,
					       const char *where, char **why_r, char dsn_r[16])
{
	char *why =
		fail == DELIVER_CONN_TIMEOUT
			? xasprintf("conversation with %s timed out while sending STARTTLS", where)
			: xasprintf("lost connection with %s while sending STARTTLS (%s)", where,
				    error);
	free(error);
	if (fail == DELIVER_CONN_STOPPED) {
		free(why);
		return DELIVER_TLS_STOPPED;
	}
	return deliver_tls_fail(why_r, dsn_r, "4.4.2", why);
}

/* deliver_tls_is_literal: host is an IPv4 or IPv6 address. */
static int deliver_tls_is_literal(const char *host)
{
	unsigned char a[16];
	return inet_pton(AF_INET, host, a) == 1 || inet_pton(AF_INET6, host, a) == 1;
}

/* deliver_tls_name: what a match-list item or the servername stands for:
 * "hostname" the server, "nexthop" the next-hop domain, "dot-nexthop" its
 * subdomains; anything else itself. Caller frees. */
static char *deliver_tls_name(const struct deliver_tls_policy *p, const char *item,
			      const char *host)
{
	if (strcmp(item, "hostname") == 0)
		return xstrdup(host);
	if (strcmp(item, "nexthop") == 0)
		return xstrdup(p->nexthop);
	if (strcmp(item, "dot-nexthop") == 0)
		return xasprintf(".%s", p->nexthop);
	return xstrdup(item);
}

/* deliver_tls_matched: the certificate names one of the policy's names
 * (verify, secure), or its fingerprint or public-key fingerprint is one
 * of the policy's (fingerprint). */
static int deliver_tls_matched(const struct deliver_tls_policy *p, SSL *ssl,
			       const struct tls_info *info, const char *host)
{
	X509 *cert = SSL_get1_peer_certificate(ssl);
	int ok = 0;
	for (size_t i = 0; cert != NULL && p->match != NULL && p->match[i] != NULL && !ok; i++) {
		if (p->level == DELIVER_TLS_FINGERPRINT) {
			ok = (info->peer_fingerprint != NULL &&
			      strcasecmp(p->match[i], info->peer_fingerprint) == 0) ||
			     (info->peer_pkey_fingerprint != NULL &&
			      strcasecmp(p->match[i], info->peer_pkey_fingerprint) == 0);
			continue;
		}
		char *name = deliver_tls_name(p, p->match[i], host);
		if (deliver_tls_is_literal(name))
			ok = X509_check_ip_asc(cert, name, 0) == 1;
		else
			ok = X509_check_host(cert, name, 0, 0, NULL) == 1;
		free(name);
	}
	X509_free(cert);
	return ok;
}

/* deliver_tls_established: check and log an established session. */
static enum deliver_tls_rc deliver_tls_established(const struct deliver_tls_policy *p, SSL *ssl,
						   const char *host, const char *where,
						   char **why_r, char dsn_r[16])
{
	struct tls_info info = {0};
	tls_info_get(ssl, p->ctx->digest, &info);
	int trusted = info.peer_cert && info.peer_verified;
	int must_match = p->level >= DELIVER_TLS_FINGERPRINT;
	int matched = must_match && (p->level == DELIVER_TLS_FINGERPRINT || trusted) &&
		      deliver_tls_matched(p, ssl, &info, host);
	int loglevel = p->conf->loglevel;
	if (loglevel >= 2 && info.peer_cert)
		log_info("%s: subject_CN=%s, issuer_CN=%s, fingerprint=%s, pkey_fingerprint=%s",
			 where, info.peer_cn, info.issuer_cn,
			 info.peer_fingerprint ? info.peer_fingerprint : "",
			 info.peer_pkey_fingerprint ? info.peer_pkey_fingerprint : "");
	if (must_match && !matched) {
		long v = SSL_get_verify_result(ssl);
		if (!info.peer_cert)
			log_info("server certificate verification failed for %s: no certificate",
				 where);
		else if (v != X509_V_OK && p->level != DELIVER_TLS_FINGERPRINT)
			log_info("server certificate verification failed for %s: num=%ld:%s", where,
				 v, X509_verify_cert_error_string(v));
		else
			log_info("server certificate verification failed for %s: %s", where,
				 p->level == DELIVER_TLS_FINGERPRINT ? "fingerprint mismatch"
								     : "certificate name mismatch");
	}
	if (loglevel >= 1) {
		struct buf line;
		buf_init(&line, 0);
		tls_info_summary(&info, " ", &line);
		log_info("%s TLS connection established to %s: %s",
			 matched	  ? "Verified"
			 : trusted	  ? "Trusted"
			 : info.peer_cert ? "Untrusted"
					  : "Anonymous",
			 where, line.data);
		buf_deinit(&line);
	}
	tls_info_clear(&info);
	if (must_match && !matched)
		return deliver_tls_fail(why_r, dsn_r, "4.7.5",
					xstrdup("Server certificate not verified"));
	return DELIVER_TLS_ON;
}

/* deliver_tls_handshake: the TLS client side on conn, then the checks. */
static enum deliver_tls_rc deliver_tls_handshake(const struct deliver_tls_policy *p,
						 struct deliver_conn *conn, const char *host,
						 const char *where, char **why_r, char dsn_r[16])
{
	SSL *ssl = SSL_new(p->ctx->ssl_ctx);
	if (ssl == NULL) {
		char *e = tls_ctx_error();
		log_warn("cannot make a TLS session for %s: %s", where, e);
		free(e);
		return deliver_tls_fail(why_r, dsn_r, "4.7.5",
					xstrdup("Cannot start TLS: handshake failure"));
	}
	if (p->servername != NULL && *p->servername != '\0') {
		char *sni = deliver_tls_name(p, p->servername, host);
		if (!deliver_tls_is_literal(sni))
			SSL_set_tlsext_host_name(ssl, sni);
		free(sni);
	}
	enum deliver_conn_fail fail;
	char *error = NULL;
	if (deliver_conn_tls(conn, ssl, p->conf->timeout, &fail, &error) < 0) {
		if (fail == DELIVER_CONN_STOPPED) {
			free(error);
			return DELIVER_TLS_STOPPED;
		}
		log_info("SSL_connect error to %s: %s", where,
			 fail == DELIVER_CONN_TIMEOUT ? "timeout" : error);
		free(error);
		deliver_tls_fail(why_r, dsn_r, "4.7.5",
				 xstrdup("Cannot start TLS: handshake failure"));
		return p->level == DELIVER_TLS_MAY ? DELIVER_TLS_RETRY_PLAIN : DELIVER_TLS_FAIL;
	}
	return deliver_tls_established(p, ssl, host, where, why_r, dsn_r);
}

enum deliver_tls_rc deliver_tls_starttls(const struct deliver_tls_policy *p,
					 struct deliver_conn *conn, int offered, const char *host,
					 const char *where, char **why_r, char dsn_r[16])
{
	if (p->level == DELIVER_TLS_NONE) {
		if (offered && p->conf != NULL && p->conf->note_offer)
			log_info("Host offered STARTTLS: [%s]", host);
		return DELIVER_TLS_PLAIN;
	}
	if (p->level >= DELIVER_TLS_DANE)
		return deliver_tls_fail(why_r, dsn_r, "4.7.5",
					xasprintf("TLS security level %s is not supported",
						  deliver_tls_level_name(p->level)));
	if (!offered) {
		if (p->level == DELIVER_TLS_MAY)
			return DELIVER_TLS_PLAIN;
		return deliver_tls_fail(
			why_r, dsn_r, "4.7.4",
			xasprintf("TLS is required, but was not offered by host %s", where));
	}
	enum deliver_conn_fail fail;
	char *error = NULL;
	struct smtp_reply *r = NULL;
	static const char cmd[] = "STARTTLS\r\n";
	if (deliver_conn_write(conn, cmd, sizeof(cmd) - 1, p->conf->timeout, &fail, &error) < 0 ||
	    deliver_conn_reply(conn, p->conf->timeout, &r, &fail, &error) < 0)
		return deliver_tls_io_fail(fail, error, where, why_r, dsn_r);
	if (r->code != 220) {
		char *line = smtp_reply_to_string(r);
		smtp_reply_free(&r);
		if (p->level == DELIVER_TLS_MAY) {
			free(line);
			return DELIVER_TLS_PLAIN;
		}
		return deliver_tls_fail(
			why_r, dsn_r, "4.7.4",
			xasprintf("TLS is required, but host %s refused to start TLS: %s", where,
				  line));
	}
	smtp_reply_free(&r);
	return deliver_tls_handshake(p, conn, host, where, why_r, dsn_r);
}

enum deliver_tls_rc deliver_tls_wrap(const struct deliver_tls_policy *p, struct deliver_conn *conn,
				     const char *host, const char *where, char **why_r,
				     char dsn_r[16])
{
	if (p->level >= DELIVER_TLS_DANE)
		return deliver_tls_fail(why_r, dsn_r, "4.7.5",
					xasprintf("TLS security level %s is not supported",
						  deliver_tls_level_name(p->level)));
	return deliver_tls_handshake(p, conn, host, where, why_r, dsn_r);
}
