/* deliver_secure_test.c: the connection-free parts of the SMTP client's
 * TLS and SASL: the level and attributes smtp_tls_policy_maps gives each
 * next hop (by the next hop as written, by domain, by parent domain),
 * errors in entries, dane accepted and unsupported; the AUTH mechanisms of
 * an EHLO reply, and the mechanism chosen under the security options and
 * the filter. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "deliver_sasl.h"
#include "deliver_tls.h"
#include "log.h"
#include "mem.h"
#include "relay_params.h"
#include "smtp_reply_reader.h"
#include "tap.h"

/* view: Postern's defaults and settings (name, value, ..., NULL); the
 * caller frees both layers. */
static struct cfg *view(struct cfg **defaults_r, const char *const *settings)
{
	*defaults_r = relay_params_defaults_new();
	struct cfg *c = cfg_new(*defaults_r);
	for (size_t i = 0; settings[i] != NULL; i += 2)
		cfg_set(c, settings[i], settings[i + 1], NULL, 0);
	return c;
}

static void test_policy(void)
{
	char *policy = xasprintf("%s/policy", tap_tmpdir());
	char *spec = xasprintf("texthash:%s", policy);
	tap_write_file(policy, "[mx.example.test]:2526 verify match=a.example:.b.example\n"
			       "example.org secure\n"
			       ".example.net encrypt protocols=>=TLSv1.2 ciphers=high\n"
			       "[fp.example]:25 fingerprint match=AA:BB|CC:DD\n"
			       "[dane.example]:25 dane-only\n"
			       "[bad.example]:25 sometimes\n"
			       "[attr.example]:25 verify colour=blue\n");
	const char *settings[] = {"smtp_tls_security_level", "may", "smtp_tls_policy_maps", spec,
				  NULL};
	struct cfg *defaults, *v = view(&defaults, settings);
	struct deliver_tls_conf *c = NULL;
	char *error = NULL;
	tap_is_int(deliver_tls_conf_new(v, "smtp", &c, &error), 1, "the client TLS settings load");
	static const struct {
		const char *nexthop;
		int rc;
		enum deliver_tls_level level;
		const char *match0, *match1;
		const char *what;
	} cases[] = {
		{"[mx.example.test]:2526", 1, DELIVER_TLS_VERIFY, "a.example", ".b.example",
		 "by the next hop as written, match= split at colons"},
		{"[mx.example.test]:25", 1, DELIVER_TLS_MAY, NULL, NULL,
		 "another port: the default level"},
		{"example.org:2525", 1, DELIVER_TLS_SECURE, "nexthop", "dot-nexthop",
		 "a domain with a port: by the domain; smtp_tls_secure_cert_match"},
		{"mail.example.net", 1, DELIVER_TLS_ENCRYPT, NULL, NULL,
		 "a parent domain (.parent)"},
		{"example.net", 1, DELIVER_TLS_MAY, NULL, NULL,
		 "the parent form does not match the domain itself"},
		{"[fp.example]:25", 1, DELIVER_TLS_FINGERPRINT, "AA:BB", "CC:DD",
		 "fingerprint: match= split at |"},
		{"[dane.example]:25", 1, DELIVER_TLS_DANE_ONLY, NULL, NULL,
		 "dane-only is parsed (and left to defer)"},
		{"[bad.example]:25", -1, 0, NULL, NULL, "an unknown level is an error"},
		{"[attr.example]:25", -1, 0, NULL, NULL, "an unknown attribute is an error"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct deliver_tls_policy p;
		error = NULL;
		int rc = deliver_tls_policy_find(c, cases[i].nexthop, &p, &error);
		tap_is_int(rc, cases[i].rc, "%s: result", cases[i].what);
		if (rc > 0) {
			tap_is_int(p.level, cases[i].level, "%s: level", cases[i].what);
			if (cases[i].match0 != NULL)
				tap_ok(p.match != NULL && p.match[0] != NULL &&
					       p.match[1] != NULL &&
					       strcmp(p.match[0], cases[i].match0) == 0 &&
					       strcmp(p.match[1], cases[i].match1) == 0 &&
					       p.match[2] == NULL,
				       "%s: match list", cases[i].what);
			tap_ok(p.ctx != NULL, "%s: a TLS context", cases[i].what);
			deliver_tls_policy_deinit(&p);
		} else {
			tap_ok(error != NULL && strstr(error, "smtp_tls_policy_maps: ") == error,
			       "%s: the error names the table (%s)", cases[i].what, error);
		}
		free(error);
	}
	struct deliver_tls_policy p;
	tap_is_int(deliver_tls_policy_find(NULL, "[x]:25", &p, &error), 1, "no settings (LMTP)");
	tap_is_int(p.level, DELIVER_TLS_NONE, "no settings: level none");
	deliver_tls_policy_deinit(&p);
	deliver_tls_conf_free(&c);
	cfg_free(&v);
	cfg_free(&defaults);

	const char *bad[] = {"smtp_tls_security_level", "sometimes", NULL};
	v = view(&defaults, bad);
	error = NULL;
	tap_is_int(deliver_tls_conf_new(v, "smtp", &c, &error), -1, "an unknown default level is refused");
	tap_ok(error != NULL && strstr(error, "smtp_tls_security_level") != NULL,
	       "the error names smtp_tls_security_level");
	free(error);
	cfg_free(&v);
	cfg_free(&defaults);
	const char *legacy[] = {"smtp_enforce_tls", "yes", NULL};
	v = view(&defaults, legacy);
	tap_is_int(deliver_tls_conf_new(v, "smtp", &c, &error), 1, "legacy smtp_enforce_tls");
	deliver_tls_policy_find(c, "example.org", &p, &error);
	tap_is_int(p.level, DELIVER_TLS_VERIFY, "smtp_enforce_tls = yes means verify");
	deliver_tls_policy_deinit(&p);
	deliver_tls_conf_free(&c);
	cfg_free(&v);
	cfg_free(&defaults);
	free(spec);
	free(policy);
}

static struct smtp_reply *reply(const char *text)
{
	struct smtp_reply_reader *rr =
		smtp_reply_reader_new(SMTP_REPLY_READER_MAX_LINE, SMTP_REPLY_READER_MAX_LINES);
	struct smtp_reply *r = NULL;
	char *error = NULL;
	size_t used;
	if (smtp_reply_reader_feed(rr, text, strlen(text), &used, &r, &error) <= 0) {
		tap_diag("cannot parse %s: %s", text, error != NULL ? error : "incomplete");
		exit(1);
	}
	smtp_reply_reader_free(&rr);
	return r;
}

static void test_sasl(void)
{
	struct smtp_reply *r = reply("250-relay.example\r\n250-AUTH login  Plain CRAM-MD5\r\n"
				     "250-AUTH=LOGIN\r\n250 8BITMIME\r\n");
	char *mechs = deliver_sasl_mechanisms(r);
	tap_is_str(mechs, "LOGIN PLAIN CRAM-MD5 LOGIN ", "AUTH and AUTH= lines, upper case");
	smtp_reply_free(&r);

	static const struct {
		const char *options, *tls_options, *filter, *server;
		int tls;
		const char *want;
		const char *what;
	} cases[] = {
		{"noanonymous", "noanonymous", "", "LOGIN PLAIN", 0, "PLAIN", "PLAIN preferred"},
		{"noanonymous", "noanonymous", "", "LOGIN CRAM-MD5", 0, "LOGIN",
		 "LOGIN when no PLAIN"},
		{"noplaintext, noanonymous", "noanonymous", "", "PLAIN LOGIN", 0, NULL,
		 "noplaintext before TLS: nothing"},
		{"noplaintext, noanonymous", "noanonymous", "", "PLAIN LOGIN", 1, "PLAIN",
		 "in TLS the TLS options apply"},
		{"noanonymous", "mutual_auth", "", "PLAIN", 1, NULL, "mutual_auth: nothing"},
		{"noanonymous", "noanonymous", "login", "PLAIN LOGIN", 0, "LOGIN",
		 "the filter keeps LOGIN only"},
		{"noanonymous", "noanonymous", "", "CRAM-MD5 XPLAIN", 0, NULL,
		 "no built-in mechanism offered (XPLAIN is not PLAIN)"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *settings[] = {"smtp_sasl_auth_enable",
					  "yes",
					  "smtp_sasl_security_options",
					  cases[i].options,
					  "smtp_sasl_tls_security_options",
					  cases[i].tls_options,
					  "smtp_sasl_mechanism_filter",
					  cases[i].filter,
					  NULL};
		struct cfg *defaults, *v = view(&defaults, settings);
		struct deliver_sasl_conf *c = NULL;
		char *error = NULL;
		if (deliver_sasl_conf_new(v, &c, &error) < 0 || c == NULL) {
			tap_ok(0, "%s: settings load (%s)", cases[i].what, error);
			free(error);
		} else {
			tap_is_str(deliver_sasl_choose(c, cases[i].server, cases[i].tls),
				   cases[i].want, "%s", cases[i].what);
		}
		deliver_sasl_conf_free(&c);
		cfg_free(&v);
		cfg_free(&defaults);
	}
	const char *off[] = {NULL};
	const char *bad[] = {"smtp_sasl_auth_enable", "yes", "smtp_sasl_security_options",
			     "noplaintext, nosuchthing", NULL};
	struct cfg *defaults, *v = view(&defaults, off);
	struct deliver_sasl_conf *c = NULL;
	char *error = NULL;
	tap_ok(deliver_sasl_conf_new(v, &c, &error) == 1 && c == NULL,
	       "smtp_sasl_auth_enable = no: no SASL settings");
	cfg_free(&v);
	cfg_free(&defaults);
	v = view(&defaults, bad);
	tap_is_int(deliver_sasl_conf_new(v, &c, &error), -1,
		   "an unknown security option is refused");
	tap_ok(error != NULL && strstr(error, "nosuchthing") != NULL, "the error quotes it");
	free(error);
	cfg_free(&v);
	cfg_free(&defaults);
	free(mechs);
}

int main(void)
{
	log_init("deliver_secure_test", LOG_DEST_STDERR);
	test_policy();
	test_sasl();
	return tap_done();
}
