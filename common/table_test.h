/* table_test.h: helpers shared by the table unit tests (header-only, so
 * that only the tests compile it): open a table from text, run a list of
 * lookups, expect an open (of text or of a spec) to fail with a given
 * message. */
#ifndef POSTERN_TABLE_TEST_H
#define POSTERN_TABLE_TEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "table.h"
#include "tap.h"

/* One lookup and its expected result; want NULL means "not found". */
struct table_case {
	const char *key;
	const char *want;
};

/* table_test_open: open spec, or bail out of the test. */
static inline struct table *table_test_open(const char *spec, int flags)
{
	struct table *table;
	char *error;
	if (table_open(spec, flags, &table, &error) < 0) {
		printf("Bail out! %s: %s\n", spec, error);
		exit(1);
	}
	return table;
}

/* table_test_text: open text as a table of type, or bail out. */
static inline struct table *table_test_text(const char *type, const char *text, int flags)
{
	struct table *table;
	char *error;
	if (table_open_buffer(type, "test", text, strlen(text), flags, &table, &error) < 0) {
		printf("Bail out! %s table: %s\n", type, error);
		exit(1);
	}
	return table;
}

/* table_test_cases: look each key up and compare with the expected value. */
static inline void table_test_cases(struct table *table, const struct table_case *cases, size_t n,
				    const char *what)
{
	for (size_t i = 0; i < n; i++) {
		char *value = NULL, *error = NULL;
		int rc = table_lookup(table, cases[i].key, &value, &error);
		if (rc < 0)
			tap_diag("lookup error: %s", error);
		tap_is_str(rc > 0 ? value : NULL, cases[i].want, "%s: \"%s\" -> %s", what,
			   cases[i].key, cases[i].want ? cases[i].want : "not found");
		free(value);
		free(error);
	}
}

/* One table spec that table_open() must refuse, and its message. */
struct table_bad_spec {
	const char *spec;
	const char *want;
};

/* table_test_bad_specs: table_open() refuses each of the n specs with its
 * message. */
static inline void table_test_bad_specs(const struct table_bad_spec *cases, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct table *t = NULL;
		char *error = NULL;
		tap_is_int(table_open(cases[i].spec, 0, &t, &error), -1, "%s is refused",
			   cases[i].spec);
		tap_is_str(error, cases[i].want, "%s: message", cases[i].spec);
		free(error);
		table_free(&t);
	}
}

/* table_test_rejects: opening text as type must fail with a message equal
 * to want. */
static inline void table_test_rejects(const char *type, const char *text, const char *want,
				      const char *what)
{
	struct table *table = NULL;
	char *error = NULL;
	int rc = table_open_buffer(type, "test", text, strlen(text), 0, &table, &error);
	tap_ok(rc < 0 && table == NULL, "%s: refused", what);
	tap_is_str(error, want, "%s: message", what);
	free(error);
	table_free(&table);
}

#endif
