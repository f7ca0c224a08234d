/* deliver_smtp_cmd.h: the pieces of the SMTP/LMTP client that need no
 * connection: the server's EHLO keywords, the MAIL FROM and RCPT TO
 * commands with their ESMTP parameters, the dot-stuffed content, and the
 * status a reply gives a recipient. Pure functions, unit-tested in
 * deliver_smtp_test.c.
 */
#ifndef POSTERN_DELIVER_SMTP_CMD_H
#define POSTERN_DELIVER_SMTP_CMD_H

#include "buf.h"
#include "deliver.h"
#include "smtp_reply.h"

/* EHLO keywords the client uses. */
#define DELIVER_EXT_PIPELINING 0x01u
#define DELIVER_EXT_SIZE 0x02u
#define DELIVER_EXT_8BITMIME 0x04u
#define DELIVER_EXT_DSN 0x08u
#define DELIVER_EXT_SMTPUTF8 0x10u
#define DELIVER_EXT_STARTTLS 0x20u

/* deliver_smtp_ext: the keywords of an EHLO/LHLO reply (its lines after
 * the first) and, in *size_r, the SIZE limit (0 when none is given). */
unsigned deliver_smtp_ext(const struct smtp_reply *ehlo, unsigned long long *size_r);

/* deliver_smtp_mail: append "MAIL FROM:<sender>" with SIZE, BODY, SMTPUTF8,
 * RET and ENVID as ext allows, and CRLF, to out. */
void deliver_smtp_mail(const struct queue_msg *msg, unsigned ext, struct buf *out);
/* deliver_smtp_rcpt: append "RCPT TO:<address>" with NOTIFY and ORCPT
 * when ext has DSN, and CRLF, to out. */
void deliver_smtp_rcpt(const struct queue_rcpt *r, unsigned ext, struct buf *out);

/* deliver_smtp_stuff: the content state between chunks. */
struct deliver_smtp_stuff {
	int line_start; /* the next byte starts a line (start with 1) */
	int last_cr;	/* the last byte written was CR (start with 0) */
};
/* deliver_smtp_stuff_chunk: append data[0..len) to out with a '.'
 * doubled at the start of each line. */
void deliver_smtp_stuff_chunk(struct deliver_smtp_stuff *s, const char *data, size_t len,
			      struct buf *out);
/* deliver_smtp_stuff_end: append CRLF if the content did not end a line,
 * then ".\r\n". */
void deliver_smtp_stuff_end(struct deliver_smtp_stuff *s, struct buf *out);

/* deliver_smtp_reply_status: fill st from reply r of server where (relay=)
 * to command cmd ("RCPT TO", "end of DATA"; NULL for a success): 2xx
 * delivered with text "NNN D.D.D text", 4xx deferred and 5xx bounced with
 * "host WHERE said: NNN D.D.D text (in reply to CMD command)". A reply
 * without an enhanced status code gets X.0.0; st->diag is "smtp; NNN
 * D.D.D text" for a DSN's Diagnostic-Code. */
void deliver_smtp_reply_status(const struct smtp_reply *r, const char *where, const char *cmd,
			       struct deliver_status *st);

#endif
