/* sendmail_bs.c: "postern sendmail -bs": an SMTP conversation on stdin and
 * stdout, as Postfix's sendmail -bs gives: HELO, EHLO, MAIL, RCPT, DATA,
 * RSET, NOOP, VRFY and QUIT, replies in Postfix's wording. Each message
 * goes to the maildrop queue like a message read with -bm (sendmail.h). */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "mem.h"
#include "sendmail.h"
#include "smtp_cmd.h"

__attribute__((format(printf, 1, 2))) static void sendmail_bs_reply(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fputs("\r\n", stdout);
	fflush(stdout);
}

/* sendmail_bs_table_reply: a reply of Postfix's table (one without
 * arguments). */
static void sendmail_bs_table_reply(enum smtp_reply_id id)
{
	struct smtp_reply *r = smtp_reply_new(id, NULL);
	char *text = smtp_reply_to_string(r);
	sendmail_bs_reply("%s", text);
	free(text);
	smtp_reply_free(&r);
}

/* sendmail_bs_line: the next line without its line end into *line; 0 at
 * the end of input. */
static int sendmail_bs_line(char **line, size_t *size)
{
	ssize_t len = getline(line, size, stdin);
	if (len <= 0)
		return 0;
	size_t n = (size_t)len;
	if (n > 0 && (*line)[n - 1] == '\n')
		n--;
	if (n > 0 && (*line)[n - 1] == '\r')
		n--;
	(*line)[n] = '\0';
	return 1;
}

/* sendmail_bs_path: the address of a MAIL or RCPT command, parsed by the
 * SMTP codecs smtpd uses (malloc'd, "" for <>); NULL after replying with
 * the refusal. */
static char *sendmail_bs_path(const struct smtp_cmd *cmd)
{
	struct smtp_path path;
	enum smtp_reply_id id;
	struct addr *a = NULL;
	char *error = NULL;
	if (smtp_cmd_path(cmd, 0, &path, &id) < 0) {
		sendmail_bs_table_reply(id);
		return NULL;
	}
	unsigned flags = ADDR_8BIT_LOCAL | (cmd->verb == SMTP_VERB_MAIL ? ADDR_ALLOW_NULL : 0);
	if (addr_parse_path(path.path, flags, &a, NULL, NULL, &error) < 0) {
		free(error);
		sendmail_bs_table_reply(cmd->verb == SMTP_VERB_MAIL ? SMTP_R_BAD_SENDER :
								      SMTP_R_BAD_RCPT);
		return NULL;
	}
	char *internal = xstrdup(a->internal);
	addr_free(&a);
	return internal;
}

/* sendmail_bs_data: read the message (dot-unstuffed) into m->content;
 * 1 at the final dot, 0 at the end of input. */
static int sendmail_bs_data(struct sendmail_msg *m, char **line, size_t *size)
{
	while (sendmail_bs_line(line, size)) {
		const char *l = *line;
		if (strcmp(l, ".") == 0)
			return 1;
		if (l[0] == '.')
			l++;
		buf_append_str(&m->content, l);
		buf_append(&m->content, "\r\n", 2);
	}
	return 0;
}

/* sendmail_bs_reset: forget the transaction. */
static void sendmail_bs_reset(struct sendmail_msg *m, int *have_mail)
{
	for (size_t i = 0; i < m->n_rcpts; i++)
		free(m->rcpts[i]);
	m->n_rcpts = 0;
	buf_reset(&m->content);
	*have_mail = 0;
}

int sendmail_bs(struct postern_queue *pq, const struct sendmail_msg *template,
		const struct sendmail_user *user, const char *myorigin)
{
	struct sendmail_msg m = {0};
	char *line = NULL;
	size_t size = 0;
	int have_mail = 0, rc = POSTERN_EX_OK;
	buf_init(&m.content, 0);
	m.notify = template->notify;
	m.ret = template->ret != NULL ? xstrdup(template->ret) : NULL;
	m.envid = template->envid != NULL ? xstrdup(template->envid) : NULL;
	m.full_name = template->full_name != NULL ? xstrdup(template->full_name) : NULL;
	sendmail_bs_reply("220 %s ESMTP Postern", pq->myhostname);
	while (sendmail_bs_line(&line, &size)) {
		struct smtp_cmd cmd;
		if (smtp_cmd_parse(line, &cmd) < 0) {
			sendmail_bs_table_reply(SMTP_R_BAD_SYNTAX);
			continue;
		}
		switch (cmd.verb) {
		case SMTP_VERB_EHLO:
			sendmail_bs_reply("250-%s\r\n250-PIPELINING\r\n250-8BITMIME\r\n"
					  "250 ENHANCEDSTATUSCODES",
					  pq->myhostname);
			break;
		case SMTP_VERB_HELO:
			sendmail_bs_reply("250 %s", pq->myhostname);
			break;
		case SMTP_VERB_MAIL: {
			char *from;
			if (have_mail) {
				sendmail_bs_table_reply(SMTP_R_NESTED_MAIL);
			} else if ((from = sendmail_bs_path(&cmd)) != NULL) {
				free(m.sender);
				m.sender = sendmail_qualify(from, myorigin);
				have_mail = 1;
				sendmail_bs_reply("250 2.1.0 Ok");
				free(from);
			}
			break;
		}
		case SMTP_VERB_RCPT: {
			char *to;
			if (!have_mail) {
				sendmail_bs_table_reply(SMTP_R_NEED_MAIL);
			} else if ((to = sendmail_bs_path(&cmd)) != NULL) {
				if (to[0] == '\0') {
					sendmail_bs_table_reply(SMTP_R_BAD_RCPT);
				} else {
					sendmail_msg_add_rcpt(&m, to, myorigin);
					sendmail_bs_reply("250 2.1.5 Ok");
				}
				free(to);
			}
			break;
		}
		case SMTP_VERB_DATA:
			if (!have_mail || m.n_rcpts == 0) {
				sendmail_bs_table_reply(have_mail ? SMTP_R_NEED_RCPT : SMTP_R_NEED_MAIL);
				break;
			}
			sendmail_bs_reply("354 End data with <CR><LF>.<CR><LF>");
			if (!sendmail_bs_data(&m, &line, &size)) {
				rc = POSTERN_EX_DATAERR;
				goto out;
			}
			char *id = NULL, *error = NULL;
			if (sendmail_drop(pq, &m, user, &id, &error) < 0) {
				sendmail_bs_reply("451 4.3.0 Error: queue file write error");
				fprintf(stderr, "postern: %s\n", error);
				free(error);
			} else {
				sendmail_bs_reply("250 2.0.0 Ok: queued as %s", id);
				free(id);
			}
			sendmail_bs_reset(&m, &have_mail);
			break;
		case SMTP_VERB_RSET:
			sendmail_bs_reset(&m, &have_mail);
			sendmail_bs_table_reply(SMTP_R_OK);
			break;
		case SMTP_VERB_NOOP:
			sendmail_bs_table_reply(SMTP_R_OK);
			break;
		case SMTP_VERB_VRFY:
			sendmail_bs_reply("252 2.0.0 %.*s", (int)cmd.args_len, cmd.args);
			break;
		case SMTP_VERB_QUIT:
			sendmail_bs_table_reply(SMTP_R_BYE);
			goto out;
		default:
			sendmail_bs_reply("502 5.5.2 Error: command not recognized");
			break;
		}
	}
out:
	free(line);
	sendmail_msg_deinit(&m);
	return rc;
}
