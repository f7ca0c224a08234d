/* table_texthash.c: the "key value" text format of postmap(1), for
 * texthash: and for hash:, btree: and the other indexed types, which
 * Postern reads from their source file rather than from the .db.
 *
 * As postmap does: keys are folded to lower case (unless TABLE_NO_FOLD),
 * a duplicate key keeps its first value with a warning. Where postmap only
 * warns and skips a line without a value, Postern refuses the table.
 */
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "mem.h"
#include "table.h"
#include "table_dict.h"
#include "table_private.h"
#include "table_text.h"

static int table_texthash_parse(const char *origin, const char *text, size_t len, int flags,
				void **data_r, char **error_r)
{
	struct table_dict *dict = table_dict_new();
	struct table_text tt;
	const char *line;
	size_t lineno;
	int rc;

	table_text_init(&tt, origin, text, len);
	while ((rc = table_text_next(&tt, &line, &lineno, error_r)) > 0) {
		size_t klen = 0;
		while (line[klen] != '\0' && !table_is_space((unsigned char)line[klen]))
			klen++;
		const char *value = table_skip_space(line + klen);
		if (*value == '\0') {
			*error_r = table_text_error(
			    origin, lineno, "expected format: key whitespace value: \"%s\"", line);
			rc = -1;
			break;
		}
		char *key = xstrndup(line, klen);
		if (!(flags & TABLE_NO_FOLD))
			table_fold(key);
		if (table_dict_put(dict, key, value, 0) == 0)
			log_warn("%s:%zu: duplicate entry \"%s\": keeping the first value", origin,
				 lineno, key);
		free(key);
	}
	table_text_deinit(&tt);
	if (rc < 0) {
		table_dict_free(&dict);
		return -1;
	}
	*data_r = dict;
	return 1;
}

const struct table_ops table_ops_texthash = {
    .ops_flags = TABLE_OPS_FILE,
    .parse = table_texthash_parse,
    .lookup = table_dict_lookup,
    .free = table_dict_release,
};
