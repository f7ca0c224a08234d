/* smtp_data.h: the message content decoder for DATA (after "354") and for
 * BDAT chunks (RFC 3030 CHUNKING).
 *
 * Input: the bytes the client sent, in chunks of any size. Output: the
 * message's lines, without line ends and (for DATA) without dot-stuffing,
 * passed to a callback; the consumer stores each with a CRLF.
 *
 * End of DATA is recognised ONLY on <CRLF>.<CRLF> (the CRLF of the DATA
 * command counts as the first one, so ".<CRLF>" right away is an empty
 * message). Nothing else ends or splits a message: not <LF>.<LF>,
 * <LF>.<CRLF>, <CR>.<CR>, <CRLF>.<LF> or <LF>.<CR><LF> (the SMTP smuggling
 * sequences). In those, the bare LF or CR is handled by the mode:
 *  - SMTP_BARE_REJECT (default): the first bare LF or bare CR in the content
 *    fails the message (SMTP_DATA_BARE_LF / SMTP_DATA_BARE_CR: reply
 *    SMTP_R_BARE_LF / _BARE_CR, Postfix's smtpd_forbid_bare_newline = reject
 *    reply, also used for CR). No line is passed on after it, but the
 *    decoder reads on to the real <CRLF>.<CRLF>, so the session stays in
 *    sync and what follows is read as commands, exactly where the client
 *    meant them to be.
 *  - SMTP_BARE_NORMALIZE: a bare LF or bare CR ends the line as a CRLF would
 *    (smtpd_forbid_bare_newline = normalize, extended to CR), but never the
 *    message: a "." line ended or preceded by a bare LF/CR is content, and
 *    loses its dot like any other line starting with a dot. A CR followed by
 *    LF is one line end, even when the two arrive in different chunks.
 *
 * Limits and counts:
 *  - size: the content as stored (line bytes plus 2 per line end). Past
 *    message_size_limit the message fails (SMTP_DATA_TOO_BIG: reply
 *    SMTP_R_SIZE_EXCEEDED, "552 5.3.4 Message size exceeds fixed limit"),
 *    nothing more is passed on, and reading goes on to the end.
 *  - header section: the lines from the start up to the first empty line or
 *    the first line that is neither a header field ("name:") nor a folded
 *    continuation. Past header_size_limit the message fails
 *    (SMTP_DATA_HEADER_TOO_BIG: SMTP_R_HEADER_EXCEEDED). Postfix's
 *    header_size_limit bounds each header and silently drops the excess; we
 *    bound the whole section and refuse, because dropping header text breaks
 *    DKIM signatures and hides content from filters.
 *  - long lines: a line longer than line_length_limit reaches the callback in
 *    pieces of at most that many bytes, all but the last flagged
 *    SMTP_DATA_PARTIAL; concatenated they are the line, byte for byte. This
 *    is how Postfix stores long lines (continuation records); nothing is cut
 *    or folded here.
 *  - 8-bit: whether the header section and the body hold bytes >= 0x80 (for
 *    BODY=7BIT, 8BITMIME and SMTPUTF8 checks).
 *
 * BDAT: smtp_data_bdat() announces a chunk of n bytes; feed then consumes at
 * most those n bytes and returns 1 when the chunk is complete. Chunk
 * content is not dot-stuffed and has no end marker; bare LF/CR rules, limits
 * and counts are the same (a CRLF may straddle two chunks). After the LAST
 * chunk, a final line without a line end is passed on as a line.
 */
#ifndef POSTERN_SMTP_DATA_H
#define POSTERN_SMTP_DATA_H

#include <stddef.h>
#include <stdint.h>

#include "smtp_line.h"
#include "smtp_reply.h"

enum smtp_data_error {
	SMTP_DATA_OK,
	SMTP_DATA_BARE_LF,
	SMTP_DATA_BARE_CR,
	SMTP_DATA_TOO_BIG,
	SMTP_DATA_HEADER_TOO_BIG,
	SMTP_DATA_CONSUMER, /* the callback returned -1 (e.g. a queue write error) */
};

struct smtp_data_limits {
	uint64_t message_size; /* message_size_limit; 0: none */
	uint64_t header_size;  /* header_size_limit; 0: none */
	size_t line_length;    /* line_length_limit, > 0 (Postfix: 2048) */
};

/* Flags passed to the line callback. */
#define SMTP_DATA_PARTIAL 0x01 /* more of this line follows */
#define SMTP_DATA_HEADER 0x02  /* a header line (not the empty line after them) */

/* The line callback: line[0..len) (not NUL-terminated, may hold NULs) is
 * valid during the call only. Return 0, or -1 to fail the message with
 * SMTP_DATA_CONSUMER (no more calls for this message). */
typedef int (*smtp_data_line_fn)(void *ctx, const char *line, size_t len, unsigned flags);

struct smtp_data_stats {
	uint64_t size;	      /* as stored: line bytes + 2 per line end */
	uint64_t header_size; /* the header section, line ends included */
	int header_8bit;      /* a byte >= 0x80 in the header section */
	int body_8bit;	      /* a byte >= 0x80 after it */
	uint64_t split_lines; /* lines passed on in more than one piece */
};

struct smtp_data;

/* smtp_data_new: a decoder for one message at a time, ready for DATA
 * content. limits is copied. Caller frees with smtp_data_free(). */
struct smtp_data *smtp_data_new(enum smtp_bare_mode mode, const struct smtp_data_limits *limits,
				smtp_data_line_fn fn, void *ctx);
/* smtp_data_free: release *dp and clear it; accepts NULL. */
void smtp_data_free(struct smtp_data **dp);
/* smtp_data_reset: forget the current message; ready for new DATA content
 * (or a first BDAT chunk). */
void smtp_data_reset(struct smtp_data *d);

/* smtp_data_bdat: the next size bytes fed are one BDAT chunk; last: it is
 * the message's last chunk (BDAT n LAST). */
void smtp_data_bdat(struct smtp_data *d, uint64_t size, int last);

/* smtp_data_feed: consume bytes from data[0..len).
 * 1: DATA: the end marker was consumed, the message is complete; BDAT: the
 *    chunk is complete (and, if it was the last, the message). *consumed_r
 *    counts the bytes used: the rest are the client's next commands.
 * 0: all len bytes were consumed, more are needed.
 * A failed message is not an error here: reading goes on; see
 * smtp_data_error() once the message is complete. Feeding a complete
 * message (before smtp_data_reset) consumes nothing and returns 1. */
int smtp_data_feed(struct smtp_data *d, const char *data, size_t len, size_t *consumed_r);

/* smtp_data_done: 1 when the message is complete, else 0. */
int smtp_data_done(const struct smtp_data *d);
/* smtp_data_error: SMTP_DATA_OK or why the message failed (the first
 * reason); meaningful as soon as it is set. */
enum smtp_data_error smtp_data_error(const struct smtp_data *d);
/* smtp_data_stats: counts for the current message (owned by d). */
const struct smtp_data_stats *smtp_data_stats(const struct smtp_data *d);
/* smtp_data_error_reply: the table reply for an error; SMTP_R_QUEUE_WRITE
 * for SMTP_DATA_CONSUMER (the caller may have a better one); a bug for
 * SMTP_DATA_OK (panic). */
enum smtp_reply_id smtp_data_error_reply(enum smtp_data_error error);

#endif
