/* spf_guard_test.c: record and macro checks and the RFC 7208 lookup
 * limits of spf_guard.c, table-driven, with refused cases. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "spf_guard.h"
#include "tap.h"

static void test_records(void)
{
	static const struct {
		const char *record;
		int ok;
	} cases[] = {
		{"v=spf1 -all", 1},
		{"v=spf1", 1},
		{"V=SPF1 a mx -all", 1},
		{"v=spf1 ip4:192.0.2.0/24 ip6:2001:db8::/32 ~all", 1},
		{"v=spf1 exists:%{ir}.%{l1r+-}._spf.%{d} -all", 1},
		{"v=spf1 include:%{d2}.example.com a:%{H}.x.example -all", 1},
		{"v=spf1 a/24//64 mx:example.com/26 -all", 1},
		{"v=spf1 redirect=_spf.%{d}", 1},
		{"v=spf1 exp=explain.%{d} -all", 1},
		{"v=spf1 a:foo%-bar%_baz%%.example.com", 1},
		{"v=spf1 a:%{x}.example.com", 0},	  /* unknown letter */
		{"v=spf1 a:%{c}.example.com", 0},	  /* c outside exp */
		{"v=spf1 a:%{d0}.example.com", 0},	  /* zero parts */
		{"v=spf1 a:%{d129}.example.com", 0},	  /* too many parts */
		{"v=spf1 a:%{d1000000}.example.com", 0}, /* overflow attempt */
		{"v=spf1 a:%{d|}.example.com", 0},	  /* bad delimiter */
		{"v=spf1 a:%{d.example.com", 0},	  /* unterminated */
		{"v=spf1 a:%x.example.com", 0},	  /* bad escape */
		{"v=spf1 a:example.com%", 0},		  /* lone % */
		{"v=spf1 a:exa\001mple.com", 0},	  /* control character */
		{"v=spf2.0/pra -all", 0},
		{"spf1 -all", 0},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *reason = NULL;
		int rc = spf_guard_record(cases[i].record, &reason);
		tap_is_int(rc, cases[i].ok, "record \"%s\" %s", cases[i].record,
			   cases[i].ok ? "accepted" : "refused");
		tap_ok(cases[i].ok || (reason != NULL && *reason != '\0'),
		       "a refusal says why (%s)", reason ? reason : "none");
		free(reason);
	}
}

/* The CVE-2023-42118 shape: many macros filling libspf2's 511-byte
 * compile buffer, then a long literal. */
static void test_cve_pattern(void)
{
	struct {
		const char *name;
		int macros, literal, ok;
	} cases[] = {
		{"many macros then a literal", 60, 200, 0},
		{"a long literal after a few macros", 4, 240, 1},
		{"a literal over 255", 0, 300, 0},
		{"just under the bound", 20, 200, 1},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *record = xstrdup("v=spf1 exists:");
		for (int m = 0; m < cases[i].macros; m++) {
			char *next = xasprintf("%s%%{d1}", record);
			free(record);
			record = next;
		}
		char *lit = xmalloc((size_t)cases[i].literal + 1);
		memset(lit, 'a', (size_t)cases[i].literal);
		lit[cases[i].literal] = '\0';
		char *full = xasprintf("%s%s.example -all", record, lit);
		char *reason = NULL;
		tap_is_int(spf_guard_record(full, &reason), cases[i].ok, "%s", cases[i].name);
		free(reason);
		free(full);
		free(lit);
		free(record);
	}
}

static void test_size_limits(void)
{
	char big[SPF_GUARD_MAX_RECORD + 64];
	strcpy(big, "v=spf1");
	while (strlen(big) < SPF_GUARD_MAX_RECORD)
		strcat(big, " ip4:192.0.2.1");
	char *reason = NULL;
	tap_is_int(spf_guard_record(big, &reason), 0, "a record over %d bytes is refused",
		   SPF_GUARD_MAX_RECORD);
	free(reason);
	/* 500 bytes: over the RFC's 450-byte advice, still a valid record */
	strcpy(big, "v=spf1");
	while (strlen(big) < 500)
		strcat(big, " ip4:192.0.2.1");
	tap_is_int(spf_guard_record(big, &reason), 1, "a 500-byte record is evaluated");
	char *many = xstrdup("v=spf1");
	for (int i = 0; i <= SPF_GUARD_MAX_TERMS; i++) {
		char *next = xasprintf("%s ?all", many);
		free(many);
		many = next;
	}
	reason = NULL;
	tap_is_int(spf_guard_record(many, &reason), 0, "more than %d terms are refused",
		   SPF_GUARD_MAX_TERMS);
	free(reason);
	free(many);
}

static void test_explanations(void)
{
	char *reason = NULL;
	tap_is_int(spf_guard_explanation("%{i} is not one of %{d}'s servers; see %{r} at %{t}",
					 &reason),
		   1, "an explanation may use c, r, t and spaces");
	tap_is_int(spf_guard_explanation("bad %{z} macro", &reason), 0,
		   "an explanation with a bad macro is refused");
	free(reason);
}

static void test_limits(void)
{
	struct spf_guard_eval e;
	spf_guard_eval_reset(&e);
	tap_ok(spf_guard_eval_query(&e, SPF_GUARD_Q_RECORD, "example.com"),
	       "the first record is free");
	int ok = 1;
	for (int i = 0; i < 10; i++)
		ok &= spf_guard_eval_query(&e, SPF_GUARD_Q_A, "a.example.com") &&
		      spf_guard_eval_answer(&e, SPF_GUARD_Q_A, 0, NULL, 0);
	tap_ok(ok, "10 DNS terms are allowed");
	tap_is_int(spf_guard_eval_query(&e, SPF_GUARD_Q_RECORD, "inc.example.com"), 0,
		   "the 11th (an include) is refused");
	tap_ok(spf_guard_eval_failed(&e) && strstr(e.verdict, "10") != NULL, "verdict: %s",
	       e.verdict);

	/* the A lookups of an mx term's names are part of the term */
	spf_guard_eval_reset(&e);
	const char *names[] = {"mx1.example.com", "mx2.example.com"};
	spf_guard_eval_query(&e, SPF_GUARD_Q_MX, "example.com");
	spf_guard_eval_answer(&e, SPF_GUARD_Q_MX, 0, names, 2);
	spf_guard_eval_query(&e, SPF_GUARD_Q_A, "mx1.example.com");
	spf_guard_eval_query(&e, SPF_GUARD_Q_A, "MX2.example.com");
	tap_is_int(e.dns_terms, 1, "mx with two names counts once");
	spf_guard_eval_query(&e, SPF_GUARD_Q_A, "mx1.example.com");
	tap_is_int(e.dns_terms, 2, "a later a:mx1 counts again");

	/* void lookups */
	spf_guard_eval_reset(&e);
	int rc = 1;
	for (int i = 0; i < 2; i++)
		rc &= spf_guard_eval_query(&e, SPF_GUARD_Q_A, "nx.example.com") &&
		      spf_guard_eval_answer(&e, SPF_GUARD_Q_A, 1, NULL, 0);
	tap_ok(rc, "two void lookups are allowed");
	spf_guard_eval_query(&e, SPF_GUARD_Q_A, "nx.example.com");
	tap_is_int(spf_guard_eval_answer(&e, SPF_GUARD_Q_A, 1, NULL, 0), 0,
		   "a third void lookup is a permerror");

	/* more than 10 MX names */
	spf_guard_eval_reset(&e);
	const char *eleven[11];
	for (int i = 0; i < 11; i++)
		eleven[i] = "mx.example.com";
	spf_guard_eval_query(&e, SPF_GUARD_Q_MX, "example.com");
	tap_is_int(spf_guard_eval_answer(&e, SPF_GUARD_Q_MX, 0, eleven, 11), 0,
		   "11 MX names are a permerror");
	spf_guard_eval_reset(&e);
	spf_guard_eval_query(&e, SPF_GUARD_Q_EXP, "exp.example.com");
	tap_is_int(e.dns_terms, 0, "the exp= lookup is not counted");
}

int main(void)
{
	test_records();
	test_cve_pattern();
	test_size_limits();
	test_explanations();
	test_limits();
	return tap_done();
}
