/* milter_client_private.h: the parts of the milter client shared by its
 * files: the message model (milter_client_msg.c), one milter connection
 * (milter_client_conn.c), the macros (milter_client_macro.c) and the chain
 * (milter_client_chain.c, and milter_client_eom.c for the end of the
 * message). See milter_client.h for the whole.
 */
#ifndef POSTERN_MILTER_CLIENT_PRIVATE_H
#define POSTERN_MILTER_CLIENT_PRIVATE_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "milter_client.h"
#include "milter_proto.h"
#include "milter_proto_cmd.h"
#include "milter_proto_neg.h"
#include "milter_proto_reply.h"
#include "smtp_reply.h"

struct event;
struct event_base;

/* ---- the message (milter_client_msg.c) ---- */

/* One header field: the name, and the value as stored after the colon
 * (leading white space kept), lines joined by "\n", without the last line
 * end. */
struct milter_hdr {
	char *name;
	char *value;
};

struct milter_msg {
	struct milter_hdr *hdrs;
	size_t n_hdrs, cap_hdrs;
	struct buf body; /* CRLF lines, as queued */
};

/* milter_msg_parse: split queued content (CRLF lines) into header fields
 * and body. A first line that is not a header field starts the body. */
void milter_msg_parse(struct milter_msg *m, const char *data, size_t len);
/* milter_msg_format: append the message (CRLF lines) to out. */
void milter_msg_format(const struct milter_msg *m, struct buf *out);
/* milter_msg_deinit: release everything; m may be parsed again. */
void milter_msg_deinit(struct milter_msg *m);
/* milter_msg_add: append a header field (value as the milter sent it;
 * leadspc: the milter negotiated MILTER_PROTO_HDR_LEADSPC, else one space
 * goes after the colon). */
void milter_msg_add(struct milter_msg *m, const char *name, const char *value, int leadspc);
/* milter_msg_insert: insert a header field before field index (0: the
 * top; past the end: append). */
void milter_msg_insert(struct milter_msg *m, uint32_t index, const char *name,
		       const char *value, int leadspc);
/* milter_msg_change: change the index-th field (from 1; 0 counts as 1)
 * named name (case-insensitive); an empty value deletes it. A field that
 * does not exist is added (when value is not empty), as Postfix does. */
void milter_msg_change(struct milter_msg *m, uint32_t index, const char *name,
		       const char *value, int leadspc);
/* milter_msg_change_to: the same, the field (changed or added) called
 * new_name (milter_header_checks REPLACE may rename it). */
void milter_msg_change_to(struct milter_msg *m, uint32_t index, const char *name,
			  const char *new_name, const char *value, int leadspc);

/* ---- one connection (milter_client_conn.c) ---- */

struct milter_conn;

/* Called for each reply to a request: r is NULL when the milter failed
 * (connection refused or lost, timeout, a malformed or unexpected reply;
 * logged, the connection is closed). Return 1 to wait for more replies
 * (modifications before the final reply of BODYEOB), 0 when done. */
typedef int milter_conn_reply_fn(void *arg, const struct milter_reply *r);

/* milter_conn_new: a closed connection to spec on base. */
struct milter_conn *milter_conn_new(const struct milter_client_spec *spec,
				    struct event_base *base);
/* milter_conn_free: send QUIT if connected, close, free *cp; accepts NULL. */
void milter_conn_free(struct milter_conn **cp);
/* milter_conn_open: connect and negotiate (offering every action and
 * protocol step of spec's protocol version); cb gets the OPTNEG reply or
 * NULL. */
void milter_conn_open(struct milter_conn *mc, milter_conn_reply_fn *cb, void *arg);
/* milter_conn_neg: the negotiated options (after a successful open). */
const struct milter_neg *milter_conn_neg(const struct milter_conn *mc);
/* milter_conn_send: send cmd without waiting for a reply (MACRO, ABORT,
 * commands whose reply was negotiated away). 1 ok, -1 the milter failed
 * (logged, closed). */
int milter_conn_send(struct milter_conn *mc, const struct milter_cmd *cmd);
/* milter_conn_hold: encode cmd (MACRO, or a step without reply) and keep
 * it: it goes out with the next command sent, in the same send(), as
 * Postfix writes a step's macros and the step in one go (past 64 KB it
 * goes at once). 1 ok, -1 the milter failed (logged, closed). */
int milter_conn_hold(struct milter_conn *mc, const struct milter_cmd *cmd);
/* milter_conn_request: send cmd and wait up to timeout seconds (renewed
 * by each reply and by PROGRESS) for replies, each checked against the
 * negotiation, then given to cb. */
void milter_conn_request(struct milter_conn *mc, const struct milter_cmd *cmd,
			 long long timeout, milter_conn_reply_fn *cb, void *arg);
/* milter_conn_failed: 1 once the connection failed or was never made. */
int milter_conn_failed(const struct milter_conn *mc);
/* milter_conn_name: the socket as configured, for logs. */
const char *milter_conn_name(const struct milter_conn *mc);

/* ---- the chain (milter_client_chain.c, milter_client_eom.c) ---- */

struct milter_slot {
	struct milter_conn *conn;
	int skip_session; /* ACCEPT at CONNECT or HELO */
	int skip_txn;	  /* ACCEPT later on: skip until the transaction ends */
	int in_txn;	  /* got MAIL and no end of message yet: ABORT at reset */
};

struct milter_chain {
	const struct milter_client_conf *conf;
	struct event_base *base;
	struct milter_slot *slots;
	size_t n;
	/* The stage in progress. */
	enum smtpd_check_stage stage;
	char *unknown; /* the stage is an unknown command: this line (owned) */
	const struct smtpd_facts *facts;
	char **args; /* the ESMTP arguments of MAIL or RCPT (owned) */
	size_t cur;
	milter_done_fn *done;
	void *arg;
	struct event *finish_ev;
	struct smtp_reply *reply;
	struct smtp_reply *session_reply; /* a refusal at CONNECT or HELO, given at MAIL */
	int discard;
	/* The message. */
	struct buf content;
	struct milter_msg msg;
	int msg_parsed, edited;
	size_t hdr_i, body_off;
	int eoh_sent, skip_body;
	struct buf new_body;
	int new_body_set;
	/* milter_header_checks, for the message: the tables are no longer
	 * consulted (after REJECT, DISCARD, REDIRECT); a REJECT's reply or a
	 * DISCARD that replaces the current milter's verdict, its later
	 * changes not applied. */
	int hbc_off;
	struct smtp_reply *hbc_reply;
	int hbc_discard;
	int hbc_logged; /* c->reply is milter_header_checks', logged already */
	struct milter_result result;
};

/* milter_chain_next: go on with milter c->cur (or end the stage). */
void milter_chain_next(struct milter_chain *c);
/* milter_chain_finish: end the stage (with c->reply, if any) from the
 * event loop, so the session's callback never runs inside a request. */
void milter_chain_finish(struct milter_chain *c);
/* milter_chain_failed: the current milter failed: its default action. */
void milter_chain_failed(struct milter_chain *c);
/* milter_chain_decide: a decision reply (not a change) of the current
 * milter. 1 when the stage ends here (reply set, discard, or the milter
 * failed), 0 to go on with the next milter. */
int milter_chain_decide(struct milter_chain *c, const struct milter_reply *r);
/* milter_chain_macros: the macros of the stage of cmd (UNKNOWN:
 * milter_unknown_command_macros) for the current milter, held back to go
 * with the next command; as Postfix, even when none has a value and even
 * when the milter asked not to get the step. 1 ok, -1 it failed. */
int milter_chain_macros(struct milter_chain *c, int cmd);
/* milter_chain_eom_step: send the next piece of the message to the
 * current milter: header fields, EOH, body chunks, then BODYEOB, and
 * take its replies. (milter_client_eom.c) */
void milter_chain_eom_step(struct milter_chain *c);

/* ---- milter_header_checks (milter_client_hbc.c) ---- */

/* milter_hbc_field: a header field the current milter adds, inserts or
 * changes (name, and value in its stored form: after the colon, leading
 * white space kept) through milter_header_checks, as Postfix's cleanup
 * checks it. 1: store it (REPLACE may have replaced *name_io and
 * *value_io, malloc'd), 0: drop it (IGNORE, STRIP, or a failed lookup).
 * REJECT, DISCARD and a failed lookup set c->hbc_reply or c->hbc_discard;
 * HOLD, REDIRECT and BCC go into c->result; each action is logged as Postfix
 * logs it. */
int milter_hbc_field(struct milter_chain *c, char **name_io, char **value_io);

/* ---- macros (milter_client_macro.c) ---- */

/* milter_macro_pairs: the name/value pairs of the macros in list (names
 * separated by spaces or commas) that facts know, in a NULL-terminated
 * array of alternating names and values (strings owned by *store, an
 * array freed with milter_macro_free). */
const char **milter_macro_pairs(const struct milter_client_conf *conf, const char *list,
				const struct smtpd_facts *facts, char ***store_r, size_t *n_r);
/* milter_macro_free: free the arrays from milter_macro_pairs. */
void milter_macro_free(const char ***pairs, char ***store);

#endif
