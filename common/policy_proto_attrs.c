/* policy_proto_attrs.c: the ordered name=value lists of the policy
 * delegation protocol (see policy_proto.h). Names are found through an
 * open-addressing hash index (linear probing), so that building a list of
 * n attributes, duplicate check included, is linear in n. The names and
 * values are copied into a few blocks that the list owns (a request's
 * attributes fit in the first), not one allocation each. */
#include "policy_proto.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"

#define BLOCK_SIZE 2048 /* a Postfix request's attributes fit in one */

struct policy_attrs_block {
	struct policy_attrs_block *next;
	size_t used, size;
	char data[];
};

/* copy_in: room for len bytes in a's blocks (they never move). */
static char *copy_in(struct policy_attrs *a, size_t len)
{
	struct policy_attrs_block *b = a->blocks_;
	if (b == NULL || b->size - b->used < len) {
		size_t size = len > BLOCK_SIZE ? len : BLOCK_SIZE;
		b = xmalloc(sizeof(*b) + size);
		b->used = 0;
		b->size = size;
		b->next = a->blocks_;
		a->blocks_ = b;
	}
	char *p = b->data + b->used;
	b->used += len;
	return p;
}

struct policy_attrs *policy_attrs_new(void)
{
	return xcalloc(1, sizeof(struct policy_attrs));
}

void policy_attrs_free(struct policy_attrs **ap)
{
	if (ap == NULL || *ap == NULL)
		return;
	for (struct policy_attrs_block *b = (*ap)->blocks_, *next; b != NULL; b = next) {
		next = b->next;
		free(b);
	}
	free((*ap)->v);
	free((*ap)->slots_);
	FREE_AND_NULL(*ap);
}

static size_t name_hash(const char *s)
{
	uint64_t h = 1469598103934665603ull; /* FNV-1a */
	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return (size_t)h;
}

/* find_slot: the slot that holds name, or the empty slot where it would
 * go; the index is never full (at most half its slots are used). */
static size_t *find_slot(const struct policy_attrs *a, const char *name)
{
	size_t mask = a->n_slots_ - 1;
	for (size_t i = name_hash(name) & mask;; i = (i + 1) & mask) {
		size_t *slot = &a->slots_[i];
		if (*slot == 0 || strcmp(a->v[*slot - 1].name, name) == 0)
			return slot;
	}
}

/* grow_index: room for one more name. */
static void grow_index(struct policy_attrs *a)
{
	if (2 * (a->count + 1) <= a->n_slots_)
		return;
	free(a->slots_);
	a->n_slots_ = a->n_slots_ ? a->n_slots_ * 2 : 64;
	a->slots_ = xcalloc(a->n_slots_, sizeof(*a->slots_));
	for (size_t i = 0; i < a->count; i++)
		*find_slot(a, a->v[i].name) = i + 1;
}

const char *policy_attrs_get(const struct policy_attrs *a, const char *name)
{
	if (a->count == 0)
		return NULL;
	size_t slot = *find_slot(a, name);
	return slot != 0 ? a->v[slot - 1].value : NULL;
}

int policy_attrs_add(struct policy_attrs *a, const char *name, const char *value, char **error_r)
{
	if (*name == '\0') {
		*error_r = xstrdup("empty attribute name");
		return -1;
	}
	if (strpbrk(name, "=\r\n") != NULL) {
		*error_r = xasprintf("attribute name \"%.100s\" holds '=', CR or LF", name);
		return -1;
	}
	if (strpbrk(value, "\r\n") != NULL) {
		*error_r = xasprintf("value of attribute \"%.100s\" holds CR or LF", name);
		return -1;
	}
	grow_index(a);
	size_t *slot = find_slot(a, name);
	if (*slot != 0) {
		*error_r = xasprintf("duplicate attribute \"%.100s\"", name);
		return -1;
	}
	if (a->count == a->size_) {
		a->size_ = a->size_ ? a->size_ * 2 : 32;
		a->v = xreallocarray(a->v, a->size_, sizeof(*a->v));
	}
	/* the name, a NUL, the value */
	size_t name_len = strlen(name), value_len = strlen(value);
	char *copy = copy_in(a, name_len + value_len + 2);
	memcpy(copy, name, name_len + 1);
	memcpy(copy + name_len + 1, value, value_len + 1);
	a->v[a->count].name = copy;
	a->v[a->count].value = copy + name_len + 1;
	*slot = ++a->count;
	return 1;
}
