/* table_static.c: "static:value" tables (postconf(5)): every lookup finds
 * the same value, the whole rest of the spec, or the text inside
 * "static:{ ... }" without the white space just inside the braces. */
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "table_private.h"

static int table_static_parse(const char *origin, const char *text, size_t len, int flags,
			      void **data_r, char **error_r)
{
	if (len == 0) {
		*error_r =
		    xasprintf("%s: missing value: use static:value or static:{text}", origin);
		return -1;
	}
	if (text[0] != '{') {
		*data_r = xstrndup(text, len);
		return 1;
	}
	char *inner, *error;
	if (table_inline_unbrace(text, len, &inner, &error) < 0) {
		*error_r = xasprintf("%s: %s", origin, error);
		free(error);
		return -1;
	}
	*data_r = inner;
	return 1;
}

static int table_static_lookup(const void *data, const char *key, char **value_r, char **error_r)
{
	*value_r = xstrdup(data);
	return 1;
}

const struct table_ops table_ops_static = {
    .parse = table_static_parse,
    .lookup = table_static_lookup,
    .free = free,
};
