/* av_verdict_test.c: scan results to outcomes, X-Virus-Status text and
 * verdict log fields; the outcome table's defaults never let an unscanned
 * or failed message through as clean. */
#include <stdlib.h>
#include <string.h>

#include "av_verdict.h"
#include "tap.h"

static void test_mapping(void)
{
	static const struct {
		enum av_scan_kind kind;
		const char *name;
		enum av_outcome outcome;
		const char *status;
		const char *detail;
	} cases[] = {
		{AV_SCAN_CLEAN, "", AV_OUTCOME_CLEAN, "Clean", "size=1234 ms=5"},
		{AV_SCAN_VIRUS, "Win.Test.EICAR_HDB-1", AV_OUTCOME_VIRUS,
		 "Infected (Win.Test.EICAR_HDB-1)",
		 "virus=\"Win.Test.EICAR_HDB-1\" size=1234 ms=5"},
		{AV_SCAN_UNSCANNED, "Heuristics.Encrypted.Zip", AV_OUTCOME_UNSCANNED,
		 "Unscanned (Heuristics.Encrypted.Zip)",
		 "reason=\"Heuristics.Encrypted.Zip\" size=1234 ms=5"},
		{AV_SCAN_ERROR, "Can't allocate memory", AV_OUTCOME_SCAN_ERROR,
		 "Error (Can't allocate memory)", "error=\"Can't allocate memory\" size=1234 ms=5"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct av_scan s = {.kind = cases[i].kind};
		strcpy(s.name, cases[i].name);
		tap_is_int(av_verdict_outcome(&s), cases[i].outcome, "%s: outcome",
			   cases[i].status);
		char *status = av_verdict_status(&s);
		tap_is_str(status, cases[i].status, "%s: X-Virus-Status", cases[i].status);
		free(status);
		char *detail = av_verdict_detail(&s, 1234, 5);
		tap_is_str(detail, cases[i].detail, "%s: log fields", cases[i].status);
		free(detail);
	}
}

/* action_index: the index of word in MILTER_SKEL_ACTIONS, or -1. */
static int action_index(const char *word)
{
	const char *actions = MILTER_SKEL_ACTIONS;
	int i = 0;
	for (const char *p = actions; *p != '\0'; i++) {
		size_t n = strcspn(p, " ");
		if (strlen(word) == n && strncmp(p, word, n) == 0)
			return i;
		p += n + (p[n] == ' ');
	}
	return -1;
}

static void test_table(void)
{
	for (int i = 0; i < AV_N_OUTCOMES; i++) {
		const struct milter_skel_outcome *o = &av_outcomes[i];
		int def = action_index(o->def_action);
		tap_ok(o->name != NULL && def >= 0 && (o->allowed & MILTER_SKEL_ALLOW(def)),
		       "outcome %s: its default %s is an allowed action", o->name, o->def_action);
	}
	static const struct {
		enum av_outcome outcome;
		const char *def;
	} defaults[] = {
		{AV_OUTCOME_VIRUS, "reject"},
		{AV_OUTCOME_UNSCANNED, "quarantine"},
		{AV_OUTCOME_SCAN_ERROR, "tempfail"},
	};
	for (size_t i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++)
		tap_is_str(av_outcomes[defaults[i].outcome].def_action, defaults[i].def,
			   "%s defaults to %s", av_outcomes[defaults[i].outcome].name,
			   defaults[i].def);
	tap_ok(!(av_outcomes[AV_OUTCOME_SCAN_ERROR].allowed &
		 ~(MILTER_SKEL_ALLOW(MILTER_SKEL_ACCEPT) |
		   MILTER_SKEL_ALLOW(MILTER_SKEL_TEMPFAIL))),
	       "a scan error can only be accepted or tempfailed");
	tap_ok(!(av_outcomes[AV_OUTCOME_VIRUS].allowed & MILTER_SKEL_ALLOW(MILTER_SKEL_TEMPFAIL)),
	       "a virus is never tempfailed (the sender would retry it for days)");
	tap_ok(av_outcomes[AV_OUTCOME_CLEAN].param == NULL &&
		       av_outcomes[AV_OUTCOME_SKIPPED].param == NULL,
	       "clean and skipped have no action parameter");
}

int main(void)
{
	test_mapping();
	test_table();
	return tap_done();
}
