/* base64.h: streaming base64 decoding (RFC 2045 section 6.8).
 *
 * The decoder accepts its input in any chunk size and carries an incomplete
 * quantum over to the next call, so a MIME body can be decoded line by line.
 * It is lenient the way mail readers are: white space and line breaks are
 * skipped, other characters outside the alphabet are skipped and counted as
 * defects, '=' ends the current quantum, and data after padding starts a new
 * quantum (concatenated base64 bodies exist in the wild). Defects never stop
 * decoding; the caller decides what they mean.
 */
#ifndef POSTERN_BASE64_H
#define POSTERN_BASE64_H

#include <stddef.h>

#include "buf.h"

/* Defects seen so far, ORed into base64_decoder.defects. */
#define BASE64_BAD_CHAR 0x01  /* a character outside the alphabet was skipped */
#define BASE64_AFTER_PAD 0x02 /* data followed '=' padding */
#define BASE64_TRUNCATED 0x04 /* input ended inside a quantum */

struct base64_decoder {
	unsigned bits;	  /* pending 6-bit groups, most recent lowest */
	unsigned count;	  /* pending groups: 0 to 3 */
	int padded;	  /* '=' seen since the last data character */
	unsigned defects; /* BASE64_* */
};

/* base64_decoder_init: an empty decoder with no defects. */
void base64_decoder_init(struct base64_decoder *d);

/* base64_decode_update: decode len bytes of in, appending the bytes that are
 * complete to out (which should be unbounded or large enough: at most
 * len * 3 / 4 + 2 bytes are added). Returns the number of bytes appended. */
size_t base64_decode_update(struct base64_decoder *d, const char *in, size_t len, struct buf *out);

/* base64_decode_finish: end of input. Flushes an incomplete final quantum
 * the lenient way (two characters give one byte, three give two) and resets
 * the pending state. Returns 1 when the input ended on a quantum boundary,
 * 0 when it was truncated (BASE64_TRUNCATED is then set). */
int base64_decode_finish(struct base64_decoder *d, struct buf *out);

/* base64_decode: one-shot decoding of in into out. Returns 1 when the input
 * was clean, 0 when it had defects (out then holds what could be decoded). */
int base64_decode(const char *in, size_t len, struct buf *out);

#endif
