/* addr_test.c: SMTP paths parse to Postfix's internal form in lenient and
 * strict mode, refused paths say why, quoting round-trips, and the address
 * questions (equality, routing, extensions) give Postfix's answers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "tap.h"

#define L 0
#define S ADDR_STRICT_RFC821
#define N ADDR_ALLOW_NULL
#define U ADDR_SMTPUTF8
#define E ADDR_ENFORCE_LIMITS

struct path_case {
	const char *in;
	unsigned int flags;
	const char *internal; /* NULL: refused */
	const char *domain;   /* NULL: none (or refused) */
	enum addr_fail fail;  /* when refused */
	const char *rest;     /* what follows the path */
};

static const struct path_case path_cases[] = {
	/* Plain paths, both modes. */
	{"<user@example.com>", L, "user@example.com", "example.com", 0, ""},
	{"<user@example.com>", S, "user@example.com", "example.com", 0, ""},
	{"<user@Example.COM> SIZE=100", S, "user@Example.COM", "Example.COM", 0, " SIZE=100"},
	{" <user@example.com>", S, "user@example.com", "example.com", 0, ""},
	{"<postmaster>", S, "postmaster", NULL, 0, ""},
	{"<first.last+tag@example.com>", S, "first.last+tag@example.com", "example.com", 0, ""},
	/* The null path. */
	{"<>", L | N, "", NULL, 0, ""},
	{"<>", S | N, "", NULL, 0, ""},
	{"<> BODY=8BITMIME", S | N, "", NULL, 0, " BODY=8BITMIME"},
	{"<>", L, NULL, NULL, ADDR_FAIL_NULL, NULL},
	{"<\"\">", L | N, "", NULL, 0, ""},               /* Postfix: "" is the null sender */
	/* Quoted local parts: the internal form is unquoted. */
	{"<\"john doe\"@example.com>", S, "john doe@example.com", "example.com", 0, ""},
	{"<\"john doe\"@example.com> NOTIFY=NEVER", S, "john doe@example.com", "example.com", 0,
	 " NOTIFY=NEVER"},
	{"<\"a\\\"b\\\\c\"@example.com>", S, "a\"b\\c@example.com", "example.com", 0, ""},
	{"<\"a@b\"@example.com>", S, "a@b@example.com", "example.com", 0, ""},
	{"<wietse\\ venema@porcupine.org>", S, "wietse venema@porcupine.org", "porcupine.org", 0,
	 ""},
	{"<\"a\".\"b\"@example.com>", S, "a.b@example.com", "example.com", 0, ""},
	{"<john..doe@example.com>", S, "john..doe@example.com", "example.com", 0, ""},
	{"<.user.@example.com>", S, ".user.@example.com", "example.com", 0, ""},
	{"<user%other@relay.example>", S, "user%other@relay.example", "relay.example", 0, ""},
	{"<host!user@relay.example>", S, "host!user@relay.example", "relay.example", 0, ""},
	/* Source routes are dropped, unchecked. */
	{"<@a.example,@b.example:user@c.example>", S, "user@c.example", "c.example", 0, ""},
	{"<@a.example:user@c.example>", L, "user@c.example", "c.example", 0, ""},
	/* IP literals. */
	{"<user@[192.0.2.1]>", S, "user@[192.0.2.1]", "[192.0.2.1]", 0, ""},
	{"<user@[IPv6:2001:db8::1]>", S, "user@[IPv6:2001:db8::1]", "[IPv6:2001:db8::1]", 0, ""},
	{"<user@[321.1.2.3]>", L, NULL, NULL, ADDR_FAIL_SYNTAX, NULL},
	{"<user@[2001:db8::1]>", L, NULL, NULL, ADDR_FAIL_SYNTAX, NULL},
	{"<user@[192.0.2.1].example>", L, NULL, NULL, ADDR_FAIL_SYNTAX, NULL},
	{"<user@[192.0.2.1>", L, NULL, NULL, ADDR_FAIL_SYNTAX, NULL},
	/* Trailing dots after the domain are removed. */
	{"<user@example.com.>", S, "user@example.com", "example.com", 0, ""},
	{"<user@example.com..>", L, "user@example.com", "example.com", 0, ""},
	{"<user@.>", L, NULL, NULL, ADDR_FAIL_SYNTAX, NULL},
	/* Domains Postfix's resolver refuses. */
	{"<user@1.2.3>", L, NULL, NULL, ADDR_FAIL_SYNTAX, NULL},
	{"<user@host:port>", L, NULL, NULL, ADDR_FAIL_SYNTAX, NULL},
	{"<user@>", L, NULL, NULL, ADDR_FAIL_SYNTAX, NULL},
	{"<user@exa_mple.com>", L, "user@exa_mple.com", "exa_mple.com", 0, ""},
	{"<user@-example.com>", L, NULL, NULL, ADDR_FAIL_SYNTAX, NULL},
	{"<user@\"example\".com>", L, NULL, NULL, ADDR_FAIL_SYNTAX, NULL},
	{"<user@ex\\ample.com>", L, NULL, NULL, ADDR_FAIL_SYNTAX, NULL},
	{"<user@a%b.example>", L, NULL, NULL, ADDR_FAIL_SYNTAX, NULL},
	/* Lenient only: no brackets, comments, phrases. */
	{"user@example.com", L, "user@example.com", "example.com", 0, ""},
	{"user@example.com SIZE=5", L, "user@example.com", "example.com", 0, " SIZE=5"},
	{"user@example.com", S, NULL, NULL, ADDR_FAIL_SYNTAX, NULL},
	{"<user@example.com (Joe)>", L, "user@example.com", "example.com", 0, ""},
	{"<user@example.com (Joe)>", S, NULL, NULL, ADDR_FAIL_SYNTAX, NULL},
	{"<(a (nested) comment)user@example.com>", L, "user@example.com", "example.com", 0, ""},
	{"<user @ example . com>", L, "user@example.com", "example.com", 0, ""},
	{"<user @ example.com>", S, "user@example.com", "example.com", 0, ""},
	{"<\"Joe User\" <user@example.com>>", L, "user@example.com", "example.com", 0, ""},
	{"<Joe <user@example.com>>", S, NULL, NULL, ADDR_FAIL_SYNTAX, NULL},
	{"<<user@example.com>>", S, "user@example.com", "example.com", 0, ""},
	{"<@example.com>", L, "@example.com", "example.com", 0, ""},
	{"<@example.com>", S, NULL, NULL, ADDR_FAIL_SYNTAX, NULL},
	{"<\"\"@example.com>", S, NULL, NULL, ADDR_FAIL_SYNTAX, NULL},
	/* Refused in both modes. */
	{"", L, NULL, NULL, ADDR_FAIL_SYNTAX, NULL},
	{"   ", L, NULL, NULL, ADDR_FAIL_SYNTAX, NULL},
	{"<user@example.com", L, NULL, NULL, ADDR_FAIL_SYNTAX, NULL},
	{"<\"user@example.com>", L, NULL, NULL, ADDR_FAIL_SYNTAX, NULL},
	{"<john doe@example.com>", L, NULL, NULL, ADDR_FAIL_SYNTAX, NULL},
	{"<a@example.com b@example.com>", L, NULL, NULL, ADDR_FAIL_SYNTAX, NULL},
	{"<\"a\"b@example.com>", L, NULL, NULL, ADDR_FAIL_SYNTAX, NULL},
	{"<a[b]@example.com>", L, NULL, NULL, ADDR_FAIL_SYNTAX, NULL},
	{"<a,b@example.com>", L, NULL, NULL, ADDR_FAIL_SYNTAX, NULL},
	{"<a;b@example.com>", L, NULL, NULL, ADDR_FAIL_SYNTAX, NULL},
	{"<a:b@example.com>", L, NULL, NULL, ADDR_FAIL_SYNTAX, NULL},
	{"<user@example.com>x", L, NULL, NULL, ADDR_FAIL_SYNTAX, NULL},
	{"<user@example.com>>", L, NULL, NULL, ADDR_FAIL_SYNTAX, NULL},
	{"<user@example.com (unclosed>", L, NULL, NULL, ADDR_FAIL_SYNTAX, NULL},
	{"<us\ter@example.com>", L, NULL, NULL, ADDR_FAIL_SYNTAX, NULL},
	{"<us\x01" "er@example.com>", L, NULL, NULL, ADDR_FAIL_SYNTAX, NULL},
	{"<\"us\x7f" "er\"@example.com>", L, NULL, NULL, ADDR_FAIL_SYNTAX, NULL},
	{"<user\\>", L, NULL, NULL, ADDR_FAIL_SYNTAX, NULL},
	{"<\"user@elsewhere.example\">", L, NULL, NULL, ADDR_FAIL_SYNTAX, NULL},
	/* UTF-8 (RFC 6531). */
	{"<j\xc3\xb6rg@example.com>", L, NULL, NULL, ADDR_FAIL_UTF8, NULL},
	{"<j\xc3\xb6rg@example.com>", L | U, "j\xc3\xb6rg@example.com", "example.com", 0, ""},
	{"<j\xc3\xb6rg@example.com>", L | ADDR_8BIT_LOCAL, "j\xc3\xb6rg@example.com",
	 "example.com", 0, ""},
	{"<user@b\xc3\xbc" "cher.de>", L, NULL, NULL, ADDR_FAIL_UTF8, NULL},
	{"<user@b\xc3\xbc" "cher.de>", L | ADDR_8BIT_LOCAL, NULL, NULL, ADDR_FAIL_UTF8, NULL},
	{"<user@b\xc3\xbc" "cher.de>", S | U, "user@b\xc3\xbc" "cher.de", "b\xc3\xbc" "cher.de", 0,
	 ""},
	{"<j\xff" "rg@example.com>", L | U, NULL, NULL, ADDR_FAIL_SYNTAX, NULL},
	{"<\"j\xc3\xb6 rg\"@example.com>", L | U, "j\xc3\xb6 rg@example.com", "example.com", 0,
	 ""},
};

static void test_paths(void)
{
	for (size_t i = 0; i < sizeof(path_cases) / sizeof(path_cases[0]); i++) {
		const struct path_case *c = &path_cases[i];
		struct addr *a = NULL;
		const char *rest = NULL;
		enum addr_fail fail = 0;
		char *error = NULL;
		int rc = addr_parse_path(c->in, c->flags, &a, &rest, &fail, &error);
		const char *mode = (c->flags & S) ? "strict" : "lenient";

		if (c->internal == NULL) {
			tap_ok(rc == -1 && a == NULL && error != NULL && fail == c->fail,
			       "%s refuses \"%s\" (fail %d: %s)", mode, c->in, (int)fail,
			       error ? error : "no message");
		} else if (tap_is_int(rc, 1, "%s accepts \"%s\"", mode, c->in)) {
			tap_is_str(a->internal, c->internal, "  ... internal form");
			tap_is_str(a->domain, c->domain, "  ... domain");
			tap_is_str(rest, c->rest, "  ... rest of the command");
		} else {
			tap_diag("error: %s", error);
		}
		addr_free(&a);
		free(error);
	}
}

static void test_parts(void)
{
	struct addr *a = NULL;
	char *error = NULL;
	int rc = addr_parse_path("<\"x@y\"@[IPv6:::1]>", 0, &a, NULL, NULL, &error);
	if (tap_is_int(rc, 1, "quoted '@' with an IPv6 literal parses")) {
		tap_is_str(a->local, "x@y", "local part keeps the quoted '@'");
		tap_is_str(a->domain, "[IPv6:::1]", "domain is the literal");
		tap_is_int(a->literal, 1, "literal flag set");
		tap_is_int(a->utf8, 0, "ASCII address");
	}
	addr_free(&a);
	tap_ok(a == NULL, "addr_free clears the pointer");
	addr_free(&a);
	addr_free(NULL);
	tap_ok(1, "addr_free accepts NULL");
	free(error);
}

/* limits_case: parse path under ADDR_ENFORCE_LIMITS; 1 accepted, 0 refused
 * as too long, -1 anything else. */
static int limits_case(const char *path)
{
	struct addr *a = NULL;
	enum addr_fail fail = 0;
	char *error = NULL;
	int rc = addr_parse_path(path, E, &a, NULL, &fail, &error);
	addr_free(&a);
	free(error);
	return rc == 1 ? 1 : fail == ADDR_FAIL_TOO_LONG ? 0 : -1;
}

static void test_limits(void)
{
	char a64[65], b63[64], path[400];
	memset(a64, 'a', 64);
	a64[64] = '\0';
	memset(b63, 'b', 63);
	b63[63] = '\0';

	snprintf(path, sizeof(path), "<%s@example.com>", a64);
	tap_is_int(limits_case(path), 1, "limits: a 64-octet local part passes");
	snprintf(path, sizeof(path), "<%sa@example.com>", a64);
	tap_is_int(limits_case(path), 0, "limits: a 65-octet local part is too long");
	struct addr *a = NULL;
	char *error = NULL;
	tap_is_int(addr_parse_path(path, 0, &a, NULL, NULL, &error), 1,
		   "  ... but passes without ADDR_ENFORCE_LIMITS (Postfix has no limit)");
	addr_free(&a);
	/* The quoted form counts: 62 octets plus two quotes is 64. */
	snprintf(path, sizeof(path), "<\"%.61s \"@example.com>", a64);
	tap_is_int(limits_case(path), 1, "limits: a quoted 64-octet local part passes");
	snprintf(path, sizeof(path), "<\"%.62s \"@example.com>", a64);
	tap_is_int(limits_case(path), 0, "limits: a quoted 65-octet local part is too long");
	/* 64 + 1 + (4 * 63 + 3) + 2 = 322 octets, each part within its limit. */
	snprintf(path, sizeof(path), "<%s@%s.%s.%s.%s>", a64, b63, b63, b63, b63);
	tap_is_int(limits_case(path), 0, "limits: a 322-octet path is too long");
	snprintf(path, sizeof(path), "<a@%s.%s.%s.%s>", b63, b63, b63, b63);
	tap_is_int(limits_case(path), 0, "limits: a 255-octet domain makes a 259-octet path");
	snprintf(path, sizeof(path), "<%s@%s.%s.%.61s>", a64, b63, b63, b63);
	tap_is_int((long long)strlen(path), 256, "limits: test path is 256 octets");
	tap_is_int(limits_case(path), 1, "limits: a 256-octet path passes");
	snprintf(path, sizeof(path), "<%s@%s.%s.%.62s>", a64, b63, b63, b63);
	tap_is_int(limits_case(path), 0, "limits: a 257-octet path is too long");
}

static void test_quote(void)
{
	static const struct {
		const char *internal;
		const char *quoted;
	} cases[] = {
		{"user@example.com", "user@example.com"},
		{"a@b@c@d", "\"a@b@c\"@d"},                 /* Postfix quote_822_local vector */
		{"", "\"\""},
		{"john doe@example.com", "\"john doe\"@example.com"},
		{"a\"b\\c@example.com", "\"a\\\"b\\\\c\"@example.com"},
		{"john..doe@example.com", "\"john..doe\"@example.com"},
		{".user@example.com", "\".user\"@example.com"},
		{"user.@example.com", "\"user.\"@example.com"},
		{"first.last+tag=x/y@example.com", "first.last+tag=x/y@example.com"},
		{"{weird}|'~`!#$%^&*-_?@example.com", "{weird}|'~`!#$%^&*-_?@example.com"},
		{"a(b)@example.com", "\"a(b)\"@example.com"},
		{"a[b]@example.com", "\"a[b]\"@example.com"},
		{"j\xc3\xb6rg@example.com", "j\xc3\xb6rg@example.com"},  /* UTF-8 is atom text */
		{"postmaster", "postmaster"},
		{"@example.com", "\"\"@example.com"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct buf out;
		buf_init(&out, 0);
		addr_quote(&out, cases[i].internal);
		tap_is_str(buf_cstr(&out), cases[i].quoted, "quote \"%s\"", cases[i].internal);
		buf_deinit(&out);
	}

	struct buf out;
	buf_init(&out, 0);
	addr_quote_local(&out, "a@b@c@d");
	tap_is_str(buf_cstr(&out), "\"a@b@c@d\"", "quote a bare local part as a whole");
	buf_reset(&out);
	addr_format_path(&out, "");
	tap_is_str(buf_cstr(&out), "<>", "the null path formats as <>");
	buf_reset(&out);
	addr_format_path(&out, "john doe@example.com");
	tap_is_str(buf_cstr(&out), "<\"john doe\"@example.com>", "a path gets brackets");
	buf_deinit(&out);
}

static void test_unquote(void)
{
	static const struct {
		const char *external;
		const char *internal;
	} cases[] = {
		/* The Postfix quote_822_local vectors. */
		{"\"a@b@c\"@d", "a@b@c@d"},
		{"\"a@b@c\"", "a@b@c"},
		{"\"a@b@c\"@d@e", "a@b@c@d@e"},
		{"\"john\\\"doe\"@example.com", "john\"doe@example.com"},
		{"wietse\\ venema@porcupine.org", "wietse venema@porcupine.org"},
		{"@a,@b:\"x y\"@c", "@a,@b:x y@c"},           /* the route is kept */
		{"user@\"dom\"ain", "user@\"dom\"ain"},       /* the domain is kept */
		{"trailing\\", "trailing"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct buf out;
		buf_init(&out, 0);
		addr_unquote(&out, cases[i].external);
		tap_is_str(buf_cstr(&out), cases[i].internal, "unquote %s", cases[i].external);
		buf_deinit(&out);
	}
}

/* Every accepted path: quoting its internal form and parsing that again
 * gives the same address, in strict mode. */
static void test_round_trip(void)
{
	int failures = 0, checked = 0;
	for (size_t i = 0; i < sizeof(path_cases) / sizeof(path_cases[0]); i++) {
		const struct path_case *c = &path_cases[i];
		struct addr *a = NULL, *b = NULL;
		char *error = NULL;
		if (c->internal == NULL || addr_parse_path(c->in, c->flags, &a, NULL, NULL, &error) != 1)
			continue;
		struct buf path;
		buf_init(&path, 0);
		addr_format_path(&path, a->internal);
		unsigned int flags = (c->flags | S | N) & ~ADDR_ENFORCE_LIMITS;
		/* Strict mode refuses what starts with '@'; use lenient there. */
		if (a->internal[0] == '@')
			flags &= ~S;
		checked++;
		if (addr_parse_path(buf_cstr(&path), flags, &b, NULL, NULL, &error) != 1
		    || strcmp(a->internal, b->internal) != 0) {
			failures++;
			tap_diag("round trip of %s via %s failed: %s", c->in, buf_cstr(&path),
				 error ? error : b->internal);
		}
		buf_deinit(&path);
		addr_free(&a);
		addr_free(&b);
		free(error);
	}
	tap_ok(checked > 30 && failures == 0, "quote then parse gives the same address (%d paths)",
	       checked);
}

static void test_from_internal(void)
{
	struct addr *a = addr_from_internal("a@b@Example.com");
	tap_is_str(a->local, "a@b", "from_internal splits at the last '@'");
	tap_is_str(a->domain, "Example.com", "  ... domain");
	addr_free(&a);
	a = addr_from_internal("postmaster");
	tap_is_str(a->domain, NULL, "from_internal without '@' has no domain");
	addr_free(&a);
	a = addr_from_internal("u@[192.0.2.1]");
	tap_is_int(a->literal, 1, "from_internal sees a literal");
	addr_free(&a);
}

static void test_equal(void)
{
	tap_is_int(addr_equal("User@Example.COM", "User@example.com"), 1,
		   "domains compare without case");
	tap_is_int(addr_equal("User@example.com", "user@example.com"), 0,
		   "local parts compare with case");
	tap_is_int(addr_equal("a@b@c", "a@b@C"), 1, "split at the last '@'");
	tap_is_int(addr_equal("postmaster", "postmaster@example.com"), 0,
		   "with and without domain differ");
	tap_is_int(addr_equal("postmaster", "postmaster"), 1, "no domain, same local part");
	tap_is_int(addr_equal("", ""), 1, "null senders are equal");
}

static void test_routed(void)
{
	/* The resolver vectors with FLAG_ROUTED, and ones without. */
	static const struct {
		const char *internal;
		int routed;
	} cases[] = {
		{"user@dom.ain1@dom.ain2", 1},
		{"user%dom.ain1@dom.ain2", 1},
		{"dom.ain1!user@dom.ain2", 1},
		{"user@[1.2.3.4]@dom.ain2", 1},
		{"user%[1.2.3.4]@dom.ain2", 1},
		{"[1.2.3.4]!user@dom.ain2", 1},
		{"user@host", 0},
		{"first.last+tag@host", 0},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct addr *a = addr_from_internal(cases[i].internal);
		tap_is_int(addr_local_is_routed(a->local), cases[i].routed, "%s is %srouted",
			   cases[i].internal, cases[i].routed ? "" : "not ");
		addr_free(&a);
	}
}

static void test_extension(void)
{
	static const struct {
		const char *local;
		const char *delims;
		int ownreq;
		int want_base; /* -1: not split */
	} cases[] = {
		{"user+ext", "+", 1, 4},
		{"user+", "+", 1, 4},              /* empty extension */
		{"user", "+", 1, -1},
		{"+ext", "+", 1, -1},              /* would leave no local part */
		{"user-ext+more", "+-", 1, 4},     /* first of any delimiter */
		{"user+a-b", "-+", 1, 4},
		{"owner-list", "-", 1, -1},
		{"owner-list", "-", 0, 5},
		{"list-request", "-", 1, -1},
		{"list-request", "+", 1, -1},      /* no '+' in it */
		{"OWNER-list", "+-", 1, -1},
		{"-request", "-", 1, -1},
		{"postmaster", "+", 1, -1},
		{"Postmaster", "t", 1, -1},        /* never split, whatever the delimiter */
		{"MAILER-DAEMON", "-", 0, -1},
		{"double-bounce", "-", 0, -1},
		{"user+ext", "", 1, -1},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct addr_ext_opts opts = {cases[i].delims, NULL, cases[i].ownreq};
		size_t base = 0;
		int rc = addr_split_extension(cases[i].local, &opts, &base);
		tap_is_int(rc ? (long long)base : -1, cases[i].want_base,
			   "extension of %s with \"%s\" ownreq=%d", cases[i].local, cases[i].delims,
			   cases[i].ownreq);
	}
	struct addr_ext_opts opts = {"-", "bounce-daemon", 0};
	size_t base = 0;
	tap_is_int(addr_split_extension("bounce-daemon", &opts, &base), 0,
		   "a custom double_bounce_sender is not split");
	tap_is_int(addr_split_extension("double-bounce", &opts, &base), 1,
		   "  ... and the default name then is");
}

int main(void)
{
	test_paths();
	test_parts();
	test_limits();
	test_quote();
	test_unquote();
	test_round_trip();
	test_from_internal();
	test_equal();
	test_routed();
	test_extension();
	return tap_done();
}
