/* fuzz_policy_proto.c: libFuzzer target for the policy delegation codec
 * and the access(5) action parser.
 *
 * Input: one byte choosing the message kind and the limits, one byte
 * choosing a split point, then a byte stream. The stream is parsed whole,
 * byte by byte and split in two; the three transcripts must be equal (the
 * chunking property). Every parsed request is encoded again and must parse
 * back to the same attributes; every attribute value goes through
 * access_action_parse(), whose results must be consistent. Any violation
 * aborts. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "access_action.h"
#include "buf.h"
#include "fuzz_util.h"
#include "policy_proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int cond)
{
	if (!cond)
		abort();
}

static void check_action(const char *value)
{
	static const struct access_codes codes = {550, 451};

	for (int cls = ACCESS_CLASS_OTHER; cls <= ACCESS_CLASS_RECIPIENT; cls++) {
		struct access_action a;
		char *error = NULL;
		if (access_action_parse(value, cls == ACCESS_CLASS_SENDER ? &codes : NULL, cls, &a,
					&error) < 0) {
			check(error != NULL);
			free(error);
			continue;
		}
		check(a.text != NULL && access_kind_name(a.kind) != NULL);
		if (a.code != 0) {
			check(a.code >= 400 && a.code <= 599);
			check(a.dsn[0] == '0' + a.code / 100 && a.dsn[1] == '.');
		} else {
			check(a.dsn[0] == '\0');
		}
	}
}

static void attrs_line(struct buf *out, const struct policy_attrs *a)
{
	for (size_t i = 0; i < a->count; i++)
		buf_printf(out, "%s%s=%s", i ? "|" : "", a->v[i].name, a->v[i].value);
	buf_append_char(out, '\n');
}

/* round_trip: a parsed request re-encodes and parses to the same list. */
static void round_trip(const struct policy_attrs *a)
{
	struct policy_parser *p = policy_parser_new(POLICY_REQUEST, NULL);
	struct policy_attrs *back = NULL;
	struct buf enc, l1, l2;
	size_t used;
	char *error = NULL;

	buf_init(&enc, 0);
	buf_init(&l1, 0);
	buf_init(&l2, 0);
	check(policy_request_encode(&enc, a, &error) == 1);
	check(policy_parser_feed(p, buf_cstr(&enc), buf_len(&enc), &used, &back, &error) == 1);
	check(used == buf_len(&enc));
	attrs_line(&l1, a);
	attrs_line(&l2, back);
	check(strcmp(buf_cstr(&l1), buf_cstr(&l2)) == 0);
	policy_attrs_free(&back);
	policy_parser_free(&p);
	buf_deinit(&enc);
	buf_deinit(&l1);
	buf_deinit(&l2);
}

struct parsing {
	struct policy_parser *p;
	enum policy_kind kind;
	struct buf *out;
	int deep;
};

/* parse: one feed of the parser; record the attributes or the error. */
static int parse(void *context, const uint8_t *data, size_t len, size_t *used_r)
{
	struct parsing *ps = context;
	struct policy_attrs *a = NULL;
	char *error = NULL;
	int rc = policy_parser_feed(ps->p, data, len, used_r, &a, &error);

	if (rc < 0) {
		buf_printf(ps->out, "E %s\n", error);
		free(error);
	} else if (rc > 0) {
		attrs_line(ps->out, a);
		if (ps->deep) {
			if (ps->kind == POLICY_REQUEST)
				round_trip(a);
			for (size_t i = 0; i < a->count; i++)
				check_action(a->v[i].value);
		}
		policy_attrs_free(&a);
	}
	return rc;
}

/* transcript: parse in pieces of step bytes (0: at once), or split at cut. */
static void transcript(struct buf *out, enum policy_kind kind, const struct policy_limits *limits,
		       const uint8_t *s, size_t len, size_t step, size_t cut, int deep)
{
	struct parsing ps = {policy_parser_new(kind, limits), kind, out, deep};

	buf_init(out, 0);
	if (fuzz_frame_stream(s, len, step, cut, parse, &ps))
		buf_printf(out, "pending=%d\n", policy_parser_pending(ps.p));
	policy_parser_free(&ps.p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct policy_limits small = {40, 4, 200};

	if (size < 2)
		return 0;
	enum policy_kind kind = data[0] & 1 ? POLICY_REPLY : POLICY_REQUEST;
	const struct policy_limits *limits = data[0] & 2 ? &small : NULL;
	size_t cut = data[1];
	const uint8_t *s = data + 2;
	size_t len = size - 2;

	struct buf whole, bytes, split;
	transcript(&whole, kind, limits, s, len, 0, len, 1);
	transcript(&bytes, kind, limits, s, len, 1, 0, 0);
	transcript(&split, kind, limits, s, len, 0, cut < len ? cut : len, 0);
	fuzz_expect_same(&whole, &bytes);
	fuzz_expect_same(&whole, &split);
	buf_deinit(&whole);
	buf_deinit(&bytes);
	buf_deinit(&split);

	/* The whole input as one action string, up to its first NUL. */
	char *value = malloc(len + 1);
	memcpy(value, s, len);
	value[len] = '\0';
	check_action(value);
	free(value);
	return 0;
}
