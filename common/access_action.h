/* access_action.h: the actions of Postfix access(5) tables and policy
 * service replies, interpreted as Postfix's smtpd does.
 *
 * An action is a keyword, case-insensitive, then optional text after white
 * space: "REJECT spam source", "550 5.7.1 go away", "PREPEND X-Tag: yes".
 * For the actions that refuse (REJECT, DEFER, DEFER_IF_PERMIT,
 * DEFER_IF_REJECT, 4NN, 5NN) the text may start with an RFC 3463 enhanced
 * status code; without one Postfix uses X.7.1 (X: 5 for REJECT, 4 for the
 * DEFER ones, the reply code's first digit for 4NN/5NN). The status code is
 * then adjusted as Postfix's smtpd_dsn_fix() does for the kind of thing
 * rejected, and its first digit is set to the reply code's, "the SMTP code
 * having the higher precedence".
 *
 * Pure parsing: nothing is logged and no table is consulted. A value that
 * is none of the keywords is returned as ACCESS_RESTRICTIONS (Postfix then
 * evaluates it as a restriction list or class name); FILTER is recognised
 * so callers can refuse it explicitly.
 */
#ifndef POSTERN_ACCESS_ACTION_H
#define POSTERN_ACCESS_ACTION_H

enum access_kind {
	ACCESS_OK,		/* OK, RELAY, or an all-numeric value; text ignored */
	ACCESS_DUNNO,		/* DUNNO; text ignored */
	ACCESS_REJECT,		/* REJECT [text], 5NN text */
	ACCESS_DEFER,		/* DEFER [text], 4NN text */
	ACCESS_DEFER_IF_PERMIT, /* DEFER_IF_PERMIT [text] */
	ACCESS_DEFER_IF_REJECT, /* DEFER_IF_REJECT [text] */
	ACCESS_PREPEND,		/* PREPEND header: value */
	ACCESS_HOLD,		/* HOLD [text] */
	ACCESS_DISCARD,		/* DISCARD [text] */
	ACCESS_REDIRECT,	/* REDIRECT user@domain */
	ACCESS_BCC,		/* BCC user@domain */
	ACCESS_WARN,		/* WARN [text] */
	ACCESS_INFO,		/* INFO [text] */
	ACCESS_FILTER,		/* FILTER transport:destination */
	ACCESS_RESTRICTIONS,	/* anything else: restrictions for the caller */
};

/* What is being checked: Postfix adjusts address-related status codes
 * (X.1.Y) to the kind of address rejected. */
enum access_class {
	ACCESS_CLASS_OTHER,	/* client, HELO, ETRN, ...: X.1.Y becomes X.0.0 */
	ACCESS_CLASS_SENDER,	/* sender address: recipient codes become sender ones */
	ACCESS_CLASS_RECIPIENT, /* recipient address: sender codes become recipient ones */
};

/* Reply codes of the REJECT and DEFER keywords: Postfix's
 * access_map_reject_code and access_map_defer_code. */
struct access_codes {
	int reject; /* default 554 */
	int defer;  /* default 450, also for DEFER_IF_PERMIT and DEFER_IF_REJECT */
};
#define ACCESS_REJECT_CODE_DEFAULT 554
#define ACCESS_DEFER_CODE_DEFAULT 450

struct access_action {
	enum access_kind kind;
	/* The refusing kinds: reply code and enhanced status code ("5.7.1"),
	 * else 0 and "". */
	int code;
	char dsn[16];
	/* The text after the keyword (and after the enhanced status code);
	 * for the refusing kinds without text, Postfix's default ("Access
	 * denied", or "Service unavailable" for DEFER_IF_*). Points into the
	 * value passed in or to a static string; "" when there is none. For
	 * ACCESS_RESTRICTIONS it is the whole value. */
	const char *text;
};

/* access_action_parse: interpret value. codes NULL means the Postfix
 * defaults; cls says what is being checked. Returns 1 with *action_r
 * filled, or -1 with a malloc'd *error_r for a value Postfix would warn
 * about and skip or fail on: an empty value, FILTER without
 * transport:destination, REDIRECT or BCC without user@domain, PREPEND
 * without "name: value", a reply code outside 400-599 in codes, or a
 * lookup table ("type:name") where an action should be. */
int access_action_parse(const char *value, const struct access_codes *codes, enum access_class cls,
			struct access_action *action_r, char **error_r);

/* access_kind_name: "REJECT", "DEFER_IF_PERMIT", ... (static strings). */
const char *access_kind_name(enum access_kind kind);

#endif
