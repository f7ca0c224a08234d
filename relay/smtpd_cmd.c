/* smtpd_cmd.c: the command table of posternd's SMTP server: one command
 * line is checked (damaged lines, forbidden commands), counted for the
 * disconnect log line and handed to its handler; the commands without
 * state of their own (RSET, NOOP, QUIT, VRFY, HELP) are answered here.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "mem.h"
#include "milter_client_smtpd.h"
#include "sasl_session.h"
#include "smtpd_private.h"
#include "smtpd_tls_session.h"

/* smtpd_cmd_junk: Postfix's smtpd_junk_command_limit: NOOP, VRFY, ETRN
 * and RSET beyond the limit count as errors. */
static void smtpd_cmd_junk(struct smtpd_session *s)
{
	if (s->junk_count++ > (unsigned)s->lconf->junk_command_limit)
		s->error_count++;
}

static void smtpd_cmd_rset(struct smtpd_session *s, const struct smtp_cmd *cmd)
{
	if (cmd->args_len > 0) {
		smtpd_reply(s, SMTP_R_SYNTAX_RSET, NULL);
		return;
	}
	smtpd_txn_reset(s);
	smtpd_reply(s, SMTP_R_OK, NULL);
	smtpd_cmd_junk(s);
}

static void smtpd_cmd_vrfy(struct smtpd_session *s, const struct smtp_cmd *cmd)
{
	if (s->lconf->disable_vrfy_command) {
		smtpd_reply(s, SMTP_R_VRFY_DISABLED, NULL);
		return;
	}
	if (cmd->args_len == 0) {
		smtpd_reply(
			s, s->lconf->smtputf8_enable ? SMTP_R_SYNTAX_VRFY_UTF8 : SMTP_R_SYNTAX_VRFY,
			NULL);
		return;
	}
	/* A relay cannot tell whether a remote address exists: RFC 5321's
	 * "cannot verify, but will accept and attempt delivery". */
	char *arg = xstrndup(cmd->args, cmd->args_len);
	smtpd_reply(s, SMTP_R_VRFY_CANNOT, arg, NULL);
	free(arg);
	smtpd_cmd_junk(s);
}

static void smtpd_cmd_help(struct smtpd_session *s)
{
	smtpd_reply(s, SMTP_R_HELP,
		    "Commands: EHLO HELO MAIL RCPT DATA RSET NOOP QUIT VRFY HELP; see RFC 5321",
		    NULL);
}

/* smtpd_cmd_bad_line: a line the reader flagged. */
static void smtpd_cmd_bad_line(struct smtpd_session *s, enum smtp_line_status status)
{
	switch (status) {
	case SMTP_LINE_TOO_LONG:
		smtpd_reply(s, SMTP_R_LINE_TOO_LONG, NULL);
		break;
	case SMTP_LINE_BARE_LF: {
		/* As Postfix: logged against the last command, and the end. */
		struct smtp_reply *r = smtp_reply_new(SMTP_R_BARE_LF, s->lconf->myhostname, NULL);
		smtp_reply_set_code(r, s->lconf->bare_newline_reject_code);
		smtpd_reply_send(s, r);
		smtp_reply_free(&r);
		smtpd_log_reject(s, s->last_cmd, "bare <LF> received");
		smtpd_session_close(s);
		break;
	}
	default:
		smtpd_reply(s, SMTP_R_BAD_SYNTAX, NULL);
		break;
	}
}

/* smtpd_cmd_unknown: a command we do not know; Postfix hangs up on
 * smtpd_forbidden_commands and on header lines sent as commands, and
 * asks the milters about the others. */
static void smtpd_cmd_unknown(struct smtpd_session *s, const struct smtp_cmd *cmd, const char *line)
{
	char verb[SMTP_VERB_NAME_MAX + 1];
	size_t n = strcspn(line, " \t");
	snprintf(verb, sizeof(verb), "%.*s", (int)(n < SMTP_VERB_NAME_MAX ? n : SMTP_VERB_NAME_MAX),
		 line);
	if (cmd->header_like || smtpd_conf_forbidden(s->lconf, verb)) {
		log_warn("non-SMTP command from %s: %.100s", s->namaddr, line);
		smtpd_reply(s, SMTP_R_FORBIDDEN_COMMAND, NULL);
		smtpd_session_close(s);
		return;
	}
	if (!milter_client_smtpd_unknown(s, line))
		smtpd_reply(s, SMTP_R_UNKNOWN_COMMAND, NULL);
}

/* smtpd_cmd_must_wait: commands after which a client must wait for the
 * reply before it sends more (RFC 2920 3.1; Postfix's
 * SMTPD_CMD_FLAG_LAST). */
static int smtpd_cmd_must_wait(enum smtp_verb verb)
{
	switch (verb) {
	case SMTP_VERB_HELO:
	case SMTP_VERB_EHLO:
	case SMTP_VERB_DATA:
	case SMTP_VERB_STARTTLS:
	case SMTP_VERB_AUTH:
	case SMTP_VERB_NOOP:
	case SMTP_VERB_VRFY:
	case SMTP_VERB_EXPN:
	case SMTP_VERB_ETRN:
	case SMTP_VERB_HELP:
	case SMTP_VERB_QUIT:
		return 1;
	default:
		return 0;
	}
}

void smtpd_cmd_dispatch(struct smtpd_session *s, const char *line, enum smtp_line_status status,
			int more)
{
	if (sasl_session_input(s, line, status))
		return;
	struct smtp_cmd cmd;
	int parsed = status == SMTP_LINE_OK ? smtp_cmd_parse(line, &cmd) : -1;
	enum smtp_verb verb = parsed > 0 ? cmd.verb : SMTP_VERB_UNKNOWN;
	if (status == SMTP_LINE_BARE_LF) {
		/* Postfix hangs up without counting the line as a command. */
		smtpd_cmd_bad_line(s, status);
		return;
	}
	s->counts[verb].total++;
	s->total.total++;
	s->cur_verb = (int)verb;
	s->last_cmd = verb == SMTP_VERB_UNKNOWN ? "UNKNOWN" : smtp_verb_name(verb);
	if (status != SMTP_LINE_OK) {
		smtpd_cmd_bad_line(s, status);
		return;
	}
	if (parsed < 0) {
		smtpd_reply(s, SMTP_R_BAD_SYNTAX, NULL);
		return;
	}
	/* Postfix's SMTPD_FLAG_ILL_PIPELINING, for reject_unauth_pipelining:
	 * the client sent more without waiting where it must wait, or
	 * pipelined at all without ESMTP PIPELINING. */
	if (more && (smtpd_cmd_must_wait(verb) || !s->esmtp ||
		     (s->lconf->discard_ehlo & SMTPD_EHLO_PIPELINING)))
		s->ill_pipelining = 1;
	if (s->access_denied && verb != SMTP_VERB_QUIT) {
		smtpd_reply(s, SMTP_R_CLIENT_DENIED, s->namaddr, NULL);
		return;
	}
	if (smtpd_tls_session_required(s, verb))
		return;
	switch (verb) {
	case SMTP_VERB_HELO:
	case SMTP_VERB_EHLO:
		smtpd_cmd_helo(s, &cmd);
		break;
	case SMTP_VERB_MAIL:
		smtpd_cmd_mail(s, &cmd);
		break;
	case SMTP_VERB_RCPT:
		smtpd_cmd_rcpt(s, &cmd);
		break;
	case SMTP_VERB_DATA:
		smtpd_cmd_data(s, &cmd);
		break;
	case SMTP_VERB_RSET:
		smtpd_cmd_rset(s, &cmd);
		break;
	case SMTP_VERB_NOOP:
		smtpd_reply(s, SMTP_R_OK, NULL);
		smtpd_cmd_junk(s);
		break;
	case SMTP_VERB_QUIT:
		smtpd_reply(s, SMTP_R_BYE, NULL);
		smtpd_session_close(s);
		break;
	case SMTP_VERB_VRFY:
		smtpd_cmd_vrfy(s, &cmd);
		break;
	case SMTP_VERB_HELP:
		smtpd_cmd_help(s);
		break;
	case SMTP_VERB_STARTTLS:
		smtpd_cmd_starttls(s, &cmd);
		break;
	case SMTP_VERB_ETRN:
	case SMTP_VERB_BDAT:
		smtpd_reply(s, SMTP_R_NOT_IMPLEMENTED, NULL);
		break;
	case SMTP_VERB_AUTH:
		smtpd_cmd_auth(s, &cmd);
		break;
	default:
		smtpd_cmd_unknown(s, &cmd, line);
		break;
	}
}
