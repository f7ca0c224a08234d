/* header_token.h: split a structured header value into RFC 822/2045 tokens.
 *
 * Linear white space (folding newlines included) separates tokens and is
 * skipped, comments are skipped (they nest, and may hold quoted pairs),
 * quoted strings become one token with the quoted pairs resolved. Any
 * character in the caller's specials, and any control character, is a
 * token of its own. The rules follow Postfix's header_token(3) so that the
 * MIME structure Postern sees is the one Postfix sees: eight-bit bytes are
 * ordinary token characters, and inside a quoted string a folding newline
 * removes the white space before it.
 */
#ifndef POSTERN_HEADER_TOKEN_H
#define POSTERN_HEADER_TOKEN_H

#include <stddef.h>

#include "buf.h"

/* RFC 822 specials, for address lists and message ids. */
#define HEADER_RFC822_SPECIALS "()<>@,;:\\\".[]"
/* RFC 2045 tspecials, for Content-Type and Content-Disposition. */
#define HEADER_TSPECIALS "()<>@,;:\\\"/[]?="

enum header_token_type {
	HEADER_TOKEN_END,     /* no more input */
	HEADER_TOKEN_ATOM,    /* a run of ordinary characters */
	HEADER_TOKEN_QSTRING, /* a quoted string */
	HEADER_TOKEN_SPECIAL, /* one special or control character */
};

/* Defects, ORed into header_lexer.defects. */
#define HEADER_TOKEN_UNCLOSED 0x01 /* a quoted string or comment ran to the end */

struct header_lexer {
	const char *s; /* input, not NUL-terminated */
	size_t len;
	size_t pos;	      /* next byte to read */
	const char *specials; /* NUL-terminated set */
	unsigned defects;
};

/* header_lexer_init: tokenize len bytes at s; the lexer points into s, which
 * must outlive it. */
void header_lexer_init(struct header_lexer *lx, const char *s, size_t len, const char *specials);

/* header_token_next: read the next token. For ATOM and QSTRING the value
 * replaces the contents of value (a NUL-terminated copy); for SPECIAL, value
 * holds the one character. *start_r (may be NULL) gets the offset in s
 * where the token starts. Returns the token type, HEADER_TOKEN_END at the
 * end of input. */
enum header_token_type header_token_next(struct header_lexer *lx, struct buf *value,
					 size_t *start_r);

#endif
