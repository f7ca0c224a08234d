/* postern_sendmail.c: "postern sendmail" (also run as "sendmail"): the
 * sendmail(1) command line. Options as Postfix's sendmail takes them:
 *
 *   -f SENDER   envelope sender (-r too); default: the login name @myorigin
 *   -F NAME     the sender's full name, for a From: header cleanup adds
 *   -t          recipients also from To:, Cc: and Bcc: (Bcc: is removed with
 *               or without -t, as Postfix does)
 *   -i, -oi     a line with a single "." does not end the message
 *   -bs         SMTP on stdin and stdout (sendmail_bs.c)
 *   -bm         read a message from stdin (the default)
 *   -bp         list the queue, as mailq
 *   -N LIST     DSN NOTIFY: never, or success, delay, failure
 *   -R RET      DSN RET: full or hdrs
 *   -V ENVID    DSN ENVID
 *   -C DIR      the configuration directory (as postern -c)
 *   -B TYPE, -oX..., -v and -n are accepted and have no effect here.
 *
 * The message goes to the maildrop queue (sendmail_drop.c); posternd's
 * pickup runs cleanup and non_smtpd_milters on it and queues it, also when
 * posternd was stopped at the time (it picks the maildrop up when it
 * starts). Lines may end in LF or CRLF; they are stored with CRLF.
 * Exit status as sendmail's: 0 (EX_OK), 64 (EX_USAGE) for bad options or
 * no recipient, 65 (EX_DATAERR) for a bad address, 75 (EX_TEMPFAIL) when
 * the queue cannot take the message, 77 (EX_NOPERM) when the queue is not
 * ours to write.
 */
#include "config.h"

#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "mem.h"
#include "postern.h"
#include "sendmail.h"

#define SENDMAIL_USAGE                                                                             \
	"usage: postern sendmail [-t] [-i] [-bs|-bm|-bp] [-f sender] "                             \
	"[-F name] [-N notify] [-R ret] [-V envid] [recipient...]"

enum sendmail_mode { SENDMAIL_MESSAGE, SENDMAIL_SMTP, SENDMAIL_LIST };

struct sendmail_opts {
	enum sendmail_mode mode;
	int extract; /* -t */
	int dots_ok; /* -i */
	const char *sender;
	int first_rcpt; /* argv index of the first recipient */
};

/* sendmail_notify: -N's list as QUEUE_NOTIFY_* bits; -1 when invalid. */
static int sendmail_notify(const char *list)
{
	unsigned bits = 0;
	char *copy = xstrdup(list);
	int bad = 0;
	for (char *save = NULL, *w = strtok_r(copy, ", ", &save); w;
	     w = strtok_r(NULL, ", ", &save)) {
		if (strcasecmp(w, "never") == 0)
			bits |= QUEUE_NOTIFY_NEVER;
		else if (strcasecmp(w, "success") == 0)
			bits |= QUEUE_NOTIFY_SUCCESS;
		else if (strcasecmp(w, "delay") == 0)
			bits |= QUEUE_NOTIFY_DELAY;
		else if (strcasecmp(w, "failure") == 0)
			bits |= QUEUE_NOTIFY_FAILURE;
		else
			bad = 1;
	}
	free(copy);
	if (bad || ((bits & QUEUE_NOTIFY_NEVER) && bits != QUEUE_NOTIFY_NEVER))
		return -1;
	return (int)bits;
}

/* sendmail_value: the value of an option letter written "-fX" or "-f X";
 * NULL when missing. */
static const char *sendmail_value(int argc, char **argv, int *i, const char *arg)
{
	if (arg[2] != '\0')
		return arg + 2;
	if (*i + 1 < argc)
		return argv[++*i];
	return NULL;
}

/* sendmail_parse: the options; 0 ok, -1 usage error (reported). */
static int sendmail_parse(int argc, char **argv, struct sendmail_opts *o, struct sendmail_msg *m,
			  struct cli_opts *global)
{
	int i;
	for (i = 1; i < argc && argv[i][0] == '-' && argv[i][1] != '\0'; i++) {
		const char *a = argv[i], *v = NULL;
		if (strcmp(a, "--") == 0) {
			i++;
			break;
		}
		switch (a[1]) {
		case 't':
			o->extract = 1;
			break;
		case 'i':
			o->dots_ok = 1;
			break;
		case 'v':
		case 'n':
			break;
		case 'o':
			if (strcmp(a, "-oi") == 0)
				o->dots_ok = 1;
			break;
		case 'b':
			if (strcmp(a, "-bs") == 0)
				o->mode = SENDMAIL_SMTP;
			else if (strcmp(a, "-bp") == 0)
				o->mode = SENDMAIL_LIST;
			else if (strcmp(a, "-bm") != 0) {
				fprintf(stderr, "postern: fatal: unsupported: %s\n", a);
				return -1;
			}
			break;
		case 'f':
		case 'r':
		case 'F':
		case 'N':
		case 'R':
		case 'V':
		case 'C':
		case 'B':
			if ((v = sendmail_value(argc, argv, &i, a)) == NULL) {
				fprintf(stderr, "postern: fatal: option %s needs a value\n", a);
				return -1;
			}
			if (a[1] == 'f' || a[1] == 'r') {
				o->sender = strcmp(v, "<>") == 0 ? "" : v;
			} else if (a[1] == 'F') {
				free(m->full_name);
				m->full_name = xstrdup(v);
			} else if (a[1] == 'N') {
				int bits = sendmail_notify(v);
				if (bits < 0) {
					fprintf(stderr, "postern: fatal: bad -N option value: %s\n",
						v);
					return -1;
				}
				m->notify = (unsigned)bits;
			} else if (a[1] == 'R') {
				if (strcasecmp(v, "full") != 0 && strcasecmp(v, "hdrs") != 0) {
					fprintf(stderr, "postern: fatal: bad -R option value: %s\n",
						v);
					return -1;
				}
				free(m->ret);
				m->ret = xstrdup(strcasecmp(v, "full") == 0 ? "FULL" : "HDRS");
			} else if (a[1] == 'V') {
				free(m->envid);
				m->envid = xstrdup(v);
			} else if (a[1] == 'C') {
				global->config = v;
			}
			break;
		default:
			fprintf(stderr, "postern: fatal: unknown option: %s\n%s\n", a,
				SENDMAIL_USAGE);
			return -1;
		}
	}
	o->first_rcpt = i;
	return 0;
}

/* sendmail_read: the message from stdin into m->content with CRLF line
 * ends; without dots_ok a line "." ends it. 1 ok, -1 read error. */
static int sendmail_read(struct sendmail_msg *m, int dots_ok)
{
	char *line = NULL;
	size_t size = 0;
	ssize_t len;
	while ((len = getline(&line, &size, stdin)) > 0) {
		size_t n = (size_t)len;
		if (line[n - 1] == '\n')
			n--;
		if (n > 0 && line[n - 1] == '\r')
			n--;
		if (!dots_ok && n == 1 && line[0] == '.')
			break;
		buf_append(&m->content, line, n);
		buf_append(&m->content, "\r\n", 2);
	}
	int err = ferror(stdin);
	free(line);
	return err ? -1 : 1;
}

/* sendmail_user_init: who runs the command. */
static void sendmail_user_init(struct sendmail_user *u)
{
	struct passwd pw, *found = NULL;
	char buf[4096];
	u->uid = getuid();
	if (getpwuid_r(u->uid, &pw, buf, sizeof(buf), &found) == 0 && found != NULL) {
		u->login = xstrdup(pw.pw_name);
		size_t n = pw.pw_gecos != NULL ? strcspn(pw.pw_gecos, ",") : 0;
		u->gecos = n > 0 ? xstrndup(pw.pw_gecos, n) : NULL;
	} else
		u->login = xasprintf("%lu", (unsigned long)u->uid);
}

/* sendmail_inject: -bm: read, check, drop. The exit status. */
static int sendmail_inject(struct postern_queue *pq, struct sendmail_msg *m,
			   const struct sendmail_opts *o, int argc, char **argv,
			   const struct sendmail_user *u)
{
	for (int i = o->first_rcpt; i < argc; i++)
		sendmail_msg_add_rcpt(m, argv[i], pq->myorigin);
	if (sendmail_read(m, o->dots_ok) < 0) {
		fprintf(stderr, "postern: fatal: error reading the message: %m\n");
		return POSTERN_EX_IOERR;
	}
	sendmail_headers_scan(m, o->extract, pq->myorigin);
	if (m->n_rcpts == 0) {
		fprintf(stderr, "postern: fatal: %s\n",
			o->extract ? "no recipient addresses found in message header"
				   : "Recipient addresses must be specified on the command line "
				     "or via the -t option");
		return POSTERN_EX_USAGE;
	}
	char *id = NULL, *error = NULL;
	if (sendmail_drop(pq, m, u, &id, &error) < 0) {
		fprintf(stderr, "postern: fatal: cannot queue the message: %s\n", error);
		free(error);
		return POSTERN_EX_TEMPFAIL;
	}
	free(id);
	return POSTERN_EX_OK;
}

int postern_sendmail(int argc, char **argv, struct cli_opts *global)
{
	struct sendmail_opts o = {0};
	struct sendmail_msg m = {0};
	struct sendmail_user u = {0};
	buf_init(&m.content, 0);
	if (sendmail_parse(argc, argv, &o, &m, global) < 0) {
		sendmail_msg_deinit(&m);
		return POSTERN_EX_USAGE;
	}
	if (o.mode == SENDMAIL_LIST) {
		sendmail_msg_deinit(&m);
		char *list_argv[] = {"mailq", NULL};
		return postern_queue(1, list_argv, global);
	}
	sendmail_user_init(&u);
	struct postern_queue pq;
	char *error = NULL;
	int rc;
	if (postern_queue_open(global, &pq, &error) < 0) {
		fprintf(stderr, "postern: fatal: %s\n", error);
		free(error);
		rc = POSTERN_EX_NOPERM;
	} else {
		m.sender = o.sender != NULL ? sendmail_qualify(o.sender, pq.myorigin)
					    : sendmail_qualify(u.login, pq.myorigin);
		if (o.mode == SENDMAIL_SMTP)
			rc = sendmail_bs(&pq, &m, &u, pq.myorigin);
		else
			rc = sendmail_inject(&pq, &m, &o, argc, argv, &u);
	}
	postern_queue_close(&pq);
	sendmail_msg_deinit(&m);
	free(u.login);
	free(u.gecos);
	return rc;
}
