/* rfc2231.h: MIME parameter lists (RFC 2045 section 5.1, RFC 2231).
 *
 * Parses the "; name=value" list of a Content-Type or Content-Disposition
 * value. RFC 2231 forms are decoded: "name*=charset'lang'%XX" values are
 * percent-decoded and converted to UTF-8 (see mime_charset.h), and the
 * sections of "name*0", "name*1*", ... are put in order, whatever order they
 * came in, and joined. A parameter is read the way Postfix reads the MIME
 * boundary (the first token after "=", quoted or not), so that Postern and
 * Postfix agree on the structure of a message; when other text follows the
 * value before the next ";", the whole text is kept as well, because some
 * mail readers use it (a file name with a space, unquoted).
 *
 * Bounds: at most RFC2231_MAX_SECTIONS name=value items per list are kept.
 */
#ifndef POSTERN_RFC2231_H
#define POSTERN_RFC2231_H

#include <stddef.h>

#include "header_token.h"

#define RFC2231_MAX_SECTIONS 256

/* Parameter flags. */
#define RFC2231_EXTENDED 0x01 /* given in RFC 2231 form (name* or name*N) */
#define RFC2231_JUNK 0x02     /* text followed the value: see raw */

/* Defects of a list, ORed into rfc2231_params.defects. */
#define RFC2231_SYNTAX 0x01   /* an item that is not name=value, or junk after a value */
#define RFC2231_SECTIONS 0x02 /* missing, duplicate or misnumbered RFC 2231 sections */
#define RFC2231_PERCENT 0x04  /* "%" not followed by two hex digits */
#define RFC2231_CHARSET 0x08  /* unknown charset, or bytes invalid in it */
#define RFC2231_TOO_MANY 0x10 /* more than RFC2231_MAX_SECTIONS items: the rest ignored */
#define RFC2231_UNCLOSED 0x20 /* a quoted string or comment ran to the end */

struct rfc2231_param {
	char *name;  /* lower case, without the RFC 2231 "*" suffixes */
	char *value; /* NUL-terminated (may hold NULs: see value_len) */
	size_t value_len;
	char *raw;	/* RFC2231_JUNK: all text from the value to the next ";" */
	char *charset;	/* RFC 2231 charset, or NULL */
	char *language; /* RFC 2231 language, or NULL */
	unsigned flags; /* RFC2231_EXTENDED, RFC2231_JUNK */
};

struct rfc2231_params {
	struct rfc2231_param *v; /* in order of first appearance */
	size_t count;
	size_t bytes;	  /* memory the list holds, for callers that bound it */
	unsigned defects; /* RFC2231_SYNTAX ... */
};

/* rfc2231_params_init: an empty list. */
void rfc2231_params_init(struct rfc2231_params *p);

/* rfc2231_params_deinit: free every parameter; the list is empty after. */
void rfc2231_params_deinit(struct rfc2231_params *p);

/* rfc2231_params_parse: read parameters from lx up to its end, appending
 * them to p. Text before the first ";" (what the caller left of its own
 * value) is skipped and counts as a syntax defect. Never fails: problems are
 * recorded in p->defects. */
void rfc2231_params_parse(struct rfc2231_params *p, struct header_lexer *lx);

/* rfc2231_params_find: the parameter called name (lower case), preferring
 * the RFC 2231 form when both forms are present; NULL when absent. */
const struct rfc2231_param *rfc2231_params_find(const struct rfc2231_params *p, const char *name);

#endif
