/* master_cf.c: Postfix master.cf services (see master_cf.h). */
#include "master_cf.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "cfg_lines.h"
#include "cfg_list.h"
#include "cfg_parse.h"
#include "mem.h"

#define MASTER_FIELDS 8
/* Options of Postfix daemons that take a value (mail_server.c getopt). */
#define MASTER_OPTS_WITH_VALUE "imnost"

struct master_cf_parser {
	struct master_cf *m;
	char *file;
	struct cfg_diags *diags;
	size_t first_diag;
	struct cfg_lines lines;
};

struct master_cf *master_cf_new(void)
{
	return xcalloc(1, sizeof(struct master_cf));
}

static void master_service_deinit(struct master_service *s)
{
	free(s->name);
	free(s->type);
	free(s->private_);
	free(s->unpriv);
	free(s->chroot);
	free(s->wakeup);
	free(s->maxproc);
	for (size_t i = 0; i < s->argc; i++)
		free(s->argv[i]);
	free(s->argv);
	free(s->arg_lines);
	for (size_t i = 0; i < s->n_overrides; i++) {
		free(s->overrides[i].name);
		free(s->overrides[i].value);
	}
	free(s->overrides);
	free(s->file);
}

void master_cf_free(struct master_cf **mp)
{
	if (mp == NULL || *mp == NULL)
		return;
	for (size_t i = 0; i < (*mp)->n; i++)
		master_service_deinit(&(*mp)->services[i]);
	free((*mp)->services);
	FREE_AND_NULL(*mp);
}

static int master_is_number(const char *s, int allow_question)
{
	if (!isdigit((unsigned char)*s))
		return 0;
	while (isdigit((unsigned char)*s))
		s++;
	if (allow_question && *s == '?')
		s++;
	return *s == '\0';
}

/* master_check_fields: fields 2 to 7; NULL when fine, else a message. */
static char *master_check_fields(char **f)
{
	static const char *const types[] = { "inet", "unix", "unix-dgram", "fifo", "pass" };
	static const char *const flag_names[] = { "private", "unprivileged", "chroot" };
	size_t t = 0;
	while (t < sizeof(types) / sizeof(types[0]) && strcmp(types[t], f[1]) != 0)
		t++;
	if (t == sizeof(types) / sizeof(types[0]))
		return xasprintf("service %s: unknown service type \"%s\" (expected inet, unix, "
				 "unix-dgram, fifo or pass)",
				 f[0], f[1]);
	for (int i = 0; i < 3; i++)
		if (strcmp(f[2 + i], "y") != 0 && strcmp(f[2 + i], "n") != 0 &&
		    strcmp(f[2 + i], "-") != 0)
			return xasprintf("service %s/%s: %s field \"%s\": expected y, n or -", f[0],
					 f[1], flag_names[i], f[2 + i]);
	if (strcmp(f[5], "-") != 0 && !master_is_number(f[5], 1))
		return xasprintf("service %s/%s: wakeup field \"%s\": expected a number of "
				 "seconds (optionally with ?) or -",
				 f[0], f[1], f[5]);
	if (strcmp(f[6], "-") != 0 && !master_is_number(f[6], 0))
		return xasprintf("service %s/%s: process limit field \"%s\": expected a number "
				 "or -",
				 f[0], f[1], f[6]);
	if (strcmp(f[1], "inet") == 0 && strcmp(f[2], "y") == 0)
		return xasprintf("service %s/%s: an inet service cannot be private", f[0], f[1]);
	return NULL;
}

/* master_add_override: "-o" with its argument (short or long form). */
static char *master_add_override(struct master_service *s, const char *arg, unsigned line)
{
	char *text, *name, *value, *error;
	if (cfg_unbrace(arg, &text, &error) < 0)
		return error;
	int rc = cfg_split_nameval(text, &name, &value, &error);
	free(text);
	if (rc < 0) {
		char *msg = xasprintf("-o %s: %s", arg, error);
		free(error);
		return msg;
	}
	s->overrides = xreallocarray(s->overrides, s->n_overrides + 1, sizeof(*s->overrides));
	s->overrides[s->n_overrides++] = (struct master_override){ name, value, line };
	return NULL;
}

/* master_scan_options: the leading options of the command; "-o" ones are
 * overrides. NULL when fine, else a message. */
static char *master_scan_options(struct master_service *s)
{
	for (size_t i = 1; i < s->argc; i++) {
		const char *arg = s->argv[i];
		if (arg[0] != '-' || strcmp(arg, "--") == 0)
			break;
		for (const char *o = arg + 1; *o != '\0'; o++) {
			if (strchr(MASTER_OPTS_WITH_VALUE, *o) == NULL)
				continue;
			/* The value is the rest of this argument or the next one. */
			if (o[1] == '\0')
				i++;
			const char *value = o[1] != '\0' ? o + 1 : s->argv[i];
			if (value == NULL)
				return xasprintf("service %s/%s: option -%c needs a value", s->name,
						 s->type, *o);
			if (*o == 'o') {
				char *error = master_add_override(s, value, s->arg_lines[i]);
				if (error != NULL)
					return error;
			}
			break;
		}
	}
	return NULL;
}

/* master_take_fields: move the split fields of line into the service. */
static void master_take_fields(struct master_cf_parser *p, struct master_service *s,
			       const char *line, char **f, size_t n)
{
	s->name = f[0];
	s->type = f[1];
	s->private_ = f[2];
	s->unpriv = f[3];
	s->chroot = f[4];
	s->wakeup = f[5];
	s->maxproc = f[6];
	s->argc = n - 7;
	s->argv = xcalloc(s->argc + 1, sizeof(*s->argv));
	memcpy(s->argv, f + 7, s->argc * sizeof(*s->argv));
	/* The fields are in line in order: find where each one is. */
	s->arg_lines = xcalloc(s->argc + 1, sizeof(*s->arg_lines));
	const char *pos = line;
	for (size_t i = 0; i < n; i++) {
		const char *at = strstr(pos, f[i]);
		pos = at + strlen(f[i]);
		if (i >= 7)
			s->arg_lines[i - 7] = cfg_lines_lineno_at(&p->lines, (size_t)(at - line));
	}
}

/* master_open_groups: replace each "{ ... }" argument by its inside. */
static char *master_open_groups(struct master_service *s)
{
	for (size_t i = 0; i < s->argc; i++) {
		char *inner, *error;
		int rc = cfg_unbrace(s->argv[i], &inner, &error);
		if (rc < 0)
			return error;
		/* "-o { name = value }" keeps its braces for master_add_override. */
		if (rc == 0 || (i > 0 && strcmp(s->argv[i - 1], "-o") == 0)) {
			free(inner);
			continue;
		}
		free(s->argv[i]);
		s->argv[i] = inner;
	}
	return NULL;
}

static void master_cf_line(void *ctx, const char *line, size_t len, unsigned lineno)
{
	struct master_cf_parser *p = ctx;
	char **f, *error = NULL;
	size_t n;
	(void)len;
	if (cfg_split_at(line, " \t\r\n\v\f", &f, &n, &error) < 0) {
		cfg_diag_add(p->diags, CFG_ERROR, p->file, lineno, "%s", error);
		free(error);
		return;
	}
	if (n < MASTER_FIELDS) {
		cfg_diag_add(p->diags, CFG_ERROR, p->file, lineno,
			     "expected at least %d fields (service type private unpriv chroot "
			     "wakeup maxproc command), found %zu",
			     MASTER_FIELDS, n);
		cfg_list_free(&f);
		return;
	}
	if ((error = master_check_fields(f)) != NULL) {
		cfg_diag_add(p->diags, CFG_ERROR, p->file, lineno, "%s", error);
		free(error);
		cfg_list_free(&f);
		return;
	}
	struct master_service s = { .file = xstrdup(p->file), .line = lineno };
	master_take_fields(p, &s, line, f, n);
	free(f); /* the strings now belong to s */
	if ((error = master_open_groups(&s)) != NULL || (error = master_scan_options(&s)) != NULL) {
		cfg_diag_add(p->diags, CFG_ERROR, p->file, lineno, "%s", error);
		free(error);
		master_service_deinit(&s);
		return;
	}
	struct master_cf *m = p->m;
	for (size_t i = 0; i < m->n; i++) {
		struct master_service *old = &m->services[i];
		if (strcmp(old->name, s.name) != 0 || strcmp(old->type, s.type) != 0)
			continue;
		cfg_diag_add(p->diags, CFG_WARNING, p->file, lineno,
			     "service %s/%s defined again; the definition at %s:%u is ignored",
			     s.name, s.type, old->file, old->line);
		master_service_deinit(old);
		memmove(old, old + 1, (m->n - i - 1) * sizeof(*old));
		m->n--;
		break;
	}
	m->services = xreallocarray(m->services, m->n + 1, sizeof(*m->services));
	m->services[m->n++] = s;
}

struct master_cf_parser *master_cf_parser_new(struct master_cf *m, const char *file,
					      struct cfg_diags *diags)
{
	struct master_cf_parser *p = xcalloc(1, sizeof(*p));
	p->m = m;
	p->file = xstrdup(file);
	p->diags = diags;
	p->first_diag = diags->n;
	cfg_lines_init(&p->lines, p->file, 0, diags, master_cf_line, p);
	return p;
}

void master_cf_parser_feed(struct master_cf_parser *p, const char *data, size_t len)
{
	cfg_lines_feed(&p->lines, data, len);
}

int master_cf_parser_finish(struct master_cf_parser *p, char **error_r)
{
	cfg_lines_finish(&p->lines);
	char *error = cfg_diags_first_error(p->diags, p->first_diag);
	if (error == NULL)
		return 1;
	*error_r = error;
	return -1;
}

void master_cf_parser_free(struct master_cf_parser **pp)
{
	if (pp == NULL || *pp == NULL)
		return;
	cfg_lines_deinit(&(*pp)->lines);
	free((*pp)->file);
	FREE_AND_NULL(*pp);
}

int master_cf_parse_buf(struct master_cf *m, const char *file, const char *data, size_t len,
			struct cfg_diags *diags, char **error_r)
{
	struct master_cf_parser *p = master_cf_parser_new(m, file, diags);
	master_cf_parser_feed(p, data, len);
	int rc = master_cf_parser_finish(p, error_r);
	master_cf_parser_free(&p);
	return rc;
}

/* master_cf_parser_feed_cb: master_cf_parser_feed() in the shape cfg_read_file() calls. */
static void master_cf_parser_feed_cb(void *ctx, const char *data, size_t len)
{
	master_cf_parser_feed(ctx, data, len);
}

int master_cf_load_file(struct master_cf *m, const char *path, struct cfg_diags *diags,
			char **error_r)
{
	struct master_cf_parser *p = master_cf_parser_new(m, path, diags);
	int rc = cfg_read_file(path, master_cf_parser_feed_cb, p, error_r);
	if (rc > 0)
		rc = master_cf_parser_finish(p, error_r);
	master_cf_parser_free(&p);
	return rc;
}

struct cfg *master_service_cfg(const struct master_service *s, const struct cfg *main)
{
	struct cfg *c = cfg_new(main);
	for (size_t i = 0; i < s->n_overrides; i++)
		cfg_set(c, s->overrides[i].name, s->overrides[i].value, s->file,
			s->overrides[i].line);
	return c;
}

void master_service_inet_addr(const struct master_service *s, char **host_r, char **port_r)
{
	const char *colon = strrchr(s->name, ':');
	if (colon == NULL) {
		*host_r = NULL;
		*port_r = xstrdup(s->name);
		return;
	}
	const char *host = s->name;
	size_t host_len = (size_t)(colon - host);
	if (host_len >= 2 && host[0] == '[' && host[host_len - 1] == ']') {
		host++;
		host_len -= 2;
	}
	*host_r = xstrndup(host, host_len);
	*port_r = xstrdup(colon + 1);
}
