/* smtpd_tls.c: one session's TLS handshake on libevent's OpenSSL
 * bufferevents, for STARTTLS and wrapper mode, with Postfix's log lines
 * and the Received header clause (see smtpd_tls.h).
 */
#include "smtpd_tls.h"

#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent_ssl.h>
#include <openssl/err.h>

#include "log.h"
#include "mem.h"

struct smtpd_tls {
	char *namaddr;
	int loglevel;
	int ask_ccert;
	const EVP_MD *digest;
	struct event *timer; /* the handshake's time limit; NULL once done */
	smtpd_tls_done_fn *done_cb;
	void *arg;
	struct tls_info info;
};

static void smtpd_tls_finish(struct smtpd_tls *tls, struct bufferevent *bev, int ok)
{
	event_free(tls->timer);
	tls->timer = NULL;
	bufferevent_setcb(bev, NULL, NULL, NULL, NULL);
	smtpd_tls_done_fn *cb = tls->done_cb;
	void *arg = tls->arg;
	if (!ok)
		smtpd_tls_free(&tls);
	cb(arg, tls, bev);
}

static void smtpd_tls_established(struct smtpd_tls *tls, struct bufferevent *bev)
{
	SSL *ssl = bufferevent_openssl_get_ssl(bev);
	tls_info_get(ssl, tls->digest, &tls->info);
	if (tls->loglevel >= 2 && tls->info.peer_cert)
		log_info("%s: subject_CN=%s, issuer=%s, fingerprint=%s, pkey_fingerprint=%s",
			 tls->namaddr, tls->info.peer_cn, tls->info.issuer_cn,
			 tls->info.peer_fingerprint ? tls->info.peer_fingerprint : "",
			 tls->info.peer_pkey_fingerprint ? tls->info.peer_pkey_fingerprint : "");
	if (tls->loglevel >= 1) {
		struct buf line;
		buf_init(&line, 0);
		tls_info_summary(&tls->info, " ", &line);
		log_info("%s TLS connection established from %s: %s",
			 !tls->info.peer_cert	   ? "Anonymous"
			 : tls->info.peer_verified ? "Trusted"
						   : "Untrusted",
			 tls->namaddr, line.data);
		buf_deinit(&line);
	}
	smtpd_tls_finish(tls, bev, 1);
}

/* smtpd_tls_failed: log why the handshake failed, as Postfix does: the
 * summary line, then the OpenSSL errors behind it. */
static void smtpd_tls_failed(struct smtpd_tls *tls, struct bufferevent *bev, short events)
{
	unsigned long errs[16];
	size_t n = 0;
	unsigned long err;
	while ((err = bufferevent_get_openssl_error(bev)) != 0) {
		/* libevent queues errno values of failed socket calls too. */
		if (ERR_GET_LIB(err) != 0 && n < sizeof(errs) / sizeof(errs[0]))
			errs[n++] = err;
	}
	ERR_clear_error();
	const char *why = n > 0				 ? "-1"
			  : (events & BEV_EVENT_TIMEOUT) ? "Connection timed out"
							 : "lost connection";
	log_info("SSL_accept error from %s: %s", tls->namaddr, why);
	for (size_t i = 0; i < n; i++) {
		char text[256];
		ERR_error_string_n(errs[i], text, sizeof(text));
		log_warn("TLS library problem: %s", text);
	}
	smtpd_tls_finish(tls, bev, 0);
}

static void smtpd_tls_event_cb(struct bufferevent *bev, short events, void *arg)
{
	struct smtpd_tls *tls = arg;
	if (events & BEV_EVENT_CONNECTED)
		smtpd_tls_established(tls, bev);
	else
		smtpd_tls_failed(tls, bev, events);
}

static void smtpd_tls_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct bufferevent *bev = arg;
	struct smtpd_tls *tls = NULL;
	bufferevent_getcb(bev, NULL, NULL, NULL, (void **)&tls);
	smtpd_tls_failed(tls, bev, BEV_EVENT_TIMEOUT);
}

/* smtpd_tls_begin: common part of STARTTLS and wrapper mode once the
 * bufferevent exists. */
static void smtpd_tls_begin(const struct smtpd_tls_server *srv, struct smtpd_tls *tls,
			    struct bufferevent *bev)
{
	bufferevent_setcb(bev, NULL, NULL, smtpd_tls_event_cb, tls);
	bufferevent_enable(bev, EV_READ | EV_WRITE);
	tls->timer = evtimer_new(bufferevent_get_base(bev), smtpd_tls_timer_cb, bev);
	struct timeval tv = {(time_t)srv->timeout, 0};
	evtimer_add(tls->timer, &tv);
}

static struct smtpd_tls *smtpd_tls_new(const struct smtpd_tls_server *srv, const char *namaddr,
				       smtpd_tls_done_fn *done_cb, void *arg, SSL **ssl_r)
{
	*ssl_r = SSL_new(srv->ctx->ssl_ctx);
	if (*ssl_r == NULL) {
		unsigned long err = ERR_get_error();
		char text[256];
		ERR_error_string_n(err, text, sizeof(text));
		ERR_clear_error();
		log_warn("%s: cannot start TLS: %s", namaddr, text);
		return NULL;
	}
	struct smtpd_tls *tls = xcalloc(1, sizeof(*tls));
	tls->namaddr = xstrdup(namaddr);
	tls->loglevel = srv->loglevel;
	tls->ask_ccert = srv->ask_ccert;
	tls->digest = srv->ctx->digest;
	tls->done_cb = done_cb;
	tls->arg = arg;
	return tls;
}

/* smtpd_tls_socket: a TLS bufferevent on plain's socket, which replaces
 * plain (freed without closing the socket); the handshake under way. The
 * TLS bufferevent writes to the socket itself, so an empty output buffer
 * means the data went out, as with a plain one. */
static struct bufferevent *smtpd_tls_socket(const struct smtpd_tls_server *srv,
					    struct bufferevent *plain, const char *namaddr,
					    smtpd_tls_done_fn *done_cb, void *arg)
{
	SSL *ssl;
	struct smtpd_tls *tls = smtpd_tls_new(srv, namaddr, done_cb, arg, &ssl);
	if (tls == NULL)
		return NULL;
	evutil_socket_t fd = bufferevent_getfd(plain);
	struct bufferevent *bev = bufferevent_openssl_socket_new(
		bufferevent_get_base(plain), fd, ssl, BUFFEREVENT_SSL_ACCEPTING,
		BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS);
	if (bev == NULL) {
		log_warn("%s: cannot start TLS: no TLS bufferevent", namaddr);
		SSL_free(ssl);
		smtpd_tls_free(&tls);
		return NULL;
	}
	bufferevent_setfd(plain, -1);
	bufferevent_free(plain);
	smtpd_tls_begin(srv, tls, bev);
	return bev;
}

struct bufferevent *smtpd_tls_starttls(const struct smtpd_tls_server *srv,
				       struct bufferevent *plain, const char *namaddr,
				       smtpd_tls_done_fn *done_cb, void *arg)
{
	/* Input pipelined after STARTTLS is neither TLS nor a command. */
	size_t n = evbuffer_get_length(bufferevent_get_input(plain));
	if (n > 0)
		log_debug(1, "%s: discarding %zu bytes of input pipelined after STARTTLS", namaddr,
			  n);
	return smtpd_tls_socket(srv, plain, namaddr, done_cb, arg);
}

struct bufferevent *smtpd_tls_wrap(const struct smtpd_tls_server *srv, struct bufferevent *plain,
				   const char *namaddr, smtpd_tls_done_fn *done_cb, void *arg)
{
	size_t n = evbuffer_get_length(bufferevent_get_input(plain));
	if (n > 0) {
		/* Bytes already taken off the socket cannot be handed to OpenSSL. */
		log_warn("%s: cannot start TLS: %zu bytes were read before the handshake", namaddr,
			 n);
		return NULL;
	}
	return smtpd_tls_socket(srv, plain, namaddr, done_cb, arg);
}

const struct tls_info *smtpd_tls_info(const struct smtpd_tls *tls)
{
	return &tls->info;
}

/* smtpd_tls_comment: a certificate name made safe inside a quoted string
 * in a header comment. */
static char *smtpd_tls_comment(const char *name)
{
	char *s = xstrdup(name);
	for (char *p = s; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f || strchr("\"()\\", *p) != NULL)
			*p = '?';
	return s;
}

void smtpd_tls_received_clause(const struct smtpd_tls *tls, struct buf *out)
{
	buf_append_str(out, "\t(using ");
	tls_info_summary(&tls->info, "\n\t ", out);
	buf_append_str(out, ")\n");
	if (tls->info.peer_cert) {
		char *cn = smtpd_tls_comment(tls->info.peer_cn);
		char *issuer = smtpd_tls_comment(tls->info.issuer_cn);
		buf_printf(out, "\t(Client CN \"%s\", Issuer \"%s\" (%s))\n", cn, issuer,
			   tls->info.peer_verified ? "verified OK" : "not verified");
		free(cn);
		free(issuer);
	} else if (tls->ask_ccert)
		buf_append_str(out, "\t(Client did not present a certificate)\n");
	else
		buf_append_str(out, "\t(No client certificate requested)\n");
}

void smtpd_tls_free(struct smtpd_tls **tlsp)
{
	struct smtpd_tls *tls = *tlsp;
	if (tls == NULL)
		return;
	if (tls->timer != NULL)
		event_free(tls->timer);
	tls_info_clear(&tls->info);
	free(tls->namaddr);
	free(tls);
	*tlsp = NULL;
}
