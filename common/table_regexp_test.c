/* table_regexp_test.c: pcre: and regexp: tables follow pcre_table(5) and
 * regexp_table(5): flags, delimiters, negation, nested if/endif, $n
 * substitution, empty results; bad rules are refused with file:line and
 * the pattern. */
#include <stdlib.h>

#include "table.h"
#include "table_test.h"
#include "tap.h"

static const char table_pcre_text[] =
    "/^(?!owner-)(.*)-outgoing@(.*)/   550 Use ${1}@${2} instead\n"
    "/^(a+)(b*)c$/                     [$1][$(2)][$$1]\n"
    "/^CaSe$/i                         sensitive\n"
    "/^case$/                          insensitive\n"
    "#^hash#                           not a rule: a comment\n"
    "|^pipe\\|x$|                      pipe delimited\n"
    "!/@/                              no at sign\n"
    "if /@example\\.com$/\n"
    "/^postmaster@/                    OK\n"
    "if !/^admin/\n"
    "/^(.*)@/                          user $1\n"
    "endif\n"
    "endif\n"
    "/^empty@example\\.org$/\n"
    "/^a . b@/x                        extended\n"
    "/^(\\w+)@(x)?(y)?z\\.net$/         [$1][$2][$3]\n"
    "/^ungreedy(a+)/U                  lazy $1\n"
    "/b/A                              anchored\n";

static void test_pcre(void)
{
	static const struct table_case cases[] = {
	    {"list-outgoing@example.org", "550 Use list@example.org instead"},
	    {"owner-list-outgoing@example.org", NULL},
	    {"aabc", "[aa][b][$1]"},
	    {"ac", "[a][][$1]"},
	    {"CaSe", "sensitive"},
	    {"CASE", "insensitive"},
	    {"hash@x", NULL},
	    {"pipe|x", "pipe delimited"},
	    {"postmaster@example.com", "OK"},
	    {"john@example.com", "user john"},
	    {"admin@example.com", NULL},
	    {"empty@example.org", ""},
	    {"a-b@example.org", "extended"},
	    {"a . b@example.org", NULL},
	    {"xzy@x.net", NULL},
	    {"joe@xz.net", "[joe][x][]"},
	    {"joe@z.net", "[joe][][]"},
	    {"ungreedyaaa@x", "lazy a"},
	    {"ab@x", NULL},
	    {"b@x", "anchored"},
	};
	struct table *t = table_test_text("pcre", table_pcre_text, 0);
	tap_ok(table_is_pattern(t), "pcre is a pattern table");
	table_test_cases(t, cases, sizeof(cases) / sizeof(*cases), "pcre");
	table_free(&t);
}

/* Anchored patterns are skipped when the key's first byte cannot start a
 * match; every such case must still give what PCRE2 gives. */
static const char table_first_text[] =
    "/^buy cheap (\\w+)/    spam $1\n"
    "/^(From|To):/          address\n"
    "/^(?-i)Q/              upper q\n"
    "/^$/                   empty\n"
    "/^[0-9]+x/             digits\n"
    "/^.ny/                 any\n";

static void test_first_bytes(void)
{
	static const struct table_case cases[] = {
	    {"buy cheap pills", "spam pills"},
	    {"BUY CHEAP Pills", "spam Pills"},
	    {"xbuy cheap pills", NULL},
	    {"from: a", "address"},
	    {"TO: b", "address"},
	    {"Cc: c", NULL},
	    {"Q", "upper q"},
	    {"q", NULL},
	    {"", "empty"},
	    {"123x", "digits"},
	    {"x123x", NULL},
	    {"\tny", "any"},
	    {"Any", "any"},
	};
	struct table *t = table_test_text("pcre", table_first_text, 0);
	table_test_cases(t, cases, sizeof(cases) / sizeof(*cases), "pcre first bytes");
	table_free(&t);
	/* A negated anchored rule matches every key its first byte rules out. */
	static const struct table_case negated[] = {
	    {"X-Spam: yes", NULL},
	    {"x-spam: yes", NULL},
	    {"Subject: x", "not an X- field"},
	    {"", "not an X- field"},
	};
	t = table_test_text("pcre", "!/^X-/ not an X- field\n", 0);
	table_test_cases(t, negated, sizeof(negated) / sizeof(*negated), "pcre negated first bytes");
	table_free(&t);
	/* Every rule anchored: keys no rule can start are turned away before
	 * any pattern runs; the rules inside an if still match. */
	static const struct table_case nested[] = {
	    {"X-Spam: yes", "spam"},
	    {"X-Other: 1", NULL},
	    {"Subject: hi", "subject"},
	    {"Date: x", NULL},
	    {"", NULL},
	};
	t = table_test_text("pcre", "if /^X-/\n/^X-Spam:/ spam\nendif\n/^Subject:/ subject\n", 0);
	table_test_cases(t, nested, sizeof(nested) / sizeof(*nested), "pcre if first bytes");
	table_free(&t);
	/* In UTF mode a caseless k matches the Kelvin sign (another first
	 * byte): no first-byte shortcut there. */
	static const struct table_case utf[] = {{"\xe2\x84\xaa", "kelvin"}};
	t = table_test_text("pcre", "/(*UTF)^k/ kelvin\n", 0);
	table_test_cases(t, utf, 1, "pcre utf first bytes");
	table_free(&t);
}

/* The flags about newlines, which postmap -q cannot feed. */
static void test_pcre_newlines(void)
{
	static const struct table_case cases[] = {
	    {"end", "dollar end only"},	     {"end\n", "dollar before final newline"},
	    {"x\nline\ny", "multi line"},    {"axb", "dot no newline"},
	    {"a\nb", "dot matches newline"},
	};
	struct table *t = table_test_text("pcre",
					  "/^end$/E dollar end only\n"
					  "/^end$/ dollar before final newline\n"
					  "/^line$/m multi line\n"
					  "/^a.b$/s dot no newline\n"
					  "/^a.b$/ dot matches newline\n",
					  0);
	table_test_cases(t, cases, sizeof(cases) / sizeof(*cases), "pcre newlines");
	table_free(&t);
}

static void test_regexp(void)
{
	static const struct table_case cases[] = {
	    {"aab", "one aa-b-aa-$"}, {"Aab", "one Aa-b-Aa-$"},	 {"a b", "bre"},
	    {"a(b)", "bre group b"},  {"c+", "literal plus"},	 {"xyz", "braces"},
	    {"[x]\\", "brackets"},    {"end\n", NULL},		 {"one\ntwo", "newline mode"},
	    {"wordy", "word"},	      {"CaseSensitive", "case"}, {"casesensitive", NULL},
	};
	struct table *t = table_test_text("regexp",
					  "/^(a+)(b*)$/ one $1-${2}-$(1)-$$\n"
					  "/^a b$/x bre\n"
					  "/^a(\\(b\\))$/x bre group $1\n"
					  "/^c+$/x literal plus\n"
					  "/^x{1}y{1,}z{,2}$/ braces\n"
					  "/^\\[[]x[]+[\\]$/ brackets\n"
					  "/^end$/ dollar\n"
					  "/^two$/m newline mode\n"
					  "/^\\<word/ word\n"
					  "/^CaseSensitive$/i case\n",
					  0);
	table_test_cases(t, cases, sizeof(cases) / sizeof(*cases), "regexp");
	table_free(&t);
}

static void test_errors(void)
{
	static const struct {
		const char *type;
		const char *text;
		const char *want;
	} cases[] = {
	    {"pcre", "/ok/ x\n/^(a+)(/ bad\n",
	     "test:2: bad regular expression /^(a+)(/: missing closing parenthesis at "
	     "offset 6"},
	    {"pcre", "/(a)/ $2\n",
	     "test:1: result of /(a)/: group reference \"2\" out of range: the pattern has 1 "
	     "group"},
	    {"pcre", "/(a)/ $0\n",
	     "test:1: result of /(a)/: group reference \"0\" out of range: the pattern has 1 "
	     "group"},
	    {"pcre", "/(a)/ $1x\n", "test:1: result of /(a)/: non-numeric group reference \"1x\""},
	    {"pcre", "/(a)/ ${1\n", "test:1: result of /(a)/: unterminated reference \"${1\""},
	    {"pcre", "/a/ x$\n",
	     "test:1: result of /a/: \"$\" must be followed by a group number, \"{number}\" "
	     "or \"$\" (write \"$$\" for a \"$\")"},
	    {"pcre", "!/(a)/ $1\n",
	     "test:1: $number in the result of negated pattern !/(a)/: a pattern that did "
	     "not match has no groups"},
	    {"pcre", "/a/q x\n", "test:1: unknown flag \"q\" after /a/ (flags are \"imsxAEUX\")"},
	    {"regexp", "/a/s x\n", "test:1: unknown flag \"s\" after /a/ (flags are \"ixm\")"},
	    {"pcre", "/a x\n", "test:1: missing closing delimiter / in \"/a x\""},
	    {"pcre", "a b\n", "test:1: expected /pattern/ but found \"a b\""},
	    {"pcre", "if /a/ x\nendif\n",
	     "test:1: text after IF /a/: \"x\" (a rule inside IF ... ENDIF must start on its "
	     "own line, without leading white space)"},
	    {"pcre", "if /a/\n  /b/ x\nendif\n",
	     "test:1: text after IF /a/: \"/b/ x\" (a rule inside IF ... ENDIF must start "
	     "on its own line, without leading white space)"},
	    {"pcre", "if /a/\n/b/ x\n", "test:1: IF has no matching ENDIF"},
	    {"pcre", "/b/ x\nendif\n", "test:2: ENDIF without matching IF"},
	    {"pcre", "if /a/\nendif x\n", "test:2: text after ENDIF"},
	    {"regexp", "/a{/ x\n",
	     "test:1: bad regular expression /a{/: bad interval (expected {m}, {m,} or "
	     "{m,n}) at offset 2"},
	    {"regexp", "/a\\d/ x\n",
	     "test:1: bad regular expression /a\\d/: escape sequence with no meaning in a "
	     "POSIX regular expression at offset 3"},
	    {"regexp", "/(a/ x\n", "test:1: bad regular expression /(a/: unmatched ( at offset 2"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++)
		table_test_rejects(cases[i].type, cases[i].text, cases[i].want, cases[i].want);
}

static void test_inline_rules(void)
{
	static const struct table_case cases[] = {
	    {"spam@x", "REJECT spam"},
	    {"ham@x", "OK"},
	};
	struct table *t =
	    table_test_open("pcre:{ {/^spam@/ REJECT spam}, {if /^ham/}, {/./ OK}, {endif} }", 0);
	table_test_cases(t, cases, sizeof(cases) / sizeof(*cases), "pcre:{...}");
	table_free(&t);
	t = table_test_open("regexp:{ {/^spam@/ REJECT spam}, {!/^spam/ OK} }", 0);
	table_test_cases(t, cases, sizeof(cases) / sizeof(*cases), "regexp:{...}");
	table_free(&t);
	char *error = NULL;
	tap_is_int(table_open("pcre:{ {if /a/}, endif }", 0, &t, &error), -1,
		   "pcre:{...}: a rule outside braces is refused, as Postfix does");
	tap_is_str(error,
		   "pcre:{ {if /a/}, endif }: \"endif\": expected a rule in braces, as in "
		   "{rule}",
		   "and named");
	free(error);
}

int main(void)
{
	test_pcre();
	test_first_bytes();
	test_pcre_newlines();
	test_regexp();
	test_errors();
	test_inline_rules();
	return tap_done();
}
