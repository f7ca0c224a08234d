/* smtp_probe.c: helper for tests/integration/smtp_postfix.sh (not a test by
 * itself). Reads SMTP command lines on stdin and prints, for each, the reply
 * our codecs lead to for a MAIL or RCPT command: the refusal from the line
 * reader, smtp_cmd_path() or smtp_params, or "250 2.1.0 Ok" / "250 2.1.5 Ok".
 * Other commands print "-". Settings are Postfix's defaults as the test's
 * main.cf has them: DSN and SMTPUTF8 offered, message_size_limit 10240000,
 * line_length_limit 2048; "-s" is strict_rfc821_envelopes = yes.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "smtp_cmd.h"
#include "smtp_line.h"
#include "smtp_params.h"

static void print_reply(struct smtp_reply *r)
{
	struct buf wire;
	buf_init(&wire, 0);
	smtp_reply_format(r, SMTP_REPLY_ENHANCED, &wire);
	fputs(buf_cstr(&wire), stdout);
	buf_deinit(&wire);
	smtp_reply_free(&r);
}

static struct smtp_reply *command_reply(const char *line, int strict)
{
	static const struct smtp_params_opts opts = {SMTP_EXT_DSN | SMTP_EXT_SMTPUTF8, 10240000};
	struct smtp_cmd cmd;
	struct smtp_path path;
	enum smtp_reply_id id;
	struct smtp_reply *r = NULL;

	if (smtp_cmd_parse(line, &cmd) < 0)
		return smtp_reply_new(SMTP_R_BAD_SYNTAX, NULL);
	if (cmd.verb != SMTP_VERB_MAIL && cmd.verb != SMTP_VERB_RCPT)
		return NULL;
	if (smtp_cmd_path(&cmd, strict, &path, &id) < 0)
		return smtp_reply_new(id, NULL);
	if (cmd.verb == SMTP_VERB_MAIL) {
		struct smtp_mail_params p;
		if (smtp_params_mail(path.params, path.params_len, &opts, &p, &r) > 0)
			r = smtp_reply_new(SMTP_R_MAIL_OK, NULL);
		smtp_mail_params_clear(&p);
	} else {
		struct smtp_rcpt_params p;
		if (smtp_params_rcpt(path.params, path.params_len, &opts, 0, &p, &r) > 0)
			r = smtp_reply_new(SMTP_R_RCPT_OK, NULL);
		smtp_rcpt_params_clear(&p);
	}
	return r;
}

int main(int argc, char **argv)
{
	static const enum smtp_reply_id status_reply[] = {
	    [SMTP_LINE_TOO_LONG] = SMTP_R_LINE_TOO_LONG,
	    [SMTP_LINE_NUL] = SMTP_R_BAD_SYNTAX,
	    [SMTP_LINE_BARE_CR] = SMTP_R_BAD_SYNTAX,
	};
	int strict = argc > 1 && strcmp(argv[1], "-s") == 0;
	struct smtp_line_reader *reader = smtp_line_new(SMTP_LINE_DEFAULT_MAX, SMTP_BARE_REJECT);
	char in[4096];
	ssize_t n;

	while ((n = read(0, in, sizeof(in))) > 0) {
		size_t pos = 0;
		while (pos < (size_t)n) {
			size_t used;
			const char *line;
			enum smtp_line_status st;
			if (smtp_line_read(reader, in + pos, (size_t)n - pos, &used, &line, &st) ==
			    1) {
				struct smtp_reply *r = NULL;
				if (st == SMTP_LINE_BARE_LF)
					r = smtp_reply_new(SMTP_R_BARE_LF, "probe", NULL);
				else if (st != SMTP_LINE_OK)
					r = smtp_reply_new(status_reply[st], NULL);
				else
					r = command_reply(line, strict);
				if (r != NULL)
					print_reply(r);
				else
					puts("-");
			}
			pos += used;
		}
	}
	smtp_line_free(&reader);
	return 0;
}
