/* table_reload_test.c: tables read from a file pick up a changed file (on
 * demand and by themselves within a second), keep their old contents when
 * the new file is bad or gone, and never show a half-swapped table to
 * lookups running in other threads. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mem.h"
#include "table.h"
#include "table_test.h"
#include "tap.h"

static char *table_reload_path;

static void table_reload_expect(struct table *t, const char *want, const char *what)
{
	const struct table_case cases[] = {{"k", want}};
	table_test_cases(t, cases, 1, what);
}

static void test_on_demand(struct table *t)
{
	char *error = NULL;
	table_reload_expect(t, "one", "first version");
	tap_is_int(table_reload(t, &error), 0, "an unchanged file is not reloaded");
	tap_write_file(table_reload_path, "k two\n");
	tap_is_int(table_reload(t, &error), 1, "a changed file is reloaded");
	table_reload_expect(t, "two", "second version");
	tap_write_file(table_reload_path, "k twx\n");
	tap_is_int(table_reload(t, &error), 1, "a same-size rewrite is noticed");
	table_reload_expect(t, "twx", "same-size version");

	tap_write_file(table_reload_path, "k three\nbroken\n");
	tap_is_int(table_reload(t, &error), -1, "a bad new version is an error");
	char *want =
	    xasprintf("%s:2: expected format: key whitespace value: \"broken\"", table_reload_path);
	tap_is_str(error, want, "the error names file and line");
	free(want);
	FREE_AND_NULL(error);
	table_reload_expect(t, "twx", "the old contents stay after a bad version");

	unlink(table_reload_path);
	tap_is_int(table_reload(t, &error), -1, "a vanished file is an error");
	tap_ok(error != NULL && strstr(error, "cannot open") != NULL, "the error says so: %s",
	       error);
	FREE_AND_NULL(error);
	table_reload_expect(t, "twx", "the old contents stay after the file went away");
}

static void table_reload_next_second(void)
{
	usleep(1100 * 1000);
}

static void test_automatic(struct table *t)
{
	tap_write_file(table_reload_path, "k four\n");
	table_reload_next_second();
	table_reload_expect(t, "four", "a lookup reloads a changed file by itself");
	tap_write_file(table_reload_path, "bad\n");
	table_reload_next_second();
	table_reload_expect(t, "four", "an automatic reload keeps the contents of a bad file");
	table_reload_expect(t, "four", "and lookups go on answering from them");
}

struct table_reload_reader {
	struct table *table;
	int bad;
};

static void *table_reload_read(void *arg)
{
	struct table_reload_reader *r = arg;
	for (int i = 0; i < 3000; i++) {
		char *value = NULL, *error = NULL;
		int rc = table_lookup(r->table, "k", &value, &error);
		if (rc != 1 || (strcmp(value, "A") != 0 && strcmp(value, "BB") != 0))
			r->bad++;
		free(value);
		free(error);
	}
	return NULL;
}

static void test_threads(struct table *t)
{
	tap_write_file(table_reload_path, "k A\n");
	char *error = NULL;
	table_reload(t, &error);
	struct table_reload_reader readers[4];
	pthread_t threads[4];
	for (int i = 0; i < 4; i++) {
		readers[i] = (struct table_reload_reader){t, 0};
		pthread_create(&threads[i], NULL, table_reload_read, &readers[i]);
	}
	int reloads = 0;
	for (int i = 0; i < 200; i++) {
		tap_write_file(table_reload_path, i % 2 ? "k A\n" : "k BB\n");
		if (table_reload(t, &error) == 1)
			reloads++;
		free(error);
		error = NULL;
	}
	int bad = 0;
	for (int i = 0; i < 4; i++) {
		pthread_join(threads[i], NULL);
		bad += readers[i].bad;
	}
	tap_is_int(reloads, 200, "every rewrite was reloaded while readers ran");
	tap_is_int(bad, 0, "readers only ever saw a whole version of the table");
}

int main(void)
{
	table_reload_path = xasprintf("%s/access", tap_tmpdir());
	tap_write_file(table_reload_path, "k one\n");
	char *spec = xasprintf("texthash:%s", table_reload_path);
	struct table *t = table_test_open(spec, 0);
	test_on_demand(t);
	test_automatic(t);
	test_threads(t);
	table_free(&t);

	t = table_test_open("inline:{k=v}", 0);
	char *error = NULL;
	tap_is_int(table_reload(t, &error), 0, "a table without a file never reloads");
	table_free(&t);

	unlink(table_reload_path);
	rmdir(tap_tmpdir());
	free(spec);
	free(table_reload_path);
	return tap_done();
}
