/* smtpd_check.h: the restriction engine of posternd's SMTP server.
 *
 * A decision function over facts (what the SMTP server knows about the
 * session at a stage), lookup tables and DNS answers, with Postfix's
 * semantics: the restriction lists smtpd_client_restrictions,
 * smtpd_helo_restrictions, smtpd_sender_restrictions,
 * smtpd_relay_restrictions, smtpd_recipient_restrictions,
 * smtpd_data_restrictions and smtpd_end_of_data_restrictions, their
 * elements and access(5) actions, smtpd_restriction_classes,
 * smtpd_delay_reject, warn_if_reject, and Postfix's reply codes, enhanced
 * status codes and wording ("554 5.7.1 <x@y>: Relay access denied").
 *
 * Two objects:
 * - struct smtpd_check_conf: the compiled restrictions of one listener
 *   (a configuration view: defaults <- main.cf <- master.cf -o
 *   overrides), with its lookup tables open. Built once per listener per
 *   configuration snapshot; immutable and shareable by every worker
 *   thread afterwards.
 * - struct smtpd_check: one per SMTP session, on the session's worker:
 *   the per-session state Postfix keeps (defer_if_permit carried to RCPT,
 *   the actions recorded for the current message, a cache of DNS answers).
 *
 * The engine does no socket I/O besides DNS through common/dns.h and
 * policy requests through relay/policy_client.h. It logs
 * its decisions itself, in Postfix's format, through log.h:
 *   NOQUEUE: reject: RCPT from host[addr]: 554 5.7.1 <x@y>: Relay access
 *   denied; from=<a@b> to=<x@y> proto=ESMTP helo=<h>
 * (also "reject_warning:", "hold:", "discard:", "redirect:", "filter:",
 * "warn:", "info:"); the SMTP server only sends the reply.
 *
 * Not thread-safe per session: a struct smtpd_check is used by the thread
 * of its event_base only. A conf is read-only and may be shared.
 */
#ifndef POSTERN_SMTPD_CHECK_H
#define POSTERN_SMTPD_CHECK_H

#include <stddef.h>

#include "buf.h"
#include "cfg.h"
#include "dns.h"
#include "smtp_reply.h"

struct smtpd_check_conf;
struct smtpd_check;

/* When a restriction list is evaluated (Postfix's smtpd_check_*()). */
enum smtpd_check_stage {
	SMTPD_CHECK_CONNECT,	 /* after the connection is accepted */
	SMTPD_CHECK_HELO,	 /* HELO/EHLO */
	SMTPD_CHECK_MAIL,	 /* MAIL FROM */
	SMTPD_CHECK_RCPT,	 /* RCPT TO, once per recipient */
	SMTPD_CHECK_DATA,	 /* the DATA command (BDAT: the first chunk) */
	SMTPD_CHECK_END_OF_DATA, /* the end of the message, before the 250 */
};

/* Outcome of the client host name lookups (Postfix's name_status and
 * reverse_name_status). 0 is "not looked up yet", treated as unknown. */
enum smtpd_peer_status {
	SMTPD_PEER_NONE = 0,
	SMTPD_PEER_OK,	   /* the name is known (and, for client_name, verified) */
	SMTPD_PEER_TEMP,   /* a temporary DNS failure: the name is "unknown" */
	SMTPD_PEER_PERM,   /* no PTR record, or an invalid name: "unknown" */
	SMTPD_PEER_FORGED, /* client_name only: the PTR name does not resolve back */
};

/* What Postfix's smtpd knows at a stage. Strings are borrowed for the
 * duration of smtpd_check_run() (until done_cb runs); NULL means "not
 * known (yet)". Addresses are in internal form (addr.h): unquoted, "" for
 * the null sender. */
struct smtpd_facts {
	/* The connection. */
	const char *client_addr; /* required: "192.0.2.1", "2001:db8::1" */
	const char *client_port;
	const char *client_name; /* verified name, or "unknown" */
	enum smtpd_peer_status client_name_status;
	const char *reverse_name; /* PTR name, or "unknown" */
	enum smtpd_peer_status reverse_name_status;
	const char *server_addr;
	const char *server_port;
	/* The protocol so far, "SMTP" or "ESMTP" (after EHLO), logged as
	 * proto=...; at the HELO stage still the one before that command,
	 * as Postfix logs it. */
	const char *protocol;
	const char *helo; /* HELO/EHLO argument; NULL before (or after a refused HELO) */
	int ehlo;	  /* HELO stage: the command is EHLO (1) or HELO (0); a
			   * protocol of ESMTP... also counts as EHLO */
	const char *instance; /* a unique transaction id, for policy services */
	const char *queue_id; /* NULL: "NOQUEUE" in logs */
	/* TLS (NULL when the session is not encrypted). */
	const char *tls_protocol; /* "TLSv1.3" */
	const char *tls_cipher;
	int tls_bits;
	const char *ccert_subject; /* client certificate, when one was sent */
	const char *ccert_issuer;
	const char *ccert_fingerprint;
	/* SASL (NULL when the client has not authenticated). */
	const char *sasl_method;
	const char *sasl_username;
	const char *sasl_sender; /* MAIL FROM AUTH=<...> */
	/* The transaction. */
	const char *sender;    /* MAIL FROM; "" for <>; NULL before MAIL */
	const char *recipient; /* RCPT TO at RCPT; at DATA and END_OF_DATA the
				* last recipient accepted (logged when it is the
				* only one) */
	unsigned rcpt_count;   /* recipients accepted so far */
	long long size;	       /* SIZE= at MAIL/RCPT/DATA; at END_OF_DATA the
				* content as received (line bytes plus 2 per
				* line end, as Postfix's act_size); 0 when unknown */
	/* For reject_unauth_pipelining: the SMTP server saw the client send
	 * commands ahead of time where that is not allowed (Postfix's
	 * SMTPD_FLAG_ILL_PIPELINING: input before the greeting, after
	 * HELO/EHLO or DATA, or any pipelining without ESMTP PIPELINING);
	 * Postfix keeps the flag for the rest of the session. */
	int input_pending;
};

/* The actions recorded for the current message by access tables (HOLD,
 * DISCARD, REDIRECT, BCC, FILTER, PREPEND), as Postfix's smtpd hands them
 * to cleanup. Valid until the next smtpd_check_run() or
 * smtpd_check_reset_transaction(). */
struct smtpd_effects {
	const char *hold;     /* non-NULL: put the message on hold; the reason */
	const char *discard;  /* non-NULL: accept and discard; the reason */
	const char *redirect; /* non-NULL: deliver to this address only */
	const char *filter;   /* non-NULL: FILTER transport:destination */
	const char *const *bcc; /* n_bcc addresses to add as recipients */
	size_t n_bcc;
	/* PREPEND: header lines to add at the top of the message, each
	 * ending with "\n", in the order Postfix adds them. */
	const char *prepend;
};

/* The decision for one stage. */
struct smtpd_verdict {
	/* NULL: go on (the command is accepted as far as restrictions are
	 * concerned). Else refuse the command with this reply (4xx or 5xx),
	 * already logged. Owned by the engine, valid during done_cb. */
	const struct smtp_reply *reply;
	/* Only meaningful when reply is NULL: the message is to be
	 * discarded; further restrictions are skipped for this message (as in
	 * Postfix, DISCARD ends all checks of the transaction). */
	int discard;
};

/* Called once per smtpd_check_run(), possibly before it returns. */
typedef void smtpd_check_done_fn(void *arg, const struct smtpd_verdict *verdict);

/* For postern explain: called for each step of an evaluation. depth is
 * the nesting (0 for a restriction list, 1 for its elements, 2 and more
 * inside restriction classes and access table results); line is one line
 * of text without newline ("check_client_access cidr:/x: 192.0.2.1 ->
 * REJECT", "=> reject: 554 5.7.1 ..."). Only the final, complete pass of
 * an evaluation is traced (passes that stopped to wait for DNS are not). */
typedef void smtpd_check_trace_fn(void *ctx, int depth, const char *line);

/* smtpd_check_conf_new: compile the restrictions of the configuration
 * view (parameters are read with $name expansion; user-defined parameters
 * such as mua_client_restrictions are reached through $name and
 * smtpd_restriction_classes). Opens every lookup table named by the
 * restrictions and the address classes (mydestination, relay_domains,
 * virtual_*_domains, mynetworks, smtpd_sender_login_maps,
 * relay_recipient_maps, rbl_reply_maps, ...). Returns 1 with *conf_r, or
 * -1 with *error_r (caller frees) naming the parameter and the problem:
 * an unknown restriction, a missing argument, a table that cannot be
 * opened, a restriction used at a stage where Postfix refuses it. */
int smtpd_check_conf_new(const struct cfg *view, struct smtpd_check_conf **conf_r,
			 char **error_r);
/* smtpd_check_conf_ref/unref: reference counting (thread-safe); the conf
 * is released when the last reference goes; unref sets *confp to NULL and
 * accepts NULL. smtpd_check_conf_new returns one reference. */
struct smtpd_check_conf *smtpd_check_conf_ref(struct smtpd_check_conf *conf);
void smtpd_check_conf_unref(struct smtpd_check_conf **confp);

/* smtpd_check_new: the state of one session, taking a reference to conf.
 * dns (not owned, must outlive the session state) serves the lookups of
 * the reject_unknown_*, rbl and rhsbl restrictions; it may be NULL when
 * the restrictions need no DNS (a restriction that does then answers as
 * on a temporary DNS failure). policy (not owned, on the same event_base
 * as dns, outliving the session state) sends check_policy_service
 * requests; NULL makes every policy service fail (its default action
 * applies). Free with smtpd_check_free(). */
struct policy_client;
struct smtpd_check *smtpd_check_new(struct smtpd_check_conf *conf, struct dns *dns,
				    struct policy_client *policy);
/* smtpd_check_free: cancel a pending evaluation (done_cb is not called),
 * release *chkp and set it to NULL; accepts NULL. */
void smtpd_check_free(struct smtpd_check **chkp);

/* smtpd_check_set_trace: trace every evaluation through fn (NULL: off). */
void smtpd_check_set_trace(struct smtpd_check *chk, smtpd_check_trace_fn *fn, void *ctx);

/* smtpd_check_run: apply the restrictions of stage to facts. With
 * smtpd_delay_reject = yes (the default) the client, HELO and sender
 * restrictions are not evaluated at CONNECT, HELO and MAIL (the verdict
 * there is "go on") but at each RCPT, before the relay and recipient
 * restrictions, as Postfix does. done_cb is called exactly once, unless
 * the session state is freed first; it may be called before
 * smtpd_check_run returns. Only one evaluation may run at a time per
 * session (a second call while one is pending is a bug: panic). facts
 * and its strings must stay valid until done_cb is called. */
void smtpd_check_run(struct smtpd_check *chk, enum smtpd_check_stage stage,
		     const struct smtpd_facts *facts, smtpd_check_done_fn *done_cb, void *arg);

/* smtpd_check_effects: the actions recorded for the current message. */
const struct smtpd_effects *smtpd_check_effects(const struct smtpd_check *chk);

/* smtpd_check_reset_transaction: forget what belongs to the current
 * message (effects, sender-stage state): call at RSET, at the end of a
 * message and when a new MAIL starts. */
void smtpd_check_reset_transaction(struct smtpd_check *chk);

/* smtpd_check_stage_name: "CONNECT", "HELO", "MAIL", "RCPT", "DATA",
 * "END-OF-MESSAGE" (the words Postfix uses in its reject log lines). */
const char *smtpd_check_stage_name(enum smtpd_check_stage stage);

/* Client host names, looked up the way Postfix's smtpd does at connect:
 * reverse_name is the PTR name of the address (status OK, TEMP or PERM);
 * client_name is that name when it is a valid host name one of whose
 * addresses is the client address (OK), else "unknown" with TEMP, PERM or
 * FORGED. */
struct smtpd_peer_names {
	const char *client_name;
	enum smtpd_peer_status client_name_status;
	const char *reverse_name;
	enum smtpd_peer_status reverse_name_status;
};
typedef void smtpd_peer_done_fn(void *arg, const struct smtpd_peer_names *names);
struct smtpd_peer_lookup;

/* smtpd_peer_lookup_start: look up the names of addr through dns. done_cb
 * runs once, possibly before this returns (then NULL is returned), with
 * names valid during the call. Returns a handle to cancel the lookup with
 * smtpd_peer_lookup_cancel() (which sets *lp to NULL and accepts NULL);
 * the handle is gone once done_cb has run. Warnings Postfix logs ("hostname
 * X does not resolve to address Y") are logged. */
struct smtpd_peer_lookup *smtpd_peer_lookup_start(struct dns *dns, const char *addr,
						  smtpd_peer_done_fn *done_cb, void *arg);
void smtpd_peer_lookup_cancel(struct smtpd_peer_lookup **lp);

#endif
