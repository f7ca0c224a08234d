/* nexthop_test.c: address classes, transport parameters, relayhost and
 * transport_maps overrides, as Postfix's trivial-rewrite resolves them. */
#include <stdio.h>
#include <stdlib.h>

#include "mem.h"
#include "nexthop.h"
#include "tap.h"

static void expect(const struct nexthop *nh, const char *rcpt, const char *cls,
		   const char *transport, const char *nexthop)
{
	struct nexthop_result r = {0};
	char *error = NULL;

	if (nexthop_resolve(nh, rcpt, &r, &error) < 0) {
		tap_ok(0, "%s: %s", rcpt, error);
		free(error);
		return;
	}
	tap_is_str(nexthop_class_name(r.cls), cls, "%s: class", rcpt);
	tap_is_str(r.transport, transport, "%s: transport", rcpt);
	tap_is_str(r.nexthop, nexthop, "%s: nexthop", rcpt);
	nexthop_result_deinit(&r);
}

static struct nexthop *make(const struct nexthop_conf *conf)
{
	struct nexthop *nh = NULL;
	char *error = NULL;

	if (nexthop_new(conf, &nh, &error) < 0) {
		tap_ok(0, "nexthop_new: %s", error);
		free(error);
		return NULL;
	}
	return nh;
}

/* Postfix 3.7's defaults for a host mail.example.org. */
static const struct nexthop_conf defaults = {
	.myhostname = "mail.example.org",
	.mydestination = "mail.example.org, localhost.example.org, localhost",
	.relay_domains = "",
	.local_transport = "local:mail.example.org",
	.virtual_transport = "virtual",
	.relay_transport = "relay",
	.default_transport = "smtp",
};

static void test_classes(void)
{
	struct nexthop_conf c = defaults;
	struct nexthop *nh;

	c.relay_domains = "example.net .sub.example.com";
	c.virtual_alias_domains = "alias.example";
	c.virtual_mailbox_domains = "vmail.example";
	nh = make(&c);
	if (nh == NULL)
		return;
	expect(nh, "joe@Mail.Example.ORG", "local", "local", "mail.example.org");
	expect(nh, "joe", "local", "local", "mail.example.org");
	expect(nh, "joe@alias.example", "virtual alias", "error",
	       "5.1.1 User unknown in virtual alias table");
	expect(nh, "joe@vmail.example", "virtual mailbox", "virtual", "vmail.example");
	expect(nh, "joe@example.net", "relay", "relay", "example.net");
	/* relay_domains is in parent_domain_matches_subdomains */
	expect(nh, "joe@a.example.net", "relay", "relay", "a.example.net");
	expect(nh, "joe@x.sub.example.com", "relay", "relay", "x.sub.example.com");
	expect(nh, "joe@sub.example.com", "default", "smtp", "sub.example.com");
	expect(nh, "joe@badexample.net", "default", "smtp", "badexample.net");
	/* mydestination is not: a subdomain is remote */
	expect(nh, "joe@x.mail.example.org", "default", "smtp", "x.mail.example.org");
	nexthop_free(&nh);
	nexthop_free(&nh);
	tap_ok(nh == NULL, "nexthop_free clears the pointer and accepts NULL");
}

static void test_relayhost(void)
{
	struct nexthop_conf c = defaults;
	struct nexthop *nh;

	c.relay_domains = "example.net";
	c.relayhost = "[smart.example]:587";
	c.virtual_mailbox_domains = "vmail.example";
	c.virtual_transport = "lmtp:unix:private/dovecot-lmtp";
	nh = make(&c);
	if (nh == NULL)
		return;
	expect(nh, "joe@example.com", "default", "smtp", "[smart.example]:587");
	expect(nh, "joe@example.net", "relay", "relay", "[smart.example]:587");
	expect(nh, "joe@localhost", "local", "local", "mail.example.org");
	expect(nh, "joe@vmail.example", "virtual mailbox", "lmtp", "unix:private/dovecot-lmtp");
	nexthop_free(&nh);

	/* a nexthop in default_transport wins over relayhost */
	c.default_transport = "smtp:[other.example]:25";
	nh = make(&c);
	if (nh == NULL)
		return;
	expect(nh, "joe@example.com", "default", "smtp", "[other.example]:25");
	nexthop_free(&nh);
}

static void test_transport_maps(void)
{
	struct nexthop_conf c = defaults;
	char path[4096], spec[4200], *maildir;
	struct nexthop *nh;

	snprintf(path, sizeof(path), "%s/transport", tap_tmpdir());
	tap_write_file(path, "user@example.com  discard:\n"
			     "example.com       smtp:[mx.example.com]:2525\n"
			     ".example.com      lmtp:inet:lmtp.example:24\n"
			     "keep.example      :[keep-host]\n"
			     "reset.example     smtp:\n"
			     "err.example       error:5.7.1 go away\n"
			     "*                 maildir:/var/mail/all\n");
	snprintf(spec, sizeof(spec), "texthash:%s", path);
	c.transport_maps = spec;
	c.relayhost = "[smart.example]";
	nh = make(&c);
	if (nh == NULL)
		return;
	expect(nh, "user@example.com", "default", "discard", "example.com");
	expect(nh, "other@example.com", "default", "smtp", "[mx.example.com]:2525");
	expect(nh, "joe@a.b.example.com", "default", "lmtp", "inet:lmtp.example:24");
	expect(nh, "joe@keep.example", "default", "smtp", "[keep-host]");
	expect(nh, "joe@reset.example", "default", "smtp", "reset.example");
	expect(nh, "joe@err.example", "default", "error", "5.7.1 go away");
	expect(nh, "joe@mail.example.org", "local", "maildir", "/var/mail/all");
	nexthop_free(&nh);

	maildir = xasprintf("texthash:%s/missing", tap_tmpdir());
	c.transport_maps = maildir;
	{
		char *error = NULL;

		tap_is_int(nexthop_new(&c, &nh, &error), -1, "a missing transport map fails");
		tap_ok(error != NULL && nh == NULL, "with a message: %s", error ? error : "");
		free(error);
	}
	free(maildir);
}

static void test_domain_table(void)
{
	struct nexthop_conf c = defaults;
	char path[4096], spec[4200], *error = NULL;
	struct nexthop *nh = NULL;

	snprintf(path, sizeof(path), "%s/relay_domains", tap_tmpdir());
	tap_write_file(path, "tabled.example OK\n");
	snprintf(spec, sizeof(spec), "texthash:%s", path);
	c.relay_domains = spec;
	nh = make(&c);
	if (nh == NULL)
		return;
	expect(nh, "joe@tabled.example", "relay", "relay", "tabled.example");
	expect(nh, "joe@sub.tabled.example", "relay", "relay", "sub.tabled.example");
	expect(nh, "joe@untabled.example", "default", "smtp", "untabled.example");
	nexthop_free(&nh);

	c.relay_domains = "!bad.example, example.net";
	tap_is_int(nexthop_new(&c, &nh, &error), -1, "a negated item is refused");
	free(error);
}

int main(void)
{
	test_classes();
	test_relayhost();
	test_transport_maps();
	test_domain_table();
	return tap_done();
}
