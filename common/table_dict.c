/* table_dict.c: open-addressing string map for fixed-string tables (see
 * table_dict.h). Each entry is one allocation: the key, a NUL, the value. */
#include "table_dict.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"

struct table_dict_entry {
	uint64_t hash;
	char *key; /* NULL: empty slot; the value follows the key's NUL */
};

struct table_dict {
	struct table_dict_entry *slots;
	size_t n_slots; /* a power of two */
	size_t count;
};

/* FNV-1a: simple, and good enough for table keys. */
static uint64_t table_dict_hash(const char *key)
{
	uint64_t h = 14695981039346656037ULL;
	for (const unsigned char *p = (const unsigned char *)key; *p != '\0'; p++) {
		h ^= *p;
		h *= 1099511628211ULL;
	}
	return h;
}

struct table_dict *table_dict_new(void)
{
	struct table_dict *dict = xcalloc(1, sizeof(*dict));
	dict->n_slots = 16;
	dict->slots = xcalloc(dict->n_slots, sizeof(*dict->slots));
	return dict;
}

void table_dict_free(struct table_dict **dict_r)
{
	struct table_dict *dict = *dict_r;
	if (dict == NULL)
		return;
	for (size_t i = 0; i < dict->n_slots; i++)
		free(dict->slots[i].key);
	free(dict->slots);
	free(dict);
	*dict_r = NULL;
}

/* table_dict_slot: the slot holding key, or the empty slot where it goes. */
static struct table_dict_entry *table_dict_slot(const struct table_dict *dict, const char *key,
						uint64_t hash)
{
	size_t mask = dict->n_slots - 1;
	for (size_t i = (size_t)hash & mask;; i = (i + 1) & mask) {
		struct table_dict_entry *e = &dict->slots[i];
		if (e->key == NULL || (e->hash == hash && strcmp(e->key, key) == 0))
			return e;
	}
}

static void table_dict_grow(struct table_dict *dict)
{
	struct table_dict_entry *old = dict->slots;
	size_t n_old = dict->n_slots;
	dict->n_slots *= 2;
	dict->slots = xcalloc(dict->n_slots, sizeof(*dict->slots));
	for (size_t i = 0; i < n_old; i++)
		if (old[i].key != NULL)
			*table_dict_slot(dict, old[i].key, old[i].hash) = old[i];
	free(old);
}

static char *table_dict_pair(const char *key, const char *value)
{
	size_t klen = strlen(key), vlen = strlen(value);
	char *pair = xmalloc(klen + vlen + 2);
	memcpy(pair, key, klen + 1);
	memcpy(pair + klen + 1, value, vlen + 1);
	return pair;
}

int table_dict_put(struct table_dict *dict, const char *key, const char *value, int replace)
{
	uint64_t hash = table_dict_hash(key);
	struct table_dict_entry *e = table_dict_slot(dict, key, hash);
	if (e->key != NULL) {
		if (replace) {
			free(e->key);
			e->key = table_dict_pair(key, value);
		}
		return 0;
	}
	e->hash = hash;
	e->key = table_dict_pair(key, value);
	/* Keep the load factor under 1/2 so probe runs stay short. */
	if (++dict->count * 2 > dict->n_slots)
		table_dict_grow(dict);
	return 1;
}

const char *table_dict_get(const struct table_dict *dict, const char *key)
{
	const struct table_dict_entry *e = table_dict_slot(dict, key, table_dict_hash(key));
	return e->key != NULL ? e->key + strlen(e->key) + 1 : NULL;
}

int table_dict_lookup(const void *dict, const char *key, char **value_r, char **error_r)
{
	const char *value = table_dict_get(dict, key);
	if (value == NULL)
		return 0;
	*value_r = xstrdup(value);
	return 1;
}

void table_dict_release(void *dict)
{
	struct table_dict *d = dict;
	table_dict_free(&d);
}
