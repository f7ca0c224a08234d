/* cfg_list.c: split Postfix list values, keeping { } groups (see cfg_list.h). */
#include "cfg_list.h"

#include <stdlib.h>
#include <string.h>

#include "mem.h"

#define CFG_LIST_SEP ", \t\r\n"
#define CFG_SPACE " \t\r\n\v\f"

int cfg_list_split(const char *value, char ***items_r, size_t *n_r, char **error_r)
{
	return cfg_split_at(value, CFG_LIST_SEP, items_r, n_r, error_r);
}

int cfg_split_at(const char *value, const char *separators, char ***items_r, size_t *n_r,
		 char **error_r)
{
	char **items = xcalloc(1, sizeof(*items));
	size_t n = 0;
	const char *p = value;
	for (;;) {
		p += strspn(p, separators);
		if (*p == '\0')
			break;
		const char *start = p;
		int level = 0;
		for (; *p != '\0'; p++) {
			if (*p == '{') {
				level++;
			} else if (*p == '}') {
				if (--level < 0) {
					*error_r = xasprintf("unexpected \"}\" in \"%s\"", value);
					goto fail;
				}
			} else if (level == 0 && strchr(separators, *p) != NULL) {
				break;
			}
		}
		if (level > 0) {
			*error_r = xasprintf("missing \"}\" in \"%s\"", value);
			goto fail;
		}
		items = xreallocarray(items, n + 2, sizeof(*items));
		items[n++] = xstrndup(start, (size_t)(p - start));
		items[n] = NULL;
	}
	*items_r = items;
	if (n_r != NULL)
		*n_r = n;
	return 1;
fail:
	cfg_list_free(&items);
	return -1;
}

void cfg_list_free(char ***itemsp)
{
	if (itemsp == NULL || *itemsp == NULL)
		return;
	for (char **i = *itemsp; *i != NULL; i++)
		free(*i);
	FREE_AND_NULL(*itemsp);
}

int cfg_unbrace(const char *text, char **inner_r, char **error_r)
{
	const char *p = text + strspn(text, CFG_SPACE);
	if (*p != '{') {
		*inner_r = xstrdup(text);
		return 0;
	}
	int level = 0;
	const char *q = p;
	for (; *q != '\0'; q++) {
		if (*q == '{')
			level++;
		else if (*q == '}' && --level == 0)
			break;
	}
	if (*q == '\0') {
		*error_r = xasprintf("missing \"}\" in \"%s\"", text);
		return -1;
	}
	if (q[1 + strspn(q + 1, CFG_SPACE)] != '\0') {
		*error_r = xasprintf("text after \"}\" in \"%s\"", text);
		return -1;
	}
	const char *start = p + 1 + strspn(p + 1, CFG_SPACE);
	const char *end = q;
	while (end > start && strchr(CFG_SPACE, end[-1]) != NULL)
		end--;
	*inner_r = xstrndup(start, (size_t)(end - start));
	return 1;
}
