/* check_dns_probe.c: look names up through common/dns (libunbound on a
 * libevent loop), for tests/integration/check_dns.sh.
 *
 *   check_dns_probe [-t SECS] TYPE NAME [TYPE NAME ...]
 *
 * All lookups are started at once on one loop; each result is printed, in
 * the order of the arguments, as "TYPE NAME STATUS" and then one line per
 * record ("  TEXT" or "  PREF TEXT" for MX), sorted as given by the
 * server. STATUS is found, nxdomain, nodata, or tempfail(WHY). Exit 0, or
 * 2 on a usage or set-up error.
 */
#include "config.h"

#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "dns.h"
#include "mem.h"

struct probe_item {
	enum dns_type type;
	const char *name;
	struct buf out;
	int done;
};

static void probe_done(void *arg, const struct dns_result *r)
{
	struct probe_item *it = arg;
	buf_printf(&it->out, "%s %s ", dns_type_name(r->type), r->name);
	if (r->status == DNS_FOUND)
		buf_append_str(&it->out, "found\n");
	else if (r->status == DNS_NOTFOUND)
		buf_append_str(&it->out, r->nxdomain ? "nxdomain\n" : "nodata\n");
	else
		buf_printf(&it->out, "tempfail(%s)\n", r->why);
	for (size_t i = 0; i < r->n; i++) {
		if (r->type == DNS_T_MX)
			buf_printf(&it->out, "  %u %s\n", r->rr[i].pref, r->rr[i].text);
		else
			buf_printf(&it->out, "  %s\n", r->rr[i].text);
	}
	it->done = 1;
}

static int probe_type(const char *s, enum dns_type *type_r)
{
	static const enum dns_type types[] = { DNS_T_A, DNS_T_AAAA, DNS_T_MX, DNS_T_PTR,
					       DNS_T_TXT };
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		if (strcasecmp(s, dns_type_name(types[i])) == 0) {
			*type_r = types[i];
			return 1;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct dns_opts opts = { 0 };
	struct dns *dns;
	char *error;
	int at = 1;

	if (at + 1 < argc && strcmp(argv[at], "-t") == 0) {
		opts.timeout = (unsigned)atoi(argv[at + 1]);
		at += 2;
	}
	if (argc - at < 2 || (argc - at) % 2 != 0) {
		fprintf(stderr, "usage: check_dns_probe [-t SECS] TYPE NAME [TYPE NAME ...]\n");
		return 2;
	}
	size_t n = (size_t)(argc - at) / 2;
	struct probe_item *items = xcalloc(n, sizeof(*items));
	struct event_base *base = event_base_new();
	if (dns_new(base, &opts, &dns, &error) < 0) {
		fprintf(stderr, "check_dns_probe: %s\n", error);
		return 2;
	}
	for (size_t i = 0; i < n; i++) {
		items[i].name = argv[at + 2 * i + 1];
		buf_init(&items[i].out, 0);
		if (!probe_type(argv[at + 2 * i], &items[i].type)) {
			fprintf(stderr, "check_dns_probe: unknown type %s\n", argv[at + 2 * i]);
			return 2;
		}
	}
	for (size_t i = 0; i < n; i++)
		dns_lookup(dns, items[i].name, items[i].type, probe_done, &items[i]);
	while (dns_pending(dns) > 0)
		event_base_loop(base, EVLOOP_ONCE);
	for (size_t i = 0; i < n; i++) {
		fputs(buf_cstr(&items[i].out), stdout);
		buf_deinit(&items[i].out);
	}
	free(items);
	dns_free(&dns);
	event_base_free(base);
	return 0;
}
