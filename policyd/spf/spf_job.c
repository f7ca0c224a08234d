/* spf_job.c: the evaluation of one request that the result cache does
 * not answer (see spf_loop.h for the whole). It is evaluated on the loop
 * first, offline (spf_dns.h): with the DNS answers already cached or
 * fetched for it. The TXT records of its HELO name and sender domain are
 * asked for first, together, when the DNS cache lacks them (every
 * evaluation starts with them). When an answer is missing the loop
 * fetches it without blocking (spf_dns_async.h) and evaluates again when
 * it arrives, up to FETCH_MAX queries in all; a query the loop cannot
 * answer that way (a timeout, SERVFAIL, TCP) or a request that needs more
 * sends the request to a worker, which evaluates it with blocking lookups
 * and the answers fetched so far, and hands it back through the loop's
 * mailbox (common/mailbox.h). The loops run in the same sandboxed,
 * unprivileged process as the workers (spf_sandbox.h covers every
 * thread). */
#include "config.h"

#include <arpa/nameser.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "mem.h"
#include "spf_cache.h"
#include "spf_dns.h"
#include "spf_dns_async.h"
#include "spf_loop.h"
#include "spf_loop_private.h"
#include "spf_policy.h"
#include "spf_pool.h"

/* DNS queries the loop sends for one request before it hands the request
 * to a worker: each answer means one more evaluation of the request. */
#define FETCH_MAX 8

void spf_job_free(struct job *j)
{
	policy_attrs_free(&j->req);
	spf_cache_free(&j->answers);
	free(j->key);
	free(j->action);
	free(j->log);
	free(j);
}

static int is_defer(const char *action)
{
	return action[0] == '4' || strncasecmp(action, "DEFER", 5) == 0;
}

/* job_result: j has its action; remember it (temporary failures are
 * asked again next time). */
static void job_result(struct job *j)
{
	if (!is_defer(j->action))
		spf_cache_put(j->loop->cache, j->key, j->action, time(NULL));
}

void spf_loop_work(struct spf_engine *engine, void *arg, void *ctx)
{
	struct job *j = arg;
	spf_engine_set_answers(engine, j->answers, 0);
	j->action = spf_policy_evaluate(j->loop->conf, engine, j->req, &j->log);
	spf_engine_set_answers(engine, NULL, 0);
	job_result(j);
	spf_loop_post(j->loop, LETTER_JOB, -1, j, NULL);
}

void spf_loop_job_drop(void *job)
{
	struct job *j = job;
	if (j->conn != NULL)
		j->conn->pending = NULL;
	spf_job_free(j);
}

void spf_job_answer(struct job *j)
{
	struct conn *c = j->conn;
	if (c != NULL) {
		c->pending = NULL;
		evtimer_del(c->deadline);
		spf_conn_log(c, j->req, j->action, j->log);
		spf_conn_finish(c, j->req, j->action);
	}
	spf_job_free(j);
}

static void job_fetched(void *arg, const char *domain, int type, const unsigned char *answer,
			int len);

/* job_step: evaluate j on the loop, offline. Returns 1 when j is
 * answered (and freed), 0 when it waits for a DNS answer or a worker. */
static int job_step(struct spf_loop *loop, struct job *j)
{
	char *action, *log = NULL;
	int type, sent = 0;
	spf_engine_set_answers(loop->engine, j->answers, 1);
	action = spf_policy_evaluate(loop->conf, loop->engine, j->req, &log);
	const char *missing = spf_engine_missing(loop->engine, &type);
	if (missing == NULL) {
		spf_engine_set_answers(loop->engine, NULL, 0);
		j->action = action;
		j->log = log;
		job_result(j);
		spf_job_answer(j);
		return 1;
	}
	free(action);
	free(log);
	if (loop->dns != NULL && j->fetches < FETCH_MAX &&
	    spf_dns_async_query(loop->dns, missing, type, job_fetched, j) > 0) {
		j->fetches++;
		j->inflight++;
		sent = 1;
	}
	spf_engine_set_answers(loop->engine, NULL, 0);
	if (!sent)
		spf_pool_submit(loop->pool, j);
	return 0;
}

/* job_fetched: an answer the loop asked for j arrived (or did not); once
 * none is in flight, j goes on. */
static void job_fetched(void *arg, const char *domain, int type, const unsigned char *answer,
			int len)
{
	struct job *j = arg;
	struct spf_loop *loop = j->loop;
	struct conn *c = j->conn;
	j->inflight--;
	if (len == SPF_DNS_ASYNC_CANCELLED || c == NULL) {
		if (j->inflight > 0)
			return;
		if (c != NULL)
			c->pending = NULL;
		spf_job_free(j);
		return;
	}
	if (len == SPF_DNS_ASYNC_NONE) {
		j->unanswered = 1;
	} else {
		spf_engine_set_answers(loop->engine, j->answers, 1);
		spf_engine_add_answer(loop->engine, domain, type, answer, len);
		spf_engine_set_answers(loop->engine, NULL, 0);
	}
	if (j->inflight > 0)
		return;
	if (j->unanswered) {
		spf_pool_submit(loop->pool, j);
		return;
	}
	if (job_step(loop, j)) {
		spf_conn_resume(c);
		spf_loop_check_stop(loop);
	}
}

/* domain_like: a name worth a TXT query: dotted, no address literal. */
static int domain_like(const char *name)
{
	size_t len = strlen(name);
	return len > 0 && len < NS_MAXDNAME && name[0] != '[' && name[0] != '.' &&
	       strchr(name, '.') != NULL;
}

/* job_prefetch: send at once the queries every evaluation of j starts
 * with, the TXT records of the HELO name and of the sender's domain, when
 * no answer for them is at hand (saves an offline evaluation that would
 * stop at the first one missing). Returns the queries sent. */
static unsigned job_prefetch(struct spf_loop *loop, struct job *j)
{
	const struct spf_conf *conf = loop->conf;
	const char *helo = policy_attrs_get(j->req, "helo_name");
	const char *sender = policy_attrs_get(j->req, "sender");
	const char *at = sender != NULL ? strrchr(sender, '@') : NULL;
	const char *names[2];
	size_t n = 0;
	if (loop->dns == NULL)
		return 0;
	if (conf->helo_reject != SPF_REJECT_NO_CHECK && helo != NULL && domain_like(helo))
		names[n++] = helo;
	if (conf->mail_from_reject != SPF_REJECT_NO_CHECK && at != NULL && domain_like(at + 1) &&
	    (n == 0 || strcasecmp(names[0], at + 1) != 0))
		names[n++] = at + 1;
	for (size_t i = 0; i < n; i++) {
		if (spf_engine_known(loop->engine, names[i], ns_t_txt) ||
		    spf_dns_async_query(loop->dns, names[i], ns_t_txt, job_fetched, j) < 0)
			continue;
		j->fetches++;
		j->inflight++;
	}
	return j->inflight;
}

struct job *spf_job_new(struct conn *c, struct policy_attrs *req, char *key)
{
	struct job *j = xcalloc(1, sizeof(*j));
	j->conn = c;
	j->loop = c->loop;
	j->answers = spf_dns_answers_new();
	j->req = req;
	j->key = key;
	return j;
}

void spf_job_start(struct job *j)
{
	if (job_prefetch(j->loop, j) == 0)
		job_step(j->loop, j);
}
