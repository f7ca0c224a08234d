/* milter_codec_test.h: the checks shared by the unit tests of the milter
 * command and reply codecs (header-only, so that only the tests compile
 * it): a message encodes to the expected libmilter wire bytes, decodes
 * back to the same fields and re-encodes to the same bytes; a malformed
 * packet fails to decode, and a message that cannot be sent fails to
 * encode, each with the expected message. */
#ifndef POSTERN_MILTER_CODEC_TEST_H
#define POSTERN_MILTER_CODEC_TEST_H

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "milter_proto.h"
#include "tap.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))
#define WIRE(s) s, sizeof(s) - 1

/* One codec (commands or replies), through its messages' struct as void. */
struct milter_codec {
	size_t msg_size; /* of one decoded message */
	int (*encode)(struct buf *out, const void *msg, size_t max_data, char **error_r);
	int (*decode)(const struct milter_packet *pkt, void *msg_r, char **error_r);
	char *(*describe)(const void *msg); /* its fields as one line (caller frees) */
	void (*deinit)(void *msg);	    /* after a decode, or NULL */
};

static inline int milter_codec_same_bytes(const struct buf *b, const char *data, size_t len)
{
	return buf_len(b) == len && memcmp(buf_cstr(b), data, len) == 0;
}

/* milter_codec_round_trip: msg (called name) encodes to wire, decodes
 * back to the same fields and re-encodes to the same bytes. */
static inline void milter_codec_round_trip(const struct milter_codec *codec, const char *name,
					   const void *msg, const char *wire, size_t wire_len)
{
	struct milter_decoder *d = milter_decoder_new(0);
	struct milter_packet pkt;
	void *back = calloc(1, codec->msg_size);
	struct buf out, again;
	char *error = NULL;
	size_t used;
	int decoded = 0; /* decode ran: back needs deinit */
	int ok = 0;	 /* and succeeded */

	buf_init(&out, 0);
	buf_init(&again, 0);
	int rc = codec->encode(&out, msg, 0, &error);
	tap_ok(rc == 1 && milter_codec_same_bytes(&out, wire, wire_len),
	       "%s encodes to the libmilter wire format%s%s", name, error ? ": " : "",
	       error ? error : "");
	free(error);
	error = NULL;

	char *want = codec->describe(msg);
	char *got;
	if (milter_decoder_feed(d, buf_cstr(&out), buf_len(&out), &used, &pkt, &error) != 1 ||
	    used != buf_len(&out)) {
		got = error != NULL ? error : strdup("framing failed");
	} else if (codec->decode(&pkt, back, &error) < 0) {
		got = error;
		decoded = 1;
	} else {
		got = codec->describe(back);
		decoded = ok = 1;
	}
	error = NULL;
	tap_is_str(got, want, "%s decodes to the same fields", name);
	if (ok) {
		codec->encode(&again, back, 0, &error);
		tap_ok(milter_codec_same_bytes(&again, buf_cstr(&out), buf_len(&out)),
		       "%s re-encodes to the same bytes", name);
		free(error);
	}
	if (decoded && codec->deinit != NULL)
		codec->deinit(back);
	free(back);
	free(got);
	free(want);
	milter_decoder_free(&d);
	buf_deinit(&out);
	buf_deinit(&again);
}

/* A packet that must not decode, and the message that says why. */
struct milter_codec_bad_packet {
	int code;
	const char *data;
	size_t len;
	const char *want;
};

/* milter_codec_decode_fails: none of the n packets decodes, each with its
 * message. */
static inline void milter_codec_decode_fails(const struct milter_codec *codec,
					     const struct milter_codec_bad_packet *t, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct milter_packet pkt = {t[i].code, (const unsigned char *)t[i].data, t[i].len};
		void *msg = calloc(1, codec->msg_size);
		char *error = NULL;

		tap_ok(codec->decode(&pkt, msg, &error) == -1, "decoding '%c' case %zu fails",
		       t[i].code, i);
		tap_is_str(error, t[i].want, "with the expected message");
		free(error);
		if (codec->deinit != NULL)
			codec->deinit(msg);
		free(msg);
	}
}

/* milter_codec_encode_fails: msg (case i of a table) does not encode
 * within max_data bytes, writing nothing, with the message want. */
static inline void milter_codec_encode_fails(const struct milter_codec *codec, const void *msg,
					     size_t max_data, const char *want, size_t i)
{
	struct buf out;
	char *error = NULL;

	buf_init(&out, 0);
	int rc = codec->encode(&out, msg, max_data, &error);
	tap_ok(rc == -1 && buf_len(&out) == 0, "encoding case %zu fails, writing nothing", i);
	tap_is_str(error, want, "with the expected message");
	free(error);
	buf_deinit(&out);
}

#endif
