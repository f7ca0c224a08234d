/* deliver_conn.h: a client connection for the delivery agents, used from
 * one delivery thread with blocking steps: every step waits with poll()
 * up to its timeout, and gives up early when the stop flag is set (checked
 * every second). After deliver_conn_tls() every step goes through TLS.
 */
#ifndef POSTERN_DELIVER_CONN_H
#define POSTERN_DELIVER_CONN_H

#include <stdatomic.h>
#include <stddef.h>

#include <openssl/ssl.h>

#include "smtp_reply.h"
#include "sockspec.h"

struct deliver_conn;

/* Why a step failed. */
enum deliver_conn_fail {
	DELIVER_CONN_ERROR,   /* I/O error, refused, malformed reply */
	DELIVER_CONN_TIMEOUT, /* the step's timeout passed */
	DELIVER_CONN_STOPPED, /* the stop flag was set */
};

/* deliver_conn_open: connect to addr within timeout seconds (0: no
 * limit). 1 with *c_r (free with deliver_conn_free), -1 with *fail_r and
 * *error_r. */
int deliver_conn_open(const struct sockspec_addr *addr, long long timeout,
		      const atomic_int *stop, struct deliver_conn **c_r,
		      enum deliver_conn_fail *fail_r, char **error_r);
/* deliver_conn_free: close and release *cp; accepts NULL; clears *cp. */
void deliver_conn_free(struct deliver_conn **cp);

/* deliver_conn_write: send data[0..len) within timeout seconds for each
 * piece the socket takes. 1 ok; -1 with *fail_r, *error_r. */
int deliver_conn_write(struct deliver_conn *c, const void *data, size_t len, long long timeout,
		       enum deliver_conn_fail *fail_r, char **error_r);
/* deliver_conn_reply: the next reply of the server, waiting up to timeout
 * seconds. 1 with *reply_r (caller frees); -1 with *fail_r and *error_r
 * (also for a connection closed by the peer, or a malformed reply). */
int deliver_conn_reply(struct deliver_conn *c, long long timeout, struct smtp_reply **reply_r,
		       enum deliver_conn_fail *fail_r, char **error_r);

/* deliver_conn_tls: run the TLS client handshake of ssl (made by the
 * caller, who has set its name checks and SNI) on c's socket within
 * timeout seconds; c owns ssl from now on, also on failure, and every
 * later step goes through it. Input read but not yet used is dropped
 * (RFC 3207: nothing the server sent before the handshake counts). 1 ok;
 * -1 with *fail_r and *error_r (the connection is then unusable). */
int deliver_conn_tls(struct deliver_conn *c, SSL *ssl, long long timeout,
		     enum deliver_conn_fail *fail_r, char **error_r);

#endif
