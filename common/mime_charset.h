/* mime_charset.h: convert text in a MIME charset to UTF-8.
 *
 * UTF-8, US-ASCII and ISO-8859-1 are converted here; every other charset
 * goes through glibc's iconv (a converter per call, so this is thread-safe).
 * Charset names are matched case-insensitively; names with characters that
 * no registered charset uses (such as iconv's "//" suffixes) are refused.
 * Byte sequences that are invalid in the charset become U+FFFD.
 */
#ifndef POSTERN_MIME_CHARSET_H
#define POSTERN_MIME_CHARSET_H

#include <stddef.h>

#include "buf.h"

/* mime_charset_to_utf8: append the UTF-8 form of in (len bytes in charset)
 * to out. Returns 1 when the text converted cleanly; -1 when some bytes were
 * invalid and were replaced with U+FFFD; 0 when the charset is unknown (out
 * then gets the input bytes unchanged). */
int mime_charset_to_utf8(const char *charset, const char *in, size_t len, struct buf *out);

/* mime_utf8_valid: 1 when the len bytes at s are well-formed UTF-8 (no
 * overlong forms, no surrogates), else 0. */
int mime_utf8_valid(const char *s, size_t len);

#endif
