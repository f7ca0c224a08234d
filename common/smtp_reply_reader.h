/* smtp_reply_reader.h: incremental parser of server replies, for the SMTP
 * and LMTP clients.
 *
 * Feed it the bytes read from the server in chunks of any size; it returns
 * one complete reply at a time (a pipelined batch of replies comes out one
 * by one: call again with the bytes not consumed yet). Lines end in CRLF or,
 * leniently, in a bare LF. A reply is one or more lines "NNN-text" ended by
 * "NNN text" or "NNN"; every line must carry the same code. An enhanced
 * status code at the start of the first line's text (RFC 2034), of the
 * reply code's class, becomes the reply's dsn and is stripped from every
 * line that repeats it; without one the dsn is "" (Postfix's client then
 * assumes X.0.0, X the code's first digit; that choice is the caller's).
 *
 * Limits: a line longer than max_line bytes (without its line end) or a
 * reply with more than max_lines lines is an error, as is a malformed line
 * (no 3-digit code 200-599, a 4th character other than '-' or ' ', a NUL
 * byte) or a code that changes inside a multi-line reply. After an error the
 * reader stays failed: the connection is out of sync and must be dropped.
 */
#ifndef POSTERN_SMTP_REPLY_READER_H
#define POSTERN_SMTP_REPLY_READER_H

#include <stddef.h>

#include "smtp_reply.h"

/* Postfix reads reply lines up to line_length_limit (2048). */
#define SMTP_REPLY_READER_MAX_LINE 2048
#define SMTP_REPLY_READER_MAX_LINES 100

struct smtp_reply_reader;

/* smtp_reply_reader_new: a reader with the given limits (both > 0). Caller
 * frees with smtp_reply_reader_free(). */
struct smtp_reply_reader *smtp_reply_reader_new(size_t max_line, size_t max_lines);
/* smtp_reply_reader_free: release *rp and clear it; accepts NULL. */
void smtp_reply_reader_free(struct smtp_reply_reader **rp);

/* smtp_reply_reader_feed: consume bytes from data[0..len).
 * 1: a reply is complete; *reply_r is it (caller frees) and *consumed_r
 *    tells how many bytes were used (the rest belongs to the next reply).
 * 0: every byte was consumed and the reply is not complete yet.
 * -1: malformed input or a limit reached; *error_r says why (caller frees).
 * The reader keeps partial lines internally (bounded by max_line). */
int smtp_reply_reader_feed(struct smtp_reply_reader *rr, const char *data, size_t len,
			   size_t *consumed_r, struct smtp_reply **reply_r, char **error_r);

#endif
