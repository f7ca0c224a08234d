/* dsn_engine_test.c: postern-dsn's engine on a bounce as Postfix 3.7
 * writes it (tests/data/dsn/postfix-bounce.eml) with the tables of
 * tests/data/dsn: no internal name survives, the report keeps its
 * structure (a second pass finds nothing more to change), the returned
 * message is kept, cut to its headers or dropped; the filter's rounds and
 * bad results; status changes; encoded text; what is not a DSN; and
 * chunking. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dsn_engine.h"
#include "mem.h"
#include "tap.h"

static const char *const internal_names[] = {"corp.internal", "127.0.0.41", "/var/spool/mail",
					     "mailbox.sh"};

static char *data_path(const char *file)
{
	const char *top = getenv("top_srcdir");
	return xasprintf("%s/tests/data/dsn/%s", top != NULL ? top : "..", file);
}

static char *read_file(const char *file)
{
	char *path = data_path(file);
	FILE *f = fopen(path, "rb");
	struct buf b;
	char chunk[4096];
	size_t n;

	buf_init(&b, 0);
	if (f == NULL) {
		tap_diag("cannot open %s", path);
		abort();
	}
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_append(&b, chunk, n);
	fclose(f);
	free(path);
	char *text = buf_detach(&b);
	buf_deinit(&b); /* detaching leaves an empty buffer */
	return text;
}

static struct dsn_rules *rules_new(enum dsn_return ret, int tables)
{
	char *filter = data_path("status_filter.pcre"),
	     *received = data_path("internal_received.pcre");
	char *f = xasprintf("pcre:%s", filter), *r = xasprintf("pcre:%s", received);
	struct dsn_rules_spec spec = {.status_filter = tables ? f : "",
				      .received = tables ? r : "",
				      .return_content = ret};
	struct dsn_rules *rules;
	char *error = NULL;

	mime_config_init(&spec.mime);
	if (dsn_rules_new(&spec, &rules, &error) < 0) {
		tap_diag("rules: %s", error);
		abort();
	}
	free(filter);
	free(received);
	free(f);
	free(r);
	return rules;
}

static struct dsn_scan *scan(const struct dsn_rules *rules, const char *msg, int null_sender,
			     size_t chunk)
{
	struct dsn_scan *s = dsn_scan_new(rules, null_sender);
	size_t len = strlen(msg);

	if (chunk == 0)
		chunk = len;
	for (size_t at = 0; at < len; at += chunk)
		if (!dsn_scan_feed(s, msg + at, len - at < chunk ? len - at : chunk))
			break;
	dsn_scan_finish(s);
	return s;
}

/* rebuilt: the message as the MTA would deliver it after the changes:
 * the headers with the edits applied (first occurrence by name and
 * index), then the new body. */
static char *rebuilt(const char *msg, struct dsn_scan *s)
{
	const struct dsn_result *r = dsn_scan_result(s);
	const char *body = strstr(msg, "\r\n\r\n") + 4;
	struct buf out;
	const char *line = msg;

	buf_init(&out, 0);
	/* Headers, one logical header at a time. */
	while (line < body - 2) {
		const char *end = line;
		do
			end = strstr(end, "\r\n") + 2;
		while (*end == ' ' || *end == '\t');
		size_t nlen = strcspn(line, ":");
		const char *value = NULL;
		for (size_t i = 0; i < r->n_edits; i++) {
			size_t seen = 0;
			for (const char *p = msg; p < line; p = strstr(p, "\r\n") + 2)
				if (strncasecmp(p, line, nlen + 1) == 0)
					seen++;
			if (strlen(r->edits[i].name) == nlen &&
			    strncasecmp(r->edits[i].name, line, nlen) == 0 &&
			    r->edits[i].name_index == seen + 1)
				value = r->edits[i].value;
		}
		if (value != NULL) {
			/* "\n" in a value is a fold: the MTA writes CRLF */
			buf_printf(&out, "%.*s: ", (int)nlen, line);
			for (const char *v = value; *v != '\0'; v++)
				if (*v == '\n')
					buf_append_str(&out, "\r\n");
				else
					buf_append_char(&out, *v);
			buf_append_str(&out, "\r\n");
		} else
			buf_append(&out, line, (size_t)(end - line));
		line = end;
	}
	buf_append_str(&out, "\r\n");
	const struct buf *b = dsn_scan_body(s);
	buf_append(&out, buf_cstr(b), buf_len(b));
	char *text = buf_detach(&out);
	buf_deinit(&out); /* detaching leaves an empty buffer */
	return text;
}

static void test_bounce(void)
{
	char *msg = read_file("postfix-bounce.eml");
	struct dsn_rules *rules = rules_new(DSN_RETURN_FULL, 1);
	struct dsn_scan *s = scan(rules, msg, 1, 0);
	const struct dsn_result *r = dsn_scan_result(s);

	tap_ok(r->is_dsn && !r->tempfail, "a Postfix bounce is a DSN");
	char *out = rebuilt(msg, s);
	for (size_t i = 0; i < sizeof(internal_names) / sizeof(internal_names[0]); i++) {
		/* The MTA's own Received header (the first line) is out of a
		 * milter's reach: look after it. */
		const char *after = strstr(out, "\r\nDate:");
		tap_ok(after != NULL && strstr(after, internal_names[i]) == NULL, "\"%s\" is gone",
		       internal_names[i]);
	}
	tap_ok(strstr(out, "Reporting-MTA: dns; gateway.example.test\r\n") != NULL,
	       "Reporting-MTA rewritten");
	tap_ok(strstr(out, "Remote-MTA: dns; [internal address]\r\n") != NULL,
	       "Remote-MTA rewritten without its type");
	tap_ok(strstr(out, "Diagnostic-Code: smtp; 550 5.1.1 <bob@[internal host]>: delivery to") !=
		       NULL,
	       "Diagnostic-Code rewritten, its type kept");
	tap_ok(strstr(out, "Status: 5.1.1\r\n") != NULL && strstr(out, "Action: failed\r\n"),
	       "Action and Status kept");
	tap_ok(strstr(out, "From: MAILER-DAEMON@gateway.example.test (Mail Delivery System)") !=
		       NULL,
	       "the DSN's own From rewritten");
	tap_ok(strstr(out, "\r\n    (delivery command) (in reply to RCPT TO command)\r\n") != NULL,
	       "human-readable lines rewritten one by one");
	tap_is_int((long long)r->received_removed, 1, "the returned Received header is gone");
	tap_ok(strstr(out, "Message-ID: <hello-bob@elsewhere.test>\r\n\r\nHello Bob.\r\n") != NULL,
	       "the returned message is kept");
	tap_ok(strstr(out, "boundary=\"=_postern-dsn_") != NULL &&
		       strstr(out, "--=_postern-dsn_") &&
		       strstr(out, "\r\n\r\n--=_postern-dsn_") != NULL,
	       "the boundary that named a host is replaced, in the header and the body");

	/* A second pass: still a DSN, nothing left to change. */
	struct dsn_scan *again = scan(rules, out, 1, 0);
	const struct dsn_result *r2 = dsn_scan_result(again);
	tap_ok(r2->is_dsn && r2->texts_changed == 0 && r2->received_removed == 0 &&
		       r2->mime_errors == 0,
	       "the rewritten DSN parses as a DSN and needs nothing more");
	/* Its body comes back as it went in. */
	const char *body = strstr(out, "\r\n\r\n") + 4;
	tap_is_str(buf_cstr(dsn_scan_body(again)), body, "and its body is written back unchanged");
	dsn_scan_free(&again);

	/* Any chunking gives the same. */
	int same = 1;
	for (size_t chunk = 1; chunk < 50 && same; chunk += 7) {
		struct dsn_scan *c = scan(rules, msg, 1, chunk);
		char *o = rebuilt(msg, c);
		same = strcmp(o, out) == 0;
		free(o);
		dsn_scan_free(&c);
	}
	tap_ok(same, "the same in chunks of 1 to 50 bytes");
	free(out);
	dsn_scan_free(&s);

	/* Without tables: every returned Received header goes, nothing else. */
	struct dsn_rules *plain = rules_new(DSN_RETURN_FULL, 0);
	s = scan(plain, msg, 1, 0);
	r = dsn_scan_result(s);
	out = rebuilt(msg, s);
	tap_ok(r->texts_changed == 0 && r->received_removed == 1 &&
		       strstr(out, "Reporting-MTA: dns; mx1.corp.internal") != NULL,
	       "without a filter table only the returned Received headers go");
	free(out);
	dsn_scan_free(&s);
	dsn_rules_free(&plain);
	dsn_rules_free(&rules);
	free(msg);
}

/* A changed header keeps the folds outside the text a rule rewrote. */
static void test_folds(void)
{
	char *msg = read_file("postfix-bounce.eml");
	const char *from = "From: MAILER-DAEMON@mx1.corp.internal (Mail Delivery System)\r\n";
	char *at = strstr(msg, from);
	if (at == NULL) {
		tap_diag("no From line in postfix-bounce.eml");
		abort();
	}
	char *folded = xasprintf("%.*sFrom: MAILER-DAEMON@mx1.corp.internal\r\n\t(Mail\r\n "
				 "Delivery System)\r\n%s",
				 (int)(at - msg), msg, at + strlen(from));
	struct dsn_rules *rules = rules_new(DSN_RETURN_FULL, 1);
	struct dsn_scan *s = scan(rules, folded, 1, 0);
	char *out = rebuilt(folded, s);
	tap_ok(strstr(out, "\r\nFrom: MAILER-DAEMON@gateway.example.test\r\n\t(Mail\r\n "
			   "Delivery System)\r\n") != NULL,
	       "a rewritten header keeps its folds");
	free(out);
	dsn_scan_free(&s);
	dsn_rules_free(&rules);
	free(folded);
	free(msg);
}

static void test_return_content(void)
{
	char *msg = read_file("postfix-bounce.eml");
	struct dsn_rules *rules = rules_new(DSN_RETURN_HEADERS, 1);
	struct dsn_scan *s = scan(rules, msg, 1, 0);
	char *out = rebuilt(msg, s);

	tap_ok(dsn_scan_result(s)->returned_cut &&
		       strstr(out, "Content-Type: text/rfc822-headers\r\n") != NULL &&
		       strstr(out, "Subject: hello Bob\r\n") != NULL &&
		       strstr(out, "Hello Bob.") == NULL,
	       "return_content = headers: text/rfc822-headers, no body");
	struct dsn_scan *again = scan(rules, out, 1, 0);
	tap_ok(dsn_scan_result(again)->is_dsn && dsn_scan_result(again)->mime_errors == 0,
	       "and still a DSN");
	dsn_scan_free(&again);
	free(out);
	dsn_scan_free(&s);
	dsn_rules_free(&rules);

	rules = rules_new(DSN_RETURN_NONE, 1);
	s = scan(rules, msg, 1, 0);
	out = rebuilt(msg, s);
	tap_ok(dsn_scan_result(s)->returned_dropped && strstr(out, "hello Bob") == NULL &&
		       strstr(out, "Undelivered Message\r\n") == NULL &&
		       strstr(out, "\r\n--=_postern-dsn_") != NULL,
	       "return_content = none: the part is gone, with its boundary");
	const char *close = strstr(out, "--\r\n");
	tap_ok(close != NULL && strstr(out, "Status: 5.1.1") < close,
	       "the closing boundary follows the delivery report");
	free(out);
	dsn_scan_free(&s);
	dsn_rules_free(&rules);
	free(msg);
}

static void test_not_dsn(void)
{
	char *msg = read_file("postfix-bounce.eml");
	struct dsn_rules *rules = rules_new(DSN_RETURN_FULL, 1);
	struct dsn_scan *s = dsn_scan_new(rules, 0);

	tap_is_int(dsn_scan_feed(s, msg, strlen(msg)), 0, "mail with a sender: no DSN, not read");
	dsn_scan_finish(s);
	tap_ok(!dsn_scan_result(s)->is_dsn, "and not rewritten");
	dsn_scan_free(&s);
	s = scan(rules, "From: MAILER-DAEMON@mx1.corp.internal\r\nSubject: x\r\n\r\nbody\r\n", 1,
		 0);
	tap_ok(!dsn_scan_result(s)->is_dsn && dsn_scan_result(s)->n_edits == 0,
	       "null sender, but no multipart/report: left alone");
	dsn_scan_free(&s);
	dsn_rules_free(&rules);
	free(msg);
}

static void test_filter(void)
{
	struct dsn_rules *rules;
	struct dsn_rules_spec spec = {.status_filter =
					      "pcre:{ {/^(\\S+) (.*)secret(.*)$/ $1 ${2}HIDDEN$3}, "
					      "{/^5\\.1\\.1 (.*)unknown(.*)/ 5.0.0 ${1}gone$2}, "
					      "{/^\\S+ (.*)bogus/ not a status} }",
				      .received = ""};
	char *status = NULL, *text = NULL, *warning = NULL, *error = NULL;

	mime_config_init(&spec.mime);
	if (dsn_rules_new(&spec, &rules, &error) < 0) {
		tap_ok(0, "filter rules: %s", error);
		free(error);
		return;
	}
	int rc = dsn_filter_text(rules, "5.0.0", "a secret and a secret and a secret", &status,
				 &text, &warning, &error);
	tap_ok(rc == 1 && strcmp(text, "a HIDDEN and a HIDDEN and a HIDDEN") == 0,
	       "the filter is applied until the text stops changing");
	free(status);
	free(text);
	rc = dsn_filter_text(rules, "5.1.1", "user unknown", &status, &text, &warning, &error);
	tap_ok(rc == 1 && strcmp(status, "5.0.0") == 0 && strcmp(text, "user gone") == 0,
	       "a result may change the status code");
	free(status);
	free(text);
	rc = dsn_filter_text(rules, "5.0.0", "bogus", &status, &text, &warning, &error);
	tap_ok(rc == 0 && warning != NULL && strstr(warning, "does not start with a status code"),
	       "a result without a status code is ignored with a warning");
	free(warning);
	const char *msg = "Content-Type: multipart/report; report-type=delivery-status; "
			  "boundary=b\r\n\r\n"
			  "--b\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: "
			  "quoted-printable\r\n\r\nthe secret=\r\n host\r\n"
			  "--b\r\nContent-Type: message/delivery-status\r\n\r\n"
			  "Reporting-MTA: dns; x\r\n\r\nFinal-Recipient: rfc822; a@b\r\n"
			  "Action: failed\r\nStatus: 5.1.1\r\nDiagnostic-Code: smtp; 550 user "
			  "unknown\r\n\r\n--b--\r\n";
	struct dsn_scan *s = scan(rules, msg, 1, 0);
	const char *body = buf_cstr(dsn_scan_body(s));
	tap_ok(strstr(body, "Content-Transfer-Encoding: 8bit\r\n\r\nthe HIDDEN host\r\n") != NULL &&
		       strstr(body, "quoted-printable") == NULL,
	       "quoted-printable text is decoded, filtered and written as 8bit");
	tap_ok(strstr(body, "Status: 5.0.0\r\n") != NULL &&
		       strstr(body, "Diagnostic-Code: smtp; 550 user gone\r\n") != NULL,
	       "a Diagnostic-Code's new status becomes the recipient's Status");
	dsn_scan_free(&s);
	dsn_rules_free(&rules);
}

int main(void)
{
	test_bounce();
	test_folds();
	test_return_content();
	test_not_dsn();
	test_filter();
	return tap_done();
}
