/* spf_cache_test.c: TTL, replacement and the size bound of spf_cache.c. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "spf_cache.h"
#include "tap.h"

int main(void)
{
	struct spf_cache *c = spf_cache_new(3, 60);
	char *v = NULL;
	tap_is_int(spf_cache_get(c, "k1", 1000, &v), 0, "an empty cache has nothing");
	spf_cache_put(c, "k1", "PREPEND a", 1000);
	tap_is_int(spf_cache_get(c, "k1", 1059, &v), 1, "found within the TTL");
	tap_is_str(v, "PREPEND a", "with its value");
	free(v);
	tap_is_int(spf_cache_get(c, "k1", 1060, &v), 0, "gone at the TTL");
	tap_is_int((long long)spf_cache_count(c), 0, "and dropped");
	spf_cache_put(c, "k1", "one", 2000);
	spf_cache_put(c, "k1", "two", 2000);
	spf_cache_get(c, "k1", 2000, &v);
	tap_is_str(v, "two", "a second put replaces the value");
	free(v);
	for (int i = 0; i < 5; i++) {
		char key[16];
		snprintf(key, sizeof(key), "n%d", i);
		spf_cache_put(c, key, key, 2000);
	}
	tap_is_int((long long)spf_cache_count(c), 3, "the size bound holds");
	tap_is_int(spf_cache_get(c, "n0", 2000, &v), 0, "the oldest went first");
	tap_is_int(spf_cache_get(c, "n4", 2000, &v), 1, "the newest stays");
	free(v);
	spf_cache_free(&c);
	tap_ok(c == NULL, "free clears the pointer");
	struct spf_cache *off = spf_cache_new(10, 0);
	spf_cache_put(off, "k", "v", 1);
	tap_is_int(spf_cache_get(off, "k", 1, &v), 0, "cache_ttl 0 keeps nothing");
	spf_cache_free(&off);
	return tap_done();
}
