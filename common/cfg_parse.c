/* cfg_parse.c: main.cf syntax into a cfg layer (see cfg_parse.h). */
#include "cfg_parse.h"

#include <stdlib.h>
#include <string.h>

#include "cfg_lines.h"
#include "mem.h"

struct cfg_parser {
	struct cfg *cfg;
	char *file;
	struct cfg_diags *diags;
	size_t first_diag; /* findings before this index are not ours */
	struct cfg_lines lines;
};

static int cfg_is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

int cfg_split_nameval(const char *text, char **name_r, char **value_r, char **error_r)
{
	const char *p = text;
	while (cfg_is_space(*p))
		p++;
	const char *name = p;
	while (*p != '\0' && *p != '=' && !cfg_is_space(*p))
		p++;
	size_t name_len = (size_t)(p - name);
	if (name_len == 0) {
		*error_r = xasprintf("missing parameter name before \"=\": \"%s\"", text);
		return -1;
	}
	while (cfg_is_space(*p))
		p++;
	if (*p != '=') {
		*error_r = xasprintf("missing \"=\" after parameter name: \"%s\"", text);
		return -1;
	}
	p++;
	while (cfg_is_space(*p))
		p++;
	const char *end = p + strlen(p);
	while (end > p && cfg_is_space(end[-1]))
		end--;
	*name_r = xstrndup(name, name_len);
	*value_r = xstrndup(p, (size_t)(end - p));
	return 1;
}

/* cfg_parser_line: one logical line of main.cf. */
static void cfg_parser_line(void *ctx, const char *line, size_t len, unsigned lineno)
{
	struct cfg_parser *p = ctx;
	char *name, *value, *error;
	(void)len;
	if (cfg_split_nameval(line, &name, &value, &error) < 0) {
		cfg_diag_add(p->diags, CFG_ERROR, p->file, lineno, "%s", error);
		free(error);
		return;
	}
	const struct cfg_entry *old = cfg_lookup_local(p->cfg, name);
	if (old != NULL) {
		if (old->file != NULL && strcmp(old->file, p->file) == 0)
			cfg_diag_add(p->diags, CFG_WARNING, p->file, lineno,
				     "overriding earlier entry: %s=%s (line %u)", name, old->value,
				     old->line);
		else
			cfg_diag_add(p->diags, CFG_WARNING, p->file, lineno,
				     "overriding earlier entry: %s=%s", name, old->value);
	}
	cfg_set(p->cfg, name, value, p->file, lineno);
	free(name);
	free(value);
}

struct cfg_parser *cfg_parser_new(struct cfg *c, const char *file, struct cfg_diags *diags)
{
	struct cfg_parser *p = xcalloc(1, sizeof(*p));
	p->cfg = c;
	p->file = xstrdup(file);
	p->diags = diags;
	p->first_diag = diags->n;
	cfg_lines_init(&p->lines, p->file, 0, diags, cfg_parser_line, p);
	return p;
}

void cfg_parser_feed(struct cfg_parser *p, const char *data, size_t len)
{
	cfg_lines_feed(&p->lines, data, len);
}

int cfg_parser_finish(struct cfg_parser *p, char **error_r)
{
	cfg_lines_finish(&p->lines);
	char *error = cfg_diags_first_error(p->diags, p->first_diag);
	if (error == NULL)
		return 1;
	*error_r = error;
	return -1;
}

void cfg_parser_free(struct cfg_parser **pp)
{
	if (pp == NULL || *pp == NULL)
		return;
	cfg_lines_deinit(&(*pp)->lines);
	free((*pp)->file);
	FREE_AND_NULL(*pp);
}

int cfg_parse_buf(struct cfg *c, const char *file, const char *data, size_t len,
		  struct cfg_diags *diags, char **error_r)
{
	struct cfg_parser *p = cfg_parser_new(c, file, diags);
	cfg_parser_feed(p, data, len);
	int rc = cfg_parser_finish(p, error_r);
	cfg_parser_free(&p);
	return rc;
}

/* cfg_parser_feed_cb: cfg_parser_feed() in the shape cfg_read_file() calls. */
static void cfg_parser_feed_cb(void *ctx, const char *data, size_t len)
{
	cfg_parser_feed(ctx, data, len);
}

int cfg_load_file(struct cfg *c, const char *path, struct cfg_diags *diags, char **error_r)
{
	struct cfg_parser *p = cfg_parser_new(c, path, diags);
	int rc = cfg_read_file(path, cfg_parser_feed_cb, p, error_r);
	if (rc > 0)
		rc = cfg_parser_finish(p, error_r);
	cfg_parser_free(&p);
	return rc;
}
