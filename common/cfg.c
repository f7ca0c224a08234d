/* cfg.c: layers of named configuration values (see cfg.h). Each layer keeps
 * its entries in an array (definition order) and an open-addressing hash
 * index over them. */
#include "cfg.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"

struct cfg {
	const struct cfg *parent;
	struct cfg_entry *entries;
	size_t n;
	size_t cap;
	size_t *index;    /* slots hold entry number + 1; 0 is empty */
	size_t index_cap; /* a power of two, more than twice n */
};

static size_t cfg_hash(const char *s)
{
	uint64_t h = 14695981039346656037ULL; /* FNV-1a */
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return (size_t)h;
}

struct cfg *cfg_new(const struct cfg *parent)
{
	struct cfg *c = xcalloc(1, sizeof(*c));
	c->parent = parent;
	return c;
}

void cfg_free(struct cfg **cp)
{
	if (cp == NULL || *cp == NULL)
		return;
	struct cfg *c = *cp;
	for (size_t i = 0; i < c->n; i++) {
		free(c->entries[i].name);
		free(c->entries[i].value);
		free(c->entries[i].file);
	}
	free(c->entries);
	free(c->index);
	FREE_AND_NULL(*cp);
}

const struct cfg *cfg_parent(const struct cfg *c)
{
	return c->parent;
}

/* cfg_slot: the index slot holding name, or the empty slot where it goes. */
static size_t cfg_slot(const struct cfg *c, const char *name)
{
	size_t mask = c->index_cap - 1;
	size_t i = cfg_hash(name) & mask;
	while (c->index[i] != 0 && strcmp(c->entries[c->index[i] - 1].name, name) != 0)
		i = (i + 1) & mask;
	return i;
}

static void cfg_grow_index(struct cfg *c)
{
	free(c->index);
	c->index_cap = c->index_cap ? c->index_cap * 2 : 16;
	c->index = xcalloc(c->index_cap, sizeof(*c->index));
	for (size_t e = 0; e < c->n; e++)
		c->index[cfg_slot(c, c->entries[e].name)] = e + 1;
}

const struct cfg_entry *cfg_lookup_local(const struct cfg *c, const char *name)
{
	if (c->n == 0)
		return NULL;
	size_t slot = cfg_slot(c, name);
	return c->index[slot] ? &c->entries[c->index[slot] - 1] : NULL;
}

const struct cfg_entry *cfg_lookup(const struct cfg *c, const char *name)
{
	for (; c != NULL; c = c->parent) {
		const struct cfg_entry *e = cfg_lookup_local(c, name);
		if (e != NULL)
			return e;
	}
	return NULL;
}

const char *cfg_get(const struct cfg *c, const char *name)
{
	const struct cfg_entry *e = cfg_lookup(c, name);
	return e ? e->value : NULL;
}

void cfg_set(struct cfg *c, const char *name, const char *value, const char *file,
	     unsigned line)
{
	struct cfg_entry *e = (struct cfg_entry *)cfg_lookup_local(c, name);
	if (e != NULL) {
		/* Copy first: value or file may point into the entry itself. */
		char *v = xstrdup(value);
		char *f = file ? xstrdup(file) : NULL;
		free(e->value);
		free(e->file);
		e->value = v;
		e->file = f;
		e->line = line;
		return;
	}
	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 16;
		c->entries = xreallocarray(c->entries, c->cap, sizeof(*c->entries));
	}
	e = &c->entries[c->n++];
	e->name = xstrdup(name);
	e->value = xstrdup(value);
	e->file = file ? xstrdup(file) : NULL;
	e->line = line;
	if (2 * c->n >= c->index_cap)
		cfg_grow_index(c);
	else
		c->index[cfg_slot(c, name)] = c->n;
}

size_t cfg_count(const struct cfg *c)
{
	return c->n;
}

const struct cfg_entry *cfg_entry_at(const struct cfg *c, size_t i)
{
	return i < c->n ? &c->entries[i] : NULL;
}
