/* deliver_conn.h: a client connection for the delivery agents, used from
 * one delivery thread with blocking steps: every step waits with poll()
 * up to its timeout, and gives up early when the stop flag is set (checked
 * every second).
 */
#ifndef POSTERN_DELIVER_CONN_H
#define POSTERN_DELIVER_CONN_H

#include <stdatomic.h>
#include <stddef.h>

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

#endif
