/* milter_skel.h: the skeleton every Postern milter runs in.
 *
 * A milter describes itself in one struct milter_skel_def (its name,
 * settings table, outcomes and hooks) and its main() is one call to
 * milter_skel_main(). The skeleton does the rest, the same way for every
 * milter:
 *   - command line (cli.h): -c FILE (default /etc/postern/postern-NAME.conf),
 *     -f foreground, -o name=value, -v, -V; verbs "check" (load the
 *     configuration, print every problem, exit 0 or 1), "config [-d|-n]
 *     [name...]" (print parameters like postconf) and the milter's own;
 *   - settings (milter_skel_conf.h): the skeleton's parameters below, the
 *     milter's table, and one action parameter per outcome; unknown names
 *     are errors at file:line;
 *   - libmilter: the socket from the "socket" parameter in either spec
 *     convention (unix:/path, local:/path, inet:host:port, inet:port@host,
 *     inet6:port@host, [addr]:port), created with socket_mode, before the
 *     privileges are dropped to "user";
 *   - SIGHUP: the configuration is loaded again into a new snapshot and
 *     swapped in; a connection keeps the snapshot it started with (counted
 *     references), so nothing in flight is dropped; a snapshot that fails
 *     to load is logged and the old one stays. SIGTERM: stop accepting,
 *     let messages in progress finish (at most 30 s), exit 0;
 *   - per message: the MTA's queue id (macro "i"), the size bound
 *     message_size_limit (the milter's too_big outcome decides), optionally
 *     the whole message in a spool (milter_skel_spool.h) that moves to a
 *     private temporary file in temp_directory past spool_threshold;
 *   - verdicts: a hook returns an outcome, an index into the milter's
 *     outcome table; the table's action parameter maps it to accept, tag,
 *     quarantine, reject, tempfail or discard, and gives the SMTP reply;
 *     every verdict is logged as one line "QUEUEID: outcome=NAME
 *     action=ACTION detail", and an internal error (MILTER_SKEL_INTERNAL)
 *     takes internal_error_action (accept or tempfail).
 *
 * Skeleton parameters (every milter has them):
 *   socket                 (the milter's default)  where to listen
 *   socket_mode            0660                    mode of a unix socket
 *   user                   postern                 run as this user when
 *                                                  started as root; empty:
 *                                                  stay root (warning)
 *   pid_file               (empty: none)
 *   internal_error_action  tempfail                accept or tempfail
 *   message_size_limit     10240000                bytes; 0: no limit
 *   spool_threshold        1048576                 bytes kept in memory
 *   temp_directory         /var/tmp                where spool files go
 *
 * Threads: libmilter runs hooks for different connections at the same
 * time; the hooks of one connection never run concurrently. Settings and
 * state reached through a connection are read-only.
 *
 * A libmilter defect the skeleton cannot guard against: libmilter 8.17
 * keeps the macros of a MACRO packet as it finds them, and smfi_getsymval()
 * reads past the end of a list with an odd number of strings. No MTA sends
 * such a packet, but whoever can connect to the socket can crash the milter
 * with one: keep the socket for the MTA only (a unix socket with
 * socket_mode, or loopback).
 */
#ifndef POSTERN_MILTER_SKEL_H
#define POSTERN_MILTER_SKEL_H

#include <stddef.h>

#include "milter_skel_conf.h"
#include "milter_skel_spool.h"

struct buf;

/* What an outcome can be mapped to, in MILTER_SKEL_ACTIONS order. */
enum milter_skel_action {
	MILTER_SKEL_ACCEPT,	/* let the message through */
	MILTER_SKEL_TAG,	/* let it through, marked by the milter's tag hook */
	MILTER_SKEL_QUARANTINE, /* put it on hold (smfi_quarantine) */
	MILTER_SKEL_REJECT,	/* 5xx */
	MILTER_SKEL_TEMPFAIL,	/* 4xx */
	MILTER_SKEL_DISCARD,	/* accept and drop */
};
#define MILTER_SKEL_ACTIONS "accept tag quarantine reject tempfail discard"
#define MILTER_SKEL_ALLOW(a) (1u << (a))

/* Hook results besides an outcome index (>= 0). */
#define MILTER_SKEL_CONTINUE (-1) /* no decision yet: go on */
#define MILTER_SKEL_INTERNAL (-2) /* internal error: internal_error_action */

/* One row of a milter's outcome table. */
struct milter_skel_outcome {
	const char *name;	/* in verdict lines, e.g. "bad_signature" */
	const char *param;	/* its action parameter ("on_bad_signature"), or NULL
				 * when the action is always def_action */
	const char *def_action; /* default action, a word of MILTER_SKEL_ACTIONS */
	unsigned allowed;	/* MILTER_SKEL_ALLOW() bits of accepted actions */
	const char *status;	/* enhanced status code detail, e.g. "7.20":
				 * a reject says "550 5.7.20", a tempfail
				 * "451 4.7.20" */
	const char *text;	/* reply text */
};

struct milter_skel_conn;
struct milter_skel_msg;

/* The milter's hooks. Each returns MILTER_SKEL_CONTINUE, an outcome index
 * or MILTER_SKEL_INTERNAL; eom must return an outcome. Any may be NULL
 * (then: continue). Strings are valid during the call only. */
struct milter_skel_hooks {
	/* connect: a new connection from the MTA; *data_r may be set to the
	 * milter's per-connection data, released with conn_free. */
	int (*connect)(struct milter_skel_conn *c, void **data_r);
	void (*conn_free)(void *data);
	/* mail: a new message (MAIL FROM); *data_r as for connect, released
	 * with msg_free when the message ends or is aborted. */
	int (*mail)(struct milter_skel_msg *m, void **data_r);
	void (*msg_free)(void *data);
	/* rcpt: one envelope recipient (without the angle brackets), after
	 * it is added to milter_skel_rcpts(); a reject or tempfail here
	 * refuses this recipient only (and drops it from the list). */
	int (*rcpt)(struct milter_skel_msg *m, const char *rcpt);
	/* header: one header field; value is everything after the colon as the
	 * message has it (leading white space kept when the MTA can send it,
	 * else one space) with CRLF line breaks in folded fields. */
	int (*header)(struct milter_skel_msg *m, const char *name, const char *value);
	int (*eoh)(struct milter_skel_msg *m);
	/* body: the next piece of the body, CRLF line ends (as the MTA sends it). */
	int (*body)(struct milter_skel_msg *m, const unsigned char *data, size_t len);
	/* message: the message as bytes, for a milter that hands it whole to
	 * a parser: each header field as "name:value\r\n" (value as the
	 * header hook sees it), the empty line "\r\n" that ends the header,
	 * then the body pieces; the same bytes as the spool. Called after the
	 * header, eoh or body hook of the same piece when that one went on. */
	int (*message)(struct milter_skel_msg *m, const void *data, size_t len);
	int (*eom)(struct milter_skel_msg *m);
	/* tag: carry out the tag action for outcome (add a header, ...). */
	void (*tag)(struct milter_skel_msg *m, int outcome);
};

/* A milter-specific verb ("genkey"): argv[0] is the verb. Returns the
 * exit status. */
struct milter_skel_verb {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

struct milter_skel_def {
	const char *name;			/* "dkim": postern-dkim, log postern/dkim */
	const char *default_socket;		/* e.g. "inet:127.0.0.1:8891" */
	const struct milter_skel_param *params; /* the milter's settings */
	size_t n_params;
	size_t settings_size; /* the struct params point into */
	/* setup: after the settings loaded: check them together and build the
	 * state the hooks need (tables, keys, engines). 1 with *state_r (may
	 * be NULL), or -1 with *error_r naming the parameter. Runs at start and
	 * for every reload, in the main thread. */
	int (*setup)(const void *settings, void **state_r, char **error_r);
	void (*state_free)(void *state);
	const struct milter_skel_outcome *outcomes;
	size_t n_outcomes;
	int too_big;	  /* the outcome of a message over message_size_limit */
	unsigned actions; /* MILTER_ACTION_* bits (milter_proto.h) needed */
	int spool;	  /* keep every message in a spool */
	const struct milter_skel_hooks *hooks;
	const struct milter_skel_verb *verbs; /* NULL-terminated by name, or NULL */
	void (*versions)(void);		      /* -V: versions of its libraries */
};

/* milter_skel_main: the whole program: parse the command line, run a verb
 * or the daemon. Returns the exit status for main(). */
int milter_skel_main(int argc, char **argv, const struct milter_skel_def *def);

/* --- inside hooks --------------------------------------------------------- */

/* milter_skel_settings/state: the connection's snapshot: the milter's
 * settings struct and what setup built. Read-only, valid for the
 * connection's life. */
const void *milter_skel_settings(const struct milter_skel_conn *c);
void *milter_skel_state(const struct milter_skel_conn *c);

/* milter_skel_conn_host: the client's name as the MTA gives it ("[addr]"
 * when unknown); milter_skel_conn_addr: its address ("192.0.2.1",
 * "2001:db8::1"), or NULL for a unix socket or an unknown family. */
const char *milter_skel_conn_host(const struct milter_skel_conn *c);
const char *milter_skel_conn_addr(const struct milter_skel_conn *c);

/* milter_skel_macro: the value of macro name ("i", "{auth_authen}") as the
 * MTA last sent it, or NULL. Valid during the hook only. */
const char *milter_skel_macro(const struct milter_skel_conn *c, const char *name);

/* milter_skel_conn_data/msg_data: what the connect and mail hooks stored
 * in *data_r (NULL if nothing). */
void *milter_skel_conn_data(const struct milter_skel_conn *c);
void *milter_skel_msg_data(const struct milter_skel_msg *m);

/* milter_skel_msg_conn: the connection a message belongs to. */
struct milter_skel_conn *milter_skel_msg_conn(struct milter_skel_msg *m);

/* milter_skel_queue_id: the MTA's queue id, or "NOQUEUE" until it is known. */
const char *milter_skel_queue_id(const struct milter_skel_msg *m);

/* milter_skel_sender: the envelope sender as MAIL FROM gave it, without
 * the angle brackets ("" for the null sender). */
const char *milter_skel_sender(const struct milter_skel_msg *m);

/* milter_skel_rcpts: the envelope recipients accepted so far (without the
 * angle brackets), *n_r of them. Owned by the skeleton, valid until the
 * next recipient or the end of the message. */
const char *const *milter_skel_rcpts(const struct milter_skel_msg *m, size_t *n_r);

/* milter_skel_msg_size: header and body bytes received so far. */
size_t milter_skel_msg_size(const struct milter_skel_msg *m);

/* milter_skel_body_offset: where the body starts in the message (the
 * bytes of the header fields and of the empty line before the body), for
 * milter_skel_rewrite_body(); 0 before the eoh hook. */
size_t milter_skel_body_offset(const struct milter_skel_msg *m);

/* milter_skel_spool: the message so far (header fields, the empty line,
 * the body, CRLF line ends), or NULL when the milter's def does not ask
 * for a spool. Owned by the skeleton. */
struct milter_spool *milter_skel_spool(const struct milter_skel_msg *m);

/* milter_skel_detail: text added to the verdict line (key=value fields). */
void milter_skel_detail(struct milter_skel_msg *m, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* milter_skel_reply_detail: text appended to a reject or tempfail reply
 * after the outcome's text, e.g. a virus name. */
void milter_skel_reply_detail(struct milter_skel_msg *m, const char *text);

/* milter_skel_set_reply: for this message, a reject or tempfail replies
 * with the enhanced status code dsn ("5.7.1"; its class digit follows the
 * action) and text instead of the outcome's (e.g. a header_checks REJECT
 * text). */
void milter_skel_set_reply(struct milter_skel_msg *m, const char *dsn, const char *text);

/* Header changes, in the eom and tag hooks only. value has no leading
 * space (the skeleton adds what the MTA needs) and may hold "\r\n\t" or
 * "\n\t" folds. 1 ok; -1 when the MTA refused (logged). */
/* milter_skel_insheader: insert at index (0: the very top). */
int milter_skel_insheader(struct milter_skel_msg *m, int index, const char *name,
			  const char *value);
/* milter_skel_addheader: append after the last header field. */
int milter_skel_addheader(struct milter_skel_msg *m, const char *name, const char *value);
/* milter_skel_delheader: delete the index-th (from 1) field called name. */
int milter_skel_delheader(struct milter_skel_msg *m, const char *name, int index);
/* milter_skel_chgheader: give the index-th (from 1) field called name the
 * value value. */
int milter_skel_chgheader(struct milter_skel_msg *m, const char *name, int index,
			  const char *value);

/* Envelope and body changes, in the eom and tag hooks only; 1 ok, -1 when
 * the MTA refused (logged). */
/* milter_skel_addrcpt/delrcpt: add or delete an envelope recipient
 * (without angle brackets). */
int milter_skel_addrcpt(struct milter_skel_msg *m, const char *rcpt);
int milter_skel_delrcpt(struct milter_skel_msg *m, const char *rcpt);
/* milter_skel_replacebody: the first call replaces the body with len bytes
 * at data (CRLF line ends), each further call appends to the new body. */
int milter_skel_replacebody(struct milter_skel_msg *m, const void *data, size_t len);
/* milter_skel_rewrite_fn: append to out what the piece of the original
 * body at data becomes in the new body. */
typedef void milter_skel_rewrite_fn(const void *data, size_t len, struct buf *out, void *context);
/* milter_skel_rewrite_body: read the spooled message from offset (where
 * its body starts) to the end, pass each piece through fn and send what it
 * writes as the replacement body, in pieces, without holding the whole new
 * body. Returns as milter_skel_replacebody; -1 (logged with the queue id)
 * when the spool cannot be read. */
int milter_skel_rewrite_body(struct milter_skel_msg *m, size_t offset, milter_skel_rewrite_fn *fn,
			     void *context);

#endif
