/* table_texthash_test.c: "key value" tables (texthash:, and hash: read
 * from postmap's source) find what postmap -q finds: folded keys, the first
 * of duplicate keys, continuation lines; malformed lines are refused with
 * file:line. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "mem.h"
#include "table.h"
#include "table_test.h"
#include "tap.h"

static const char table_texthash_text[] = "# access table\n"
					  "Example.COM      REJECT Go Away\n"
					  "user@example.net OK\n"
					  "dup first\n"
					  "dup second\n"
					  "multi  550 5.7.1 first part\n"
					  "  second part\n"
					  "k#ey  v#alue # not a comment\n"
					  "tabbed\t\tvalue\twith tab  \n";

static void test_lookups(void)
{
	static const struct table_case cases[] = {
	    {"example.com", "REJECT Go Away"},
	    {"EXAMPLE.com", "REJECT Go Away"},
	    {"user@Example.NET", "OK"},
	    {"dup", "first"},
	    {"multi", "550 5.7.1 first part  second part"},
	    {"k#ey", "v#alue # not a comment"},
	    {"tabbed", "value\twith tab"},
	    {"example", NULL},
	    {"", NULL},
	    {" example.com", NULL},
	};
	struct table *t = table_test_text("texthash", table_texthash_text, 0);
	tap_ok(!table_is_pattern(t), "texthash is a fixed-string table");
	table_test_cases(t, cases, sizeof(cases) / sizeof(*cases), "texthash");
	table_free(&t);
	tap_ok(t == NULL, "table_free clears the pointer");
	table_free(&t);
}

static void test_many_keys(void)
{
	struct buf text;
	buf_init(&text, 0);
	for (int i = 0; i < 20000; i++)
		buf_printf(&text, "Key%d value%d\n", i, i);
	struct table *t = table_test_text("texthash", buf_cstr(&text), 0);
	buf_deinit(&text);
	int wrong = 0;
	for (int i = 0; i < 20000 + 100; i++) {
		char key[32], want[32];
		snprintf(key, sizeof(key), "KEY%d", i);
		snprintf(want, sizeof(want), "value%d", i);
		char *value = NULL, *error = NULL;
		int rc = table_lookup(t, key, &value, &error);
		if (rc != (i < 20000) || (rc > 0 && strcmp(value, want) != 0))
			wrong++;
		free(value);
		free(error);
	}
	tap_is_int(wrong, 0, "20000 keys: each found with its value, others not found");
	table_free(&t);
}

static void test_no_fold(void)
{
	static const struct table_case cases[] = {
	    {"Example.COM", "REJECT Go Away"},
	    {"example.com", NULL},
	};
	struct table *t = table_test_text("texthash", table_texthash_text, TABLE_NO_FOLD);
	table_test_cases(t, cases, sizeof(cases) / sizeof(*cases), "no folding");
	table_free(&t);
}

static void test_errors(void)
{
	table_test_rejects("texthash", "a b\nkeyonly\n",
			   "test:2: expected format: key whitespace value: \"keyonly\"",
			   "a key without value");
	table_test_rejects("texthash", "  a b\n",
			   "test:1: logical line must not start with white space (a continuation "
			   "line without a line to continue)",
			   "a leading continuation line");
	table_test_rejects("nosuch", "a b\n", "test: \"nosuch\" is not a file-based table type",
			   "an unknown type");
	table_test_rejects("static", "a b\n", "test: \"static\" is not a file-based table type",
			   "a type without files");
}

static void test_files(void)
{
	char *path = xasprintf("%s/access", tap_tmpdir());
	tap_write_file(path, "Foo bar\n");
	char *spec = xasprintf("hash:%s", path);
	struct table *t = table_test_open(spec, 0);
	static const struct table_case cases[] = {{"FOO", "bar"}};
	table_test_cases(t, cases, 1, "hash: reads the source file");
	tap_is_str(table_spec(t), spec, "table_spec gives the spec");
	table_free(&t);

	char *proxied = xasprintf("proxy:btree:%s", path);
	t = table_test_open(proxied, 0);
	table_test_cases(t, cases, 1, "proxy:btree: is btree:");
	table_free(&t);

	char *error = NULL;
	char *missing = xasprintf("hash:%s/none", tap_tmpdir());
	tap_is_int(table_open(missing, 0, &t, &error), -1, "a missing source file is an error");
	tap_ok(error != NULL && strstr(error, "No such file") != NULL &&
		   strstr(error, "not the indexed file") != NULL,
	       "the message says Postern reads the source file: %s", error);
	free(error);
	unlink(path);
	free(missing);
	free(proxied);
	free(spec);
	free(path);
	rmdir(tap_tmpdir());
}

static void test_specs(void)
{
	static const struct table_bad_spec bad[] = {
	    {"texthash", "\"texthash\": expected a table in type:name form"},
	    {":x", "\":x\": expected a table in type:name form"},
	    {"hash:", "\"hash:\": expected a table in type:name form"},
	    {"ldap:/etc/x.cf", "\"ldap:/etc/x.cf\": unsupported table type \"ldap\""},
	    {"HASH:/etc/x", "\"HASH:/etc/x\": unsupported table type \"HASH\""},
	};
	table_test_bad_specs(bad, sizeof(bad) / sizeof(*bad));
}

int main(void)
{
	test_lookups();
	test_many_keys();
	test_no_fold();
	test_errors();
	test_files();
	test_specs();
	return tap_done();
}
