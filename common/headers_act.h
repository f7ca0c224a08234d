/* headers_act.h: the actions of Postfix header_checks(5) and body_checks
 * tables, read the way Postfix's cleanup(8) reads them (postern-headers,
 * and posternd for milter_header_checks).
 *
 * A table result is an action keyword (any case) and optional text after
 * white space: "REJECT no spam here", "PREPEND X-Tag: yes", "IGNORE".
 * Results Postfix warns about and then treats as DUNNO (an unknown keyword,
 * PREPEND or REPLACE without text or, in header context, with text that is
 * not "name: value", REDIRECT or BCC without user@domain, FILTER without
 * transport:destination) come back as HEADERS_ACT_BAD with the warning
 * Postfix would log. Pure parsing: no logging, no state.
 */
#ifndef POSTERN_HEADERS_ACT_H
#define POSTERN_HEADERS_ACT_H

enum headers_act_kind {
	HEADERS_ACT_DUNNO,    /* DUNNO, OK: nothing */
	HEADERS_ACT_REJECT,   /* REJECT [text]: refuse the message */
	HEADERS_ACT_WARN,     /* WARN [text]: log "warning" */
	HEADERS_ACT_INFO,     /* INFO [text]: log "info" */
	HEADERS_ACT_FILTER,   /* FILTER transport:destination (Postern refuses it) */
	HEADERS_ACT_PASS,     /* PASS [text]: stop inspecting this message */
	HEADERS_ACT_DISCARD,  /* DISCARD [text] */
	HEADERS_ACT_HOLD,     /* HOLD [text] */
	HEADERS_ACT_PREPEND,  /* PREPEND text: a line before this one */
	HEADERS_ACT_REPLACE,  /* REPLACE text: this line becomes text */
	HEADERS_ACT_REDIRECT, /* REDIRECT user@domain */
	HEADERS_ACT_BCC,      /* BCC user@domain */
	HEADERS_ACT_STRIP,    /* STRIP [text]: delete this line and log */
	HEADERS_ACT_IGNORE,   /* IGNORE: delete this line */
	HEADERS_ACT_BAD,      /* a result Postfix warns about and ignores */
};

/* Longest enhanced status code "C.SSS.DDD" plus its NUL. */
#define HEADERS_DSN_SIZE 10

struct headers_act {
	enum headers_act_kind kind;
	/* The optional text after the keyword (white space skipped), pointing
	 * into the value parsed; "" when there is none. For REJECT: the text
	 * after the enhanced status code, or Postfix's default "message
	 * content rejected". */
	const char *text;
	/* REJECT: the enhanced status code ("5.7.1" when the text gives none);
	 * a code of class 2 becomes class 4, as Postfix makes it. */
	char dsn[HEADERS_DSN_SIZE];
	/* REJECT: the reply code, 550 (or 451 for a class 4 status code). */
	int code;
};

/* headers_act_parse: interpret value, the result of a lookup in the table
 * named map_class ("header_checks", ...). header is 1 when the line looked
 * up is a header (PREPEND and REPLACE text must then be a header), 0 for a
 * body line. Fills *act_r (its text points into value). For
 * HEADERS_ACT_BAD, and for a REJECT whose status code Postfix corrects,
 * *warning_r is a malloc'd message in Postfix's words that the caller logs
 * and frees; else it is NULL. Never fails. */
void headers_act_parse(const char *value, int header, const char *map_class,
		       struct headers_act *act_r, char **warning_r);

/* headers_act_known: 1 if value starts with an action keyword of
 * header_checks(5) (any case), else 0. */
int headers_act_known(const char *value);

/* headers_act_name: the keyword in lower case as Postfix logs it
 * ("reject", "warning", "hold", ...); static strings. */
const char *headers_act_name(enum headers_act_kind kind);

#endif
