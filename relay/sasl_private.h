/* sasl_private.h: what the files of the SASL server share: mechanisms
 * and their properties, the back-end interface, the session state. */
#ifndef POSTERN_SASL_PRIVATE_H
#define POSTERN_SASL_PRIVATE_H

#include <stddef.h>

#include "sasl_server.h"
#include "sockspec.h"

/* Mechanism properties (the flags of Dovecot's MECH lines). */
#define SASL_MECH_PLAINTEXT 0x01
#define SASL_MECH_DICTIONARY 0x02
#define SASL_MECH_ACTIVE 0x04
#define SASL_MECH_ANONYMOUS 0x08
#define SASL_MECH_MUTUAL_AUTH 0x10
#define SASL_MECH_FORWARD_SECRECY 0x20
#define SASL_MECH_PRIVATE 0x40

struct sasl_mech {
	char *name; /* upper case */
	unsigned flags;
};

/* What a back-end does for its sessions. Results come back through
 * sasl_server_result(); readiness through sasl_backend_ready(). */
struct sasl_backend_ops {
	/* ensure: start connecting if the back-end is not ready and not
	 * trying; sasl_backend_ready() follows (maybe at once). */
	void (*ensure)(struct sasl_backend *be);
	/* start/step: one step of s's conversation (mech is one of the
	 * back-end's mechanisms; responses are base64 as the client sent them,
	 * initial NULL when absent). */
	void (*start)(struct sasl_server *s, const char *mech, const char *initial);
	void (*step)(struct sasl_server *s, const char *response);
	/* cancel: forget s's conversation and its state (s->impl); no result
	 * may follow. Also called for a session with nothing in progress. */
	void (*cancel)(struct sasl_server *s);
	void (*free)(struct sasl_backend *be);
};

struct sasl_backend {
	enum sasl_type type;
	char *path;		     /* smtpd_sasl_path, for logs and the file */
	struct sockspec_addr *addrs; /* dovecot: where to connect (owned) */
	size_t n_addrs;
	struct event_base *base;
	const struct sasl_backend_ops *ops;
	struct sasl_mech *mechs; /* known once ready; owned */
	size_t n_mechs;
	int ready;		     /* mechs is known */
	struct sasl_server *waiters; /* sessions waiting for readiness */
};

struct sasl_server {
	struct sasl_backend *be;
	const struct sasl_server_conf *conf; /* the listener's */
	char *namaddr;
	char *client_addr;
	unsigned client_port;
	char *server_addr;
	unsigned server_port;
	int tls;
	/* A pending sasl_server_mechs() call. */
	sasl_mechs_fn *mechs_cb;
	void *mechs_arg;
	struct sasl_server *next_waiter;
	/* The conversation. */
	int busy; /* a step is in progress */
	sasl_step_fn *cb;
	void *arg;
	char *mech;	    /* the mechanism being tried, upper case */
	char *attempt_user; /* who is trying, for failure logs; may be NULL */
	void *impl;	    /* the back-end's per-session state */
	/* After success. */
	char *username;
	char *method;
};

/* sasl_backend_ready: the back-end's mechanism list is known (mechs set,
 * ready 1) or it is unavailable (ready 0): answer the waiting sessions. */
void sasl_backend_ready(struct sasl_backend *be);

/* sasl_server_result: deliver one step's outcome to s's callback. For
 * SASL_FAIL, temp selects 454 over 535; reason may be NULL or "" (then
 * "(reason unavailable)", as Postfix says); user (may be NULL) is who
 * tried, for the log. challenge is base64 for SASL_CONTINUE. */
void sasl_server_result(struct sasl_server *s, enum sasl_status status, const char *challenge,
			const char *username, const char *reason, int temp);

/* sasl_backend_init: the common part of a back-end: type, path and
 * addresses copied from conf, base and ops. */
void sasl_backend_init(struct sasl_backend *be, const struct sasl_server_conf *conf,
		       struct event_base *base, const struct sasl_backend_ops *ops);

/* The back-ends. */
int sasl_dovecot_new(const struct sasl_server_conf *conf, struct event_base *base,
		     struct sasl_backend **be_r, char **error_r);
int sasl_passwd_new(const struct sasl_server_conf *conf, struct event_base *base,
		    struct sasl_backend **be_r, char **error_r);

/* sasl_base64_valid: only base64 characters (Postfix's check before
 * passing data to Dovecot). */
int sasl_base64_valid(const char *s);
/* sasl_base64_decode: strict base64 (padding required) into a malloc'd
 * NUL-terminated buffer, length in *len_r. 1 ok, -1 malformed. */
int sasl_base64_decode(const char *s, char **out_r, size_t *len_r);

#endif
