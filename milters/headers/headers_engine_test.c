/* headers_engine_test.c: the header_checks/body_checks engine on small
 * messages: which table each line goes to, every action and what it
 * records, body_checks_size_limit, MIME nesting, bad table results, the
 * body writer, and chunking (any split of the input gives the same
 * result). The comparison with a real Postfix is tests/integration/
 * headers_postfix.sh. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "headers_engine.h"
#include "mem.h"
#include "tap.h"

/* The log, one line per hit: "class action line | text" or "warning: ...". */
static void log_hit(const struct headers_hit *hit, const char *error, void *context)
{
	struct buf *log = context;

	if (hit == NULL) {
		buf_printf(log, "error: %s\n", error);
		return;
	}
	if (hit->warning != NULL)
		buf_printf(log, "warning: %s\n", hit->warning);
	if (hit->act->kind != HEADERS_ACT_BAD)
		buf_printf(log, "%s %s%s %s | %s\n", headers_class_name(hit->cls),
			   headers_act_name(hit->act->kind), hit->refused ? " (refused)" : "",
			   hit->line, hit->act->text);
}

struct run {
	struct headers_rules *rules;
	struct headers_scan *scan;
	const struct headers_result *r;
	struct buf log;
};

static struct headers_rules *rules_new(const char *header, const char *mime, const char *nested,
				       const char *body, size_t body_limit)
{
	struct headers_rules_spec spec = {.tables = {header, mime, nested, body},
					  .body_checks_size_limit = body_limit};
	struct headers_rules *rules = NULL;
	char *error = NULL;

	mime_config_init(&spec.mime);
	if (headers_rules_new(&spec, &rules, &error) < 0) {
		tap_diag("rules: %s", error);
		free(error);
		abort();
	}
	return rules;
}

/* scan: run msg through rules, fed in chunks of chunk bytes (0: whole). */
static void scan(struct run *run, struct headers_rules *rules, const char *msg, size_t chunk)
{
	size_t len = strlen(msg);

	run->rules = rules;
	buf_init(&run->log, 0);
	run->scan = headers_scan_new(rules, log_hit, &run->log);
	if (chunk == 0)
		chunk = len > 0 ? len : 1;
	for (size_t at = 0; at < len; at += chunk)
		headers_scan_feed(run->scan, msg + at, len - at < chunk ? len - at : chunk);
	headers_scan_finish(run->scan);
	run->r = headers_scan_result(run->scan);
}

static void run_done(struct run *run)
{
	headers_scan_free(&run->scan);
	headers_rules_free(&run->rules);
	buf_deinit(&run->log);
}

/* body_of: the body edited as a milter would write it (the text after the
 * first blank line of msg, written through the writer in chunk-byte
 * pieces). Caller frees. */
static char *body_of(const struct headers_result *r, const char *msg, size_t chunk)
{
	const char *body = strstr(msg, "\r\n\r\n") + 4;
	size_t len = strlen(body);
	struct headers_body_writer w;
	struct buf out;

	buf_init(&out, 0);
	headers_body_writer_init(&w, r);
	for (size_t at = 0; at < len; at += chunk)
		headers_body_write(&w, body + at, len - at < chunk ? len - at : chunk, &out);
	char *text = buf_detach(&out);
	buf_deinit(&out); /* detaching leaves an empty buffer */
	return text;
}

#define MULTIPART                                                                                  \
	"From: a@example.org\r\n"                                                                  \
	"Subject: hello\r\n"                                                                       \
	"MIME-Version: 1.0\r\n"                                                                    \
	"Content-Type: multipart/mixed; boundary=\"b1\"\r\n"                                       \
	"\r\n"                                                                                     \
	"preamble\r\n"                                                                             \
	"--b1\r\n"                                                                                 \
	"Content-Type: text/plain\r\n"                                                             \
	"X-Part: one\r\n"                                                                          \
	"\r\n"                                                                                     \
	"first body line\r\n"                                                                      \
	"--b1\r\n"                                                                                 \
	"Content-Type: message/rfc822\r\n"                                                         \
	"\r\n"                                                                                     \
	"From: inner@example.org\r\n"                                                              \
	"Subject: inner\r\n"                                                                       \
	"\r\n"                                                                                     \
	"inner body\r\n"                                                                           \
	"--b1--\r\n"                                                                               \
	"epilogue\r\n"

/* Every class sees its own lines: each table WARNs with its name. */
static void test_routing(void)
{
	struct run run;
	const char *warn_all = "pcre:{ {/^(.*)$/ WARN $1} }";

	scan(&run,
	     rules_new("pcre:{ {/(.*)/ WARN hc} }", "pcre:{ {/(.*)/ WARN mhc} }",
		       "pcre:{ {/(.*)/ WARN nhc} }", warn_all, 0),
	     MULTIPART, 0);
	tap_is_str(buf_cstr(&run.log),
		   "header_checks warning From: a@example.org | hc\n"
		   "header_checks warning Subject: hello | hc\n"
		   "mime_header_checks warning MIME-Version: 1.0 | mhc\n"
		   "mime_header_checks warning Content-Type: multipart/mixed; boundary=\"b1\" | "
		   "mhc\n"
		   "body_checks warning preamble | preamble\n"
		   "body_checks warning --b1 | --b1\n"
		   "mime_header_checks warning Content-Type: text/plain | mhc\n"
		   "mime_header_checks warning X-Part: one | mhc\n"
		   "body_checks warning first body line | first body line\n"
		   "body_checks warning --b1 | --b1\n"
		   "mime_header_checks warning Content-Type: message/rfc822 | mhc\n"
		   "nested_header_checks warning From: inner@example.org | nhc\n"
		   "nested_header_checks warning Subject: inner | nhc\n"
		   "body_checks warning inner body | inner body\n"
		   "body_checks warning --b1-- | --b1--\n"
		   "body_checks warning epilogue | epilogue\n",
		   "each header goes to its table, each non-empty body line to body_checks");
	tap_is_int(run.r->verdict, HEADERS_ACCEPT, "WARN alone accepts");
	tap_is_int((long long)run.r->n_edits, 0, "WARN changes nothing");
	run_done(&run);
}

struct reject_case {
	const char *rule;
	int code;
	const char *dsn;
	const char *text;
	const char *warning; /* expected in the log, or NULL */
};

static void test_reject(void)
{
	static const struct reject_case cases[] = {
		{"/^Subject: hello/ REJECT no hello here", 550, "5.7.1", "no hello here", NULL},
		{"/^Subject: hello/ reject", 550, "5.7.1", "message content rejected", NULL},
		{"/^Subject: hello/ REJECT 5.7.0 policy", 550, "5.7.0", "policy", NULL},
		{"/^Subject: hello/ REJECT 4.7.2 later", 451, "4.7.2", "later", NULL},
		{"/^Subject: hello/ REJECT 2.0.0 odd", 451, "4.0.0", "odd",
		 "bad DSN action in 2.0.0 odd -- need 4.x.x or 5.x.x"},
		{"/^Subject: (h.*)/ REJECT subject $1 refused", 550, "5.7.1",
		 "subject hello refused", NULL},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct reject_case *c = &cases[i];
		char *spec =
			xasprintf("pcre:{ {%s}, {/^MIME-Version:/ PREPEND X-Late: yes} }", c->rule);
		struct run run;
		scan(&run, rules_new(spec, "", "", "", 0), MULTIPART, 0);
		tap_is_int(run.r->verdict, HEADERS_REJECT, "%s: rejected", c->rule);
		tap_is_int(run.r->code, c->code, "%s: reply code", c->rule);
		tap_is_str(run.r->dsn, c->dsn, "%s: status code", c->rule);
		tap_is_str(run.r->text, c->text, "%s: text", c->rule);
		tap_ok((c->warning == NULL) == (strstr(buf_cstr(&run.log), "warning: ") == NULL) &&
			       (c->warning == NULL ||
				strstr(buf_cstr(&run.log), c->warning) != NULL),
		       "%s: warning as Postfix logs it", c->rule);
		tap_ok(strstr(buf_cstr(&run.log), "X-Late") == NULL,
		       "%s: nothing is inspected after a REJECT", c->rule);
		run_done(&run);
		free(spec);
	}
}

/* Header edits on primary headers and in the body. */
static void test_edits(void)
{
	const char *msg = "Received: from a\r\n"
			  "X-Drop: 1\r\n"
			  "Subject: one\r\n"
			  "x-drop: 2\r\n"
			  "X-Keep: folded\r\n"
			  "\tline\r\n"
			  "MIME-Version: 1.0\r\n"
			  "Content-Type: multipart/mixed; boundary=b\r\n"
			  "\r\n"
			  "--b\r\n"
			  "Content-Type: text/plain;\r\n"
			  " name=\"evil.exe\"\r\n"
			  "Content-Description: old\r\n"
			  "\r\n"
			  "secret line\r\n"
			  "keep line\r\n"
			  "--b--\r\n";
	struct run run;

	const char *hc =
		"pcre:{ {/^X-Drop:/ IGNORE}, {/^Subject: (.*)/ REPLACE Subject: [tag] $1}, "
		"{/^X-Keep:/ PREPEND X-Before: keep}, {/^MIME-Version:/ STRIP gone}, "
		"{/name=\"(.*)\"/ REPLACE Content-Type: text/plain; name=\"$1.txt\"}, "
		"{/^Content-Description:/ PREPEND X-Desc: yes} }";
	scan(&run, rules_new(hc, hc, hc, "pcre:{ {/^secret/ REPLACE public line} }", 0), msg, 0);
	const struct headers_result *r = run.r;
	tap_is_int(r->verdict, HEADERS_ACCEPT, "edits: accepted");
	tap_is_int((long long)r->n_edits, 8, "edits: eight changes");
	if (r->n_edits == 8) {
		const struct headers_edit *e = r->edits;
		tap_ok(e[0].primary && e[0].kind == HEADERS_EDIT_DELETE && e[0].index == 1 &&
			       e[0].name_index == 1 && strcmp(e[0].name, "X-Drop") == 0,
		       "IGNORE: the 2nd header, the 1st X-Drop");
		tap_ok(e[1].primary && e[1].kind == HEADERS_EDIT_REPLACE && e[1].index == 2 &&
			       strcmp(e[1].text, "Subject: [tag] one") == 0,
		       "REPLACE with $1: the 3rd header");
		tap_ok(e[2].primary && e[2].kind == HEADERS_EDIT_DELETE && e[2].index == 3 &&
			       e[2].name_index == 2 && strcmp(e[2].name, "x-drop") == 0,
		       "IGNORE: the 2nd of the X-Drop headers, whatever the case");
		tap_ok(e[3].primary && e[3].kind == HEADERS_EDIT_PREPEND && e[3].index == 4 &&
			       strcmp(e[3].text, "X-Before: keep") == 0,
		       "PREPEND before a folded header");
		tap_ok(e[4].primary && e[4].kind == HEADERS_EDIT_DELETE && e[4].index == 5,
		       "STRIP: a MIME header of the primary block is still a primary header");
		tap_ok(!e[5].primary && e[5].kind == HEADERS_EDIT_REPLACE && e[5].line_end,
		       "REPLACE of a folded part header: a body range");
		tap_ok(!e[6].primary && e[6].kind == HEADERS_EDIT_PREPEND, "PREPEND in the body");
		tap_ok(!e[7].primary && e[7].kind == HEADERS_EDIT_REPLACE &&
			       strcmp(e[7].text, "public line") == 0,
		       "REPLACE of a body line");
	}
	tap_ok(r->body_edited, "the body is changed");
	const char *want = "--b\r\n"
			   "Content-Type: text/plain; name=\"evil.exe.txt\"\r\n"
			   "X-Desc: yes\r\n"
			   "Content-Description: old\r\n"
			   "\r\n"
			   "public line\r\n"
			   "keep line\r\n"
			   "--b--\r\n";
	size_t chunks[] = {1, 2, 3, 7, 1000};
	for (size_t i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++) {
		char *body = body_of(r, msg, chunks[i]);
		tap_is_str(body, want, "body written in %zu-byte chunks", chunks[i]);
		free(body);
	}
	tap_ok(strstr(buf_cstr(&run.log), "strip MIME-Version: 1.0 | gone") != NULL,
	       "STRIP is logged, IGNORE is not");
	tap_ok(strstr(buf_cstr(&run.log), "ignore") == NULL, "IGNORE is not logged");
	run_done(&run);
}

/* Actions that decide about the whole message. */
static void test_message_actions(void)
{
	struct run run;

	const char *hc = "pcre:{ {/^From:/ HOLD first}, {/^Subject:/ HOLD second}, "
			 "{/^MIME-Version:/ BCC copy1@example.net}, "
			 "{/^Content-Type:/ BCC copy2@example.net} }";
	scan(&run,
	     rules_new(hc, hc, "",
		       "pcre:{ {/^first body/ REDIRECT else@example.net}, "
		       "{/^inner/ REJECT too late} }",
		       0),
	     MULTIPART, 0);
	tap_is_int(run.r->verdict, HEADERS_ACCEPT, "HOLD, BCC, REDIRECT: accepted");
	tap_ok(run.r->hold && strcmp(run.r->hold_text, "first") == 0, "HOLD: the first one counts");
	tap_ok(strstr(buf_cstr(&run.log), "second") == NULL, "a second HOLD is not logged");
	tap_ok(run.r->n_bcc == 3 && strcmp(run.r->bcc[1], "copy2@example.net") == 0,
	       "BCC: every address, in order, duplicates too");
	tap_is_str(run.r->redirect, "else@example.net", "REDIRECT: the address");
	tap_ok(strstr(buf_cstr(&run.log), "too late") == NULL,
	       "nothing is inspected after a REDIRECT");
	run_done(&run);

	scan(&run,
	     rules_new("pcre:{ {/^Subject:/ DISCARD bye}, {/^MIME/ REJECT no} }", "", "", "", 0),
	     MULTIPART, 0);
	tap_is_int(run.r->verdict, HEADERS_DISCARD, "DISCARD: discarded, later rules unused");
	run_done(&run);

	scan(&run,
	     rules_new("pcre:{ {/^Subject:/ PASS trusted}, {/^MIME/ REJECT no} }", "", "", "", 0),
	     MULTIPART, 0);
	tap_is_int(run.r->verdict, HEADERS_ACCEPT, "PASS: no further inspection");
	tap_ok(strstr(buf_cstr(&run.log), "pass Subject: hello | trusted") != NULL,
	       "PASS is logged");
	run_done(&run);

	scan(&run,
	     rules_new("pcre:{ {/^Subject:/ FILTER smtp:[127.0.0.1]:10025}, {/^MIME/ DUNNO}, "
		       "{/^From:/ OK} }",
		       "", "", "", 0),
	     MULTIPART, 0);
	tap_is_int(run.r->verdict, HEADERS_ACCEPT, "FILTER: accepted");
	tap_is_str(buf_cstr(&run.log),
		   "header_checks filter (refused) Subject: hello | smtp:[127.0.0.1]:10025\n",
		   "FILTER is logged as refused; DUNNO and OK are silent");
	run_done(&run);
}

/* Results Postfix warns about and ignores. */
static void test_bad_results(void)
{
	static const struct {
		const char *rule;
		const char *warning;
	} cases[] = {
		{"/^Subject:/ FROB x", "unknown command in header_checks map: FROB x"},
		{"/^Subject:/ PREPEND", "PREPEND action without text in header_checks map"},
		{"/^Subject:/ REPLACE no header here",
		 "bad REPLACE header text \"no header here\" in header_checks map -- need "
		 "\"headername: headervalue\""},
		{"/^Subject:/ REDIRECT nobody",
		 "bad REDIRECT target \"nobody\" in header_checks map "
		 "-- need user@domain"},
		{"/^Subject:/ BCC",
		 "bad BCC address \"\" in header_checks map -- need user@domain"},
		{"/^Subject:/ FILTER", "missing FILTER command argument in header_checks map"},
		{"/^Subject:/ FILTER nocolon",
		 "bad FILTER command nocolon in header_checks -- need transport:destination"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *spec = xasprintf("pcre:{ {%s} }", cases[i].rule);
		struct run run;
		scan(&run, rules_new(spec, "", "", "", 0), MULTIPART, 0);
		char *want = xasprintf("warning: %s\n", cases[i].warning);
		tap_is_str(buf_cstr(&run.log), want, "%s: warned", cases[i].rule);
		tap_ok(run.r->verdict == HEADERS_ACCEPT && run.r->n_edits == 0 &&
			       run.r->redirect == NULL && run.r->n_bcc == 0,
		       "%s: then ignored", cases[i].rule);
		free(want);
		run_done(&run);
		free(spec);
	}
	/* In body context, PREPEND text need not be a header. */
	struct run run;
	scan(&run, rules_new("", "", "", "pcre:{ {/^first/ PREPEND just text} }", 0), MULTIPART, 0);
	tap_is_int((long long)run.r->n_edits, 1, "body PREPEND of plain text is carried out");
	run_done(&run);
}

/* body_checks_size_limit: the offset within each body segment. */
static void test_body_limit(void)
{
	const char *msg = "Subject: x\r\n"
			  "Content-Type: multipart/mixed; boundary=b\r\n"
			  "\r\n"
			  "--b\r\n"
			  "\r\n"
			  "0123456789\r\n" /* segment offsets 1..11 */
			  "hit early\r\n"  /* 12 */
			  "hit late\r\n"   /* 22 */
			  "--b\r\n"
			  "\r\n"
			  "hit again\r\n" /* a new segment: 1 */
			  "--b--\r\n"
			  "hit epilogue\r\n"; /* after --b-- (offset 0): 8 */
	struct run run;

	scan(&run, rules_new("", "", "", "pcre:{ {/^hit (.*)/ WARN $1} }", 22), msg, 0);
	tap_is_str(buf_cstr(&run.log),
		   "body_checks warning hit early | early\n"
		   "body_checks warning hit again | again\n"
		   "body_checks warning hit epilogue | epilogue\n",
		   "lines starting at or past the limit in their segment are not inspected");
	run_done(&run);
	scan(&run, rules_new("", "", "", "pcre:{ {/^hit (.*)/ WARN $1} }", 0), msg, 0);
	tap_ok(strstr(buf_cstr(&run.log), "late") != NULL, "a limit of 0 inspects everything");
	run_done(&run);
}

/* Postfix rejects mail nested beyond mime_nesting_limit when a header
 * table is in use, and only then. */
static void test_nesting(void)
{
	struct buf msg;
	struct run run;

	buf_init(&msg, 0);
	buf_append_str(&msg, "Subject: deep\r\n");
	for (int i = 0; i < 200; i++)
		buf_printf(&msg, "Content-Type: multipart/mixed; boundary=n%d\r\n\r\n--n%d\r\n", i,
			   i);
	buf_append_str(&msg, "\r\ntext\r\n");
	scan(&run, rules_new("pcre:{ {/^X-None:/ WARN} }", "", "", "", 0), buf_cstr(&msg), 0);
	tap_is_int(run.r->verdict, HEADERS_REJECT, "nested too deep with header_checks: rejected");
	tap_ok(run.r->code == 550 && strcmp(run.r->dsn, "5.6.0") == 0 &&
		       strcmp(run.r->text, "MIME nesting exceeds safety limit") == 0,
	       "with Postfix's reply");
	run_done(&run);
	scan(&run, rules_new("", "", "", "pcre:{ {/^X-None:/ WARN} }", 0), buf_cstr(&msg), 0);
	tap_is_int(run.r->verdict, HEADERS_ACCEPT, "with body_checks only: accepted");
	run_done(&run);
	buf_deinit(&msg);
}

/* The classic attachment-blocking rule from Postfix users' configurations. */
static void test_classic_rule(void)
{
	const char *rule =
		"pcre:{ {/^Content-(Disposition|Type).*name\\s*=\\s*\"?(.*(\\.|=2E)("
		"ade|adp|app|bas|bat|chm|cmd|com|cpl|crt|dll|exe|fxp|hlp|hta|inf|ins|isp|js|jse|"
		"lnk|"
		"mdb|mde|mdt|mdw|msc|msi|msp|mst|ops|pcd|pif|prg|reg|scr|sct|shb|shs|sys|url|vb|"
		"vbe|"
		"vbs|wsc|wsf|wsh))(\\?=)?\"?\\s*(;|$)/x REJECT \".$4\" attachments are blocked} }";
	const char *msg = "Subject: x\r\n"
			  "Content-Type: multipart/mixed; boundary=b\r\n"
			  "\r\n"
			  "--b\r\n"
			  "Content-Type: application/octet-stream;\r\n"
			  "\tname=\"invoice.pdf.exe\"\r\n"
			  "\r\n"
			  "TVqQ\r\n"
			  "--b--\r\n";
	struct run run;

	scan(&run, rules_new(rule, rule, rule, "", 0), msg, 0);
	tap_is_int(run.r->verdict, HEADERS_REJECT, "classic rule: a folded .exe name is rejected");
	tap_is_str(run.r->text, "\".exe\" attachments are blocked",
		   "classic rule: $4 in the reply");
	run_done(&run);
}

/* The same outcome whatever the chunking. */
static void test_chunking(void)
{
	const char *hc = "pcre:{ {/^X-Part:/ IGNORE}, {/^Subject: (.*)/ REPLACE Subject: $1!} }";
	struct run whole, part;

	scan(&whole, rules_new(hc, hc, hc, "pcre:{ {/body/ PREPEND before} }", 0), MULTIPART, 0);
	char *want = body_of(whole.r, MULTIPART, 1000);
	int same = 1;
	for (size_t chunk = 1; chunk < 40 && same; chunk++) {
		scan(&part, rules_new(hc, hc, hc, "pcre:{ {/body/ PREPEND before} }", 0), MULTIPART,
		     chunk);
		char *got = body_of(part.r, MULTIPART, chunk);
		same = strcmp(got, want) == 0 && part.r->n_edits == whole.r->n_edits &&
		       strcmp(buf_cstr(&part.log), buf_cstr(&whole.log)) == 0;
		if (!same)
			tap_diag("chunk %zu: %s", chunk, got);
		free(got);
		run_done(&part);
	}
	tap_ok(same, "input in chunks of 1 to 39 bytes: the same edits, log and body");
	free(want);
	run_done(&whole);
}

int main(void)
{
	test_routing();
	test_reject();
	test_edits();
	test_message_actions();
	test_bad_results();
	test_body_limit();
	test_nesting();
	test_classic_rule();
	test_chunking();
	return tap_done();
}
