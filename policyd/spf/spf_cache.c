/* spf_cache.c: a hash table with chaining plus a FIFO list for eviction
 * (see spf_cache.h). Entries past their TTL are dropped when met. Values
 * are byte strings with a length (a NUL follows them, so text values read
 * as C strings). */
#include "config.h"

#include "spf_cache.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"

struct entry {
	struct entry *next;		/* hash chain */
	struct entry *older, *newer;	/* FIFO, oldest first */
	char *key;
	char *value;
	size_t len;
	time_t expires;
};

struct spf_cache {
	pthread_mutex_t lock;
	size_t max, count, n_buckets;
	time_t ttl;
	struct entry **buckets;
	struct entry *oldest, *newest;
};

static size_t hash(const char *s)
{
	uint64_t h = 1469598103934665603ull; /* FNV-1a */
	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return (size_t)h;
}

struct spf_cache *spf_cache_new(size_t max, time_t ttl)
{
	struct spf_cache *c = xcalloc(1, sizeof(*c));
	pthread_mutex_init(&c->lock, NULL);
	c->max = max > 0 ? max : 1;
	c->ttl = ttl;
	c->n_buckets = 64;
	while (c->n_buckets < c->max && c->n_buckets < (1u << 24))
		c->n_buckets *= 2;
	c->buckets = xcalloc(c->n_buckets, sizeof(*c->buckets));
	return c;
}

static void unlink_entry(struct spf_cache *c, struct entry *e)
{
	struct entry **pp = &c->buckets[hash(e->key) & (c->n_buckets - 1)];
	while (*pp != e)
		pp = &(*pp)->next;
	*pp = e->next;
	if (e->older != NULL)
		e->older->newer = e->newer;
	else
		c->oldest = e->newer;
	if (e->newer != NULL)
		e->newer->older = e->older;
	else
		c->newest = e->older;
	free(e->key);
	free(e->value);
	free(e);
	c->count--;
}

void spf_cache_free(struct spf_cache **cp)
{
	struct spf_cache *c = *cp;
	if (c == NULL)
		return;
	while (c->oldest != NULL)
		unlink_entry(c, c->oldest);
	free(c->buckets);
	pthread_mutex_destroy(&c->lock);
	FREE_AND_NULL(*cp);
}

static struct entry *find(struct spf_cache *c, const char *key)
{
	for (struct entry *e = c->buckets[hash(key) & (c->n_buckets - 1)]; e != NULL; e = e->next)
		if (strcmp(e->key, key) == 0)
			return e;
	return NULL;
}

int spf_cache_get(struct spf_cache *c, const char *key, time_t now, char **value_r)
{
	size_t len;
	return spf_cache_get_data(c, key, now, value_r, &len);
}

int spf_cache_get_data(struct spf_cache *c, const char *key, time_t now, char **value_r,
		       size_t *len_r)
{
	int found = 0;
	pthread_mutex_lock(&c->lock);
	struct entry *e = find(c, key);
	if (e != NULL && e->expires <= now) {
		unlink_entry(c, e);
		e = NULL;
	}
	if (e != NULL) {
		*value_r = xmalloc(e->len + 1);
		memcpy(*value_r, e->value, e->len + 1);
		*len_r = e->len;
		found = 1;
	}
	pthread_mutex_unlock(&c->lock);
	return found;
}

int spf_cache_contains(struct spf_cache *c, const char *key, time_t now)
{
	pthread_mutex_lock(&c->lock);
	struct entry *e = find(c, key);
	int found = e != NULL && e->expires > now;
	pthread_mutex_unlock(&c->lock);
	return found;
}

void spf_cache_put(struct spf_cache *c, const char *key, const char *value, time_t now)
{
	spf_cache_put_data(c, key, value, strlen(value), now, c->ttl);
}

void spf_cache_put_data(struct spf_cache *c, const char *key, const void *value, size_t len,
			time_t now, time_t ttl)
{
	if (ttl > c->ttl)
		ttl = c->ttl;
	if (ttl <= 0)
		return;
	pthread_mutex_lock(&c->lock);
	struct entry *old = find(c, key);
	if (old != NULL)
		unlink_entry(c, old);
	while (c->count >= c->max)
		unlink_entry(c, c->oldest);
	struct entry *e = xcalloc(1, sizeof(*e));
	e->key = xstrdup(key);
	e->value = xmalloc(len + 1);
	memcpy(e->value, value, len);
	e->value[len] = '\0';
	e->len = len;
	e->expires = now + ttl;
	size_t b = hash(key) & (c->n_buckets - 1);
	e->next = c->buckets[b];
	c->buckets[b] = e;
	e->older = c->newest;
	if (c->newest != NULL)
		c->newest->newer = e;
	else
		c->oldest = e;
	c->newest = e;
	c->count++;
	pthread_mutex_unlock(&c->lock);
}

size_t spf_cache_count(struct spf_cache *c)
{
	pthread_mutex_lock(&c->lock);
	size_t n = c->count;
	pthread_mutex_unlock(&c->lock);
	return n;
}
