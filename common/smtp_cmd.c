/* smtp_cmd.c: SMTP command tokenizer and MAIL/RCPT path splitting (see
 * smtp_cmd.h). */
#include "smtp_cmd.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "log.h"

static const char *const smtp_verb_names[SMTP_VERB__COUNT] = {
    [SMTP_VERB_UNKNOWN] = "UNKNOWN", [SMTP_VERB_HELO] = "HELO",		[SMTP_VERB_EHLO] = "EHLO",
    [SMTP_VERB_MAIL] = "MAIL",	     [SMTP_VERB_RCPT] = "RCPT",		[SMTP_VERB_DATA] = "DATA",
    [SMTP_VERB_BDAT] = "BDAT",	     [SMTP_VERB_RSET] = "RSET",		[SMTP_VERB_NOOP] = "NOOP",
    [SMTP_VERB_QUIT] = "QUIT",	     [SMTP_VERB_VRFY] = "VRFY",		[SMTP_VERB_EXPN] = "EXPN",
    [SMTP_VERB_HELP] = "HELP",	     [SMTP_VERB_STARTTLS] = "STARTTLS", [SMTP_VERB_AUTH] = "AUTH",
    [SMTP_VERB_ETRN] = "ETRN",
};

const char *smtp_verb_name(enum smtp_verb verb)
{
	return (unsigned)verb < SMTP_VERB__COUNT ? smtp_verb_names[verb] : "UNKNOWN";
}

static int is_wsp(char c)
{
	return c == ' ' || c == '\t';
}

static const char *skip_wsp(const char *p)
{
	while (is_wsp(*p))
		p++;
	return p;
}

/* trimmed_len: length of s without trailing white space. */
static size_t trimmed_len(const char *s)
{
	size_t n = strlen(s);
	while (n > 0 && is_wsp(s[n - 1]))
		n--;
	return n;
}

int smtp_cmd_parse(const char *line, struct smtp_cmd *cmd_r)
{
	const char *p = skip_wsp(line);
	size_t vlen = 0;

	while (p[vlen] != '\0' && !is_wsp(p[vlen]))
		vlen++;
	if (vlen == 0)
		return -1;
	memset(cmd_r, 0, sizeof(*cmd_r));
	for (size_t i = 0; i < vlen && i < SMTP_VERB_NAME_MAX; i++)
		cmd_r->name[i] = (char)toupper((unsigned char)p[i]);
	cmd_r->verb = SMTP_VERB_UNKNOWN;
	for (int v = SMTP_VERB_UNKNOWN + 1; v < SMTP_VERB__COUNT; v++) {
		if (strlen(smtp_verb_names[v]) == vlen &&
		    strncasecmp(p, smtp_verb_names[v], vlen) == 0)
			cmd_r->verb = (enum smtp_verb)v;
	}
	cmd_r->header_like = p[vlen - 1] == ':';
	cmd_r->args = skip_wsp(p + vlen);
	cmd_r->args_len = trimmed_len(cmd_r->args);
	return 1;
}

/* path_end: the length of the path at p (which starts with '<' when
 * bracketed): up to the matching '>' outside quotes, or (unbracketed) up to
 * white space outside quotes; 0 when a bracket is not closed. *wsp_r is set
 * when the path holds unquoted white space. */
static size_t path_end(const char *p, size_t n, int bracketed, int *wsp_r)
{
	int quoted = 0;
	*wsp_r = 0;
	for (size_t i = bracketed ? 1 : 0; i < n; i++) {
		if (quoted && p[i] == '\\' && i + 1 < n) {
			i++;
		} else if (p[i] == '"') {
			quoted = !quoted;
		} else if (!quoted && bracketed && p[i] == '>') {
			return i + 1;
		} else if (!quoted && is_wsp(p[i])) {
			if (!bracketed)
				return i;
			*wsp_r = 1;
		}
	}
	return bracketed ? 0 : n;
}

int smtp_cmd_path(const struct smtp_cmd *cmd, int strict, struct smtp_path *path_r,
		  enum smtp_reply_id *reply_r)
{
	const char *keyword;
	enum smtp_reply_id syntax, bad;

	if (cmd->verb == SMTP_VERB_MAIL) {
		keyword = "FROM:";
		syntax = SMTP_R_SYNTAX_MAIL;
		bad = SMTP_R_BAD_SENDER;
	} else if (cmd->verb == SMTP_VERB_RCPT) {
		keyword = "TO:";
		syntax = SMTP_R_SYNTAX_RCPT;
		bad = SMTP_R_BAD_RCPT;
	} else {
		log_panic("smtp_cmd_path: called for %s", smtp_verb_name(cmd->verb));
	}
	size_t klen = strlen(keyword);
	if (cmd->args_len < klen || strncasecmp(cmd->args, keyword, klen) != 0) {
		*reply_r = syntax;
		return -1;
	}
	const char *p = skip_wsp(cmd->args + klen);
	const char *end = cmd->args + cmd->args_len;
	if (p >= end) {
		*reply_r = syntax;
		return -1;
	}
	size_t n = (size_t)(end - p);
	int bracketed = p[0] == '<', wsp;
	size_t plen = path_end(p, n, bracketed, &wsp);
	if ((bracketed && plen == 0) || (plen < n && !is_wsp(p[plen])) ||
	    (strict && (!bracketed || wsp))) {
		*reply_r = bad;
		return -1;
	}
	path_r->path = p;
	path_r->path_len = plen;
	path_r->bracketed = bracketed;
	path_r->params = skip_wsp(p + plen);
	path_r->params_len = plen < n ? (size_t)(end - path_r->params) : 0;
	return 1;
}
