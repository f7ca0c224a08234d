/* milter_skel_conf_test.c: settings tables: defaults, types and bounds,
 * $name expansion, -o overrides, unknown names at file:line, user-defined
 * parameters, and printing like postconf. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg_diag.h"
#include "mem.h"
#include "milter_skel_conf.h"
#include "tap.h"

struct test_settings {
	char *name;
	char **list;
	int flag;
	long long count;
	long long bytes;
	long long wait;
	int mode;
	int action;
	unsigned perm;
};

#define OFF(m) offsetof(struct test_settings, m)
static const struct milter_skel_param test_params[] = {
	MILTER_PARAM_STR("name", "demo", OFF(name)),
	MILTER_PARAM_LST("list", "a, b c", OFF(list)),
	MILTER_PARAM_BOOLEAN("flag", "no", OFF(flag)),
	MILTER_PARAM_NUM("count", "5", OFF(count), 1, 10),
	MILTER_PARAM_BYTES("bytes", "1024", OFF(bytes), 0, 1000000),
	MILTER_PARAM_SECS("wait", "10", OFF(wait), 'm'),
	MILTER_PARAM_CHOICE("mode", "sv", OFF(mode), "sv s v"),
	{"action", MILTER_PARAM_ENUM, "accept", OFF(action), 0, 0, "accept reject tempfail", 0x5, 0,
	 NULL},
	MILTER_PARAM_MODE("perm", "0660", OFF(perm)),
};

static struct milter_skel_section test_section(struct test_settings *s)
{
	return (struct milter_skel_section){test_params,
					    sizeof(test_params) / sizeof(test_params[0]), s};
}

/* load: write text to a file, load it with overrides; the result and the
 * first error (NULL when none) for the caller to free. */
static int load(const char *text, const struct cli_override *o, size_t n_o, struct test_settings *s,
		char **error_r)
{
	char *path = xasprintf("%s/test.conf", tap_tmpdir());
	struct milter_skel_section sec = test_section(s);
	struct cfg_diags diags;
	tap_write_file(path, text);
	cfg_diags_init(&diags);
	*error_r = NULL;
	int rc = milter_skel_conf_load(path, o, n_o, &sec, 1, &diags, error_r);
	cfg_diags_deinit(&diags);
	free(path);
	return rc;
}

static void release(struct test_settings *s)
{
	struct milter_skel_section sec = test_section(s);
	milter_skel_conf_release(&sec, 1);
	memset(s, 0, sizeof(*s));
}

static void test_defaults(void)
{
	struct test_settings s = {0};
	char *error;
	tap_is_int(load("# nothing\n", NULL, 0, &s, &error), 1, "an empty file loads");
	tap_is_str(s.name, "demo", "string default");
	tap_ok(s.list[0] && strcmp(s.list[0], "a") == 0 && strcmp(s.list[2], "c") == 0 &&
		       s.list[3] == NULL,
	       "list default split at commas and white space");
	tap_is_int(s.flag, 0, "bool default");
	tap_is_int(s.count, 5, "int default");
	tap_is_int(s.wait, 600, "time default in its unit (minutes)");
	tap_is_int(s.mode, 0, "enum default is the first choice");
	tap_is_int(s.perm, 0660, "octal default");
	release(&s);
}

static void test_values(void)
{
	struct test_settings s = {0};
	char *error;
	tap_is_int(load("name = x-$mode-${count}\nflag = YES\ncount = 7\nwait = 30s\n"
			"mode = V\naction = tempfail\nperm = 0600\nlist =\n",
			NULL, 0, &s, &error),
		   1, "a file with every type loads");
	tap_is_str(s.name, "x-V-7", "$name and ${name} are expanded");
	tap_is_int(s.flag, 1, "bool yes in any case");
	tap_is_int(s.count, 7, "int");
	tap_is_int(s.wait, 30, "time with a unit");
	tap_is_int(s.mode, 2, "enum chosen without regard to case");
	tap_is_int(s.action, 2, "enum index of an allowed choice");
	tap_is_int(s.perm, 0600, "octal");
	tap_ok(s.list != NULL && s.list[0] == NULL, "an empty list has no items");
	release(&s);

	struct cli_override o[] = {{"count", "9"}, {"name", "$user_defined"}};
	tap_is_int(load("count = 3\nuser_defined = mine\n", o, 2, &s, &error), 1,
		   "-o overrides load, a user-defined parameter that is used is fine");
	tap_is_int(s.count, 9, "-o wins over the file");
	tap_is_str(s.name, "mine", "-o value refers to a user-defined parameter");
	release(&s);
}

static void test_errors(void)
{
	static const struct {
		const char *text;
		const char *error;
	} cases[] = {
		{"count = 3\nbogus = 1\n", "test.conf:2: unknown parameter \"bogus\""},
		{"count = 11\n", "test.conf:1: count: value \"11\" out of range"},
		{"count = x\n", "test.conf:1: count:"},
		{"flag = maybe\n", "test.conf:1: flag:"},
		{"bytes = 2000000\n", "test.conf:1: bytes: \"2000000\": must be from 0 to 1000000"},
		{"mode = both\n", "test.conf:1: mode: \"both\": expected one of sv, s, v"},
		{"\n\naction = reject\n",
		 "test.conf:3: action: \"reject\": expected one of accept, tempfail"},
		{"perm = 0800\n", "test.conf:1: perm: \"0800\": expected an octal mode"},
		{"perm = 017777\n", "test.conf:1: perm:"},
		{"wait = 5y\n", "test.conf:1: wait:"},
		{"name = $name\n", "test.conf:1: name:"},
		{"not a setting\n", "test.conf:1:"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct test_settings s = {0};
		char *error;
		int rc = load(cases[i].text, NULL, 0, &s, &error);
		const char *base = error != NULL ? strstr(error, "test.conf") : NULL;
		tap_ok(rc == -1 && base != NULL &&
			       strncmp(base, cases[i].error, strlen(cases[i].error)) == 0,
		       "error case %zu: %s", i, cases[i].error);
		if (base == NULL || strncmp(base, cases[i].error, strlen(cases[i].error)) != 0)
			tap_diag("got: %s", error != NULL ? error : "(none)");
		free(error);
		release(&s);
	}

	struct test_settings s = {0};
	char *error;
	struct cli_override o[] = {{"nosuch", "1"}};
	tap_is_int(load("", o, 1, &s, &error), -1, "an unknown -o name is an error");
	tap_is_str(error, "-o nosuch: unknown parameter", "... saying -o");
	free(error);
	release(&s);

	struct milter_skel_section sec = test_section(&s);
	struct cfg_diags diags;
	cfg_diags_init(&diags);
	char *path = xasprintf("%s/missing.conf", tap_tmpdir());
	tap_is_int(milter_skel_conf_load(path, NULL, 0, &sec, 1, &diags, &error), -1,
		   "a missing file is an error");
	tap_ok(error != NULL && strstr(error, "missing.conf: no such file") != NULL,
	       "... naming the file");
	free(error);
	free(path);
	cfg_diags_deinit(&diags);
	release(&s);
}

static char *print(const char *text, enum milter_skel_print mode, char **names, int *rc_r)
{
	char *path = xasprintf("%s/print.conf", tap_tmpdir());
	struct test_settings s = {0};
	struct milter_skel_section sec = test_section(&s);
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	tap_write_file(path, text);
	*rc_r = milter_skel_conf_print(f, path, NULL, 0, &sec, 1, mode, names);
	fclose(f);
	free(path);
	return out;
}

static void test_print(void)
{
	int rc;
	char *out = print("count = 3\n", MILTER_PRINT_SET, NULL, &rc);
	tap_is_str(out, "count = 3\n", "-n prints what the file sets");
	free(out);
	out = print("count = 3\n", MILTER_PRINT_DEFAULTS, NULL, &rc);
	tap_ok(rc == 0 && strstr(out, "count = 5\n") != NULL && strstr(out, "perm = 0660\n"),
	       "-d prints the defaults");
	free(out);
	char *names[] = {"flag", "list", NULL};
	out = print("flag = yes\n", MILTER_PRINT_ALL, names, &rc);
	tap_is_str(out, "list = a, b c\nflag = yes\n", "names select, in table order");
	free(out);
	char *bad[] = {"nosuch", NULL};
	out = print("", MILTER_PRINT_ALL, bad, &rc);
	tap_is_int(rc, 1, "an unknown name fails");
	free(out);
}

int main(void)
{
	test_defaults();
	test_values();
	test_errors();
	test_print();
	return tap_done();
}
