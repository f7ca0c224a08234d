/* policy_proto.h: Postfix's policy delegation protocol (SMTPD_POLICY_README),
 * both sides.
 *
 * A request is a list of "name=value" lines ended by an empty line, the
 * first being "request=smtpd_access_policy"; the reply is "action=..." and
 * an empty line. Names and values are plain text (no quoting); a value ends
 * at the newline. As Postfix sends it, every attribute is a string.
 *
 * The parser is incremental and bounded: it accepts input in any chunk
 * size, never buffers more than one line, enforces limits on line length,
 * attribute count and message size, and never reads sockets. The same
 * parser reads requests (server side) and replies (client side). A trailing
 * CR is removed from each line, so a request typed with telnet works.
 */
#ifndef POSTERN_POLICY_PROTO_H
#define POSTERN_POLICY_PROTO_H

#include <stddef.h>

struct buf;

/* ---- Attribute lists ---- */

struct policy_attr {
	char *name;
	char *value; /* in the same allocation as name: never freed alone */
};

/* An ordered list of attributes with unique names, with a hash index of
 * the names (lookups and the duplicate check take constant time). */
struct policy_attrs_block;

struct policy_attrs {
	size_t count;
	struct policy_attr *v;
	size_t size_;	 /* allocated entries */
	size_t *slots_;	 /* open addressing: index + 1 into v, 0 empty */
	size_t n_slots_; /* a power of two, at least twice count */
	struct policy_attrs_block *blocks_; /* the names and values, newest first */
};

/* policy_attrs_new: an empty list; free with policy_attrs_free(). */
struct policy_attrs *policy_attrs_new(void);
/* policy_attrs_free: release *ap and set it to NULL; accepts NULL. */
void policy_attrs_free(struct policy_attrs **ap);
/* policy_attrs_add: append copies of name and value. Returns 1, or -1 with
 * a malloc'd *error_r when the name is empty or holds '=', the name or
 * value holds CR or LF, or the name is already in the list. */
int policy_attrs_add(struct policy_attrs *a, const char *name, const char *value, char **error_r);
/* policy_attrs_get: the value of name (exact, case-sensitive match, as
 * Postfix compares), or NULL. Points into the list. */
const char *policy_attrs_get(const struct policy_attrs *a, const char *name);

/* ---- Parser ---- */

enum policy_kind {
	POLICY_REQUEST, /* must hold request=smtpd_access_policy */
	POLICY_REPLY,	/* must hold action=... */
};

/* Limits; a zero field takes the default. */
struct policy_limits {
	size_t max_line;  /* bytes in one line, without the newline */
	size_t max_attrs; /* attributes in one message */
	size_t max_size;  /* bytes in one message, newlines included */
};
#define POLICY_MAX_LINE_DEFAULT 4096
#define POLICY_MAX_ATTRS_DEFAULT 100
#define POLICY_MAX_SIZE_DEFAULT 65536

struct policy_parser;

/* policy_parser_new: a parser for a stream of messages of one kind; limits
 * NULL means the defaults. Free with policy_parser_free(). */
struct policy_parser *policy_parser_new(enum policy_kind kind, const struct policy_limits *limits);
/* policy_parser_free: release *pp and set it to NULL; accepts NULL. */
void policy_parser_free(struct policy_parser **pp);

/* policy_parser_feed: take bytes from data[0..len) until one message is
 * complete; *consumed_r is set to the bytes taken. Returns 1 when a message
 * is complete, with *attrs_r a new list the caller frees (the rest of data
 * belongs to the next message); 0 when all of data was taken and the
 * message is not complete yet; -1 with a malloc'd *error_r on malformed
 * input: a line without '=', an empty name, a NUL byte, a duplicate name, a
 * limit exceeded, a request without request=smtpd_access_policy or a reply
 * without action. After an error every call fails. */
int policy_parser_feed(struct policy_parser *p, const void *data, size_t len, size_t *consumed_r,
		       struct policy_attrs **attrs_r, char **error_r);
/* policy_parser_pending: 1 if part of a message has been read (so end of
 * input now means a truncated message), else 0. */
int policy_parser_pending(const struct policy_parser *p);

/* ---- Encoders ---- */

/* policy_request_encode: append a request with attrs in their order and the
 * empty line to out (client side). Returns 1, or -1 with a malloc'd
 * *error_r when attrs lack request=smtpd_access_policy or out's bound is
 * reached; out is then unchanged. */
int policy_request_encode(struct buf *out, const struct policy_attrs *attrs, char **error_r);

/* policy_reply_encode: append "action=ACTION" and the empty line to out
 * (server side). Returns 1, or -1 with a malloc'd *error_r when action is
 * empty or holds CR or LF, or out's bound is reached; out is then
 * unchanged. */
int policy_reply_encode(struct buf *out, const char *action, char **error_r);

#endif
