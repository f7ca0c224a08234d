/* table_cidr_test.c: cidr: tables match IPv4 and IPv6 keys as Postfix's
 * cidr_table(5) does (first match, negation within one address family,
 * nested if/endif) and refuse bad rules with file:line. */
#include <stdlib.h>

#include "table.h"
#include "table_test.h"
#include "tap.h"

static const char table_cidr_text[] = "192.168.1.1      host\n"
				      "192.168.0.0/16   net16\n"
				      "[10.1.2.0]/24    bracketed\n"
				      "[10.1.3.0/24]    bracketed too\n"
				      "2001:DB8::1      v6host\n"
				      "2001:db8::/32    v6net\n"
				      "if 172.16.0.0/12\n"
				      "172.16.1.0/24    inner\n"
				      "if !172.16.2.0/24\n"
				      "0.0.0.0/0        private not 2\n"
				      "endif\n"
				      "endif\n"
				      "!10.0.0.0/8      not ten\n"
				      "::/0             any v6\n"
				      "10.0.0.0/8       multi\n"
				      "  line result\n";

static void test_lookups(void)
{
	static const struct table_case cases[] = {
	    {"192.168.1.1", "host"},
	    {"192.168.7.7", "net16"},
	    {"10.1.2.99", "bracketed"},
	    {"10.1.3.1", "bracketed too"},
	    {"2001:db8::1", "v6host"},
	    {"2001:0DB8:0:0:0:0:0:0001", "v6host"},
	    {"2001:db8:ffff::9", "v6net"},
	    {"172.16.1.9", "inner"},
	    {"172.17.0.1", "private not 2"},
	    {"172.16.2.1", "not ten"},
	    {"8.8.8.8", "not ten"},
	    {"::1", "any v6"},
	    {"::ffff:10.0.0.1", "any v6"},
	    {"10.9.9.9", "multi  line result"},
	    /* Keys that are not addresses match nothing, not even "!". */
	    {"[8.8.8.8]", NULL},
	    {"010.1.1.1", NULL},
	    {"example.com", NULL},
	    {"", NULL},
	};
	struct table *t = table_test_text("cidr", table_cidr_text, 0);
	tap_ok(table_is_pattern(t), "cidr is a pattern table");
	table_test_cases(t, cases, sizeof(cases) / sizeof(*cases), "cidr");
	table_free(&t);
}

static void test_negation_family(void)
{
	static const struct table_case cases[] = {
	    {"1.2.3.4", NULL},
	    {"2001:db8::1", "not loopback"},
	    {"::1", NULL},
	};
	struct table *t = table_test_text("cidr", "!::1 not loopback\n", 0);
	table_test_cases(t, cases, sizeof(cases) / sizeof(*cases), "IPv6 negation");
	table_free(&t);
}

static void test_errors(void)
{
	static const struct {
		const char *text;
		const char *want;
		const char *name;
	} cases[] = {
	    {"1.2.3.4 ok\n192.168.1.1/16 x\n",
	     "test:2: non-null host address bits in \"192.168.1.1/16\", perhaps you should "
	     "use \"192.168.0.0/16\" instead",
	     "host bits set"},
	    {"2001:db8::1/32 x\n",
	     "test:1: non-null host address bits in \"2001:db8::1/32\", perhaps you should use "
	     "\"2001:db8::/32\" instead",
	     "IPv6 host bits set"},
	    {"10.0.0.0/33 x\n", "test:1: bad prefix length in \"10.0.0.0/33\"", "prefix > 32"},
	    {"::/129 x\n", "test:1: bad prefix length in \"::/129\"", "prefix > 128"},
	    {"10.0.0.0/ x\n", "test:1: bad prefix length in \"10.0.0.0/\"", "empty prefix"},
	    {"10.0.0.0/-1 x\n", "test:1: bad prefix length in \"10.0.0.0/-1\"", "negative prefix"},
	    {"1.2.3 x\n", "test:1: bad address pattern: \"1.2.3\"", "three octets"},
	    {"010.1.1.1 x\n", "test:1: bad address pattern: \"010.1.1.1\"", "leading zero"},
	    {"example.com x\n", "test:1: bad address pattern: \"example.com\"", "a name"},
	    {"1.2.3.4\n", "test:1: no lookup result: \"1.2.3.4\"", "no result"},
	    {"if 1.2.3.0/24 x\nendif\n", "test:1: garbage after IF pattern: \"x\"",
	     "text after if"},
	    {"if 1.2.3.0/24\nendif x\n", "test:2: garbage after ENDIF", "text after endif"},
	    {"endif\n", "test:1: ENDIF without matching IF", "endif without if"},
	    {"if 1.2.3.0/24\nif 1.2.3.0/25\nendif\n", "test:1: IF has no matching ENDIF",
	     "if without endif"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++)
		table_test_rejects("cidr", cases[i].text, cases[i].want, cases[i].name);
}

static void test_inline_rules(void)
{
	static const struct table_case cases[] = {
	    {"10.1.1.1", "REJECT ten"},
	    {"11.1.1.1", NULL},
	};
	struct table *t = table_test_open("cidr:{ {10.0.0.0/8 REJECT ten}, {192.0.2.0/24 OK} }", 0);
	table_test_cases(t, cases, sizeof(cases) / sizeof(*cases), "cidr:{...}");
	table_free(&t);
	char *error = NULL;
	tap_is_int(table_open("cidr:{ {10.1.0.0/8 x} }", 0, &t, &error), -1,
		   "cidr:{...} with a bad rule is refused");
	tap_is_str(error,
		   "cidr:{ {10.1.0.0/8 x} }:1: non-null host address bits in \"10.1.0.0/8\", "
		   "perhaps you should use \"10.0.0.0/8\" instead",
		   "the rule is named by its position");
	free(error);
}

int main(void)
{
	test_lookups();
	test_negation_family();
	test_errors();
	test_inline_rules();
	return tap_done();
}
