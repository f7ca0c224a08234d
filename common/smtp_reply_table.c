/* smtp_reply_table.c: the one table of replies the relay sends.
 *
 * Codes, enhanced status codes and texts follow Postfix 3.7 where Postfix
 * has a reply for the same situation (read from the strings of its smtpd
 * binary and its smtpd_check.c); entries marked "ours" have no Postfix
 * counterpart. A configurable code (e.g. relay_domains_reject_code) is set
 * by the caller with smtp_reply_set_code(); the table holds Postfix's
 * default. smtp_reply_test.c checks every entry for a valid code, a
 * consistent enhanced status code and well-formed placeholders.
 */
#include "smtp_reply.h"

#include <string.h>

#include "log.h"

#define R(id, nm, c, d, t) [id] = {.name = nm, .code = c, .dsn = d, .text = t}

static const struct smtp_reply_def smtp_reply_table[SMTP_R__COUNT] = {
    R(SMTP_R_GREETING, "greeting", 220, NULL, "%s"),
    R(SMTP_R_HELO, "helo", 250, NULL, "%s"),
    R(SMTP_R_EHLO, "ehlo", 250, NULL, "%s"),
    R(SMTP_R_OK, "ok", 250, "2.0.0", "Ok"),
    R(SMTP_R_MAIL_OK, "mail_ok", 250, "2.1.0", "Ok"),
    R(SMTP_R_RCPT_OK, "rcpt_ok", 250, "2.1.5", "Ok"),
    R(SMTP_R_QUEUED, "queued", 250, "2.0.0", "Ok: queued as %s"),
    R(SMTP_R_BDAT_OK, "bdat_ok", 250, "2.0.0", "Ok: %s bytes"),
    R(SMTP_R_BDAT_QUEUED, "bdat_queued", 250, "2.0.0", "Ok: %s bytes queued as %s"),
    R(SMTP_R_VRFY_CANNOT, "vrfy_cannot", 252, "2.0.0", "%s"),
    /* ours: Postfix does not implement HELP. */
    R(SMTP_R_HELP, "help", 214, "2.0.0", "%s"),
    R(SMTP_R_BYE, "bye", 221, "2.0.0", "Bye"),
    R(SMTP_R_FORBIDDEN_COMMAND, "forbidden_command", 221, "2.7.0",
      "Error: I can break rules, too. Goodbye."),
    R(SMTP_R_STARTTLS_READY, "starttls_ready", 220, "2.0.0", "Ready to start TLS"),
    R(SMTP_R_AUTH_OK, "auth_ok", 235, "2.7.0", "Authentication successful"),
    R(SMTP_R_AUTH_CHALLENGE, "auth_challenge", 334, NULL, "%s"),
    R(SMTP_R_DATA_GO, "data_go", 354, NULL, "End data with <CR><LF>.<CR><LF>"),

    R(SMTP_R_TIMEOUT, "timeout", 421, "4.4.2", "%s Error: timeout exceeded"),
    R(SMTP_R_TOO_MANY_ERRORS, "too_many_errors", 421, "4.7.0", "%s Error: too many errors"),
    R(SMTP_R_TOO_MANY_CONNECTIONS, "too_many_connections", 421, "4.7.0",
      "%s Error: too many connections from %s"),
    R(SMTP_R_UNAVAILABLE, "unavailable", 421, NULL, "%s Service unavailable - try again later"),
    /* postscreen's reply when no smtpd process is free: here, a listener's
     * session limit (master.cf maxproc) or the process's is reached. */
    R(SMTP_R_PORTS_BUSY, "ports_busy", 421, "4.3.2", "All server ports are busy"),
    R(SMTP_R_RATE_RCPT, "rate_rcpt", 450, "4.7.1", "Error: too many recipients from %s"),
    R(SMTP_R_RATE_MAIL, "rate_mail", 450, "4.7.1", "Error: too much mail from %s"),
    R(SMTP_R_RATE_AUTH, "rate_auth", 450, "4.7.1", "Error: too many AUTH commands from %s"),
    R(SMTP_R_PLAINTEXT, "plaintext", 450, "4.7.1", "Session encryption is required"),
    R(SMTP_R_TEMPFAIL, "tempfail", 451, "4.7.1", "Service unavailable - try again later"),
    R(SMTP_R_TEMP_LOOKUP, "temp_lookup", 451, "4.3.0", "<%s>: Temporary lookup failure"),
    R(SMTP_R_CONFIG_ERROR, "config_error", 451, "4.3.5", "Server configuration error"),
    R(SMTP_R_QUEUE_WRITE, "queue_write", 451, "4.3.0", "Error: queue file write error"),
    /* Before-queue processing could not finish (virtual_alias_maps lookup
     * failure or expansion limits): the message is not queued. */
    R(SMTP_R_TEMP_FAILURE, "temp_failure", 451, "4.3.0", "Error: temporary lookup failure"),
    /* Postfix's cleanup: virtual_alias_maps nesting or expansion size. */
    R(SMTP_R_ALIAS_EXPANSION, "alias_expansion", 451, "4.6.0", "Alias expansion error"),
    R(SMTP_R_INTERNAL_ERROR, "internal_error", 451, "4.3.0", "Error: internal error"),
    R(SMTP_R_INSUFFICIENT_STORAGE, "insufficient_storage", 452, "4.3.1",
      "Insufficient system storage"),
    R(SMTP_R_TOO_MANY_RCPTS, "too_many_rcpts", 452, "4.5.3", "Error: too many recipients"),
    R(SMTP_R_TLS_UNAVAILABLE, "tls_unavailable", 454, "4.7.0",
      "TLS not available due to local problem"),
    R(SMTP_R_AUTH_TEMPFAIL, "auth_tempfail", 454, "4.7.0", "Temporary authentication failure: %s"),

    R(SMTP_R_BAD_SYNTAX, "bad_syntax", 500, "5.5.2", "Error: bad syntax"),
    R(SMTP_R_UNKNOWN_COMMAND, "unknown_command", 500, "5.5.2", "Error: command not recognized"),
    /* ours: Postfix truncates over-long command lines silently. */
    R(SMTP_R_LINE_TOO_LONG, "line_too_long", 500, "5.5.2", "Error: line too long"),
    R(SMTP_R_BAD_UTF8, "bad_utf8", 500, "5.5.2", "Error: bad UTF-8 syntax"),
    R(SMTP_R_AUTH_LINE_TOO_LONG, "auth_line_too_long", 500, "5.5.6",
      "SASL response limit exceeded"),
    /* The code is smtpd_forbid_bare_newline_reject_code (default 550). */
    R(SMTP_R_BARE_LF, "bare_lf", 550, "5.5.2", "%s Error: bare <LF> received"),
    /* ours: the same for a bare CR, which Postfix passes through. */
    R(SMTP_R_BARE_CR, "bare_cr", 550, "5.5.2", "%s Error: bare <CR> received"),
    R(SMTP_R_SYNTAX_HELO, "syntax_helo", 501, NULL, "Syntax: HELO hostname"),
    R(SMTP_R_SYNTAX_EHLO, "syntax_ehlo", 501, NULL, "Syntax: EHLO hostname"),
    R(SMTP_R_SYNTAX_MAIL, "syntax_mail", 501, "5.5.4", "Syntax: MAIL FROM:<address>"),
    R(SMTP_R_SYNTAX_RCPT, "syntax_rcpt", 501, "5.5.4", "Syntax: RCPT TO:<address>"),
    R(SMTP_R_SYNTAX_DATA, "syntax_data", 501, "5.5.4", "Syntax: DATA"),
    R(SMTP_R_SYNTAX_RSET, "syntax_rset", 501, "5.5.4", "Syntax: RSET"),
    R(SMTP_R_SYNTAX_STARTTLS, "syntax_starttls", 501, "5.5.4", "Syntax: STARTTLS"),
    R(SMTP_R_SYNTAX_AUTH, "syntax_auth", 501, "5.5.4", "Syntax: AUTH mechanism"),
    R(SMTP_R_SYNTAX_VRFY, "syntax_vrfy", 501, "5.5.4", "Syntax: VRFY address"),
    /* ... when smtputf8_enable = yes. */
    R(SMTP_R_SYNTAX_VRFY_UTF8, "syntax_vrfy_utf8", 501, "5.5.4", "Syntax: VRFY address [SMTPUTF8]"),
    R(SMTP_R_SYNTAX_BDAT, "syntax_bdat", 521, "5.5.4", "Syntax: BDAT count [LAST]"),
    R(SMTP_R_BAD_SENDER, "bad_sender", 501, "5.1.7", "Bad sender address syntax"),
    R(SMTP_R_BAD_RCPT, "bad_rcpt", 501, "5.1.3", "Bad recipient address syntax"),
    R(SMTP_R_BAD_SIZE, "bad_size", 501, "5.5.4", "Bad message size syntax"),
    R(SMTP_R_BAD_RET, "bad_ret", 501, "5.5.4", "Bad RET parameter syntax"),
    R(SMTP_R_BAD_ENVID, "bad_envid", 501, "5.5.4", "Bad ENVID parameter syntax"),
    /* ours: Postfix does not check the AUTH= value. */
    R(SMTP_R_BAD_AUTH_PARAM, "bad_auth_param", 501, "5.5.4", "Bad AUTH parameter syntax"),
    R(SMTP_R_BAD_NOTIFY, "bad_notify", 501, "5.5.4", "Error: Bad NOTIFY parameter syntax"),
    R(SMTP_R_BAD_ORCPT, "bad_orcpt", 501, "5.5.4", "Error: Bad ORCPT parameter syntax"),
    /* ours: Postfix accepts a repeated SIZE, BODY or SMTPUTF8. */
    R(SMTP_R_DUP_PARAM, "dup_param", 501, "5.5.4", "Error: duplicate %s parameter"),
    R(SMTP_R_DUP_AUTH_PARAM, "dup_auth_param", 503, "5.5.4", "Error: multiple AUTH= options"),
    R(SMTP_R_DSN_DISABLED, "dsn_disabled", 501, "5.7.1", "DSN support is disabled"),
    R(SMTP_R_UNSUPPORTED_OPTION, "unsupported_option", 555, "5.5.4", "Unsupported option: %s"),
    R(SMTP_R_NOT_IMPLEMENTED, "not_implemented", 502, "5.5.1", "Error: command not implemented"),
    R(SMTP_R_VRFY_DISABLED, "vrfy_disabled", 502, "5.5.1", "VRFY command is disabled"),
    R(SMTP_R_NEED_HELO, "need_helo", 503, "5.5.1", "Error: send HELO/EHLO first"),
    R(SMTP_R_NESTED_MAIL, "nested_mail", 503, "5.5.1", "Error: nested MAIL command"),
    R(SMTP_R_NEED_MAIL, "need_mail", 503, "5.5.1", "Error: need MAIL command"),
    R(SMTP_R_NEED_RCPT, "need_rcpt", 503, "5.5.1", "Error: need RCPT command"),
    R(SMTP_R_DATA_AFTER_BDAT, "data_after_bdat", 503, "5.5.1", "Error: DATA after BDAT"),
    R(SMTP_R_MAIL_AFTER_BDAT, "mail_after_bdat", 503, "5.5.1", "Error: MAIL after BDAT"),
    R(SMTP_R_RCPT_AFTER_BDAT, "rcpt_after_bdat", 503, "5.5.1", "Error: RCPT after BDAT"),
    R(SMTP_R_AUTH_NOT_ENABLED, "auth_not_enabled", 503, "5.5.1",
      "Error: authentication not enabled"),
    R(SMTP_R_AUTH_ALREADY, "auth_already", 503, "5.5.1", "Error: already authenticated"),
    R(SMTP_R_AUTH_IN_MAIL, "auth_in_mail", 503, "5.5.1", "Error: MAIL transaction in progress"),
    R(SMTP_R_UNAUTH_PIPELINING, "unauth_pipelining", 503, "5.5.0",
      "<%s>: %s rejected: Improper use of SMTP command pipelining"),
    R(SMTP_R_PIPELINING_SYNC, "pipelining_sync", 554, "5.5.0",
      "Error: SMTP protocol synchronization"),
    R(SMTP_R_TLS_ACTIVE, "tls_active", 554, "5.5.1", "Error: TLS already active"),
    R(SMTP_R_NO_VALID_RCPT, "no_valid_rcpt", 554, "5.5.1", "Error: no valid recipients"),
    R(SMTP_R_STARTTLS_FIRST, "starttls_first", 530, "5.7.0", "Must issue a STARTTLS command first"),
    /* Every command after a refused CONNECT (smtpd_delay_reject = no). */
    R(SMTP_R_CLIENT_DENIED, "client_denied", 503, "5.7.0", "Error: access denied for %s"),
    R(SMTP_R_AUTH_ABORTED, "auth_aborted", 501, "5.7.0", "Authentication aborted"),
    R(SMTP_R_AUTH_NEEDS_TLS, "auth_needs_tls", 504, "5.5.4",
      "Encryption required for requested authentication mechanism"),
    R(SMTP_R_AUTH_FAILED, "auth_failed", 535, "5.7.8", "Error: authentication failed: %s"),

    R(SMTP_R_SIZE_EXCEEDED, "size_exceeded", 552, "5.3.4", "Message size exceeds fixed limit"),
    /* Postfix's reply when the content (not SIZE=) goes over message_size_limit. */
    R(SMTP_R_MESSAGE_TOO_BIG, "message_too_big", 552, "5.3.4", "Error: message file too big"),
    /* ours: Postfix truncates an over-long header instead. */
    R(SMTP_R_HEADER_EXCEEDED, "header_exceeded", 552, "5.3.4",
      "Message header size exceeds fixed limit"),
    R(SMTP_R_CHUNK_EXCEEDED, "chunk_exceeded", 552, "5.3.4", "Chunk exceeds message size limit"),
    R(SMTP_R_BDAT_DISCARDED, "bdat_discarded", 551, "5.0.0",
      "Discarded %s bytes after earlier error"),
    R(SMTP_R_NULL_BDAT, "null_bdat", 551, "5.7.1", "Null BDAT request"),
    R(SMTP_R_8BIT_HEADER, "8bit_header", 550, "5.6.0",
      "Error: improper use of 8-bit data in message header"),
    R(SMTP_R_8BIT_BODY, "8bit_body", 550, "5.6.0",
      "Error: improper use of 8-bit data in message body"),
    R(SMTP_R_SMTPUTF8_REQUIRED, "smtputf8_required", 553, "5.6.7",
      "Must declare SMTPUTF8 to send unicode address"),
    R(SMTP_R_TOO_MANY_HOPS, "too_many_hops", 554, "5.4.0", "Error: too many hops"),
    R(SMTP_R_MILTER_REJECT, "milter_reject", 550, "5.7.1", "Command rejected"),

    R(SMTP_R_RELAY_DENIED, "relay_denied", 554, "5.7.1", "<%s>: Relay access denied"),
    R(SMTP_R_SENDER_NOT_OWNED, "sender_not_owned", 553, "5.7.1",
      "<%s>: Sender address rejected: not owned by user %s"),
    R(SMTP_R_SENDER_NOT_LOGGED_IN, "sender_not_logged_in", 553, "5.7.1",
      "<%s>: Sender address rejected: not logged in"),
    R(SMTP_R_ACCESS_DENIED, "access_denied", 554, "5.7.1", "<%s>: %s rejected: Access denied"),
    R(SMTP_R_ACCESS_DEFER, "access_defer", 450, "4.7.1", "<%s>: %s rejected: Access denied"),
    R(SMTP_R_DEFER_SERVICE, "defer_service", 450, "4.7.1",
      "<%s>: %s rejected: Service unavailable"),
    R(SMTP_R_USER_UNKNOWN, "user_unknown", 550, "5.1.1",
      "<%s>: Recipient address rejected: User unknown in %s"),
    R(SMTP_R_NON_FQDN_ADDRESS, "non_fqdn_address", 504, "5.5.2",
      "<%s>: %s rejected: need fully-qualified address"),
    R(SMTP_R_NON_FQDN_HOST, "non_fqdn_host", 504, "5.5.2",
      "<%s>: %s rejected: need fully-qualified hostname"),
    R(SMTP_R_INVALID_HOST, "invalid_host", 501, "5.5.2", "<%s>: %s rejected: Invalid name"),
    R(SMTP_R_UNKNOWN_HOST, "unknown_host", 450, "4.7.1", "<%s>: %s rejected: Host not found"),
    R(SMTP_R_SENDER_DOMAIN_UNKNOWN, "sender_domain_unknown", 450, "4.1.8",
      "<%s>: Sender address rejected: Domain not found"),
    R(SMTP_R_RCPT_DOMAIN_UNKNOWN, "rcpt_domain_unknown", 450, "4.1.2",
      "<%s>: Recipient address rejected: Domain not found"),
    R(SMTP_R_UNKNOWN_CLIENT, "unknown_client", 450, "4.7.25",
      "Client host rejected: cannot find your hostname, [%s]"),
    R(SMTP_R_UNKNOWN_REVERSE_CLIENT, "unknown_reverse_client", 450, "4.7.1",
      "Client host rejected: cannot find your reverse hostname, [%s]"),
    R(SMTP_R_RBL, "rbl", 554, "5.7.1", "Service unavailable; %s [%s] blocked using %s%s"),
};

const struct smtp_reply_def *smtp_reply_def(enum smtp_reply_id id)
{
	if ((unsigned)id >= SMTP_R__COUNT || smtp_reply_table[id].text == NULL)
		log_panic("smtp_reply_def: no table entry for reply id %d", (int)id);
	return &smtp_reply_table[id];
}

int smtp_reply_def_nargs(const struct smtp_reply_def *def)
{
	int n = 0;
	for (const char *p = def->text; (p = strstr(p, "%s")) != NULL; p += 2)
		n++;
	return n;
}
