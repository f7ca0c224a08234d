/* cfg_test.c: the main.cf parser and the layered store. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "cfg_diag.h"
#include "cfg_lines.h"
#include "cfg_parse.h"
#include "mem.h"
#include "tap.h"

/* parse: text into a fresh layer; diagnostics into *d. */
static struct cfg *parse(const char *text, struct cfg_diags *d, int *rc_r)
{
	struct cfg *c = cfg_new(NULL);
	char *error = NULL;
	cfg_diags_init(d);
	*rc_r = cfg_parse_buf(c, "main.cf", text, strlen(text), d, &error);
	free(error);
	return c;
}

/* dump: "name=value@line;" for every entry, and "S:line:text;" per finding. */
static char *dump(const struct cfg *c, const struct cfg_diags *d)
{
	struct buf b;
	buf_init(&b, 0);
	for (size_t i = 0; i < cfg_count(c); i++) {
		const struct cfg_entry *e = cfg_entry_at(c, i);
		buf_printf(&b, "%s=%s@%u;", e->name, e->value, e->line);
	}
	for (size_t i = 0; i < d->n; i++)
		buf_printf(&b, "%c:%u:%s;", "NWE"[d->items[i].severity], d->items[i].line,
			   d->items[i].text);
	char *s = buf_detach(&b);
	buf_deinit(&b);
	return s;
}

static const struct {
	const char *name;
	const char *input;
	const char *want; /* dump() of the result */
} parse_cases[] = {
	{ "name = value", "a = b\n", "a=b@1;" },
	{ "no white space around =", "a=b\n", "a=b@1;" },
	{ "white space around = and at the end is dropped", "a \t=  b c \t \n", "a=b c@1;" },
	{ "last line without newline", "a = b", "a=b@1;" },
	{ "empty value", "a =\nb=\n", "a=@1;b=@2;" },
	{ "# elsewhere is part of the value", "a = b # c\n", "a=b # c@1;" },
	{ "comment and empty lines are ignored", "# x\n\n   \n\t# y\na = 1\n", "a=1@5;" },
	{ "continuation keeps the white space, drops the newline", "a = x\n  y\n\tz\n",
	  "a=x  y\tz@1;" },
	{ "comment inside a continuation is ignored", "a = x,\n# c\n   # d\n  y\n",
	  "a=x,  y@1;" },
	{ "empty line inside a continuation is ignored", "a = 1\n\n\t2\nb = 3\n",
	  "a=1\t2@1;b=3@4;" },
	{ "continuation of an empty value", "a =\n  x\n", "a=x@1;" },
	{ "= inside the value", "a = b=c\n", "a=b=c@1;" },
	{ "CRLF line ends", "a = b\r\nc = d\r\n  e\r\n", "a=b@1;c=d\r  e@2;" },
	{ "backslash is not special", "a = x \\\n  y\n", "a=x \\  y@1;" },
	{ "last definition wins, with a warning",
	  "a = 1\nb = 2\na = 3\n",
	  "a=3@3;b=2@2;W:3:overriding earlier entry: a=1 (line 1);" },
	{ "line number of a logical line is its first line", "\n\na = 1\n  2\nb = 3\n",
	  "a=1  2@3;b=3@5;" },
	{ "missing = is an error, parsing goes on", "a = 1\nfoo bar = x\nb = 2\n",
	  "a=1@1;b=2@3;E:2:missing \"=\" after parameter name: \"foo bar = x\";" },
	{ "missing name is an error", "= y\n",
	  "E:1:missing parameter name before \"=\": \"= y\";" },
	{ "a word alone is an error", "lonely\n",
	  "E:1:missing \"=\" after parameter name: \"lonely\";" },
	{ "an error spanning lines is reported at its first line", "a = 1\nbad\n  x = y\n",
	  "a=1@1;E:2:missing \"=\" after parameter name: \"bad  x = y\";" },
	{ "a first line starting with white space is ignored", "  a = 1\n  b\nc = 2\n",
	  "c=2@3;W:1:logical line must not start with white space; line ignored;" },
	{ "any characters but = and white space form a name", "a.b-c:d = 1\n",
	  "a.b-c:d=1@1;" },
};

static void test_parse_cases(void)
{
	for (size_t i = 0; i < sizeof(parse_cases) / sizeof(parse_cases[0]); i++) {
		struct cfg_diags d;
		int rc;
		struct cfg *c = parse(parse_cases[i].input, &d, &rc);
		char *got = dump(c, &d);
		tap_is_str(got, parse_cases[i].want, "parse: %s", parse_cases[i].name);
		int has_error = strstr(parse_cases[i].want, "E:") != NULL;
		tap_is_int(rc, has_error ? -1 : 1, "parse: %s: return value", parse_cases[i].name);
		free(got);
		cfg_diags_deinit(&d);
		cfg_free(&c);
	}
}

static void test_nul_byte(void)
{
	static const char text[] = "a = 1\nb = x\0y\nc = 3\n";
	struct cfg *c = cfg_new(NULL);
	struct cfg_diags d;
	char *error = NULL;
	cfg_diags_init(&d);
	int rc = cfg_parse_buf(c, "main.cf", text, sizeof(text) - 1, &d, &error);
	char *got = dump(c, &d);
	tap_is_str(got, "a=1@1;c=3@3;E:2:NUL byte in line; logical line ignored;",
		   "a NUL byte is an error and the line is skipped");
	tap_is_int(rc, -1, "a NUL byte: return value");
	tap_is_str(error, "main.cf:2: NUL byte in line; logical line ignored",
		   "the returned error names file and line");
	free(error);
	free(got);
	cfg_diags_deinit(&d);
	cfg_free(&c);
}

static void test_long_line(void)
{
	size_t n = CFG_LINES_MAX_DEFAULT + 10;
	char *text = xmalloc(n + 64);
	strcpy(text, "a = ");
	memset(text + 4, 'x', n);
	strcpy(text + 4 + n, "\nb = 2\n");
	struct cfg_diags d;
	int rc;
	struct cfg *c = parse(text, &d, &rc);
	tap_ok(cfg_get(c, "a") == NULL && strcmp(cfg_get(c, "b"), "2") == 0,
	       "a too long logical line is skipped, the next one read");
	tap_ok(rc == -1 && d.n == 1 && strstr(d.items[0].text, "longer than") != NULL,
	       "a too long logical line is an error");
	cfg_diags_deinit(&d);
	cfg_free(&c);
	free(text);
}

/* The same input cut at every point (and fed byte by byte) parses the same. */
static void test_chunking(void)
{
	static const char text[] = "# comment\na = 1\n  2\n\n#x\n\tthree\nb=x#y\n"
				   "  \nbad line\nc = $a\r\n  d\na = 4\n  ";
	size_t len = sizeof(text) - 1;
	struct cfg_diags d;
	int rc;
	struct cfg *c = parse(text, &d, &rc);
	char *want = dump(c, &d);
	cfg_diags_deinit(&d);
	cfg_free(&c);
	int same = 1;
	for (size_t cut = 0; cut <= len && same; cut++) {
		c = cfg_new(NULL);
		cfg_diags_init(&d);
		struct cfg_parser *p = cfg_parser_new(c, "main.cf", &d);
		cfg_parser_feed(p, text, cut);
		cfg_parser_feed(p, text + cut, len - cut);
		char *error = NULL;
		cfg_parser_finish(p, &error);
		free(error);
		cfg_parser_free(&p);
		char *got = dump(c, &d);
		if (strcmp(got, want) != 0) {
			tap_diag("cut at %zu: %s", cut, got);
			same = 0;
		}
		free(got);
		cfg_diags_deinit(&d);
		cfg_free(&c);
	}
	tap_ok(same, "input cut at every point parses the same");

	c = cfg_new(NULL);
	cfg_diags_init(&d);
	struct cfg_parser *p = cfg_parser_new(c, "main.cf", &d);
	for (size_t i = 0; i < len; i++)
		cfg_parser_feed(p, text + i, 1);
	char *error = NULL;
	tap_is_int(cfg_parser_finish(p, &error), -1, "byte by byte: the bad line is an error");
	tap_is_str(error, "main.cf:9: missing \"=\" after parameter name: \"bad line\"",
		   "byte by byte: the first error");
	free(error);
	cfg_parser_free(&p);
	cfg_parser_free(&p);
	char *got = dump(c, &d);
	tap_is_str(got, want, "input fed byte by byte parses the same");
	free(got);
	free(want);
	cfg_diags_deinit(&d);
	cfg_free(&c);
}

static void test_layers(void)
{
	struct cfg *defaults = cfg_new(NULL);
	cfg_set(defaults, "a", "default-a", NULL, 0);
	cfg_set(defaults, "b", "default-b", NULL, 0);
	struct cfg *main_cf = cfg_new(defaults);
	cfg_set(main_cf, "b", "main-b", "main.cf", 3);
	struct cfg *service = cfg_new(main_cf);
	cfg_set(service, "c", "service-c", "master.cf", 9);

	tap_is_str(cfg_get(service, "a"), "default-a", "a lookup falls through to the bottom");
	tap_is_str(cfg_get(service, "b"), "main-b", "the nearest layer wins");
	tap_is_str(cfg_get(main_cf, "c"), NULL, "a lower layer does not see a higher one");
	tap_ok(cfg_lookup_local(service, "b") == NULL, "cfg_lookup_local looks at one layer");
	const struct cfg_entry *e = cfg_lookup(service, "b");
	tap_ok(e && strcmp(e->file, "main.cf") == 0 && e->line == 3,
	       "an entry remembers file and line");
	tap_ok(cfg_parent(service) == main_cf, "cfg_parent");

	cfg_set(main_cf, "b", "again", NULL, 0);
	e = cfg_lookup(main_cf, "b");
	tap_ok(cfg_count(main_cf) == 1 && strcmp(e->value, "again") == 0 && e->file == NULL,
	       "setting a name again replaces value, file and line");
	/* Replacing a value with a copy of itself must not read freed memory. */
	cfg_set(main_cf, "b", e->value, e->file, e->line);
	tap_is_str(cfg_get(main_cf, "b"), "again", "a value can be set from its own entry");

	char name[32];
	for (int i = 0; i < 1000; i++) {
		snprintf(name, sizeof(name), "p%d", i);
		cfg_set(defaults, name, name, NULL, 0);
	}
	int all = 1;
	for (int i = 0; i < 1000; i++) {
		snprintf(name, sizeof(name), "p%d", i);
		const char *v = cfg_get(service, name);
		all &= v != NULL && strcmp(v, name) == 0;
	}
	tap_ok(all && cfg_count(defaults) == 1002, "a layer holds many entries");
	tap_ok(cfg_entry_at(defaults, 1002) == NULL && strcmp(cfg_entry_at(defaults, 0)->name,
								"a") == 0,
	       "entries keep the order of their first definition");

	cfg_free(&service);
	cfg_free(&main_cf);
	cfg_free(&defaults);
	tap_ok(defaults == NULL, "cfg_free clears the pointer");
	cfg_free(&defaults);
	cfg_free(NULL);
	tap_ok(1, "cfg_free accepts NULL");
}

static void test_files(void)
{
	char path[4200];
	snprintf(path, sizeof(path), "%s/main.cf", tap_tmpdir());
	tap_write_file(path, "myhostname = mail.example.com\nmyhostname = x\n");
	struct cfg *c = cfg_new(NULL);
	struct cfg_diags d;
	cfg_diags_init(&d);
	char *error = NULL;
	tap_is_int(cfg_load_file(c, path, &d, &error), 1, "cfg_load_file reads a file");
	tap_is_str(cfg_get(c, "myhostname"), "x", "cfg_load_file: the value");
	tap_ok(d.n == 1 && strcmp(d.items[0].file, path) == 0 && d.items[0].line == 2,
	       "cfg_load_file: the warning names the file and line");
	char *text = cfg_diag_format(&d.items[0]);
	char *want =
	    xasprintf("%s:2: warning: overriding earlier entry: myhostname=mail.example.com "
		      "(line 1)",
		      path);
	tap_is_str(text, want, "cfg_diag_format");
	free(text);
	free(want);
	snprintf(path, sizeof(path), "%s/absent.cf", tap_tmpdir());
	tap_is_int(cfg_load_file(c, path, &d, &error), 0, "a missing file is not an error");
	tap_is_int(cfg_load_file(c, tap_tmpdir(), &d, &error), -1,
		   "a directory cannot be read");
	tap_ok(error != NULL && strstr(error, tap_tmpdir()) != NULL, "the read error names it");
	free(error);
	cfg_diags_deinit(&d);
	cfg_free(&c);
}

static void test_split_nameval(void)
{
	char *name, *value, *error;
	tap_ok(cfg_split_nameval("  a = b c  ", &name, &value, &error) == 1 &&
		       strcmp(name, "a") == 0 && strcmp(value, "b c") == 0,
	       "split_nameval trims around name and value");
	free(name);
	free(value);
	tap_is_int(cfg_split_nameval("a b", &name, &value, &error), -1,
		   "split_nameval: no = is an error");
	free(error);
}

static void test_diags(void)
{
	struct cfg_diags d;
	cfg_diags_init(&d);
	cfg_diag_add(&d, CFG_WARNING, "b.cf", 5, "w1");
	cfg_diag_add(&d, CFG_ERROR, "a.cf", 9, "e1");
	cfg_diag_add(&d, CFG_NOTE, "b.cf", 2, "n1");
	cfg_diag_add(&d, CFG_WARNING, NULL, 0, "cmd");
	cfg_diag_add(&d, CFG_WARNING, "a.cf", 1, "w2");
	cfg_diag_add(&d, CFG_ERROR, "b.cf", 2, "e2");
	cfg_diags_sort(&d);
	struct buf b;
	buf_init(&b, 0);
	for (size_t i = 0; i < d.n; i++) {
		char *s = cfg_diag_format(&d.items[i]);
		buf_printf(&b, "%s|", s);
		free(s);
	}
	tap_is_str(buf_cstr(&b),
		   "warning: cmd|b.cf:2: note: n1|b.cf:2: error: e2|b.cf:5: warning: w1|"
		   "a.cf:1: warning: w2|a.cf:9: error: e1|",
		   "findings sort by file (first seen), then line, stably");
	tap_is_int((long long)cfg_diags_count(&d, CFG_ERROR), 2, "cfg_diags_count");
	char *first = cfg_diags_first_error(&d, 0);
	tap_is_str(first, "b.cf:2: e2", "cfg_diags_first_error");
	free(first);
	tap_ok(cfg_diags_first_error(&d, d.n) == NULL, "no error past the end");
	buf_deinit(&b);
	cfg_diags_deinit(&d);
}

int main(void)
{
	test_parse_cases();
	test_nul_byte();
	test_long_line();
	test_chunking();
	test_layers();
	test_files();
	test_split_nameval();
	test_diags();
	return tap_done();
}
