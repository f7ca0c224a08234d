/* addr.h: RFC 5321 envelope addresses, as Postfix's SMTP server reads them.
 *
 * addr_parse_path() reads the path argument of MAIL FROM: and RCPT TO: and
 * yields the address in Postfix's internal form: the local part unquoted
 * ("john doe@example.com" for <"john doe"@example.com>), the null sender
 * as "". addr_quote() turns an internal-form address back into the form
 * SMTP needs (quote_822_local in Postfix).
 *
 * What is accepted. In both modes:
 * - white space before the path is skipped ("MAIL FROM: <a@b>"); the path
 *   ends at the first white space outside <> and "" (what follows is left
 *   for the ESMTP parameters), as Postfix's command tokenizer does;
 * - a source route "@a,@b:" at the start is dropped (RFC 5321 4.1.1.3
 *   says it must be accepted and should be ignored) without checking it;
 * - nested brackets <<a@b>> are the same as <a@b>, and white space
 *   between the tokens inside the brackets is ignored (<user @ example.com>);
 * - the local part may be a dot-string, a quoted string with backslash
 *   escapes, or any run of atoms, quoted strings and the operators . % ! |
 *   (so john..doe@example.com and "a"."b"@c pass, as in Postfix); the
 *   domain is a host name (domain.h rules) or an address literal
 *   [192.0.2.1] / [IPv6:2001:db8::1]; trailing dots after the domain are
 *   removed (Postfix's resolver and cleanup do the same);
 * - a path without a domain (<postmaster>) is accepted, as in Postfix.
 * Default (lenient) mode, Postfix's strict_rfc821_envelopes = no:
 * - the angle brackets may be missing (MAIL FROM:user@example.com);
 * - RFC 822 comments "(...)" are ignored, and so is a phrase before an
 *   inner <address> (<"John" <john@example.com>>);
 * - an address that starts with '@' after the route is removed
 *   (<@example.com>) is accepted.
 * Strict mode (ADDR_STRICT_RFC821, strict_rfc821_envelopes = yes): the
 * brackets are required, and comments, phrases and an address starting
 * with '@' are errors (exactly Postfix's strict checks).
 * Always rejected, in both modes:
 * - two addresses (<a@b c@d>), text after the address, unbalanced
 *   brackets or quotes, the characters , ; where an operator is expected,
 *   and octets that are not well-formed UTF-8 (as Postfix, which with
 *   smtputf8_enable = yes refuses those for the whole command);
 * - where Postfix is more lenient: ASCII control characters anywhere (they
 *   forge log lines and headers), ':' in the local part, an unclosed
 *   comment, and a '>' without '<';
 * - non-ASCII in the domain unless ADDR_SMTPUTF8 (as Postfix), and in the
 *   local part unless ADDR_SMTPUTF8 or ADDR_8BIT_LOCAL (Postfix's default,
 *   strict_smtputf8 = no, is ADDR_8BIT_LOCAL);
 * - a quoted '@' in an address without a domain (<"user@elsewhere">),
 *   which Postfix would route to "elsewhere".
 *
 * Thread-safe; no static buffers.
 */
#ifndef POSTERN_ADDR_H
#define POSTERN_ADDR_H

#include <stddef.h>

#include "buf.h"

/* RFC 5321 4.5.3.1 size limits, in octets of the external (quoted) form. */
#define ADDR_LOCAL_MAX 64
#define ADDR_DOMAIN_MAX 255
#define ADDR_PATH_MAX 256 /* including the angle brackets */

enum addr_flags {
	ADDR_STRICT_RFC821 = 1 << 0,  /* strict_rfc821_envelopes = yes */
	ADDR_SMTPUTF8 = 1 << 1,	      /* the command carried SMTPUTF8 (RFC 6531) */
	ADDR_8BIT_LOCAL = 1 << 2,     /* UTF-8 local part allowed without SMTPUTF8 */
	ADDR_ENFORCE_LIMITS = 1 << 3, /* reject paths over the RFC 5321 limits */
	ADDR_ALLOW_NULL = 1 << 4,     /* <> is allowed (MAIL FROM) */
};

/* Why a path was refused, so the SMTP server can pick its reply. */
enum addr_fail {
	ADDR_FAIL_SYNTAX = 1, /* 501 5.1.3 (RCPT) / 501 5.1.7 (MAIL) */
	ADDR_FAIL_NULL,	      /* <> where not allowed: 501 5.1.3 */
	ADDR_FAIL_UTF8,	      /* non-ASCII without SMTPUTF8: 553 5.6.7 */
	ADDR_FAIL_TOO_LONG,   /* over an RFC 5321 limit: 501 5.1.3 */
};

struct addr {
	char *internal; /* "local@domain", "local", or "" for <> */
	char *local;	/* the local part, unquoted; "" for <> */
	char *domain;	/* the domain ("[192.0.2.1]" for a literal), or NULL */
	int literal;	/* 1 when domain is an address literal */
	int utf8;	/* 1 when the address contains non-ASCII octets */
};

/* addr_parse_path: parse the path at the start of text (the text after
 * "MAIL FROM:" or "RCPT TO:", NUL-terminated, without CRLF) under flags.
 * Returns 1 with *addr_r a new address (caller frees with addr_free()) and,
 * if rest_r is not NULL, *rest_r pointing just after the path (at the ESMTP
 * parameters or the NUL). Returns -1 on a refused path with *error_r a
 * message to free saying what is wrong ("unbalanced <>"; the caller adds the
 * path and the client when it logs it), and *fail_r, if fail_r is
 * not NULL, saying why. */
int addr_parse_path(const char *text, unsigned int flags, struct addr **addr_r, const char **rest_r,
		    enum addr_fail *fail_r, char **error_r);

/* addr_from_internal: split an internal-form address (from the queue or a
 * table) at its last '@'; no syntax check. Caller frees with addr_free(). */
struct addr *addr_from_internal(const char *internal);

/* addr_free: release *ap and set it to NULL; accepts NULL and *ap == NULL. */
void addr_free(struct addr **ap);

/* addr_quote: append to out the external (RFC 5321) form of the internal
 * address, split at its last '@': the local part stays as it is when it is
 * a dot-string (UTF-8 counts as atom text, RFC 6531), else it becomes a
 * quoted string with '"' and '\' escaped. "" gives "\"\"" as in Postfix;
 * use addr_format_path() for "<>". */
void addr_quote(struct buf *out, const char *internal);

/* addr_quote_local: the same for a bare local part (no '@' split). */
void addr_quote_local(struct buf *out, const char *local);

/* addr_format_path: append "<" addr_quote(internal) ">", or "<>" for "". */
void addr_format_path(struct buf *out, const char *internal);

/* addr_unquote: append to out the internal form of an external address, as
 * Postfix's unquote_822_local: quotes and backslashes are removed up to the
 * last unquoted '@'; the domain and a leading source route are copied
 * as they are. No syntax check. */
void addr_unquote(struct buf *out, const char *external);

/* addr_equal: 1 when the internal-form addresses a and b are the same
 * mailbox: local parts equal octet for octet, domains equal ignoring ASCII
 * case. 0 otherwise. */
int addr_equal(const char *a, const char *b);

/* addr_local_is_routed: 1 when a local part still carries routing ('@',
 * '%' or '!'), so the domain is not the final destination: Postfix's
 * RESOLVE_FLAG_ROUTED, which makes reject_unauth_destination refuse
 * "user@elsewhere"@relay.example and user%elsewhere@relay.example for
 * non-local domains. 0 otherwise. */
int addr_local_is_routed(const char *local);

/* Options for addr_split_extension(), from main.cf. */
struct addr_ext_opts {
	const char *delimiters;	   /* recipient_delimiter: any one of these */
	const char *double_bounce; /* double_bounce_sender; NULL: "double-bounce" */
	int owner_request_special; /* owner_request_special (Postfix default 1) */
};

/* addr_split_extension: find the address extension in local as Postfix's
 * split_addr does: at the first character of opts->delimiters, except that
 * postmaster, MAILER-DAEMON and the double-bounce sender are never split,
 * owner-foo and foo-request are not split on '-' when
 * owner_request_special is set, and a local part that starts with a
 * delimiter is not split. Returns 1 with *base_len_r the length of the part
 * before the delimiter (local[*base_len_r] is the delimiter, the extension
 * follows it, possibly empty); 0 when there is no extension. */
int addr_split_extension(const char *local, const struct addr_ext_opts *opts, size_t *base_len_r);

#endif
