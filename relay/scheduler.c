/* scheduler.c: the scheduler's thread and event loop: inotify on incoming/,
 * the queue_run_delay timer, finished deliveries, and stopping (see
 * scheduler.h). */
#include <errno.h>
#include <event2/event.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/time.h>
#include <unistd.h>

#include "cfg_list.h"
#include "deliver_cache.h"
#include "log.h"
#include "mem.h"
#include "relay_conf_value.h"
#include "sched_private.h"

int64_t sched_now_us(void)
{
	struct timeval tv;
	gettimeofday(&tv, NULL);
	return (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
}

/* sched_on_inotify: files renamed into incoming/: take each by name; an
 * overflow of the kernel's event queue means a full scan. */
static void sched_on_inotify(evutil_socket_t fd, short what, void *arg)
{
	struct sched *s = arg;
	char buf[64 * 1024] __attribute__((aligned(__alignof__(struct inotify_event))));
	(void)what;
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n <= 0)
			break;
		for (char *p = buf; p < buf + n;) {
			const struct inotify_event *ev = (const struct inotify_event *)p;
			if (ev->mask & IN_Q_OVERFLOW)
				event_active(s->ev_rescan, EV_TIMEOUT, 0);
			else if (ev->len > 0 && !atomic_load(&s->stop) &&
				 s->n_msgs < SCHED_MSG_LIMIT)
				sched_queue_take(s, QUEUE_INCOMING, ev->name);
			else if (ev->len > 0)
				s->backlog = 1;
			p += sizeof(*ev) + ev->len;
		}
	}
}

/* sched_on_rescan: a full scan of incoming/ and deferred/. */
static void sched_on_rescan(evutil_socket_t fd, short what, void *arg)
{
	struct sched *s = arg;
	(void)fd;
	(void)what;
	if (!atomic_load(&s->stop))
		sched_queue_scan(s);
}

/* sched_on_done: give back the slots of deliveries whose transport is
 * done, then collect the deliveries whose threads ended (a job posted to
 * both lists is taken from both at once, freed slot first). */
static void sched_on_done(evutil_socket_t fd, short what, void *arg)
{
	struct sched *s = arg;
	uint64_t n;
	(void)what;
	if (read(fd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		log_warn("scheduler: eventfd: %s", strerror(errno));
	pthread_mutex_lock(&s->lock);
	struct sched_job *freed = s->freed, *list = s->done;
	s->freed = s->done = NULL;
	pthread_mutex_unlock(&s->lock);
	while (freed != NULL) {
		struct sched_job *job = freed;
		freed = job->next_freed;
		sched_dest_free_slot(s, job);
	}
	while (list != NULL) {
		struct sched_job *job = list;
		list = job->next;
		sched_dest_done(s, job);
	}
	if (atomic_load(&s->stop) && s->running == 0 && s->finishing == 0)
		event_base_loopbreak(s->base);
	else if (s->backlog && s->n_msgs < SCHED_MSG_LIMIT / 2) {
		s->backlog = 0;
		event_active(s->ev_rescan, EV_TIMEOUT, 0);
	}
}

/* sched_on_stop: stop taking mail; end the loop once deliveries ended. */
static void sched_on_stop(evutil_socket_t fd, short what, void *arg)
{
	struct sched *s = arg;
	(void)fd;
	(void)what;
	if (s->running == 0 && s->finishing == 0)
		event_base_loopbreak(s->base);
}

static void *sched_thread(void *arg)
{
	struct sched *s = arg;
	log_set_thread_name("qmgr");
	sched_queue_scan(s);
	event_base_dispatch(s->base);
	return NULL;
}

/* sched_on_cache: close the SMTP and LMTP sessions idle past
 * smtp_connection_cache_time_limit (lmtp_connection_cache_time_limit). */
static void sched_on_cache(evutil_socket_t fd, short what, void *arg)
{
	struct sched *s = arg;
	(void)fd;
	(void)what;
	deliver_cache_expire(&s->conf->cache);
	deliver_cache_expire(&s->conf->lmtp_cache);
}

/* sched_events: the loop, its descriptors and events. */
static int sched_events(struct sched *s, char **error_r)
{
	s->base = event_base_new();
	s->inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	s->done_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (s->base == NULL || s->inotify_fd < 0 || s->done_fd < 0) {
		*error_r = xasprintf("scheduler: cannot set up its event loop: %s",
				     strerror(errno));
		return -1;
	}
	char *incoming = xasprintf("%s/incoming", queue_dir_path(s->qd));
	int wd = inotify_add_watch(s->inotify_fd, incoming, IN_MOVED_TO);
	free(incoming);
	if (wd < 0) {
		*error_r = xasprintf("scheduler: inotify on incoming/: %s", strerror(errno));
		return -1;
	}
	struct timeval every = {s->conf->queue_run_delay, 0};
	s->ev_inotify = event_new(s->base, s->inotify_fd, EV_READ | EV_PERSIST, sched_on_inotify, s);
	s->ev_done = event_new(s->base, s->done_fd, EV_READ | EV_PERSIST, sched_on_done, s);
	s->ev_timer = event_new(s->base, -1, EV_PERSIST, sched_on_rescan, s);
	s->ev_rescan = event_new(s->base, -1, 0, sched_on_rescan, s);
	s->ev_stop = event_new(s->base, -1, 0, sched_on_stop, s);
	s->ev_cache = event_new(s->base, -1, EV_PERSIST, sched_on_cache, s);
	struct timeval second = {1, 0};
	event_add(s->ev_cache, &second);
	event_add(s->ev_inotify, NULL);
	event_add(s->ev_done, NULL);
	event_add(s->ev_timer, &every);
	return 1;
}

/* sched_disabled: does master_service_disable name the queue manager
 * ("qmgr.fifo", as Postfix writes it, or every fifo service)? 1 yes, 0
 * no, -1 error. */
static int sched_disabled(struct relay_conf *conf, char **error_r)
{
	char **items = NULL;
	if (relay_conf_list(conf->params->view, "master_service_disable", &items, NULL, error_r) < 0)
		return -1;
	int off = 0;
	for (size_t i = 0; items[i] != NULL; i++)
		off |= strcmp(items[i], "qmgr.fifo") == 0 || strcmp(items[i], ".fifo") == 0;
	cfg_list_free(&items);
	return off;
}

int sched_new(struct relay_conf *conf, struct queue_committer *committer, struct sched **s_r,
	      char **error_r)
{
	*s_r = NULL;
	int off = sched_disabled(conf, error_r);
	if (off != 0) {
		if (off > 0)
			log_info("queue manager disabled by master_service_disable: no delivery");
		return off > 0 ? 0 : -1;
	}
	struct sched *s = xcalloc(1, sizeof(*s));
	s->inotify_fd = s->done_fd = -1;
	pthread_mutex_init(&s->lock, NULL);
	sched_pool_init(&s->pool);
	/* Deliveries sync their results through the server's committer, so
	 * that many finishing at once, and the mail arriving meanwhile, share
	 * one sync. */
	s->committer = committer;
	if (sched_conf_new(conf, &s->conf, error_r) < 0 ||
	    queue_dir_open(conf->queue_directory, &s->qd, error_r) < 0 ||
	    sched_events(s, error_r) < 0) {
		sched_free(&s);
		return -1;
	}
	int rc = pthread_create(&s->thread, NULL, sched_thread, s);
	if (rc != 0) {
		*error_r = xasprintf("scheduler: pthread_create: %s", strerror(rc));
		sched_free(&s);
		return -1;
	}
	*s_r = s;
	return 1;
}

void sched_free(struct sched **sp)
{
	if (sp == NULL || *sp == NULL)
		return;
	struct sched *s = *sp;
	if (s->ev_stop != NULL && s->thread != 0) {
		atomic_store(&s->stop, 1);
		event_active(s->ev_stop, EV_TIMEOUT, 0);
		pthread_join(s->thread, NULL);
		deliver_cache_expire(NULL);
	}
	sched_pool_deinit(&s->pool);
	struct event *evs[] = {s->ev_inotify, s->ev_done, s->ev_timer,
			       s->ev_rescan,  s->ev_stop, s->ev_cache};
	for (size_t i = 0; i < sizeof(evs) / sizeof(evs[0]); i++)
		if (evs[i] != NULL)
			event_free(evs[i]);
	sched_dest_free_all(s);
	if (s->base != NULL)
		event_base_free(s->base);
	if (s->inotify_fd >= 0)
		close(s->inotify_fd);
	if (s->done_fd >= 0)
		close(s->done_fd);
	queue_dir_free(&s->qd);
	sched_conf_free(&s->conf);
	pthread_mutex_destroy(&s->lock);
	FREE_AND_NULL(*sp);
}
