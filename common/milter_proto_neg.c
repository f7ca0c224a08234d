/* milter_proto_neg.c: milter option negotiation for both sides and the
 * per-command rules derived from it (see milter_proto_neg.h). The MTA side
 * follows Postfix's milter8.c, the milter side libmilter's engine.c. */
#include "milter_proto_neg.h"

#include <stdlib.h>
#include <string.h>

#include "mem.h"

/* How a command is answered. */
enum answer {
	ANSWER_NEVER,
	ANSWER_ALWAYS,
	ANSWER_UNLESS_FLAG, /* unless the step's "no reply" flag was agreed */
};

static const struct step {
	int code;
	uint32_t nosend;  /* "do not send" flag, 0 if always sent */
	uint32_t noreply; /* "no reply" flag */
	enum answer answer;
} steps[] = {
	{MILTER_CMD_OPTNEG, 0, 0, ANSWER_ALWAYS},
	{MILTER_CMD_MACRO, 0, 0, ANSWER_NEVER},
	{MILTER_CMD_CONNECT, MILTER_PROTO_NOCONNECT, MILTER_PROTO_NR_CONN, ANSWER_UNLESS_FLAG},
	{MILTER_CMD_HELO, MILTER_PROTO_NOHELO, MILTER_PROTO_NR_HELO, ANSWER_UNLESS_FLAG},
	{MILTER_CMD_MAIL, MILTER_PROTO_NOMAIL, MILTER_PROTO_NR_MAIL, ANSWER_UNLESS_FLAG},
	{MILTER_CMD_RCPT, MILTER_PROTO_NORCPT, MILTER_PROTO_NR_RCPT, ANSWER_UNLESS_FLAG},
	{MILTER_CMD_DATA, MILTER_PROTO_NODATA, MILTER_PROTO_NR_DATA, ANSWER_UNLESS_FLAG},
	{MILTER_CMD_UNKNOWN, MILTER_PROTO_NOUNKNOWN, MILTER_PROTO_NR_UNKN, ANSWER_UNLESS_FLAG},
	{MILTER_CMD_HEADER, MILTER_PROTO_NOHDRS, MILTER_PROTO_NR_HDR, ANSWER_UNLESS_FLAG},
	{MILTER_CMD_EOH, MILTER_PROTO_NOEOH, MILTER_PROTO_NR_EOH, ANSWER_UNLESS_FLAG},
	{MILTER_CMD_BODY, MILTER_PROTO_NOBODY, MILTER_PROTO_NR_BODY, ANSWER_UNLESS_FLAG},
	{MILTER_CMD_BODYEOB, 0, 0, ANSWER_ALWAYS},
	{MILTER_CMD_ABORT, 0, 0, ANSWER_NEVER},
	{MILTER_CMD_QUIT, 0, 0, ANSWER_NEVER},
	{MILTER_CMD_QUIT_NC, 0, 0, ANSWER_NEVER},
};

/* The action each message change needs. */
static const struct change {
	int reply;
	uint32_t action;
} changes[] = {
	{MILTER_REPLY_ADDHEADER, MILTER_ACTION_ADDHDRS},
	{MILTER_REPLY_INSHEADER, MILTER_ACTION_ADDHDRS},
	{MILTER_REPLY_CHGHEADER, MILTER_ACTION_CHGHDRS},
	{MILTER_REPLY_ADDRCPT, MILTER_ACTION_ADDRCPT},
	{MILTER_REPLY_ADDRCPT_PAR, MILTER_ACTION_ADDRCPT_PAR},
	{MILTER_REPLY_DELRCPT, MILTER_ACTION_DELRCPT},
	{MILTER_REPLY_CHGFROM, MILTER_ACTION_CHGFROM},
	{MILTER_REPLY_REPLBODY, MILTER_ACTION_CHGBODY},
	{MILTER_REPLY_QUARANTINE, MILTER_ACTION_QUARANTINE},
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const struct step *find_step(int code)
{
	for (size_t i = 0; i < COUNT(steps); i++)
		if (steps[i].code == code)
			return &steps[i];
	return NULL;
}

/* version_nosend: steps an older version does not have (UNKNOWN came with
 * version 3, DATA with 4), as in Postfix's per-version event masks. */
static uint32_t version_nosend(uint32_t version)
{
	if (version < 3)
		return MILTER_PROTO_NOUNKNOWN | MILTER_PROTO_NODATA;
	if (version < 4)
		return MILTER_PROTO_NODATA;
	return 0;
}

static size_t mds_max_data(uint32_t protocol)
{
	if (protocol & MILTER_PROTO_MDS_1M)
		return MILTER_DATA_MAX_1M;
	if (protocol & MILTER_PROTO_MDS_256K)
		return MILTER_DATA_MAX_256K;
	return MILTER_DATA_MAX_DEFAULT;
}

int milter_neg_mta(const struct milter_optneg *offer, const struct milter_optneg *reply,
		   struct milter_neg *neg_r, char **error_r)
{
	const uint32_t known =
		MILTER_PROTO_NOSEND_MASK | MILTER_PROTO_NOREPLY_MASK | MILTER_PROTO_CAPS_MASK;
	uint32_t protocol;

	memset(neg_r, 0, sizeof(*neg_r));
	if (reply->version < MILTER_VERSION_MIN || reply->version > offer->version) {
		*error_r = xasprintf("milter protocol version %lu conflicts with MTA version %lu",
				     (unsigned long)reply->version, (unsigned long)offer->version);
		return -1;
	}
	if ((reply->actions & ~offer->actions) != 0) {
		*error_r = xasprintf("milter requests actions 0x%lx, the MTA allows 0x%lx",
				     (unsigned long)reply->actions, (unsigned long)offer->actions);
		return -1;
	}
	neg_r->unoffered = reply->protocol & ~offer->protocol;
	protocol = reply->protocol & known;
	protocol &= ~(MILTER_PROTO_CAPS_MASK & ~offer->protocol);
	neg_r->version = reply->version;
	neg_r->actions = reply->actions;
	neg_r->protocol = protocol | version_nosend(reply->version);
	neg_r->max_data = mds_max_data(protocol);
	for (int i = 0; i < MILTER_STAGE_COUNT; i++)
		if (reply->symlists[i] != NULL)
			neg_r->symlists[i] = xstrdup(reply->symlists[i]);
	return 1;
}

int milter_neg_milter(const struct milter_optneg *offer, const struct milter_optneg *want,
		      struct milter_optneg *reply_r, struct milter_neg *neg_r, char **error_r)
{
	const uint32_t droppable = MILTER_PROTO_NOREPLY_MASK | MILTER_PROTO_SKIP |
				   MILTER_PROTO_MDS_256K | MILTER_PROTO_MDS_1M |
				   MILTER_PROTO_NODATA | MILTER_PROTO_NOUNKNOWN;
	uint32_t mta_actions = offer->actions ? offer->actions : MILTER_ACTIONS_V1;
	uint32_t mta_protocol = offer->protocol ? offer->protocol : MILTER_PROTO_V1;
	uint32_t version, protocol;

	memset(neg_r, 0, sizeof(*neg_r));
	if (offer->version < MILTER_VERSION_MIN) {
		*error_r = xasprintf("MTA protocol version %lu is older than %d",
				     (unsigned long)offer->version, MILTER_VERSION_MIN);
		return -1;
	}
	version = offer->version < MILTER_VERSION ? offer->version : MILTER_VERSION;
	if ((want->actions & ~mta_actions) != 0) {
		*error_r = xasprintf("MTA allows actions 0x%lx, the milter needs 0x%lx",
				     (unsigned long)mta_actions, (unsigned long)want->actions);
		return -1;
	}
	protocol = want->protocol & ~(droppable & ~mta_protocol);
	if ((protocol & ~mta_protocol) != 0) {
		*error_r = xasprintf("MTA offers protocol flags 0x%lx, the milter needs 0x%lx",
				     (unsigned long)mta_protocol, (unsigned long)protocol);
		return -1;
	}
	*reply_r = *want;
	reply_r->version = version;
	reply_r->protocol = protocol;
	reply_r->unknown_stages = 0;
	neg_r->version = version;
	neg_r->actions = want->actions;
	neg_r->protocol = protocol | version_nosend(version);
	neg_r->max_data = mds_max_data(protocol);
	return 1;
}

void milter_neg_deinit(struct milter_neg *neg)
{
	for (int i = 0; i < MILTER_STAGE_COUNT; i++)
		FREE_AND_NULL(neg->symlists[i]);
}

int milter_neg_sends(const struct milter_neg *neg, int code)
{
	const struct step *s = find_step(code);

	if (s == NULL)
		return 0;
	/* QUIT_NC came with version 6 (Sendmail 8.14). */
	if (code == MILTER_CMD_QUIT_NC)
		return neg->version >= 6;
	return (neg->protocol & s->nosend) == 0;
}

int milter_neg_has_step(const struct milter_neg *neg, int code)
{
	const struct step *s = find_step(code);

	return s != NULL && (version_nosend(neg->version) & s->nosend) == 0;
}

int milter_neg_awaits_reply(const struct milter_neg *neg, int code)
{
	const struct step *s = find_step(code);

	if (s == NULL || s->answer == ANSWER_NEVER)
		return 0;
	return s->answer == ANSWER_ALWAYS || (neg->protocol & s->noreply) == 0;
}

static const char *cmd_label(int code)
{
	const char *name = milter_cmd_name(code);
	return name ? name : "an unknown command";
}

int milter_neg_reply_ok(const struct milter_neg *neg, int cmd, int reply, char **error_r)
{
	const char *rname = milter_reply_name(reply);

	if (rname == NULL) {
		*error_r = xasprintf("unknown milter reply code 0x%02x", (unsigned)reply);
		return -1;
	}
	if ((cmd == MILTER_CMD_OPTNEG) != (reply == MILTER_REPLY_OPTNEG)) {
		*error_r = xasprintf("%s does not answer %s", rname, cmd_label(cmd));
		return -1;
	}
	if (!milter_neg_awaits_reply(neg, cmd)) {
		*error_r = xasprintf("%s after %s, which gets no reply", rname, cmd_label(cmd));
		return -1;
	}
	switch (reply) {
	case MILTER_REPLY_OPTNEG:
	case MILTER_REPLY_ACCEPT:
	case MILTER_REPLY_CONTINUE:
	case MILTER_REPLY_REJECT:
	case MILTER_REPLY_TEMPFAIL:
	case MILTER_REPLY_DISCARD:
	case MILTER_REPLY_REPLYCODE:
	case MILTER_REPLY_SHUTDOWN:
	case MILTER_REPLY_CONN_FAIL:
	case MILTER_REPLY_PROGRESS:
		return 1;
	case MILTER_REPLY_SKIP:
		if (cmd != MILTER_CMD_BODY || (neg->protocol & MILTER_PROTO_SKIP) == 0) {
			*error_r =
				xasprintf("%s after %s: only answers SMFIC_BODY, when negotiated",
					  rname, cmd_label(cmd));
			return -1;
		}
		return 1;
	}
	for (size_t i = 0; i < COUNT(changes); i++) {
		if (changes[i].reply != reply)
			continue;
		if (cmd != MILTER_CMD_BODYEOB) {
			*error_r = xasprintf("%s after %s: only answers SMFIC_BODYEOB", rname,
					     cmd_label(cmd));
			return -1;
		}
		if ((neg->actions & changes[i].action) == 0) {
			*error_r = xasprintf("%s needs action 0x%lx, which was not negotiated",
					     rname, (unsigned long)changes[i].action);
			return -1;
		}
		return 1;
	}
	*error_r = xasprintf("%s is not a reply on its own", rname);
	return -1;
}
