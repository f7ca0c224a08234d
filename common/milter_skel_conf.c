/* milter_skel_conf.c: load a filter daemon's settings from its table (see
 * milter_skel_conf.h): three cfg layers (defaults, file, -o), a check for
 * names no table declares, and typed conversion into the daemon's structs.
 * The only pointer arithmetic is base + offset, in conf_slot().
 */
#include "milter_skel_conf.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "cfg.h"
#include "cfg_expand.h"
#include "cfg_list.h"
#include "cfg_parse.h"
#include "cfg_value.h"
#include "log.h"
#include "mem.h"

/* The three layers: defaults <- file <- overrides (top). */
struct conf_layers {
	struct cfg *defs;
	struct cfg *file;
	struct cfg *top;
};

/* Names that some value refers to with $name. */
struct conf_refs {
	char **names;
	size_t n;
};

static void *conf_slot(const struct milter_skel_param *p, void *base)
{
	return (char *)base + p->offset;
}

const struct milter_skel_param *milter_skel_conf_find(const struct milter_skel_section *secs,
						      size_t n_secs, const char *name,
						      const struct milter_skel_section **sec_r)
{
	for (size_t s = 0; s < n_secs; s++)
		for (size_t i = 0; i < secs[s].n; i++)
			if (strcmp(secs[s].params[i].name, name) == 0) {
				if (sec_r != NULL)
					*sec_r = &secs[s];
				return &secs[s].params[i];
			}
	return NULL;
}

/* conf_choice: the index of word in the space-separated choices, or -1. */
static int conf_choice(const char *choices, const char *word)
{
	size_t wlen = strlen(word);
	int idx = 0;
	for (const char *c = choices; *c != '\0'; idx++) {
		size_t len = strcspn(c, " ");
		if (len == wlen && strncasecmp(c, word, len) == 0)
			return idx;
		c += len;
		c += strspn(c, " ");
	}
	return -1;
}

/* conf_allowed_list: "a, b or c": the choices p accepts, for messages. */
static char *conf_allowed_list(const struct milter_skel_param *p)
{
	struct buf out;
	buf_init(&out, 0);
	int idx = 0;
	for (const char *c = p->choices; *c != '\0'; idx++) {
		size_t len = strcspn(c, " ");
		if (p->allowed == 0 || (p->allowed & (1u << idx)) != 0)
			buf_printf(&out, "%s%.*s", out.len > 0 ? ", " : "", (int)len, c);
		c += len;
		c += strspn(c, " ");
	}
	char *text = buf_detach(&out);
	buf_deinit(&out);
	return text;
}

static int conf_enum(const struct milter_skel_param *p, const char *value, int *r, char **error_r)
{
	int idx = conf_choice(p->choices, value);
	if (idx < 0 || (p->allowed != 0 && (p->allowed & (1u << idx)) == 0)) {
		char *list = conf_allowed_list(p);
		*error_r = xasprintf("\"%s\": expected one of %s", value, list);
		free(list);
		return -1;
	}
	*r = idx;
	return 1;
}

static int conf_octal(const struct milter_skel_param *p, const char *value, unsigned *r,
		      char **error_r)
{
	char *end;
	if (value[0] < '0' || value[0] > '7')
		goto bad;
	unsigned long v = strtoul(value, &end, 8);
	if (*end != '\0' || v > (unsigned long)p->max)
		goto bad;
	*r = (unsigned)v;
	return 1;
bad:
	*error_r = xasprintf("\"%s\": expected an octal mode from 0 to %llo", value, p->max);
	return -1;
}

static int conf_range(const struct milter_skel_param *p, const char *value, long long v,
		      char **error_r)
{
	if (v < p->min || v > p->max) {
		*error_r = xasprintf("\"%s\": must be from %lld to %lld", value, p->min, p->max);
		return -1;
	}
	return 1;
}

int milter_skel_conf_value(const struct milter_skel_param *p, void *base, const char *value,
			   char **error_r)
{
	void *slot = conf_slot(p, base);
	long long v;
	switch (p->type) {
	case MILTER_PARAM_STRING:
		free(*(char **)slot);
		*(char **)slot = xstrdup(value);
		return 1;
	case MILTER_PARAM_LIST: {
		char **items;
		if (cfg_list_split(value, &items, NULL, error_r) < 0)
			return -1;
		cfg_list_free((char ***)slot);
		*(char ***)slot = items;
		return 1;
	}
	case MILTER_PARAM_BOOL:
		return cfg_value_bool(value, (int *)slot, error_r);
	case MILTER_PARAM_INT:
		return cfg_value_int(value, p->min, p->max, (long long *)slot, error_r);
	case MILTER_PARAM_SIZE:
		if (cfg_value_size(value, &v, error_r) < 0 || conf_range(p, value, v, error_r) < 0)
			return -1;
		*(long long *)slot = v;
		return 1;
	case MILTER_PARAM_TIME:
		return cfg_value_time(value, p->unit, (long long *)slot, error_r);
	case MILTER_PARAM_ENUM:
		return conf_enum(p, value, (int *)slot, error_r);
	case MILTER_PARAM_OCTAL:
		return conf_octal(p, value, (unsigned *)slot, error_r);
	}
	log_panic("milter_skel_conf_value: %s: unknown type %d", p->name, (int)p->type);
}

void milter_skel_conf_release(const struct milter_skel_section *secs, size_t n_secs)
{
	for (size_t s = 0; s < n_secs; s++)
		for (size_t i = 0; i < secs[s].n; i++) {
			const struct milter_skel_param *p = &secs[s].params[i];
			if (p->type == MILTER_PARAM_STRING)
				FREE_AND_NULL(*(char **)conf_slot(p, secs[s].base));
			else if (p->type == MILTER_PARAM_LIST)
				cfg_list_free((char ***)conf_slot(p, secs[s].base));
		}
}

static void conf_layers_free(struct conf_layers *l)
{
	cfg_free(&l->top);
	cfg_free(&l->file);
	cfg_free(&l->defs);
}

/* conf_layers_build: the default layer from the tables, the file above it
 * (when path is not NULL) and the overrides on top. 1, or -1 when the file
 * could not be read or parsed (problems in diags). */
static int conf_layers_build(struct conf_layers *l, const char *path,
			     const struct cli_override *overrides, size_t n_overrides,
			     const struct milter_skel_section *secs, size_t n_secs,
			     struct cfg_diags *diags)
{
	int ok = 1;
	l->defs = cfg_new(NULL);
	for (size_t s = 0; s < n_secs; s++)
		for (size_t i = 0; i < secs[s].n; i++)
			cfg_set(l->defs, secs[s].params[i].name, secs[s].params[i].def, NULL, 0);
	l->file = cfg_new(l->defs);
	if (path != NULL) {
		char *error = NULL;
		int rc = cfg_load_file(l->file, path, diags, &error);
		if (rc == 0)
			cfg_diag_add(diags, CFG_ERROR, path, 0, "no such file");
		else if (rc < 0 && error != NULL && cfg_diags_count(diags, CFG_ERROR) == 0)
			cfg_diag_add(diags, CFG_ERROR, NULL, 0, "%s", error);
		free(error);
		ok = rc > 0 ? 1 : -1;
	}
	l->top = cfg_new(l->file);
	for (size_t i = 0; i < n_overrides; i++)
		cfg_set(l->top, overrides[i].name, overrides[i].value, NULL, 0);
	return ok;
}

static void conf_ref_add(void *ctx, const char *name)
{
	struct conf_refs *refs = ctx;
	refs->names = xreallocarray(refs->names, refs->n + 1, sizeof(*refs->names));
	refs->names[refs->n++] = xstrdup(name);
}

static int conf_refs_has(const struct conf_refs *refs, const char *name)
{
	for (size_t i = 0; i < refs->n; i++)
		if (strcmp(refs->names[i], name) == 0)
			return 1;
	return 0;
}

/* conf_scan_layer: add every $name that the values of layer c refer to. */
static void conf_scan_layer(const struct cfg *c, struct conf_refs *refs)
{
	for (size_t i = 0; i < cfg_count(c); i++) {
		char *error = NULL;
		/* A syntax error is reported when the value is expanded. */
		cfg_expand_scan(cfg_entry_at(c, i)->value, conf_ref_add, refs, &error);
		free(error);
	}
}

/* conf_check_unknown: a name that no table declares and no value refers
 * to is an error where it is set. */
static void conf_check_unknown(const struct conf_layers *l, const struct milter_skel_section *secs,
			       size_t n_secs, struct cfg_diags *diags)
{
	struct conf_refs refs = {0};
	const struct cfg *layers[] = {l->defs, l->file, l->top};
	for (size_t k = 0; k < 3; k++)
		conf_scan_layer(layers[k], &refs);
	for (size_t k = 1; k < 3; k++)
		for (size_t i = 0; i < cfg_count(layers[k]); i++) {
			const struct cfg_entry *e = cfg_entry_at(layers[k], i);
			if (milter_skel_conf_find(secs, n_secs, e->name, NULL) != NULL ||
			    conf_refs_has(&refs, e->name))
				continue;
			if (e->file != NULL)
				cfg_diag_add(diags, CFG_ERROR, e->file, e->line,
					     "unknown parameter \"%s\"", e->name);
			else
				cfg_diag_add(diags, CFG_ERROR, NULL, 0, "-o %s: unknown parameter",
					     e->name);
		}
	for (size_t i = 0; i < refs.n; i++)
		free(refs.names[i]);
	free(refs.names);
}

/* conf_fill: expand and convert every parameter of every section. */
static void conf_fill(const struct conf_layers *l, const struct milter_skel_section *secs,
		      size_t n_secs, struct cfg_diags *diags)
{
	for (size_t s = 0; s < n_secs; s++)
		for (size_t i = 0; i < secs[s].n; i++) {
			const struct milter_skel_param *p = &secs[s].params[i];
			const struct cfg_entry *e = cfg_lookup(l->top, p->name);
			char *value = NULL, *error = NULL;
			if (cfg_expand_param(l->top, p->name, &value, &error) > 0 &&
			    milter_skel_conf_value(p, secs[s].base, value, &error) > 0 &&
			    (p->check == NULL || p->check(value, &error) > 0)) {
				free(value);
				continue;
			}
			if (e->file != NULL)
				cfg_diag_add(diags, CFG_ERROR, e->file, e->line, "%s: %s", p->name,
					     error);
			else if (e == cfg_lookup(l->defs, p->name))
				cfg_diag_add(diags, CFG_ERROR, NULL, 0, "%s: default: %s", p->name,
					     error);
			else
				cfg_diag_add(diags, CFG_ERROR, NULL, 0, "-o %s: %s", p->name,
					     error);
			free(value);
			free(error);
		}
}

int milter_skel_conf_load(const char *path, const struct cli_override *overrides,
			  size_t n_overrides, const struct milter_skel_section *secs, size_t n_secs,
			  struct cfg_diags *diags, char **error_r)
{
	struct conf_layers l = {0};
	size_t first = diags->n;
	if (conf_layers_build(&l, path, overrides, n_overrides, secs, n_secs, diags) > 0) {
		conf_check_unknown(&l, secs, n_secs, diags);
		conf_fill(&l, secs, n_secs, diags);
	}
	conf_layers_free(&l);
	cfg_diags_sort(diags);
	char *first_error = cfg_diags_first_error(diags, first);
	if (first_error == NULL)
		return 1;
	*error_r = first_error;
	return -1;
}

int milter_skel_conf_print(FILE *out, const char *path, const struct cli_override *overrides,
			   size_t n_overrides, const struct milter_skel_section *secs,
			   size_t n_secs, enum milter_skel_print mode, char **names)
{
	struct conf_layers l = {0};
	struct cfg_diags diags;
	int rc = 0;

	cfg_diags_init(&diags);
	if (conf_layers_build(&l, mode == MILTER_PRINT_DEFAULTS ? NULL : path, overrides,
			      mode == MILTER_PRINT_DEFAULTS ? 0 : n_overrides, secs, n_secs,
			      &diags) < 0) {
		for (size_t i = 0; i < diags.n; i++) {
			char *line = cfg_diag_format(&diags.items[i]);
			fprintf(stderr, "%s\n", line);
			free(line);
		}
		rc = 1;
		goto done;
	}
	for (size_t k = 0; names != NULL && names[k] != NULL; k++)
		if (milter_skel_conf_find(secs, n_secs, names[k], NULL) == NULL) {
			fprintf(stderr, "%s: unknown parameter\n", names[k]);
			rc = 1;
		}
	for (size_t s = 0; s < n_secs; s++)
		for (size_t i = 0; i < secs[s].n; i++) {
			const char *name = secs[s].params[i].name;
			int wanted = names == NULL;
			for (size_t k = 0; !wanted && names[k] != NULL; k++)
				wanted = strcmp(names[k], name) == 0;
			if (!wanted || (mode == MILTER_PRINT_SET &&
					cfg_lookup(l.top, name) == cfg_lookup(l.defs, name)))
				continue;
			const char *value = cfg_get(l.top, name);
			fprintf(out, "%s =%s%s\n", name, *value != '\0' ? " " : "", value);
		}
done:
	conf_layers_free(&l);
	cfg_diags_deinit(&diags);
	return rc;
}
