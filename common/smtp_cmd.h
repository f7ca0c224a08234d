/* smtp_cmd.h: split an SMTP command line into its verb and arguments, and a
 * MAIL FROM:/RCPT TO: argument into the path and the ESMTP parameters.
 *
 * Works on a line from smtp_line_read() with status SMTP_LINE_OK (so no NUL,
 * CR or LF inside). Results point into that line: nothing is copied. The
 * path is kept as the client wrote it; the address parser (addr.h) decides
 * what it means; the parameters go to smtp_params.h.
 *
 * Accepted like Postfix: the verb in any case; SP or TAB runs between
 * words; "MAIL FROM:<a@b>" and "MAIL FROM: <a@b>" (a space after the colon,
 * which RFC 5321 forbids but many clients send, even with
 * strict_rfc821_envelopes); with strict_rfc821_envelopes = no also a path
 * without angle brackets ("MAIL FROM:a@b"). Refused like Postfix: "MAIL
 * FROM :<a@b>" and a missing path (SMTP_R_SYNTAX_MAIL / _RCPT); "<a@b>SIZE=1"
 * (no space after '>') and an unterminated '<' (SMTP_R_BAD_SENDER /
 * _BAD_RCPT). With strict, a path without brackets or with unquoted white
 * space inside the brackets (an RFC 822 comment or phrase) is refused with
 * SMTP_R_BAD_SENDER / _BAD_RCPT.
 */
#ifndef POSTERN_SMTP_CMD_H
#define POSTERN_SMTP_CMD_H

#include <stddef.h>

#include "smtp_reply.h"

enum smtp_verb {
	SMTP_VERB_UNKNOWN,
	SMTP_VERB_HELO,
	SMTP_VERB_EHLO,
	SMTP_VERB_MAIL,
	SMTP_VERB_RCPT,
	SMTP_VERB_DATA,
	SMTP_VERB_BDAT,
	SMTP_VERB_RSET,
	SMTP_VERB_NOOP,
	SMTP_VERB_QUIT,
	SMTP_VERB_VRFY,
	SMTP_VERB_EXPN,
	SMTP_VERB_HELP,
	SMTP_VERB_STARTTLS,
	SMTP_VERB_AUTH,
	SMTP_VERB_ETRN,
	SMTP_VERB__COUNT
};

/* Longest verb kept in struct smtp_cmd.name (longer ones are truncated). */
#define SMTP_VERB_NAME_MAX 16

struct smtp_cmd {
	enum smtp_verb verb;
	char name[SMTP_VERB_NAME_MAX + 1]; /* the verb as sent, upper case, for logs */
	int header_like;		   /* the verb ends in ':' ("Subject:"): Postfix
					      hangs up on such "commands" */
	const char *args;		   /* after the verb and its white space */
	size_t args_len;		   /* without trailing white space */
};

/* smtp_cmd_parse: split line into verb and arguments. 1 on success, -1 for
 * an empty or all-white-space line (reply SMTP_R_BAD_SYNTAX, as Postfix). */
int smtp_cmd_parse(const char *line, struct smtp_cmd *cmd_r);
/* smtp_verb_name: "MAIL", ...; "UNKNOWN" for SMTP_VERB_UNKNOWN (static). */
const char *smtp_verb_name(enum smtp_verb verb);

struct smtp_path {
	const char *path; /* the path as sent, with its angle brackets if any */
	size_t path_len;
	int bracketed;	    /* the path was written as <...> */
	const char *params; /* the ESMTP parameters (NUL-terminated), "" if none */
	size_t params_len;  /* without trailing white space */
};

/* smtp_cmd_path: for a MAIL or RCPT command (a bug otherwise: panic), find
 * "FROM:" / "TO:" and the path and parameters after it; strict is
 * strict_rfc821_envelopes. 1 on success; -1 with *reply_r the reply to send
 * (see the top of this file). */
int smtp_cmd_path(const struct smtp_cmd *cmd, int strict, struct smtp_path *path_r,
		  enum smtp_reply_id *reply_r);

#endif
