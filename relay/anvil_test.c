/* anvil_test.c: connection counts and rates per (service, client), the
 * window that restarts after anvil_rate_time_unit, forgetting idle clients,
 * and counts that stay exact with several threads. */
#include <pthread.h>

#include "anvil.h"
#include "tap.h"

#define THREADS 4
#define ROUNDS 2000

static void *hammer(void *arg)
{
	struct anvil *a = arg;
	unsigned count, rate;
	for (int i = 0; i < ROUNDS; i++) {
		anvil_connect(a, "smtp", "192.0.2.9", 100, &count, &rate);
		anvil_event(a, "smtp", "192.0.2.9", ANVIL_EV_RCPT, 100);
		anvil_disconnect(a, "smtp", "192.0.2.9", 100);
	}
	return NULL;
}

int main(void)
{
	struct anvil *a = anvil_new(60);
	unsigned count, rate;

	anvil_connect(a, "smtp", "192.0.2.1", 1000, &count, &rate);
	tap_ok(count == 1 && rate == 1, "first connection: count 1, rate 1");
	anvil_connect(a, "smtp", "192.0.2.1", 1001, &count, &rate);
	tap_ok(count == 2 && rate == 2, "second connection: count 2, rate 2");
	anvil_connect(a, "submission", "192.0.2.1", 1001, &count, &rate);
	tap_ok(count == 1 && rate == 1, "another service counts apart");
	anvil_connect(a, "smtp", "192.0.2.2", 1001, &count, &rate);
	tap_ok(count == 1 && rate == 1, "another client counts apart");
	anvil_disconnect(a, "smtp", "192.0.2.1", 1002);
	anvil_connect(a, "smtp", "192.0.2.1", 1003, &count, &rate);
	tap_ok(count == 2 && rate == 3, "a disconnect lowers the count, not the rate");

	tap_is_int(anvil_event(a, "smtp", "192.0.2.1", ANVIL_EV_MAIL, 1004), 1, "MAIL rate 1");
	tap_is_int(anvil_event(a, "smtp", "192.0.2.1", ANVIL_EV_MAIL, 1005), 2, "MAIL rate 2");
	tap_is_int(anvil_event(a, "smtp", "192.0.2.1", ANVIL_EV_RCPT, 1005), 1,
		   "RCPT counts apart from MAIL");
	/* The window started at 1000: it has passed at 1060. */
	tap_is_int(anvil_event(a, "smtp", "192.0.2.1", ANVIL_EV_MAIL, 1059), 3,
		   "still the same window at 59 s");
	tap_is_int(anvil_event(a, "smtp", "192.0.2.1", ANVIL_EV_MAIL, 1060), 1,
		   "a new window after anvil_rate_time_unit");
	anvil_connect(a, "smtp", "192.0.2.1", 1061, &count, &rate);
	tap_ok(count == 3 && rate == 1, "the new window restarts the connection rate too");

	tap_is_int(anvil_clients(a), 3, "three clients are tracked");
	anvil_disconnect(a, "submission", "192.0.2.1", 1100);
	anvil_disconnect(a, "smtp", "192.0.2.2", 1100);
	/* Enough operations to sweep, well after their windows. */
	for (int i = 0; i < 1000; i++)
		anvil_event(a, "smtp", "192.0.2.1", ANVIL_EV_RCPT, 5000);
	tap_is_int(anvil_clients(a), 1, "idle clients past their window are forgotten");

	pthread_t t[THREADS];
	for (int i = 0; i < THREADS; i++)
		pthread_create(&t[i], NULL, hammer, a);
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	anvil_connect(a, "smtp", "192.0.2.9", 100, &count, &rate);
	tap_ok(count == 1 && rate == THREADS * ROUNDS + 1,
	       "threads: every connect and disconnect counted (count %u, rate %u)", count, rate);
	anvil_free(&a);
	tap_ok(a == NULL, "anvil_free clears the pointer");
	anvil_free(&a);
	return tap_done();
}
