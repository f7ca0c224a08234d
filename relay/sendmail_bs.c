/* sendmail_bs.c: "postern sendmail -bs": an SMTP conversation on stdin and
 * stdout, as Postfix's sendmail -bs gives: HELO, EHLO, MAIL, RCPT, DATA,
 * RSET, NOOP, VRFY and QUIT, replies in Postfix's wording. Each message
 * goes to the maildrop queue like a message read with -bm (sendmail.h). */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mem.h"
#include "sendmail.h"

__attribute__((format(printf, 1, 2))) static void sendmail_bs_reply(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fputs("\r\n", stdout);
	fflush(stdout);
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

/* sendmail_bs_path: the address of "FROM:<addr> ..." or "TO:<addr>" after
 * the prefix, malloc'd; NULL when malformed. */
static char *sendmail_bs_path(const char *arg, const char *prefix)
{
	size_t n = strlen(prefix);
	if (strncasecmp(arg, prefix, n) != 0)
		return NULL;
	arg += n;
	while (*arg == ' ')
		arg++;
	if (*arg != '<')
		return NULL;
	const char *close = strchr(arg, '>');
	return close != NULL ? xstrndup(arg + 1, (size_t)(close - arg - 1)) : NULL;
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
		char *arg = line + strcspn(line, " ");
		if (*arg == ' ')
			*arg++ = '\0';
		if (strcasecmp(line, "EHLO") == 0) {
			sendmail_bs_reply("250-%s\r\n250-PIPELINING\r\n250-8BITMIME\r\n"
					  "250 ENHANCEDSTATUSCODES",
					  pq->myhostname);
		} else if (strcasecmp(line, "HELO") == 0) {
			sendmail_bs_reply("250 %s", pq->myhostname);
		} else if (strcasecmp(line, "MAIL") == 0) {
			char *from = sendmail_bs_path(arg, "FROM:");
			if (have_mail)
				sendmail_bs_reply("503 5.5.1 Error: nested MAIL command");
			else if (from == NULL)
				sendmail_bs_reply("501 5.5.4 Syntax: MAIL FROM:<address>");
			else {
				free(m.sender);
				m.sender = sendmail_qualify(from, myorigin);
				have_mail = 1;
				sendmail_bs_reply("250 2.1.0 Ok");
			}
			free(from);
		} else if (strcasecmp(line, "RCPT") == 0) {
			char *to = sendmail_bs_path(arg, "TO:");
			if (!have_mail)
				sendmail_bs_reply("503 5.5.1 Error: need MAIL command");
			else if (to == NULL || to[0] == '\0')
				sendmail_bs_reply("501 5.5.4 Syntax: RCPT TO:<address>");
			else {
				sendmail_msg_add_rcpt(&m, to, myorigin);
				sendmail_bs_reply("250 2.1.5 Ok");
			}
			free(to);
		} else if (strcasecmp(line, "DATA") == 0) {
			if (!have_mail || m.n_rcpts == 0) {
				sendmail_bs_reply("503 5.5.1 Error: need %s command",
						  have_mail ? "RCPT" : "MAIL");
				continue;
			}
			sendmail_bs_reply("354 End data with <CR><LF>.<CR><LF>");
			if (!sendmail_bs_data(&m, &line, &size)) {
				rc = POSTERN_EX_DATAERR;
				break;
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
		} else if (strcasecmp(line, "RSET") == 0) {
			sendmail_bs_reset(&m, &have_mail);
			sendmail_bs_reply("250 2.0.0 Ok");
		} else if (strcasecmp(line, "NOOP") == 0) {
			sendmail_bs_reply("250 2.0.0 Ok");
		} else if (strcasecmp(line, "VRFY") == 0) {
			sendmail_bs_reply("252 2.0.0 %s", arg);
		} else if (strcasecmp(line, "QUIT") == 0) {
			sendmail_bs_reply("221 2.0.0 Bye");
			break;
		} else {
			sendmail_bs_reply("502 5.5.2 Error: command not recognized");
		}
	}
	free(line);
	sendmail_msg_deinit(&m);
	return rc;
}
