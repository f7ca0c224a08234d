/* smtpd_check_peer.c: the client's host names, looked up as Postfix's smtpd
 * does when a client connects: the PTR name of the address is the
 * "reverse" name; it is the verified client name only when it is a valid
 * host name and one of its A/AAAA records is the client address
 * (forward-confirmed). Otherwise the client name is "unknown", with a
 * status that says why: temporary DNS failure, no name, or a name that
 * does not resolve back ("forged"). As Postfix's getnameinfo() and
 * getaddrinfo() with the usual "hosts: files dns", /etc/hosts answers
 * first (127.0.0.1 is "localhost"), the DNS otherwise. */
#include "config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "domain.h"
#include "log.h"
#include "mem.h"
#include "smtpd_check.h"

#define HOSTS_FILE "/etc/hosts"

struct smtpd_peer_lookup {
	struct dns *dns;
	char *addr;
	smtpd_peer_done_fn *done_cb;
	void *arg;
	struct dns_query *queries[2];
	int pending;
	int starting, finished;
	char *reverse;
	enum smtpd_peer_status reverse_status;
	int matched, temp;
};

static void peer_finish(struct smtpd_peer_lookup *l, enum smtpd_peer_status client_status)
{
	struct smtpd_peer_names n = {
		.client_name = client_status == SMTPD_PEER_OK ? l->reverse : "unknown",
		.client_name_status = client_status,
		.reverse_name = l->reverse ? l->reverse : "unknown",
		.reverse_name_status = l->reverse_status,
	};
	l->finished = 1;
	l->done_cb(l->arg, &n);
}

static void peer_release(struct smtpd_peer_lookup *l)
{
	for (int i = 0; i < 2; i++)
		dns_cancel(&l->queries[i]);
	free(l->reverse);
	free(l->addr);
	free(l);
}

/* same_addr: two textual addresses of the same family are equal. */
static int same_addr(const char *a, const char *b)
{
	unsigned char x[16], y[16];
	int family = strchr(a, ':') ? AF_INET6 : AF_INET;
	size_t len = family == AF_INET ? 4 : 16;
	return inet_pton(family, a, x) == 1 && inet_pton(family, b, y) == 1 &&
	       memcmp(x, y, len) == 0;
}

/* hosts_lookup: in /etc/hosts, the first name of the first line for addr
 * (name == NULL), or whether a line for name lists addr (*matched_r).
 * Returns 1 when the file has a line for the address (or the name), else
 * 0; *name_r (malloc'd) receives the name found. */
static int hosts_lookup(const char *addr, const char *name, char **name_r, int *matched_r)
{
	FILE *fp = fopen(HOSTS_FILE, "r");
	char line[1024];
	int found = 0;

	if (fp == NULL)
		return 0;
	while (fgets(line, sizeof(line), fp) != NULL) {
		char *save, *a, *n;
		line[strcspn(line, "#")] = '\0';
		if ((a = strtok_r(line, " \t\r\n", &save)) == NULL)
			continue;
		while ((n = strtok_r(NULL, " \t\r\n", &save)) != NULL) {
			if (name == NULL && same_addr(addr, a)) {
				*name_r = xstrdup(n);
				fclose(fp);
				return 1;
			}
			if (name != NULL && strcasecmp(n, name) == 0) {
				found = 1;
				*matched_r |= same_addr(addr, a);
			}
		}
	}
	fclose(fp);
	return found;
}

static void forward_done(void *arg, const struct dns_result *r)
{
	struct smtpd_peer_lookup *l = arg;
	for (int i = 0; i < 2; i++)
		if (l->queries[i] && r->type == (i == 0 ? DNS_T_A : DNS_T_AAAA))
			l->queries[i] = NULL;
	for (size_t i = 0; i < r->n; i++)
		l->matched |= same_addr(l->addr, r->rr[i].text);
	l->temp |= r->status == DNS_TEMPFAIL;
	if (--l->pending > 0)
		return;
	if (!l->matched)
		log_warn("hostname %s does not resolve to address %s%s", l->reverse, l->addr,
			 l->temp ? ": temporary DNS failure" : "");
	enum smtpd_peer_status st = l->matched ? SMTPD_PEER_OK :
				    l->temp    ? SMTPD_PEER_TEMP :
						 SMTPD_PEER_FORGED;
	int starting = l->starting;
	peer_finish(l, st);
	if (!starting)
		peer_release(l);
}

/* verify: the reverse name is known (status OK): is it a valid host name
 * whose addresses include the client's? Answers from /etc/hosts at once;
 * otherwise starts the forward lookups (and returns 0). 1 when finished. */
static int verify(struct smtpd_peer_lookup *l, const char *name)
{
	int matched = 0;

	if (!domain_valid_hostname(name, 0, NULL)) {
		log_warn("%s: address not listed for hostname %s: malformed name", l->addr, name);
		l->reverse_status = SMTPD_PEER_PERM;
		peer_finish(l, SMTPD_PEER_PERM);
		return 1;
	}
	l->reverse = xstrdup(name);
	l->reverse_status = SMTPD_PEER_OK;
	if (hosts_lookup(l->addr, name, NULL, &matched)) {
		if (!matched)
			log_warn("hostname %s does not resolve to address %s", name, l->addr);
		peer_finish(l, matched ? SMTPD_PEER_OK : SMTPD_PEER_FORGED);
		return 1;
	}
	l->pending = 2;
	/* Either may answer at once: take both handles before waiting. */
	int starting = l->starting;
	l->starting = 1;
	l->queries[0] = dns_lookup(l->dns, l->reverse, DNS_T_A, forward_done, l);
	if (!l->finished)
		l->queries[1] = dns_lookup(l->dns, l->reverse, DNS_T_AAAA, forward_done, l);
	l->starting = starting;
	return l->finished;
}

static void reverse_done(void *arg, const struct dns_result *r)
{
	struct smtpd_peer_lookup *l = arg;
	int starting = l->starting;

	l->queries[0] = NULL;
	if (r->status != DNS_FOUND) {
		l->reverse_status = r->status == DNS_TEMPFAIL ? SMTPD_PEER_TEMP : SMTPD_PEER_PERM;
		peer_finish(l, l->reverse_status);
	} else if (!verify(l, r->rr[0].text)) {
		return;
	}
	if (!starting)
		peer_release(l);
}

struct smtpd_peer_lookup *smtpd_peer_lookup_start(struct dns *dns, const char *addr,
						  smtpd_peer_done_fn *done_cb, void *arg)
{
	struct smtpd_peer_lookup *l = xcalloc(1, sizeof(*l));
	char *name = NULL;

	l->dns = dns;
	l->addr = xstrdup(addr);
	l->done_cb = done_cb;
	l->arg = arg;
	l->starting = 1;
	if (hosts_lookup(addr, NULL, &name, NULL)) {
		verify(l, name);
		free(name);
	} else if (!dns_reverse_name(addr, NULL, &name)) {
		l->reverse_status = SMTPD_PEER_PERM;
		peer_finish(l, SMTPD_PEER_PERM);
	} else {
		l->queries[0] = dns_lookup(dns, name, DNS_T_PTR, reverse_done, l);
		free(name);
	}
	l->starting = 0;
	if (l->finished) {
		peer_release(l);
		return NULL;
	}
	return l;
}

void smtpd_peer_lookup_cancel(struct smtpd_peer_lookup **lp)
{
	struct smtpd_peer_lookup *l = *lp;
	if (l == NULL)
		return;
	*lp = NULL;
	peer_release(l);
}
