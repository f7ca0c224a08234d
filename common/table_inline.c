/* table_inline.c: "inline:{ key=value, { key = text with spaces } }" tables
 * (postconf(5)), and the "{ {rule}, {rule} }" body that cidr:, pcre: and
 * regexp: accept in place of a file name (Postfix 3.7).
 *
 * The body is a list of items separated by commas and/or white space, where
 * braces group: "a={b c}" is one item. An item in braces loses them and the
 * white space just inside them. As in Postfix, inline keys are folded to
 * lower case and a repeated key takes the last value.
 */
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "table.h"
#include "table_dict.h"
#include "table_private.h"
#include "table_text.h"

/* table_inline_close: the "}" matching the "{" at s, or NULL. */
static const char *table_inline_close(const char *s)
{
	int depth = 0;
	for (; *s != '\0'; s++) {
		if (*s == '{')
			depth++;
		else if (*s == '}' && --depth == 0)
			return s;
	}
	return NULL;
}

int table_inline_unbrace(const char *s, size_t len, char **inner_r, char **error_r)
{
	char *copy = xstrndup(s, len);
	const char *close = copy[0] == '{' ? table_inline_close(copy) : NULL;
	if (close == NULL || close[1] != '\0') {
		*error_r = xasprintf("\"%s\": expected text in braces, as in {text}", copy);
		free(copy);
		return -1;
	}
	const char *start = table_skip_space(copy + 1);
	const char *end = close;
	while (end > start && table_is_space((unsigned char)end[-1]))
		end--;
	*inner_r = xstrndup(start, (size_t)(end - start));
	free(copy);
	return 1;
}

static int table_inline_is_sep(char c)
{
	return c == ',' || table_is_space((unsigned char)c);
}

/* table_inline_items: split a "{ item, item ... }" body into items, braces
 * of braced items removed; with braced non-zero every item must be in
 * braces. Returns the number of items (at least one) with *items_r (free
 * each, then the array), or -1 with *error_r. */
static int table_inline_items(const char *body, int braced, char ***items_r, char **error_r)
{
	char *list;
	if (table_inline_unbrace(body, strlen(body), &list, error_r) < 0)
		return -1;
	char **items = NULL;
	int n = 0;
	const char *p = list;
	for (;;) {
		while (table_inline_is_sep(*p))
			p++;
		if (*p == '\0')
			break;
		const char *start = p;
		int depth = 0;
		for (; *p != '\0' && (depth > 0 || !table_inline_is_sep(*p)); p++) {
			if (*p == '{')
				depth++;
			else if (*p == '}')
				depth--;
			if (depth < 0)
				break;
		}
		char *item = NULL;
		if (depth != 0)
			*error_r = xasprintf("\"%s\": unbalanced braces", body);
		else if (*start != '{' && braced)
			*error_r = xasprintf("\"%.*s\": expected a rule in braces, as in {rule}",
					     (int)(p - start), start);
		else if (*start != '{')
			item = xstrndup(start, (size_t)(p - start));
		else if (table_inline_unbrace(start, (size_t)(p - start), &item, error_r) < 0)
			item = NULL;
		if (item == NULL) {
			while (n > 0)
				free(items[--n]);
			free(items);
			free(list);
			return -1;
		}
		items = xreallocarray(items, (size_t)n + 1, sizeof(*items));
		items[n++] = item;
	}
	free(list);
	if (n == 0) {
		*error_r = xasprintf("\"%s\": empty list", body);
		return -1;
	}
	*items_r = items;
	return n;
}

static void table_inline_items_free(char **items, int n)
{
	for (int i = 0; i < n; i++)
		free(items[i]);
	free(items);
}

int table_inline_rules(const char *body, char **text_r, char **error_r)
{
	char **items;
	int n = table_inline_items(body, 1, &items, error_r);
	if (n < 0)
		return -1;
	struct buf text;
	buf_init(&text, 0);
	for (int i = 0; i < n; i++) {
		buf_append_str(&text, items[i]);
		buf_append_char(&text, '\n');
	}
	table_inline_items_free(items, n);
	*text_r = buf_detach(&text);
	buf_deinit(&text);
	return 1;
}

/* table_inline_pair: split "name = value" into dict; 1 ok, -1 error. */
static int table_inline_pair(struct table_dict *dict, const char *item, int flags, char **error_r)
{
	size_t nlen = 0;
	while (item[nlen] != '\0' && item[nlen] != '=' &&
	       !table_is_space((unsigned char)item[nlen]))
		nlen++;
	const char *eq = table_skip_space(item + nlen);
	if (*eq != '=' || nlen == 0) {
		*error_r = xasprintf("\"%s\": expected name=value", item);
		return -1;
	}
	char *key = xstrndup(item, nlen);
	if (!(flags & TABLE_NO_FOLD))
		table_fold(key);
	table_dict_put(dict, key, table_skip_space(eq + 1), 1);
	free(key);
	return 1;
}

static int table_inline_parse(const char *origin, const char *text, size_t len, int flags,
			      void **data_r, char **error_r)
{
	char **items;
	char *error = NULL;
	int n = table_inline_items(text, 0, &items, &error);
	struct table_dict *dict = table_dict_new();
	for (int i = 0; i < n && error == NULL; i++)
		table_inline_pair(dict, items[i], flags, &error);
	if (n > 0)
		table_inline_items_free(items, n);
	if (error != NULL) {
		*error_r = xasprintf("%s: %s", origin, error);
		free(error);
		table_dict_free(&dict);
		return -1;
	}
	*data_r = dict;
	return 1;
}

const struct table_ops table_ops_inline = {
    .parse = table_inline_parse,
    .lookup = table_dict_lookup,
    .free = table_dict_release,
};
