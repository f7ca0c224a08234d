/* smtpd_private.h: the structures shared by the files of posternd's SMTP
 * server: smtpd_server.c, smtpd_worker.c, smtpd_session.c, the command
 * files (smtpd_cmd.c, smtpd_helo.c, smtpd_mail.c, smtpd_data.c,
 * smtpd_restrict.c) and the session's TLS and SASL glue
 * (smtpd_tls_session.c, sasl_session.c). A session lives on one worker
 * thread from accept to close: everything hanging off it is used on that
 * thread only. Other modules see none of this: they get their settings
 * from the configuration (smtpd_conf.h) and their facts as arguments.
 */
#ifndef POSTERN_SMTPD_PRIVATE_H
#define POSTERN_SMTPD_PRIVATE_H

#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "anvil.h"
#include "queue.h"
#include "relay_conf.h"
#include "smtp_cmd.h"
#include "smtp_data.h"
#include "smtp_line.h"
#include "smtp_params.h"
#include "smtp_reply.h"
#include "smtpd_check.h"
#include "smtpd_listen.h"
#include "smtpd_server.h"

struct event;
struct evconnlistener;
struct bufferevent;
struct sasl_registry;
struct sasl_server;
struct smtpd_tls;
struct milter_chain;
struct smtpd_worker_socket;

/* ---- the server (smtpd_server.c) ---- */

struct smtpd_server {
	pthread_mutex_t lock;	 /* guards conf */
	struct relay_conf *conf; /* the current snapshot */
	struct smtpd_socket *socks;
	size_t n_socks;
	struct queue_dir *qd;
	struct queue_committer *committer;
	struct anvil *anvil;
	struct smtpd_worker **workers;
	size_t n_workers;
	atomic_long sessions;	     /* open sessions, all listeners */
	long session_limit;	     /* from RLIMIT_NOFILE */
	atomic_long *group_sessions; /* open sessions per listener, by socket group */
};

/* ---- a worker thread (smtpd_worker.c) ---- */

struct smtpd_worker {
	struct smtpd_server *srv;
	size_t index;
	pthread_t thread;
	int started;
	struct event_base *base;
	struct queue_mailbox *mailbox;
	struct event *mailbox_ev;
	struct dns *dns;		     /* the restriction engine's resolver */
	struct policy_client *policy;	     /* its policy service connections */
	struct sasl_registry *sasl;	     /* the SASL back-ends (sasl_server.h) */
	struct event *stop_ev;		     /* made active by smtpd_worker_stop() */
	struct event *grace_ev;		     /* a stopping worker's deadline */
	struct evconnlistener **listeners;   /* one per server socket */
	struct smtpd_worker_socket *sockets; /* their callback arguments */
	struct smtpd_session *sessions;	     /* open sessions (list) */
	int stopping;
};

/* smtpd_worker_new: a worker with its event_base, mailbox and listeners
 * (disabled until the thread runs). */
struct smtpd_worker *smtpd_worker_new(struct smtpd_server *srv, size_t index);
/* smtpd_worker_start: run the worker's loop on a new thread. 1 ok, -1
 * with *error_r. */
int smtpd_worker_start(struct smtpd_worker *w, char **error_r);
/* smtpd_worker_stop: ask the worker to stop (thread-safe); it ends once
 * its sessions are gone. */
void smtpd_worker_stop(struct smtpd_worker *w);
/* smtpd_worker_free: join the thread and release *wp; accepts NULL. */
void smtpd_worker_free(struct smtpd_worker **wp);
/* smtpd_worker_session_gone: a session of w ended (called by the session
 * code as it frees itself). */
void smtpd_worker_session_gone(struct smtpd_worker *w, struct smtpd_session *s);

/* ---- a session (smtpd_session.c and the command files) ---- */

enum smtpd_state {
	SMTPD_ST_CONNECT, /* before the greeting */
	SMTPD_ST_COMMAND, /* reading commands */
	SMTPD_ST_BUSY,	  /* a command is being answered: input waits */
	SMTPD_ST_DATA,	  /* reading message content */
	SMTPD_ST_QUIT,	  /* the last reply is queued: close once it is sent */
	SMTPD_ST_DEAD,	  /* the connection is gone; freed when nothing waits */
};

struct smtpd_rcpt {
	char *address; /* internal form */
	char *orcpt;   /* "type;value" as given, or NULL */
	unsigned notify;
};

/* Command counters for the disconnect log line ("ehlo=1 mail=1 ..."). */
struct smtpd_count {
	unsigned ok, total;
};

/* The mail transaction, from MAIL to the end of DATA or RSET. */
struct smtpd_txn {
	char *sender; /* internal form, "" for <>; NULL: no MAIL yet */
	struct smtp_mail_params mail;
	struct smtpd_rcpt *rcpts;
	size_t n_rcpts, cap_rcpts;
	unsigned rcpt_overshoot; /* "too many recipients" replies so far */
	struct queue_writer *writer;
	char queue_id[QUEUE_ID_SIZE]; /* "" until DATA */
	/* Header section bookkeeping while the content streams in. */
	int in_header;
	unsigned received_headers;
	int have_message_id, have_date;
	int content_failed; /* a queue write failed: the message is refused */
	int line_continues; /* the last content line came in pieces */
	int add_missing;    /* originating mail: add Message-Id and Date */
	char *message_id;   /* for the log line */
	time_t arrival;
	uint64_t size;	    /* the content size, for the log line */
	size_t prepend_len; /* PREPEND text written at DATA */
};

struct smtpd_session {
	struct smtpd_session *prev, *next; /* the worker's list */
	struct smtpd_worker *worker;
	struct relay_conf *conf;	/* reference */
	const struct smtpd_conf *lconf; /* the listener, in conf */
	struct bufferevent *bev;
	enum smtpd_state state;
	int in_input;	    /* smtpd_session_input() is on the stack */
	int commit_pending; /* the committer still has this session's message */
	int anvil_counted;  /* anvil_connect was called */
	int tls_active;
	size_t sock;		/* the server socket that accepted it */
	int counted;		/* counted in the server's session totals */
	struct event *delay_ev; /* a reply held back by smtpd_error_sleep_time */
	struct buf delayed;	/* held replies' wire forms, in order */
	size_t *delayed_lens;	/* the length of each */
	size_t n_delayed;
	struct smtp_line_reader *lines;
	struct smtp_data *decoder; /* made at the first DATA */

	char addr[INET6_ADDRSTRLEN];
	char port[8];
	char server_addr[INET6_ADDRSTRLEN];
	char server_port[8];
	char *name;	   /* client host name or "unknown" */
	char *namaddr;	   /* "name[addr]" */
	char *helo;	   /* HELO/EHLO argument, NULL before */
	int esmtp;	   /* the last greeting was EHLO */
	int pending_esmtp; /* ... for a HELO/EHLO being checked */
	int enhanced;	   /* ENHANCEDSTATUSCODES: enhanced codes in replies */
	char *sasl_method; /* NULL until AUTH succeeded */
	char *sasl_username;
	/* TLS (smtpd_tls_session.c) and SASL (sasl_session.c) state. */
	struct smtpd_tls *tls;				/* NULL without TLS */
	void (*tls_next)(struct smtpd_session *s);	/* after the wrapper-mode handshake */
	struct sasl_server *sasl;			/* NULL until AUTH is offered */
	void (*sasl_next)(struct smtpd_session *s);	/* after the back-end is ready */
	int sasl_reading;				/* the next line answers a 334 */
	const char *last_cmd; /* for "timeout after X" and "lost connection after X" */
	int cur_verb;	      /* the command awaiting its final reply, or -1 */

	unsigned error_count;
	unsigned junk_count;
	struct smtpd_count counts[SMTP_VERB__COUNT];
	struct smtpd_count total;

	struct smtpd_txn txn;

	/* The restriction engine. */
	struct smtpd_check *chk;
	struct smtpd_peer_lookup *peer;
	struct smtpd_facts facts; /* what the engine is told, kept current */
	void (*check_next)(struct smtpd_session *s, const struct smtpd_verdict *v);
	char *reverse_name;    /* the PTR name, or "unknown" */
	int access_denied;     /* CONNECT was refused (smtpd_delay_reject = no) */
	int ill_pipelining;    /* Postfix's SMTPD_FLAG_ILL_PIPELINING */
	char instance[64]; /* the policy "instance" (smtpd_restrict_new_instance) */
	struct smtpd_rcpt pending_rcpt; /* a RCPT being checked */
	char *pending_sender;		/* a MAIL being checked */
	struct smtp_mail_params pending_mail;
	enum smtpd_check_stage check_stage; /* the stage smtpd_restrict runs */

	/* The milters (milter_client_smtpd.h); NULL without smtpd_milters. */
	struct milter_chain *milters;
	int milters_off; /* smtpd_milter_maps: none for this client */
	void (*milter_next)(struct smtpd_session *s, const struct smtpd_verdict *v);
	char *pending_params; /* the ESMTP parameters of the MAIL or RCPT being checked */
};

/* smtpd_session_start: a session for fd, accepted on server socket
 * sock, on worker w, serving that socket's listener in the current
 * snapshot. Takes fd (closed on every path). */
void smtpd_session_start(struct smtpd_worker *w, int fd, const struct sockaddr *peer, int peer_len,
			 size_t sock);
/* smtpd_session_attach: install the session's callbacks, read limit and
 * timeouts on s->bev (at the start, and when a TLS bufferevent replaced
 * the plaintext one). */
void smtpd_session_attach(struct smtpd_session *s);
/* smtpd_session_shutdown: posternd stops: close the session with a 421
 * reply unless its message is being committed (then it closes after the
 * 250). */
void smtpd_session_shutdown(struct smtpd_session *s);
/* smtpd_session_abort: close the connection now, without a reply (a
 * session whose message is being committed is freed when that ends). */
void smtpd_session_abort(struct smtpd_session *s);
/* smtpd_session_limits: Postfix's connection count and rate limits (the
 * checks its smtpd makes before the greeting). 1 go on, 0 refused (the
 * 421 reply is on its way and the session closes). */
int smtpd_session_limits(struct smtpd_session *s);
/* smtpd_session_resume: an asynchronous command finished: read input
 * again (and go on with pipelined commands). */
void smtpd_session_resume(struct smtpd_session *s);
/* smtpd_session_close: stop reading; close once the replies are sent. */
void smtpd_session_close(struct smtpd_session *s);
/* smtpd_session_input: process the input buffered so far, as far as the
 * state allows. */
void smtpd_session_input(struct smtpd_session *s);

/* smtpd_reply: send the table reply id with its "%s" arguments (NULL
 * ends them); counts errors (4xx, 5xx) and holds the reply back by
 * smtpd_error_sleep_time when the client made too many. Returns the code. */
int smtpd_reply(struct smtpd_session *s, enum smtp_reply_id id, ...) __attribute__((sentinel));
/* smtpd_reply_send: send a reply object (not consumed), as smtpd_reply. */
int smtpd_reply_send(struct smtpd_session *s, const struct smtp_reply *r);

/* smtpd_cmd_dispatch: run one command line (status from the line reader;
 * more: the client has sent more input after it). */
void smtpd_cmd_dispatch(struct smtpd_session *s, const char *line, enum smtp_line_status status,
			int more);

/* Command handlers; args as smtp_cmd_parse left them. */
void smtpd_cmd_helo(struct smtpd_session *s, const struct smtp_cmd *cmd);
void smtpd_cmd_mail(struct smtpd_session *s, const struct smtp_cmd *cmd);
void smtpd_cmd_rcpt(struct smtpd_session *s, const struct smtp_cmd *cmd);
void smtpd_cmd_data(struct smtpd_session *s, const struct smtp_cmd *cmd);

/* smtpd_data_input: feed message content from data[0..len); the bytes
 * used in *consumed_r. Ends the DATA state when the message is complete. */
void smtpd_data_input(struct smtpd_session *s, const char *data, size_t len, size_t *consumed_r);

/* smtpd_restrict: run the restrictions of stage (facts brought up to
 * date first) and then next(s, verdict) with the session back in the
 * COMMAND state (next may change it); input waits meanwhile. next must
 * answer the command. (smtpd_restrict.c) */
void smtpd_restrict(struct smtpd_session *s, enum smtpd_check_stage stage,
		    void (*next)(struct smtpd_session *s, const struct smtpd_verdict *v));
/* smtpd_restrict_facts: bring s->facts up to date with the session and
 * its transaction (smtpd_restrict.c). */
void smtpd_restrict_facts(struct smtpd_session *s);
/* smtpd_restrict_new_instance: a new policy "instance" for s's next
 * transaction, unique among all sessions of this process and across
 * restarts (smtpd_restrict.c). */
void smtpd_restrict_new_instance(struct smtpd_session *s);
/* smtpd_restrict_connect: look the client's names up (unless
 * smtpd_peername_lookup = no), log "connect from", apply the connection
 * limits and the CONNECT restrictions, then greet. */
void smtpd_restrict_connect(struct smtpd_session *s);

/* smtpd_mail_params_opts: the ESMTP extensions the listener offers, for
 * smtp_params_mail() and smtp_params_rcpt(). */
void smtpd_mail_params_opts(const struct smtpd_session *s, struct smtp_params_opts *o);
/* smtpd_mail_orcpt: an ORCPT parameter as it goes into the queue file,
 * "type;xtext" (malloc'd), or NULL when p has none. */
char *smtpd_mail_orcpt(const struct smtp_rcpt_params *p);
/* smtpd_data_create: create the transaction's queue file, which names
 * its queue id, and log "ID: client=...". With milters this happens at
 * the first accepted recipient, as in Postfix (the milters get the "i"
 * macro from then on); else at DATA. 1 ok, -1 after the reply (451). */
int smtpd_data_create(struct smtpd_session *s);
/* smtpd_data_envelope: write the transaction's envelope to its queue
 * file (once; at DATA, or after the milters when they run). 1 ok, -1
 * with *error_r. (smtpd_data.c) */
int smtpd_data_envelope(struct smtpd_session *s, char **error_r);

/* smtpd_txn_reset: forget the mail transaction (RSET, HELO, after DATA). */
void smtpd_txn_reset(struct smtpd_session *s);

/* smtpd_log_reject: Postfix's reject log line: "ID: reject: WHERE from
 * name[addr]: TEXT; from=<s> to=<r> proto=ESMTP helo=<h>" (NOQUEUE before
 * the queue file exists; each of from, to and helo only when known). */
void smtpd_log_reject(struct smtpd_session *s, const char *where, const char *text);
/* smtpd_log_action: the same line with another action than "reject"
 * ("milter-reject"). */
void smtpd_log_action(struct smtpd_session *s, const char *action, const char *where,
		      const char *text);

/* smtpd_session_clock: seconds of CLOCK_MONOTONIC, for anvil. */
int64_t smtpd_session_clock(void);

#endif
