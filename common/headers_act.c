/* headers_act.c: reading a header_checks or body_checks table result into
 * an action, with the checks and defaults Postfix's cleanup(8) applies
 * (see headers_act.h). */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "header.h"
#include "headers_act.h"
#include "mem.h"
#include "smtp_reply.h"

static const struct {
	const char *keyword;
	enum headers_act_kind kind;
	const char *log_name;
} headers_keywords[] = {
	{"REJECT", HEADERS_ACT_REJECT, "reject"},
	{"WARN", HEADERS_ACT_WARN, "warning"},
	{"INFO", HEADERS_ACT_INFO, "info"},
	{"FILTER", HEADERS_ACT_FILTER, "filter"},
	{"PASS", HEADERS_ACT_PASS, "pass"},
	{"DISCARD", HEADERS_ACT_DISCARD, "discard"},
	{"HOLD", HEADERS_ACT_HOLD, "hold"},
	{"PREPEND", HEADERS_ACT_PREPEND, "prepend"},
	{"REPLACE", HEADERS_ACT_REPLACE, "replace"},
	{"REDIRECT", HEADERS_ACT_REDIRECT, "redirect"},
	{"BCC", HEADERS_ACT_BCC, "bcc"},
	{"STRIP", HEADERS_ACT_STRIP, "strip"},
	{"IGNORE", HEADERS_ACT_IGNORE, "ignore"},
	{"DUNNO", HEADERS_ACT_DUNNO, "dunno"},
	{"OK", HEADERS_ACT_DUNNO, "dunno"},
};
#define HEADERS_N_KEYWORDS (sizeof(headers_keywords) / sizeof(headers_keywords[0]))

const char *headers_act_name(enum headers_act_kind kind)
{
	for (size_t i = 0; i < HEADERS_N_KEYWORDS; i++)
		if (headers_keywords[i].kind == kind)
			return headers_keywords[i].log_name;
	return "unknown";
}

/* is_header_text: text begins "name:" as a header must (Postfix is_header). */
static int is_header_text(const char *text)
{
	return header_name_len(text, strlen(text)) > 0;
}

/* reject: REJECT's status code and text, as Postfix's dsn_prepend("5.7.1")
 * gives them. */
static void reject(struct headers_act *act, const char *text, char **warning_r)
{
	const char *given = text;
	size_t n = smtp_dsn_valid(text);

	if (*text == '\0') {
		strcpy(act->dsn, "5.7.1");
		act->text = "message content rejected";
	} else if (n > 0 && n < HEADERS_DSN_SIZE) {
		memcpy(act->dsn, text, n);
		act->dsn[n] = '\0';
		for (text += n; isspace((unsigned char)*text); text++)
			;
		act->text = text;
	} else {
		strcpy(act->dsn, "5.7.1");
		act->text = text;
	}
	if (act->dsn[0] != '4' && act->dsn[0] != '5') {
		*warning_r = xasprintf("bad DSN action in %s -- need 4.x.x or 5.x.x", given);
		act->dsn[0] = '4';
	}
	act->code = act->dsn[0] == '4' ? 451 : 550;
}

/* keyword: the index of the keyword value starts with, or
 * HEADERS_N_KEYWORDS; its length in *len_r. */
static size_t keyword(const char *value, size_t *len_r)
{
	size_t klen = strcspn(value, " \t"), i;

	for (i = 0; i < HEADERS_N_KEYWORDS; i++)
		if (strlen(headers_keywords[i].keyword) == klen &&
		    strncasecmp(value, headers_keywords[i].keyword, klen) == 0)
			break;
	*len_r = klen;
	return i;
}

int headers_act_known(const char *value)
{
	size_t klen;

	return keyword(value, &klen) < HEADERS_N_KEYWORDS;
}

void headers_act_parse(const char *value, int header, const char *map_class,
		       struct headers_act *act_r, char **warning_r)
{
	size_t klen;
	size_t i = keyword(value, &klen);
	const char *text = value + klen;

	*warning_r = NULL;
	while (isspace((unsigned char)*text))
		text++;
	*act_r = (struct headers_act){.kind = HEADERS_ACT_BAD, .text = text};
	if (i == HEADERS_N_KEYWORDS) {
		*warning_r = xasprintf("unknown command in %s map: %s", map_class, value);
		return;
	}
	enum headers_act_kind kind = headers_keywords[i].kind;
	const char *name = headers_keywords[i].keyword;
	switch (kind) {
	case HEADERS_ACT_REJECT:
		reject(act_r, text, warning_r);
		break;
	case HEADERS_ACT_FILTER:
		if (*text == '\0')
			*warning_r =
				xasprintf("missing FILTER command argument in %s map", map_class);
		else if (strchr(text, ':') == NULL)
			*warning_r = xasprintf(
				"bad FILTER command %s in %s -- need transport:destination", text,
				map_class);
		break;
	case HEADERS_ACT_PREPEND:
	case HEADERS_ACT_REPLACE:
		if (*text == '\0')
			*warning_r = xasprintf("%s action without text in %s map", name, map_class);
		else if (header && !is_header_text(text))
			*warning_r = xasprintf("bad %s header text \"%s\" in %s map -- need "
					       "\"headername: headervalue\"",
					       name, text, map_class);
		break;
	case HEADERS_ACT_REDIRECT:
	case HEADERS_ACT_BCC:
		if (strchr(text, '@') == NULL)
			*warning_r = xasprintf("bad %s %s \"%s\" in %s map -- need user@domain",
					       name, kind == HEADERS_ACT_BCC ? "address" : "target",
					       text, map_class);
		break;
	default:
		break;
	}
	if (*warning_r == NULL || kind == HEADERS_ACT_REJECT)
		act_r->kind = kind;
}
