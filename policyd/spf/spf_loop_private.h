/* spf_loop_private.h: what the connection side (spf_loop.c) and the
 * evaluation side (spf_job.c) of an event loop share: the loop, its
 * connections, the requests in evaluation (jobs) and the letters other
 * threads hand to the loop. Not for other modules.
 */
#ifndef POSTERN_SPF_LOOP_PRIVATE_H
#define POSTERN_SPF_LOOP_PRIVATE_H

#include <stddef.h>

#include <event2/bufferevent.h>
#include <event2/event.h>

#include "mailbox.h"
#include "policy_proto.h"
#include "sockspec.h"
#include "spf_conf.h"

struct conn;

/* One request in evaluation. */
struct job {
	struct conn *conn; /* NULL once the connection no longer waits */
	struct spf_loop *loop;
	struct spf_cache *answers; /* the DNS answers fetched for this request */
	unsigned fetches;	   /* queries sent from the loop */
	unsigned inflight;	   /* and not answered yet */
	int unanswered;		   /* one got no usable answer: to a worker */
	struct policy_attrs *req;
	char *key;
	char *action;
	char *log;
};

struct conn {
	struct spf_loop *loop;
	struct conn *prev, *next;
	int in_fd;
	struct event *read_ev;
	int reading;		/* read_ev is added */
	unsigned char *in;	/* input not parsed yet (while a request is in hand) */
	size_t in_len, in_size; /* in_size grows up to INPUT_MAX */
	struct bufferevent *out;
	struct policy_parser *parser;
	struct job *pending;
	struct event *deadline;
	char *instance;	       /* the message last checked */
	char *instance_action; /* and what it was answered */
	char peer[SOCKSPEC_ADDRSTRLEN + 16];
	int eof;    /* no more input: free once answered and flushed */
	int stream; /* the spawn-mode client */
};

struct spf_loop {
	const struct spf_conf *conf;
	size_t index;
	struct event_base *base;
	struct spf_pool *pool;
	struct spf_engine *engine;   /* for offline evaluations */
	struct spf_dns_async *dns;   /* NULL: the loop sends no queries */
	struct spf_cache *cache;     /* answers to requests, shared */
	struct mailbox *mailbox;  /* letters from other threads */
	struct event *mailbox_ev; /* its eventfd readable */
	struct conn *conns;
	size_t load; /* connections handed and not closed (atomic) */
	int stopping;
};

/* What other threads hand to a loop. */
struct letter {
	struct mailbox_link link; /* first: the mailbox's items are these */
	enum { LETTER_CONN, LETTER_JOB, LETTER_STOP } kind;
	int fd;		 /* LETTER_CONN */
	struct job *job; /* LETTER_JOB */
	char peer[SOCKSPEC_ADDRSTRLEN + 16];
};

/* spf_loop_post: hand a letter of kind to loop (fd for LETTER_CONN, j
 * for LETTER_JOB, peer or NULL); from any thread. */
void spf_loop_post(struct spf_loop *loop, int kind, int fd, struct job *j, const char *peer);
/* spf_loop_check_stop: when stopping, end the loop once no check is in
 * hand. */
void spf_loop_check_stop(struct spf_loop *loop);

/* spf_conn_finish: answer the request req on c with action and remember
 * it for the message (instance). */
void spf_conn_finish(struct conn *c, const struct policy_attrs *req, const char *action);
/* spf_conn_resume: c's request was answered: go on with its input (or
 * free it when its input has ended). */
void spf_conn_resume(struct conn *c);
/* spf_conn_log: the log line of a request answered with action. */
void spf_conn_log(const struct conn *c, const struct policy_attrs *req, const char *action,
		  const char *why);

/* spf_job_new: a job for request req (taken) on c with result cache key
 * key (taken); the caller sets c->pending and then calls spf_job_start. */
struct job *spf_job_new(struct conn *c, struct policy_attrs *req, char *key);
/* spf_job_start: evaluate j on its loop, or ask DNS or a worker first;
 * j's connection is answered (now or later) through spf_conn_finish. */
void spf_job_start(struct job *j);
/* spf_job_answer: a worker's job back on its loop: answer its connection,
 * if it still waits, and free j. */
void spf_job_answer(struct job *j);
/* spf_job_free: release j (its connection no longer waits for it). */
void spf_job_free(struct job *j);

#endif
