/* cfg_diag.c: a list of findings about configuration files (see cfg_diag.h). */
#include "cfg_diag.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"

void cfg_diags_init(struct cfg_diags *d)
{
	d->items = NULL;
	d->n = d->cap = 0;
}

void cfg_diags_deinit(struct cfg_diags *d)
{
	for (size_t i = 0; i < d->n; i++) {
		free(d->items[i].file);
		free(d->items[i].text);
	}
	FREE_AND_NULL(d->items);
	d->n = d->cap = 0;
}

void cfg_diag_add(struct cfg_diags *d, enum cfg_severity severity, const char *file,
		  unsigned line, const char *fmt, ...)
{
	d->items = xgrowarray(d->items, &d->cap, d->n, sizeof(*d->items));
	struct cfg_diag *diag = &d->items[d->n++];
	va_list ap;
	va_start(ap, fmt);
	diag->text = xvasprintf(fmt, ap);
	va_end(ap);
	diag->severity = severity;
	diag->file = file ? xstrdup(file) : NULL;
	diag->line = line;
}

size_t cfg_diags_count(const struct cfg_diags *d, enum cfg_severity severity)
{
	size_t n = 0;
	for (size_t i = 0; i < d->n; i++)
		if (d->items[i].severity == severity)
			n++;
	return n;
}

static const char *cfg_severity_name(enum cfg_severity severity)
{
	switch (severity) {
	case CFG_NOTE:
		return "note";
	case CFG_WARNING:
		return "warning";
	case CFG_ERROR:
		return "error";
	}
	return "?";
}

/* cfg_diag_where: "file:line: ", "file: " or "" */
static char *cfg_diag_where(const struct cfg_diag *diag)
{
	if (diag->file == NULL)
		return xstrdup("");
	if (diag->line == 0)
		return xasprintf("%s: ", diag->file);
	return xasprintf("%s:%u: ", diag->file, diag->line);
}

char *cfg_diag_format(const struct cfg_diag *diag)
{
	char *where = cfg_diag_where(diag);
	char *s = xasprintf("%s%s: %s", where, cfg_severity_name(diag->severity), diag->text);
	free(where);
	return s;
}

char *cfg_diags_first_error(const struct cfg_diags *d, size_t from)
{
	for (size_t i = from; i < d->n; i++) {
		if (d->items[i].severity != CFG_ERROR)
			continue;
		char *where = cfg_diag_where(&d->items[i]);
		char *s = xasprintf("%s%s", where, d->items[i].text);
		free(where);
		return s;
	}
	return NULL;
}

/* Sorting key: rank of the file (first appearance), line, original index. */
struct cfg_diag_key {
	size_t file_rank;
	unsigned line;
	size_t index;
};

static int cfg_diag_key_cmp(const void *a, const void *b)
{
	const struct cfg_diag_key *x = a, *y = b;
	if (x->file_rank != y->file_rank)
		return x->file_rank < y->file_rank ? -1 : 1;
	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

void cfg_diags_sort(struct cfg_diags *d)
{
	if (d->n < 2)
		return;
	struct cfg_diag_key *keys = xcalloc(d->n, sizeof(*keys));
	for (size_t i = 0; i < d->n; i++) {
		/* Findings without a file come first, then files in order. */
		size_t rank = 0;
		if (d->items[i].file != NULL) {
			rank = i + 1;
			for (size_t j = 0; j < i; j++) {
				if (d->items[j].file &&
				    strcmp(d->items[j].file, d->items[i].file) == 0) {
					rank = keys[j].file_rank;
					break;
				}
			}
		}
		keys[i] = (struct cfg_diag_key){ rank, d->items[i].line, i };
	}
	qsort(keys, d->n, sizeof(*keys), cfg_diag_key_cmp);
	struct cfg_diag *sorted = xcalloc(d->n, sizeof(*sorted));
	for (size_t i = 0; i < d->n; i++)
		sorted[i] = d->items[keys[i].index];
	free(d->items);
	d->items = sorted;
	d->cap = d->n;
	free(keys);
}
