/* header.h: message header lines, the way Postfix's cleanup sees them.
 *
 * A logical header is built from its physical lines: header_acc joins a
 * header's first line and its continuation lines with "\n" (line
 * terminators removed), normalizes the obsolete "Name :" to "Name:", and
 * truncates at header_size_limit exactly as Postfix does (text is appended
 * while the header is still shorter than the limit; once it is not, further
 * text is discarded and the header is marked truncated). This logical form
 * is what Postfix's header_checks patterns are matched against. The raw
 * input bytes of the header are kept beside it for byte-exact pass-through.
 *
 * Which Postfix table applies to a header depends on where it is and what
 * it is called (header_checks(5), cleanup(8)): see header_checks_for().
 */
#ifndef POSTERN_HEADER_H
#define POSTERN_HEADER_H

#include <stddef.h>

#include "buf.h"

/* Where a header block is. */
enum header_block {
	HEADER_BLOCK_PRIMARY,	/* the message's own headers */
	HEADER_BLOCK_MULTIPART, /* after a multipart boundary */
	HEADER_BLOCK_NESTED,	/* at the start of an attached message/rfc822 */
};

/* Which Postfix table applies. */
enum header_checks {
	HEADER_CHECKS,	      /* header_checks */
	MIME_HEADER_CHECKS,   /* mime_header_checks */
	NESTED_HEADER_CHECKS, /* nested_header_checks */
};

/* header_name_len: when the len bytes at line begin a header (a name of
 * printable ASCII other than ":", optional blanks, then ":"), the length
 * of the name; else 0. */
size_t header_name_len(const char *line, size_t len);

/* header_is_mime: 1 when name (len bytes, any case) is one of the headers
 * Postfix treats as MIME headers: Content-Description, Content-Disposition,
 * Content-ID, Content-Transfer-Encoding, Content-Type, MIME-Version. */
int header_is_mime(const char *name, size_t len);

/* header_checks_for: the table Postfix applies to a header called name in
 * block: mime_header_checks for the MIME headers anywhere and for every
 * header after a multipart boundary; nested_header_checks for the other
 * headers of an attached message; header_checks for the other primary
 * headers. */
enum header_checks header_checks_for(enum header_block block, const char *name, size_t len);

/* header_checks_name: "header_checks", "mime_header_checks" or
 * "nested_header_checks" (static strings). */
const char *header_checks_name(enum header_checks checks);

/* header_unfold: append the RFC 5322 unfolded form of a logical header
 * (text as built by header_acc: the "\n" line joins removed) to out. */
void header_unfold(const char *text, size_t len, struct buf *out);

/* A logical header being accumulated. */
struct header_acc {
	struct buf text; /* logical form, NUL-terminated */
	struct buf raw;	 /* input bytes, line terminators included */
	size_t input_len; /* input bytes of the header, discarded ones included */
	size_t name_len; /* text[0..name_len) is the name */
	size_t limit;	 /* header_size_limit */
	int active;	 /* a header is being accumulated */
	int truncated;	 /* text was discarded at the limit */
};

/* header_acc_init/deinit: limit is header_size_limit (0: no limit). */
void header_acc_init(struct header_acc *h, size_t limit);
void header_acc_deinit(struct header_acc *h);

/* header_acc_start: begin a header with the first piece of its first line:
 * raw (raw_len bytes, terminator included) whose first len bytes are the
 * text, and name_len from header_name_len(). Any previous header is
 * dropped. */
void header_acc_start(struct header_acc *h, const char *raw, size_t raw_len, size_t len,
		      size_t name_len);

/* header_acc_add: add a piece to the header: a new continuation line
 * (new_line 1; it begins with a blank) or a further piece of the current
 * line (new_line 0). Returns 1 when kept, 0 when discarded at the limit
 * (truncated is then set). */
int header_acc_add(struct header_acc *h, const char *raw, size_t raw_len, size_t len, int new_line);

/* header_acc_reset: forget the current header, keeping the memory. */
void header_acc_reset(struct header_acc *h);

#endif
