/* sasl_server.h: SMTP AUTH (RFC 4954) for posternd's sessions.
 *
 * Three levels:
 *   struct sasl_server_conf  a listener's SASL parameters, from its view
 *                            (main.cf plus master.cf -o overrides);
 *                            read-only, shared by every worker;
 *   struct sasl_backend      one per worker thread and back-end (type and
 *                            smtpd_sasl_path), shared by the listeners
 *                            that name it, on that worker's event_base; a
 *                            worker keeps them in a struct sasl_registry;
 *   struct sasl_server       one per SMTP session: one conversation at a
 *                            time (AUTH command, 334 challenges, result).
 *
 * Back-ends (smtpd_sasl_type):
 *   dovecot      a client of Dovecot's authentication protocol on
 *                smtpd_sasl_path ("/run/dovecot/auth-client",
 *                "unix:/path", "inet:host:port"); one connection per
 *                back-end, multiplexing its sessions' requests by id,
 *                non-blocking on the worker's event_base, reconnecting
 *                after a failure. Mechanisms are those the server
 *                announces.
 *   passwd-file  built in (a Postern name: Postfix has no such type): a
 *                Dovecot passwd-file (user:{SCHEME}password:... lines) at
 *                smtpd_sasl_path, with {SHA512-CRYPT}, {SHA256-CRYPT},
 *                {BLF-CRYPT}, {MD5-CRYPT}, {CRYPT} (crypt(3) on a helper
 *                thread, never on the worker) and {PLAIN}; mechanisms PLAIN
 *                and LOGIN. The file is read again when it changes.
 * smtpd_sasl_type = cyrus (Postfix's default) leaves AUTH off, with a
 * warning when smtpd_sasl_auth_enable = yes: Postern has no Cyrus
 * back-end.
 *
 * Which mechanisms EHLO offers follows Postfix: none when
 * smtpd_tls_auth_only = yes and the session is not in TLS; otherwise the
 * back-end's mechanisms filtered by smtpd_sasl_security_options (before
 * TLS) or smtpd_sasl_tls_security_options (in TLS): noanonymous,
 * noplaintext, noactive, nodictionary, mutual_auth, forward_secrecy.
 *
 * Usernames: with the passwd-file back-end, smtpd_sasl_local_domain is
 * appended to a name without "@" (as Dovecot's auth_default_realm does, and
 * the Cyrus realm rule Postfix documents); Dovecot applies its own
 * settings and smtpd_sasl_local_domain is not passed to it, as in Postfix.
 *
 * Failures are logged as Postfix does: "warning: NAME[ADDR]: SASL PLAIN
 * authentication failed: REASON"; replies come from smtp_reply.h: 535
 * 5.7.8 for a refused login, 454 4.7.0 when the back-end is unavailable,
 * 501 5.7.0 when the client sends "*", 501 5.5.2 for bad base64.
 */
#ifndef POSTERN_SASL_SERVER_H
#define POSTERN_SASL_SERVER_H

#include <stddef.h>

#include <event2/event.h>

#include "cfg.h"
#include "smtp_reply.h"
#include "sockspec.h"

enum sasl_type {
	SASL_TYPE_DOVECOT,
	SASL_TYPE_PASSWD_FILE,
};

/* smtpd_sasl_security_options / smtpd_sasl_tls_security_options bits. */
#define SASL_SEC_NOPLAINTEXT 0x01
#define SASL_SEC_NOACTIVE 0x02
#define SASL_SEC_NODICTIONARY 0x04
#define SASL_SEC_NOANONYMOUS 0x08
#define SASL_SEC_MUTUAL_AUTH 0x10
#define SASL_SEC_FORWARD_SECRECY 0x20

struct sasl_server_conf {
	int enable;			  /* smtpd_sasl_auth_enable */
	enum sasl_type type;		  /* smtpd_sasl_type */
	char *path;			  /* smtpd_sasl_path; a relative one made absolute: under
					     queue_directory for dovecot (as Postfix), under
					     config_directory for passwd-file */
	struct sockspec_addr *auth_addrs; /* dovecot: the addresses of path, resolved */
	size_t n_auth_addrs;
	char *service;		  /* smtpd_sasl_service */
	unsigned sec_opts;	  /* smtpd_sasl_security_options */
	unsigned tls_sec_opts;	  /* smtpd_sasl_tls_security_options */
	int tls_auth_only;	  /* smtpd_tls_auth_only */
	char *local_domain;	  /* smtpd_sasl_local_domain ("" for none) */
	int authenticated_header; /* smtpd_sasl_authenticated_header */
	size_t response_limit;	  /* smtpd_sasl_response_limit: longest AUTH line */
	int broken_clients;	  /* broken_sasl_auth_clients: also "AUTH=..." in EHLO */
};

/* sasl_server_conf_new: read the listener's SASL parameters from view. 1
 * with *conf_r (free with sasl_server_conf_free); -1 with *error_r naming
 * the parameter (an unknown security option, an unknown
 * smtpd_sasl_type (cyrus: enable is cleared, with a warning), a bad socket
 * specification, a host name that does not resolve). With
 * smtpd_sasl_auth_enable = no the other values are still read and checked
 * but path is not resolved. May block (DNS for an inet: path): call it at
 * start-up or reload, not on a worker. */
int sasl_server_conf_new(const struct cfg *view, struct sasl_server_conf **conf_r, char **error_r);
void sasl_server_conf_free(struct sasl_server_conf **confp);

/* sasl_sec_opts_parse: a security options list into SASL_SEC_* bits. 1;
 * -1 with *error_r quoting the unknown word. */
int sasl_sec_opts_parse(const char *value, unsigned *opts_r, char **error_r);

struct sasl_backend;

/* sasl_backend_new: the back-end that conf names (its type, path and
 * addresses are copied) on a worker's base. For dovecot this starts
 * connecting (the handshake goes on in events); for passwd-file the file
 * is read now and a helper thread started. 1 with *be_r; -1 with *error_r
 * (passwd-file unreadable or malformed: "FILE:LINE: ..."). Must be freed
 * on the worker's thread. */
int sasl_backend_new(const struct sasl_server_conf *conf, struct event_base *base,
		     struct sasl_backend **be_r, char **error_r);
/* sasl_backend_free: close the back-end and set *bep NULL; accepts NULL.
 * Sessions using it must have been freed first. */
void sasl_backend_free(struct sasl_backend **bep);

/* The client whose session authenticates, for the back-end (Dovecot's
 * rip/lip/rport/lport) and for log lines. Strings are copied. */
struct sasl_peer {
	const char *namaddr; /* "name[addr]" for logs */
	const char *client_addr;
	unsigned client_port;
	const char *server_addr;
	unsigned server_port;
};

struct sasl_server;

struct sasl_registry;

/* sasl_registry_new: a worker's back-ends, made on demand on base. Free
 * with sasl_registry_free after its sessions, on the worker's thread or
 * once its loop has stopped. */
struct sasl_registry *sasl_registry_new(struct event_base *base);
void sasl_registry_free(struct sasl_registry **regp);
/* sasl_registry_get: the worker's back-end for conf's type and path,
 * made by sasl_backend_new the first time. 1 with *be_r (owned by the
 * registry); -1 with *error_r (logged by the caller; the session then
 * offers no AUTH). */
int sasl_registry_get(struct sasl_registry *reg, const struct sasl_server_conf *conf,
		      struct sasl_backend **be_r, char **error_r);

/* sasl_server_new: one session's SASL state on back-end be under the
 * listener's conf (both must outlive it). Caller frees with
 * sasl_server_free before the back-end. */
struct sasl_server *sasl_server_new(struct sasl_backend *be, const struct sasl_server_conf *conf,
				    const struct sasl_peer *peer);
/* sasl_server_free: release *sp, dropping any conversation in progress (its
 * callback is never called), and set it NULL; accepts NULL. */
void sasl_server_free(struct sasl_server **sp);

/* sasl_server_set_tls: the session is now in TLS (after STARTTLS, or
 * from the start in wrapper mode); changes the mechanisms offered and
 * what the back-end is told ("secured"). */
void sasl_server_set_tls(struct sasl_server *s, int active);

/* sasl_mechs_fn: the mechanisms to announce ("PLAIN LOGIN"), or NULL when
 * EHLO must not list AUTH (auth disabled, TLS required first, back-end
 * unreachable, or every mechanism filtered out). The string is valid
 * during the call only. */
typedef void sasl_mechs_fn(void *arg, const char *mechs);

/* sasl_server_mechs_now: the mechanisms to offer now, as for
 * sasl_server_mechs, without waiting: malloc'd, or NULL (also while the
 * back-end is not ready yet; it is then asked to get ready). */
char *sasl_server_mechs_now(struct sasl_server *s);

/* sasl_server_mechs: find the mechanisms to offer now. Asynchronous: may
 * call cb before returning (the usual case) or later, once the Dovecot
 * handshake is done or has failed. One pending call per session. */
void sasl_server_mechs(struct sasl_server *s, sasl_mechs_fn *cb, void *arg);

enum sasl_status {
	SASL_CONTINUE, /* send "334 challenge" and pass the next line to sasl_server_step */
	SASL_OK,       /* authenticated: send 235 2.7.0 */
	SASL_FAIL,     /* send reply; the conversation is over */
};

struct sasl_result {
	enum sasl_status status;
	const char *challenge;	  /* CONTINUE: base64 text, possibly "" */
	const char *mechanism;	  /* OK: the mechanism, upper case ("PLAIN") */
	const char *username;	  /* OK: the authenticated login name, with
				     non-printable characters as '?' */
	struct smtp_reply *reply; /* FAIL: the reply, owned by the callee */
};

/* sasl_step_fn: one step's outcome; pointers are valid during the call.
 * The callback may free the sasl_server. */
typedef void sasl_step_fn(void *arg, const struct sasl_result *res);

/* sasl_server_start: begin AUTH with mechanism mech (any case) and the
 * initial response of the AUTH command (NULL when none; "=" for an empty
 * one, RFC 4954). The caller has already checked what Postfix checks before
 * (see sasl_server_auth_allowed). Asynchronous: cb may be called before
 * this returns. */
void sasl_server_start(struct sasl_server *s, const char *mech, const char *initial_response,
		       sasl_step_fn *cb, void *arg);
/* sasl_server_step: the client's line after a 334 challenge (without
 * CRLF). "*" aborts (501 5.7.0 Authentication aborted). Asynchronous like
 * sasl_server_start. */
void sasl_server_step(struct sasl_server *s, const char *response, sasl_step_fn *cb, void *arg);

/* sasl_server_cancel: drop the conversation in progress (its callback is
 * not called); for a response the session refuses itself. */
void sasl_server_cancel(struct sasl_server *s);

/* sasl_server_auth_allowed: the reply to an AUTH command before any
 * mechanism runs, in Postfix's order of checks, or SMTP_R__COUNT when the
 * command may go on. s is NULL when the listener has SASL off; argc is the
 * number of words of the command (AUTH included); in_mail is nonzero
 * inside a MAIL transaction. */
enum smtp_reply_id sasl_server_auth_allowed(const struct sasl_server *s, int in_mail, int argc);

#endif
