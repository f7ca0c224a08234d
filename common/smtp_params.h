/* smtp_params.h: parse and validate the ESMTP parameters of MAIL FROM and
 * RCPT TO (RFC 1870 SIZE, RFC 6152 BODY=8BITMIME, RFC 3030 BODY=BINARYMIME,
 * RFC 6531 SMTPUTF8, RFC 3461 RET/ENVID/NOTIFY/ORCPT, RFC 4954 AUTH=, RFC
 * 6533 ORCPT=utf-8;...).
 *
 * Input is the parameter text that smtp_cmd_path() found after the path;
 * parameters are separated by SP or TAB runs; keywords and the values of
 * BODY, RET and NOTIFY are case-insensitive. The first bad parameter, left to
 * right, decides the reply, which is Postfix 3.7's where Postfix refuses the
 * same input:
 *  - an unknown keyword, a keyword not valid for the command, a malformed
 *    token, BODY with an unknown value, SMTPUTF8 (or BODY=BINARYMIME) when
 *    the extension is not offered: 555 5.5.4 Unsupported option: TOKEN;
 *  - a DSN parameter when DSN is not offered: 501 5.7.1 DSN support is
 *    disabled;
 *  - SIZE not 1-20 digits: 501 5.5.4 Bad message size syntax; SIZE above
 *    message_size_limit: 552 5.3.4 Message size exceeds fixed limit;
 *  - RET not FULL/HDRS, or repeated: 501 5.5.4 Bad RET parameter syntax;
 *  - ENVID not xtext, not printable ASCII once decoded (RFC 3461 4.4), longer
 *    than 100 characters, or repeated: 501 5.5.4 Bad ENVID parameter syntax;
 *  - NOTIFY not NEVER or a list of SUCCESS, FAILURE, DELAY, or repeated:
 *    501 5.5.4 Error: Bad NOTIFY parameter syntax;
 *  - ORCPT not "addr-type;xtext" with a non-empty address, longer than 500
 *    characters, or repeated: 501 5.5.4 Error: Bad ORCPT parameter syntax;
 *  - AUTH= repeated: 503 5.5.4 Error: multiple AUTH= options.
 * Stricter than Postfix (each one documented in its reply in
 * smtp_reply_table.c): a repeated SIZE, BODY or SMTPUTF8 (Postfix keeps the
 * last) gets 501 5.5.4 Error: duplicate NAME parameter; an AUTH= value that
 * is neither "<>" nor valid xtext gets 501 5.5.4 Bad AUTH parameter syntax;
 * NOTIFY with an empty list item or NEVER combined with anything, and an
 * ORCPT or ENVID value that is not valid xtext (raw '=', controls, 8-bit,
 * bad '+' escapes) are refused where Postfix lets them through.
 */
#ifndef POSTERN_SMTP_PARAMS_H
#define POSTERN_SMTP_PARAMS_H

#include <stddef.h>
#include <stdint.h>

#include "smtp_reply.h"

/* Extensions the listener offers (EHLO keywords after
 * smtpd_discard_ehlo_keywords); SIZE and 8BITMIME parameters are always
 * accepted, as Postfix does. */
#define SMTP_EXT_DSN 0x01
#define SMTP_EXT_SMTPUTF8 0x02
#define SMTP_EXT_BINARYMIME 0x04

struct smtp_params_opts {
	unsigned ext;		     /* SMTP_EXT_* */
	uint64_t message_size_limit; /* 0: no limit */
};

enum smtp_body {
	SMTP_BODY_NONE, /* no BODY= parameter */
	SMTP_BODY_7BIT,
	SMTP_BODY_8BITMIME,
	SMTP_BODY_BINARYMIME,
};

enum smtp_ret {
	SMTP_RET_NONE,
	SMTP_RET_FULL,
	SMTP_RET_HDRS,
};

/* NOTIFY= bits; 0 means no NOTIFY parameter. */
#define SMTP_NOTIFY_NEVER 0x01
#define SMTP_NOTIFY_SUCCESS 0x02
#define SMTP_NOTIFY_FAILURE 0x04
#define SMTP_NOTIFY_DELAY 0x08

/* RFC 3461 limits on the encoded values. */
#define SMTP_ENVID_MAX 100
#define SMTP_ORCPT_MAX 500
/* RFC 4954 does not bound AUTH=; we use ORCPT's limit. */
#define SMTP_AUTH_PARAM_MAX 500

struct smtp_mail_params {
	int size_given;
	uint64_t size; /* SIZE=, saturated at UINT64_MAX */
	enum smtp_body body;
	int smtputf8;
	enum smtp_ret ret;
	char *envid; /* decoded ENVID, NULL when absent */
	char *auth;  /* decoded AUTH= mailbox, "<>" for the null one, NULL when absent */
};

struct smtp_rcpt_params {
	unsigned notify;  /* SMTP_NOTIFY_* bits, 0 when absent */
	char *orcpt_type; /* the addr-type as sent ("rfc822", "utf-8", ...), NULL when absent */
	char *orcpt;	  /* the decoded original recipient, NULL when absent */
};

/* smtp_params_mail: parse text[0..len) (the MAIL parameters) into *p, which
 * is overwritten (clear it first if it owns strings). 1 on success (caller
 * releases *p with smtp_mail_params_clear); -1 with *reply_r the reply to
 * send (caller frees) and *p cleared. */
int smtp_params_mail(const char *text, size_t len, const struct smtp_params_opts *opts,
		     struct smtp_mail_params *p, struct smtp_reply **reply_r);
/* smtp_params_rcpt: the same for RCPT parameters; smtputf8 says whether the
 * transaction's MAIL carried SMTPUTF8 (ORCPT=utf-8 may then hold raw
 * UTF-8). */
int smtp_params_rcpt(const char *text, size_t len, const struct smtp_params_opts *opts,
		     int smtputf8, struct smtp_rcpt_params *p, struct smtp_reply **reply_r);

/* Release the strings and zero the structure; accept NULL. */
void smtp_mail_params_clear(struct smtp_mail_params *p);
void smtp_rcpt_params_clear(struct smtp_rcpt_params *p);

#endif
