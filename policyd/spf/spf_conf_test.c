/* spf_conf_test.c: the settings table: defaults, a file, -o overrides,
 * unknown names and bad values reported at file:line. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "spf_conf.h"
#include "tap.h"

static char *write_conf(const char *name, const char *text)
{
	char *path = NULL;
	if (asprintf(&path, "%s/%s", tap_tmpdir(), name) < 0)
		abort();
	tap_write_file(path, text);
	return path;
}

int main(void)
{
	struct spf_conf *conf = NULL;
	char *err = NULL;
	tap_is_int(spf_conf_load(NULL, NULL, 0, &conf, &err), 1, "defaults load");
	tap_is_int(conf->helo_reject, SPF_REJECT_FAIL, "helo_reject defaults to fail");
	tap_is_int(conf->temperror_defer, 1, "temperror_defer defaults to yes");
	tap_is_int(conf->permerror_reject, 0, "permerror_reject defaults to no");
	tap_is_int(conf->cache_ttl, 60, "cache_ttl 60s");
	tap_is_int(spf_list_match_addr(conf->skip_addresses, "127.0.0.5", &err), 1,
		   "127.0.0.5 is skipped by default");
	tap_is_int(spf_list_match_addr(conf->skip_addresses, "::1", &err), 1, "::1 too");
	tap_is_int(spf_list_match_addr(conf->skip_addresses, "192.0.2.1", &err), 0,
		   "192.0.2.1 is not");
	spf_conf_free(&conf);

	char *path = write_conf("a.conf", "# comment\n"
					  "mail_from_reject = softfail\n"
					  "whitelist = 192.0.2.0/24, [2001:db8::]/32\n"
					  "domain_whitelist = example.org .example.net\n"
					  "cache_ttl = 2m\n"
					  "workers = 8\n");
	struct cli_override ov = {.name = "workers", .value = "2"};
	tap_is_int(spf_conf_load(path, &ov, 1, &conf, &err), 1, "a file with overrides loads");
	tap_is_int(conf->mail_from_reject, SPF_REJECT_SOFTFAIL, "mail_from_reject = softfail");
	tap_is_int(conf->cache_ttl, 120, "cache_ttl = 2m is 120 s");
	tap_is_int(conf->workers, 2, "-o workers=2 wins over the file");
	tap_is_int(spf_list_match_addr(conf->whitelist, "2001:db8::7", &err), 1,
		   "an IPv6 CIDR item matches");
	tap_is_int(spf_list_match_domain(conf->domain_whitelist, "EXAMPLE.org", &err), 1,
		   "domains match without regard to case");
	tap_is_int(spf_list_match_domain(conf->domain_whitelist, "a.example.org", &err), 0,
		   "example.org does not match its subdomains");
	tap_is_int(spf_list_match_domain(conf->domain_whitelist, "a.example.net", &err), 1,
		   ".example.net matches subdomains");
	spf_conf_free(&conf);
	free(path);

	static const struct {
		const char *text, *want;
	} bad[] = {
		{"workers = 4\nno_such_thing = 1\n", "b.conf:2: unknown parameter \"no_such_thing\""},
		{"\nhelo_reject = maybe\n", "b.conf:2: helo_reject: "},
		{"workers = 0\n", "b.conf:1: workers: "},
		{"cache_ttl = 5x\n", "b.conf:1: cache_ttl: "},
		{"timeout_action = check_client_access hash:/x\n", "timeout_action: "},
		{"skip_addresses = 192.0.2.300\n", "skip_addresses: "},
		{"mail_from_reject = null\n", "mail_from_reject: "},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		path = write_conf("b.conf", bad[i].text);
		err = NULL;
		int rc = spf_conf_load(path, NULL, 0, &conf, &err);
		tap_is_int(rc, -1, "refused: %s", bad[i].want);
		tap_ok(err != NULL && strstr(err, bad[i].want) != NULL, "message \"%s\"",
		       err ? err : "");
		free(err);
		free(path);
	}
	err = NULL;
	tap_is_int(spf_conf_load("/nonexistent/postern-spf.conf", NULL, 0, &conf, &err), -1,
		   "a missing file is an error");
	free(err);
	return tap_done();
}
