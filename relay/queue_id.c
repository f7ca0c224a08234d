/* queue_id.c: time-ordered queue ids (see queue_id.h for the layout). */
#include "queue_id.h"

#include <stdatomic.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "self_pid.h"

#define QUEUE_ID_TIME_CHARS 11
#define QUEUE_ID_NODE_CHARS 4

static const char queue_id_alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/* The last time value handed out by this process: ids stay strictly
 * increasing even when several threads ask in the same microsecond. */
static _Atomic uint64_t queue_id_last;

static void queue_id_encode(char *out, uint64_t value, int chars)
{
	for (int i = chars - 1; i >= 0; i--) {
		out[i] = queue_id_alphabet[value & 31];
		value >>= 5;
	}
}

/* queue_id_digit: the value of one id character, or -1. */
static int queue_id_digit(char c)
{
	const char *p = c != '\0' ? strchr(queue_id_alphabet, c) : NULL;
	return p != NULL ? (int)(p - queue_id_alphabet) : -1;
}

void queue_id_format(char buf[QUEUE_ID_SIZE], uint64_t time_us, uint32_t node)
{
	queue_id_encode(buf, time_us, QUEUE_ID_TIME_CHARS);
	queue_id_encode(buf + QUEUE_ID_TIME_CHARS, node & 0xfffff, QUEUE_ID_NODE_CHARS);
	buf[QUEUE_ID_LEN] = '\0';
}

void queue_id_next(char buf[QUEUE_ID_SIZE])
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	uint64_t now = (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
	uint64_t last = atomic_load(&queue_id_last), next;
	do {
		next = now > last ? now : last + 1;
	} while (!atomic_compare_exchange_weak(&queue_id_last, &last, next));
	queue_id_format(buf, next, (uint32_t)self_pid());
}

int queue_id_valid(const char *s)
{
	for (int i = 0; i < QUEUE_ID_LEN; i++)
		if (queue_id_digit(s[i]) < 0)
			return 0;
	return s[QUEUE_ID_LEN] == '\0';
}

int64_t queue_id_time(const char *id)
{
	if (!queue_id_valid(id))
		return -1;
	uint64_t t = 0;
	for (int i = 0; i < QUEUE_ID_TIME_CHARS; i++)
		t = t << 5 | (uint64_t)queue_id_digit(id[i]);
	return (int64_t)t;
}
