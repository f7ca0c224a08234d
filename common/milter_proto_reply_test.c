/* milter_proto_reply_test.c: every milter -> MTA reply encodes to the wire
 * format libmilter produces, decodes back to the same fields and re-encodes
 * to the same bytes; malformed replies and SMTP reply texts Postfix would
 * refuse fail with a clear message; '%' unescaping matches Postfix. */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "milter_codec_test.h"
#include "milter_proto_reply.h"
#include "tap.h"

/* describe: the fields of a reply as one line. */
static char *describe(const void *msg)
{
	const struct milter_reply *r = msg;
	struct buf b;
	buf_init(&b, 0);
	buf_printf(&b, "%c", r->code);
	switch (r->code) {
	case MILTER_REPLY_OPTNEG:
		buf_printf(&b, " v=%lu a=%lx p=%lx", (unsigned long)r->u.optneg.version,
			   (unsigned long)r->u.optneg.actions, (unsigned long)r->u.optneg.protocol);
		for (int i = 0; i < MILTER_STAGE_COUNT; i++)
			if (r->u.optneg.symlists[i] != NULL)
				buf_printf(&b, " %d=[%s]", i, r->u.optneg.symlists[i]);
		buf_printf(&b, " unknown=%u", r->u.optneg.unknown_stages);
		break;
	case MILTER_REPLY_REPLYCODE:
	case MILTER_REPLY_QUARANTINE:
	case MILTER_REPLY_ADDRCPT:
	case MILTER_REPLY_DELRCPT:
		buf_printf(&b, " [%s]", r->u.text);
		break;
	case MILTER_REPLY_ADDRCPT_PAR:
	case MILTER_REPLY_CHGFROM:
		buf_printf(&b, " [%s] [%s]", r->u.addr.addr,
			   r->u.addr.args ? r->u.addr.args : "NULL");
		break;
	case MILTER_REPLY_INSHEADER:
	case MILTER_REPLY_CHGHEADER:
		buf_printf(&b, " #%lu", (unsigned long)r->u.header.index);
		/* fall through */
	case MILTER_REPLY_ADDHEADER:
		buf_printf(&b, " [%s] [%s]", r->u.header.name, r->u.header.value);
		break;
	case MILTER_REPLY_REPLBODY:
		buf_printf(&b, " %zu:", r->u.body.len);
		for (size_t i = 0; i < r->u.body.len; i++)
			buf_printf(&b, "%02x", r->u.body.data[i]);
		break;
	}
	char *s = buf_detach(&b);
	buf_deinit(&b); /* detach leaves a fresh allocation */
	return s;
}

static const struct {
	const char *name;
	struct milter_reply reply;
	const char *wire;
	size_t wire_len;
} cases[] = {
	{"OPTNEG with macro lists",
	 {.code = MILTER_REPLY_OPTNEG,
	  .u.optneg = {6, 0x1ff, 0x1000a0, {[0] = "j {daemon_name}", [5] = "{msg_id}"}, 0}},
	 WIRE("\0\0\0\x2eO\0\0\0\x06\0\0\x01\xff\0\x10\0\xa0"
	      "\0\0\0\0j {daemon_name}\0"
	      "\0\0\0\x05{msg_id}\0")},
	{"OPTNEG without macro lists",
	 {.code = MILTER_REPLY_OPTNEG, .u.optneg = {2, 0x3, 0x7f, {NULL}, 0}},
	 WIRE("\0\0\0\x0dO\0\0\0\x02\0\0\0\x03\0\0\0\x7f")},
	{"ACCEPT",
	 {.code = MILTER_REPLY_ACCEPT},
	 WIRE("\0\0\0\x01"
	      "a")},
	{"CONTINUE",
	 {.code = MILTER_REPLY_CONTINUE},
	 WIRE("\0\0\0\x01"
	      "c")},
	{"REJECT", {.code = MILTER_REPLY_REJECT}, WIRE("\0\0\0\x01r")},
	{"TEMPFAIL", {.code = MILTER_REPLY_TEMPFAIL}, WIRE("\0\0\0\x01t")},
	{"DISCARD",
	 {.code = MILTER_REPLY_DISCARD},
	 WIRE("\0\0\0\x01"
	      "d")},
	{"SKIP", {.code = MILTER_REPLY_SKIP}, WIRE("\0\0\0\x01s")},
	{"PROGRESS", {.code = MILTER_REPLY_PROGRESS}, WIRE("\0\0\0\x01p")},
	{"SHUTDOWN",
	 {.code = MILTER_REPLY_SHUTDOWN},
	 WIRE("\0\0\0\x01"
	      "4")},
	{"CONN_FAIL",
	 {.code = MILTER_REPLY_CONN_FAIL},
	 WIRE("\0\0\0\x01"
	      "f")},
	{"REPLYCODE",
	 {.code = MILTER_REPLY_REPLYCODE, .u.text = "550 5.7.1 Rejected"},
	 WIRE("\0\0\0\x14y550 5.7.1 Rejected\0")},
	{"REPLYCODE multi-line, as smfi_setmlreply() builds it",
	 {.code = MILTER_REPLY_REPLYCODE, .u.text = "450-4.7.1 Try\r\n450 4.7.1 later"},
	 WIRE("\0\0\0\x20y450-4.7.1 Try\r\n450 4.7.1 later\0")},
	{"QUARANTINE",
	 {.code = MILTER_REPLY_QUARANTINE, .u.text = "virus found"},
	 WIRE("\0\0\0\x0dqvirus found\0")},
	{"ADDRCPT",
	 {.code = MILTER_REPLY_ADDRCPT, .u.text = "<x@example.org>"},
	 WIRE("\0\0\0\x11+<x@example.org>\0")},
	{"DELRCPT",
	 {.code = MILTER_REPLY_DELRCPT, .u.text = "<y@example.org>"},
	 WIRE("\0\0\0\x11-<y@example.org>\0")},
	{"ADDRCPT_PAR with arguments",
	 {.code = MILTER_REPLY_ADDRCPT_PAR, .u.addr = {"<z@example.org>", "NOTIFY=NEVER"}},
	 WIRE("\0\0\0\x1e"
	      "2<z@example.org>\0NOTIFY=NEVER\0")},
	{"ADDRCPT_PAR without arguments",
	 {.code = MILTER_REPLY_ADDRCPT_PAR, .u.addr = {"<z@example.org>", NULL}},
	 WIRE("\0\0\0\x11"
	      "2<z@example.org>\0")},
	{"CHGFROM with arguments",
	 {.code = MILTER_REPLY_CHGFROM, .u.addr = {"<bounce@example.org>", "SIZE=10"}},
	 WIRE("\0\0\0\x1e"
	      "e<bounce@example.org>\0SIZE=10\0")},
	{"CHGFROM without arguments",
	 {.code = MILTER_REPLY_CHGFROM, .u.addr = {"<>", NULL}},
	 WIRE("\0\0\0\x04"
	      "e<>\0")},
	{"ADDHEADER",
	 {.code = MILTER_REPLY_ADDHEADER, .u.header = {0, "X-Spam", "yes"}},
	 WIRE("\0\0\0\x0chX-Spam\0yes\0")},
	{"INSHEADER at the top",
	 {.code = MILTER_REPLY_INSHEADER,
	  .u.header = {0, "Authentication-Results", " mx; spf=pass"}},
	 WIRE("\0\0\0\x2ai\0\0\0\0Authentication-Results\0 mx; spf=pass\0")},
	{"CHGHEADER deleting the second Subject",
	 {.code = MILTER_REPLY_CHGHEADER, .u.header = {2, "Subject", ""}},
	 WIRE("\0\0\0\x0em\0\0\0\x02Subject\0\0")},
	{"REPLBODY",
	 {.code = MILTER_REPLY_REPLBODY, .u.body = {(const unsigned char *)"new\r\n\0", 6}},
	 WIRE("\0\0\0\x07"
	      "bnew\r\n\0")},
	{"REPLBODY empty",
	 {.code = MILTER_REPLY_REPLBODY},
	 WIRE("\0\0\0\x01"
	      "b")},
};

static int encode(struct buf *out, const void *msg, size_t max_data, char **error_r)
{
	return milter_reply_encode(out, msg, max_data, error_r);
}

static int decode(const struct milter_packet *pkt, void *msg_r, char **error_r)
{
	return milter_reply_decode(pkt, msg_r, error_r);
}

static const struct milter_codec codec = {
	sizeof(struct milter_reply), encode, decode, describe, NULL,
};

static void test_round_trips(void)
{
	for (size_t i = 0; i < COUNT(cases); i++)
		milter_codec_round_trip(&codec, cases[i].name, &cases[i].reply, cases[i].wire,
					cases[i].wire_len);
}

static void test_optneg_lists(void)
{
	/* Stage 9 is unknown and skipped; stage 1 given twice: the last wins. */
	static const char data[] = "\0\0\0\x06\0\0\0\0\0\0\0\0"
				   "\0\0\0\x09{x}\0"
				   "\0\0\0\x01{a}\0"
				   "\0\0\0\x01{b}\0";
	struct milter_packet pkt = {'O', (const unsigned char *)data, sizeof(data) - 1};
	struct milter_reply r;
	char *error = NULL;

	tap_is_int(milter_reply_decode(&pkt, &r, &error), 1, "OPTNEG with odd macro lists decodes");
	tap_is_int(r.u.optneg.unknown_stages, 1, "the list for stage 9 is counted as unknown");
	tap_is_str(r.u.optneg.symlists[1], "{b}", "the last list for a stage wins, as in Postfix");
	tap_is_str(r.u.optneg.symlists[0], NULL, "stages without a list stay NULL");
	free(error);
}

static void test_decode_failures(void)
{
	static const struct milter_codec_bad_packet t[] = {
		{'O', WIRE("\0\0\0\6\0\0\0\0\0\0\0"),
		 "SMFIC_OPTNEG: 11 data bytes, need at least 12"},
		{'O', WIRE("\0\0\0\6\0\0\0\0\0\0\0\0\0\0\0"), "SMFIC_OPTNEG: truncated macro list"},
		{'O', WIRE("\0\0\0\6\0\0\0\0\0\0\0\0\0\0\0\0j"),
		 "SMFIC_OPTNEG: truncated macro list"},
		{'y', WIRE("250 ok\0"),
		 "SMFIR_REPLYCODE: line 1 does not start with a 4NN or 5NN code"},
		{'y', WIRE("550"), "SMFIR_REPLYCODE: data is not 1 NUL-terminated string"},
		{'y', WIRE("550 x\0y\0"), "SMFIR_REPLYCODE: data is not 1 NUL-terminated string"},
		{'y', WIRE("550-x\r\n451 y\0"),
		 "SMFIR_REPLYCODE: line 2 has code 451, line 1 has 550"},
		{'y', WIRE("550 x\r\n550 y\0"),
		 "SMFIR_REPLYCODE: line 1: '-' must follow the code"},
		{'y', WIRE("550-x\0"), "SMFIR_REPLYCODE: line 1: ' ' must follow the code"},
		{'y', WIRE("550\0"), "SMFIR_REPLYCODE: line 1: ' ' must follow the code"},
		{'y', WIRE("550 4.7.1 no\0"),
		 "SMFIR_REPLYCODE: line 1: enhanced status class differs from the code"},
		{'y', WIRE("550 x\ny\0"), "SMFIR_REPLYCODE: line 1: bare CR or LF"},
		{'y', WIRE("550-x\r\n550 y\r\n\0"),
		 "SMFIR_REPLYCODE: line 2: '-' must follow the code"},
		{'q', WIRE(""), "SMFIR_QUARANTINE: data is not 1 NUL-terminated string"},
		{'+', WIRE("\0"), "SMFIR_ADDRCPT: empty address"},
		{'-', WIRE("a"), "SMFIR_DELRCPT: data is not 1 NUL-terminated string"},
		{'2', WIRE("a\0b\0c\0"),
		 "SMFIR_ADDRCPT_PAR: data is not 1 to 2 NUL-terminated strings"},
		{'e', WIRE("\0x\0"), "SMFIR_CHGFROM: empty address"},
		{'e', WIRE(""), "SMFIR_CHGFROM: data is not 1 to 2 NUL-terminated strings"},
		{'h', WIRE("X\0"), "SMFIR_ADDHEADER: data is not 2 NUL-terminated strings"},
		{'h', WIRE("\0v\0"), "SMFIR_ADDHEADER: empty header name"},
		{'i', WIRE("\0\0"), "SMFIR_INSHEADER: header index missing"},
		{'m', WIRE("\x80\0\0\0a\0b\0"),
		 "SMFIR_CHGHEADER: header index 2147483648 out of range"},
		{'m',
		 WIRE("\0\0\0\x01"
		      "a\0b"),
		 "SMFIR_CHGHEADER: data is not 2 NUL-terminated strings"},
		{'c', WIRE("x"), "SMFIR_CONTINUE: 1 unexpected data bytes"},
		{'a', WIRE("\0"), "SMFIR_ACCEPT: 1 unexpected data bytes"},
		{'l', WIRE("\0\0\0\0j\0"),
		 "SMFIR_SETSYMLIST: macro lists are only valid inside SMFIC_OPTNEG"},
		{'Z', WIRE(""), "unknown milter reply code 0x5a"},
		{'C', WIRE(""), "unknown milter reply code 0x43"},
	};
	milter_codec_decode_fails(&codec, t, COUNT(t));
}

static void test_encode_failures(void)
{
	static const struct {
		struct milter_reply reply;
		size_t max_data;
		const char *want;
	} t[] = {
		{{.code = MILTER_REPLY_ADDRCPT, .u.text = ""},
		 0,
		 "SMFIR_ADDRCPT: address is empty"},
		{{.code = MILTER_REPLY_QUARANTINE, .u.text = NULL},
		 0,
		 "SMFIR_QUARANTINE: text is NULL"},
		{{.code = MILTER_REPLY_REPLYCODE, .u.text = "250 ok"},
		 0,
		 "SMFIR_REPLYCODE: line 1 does not start with a 4NN or 5NN code"},
		{{.code = MILTER_REPLY_CHGFROM, .u.addr = {NULL, "x"}},
		 0,
		 "SMFIR_CHGFROM: address is empty"},
		{{.code = MILTER_REPLY_ADDHEADER, .u.header = {0, "", "v"}},
		 0,
		 "SMFIR_ADDHEADER: header name is empty"},
		{{.code = MILTER_REPLY_ADDHEADER, .u.header = {0, "X", NULL}},
		 0,
		 "SMFIR_ADDHEADER: header value is NULL"},
		{{.code = MILTER_REPLY_CHGHEADER, .u.header = {0x80000000u, "X", "v"}},
		 0,
		 "SMFIR_CHGHEADER: header index 2147483648 out of range"},
		{{.code = MILTER_REPLY_REPLBODY, .u.body = {(const unsigned char *)"12345", 5}},
		 4,
		 "milter packet 'b' with 5 data bytes exceeds the limit of 4"},
		{{.code = MILTER_REPLY_SETSYMLIST},
		 0,
		 "SMFIR_SETSYMLIST: macro lists are only valid inside SMFIC_OPTNEG"},
		{{.code = 'Z'}, 0, "unknown milter reply code 0x5a"},
	};
	for (size_t i = 0; i < COUNT(t); i++)
		milter_codec_encode_fails(&codec, &t[i].reply, t[i].max_data, t[i].want, i);
}

static void test_unescape(void)
{
	static const struct {
		const char *in, *want;
	} t[] = {
		{"550 5.7.1 100%% sure", "550 5.7.1 100% sure"},
		{"550 5.7.1 50%", "550 5.7.1 50"},
		{"550 a%bc", "550 abc"},
		{"%%%%", "%%"},
		{"550 plain", "550 plain"},
	};
	for (size_t i = 0; i < COUNT(t); i++) {
		char *got = milter_replycode_unescape(t[i].in);
		tap_is_str(got, t[i].want, "unescape \"%s\" as Postfix does", t[i].in);
		free(got);
	}
}

int main(void)
{
	test_round_trips();
	test_optneg_lists();
	test_decode_failures();
	test_encode_failures();
	test_unescape();
	return tap_done();
}
