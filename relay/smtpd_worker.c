/* smtpd_worker.c: a worker thread of posternd's SMTP server: an event
 * loop that accepts on every listening socket, runs its sessions, and
 * receives the queue committer's results through its mailbox.
 */
#include <event2/event.h>
#include <event2/listener.h>
#include <event2/thread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dns.h"
#include "log.h"
#include "mem.h"
#include "policy_client.h"
#include "sasl_server.h"
#include "smtpd_private.h"

/* Seconds a stopping worker gives its sessions before it drops them. */
#define SMTPD_WORKER_GRACE 10

struct smtpd_worker_socket {
	struct smtpd_worker *w;
	size_t index; /* in srv->socks */
};

static void smtpd_worker_accept_cb(struct evconnlistener *l, evutil_socket_t fd,
				   struct sockaddr *sa, int len, void *arg)
{
	struct smtpd_worker_socket *ws = arg;
	smtpd_session_start(ws->w, fd, sa, len, ws->index);
}

static void smtpd_worker_accept_error_cb(struct evconnlistener *l, void *arg)
{
	struct smtpd_worker_socket *ws = arg;
	int err = EVUTIL_SOCKET_ERROR();
	log_warn("accept on %s: %s", ws->w->srv->socks[ws->index].where,
		 evutil_socket_error_to_string(err));
}

static void smtpd_worker_mailbox_cb(evutil_socket_t fd, short what, void *arg)
{
	struct smtpd_worker *w = arg;
	queue_mailbox_dispatch(w->mailbox);
}

/* smtpd_worker_done: a stopping worker ends its loop once its sessions
 * are gone. */
static void smtpd_worker_done(struct smtpd_worker *w)
{
	if (w->stopping && w->sessions == NULL)
		event_base_loopbreak(w->base);
}

/* smtpd_worker_grace_cb: the grace period is over: drop what is left
 * (sessions waiting for a commit go when it is reported). */
static void smtpd_worker_grace_cb(evutil_socket_t fd, short what, void *arg)
{
	struct smtpd_worker *w = arg;
	for (struct smtpd_session *s = w->sessions, *next; s != NULL; s = next) {
		next = s->next;
		smtpd_session_abort(s);
	}
	smtpd_worker_done(w);
}

static void smtpd_worker_stop_cb(evutil_socket_t fd, short what, void *arg)
{
	struct smtpd_worker *w = arg;
	w->stopping = 1;
	for (size_t i = 0; i < w->srv->n_socks; i++) {
		evconnlistener_free(w->listeners[i]);
		w->listeners[i] = NULL;
	}
	for (struct smtpd_session *s = w->sessions, *next; s != NULL; s = next) {
		next = s->next;
		smtpd_session_shutdown(s);
	}
	struct timeval grace = {SMTPD_WORKER_GRACE, 0};
	evtimer_add(w->grace_ev, &grace);
	smtpd_worker_done(w);
}

struct smtpd_worker *smtpd_worker_new(struct smtpd_server *srv, size_t index)
{
	struct smtpd_worker *w = xcalloc(1, sizeof(*w));
	char *error = NULL;
	w->srv = srv;
	w->index = index;
	/* The changelist merges the many enable/disable pairs of one loop
	 * iteration into at most one epoll_ctl per descriptor. */
	struct event_config *cfg = event_config_new();
	event_config_set_flag(cfg, EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST);
	w->base = event_base_new_with_config(cfg);
	event_config_free(cfg);
	if (w->base == NULL)
		log_fatal("worker %zu: cannot create an event loop", index);
	if (queue_mailbox_new(&w->mailbox, &error) < 0)
		log_fatal("worker %zu: %s", index, error);
	w->mailbox_ev = event_new(w->base, queue_mailbox_fd(w->mailbox), EV_READ | EV_PERSIST,
				  smtpd_worker_mailbox_cb, w);
	event_add(w->mailbox_ev, NULL);
	if (dns_new(w->base, NULL, &w->dns, &error) < 0)
		log_fatal("worker %zu: DNS: %s", index, error);
	w->policy = policy_client_new(w->base);
	w->sasl = sasl_registry_new(w->base);
	w->stop_ev = event_new(w->base, -1, 0, smtpd_worker_stop_cb, w);
	w->grace_ev = evtimer_new(w->base, smtpd_worker_grace_cb, w);
	w->listeners = xcalloc(srv->n_socks, sizeof(*w->listeners));
	w->sockets = xcalloc(srv->n_socks, sizeof(*w->sockets));
	for (size_t i = 0; i < srv->n_socks; i++) {
		w->sockets[i] = (struct smtpd_worker_socket){w, i};
		w->listeners[i] =
			evconnlistener_new(w->base, smtpd_worker_accept_cb, &w->sockets[i],
					   LEV_OPT_DISABLED, -1, srv->socks[i].fd);
		if (w->listeners[i] == NULL)
			log_fatal("worker %zu: cannot watch %s", index, srv->socks[i].where);
		evconnlistener_set_error_cb(w->listeners[i], smtpd_worker_accept_error_cb);
	}
	return w;
}

static void *smtpd_worker_run(void *arg)
{
	struct smtpd_worker *w = arg;
	for (size_t i = 0; i < w->srv->n_socks; i++)
		evconnlistener_enable(w->listeners[i]);
	event_base_dispatch(w->base);
	return NULL;
}

int smtpd_worker_start(struct smtpd_worker *w, char **error_r)
{
	int err = pthread_create(&w->thread, NULL, smtpd_worker_run, w);
	if (err != 0) {
		*error_r =
			xasprintf("worker %zu: cannot start a thread: %s", w->index, strerror(err));
		return -1;
	}
	w->started = 1;
	return 1;
}

void smtpd_worker_stop(struct smtpd_worker *w)
{
	event_active(w->stop_ev, EV_TIMEOUT, 1);
}

void smtpd_worker_session_gone(struct smtpd_worker *w, struct smtpd_session *s)
{
	if (s->prev != NULL)
		s->prev->next = s->next;
	else
		w->sessions = s->next;
	if (s->next != NULL)
		s->next->prev = s->prev;
	smtpd_worker_done(w);
}

void smtpd_worker_free(struct smtpd_worker **wp)
{
	if (wp == NULL || *wp == NULL)
		return;
	struct smtpd_worker *w = *wp;
	if (w->started)
		pthread_join(w->thread, NULL);
	for (size_t i = 0; i < w->srv->n_socks; i++)
		if (w->listeners[i] != NULL)
			evconnlistener_free(w->listeners[i]);
	free(w->listeners);
	free(w->sockets);
	event_free(w->mailbox_ev);
	event_free(w->stop_ev);
	event_free(w->grace_ev);
	queue_mailbox_free(&w->mailbox);
	dns_free(&w->dns);
	policy_client_free(&w->policy);
	sasl_registry_free(&w->sasl);
	event_base_free(w->base);
	FREE_AND_NULL(*wp);
}
