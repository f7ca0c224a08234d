/* sendmail_headers_test.c: the header scan of postern sendmail: -t takes
 * recipients from To:, Cc: and Bcc: (display names, quoted commas,
 * comments, groups, folded lines), Bcc: is removed with or without -t,
 * the body is never scanned, and addresses without a domain get
 * @myorigin. */
#include <stdlib.h>
#include <string.h>

#include "sendmail.h"
#include "tap.h"

/* scan: run the header scan over text; the recipients joined by " " in
 * *rcpts_r (malloc'd) and the content left as the return value
 * (malloc'd). */
static char *scan(const char *text, int extract, char **rcpts_r)
{
	struct sendmail_msg m = {0};
	buf_init(&m.content, 0);
	buf_append_str(&m.content, text);
	sendmail_headers_scan(&m, extract, "origin.test");
	struct buf r;
	buf_init(&r, 0);
	for (size_t i = 0; i < m.n_rcpts; i++)
		buf_printf(&r, "%s%s", i ? " " : "", m.rcpts[i]);
	*rcpts_r = buf_detach(&r);
	buf_deinit(&r);
	char *content = buf_detach(&m.content);
	sendmail_msg_deinit(&m);
	return content;
}

static const struct {
	const char *name;
	const char *text;
	int extract;
	const char *rcpts;
	const char *content;
} cases[] = {
	{"display names and a quoted comma",
	 "To: Bob <bob@a.test>, \"Carol, C.\" <carol@a.test>\r\nSubject: s\r\n\r\nbody\r\n", 1,
	 "bob@a.test carol@a.test",
	 "To: Bob <bob@a.test>, \"Carol, C.\" <carol@a.test>\r\nSubject: s\r\n\r\nbody\r\n"},
	{"a comment and a bare address; Cc: too", "To: dave@a.test (Dave)\r\nCC: erin\r\n\r\n", 1,
	 "dave@a.test erin@origin.test", "To: dave@a.test (Dave)\r\nCC: erin\r\n\r\n"},
	{"a group and a folded line",
	 "To: friends: frank@a.test,\r\n gina@a.test;, henry@a.test\r\n\r\nx\r\n", 1,
	 "frank@a.test gina@a.test henry@a.test",
	 "To: friends: frank@a.test,\r\n gina@a.test;, henry@a.test\r\n\r\nx\r\n"},
	{"Bcc: gives recipients and goes, with its continuation",
	 "To: a@a.test\r\nBcc: b@a.test,\r\n\tc@a.test\r\nSubject: s\r\n\r\n", 1,
	 "a@a.test b@a.test c@a.test", "To: a@a.test\r\nSubject: s\r\n\r\n"},
	{"without -t: no recipients, Bcc: still removed",
	 "To: a@a.test\r\nbcc : b@a.test\r\n\r\nTo: body@a.test\r\n", 0, "",
	 "To: a@a.test\r\n\r\nTo: body@a.test\r\n"},
	{"the body is not scanned", "Subject: s\r\n\r\nTo: body@a.test\r\nBcc: x@a.test\r\n", 1, "",
	 "Subject: s\r\n\r\nTo: body@a.test\r\nBcc: x@a.test\r\n"},
	{"Reply-To: and To-like names are not recipients",
	 "Reply-To: r@a.test\r\nTo-Do: t@a.test\r\n\r\n", 1, "",
	 "Reply-To: r@a.test\r\nTo-Do: t@a.test\r\n\r\n"},
	{"an empty list (undisclosed recipients)", "To: undisclosed-recipients:;\r\n\r\n", 1, "",
	 "To: undisclosed-recipients:;\r\n\r\n"},
};

int main(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *rcpts = NULL;
		char *content = scan(cases[i].text, cases[i].extract, &rcpts);
		tap_is_str(rcpts, cases[i].rcpts, "%s: recipients", cases[i].name);
		tap_is_str(content, cases[i].content, "%s: content", cases[i].name);
		free(rcpts);
		free(content);
	}
	char *q = sendmail_qualify("root", "origin.test");
	tap_is_str(q, "root@origin.test", "a login name gets @myorigin");
	free(q);
	q = sendmail_qualify("", "origin.test");
	tap_is_str(q, "", "the null sender stays empty");
	free(q);
	return tap_done();
}
