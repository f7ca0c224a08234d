/* smtp_params_test.c: MAIL and RCPT ESMTP parameters are parsed into their
 * values, and refused with Postfix's reply where Postfix refuses them (and
 * with our documented reply where we are stricter). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "smtp_params.h"
#include "tap.h"

#define ALL_EXT (SMTP_EXT_DSN | SMTP_EXT_SMTPUTF8)
#define LIMIT 10240000

/* reply_wire: the reply as sent, without its CRLF (caller frees). */
static char *reply_wire(struct smtp_reply *r)
{
	struct buf b;
	buf_init(&b, 0);
	smtp_reply_format(r, SMTP_REPLY_ENHANCED, &b);
	buf_truncate(&b, buf_len(&b) - 2);
	char *s = strdup(buf_cstr(&b));
	buf_deinit(&b);
	return s;
}

static char *describe_mail(const struct smtp_mail_params *p)
{
	static const char *const body[] = {"-", "7BIT", "8BITMIME", "BINARYMIME"};
	static const char *const ret[] = {"-", "FULL", "HDRS"};
	struct buf b;
	buf_init(&b, 0);
	if (p->size_given)
		buf_printf(&b, "size=%llu ", (unsigned long long)p->size);
	buf_printf(&b, "body=%s utf8=%d ret=%s envid=%s auth=%s", body[p->body], p->smtputf8,
		   ret[p->ret], p->envid ? p->envid : "-", p->auth ? p->auth : "-");
	char *s = strdup(buf_cstr(&b));
	buf_deinit(&b);
	return s;
}

static void test_mail(void)
{
	static const struct {
		const char *in;
		unsigned ext;
		uint64_t limit;
		const char *want; /* the values, or the reply */
	} cases[] = {
	    {"", ALL_EXT, LIMIT, "body=- utf8=0 ret=- envid=- auth=-"},
	    {"SIZE=1000 BODY=8BITMIME", ALL_EXT, LIMIT,
	     "size=1000 body=8BITMIME utf8=0 ret=- envid=- auth=-"},
	    {"size=00012\tbody=7bit", ALL_EXT, LIMIT,
	     "size=12 body=7BIT utf8=0 ret=- envid=- auth=-"},
	    {"SIZE=10240000", ALL_EXT, LIMIT, "size=10240000 body=- utf8=0 ret=- envid=- auth=-"},
	    {"SIZE=99999999999999999999", ALL_EXT, 0,
	     "size=18446744073709551615 body=- utf8=0 ret=- envid=- auth=-"},
	    {"SIZE=", ALL_EXT, LIMIT, "501 5.5.4 Bad message size syntax"},
	    {"SIZE", ALL_EXT, LIMIT, "501 5.5.4 Bad message size syntax"},
	    {"SIZE=-1", ALL_EXT, LIMIT, "501 5.5.4 Bad message size syntax"},
	    {"SIZE=+1", ALL_EXT, LIMIT, "501 5.5.4 Bad message size syntax"},
	    {"SIZE=1k", ALL_EXT, LIMIT, "501 5.5.4 Bad message size syntax"},
	    {"SIZE=123456789012345678901", ALL_EXT, 0, "501 5.5.4 Bad message size syntax"},
	    {"SIZE=10240001", ALL_EXT, LIMIT, "552 5.3.4 Message size exceeds fixed limit"},
	    {"SIZE=1 SIZE=2", ALL_EXT, LIMIT, "501 5.5.4 Error: duplicate SIZE parameter"},
	    {"BODY=foo", ALL_EXT, LIMIT, "555 5.5.4 Unsupported option: BODY=foo"},
	    {"BODY", ALL_EXT, LIMIT, "555 5.5.4 Unsupported option: BODY"},
	    {"BODY=", ALL_EXT, LIMIT, "555 5.5.4 Unsupported option: BODY="},
	    {"BODY=BINARYMIME", ALL_EXT, LIMIT, "555 5.5.4 Unsupported option: BODY=BINARYMIME"},
	    {"BODY=BINARYMIME", ALL_EXT | SMTP_EXT_BINARYMIME, LIMIT,
	     "body=BINARYMIME utf8=0 ret=- envid=- auth=-"},
	    {"BODY=7BIT BODY=8BITMIME", ALL_EXT, LIMIT,
	     "501 5.5.4 Error: duplicate BODY parameter"},
	    {"SMTPUTF8", ALL_EXT, LIMIT, "body=- utf8=1 ret=- envid=- auth=-"},
	    {"SMTPUTF8=x", ALL_EXT, LIMIT, "555 5.5.4 Unsupported option: SMTPUTF8=x"},
	    {"SMTPUTF8", SMTP_EXT_DSN, LIMIT, "555 5.5.4 Unsupported option: SMTPUTF8"},
	    {"RET=hdrs", ALL_EXT, LIMIT, "body=- utf8=0 ret=HDRS envid=- auth=-"},
	    {"RET=x", ALL_EXT, LIMIT, "501 5.5.4 Bad RET parameter syntax"},
	    {"RET=FULL RET=HDRS", ALL_EXT, LIMIT, "501 5.5.4 Bad RET parameter syntax"},
	    {"RET=FULL", SMTP_EXT_SMTPUTF8, LIMIT, "501 5.7.1 DSN support is disabled"},
	    {"ENVID=QQ+2B1", ALL_EXT, LIMIT, "body=- utf8=0 ret=- envid=QQ+1 auth=-"},
	    {"ENVID=a+20b", ALL_EXT, LIMIT, "body=- utf8=0 ret=- envid=a b auth=-"},
	    {"ENVID=a+zz", ALL_EXT, LIMIT, "501 5.5.4 Bad ENVID parameter syntax"},
	    {"ENVID=a=b", ALL_EXT, LIMIT, "501 5.5.4 Bad ENVID parameter syntax"},
	    {"ENVID=+E9", ALL_EXT, LIMIT, "501 5.5.4 Bad ENVID parameter syntax"},
	    {"ENVID=+0A", ALL_EXT, LIMIT, "501 5.5.4 Bad ENVID parameter syntax"},
	    {"ENVID=", ALL_EXT, LIMIT, "501 5.5.4 Bad ENVID parameter syntax"},
	    {"ENVID=a ENVID=b", ALL_EXT, LIMIT, "501 5.5.4 Bad ENVID parameter syntax"},
	    {"ENVID=x", 0, LIMIT, "501 5.7.1 DSN support is disabled"},
	    {"AUTH=<>", ALL_EXT, LIMIT, "body=- utf8=0 ret=- envid=- auth=<>"},
	    {"AUTH=joe+40example.org", ALL_EXT, LIMIT,
	     "body=- utf8=0 ret=- envid=- auth=joe@example.org"},
	    {"AUTH=a+zz", ALL_EXT, LIMIT, "501 5.5.4 Bad AUTH parameter syntax"},
	    {"AUTH=a AUTH=b", ALL_EXT, LIMIT, "503 5.5.4 Error: multiple AUTH= options"},
	    {"FOO=bar", ALL_EXT, LIMIT, "555 5.5.4 Unsupported option: FOO=bar"},
	    {"=x", ALL_EXT, LIMIT, "555 5.5.4 Unsupported option: =x"},
	    {"-x", ALL_EXT, LIMIT, "555 5.5.4 Unsupported option: -x"},
	    {"<c@d>", ALL_EXT, LIMIT, "555 5.5.4 Unsupported option: <c@d>"},
	    {"NOTIFY=NEVER", ALL_EXT, LIMIT, "555 5.5.4 Unsupported option: NOTIFY=NEVER"},
	    {"FOO RET=x", ALL_EXT, LIMIT, "555 5.5.4 Unsupported option: FOO"},
	    {"RET=x FOO", ALL_EXT, LIMIT, "501 5.5.4 Bad RET parameter syntax"},
	};
	struct smtp_params_opts opts;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct smtp_mail_params p;
		struct smtp_reply *r = NULL;
		opts.ext = cases[i].ext;
		opts.message_size_limit = cases[i].limit;
		int rc = smtp_params_mail(cases[i].in, strlen(cases[i].in), &opts, &p, &r);
		char *got = rc > 0 ? describe_mail(&p) : reply_wire(r);
		tap_is_str(got, cases[i].want, "MAIL \"%s\"", cases[i].in);
		if (rc < 0)
			tap_ok(p.envid == NULL && p.auth == NULL,
			       "  a refusal leaves nothing to free");
		free(got);
		smtp_reply_free(&r);
		smtp_mail_params_clear(&p);
	}
}

static void test_bounds(void)
{
	struct smtp_params_opts opts = {ALL_EXT, LIMIT};
	struct smtp_mail_params p;
	struct smtp_reply *r = NULL;
	char token[1000];
	memset(token, 'a', sizeof(token) - 1);
	token[sizeof(token) - 1] = '\0';
	tap_is_int(smtp_params_mail(token, strlen(token), &opts, &p, &r), -1,
		   "a 999-byte unknown parameter is refused");
	tap_ok(r != NULL && buf_len(&r->text) == strlen("Unsupported option: ") + 200,
	       "  and echoed in at most 200 bytes");
	smtp_reply_free(&r);

	struct buf b;
	buf_init(&b, 0);
	buf_append_str(&b, "ENVID=");
	for (int i = 0; i < SMTP_ENVID_MAX; i++)
		buf_append_char(&b, 'e');
	tap_is_int(smtp_params_mail(buf_cstr(&b), buf_len(&b), &opts, &p, &r), 1,
		   "ENVID of 100 characters");
	smtp_mail_params_clear(&p);
	buf_append_char(&b, 'e');
	tap_is_int(smtp_params_mail(buf_cstr(&b), buf_len(&b), &opts, &p, &r), -1,
		   "ENVID of 101 characters");
	smtp_reply_free(&r);
	buf_deinit(&b);
}

static char *describe_rcpt(const struct smtp_rcpt_params *p)
{
	struct buf b;
	buf_init(&b, 0);
	buf_printf(&b, "notify=%s%s%s%s orcpt=%s;%s", p->notify & SMTP_NOTIFY_NEVER ? "N" : "",
		   p->notify & SMTP_NOTIFY_SUCCESS ? "S" : "",
		   p->notify & SMTP_NOTIFY_FAILURE ? "F" : "",
		   p->notify & SMTP_NOTIFY_DELAY ? "D" : "", p->orcpt_type ? p->orcpt_type : "-",
		   p->orcpt ? p->orcpt : "-");
	char *s = strdup(buf_cstr(&b));
	buf_deinit(&b);
	return s;
}

static void test_rcpt(void)
{
	static const struct {
		const char *in;
		unsigned ext;
		int smtputf8;
		const char *want;
	} cases[] = {
	    {"", ALL_EXT, 0, "notify= orcpt=-;-"},
	    {"NOTIFY=NEVER", ALL_EXT, 0, "notify=N orcpt=-;-"},
	    {"notify=success,delay", ALL_EXT, 0, "notify=SD orcpt=-;-"},
	    {"NOTIFY=SUCCESS,FAILURE,DELAY", ALL_EXT, 0, "notify=SFD orcpt=-;-"},
	    {"NOTIFY=SUCCESS,SUCCESS", ALL_EXT, 0, "notify=S orcpt=-;-"},
	    {"NOTIFY=NEVER,SUCCESS", ALL_EXT, 0, "501 5.5.4 Error: Bad NOTIFY parameter syntax"},
	    {"NOTIFY=SUCCESS,NEVER", ALL_EXT, 0, "501 5.5.4 Error: Bad NOTIFY parameter syntax"},
	    {"NOTIFY=NEVER,NEVER", ALL_EXT, 0, "501 5.5.4 Error: Bad NOTIFY parameter syntax"},
	    {"NOTIFY=SUCCESS,,DELAY", ALL_EXT, 0, "501 5.5.4 Error: Bad NOTIFY parameter syntax"},
	    {"NOTIFY=SUCCESS,", ALL_EXT, 0, "501 5.5.4 Error: Bad NOTIFY parameter syntax"},
	    {"NOTIFY=", ALL_EXT, 0, "501 5.5.4 Error: Bad NOTIFY parameter syntax"},
	    {"NOTIFY", ALL_EXT, 0, "501 5.5.4 Error: Bad NOTIFY parameter syntax"},
	    {"NOTIFY=ALWAYS", ALL_EXT, 0, "501 5.5.4 Error: Bad NOTIFY parameter syntax"},
	    {"NOTIFY=NEVER NOTIFY=NEVER", ALL_EXT, 0,
	     "501 5.5.4 Error: Bad NOTIFY parameter syntax"},
	    {"NOTIFY=NEVER", SMTP_EXT_SMTPUTF8, 0, "501 5.7.1 DSN support is disabled"},
	    {"ORCPT=rfc822;a+2Bb@c.example", ALL_EXT, 0, "notify= orcpt=rfc822;a+b@c.example"},
	    {"ORCPT=RFC822;x@y NOTIFY=FAILURE", ALL_EXT, 0, "notify=F orcpt=RFC822;x@y"},
	    {"ORCPT=x-local;foo", ALL_EXT, 0, "notify= orcpt=x-local;foo"},
	    {"ORCPT=utf-8;caf\\x{E9}@x.example", ALL_EXT, 0,
	     "notify= orcpt=utf-8;caf\xc3\xa9@x.example"},
	    {"ORCPT=utf-8;caf\xc3\xa9@x.example", ALL_EXT, 1,
	     "notify= orcpt=utf-8;caf\xc3\xa9@x.example"},
	    {"ORCPT=utf-8;caf\xc3\xa9@x.example", ALL_EXT, 0,
	     "501 5.5.4 Error: Bad ORCPT parameter syntax"},
	    {"ORCPT=rfc822;", ALL_EXT, 0, "501 5.5.4 Error: Bad ORCPT parameter syntax"},
	    {"ORCPT=;x@y", ALL_EXT, 0, "501 5.5.4 Error: Bad ORCPT parameter syntax"},
	    {"ORCPT=rfc822", ALL_EXT, 0, "501 5.5.4 Error: Bad ORCPT parameter syntax"},
	    {"ORCPT=rfc822;x=y", ALL_EXT, 0, "501 5.5.4 Error: Bad ORCPT parameter syntax"},
	    {"ORCPT=rfc822;x@y+4", ALL_EXT, 0, "501 5.5.4 Error: Bad ORCPT parameter syntax"},
	    {"ORCPT=x.400;foo", ALL_EXT, 0, "501 5.5.4 Error: Bad ORCPT parameter syntax"},
	    {"ORCPT=rfc822;a@b ORCPT=rfc822;c@d", ALL_EXT, 0,
	     "501 5.5.4 Error: Bad ORCPT parameter syntax"},
	    {"ORCPT=rfc822;a@b", 0, 0, "501 5.7.1 DSN support is disabled"},
	    {"SIZE=1", ALL_EXT, 0, "555 5.5.4 Unsupported option: SIZE=1"},
	    {"BODY=7BIT", ALL_EXT, 0, "555 5.5.4 Unsupported option: BODY=7BIT"},
	};
	struct smtp_params_opts opts = {0, LIMIT};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct smtp_rcpt_params p;
		struct smtp_reply *r = NULL;
		opts.ext = cases[i].ext;
		int rc = smtp_params_rcpt(cases[i].in, strlen(cases[i].in), &opts,
					  cases[i].smtputf8, &p, &r);
		char *got = rc > 0 ? describe_rcpt(&p) : reply_wire(r);
		tap_is_str(got, cases[i].want, "RCPT \"%s\"%s", cases[i].in,
			   cases[i].smtputf8 ? " (SMTPUTF8)" : "");
		free(got);
		smtp_reply_free(&r);
		smtp_rcpt_params_clear(&p);
	}
	/* ORCPT length: 500 characters at most. */
	struct buf b;
	buf_init(&b, 0);
	buf_append_str(&b, "ORCPT=rfc822;");
	while (buf_len(&b) < strlen("ORCPT=") + SMTP_ORCPT_MAX)
		buf_append_char(&b, 'x');
	struct smtp_rcpt_params p;
	struct smtp_reply *r = NULL;
	opts.ext = ALL_EXT;
	tap_is_int(smtp_params_rcpt(buf_cstr(&b), buf_len(&b), &opts, 0, &p, &r), 1,
		   "ORCPT of 500 characters");
	smtp_rcpt_params_clear(&p);
	buf_append_char(&b, 'x');
	tap_is_int(smtp_params_rcpt(buf_cstr(&b), buf_len(&b), &opts, 0, &p, &r), -1,
		   "ORCPT of 501 characters");
	smtp_reply_free(&r);
	buf_deinit(&b);
}

int main(void)
{
	test_mail();
	test_bounds();
	test_rcpt();
	return tap_done();
}
