/* queue_id_test.c: queue ids have a fixed width and alphabet, encode their
 * time, sort by time as strings, and never repeat across threads. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mem.h"
#include "queue_id.h"
#include "tap.h"

#define THREADS 8
#define PER_THREAD 5000

static void test_format(void)
{
	char id[QUEUE_ID_SIZE];
	queue_id_format(id, 0, 0);
	tap_is_str(id, "000000000000000", "time 0, node 0");
	queue_id_format(id, 31, 1);
	tap_is_str(id, "0000000000Z0001", "base 32 digits, node last");
	queue_id_format(id, 1700000000123456ull, 0xabcde);
	tap_is_int(queue_id_time(id), 1700000000123456ll, "time round trip");
	tap_is_int((long long)strlen(id), QUEUE_ID_LEN, "fixed width");
	tap_ok(queue_id_valid(id), "formatted id is valid");
	char a[QUEUE_ID_SIZE], b[QUEUE_ID_SIZE];
	int sorted = 1;
	for (uint64_t t = 1; t < 100000; t = t * 3 + 7) {
		queue_id_format(a, t, 0xfffff);
		queue_id_format(b, t + 1, 0);
		if (strcmp(a, b) >= 0)
			sorted = 0;
	}
	tap_ok(sorted, "a later time sorts after an earlier one whatever the node");
}

static void test_valid(void)
{
	static const struct {
		const char *id;
		int valid;
	} cases[] = {
	    {"0123456789ABCDE", 1}, {"ZZZZZZZZZZZZZZZ", 1},
	    {"0123456789ABCD", 0},  {"0123456789ABCDEF", 0},
	    {"0123456789abcde", 0}, {"0123456789ABCDI", 0},
	    {"0123456789ABCDL", 0}, {"0123456789ABCDO", 0},
	    {"0123456789ABCDU", 0}, {"", 0},
	    {"../../etc/pwd", 0},   {"0123456789ABC.E", 0},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		tap_is_int(queue_id_valid(cases[i].id), cases[i].valid, "valid(\"%s\")",
			   cases[i].id);
	tap_is_int(queue_id_time("bad"), -1, "time of an invalid id is -1");
}

static void *test_thread(void *arg)
{
	char *ids = arg;
	for (int i = 0; i < PER_THREAD; i++)
		queue_id_next(ids + (size_t)i * QUEUE_ID_SIZE);
	return NULL;
}

static int cmp_id(const void *a, const void *b)
{
	return strcmp(a, b);
}

static void test_unique(void)
{
	char *ids = xcalloc(THREADS * PER_THREAD, QUEUE_ID_SIZE);
	pthread_t t[THREADS];
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	int64_t start = (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
	for (int i = 0; i < THREADS; i++)
		pthread_create(&t[i], NULL, test_thread,
			       ids + (size_t)i * PER_THREAD * QUEUE_ID_SIZE);
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	int valid = 1, increasing = 1, recent = 1;
	for (int i = 0; i < THREADS * PER_THREAD; i++) {
		const char *id = ids + (size_t)i * QUEUE_ID_SIZE;
		valid &= queue_id_valid(id);
		recent &= queue_id_time(id) >= start && queue_id_time(id) < start + 60000000;
		if (i % PER_THREAD != 0)
			increasing &= strcmp(id - QUEUE_ID_SIZE, id) < 0;
	}
	tap_ok(valid, "every generated id is valid");
	tap_ok(recent, "ids carry the current time");
	tap_ok(increasing, "each thread's ids strictly increase");
	qsort(ids, THREADS * PER_THREAD, QUEUE_ID_SIZE, cmp_id);
	int unique = 1;
	for (int i = 1; i < THREADS * PER_THREAD; i++)
		unique &= strcmp(ids + (size_t)(i - 1) * QUEUE_ID_SIZE,
				 ids + (size_t)i * QUEUE_ID_SIZE) != 0;
	tap_ok(unique, "%d ids from %d threads are all different", THREADS * PER_THREAD, THREADS);
	free(ids);
}

int main(void)
{
	test_format();
	test_valid();
	test_unique();
	return tap_done();
}
