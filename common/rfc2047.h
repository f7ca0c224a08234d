/* rfc2047.h: decode RFC 2047 encoded words ("=?charset?B?...?=" and
 * "=?charset?Q?...?=") in header text and file names to UTF-8.
 *
 * Text outside encoded words is copied unchanged. White space between two
 * adjacent encoded words is dropped, and adjacent words in the same charset
 * are decoded together, so a character split across two words (which
 * RFC 2047 forbids but mail software produces) comes out whole. The decoder
 * is lenient where mail readers are: encoded words are recognized inside
 * quoted strings and next to other text, the RFC 2231 language suffix
 * ("=?utf-8*en?Q?...?=") is accepted, and missing base64 padding is
 * tolerated. A word that cannot be decoded is kept as it was.
 */
#ifndef POSTERN_RFC2047_H
#define POSTERN_RFC2047_H

#include <stddef.h>

#include "buf.h"

/* What happened, ORed into *flags_r. */
#define RFC2047_DECODED 0x01	     /* at least one encoded word was decoded */
#define RFC2047_UNKNOWN_CHARSET 0x02 /* a word in an unknown charset was kept as is */
#define RFC2047_INVALID 0x04	     /* bytes invalid in their charset became U+FFFD */
#define RFC2047_BAD_ENCODING 0x08    /* malformed base64 or Q text (decoded leniently) */

/* rfc2047_decode: append the decoded form of the len bytes at s to out.
 * *flags_r (may be NULL) gets the RFC2047_* flags. Returns 1 when every
 * encoded word decoded cleanly (or there was none), -1 when a word was kept
 * undecoded or had bad bytes or encoding (see the flags). */
int rfc2047_decode(const char *s, size_t len, struct buf *out, unsigned *flags_r);

#endif
