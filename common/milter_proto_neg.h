/* milter_proto_neg.h: milter option negotiation and the rules that follow
 * from it.
 *
 * The MTA opens with OPTNEG: its version, the actions it allows and the
 * protocol flags it can honour. The milter answers with its version, the
 * actions it wants and the protocol flags it wants, optionally followed by
 * macro lists per stage. The outcome, struct milter_neg, then says for the
 * rest of the connection which commands the MTA sends, after which ones it
 * waits for a reply, and which replies are allowed where. Both sides use it:
 * milter_neg_mta() on the MTA side, milter_neg_milter() on the milter side.
 */
#ifndef POSTERN_MILTER_PROTO_NEG_H
#define POSTERN_MILTER_PROTO_NEG_H

#include <stddef.h>
#include <stdint.h>

#include "milter_proto.h"

struct milter_neg {
	uint32_t version;  /* the version both sides speak */
	uint32_t actions;  /* MILTER_ACTION_*: what the milter may do at end of message */
	uint32_t protocol; /* MILTER_PROTO_*: steps not sent, replies not sent,
			    * capabilities in use; steps the agreed version lacks
			    * count as not sent */
	size_t max_data;   /* packet data limit, from the MDS flags */
	/* MTA side: flags the milter set that the MTA did not offer. Steps to
	 * skip and replies to omit are honoured anyway (the milter would not
	 * answer, so the MTA must not wait); capabilities are dropped. For a
	 * log line, as Postfix logs it in verbose mode. */
	uint32_t unoffered;
	/* MTA side: the milter's macro lists (owned copies), NULL where the
	 * MTA's configured list applies. */
	char *symlists[MILTER_STAGE_COUNT];
};

/* milter_neg_mta: the MTA side. Check the milter's reply against what the
 * MTA offered, as Postfix does: the version must be from 2 to the offered
 * one and the actions a subset of the offered ones. Returns 1 with *neg_r
 * filled (release with milter_neg_deinit()), or -1 with a malloc'd
 * *error_r. */
int milter_neg_mta(const struct milter_optneg *offer, const struct milter_optneg *reply,
		   struct milter_neg *neg_r, char **error_r);

/* milter_neg_milter: the milter side, as libmilter negotiates. want holds
 * the actions the milter needs, the protocol flags it would like and its
 * macro lists (want->version is ignored). The version is the lower of the
 * MTA's and ours; a zero action or protocol offer means the version 1 set.
 * Reply flags ("no reply to X"), SKIP, the data size flags and "no DATA"/
 * "no UNKNOWN" are dropped when the MTA does not offer them; a needed
 * action, another "do not send X" flag, RCPT_REJ or HDR_LEADSPC that the
 * MTA does not offer is an error. Returns 1 with the OPTNEG reply to send
 * in *reply_r (its symlists point to want's) and *neg_r filled, or -1 with
 * a malloc'd *error_r. */
int milter_neg_milter(const struct milter_optneg *offer, const struct milter_optneg *want,
		      struct milter_optneg *reply_r, struct milter_neg *neg_r, char **error_r);

/* milter_neg_deinit: free the macro list copies; the struct may be reused. */
void milter_neg_deinit(struct milter_neg *neg);

/* milter_neg_sends: 1 if the MTA sends command code to this milter, 0 if
 * the milter asked not to get it or its version does not have it.
 * (Whether rejected recipients are sent too is MILTER_PROTO_RCPT_REJ.) */
int milter_neg_sends(const struct milter_neg *neg, int code);

/* milter_neg_has_step: 1 if the agreed version has command code (UNKNOWN
 * came with version 3, DATA with 4), whether or not the milter asked not
 * to get it; 0 if it does not. Postfix sends the macros of a step the
 * milter skips, but not of one its version lacks. */
int milter_neg_has_step(const struct milter_neg *neg, int code);

/* milter_neg_awaits_reply: 1 if the milter answers command code, 0 if it
 * does not (MACRO, ABORT, QUIT, QUIT_NC, and the steps whose "no reply"
 * flag was agreed). */
int milter_neg_awaits_reply(const struct milter_neg *neg, int code);

/* milter_neg_reply_ok: 1 if reply code may answer command cmd: OPTNEG only
 * answers OPTNEG; the message changes and QUARANTINE only answer BODYEOB
 * and need their action; SKIP only answers BODY and needs
 * MILTER_PROTO_SKIP; PROGRESS and the decisions answer any command that
 * gets a reply. Else -1 with a malloc'd *error_r. */
int milter_neg_reply_ok(const struct milter_neg *neg, int cmd, int reply, char **error_r);

#endif
