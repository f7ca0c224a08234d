/* sendmail.h: "postern sendmail", the sendmail(1) command line of Postern:
 * the shared parts of its files (postern_sendmail.c: options and the
 * message from stdin; sendmail_headers.c: the header scan for -t and Bcc;
 * sendmail_bs.c: -bs, SMTP on stdin and stdout; sendmail_drop.c: the
 * message into the maildrop queue).
 */
#ifndef POSTERN_SENDMAIL_H
#define POSTERN_SENDMAIL_H

#include <stddef.h>
#include <sys/types.h>

#include "buf.h"
#include "postern_queue.h"

/* One message to inject. */
struct sendmail_msg {
	char *sender; /* qualified envelope sender, "" for <> */
	char **rcpts; /* qualified recipients */
	size_t n_rcpts;
	unsigned notify;    /* QUEUE_NOTIFY_* bits for every recipient (-N) */
	char *ret;	    /* "FULL", "HDRS" or NULL (-R) */
	char *envid;	    /* -V */
	char *full_name;    /* -F */
	struct buf content; /* headers and body, CRLF line ends */
};

/* Who runs the command (taken before privileges change). */
struct sendmail_user {
	uid_t uid;
	char *login; /* the login name, or the uid in decimal */
	char *gecos; /* the full name of the passwd entry, or NULL */
};

/* sendmail_msg_add_rcpt: append addr (qualified with @myorigin when it
 * has no domain, as Postfix's append_at_myorigin). */
void sendmail_msg_add_rcpt(struct sendmail_msg *m, const char *addr, const char *myorigin);
/* sendmail_qualify: addr with "@myorigin" appended when it has no "@"
 * (malloc'd); "" stays "". */
char *sendmail_qualify(const char *addr, const char *myorigin);
void sendmail_msg_deinit(struct sendmail_msg *m);

/* sendmail_headers_scan: the header block of content (up to the first
 * empty line): when extract, add the addresses of To:, Cc: and Bcc: as
 * recipients; remove every Bcc: header (with or without extract, as
 * Postfix does for mail from its sendmail). */
void sendmail_headers_scan(struct sendmail_msg *m, int extract, const char *myorigin);

/* sendmail_drop: write m into maildrop/ through tmp/ (durable when this
 * returns 1), as user. -1 with *error_r. */
int sendmail_drop(struct postern_queue *pq, const struct sendmail_msg *m,
		  const struct sendmail_user *user, char **id_r, char **error_r);

/* sendmail_bs: serve SMTP on stdin/stdout, each message dropped as
 * sendmail_drop does; template gives -N/-R/-V/-F. The exit status. */
int sendmail_bs(struct postern_queue *pq, const struct sendmail_msg *template,
		const struct sendmail_user *user, const char *myorigin);

#endif
