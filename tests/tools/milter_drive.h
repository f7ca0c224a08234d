/* milter_drive.h: a milter test client built on common/milter_proto*, so
 * the codec Postern's relay uses as an MTA also drives our milters in the
 * tests (and libmilter peers, e.g. OpenDKIM, in the benchmarks).
 *
 *   milter_drive.c       command line and the modes (one message, many
 *                        messages on many connections, malformed traffic)
 *   milter_drive_sess.c  a session: connect, negotiate as Postfix does,
 *                        send commands, read replies
 *   milter_drive_msg.c   a message file split into header fields and body,
 *                        and the milter's changes applied to it
 */
#ifndef POSTERN_MILTER_DRIVE_H
#define POSTERN_MILTER_DRIVE_H

#include <stddef.h>
#include <stdio.h>

#include "buf.h"
#include "milter_proto.h"
#include "milter_proto_cmd.h"
#include "milter_proto_neg.h"
#include "milter_proto_reply.h"

/* --- messages ------------------------------------------------------------ */

struct drive_header {
	char *name;
	char *value; /* after the colon, as in the file, "\n" between lines */
};

struct drive_msg {
	struct drive_header *headers;
	size_t n_headers;
	struct buf body; /* CRLF line ends */
};

/* drive_msg_parse: split text (LF or CRLF line ends) into header fields
 * and body. 1, or -1 with *error_r for a header line without a colon. */
int drive_msg_parse(struct drive_msg *m, const char *text, size_t len, char **error_r);
void drive_msg_deinit(struct drive_msg *m);

/* drive_msg_apply: carry out a header or body change the milter sent at
 * the end of the message; leadspc says whether values keep their leading
 * white space. Other replies are ignored. */
void drive_msg_apply(struct drive_msg *m, const struct milter_reply *r, int leadspc);

/* drive_msg_write: the message with CRLF line ends. */
void drive_msg_write(const struct drive_msg *m, FILE *out);

/* --- sessions ------------------------------------------------------------ */

/* Macros per stage, "name=value" strings. */
struct drive_macros {
	char **items[MILTER_STAGE_COUNT];
	size_t n[MILTER_STAGE_COUNT];
};

struct drive_sess {
	int fd;
	struct milter_decoder *dec;
	struct milter_neg neg;
	struct buf in;	/* read but not yet decoded */
	struct buf out; /* encoded, not yet written */
	int leadspc;
};

/* What the milter answered to one message. */
struct drive_result {
	int stage_code;	 /* the command that got a final reply, or 0 */
	int code;	 /* the final reply: ACCEPT, CONTINUE, REJECT, ... */
	char *replycode; /* REPLYCODE text, or NULL */
	struct buf log;	 /* one line per change and per final reply */
};

/* drive_connect: connect to spec (sockspec.h conventions). 1, or -1 with
 * *error_r. */
int drive_connect(const char *spec, int *fd_r, char **error_r);

/* drive_sess_open: connect and negotiate, offering what Postfix 3.7 offers.
 * 1, or -1 with *error_r (nothing left open). */
int drive_sess_open(struct drive_sess *s, const char *spec, char **error_r);
void drive_sess_close(struct drive_sess *s);

/* drive_sess_message: one message: CONNECT (when connect is set: the first
 * message of a session), MAIL, RCPT..., header fields, EOH, body, EOM,
 * with the macros of each stage; changes at the end are applied to msg.
 * 1 with *res filled (drive_result_deinit), -1 with *error_r on a protocol
 * or socket error. */
int drive_sess_message(struct drive_sess *s, int connect, const char *client_host,
		       const char *client_addr, const char *sender, char **rcpts,
		       const struct drive_macros *macros, struct drive_msg *msg,
		       struct drive_result *res, char **error_r);
void drive_result_deinit(struct drive_result *res);

/* drive_blind_stream: the bytes of a whole session (OPTNEG to QUIT) as one
 * block, for malformed-traffic tests that cut or damage it; the client is
 * host and addr (NULL: unknown). */
void drive_blind_stream(struct buf *out, const struct drive_msg *msg, const char *host,
			const char *addr);

#endif
