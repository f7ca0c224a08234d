/* smtpd_check_policyq.c: the policy service answers of one evaluation.
 * check_policy_service asks for (service, request); the first ask sends
 * the request through the worker's policy client and makes the pass wait;
 * when every request has its answer, the pass runs again and finds it
 * here. Unlike DNS answers, policy answers are forgotten when the next
 * evaluation starts: a policy server counts and decides per request, as
 * Postfix asks it afresh for each command. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "smtpd_check_private.h"

struct entry {
	const struct chk_policy *svc;
	char *request;
	struct chk_policyq *owner;
	struct policy_call *call; /* non-NULL while pending */
	int done;
	char *action, *error;
	struct chk_policy_answer answer;
};

struct chk_policyq {
	struct policy_client *client;
	struct entry **entries;
	size_t n;
	struct chk_waiter waiter;
};

struct chk_policyq *chk_policyq_new(struct policy_client *client)
{
	struct chk_policyq *q = xcalloc(1, sizeof(*q));
	q->client = client;
	return q;
}

void chk_policyq_clear(struct chk_policyq *q)
{
	for (size_t i = 0; i < q->n; i++) {
		struct entry *e = q->entries[i];
		policy_call_cancel(&e->call);
		free(e->request);
		free(e->action);
		free(e->error);
		free(e);
	}
	FREE_AND_NULL(q->entries);
	q->n = 0;
	q->waiter = (struct chk_waiter){0};
}

void chk_policyq_free(struct chk_policyq **qp)
{
	struct chk_policyq *q = *qp;
	if (q == NULL)
		return;
	*qp = NULL;
	chk_policyq_clear(q);
	free(q);
}

static void entry_done(void *arg, const char *action, const char *error)
{
	struct entry *e = arg;
	struct chk_policyq *q = e->owner;

	e->call = NULL;
	e->done = 1;
	e->action = action ? xstrdup(action) : NULL;
	e->error = error ? xstrdup(error) : NULL;
	e->answer.action = e->action;
	e->answer.error = e->error;
	chk_waiter_done(&q->waiter);
}

int chk_policyq_get(struct chk_policyq *q, const struct chk_policy *svc, const char *request,
		    const struct chk_policy_answer **answer_r)
{
	struct entry *e = NULL;

	for (size_t i = 0; i < q->n && e == NULL; i++)
		if (q->entries[i]->svc == svc && strcmp(q->entries[i]->request, request) == 0)
			e = q->entries[i];
	if (e == NULL) {
		e = xcalloc(1, sizeof(*e));
		e->svc = svc;
		e->request = xstrdup(request);
		e->owner = q;
		q->entries = xreallocarray(q->entries, q->n + 1, sizeof(*q->entries));
		q->entries[q->n++] = e;
		if (q->client == NULL) {
			e->done = 1;
			e->answer.error = "no policy client in this program";
		} else {
			const struct policy_service ps = {
				.name = svc->name,
				.addr = &svc->addr,
				.timeout = svc->timeout,
				.max_idle = svc->max_idle,
				.max_ttl = svc->max_ttl,
				.try_limit = svc->try_limit,
				.retry_delay = svc->retry_delay,
				.request_limit = svc->request_limit,
			};
			q->waiter.pending++;
			e->call = policy_client_call(q->client, &ps, request, strlen(request),
						     entry_done, e);
		}
	}
	if (!e->done)
		return 0;
	*answer_r = &e->answer;
	return 1;
}

int chk_policyq_wait(struct chk_policyq *q, void (*fn)(void *arg), void *arg)
{
	return chk_waiter_wait(&q->waiter, fn, arg);
}
