/* milter_client_msg_test.c: the message model of the milter client:
 * content parses and formats back byte for byte, and the header changes
 * milters ask for land where Postfix puts them. */
#include <stdlib.h>
#include <string.h>

#include "milter_client_private.h"
#include "tap.h"

static const char msg_text[] = "Received: from a\r\n\tby b; date\r\n"
			       "From: Alice <a@example.test>\r\n"
			       "X-Dup: one\r\n"
			       "Subject: hello\r\n"
			       "X-Dup: two\r\n"
			       "\r\n"
			       "body line\r\n"
			       "Subject: not a header\r\n";

/* formatted: the message with its changes, as queued. */
static char *formatted(const struct milter_msg *m)
{
	struct buf b;
	buf_init(&b, 0);
	milter_msg_format(m, &b);
	char *s = buf_detach(&b);
	buf_deinit(&b);
	return s;
}

static void check(struct milter_msg *m, const char *want, const char *name)
{
	char *got = formatted(m);
	tap_is_str(got, want, "%s", name);
	free(got);
}

int main(void)
{
	struct milter_msg m = {0};
	milter_msg_parse(&m, msg_text, strlen(msg_text));
	tap_is_int((long long)m.n_hdrs, 5, "five header fields, the folded one as one");
	tap_is_str(m.hdrs[0].value, " from a\n\tby b; date", "a folded value joins its lines with LF");
	tap_is_str(m.body.data, "body line\r\nSubject: not a header\r\n",
		   "the body starts after the empty line");
	check(&m, msg_text, "an unchanged message formats back byte for byte");

	milter_msg_add(&m, "X-Added", "value", 0);
	milter_msg_insert(&m, 0, "X-Top", "top", 0);
	milter_msg_insert(&m, 99, "X-End", "end", 1);
	milter_msg_change(&m, 2, "x-dup", "", 0);
	milter_msg_change(&m, 0, "Subject", "new\n\tsubject", 0);
	milter_msg_change(&m, 1, "X-Missing", "made", 0);
	milter_msg_change(&m, 3, "X-Dup", "", 0);
	check(&m,
	      "X-Top: top\r\n"
	      "Received: from a\r\n\tby b; date\r\n"
	      "From: Alice <a@example.test>\r\n"
	      "X-Dup: one\r\n"
	      "Subject: new\r\n\tsubject\r\n"
	      "X-Added: value\r\n"
	      "X-End:end\r\n"
	      "X-Missing: made\r\n"
	      "\r\n"
	      "body line\r\n"
	      "Subject: not a header\r\n",
	      "add, insert at the top and past the end, change (index 0 is 1), delete the "
	      "second of a name, a change of a missing field adds it, a missing one to "
	      "delete is ignored; LEADSPC keeps the value as given");
	milter_msg_deinit(&m);

	static const char no_body[] = "Subject: x\r\n";
	milter_msg_parse(&m, no_body, strlen(no_body));
	tap_is_int((long long)m.n_hdrs, 1, "a message without a body: one field");
	tap_is_int((long long)m.body.len, 0, "... and no body");
	milter_msg_deinit(&m);

	static const char no_header[] = "just text\r\n";
	milter_msg_parse(&m, no_header, strlen(no_header));
	tap_is_int((long long)m.n_hdrs, 0, "a first line that is not a field starts the body");
	tap_is_str(m.body.data, "just text\r\n", "... which is kept whole");
	milter_msg_deinit(&m);
	return tap_done();
}
