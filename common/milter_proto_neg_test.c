/* milter_proto_neg_test.c: option negotiation on the MTA side (Postfix's
 * checks) and the milter side (libmilter's), and the rules that follow:
 * which commands are sent, which get a reply, which replies fit where. */
#include <stdlib.h>
#include <string.h>

#include "milter_proto_neg.h"
#include "tap.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const struct milter_optneg postfix_offer = {
	6, MILTER_ACTIONS_ALL, MILTER_PROTO_ALL, {NULL}, 0};

static void test_mta_accepts(void)
{
	struct milter_optneg reply = {6,
				      MILTER_ACTION_ADDHDRS | MILTER_ACTION_CHGHDRS,
				      MILTER_PROTO_NOCONNECT | MILTER_PROTO_NR_HDR |
					      MILTER_PROTO_SKIP,
				      {[MILTER_STAGE_CONNECT] = "j {daemon_name}"},
				      0};
	struct milter_neg neg;
	char *error = NULL;

	tap_is_int(milter_neg_mta(&postfix_offer, &reply, &neg, &error), 1,
		   "MTA side: a reply within the offer is accepted");
	tap_is_int(neg.version, 6, "version 6 agreed");
	tap_is_int(neg.actions, reply.actions, "the milter's actions are kept");
	tap_is_int(neg.protocol, reply.protocol, "the milter's protocol flags are kept");
	tap_is_int((long long)neg.max_data, MILTER_DATA_MAX_DEFAULT, "default data limit");
	tap_is_int(neg.unoffered, 0, "nothing unoffered");
	tap_is_str(neg.symlists[MILTER_STAGE_CONNECT], "j {daemon_name}",
		   "the connect macro list is kept");
	tap_ok(neg.symlists[MILTER_STAGE_CONNECT] != reply.symlists[MILTER_STAGE_CONNECT],
	       "as a copy that outlives the packet");
	tap_is_str(neg.symlists[MILTER_STAGE_HELO], NULL, "other stages keep the MTA's lists");
	milter_neg_deinit(&neg);
	tap_is_str(neg.symlists[MILTER_STAGE_CONNECT], NULL, "deinit clears the copies");
	free(error);
}

static void test_mta_refuses(void)
{
	static const struct {
		struct milter_optneg reply;
		const char *want;
	} t[] = {
		{{7, 0, 0, {NULL}, 0}, "milter protocol version 7 conflicts with MTA version 6"},
		{{1, 0, 0, {NULL}, 0}, "milter protocol version 1 conflicts with MTA version 6"},
		{{6, 0x200, 0, {NULL}, 0}, "milter requests actions 0x200, the MTA allows 0x1ff"},
	};
	for (size_t i = 0; i < COUNT(t); i++) {
		struct milter_neg neg;
		char *error = NULL;
		tap_is_int(milter_neg_mta(&postfix_offer, &t[i].reply, &neg, &error), -1,
			   "MTA side refuses case %zu", i);
		tap_is_str(error, t[i].want, "with the expected message");
		free(error);
	}
}

static void test_mta_unoffered(void)
{
	/* An MTA that offers neither SKIP nor the header no-reply flag. */
	struct milter_optneg offer = {6,
				      MILTER_ACTIONS_ALL,
				      MILTER_PROTO_ALL & ~(MILTER_PROTO_SKIP | MILTER_PROTO_NR_HDR),
				      {NULL},
				      0};
	struct milter_optneg reply = {
		6, 0, MILTER_PROTO_SKIP | MILTER_PROTO_NR_HDR | 0x40000000u, {NULL}, 0};
	struct milter_neg neg;
	char *error = NULL;

	tap_is_int(milter_neg_mta(&offer, &reply, &neg, &error), 1,
		   "MTA side accepts flags it did not offer, as Postfix does");
	tap_is_int(neg.unoffered, MILTER_PROTO_SKIP | MILTER_PROTO_NR_HDR | 0x40000000u,
		   "and reports them");
	tap_is_int(neg.protocol & MILTER_PROTO_SKIP, 0, "an unoffered capability is dropped");
	tap_is_int(neg.protocol & 0x40000000u, 0, "an unknown flag is dropped");
	tap_is_int(milter_neg_awaits_reply(&neg, MILTER_CMD_HEADER), 0,
		   "an unoffered no-reply flag is honoured: the milter will not answer");
	milter_neg_deinit(&neg);
}

static void test_mta_versions(void)
{
	static const struct {
		uint32_t version;
		int unknown, data, quit_nc;
	} t[] = {
		{2, 0, 0, 0}, {3, 1, 0, 0}, {4, 1, 1, 0}, {5, 1, 1, 0}, {6, 1, 1, 1},
	};
	for (size_t i = 0; i < COUNT(t); i++) {
		struct milter_optneg reply = {t[i].version, 0, 0, {NULL}, 0};
		struct milter_neg neg;
		char *error = NULL;
		milter_neg_mta(&postfix_offer, &reply, &neg, &error);
		tap_ok(milter_neg_sends(&neg, MILTER_CMD_UNKNOWN) == t[i].unknown &&
			       milter_neg_sends(&neg, MILTER_CMD_DATA) == t[i].data &&
			       milter_neg_sends(&neg, MILTER_CMD_QUIT_NC) == t[i].quit_nc &&
			       milter_neg_sends(&neg, MILTER_CMD_HEADER) == 1,
		       "a version %lu milter gets UNKNOWN=%d DATA=%d QUIT_NC=%d",
		       (unsigned long)t[i].version, t[i].unknown, t[i].data, t[i].quit_nc);
		tap_ok(milter_neg_has_step(&neg, MILTER_CMD_UNKNOWN) == t[i].unknown &&
			       milter_neg_has_step(&neg, MILTER_CMD_DATA) == t[i].data,
		       "version %lu has UNKNOWN=%d DATA=%d", (unsigned long)t[i].version,
		       t[i].unknown, t[i].data);
		free(error);
		milter_neg_deinit(&neg);
	}
}

static void test_mta_data_size(void)
{
	static const struct {
		uint32_t offer, reply;
		size_t want;
	} t[] = {
		{MILTER_PROTO_MDS_256K | MILTER_PROTO_MDS_1M, MILTER_PROTO_MDS_256K,
		 MILTER_DATA_MAX_256K},
		{MILTER_PROTO_MDS_256K | MILTER_PROTO_MDS_1M, MILTER_PROTO_MDS_1M,
		 MILTER_DATA_MAX_1M},
		{0, MILTER_PROTO_MDS_1M, MILTER_DATA_MAX_DEFAULT},
	};
	for (size_t i = 0; i < COUNT(t); i++) {
		struct milter_optneg offer = {6, 0, MILTER_PROTO_ALL | t[i].offer, {NULL}, 0};
		struct milter_optneg reply = {6, 0, t[i].reply, {NULL}, 0};
		struct milter_neg neg;
		char *error = NULL;
		milter_neg_mta(&offer, &reply, &neg, &error);
		tap_is_int((long long)neg.max_data, (long long)t[i].want, "data size case %zu", i);
		free(error);
		milter_neg_deinit(&neg);
	}
}

static void test_milter_side(void)
{
	struct milter_optneg want = {0,
				     MILTER_ACTION_ADDHDRS,
				     MILTER_PROTO_NOCONNECT | MILTER_PROTO_NR_HELO |
					     MILTER_PROTO_SKIP | MILTER_PROTO_HDR_LEADSPC,
				     {[MILTER_STAGE_ENVFROM] = "{mail_addr}"},
				     0};
	struct milter_optneg reply;
	struct milter_neg neg;
	char *error = NULL;

	tap_is_int(milter_neg_milter(&postfix_offer, &want, &reply, &neg, &error), 1,
		   "milter side: wants within a Postfix offer are granted");
	tap_is_int(reply.version, 6, "reply version 6");
	tap_is_int(reply.actions, MILTER_ACTION_ADDHDRS, "reply actions are the milter's");
	tap_is_int(reply.protocol, want.protocol, "reply protocol flags are the milter's");
	tap_is_str(reply.symlists[MILTER_STAGE_ENVFROM], "{mail_addr}", "macro list in the reply");
	tap_is_int(milter_neg_sends(&neg, MILTER_CMD_CONNECT), 0, "no CONNECT will come");
	tap_is_int(milter_neg_has_step(&neg, MILTER_CMD_CONNECT), 1,
		   "... but the version has the step (its macros still go)");
	tap_is_int(milter_neg_awaits_reply(&neg, MILTER_CMD_HELO), 0, "HELO needs no answer");
	milter_neg_deinit(&neg);

	/* An old MTA: version 2 steps plus Postfix's no_header_reply. */
	struct milter_optneg old = {2, MILTER_ACTIONS_V1, 0x7f | MILTER_PROTO_NR_HDR, {NULL}, 0};
	want.protocol = MILTER_PROTO_NR_HDR | MILTER_PROTO_NODATA | MILTER_PROTO_SKIP;
	want.protocol |= MILTER_PROTO_MDS_1M;
	tap_is_int(milter_neg_milter(&old, &want, &reply, &neg, &error), 1,
		   "an old MTA is accepted");
	tap_is_int(reply.version, 2, "at its version");
	tap_is_int(reply.protocol, MILTER_PROTO_NR_HDR,
		   "flags it lacks are dropped (NR_HDR is version 2's NOHREPL)");
	tap_is_int(milter_neg_sends(&neg, MILTER_CMD_DATA), 0, "version 2 sends no DATA");
	tap_is_int((long long)neg.max_data, MILTER_DATA_MAX_DEFAULT, "no larger data size");
	milter_neg_deinit(&neg);

	/* Zero offers mean the version 1 sets. */
	struct milter_optneg zero = {6, 0, 0, {NULL}, 0};
	struct milter_optneg want_hdrs = {0, MILTER_ACTION_ADDHDRS, MILTER_PROTO_NOHDRS, {NULL}, 0};
	tap_is_int(milter_neg_milter(&zero, &want_hdrs, &reply, &neg, &error), 1,
		   "a zero offer allows version 1 actions and flags");
	tap_is_int(neg.protocol, MILTER_PROTO_NOHDRS, "NOHDRS granted");
	tap_is_int(milter_neg_awaits_reply(&neg, MILTER_CMD_RCPT), 1,
		   "without no-reply flags every step is answered");
	milter_neg_deinit(&neg);
	free(error);

	struct milter_optneg seven = {7, MILTER_ACTIONS_ALL, MILTER_PROTO_ALL, {NULL}, 0};
	tap_is_int(milter_neg_milter(&seven, &want_hdrs, &reply, &neg, &error), 1,
		   "a newer MTA is accepted");
	tap_is_int(reply.version, 6, "at our version");
	milter_neg_deinit(&neg);
}

static void test_milter_refuses(void)
{
	static const struct {
		struct milter_optneg offer;
		uint32_t actions, protocol;
		const char *want;
	} t[] = {
		{{1, 0, 0, {NULL}, 0}, 0, 0, "MTA protocol version 1 is older than 2"},
		{{6, 0, 0, {NULL}, 0},
		 MILTER_ACTION_QUARANTINE,
		 0,
		 "MTA allows actions 0xf, the milter needs 0x20"},
		{{6, MILTER_ACTIONS_ALL, MILTER_PROTO_NOCONNECT, {NULL}, 0},
		 0,
		 MILTER_PROTO_NOHELO,
		 "MTA offers protocol flags 0x1, the milter needs 0x2"},
		{{6, MILTER_ACTIONS_ALL, 0x7f, {NULL}, 0},
		 0,
		 MILTER_PROTO_RCPT_REJ,
		 "MTA offers protocol flags 0x7f, the milter needs 0x800"},
		{{6, MILTER_ACTIONS_ALL, 0x7f, {NULL}, 0},
		 0,
		 MILTER_PROTO_HDR_LEADSPC,
		 "MTA offers protocol flags 0x7f, the milter needs 0x100000"},
	};
	for (size_t i = 0; i < COUNT(t); i++) {
		struct milter_optneg want = {0, t[i].actions, t[i].protocol, {NULL}, 0};
		struct milter_optneg reply;
		struct milter_neg neg;
		char *error = NULL;
		tap_is_int(milter_neg_milter(&t[i].offer, &want, &reply, &neg, &error), -1,
			   "milter side refuses case %zu", i);
		tap_is_str(error, t[i].want, "with the expected message");
		free(error);
	}
}

static void test_sends_and_replies(void)
{
	struct milter_neg neg = {6,
				 0,
				 MILTER_PROTO_NOHELO | MILTER_PROTO_NR_RCPT | MILTER_PROTO_NR_HDR,
				 MILTER_DATA_MAX_DEFAULT,
				 0,
				 {NULL}};
	static const struct {
		int code, sends, awaits;
	} t[] = {
		{MILTER_CMD_OPTNEG, 1, 1},  {MILTER_CMD_MACRO, 1, 0},
		{MILTER_CMD_CONNECT, 1, 1}, {MILTER_CMD_HELO, 0, 1},
		{MILTER_CMD_MAIL, 1, 1},    {MILTER_CMD_RCPT, 1, 0},
		{MILTER_CMD_DATA, 1, 1},    {MILTER_CMD_UNKNOWN, 1, 1},
		{MILTER_CMD_HEADER, 1, 0},  {MILTER_CMD_EOH, 1, 1},
		{MILTER_CMD_BODY, 1, 1},    {MILTER_CMD_BODYEOB, 1, 1},
		{MILTER_CMD_ABORT, 1, 0},   {MILTER_CMD_QUIT, 1, 0},
		{MILTER_CMD_QUIT_NC, 1, 0}, {'z', 0, 0},
	};
	for (size_t i = 0; i < COUNT(t); i++) {
		tap_ok(milter_neg_sends(&neg, t[i].code) == t[i].sends &&
			       milter_neg_awaits_reply(&neg, t[i].code) == t[i].awaits,
		       "'%c': sent=%d, answered=%d", t[i].code, t[i].sends, t[i].awaits);
	}
}

static void test_reply_ok(void)
{
	struct milter_neg neg = {6,
				 MILTER_ACTION_ADDHDRS | MILTER_ACTION_CHGBODY,
				 MILTER_PROTO_SKIP | MILTER_PROTO_NR_HDR,
				 MILTER_DATA_MAX_DEFAULT,
				 0,
				 {NULL}};
	struct milter_neg noskip = neg;
	noskip.protocol = 0;
	static const struct {
		int which; /* 0: neg, 1: noskip */
		int cmd, reply;
		const char *want; /* NULL: allowed */
	} t[] = {
		{0, 'O', 'O', NULL},
		{0, 'O', 'c', "SMFIR_CONTINUE does not answer SMFIC_OPTNEG"},
		{0, 'C', 'O', "SMFIC_OPTNEG does not answer SMFIC_CONNECT"},
		{0, 'C', 'a', NULL},
		{0, 'R', 'y', NULL},
		{0, 'H', 't', NULL},
		{0, 'B', 'p', NULL},
		{0, 'T', 'd', NULL},
		{0, 'N', '4', NULL},
		{0, 'M', 'f', NULL},
		{0, 'E', 'r', NULL},
		{0, 'L', 'c', "SMFIR_CONTINUE after SMFIC_HEADER, which gets no reply"},
		{0, 'D', 'c', "SMFIR_CONTINUE after SMFIC_MACRO, which gets no reply"},
		{0, 'z', 'c', "SMFIR_CONTINUE after an unknown command, which gets no reply"},
		{0, 'B', 's', NULL},
		{0, 'N', 's',
		 "SMFIR_SKIP after SMFIC_EOH: only answers SMFIC_BODY, when negotiated"},
		{1, 'B', 's',
		 "SMFIR_SKIP after SMFIC_BODY: only answers SMFIC_BODY, when negotiated"},
		{0, 'E', 'h', NULL},
		{0, 'E', 'i', NULL},
		{0, 'E', 'b', NULL},
		{0, 'E', 'm', "SMFIR_CHGHEADER needs action 0x10, which was not negotiated"},
		{0, 'E', 'q', "SMFIR_QUARANTINE needs action 0x20, which was not negotiated"},
		{0, 'E', '+', "SMFIR_ADDRCPT needs action 0x4, which was not negotiated"},
		{0, 'R', 'h', "SMFIR_ADDHEADER after SMFIC_RCPT: only answers SMFIC_BODYEOB"},
		{0, 'E', 'l', "SMFIR_SETSYMLIST is not a reply on its own"},
		{0, 'E', 'Z', "unknown milter reply code 0x5a"},
	};
	for (size_t i = 0; i < COUNT(t); i++) {
		char *error = NULL;
		int rc = milter_neg_reply_ok(t[i].which ? &noskip : &neg, t[i].cmd, t[i].reply,
					     &error);
		if (t[i].want == NULL)
			tap_ok(rc == 1, "'%c' may answer '%c'", t[i].reply, t[i].cmd);
		else
			tap_is_str(rc == -1 ? error : "allowed", t[i].want,
				   "'%c' may not answer '%c'", t[i].reply, t[i].cmd);
		free(error);
	}
}

int main(void)
{
	test_mta_accepts();
	test_mta_refuses();
	test_mta_unoffered();
	test_mta_versions();
	test_mta_data_size();
	test_milter_side();
	test_milter_refuses();
	test_sends_and_replies();
	test_reply_ok();
	return tap_done();
}
