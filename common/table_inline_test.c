/* table_inline_test.c: inline: tables parse as postconf(5) says and
 * Postfix 3.7 does: commas and/or white space between items, braces around
 * items with spaces, folded keys, the last of repeated keys. */
#include <stdlib.h>

#include "table.h"
#include "table_test.h"
#include "tap.h"

static void test_lookups(void)
{
	static const struct table_case cases[] = {
	    {"key1", "v1"},    {"KEY1", "v1"},	{"key2", "text with spaces"},
	    {"k3", "a=b"},     {"k4", "{b c}"}, {"k5", ""},
	    {"k6", "1, k7=2"}, {"k7", NULL},	{"dup", "last"},
	    {"key", NULL},
	};
	struct table *t =
	    table_test_open("inline:{ Key1=v1, { key2 = text with spaces }, "
			    "k3=a=b k4={b c},,{k5=} {k6=1, k7=2} dup=first dup=last }",
			    0);
	table_test_cases(t, cases, sizeof(cases) / sizeof(*cases), "inline");
	table_free(&t);

	static const struct table_case kept[] = {{"Key1", "v1"}, {"key1", NULL}};
	t = table_test_open("inline:{Key1=v1}", TABLE_NO_FOLD);
	table_test_cases(t, kept, 2, "inline without folding");
	table_free(&t);
}

static void test_errors(void)
{
	static const struct table_bad_spec cases[] = {
	    {"inline:{}", "inline:{}: \"{}\": empty list"},
	    {"inline:{ a }", "inline:{ a }: \"a\": expected name=value"},
	    {"inline:{ key = value }", "inline:{ key = value }: \"key\": expected name=value"},
	    {"inline:{ {k e y = v} }", "inline:{ {k e y = v} }: \"k e y = v\": expected "
				       "name=value"},
	    {"inline:{ =1 }", "inline:{ =1 }: \"=1\": expected name=value"},
	    {"inline:a=1", "inline:a=1: \"a=1\": expected text in braces, as in {text}"},
	    {"inline:{a=1} ", "inline:{a=1} : \"{a=1} \": expected text in braces, as in "
			      "{text}"},
	    {"inline:{ {a=1 }", "inline:{ {a=1 }: \"{ {a=1 }\": expected text in braces, as "
				"in {text}"},
	    {"inline:{ a=1} }", "inline:{ a=1} }: \"{ a=1} }\": expected text in braces, as "
				"in {text}"},
	    {"inline:{ {a}x=1 }", "inline:{ {a}x=1 }: \"{a}x=1\": expected text in braces, as "
				  "in {text}"},
	};
	table_test_bad_specs(cases, sizeof(cases) / sizeof(*cases));
}

int main(void)
{
	test_lookups();
	test_errors();
	return tap_done();
}
