/* cfg_expand_test.c: $name expansion, relational expressions, guards. The
 * expected results were checked against postconf -x of Postfix 3.7. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cfg.h"
#include "cfg_diag.h"
#include "cfg_expand.h"
#include "cfg_parse.h"
#include "mem.h"
#include "tap.h"

static const char defs[] = "b = B\n"
			   "e =\n"
			   "a = $e\n"
			   "n = 10\n"
			   "nested = <$b>\n"
			   "deeper = [$nested]\n"
			   "compatibility_level = 0\n"
			   "style = ${{$compatibility_level} <level {2} ? {subnet} : {host}}\n";

static const struct {
	const char *text;
	const char *want; /* result, or "ERR:" and a part of the message */
} cases[] = {
	{ "plain text", "plain text" },
	{ "[$b] [${b}] [$(b)]", "[B] [B] [B]" },
	{ "[$b$b] [$bb] [${b}b] [$$b] [$$$b]", "[BB] [] [Bb] [$b] [$B]" },
	{ "[$nope] [${nope}]", "[] []" },
	{ "$deeper", "[<B>]" },
	{ "[${ b }]", "[B]" },
	{ "[${b}}]", "[B}]" },
	{ "[$b{]", "[B{]" },
	{ "[${b:x}] [${e?x}] [${nope?x}] [${nope:x}] [${e:x}] [${b?x}]",
	  "[] [] [] [x] [x] [x]" },
	{ "[${b ? x}]", "[ x]" },
	{ "[${b?x:y}]", "[x:y]" },
	{ "[${b?{ x y }}]", "[ x y ]" },
	{ "[${e:{ x }}]", "[ x ]" },
	{ "[${b?{X}:{Y}}] [${e?{X}:{Y}}] [${e?{X}:Y Z}] [${nope?{X}:{Y}}]",
	  "[X] [Y] [Y Z] [Y]" },
	{ "[${b?{X}: {Y} }]", "[X]" },
	{ "[${b?}]", "[]" },
	{ "[${b?$b$b}] [${b?{${e:{in}}}}]", "[BB] [in]" },
	{ "[${b?a}b}]", "[ab}]" },
	{ "[$(b?(x))] [${b?(x)}]", "[(x)] [(x)]" },
	{ "[${a?yes}] [${a:no}] [$a]", "[yes] [] []" }, /* emptiness of the raw value */
	{ "[${{$b} == {B} ? {eq} : {ne}}]", "[eq]" },
	{ "[${{$b}!={B}?{ne}:{eq}}]", "[eq]" },
	{ "[${{10} < {9} ? {lt} : {ge}}] [${{$n} > {9} ? {gt}}]", "[ge] [gt]" },
	{ "[${{abc} < {abd} ? {lt} : {ge}}] [${{10} < {9x} ? {lt} : {ge}}]", "[lt] [lt]" },
	{ "[${{007} == {7} ? {same}}] [${{1}<={1}?{T}}] [${{2} >= {3} ? {T} : {F}}]",
	  "[same] [T] [F]" },
	{ "[${{10} <level {9} ? {lt} : {ge}}] [${{3.10} <level {3.9} ? {lt} : {ge}}]",
	  "[ge] [ge]" },
	{ "[${{3.6} >=level {3.6.0} ? {y}}] [${{1.2.3} ==level {1.2} ? {a}:{b}}]", "[y] [b]" },
	{ "[${{2} !=level {2.0} ? {ne} : {eq}}] [${{3} <=level {3.1} ? {le}}]", "[eq] [le]" },
	{ "[${{3.7} >level {3.6.9} ? {gt}}]", "[gt]" },
	{ "[${{a}=={a}}] [${{a}!={a}}]", "[true] []" },
	{ "$style", "subnet" },
	{ "[$]", "ERR:empty parameter name after \"$\"" },
	{ "x$", "ERR:empty parameter name" },
	{ "[$-x]", "ERR:empty parameter name" },
	{ "[${}]", "ERR:empty parameter name" },
	{ "[${b", "ERR:truncated parameter reference" },
	{ "[${b?{x}", "ERR:truncated parameter reference" },
	{ "[$(b}]", "ERR:truncated parameter reference" },
	{ "[${b)}]", "ERR:parameter name syntax error at \"b)\"" },
	{ "[${b c}]", "ERR:parameter name syntax error" },
	{ "[${b?{x}y}]", "ERR:\":\" expected at \"y\"" },
	{ "[${b?{x}:{y}z}]", "ERR:unexpected text at \"z\"" },
	{ "[${b?{x}:{y}]", "ERR:truncated" },
	{ "[$(b?{x)]", "ERR:unbalanced {} in \"{x\"" },
	{ "[${{x}}]", "ERR:\"==\", \"!=\", \"<\", \"<=\", \">=\" or \">\" expected" },
	{ "[${{x} = {y}}]", "ERR:expected" },
	{ "[${{x} == y}]", "ERR:\"{text}\" expected after operator" },
	{ "[${{x} ==foo {y}}]", "ERR:unknown operator suffix \"foo\"" },
	{ "[${{x} == {y} z}]", "ERR:\"?\" or \":\" expected" },
	{ "[${{x}<level{y}?{a}}]", "ERR:malformed compatibility level: \"x\"" },
	{ "[${{3.}<level{4}?{a}}]", "ERR:malformed compatibility level: \"3.\"" },
	{ "[${{1.2.3.4}<level{4}?{a}}]", "ERR:malformed compatibility level" },
};

static struct cfg *load(struct cfg *parent, const char *text)
{
	struct cfg *c = cfg_new(parent);
	struct cfg_diags d;
	char *error = NULL;
	cfg_diags_init(&d);
	if (cfg_parse_buf(c, "test", text, strlen(text), &d, &error) < 0) {
		printf("Bail out! %s\n", error);
		exit(1);
	}
	cfg_diags_deinit(&d);
	return c;
}

static void check(const struct cfg *c, const char *text, const char *want)
{
	struct buf out;
	buf_init(&out, 0);
	char *error = NULL;
	int rc = cfg_expand(c, text, &out, &error);
	if (strncmp(want, "ERR:", 4) == 0) {
		tap_ok(rc == -1 && error != NULL && strstr(error, want + 4) != NULL,
		       "%s: error containing %s", text, want + 4);
		if (rc != -1 || error == NULL || strstr(error, want + 4) == NULL)
			tap_diag("got rc=%d, error=%s, out=%s", rc, error ? error : "(none)",
				 buf_cstr(&out));
	} else {
		if (rc != 1)
			tap_diag("error: %s", error);
		tap_is_str(buf_cstr(&out), want, "%s", text);
	}
	free(error);
	buf_deinit(&out);
}

static void test_cases(void)
{
	struct cfg *c = load(NULL, defs);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check(c, cases[i].text, cases[i].want);
	cfg_free(&c);
}

static void test_layers(void)
{
	struct cfg *defaults =
	    load(NULL, "myhostname = host.example\n"
		       "myorigin = $myhostname\n"
		       "compatibility_level = 0\n"
		       "style = ${{$compatibility_level} <level {2} ? {subnet} : "
		       "{host}}\n");
	struct cfg *main_cf = load(defaults, "myhostname = mail.example.com\n"
					     "compatibility_level = 3.6\n");
	struct cfg *service = load(main_cf, "myhostname = smtp.example.com\n");
	char *v = NULL, *error = NULL;
	tap_ok(cfg_expand_param(main_cf, "myorigin", &v, &error) == 1 &&
		       strcmp(v, "mail.example.com") == 0,
	       "a default refers to the value main.cf sets");
	free(v);
	tap_ok(cfg_expand_param(service, "myorigin", &v, &error) == 1 &&
		       strcmp(v, "smtp.example.com") == 0,
	       "a service override is seen by defaults and main.cf values");
	free(v);
	tap_ok(cfg_expand_param(main_cf, "style", &v, &error) == 1 && strcmp(v, "host") == 0,
	       "compatibility_level from main.cf decides a relational default");
	free(v);
	tap_ok(cfg_expand_param(defaults, "style", &v, &error) == 1 && strcmp(v, "subnet") == 0,
	       "the default compatibility_level gives the old default");
	free(v);
	tap_is_int(cfg_expand_param(main_cf, "nope", &v, &error), 0,
		   "expanding an undefined parameter: 0");
	cfg_free(&service);
	cfg_free(&main_cf);
	cfg_free(&defaults);
}

static void test_guards(void)
{
	struct cfg *c = load(NULL, "a = x $b\nb = ${c?{$a}}\nc = 1\nself = <$self>\n"
				   "ok = $c$c\n");
	char *v = NULL, *error = NULL;
	tap_is_int(cfg_expand_param(c, "a", &v, &error), -1, "a reference loop is an error");
	tap_is_str(error, "parameter a: recursive parameter reference: $a -> $b -> $a",
		   "the loop error names the chain");
	free(error);
	tap_is_int(cfg_expand_param(c, "self", &v, &error), -1, "a = $a is a loop");
	tap_is_str(error, "parameter self: recursive parameter reference: $self -> $self",
		   "the self-reference error names it");
	free(error);
	tap_ok(cfg_expand_param(c, "ok", &v, &error) == 1 && strcmp(v, "11") == 0,
	       "the same parameter twice side by side is not a loop");
	free(v);
	struct buf out;
	buf_init(&out, 0);
	tap_is_int(cfg_expand(c, "[$b]", &out, &error), -1, "a loop reached from text");
	tap_is_str(error, "recursive parameter reference: $b -> $a -> $b",
		   "the chain starts where the loop was entered");
	free(error);
	buf_deinit(&out);
	cfg_free(&c);

	/* A chain deeper than the limit. */
	struct buf text;
	buf_init(&text, 0);
	for (int i = 0; i < CFG_EXPAND_MAX_DEPTH + 10; i++)
		buf_printf(&text, "p%d = $p%d\n", i, i + 1);
	buf_printf(&text, "p%d = end\n", CFG_EXPAND_MAX_DEPTH + 10);
	c = load(NULL, buf_cstr(&text));
	tap_is_int(cfg_expand_param(c, "p0", &v, &error), -1, "too deep a chain is an error");
	tap_ok(error && strstr(error, "nested more than") != NULL, "too deep: the message");
	free(error);
	tap_ok(cfg_expand_param(c, "p20", &v, &error) == 1 && strcmp(v, "end") == 0,
	       "a chain within the limit expands");
	free(v);
	cfg_free(&c);

	/* Doubling at each level: the result would be 2^40 bytes. */
	buf_reset(&text);
	for (int i = 0; i < 40; i++)
		buf_printf(&text, "d%d = $d%d$d%d\n", i, i + 1, i + 1);
	buf_printf(&text, "d40 = ");
	for (int i = 0; i < 1000; i++)
		buf_append_char(&text, 'x');
	buf_append_char(&text, '\n');
	c = load(NULL, buf_cstr(&text));
	error = NULL;
	tap_is_int(cfg_expand_param(c, "d0", &v, &error), -1, "an exploding result is an error");
	tap_ok(error && strstr(error, "longer than") != NULL, "exploding result: the message");
	free(error);
	cfg_free(&c);

	/* The same with empty values: no output, but too many lookups. */
	buf_reset(&text);
	for (int i = 0; i < 40; i++)
		buf_printf(&text, "z%d = $z%d${z%d}\n", i, i + 1, i + 1);
	buf_printf(&text, "z40 = ${nothing}\n");
	c = load(NULL, buf_cstr(&text));
	error = NULL;
	tap_is_int(cfg_expand_param(c, "z0", &v, &error), -1, "exploding work is an error");
	tap_ok(error && strstr(error, "lookups") != NULL, "exploding work: the message");
	free(error);
	cfg_free(&c);
	buf_deinit(&text);
}

struct names {
	struct buf b;
};

static void collect(void *ctx, const char *name)
{
	struct names *n = ctx;
	buf_printf(&n->b, "%s,", name);
}

static void test_scan(void)
{
	static const struct {
		const char *text;
		const char *want;
	} scans[] = {
		{ "$a ${b} $(c) $$d", "a,b,c," },
		{ "${a?$b}${c:{$d}}${e?{$f}:{$g}}", "a,b,c,d,e,f,g," },
		{ "${{$a} == {$b} ? {$c} : {$d}}", "a,b,c,d," },
		{ "permit_mynetworks, check_client_access hash:$config_directory/x",
		  "config_directory," },
	};
	for (size_t i = 0; i < sizeof(scans) / sizeof(scans[0]); i++) {
		struct names n;
		buf_init(&n.b, 0);
		char *error = NULL;
		int rc = cfg_expand_scan(scans[i].text, collect, &n, &error);
		tap_ok(rc == 1 && strcmp(buf_cstr(&n.b), scans[i].want) == 0,
		       "scan %s: %s", scans[i].text, scans[i].want);
		if (rc != 1 || strcmp(buf_cstr(&n.b), scans[i].want) != 0)
			tap_diag("got %s (%s)", buf_cstr(&n.b), error ? error : "");
		free(error);
		buf_deinit(&n.b);
	}
	struct names n;
	buf_init(&n.b, 0);
	char *error = NULL;
	tap_is_int(cfg_expand_scan("${a", collect, &n, &error), -1, "scan: a syntax error");
	free(error);
	buf_deinit(&n.b);
}

static void test_compat(void)
{
	int cmp;
	char *error = NULL;
	tap_ok(cfg_compat_level_cmp("3.10", "3.9", &cmp, &error) == 1 && cmp > 0,
	       "compatibility level 3.10 is above 3.9");
	tap_ok(cfg_compat_level_cmp("2", "2.0.0", &cmp, &error) == 1 && cmp == 0,
	       "missing parts are zero");
	tap_ok(cfg_compat_level_cmp("1", "x", &cmp, &error) == -1 && strstr(error, "\"x\""),
	       "a malformed level is named");
	free(error);
}

int main(void)
{
	test_cases();
	test_layers();
	test_guards();
	test_scan();
	test_compat();
	return tap_done();
}
