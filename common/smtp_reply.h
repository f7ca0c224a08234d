/* smtp_reply.h: SMTP replies: the table of replies Postern sends, reply
 * objects, their wire format, and parsing of reply texts given by access
 * tables, policy services and milters.
 *
 * Every reply the relay sends comes from one table (smtp_reply_table.c),
 * named by an enum smtp_reply_id, so callers never write reply codes or
 * enhanced status codes as literals. Where Postfix 3.7 answers the same
 * situation, the table uses Postfix's code, RFC 3463 enhanced status code and
 * text, so logs and client behaviour stay familiar.
 *
 * A reply text may hold "%s" placeholders; smtp_reply_new() fills them from
 * its arguments, replacing control characters (CR, LF, ...) by '?' so a
 * client-supplied argument can never inject a reply line.
 *
 * Wire format (smtp_reply_format): one "NNN-" line per text line but the
 * last ("NNN "), each carrying the enhanced status code when enhanced status
 * codes are on, ended by CRLF, no line longer than 512 octets (RFC 5321
 * 4.5.3.1.5): longer text lines are split at white space (or, without white
 * space, at a UTF-8 character boundary).
 */
#ifndef POSTERN_SMTP_REPLY_H
#define POSTERN_SMTP_REPLY_H

#include <stddef.h>

#include "buf.h"

/* RFC 5321 4.5.3.1.5: a reply line, CRLF included. */
#define SMTP_REPLY_LINE_MAX 512
/* Longest enhanced status code "C.SSS.DDD" (RFC 3463) plus its NUL. */
#define SMTP_DSN_SIZE 10

enum smtp_reply_id {
	/* Positive completion and intermediate replies. */
	SMTP_R_GREETING,	  /* 220 %s (the banner) */
	SMTP_R_HELO,		  /* 250 %s (our hostname) */
	SMTP_R_EHLO,		  /* 250 %s; keywords are added with smtp_reply_add_line */
	SMTP_R_OK,		  /* 250 2.0.0 Ok */
	SMTP_R_MAIL_OK,		  /* 250 2.1.0 Ok */
	SMTP_R_RCPT_OK,		  /* 250 2.1.5 Ok */
	SMTP_R_QUEUED,		  /* 250 2.0.0 Ok: queued as %s */
	SMTP_R_BDAT_OK,		  /* 250 2.0.0 Ok: %s bytes */
	SMTP_R_BDAT_QUEUED,	  /* 250 2.0.0 Ok: %s bytes queued as %s */
	SMTP_R_VRFY_CANNOT,	  /* 252 2.0.0 %s */
	SMTP_R_HELP,		  /* 214 2.0.0 %s */
	SMTP_R_BYE,		  /* 221 2.0.0 Bye */
	SMTP_R_FORBIDDEN_COMMAND, /* 221 2.7.0 Error: I can break rules, too. Goodbye. */
	SMTP_R_STARTTLS_READY,	  /* 220 2.0.0 Ready to start TLS */
	SMTP_R_AUTH_OK,		  /* 235 2.7.0 Authentication successful */
	SMTP_R_AUTH_CHALLENGE,	  /* 334 %s */
	SMTP_R_DATA_GO,		  /* 354 End data with <CR><LF>.<CR><LF> */

	/* Session-ending and temporary failures. */
	SMTP_R_TIMEOUT,		     /* 421 4.4.2 %s Error: timeout exceeded */
	SMTP_R_TOO_MANY_ERRORS,	     /* 421 4.7.0 %s Error: too many errors */
	SMTP_R_TOO_MANY_CONNECTIONS, /* 421 4.7.0 %s Error: too many connections from %s */
	SMTP_R_UNAVAILABLE,	     /* 421 %s Service unavailable - try again later */
	SMTP_R_PORTS_BUSY,	     /* 421 4.3.2 All server ports are busy */
	SMTP_R_RATE_RCPT,	     /* 450 4.7.1 Error: too many recipients from %s */
	SMTP_R_RATE_MAIL,	     /* 450 4.7.1 Error: too much mail from %s */
	SMTP_R_RATE_AUTH,	     /* 450 4.7.1 Error: too many AUTH commands from %s */
	SMTP_R_PLAINTEXT,	     /* 450 4.7.1 Session encryption is required */
	SMTP_R_TEMPFAIL,	     /* 451 4.7.1 Service unavailable - try again later */
	SMTP_R_TEMP_LOOKUP,	     /* 451 4.3.0 <%s>: Temporary lookup failure */
	SMTP_R_CONFIG_ERROR,	     /* 451 4.3.5 Server configuration error */
	SMTP_R_QUEUE_WRITE,	     /* 451 4.3.0 Error: queue file write error */
	SMTP_R_TEMP_FAILURE,	     /* 451 4.3.0 Error: temporary lookup failure */
	SMTP_R_ALIAS_EXPANSION,	     /* 451 4.6.0 Alias expansion error */
	SMTP_R_INTERNAL_ERROR,	     /* 451 4.3.0 Error: internal error */
	SMTP_R_INSUFFICIENT_STORAGE, /* 452 4.3.1 Insufficient system storage */
	SMTP_R_TOO_MANY_RCPTS,	     /* 452 4.5.3 Error: too many recipients */
	SMTP_R_TLS_UNAVAILABLE,	     /* 454 4.7.0 TLS not available due to local problem */
	SMTP_R_AUTH_TEMPFAIL,	     /* 454 4.7.0 Temporary authentication failure: %s */

	/* Syntax and sequence errors. */
	SMTP_R_BAD_SYNTAX,	   /* 500 5.5.2 Error: bad syntax */
	SMTP_R_UNKNOWN_COMMAND,	   /* 500 5.5.2 Error: command not recognized */
	SMTP_R_LINE_TOO_LONG,	   /* 500 5.5.2 Error: line too long */
	SMTP_R_BAD_UTF8,	   /* 500 5.5.2 Error: bad UTF-8 syntax */
	SMTP_R_AUTH_LINE_TOO_LONG, /* 500 5.5.6 SASL response limit exceeded */
	SMTP_R_BARE_LF,		   /* 550 5.5.2 %s Error: bare <LF> received */
	SMTP_R_BARE_CR,		   /* 550 5.5.2 %s Error: bare <CR> received */
	SMTP_R_SYNTAX_HELO,	   /* 501 Syntax: HELO hostname */
	SMTP_R_SYNTAX_EHLO,	   /* 501 Syntax: EHLO hostname */
	SMTP_R_SYNTAX_MAIL,	   /* 501 5.5.4 Syntax: MAIL FROM:<address> */
	SMTP_R_SYNTAX_RCPT,	   /* 501 5.5.4 Syntax: RCPT TO:<address> */
	SMTP_R_SYNTAX_DATA,	   /* 501 5.5.4 Syntax: DATA */
	SMTP_R_SYNTAX_RSET,	   /* 501 5.5.4 Syntax: RSET */
	SMTP_R_SYNTAX_STARTTLS,	   /* 501 5.5.4 Syntax: STARTTLS */
	SMTP_R_SYNTAX_AUTH,	   /* 501 5.5.4 Syntax: AUTH mechanism */
	SMTP_R_SYNTAX_VRFY,	   /* 501 5.5.4 Syntax: VRFY address */
	SMTP_R_SYNTAX_VRFY_UTF8,   /* 501 5.5.4 Syntax: VRFY address [SMTPUTF8] */
	SMTP_R_SYNTAX_BDAT,	   /* 521 5.5.4 Syntax: BDAT count [LAST] */
	SMTP_R_BAD_SENDER,	   /* 501 5.1.7 Bad sender address syntax */
	SMTP_R_BAD_RCPT,	   /* 501 5.1.3 Bad recipient address syntax */
	SMTP_R_BAD_SIZE,	   /* 501 5.5.4 Bad message size syntax */
	SMTP_R_BAD_RET,		   /* 501 5.5.4 Bad RET parameter syntax */
	SMTP_R_BAD_ENVID,	   /* 501 5.5.4 Bad ENVID parameter syntax */
	SMTP_R_BAD_AUTH_PARAM,	   /* 501 5.5.4 Bad AUTH parameter syntax */
	SMTP_R_BAD_NOTIFY,	   /* 501 5.5.4 Error: Bad NOTIFY parameter syntax */
	SMTP_R_BAD_ORCPT,	   /* 501 5.5.4 Error: Bad ORCPT parameter syntax */
	SMTP_R_DUP_PARAM,	   /* 501 5.5.4 Error: duplicate %s parameter */
	SMTP_R_DUP_AUTH_PARAM,	   /* 503 5.5.4 Error: multiple AUTH= options */
	SMTP_R_DSN_DISABLED,	   /* 501 5.7.1 DSN support is disabled */
	SMTP_R_UNSUPPORTED_OPTION, /* 555 5.5.4 Unsupported option: %s */
	SMTP_R_NOT_IMPLEMENTED,	   /* 502 5.5.1 Error: command not implemented */
	SMTP_R_VRFY_DISABLED,	   /* 502 5.5.1 VRFY command is disabled */
	SMTP_R_NEED_HELO,	   /* 503 5.5.1 Error: send HELO/EHLO first */
	SMTP_R_NESTED_MAIL,	   /* 503 5.5.1 Error: nested MAIL command */
	SMTP_R_NEED_MAIL,	   /* 503 5.5.1 Error: need MAIL command */
	SMTP_R_NEED_RCPT,	   /* 503 5.5.1 Error: need RCPT command */
	SMTP_R_DATA_AFTER_BDAT,	   /* 503 5.5.1 Error: DATA after BDAT */
	SMTP_R_MAIL_AFTER_BDAT,	   /* 503 5.5.1 Error: MAIL after BDAT */
	SMTP_R_RCPT_AFTER_BDAT,	   /* 503 5.5.1 Error: RCPT after BDAT */
	SMTP_R_AUTH_NOT_ENABLED,   /* 503 5.5.1 Error: authentication not enabled */
	SMTP_R_AUTH_ALREADY,	   /* 503 5.5.1 Error: already authenticated */
	SMTP_R_AUTH_IN_MAIL,	   /* 503 5.5.1 Error: MAIL transaction in progress */
	SMTP_R_UNAUTH_PIPELINING,  /* 503 5.5.0 <%s>: %s rejected: Improper use of SMTP command
				      pipelining */
	SMTP_R_PIPELINING_SYNC,	   /* 554 5.5.0 Error: SMTP protocol synchronization */
	SMTP_R_TLS_ACTIVE,	   /* 554 5.5.1 Error: TLS already active */
	SMTP_R_NO_VALID_RCPT,	   /* 554 5.5.1 Error: no valid recipients */
	SMTP_R_STARTTLS_FIRST,	   /* 530 5.7.0 Must issue a STARTTLS command first */
	SMTP_R_CLIENT_DENIED,	   /* 503 5.7.0 Error: access denied for %s */
	SMTP_R_AUTH_ABORTED,	   /* 501 5.7.0 Authentication aborted */
	SMTP_R_AUTH_NEEDS_TLS,	   /* 504 5.5.4 Encryption required for requested authentication
				      mechanism */
	SMTP_R_AUTH_FAILED,	   /* 535 5.7.8 Error: authentication failed: %s */

	/* Message content. */
	SMTP_R_SIZE_EXCEEDED,	/* 552 5.3.4 Message size exceeds fixed limit */
	SMTP_R_MESSAGE_TOO_BIG, /* 552 5.3.4 Error: message file too big */
	SMTP_R_HEADER_EXCEEDED, /* 552 5.3.4 Message header size exceeds fixed limit */
	SMTP_R_CHUNK_EXCEEDED,	/* 552 5.3.4 Chunk exceeds message size limit */
	SMTP_R_BDAT_DISCARDED,	/* 551 5.0.0 Discarded %s bytes after earlier error */
	SMTP_R_NULL_BDAT,	/* 551 5.7.1 Null BDAT request */
	SMTP_R_8BIT_HEADER,	/* 550 5.6.0 Error: improper use of 8-bit data in message header */
	SMTP_R_8BIT_BODY,	/* 550 5.6.0 Error: improper use of 8-bit data in message body */
	SMTP_R_SMTPUTF8_REQUIRED, /* 553 5.6.7 Must declare SMTPUTF8 to send unicode address */
	SMTP_R_TOO_MANY_HOPS,	  /* 554 5.4.0 Error: too many hops */
	SMTP_R_MILTER_REJECT,	  /* 550 5.7.1 Command rejected */

	/* Restrictions (the code is often configurable: smtp_reply_set_code). */
	SMTP_R_RELAY_DENIED,	 /* 554 5.7.1 <%s>: Relay access denied */
	SMTP_R_SENDER_NOT_OWNED, /* 553 5.7.1 <%s>: Sender address rejected: not owned by user %s */
	SMTP_R_SENDER_NOT_LOGGED_IN, /* 553 5.7.1 <%s>: Sender address rejected: not logged in */
	SMTP_R_ACCESS_DENIED,	     /* 554 5.7.1 <%s>: %s rejected: Access denied */
	SMTP_R_ACCESS_DEFER,	     /* 450 4.7.1 <%s>: %s rejected: Access denied */
	SMTP_R_DEFER_SERVICE,	     /* 450 4.7.1 <%s>: %s rejected: Service unavailable */
	SMTP_R_USER_UNKNOWN, /* 550 5.1.1 <%s>: Recipient address rejected: User unknown in %s */
	SMTP_R_NON_FQDN_ADDRESS, /* 504 5.5.2 <%s>: %s rejected: need fully-qualified address */
	SMTP_R_NON_FQDN_HOST,	 /* 504 5.5.2 <%s>: %s rejected: need fully-qualified hostname */
	SMTP_R_INVALID_HOST,	 /* 501 5.5.2 <%s>: %s rejected: Invalid name */
	SMTP_R_UNKNOWN_HOST,	 /* 450 4.7.1 <%s>: %s rejected: Host not found */
	SMTP_R_SENDER_DOMAIN_UNKNOWN, /* 450 4.1.8 <%s>: Sender address rejected: Domain not found
				       */
	SMTP_R_RCPT_DOMAIN_UNKNOWN, /* 450 4.1.2 <%s>: Recipient address rejected: Domain not found
				     */
	SMTP_R_UNKNOWN_CLIENT, /* 450 4.7.25 Client host rejected: cannot find your hostname, [%s]
				*/
	SMTP_R_UNKNOWN_REVERSE_CLIENT, /* 450 4.7.1 Client host rejected: cannot find your reverse
					  hostname, [%s] */
	SMTP_R_RBL, /* 554 5.7.1 Service unavailable; %s [%s] blocked using %s%s */

	SMTP_R__COUNT
};

/* One table entry. dsn is NULL for replies that carry no enhanced status
 * code (the greeting and the HELO/EHLO replies, RFC 2034 section 3, and
 * Postfix's 501 HELO/EHLO syntax replies). */
struct smtp_reply_def {
	const char *name; /* symbolic name for logs and tests, e.g. "relay_denied" */
	int code;
	const char *dsn;
	const char *text; /* may hold "%s" placeholders */
};

/* smtp_reply_def: the table entry for id (static storage; never NULL for a
 * valid id, a bug otherwise: panics). */
const struct smtp_reply_def *smtp_reply_def(enum smtp_reply_id id);
/* smtp_reply_def_nargs: how many "%s" placeholders the entry's text has. */
int smtp_reply_def_nargs(const struct smtp_reply_def *def);

/* A concrete reply. text holds the reply's text lines separated by '\n'
 * (no code, no enhanced status code, no CRLF); it is never empty: at least
 * one (possibly empty) line. */
struct smtp_reply {
	int code;		 /* 200..599 */
	char dsn[SMTP_DSN_SIZE]; /* "5.7.1", or "" when the reply has none */
	struct buf text;
};

/* smtp_reply_new: the reply for table entry id, its "%s" placeholders filled,
 * in order, from the const char * arguments, which end with a NULL. The
 * number of arguments must match the entry (a mismatch is a bug: panic).
 * Control characters in arguments become '?'. Caller frees with
 * smtp_reply_free(). */
struct smtp_reply *smtp_reply_new(enum smtp_reply_id id, ...) __attribute__((sentinel));
/* smtp_reply_custom: a reply from parts, for texts that are not in the table
 * (e.g. one relayed from a peer). dsn may be NULL or "" for none, else must
 * be valid (a bug otherwise: panic); its class digit is forced to the code's
 * first digit. The text is sanitized as for arguments; '\n' separates lines.
 * code must be 200..599 (panic otherwise). Caller frees. */
struct smtp_reply *smtp_reply_custom(int code, const char *dsn, const char *text);
/* smtp_reply_free: release *rp and clear it; accepts NULL and *rp == NULL. */
void smtp_reply_free(struct smtp_reply **rp);

/* smtp_reply_set_code: replace the code (e.g. with a configured
 * *_reject_code, or 4xx for soft_bounce), forcing the enhanced status code's
 * class digit to match, as Postfix does. 1 on success, -1 (reply unchanged)
 * when code is not 200..599. */
int smtp_reply_set_code(struct smtp_reply *r, int code);
/* smtp_reply_add_line: append one more text line (sanitized; a '\n' inside
 * line also starts a new line). */
void smtp_reply_add_line(struct smtp_reply *r, const char *line);

/* Flags for smtp_reply_format. */
#define SMTP_REPLY_ENHANCED 0x01 /* ENHANCEDSTATUSCODES: put the code on each line */

/* smtp_reply_format: append the reply's wire form (see the top of this
 * file) to out. 1 on success, -1 when out's size bound was reached (out
 * then holds a truncated reply, which must not be sent). */
int smtp_reply_format(const struct smtp_reply *r, unsigned flags, struct buf *out);
/* smtp_reply_to_string: the reply on one line for logs, "NNN D.D.D text"
 * with multi-line text joined by spaces. Caller frees. */
char *smtp_reply_to_string(const struct smtp_reply *r);

/* smtp_dsn_valid: length of the RFC 3463 enhanced status code at the start
 * of s ("C.SSS.DDD": C in 2, 4, 5; 1-3 digits each for subject and detail),
 * which must be followed by white space or the end of s; 0 when there is
 * none. */
size_t smtp_dsn_valid(const char *s);

/* smtp_reply_parse: parse a reply text given by an access table, a policy
 * service or a milter: "NNN text", "NNN D.D.D text", or, from a milter,
 * several lines "NNN-D.D.D text\r\n...NNN D.D.D text" (CRLF or LF).
 * NNN must be 4xx or 5xx and, on every line, the same. An enhanced status
 * code, when present, is validated and its class digit forced to NNN's first
 * digit; when absent it is derived as Postfix does for access tables and
 * policy replies: "4.7.1" for 4xx, "5.7.1" for 5xx. The text may be empty
 * (Postfix callers then say "Access denied" in their own wording). 1 with
 * *reply_r (caller frees), or -1 with *error_r (caller frees). */
int smtp_reply_parse(const char *text, struct smtp_reply **reply_r, char **error_r);

#endif
