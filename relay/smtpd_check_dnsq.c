/* smtpd_check_dnsq.c: the DNS answers of one SMTP session. Restrictions
 * ask for (type, name); the first ask starts the lookup and makes the
 * evaluation pass wait; once every lookup has answered, the pass runs
 * again and finds the answers here. Answers stay for the session (as
 * Postfix's smtpd caches RBL answers), so a name is looked up once per
 * session however many recipients ask. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mem.h"
#include "smtpd_check_private.h"

struct entry {
	enum dns_type type;
	char *name;
	struct chk_dnsq *owner;
	struct dns_query *query; /* non-NULL while pending */
	int done;
	struct chk_dns_answer answer;
	char *why;
};

struct chk_dnsq {
	struct dns *dns;
	struct entry **entries;
	size_t n;
	struct chk_waiter waiter;
};

struct chk_dnsq *chk_dnsq_new(struct dns *dns)
{
	struct chk_dnsq *q = xcalloc(1, sizeof(*q));
	q->dns = dns;
	return q;
}

void chk_dnsq_free(struct chk_dnsq **qp)
{
	struct chk_dnsq *q = *qp;
	if (q == NULL)
		return;
	*qp = NULL;
	for (size_t i = 0; i < q->n; i++) {
		struct entry *e = q->entries[i];
		dns_cancel(&e->query);
		for (size_t k = 0; k < e->answer.n; k++)
			free(e->answer.text[k]);
		free(e->answer.text);
		free(e->answer.pref);
		free(e->why);
		free(e->name);
		free(e);
	}
	free(q->entries);
	free(q);
}

static void entry_done(void *arg, const struct dns_result *r)
{
	struct entry *e = arg;
	struct chk_dnsq *q = e->owner;

	e->query = NULL;
	e->done = 1;
	e->answer.status = r->status;
	if (r->status == DNS_TEMPFAIL) {
		e->why = xstrdup(r->why ? r->why : "DNS error");
		e->answer.why = e->why;
	}
	e->answer.n = r->n;
	e->answer.text = r->n ? xcalloc(r->n, sizeof(char *)) : NULL;
	e->answer.pref = r->n ? xcalloc(r->n, sizeof(unsigned)) : NULL;
	for (size_t i = 0; i < r->n; i++) {
		e->answer.text[i] = xstrdup(r->rr[i].text);
		e->answer.pref[i] = r->rr[i].pref;
	}
	chk_waiter_done(&q->waiter);
}

int chk_dnsq_get(struct chk_dnsq *q, enum dns_type type, const char *name,
		 const struct chk_dns_answer **answer_r)
{
	struct entry *e = NULL;

	for (size_t i = 0; i < q->n && e == NULL; i++)
		if (q->entries[i]->type == type && strcasecmp(q->entries[i]->name, name) == 0)
			e = q->entries[i];
	if (e == NULL) {
		e = xcalloc(1, sizeof(*e));
		e->type = type;
		e->name = xstrdup(name);
		e->owner = q;
		q->entries = xreallocarray(q->entries, q->n + 1, sizeof(*q->entries));
		q->entries[q->n++] = e;
		if (q->dns == NULL) {
			e->done = 1;
			e->answer.status = DNS_TEMPFAIL;
			e->answer.why = "no resolver";
		} else {
			q->waiter.pending++;
			e->query = dns_lookup(q->dns, name, type, entry_done, e);
		}
	}
	if (!e->done)
		return 0;
	*answer_r = &e->answer;
	return 1;
}

int chk_dnsq_wait(struct chk_dnsq *q, void (*fn)(void *arg), void *arg)
{
	return chk_waiter_wait(&q->waiter, fn, arg);
}
