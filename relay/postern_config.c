/* postern_config.c: "postern config", the postconf(1) of Postern: print
 * parameters as "name = value", sorted by name, in postconf's format.
 *
 *   postern config [-c DIR] [-o name=value] [-n] [-d] [-x] [-h] [name...]
 *
 * No flag: every parameter Postern knows, with its effective value;
 * -n: only those set in postern.cf (main.cf) or with -o; -d: defaults;
 * -x: expand $name; -h: values only. Names given: just those, in order;
 * an unknown one gets a warning on stderr (exit status 0, as postconf). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cfg_expand.h"
#include "mem.h"
#include "postern.h"
#include "relay_params.h"
#include "relay_params_conf.h"

#define CONFIG_USAGE "usage: postern config [-c DIR] [-o name=value] [-n] [-d] [-x] [-h] [name...]"

struct config_flags {
	int set_only; /* -n */
	int defaults; /* -d */
	int expand;   /* -x */
	int no_name;  /* -h */
};

static int config_on_flag(int letter, const char *arg, void *ctx)
{
	struct config_flags *f = ctx;
	(void)arg;
	switch (letter) {
	case 'n':
		f->set_only = 1;
		return 0;
	case 'd':
		f->defaults = 1;
		return 0;
	case 'x':
		f->expand = 1;
		return 0;
	case 'h':
		f->no_name = 1;
		return 0;
	}
	return -1;
}

/* config_print: one line as postconf prints it: the words of "name = value"
 * joined by single spaces. */
static void config_print(const char *name, const char *value, int no_name)
{
	static const char space[] = " \t\r\n";
	struct buf line;
	buf_init(&line, 0);
	if (!no_name)
		buf_printf(&line, "%s = ", name);
	buf_append_str(&line, value);
	const char *p = buf_cstr(&line);
	int first = 1;
	while (*(p += strspn(p, space)) != '\0') {
		size_t n = strcspn(p, space);
		printf("%s%.*s", first ? "" : " ", (int)n, p);
		first = 0;
		p += n;
	}
	printf("\n");
	buf_deinit(&line);
}

/* config_value: the value of name as it is to be printed (NULL when it has
 * none here); *failed is set on an expansion error (reported). */
static char *config_value(const struct cfg *view, const char *name, int expand, int *failed)
{
	const char *raw = cfg_get(view, name);
	if (raw == NULL)
		return NULL;
	if (!expand || relay_params_conf_is_raw(name))
		return xstrdup(raw);
	char *value = NULL, *error = NULL;
	if (cfg_expand_param(view, name, &value, &error) < 0) {
		fprintf(stderr, "postern: error: %s\n", error);
		free(error);
		*failed = 1;
		return xstrdup(raw);
	}
	return value;
}

/* config_is_set: set in postern.cf/main.cf or with -o (or -c)? */
static int config_is_set(const struct relay_params_conf *c, const char *name)
{
	return cfg_lookup_local(c->view, name) != NULL || cfg_lookup_local(c->main, name) != NULL;
}

/* config_unknown: NULL when this invocation knows name (it has a value to
 * print), else why not. */
static const char *config_unknown(const struct relay_params_conf *c, const struct config_flags *f,
				  const char *name)
{
	static const char unknown[] = "unknown parameter";
	static const char not_yet[] = "Postfix parameter that Postern does not know yet";
	enum relay_params_kind kind = relay_params_conf_classify(c, name);
	if (kind == RELAY_KIND_TABLE)
		return NULL;
	if (!f->defaults && kind != RELAY_KIND_UNUSED && config_is_set(c, name))
		return NULL;
	return relay_postfix_param(name) != RELAY_POSTFIX_NONE ? not_yet : unknown;
}

/* config_listed: is name printed when no name is given? */
static int config_listed(const struct relay_params_conf *c, const struct config_flags *f,
			 const char *name)
{
	if (config_unknown(c, f, name) != NULL)
		return 0;
	return !f->set_only || config_is_set(c, name);
}

static int config_strcmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* config_all_names: every name to print when no name is given, sorted. */
static char **config_all_names(const struct relay_params_conf *c, const struct config_flags *f,
			       size_t *n_r)
{
	size_t n_rows, n = 0;
	const struct relay_param *rows = relay_params_all(&n_rows);
	const struct cfg *layers[] = { c->main, c->view };
	size_t cap = n_rows + cfg_count(c->main) + cfg_count(c->view);
	char **names = xcalloc(cap + 1, sizeof(*names));
	for (size_t i = 0; i < n_rows; i++)
		if (config_listed(c, f, rows[i].name))
			names[n++] = (char *)rows[i].name;
	for (size_t l = 0; l < 2; l++) {
		for (size_t i = 0; i < cfg_count(layers[l]); i++) {
			const char *name = cfg_entry_at(layers[l], i)->name;
			if (relay_param_find(name) != NULL || !config_listed(c, f, name))
				continue;
			if (l == 1 && cfg_lookup_local(c->main, name) != NULL)
				continue; /* already listed from main */
			names[n++] = (char *)name;
		}
	}
	qsort(names, n, sizeof(*names), config_strcmp);
	*n_r = n;
	return names;
}

/* config_report_load: show what loading found; 1 when it can go on. */
static int config_report_load(const struct relay_params_conf *c)
{
	for (size_t i = 0; i < c->diags.n; i++) {
		char *text = cfg_diag_format(&c->diags.items[i]);
		fprintf(stderr, "postern: %s\n", text);
		free(text);
	}
	/* As postconf does, name the user-defined parameters nothing uses. */
	for (size_t i = 0; i < cfg_count(c->main); i++) {
		const struct cfg_entry *e = cfg_entry_at(c->main, i);
		if (e->file && relay_params_conf_classify(c, e->name) == RELAY_KIND_UNUSED)
			fprintf(stderr, "postern: warning: %s: unused parameter: %s=%s\n", e->file,
				e->name, e->value);
	}
	return cfg_diags_count(&c->diags, CFG_ERROR) == 0;
}

int postern_config(int argc, char **argv, struct cli_opts *global)
{
	struct config_flags f = { 0 };
	const struct cli_spec spec = {
		.usage = CONFIG_USAGE,
		.default_config = POSTERN_SYSCONFDIR,
		.extra = "ndxh",
		.on_extra = config_on_flag,
		.ctx = &f,
	};
	int next = 1;
	cli_parse(argc, argv, &next, &spec, global);

	struct relay_params_conf *c;
	relay_params_conf_load(&c, global->config, global->overrides, global->n_overrides,
			       f.defaults);
	if (!config_report_load(c)) {
		relay_params_conf_free(&c);
		return 1;
	}
	const struct cfg *view = f.defaults ? c->defaults : c->view;
	int failed = 0;
	if (next < argc) {
		for (int i = next; i < argc; i++) {
			const char *why = config_unknown(c, &f, argv[i]);
			if (why != NULL) {
				fprintf(stderr, "postern: warning: %s: %s\n", argv[i], why);
				continue;
			}
			if (f.set_only && !config_is_set(c, argv[i]))
				continue;
			char *value = config_value(view, argv[i], f.expand, &failed);
			if (value != NULL) /* a computed default that could not be computed */
				config_print(argv[i], value, f.no_name);
			free(value);
		}
	} else {
		size_t n;
		char **names = config_all_names(c, &f, &n);
		for (size_t i = 0; i < n; i++) {
			char *value = config_value(view, names[i], f.expand, &failed);
			if (value != NULL)
				config_print(names[i], value, f.no_name);
			free(value);
		}
		free(names);
	}
	relay_params_conf_free(&c);
	return failed ? 1 : 0;
}
