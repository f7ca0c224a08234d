/* smtpd_tls.h: TLS for posternd's SMTP sessions.
 *
 * A struct smtpd_tls_server is a listener's TLS configuration, made once
 * per configuration snapshot from the listener's view (main.cf plus its
 * master.cf -o overrides): smtpd_tls_security_level (none, may, encrypt;
 * when empty the legacy smtpd_enforce_tls/smtpd_use_tls decide, as in
 * Postfix), smtpd_tls_wrappermode, smtpd_tls_auth_only,
 * smtpd_tls_received_header, smtpd_tls_ask_ccert, smtpd_tls_loglevel,
 * smtpd_starttls_timeout and the SSL_CTX (tls_ctx.h), which uses the
 * mandatory protocols and ciphers at level encrypt and in wrapper mode, the
 * opportunistic ones otherwise, as Postfix does.
 *
 * A struct smtpd_tls is one session's TLS state. The handshake runs on
 * the session's event_base through libevent's OpenSSL bufferevents:
 *   STARTTLS     smtpd_tls_starttls() replaces the session's plaintext
 *                bufferevent by a TLS one on the same socket after the
 *                220 reply has been flushed, discarding input the client
 *                pipelined after STARTTLS (it must not be read as TLS or
 *                as commands);
 *   wrapper mode smtpd_tls_wrap() does the same before the greeting (port
 *                465), before anything was read.
 * The TLS bufferevent writes to the socket itself: an empty output buffer
 * means the data went out, as for a plaintext one. During the handshake
 * this module owns its callbacks; done_cb then hands it to the session,
 * which installs its own.
 * Nothing blocks: the handshake is events on the session's loop.
 *
 * Logging in Postfix's words: "SSL_accept error from NAME[ADDR]: ..." on
 * failure; with smtpd_tls_loglevel >= 1 "Anonymous TLS connection
 * established from NAME[ADDR]: TLSv1.3 with cipher ... (256/256 bits)
 * key-exchange ... server-signature ... server-digest ..." (or "Untrusted"
 * / "Trusted" when the client presented a certificate).
 */
#ifndef POSTERN_SMTPD_TLS_H
#define POSTERN_SMTPD_TLS_H

#include <event2/bufferevent.h>
#include <event2/event.h>

#include "buf.h"
#include "cfg.h"
#include "tls_ctx.h"

enum smtpd_tls_level {
	SMTPD_TLS_NONE,	   /* no STARTTLS */
	SMTPD_TLS_MAY,	   /* STARTTLS offered */
	SMTPD_TLS_ENCRYPT, /* STARTTLS required before mail (530 5.7.0) */
};

/* A listener's TLS configuration; read-only once made, shared by the
 * sessions of every worker. */
struct smtpd_tls_server {
	enum smtpd_tls_level level;
	int wrappermode;     /* smtpd_tls_wrappermode */
	int auth_only;	     /* smtpd_tls_auth_only */
	int received_header; /* smtpd_tls_received_header */
	int ask_ccert;	     /* smtpd_tls_ask_ccert */
	int loglevel;	     /* smtpd_tls_loglevel */
	long long timeout;   /* smtpd_starttls_timeout, seconds */
	struct tls_ctx *ctx; /* owned; NULL when level is none and no wrapper mode */
};

/* smtpd_tls_server_new: read the listener's TLS parameters from view. 1
 * with *srv_r (caller frees with smtpd_tls_server_free); -1 with *error_r
 * naming the parameter, for a value that cannot work: a bad protocol list
 * or cipher grade, an unreadable certificate or key, a key that does not
 * match its certificate, level encrypt or wrapper mode without a
 * certificate. Level may without any certificate is not an error: TLS is
 * then off with a warning logged, as Postfix does. */
int smtpd_tls_server_new(const struct cfg *view, struct smtpd_tls_server **srv_r, char **error_r);
/* smtpd_tls_server_free: release *srvp and set it NULL; accepts NULL.
 * Sessions still in TLS keep their SSL objects (OpenSSL counts references). */
void smtpd_tls_server_free(struct smtpd_tls_server **srvp);

/* smtpd_tls_offer_starttls: whether EHLO lists STARTTLS: TLS is
 * configured and the session is not yet in TLS. */
int smtpd_tls_offer_starttls(const struct smtpd_tls_server *srv, int tls_active);

struct smtpd_tls;

/* smtpd_tls_done_fn: the handshake ended. On success tls is the session's
 * TLS state (the session owns it and frees it with smtpd_tls_free when the
 * session ends) and bev is the bufferevent to use from now on; data that
 * arrived after the handshake is in its input buffer. On failure tls is
 * NULL, the failure has been logged, and bev is the TLS bufferevent, which
 * the session frees to close the connection (nothing can be said to the
 * client in the clear once the handshake started). */
typedef void smtpd_tls_done_fn(void *arg, struct smtpd_tls *tls, struct bufferevent *bev);

/* smtpd_tls_starttls: after the 220 reply to STARTTLS has been written,
 * replace plain (a socket bufferevent) by a TLS bufferevent on its socket,
 * discarding any input pending on plain (pipelined after STARTTLS), and
 * start the server handshake. namaddr ("name[addr]") is for log lines.
 * Returns the new bufferevent, which owns the socket; plain is freed (the
 * caller must forget it). done_cb is called later, never before this
 * function returns. Returns NULL (plain untouched, error logged) when no
 * SSL object can be made. The caller must have flushed the 220 to the
 * socket: call this from plain's write callback when its output buffer
 * became empty. */
struct bufferevent *smtpd_tls_starttls(const struct smtpd_tls_server *srv,
				       struct bufferevent *plain, const char *namaddr,
				       smtpd_tls_done_fn *done_cb, void *arg);

/* smtpd_tls_wrap: wrapper mode (smtpd_tls_wrappermode): as
 * smtpd_tls_starttls, before anything was read from the client (NULL,
 * error logged, when plain's input buffer is not empty). */
struct bufferevent *smtpd_tls_wrap(const struct smtpd_tls_server *srv, struct bufferevent *plain,
				   const char *namaddr, smtpd_tls_done_fn *done_cb, void *arg);

/* smtpd_tls_info: the facts of an established session, for the
 * restriction engine (protocol, cipher, bits, client certificate CN,
 * issuer and fingerprint), the Received header and logging; valid as long
 * as tls (see tls_ctx.h). Never NULL. */
const struct tls_info *smtpd_tls_info(const struct smtpd_tls *tls);

/* smtpd_tls_received_clause: append the lines Postfix puts in the
 * Received header for a TLS session when smtpd_tls_received_header = yes,
 * each starting with a tab and ending with "\n":
 *	(using TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)
 *	 key-exchange X25519 server-signature RSA-PSS (2048 bits) server-digest SHA256)
 *	(No client certificate requested)
 * the last line being "(Client did not present a certificate)" when one
 * was asked for, or "(Client CN \"cn\", Issuer \"cn\" (verified OK|not
 * verified))". The caller decides whether the header has the clause. */
void smtpd_tls_received_clause(const struct smtpd_tls *tls, struct buf *out);

/* smtpd_tls_free: release *tlsp (not the bufferevent) and set it NULL;
 * accepts NULL. */
void smtpd_tls_free(struct smtpd_tls **tlsp);

#endif
