/* cfg_value_test.c: typed values and list splitting. Where Postfix has an
 * opinion (postmap reading main.cf), the expected results follow it. */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cfg_list.h"
#include "cfg_value.h"
#include "tap.h"

static void test_bool(void)
{
	static const struct {
		const char *in;
		int rc, want;
	} cases[] = {
		{ "yes", 1, 1 }, { "YES", 1, 1 }, { "No", 1, 0 }, { "no", 1, 0 },
		{ "maybe", -1, 0 }, { "", -1, 0 }, { "yes ", -1, 0 }, { "1", -1, 0 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int v = -1;
		char *error = NULL;
		int rc = cfg_value_bool(cases[i].in, &v, &error);
		tap_ok(rc == cases[i].rc && (rc < 0 || v == cases[i].want), "bool \"%s\"",
		       cases[i].in);
		free(error);
	}
}

static void test_time(void)
{
	static const struct {
		const char *in;
		char unit;
		long long want; /* -1: an error */
	} cases[] = {
		{ "3600s", 's', 3600 },	  { "60m", 's', 3600 }, { "1h", 's', 3600 },
		{ "2w", 's', 1209600 },	  { "3d", 'h', 259200 }, { "10", 's', 10 },
		{ "10", 'h', 36000 },	  { "5", 'd', 432000 }, { "0", 's', 0 },
		{ "1H", 's', -1 },	  { "-5s", 's', -1 },    { "5x", 's', -1 },
		{ "1.5h", 's', -1 },	  { "5 s", 's', -1 },    { "", 's', -1 },
		{ "5ss", 's', -1 },	  { "s", 's', -1 },      { "99999999999999999w", 's', -1 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		long long v = -2;
		char *error = NULL;
		int rc = cfg_value_time(cases[i].in, cases[i].unit, &v, &error);
		if (cases[i].want < 0)
			tap_ok(rc == -1 && error && strstr(error, "bad time value"),
			       "time \"%s\" is an error", cases[i].in);
		else
			tap_ok(rc == 1 && v == cases[i].want, "time \"%s\" (unit %c) = %lld",
			       cases[i].in, cases[i].unit, cases[i].want);
		free(error);
	}
}

static void test_numbers(void)
{
	long long v;
	char *error = NULL;
	tap_ok(cfg_value_int("42", 0, 100, &v, &error) == 1 && v == 42, "int 42");
	tap_ok(cfg_value_int("-3", -10, 10, &v, &error) == 1 && v == -3, "int -3 when allowed");
	tap_is_int(cfg_value_int("-3", 0, 10, &v, &error), -1, "int below the minimum");
	tap_ok(error && strstr(error, "out of range"), "out of range: the message");
	free(error);
	tap_is_int(cfg_value_int("0x10", 0, 100, &v, &error), -1, "int 0x10");
	free(error);
	tap_is_int(cfg_value_int("", 0, 100, &v, &error), -1, "int empty");
	free(error);
	tap_ok(cfg_value_size("10240000", &v, &error) == 1 && v == 10240000, "size 10240000");
	tap_ok(cfg_value_size("99999999999", &v, &error) == 1 && v == 99999999999LL,
	       "size beyond 32 bits");
	tap_is_int(cfg_value_size("10k", &v, &error), -1, "size 10k (no units, as Postfix)");
	free(error);
	tap_is_int(cfg_value_size("-1", &v, &error), -1, "size -1");
	free(error);
	tap_is_int(cfg_value_size("999999999999999999999", &v, &error), -1, "size overflow");
	free(error);
}

static char *joined(char **items)
{
	struct buf b;
	buf_init(&b, 0);
	for (char **i = items; *i; i++)
		buf_printf(&b, "<%s>", *i);
	char *s = buf_detach(&b);
	buf_deinit(&b);
	return s;
}

static void test_lists(void)
{
	static const struct {
		const char *in;
		const char *want; /* NULL: an error */
	} cases[] = {
		{ "a, b c,,d\te\n f", "<a><b><c><d><e><f>" },
		{ "", "" },
		{ " , ,\t", "" },
		{ "permit_mynetworks, check_policy_service { inet:127.0.0.1:9998, timeout=10s }, "
		  "reject",
		  "<permit_mynetworks><check_policy_service><{ inet:127.0.0.1:9998, timeout=10s }>"
		  "<reject>" },
		{ "x{a b}y z", "<x{a b}y><z>" },
		{ "{a {b c} d}", "<{a {b c} d}>" },
		{ "{a b", NULL },
		{ "a}", NULL },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char **items = NULL, *error = NULL;
		size_t n = 99;
		int rc = cfg_list_split(cases[i].in, &items, &n, &error);
		if (cases[i].want == NULL) {
			tap_ok(rc == -1 && error != NULL, "list case %zu is an error", i);
		} else {
			char *got = rc == 1 ? joined(items) : NULL;
			tap_is_str(got, cases[i].want, "list case %zu", i);
			free(got);
		}
		free(error);
		cfg_list_free(&items);
		tap_ok(items == NULL, "cfg_list_free clears the pointer");
	}
	char **items = NULL, *error = NULL;
	size_t n = 0;
	tap_ok(cfg_split_at("a,b c", " ", &items, &n, &error) == 1 && n == 2 &&
		       strcmp(items[0], "a,b") == 0,
	       "cfg_split_at with other separators");
	cfg_list_free(&items);
}

static void test_unbrace(void)
{
	static const struct {
		const char *in;
		int rc;
		const char *want;
	} cases[] = {
		{ "{ name = value }", 1, "name = value" },
		{ "  {x}  ", 1, "x" },
		{ "{ a {b} c }", 1, "a {b} c" },
		{ "{}", 1, "" },
		{ "plain", 0, "plain" },
		{ "{ a", -1, NULL },
		{ "{a} b", -1, NULL },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *inner = NULL, *error = NULL;
		int rc = cfg_unbrace(cases[i].in, &inner, &error);
		tap_ok(rc == cases[i].rc && (rc < 0 || strcmp(inner, cases[i].want) == 0),
		       "unbrace \"%s\"", cases[i].in);
		free(inner);
		free(error);
	}
}

int main(void)
{
	test_bool();
	test_time();
	test_numbers();
	test_lists();
	test_unbrace();
	return tap_done();
}
