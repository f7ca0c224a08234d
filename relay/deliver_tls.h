/* deliver_tls.h: TLS for the SMTP and LMTP clients (STARTTLS and wrapper
 * mode) with Postfix's security levels and TLS policy table.
 *
 * A struct deliver_tls_conf is read once per configuration snapshot from
 * the smtp_tls_* parameters, or the lmtp_tls_* ones for LMTP (postconf(5)
 * names and meanings; the list below gives the smtp_ names):
 *   smtp_tls_security_level  none, may, encrypt, fingerprint, verify,
 *                            secure; dane and dane-only are accepted and
 *                            unsupported: mail at those levels is
 *                            deferred, never sent in the clear. Empty: the
 *                            legacy smtp_enforce_tls / smtp_use_tls decide
 *   smtp_tls_policy_maps     per destination "LEVEL attr=value ..." with
 *                            match=, protocols=, ciphers=, exclude=,
 *                            servername=; looked up by the next hop as
 *                            written ("[host]:port", "domain"), then for a
 *                            domain by its parent domains (".parent")
 *   smtp_tls_verify_cert_match (verify), smtp_tls_secure_cert_match
 *                            (secure), smtp_tls_fingerprint_cert_match
 *                            (fingerprint): "hostname", "nexthop",
 *                            "dot-nexthop" or literal names (".domain"
 *                            matches its subdomains)
 *   smtp_tls_servername      SNI: empty (none), "hostname", "nexthop" or a
 *                            name
 *   smtp_tls_wrappermode     TLS before the greeting (SMTPS, port 465)
 *   smtp_tls_note_starttls_offer, smtp_tls_loglevel, smtp_starttls_timeout
 * and the OpenSSL contexts of tls_ctx.h (smtp_tls_CAfile, CApath,
 * protocols, mandatory_protocols, ciphers, mandatory_ciphers,
 * exclude_ciphers, chain_files / cert_file / key_file, fingerprint_digest):
 * the mandatory ones from level encrypt up, as Postfix does.
 *
 * Outcomes in Postfix's words: "TLS is required, but was not offered by
 * host H" (4.7.4), "Server certificate not verified" (4.7.5, whether the
 * chain or the name failed; the log says which), "Cannot start TLS: handshake failure" (4.7.5;
 * at level may the server is then tried again without TLS, as Postfix
 * does).
 * With smtp_tls_loglevel >= 1 an established session is logged as
 * "Verified|Trusted|Untrusted|Anonymous TLS connection established to
 * host[addr]:port: TLSv1.3 with cipher ...".
 */
#ifndef POSTERN_DELIVER_TLS_H
#define POSTERN_DELIVER_TLS_H

#include "cfg.h"
#include "deliver_conn.h"

enum deliver_tls_level {
	DELIVER_TLS_NONE,
	DELIVER_TLS_MAY,
	DELIVER_TLS_ENCRYPT,
	DELIVER_TLS_FINGERPRINT,
	DELIVER_TLS_VERIFY,
	DELIVER_TLS_SECURE,
	DELIVER_TLS_DANE,      /* parsed, not supported */
	DELIVER_TLS_DANE_ONLY, /* parsed, not supported */
};

struct deliver_tls_conf;

/* deliver_tls_conf_new: read the client TLS parameters with prefix
 * ("smtp" or "lmtp": lmtp_tls_security_level ...) seen from view (which
 * must outlive the result). 1 with *c_r (free with
 * deliver_tls_conf_free), -1 with *error_r naming the parameter (a bad
 * level, protocol list, cipher grade, unreadable CA or client certificate,
 * a policy table that cannot be opened). Logs a warning when the default
 * level is dane or dane-only. */
int deliver_tls_conf_new(const struct cfg *view, const char *prefix, struct deliver_tls_conf **c_r,
			 char **error_r);
/* deliver_tls_conf_free: release *cp; accepts NULL; clears *cp. */
void deliver_tls_conf_free(struct deliver_tls_conf **cp);

/* deliver_tls_level_parse: a level name ("may"), 1 with *level_r, or 0
 * when it is not one. */
int deliver_tls_level_parse(const char *name, enum deliver_tls_level *level_r);

/* The TLS policy of one delivery (one next hop). */
struct deliver_tls_policy {
	enum deliver_tls_level level;
	char *nexthop;	     /* the next-hop domain or host, for "nexthop" matching */
	char **match;	     /* names or fingerprints to match; NULL-terminated, or NULL */
	char *servername;    /* smtp_tls_servername or servername= */
	struct tls_ctx *ctx; /* the context to use; owned when own_ctx */
	int own_ctx;
	const struct deliver_tls_conf *conf;
};

/* deliver_tls_policy_find: the policy for nexthop ("[host]:port",
 * "domain", as deliver_smtp.h) from smtp_tls_policy_maps or the default
 * level; c may be NULL (level none). 1 with *p (release with
 * deliver_tls_policy_deinit); -1 with *error_r (and *p released) when
 * the table lookup failed or the entry cannot be used (defer). */
int deliver_tls_policy_find(const struct deliver_tls_conf *c, const char *nexthop,
			    struct deliver_tls_policy *p, char **error_r);
void deliver_tls_policy_deinit(struct deliver_tls_policy *p);

/* deliver_tls_wrappermode: TLS starts before the greeting. */
int deliver_tls_wrappermode(const struct deliver_tls_policy *p);

/* What a TLS step did. */
enum deliver_tls_rc {
	DELIVER_TLS_ON,		 /* TLS is up: send EHLO again */
	DELIVER_TLS_PLAIN,	 /* go on in plaintext (level none or may) */
	DELIVER_TLS_FAIL,	 /* this server cannot be used: *why_r, dsn_r */
	DELIVER_TLS_RETRY_PLAIN, /* level may, the handshake failed: *why_r, dsn_r;
				  * Postfix tries the server again without TLS */
	DELIVER_TLS_STOPPED,	 /* the stop flag was set */
};

/* deliver_tls_starttls: after EHLO (whose keywords said whether STARTTLS
 * is offered): send STARTTLS, read the reply and run the handshake as p
 * asks. host is the server's name (for "hostname" matching), where its
 * "host[addr]:port" (logs, reasons). On DELIVER_TLS_FAIL *why_r (malloc'd)
 * and dsn_r (16 bytes) say why, and the connection is unusable. */
enum deliver_tls_rc deliver_tls_starttls(const struct deliver_tls_policy *p,
					 struct deliver_conn *conn, int offered, const char *host,
					 const char *where, char **why_r, char dsn_r[16]);
/* deliver_tls_wrap: wrapper mode: the handshake right after connect. */
enum deliver_tls_rc deliver_tls_wrap(const struct deliver_tls_policy *p, struct deliver_conn *conn,
				     const char *host, const char *where, char **why_r,
				     char dsn_r[16]);

#endif
