/* deliver_sasl.h: SMTP AUTH in the SMTP client, for an upstream relay
 * that wants a login, with Postfix's parameters (postconf(5)):
 *
 *   smtp_sasl_auth_enable           off by default
 *   smtp_sasl_password_maps         "user:password" looked up by the next
 *                                   hop as written ("[host]:port"), then
 *                                   by the server's host name (no port)
 *   smtp_sender_dependent_authentication  look up the sender address, then
 *                                   "@domain" of the sender, first
 *   smtp_sasl_security_options      before TLS; noplaintext rules out
 *                                   PLAIN and LOGIN, mutual_auth rules out
 *                                   both too (neither authenticates the
 *                                   server); noanonymous, noactive and
 *                                   nodictionary leave them
 *   smtp_sasl_tls_security_options  the same once the session is in TLS
 *   smtp_sasl_mechanism_filter      the server's mechanisms to consider
 *
 * The mechanisms are built in: PLAIN (preferred) and LOGIN. No login is
 * attempted when no credentials are found or the server offers no AUTH.
 * Failures are the recipients' deferral reasons, in Postfix's words:
 * "SASL authentication failed; server H said: 535 5.7.8 ..." and
 * "SASL authentication failed; cannot authenticate to server H: no
 * mechanism available".
 */
#ifndef POSTERN_DELIVER_SASL_H
#define POSTERN_DELIVER_SASL_H

#include "cfg.h"
#include "deliver_conn.h"
#include "smtp_reply.h"

struct deliver_sasl_conf;

/* deliver_sasl_conf_new: read the parameters seen from view. 1 with *c_r
 * (NULL when smtp_sasl_auth_enable is off; free with
 * deliver_sasl_conf_free), -1 with *error_r (a table that cannot be
 * opened, an unknown security option). */
int deliver_sasl_conf_new(const struct cfg *view, struct deliver_sasl_conf **c_r, char **error_r);
/* deliver_sasl_conf_free: release *cp; accepts NULL; clears *cp. */
void deliver_sasl_conf_free(struct deliver_sasl_conf **cp);

/* deliver_sasl_mechanisms: the mechanisms an EHLO reply lists on its
 * AUTH line (and the obsolete "AUTH=" form), space-separated and upper
 * case, malloc'd; "" when none. */
char *deliver_sasl_mechanisms(const struct smtp_reply *ehlo);

/* deliver_sasl_choose: the built-in mechanism to use among the server's
 * (space-separated) under the filter and security options for a session
 * in TLS (tls 1) or not: "PLAIN", "LOGIN", or NULL. Pure. */
const char *deliver_sasl_choose(const struct deliver_sasl_conf *c, const char *server_mechs,
				int tls);

/* What the login step did. */
enum deliver_sasl_rc {
	DELIVER_SASL_DONE,    /* logged in, or no login to do */
	DELIVER_SASL_FAIL,    /* this server cannot be used: *why_r, dsn_r */
	DELIVER_SASL_STOPPED, /* the stop flag was set */
};

/* deliver_sasl_by_sender: the login depends on the sender
 * (smtp_sender_dependent_authentication with c not NULL); a session
 * logged in for one sender must then not carry another's mail, so such
 * sessions are not reused (as Postfix turns its connection cache off). */
int deliver_sasl_by_sender(const struct deliver_sasl_conf *c);

/* deliver_sasl_login: after EHLO (the reply ehlo) on conn: log in with
 * the credentials for sender (with smtp_sender_dependent_authentication;
 * "" is the null sender, never looked up), nexthop or host when c is not
 * NULL, the server
 * offers AUTH and a password is found. where names the server
 * ("host[addr]:port"), timeout bounds each reply (seconds). On
 * DELIVER_SASL_FAIL *why_r (malloc'd) and dsn_r (16 bytes) say why. */
enum deliver_sasl_rc deliver_sasl_login(const struct deliver_sasl_conf *c,
					struct deliver_conn *conn, const struct smtp_reply *ehlo,
					int tls, const char *sender, const char *nexthop,
					const char *host, const char *where, long long timeout,
					char **why_r, char dsn_r[16]);

#endif
