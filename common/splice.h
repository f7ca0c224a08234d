/* splice.h: stream a text while replacing byte ranges of it.
 *
 * A splicer is fed the original text in chunks of any size and appends to
 * an output buffer the text with each range replaced: at the start of a
 * range the owner writes its replacement, then the range's original bytes
 * are dropped (or copied, for a range that only puts text in front).
 * The owner hands out the ranges one at a time, in ascending offset order
 * and without overlap. Used by the milters that rewrite a body while it
 * streams from the spool (postern-attach, postern-headers). */
#ifndef POSTERN_SPLICE_H
#define POSTERN_SPLICE_H

#include <stddef.h>

#include "buf.h"

struct splice_range {
	size_t offset; /* where the range starts in the original text */
	size_t len;    /* how many original bytes it covers (0: an insertion) */
	int keep;      /* 1: copy the original bytes after the replacement */
	const void *item; /* the owner's description of the range */
};

/* splice_next_fn: the next range after the ones handed out so far into
 * *range_r: 1, or 0 when there is none. */
typedef int splice_next_fn(void *context, struct splice_range *range_r);
/* splice_text_fn: append the replacement for range to out. */
typedef void splice_text_fn(void *context, const struct splice_range *range, struct buf *out);

struct splice {
	splice_next_fn *next;
	splice_text_fn *text;
	void *context;
	struct splice_range cur; /* valid while have_cur */
	int have_cur, done;      /* done: next said there is no more */
	int started;             /* cur's replacement is written */
	size_t at;               /* offset of the next byte fed */
};

void splice_init(struct splice *s, splice_next_fn *next, splice_text_fn *text, void *context);
/* splice_write: the next len bytes of the original text; the output for
 * them is appended to out. */
void splice_write(struct splice *s, const char *data, size_t len, struct buf *out);

#endif
