/* qp.h: streaming quoted-printable decoding (RFC 2045 section 6.7).
 *
 * Input comes line by line, each line possibly in several pieces: the
 * caller passes the bytes of a line without its terminator to
 * qp_decode_update(), then reports the line break with qp_decode_eol().
 * Trailing white space before a line break is transport padding and is
 * dropped; "=" at the end of a line is a soft line break. The decoder is
 * lenient the way mail readers are: lower-case hex digits are accepted, a
 * malformed "=" sequence is kept literally, and 8-bit or control bytes pass
 * through. Those are recorded as defects; decoding never stops.
 */
#ifndef POSTERN_QP_H
#define POSTERN_QP_H

#include <stddef.h>

#include "buf.h"

/* Defects seen so far, ORed into qp_decoder.defects. */
#define QP_BAD_ESCAPE 0x01 /* "=" not followed by two hex digits or a line break */
#define QP_BAD_CHAR 0x02   /* a byte that quoted-printable text may not contain */

/* White space held back while it may still turn out to be trailing. Runs
 * longer than this are passed through rather than held (memory bound). */
#define QP_WS_MAX 128

struct qp_decoder {
	int eq;	       /* an "=" is pending */
	char hex;      /* the first hex digit after "=", or 0 */
	size_t ws_len; /* white space held in ws */
	char ws[QP_WS_MAX];
	unsigned defects; /* QP_* */
};

/* qp_decoder_init: an empty decoder with no defects. */
void qp_decoder_init(struct qp_decoder *d);

/* qp_decode_update: decode len bytes of the current line (no line
 * terminator in it), appending to out. */
void qp_decode_update(struct qp_decoder *d, const char *in, size_t len, struct buf *out);

/* qp_decode_eol: the current line ended. A soft line break adds nothing;
 * a hard one drops trailing white space and appends eol (eol_len bytes; pass
 * 0 when the line break is not part of the content, e.g. before a MIME
 * boundary). */
void qp_decode_eol(struct qp_decoder *d, const char *eol, size_t eol_len, struct buf *out);

/* qp_decode_finish: the input ended without a line break: flush what is
 * pending (a lone "=" at the very end is dropped as a soft break). */
void qp_decode_finish(struct qp_decoder *d, struct buf *out);

#endif
