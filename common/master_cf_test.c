/* master_cf_test.c: the master.cf parser. */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cfg.h"
#include "cfg_diag.h"
#include "master_cf.h"
#include "tap.h"

static const char sample[] =
	"# Postfix master process configuration file.\n"
	"smtp      inet  n       -       y       -       -       smtpd\n"
	"submission inet n       -       y       -       -       smtpd\n"
	"  -o syslog_name=postfix/submission\n"
	"  -o smtpd_tls_security_level=encrypt\n"
	"# a comment between continuation lines\n"
	"  -o { smtpd_client_restrictions = permit_sasl_authenticated, reject }\n"
	"  -o smtpd_sender_restrictions=$mua_sender_restrictions\n"
	"127.0.0.1:10025 inet n - n - 10 smtpd -v -o content_filter= -omynetworks=127.0.0.0/8\n"
	"pickup    unix  n       -       y       60      1       pickup\n"
	"qmgr      unix  n       -       n       300?    1       qmgr\n"
	"maildrop  unix  -       n       n       -       -       pipe\n"
	"  flags=DRXhu user=vmail argv=/usr/bin/maildrop -d ${recipient}\n"
	"spaced    unix  -       n       n       -       -       pipe\n"
	"  argv=/bin/echo { two words } -o notanoverride=1\n";

/* dump: one line per service: name/type fields | argv | overrides */
static char *dump(const struct master_cf *m, const struct cfg_diags *d)
{
	struct buf b;
	buf_init(&b, 0);
	for (size_t i = 0; i < m->n; i++) {
		const struct master_service *s = &m->services[i];
		buf_printf(&b, "%s/%s@%u %s %s %s %s %s |", s->name, s->type, s->line, s->private_,
			   s->unpriv, s->chroot, s->wakeup, s->maxproc);
		for (size_t a = 0; a < s->argc; a++)
			buf_printf(&b, " [%s]", s->argv[a]);
		buf_printf(&b, " |");
		for (size_t o = 0; o < s->n_overrides; o++)
			buf_printf(&b, " %s=%s;", s->overrides[o].name, s->overrides[o].value);
		buf_printf(&b, "\n");
	}
	for (size_t i = 0; i < d->n; i++)
		buf_printf(&b, "%c:%u:%s\n", "NWE"[d->items[i].severity], d->items[i].line,
			   d->items[i].text);
	char *s = buf_detach(&b);
	buf_deinit(&b);
	return s;
}

static char *parse_dump(const char *text, size_t len, int *rc_r)
{
	struct master_cf *m = master_cf_new();
	struct cfg_diags d;
	char *error = NULL;
	cfg_diags_init(&d);
	*rc_r = master_cf_parse_buf(m, "master.cf", text, len, &d, &error);
	free(error);
	char *s = dump(m, &d);
	cfg_diags_deinit(&d);
	master_cf_free(&m);
	return s;
}

static void test_sample(void)
{
	int rc;
	char *got = parse_dump(sample, strlen(sample), &rc);
	tap_is_str(got,
		   "smtp/inet@2 n - y - - | [smtpd] |\n"
		   "submission/inet@3 n - y - - | [smtpd] [-o] [syslog_name=postfix/submission] "
		   "[-o] [smtpd_tls_security_level=encrypt] [-o] [{ smtpd_client_restrictions = "
		   "permit_sasl_authenticated, reject }] [-o] "
		   "[smtpd_sender_restrictions=$mua_sender_restrictions] | "
		   "syslog_name=postfix/submission; smtpd_tls_security_level=encrypt; "
		   "smtpd_client_restrictions=permit_sasl_authenticated, reject; "
		   "smtpd_sender_restrictions=$mua_sender_restrictions;\n"
		   "127.0.0.1:10025/inet@9 n - n - 10 | [smtpd] [-v] [-o] [content_filter=] "
		   "[-omynetworks=127.0.0.0/8] | content_filter=; mynetworks=127.0.0.0/8;\n"
		   "pickup/unix@10 n - y 60 1 | [pickup] |\n"
		   "qmgr/unix@11 n - n 300? 1 | [qmgr] |\n"
		   "maildrop/unix@12 - n n - - | [pipe] [flags=DRXhu] [user=vmail] "
		   "[argv=/usr/bin/maildrop] [-d] [${recipient}] |\n"
		   "spaced/unix@14 - n n - - | [pipe] [argv=/bin/echo] [two words] [-o] "
		   "[notanoverride=1] |\n",
		   "a typical master.cf: fields, continuations, -o in both forms, { } arguments");
	tap_is_int(rc, 1, "a typical master.cf has no error");
	free(got);
}

static const struct {
	const char *name;
	const char *input;
	const char *want;
} bad_cases[] = {
	{ "too few fields", "smtp inet n - y - smtpd\n",
	  "E:1:expected at least 8 fields (service type private unpriv chroot wakeup maxproc "
	  "command), found 7\n" },
	{ "unknown type", "smtp tcp n - y - - smtpd\n",
	  "E:1:service smtp: unknown service type \"tcp\" (expected inet, unix, unix-dgram, fifo "
	  "or pass)\n" },
	{ "bad private flag", "smtp inet no - y - - smtpd\n",
	  "E:1:service smtp/inet: private field \"no\": expected y, n or -\n" },
	{ "bad chroot flag", "x unix - - yes - - x\n",
	  "E:1:service x/unix: chroot field \"yes\": expected y, n or -\n" },
	{ "bad wakeup", "pickup unix n - y 1m 1 pickup\n",
	  "E:1:service pickup/unix: wakeup field \"1m\": expected a number of seconds "
	  "(optionally with ?) or -\n" },
	{ "bad process limit", "smtp inet n - y - many smtpd\n",
	  "E:1:service smtp/inet: process limit field \"many\": expected a number or -\n" },
	{ "a private inet service", "smtp inet y - y - - smtpd\n",
	  "E:1:service smtp/inet: an inet service cannot be private\n" },
	{ "-o without =", "smtp inet n - y - - smtpd -o foo\n",
	  "E:1:-o foo: missing \"=\" after parameter name: \"foo\"\n" },
	{ "-o without a value", "smtp inet n - y - - smtpd -o\n",
	  "E:1:service smtp/inet: option -o needs a value\n" },
	{ "unbalanced brace", "smtp inet n - y - - smtpd -o { a = b\n",
	  "E:1:missing \"}\" in \"smtp inet n - y - - smtpd -o { a = b\"\n" },
	{ "a bad line is skipped, the next read",
	  "bad\nsmtp inet n - y - - smtpd\n",
	  "smtp/inet@2 n - y - - | [smtpd] |\n"
	  "E:1:expected at least 8 fields (service type private unpriv chroot wakeup maxproc "
	  "command), found 1\n" },
	{ "the last of two definitions wins",
	  "smtp inet n - y - - smtpd\nx unix - - - - - x\nsmtp inet n - n - - smtpd -v\n",
	  "x/unix@2 - - - - - | [x] |\nsmtp/inet@3 n - n - - | [smtpd] [-v] |\n"
	  "W:3:service smtp/inet defined again; the definition at master.cf:1 is ignored\n" },
	{ "same name, other type: two services",
	  "relay unix - - n - - smtp\nrelay inet n - n - - smtpd\n",
	  "relay/unix@1 - - n - - | [smtp] |\nrelay/inet@2 n - n - - | [smtpd] |\n" },
};

static void test_bad(void)
{
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		int rc;
		char *got = parse_dump(bad_cases[i].input, strlen(bad_cases[i].input), &rc);
		tap_is_str(got, bad_cases[i].want, "%s", bad_cases[i].name);
		tap_is_int(rc, strstr(bad_cases[i].want, "E:") ? -1 : 1, "%s: return value",
			   bad_cases[i].name);
		free(got);
	}
}

static void test_chunking(void)
{
	size_t len = strlen(sample);
	int rc;
	char *want = parse_dump(sample, len, &rc);
	int same = 1;
	for (size_t cut = 0; cut <= len && same; cut++) {
		struct master_cf *m = master_cf_new();
		struct cfg_diags d;
		cfg_diags_init(&d);
		struct master_cf_parser *p = master_cf_parser_new(m, "master.cf", &d);
		master_cf_parser_feed(p, sample, cut);
		master_cf_parser_feed(p, sample + cut, len - cut);
		char *error = NULL;
		master_cf_parser_finish(p, &error);
		free(error);
		master_cf_parser_free(&p);
		char *got = dump(m, &d);
		same = strcmp(got, want) == 0;
		if (!same)
			tap_diag("cut at %zu", cut);
		free(got);
		cfg_diags_deinit(&d);
		master_cf_free(&m);
	}
	tap_ok(same, "master.cf cut at every point parses the same");
	free(want);
}

static void test_service_cfg(void)
{
	struct master_cf *m = master_cf_new();
	struct cfg_diags d;
	char *error = NULL;
	cfg_diags_init(&d);
	master_cf_parse_buf(m, "master.cf", sample, strlen(sample), &d, &error);
	struct cfg *main_cf = cfg_new(NULL);
	cfg_set(main_cf, "smtpd_tls_security_level", "may", "main.cf", 1);
	cfg_set(main_cf, "myhostname", "mail.example.com", "main.cf", 2);
	struct cfg *sub = master_service_cfg(&m->services[1], main_cf);
	tap_is_str(cfg_get(sub, "smtpd_tls_security_level"), "encrypt",
		   "a -o override wins over main.cf");
	tap_is_str(cfg_get(sub, "myhostname"), "mail.example.com",
		   "other parameters come from main.cf");
	const struct cfg_entry *e = cfg_lookup(sub, "syslog_name");
	tap_ok(e && strcmp(e->file, "master.cf") == 0 && e->line == 4,
	       "an override remembers its master.cf line");
	struct buf lines;
	buf_init(&lines, 0);
	for (size_t s = 1; s <= 2; s++)
		for (size_t o = 0; o < m->services[s].n_overrides; o++)
			buf_printf(&lines, "%s@%u ", m->services[s].overrides[o].name,
				   m->services[s].overrides[o].line);
	tap_is_str(buf_cstr(&lines),
		   "syslog_name@4 smtpd_tls_security_level@5 smtpd_client_restrictions@7 "
		   "smtpd_sender_restrictions@8 content_filter@9 mynetworks@9 ",
		   "each -o knows its physical line, past comments in between");
	buf_deinit(&lines);
	tap_ok(m->services[5].arg_lines[0] == 12 && m->services[5].arg_lines[1] == 13,
	       "each argument knows its physical line");
	cfg_free(&sub);

	static const struct {
		size_t service;
		const char *host, *port;
	} addrs[] = { { 0, NULL, "smtp" }, { 2, "127.0.0.1", "10025" } };
	for (size_t i = 0; i < 2; i++) {
		char *host, *port;
		master_service_inet_addr(&m->services[addrs[i].service], &host, &port);
		tap_is_str(host, addrs[i].host, "inet address host of %s",
			   m->services[addrs[i].service].name);
		tap_is_str(port, addrs[i].port, "inet address port of %s",
			   m->services[addrs[i].service].name);
		free(host);
		free(port);
	}
	cfg_free(&main_cf);
	cfg_diags_deinit(&d);
	master_cf_free(&m);

	m = master_cf_new();
	static const char v6[] = "[::1]:2525 inet n - n - - smtpd\n::1:smtp inet n - n - - smtpd\n";
	master_cf_parse_buf(m, "master.cf", v6, strlen(v6), &d, &error);
	char *host, *port;
	master_service_inet_addr(&m->services[0], &host, &port);
	tap_ok(strcmp(host, "::1") == 0 && strcmp(port, "2525") == 0, "[::1]:2525");
	free(host);
	free(port);
	master_service_inet_addr(&m->services[1], &host, &port);
	tap_ok(strcmp(host, "::1") == 0 && strcmp(port, "smtp") == 0, "::1:smtp");
	free(host);
	free(port);
	master_cf_free(&m);
	tap_ok(m == NULL, "master_cf_free clears the pointer");
	master_cf_free(&m);
	cfg_diags_deinit(&d);
}

int main(void)
{
	test_sample();
	test_bad();
	test_chunking();
	test_service_cfg();
	return tap_done();
}
