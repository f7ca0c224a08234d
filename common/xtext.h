/* xtext.h: the xtext encodings of DSN parameters: RFC 3461 xtext (ENVID,
 * ORCPT of type rfc822, AUTH=) and RFC 6533 utf-8-addr-xtext and
 * utf-8-addr-unitext (ORCPT of type utf-8).
 *
 * Decoding is strict about what may appear raw but, like Postfix, accepts
 * lower-case hex digits after '+' (RFC 3461 asks for upper case; encoders
 * here always write upper case). A decoded NUL ("+00", "\x{0}") is refused:
 * the values are addresses and identifiers that travel as C strings.
 */
#ifndef POSTERN_XTEXT_H
#define POSTERN_XTEXT_H

#include <stddef.h>

#include "buf.h"

/* xtext_decode: decode RFC 3461 xtext in[0..len) and append the bytes to
 * out. 1 on success; -1 when in is not valid xtext (a character outside
 * '!'..'~', a raw '=', a '+' not followed by two hex digits, an encoded NUL)
 * or out's bound was reached; then *error_r, when error_r is not NULL, says
 * why (caller frees) and out holds a partial result. */
int xtext_decode(const char *in, size_t len, struct buf *out, char **error_r);
/* xtext_encode: append the RFC 3461 xtext form of in[0..len) to out: bytes
 * outside '!'..'~', '+' and '=' become "+XX". 1, or -1 when out's bound was
 * reached. */
int xtext_encode(const char *in, size_t len, struct buf *out);

/* xtext_utf8_decode: decode an RFC 6533 utf-8-addr-xtext (allow_utf8 == 0:
 * ASCII only, "\x{HEX}" for anything else) or utf-8-addr-unitext
 * (allow_utf8 != 0, when SMTPUTF8 was negotiated: well-formed UTF-8 may also
 * appear raw) and append the UTF-8 result to out. Raw '+', '=', '\' (other
 * than in "\x{"), controls, space and DEL are refused; "\x{HEX}" must give a
 * Unicode scalar value other than NUL, with no leading zero beyond two
 * digits, and may stand for an ASCII character only when that character
 * cannot appear raw. 1 or -1 as for xtext_decode. */
int xtext_utf8_decode(const char *in, size_t len, int allow_utf8, struct buf *out, char **error_r);
/* xtext_utf8_encode: append the utf-8-addr-xtext form (pure ASCII) of the
 * UTF-8 string in[0..len) to out. 1 on success; -1 when in is not
 * well-formed UTF-8 or out's bound was reached. */
int xtext_utf8_encode(const char *in, size_t len, struct buf *out);

#endif
