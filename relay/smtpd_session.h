/* smtpd_session.h: one SMTP session of posternd, as the other parts of the
 * SMTP server (TLS, SASL, the restriction engine's callers) see it.
 *
 * A session lives on one worker thread from accept to close: its
 * event_base, its bufferevent and everything hanging off it are used on
 * that thread only. The accessors below are for code that runs on the
 * session's thread (callbacks on its event_base). The struct itself is
 * private to the smtpd_* files (smtpd_private.h).
 */
#ifndef POSTERN_SMTPD_SESSION_H
#define POSTERN_SMTPD_SESSION_H

#include "cfg.h"

struct bufferevent;
struct event_base;
struct smtpd_session;
struct smtpd_conf;
struct relay_conf;

/* smtpd_session_base: the event_base of the session's worker (owned by
 * the worker; outlives the session). */
struct event_base *smtpd_session_base(const struct smtpd_session *s);
/* smtpd_session_bev: the bufferevent the session talks through (owned by
 * the session; after STARTTLS, the TLS one). */
struct bufferevent *smtpd_session_bev(const struct smtpd_session *s);
/* smtpd_session_conf: the configuration snapshot the session started with
 * (a reference held by the session until it ends). */
const struct relay_conf *smtpd_session_conf(const struct smtpd_session *s);
/* smtpd_session_listener: the settings of the listener that accepted the
 * session (part of the snapshot). */
const struct smtpd_conf *smtpd_session_listener(const struct smtpd_session *s);
/* smtpd_session_view: the listener's configuration view (defaults <-
 * postern.cf <- its master.cf -o overrides), for reading parameters. */
const struct cfg *smtpd_session_view(const struct smtpd_session *s);
/* smtpd_session_namaddr: "name[addr]" of the client, for log lines (owned
 * by the session). */
const char *smtpd_session_namaddr(const struct smtpd_session *s);
/* smtpd_session_client_addr: the client's address ("192.0.2.1",
 * "2001:db8::1"; owned by the session). */
const char *smtpd_session_client_addr(const struct smtpd_session *s);
/* smtpd_session_tls_active: 1 once the session runs over TLS, else 0. */
int smtpd_session_tls_active(const struct smtpd_session *s);

#endif
