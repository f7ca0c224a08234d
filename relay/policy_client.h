/* policy_client.h: posternd's client for Postfix policy services
 * (check_policy_service, SMTPD_POLICY_README), one per smtpd worker
 * thread, on the worker's event loop.
 *
 * A call sends one encoded request to a service and reports the reply's
 * action, or why there is none. Connections are kept per service (its
 * endpoint and connection settings) and
 * reused, as Postfix's smtpd keeps its policy connections: one request at
 * a time on each connection (the protocol has no pipelining), as many
 * connections as there are concurrent calls, an idle connection closed
 * after max_idle, any connection closed once it is older than max_ttl or
 * has served request_limit requests. A failed attempt (connect refused,
 * timeout, the server closing the connection, a malformed or oversized
 * reply) is retried on a new connection after retry_delay, up to
 * try_limit attempts in all; when the attempt that failed ran on a pooled
 * connection and saw no reply byte (the server may have closed it as
 * idle), the next attempt starts at once. A pooled connection that the
 * server closes while it is idle is noticed and dropped right away.
 *
 * Every report comes from the event loop, never from inside
 * policy_client_call(). Not thread-safe: one client per event_base.
 */
#ifndef POSTERN_POLICY_CLIENT_H
#define POSTERN_POLICY_CLIENT_H

#include <stddef.h>

#include "sockspec.h"

struct event_base;
struct policy_client;
struct policy_call;

/* One policy service as configured (strings and addr borrowed for the
 * duration of a call). Times in seconds. */
struct policy_service {
	const char *name; /* "inet:127.0.0.1:9998", "unix:/path": with max_idle,
			   * max_ttl and request_limit, the pool's key */
	const struct sockspec_addr *addr;
	long long timeout;	 /* per connect, write and read */
	long long max_idle;	 /* an idle connection lives this long */
	long long max_ttl;	 /* a connection is not reused after this */
	long long try_limit;	 /* attempts per call, >= 1 */
	long long retry_delay;	 /* between attempts */
	long long request_limit; /* requests per connection, 0: no limit */
};

/* The outcome of a call: action is the reply's action attribute, or NULL
 * with error saying why the service gave none ("Connection refused",
 * "timeout after 2s", ...). Both are valid during the call only. */
typedef void policy_call_done_fn(void *arg, const char *action, const char *error);

/* policy_client_new: a client on base; free with policy_client_free()
 * (which closes every connection; calls must be cancelled first). */
struct policy_client *policy_client_new(struct event_base *base);
void policy_client_free(struct policy_client **cp);

/* policy_client_call: send request[0..len) (a complete encoded request)
 * to svc; done runs exactly once, from the loop, unless the call is
 * cancelled first. Returns the call's handle. */
struct policy_call *policy_client_call(struct policy_client *c, const struct policy_service *svc,
				       const char *request, size_t len, policy_call_done_fn *done,
				       void *arg);
/* policy_call_cancel: forget the call (done is not called); its
 * connection, if it was waiting for a reply, is closed. Sets *callp to
 * NULL; accepts NULL. */
void policy_call_cancel(struct policy_call **callp);

#endif
