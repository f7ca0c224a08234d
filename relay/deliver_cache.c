/* deliver_cache.c: the process's cache of idle SMTP sessions, a list
 * under a mutex (see deliver_cache.h). Its length is bounded by the
 * delivery concurrency: each delivery parks at most one session. */
#include "deliver_cache.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "mem.h"

struct deliver_cache_entry {
	struct deliver_cache_entry *next;
	char *nexthop;
	int lmtp;
	int64_t parked_us;
	struct deliver_cached c;
};

static pthread_mutex_t deliver_cache_lock = PTHREAD_MUTEX_INITIALIZER;
static struct deliver_cache_entry *deliver_cache_list;

static int64_t deliver_cache_now_us(void)
{
	struct timeval tv;
	gettimeofday(&tv, NULL);
	return (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
}

static void deliver_cache_entry_free(struct deliver_cache_entry **ep)
{
	struct deliver_cache_entry *e = *ep;
	deliver_conn_free(&e->c.conn);
	free(e->nexthop);
	FREE_AND_NULL(*ep);
}

/* deliver_cache_stale: has e waited too long, or lived too long? */
static int deliver_cache_stale(const struct deliver_cache_conf *conf,
			       const struct deliver_cache_entry *e, int64_t now)
{
	if (conf == NULL)
		return 1;
	return now - e->parked_us >= conf->idle_limit * 1000000 ||
	       now - e->c.born_us >= conf->reuse_time_limit * 1000000;
}

/* deliver_cache_unlink_stale: move the stale entries of conf's protocol
 * (all with conf NULL) to *dead (closed by the caller outside the lock).
 * The lock is held. */
static void deliver_cache_unlink_stale(const struct deliver_cache_conf *conf, int64_t now,
				       struct deliver_cache_entry **dead)
{
	for (struct deliver_cache_entry **ep = &deliver_cache_list; *ep != NULL;) {
		struct deliver_cache_entry *e = *ep;
		if ((conf == NULL || conf->lmtp == e->lmtp) && deliver_cache_stale(conf, e, now)) {
			*ep = e->next;
			e->next = *dead;
			*dead = e;
		} else {
			ep = &e->next;
		}
	}
}

static void deliver_cache_free_list(struct deliver_cache_entry *dead)
{
	while (dead != NULL) {
		struct deliver_cache_entry *e = dead;
		dead = e->next;
		deliver_cache_entry_free(&e);
	}
}

int deliver_cache_take(const struct deliver_cache_conf *conf, const char *nexthop,
		       struct deliver_cached *c_r)
{
	struct deliver_cache_entry *dead = NULL, *found = NULL;
	int64_t now = deliver_cache_now_us();
	pthread_mutex_lock(&deliver_cache_lock);
	deliver_cache_unlink_stale(conf, now, &dead);
	for (struct deliver_cache_entry **ep = &deliver_cache_list; *ep != NULL;
	     ep = &(*ep)->next) {
		if ((*ep)->lmtp == conf->lmtp && strcmp((*ep)->nexthop, nexthop) == 0) {
			found = *ep;
			*ep = found->next;
			break;
		}
	}
	pthread_mutex_unlock(&deliver_cache_lock);
	deliver_cache_free_list(dead);
	if (found == NULL)
		return 0;
	*c_r = found->c;
	found->c.conn = NULL;
	deliver_cache_entry_free(&found);
	return 1;
}

int deliver_cache_park(const struct deliver_cache_conf *conf, const char *nexthop,
		       struct deliver_cached *c)
{
	int64_t now = deliver_cache_now_us();
	if (conf->idle_limit <= 0 ||
	    now - c->born_us >= conf->reuse_time_limit * 1000000 ||
	    (conf->reuse_count_limit > 0 && c->uses >= conf->reuse_count_limit))
		return 0;
	struct deliver_cache_entry *e = xcalloc(1, sizeof(*e));
	e->nexthop = xstrdup(nexthop);
	e->lmtp = conf->lmtp;
	e->parked_us = now;
	e->c = *c;
	c->conn = NULL;
	pthread_mutex_lock(&deliver_cache_lock);
	e->next = deliver_cache_list;
	deliver_cache_list = e;
	pthread_mutex_unlock(&deliver_cache_lock);
	return 1;
}

void deliver_cache_expire(const struct deliver_cache_conf *conf)
{
	struct deliver_cache_entry *dead = NULL;
	pthread_mutex_lock(&deliver_cache_lock);
	deliver_cache_unlink_stale(conf, deliver_cache_now_us(), &dead);
	pthread_mutex_unlock(&deliver_cache_lock);
	deliver_cache_free_list(dead);
}
