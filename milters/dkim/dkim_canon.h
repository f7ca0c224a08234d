/* dkim_canon.h: DKIM canonicalization (RFC 6376 section 3.4), simple and
 * relaxed, for header fields and for the body.
 *
 * The body canonicalizer is incremental: the body may arrive in pieces of
 * any size, split anywhere (even between CR and LF), and the output is the
 * same; empty lines at the end are held back until more content shows they
 * are not the end. Output goes to a callback in blocks. Lines end in CRLF;
 * a lone CR or LF is an ordinary character, as the RFC's algorithms treat
 * it. Thread-safe: no shared state.
 */
#ifndef POSTERN_DKIM_CANON_H
#define POSTERN_DKIM_CANON_H

#include <stddef.h>

#include "buf.h"

enum dkim_canon_mode {
	DKIM_CANON_MODE_SIMPLE,
	DKIM_CANON_MODE_RELAXED,
};

/* One header field of a message: name as written, value everything after
 * the colon with CRLF line breaks (as the skeleton hands it over). */
struct dkim_header {
	const char *name;
	const char *value;
};

/* dkim_canon_parse: "relaxed" or "simple" (any case) into *mode_r; 1, or
 * 0 when text is neither. */
int dkim_canon_parse(const char *text, size_t len, enum dkim_canon_mode *mode_r);
/* dkim_canon_name: "simple" or "relaxed". */
const char *dkim_canon_name(enum dkim_canon_mode mode);

/* dkim_canon_header: append the canonical form of one header field to out:
 * name as the message has it, value everything after the colon (leading
 * white space and CRLF folds included). With crlf the field ends in CRLF
 * (every signed field); without, not (the DKIM-Signature field itself). */
void dkim_canon_header(enum dkim_canon_mode mode, const char *name, const char *value, int crlf,
		       struct buf *out);

/* dkim_body_emit_fn: receives canonical body bytes. */
typedef void dkim_body_emit_fn(void *ctx, const void *data, size_t len);

struct dkim_body_canon {
	/* private */
	enum dkim_canon_mode mode;
	dkim_body_emit_fn *emit;
	void *ctx;
	size_t pending_crlf;	   /* line ends not yet emitted */
	int pending_cr;		   /* a CR whose next byte is not known yet */
	int pending_wsp;	   /* relaxed: white space not yet emitted */
	int content;		   /* some content was emitted */
	unsigned long long length; /* bytes emitted */
	unsigned char out[4096];
	size_t out_len;
};

/* dkim_body_init: start a body; emit gets the canonical bytes. */
void dkim_body_init(struct dkim_body_canon *b, enum dkim_canon_mode mode, dkim_body_emit_fn *emit,
		    void *ctx);
/* dkim_body_update: the next len bytes of the body. */
void dkim_body_update(struct dkim_body_canon *b, const void *data, size_t len);
/* dkim_body_final: the end of the body: emit what is held back (the final
 * CRLF; simple: a lone CRLF for an empty body). Returns the length of the
 * canonical body (for l=). */
unsigned long long dkim_body_final(struct dkim_body_canon *b);

#endif
