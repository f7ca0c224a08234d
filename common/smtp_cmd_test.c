/* smtp_cmd_test.c: command lines split into verb and arguments, and MAIL
 * FROM:/RCPT TO: arguments into path and parameters, with Postfix's
 * leniency and strict_rfc821_envelopes. */
#include <string.h>

#include "smtp_cmd.h"
#include "tap.h"

static void test_parse(void)
{
	static const struct {
		const char *line;
		int rc;
		enum smtp_verb verb;
		const char *name;
		const char *args;
		int header_like;
	} cases[] = {
	    {"EHLO client.example", 1, SMTP_VERB_EHLO, "EHLO", "client.example", 0},
	    {"ehlo client.example", 1, SMTP_VERB_EHLO, "EHLO", "client.example", 0},
	    {"MaIl FROM:<a@b>  ", 1, SMTP_VERB_MAIL, "MAIL", "FROM:<a@b>", 0},
	    {"  NOOP", 1, SMTP_VERB_NOOP, "NOOP", "", 0},
	    {"DATA \t ", 1, SMTP_VERB_DATA, "DATA", "", 0},
	    {"RCPT\tTO:<x@y>", 1, SMTP_VERB_RCPT, "RCPT", "TO:<x@y>", 0},
	    {"STARTTLS", 1, SMTP_VERB_STARTTLS, "STARTTLS", "", 0},
	    {"BDAT 100 LAST", 1, SMTP_VERB_BDAT, "BDAT", "100 LAST", 0},
	    {"AUTH PLAIN AGFAYg==", 1, SMTP_VERB_AUTH, "AUTH", "PLAIN AGFAYg==", 0},
	    {"DATAX", 1, SMTP_VERB_UNKNOWN, "DATAX", "", 0},
	    {"Subject: hello", 1, SMTP_VERB_UNKNOWN, "SUBJECT:", "hello", 1},
	    {"GET / HTTP/1.0", 1, SMTP_VERB_UNKNOWN, "GET", "/ HTTP/1.0", 0},
	    {"AVERYVERYLONGVERBINDEEDYES x", 1, SMTP_VERB_UNKNOWN, "AVERYVERYLONGVER", "x", 0},
	    {"", -1, SMTP_VERB_UNKNOWN, NULL, NULL, 0},
	    {" \t ", -1, SMTP_VERB_UNKNOWN, NULL, NULL, 0},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct smtp_cmd cmd;
		int rc = smtp_cmd_parse(cases[i].line, &cmd);
		if (cases[i].rc < 0) {
			tap_is_int(rc, -1, "\"%s\" is not a command", cases[i].line);
			continue;
		}
		tap_ok(rc == 1 && cmd.verb == cases[i].verb &&
			   strcmp(cmd.name, cases[i].name) == 0 &&
			   strlen(cases[i].args) == cmd.args_len &&
			   strncmp(cmd.args, cases[i].args, cmd.args_len) == 0 &&
			   cmd.header_like == cases[i].header_like,
		       "\"%s\": verb %s (%s), args \"%.*s\"", cases[i].line,
		       smtp_verb_name(cmd.verb), cmd.name, (int)cmd.args_len, cmd.args);
	}
	tap_is_str(smtp_verb_name(SMTP_VERB_STARTTLS), "STARTTLS", "verb names");
	tap_is_str(smtp_verb_name(SMTP_VERB__COUNT), "UNKNOWN", "out-of-range verb name");
}

static const char *reply_name(enum smtp_reply_id id)
{
	return smtp_reply_def(id)->name;
}

static void test_path(void)
{
	static const struct {
		const char *line;
		int strict;
		const char *path;   /* NULL: refused with reply */
		const char *params; /* or the reply name when refused */
	} cases[] = {
	    {"MAIL FROM:<a@b>", 0, "<a@b>", ""},
	    {"MAIL FROM:<a@b>", 1, "<a@b>", ""},
	    {"mail from:<a@b> SIZE=10 BODY=8BITMIME", 0, "<a@b>", "SIZE=10 BODY=8BITMIME"},
	    {"MAIL FROM: <a@b>", 0, "<a@b>", ""},
	    {"MAIL FROM: <a@b>", 1, "<a@b>", ""},
	    {"MAIL FROM:<>", 1, "<>", ""},
	    {"MAIL  FROM:<a@b>\tSIZE=1 ", 0, "<a@b>", "SIZE=1"},
	    {"MAIL FROM:a@b SIZE=1", 0, "a@b", "SIZE=1"},
	    {"MAIL FROM:a@b", 1, NULL, "bad_sender"},
	    {"MAIL FROM:<\"john doe\"@example.org> SIZE=5", 1, "<\"john doe\"@example.org>",
	     "SIZE=5"},
	    {"MAIL FROM:<\"a>b\"@c>", 0, "<\"a>b\"@c>", ""},
	    {"MAIL FROM:<\"a\\\"> b\"@c>", 1, "<\"a\\\"> b\"@c>", ""},
	    {"MAIL FROM:<a@b (comment)>", 0, "<a@b (comment)>", ""},
	    {"MAIL FROM:<a@b (comment)>", 1, NULL, "bad_sender"},
	    {"MAIL FROM:<@r1,@r2:a@b>", 1, "<@r1,@r2:a@b>", ""},
	    {"MAIL FROM:<a@b>SIZE=1", 0, NULL, "bad_sender"},
	    {"MAIL FROM:<a@b", 0, NULL, "bad_sender"},
	    {"MAIL FROM:", 0, NULL, "syntax_mail"},
	    {"MAIL FROM:   ", 0, NULL, "syntax_mail"},
	    {"MAIL", 0, NULL, "syntax_mail"},
	    {"MAIL FROM :<a@b>", 0, NULL, "syntax_mail"},
	    {"MAIL TO:<a@b>", 0, NULL, "syntax_mail"},
	    {"RCPT TO:<x@y> NOTIFY=NEVER", 1, "<x@y>", "NOTIFY=NEVER"},
	    {"RCPT TO:x@y", 0, "x@y", ""},
	    {"RCPT TO:x@y", 1, NULL, "bad_rcpt"},
	    {"RCPT TO:<x@y>NOTIFY=NEVER", 0, NULL, "bad_rcpt"},
	    {"RCPT FROM:<x@y>", 0, NULL, "syntax_rcpt"},
	    {"RCPT TO:", 0, NULL, "syntax_rcpt"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct smtp_cmd cmd;
		struct smtp_path path;
		enum smtp_reply_id reply = SMTP_R_OK;
		smtp_cmd_parse(cases[i].line, &cmd);
		int rc = smtp_cmd_path(&cmd, cases[i].strict, &path, &reply);
		const char *mode = cases[i].strict ? " (strict)" : "";
		if (cases[i].path == NULL) {
			tap_ok(rc == -1 && strcmp(reply_name(reply), cases[i].params) == 0,
			       "\"%s\"%s refused with %s (got %s)", cases[i].line, mode,
			       cases[i].params, rc < 0 ? reply_name(reply) : "success");
			continue;
		}
		tap_ok(rc == 1 && path.path_len == strlen(cases[i].path) &&
			   strncmp(path.path, cases[i].path, path.path_len) == 0 &&
			   path.params_len == strlen(cases[i].params) &&
			   strncmp(path.params, cases[i].params, path.params_len) == 0 &&
			   path.bracketed == (cases[i].path[0] == '<'),
		       "\"%s\"%s: path %s, params \"%s\"", cases[i].line, mode, cases[i].path,
		       cases[i].params);
	}
}

int main(void)
{
	test_parse();
	test_path();
	return tap_done();
}
