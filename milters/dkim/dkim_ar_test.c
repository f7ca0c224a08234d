/* dkim_ar_test.c: the Authentication-Results value (RFC 8601) and the
 * authserv-id of fields already in a message. */
#include <stdlib.h>
#include <string.h>

#include "dkim_ar.h"
#include "tap.h"

static void test_value(void)
{
	struct dkim_sig_result r[] = {
		{DKIM_RESULT_PASS, NULL, "example.test", "sel1", NULL, "AbCd+/12", "rsa-sha256",
		 2048},
		{DKIM_RESULT_POLICY, "rsa-sha1 is not accepted", "example.org", "s", "@example.org",
		 "zzzzzzzz", "rsa-sha1", 1024},
	};
	char *v = dkim_ar_value("mx.example.test", r, 2);
	tap_is_str(v,
		   "mx.example.test;\r\n"
		   "\tdkim=pass (2048-bit key) header.d=example.test header.s=sel1"
		   " header.a=rsa-sha256 header.b=\"AbCd+/12\";\r\n"
		   "\tdkim=policy (rsa-sha1 is not accepted) header.d=example.org"
		   " header.i=@example.org header.s=s header.a=rsa-sha1 header.b=zzzzzzzz",
		   "one result per signature; a value with / is quoted");
	free(v);
	v = dkim_ar_value("mx.example.test", NULL, 0);
	tap_is_str(v, "mx.example.test; dkim=none", "no signature: dkim=none");
	free(v);
}

static void test_authserv_id(void)
{
	static const struct {
		const char *value, *want;
	} cases[] = {
		{" mx.example.test; dkim=pass header.d=x", "mx.example.test"},
		{" (forged?) mx.example.test 1; spf=pass", "mx.example.test"},
		{"\r\n\tmx.example.test;\r\n\tdkim=fail", "mx.example.test"},
		{" \"quoted id\"; none", "quoted id"},
		{" ; none", NULL},
		{"", NULL},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *id = NULL;
		int rc = dkim_ar_authserv_id(cases[i].value, &id);
		tap_is_str(rc > 0 ? id : NULL, cases[i].want, "authserv-id of case %zu", i);
		free(id);
	}
}

int main(void)
{
	test_value();
	test_authserv_id();
	return tap_done();
}
