/* relay_params_test.c: the postern.cf parameter table, validation by type,
 * the Postfix name list and the computed defaults. (That every default
 * equals what postconf -d prints is checked against the real postconf by
 * tests/integration/cfg_postconf.sh.) */
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "cfg_expand.h"
#include "mem.h"
#include "relay_params.h"
#include "tap.h"

static void test_table(void)
{
	size_t n;
	const struct relay_param *all = relay_params_all(&n);
	tap_ok(n > 200, "the table has a row for each parameter the relay issues need (%zu)", n);
	int sorted = 1, named = 1, raw_agrees = 1, found = 1, supported = 0;
	for (size_t i = 0; i < n; i++) {
		if (i > 0 && strcmp(all[i - 1].name, all[i].name) >= 0) {
			tap_diag("out of order: %s, %s", all[i - 1].name, all[i].name);
			sorted = 0;
		}
		enum relay_postfix_kind kind = relay_postfix_param(all[i].name);
		if (kind != RELAY_POSTFIX_BUILTIN && kind != RELAY_POSTFIX_RAW) {
			tap_diag("not a Postfix 3.7 parameter: %s", all[i].name);
			named = 0;
		}
		if ((kind == RELAY_POSTFIX_RAW) != ((all[i].flags & RELAY_PARAM_RAW) != 0)) {
			tap_diag("raw flag disagrees with postconf: %s", all[i].name);
			raw_agrees = 0;
		}
		found &= relay_param_find(all[i].name) == &all[i];
		supported += all[i].status == RELAY_PARAM_SUPPORTED;
		if ((all[i].def == NULL) != ((all[i].flags & RELAY_PARAM_COMPUTED) != 0))
			tap_diag("COMPUTED flag and default disagree: %s", all[i].name);
	}
	tap_ok(sorted, "rows are sorted by name, without repeats");
	tap_ok(named, "every row is a Postfix 3.7 parameter");
	tap_ok(raw_agrees, "RAW rows are exactly those postconf does not expand");
	tap_ok(found, "relay_param_find finds every row");
	tap_ok(relay_param_find("nonexistent_parameter") == NULL, "relay_param_find: no such row");
	tap_diag("%d rows are supported", supported);
	tap_ok(relay_param_find("compatibility_level")->status == RELAY_PARAM_SUPPORTED &&
		       relay_param_find("config_directory")->status == RELAY_PARAM_SUPPORTED,
	       "compatibility_level and config_directory are supported");
	static const char *const needed[] = {
		"mail_owner", "myhostname", "mydomain", "myorigin", "mydestination", "mynetworks",
		"mynetworks_style", "relay_domains", "queue_directory", "inet_interfaces",
		"inet_protocols", "smtpd_recipient_restrictions", "smtpd_tls_security_level",
		"smtpd_sasl_type", "milter_default_action", "smtpd_milters", "non_smtpd_milters",
		"smtpd_policy_service_timeout", "transport_maps", "relayhost",
		"smtp_tls_security_level", "smtp_sasl_password_maps", "message_size_limit",
		"virtual_alias_maps",
	};
	int all_there = 1;
	for (size_t i = 0; i < sizeof(needed) / sizeof(needed[0]); i++) {
		if (relay_param_find(needed[i]) == NULL) {
			tap_diag("missing row: %s", needed[i]);
			all_there = 0;
		}
	}
	tap_ok(all_there, "rows for the parameters the relay issues name");
}

/* Every default, expanded among the defaults, is valid for its own type. */
static void test_defaults_valid(void)
{
	struct cfg *defaults = relay_params_defaults_new();
	char *error = NULL;
	tap_is_int(relay_params_compute(defaults, defaults, &error), 1,
		   "the computed defaults can be computed on this host");
	free(error);
	size_t n;
	const struct relay_param *all = relay_params_all(&n);
	int valid = 1;
	for (size_t i = 0; i < n; i++) {
		char *value = NULL;
		int rc = all[i].flags & RELAY_PARAM_RAW
				 ? (value = xstrdup(cfg_get(defaults, all[i].name))) != NULL
				 : cfg_expand_param(defaults, all[i].name, &value, &error);
		if (rc != 1 || relay_param_validate(&all[i], value, &error) != 1) {
			tap_diag("default of %s: %s", all[i].name, error ? error : "missing");
			FREE_AND_NULL(error);
			valid = 0;
		}
		free(value);
	}
	tap_ok(valid, "every default expands and is valid for its type");
	tap_is_str(cfg_get(defaults, "config_directory"), "/etc/postern",
		   "config_directory defaults to /etc/postern");
	cfg_free(&defaults);
}

static void test_validate(void)
{
	static const struct {
		const char *name, *value;
		int ok;
	} cases[] = {
		{ "smtpd_helo_required", "yes", 1 },
		{ "smtpd_helo_required", "No", 1 },
		{ "smtpd_helo_required", "true", 0 },
		{ "smtpd_timeout", "300s", 1 },
		{ "smtpd_timeout", "5m", 1 },
		{ "smtpd_timeout", "5 minutes", 0 },
		{ "message_size_limit", "52428800", 1 },
		{ "message_size_limit", "50M", 0 },
		{ "milter_protocol", "6", 1 },
		{ "milter_protocol", "7", 0 },
		{ "smtpd_tls_loglevel", "-1", 0 },
		{ "milter_default_action", "tempfail", 1 },
		{ "milter_default_action", "bounce", 0 },
		{ "smtpd_tls_security_level", "", 1 },
		{ "smtpd_tls_security_level", "encrypt", 1 },
		{ "smtpd_tls_security_level", "verify", 0 },
		{ "mynetworks_style", "", 0 },
		{ "compatibility_level", "3.6", 1 },
		{ "compatibility_level", "banana", 0 },
		{ "smtpd_recipient_restrictions", "permit_mynetworks, check_policy_service "
						  "{ inet:127.0.0.1:9998, timeout=10s }, reject",
		  1 },
		{ "smtpd_recipient_restrictions", "check_policy_service { inet:x", 0 },
		{ "myhostname", "anything at all", 1 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *error = NULL;
		const struct relay_param *p = relay_param_find(cases[i].name);
		int rc = p ? relay_param_validate(p, cases[i].value, &error) : 0;
		tap_ok(rc == (cases[i].ok ? 1 : -1), "%s = \"%s\" is %s", cases[i].name,
		       cases[i].value, cases[i].ok ? "valid" : "an error");
		if (!cases[i].ok && rc == -1 && i < 3)
			tap_ok(error != NULL && strstr(error, cases[i].value) != NULL,
			       "the message quotes the value");
		free(error);
	}
	char *error = NULL;
	relay_param_validate(relay_param_find("milter_default_action"), "x", &error);
	tap_is_str(error, "bad value \"x\" (expected one of: accept reject tempfail quarantine)",
		   "an enum error lists the choices");
	free(error);
	tap_is_str(relay_param_type_name(RELAY_PARAM_TIME), "time", "relay_param_type_name");
}

static void test_postfix_names(void)
{
	tap_is_int(relay_postfix_param("biff"), RELAY_POSTFIX_BUILTIN,
		   "biff is a Postfix parameter");
	tap_is_int(relay_postfix_param("default_rbl_reply"), RELAY_POSTFIX_RAW,
		   "default_rbl_reply is a raw Postfix parameter");
	tap_is_int(relay_postfix_param("virtual_maps"), RELAY_POSTFIX_LEGACY,
		   "virtual_maps is an old name a default refers to");
	tap_is_int(relay_postfix_param("mua_client_restrictions"), RELAY_POSTFIX_NONE,
		   "mua_client_restrictions is not a Postfix parameter");
	tap_is_int(relay_postfix_param(""), RELAY_POSTFIX_NONE, "the empty name is not");

	const char *def = NULL;
	tap_ok(relay_service_param("relay_destination_concurrency_limit", "relay", "smtp", &def) &&
		       strcmp(def, "default_destination_concurrency_limit") == 0,
	       "relay_destination_concurrency_limit for a relay service running smtp");
	tap_ok(!relay_service_param("relay_time_limit", "relay", "smtp", &def),
	       "no _time_limit for an smtp service");
	tap_ok(relay_service_param("policyd-spf_time_limit", "policyd-spf", "spawn", &def) &&
		       strcmp(def, "command_time_limit") == 0,
	       "_time_limit for a spawn service");
	tap_ok(
	    relay_service_param("maildrop_destination_recipient_limit", "maildrop", "pipe", &def),
	    "per-destination limits for a pipe service");
	tap_ok(!relay_service_param("smtpd_destination_recipient_limit", "smtpd", "smtpd", &def),
	       "nothing for a service running smtpd");
}

static void test_computed(void)
{
	struct cfg *defaults = relay_params_defaults_new();
	struct cfg *main_cf = cfg_new(defaults);
	char *error = NULL;
	static const struct {
		const char *myhostname, *mydomain;
	} cases[] = {
		{ "mail.example.com", "example.com" },
		{ "foo.com", "com" },
		{ "a.b.example.com", "b.example.com" },
		{ "single", "localdomain" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cfg_set(main_cf, "myhostname", cases[i].myhostname, "main.cf", 1);
		tap_is_int(relay_params_compute(defaults, main_cf, &error), 1,
			   "compute with myhostname = %s", cases[i].myhostname);
		tap_is_str(cfg_get(main_cf, "mydomain"), cases[i].mydomain,
			   "mydomain follows myhostname = %s", cases[i].myhostname);
	}
	/* $mydomain in main.cf completes a host name without a dot. */
	cfg_free(&main_cf);
	main_cf = cfg_new(defaults);
	cfg_set(main_cf, "mydomain", "dom.test", "main.cf", 1);
	relay_params_compute(defaults, main_cf, &error);
	const char *host = cfg_get(main_cf, "myhostname");
	tap_ok(host != NULL && strchr(host, '.') != NULL, "the computed myhostname has a dot");
	cfg_set(main_cf, "mynetworks_style", "nonsense", "main.cf", 2);
	tap_is_int(relay_params_compute(defaults, main_cf, &error), -1,
		   "a bad mynetworks_style is an error");
	tap_ok(error && strstr(error, "nonsense"), "the error names the value");
	FREE_AND_NULL(error);
	cfg_free(&main_cf);
	cfg_free(&defaults);
}

static void test_mynetworks(void)
{
	static const struct {
		const char *style, *interfaces, *protocols, *want;
	} cases[] = {
		{ "host", "127.0.0.1", "ipv4", "127.0.0.1/32 " },
		{ "subnet", "127.0.0.1", "ipv4", "127.0.0.0/8 " },
		{ "class", "127.0.0.1", "all", "127.0.0.0/8 " },
		{ "subnet", "127.0.0.1, 127.0.0.1", "ipv4", "127.0.0.0/8 " },
		{ "host", "loopback-only", "ipv4", "127.0.0.1/32 " },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *result = NULL, *error = NULL;
		int rc = relay_params_mynetworks(cases[i].style, cases[i].interfaces,
						 cases[i].protocols, &result, &error);
		if (rc < 0)
			tap_diag("%s", error);
		tap_is_str(result, cases[i].want, "mynetworks for %s, %s, %s", cases[i].style,
			   cases[i].interfaces, cases[i].protocols);
		free(result);
		free(error);
	}
	static const struct {
		const char *style, *interfaces, *protocols, *message;
	} bad[] = {
		{ "wide", "all", "all", "bad mynetworks_style value \"wide\"" },
		{ "host", "all", "ipv5", "unknown protocol \"ipv5\"" },
		{ "host", "203.0.113.1", "ipv4", "no local interface found for \"203.0.113.1\"" },
		{ "host", "127.0.0.1", "ipv6", "cannot find the address of \"127.0.0.1\"" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *result = NULL, *error = NULL;
		int rc = relay_params_mynetworks(bad[i].style, bad[i].interfaces, bad[i].protocols,
						 &result, &error);
		tap_ok(rc == -1 && error && strstr(error, bad[i].message), "error: %s",
		       bad[i].message);
		free(error);
	}
}

int main(void)
{
	test_table();
	test_defaults_valid();
	test_validate();
	test_postfix_names();
	test_computed();
	test_mynetworks();
	return tap_done();
}
