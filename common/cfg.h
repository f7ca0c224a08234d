/* cfg.h: a configuration in the Postfix main.cf model.
 *
 * A struct cfg is one layer of named string values ("name = value"); each
 * value remembers the file and line that set it. Layers stack: a lookup
 * tries the layer itself, then its parent, and so on, which is how Postern
 * builds what a Postfix service sees:
 *
 *     built-in defaults  <-  main.cf (postern.cf)  <-  -o overrides
 *
 * (cfg_new(defaults) for main.cf, cfg_new(main) for one master.cf service
 * or the command line). Values are stored as written, unexpanded; see
 * cfg_expand.h for $name expansion and cfg_parse.h for reading files.
 * A layer is not thread-safe while it is being changed; once loaded it is
 * read-only and may be shared.
 */
#ifndef POSTERN_CFG_H
#define POSTERN_CFG_H

#include <stddef.h>

struct cfg;

struct cfg_entry {
	char *name;    /* owned by the layer */
	char *value;   /* owned by the layer; never NULL */
	char *file;    /* owned; NULL when not from a file (built-in, command line) */
	unsigned line; /* line in file where the definition starts; 0 if none */
};

/* cfg_new: an empty layer above parent (NULL for a bottom layer). The
 * parent is not owned and must outlive the new layer. */
struct cfg *cfg_new(const struct cfg *parent);
/* cfg_free: release *cp (not its parent) and set it to NULL; accepts NULL. */
void cfg_free(struct cfg **cp);
/* cfg_parent: the layer below, or NULL. */
const struct cfg *cfg_parent(const struct cfg *c);

/* cfg_set: define name = value in this layer; a later definition of the
 * same name replaces the earlier one (Postfix: the last one wins). file may
 * be NULL; strings are copied. */
void cfg_set(struct cfg *c, const char *name, const char *value, const char *file,
	     unsigned line);

/* cfg_lookup_local: the entry for name in this layer only, or NULL. The
 * entry stays valid until the layer is changed or freed. */
const struct cfg_entry *cfg_lookup_local(const struct cfg *c, const char *name);
/* cfg_lookup: the entry for name in this layer or the nearest layer below
 * that has one, or NULL. */
const struct cfg_entry *cfg_lookup(const struct cfg *c, const char *name);
/* cfg_get: the unexpanded value of name as cfg_lookup finds it, or NULL
 * when no layer defines it. */
const char *cfg_get(const struct cfg *c, const char *name);

/* cfg_count/cfg_entry_at: the entries of this layer only, in the order of
 * their first definition (0 <= i < cfg_count). */
size_t cfg_count(const struct cfg *c);
const struct cfg_entry *cfg_entry_at(const struct cfg *c, size_t i);

#endif
