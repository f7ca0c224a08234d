/* anvil.h: per-client connection counts and event rates, shared by every
 * worker thread (what Postfix's anvil(8) server keeps for its smtpd
 * processes).
 *
 * A client is a (service, address) pair: limits apply per listener, as
 * Postfix's are per master.cf service. For each client anvil keeps the
 * number of open connections and, in a window of anvil_rate_time_unit
 * seconds that starts at the client's first event and restarts at the
 * first event after it has passed, how many connections, MAIL commands
 * and RCPT commands it made. A rate is the count in the current window,
 * including the event just counted; the caller compares it with its
 * limit (Postfix rejects when the rate exceeds the limit). Entries with no
 * connection whose window has passed are dropped, so memory follows the
 * number of active clients. Thread-safe (one mutex).
 */
#ifndef POSTERN_ANVIL_H
#define POSTERN_ANVIL_H

#include <stdint.h>

enum anvil_event {
	ANVIL_EV_MAIL, /* a MAIL command */
	ANVIL_EV_RCPT, /* a RCPT command */
};

struct anvil;

/* anvil_new: counters with a rate window of time_unit seconds (> 0).
 * Free with anvil_free(). */
struct anvil *anvil_new(long long time_unit);
/* anvil_free: release *ap and clear it; accepts NULL. */
void anvil_free(struct anvil **ap);

/* anvil_connect: count a new connection of client (service, addr) at time
 * now (seconds, any monotonic clock): *count_r its open connections with
 * this one, *rate_r its connections in the current window with this one.
 * Every anvil_connect needs one anvil_disconnect. */
void anvil_connect(struct anvil *a, const char *service, const char *addr, int64_t now,
		   unsigned *count_r, unsigned *rate_r);
/* anvil_disconnect: a connection counted by anvil_connect ended. */
void anvil_disconnect(struct anvil *a, const char *service, const char *addr, int64_t now);
/* anvil_event: count one event of the client at now; its rate in the
 * current window, this one included. */
unsigned anvil_event(struct anvil *a, const char *service, const char *addr, enum anvil_event ev,
		     int64_t now);
/* anvil_clients: how many clients are tracked now (for tests). */
unsigned anvil_clients(struct anvil *a);

#endif
