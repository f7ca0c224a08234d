/* table_dict.h: a string-to-string hash map for the fixed-string tables
 * (texthash and its aliases, inline). Built once while a table is parsed,
 * read-only afterwards, so concurrent table_dict_get() calls are safe.
 */
#ifndef POSTERN_TABLE_DICT_H
#define POSTERN_TABLE_DICT_H

struct table_dict;

/* table_dict_new: an empty map; free with table_dict_free(). */
struct table_dict *table_dict_new(void);
/* table_dict_free: release *dict_r and set it to NULL; accepts NULL. */
void table_dict_free(struct table_dict **dict_r);

/* table_dict_put: store copies of key and value. Returns 1 when the key
 * was new, 0 when it was already there: then the value is replaced if
 * replace is non-zero, kept otherwise. */
int table_dict_put(struct table_dict *dict, const char *key, const char *value, int replace);

/* table_dict_get: the value stored for key (owned by the map), or NULL. */
const char *table_dict_get(const struct table_dict *dict, const char *key);

/* table_dict_lookup, table_dict_release: struct table_ops lookup and free
 * functions for back-ends whose contents are a struct table_dict. */
int table_dict_lookup(const void *dict, const char *key, char **value_r, char **error_r);
void table_dict_release(void *dict);

#endif
