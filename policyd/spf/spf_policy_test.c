/* spf_policy_test.c: the table from SPF result to action, and the skips
 * that need no DNS. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "policy_proto.h"
#include "spf_conf.h"
#include "spf_policy.h"
#include "tap.h"

static struct policy_attrs *request(const char *client, const char *sasl, const char *state)
{
	struct policy_attrs *a = policy_attrs_new();
	char *err = NULL;
	policy_attrs_add(a, "request", "smtpd_access_policy", &err);
	policy_attrs_add(a, "protocol_state", state, &err);
	policy_attrs_add(a, "client_address", client, &err);
	policy_attrs_add(a, "helo_name", "mx.example.org", &err);
	policy_attrs_add(a, "sender", "user@example.org", &err);
	policy_attrs_add(a, "sasl_username", sasl, &err);
	return a;
}

static void test_actions(const struct spf_conf *conf)
{
	struct spf_query q = {"192.0.2.1", "mx.example.org", "user@example.org", SPF_ID_MAILFROM};
	static const struct {
		enum spf_result r;
		const char *prefix;
	} cases[] = {
		{SPF_R_FAIL, "550 5.7.23 Message rejected due to: SPF fail: example.org says no"},
		{SPF_R_TEMPERROR, "DEFER_IF_PERMIT 4.4.3 "},
		{SPF_R_PERMERROR, "PREPEND Received-SPF: permerror (mailfrom) client-ip=192.0.2.1; "},
		{SPF_R_PASS, "PREPEND Received-SPF: pass (mailfrom) client-ip=192.0.2.1; "
			     "envelope-from=\"user@example.org\"; helo=mx.example.org; "
			     "receiver=<UNKNOWN>; identity=mailfrom"},
		{SPF_R_SOFTFAIL, "PREPEND Received-SPF: softfail "},
		{SPF_R_NEUTRAL, "PREPEND Received-SPF: neutral "},
		{SPF_R_NONE, "PREPEND Received-SPF: none "},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct spf_outcome o = {cases[i].r, (char *)"example.org says no", (char *)"why"};
		char *action = spf_policy_action(conf, &q, &o, 0);
		tap_ok(strncmp(action, cases[i].prefix, strlen(cases[i].prefix)) == 0,
		       "%s -> %s", spf_result_name(cases[i].r), action);
		free(action);
	}
}

int main(void)
{
	struct spf_conf *conf = NULL;
	char *err = NULL;
	if (spf_conf_load(NULL, NULL, 0, &conf, &err) < 0)
		return 1;
	test_actions(conf);
	spf_conf_free(&conf);

	struct cli_override ov[] = {{"permerror_reject", "yes"}, {"mail_from_reject", "softfail"},
				    {"header_type", "AR"}, {"authserv_id", "mx.example.test"}};
	spf_conf_load(NULL, ov, 4, &conf, &err);
	struct spf_query q = {"192.0.2.1", "mx.example.org", "user@example.org", SPF_ID_MAILFROM};
	struct spf_outcome o = {SPF_R_PERMERROR, NULL, (char *)"bad record"};
	char *a = spf_policy_action(conf, &q, &o, 0);
	tap_ok(strncmp(a, "550 5.5.2 ", 10) == 0, "permerror_reject = yes: %s", a);
	free(a);
	o.result = SPF_R_SOFTFAIL;
	a = spf_policy_action(conf, &q, &o, 0);
	tap_ok(strncmp(a, "550 5.7.23 ", 11) == 0, "mail_from_reject = softfail: %s", a);
	free(a);
	o.result = SPF_R_PASS;
	a = spf_policy_action(conf, &q, &o, 0);
	tap_is_str(a, "PREPEND Authentication-Results: mx.example.test; spf=pass "
		      "smtp.mailfrom=user@example.org", "header_type = AR");
	free(a);
	spf_conf_free(&conf);

	spf_conf_load(NULL, NULL, 0, &conf, &err);
	static const struct {
		const char *client, *sasl, *state;
		int skip;
	} skips[] = {
		{"127.0.0.1", "", "RCPT", 1},
		{"192.0.2.1", "alice", "RCPT", 1},
		{"192.0.2.1", "", "DATA", 1},
		{"192.0.2.1", "", "RCPT", 0},
	};
	for (size_t i = 0; i < sizeof(skips) / sizeof(skips[0]); i++) {
		struct policy_attrs *req = request(skips[i].client, skips[i].sasl, skips[i].state);
		char *action = NULL, *why = NULL;
		tap_is_int(spf_policy_skip(conf, req, &action, &why), skips[i].skip,
			   "client %s sasl \"%s\" at %s: %s", skips[i].client, skips[i].sasl,
			   skips[i].state, why ? why : "checked");
		free(action);
		free(why);
		policy_attrs_free(&req);
	}
	spf_conf_free(&conf);
	return tap_done();
}
