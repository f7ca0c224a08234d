/* milter_proto.c: milter packet framing (see milter_proto.h): the
 * incremental packet decoder, the packet encoder, and the names of commands,
 * replies and macro stages. */
#include "milter_proto.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "mem.h"

/* The length field and the command byte. */
#define HEADER_LEN 5

struct milter_decoder {
	struct buf pkt;	 /* header and data of the packet being read */
	size_t max_data; /* largest data length accepted */
	size_t need;	 /* data length announced by the header */
	int complete;	 /* pkt holds a packet handed out by the last feed */
	char *error;	 /* first error, repeated by later calls */
};

static size_t max_or_default(size_t max_data)
{
	return max_data == 0 ? MILTER_DATA_MAX_DEFAULT : max_data;
}

struct milter_decoder *milter_decoder_new(size_t max_data)
{
	struct milter_decoder *d = xcalloc(1, sizeof(*d));
	buf_init(&d->pkt, 0);
	d->max_data = max_or_default(max_data);
	return d;
}

void milter_decoder_free(struct milter_decoder **dp)
{
	if (dp == NULL || *dp == NULL)
		return;
	buf_deinit(&(*dp)->pkt);
	free((*dp)->error);
	FREE_AND_NULL(*dp);
}

void milter_decoder_set_max(struct milter_decoder *d, size_t max_data)
{
	d->max_data = max_or_default(max_data);
}

int milter_decoder_pending(const struct milter_decoder *d)
{
	return !d->complete && buf_len(&d->pkt) > 0;
}

/* take: move up to want more input bytes into the packet buffer. */
static void take(struct milter_decoder *d, const unsigned char *in, size_t len, size_t *used,
		 size_t want)
{
	size_t n = len - *used < want ? len - *used : want;

	if (n > 0)
		buf_append(&d->pkt, in + *used, n);
	*used += n;
}

/* check_header: validate the length field once the header is complete. */
static int check_header(struct milter_decoder *d)
{
	const unsigned char *h = (const unsigned char *)buf_cstr(&d->pkt);
	uint32_t len = (uint32_t)h[0] << 24 | (uint32_t)h[1] << 16 | (uint32_t)h[2] << 8 | h[3];

	if (len == 0) {
		d->error = xstrdup("milter packet length 0: no command code");
		return -1;
	}
	if (len - 1 > d->max_data) {
		d->error =
			xasprintf("milter packet '%c' with %lu data bytes exceeds the limit of %zu",
				  h[4] >= ' ' && h[4] < 127 ? h[4] : '?', (unsigned long)len - 1,
				  d->max_data);
		return -1;
	}
	d->need = len - 1;
	return 1;
}

int milter_decoder_feed(struct milter_decoder *d, const void *data, size_t len, size_t *consumed_r,
			struct milter_packet *pkt_r, char **error_r)
{
	const unsigned char *in = data;
	size_t used = 0;

	*consumed_r = 0;
	if (d->error != NULL) {
		*error_r = xstrdup(d->error);
		return -1;
	}
	if (d->complete) {
		buf_reset(&d->pkt);
		d->complete = 0;
	}
	if (buf_len(&d->pkt) < HEADER_LEN) {
		take(d, in, len, &used, HEADER_LEN - buf_len(&d->pkt));
		if (buf_len(&d->pkt) < HEADER_LEN) {
			*consumed_r = used;
			return 0;
		}
		if (check_header(d) < 0) {
			*consumed_r = used;
			*error_r = xstrdup(d->error);
			return -1;
		}
	}
	take(d, in, len, &used, d->need - (buf_len(&d->pkt) - HEADER_LEN));
	*consumed_r = used;
	if (buf_len(&d->pkt) - HEADER_LEN < d->need)
		return 0;
	d->complete = 1;
	pkt_r->code = (unsigned char)buf_cstr(&d->pkt)[4];
	pkt_r->data = (const unsigned char *)buf_cstr(&d->pkt) + HEADER_LEN;
	pkt_r->len = d->need;
	return 1;
}

int milter_packet_encode(struct buf *out, int code, const void *data, size_t len, size_t max_data,
			 char **error_r)
{
	size_t start = buf_len(out);
	unsigned char header[HEADER_LEN];

	if (len > max_or_default(max_data)) {
		*error_r =
			xasprintf("milter packet '%c' with %zu data bytes exceeds the limit of %zu",
				  code, len, max_or_default(max_data));
		return -1;
	}
	header[0] = (unsigned char)((len + 1) >> 24);
	header[1] = (unsigned char)((len + 1) >> 16);
	header[2] = (unsigned char)((len + 1) >> 8);
	header[3] = (unsigned char)(len + 1);
	header[4] = (unsigned char)code;
	if (buf_append(out, header, sizeof(header)) < 0 || buf_append(out, data, len) < 0) {
		buf_truncate(out, start);
		*error_r = xasprintf("milter packet '%c': output buffer full", code);
		return -1;
	}
	return 1;
}

struct code_name {
	int code;
	const char *name;
};

static const struct code_name cmd_names[] = {
	{MILTER_CMD_ABORT, "SMFIC_ABORT"},     {MILTER_CMD_BODY, "SMFIC_BODY"},
	{MILTER_CMD_CONNECT, "SMFIC_CONNECT"}, {MILTER_CMD_MACRO, "SMFIC_MACRO"},
	{MILTER_CMD_BODYEOB, "SMFIC_BODYEOB"}, {MILTER_CMD_HELO, "SMFIC_HELO"},
	{MILTER_CMD_QUIT_NC, "SMFIC_QUIT_NC"}, {MILTER_CMD_HEADER, "SMFIC_HEADER"},
	{MILTER_CMD_MAIL, "SMFIC_MAIL"},       {MILTER_CMD_EOH, "SMFIC_EOH"},
	{MILTER_CMD_OPTNEG, "SMFIC_OPTNEG"},   {MILTER_CMD_QUIT, "SMFIC_QUIT"},
	{MILTER_CMD_RCPT, "SMFIC_RCPT"},       {MILTER_CMD_DATA, "SMFIC_DATA"},
	{MILTER_CMD_UNKNOWN, "SMFIC_UNKNOWN"}, {0, NULL},
};

static const struct code_name reply_names[] = {
	{MILTER_REPLY_ADDRCPT, "SMFIR_ADDRCPT"},
	{MILTER_REPLY_DELRCPT, "SMFIR_DELRCPT"},
	{MILTER_REPLY_ADDRCPT_PAR, "SMFIR_ADDRCPT_PAR"},
	{MILTER_REPLY_SHUTDOWN, "SMFIR_SHUTDOWN"},
	{MILTER_REPLY_ACCEPT, "SMFIR_ACCEPT"},
	{MILTER_REPLY_REPLBODY, "SMFIR_REPLBODY"},
	{MILTER_REPLY_CONTINUE, "SMFIR_CONTINUE"},
	{MILTER_REPLY_DISCARD, "SMFIR_DISCARD"},
	{MILTER_REPLY_CHGFROM, "SMFIR_CHGFROM"},
	{MILTER_REPLY_CONN_FAIL, "SMFIR_CONN_FAIL"},
	{MILTER_REPLY_ADDHEADER, "SMFIR_ADDHEADER"},
	{MILTER_REPLY_INSHEADER, "SMFIR_INSHEADER"},
	{MILTER_REPLY_SETSYMLIST, "SMFIR_SETSYMLIST"},
	{MILTER_REPLY_CHGHEADER, "SMFIR_CHGHEADER"},
	{MILTER_REPLY_OPTNEG, "SMFIC_OPTNEG"},
	{MILTER_REPLY_PROGRESS, "SMFIR_PROGRESS"},
	{MILTER_REPLY_QUARANTINE, "SMFIR_QUARANTINE"},
	{MILTER_REPLY_REJECT, "SMFIR_REJECT"},
	{MILTER_REPLY_SKIP, "SMFIR_SKIP"},
	{MILTER_REPLY_TEMPFAIL, "SMFIR_TEMPFAIL"},
	{MILTER_REPLY_REPLYCODE, "SMFIR_REPLYCODE"},
	{0, NULL},
};

static const char *find_name(const struct code_name *table, int code)
{
	for (; table->name != NULL; table++)
		if (table->code == code)
			return table->name;
	return NULL;
}

const char *milter_cmd_name(int code)
{
	return find_name(cmd_names, code);
}

const char *milter_reply_name(int code)
{
	return find_name(reply_names, code);
}

/* The command each macro stage belongs to, indexed by stage. */
static const int stage_cmds[MILTER_STAGE_COUNT] = {
	[MILTER_STAGE_CONNECT] = MILTER_CMD_CONNECT, [MILTER_STAGE_HELO] = MILTER_CMD_HELO,
	[MILTER_STAGE_ENVFROM] = MILTER_CMD_MAIL,    [MILTER_STAGE_ENVRCPT] = MILTER_CMD_RCPT,
	[MILTER_STAGE_DATA] = MILTER_CMD_DATA,	     [MILTER_STAGE_EOM] = MILTER_CMD_BODYEOB,
	[MILTER_STAGE_EOH] = MILTER_CMD_EOH,
};

int milter_stage_of_cmd(int code)
{
	for (int stage = 0; stage < MILTER_STAGE_COUNT; stage++)
		if (stage_cmds[stage] == code)
			return stage;
	return -1;
}

int milter_cmd_of_stage(int stage)
{
	return stage >= 0 && stage < MILTER_STAGE_COUNT ? stage_cmds[stage] : -1;
}
