/* smtpd_check_test.c: unit tests of the restriction engine without DNS:
 * what the configuration refuses (with the parameter named), match lists
 * (relay_domains parent matching, mynetworks networks and negation), the
 * stages with smtpd_delay_reject, the access table actions and the
 * message effects they leave, warn_if_reject and defer_if_permit, and the
 * trace. The replies themselves are compared with Postfix in
 * tests/integration/check_postfix.sh. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "mem.h"
#include "relay_params.h"
#include "smtpd_check.h"
#include "tap.h"

/* A configuration: the defaults, a base, and "name = value" lines. */
static struct cfg *defaults;

static struct cfg *conf_view(const char *const *lines)
{
	static const char *const base[] = {
		"compatibility_level = 3.6",   "myhostname = mx.example.org",
		"mydomain = example.org",
		"myorigin = example.org",      "mydestination = example.org",
		"relay_domains = relay.example", "mynetworks = 127.0.0.0/8",
		"local_recipient_maps =",      "inet_interfaces = loopback-only",
		NULL,
	};
	struct cfg *c = cfg_new(defaults);
	for (int pass = 0; pass < 2; pass++) {
		for (const char *const *l = pass ? lines : base; l && *l; l++) {
			const char *eq = strchr(*l, '=');
			char *name = xstrndup(*l, (size_t)(eq - *l));
			name[strcspn(name, " ")] = '\0';
			const char *value = eq + 1 + strspn(eq + 1, " ");
			cfg_set(c, name, value, "test.cf", 1);
			free(name);
		}
	}
	return c;
}

/* conf_error: the error smtpd_check_conf_new gives, or NULL. */
static char *conf_error(const char *const *lines)
{
	struct cfg *c = conf_view(lines);
	struct smtpd_check_conf *conf = NULL;
	char *error = NULL;
	if (smtpd_check_conf_new(c, &conf, &error) > 0)
		smtpd_check_conf_unref(&conf);
	cfg_free(&c);
	return error;
}

static void test_conf_errors(void)
{
	static const struct {
		const char *line, *want;
	} cases[] = {
		{ "smtpd_recipient_restrictions = permit_mynetworks, frobnicate",
		  "unknown restriction \"frobnicate\"" },
		{ "smtpd_client_restrictions = check_client_mx_access texthash:/x",
		  "restriction \"check_client_mx_access\" is not supported by Postern" },
		{ "smtpd_client_restrictions = check_client_access", "needs an argument" },
		{ "smtpd_client_restrictions = check_client_access permit", "need maptype:mapname" },
		{ "smtpd_client_restrictions = check_client_access nosuchtype:/x",
		  "smtpd_client_restrictions" },
		{ "smtpd_client_restrictions = reject_rbl_client rbl.test=127.0.0.[2..300]",
		  "bad DNSxL reply filter" },
		{ "smtpd_data_restrictions = inline:{ a=b }", "no default in smtpd_data_restrictions" },
		{ "smtpd_recipient_restrictions = check_policy_service { inet:127.0.0.1:9, "
		  "colour=blue }",
		  "unknown attribute \"colour=blue\"" },
		{ "smtpd_restriction_classes = nothing_here", "restriction class `nothing_here' needs "
							      "a definition" },
		{ "smtpd_relay_restrictions = permit_mynetworks", "specify at least one working "
								  "instance of" },
		{ "smtpd_relay_restrictions = permit_mynetworks, warn_if_reject "
		  "reject_unauth_destination",
		  "specify at least one working instance of" },
		{ "unknown_helo_hostname_tempfail_action = maybe", "expected defer or "
								  "defer_if_permit" },
		{ "mynetworks = 192.0.2.0/33", "bad network mask" },
		{ "relay_domains = /nonexistent/relay_domains", "cannot open /nonexistent" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *lines[] = { cases[i].line, NULL };
		char *error = conf_error(lines);
		tap_ok(error != NULL && strstr(error, cases[i].want) != NULL,
		       "refused: %.60s (%s)", cases[i].line, error ? error : "accepted");
		tap_ok(error != NULL && strncmp(error, "test.cf:1: ", 11) == 0,
		       "the error says where: %.40s", error ? error : "");
		free(error);
	}
	const char *ok[] = { "smtpd_restriction_classes = a, b", "a = b, permit", "b = a",
			     "smtpd_recipient_restrictions = a, reject_unauth_destination", NULL };
	char *error = conf_error(ok);
	tap_ok(error == NULL, "restriction classes may refer to each other (%s)",
	       error ? error : "");
	free(error);
}

/* A session run synchronously (no DNS: the engine answers at once). */
struct run {
	struct smtpd_check_conf *conf;
	struct smtpd_check *chk;
	struct smtpd_facts f;
	char reply[600];
	int calls, discard;
	struct buf trace;
};

static void run_done(void *arg, const struct smtpd_verdict *v)
{
	struct run *r = arg;
	r->calls++;
	r->discard = v->discard;
	if (v->reply) {
		char *s = smtp_reply_to_string(v->reply);
		snprintf(r->reply, sizeof(r->reply), "%s", s);
		free(s);
	} else {
		snprintf(r->reply, sizeof(r->reply), "ok");
	}
}

static void run_trace(void *ctx, int depth, const char *line)
{
	struct run *r = ctx;
	buf_printf(&r->trace, "%d:%s\n", depth, line);
}

static int run_start(struct run *r, const char *const *lines)
{
	struct cfg *c = conf_view(lines);
	char *error = NULL;
	memset(r, 0, sizeof(*r));
	buf_init(&r->trace, 0);
	int rc = smtpd_check_conf_new(c, &r->conf, &error);
	cfg_free(&c);
	if (rc < 0) {
		tap_diag("configuration refused: %s", error);
		free(error);
		return 0;
	}
	r->chk = smtpd_check_new(r->conf, NULL, NULL);
	smtpd_check_set_trace(r->chk, run_trace, r);
	r->f.client_addr = "192.0.2.1";
	r->f.client_name = "unknown";
	r->f.client_name_status = SMTPD_PEER_PERM;
	r->f.reverse_name = "unknown";
	r->f.reverse_name_status = SMTPD_PEER_PERM;
	r->f.protocol = "ESMTP";
	r->f.helo = "client.example";
	return 1;
}

static const char *run_stage(struct run *r, enum smtpd_check_stage stage)
{
	int before = r->calls;
	smtpd_check_run(r->chk, stage, &r->f, run_done, r);
	if (r->calls != before + 1)
		return "(no verdict)";
	return r->reply;
}

static const char *run_rcpt(struct run *r, const char *sender, const char *rcpt)
{
	r->f.sender = sender;
	r->f.recipient = rcpt;
	const char *v = run_stage(r, SMTPD_CHECK_RCPT);
	if (strcmp(v, "ok") == 0)
		r->f.rcpt_count++;
	return v;
}

static void run_end(struct run *r)
{
	smtpd_check_free(&r->chk);
	smtpd_check_conf_unref(&r->conf);
	buf_deinit(&r->trace);
}

static void test_domains(void)
{
	struct run r;
	const char *parent[] = { NULL };
	if (run_start(&r, parent)) {
		tap_is_str(run_rcpt(&r, "a@b.example", "x@sub.relay.example"), "ok",
			   "relay_domains matches subdomains (parent_domain_matches_subdomains)");
		tap_is_str(run_rcpt(&r, "a@b.example", "x@EXAMPLE.org."), "ok",
			   "mydestination: case and a trailing dot do not matter");
		tap_is_str(run_rcpt(&r, "a@b.example", "x@sub.example.org"),
			   "454 4.7.1 <x@sub.example.org>: Relay access denied",
			   "mydestination does not match subdomains");
		tap_is_str(run_rcpt(&r, "a@b.example", "x"), "ok",
			   "an unqualified recipient is @$myorigin");
		tap_is_str(run_rcpt(&r, "a@b.example", "x@[127.0.0.1]"), "ok",
			   "a literal of our own address is local");
		tap_is_str(run_rcpt(&r, "a@b.example", "x@[192.0.2.9]"),
			   "454 4.7.1 <x@[192.0.2.9]>: Relay access denied",
			   "any other literal is not");
		tap_is_str(run_rcpt(&r, "a@b.example", "x%elsewhere.example@example.org"),
			   "454 4.7.1 <x%elsewhere.example@example.org>: Relay access denied",
			   "the percent hack routes user%%elsewhere@local elsewhere");
		run_end(&r);
	}
	const char *strict[] = { "parent_domain_matches_subdomains =", NULL };
	if (run_start(&r, strict)) {
		tap_is_str(run_rcpt(&r, "a@b.example", "x@sub.relay.example"),
			   "454 4.7.1 <x@sub.relay.example>: Relay access denied",
			   "without parent matching relay_domains names only itself");
		run_end(&r);
	}
	const char *dot[] = { "parent_domain_matches_subdomains =",
			      "relay_domains = .relay.example, !bad.other.example, .other.example",
			      NULL };
	if (run_start(&r, dot)) {
		tap_is_str(run_rcpt(&r, "a@b.example", "x@sub.relay.example"), "ok",
			   "\".relay.example\" matches subdomains");
		tap_is_str(run_rcpt(&r, "a@b.example", "x@relay.example"),
			   "454 4.7.1 <x@relay.example>: Relay access denied",
			   "... but not the domain itself");
		tap_is_str(run_rcpt(&r, "a@b.example", "x@bad.other.example"),
			   "454 4.7.1 <x@bad.other.example>: Relay access denied",
			   "a negated item matches first");
		tap_is_str(run_rcpt(&r, "a@b.example", "x@good.other.example"), "ok",
			   "the next item still matches the others");
		run_end(&r);
	}
}

static void test_networks(void)
{
	static const struct {
		const char *addr, *want;
	} cases[] = {
		{ "192.0.2.200", "ok" },
		{ "192.0.2.130", "454 4.7.1 <x@elsewhere.example>: Relay access denied" },
		{ "192.0.2.100", "454 4.7.1 <x@elsewhere.example>: Relay access denied" },
		{ "2001:db8::5", "ok" },
		{ "2001:db8:1::5", "454 4.7.1 <x@elsewhere.example>: Relay access denied" },
		{ "10.1.2.3", "ok" },
	};
	const char *lines[] = { "mynetworks = !192.0.2.130 192.0.2.128/25, [2001:db8::]/64, "
				"inline:{ 10.1.2.3=x }",
				NULL };
	struct run r;
	if (!run_start(&r, lines))
		return;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		r.f.client_addr = cases[i].addr;
		tap_is_str(run_rcpt(&r, "a@b.example", "x@elsewhere.example"), cases[i].want,
			   "mynetworks and client %s", cases[i].addr);
	}
	run_end(&r);
}

static void test_stages(void)
{
	struct run r;
	const char *delayed[] = { "smtpd_client_restrictions = reject", NULL };
	if (run_start(&r, delayed)) {
		tap_is_str(run_stage(&r, SMTPD_CHECK_CONNECT), "ok",
			   "delay_reject: nothing is refused at CONNECT");
		tap_is_str(run_stage(&r, SMTPD_CHECK_HELO), "ok", "... nor at HELO");
		r.f.sender = "a@b.example";
		tap_is_str(run_stage(&r, SMTPD_CHECK_MAIL), "ok", "... nor at MAIL");
		tap_is_str(run_rcpt(&r, "a@b.example", "x@example.org"),
			   "554 5.7.1 <unknown[192.0.2.1]>: Client host rejected: Access denied",
			   "the client restrictions refuse at RCPT");
		tap_is_str(run_rcpt(&r, "a@b.example", "postmaster"), "ok",
			   "postmaster is accepted all the same");
		run_end(&r);
	}
	const char *immediate[] = { "smtpd_delay_reject = no",
				    "smtpd_client_restrictions = reject", NULL };
	if (run_start(&r, immediate)) {
		tap_is_str(run_stage(&r, SMTPD_CHECK_CONNECT),
			   "554 5.7.1 <unknown[192.0.2.1]>: Client host rejected: Access denied",
			   "without delay_reject the client is refused at CONNECT");
		run_end(&r);
	}
	const char *data[] = { "smtpd_data_restrictions = reject_unauth_pipelining",
			       "smtpd_end_of_data_restrictions = reject", NULL };
	if (run_start(&r, data)) {
		r.f.rcpt_count = 1;
		tap_is_str(run_stage(&r, SMTPD_CHECK_DATA), "ok", "DATA: no early input, no refusal");
		r.f.input_pending = 1;
		tap_is_str(run_stage(&r, SMTPD_CHECK_DATA),
			   "503 5.5.0 <DATA>: Data command rejected: Improper use of SMTP command "
			   "pipelining",
			   "DATA: reject_unauth_pipelining");
		tap_is_str(run_stage(&r, SMTPD_CHECK_END_OF_DATA),
			   "554 5.7.1 <END-OF-MESSAGE>: End-of-data rejected: Access denied",
			   "END-OF-DATA restrictions");
		run_end(&r);
	}
}

static void test_effects(void)
{
	const char *lines[] = {
		"smtpd_recipient_restrictions = check_recipient_access inline:{ "
		"{ h@example.org = HOLD why }, { r@example.org = REDIRECT a@example.org }, "
		"{ b@example.org = BCC c@example.org }, { p@example.org = PREPEND X-A: 1 }, "
		"{ q@example.org = PREPEND X-B: 2 }, { d@example.org = DISCARD gone }, "
		"{ f@example.org = FILTER smtp:[127.0.0.1]:10026 } }, reject_unauth_destination",
		NULL,
	};
	struct run r;
	if (!run_start(&r, lines))
		return;
	const struct smtpd_effects *e = smtpd_check_effects(r.chk);
	static const char *const rcpts[] = { "h@example.org", "r@example.org", "b@example.org",
					     "p@example.org", "q@example.org", "f@example.org" };
	for (size_t i = 0; i < sizeof(rcpts) / sizeof(rcpts[0]); i++)
		tap_is_str(run_rcpt(&r, "a@b.example", rcpts[i]), "ok", "%s is accepted", rcpts[i]);
	e = smtpd_check_effects(r.chk);
	tap_is_str(e->hold, "why", "HOLD with its reason");
	tap_is_str(e->redirect, "a@example.org", "REDIRECT");
	tap_ok(e->n_bcc == 1 && strcmp(e->bcc[0], "c@example.org") == 0, "BCC");
	tap_is_str(e->prepend, "X-A: 1\nX-B: 2\n", "PREPEND lines in order");
	tap_is_str(e->filter, "smtp:[127.0.0.1]:10026", "FILTER");
	tap_ok(e->discard == NULL && !r.discard, "no DISCARD yet");
	tap_is_str(run_rcpt(&r, "a@b.example", "d@example.org"), "ok", "DISCARD accepts");
	tap_ok(r.discard && smtpd_check_effects(r.chk)->discard != NULL,
	       "... and marks the message discarded");
	tap_is_str(run_rcpt(&r, "a@b.example", "x@elsewhere.example"), "ok",
		   "after DISCARD nothing more is checked");
	smtpd_check_reset_transaction(r.chk);
	e = smtpd_check_effects(r.chk);
	tap_ok(e->hold == NULL && e->redirect == NULL && e->n_bcc == 0 && *e->prepend == '\0' &&
		       e->discard == NULL,
	       "a new transaction starts without effects");
	tap_is_str(run_rcpt(&r, "a@b.example", "x@elsewhere.example"),
		   "454 4.7.1 <x@elsewhere.example>: Relay access denied",
		   "and is checked again");
	run_end(&r);
}

static void test_defer_and_warn(void)
{
	struct run r;
	const char *lines[] = {
		"smtpd_client_restrictions = defer_if_permit",
		"smtpd_relay_before_recipient_restrictions = no",
		"smtpd_recipient_restrictions = warn_if_reject reject_non_fqdn_recipient",
		NULL,
	};
	if (!run_start(&r, lines))
		return;
	tap_is_str(run_rcpt(&r, "a@b.example", "x@example.org"),
		   "450 4.7.0 <unknown[192.0.2.1]>: Client host rejected: defer_if_permit "
		   "requested",
		   "DEFER_IF_PERMIT turns an acceptance into a deferral");
	tap_is_str(run_rcpt(&r, "a@b.example", "x@elsewhere.example"),
		   "454 4.7.1 <x@elsewhere.example>: Relay access denied",
		   "... but not a refusal");
	tap_is_str(run_rcpt(&r, "a@b.example", "x@nodots"),
		   "454 4.7.1 <x@nodots>: Relay access denied",
		   "warn_if_reject only warns: the relay check refuses");
	tap_ok(strstr(buf_cstr(&r.trace), "log: reject_warning: 504 5.5.2 <x@nodots>") != NULL,
	       "the warning is in the trace");
	tap_ok(strstr(buf_cstr(&r.trace), "0:smtpd_relay_restrictions:\n1:permit_mynetworks\n"
					  "1:=> no decision\n") != NULL &&
		       strstr(buf_cstr(&r.trace), "1:defer_unauth_destination\n2:log: reject: 454 "
						  "4.7.1 <x@nodots>: Relay access denied\n"
						  "1:=> REJECT\n") != NULL,
	       "the trace names lists, elements and results by depth");
	run_end(&r);
}

static void test_dns_unavailable(void)
{
	struct run r;
	const char *lines[] = { "smtpd_client_restrictions = reject_rbl_client rbl.test, "
				"reject_unknown_client_hostname",
				"smtpd_sender_restrictions = reject_unknown_sender_domain", NULL };
	if (!run_start(&r, lines))
		return;
	r.f.client_name = "host.example";
	r.f.client_name_status = SMTPD_PEER_OK;
	tap_is_str(run_rcpt(&r, "a@b.example", "x@example.org"),
		   "450 4.1.8 <a@b.example>: Sender address rejected: Domain not found",
		   "without a resolver: DNSBLs pass, an unknown domain is deferred");
	run_end(&r);
}

static void test_policy(void)
{
	struct run r;
	const char *lines[] = { "smtpd_recipient_restrictions = check_policy_service "
				"{ inet:127.0.0.1:9, timeout=10s, "
				"{ default_action = 550 5.7.0 policy down } }",
				NULL };
	if (!run_start(&r, lines))
		return;
	tap_is_str(run_rcpt(&r, "a@b.example", "x@example.org"),
		   "550 5.7.0 <x@example.org>: Recipient address rejected: policy down",
		   "check_policy_service: without a client, the default_action attribute "
		   "(with spaces, in braces)");
	run_end(&r);
	const char *plain[] = { "smtpd_recipient_restrictions = check_policy_service "
				"unix:private/policy",
				NULL };
	if (!run_start(&r, plain))
		return;
	tap_is_str(run_rcpt(&r, "a@b.example", "x@example.org"),
		   "451 4.3.5 <x@example.org>: Recipient address rejected: Server configuration "
		   "problem",
		   "... or smtpd_policy_service_default_action, as Postfix when the server "
		   "cannot be reached");
	run_end(&r);
}

int main(void)
{
	defaults = relay_params_defaults_new();
	test_conf_errors();
	test_domains();
	test_networks();
	test_stages();
	test_effects();
	test_defer_and_warn();
	test_dns_unavailable();
	test_policy();
	cfg_free(&defaults);
	return tap_done();
}
