/* fuzz_table.h: what the table fuzz targets share. The input's first line
 * is a lookup key, the rest is the text of a table of one type; the table
 * is parsed, and when it parses, the key and a few fixed keys are looked
 * up. Any crash, leak or sanitizer report is a bug. */
#ifndef POSTERN_FUZZ_TABLE_H
#define POSTERN_FUZZ_TABLE_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "table.h"

static inline void fuzz_table_lookup(struct table *table, const char *key)
{
	char *value = NULL, *error = NULL;
	table_lookup(table, key, &value, &error);
	free(value);
	free(error);
}

static inline int fuzz_table_run(const char *type, const uint8_t *data, size_t size,
				 const char *const *keys)
{
	const char *text = (const char *)data;
	const char *nl = memchr(text, '\n', size);
	size_t klen = nl != NULL ? (size_t)(nl - text) : 0;
	struct table *table;
	char *error = NULL;
	if (table_open_buffer(type, "fuzz", text + klen, size - klen, 0, &table, &error) < 0) {
		free(error);
		return 0;
	}
	char *key = strndup(text, klen);
	if (key != NULL)
		fuzz_table_lookup(table, key);
	free(key);
	for (; *keys != NULL; keys++)
		fuzz_table_lookup(table, *keys);
	table_free(&table);
	return 0;
}

#endif
