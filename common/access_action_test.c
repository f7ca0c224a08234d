/* access_action_test.c: access(5) and policy actions are interpreted as
 * Postfix's smtpd interprets them: keywords in any case, default and given
 * enhanced status codes, the status class forced to the reply code's,
 * address status codes fitted to what is rejected, 4NN/5NN replies,
 * all-numeric values, restriction lists; malformed actions fail. The
 * default reply codes are compared with the installed postconf. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access_action.h"
#include "tap.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

#define OTHER ACCESS_CLASS_OTHER
#define SENDER ACCESS_CLASS_SENDER
#define RCPT ACCESS_CLASS_RECIPIENT

static void test_actions(void)
{
	static const struct {
		const char *value;
		enum access_class cls;
		const char *kind;
		int code;
		const char *dsn, *text;
	} t[] = {
		{"OK", OTHER, "OK", 0, "", ""},
		{"ok trailing text is ignored", OTHER, "OK", 0, "", ""},
		{"RELAY", OTHER, "OK", 0, "", ""},
		{"1700000000", OTHER, "OK", 0, "", ""},
		{"550", OTHER, "OK", 0, "", ""},
		{"DUNNO", OTHER, "DUNNO", 0, "", ""},
		{"dunno whatever", OTHER, "DUNNO", 0, "", ""},
		{"REJECT", OTHER, "REJECT", 554, "5.7.1", "Access denied"},
		{"reject Go away", OTHER, "REJECT", 554, "5.7.1", "Go away"},
		{"Reject\t 5.7.26  DMARC policy", OTHER, "REJECT", 554, "5.7.26", "DMARC policy"},
		{"REJECT 4.7.1 class follows the code", OTHER, "REJECT", 554, "5.7.1",
		 "class follows the code"},
		{"REJECT 5.7.1234 not a status code", OTHER, "REJECT", 554, "5.7.1",
		 "5.7.1234 not a status code"},
		{"DEFER", OTHER, "DEFER", 450, "4.7.1", "Access denied"},
		{"DEFER 4.3.2 busy", OTHER, "DEFER", 450, "4.3.2", "busy"},
		{"DEFER_IF_PERMIT", OTHER, "DEFER_IF_PERMIT", 450, "4.7.1", "Service unavailable"},
		{"defer_if_reject greylisted", OTHER, "DEFER_IF_REJECT", 450, "4.7.1",
		 "greylisted"},
		{"550 5.7.1 No thanks", OTHER, "REJECT", 550, "5.7.1", "No thanks"},
		{"550 No thanks", OTHER, "REJECT", 550, "5.7.1", "No thanks"},
		{"450 Try later", OTHER, "DEFER", 450, "4.7.1", "Try later"},
		{"421 4.3.0 closing", OTHER, "DEFER", 421, "4.3.0", "closing"},
		{"551 4.7.1 mismatch", OTHER, "REJECT", 551, "5.7.1", "mismatch"},
		{"550 5.1.1 unknown user", RCPT, "REJECT", 550, "5.1.1", "unknown user"},
		{"550 5.1.1 unknown user", SENDER, "REJECT", 550, "5.1.0", "unknown user"},
		{"550 5.1.1 unknown user", OTHER, "REJECT", 550, "5.0.0", "unknown user"},
		{"550 5.1.7 bad sender", RCPT, "REJECT", 550, "5.1.3", "bad sender"},
		{"550 5.1.7 bad sender", SENDER, "REJECT", 550, "5.1.7", "bad sender"},
		{"450 5.1.8", SENDER, "DEFER", 450, "4.1.8", "Access denied"},
		{"REJECT 5.1.9 future", RCPT, "REJECT", 554, "5.1.0", "future"},
		{"PREPEND X-Tag: yes", OTHER, "PREPEND", 0, "", "X-Tag: yes"},
		{"prepend X-Tag :yes", OTHER, "PREPEND", 0, "", "X-Tag :yes"},
		{"HOLD", OTHER, "HOLD", 0, "", ""},
		{"HOLD suspicious", OTHER, "HOLD", 0, "", "suspicious"},
		{"DISCARD spam", OTHER, "DISCARD", 0, "", "spam"},
		{"REDIRECT spam@example.com", OTHER, "REDIRECT", 0, "", "spam@example.com"},
		{"BCC archive@example.com", OTHER, "BCC", 0, "", "archive@example.com"},
		{"WARN watch this", OTHER, "WARN", 0, "", "watch this"},
		{"info note", OTHER, "INFO", 0, "", "note"},
		{"FILTER smtp:[127.0.0.1]:10025", OTHER, "FILTER", 0, "", "smtp:[127.0.0.1]:10025"},
		{"permit_mynetworks, reject", OTHER, "RESTRICTIONS", 0, "",
		 "permit_mynetworks, reject"},
		{"my_restriction_class", OTHER, "RESTRICTIONS", 0, "", "my_restriction_class"},
		{"250 fine", OTHER, "RESTRICTIONS", 0, "", "250 fine"},
		{"4500 x", OTHER, "RESTRICTIONS", 0, "", "4500 x"},
		{"OKAY", OTHER, "RESTRICTIONS", 0, "", "OKAY"},
	};
	for (size_t i = 0; i < COUNT(t); i++) {
		struct access_action a;
		char *error = NULL;
		char got[300], want[300];
		if (access_action_parse(t[i].value, NULL, t[i].cls, &a, &error) < 0) {
			snprintf(got, sizeof(got), "error: %s", error);
			free(error);
		} else {
			snprintf(got, sizeof(got), "%s %d %s [%s]", access_kind_name(a.kind),
				 a.code, a.dsn, a.text);
		}
		snprintf(want, sizeof(want), "%s %d %s [%s]", t[i].kind, t[i].code, t[i].dsn,
			 t[i].text);
		tap_is_str(got, want, "\"%s\"", t[i].value);
	}
}

static void test_failures(void)
{
	static const struct {
		const char *value, *want;
	} t[] = {
		{"", "empty action (Postfix warns and treats it as OK)"},
		{"PREPEND", "PREPEND needs \"name: value\", not \"\""},
		{"PREPEND no colon", "PREPEND needs \"name: value\", not \"no colon\""},
		{"PREPEND : x", "PREPEND needs \"name: value\", not \": x\""},
		{"REDIRECT nobody", "REDIRECT needs user@domain, not \"nobody\""},
		{"BCC", "BCC needs user@domain, not \"\""},
		{"FILTER", "FILTER needs transport:destination, not \"\""},
		{"FILTER smtp", "FILTER needs transport:destination, not \"smtp\""},
		{"hash:/etc/postfix/access",
		 "lookup table in an access action: \"hash:/etc/postfix/access\""},
		{"250 see http://x", "lookup table in an access action: \"250 see http://x\""},
	};
	for (size_t i = 0; i < COUNT(t); i++) {
		struct access_action a;
		char *error = NULL;
		tap_is_int(access_action_parse(t[i].value, NULL, OTHER, &a, &error), -1,
			   "\"%s\" is refused", t[i].value);
		tap_is_str(error, t[i].want, "with the expected message");
		free(error);
	}
}

static void test_codes(void)
{
	static const struct access_codes custom = {550, 451};
	static const struct access_codes bad = {200, 450};
	struct access_action a;
	char *error = NULL;

	access_action_parse("REJECT", &custom, OTHER, &a, &error);
	tap_ok(a.code == 550 && strcmp(a.dsn, "5.7.1") == 0, "access_map_reject_code 550 is used");
	access_action_parse("DEFER_IF_PERMIT", &custom, OTHER, &a, &error);
	tap_ok(a.code == 451 && strcmp(a.dsn, "4.7.1") == 0, "access_map_defer_code 451 is used");
	access_action_parse("450 x", &custom, OTHER, &a, &error);
	tap_is_int(a.code, 450, "an explicit reply code wins over the configured ones");
	tap_is_int(access_action_parse("REJECT", &bad, OTHER, &a, &error), -1,
		   "a configured code outside 400-599 is refused");
	tap_is_str(error, "reply code 200 is outside 400-599", "with the expected message");
	free(error);
}

/* postconf_default: the default of a Postfix parameter, from postconf -d. */
static long postconf_default(const char *name)
{
	char cmd[200], line[100];
	long value = -1;

	snprintf(cmd, sizeof(cmd), "/usr/sbin/postconf -dh %s 2>/dev/null", name);
	FILE *fp = popen(cmd, "r");
	if (fp == NULL)
		return -1;
	if (fgets(line, sizeof(line), fp) != NULL)
		value = strtol(line, NULL, 10);
	pclose(fp);
	return value;
}

static void test_postfix_defaults(void)
{
	tap_is_int(ACCESS_REJECT_CODE_DEFAULT, postconf_default("access_map_reject_code"),
		   "default reject code matches postconf -d access_map_reject_code");
	tap_is_int(ACCESS_DEFER_CODE_DEFAULT, postconf_default("access_map_defer_code"),
		   "default defer code matches postconf -d access_map_defer_code");
}

int main(void)
{
	test_actions();
	test_failures();
	test_codes();
	test_postfix_defaults();
	return tap_done();
}
