/* policy_proto_test.c: the policy delegation parser reads what Postfix 3.7
 * sends, in any chunking; malformed input and exceeded limits fail with a
 * clear message at the same byte however the input is cut; requests and
 * replies written by the encoders parse back to the same attributes. */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "chunking_test.h"
#include "policy_proto.h"
#include "tap.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* A request as Postfix 3.7 sends it (attribute list of SMTPD_POLICY_README). */
static const char postfix_request[] =
	"request=smtpd_access_policy\n"
	"protocol_state=RCPT\n"
	"protocol_name=ESMTP\n"
	"helo_name=client.example.com\n"
	"queue_id=8045F2AB23\n"
	"sender=foo@bar.tld\n"
	"recipient=bar@foo.tld\n"
	"recipient_count=0\n"
	"client_address=192.0.2.1\n"
	"client_name=client.example.com\n"
	"reverse_client_name=client.example.com\n"
	"instance=123.456.7\n"
	"sasl_method=plain\n"
	"sasl_username=you\n"
	"sasl_sender=\n"
	"size=12345\n"
	"ccert_subject=solaris9.porcupine.org\n"
	"ccert_issuer=Wietse+20Venema\n"
	"ccert_fingerprint=C2:9D:F4:87:71:73:73:D9:18:E7:C2:F3:C1:DA:6E:04\n"
	"ccert_pubkey_fingerprint=68:B3:29:DA:98:93:E3:40:99:C7:D8:AD:5C:B9:C9:40\n"
	"encryption_protocol=TLSv1.3\n"
	"encryption_cipher=TLS_AES_256_GCM_SHA384\n"
	"encryption_keysize=256\n"
	"etrn_domain=\n"
	"stress=\n"
	"client_port=1234\n"
	"policy_context=submission\n"
	"server_address=10.3.2.1\n"
	"server_port=54321\n"
	"\n";

/* transcript: parse data cut at the given offsets; one line per message
 * ("a=1|b=2"), "error: ..." at the first error, "pending" at the end if a
 * message is incomplete. */
static char *transcript(enum policy_kind kind, const struct policy_limits *limits, const char *data,
			size_t len, const size_t *cuts, size_t ncuts)
{
	struct policy_parser *p = policy_parser_new(kind, limits);
	struct buf out;
	size_t start = 0;

	buf_init(&out, 0);
	for (size_t piece = 0; piece <= ncuts; piece++) {
		size_t end = piece < ncuts ? cuts[piece] : len;
		size_t off = start;
		while (off < end) {
			struct policy_attrs *attrs = NULL;
			size_t used;
			char *error = NULL;
			int rc =
				policy_parser_feed(p, data + off, end - off, &used, &attrs, &error);
			off += used;
			if (rc < 0) {
				buf_printf(&out, "error: %s\n", error);
				free(error);
				goto done;
			}
			if (rc == 0)
				break;
			for (size_t i = 0; i < attrs->count; i++)
				buf_printf(&out, "%s%s=%s", i ? "|" : "", attrs->v[i].name,
					   attrs->v[i].value);
			buf_append_char(&out, '\n');
			policy_attrs_free(&attrs);
		}
		start = end;
	}
	if (policy_parser_pending(p))
		buf_append_str(&out, "pending\n");
done:
	policy_parser_free(&p);
	char *s = buf_detach(&out);
	buf_deinit(&out); /* detach leaves a fresh allocation */
	return s;
}

struct transcript_args {
	enum policy_kind kind;
	const struct policy_limits *limits;
};

static char *transcript_of(const char *data, size_t len, const size_t *cuts, size_t ncuts,
			   void *context)
{
	const struct transcript_args *a = context;
	return transcript(a->kind, a->limits, data, len, cuts, ncuts);
}

/* check_chunking: every split of data in two, and byte by byte, parses
 * like the whole. */
static void check_chunking(enum policy_kind kind, const struct policy_limits *limits,
			   const char *data, size_t len, const char *what)
{
	struct transcript_args a = {kind, limits};
	chunking_check(transcript_of, &a, data, len, what, "parses");
}

static void test_postfix_request(void)
{
	struct policy_parser *p = policy_parser_new(POLICY_REQUEST, NULL);
	struct policy_attrs *a = NULL;
	size_t used;
	char *error = NULL;

	tap_is_int(
		policy_parser_feed(p, postfix_request, strlen(postfix_request), &used, &a, &error),
		1, "a Postfix 3.7 request parses");
	tap_is_int((long long)used, (long long)strlen(postfix_request), "up to its empty line");
	tap_is_int(a ? (long long)a->count : -1, 29, "29 attributes");
	tap_is_str(a ? policy_attrs_get(a, "client_address") : NULL, "192.0.2.1", "client_address");
	tap_is_str(a ? policy_attrs_get(a, "sasl_sender") : NULL, "", "empty values are kept");
	tap_is_str(a ? policy_attrs_get(a, "Client_Address") : NULL, NULL,
		   "names match case-sensitively, as Postfix's do");
	tap_is_str(a ? a->v[28].name : NULL, "server_port", "order is kept");
	tap_is_int(policy_parser_pending(p), 0, "nothing pending after a whole request");
	policy_attrs_free(&a);
	tap_ok(a == NULL, "policy_attrs_free clears the pointer");
	policy_parser_free(&p);
	tap_ok(p == NULL, "policy_parser_free clears the pointer");
	free(error);

	static const char crlf[] = "request=smtpd_access_policy\r\nsender=a@b\r\n\r\n";
	char *t = transcript(POLICY_REQUEST, NULL, crlf, strlen(crlf), NULL, 0);
	tap_is_str(t, "request=smtpd_access_policy|sender=a@b\n",
		   "CRLF line ends (telnet) are accepted");
	free(t);
}

static void test_stream_chunking(void)
{
	struct buf s;
	buf_init(&s, 0);
	buf_append_str(&s, postfix_request);
	buf_append_str(&s, "request=smtpd_access_policy\nprotocol_state=END-OF-MESSAGE\n\n");
	buf_append_str(&s, "request=smtpd_access_policy\nsender=x");
	check_chunking(POLICY_REQUEST, NULL, buf_cstr(&s), buf_len(&s), "three requests");

	struct policy_limits small = {20, 3, 80};
	buf_reset(&s);
	buf_append_str(&s, "request=smtpd_access_policy\n");
	check_chunking(POLICY_REQUEST, &small, buf_cstr(&s), buf_len(&s), "a line over the limit");
	buf_reset(&s);
	buf_append(&s, "action=DUNNO\n\naction=x\0y\n\n", 26);
	check_chunking(POLICY_REPLY, NULL, buf_cstr(&s), buf_len(&s), "a reply after a NUL byte");
	buf_deinit(&s);
}

static void test_failures(void)
{
	static const struct policy_limits small = {30, 2, 0};
	static const struct policy_limits size60 = {100, 10, 60};
	static const struct {
		enum policy_kind kind;
		const struct policy_limits *limits;
		const char *data;
		size_t len; /* 0: strlen(data) */
		const char *want;
	} t[] = {
		{POLICY_REQUEST, NULL, "request=smtpd_access_policy\nfoo\n\n", 0,
		 "error: policy request line 2: no '=' in \"foo\"\n"},
		{POLICY_REQUEST, NULL, "=x\n", 0,
		 "error: policy request line 1: empty attribute name\n"},
		{POLICY_REQUEST, NULL, "a=b\0c\n", 6, "error: policy request line 1: NUL byte\n"},
		{POLICY_REQUEST, &small,
		 "request=smtpd_access_policy\nhelo_name=a.very.long.name.example\n", 0,
		 "error: policy request line 2: longer than 30 bytes\n"},
		{POLICY_REQUEST, &small, "request=smtpd_access_policy\na=1\nb=2\n\n", 0,
		 "error: policy request line 3: more than 2 attributes\n"},
		{POLICY_REQUEST, &size60,
		 "request=smtpd_access_policy\nsender=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n\n", 0,
		 "error: policy request larger than 60 bytes\n"},
		{POLICY_REQUEST, NULL, "a=b\n\n", 0,
		 "error: policy request without request=smtpd_access_policy\n"},
		{POLICY_REQUEST, NULL, "\n", 0,
		 "error: policy request without request=smtpd_access_policy\n"},
		{POLICY_REQUEST, NULL, "request=junk\n\n", 0,
		 "error: policy request of unsupported type request=junk\n"},
		{POLICY_REQUEST, NULL, "request=smtpd_access_policy\nsender=a\nsender=b\n\n", 0,
		 "error: policy request line 3: duplicate attribute \"sender\"\n"},
		{POLICY_REQUEST, NULL, "request=smtpd_access_policy\nhelo_name=a\rb\n\n", 0,
		 "error: policy request line 2: value of attribute \"helo_name\" holds CR or LF\n"},
		{POLICY_REPLY, NULL, "action=DUNNO\n\n", 0, "action=DUNNO\n"},
		{POLICY_REPLY, NULL, "action=OK\nextra=1\n\n", 0, "action=OK|extra=1\n"},
		{POLICY_REPLY, NULL, "action=REJECT spaces = fine\n\n", 0,
		 "action=REJECT spaces = fine\n"},
		{POLICY_REPLY, NULL, "foo=bar\n\n", 0,
		 "error: policy reply without action attribute\n"},
		{POLICY_REPLY, NULL, "action=DUNNO\naction=OK\n\n", 0,
		 "error: policy reply line 2: duplicate attribute \"action\"\n"},
		{POLICY_REPLY, NULL, "action=DUNNO\n", 0, "pending\n"},
	};
	for (size_t i = 0; i < COUNT(t); i++) {
		size_t len = t[i].len ? t[i].len : strlen(t[i].data);
		char *got = transcript(t[i].kind, t[i].limits, t[i].data, len, NULL, 0);
		tap_is_str(got, t[i].want, "parser case %zu", i);
		free(got);
	}
}

static void test_feed_contract(void)
{
	struct policy_parser *p = policy_parser_new(POLICY_REPLY, NULL);
	struct policy_attrs *a = NULL;
	size_t used;
	char *error = NULL;

	tap_is_int(policy_parser_feed(p, "action=OK\n\nact", 14, &used, &a, &error), 1,
		   "a reply followed by the start of the next");
	tap_is_int((long long)used, 11, "consumes only the first reply");
	policy_attrs_free(&a);
	tap_is_int(policy_parser_feed(p, "act", 3, &used, &a, &error), 0,
		   "part of a line: need more");
	tap_is_int(policy_parser_pending(p), 1, "and it is pending");
	tap_is_int(policy_parser_feed(p, "\n", 1, &used, &a, &error), -1, "a line without '='");
	tap_is_str(error, "policy reply line 1: no '=' in \"act\"", "fails");
	free(error);
	error = NULL;
	tap_is_int(policy_parser_feed(p, "action=OK\n\n", 11, &used, &a, &error), -1,
		   "and the parser keeps failing");
	tap_is_str(error, "policy reply line 1: no '=' in \"act\"", "with the first error");
	free(error);
	policy_parser_free(&p);
}

static void test_encoders(void)
{
	struct policy_attrs *a = policy_attrs_new();
	struct buf out;
	char *error = NULL;

	buf_init(&out, 0);
	tap_is_int(policy_request_encode(&out, a, &error), -1, "a request needs request=");
	tap_is_str(error, "policy request without request=smtpd_access_policy", "says so");
	free(error);
	error = NULL;
	policy_attrs_add(a, "request", "smtpd_access_policy", &error);
	policy_attrs_add(a, "protocol_state", "RCPT", &error);
	policy_attrs_add(a, "sender", "", &error);
	tap_is_int(policy_request_encode(&out, a, &error), 1, "encode a request");
	tap_is_str(buf_cstr(&out), "request=smtpd_access_policy\nprotocol_state=RCPT\nsender=\n\n",
		   "in Postfix's format");
	char *t = transcript(POLICY_REQUEST, NULL, buf_cstr(&out), buf_len(&out), NULL, 0);
	tap_is_str(t, "request=smtpd_access_policy|protocol_state=RCPT|sender=\n",
		   "and it parses back");
	free(t);

	struct buf small;
	buf_init(&small, 20);
	tap_is_int(policy_request_encode(&small, a, &error), -1, "a full output buffer fails");
	tap_is_int((long long)buf_len(&small), 0, "without a partial request");
	free(error);
	error = NULL;
	buf_deinit(&small);

	buf_reset(&out);
	tap_is_int(policy_reply_encode(&out, "DEFER_IF_PERMIT Service unavailable", &error), 1,
		   "encode a reply");
	tap_is_str(buf_cstr(&out), "action=DEFER_IF_PERMIT Service unavailable\n\n",
		   "in Postfix's format");
	t = transcript(POLICY_REPLY, NULL, buf_cstr(&out), buf_len(&out), NULL, 0);
	tap_is_str(t, "action=DEFER_IF_PERMIT Service unavailable\n", "and it parses back");
	free(t);
	tap_is_int(policy_reply_encode(&out, "", &error), -1, "an empty action is refused");
	free(error);
	error = NULL;
	tap_is_int(policy_reply_encode(&out, "OK\n\naction=REJECT", &error), -1,
		   "an action with a newline is refused (no smuggled attributes)");
	free(error);
	error = NULL;

	static const struct {
		const char *name, *value, *want;
	} bad[] = {
		{"", "v", "empty attribute name"},
		{"a=b", "v", "attribute name \"a=b\" holds '=', CR or LF"},
		{"helo_name", "x\ny", "value of attribute \"helo_name\" holds CR or LF"},
		{"sender", "again", "duplicate attribute \"sender\""},
	};
	for (size_t i = 0; i < COUNT(bad); i++) {
		tap_is_int(policy_attrs_add(a, bad[i].name, bad[i].value, &error), -1,
			   "attribute case %zu is refused", i);
		tap_is_str(error, bad[i].want, "with the expected message");
		free(error);
		error = NULL;
	}
	tap_is_int((long long)a->count, 3, "refused attributes are not added");
	policy_attrs_free(&a);
	buf_deinit(&out);
}

int main(void)
{
	test_postfix_request();
	test_stream_chunking();
	test_failures();
	test_feed_contract();
	test_encoders();
	return tap_done();
}
