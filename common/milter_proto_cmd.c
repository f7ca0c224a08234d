/* milter_proto_cmd.c: decode and encode the commands an MTA sends to a
 * milter (see milter_proto_cmd.h). Decoding is strict: a field that
 * libmilter or Postfix would reject, or bytes left over, is an error. */
#include "milter_proto_cmd.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "mem.h"
#include "milter_proto_private.h"

static void cmd_error(char **error_r, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void cmd_error(char **error_r, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = xvasprintf(fmt, ap);
	va_end(ap);
	*error_r = xasprintf("%s: %s", milter_cmd_name(code), msg);
	free(msg);
}

/* decode_strv: split data[0..len) into NUL-terminated strings. */
static int decode_strv(struct milter_cmd *cmd, const unsigned char *data, size_t len,
		       struct milter_strv *v, char **error_r)
{
	long count = milter_strings_count(data, len);

	if (count < 0) {
		cmd_error(error_r, cmd->code, "last string is not NUL-terminated");
		return -1;
	}
	v->count = (size_t)count;
	v->v = xcalloc(v->count + 1, sizeof(*v->v));
	cmd->owned_ = v->v;
	for (size_t i = 0, off = 0; i < v->count; i++) {
		v->v[i] = (const char *)data + off;
		off += strlen(v->v[i]) + 1;
	}
	return 1;
}

/* valid_addr: libmilter parses inet and inet6 addresses and aborts the
 * connection on a bad one. */
static int valid_addr(int family, const char *addr)
{
	unsigned char sa[sizeof(struct in6_addr)];

	if (family == MILTER_FAMILY_INET)
		return inet_pton(AF_INET, addr, sa) == 1;
	if (family == MILTER_FAMILY_INET6)
		return inet_pton(AF_INET6, addr, sa) == 1;
	return family == MILTER_FAMILY_UNIX;
}

static int decode_connect(const struct milter_packet *pkt, struct milter_cmd *cmd, char **error_r)
{
	struct milter_cursor c;

	milter_cursor_init(&c, pkt);
	if (!milter_cursor_str(&c, &cmd->u.connect.host)) {
		cmd_error(error_r, cmd->code, "host name is not NUL-terminated");
		return -1;
	}
	if (!milter_cursor_byte(&c, &cmd->u.connect.family)) {
		cmd_error(error_r, cmd->code, "address family missing");
		return -1;
	}
	if (cmd->u.connect.family == MILTER_FAMILY_UNKNOWN) {
		if (c.left > 0) {
			cmd_error(error_r, cmd->code, "%zu bytes after family 'U'", c.left);
			return -1;
		}
		return 1;
	}
	if (!milter_cursor_u16(&c, &cmd->u.connect.port)) {
		cmd_error(error_r, cmd->code, "port missing");
		return -1;
	}
	if (!milter_cursor_str(&c, &cmd->u.connect.addr) || c.left > 0) {
		cmd_error(error_r, cmd->code, "address is not the last NUL-terminated string");
		return -1;
	}
	if (!valid_addr(cmd->u.connect.family, cmd->u.connect.addr)) {
		cmd_error(error_r, cmd->code, "bad address \"%.100s\" for family 0x%02x",
			  cmd->u.connect.addr, (unsigned)cmd->u.connect.family);
		return -1;
	}
	return 1;
}

static int decode_macro(const struct milter_packet *pkt, struct milter_cmd *cmd, char **error_r)
{
	if (pkt->len == 0) {
		cmd_error(error_r, cmd->code, "command code missing");
		return -1;
	}
	/* Postfix also sends macros before HEADER and BODY, so any command
	 * code is a valid target; libmilter keeps only the stage ones. */
	cmd->u.macro.cmd = pkt->data[0];
	if (milter_cmd_name(cmd->u.macro.cmd) == NULL) {
		cmd_error(error_r, cmd->code, "unknown command code 0x%02x", pkt->data[0]);
		return -1;
	}
	if (decode_strv(cmd, pkt->data + 1, pkt->len - 1, &cmd->u.macro.pairs, error_r) < 0)
		return -1;
	if (cmd->u.macro.pairs.count % 2 != 0) {
		cmd_error(error_r, cmd->code, "macro \"%.100s\" has no value",
			  cmd->u.macro.pairs.v[cmd->u.macro.pairs.count - 1]);
		return -1;
	}
	return 1;
}

/* decode_one_string: the whole packet is one NUL-terminated string. */
static int decode_one_string(const struct milter_packet *pkt, struct milter_cmd *cmd,
			     const char **s_r, char **error_r)
{
	if (milter_strings_count(pkt->data, pkt->len) != 1) {
		cmd_error(error_r, cmd->code, "data is not one NUL-terminated string");
		return -1;
	}
	*s_r = (const char *)pkt->data;
	return 1;
}

static int decode_header(const struct milter_packet *pkt, struct milter_cmd *cmd, char **error_r)
{
	if (milter_strings_count(pkt->data, pkt->len) != 2) {
		cmd_error(error_r, cmd->code, "data is not two NUL-terminated strings");
		return -1;
	}
	cmd->u.header.name = (const char *)pkt->data;
	cmd->u.header.value = cmd->u.header.name + strlen(cmd->u.header.name) + 1;
	if (*cmd->u.header.name == '\0') {
		cmd_error(error_r, cmd->code, "empty header name");
		return -1;
	}
	return 1;
}

static int decode_optneg(const struct milter_packet *pkt, struct milter_cmd *cmd, char **error_r)
{
	struct milter_cursor c;

	milter_cursor_init(&c, pkt);
	if (pkt->len != 12 || !milter_cursor_u32(&c, &cmd->u.optneg.version) ||
	    !milter_cursor_u32(&c, &cmd->u.optneg.actions) ||
	    !milter_cursor_u32(&c, &cmd->u.optneg.protocol)) {
		cmd_error(error_r, cmd->code, "%zu data bytes instead of 12", pkt->len);
		return -1;
	}
	return 1;
}

static int decode_body(const struct milter_packet *pkt, struct milter_cmd *cmd, char **error_r)
{
	/* libmilter drops the session on an empty BODY. */
	if (cmd->code == MILTER_CMD_BODY && pkt->len == 0) {
		cmd_error(error_r, cmd->code, "empty body chunk");
		return -1;
	}
	cmd->u.body.data = pkt->data;
	cmd->u.body.len = pkt->len;
	return 1;
}

static int decode_args(const struct milter_packet *pkt, struct milter_cmd *cmd, char **error_r)
{
	if (decode_strv(cmd, pkt->data, pkt->len, &cmd->u.args, error_r) < 0)
		return -1;
	if (cmd->u.args.count == 0) {
		cmd_error(error_r, cmd->code, "address missing");
		return -1;
	}
	return 1;
}

static int decode_nodata(const struct milter_packet *pkt, struct milter_cmd *cmd, char **error_r)
{
	if (pkt->len > 0) {
		cmd_error(error_r, cmd->code, "%zu unexpected data bytes", pkt->len);
		return -1;
	}
	return 1;
}

static int decode_any(const struct milter_packet *pkt, struct milter_cmd *cmd, char **error_r)
{
	switch (cmd->code) {
	case MILTER_CMD_OPTNEG:
		return decode_optneg(pkt, cmd, error_r);
	case MILTER_CMD_MACRO:
		return decode_macro(pkt, cmd, error_r);
	case MILTER_CMD_CONNECT:
		return decode_connect(pkt, cmd, error_r);
	case MILTER_CMD_HELO:
		return decode_one_string(pkt, cmd, &cmd->u.helo, error_r);
	case MILTER_CMD_UNKNOWN:
		return decode_one_string(pkt, cmd, &cmd->u.unknown, error_r);
	case MILTER_CMD_MAIL:
	case MILTER_CMD_RCPT:
		return decode_args(pkt, cmd, error_r);
	case MILTER_CMD_HEADER:
		return decode_header(pkt, cmd, error_r);
	case MILTER_CMD_BODY:
	case MILTER_CMD_BODYEOB:
		return decode_body(pkt, cmd, error_r);
	case MILTER_CMD_DATA:
	case MILTER_CMD_EOH:
	case MILTER_CMD_ABORT:
	case MILTER_CMD_QUIT:
	case MILTER_CMD_QUIT_NC:
		return decode_nodata(pkt, cmd, error_r);
	default:
		*error_r = xasprintf("unknown milter command code 0x%02x", (unsigned)cmd->code);
		return -1;
	}
}

int milter_cmd_decode(const struct milter_packet *pkt, struct milter_cmd *cmd_r, char **error_r)
{
	memset(cmd_r, 0, sizeof(*cmd_r));
	cmd_r->code = pkt->code;
	return decode_any(pkt, cmd_r, error_r);
}

void milter_cmd_deinit(struct milter_cmd *cmd)
{
	FREE_AND_NULL(cmd->owned_);
}

/* put_strv: count strings, none NULL. */
static int put_strv(struct buf *b, const struct milter_strv *v, int code, char **error_r)
{
	for (size_t i = 0; i < v->count; i++) {
		if (v->v[i] == NULL) {
			cmd_error(error_r, code, "string %zu is NULL", i);
			return -1;
		}
		milter_put_str(b, v->v[i]);
	}
	return 1;
}

static int encode_connect(struct buf *b, const struct milter_cmd *cmd, char **error_r)
{
	int family = cmd->u.connect.family;

	if (cmd->u.connect.host == NULL) {
		cmd_error(error_r, cmd->code, "host name is NULL");
		return -1;
	}
	milter_put_str(b, cmd->u.connect.host);
	buf_append_char(b, (char)family);
	if (family == MILTER_FAMILY_UNKNOWN)
		return 1;
	if (cmd->u.connect.addr == NULL || !valid_addr(family, cmd->u.connect.addr)) {
		cmd_error(error_r, cmd->code, "bad address \"%.100s\" for family 0x%02x",
			  cmd->u.connect.addr ? cmd->u.connect.addr : "(null)", (unsigned)family);
		return -1;
	}
	milter_put_u16(b, cmd->u.connect.port);
	milter_put_str(b, cmd->u.connect.addr);
	return 1;
}

static int encode_macro(struct buf *b, const struct milter_cmd *cmd, char **error_r)
{
	if (milter_cmd_name(cmd->u.macro.cmd) == NULL) {
		cmd_error(error_r, cmd->code, "unknown command code 0x%02x",
			  (unsigned)cmd->u.macro.cmd);
		return -1;
	}
	if (cmd->u.macro.pairs.count % 2 != 0) {
		cmd_error(error_r, cmd->code, "odd number of names and values");
		return -1;
	}
	buf_append_char(b, (char)cmd->u.macro.cmd);
	return put_strv(b, &cmd->u.macro.pairs, cmd->code, error_r);
}

static int encode_string(struct buf *b, const struct milter_cmd *cmd, const char *s, char **error_r)
{
	if (s == NULL) {
		cmd_error(error_r, cmd->code, "string is NULL");
		return -1;
	}
	milter_put_str(b, s);
	return 1;
}

static int encode_header(struct buf *b, const struct milter_cmd *cmd, char **error_r)
{
	if (cmd->u.header.name == NULL || *cmd->u.header.name == '\0' ||
	    cmd->u.header.value == NULL) {
		cmd_error(error_r, cmd->code, "header name empty or value NULL");
		return -1;
	}
	milter_put_str(b, cmd->u.header.name);
	milter_put_str(b, cmd->u.header.value);
	return 1;
}

static int encode_args(struct buf *b, const struct milter_cmd *cmd, char **error_r)
{
	if (cmd->u.args.count == 0) {
		cmd_error(error_r, cmd->code, "address missing");
		return -1;
	}
	return put_strv(b, &cmd->u.args, cmd->code, error_r);
}

static int encode_optneg(struct buf *b, const struct milter_cmd *cmd, char **error_r)
{
	for (int i = 0; i < MILTER_STAGE_COUNT; i++) {
		if (cmd->u.optneg.symlists[i] != NULL) {
			cmd_error(error_r, cmd->code, "macro lists belong in the milter's reply");
			return -1;
		}
	}
	milter_put_u32(b, cmd->u.optneg.version);
	milter_put_u32(b, cmd->u.optneg.actions);
	milter_put_u32(b, cmd->u.optneg.protocol);
	return 1;
}

/* encode_payload: the packet data of every command except the body ones. */
static int encode_payload(struct buf *b, const struct milter_cmd *cmd, char **error_r)
{
	switch (cmd->code) {
	case MILTER_CMD_OPTNEG:
		return encode_optneg(b, cmd, error_r);
	case MILTER_CMD_MACRO:
		return encode_macro(b, cmd, error_r);
	case MILTER_CMD_CONNECT:
		return encode_connect(b, cmd, error_r);
	case MILTER_CMD_HELO:
		return encode_string(b, cmd, cmd->u.helo, error_r);
	case MILTER_CMD_UNKNOWN:
		return encode_string(b, cmd, cmd->u.unknown, error_r);
	case MILTER_CMD_MAIL:
	case MILTER_CMD_RCPT:
		return encode_args(b, cmd, error_r);
	case MILTER_CMD_HEADER:
		return encode_header(b, cmd, error_r);
	case MILTER_CMD_DATA:
	case MILTER_CMD_EOH:
	case MILTER_CMD_ABORT:
	case MILTER_CMD_QUIT:
	case MILTER_CMD_QUIT_NC:
		return 1;
	default:
		*error_r = xasprintf("unknown milter command code 0x%02x", (unsigned)cmd->code);
		return -1;
	}
}

int milter_cmd_encode(struct buf *out, const struct milter_cmd *cmd, size_t max_data,
		      char **error_r)
{
	if (cmd->code == MILTER_CMD_BODY || cmd->code == MILTER_CMD_BODYEOB) {
		if (cmd->code == MILTER_CMD_BODY && cmd->u.body.len == 0) {
			cmd_error(error_r, cmd->code, "empty body chunk");
			return -1;
		}
		return milter_packet_encode(out, cmd->code, cmd->u.body.data, cmd->u.body.len,
					    max_data, error_r);
	}

	struct buf payload;
	buf_init(&payload, 0);
	int rc = encode_payload(&payload, cmd, error_r);
	if (rc > 0)
		rc = milter_packet_encode(out, cmd->code, buf_cstr(&payload), buf_len(&payload),
					  max_data, error_r);
	buf_deinit(&payload);
	return rc;
}

const char *milter_macro_find(const struct milter_strv *pairs, const char *name)
{
	size_t len = strlen(name);
	int braced = len == 3 && name[0] == '{' && name[2] == '}';

	for (size_t i = 0; i + 1 < pairs->count; i += 2) {
		const char *have = pairs->v[i];
		if (strcmp(have, name) == 0)
			return pairs->v[i + 1];
		/* "i" <-> "{i}" */
		if (len == 1 && strlen(have) == 3 && have[0] == '{' && have[1] == name[0] &&
		    have[2] == '}')
			return pairs->v[i + 1];
		if (braced && have[0] == name[1] && have[1] == '\0')
			return pairs->v[i + 1];
	}
	return NULL;
}
