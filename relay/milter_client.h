/* milter_client.h: posternd's milter client, the MTA side of the Sendmail
 * milter protocol as Postfix's smtpd and cleanup speak it (MILTER_README).
 *
 * Configuration (milter_client_conf.c) is read once per snapshot from a
 * listener's view: smtpd_milters, each entry "inet:host:port", "unix:path"
 * or the Postfix 3 form "{ inet:host:port, connect_timeout=10s,
 * command_timeout=10s, content_timeout=300s, default_action=accept,
 * protocol=6 }", plus milter_protocol, milter_default_action, the three
 * milter_*_timeout parameters, milter_macro_daemon_name, milter_macro_v,
 * milter_macro_defaults and the milter_*_macros lists; and
 * smtpd_milter_maps, the milters of each client address (Postfix 3.2).
 *
 * A session owns one chain (milter_chain_*): one connection per milter,
 * opened at the CONNECT stage, each a bufferevent on the session's
 * event_base; nothing ever blocks. Each SMTP stage is sent to the milters in
 * order and the first refusal decides. The message content is kept in
 * memory while it arrives and sent to each milter in turn at the end of the
 * message; each milter's changes are applied before the next one sees the
 * message, as Postfix's cleanup does. The result (struct milter_result)
 * tells the session what to queue.
 */
#ifndef POSTERN_MILTER_CLIENT_H
#define POSTERN_MILTER_CLIENT_H

#include <pthread.h>
#include <stddef.h>

#include "buf.h"
#include "milter_proto.h"
#include "smtpd_check.h"
#include "sockspec.h"

struct cfg;
struct event_base;
struct smtp_reply;

/* What to do when a milter is unreachable or misbehaves. */
enum milter_default {
	MILTER_DEFAULT_ACCEPT,	   /* go on as if the milter did not exist */
	MILTER_DEFAULT_REJECT,	   /* 550 5.5.0 Service unavailable */
	MILTER_DEFAULT_TEMPFAIL,   /* 451 4.7.1 Service unavailable - try again later */
	MILTER_DEFAULT_QUARANTINE, /* accept, but put the message on hold */
};

/* One smtpd_milters entry. */
struct milter_client_spec {
	char *name;			 /* the socket as written, for logs */
	struct sockspec_addr *addrs;	 /* resolved at load time */
	size_t n_addrs;
	long long connect_timeout;	 /* seconds */
	long long command_timeout;
	long long content_timeout;
	enum milter_default default_action;
	int protocol;			 /* 2..6 */
};

struct table;

struct milter_client_conf {
	struct milter_client_spec *milters;
	size_t n_milters;
	char *macros[MILTER_STAGE_COUNT]; /* milter_*_macros, by stage */
	char *unknown_macros;		  /* milter_unknown_command_macros */
	struct table **hbc;		  /* milter_header_checks (NULL-terminated), or NULL */
	int hbc_shared;			  /* hbc belongs to the conf this one derives from */
	char *daemon_name;		  /* milter_macro_daemon_name */
	char *macro_v;			  /* milter_macro_v */
	char *myhostname;		  /* the "j" macro */
	char **macro_defaults;		  /* milter_macro_defaults: name, value, ..., NULL */
	struct milter_client_spec globals; /* the settings an entry starts from */
	/* smtpd_milter_maps (NULL-terminated; NULL: none), and the milter
	 * lists their results named so far, parsed once each. */
	struct table **maps;
	pthread_mutex_t lock;
	char **map_values;
	struct milter_client_conf **map_confs;
	size_t n_map;
	int non_smtp; /* set by the user of the conf for non_smtpd_milters: MAIL
			 and RCPT addresses go without <> and there are no
			 {mail,rcpt}_{host,mailer} macros, as Postfix's cleanup
			 sends non-SMTP mail */
};

/* milter_client_conf_new: read the milter settings of view for the list
 * parameter param ("smtpd_milters") and, unless maps_param is NULL, the
 * per-client tables maps_param ("smtpd_milter_maps"). 1 with *conf_r, 0
 * when both are empty (*conf_r NULL), -1 with *error_r ("smtpd_milters:
 * ...") for an entry that cannot work (bad socket, unknown attribute, bad
 * value) or a table that cannot be opened. */
int milter_client_conf_new(const struct cfg *view, const char *param, const char *maps_param,
			   struct milter_client_conf **conf_r, char **error_r);
/* milter_client_conf_client: the milters for a client address: conf
 * itself when no table of smtpd_milter_maps has addr, NULL when the
 * result is DISABLE (any case), else the result parsed as a smtpd_milters
 * list (kept in conf: each distinct result is parsed, and its host names
 * resolved, once). 1 with *r; -1 with *error_r when a lookup fails or the
 * result is not a valid list (*r is then conf). Thread-safe. */
int milter_client_conf_client(struct milter_client_conf *conf, const char *addr,
			      const struct milter_client_conf **r, char **error_r);
/* milter_client_conf_free: release *cp and clear it; accepts NULL. */
void milter_client_conf_free(struct milter_client_conf **cp);

/* What the milters decided about a stage. */
struct milter_verdict {
	/* NULL: go on; else refuse the command with this reply (owned by the
	 * chain, valid during the callback). */
	const struct smtp_reply *reply;
	/* The refusal is milter_header_checks' and was logged already. */
	int logged;
};
typedef void milter_done_fn(void *arg, const struct milter_verdict *v);

/* A recipient a milter added: the address without <>, and the ESMTP
 * arguments of SMFIR_ADDRCPT_PAR ("NOTIFY=NEVER ORCPT=rfc822;a@b"), or
 * NULL. */
struct milter_added_rcpt {
	char *addr;
	char *args;
};

/* The message as the milters left it, valid after the END_OF_DATA stage
 * until milter_chain_reset(). */
struct milter_result {
	int discard;	     /* accept and throw away */
	char *hold_reason;   /* non-NULL: quarantine, with this reason */
	char *hold_filter;   /* ... and the milter that asked for it */
	char *sender;	     /* non-NULL: the new envelope sender */
	char *sender_args;   /* ... and its ESMTP arguments, or NULL */
	struct milter_added_rcpt *add_rcpts; /* recipients to add */
	size_t n_add_rcpts;
	char **del_rcpts;    /* recipients to delete */
	size_t n_del_rcpts;
	char *redirect;	     /* milter_header_checks REDIRECT: deliver to this address only */
	struct buf content;  /* the message content to queue (headers and body) */
};

struct milter_chain;

/* milter_chain_new: a chain for one SMTP session on base, using conf
 * (which must outlive the chain). Connects nothing yet. */
struct milter_chain *milter_chain_new(const struct milter_client_conf *conf,
				      struct event_base *base);
/* milter_chain_free: close every connection (QUIT) and release *cp; no
 * callback runs after this. Accepts NULL. */
void milter_chain_free(struct milter_chain **cp);

/* milter_chain_stage: send stage (CONNECT opens the connections) with the
 * macros facts provide; for END_OF_DATA, the content given so far goes to
 * each milter in turn. done(arg, verdict) runs once, never before this
 * returns. esmtp_args (may be NULL; copied) are the ESMTP arguments of
 * MAIL or RCPT ("SIZE=123", ...; NULL-terminated). */
void milter_chain_stage(struct milter_chain *c, enum smtpd_check_stage stage,
			const struct smtpd_facts *facts, const char *const *esmtp_args,
			milter_done_fn *done, void *arg);
/* milter_chain_unknown: send an SMTP command the relay does not know
 * (line, as the client sent it: the milters get its verb, as from Postfix)
 * to the milters that take it (not those that negotiated SMFIP_NOUNKNOWN
 * or accepted the session), with the macros of
 * milter_unknown_command_macros. A refusal at CONNECT or HELO (a milter's,
 * or the default action of one that failed) answers it without asking.
 * done(arg, verdict) runs once, never before this returns; the verdict's
 * reply, if any, replaces the relay's "500 5.5.2 Error: command not
 * recognized". */
void milter_chain_unknown(struct milter_chain *c, const struct smtpd_facts *facts,
			  const char *line, milter_done_fn *done, void *arg);
/* milter_chain_session_reply: the refusal a milter gave at CONNECT or
 * HELO (the session goes on; each MAIL gets it), or NULL. */
const struct smtp_reply *milter_chain_session_reply(const struct milter_chain *c);
/* milter_chain_content: append message content (as it will be queued). */
void milter_chain_content(struct milter_chain *c, const void *data, size_t len);
/* milter_chain_content_size: the bytes appended so far. */
size_t milter_chain_content_size(const struct milter_chain *c);
/* milter_chain_result: the outcome of END_OF_DATA (see above). */
struct milter_result *milter_chain_result(struct milter_chain *c);
/* milter_chain_discarding: 1 if a milter asked to discard the current
 * transaction before its end, else 0. */
int milter_chain_discarding(const struct milter_chain *c);
/* milter_chain_reset: the transaction ended (RSET, new MAIL, after the
 * message): milters in a transaction get ABORT, the result is cleared. */
void milter_chain_reset(struct milter_chain *c);

#endif
