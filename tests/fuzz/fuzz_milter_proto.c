/* fuzz_milter_proto.c: libFuzzer target for the milter codec.
 *
 * Input: one byte choosing the decoder's data limit, then a byte stream.
 * The stream is framed whole, byte by byte and split at a point taken from
 * the input; the three transcripts must be equal (the chunking property).
 * Every framed packet is decoded as a command and as a reply; whatever
 * decodes must re-encode (commands to the very same bytes, replies to a
 * form that is stable under another round trip), and the negotiation
 * functions run on every OPTNEG. Any violation aborts. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "fuzz_util.h"
#include "milter_proto_cmd.h"
#include "milter_proto_neg.h"
#include "milter_proto_reply.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const size_t limits[] = {16, 300, 0, MILTER_DATA_MAX_256K};

static void check(int cond)
{
	if (!cond)
		abort();
}

/* packet_bytes: the wire form of a framed packet. */
static void packet_bytes(struct buf *b, const struct milter_packet *pkt)
{
	char *error = NULL;
	check(milter_packet_encode(b, pkt->code, pkt->data, pkt->len, MILTER_DATA_MAX_1M, &error) ==
	      1);
}

static int same(const struct buf *a, const struct buf *b)
{
	return buf_len(a) == buf_len(b) && memcmp(buf_cstr(a), buf_cstr(b), buf_len(a)) == 0;
}

static void exercise_neg(const struct milter_optneg *o)
{
	static const struct milter_optneg offer = {
		6, MILTER_ACTIONS_ALL, MILTER_PROTO_ALL | MILTER_PROTO_MDS_256K, {NULL}, 0};
	struct milter_optneg reply;
	struct milter_neg neg;
	char *error = NULL;

	if (milter_neg_mta(&offer, o, &neg, &error) == 1) {
		check(neg.version >= MILTER_VERSION_MIN && neg.version <= 6);
		check((neg.actions & ~offer.actions) == 0);
		for (const char *cmd = "ABCDEHKLMNOQRTUz"; *cmd; cmd++) {
			for (const char *r = "+-24abcdefhilmOpqrstyZ"; *r; r++) {
				if (milter_neg_reply_ok(&neg, *cmd, *r, &error) < 0)
					free(error);
				error = NULL;
			}
			milter_neg_sends(&neg, *cmd);
			milter_neg_awaits_reply(&neg, *cmd);
		}
		milter_neg_deinit(&neg);
	}
	free(error);
	error = NULL;
	if (milter_neg_milter(o, &offer, &reply, &neg, &error) == 1) {
		check(reply.version <= MILTER_VERSION && reply.version >= MILTER_VERSION_MIN);
		milter_neg_deinit(&neg);
	}
	free(error);
}

static void round_trip_cmd(const struct milter_packet *pkt)
{
	struct milter_cmd cmd, again;
	struct buf orig, enc, enc2;
	char *error = NULL;

	if (milter_cmd_decode(pkt, &cmd, &error) < 0) {
		free(error);
		milter_cmd_deinit(&cmd);
		return;
	}
	buf_init(&orig, 0);
	buf_init(&enc, 0);
	buf_init(&enc2, 0);
	packet_bytes(&orig, pkt);
	check(milter_cmd_encode(&enc, &cmd, MILTER_DATA_MAX_1M, &error) == 1);
	check(same(&orig, &enc));
	struct milter_packet p2 = {pkt->code, (const unsigned char *)buf_cstr(&enc) + 5,
				   buf_len(&enc) - 5};
	check(milter_cmd_decode(&p2, &again, &error) == 1);
	check(milter_cmd_encode(&enc2, &again, MILTER_DATA_MAX_1M, &error) == 1);
	check(same(&enc, &enc2));
	if (cmd.code == MILTER_CMD_OPTNEG)
		exercise_neg(&cmd.u.optneg);
	if (cmd.code == MILTER_CMD_MACRO)
		milter_macro_find(&cmd.u.macro.pairs, "{i}");
	milter_cmd_deinit(&again);
	milter_cmd_deinit(&cmd);
	buf_deinit(&orig);
	buf_deinit(&enc);
	buf_deinit(&enc2);
}

static void round_trip_reply(const struct milter_packet *pkt)
{
	struct milter_reply reply, again;
	struct buf orig, enc, enc2;
	char *error = NULL;

	if (milter_reply_decode(pkt, &reply, &error) < 0) {
		free(error);
		return;
	}
	buf_init(&orig, 0);
	buf_init(&enc, 0);
	buf_init(&enc2, 0);
	packet_bytes(&orig, pkt);
	check(milter_reply_encode(&enc, &reply, MILTER_DATA_MAX_1M, &error) == 1);
	/* OPTNEG is normalised (lists in stage order, unknown stages dropped). */
	check(reply.code == MILTER_REPLY_OPTNEG || same(&orig, &enc));
	struct milter_packet p2 = {pkt->code, (const unsigned char *)buf_cstr(&enc) + 5,
				   buf_len(&enc) - 5};
	check(milter_reply_decode(&p2, &again, &error) == 1);
	check(milter_reply_encode(&enc2, &again, MILTER_DATA_MAX_1M, &error) == 1);
	check(same(&enc, &enc2));
	if (reply.code == MILTER_REPLY_OPTNEG)
		exercise_neg(&reply.u.optneg);
	if (reply.code == MILTER_REPLY_REPLYCODE)
		free(milter_replycode_unescape(reply.u.text));
	buf_deinit(&orig);
	buf_deinit(&enc);
	buf_deinit(&enc2);
}

struct framing {
	struct milter_decoder *d;
	struct buf *out;
	int decode;
};

/* frame: one feed of the decoder; record the packet or the error. */
static int frame(void *context, const uint8_t *data, size_t len, size_t *used_r)
{
	struct framing *f = context;
	struct milter_packet pkt;
	char *error = NULL;
	int rc = milter_decoder_feed(f->d, data, len, used_r, &pkt, &error);

	if (rc < 0) {
		buf_printf(f->out, "E %s\n", error);
		free(error);
	} else if (rc > 0) {
		check(pkt.data[pkt.len] == '\0');
		buf_printf(f->out, "P %d %zu\n", pkt.code, pkt.len);
		buf_append(f->out, pkt.data, pkt.len);
		if (f->decode) {
			round_trip_cmd(&pkt);
			round_trip_reply(&pkt);
		}
	}
	return rc;
}

/* transcript: frame the stream fed in pieces of at most step bytes (0: all
 * at once), or split once at cut; record every packet and the first error
 * in out. With decode set, also round-trip every packet. */
static void transcript(struct buf *out, const uint8_t *s, size_t len, size_t max, size_t step,
		       size_t cut, int decode)
{
	struct framing f = {milter_decoder_new(max), out, decode};

	buf_init(out, 0);
	if (fuzz_frame_stream(s, len, step, cut, frame, &f))
		buf_printf(out, "pending=%d\n", milter_decoder_pending(f.d));
	milter_decoder_free(&f.d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	size_t max = limits[data[0] % (sizeof(limits) / sizeof(limits[0]))];
	size_t cut = data[1];
	const uint8_t *s = data + 2;
	size_t len = size - 2;

	struct buf whole, bytes, split;
	transcript(&whole, s, len, max, 0, len, 1);
	transcript(&bytes, s, len, max, 1, 0, 0);
	transcript(&split, s, len, max, 0, cut < len ? cut : len, 0);
	fuzz_expect_same(&whole, &bytes);
	fuzz_expect_same(&whole, &split);
	buf_deinit(&whole);
	buf_deinit(&bytes);
	buf_deinit(&split);
	return 0;
}
