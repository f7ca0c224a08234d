/* smtp_line.h: incremental reader of SMTP command lines from a byte stream.
 *
 * The server feeds it what it read from the client, in chunks of any size;
 * the reader returns one command line at a time and never consumes a byte
 * past the end of that line, so after "DATA" (or "BDAT", or "STARTTLS",
 * whose pipelined followers must be discarded) the caller still holds the
 * bytes that follow.
 *
 * Line ends and damaged lines:
 *  - CRLF ends a line.
 *  - A bare LF ends a line too. With SMTP_BARE_REJECT (the default, the safe
 *    side of Postfix's smtpd_forbid_bare_newline) the line comes back with
 *    status SMTP_LINE_BARE_LF (reply SMTP_R_BARE_LF); with
 *    SMTP_BARE_NORMALIZE (smtpd_forbid_bare_newline = normalize) it is an
 *    ordinary line. Postfix 3.7 by default (smtpd_forbid_bare_newline = no)
 *    accepts LF-only lines; we have no such mode.
 *  - A bare CR (not followed by LF) never ends a command line, in either
 *    mode: a proxy in front of us would see one line where we would see two.
 *    The line comes back as SMTP_LINE_BARE_CR (reply SMTP_R_BAD_SYNTAX).
 *    Postfix passes a bare CR through as part of the command.
 *  - A NUL byte makes the line SMTP_LINE_NUL (reply SMTP_R_BAD_SYNTAX);
 *    Postfix's commands end at the NUL, so it answers "command not
 *    recognized" or worse.
 *  - A line longer than max_len bytes (without its line end) is read and
 *    discarded up to its end, then reported as SMTP_LINE_TOO_LONG (reply
 *    SMTP_R_LINE_TOO_LONG) with an empty text. Postfix instead truncates the
 *    line at line_length_limit (2048), drops the excess and executes what
 *    remains: a truncated "RCPT TO:<...>" could then name another address.
 * When a line has several of these problems, the first in this order wins:
 * TOO_LONG, NUL, BARE_CR, BARE_LF.
 *
 * Line length: RFC 5321 4.5.3.1.4 limits a command line to 512 octets with
 * its CRLF (SMTP_LINE_RFC_MAX without it), but extensions raise it (SIZE,
 * DSN's ENVID and ORCPT, AUTH=): a strict 510 rejects legitimate RCPT lines
 * with ORCPT. The relay therefore uses Postfix's line_length_limit
 * (SMTP_LINE_DEFAULT_MAX, 2048); SMTP_LINE_RFC_MAX is there for a listener
 * that wants the letter of the RFC.
 */
#ifndef POSTERN_SMTP_LINE_H
#define POSTERN_SMTP_LINE_H

#include <stddef.h>

/* What to do with a bare LF (and, in message content, a bare CR). */
enum smtp_bare_mode {
	SMTP_BARE_REJECT,    /* refuse the command or the message (default) */
	SMTP_BARE_NORMALIZE, /* treat it as CRLF */
};

#define SMTP_LINE_RFC_MAX 510
#define SMTP_LINE_DEFAULT_MAX 2048

enum smtp_line_status {
	SMTP_LINE_OK,
	SMTP_LINE_TOO_LONG,
	SMTP_LINE_NUL,
	SMTP_LINE_BARE_CR,
	SMTP_LINE_BARE_LF,
};

struct smtp_line_reader;

/* smtp_line_new: a reader for lines of at most max_len bytes (> 0) without
 * the line end. Caller frees with smtp_line_free(). */
struct smtp_line_reader *smtp_line_new(size_t max_len, enum smtp_bare_mode mode);
/* smtp_line_free: release *rp and clear it; accepts NULL. */
void smtp_line_free(struct smtp_line_reader **rp);

/* smtp_line_read: consume bytes from data[0..len) up to the end of the
 * next line.
 * 1: a line is complete: *line_r is its text without the line end,
 *    NUL-terminated, owned by the reader and valid until the next call;
 *    *status_r says whether it is usable; *consumed_r counts the bytes used,
 *    line end included.
 * 0: all len bytes were consumed (*consumed_r == len) and the line is not
 *    complete yet; feed more.
 * Never fails otherwise: bad lines are statuses, so the session stays in
 * sync and the server decides the reply. */
int smtp_line_read(struct smtp_line_reader *r, const char *data, size_t len, size_t *consumed_r,
		   const char **line_r, enum smtp_line_status *status_r);

/* smtp_line_pending: 1 when the reader holds part of a line (bytes were
 * consumed since the last complete line), else 0; e.g. to detect a client
 * that pipelines past STARTTLS. */
int smtp_line_pending(const struct smtp_line_reader *r);

#endif
