/* anvil.c: per-client connection counts and event rates (see anvil.h): a
 * hash table of clients under one mutex. */
#include "anvil.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"

struct anvil_client {
	struct anvil_client *next;
	char *key; /* "service:addr" */
	unsigned conns;
	int64_t start; /* the current window's start */
	unsigned conn_rate, mail_rate, rcpt_rate;
};

struct anvil {
	pthread_mutex_t lock;
	int64_t time_unit;
	struct anvil_client **buckets;
	size_t n_buckets;
	unsigned n_clients;
	unsigned ops; /* since the last sweep */
};

/* Sweep stale clients after this many operations per tracked client. */
#define ANVIL_SWEEP_EVERY 64

struct anvil *anvil_new(long long time_unit)
{
	struct anvil *a = xcalloc(1, sizeof(*a));
	pthread_mutex_init(&a->lock, NULL);
	a->time_unit = time_unit > 0 ? time_unit : 1;
	a->n_buckets = 1024;
	a->buckets = xcalloc(a->n_buckets, sizeof(*a->buckets));
	return a;
}

void anvil_free(struct anvil **ap)
{
	if (ap == NULL || *ap == NULL)
		return;
	struct anvil *a = *ap;
	for (size_t b = 0; b < a->n_buckets; b++) {
		for (struct anvil_client *c = a->buckets[b], *next; c != NULL; c = next) {
			next = c->next;
			free(c->key);
			free(c);
		}
	}
	free(a->buckets);
	pthread_mutex_destroy(&a->lock);
	FREE_AND_NULL(*ap);
}

static size_t anvil_hash(const char *key)
{
	size_t h = 5381;
	for (const unsigned char *p = (const unsigned char *)key; *p; p++)
		h = h * 33 ^ *p;
	return h;
}

/* anvil_window: restart the client's window when it has passed. */
static void anvil_window(const struct anvil *a, struct anvil_client *c, int64_t now)
{
	if (now - c->start >= a->time_unit) {
		c->start = now;
		c->conn_rate = c->mail_rate = c->rcpt_rate = 0;
	}
}

/* anvil_sweep: drop clients without connections whose window has passed. */
static void anvil_sweep(struct anvil *a, int64_t now)
{
	for (size_t b = 0; b < a->n_buckets; b++) {
		struct anvil_client **cp = &a->buckets[b];
		while (*cp != NULL) {
			struct anvil_client *c = *cp;
			if (c->conns == 0 && now - c->start >= a->time_unit) {
				*cp = c->next;
				free(c->key);
				free(c);
				a->n_clients--;
			} else {
				cp = &c->next;
			}
		}
	}
	a->ops = 0;
}

/* anvil_find: the client's entry (created when missing), its window
 * current; a->lock held. */
static struct anvil_client *anvil_find(struct anvil *a, const char *service, const char *addr,
				       int64_t now)
{
	if (++a->ops > ANVIL_SWEEP_EVERY * (a->n_clients + 1))
		anvil_sweep(a, now);
	char *key = xasprintf("%s:%s", service, addr);
	struct anvil_client **head = &a->buckets[anvil_hash(key) % a->n_buckets];
	for (struct anvil_client *c = *head; c != NULL; c = c->next) {
		if (strcmp(c->key, key) == 0) {
			free(key);
			anvil_window(a, c, now);
			return c;
		}
	}
	struct anvil_client *c = xcalloc(1, sizeof(*c));
	c->key = key;
	c->start = now;
	c->next = *head;
	*head = c;
	a->n_clients++;
	return c;
}

void anvil_connect(struct anvil *a, const char *service, const char *addr, int64_t now,
		   unsigned *count_r, unsigned *rate_r)
{
	pthread_mutex_lock(&a->lock);
	struct anvil_client *c = anvil_find(a, service, addr, now);
	*count_r = ++c->conns;
	*rate_r = ++c->conn_rate;
	pthread_mutex_unlock(&a->lock);
}

void anvil_disconnect(struct anvil *a, const char *service, const char *addr, int64_t now)
{
	pthread_mutex_lock(&a->lock);
	struct anvil_client *c = anvil_find(a, service, addr, now);
	if (c->conns > 0)
		c->conns--;
	pthread_mutex_unlock(&a->lock);
}

unsigned anvil_event(struct anvil *a, const char *service, const char *addr, enum anvil_event ev,
		     int64_t now)
{
	pthread_mutex_lock(&a->lock);
	struct anvil_client *c = anvil_find(a, service, addr, now);
	unsigned rate = ev == ANVIL_EV_MAIL ? ++c->mail_rate : ++c->rcpt_rate;
	pthread_mutex_unlock(&a->lock);
	return rate;
}

unsigned anvil_clients(struct anvil *a)
{
	pthread_mutex_lock(&a->lock);
	unsigned n = a->n_clients;
	pthread_mutex_unlock(&a->lock);
	return n;
}
