/* domain_test.c: host names, IP addresses and address literals are judged
 * as Postfix judges them; UTF-8 is checked strictly. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "domain.h"
#include "tap.h"

#define LONG_LABEL "abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabc" /* 63 */

static void test_hostname(void)
{
	static const struct {
		const char *name;
		unsigned int flags;
		int want;
	} cases[] = {
		{"example.com", 0, 1},
		{"localhost", 0, 1},
		{"mail-1.example.com", 0, 1},
		{"_dmarc.example.com", 0, 1},           /* Postfix allows '_' */
		{"1.example.com", 0, 1},                /* numeric label, name is not */
		{"123.45", 0, 0},                       /* all numeric */
		{"1.2.3", 0, 0},                        /* resolver vector: user@1.2.3 */
		{"192.0.2.1", 0, 0},
		{"", 0, 0},
		{".example.com", 0, 0},
		{"example.com.", 0, 0},                 /* callers strip the root dot */
		{"example..com", 0, 0},
		{"-example.com", 0, 0},
		{"example-.com", 0, 0},
		{"ex--ample.com", 0, 1},               /* xn-- style double hyphen */
		{"host:port", 0, 0},                    /* resolver vector: user@host:port */
		{"exa mple.com", 0, 0},
		{"exa%mple.com", 0, 0},
		{LONG_LABEL ".com", 0, 1},
		{LONG_LABEL "d.com", 0, 0},             /* 64-octet label */
		{"b\xc3\xbc" "cher.de", 0, 0},          /* UTF-8 needs the flag */
		{"b\xc3\xbc" "cher.de", DOMAIN_UTF8, 1},
		{"b\xc3" "cher.de", DOMAIN_UTF8, 0},    /* truncated sequence */
		{"\xe4\xbe\x8b.\xe6\xb5\x8b\xe8\xaf\x95", DOMAIN_UTF8, 1},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *why = NULL;
		int got = domain_valid_hostname(cases[i].name, cases[i].flags, &why);
		tap_is_int(got, cases[i].want, "hostname \"%s\" flags %u is %s", cases[i].name,
			   cases[i].flags, cases[i].want ? "valid" : "invalid");
		if (!cases[i].want)
			tap_ok(why != NULL && *why != '\0', "  ... and says why (%s)", why);
	}
}

static void test_hostname_length(void)
{
	char name[300];
	/* 4 labels of 63 + 3 dots = 255 octets: the longest valid name. */
	snprintf(name, sizeof(name), "%s.%s.%s.%s", LONG_LABEL, LONG_LABEL, LONG_LABEL,
		 LONG_LABEL);
	tap_is_int((long long)strlen(name), 255, "test name is 255 octets");
	tap_is_int(domain_valid_hostname(name, 0, NULL), 1, "255-octet name is valid");
	snprintf(name, sizeof(name), "a.%s.%s.%s.%s", LONG_LABEL, LONG_LABEL, LONG_LABEL,
		 LONG_LABEL);
	tap_is_int(domain_valid_hostname(name, 0, NULL), 0, "257-octet name is invalid");
}

static void test_hostaddr(void)
{
	static const struct {
		const char *addr;
		int want;
	} cases[] = {
		{"192.0.2.1", 1},
		{"0.0.0.0", 1},
		{"255.255.255.255", 1},
		{"010.1.2.3", 1},          /* Postfix allows leading zeros */
		{"0.1.2.3", 0},            /* first octet 0 only in 0.0.0.0 */
		{"321.1.2.3", 0},          /* resolver vector: user@[321.1.2.3] */
		{"1.2.3", 0},
		{"1.2.3.4.5", 0},
		{"1.2.3.", 0},
		{".1.2.3", 0},
		{"1..2.3", 0},
		{"1.2.3.4a", 0},
		{"", 0},
		{"::1", 1},
		{"::", 1},
		{"2001:db8::1", 1},
		{"2001:DB8:0:0:8:800:200C:417A", 1},
		{"::ffff:192.0.2.1", 1},
		{"2001:db8::1::2", 0},
		{"12345::1", 0},
		{"1:2:3:4:5:6:7:8:9", 0},
		{"fe80::1%eth0", 0},        /* no zone ids in mail */
		{"2001:db8::g", 0},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		tap_is_int(domain_valid_hostaddr(cases[i].addr, NULL), cases[i].want,
			   "host address \"%s\" is %s", cases[i].addr,
			   cases[i].want ? "valid" : "invalid");
}

static void test_literal(void)
{
	static const struct {
		const char *lit;
		int want;
		int family;
		const char *bare;
	} cases[] = {
		{"[192.0.2.1]", 1, AF_INET, "192.0.2.1"},
		{"[IPv6:2001:db8::1]", 1, AF_INET6, "2001:db8::1"},
		{"[ipv6:::1]", 1, AF_INET6, "::1"},         /* tag ignores case */
		{"[2001:db8::1]", 0, 0, NULL},              /* IPv6 needs the tag */
		{"[IPv6:192.0.2.1]", 0, 0, NULL},
		{"[321.1.2.3]", 0, 0, NULL},
		{"[]", 0, 0, NULL},
		{"[IPv6:]", 0, 0, NULL},
		{"192.0.2.1", 0, 0, NULL},
		{"[192.0.2.1", 0, 0, NULL},
		{"[x-tag:stuff]", 0, 0, NULL},              /* general literal */
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int family = 0;
		const char *bare = NULL;
		size_t bare_len = 0;
		int got = domain_literal_parse(cases[i].lit, strlen(cases[i].lit), &family, &bare,
					       &bare_len, NULL);
		tap_is_int(got, cases[i].want, "literal \"%s\" is %s", cases[i].lit,
			   cases[i].want ? "valid" : "invalid");
		if (cases[i].want) {
			tap_is_int(family, cases[i].family, "  ... family");
			tap_ok(bare_len == strlen(cases[i].bare)
				       && memcmp(bare, cases[i].bare, bare_len) == 0,
			       "  ... bare address %s", cases[i].bare);
		}
	}
}

static void test_fqdn(void)
{
	static const struct {
		const char *name;
		int want;
	} cases[] = {
		{"mail.example.com", 1},
		{"mail.example.com.", 1},    /* one root dot is removed */
		{"mail.example.com..", 0},
		{"localhost", 0},
		{"localhost.", 0},
		{"", 0},
		{".", 0},
		{"[192.0.2.1]", 1},          /* literals pass reject_non_fqdn_* */
		{"1.2.3.4", 0},              /* numeric: not a host name */
		{"bad_host.example", 1},
		{"bad host.example", 0},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		tap_is_int(domain_is_fqdn(cases[i].name, 0), cases[i].want, "\"%s\" is %sa FQDN",
			   cases[i].name, cases[i].want ? "" : "not ");
}

static void test_eq(void)
{
	tap_is_int(domain_eq("Example.COM", "example.com"), 1, "domains compare without case");
	tap_is_int(domain_eq("example.com", "example.co"), 0, "prefix is not equal");
	tap_is_int(domain_eq("", ""), 1, "empty equals empty");
	tap_is_int(domain_eq("\xc3\x9c.de", "\xc3\xbc.de"), 0, "non-ASCII octets compare exactly");
}

static void test_utf8(void)
{
	static const struct {
		const char *s;
		int want;
	} cases[] = {
		{"plain", 1},
		{"\xc3\xbc", 1},
		{"\xe2\x82\xac", 1},
		{"\xf0\x9f\x98\x80", 1},
		{"\xc0\xaf", 0},             /* overlong '/' */
		{"\xe0\x80\xaf", 0},         /* overlong */
		{"\xed\xa0\x80", 0},         /* surrogate */
		{"\xf4\x90\x80\x80", 0},     /* above U+10FFFF */
		{"\xff", 0},
		{"\xc3", 0},                 /* truncated */
		{"\x80", 0},                 /* lone continuation */
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		tap_is_int(domain_utf8_valid(cases[i].s, strlen(cases[i].s)), cases[i].want,
			   "UTF-8 case %zu is %s", i, cases[i].want ? "valid" : "invalid");
}

int main(void)
{
	test_hostname();
	test_hostname_length();
	test_hostaddr();
	test_literal();
	test_fqdn();
	test_eq();
	test_utf8();
	return tap_done();
}
