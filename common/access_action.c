/* access_action.c: interpret access(5) and policy service actions as
 * Postfix's smtpd (check_table_result, dsn_split, smtpd_dsn_fix,
 * smtpd_check_reject) does; see access_action.h. */
#include "access_action.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mem.h"

static const struct keyword {
	const char *word;
	enum access_kind kind;
} keywords[] = {
	{"OK", ACCESS_OK},
	{"RELAY", ACCESS_OK},
	{"DUNNO", ACCESS_DUNNO},
	{"REJECT", ACCESS_REJECT},
	{"DEFER", ACCESS_DEFER},
	{"DEFER_IF_PERMIT", ACCESS_DEFER_IF_PERMIT},
	{"DEFER_IF_REJECT", ACCESS_DEFER_IF_REJECT},
	{"PREPEND", ACCESS_PREPEND},
	{"HOLD", ACCESS_HOLD},
	{"DISCARD", ACCESS_DISCARD},
	{"REDIRECT", ACCESS_REDIRECT},
	{"BCC", ACCESS_BCC},
	{"WARN", ACCESS_WARN},
	{"INFO", ACCESS_INFO},
	{"FILTER", ACCESS_FILTER},
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const char *const kind_names[] = {
	[ACCESS_OK] = "OK",
	[ACCESS_DUNNO] = "DUNNO",
	[ACCESS_REJECT] = "REJECT",
	[ACCESS_DEFER] = "DEFER",
	[ACCESS_DEFER_IF_PERMIT] = "DEFER_IF_PERMIT",
	[ACCESS_DEFER_IF_REJECT] = "DEFER_IF_REJECT",
	[ACCESS_PREPEND] = "PREPEND",
	[ACCESS_HOLD] = "HOLD",
	[ACCESS_DISCARD] = "DISCARD",
	[ACCESS_REDIRECT] = "REDIRECT",
	[ACCESS_BCC] = "BCC",
	[ACCESS_WARN] = "WARN",
	[ACCESS_INFO] = "INFO",
	[ACCESS_FILTER] = "FILTER",
	[ACCESS_RESTRICTIONS] = "RESTRICTIONS",
};

const char *access_kind_name(enum access_kind kind)
{
	return kind_names[kind];
}

/* digits: the number of decimal digits at s. */
static size_t digits(const char *s)
{
	size_t n = 0;
	while (isdigit((unsigned char)s[n]))
		n++;
	return n;
}

/* dsn_length: the length of an RFC 3463 status code at the start of text
 * ([245].N.N with 1 to 3 digits each, ending at white space or the end),
 * else 0 (Postfix's dsn_valid). */
static size_t dsn_length(const char *text)
{
	size_t n2, n3;

	if ((text[0] != '2' && text[0] != '4' && text[0] != '5') || text[1] != '.')
		return 0;
	n2 = digits(text + 2);
	if (n2 < 1 || n2 > 3 || text[2 + n2] != '.')
		return 0;
	n3 = digits(text + 3 + n2);
	if (n3 < 1 || n3 > 3)
		return 0;
	if (text[3 + n2 + n3] != '\0' && !isspace((unsigned char)text[3 + n2 + n3]))
		return 0;
	return 3 + n2 + n3;
}

/* dsn_fix: Postfix's smtpd_dsn_fix(): an address status (X.1.Y) must fit
 * what is rejected. */
static void dsn_fix(char *dsn, size_t size, enum access_class cls)
{
	static const struct {
		const char *detail, *sender, *rcpt;
	} map[] = {
		{"1", "4.1.0", "4.1.1"}, {"2", "4.1.8", "4.1.2"}, {"3", "4.1.7", "4.1.3"},
		{"4", "4.1.0", "4.1.4"}, {"5", "4.1.0", "4.1.5"}, {"6", "4.1.0", "4.1.6"},
		{"7", "4.1.7", "4.1.3"}, {"8", "4.1.8", "4.1.2"},
	};
	const char *fixed = "4.1.0";

	if (strncmp(dsn + 1, ".1.", 3) != 0)
		return;
	if (cls == ACCESS_CLASS_OTHER) {
		fixed = "4.0.0";
	} else {
		for (size_t i = 0; i < COUNT(map); i++)
			if (strcmp(dsn + 4, map[i].detail) == 0)
				fixed = cls == ACCESS_CLASS_SENDER ? map[i].sender : map[i].rcpt;
	}
	snprintf(dsn, size, "%s", fixed);
}

/* refuse: fill in a refusing action: code, status code, text. */
static int refuse(struct access_action *a, int code, char dsn_class, const char *text,
		  const char *default_text, enum access_class cls, char **error_r)
{
	size_t len = dsn_length(text);

	if (code < 400 || code > 599) {
		*error_r = xasprintf("reply code %d is outside 400-599", code);
		return -1;
	}
	a->code = code;
	if (len > 0) {
		memcpy(a->dsn, text, len);
		a->dsn[len] = '\0';
		for (text += len; isspace((unsigned char)*text); text++)
			;
	} else {
		a->dsn[0] = dsn_class;
		strcpy(a->dsn + 1, ".7.1");
	}
	dsn_fix(a->dsn, sizeof(a->dsn), cls);
	a->dsn[0] = (char)('0' + code / 100);
	a->text = *text ? text : default_text;
	return 1;
}

/* is_header: "name:" or "name :" with a printable name, as Postfix's
 * is_header() requires of PREPEND text. */
static int is_header(const char *s)
{
	size_t n = 0;

	while (s[n] > ' ' && s[n] < 127 && s[n] != ':')
		n++;
	if (n == 0)
		return 0;
	while (s[n] == ' ' || s[n] == '\t')
		n++;
	return s[n] == ':';
}

static int all_digits(const char *s)
{
	return *s != '\0' && s[digits(s)] == '\0';
}

/* numeric: "4NN text" or "5NN text"; Postfix needs the text. */
static int numeric(const char *value, size_t word_len, const char *text)
{
	return word_len == 3 && *text != '\0' && (value[0] == '4' || value[0] == '5') &&
	       digits(value) == 3;
}

/* check_text: the kinds whose text is required, and how it must look. */
static int check_text(const struct access_action *a, char **error_r)
{
	switch (a->kind) {
	case ACCESS_PREPEND:
		if (!is_header(a->text)) {
			*error_r =
				xasprintf("PREPEND needs \"name: value\", not \"%.100s\"", a->text);
			return -1;
		}
		return 1;
	case ACCESS_REDIRECT:
	case ACCESS_BCC:
		if (strchr(a->text, '@') == NULL) {
			*error_r = xasprintf("%s needs user@domain, not \"%.100s\"",
					     access_kind_name(a->kind), a->text);
			return -1;
		}
		return 1;
	case ACCESS_FILTER:
		if (strchr(a->text, ':') == NULL) {
			*error_r = xasprintf("FILTER needs transport:destination, not \"%.100s\"",
					     a->text);
			return -1;
		}
		return 1;
	default:
		return 1;
	}
}

int access_action_parse(const char *value, const struct access_codes *codes, enum access_class cls,
			struct access_action *action_r, char **error_r)
{
	static const struct access_codes defaults = {ACCESS_REJECT_CODE_DEFAULT,
						     ACCESS_DEFER_CODE_DEFAULT};
	size_t word_len = strcspn(value, " \t");
	const char *text = value + word_len;

	if (codes == NULL)
		codes = &defaults;
	memset(action_r, 0, sizeof(*action_r));
	action_r->text = "";
	while (isspace((unsigned char)*text))
		text++;
	if (*value == '\0') {
		*error_r = xstrdup("empty action (Postfix warns and treats it as OK)");
		return -1;
	}
	for (size_t i = 0; i < COUNT(keywords); i++) {
		if (strlen(keywords[i].word) != word_len ||
		    strncasecmp(value, keywords[i].word, word_len) != 0)
			continue;
		action_r->kind = keywords[i].kind;
		switch (action_r->kind) {
		case ACCESS_OK:
		case ACCESS_DUNNO:
			return 1;
		case ACCESS_REJECT:
			return refuse(action_r, codes->reject, '5', text, "Access denied", cls,
				      error_r);
		case ACCESS_DEFER:
			return refuse(action_r, codes->defer, '4', text, "Access denied", cls,
				      error_r);
		case ACCESS_DEFER_IF_PERMIT:
		case ACCESS_DEFER_IF_REJECT:
			return refuse(action_r, codes->defer, '4', text, "Service unavailable", cls,
				      error_r);
		default:
			action_r->text = text;
			return check_text(action_r, error_r);
		}
	}
	/* An all-numeric value means OK (some out-of-band authentication
	 * uses time stamps), as in Postfix. */
	if (all_digits(value)) {
		action_r->kind = ACCESS_OK;
		return 1;
	}
	if (numeric(value, word_len, text)) {
		action_r->kind = value[0] == '5' ? ACCESS_REJECT : ACCESS_DEFER;
		return refuse(action_r, atoi(value), value[0], text, "Access denied", cls, error_r);
	}
	if (strchr(value, ':') != NULL) {
		*error_r = xasprintf("lookup table in an access action: \"%.100s\"", value);
		return -1;
	}
	action_r->kind = ACCESS_RESTRICTIONS;
	action_r->text = value;
	return 1;
}
