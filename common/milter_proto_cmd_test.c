/* milter_proto_cmd_test.c: every MTA -> milter command encodes to the wire
 * format libmilter expects, decodes back to the same fields and re-encodes
 * to the same bytes; malformed packets and unsendable fields fail with a
 * clear message; macro lookup accepts both "i" and "{i}". */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "milter_codec_test.h"
#include "milter_proto_cmd.h"
#include "tap.h"

#define STRV(...)                                                                                  \
	{                                                                                          \
		sizeof((const char *[]){__VA_ARGS__}) / sizeof(const char *), (const char *[])     \
		{                                                                                  \
			__VA_ARGS__, NULL                                                          \
		}                                                                                  \
	}

/* describe: the fields of a command as one line. */
static char *describe(const void *msg)
{
	const struct milter_cmd *c = msg;
	struct buf b;
	buf_init(&b, 0);
	buf_printf(&b, "%c", c->code);
	switch (c->code) {
	case MILTER_CMD_OPTNEG:
		buf_printf(&b, " v=%lu a=%lx p=%lx", (unsigned long)c->u.optneg.version,
			   (unsigned long)c->u.optneg.actions, (unsigned long)c->u.optneg.protocol);
		break;
	case MILTER_CMD_MACRO:
		buf_printf(&b, " for=%c", c->u.macro.cmd);
		for (size_t i = 0; i < c->u.macro.pairs.count; i++)
			buf_printf(&b, " [%s]", c->u.macro.pairs.v[i]);
		break;
	case MILTER_CMD_CONNECT:
		buf_printf(&b, " host=%s family=%c", c->u.connect.host, c->u.connect.family);
		if (c->u.connect.family != MILTER_FAMILY_UNKNOWN)
			buf_printf(&b, " port=%u addr=%s", c->u.connect.port, c->u.connect.addr);
		break;
	case MILTER_CMD_HELO:
		buf_printf(&b, " [%s]", c->u.helo);
		break;
	case MILTER_CMD_UNKNOWN:
		buf_printf(&b, " [%s]", c->u.unknown);
		break;
	case MILTER_CMD_MAIL:
	case MILTER_CMD_RCPT:
		for (size_t i = 0; i < c->u.args.count; i++)
			buf_printf(&b, " [%s]", c->u.args.v[i]);
		break;
	case MILTER_CMD_HEADER:
		buf_printf(&b, " [%s] [%s]", c->u.header.name, c->u.header.value);
		break;
	case MILTER_CMD_BODY:
	case MILTER_CMD_BODYEOB:
		buf_printf(&b, " %zu:", c->u.body.len);
		for (size_t i = 0; i < c->u.body.len; i++)
			buf_printf(&b, "%02x", c->u.body.data[i]);
		break;
	}
	char *s = buf_detach(&b);
	buf_deinit(&b); /* detach leaves a fresh allocation */
	return s;
}

struct cmd_case {
	const char *name;
	struct milter_cmd cmd;
	const char *wire; /* expected packet */
	size_t wire_len;
};

static const struct cmd_case cases[] = {
	{"OPTNEG",
	 {.code = MILTER_CMD_OPTNEG, .u.optneg = {6, 0x1ff, 0x1fffff, {NULL}, 0}},
	 WIRE("\0\0\0\x0dO\0\0\0\x06\0\0\x01\xff\0\x1f\xff\xff")},
	{"MACRO for CONNECT",
	 {.code = MILTER_CMD_MACRO,
	  .u.macro = {MILTER_CMD_CONNECT, STRV("j", "mx.example", "{daemon_name}", "smtpd")}},
	 WIRE("\0\0\0\x23"
	      "DCj\0mx.example\0{daemon_name}\0smtpd\0")},
	{"MACRO with no macros",
	 {.code = MILTER_CMD_MACRO, .u.macro = {MILTER_CMD_DATA, {0, (const char *[]){NULL}}}},
	 WIRE("\0\0\0\x02"
	      "DT")},
	{"MACRO before HEADER, as Postfix sends",
	 {.code = MILTER_CMD_MACRO, .u.macro = {MILTER_CMD_HEADER, STRV("i", "4XyZ")}},
	 WIRE("\0\0\0\x09"
	      "DLi\0"
	      "4XyZ\0")},
	{"CONNECT inet",
	 {.code = MILTER_CMD_CONNECT, .u.connect = {"mx.example", '4', 25, "192.0.2.1"}},
	 WIRE("\0\0\0\x19"
	      "Cmx.example\0"
	      "4\0\x19"
	      "192.0.2.1\0")},
	{"CONNECT inet6",
	 {.code = MILTER_CMD_CONNECT, .u.connect = {"[2001:db8::1]", '6', 2525, "2001:db8::1"}},
	 WIRE("\0\0\0\x1e"
	      "C[2001:db8::1]\0"
	      "6\x09\xdd"
	      "2001:db8::1\0")},
	{"CONNECT unix",
	 {.code = MILTER_CMD_CONNECT, .u.connect = {"localhost", 'L', 0, "/run/smtpd"}},
	 WIRE("\0\0\0\x19"
	      "Clocalhost\0L\0\0/run/smtpd\0")},
	{"CONNECT unknown family",
	 {.code = MILTER_CMD_CONNECT, .u.connect = {"unknown", 'U', 0, NULL}},
	 WIRE("\0\0\0\x0a"
	      "Cunknown\0U")},
	{"HELO",
	 {.code = MILTER_CMD_HELO, .u.helo = "client.example"},
	 WIRE("\0\0\0\x10"
	      "Hclient.example\0")},
	{"MAIL with ESMTP arguments",
	 {.code = MILTER_CMD_MAIL, .u.args = STRV("<a@example.org>", "SIZE=100", "BODY=8BITMIME")},
	 WIRE("\0\0\0\x28"
	      "M<a@example.org>\0SIZE=100\0BODY=8BITMIME\0")},
	{"RCPT",
	 {.code = MILTER_CMD_RCPT, .u.args = STRV("<b@example.net>")},
	 WIRE("\0\0\0\x11"
	      "R<b@example.net>\0")},
	{"DATA", {.code = MILTER_CMD_DATA}, WIRE("\0\0\0\x01T")},
	{"HEADER",
	 {.code = MILTER_CMD_HEADER, .u.header = {"Subject", "hello world"}},
	 WIRE("\0\0\0\x15"
	      "LSubject\0hello world\0")},
	{"HEADER with an empty value",
	 {.code = MILTER_CMD_HEADER, .u.header = {"X-Empty", ""}},
	 WIRE("\0\0\0\x0a"
	      "LX-Empty\0\0")},
	{"EOH", {.code = MILTER_CMD_EOH}, WIRE("\0\0\0\x01N")},
	{"BODY with a NUL byte",
	 {.code = MILTER_CMD_BODY, .u.body = {(const unsigned char *)"a\r\n\0b\r\n", 7}},
	 WIRE("\0\0\0\x08"
	      "Ba\r\n\0b\r\n")},
	{"BODYEOB empty",
	 {.code = MILTER_CMD_BODYEOB},
	 WIRE("\0\0\0\x01"
	      "E")},
	{"BODYEOB with a last chunk",
	 {.code = MILTER_CMD_BODYEOB, .u.body = {(const unsigned char *)"end\r\n", 5}},
	 WIRE("\0\0\0\x06"
	      "Eend\r\n")},
	{"ABORT",
	 {.code = MILTER_CMD_ABORT},
	 WIRE("\0\0\0\x01"
	      "A")},
	{"QUIT", {.code = MILTER_CMD_QUIT}, WIRE("\0\0\0\x01Q")},
	{"QUIT_NC", {.code = MILTER_CMD_QUIT_NC}, WIRE("\0\0\0\x01K")},
	{"UNKNOWN",
	 {.code = MILTER_CMD_UNKNOWN, .u.unknown = "XFOO bar"},
	 WIRE("\0\0\0\x0a"
	      "UXFOO bar\0")},
};

static int encode(struct buf *out, const void *msg, size_t max_data, char **error_r)
{
	return milter_cmd_encode(out, msg, max_data, error_r);
}

static int decode(const struct milter_packet *pkt, void *msg_r, char **error_r)
{
	return milter_cmd_decode(pkt, msg_r, error_r);
}

static void deinit(void *msg)
{
	milter_cmd_deinit(msg);
}

static const struct milter_codec codec = {
	sizeof(struct milter_cmd), encode, decode, describe, deinit,
};

static void test_round_trips(void)
{
	for (size_t i = 0; i < COUNT(cases); i++)
		milter_codec_round_trip(&codec, cases[i].name, &cases[i].cmd, cases[i].wire,
					cases[i].wire_len);
}

static void test_decode_failures(void)
{
	static const struct milter_codec_bad_packet t[] = {
		{'O', WIRE("\0\0\0\6\0\0\0\0\0\0\0"), "SMFIC_OPTNEG: 11 data bytes instead of 12"},
		{'O', WIRE("\0\0\0\6\0\0\0\0\0\0\0\0\0"),
		 "SMFIC_OPTNEG: 13 data bytes instead of 12"},
		{'D', WIRE(""), "SMFIC_MACRO: command code missing"},
		{'D', WIRE("zj\0v\0"), "SMFIC_MACRO: unknown command code 0x7a"},
		{'D', WIRE("Cj\0"), "SMFIC_MACRO: macro \"j\" has no value"},
		{'D', WIRE("Cj\0v"), "SMFIC_MACRO: last string is not NUL-terminated"},
		{'C', WIRE("host"), "SMFIC_CONNECT: host name is not NUL-terminated"},
		{'C', WIRE("host\0"), "SMFIC_CONNECT: address family missing"},
		{'C', WIRE("host\0U\0"), "SMFIC_CONNECT: 1 bytes after family 'U'"},
		{'C',
		 WIRE("host\0"
		      "4\0"),
		 "SMFIC_CONNECT: port missing"},
		{'C',
		 WIRE("host\0"
		      "4\0\x19"
		      "1.2.3.4"),
		 "SMFIC_CONNECT: address is not the last NUL-terminated string"},
		{'C',
		 WIRE("host\0"
		      "4\0\x19"
		      "1.2.3.4\0x"),
		 "SMFIC_CONNECT: address is not the last NUL-terminated string"},
		{'C',
		 WIRE("host\0"
		      "4\0\x19"
		      "1.2.3.999\0"),
		 "SMFIC_CONNECT: bad address \"1.2.3.999\" for family 0x34"},
		{'C',
		 WIRE("host\0"
		      "6\0\x19"
		      "1.2.3.4\0"),
		 "SMFIC_CONNECT: bad address \"1.2.3.4\" for family 0x36"},
		{'C',
		 WIRE("host\0X\0\x19"
		      "a\0"),
		 "SMFIC_CONNECT: bad address \"a\" for family 0x58"},
		{'H', WIRE(""), "SMFIC_HELO: data is not one NUL-terminated string"},
		{'H', WIRE("abc"), "SMFIC_HELO: data is not one NUL-terminated string"},
		{'H', WIRE("a\0b\0"), "SMFIC_HELO: data is not one NUL-terminated string"},
		{'U', WIRE("x"), "SMFIC_UNKNOWN: data is not one NUL-terminated string"},
		{'M', WIRE(""), "SMFIC_MAIL: address missing"},
		{'M', WIRE("<a@b>"), "SMFIC_MAIL: last string is not NUL-terminated"},
		{'R', WIRE("<a@b>\0SIZE"), "SMFIC_RCPT: last string is not NUL-terminated"},
		{'L', WIRE("Subject\0"), "SMFIC_HEADER: data is not two NUL-terminated strings"},
		{'L', WIRE("a\0b\0c\0"), "SMFIC_HEADER: data is not two NUL-terminated strings"},
		{'L', WIRE("\0v\0"), "SMFIC_HEADER: empty header name"},
		{'B', WIRE(""), "SMFIC_BODY: empty body chunk"},
		{'T', WIRE("x"), "SMFIC_DATA: 1 unexpected data bytes"},
		{'N', WIRE("xy"), "SMFIC_EOH: 2 unexpected data bytes"},
		{'A', WIRE("x"), "SMFIC_ABORT: 1 unexpected data bytes"},
		{'Q', WIRE("x"), "SMFIC_QUIT: 1 unexpected data bytes"},
		{'K', WIRE("x"), "SMFIC_QUIT_NC: 1 unexpected data bytes"},
		{'z', WIRE(""), "unknown milter command code 0x7a"},
		{'a', WIRE(""), "unknown milter command code 0x61"},
	};
	milter_codec_decode_fails(&codec, t, COUNT(t));
}

static void test_encode_failures(void)
{
	const struct {
		struct milter_cmd cmd;
		size_t max_data;
		const char *want;
	} t[] = {
		{{.code = MILTER_CMD_CONNECT, .u.connect = {NULL, 'U', 0, NULL}},
		 0,
		 "SMFIC_CONNECT: host name is NULL"},
		{{.code = MILTER_CMD_CONNECT, .u.connect = {"h", '4', 25, "bogus"}},
		 0,
		 "SMFIC_CONNECT: bad address \"bogus\" for family 0x34"},
		{{.code = MILTER_CMD_CONNECT, .u.connect = {"h", '6', 25, NULL}},
		 0,
		 "SMFIC_CONNECT: bad address \"(null)\" for family 0x36"},
		{{.code = MILTER_CMD_CONNECT, .u.connect = {"h", 'X', 25, "a"}},
		 0,
		 "SMFIC_CONNECT: bad address \"a\" for family 0x58"},
		{{.code = MILTER_CMD_MACRO, .u.macro = {MILTER_CMD_CONNECT, STRV("j")}},
		 0,
		 "SMFIC_MACRO: odd number of names and values"},
		{{.code = MILTER_CMD_MACRO, .u.macro = {'z', STRV("j", "v")}},
		 0,
		 "SMFIC_MACRO: unknown command code 0x7a"},
		{{.code = MILTER_CMD_MAIL, .u.args = {0, (const char *[]){NULL}}},
		 0,
		 "SMFIC_MAIL: address missing"},
		{{.code = MILTER_CMD_RCPT, .u.args = {2, (const char *[]){"<a@b>", NULL, NULL}}},
		 0,
		 "SMFIC_RCPT: string 1 is NULL"},
		{{.code = MILTER_CMD_HEADER, .u.header = {"", "v"}},
		 0,
		 "SMFIC_HEADER: header name empty or value NULL"},
		{{.code = MILTER_CMD_HEADER, .u.header = {"Subject", "0123456789"}},
		 16,
		 "milter packet 'L' with 19 data bytes exceeds the limit of 16"},
		{{.code = MILTER_CMD_BODY, .u.body = {NULL, 0}}, 0, "SMFIC_BODY: empty body chunk"},
		{{.code = MILTER_CMD_HELO, .u.helo = NULL}, 0, "SMFIC_HELO: string is NULL"},
		{{.code = MILTER_CMD_OPTNEG, .u.optneg = {6, 0, 0, {"j"}, 0}},
		 0,
		 "SMFIC_OPTNEG: macro lists belong in the milter's reply"},
		{{.code = 'a'}, 0, "unknown milter command code 0x61"},
	};
	for (size_t i = 0; i < COUNT(t); i++)
		milter_codec_encode_fails(&codec, &t[i].cmd, t[i].max_data, t[i].want, i);
}

static void test_macro_find(void)
{
	struct milter_strv pairs = STRV("j", "mx", "{daemon_name}", "smtpd", "{i}", "QID");
	static const struct {
		const char *name, *want;
	} t[] = {
		{"j", "mx"},
		{"{j}", "mx"},
		{"i", "QID"},
		{"{i}", "QID"},
		{"{daemon_name}", "smtpd"},
		{"daemon_name", NULL},
		{"x", NULL},
		{"{x}", NULL},
	};
	for (size_t i = 0; i < COUNT(t); i++)
		tap_is_str(milter_macro_find(&pairs, t[i].name), t[i].want, "macro lookup of %s",
			   t[i].name);
}

int main(void)
{
	test_round_trips();
	test_decode_failures();
	test_encode_failures();
	test_macro_find();
	return tap_done();
}
