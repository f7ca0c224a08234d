/* table_static_test.c: static: tables answer every key with their value,
 * as postconf(5) describes; a missing value or stray text is refused. */
#include <stdlib.h>

#include "table.h"
#include "table_test.h"
#include "tap.h"

static void test_values(void)
{
	static const struct {
		const char *spec;
		const char *want;
	} cases[] = {
	    {"static:OK", "OK"},
	    {"static:smtp:[relay.example]:587", "smtp:[relay.example]:587"},
	    {"static:hello world", "hello world"},
	    {"static:{ text with  spaces }", "text with  spaces"},
	    {"static:{}", ""},
	    {"static:{a{b}c}", "a{b}c"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		struct table *t = table_test_open(cases[i].spec, 0);
		const struct table_case lookups[] = {{"anything", cases[i].want},
						     {"", cases[i].want}};
		table_test_cases(t, lookups, 2, cases[i].spec);
		tap_ok(!table_is_pattern(t), "%s is not a pattern table", cases[i].spec);
		table_free(&t);
	}
}

static void test_errors(void)
{
	static const struct table_bad_spec cases[] = {
	    {"static:", "\"static:\": expected a table in type:name form"},
	    {"static:{a} b", "static:{a} b: \"{a} b\": expected text in braces, as in {text}"},
	    {"static:{a", "static:{a: \"{a\": expected text in braces, as in {text}"},
	};
	table_test_bad_specs(cases, sizeof(cases) / sizeof(*cases));
}

int main(void)
{
	test_values();
	test_errors();
	return tap_done();
}
