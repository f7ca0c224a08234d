/* milter_proto_test.c: milter constants match libmilter's headers; the
 * packet decoder frames any chunking of a stream the same way, enforces its
 * limit and reports malformed lengths; the packet encoder bounds its
 * output. */
#include <libmilter/mfapi.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "chunking_test.h"
#include "milter_proto.h"
#include "tap.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static void test_constants(void)
{
	static const struct {
		long ours, theirs;
		const char *name;
	} t[] = {
		{MILTER_CMD_ABORT, SMFIC_ABORT, "SMFIC_ABORT"},
		{MILTER_CMD_BODY, SMFIC_BODY, "SMFIC_BODY"},
		{MILTER_CMD_CONNECT, SMFIC_CONNECT, "SMFIC_CONNECT"},
		{MILTER_CMD_MACRO, SMFIC_MACRO, "SMFIC_MACRO"},
		{MILTER_CMD_BODYEOB, SMFIC_BODYEOB, "SMFIC_BODYEOB"},
		{MILTER_CMD_HELO, SMFIC_HELO, "SMFIC_HELO"},
		{MILTER_CMD_QUIT_NC, SMFIC_QUIT_NC, "SMFIC_QUIT_NC"},
		{MILTER_CMD_HEADER, SMFIC_HEADER, "SMFIC_HEADER"},
		{MILTER_CMD_MAIL, SMFIC_MAIL, "SMFIC_MAIL"},
		{MILTER_CMD_EOH, SMFIC_EOH, "SMFIC_EOH"},
		{MILTER_CMD_OPTNEG, SMFIC_OPTNEG, "SMFIC_OPTNEG"},
		{MILTER_CMD_QUIT, SMFIC_QUIT, "SMFIC_QUIT"},
		{MILTER_CMD_RCPT, SMFIC_RCPT, "SMFIC_RCPT"},
		{MILTER_CMD_DATA, SMFIC_DATA, "SMFIC_DATA"},
		{MILTER_CMD_UNKNOWN, SMFIC_UNKNOWN, "SMFIC_UNKNOWN"},
		{MILTER_REPLY_ADDRCPT, SMFIR_ADDRCPT, "SMFIR_ADDRCPT"},
		{MILTER_REPLY_DELRCPT, SMFIR_DELRCPT, "SMFIR_DELRCPT"},
		{MILTER_REPLY_ADDRCPT_PAR, SMFIR_ADDRCPT_PAR, "SMFIR_ADDRCPT_PAR"},
		{MILTER_REPLY_SHUTDOWN, SMFIR_SHUTDOWN, "SMFIR_SHUTDOWN"},
		{MILTER_REPLY_ACCEPT, SMFIR_ACCEPT, "SMFIR_ACCEPT"},
		{MILTER_REPLY_REPLBODY, SMFIR_REPLBODY, "SMFIR_REPLBODY"},
		{MILTER_REPLY_CONTINUE, SMFIR_CONTINUE, "SMFIR_CONTINUE"},
		{MILTER_REPLY_DISCARD, SMFIR_DISCARD, "SMFIR_DISCARD"},
		{MILTER_REPLY_CHGFROM, SMFIR_CHGFROM, "SMFIR_CHGFROM"},
		{MILTER_REPLY_CONN_FAIL, SMFIR_CONN_FAIL, "SMFIR_CONN_FAIL"},
		{MILTER_REPLY_ADDHEADER, SMFIR_ADDHEADER, "SMFIR_ADDHEADER"},
		{MILTER_REPLY_INSHEADER, SMFIR_INSHEADER, "SMFIR_INSHEADER"},
		{MILTER_REPLY_SETSYMLIST, SMFIR_SETSYMLIST, "SMFIR_SETSYMLIST"},
		{MILTER_REPLY_CHGHEADER, SMFIR_CHGHEADER, "SMFIR_CHGHEADER"},
		{MILTER_REPLY_PROGRESS, SMFIR_PROGRESS, "SMFIR_PROGRESS"},
		{MILTER_REPLY_QUARANTINE, SMFIR_QUARANTINE, "SMFIR_QUARANTINE"},
		{MILTER_REPLY_REJECT, SMFIR_REJECT, "SMFIR_REJECT"},
		{MILTER_REPLY_SKIP, SMFIR_SKIP, "SMFIR_SKIP"},
		{MILTER_REPLY_TEMPFAIL, SMFIR_TEMPFAIL, "SMFIR_TEMPFAIL"},
		{MILTER_REPLY_REPLYCODE, SMFIR_REPLYCODE, "SMFIR_REPLYCODE"},
		{MILTER_FAMILY_UNKNOWN, SMFIA_UNKNOWN, "SMFIA_UNKNOWN"},
		{MILTER_FAMILY_UNIX, SMFIA_UNIX, "SMFIA_UNIX"},
		{MILTER_FAMILY_INET, SMFIA_INET, "SMFIA_INET"},
		{MILTER_FAMILY_INET6, SMFIA_INET6, "SMFIA_INET6"},
		{MILTER_ACTION_ADDHDRS, SMFIF_ADDHDRS, "SMFIF_ADDHDRS"},
		{MILTER_ACTION_CHGBODY, SMFIF_CHGBODY, "SMFIF_CHGBODY"},
		{MILTER_ACTION_ADDRCPT, SMFIF_ADDRCPT, "SMFIF_ADDRCPT"},
		{MILTER_ACTION_DELRCPT, SMFIF_DELRCPT, "SMFIF_DELRCPT"},
		{MILTER_ACTION_CHGHDRS, SMFIF_CHGHDRS, "SMFIF_CHGHDRS"},
		{MILTER_ACTION_QUARANTINE, SMFIF_QUARANTINE, "SMFIF_QUARANTINE"},
		{MILTER_ACTION_CHGFROM, SMFIF_CHGFROM, "SMFIF_CHGFROM"},
		{MILTER_ACTION_ADDRCPT_PAR, SMFIF_ADDRCPT_PAR, "SMFIF_ADDRCPT_PAR"},
		{MILTER_ACTION_SETSYMLIST, SMFIF_SETSYMLIST, "SMFIF_SETSYMLIST"},
		{MILTER_ACTIONS_V1, SMFI_V1_ACTS, "SMFI_V1_ACTS"},
		{MILTER_ACTIONS_ALL, SMFI_CURR_ACTS, "SMFI_CURR_ACTS"},
		{MILTER_PROTO_NOCONNECT, SMFIP_NOCONNECT, "SMFIP_NOCONNECT"},
		{MILTER_PROTO_NOHELO, SMFIP_NOHELO, "SMFIP_NOHELO"},
		{MILTER_PROTO_NOMAIL, SMFIP_NOMAIL, "SMFIP_NOMAIL"},
		{MILTER_PROTO_NORCPT, SMFIP_NORCPT, "SMFIP_NORCPT"},
		{MILTER_PROTO_NOBODY, SMFIP_NOBODY, "SMFIP_NOBODY"},
		{MILTER_PROTO_NOHDRS, SMFIP_NOHDRS, "SMFIP_NOHDRS"},
		{MILTER_PROTO_NOEOH, SMFIP_NOEOH, "SMFIP_NOEOH"},
		{MILTER_PROTO_NR_HDR, SMFIP_NR_HDR, "SMFIP_NR_HDR"},
		{MILTER_PROTO_NOUNKNOWN, SMFIP_NOUNKNOWN, "SMFIP_NOUNKNOWN"},
		{MILTER_PROTO_NODATA, SMFIP_NODATA, "SMFIP_NODATA"},
		{MILTER_PROTO_SKIP, SMFIP_SKIP, "SMFIP_SKIP"},
		{MILTER_PROTO_RCPT_REJ, SMFIP_RCPT_REJ, "SMFIP_RCPT_REJ"},
		{MILTER_PROTO_NR_CONN, SMFIP_NR_CONN, "SMFIP_NR_CONN"},
		{MILTER_PROTO_NR_HELO, SMFIP_NR_HELO, "SMFIP_NR_HELO"},
		{MILTER_PROTO_NR_MAIL, SMFIP_NR_MAIL, "SMFIP_NR_MAIL"},
		{MILTER_PROTO_NR_RCPT, SMFIP_NR_RCPT, "SMFIP_NR_RCPT"},
		{MILTER_PROTO_NR_DATA, SMFIP_NR_DATA, "SMFIP_NR_DATA"},
		{MILTER_PROTO_NR_UNKN, SMFIP_NR_UNKN, "SMFIP_NR_UNKN"},
		{MILTER_PROTO_NR_EOH, SMFIP_NR_EOH, "SMFIP_NR_EOH"},
		{MILTER_PROTO_NR_BODY, SMFIP_NR_BODY, "SMFIP_NR_BODY"},
		{MILTER_PROTO_HDR_LEADSPC, SMFIP_HDR_LEADSPC, "SMFIP_HDR_LEADSPC"},
		{MILTER_PROTO_MDS_256K, SMFIP_MDS_256K, "SMFIP_MDS_256K"},
		{MILTER_PROTO_MDS_1M, SMFIP_MDS_1M, "SMFIP_MDS_1M"},
		{MILTER_PROTO_V1, SMFI_V1_PROT, "SMFI_V1_PROT"},
		{MILTER_PROTO_ALL, SMFI_CURR_PROT, "SMFI_CURR_PROT"},
		{MILTER_STAGE_CONNECT, SMFIM_CONNECT, "SMFIM_CONNECT"},
		{MILTER_STAGE_HELO, SMFIM_HELO, "SMFIM_HELO"},
		{MILTER_STAGE_ENVFROM, SMFIM_ENVFROM, "SMFIM_ENVFROM"},
		{MILTER_STAGE_ENVRCPT, SMFIM_ENVRCPT, "SMFIM_ENVRCPT"},
		{MILTER_STAGE_DATA, SMFIM_DATA, "SMFIM_DATA"},
		{MILTER_STAGE_EOM, SMFIM_EOM, "SMFIM_EOM"},
		{MILTER_STAGE_EOH, SMFIM_EOH, "SMFIM_EOH"},
		{MILTER_STAGE_COUNT, SMFIM_LAST + 1, "SMFIM_LAST + 1"},
		{MILTER_VERSION, SMFI_PROT_VERSION, "SMFI_PROT_VERSION"},
		{MILTER_DATA_MAX_DEFAULT, MILTER_MAX_DATA_SIZE, "MILTER_MAX_DATA_SIZE"},
		{MILTER_BODY_CHUNK, MILTER_CHUNK_SIZE, "MILTER_CHUNK_SIZE"},
	};
	for (size_t i = 0; i < COUNT(t); i++)
		tap_is_int(t[i].ours, t[i].theirs, "constant %s matches libmilter", t[i].name);
}

static void test_names(void)
{
	tap_is_str(milter_cmd_name(MILTER_CMD_CONNECT), "SMFIC_CONNECT", "command name");
	tap_is_str(milter_cmd_name('z'), NULL, "unknown command has no name");
	tap_is_str(milter_reply_name(MILTER_REPLY_REPLYCODE), "SMFIR_REPLYCODE", "reply name");
	tap_is_str(milter_reply_name(MILTER_REPLY_OPTNEG), "SMFIC_OPTNEG",
		   "the OPTNEG reply keeps libmilter's name");
	tap_is_str(milter_reply_name('Z'), NULL, "unknown reply has no name");

	int ok = 1;
	for (int stage = 0; stage < MILTER_STAGE_COUNT; stage++)
		ok &= milter_stage_of_cmd(milter_cmd_of_stage(stage)) == stage;
	tap_ok(ok, "stage -> command -> stage round-trips for every stage");
	tap_is_int(milter_stage_of_cmd(MILTER_CMD_MAIL), MILTER_STAGE_ENVFROM, "MAIL is ENVFROM");
	tap_is_int(milter_stage_of_cmd(MILTER_CMD_BODYEOB), MILTER_STAGE_EOM, "BODYEOB is EOM");
	tap_is_int(milter_stage_of_cmd(MILTER_CMD_HEADER), -1, "HEADER has no macro stage");
	tap_is_int(milter_cmd_of_stage(MILTER_STAGE_COUNT), -1, "stage 7 has no command");
	tap_is_int(milter_cmd_of_stage(-1), -1, "stage -1 has no command");
}

/* transcript: decode stream cut into pieces at the given offsets; one line
 * per packet ("C 3 616263"), or "error: ..." at the first error. */
static char *transcript(const unsigned char *stream, size_t len, const size_t *cuts, size_t ncuts,
			size_t max_data)
{
	struct milter_decoder *d = milter_decoder_new(max_data);
	struct buf out;
	size_t start = 0;

	buf_init(&out, 0);
	for (size_t piece = 0; piece <= ncuts; piece++) {
		size_t end = piece < ncuts ? cuts[piece] : len;
		size_t off = start;
		while (off < end) {
			struct milter_packet pkt;
			size_t used;
			char *error = NULL;
			int rc = milter_decoder_feed(d, stream + off, end - off, &used, &pkt,
						     &error);
			off += used;
			if (rc < 0) {
				buf_printf(&out, "error: %s\n", error);
				free(error);
				goto done;
			}
			if (rc == 0)
				break;
			buf_printf(&out, "%c %zu ", pkt.code, pkt.len);
			for (size_t i = 0; i < pkt.len; i++)
				buf_printf(&out, "%02x", pkt.data[i]);
			buf_printf(&out, " nul=%d\n", pkt.data[pkt.len] == '\0');
		}
		start = end;
	}
	if (milter_decoder_pending(d))
		buf_append_str(&out, "pending\n");
done:
	milter_decoder_free(&d);
	char *s = buf_detach(&out);
	buf_deinit(&out); /* detach leaves a fresh allocation */
	return s;
}

static char *transcript_of(const char *data, size_t len, const size_t *cuts, size_t ncuts,
			   void *context)
{
	const size_t *max_data = context;
	return transcript((const unsigned char *)data, len, cuts, ncuts, *max_data);
}

/* check_chunking: every split of the stream in two, and byte by byte,
 * gives the transcript of the whole stream. */
static void check_chunking(const struct buf *stream, size_t max_data, const char *what)
{
	chunking_check(transcript_of, &max_data, buf_cstr(stream), buf_len(stream), what,
		       "decodes");
}

static void append_packet(struct buf *b, int code, const char *data, size_t len)
{
	char *error = NULL;
	if (milter_packet_encode(b, code, data, len, MILTER_DATA_MAX_1M, &error) < 0) {
		tap_diag("encode failed: %s", error);
		free(error);
	}
}

static void test_decode_stream(void)
{
	struct buf stream;
	buf_init(&stream, 0);
	append_packet(&stream, 'O', "\0\0\0\6\0\0\1\xff\0\x1f\xff\xff", 12);
	append_packet(&stream, 'N', "", 0);
	append_packet(&stream, 'L', "From\0a@b\0", 9);
	append_packet(&stream, 'B', "x\0y", 3);

	char *whole =
		transcript((const unsigned char *)buf_cstr(&stream), buf_len(&stream), NULL, 0, 0);
	tap_is_str(whole,
		   "O 12 00000006000001ff001fffff nul=1\n"
		   "N 0  nul=1\n"
		   "L 9 46726f6d0061406200 nul=1\n"
		   "B 3 780079 nul=1\n",
		   "a stream of four packets decodes to four packets, data NUL-terminated");
	free(whole);
	check_chunking(&stream, 0, "four packets");

	/* A packet at the limit passes, one byte more fails. */
	struct buf big;
	buf_init(&big, 0);
	char *data = calloc(1, MILTER_DATA_MAX_DEFAULT + 1);
	append_packet(&big, 'B', data, MILTER_DATA_MAX_DEFAULT);
	char *t = transcript((const unsigned char *)buf_cstr(&big), buf_len(&big), NULL, 0, 0);
	tap_ok(strncmp(t, "B 65535 ", 8) == 0,
	       "a packet of 65535 data bytes passes the default limit");
	free(t);
	buf_reset(&big);
	append_packet(&big, 'B', data, MILTER_DATA_MAX_DEFAULT + 1);
	t = transcript((const unsigned char *)buf_cstr(&big), buf_len(&big), NULL, 0, 0);
	tap_is_str(t, "error: milter packet 'B' with 65536 data bytes exceeds the limit of 65535\n",
		   "a packet of 65536 data bytes is refused, as libmilter refuses it");
	free(t);
	t = transcript((const unsigned char *)buf_cstr(&big), buf_len(&big), NULL, 0,
		       MILTER_DATA_MAX_256K);
	tap_ok(strncmp(t, "B 65536 ", 8) == 0, "a larger limit lets it pass");
	free(t);
	free(data);
	buf_deinit(&big);

	/* Errors happen at the same place whatever the chunking. */
	buf_append(&stream, "\0\0\0\0X", 5);
	append_packet(&stream, 'Q', "", 0);
	check_chunking(&stream, 0, "stream with a zero length");
	buf_deinit(&stream);
}

static void test_decoder_errors(void)
{
	static const struct {
		const char *bytes;
		size_t len;
		size_t max;
		const char *want;
	} t[] = {
		{"\0\0\0\0C", 5, 0, "error: milter packet length 0: no command code\n"},
		{"\0\0\0\x0cL0123456789x", 17, 10,
		 "error: milter packet 'L' with 11 data bytes exceeds the limit of 10\n"},
		{"\xff\xff\xff\xff\x01", 5, 0,
		 "error: milter packet '?' with 4294967294 data bytes exceeds the limit of "
		 "65535\n"},
		{"\0\0\0\x02", 4, 0, "pending\n"},
		{"\0\0\0\x03"
		 "B",
		 5, 0, "pending\n"},
		{"\0\0\0\x01"
		 "E",
		 5, 0, "E 0  nul=1\n"},
		{"", 0, 0, ""},
	};
	for (size_t i = 0; i < COUNT(t); i++) {
		char *got =
			transcript((const unsigned char *)t[i].bytes, t[i].len, NULL, 0, t[i].max);
		tap_is_str(got, t[i].want, "decoder case %zu", i);
		free(got);
	}

	/* The first error sticks; set_max changes the limit. */
	struct milter_decoder *d = milter_decoder_new(4);
	struct milter_packet pkt;
	size_t used;
	char *error = NULL;
	tap_is_int(milter_decoder_feed(d, "\0\0\0\x06L12345", 10, &used, &pkt, &error), -1,
		   "5 data bytes over a limit of 4 fail");
	free(error);
	error = NULL;
	tap_is_int(milter_decoder_feed(d, "\0\0\0\x01N", 5, &used, &pkt, &error), -1,
		   "a failed decoder keeps failing");
	tap_ok(error != NULL && strstr(error, "exceeds the limit of 4") != NULL,
	       "with the first error's message");
	free(error);
	milter_decoder_free(&d);
	tap_ok(d == NULL, "milter_decoder_free clears the pointer");
	milter_decoder_free(&d);

	d = milter_decoder_new(4);
	milter_decoder_set_max(d, 5);
	tap_is_int(milter_decoder_feed(d, "\0\0\0\x06L12345", 10, &used, &pkt, &error), 1,
		   "after set_max(5) the packet passes");
	tap_is_int((long long)used, 10, "and all its bytes are consumed");
	tap_is_int(milter_decoder_pending(d), 0, "nothing pending after a whole packet");
	tap_is_int(milter_decoder_feed(d, "\0\0", 2, &used, &pkt, &error), 0,
		   "half a header needs more input");
	tap_is_int(milter_decoder_pending(d), 1, "and is pending");
	milter_decoder_free(&d);
}

static void test_encoder(void)
{
	struct buf out;
	char *error = NULL;

	buf_init(&out, 0);
	tap_is_int(milter_packet_encode(&out, 'y', "550 x", 6, 0, &error), 1, "encode a packet");
	tap_is_int((long long)buf_len(&out), 11, "4 + 1 + 6 bytes");
	tap_ok(memcmp(buf_cstr(&out), "\0\0\0\x07y550 x", 11) == 0, "big-endian length + code");
	tap_is_int(milter_packet_encode(&out, 'b', "12345", 5, 4, &error), -1,
		   "data over max_data is refused");
	tap_is_str(error, "milter packet 'b' with 5 data bytes exceeds the limit of 4",
		   "with a clear message");
	free(error);
	tap_is_int((long long)buf_len(&out), 11, "and the output is unchanged");
	buf_deinit(&out);

	buf_init(&out, 8);
	tap_is_int(milter_packet_encode(&out, 'b', "1234", 4, 0, &error), -1,
		   "a bounded output buffer that is too small fails");
	free(error);
	tap_is_int((long long)buf_len(&out), 0, "without a partial packet");
	buf_deinit(&out);
}

int main(void)
{
	test_constants();
	test_names();
	test_decode_stream();
	test_decoder_errors();
	test_encoder();
	return tap_done();
}
