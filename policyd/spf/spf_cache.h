/* spf_cache.h: answers of recent checks, keyed by what they depend on
 * (spf_policy_cache_key), kept for a time-to-live and bounded in size
 * (the oldest entry goes first). Thread-safe: one mutex. */
#ifndef POSTERN_SPF_CACHE_H
#define POSTERN_SPF_CACHE_H

#include <stddef.h>
#include <time.h>

struct spf_cache;

/* spf_cache_new: a cache of at most max entries, each kept ttl seconds
 * at most (ttl 0: the cache keeps nothing). Free with spf_cache_free(). */
struct spf_cache *spf_cache_new(size_t max, time_t ttl);
void spf_cache_free(struct spf_cache **cp);

/* spf_cache_get: 1 with *value_r (a malloc'd copy) when key is cached and
 * fresh at time now, else 0. */
int spf_cache_get(struct spf_cache *c, const char *key, time_t now, char **value_r);
/* spf_cache_put: remember value for key from time now (copies both). */
void spf_cache_put(struct spf_cache *c, const char *key, const char *value, time_t now);
/* spf_cache_get_data, spf_cache_put_data: the same for a byte string of
 * len bytes (the copy returned has a NUL after them), kept for ttl
 * seconds or the cache's ttl, whichever is shorter (ttl 0: not kept). */
int spf_cache_get_data(struct spf_cache *c, const char *key, time_t now, char **value_r,
		       size_t *len_r);
void spf_cache_put_data(struct spf_cache *c, const char *key, const void *value, size_t len,
			time_t now, time_t ttl);
/* spf_cache_contains: 1 when key is cached and fresh at time now, else 0
 * (nothing copied). */
int spf_cache_contains(struct spf_cache *c, const char *key, time_t now);
/* spf_cache_count: entries held (fresh or not yet evicted). */
size_t spf_cache_count(struct spf_cache *c);

#endif
