/* pickup.c: the pickup thread: watch maildrop/, turn each file into a
 * queued message (see pickup.h). */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "deliver_dsn.h"
#include "log.h"
#include "mem.h"
#include "pickup_private.h"
#include "relay_conf_value.h"

struct pickup {
	struct queue_dir *qd;
	struct milter_client_conf *milters; /* NULL: none */
	char *myhostname, *mail_name;
	struct deliver_dsn_conf dsn; /* for returning rejected mail */
	long long run_delay; /* seconds between scans */
	int inotify_fd, stop_fd;
	pthread_t thread;
	int started;
};

static void pickup_msg_deinit(struct pickup_msg *m)
{
	for (size_t i = 0; i < m->n_rcpts; i++)
		free(m->rcpts[i]);
	free(m->rcpts);
	free(m->sender);
	free(m->message_id);
	free(m->hold_reason);
	free(m->hold_filter);
	free(m->reject_text);
	buf_deinit(&m->content);
}

/* pickup_write: queue m as a new file; 1 durable, -1 error (logged). */
static int pickup_write(struct pickup *p, struct pickup_msg *m, const struct queue_msg *src,
			struct queue_writer *w)
{
	const struct queue_envelope *from = queue_msg_envelope(src);
	struct queue_envelope env = {
		.sender = m->sender,
		.envid = from->envid,
		.ret = from->ret,
		.body = from->body,
		.protocol = from->protocol,
		.hold_reason = m->hold_reason,
		.hold_filter = m->hold_filter,
	};
	char *error = NULL;
	int ok = queue_writer_envelope(w, &env, &error) >= 0;
	for (size_t i = 0; ok && i < m->n_rcpts; i++) {
		unsigned notify = 0;
		for (size_t k = 0; k < queue_msg_rcpt_count(src); k++)
			if (strcmp(queue_msg_rcpt(src, k)->address, m->rcpts[i]) == 0)
				notify = queue_msg_rcpt(src, k)->notify;
		ok = queue_writer_rcpt(w, m->rcpts[i], NULL, notify, &error) >= 0;
	}
	ok = ok &&
	     queue_writer_content(w, buf_cstr(&m->content), buf_len(&m->content), &error) >= 0;
	enum queue_name target = m->hold_reason != NULL ? QUEUE_HOLD : QUEUE_INCOMING;
	if (!ok) {
		queue_writer_abort(&w);
	} else if (queue_writer_commit_sync(&w, target, &error) >= 0) {
		log_info("%s: from=<%s>, size=%zu, nrcpt=%zu (queue active)", m->queue_id,
			 m->sender, buf_len(&m->content), m->n_rcpts);
		return 1;
	}
	log_warn("%s: queue file write error: %s", m->queue_id, error);
	free(error);
	return -1;
}

/* pickup_remove: the maildrop file is done with. */
static void pickup_remove(struct pickup *p, const char *id)
{
	char *error = NULL;
	if (unlinkat(queue_dir_fd(p->qd, QUEUE_MAILDROP), id, 0) < 0)
		log_warn("maildrop/%s: cannot remove: %s", id, strerror(errno));
	else if (queue_dir_sync(p->qd, QUEUE_MAILDROP, &error) < 0) {
		log_warn("%s", error);
		free(error);
	}
}

/* pickup_return: a milter rejected src: send its sender a non-delivery
 * notification for every recipient, with the milter's reply. 1 done (or
 * none needed), -1 not now (logged; the file stays for the next scan). */
static int pickup_return(struct pickup *p, const struct queue_msg *src, const struct pickup_msg *m)
{
	size_t n = queue_msg_rcpt_count(src);
	size_t *idx = xcalloc(n, sizeof(*idx));
	struct deliver_status *st = xcalloc(n, sizeof(*st));
	for (size_t k = 0; k < n; k++) {
		idx[k] = k;
		deliver_status_set(&st[k], QUEUE_RCPT_BOUNCED, m->reject_dsn, "none", "%s",
				   m->reject_text);
	}
	char *error = NULL;
	int rc = deliver_dsn_bounce(p->qd, src, idx, st, n, &p->dsn, &error);
	if (rc < 0) {
		log_warn("%s: cannot return the rejected message: %s", m->queue_id, error);
		free(error);
	}
	for (size_t k = 0; k < n; k++)
		deliver_status_deinit(&st[k]);
	free(st);
	free(idx);
	return rc < 0 ? -1 : 1;
}

/* pickup_one: maildrop/id to the queue. */
static void pickup_one(struct pickup *p, const char *id)
{
	struct queue_msg *src = NULL;
	enum queue_msg_problem problem = QUEUE_MSG_IO;
	char *error = NULL;
	int rc = queue_msg_open(p->qd, QUEUE_MAILDROP, id, QUEUE_MSG_READ, &src, &problem, &error);
	if (rc == 0)
		return;
	if (rc < 0) {
		log_warn("maildrop/%s: %s%s", id, error,
			 problem != QUEUE_MSG_IO ? "; moved to corrupt/" : "");
		if (problem != QUEUE_MSG_IO)
			renameat(queue_dir_fd(p->qd, QUEUE_MAILDROP), id,
				 queue_dir_fd(p->qd, QUEUE_CORRUPT), id);
		free(error);
		return;
	}
	struct queue_writer *w = NULL;
	if (queue_writer_new(p->qd, &w, &error) < 0) {
		log_warn("maildrop/%s: %s", id, error);
		free(error);
		queue_msg_free(&src);
		return;
	}
	struct pickup_msg m = {0};
	const struct queue_envelope *env = queue_msg_envelope(src);
	snprintf(m.queue_id, sizeof(m.queue_id), "%s", queue_writer_id(w));
	m.arrival = (time_t)(queue_id_time(m.queue_id) / 1000000);
	m.sender = xstrdup(env->sender);
	m.rcpts = xcalloc(queue_msg_rcpt_count(src) + 1, sizeof(char *));
	for (size_t i = 0; i < queue_msg_rcpt_count(src); i++)
		m.rcpts[m.n_rcpts++] = xstrdup(queue_msg_rcpt(src, i)->address);
	buf_init(&m.content, 0);
	const char *uid = pickup_extra(env, "origin_uid");
	const char *internal = pickup_extra(env, DELIVER_DSN_CLASS_ATTR);
	if (uid != NULL)
		log_info("%s: uid=%s from=<%s>", m.queue_id, uid, m.sender);
	if (internal != NULL)
		log_info("%s: internal %s notification %s", m.queue_id, internal, id);
	pickup_cleanup(&m, src, p->myhostname, p->mail_name);
	if (m.message_id != NULL)
		log_info("%s: message-id=%s", m.queue_id, m.message_id);
	enum pickup_milter_outcome out =
		p->milters != NULL ? pickup_milter_run(p->milters, &m) : PICKUP_MILTER_ACCEPT;
	if (out == PICKUP_MILTER_ACCEPT && m.n_rcpts == 0)
		out = PICKUP_MILTER_DROP;
	if (out == PICKUP_MILTER_ACCEPT) {
		if (m.hold_reason != NULL)
			log_info("%s: milter-hold: END-OF-MESSAGE from localhost[127.0.0.1]: %s",
				 m.queue_id, m.hold_reason);
		if (pickup_write(p, &m, src, w) > 0)
			pickup_remove(p, id);
	} else {
		queue_writer_abort(&w);
		if (out == PICKUP_MILTER_DROP ||
		    (out == PICKUP_MILTER_REJECT && pickup_return(p, src, &m) > 0))
			pickup_remove(p, id);
	}
	pickup_msg_deinit(&m);
	queue_msg_free(&src);
}

/* pickup_scan: every file of maildrop/, oldest first. */
static void pickup_scan(struct pickup *p)
{
	struct queue_list l;
	char *error = NULL;
	if (queue_dir_list(p->qd, QUEUE_MAILDROP, &l, &error) < 0) {
		log_error("pickup: %s", error);
		free(error);
		return;
	}
	for (size_t i = 0; i < l.n; i++)
		pickup_one(p, l.ids[i]);
	queue_list_deinit(&l);
}

/* pickup_events: take the names inotify reports; 1 when the kernel's
 * queue overflowed (a scan is needed). */
static int pickup_events(struct pickup *p)
{
	char buf[16 * 1024] __attribute__((aligned(__alignof__(struct inotify_event))));
	int overflow = 0;
	ssize_t n;
	while ((n = read(p->inotify_fd, buf, sizeof(buf))) > 0) {
		for (char *q = buf; q < buf + n;) {
			const struct inotify_event *ev = (const struct inotify_event *)q;
			if (ev->mask & IN_Q_OVERFLOW)
				overflow = 1;
			else if (ev->len > 0 && queue_id_valid(ev->name))
				pickup_one(p, ev->name);
			q += sizeof(*ev) + ev->len;
		}
	}
	return overflow;
}

static void *pickup_thread(void *arg)
{
	struct pickup *p = arg;
	pickup_scan(p);
	for (;;) {
		struct pollfd pfd[2] = {{p->inotify_fd, POLLIN, 0}, {p->stop_fd, POLLIN, 0}};
		long long ms = p->run_delay * 1000;
		int rc = poll(pfd, 2, ms > INT_MAX ? INT_MAX : (int)ms);
		if (rc < 0 && errno != EINTR) {
			log_error("pickup: poll: %s", strerror(errno));
			break;
		}
		if (pfd[1].revents)
			break;
		if (rc == 0 || (pfd[0].revents && pickup_events(p)))
			pickup_scan(p);
	}
	return NULL;
}

/* pickup_conf: the settings, the milters, the queue and the watch. */
static int pickup_conf(struct pickup *p, struct relay_conf *conf, char **error_r)
{
	const struct cfg *v = conf->params->view;
	if (relay_conf_str(v, "myhostname", &p->myhostname, error_r) < 0 ||
	    relay_conf_str(v, "mail_name", &p->mail_name, error_r) < 0 ||
	    relay_conf_time(v, "queue_run_delay", &p->run_delay, error_r) < 0 ||
	    deliver_dsn_conf_init(&p->dsn, v, error_r) < 0 ||
	    milter_client_conf_new(v, "non_smtpd_milters", NULL, &p->milters, error_r) < 0 ||
	    queue_dir_open(conf->queue_directory, &p->qd, error_r) < 0)
		return -1;
	if (p->milters != NULL)
		p->milters->non_smtp = 1;
	if (p->run_delay < 1)
		p->run_delay = 1;
	p->inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	p->stop_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (p->inotify_fd < 0 || p->stop_fd < 0) {
		*error_r = xasprintf("pickup: %s", strerror(errno));
		return -1;
	}
	char *dir = xasprintf("%s/maildrop", conf->queue_directory);
	int wd = inotify_add_watch(p->inotify_fd, dir, IN_MOVED_TO);
	free(dir);
	if (wd < 0) {
		*error_r = xasprintf("pickup: inotify on maildrop/: %s", strerror(errno));
		return -1;
	}
	return 1;
}

int pickup_new(struct relay_conf *conf, struct pickup **p_r, char **error_r)
{
	struct pickup *p = xcalloc(1, sizeof(*p));
	p->inotify_fd = p->stop_fd = -1;
	*p_r = NULL;
	if (pickup_conf(p, conf, error_r) < 0) {
		pickup_free(&p);
		return -1;
	}
	int rc = pthread_create(&p->thread, NULL, pickup_thread, p);
	if (rc != 0) {
		*error_r = xasprintf("pickup: pthread_create: %s", strerror(rc));
		pickup_free(&p);
		return -1;
	}
	p->started = 1;
	*p_r = p;
	return 1;
}

void pickup_free(struct pickup **pp)
{
	struct pickup *p = *pp;
	if (p == NULL)
		return;
	if (p->started) {
		uint64_t one = 1;
		if (write(p->stop_fd, &one, sizeof(one)) < 0)
			log_warn("pickup: stop: %s", strerror(errno));
		pthread_join(p->thread, NULL);
	}
	if (p->inotify_fd >= 0)
		close(p->inotify_fd);
	if (p->stop_fd >= 0)
		close(p->stop_fd);
	queue_dir_free(&p->qd);
	milter_client_conf_free(&p->milters);
	free(p->myhostname);
	deliver_dsn_conf_deinit(&p->dsn);
	free(p->mail_name);
	FREE_AND_NULL(*pp);
}
