/* attach_rules.c: postern-attach's rules: building them from the
 * settings, and judging one file name, MIME type or content signature
 * (see attach_engine.h for how a name is read). */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "attach_private.h"
#include "mem.h"

static const char *const attach_class_names[] = {"clean", "unscanned", "encrypted", "banned"};

const char *attach_class_name(enum attach_class cls)
{
	return attach_class_names[cls];
}

void attach_verdict_raise(struct attach_verdict *v, enum attach_class cls, const char *name,
			  char *reason)
{
	if (cls <= v->cls) {
		free(reason);
		return;
	}
	attach_verdict_deinit(v);
	v->cls = cls;
	v->name = xstrdup(name != NULL ? name : "");
	v->reason = reason;
}

void attach_verdict_deinit(struct attach_verdict *v)
{
	free(v->name);
	free(v->reason);
	*v = (struct attach_verdict){0};
}

/* lower_copy: text in ASCII lower case, without leading dots (".exe"). */
static char *lower_copy(const char *text)
{
	while (*text == '.')
		text++;
	char *s = xstrdup(text);
	for (char *p = s; *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
	return s;
}

static char **lower_list(char **items, size_t *n_r)
{
	size_t n = 0;
	while (items != NULL && items[n] != NULL)
		n++;
	char **out = xcalloc(n + 1, sizeof(*out));
	for (size_t i = 0; i < n; i++)
		out[i] = lower_copy(items[i]);
	*n_r = n;
	return out;
}

static void free_list(char **items, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(items[i]);
	free(items);
}

int attach_rules_new(const struct attach_rules_spec *spec, struct attach_rules **rules_r,
		     char **error_r)
{
	struct attach_rules *r = xcalloc(1, sizeof(*r));

	for (size_t i = 0; spec->banned_types != NULL && spec->banned_types[i] != NULL; i++) {
		const char *t = spec->banned_types[i];
		const char *slash = strchr(t, '/');
		if (slash == NULL || slash == t || slash[1] == '\0' || strchr(slash + 1, '/')) {
			*error_r = xasprintf("banned_types: \"%s\": expected type/subtype or "
					     "type/*",
					     t);
			free(r);
			return -1;
		}
	}
	if (spec->banned_names != NULL && *spec->banned_names != '\0' &&
	    table_open(spec->banned_names, TABLE_FLAGS_NONE, &r->names, error_r) < 0) {
		char *e = xasprintf("banned_names: %s", *error_r);
		free(*error_r);
		*error_r = e;
		free(r);
		return -1;
	}
	r->extensions = lower_list(spec->banned_extensions, &r->n_extensions);
	r->types = lower_list(spec->banned_types, &r->n_types);
	r->inspect_archives = spec->inspect_archives;
	r->depth_limit = spec->archive_depth_limit;
	r->size_limit = spec->archive_size_limit;
	r->member_limit = spec->archive_member_limit;
	r->mime = spec->mime;
	*rules_r = r;
	return 1;
}

void attach_rules_free(struct attach_rules **rules_r)
{
	struct attach_rules *r;

	if (rules_r == NULL || (r = *rules_r) == NULL)
		return;
	free_list(r->extensions, r->n_extensions);
	free_list(r->types, r->n_types);
	table_free(&r->names);
	FREE_AND_NULL(*rules_r);
}

/* normalize: the name as Windows takes it: the last path element, without
 * trailing dots and white space, in ASCII lower case. Caller frees. */
static char *normalize(const char *name)
{
	const char *base = name;
	for (const char *p = name; *p != '\0'; p++)
		if (*p == '/' || *p == '\\')
			base = p + 1;
	char *s = xstrdup(base);
	size_t len = strlen(s);
	while (len > 0 && (s[len - 1] == '.' || isspace((unsigned char)s[len - 1])))
		s[--len] = '\0';
	for (char *p = s; *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
	return s;
}

/* extension: the last extension of a normalized name, or NULL. */
static const char *extension(const char *norm)
{
	const char *dot = strrchr(norm, '.');
	return dot != NULL && dot[1] != '\0' ? dot + 1 : NULL;
}

enum attach_class attach_name_check(const struct attach_rules *rules, const char *name,
				    char **reason_r)
{
	*reason_r = NULL;
	if (rules->names != NULL) {
		char *value = NULL, *error = NULL;
		int rc = table_lookup(rules->names, name, &value, &error);
		if (rc < 0) {
			*reason_r = xasprintf("banned_names lookup failed: %s", error);
			free(error);
			return ATTACH_UNSCANNED;
		}
		if (rc > 0) {
			int allowed =
				strcasecmp(value, "OK") == 0 || strcasecmp(value, "DUNNO") == 0;
			if (!allowed)
				*reason_r = xasprintf("banned name (%s)", value);
			free(value);
			return allowed ? ATTACH_CLEAN : ATTACH_BANNED;
		}
	}
	char *norm = normalize(name);
	const char *ext = extension(norm);
	for (size_t i = 0; ext != NULL && i < rules->n_extensions; i++) {
		if (strcmp(ext, rules->extensions[i]) == 0) {
			*reason_r = xasprintf("banned extension .%s", ext);
			break;
		}
	}
	free(norm);
	return *reason_r != NULL ? ATTACH_BANNED : ATTACH_CLEAN;
}

enum attach_class attach_type_check(const struct attach_rules *rules, const char *type,
				    const char *subtype, char **reason_r)
{
	size_t tlen = strlen(type);

	*reason_r = NULL;
	for (size_t i = 0; i < rules->n_types; i++) {
		const char *t = rules->types[i];
		if (strncmp(t, type, tlen) != 0 || t[tlen] != '/')
			continue;
		if (strcmp(t + tlen + 1, "*") == 0 || strcmp(t + tlen + 1, subtype) == 0) {
			*reason_r = xasprintf("banned type %s/%s", type, subtype);
			return ATTACH_BANNED;
		}
	}
	return ATTACH_CLEAN;
}

int attach_archive_by_name(const char *name)
{
	static const char *const exts[] = {"zip", "zipx", "jar", "7z",	 "rar", "tar", "gz",
					   "tgz", "bz2",  "tbz", "tbz2", "xz",	"txz", "cab",
					   "iso", "lzh",  "lha", "cpio", "arj", "ace", "z"};
	char *norm = normalize(name);
	const char *ext = extension(norm);
	int found = 0;

	for (size_t i = 0; ext != NULL && i < sizeof(exts) / sizeof(exts[0]); i++)
		if (strcmp(ext, exts[i]) == 0)
			found = 1;
	free(norm);
	return found;
}

int attach_archive_by_type(const char *type, const char *subtype)
{
	static const char *const subtypes[] = {"zip",
					       "x-zip",
					       "x-zip-compressed",
					       "x-7z-compressed",
					       "x-rar",
					       "vnd.rar",
					       "x-rar-compressed",
					       "gzip",
					       "x-gzip",
					       "x-tar",
					       "x-gtar",
					       "x-bzip2",
					       "x-xz",
					       "x-cpio",
					       "java-archive",
					       "vnd.ms-cab-compressed",
					       "x-iso9660-image",
					       "x-lzh-compressed",
					       "x-arj",
					       "x-ace-compressed"};

	if (strcmp(type, "application") != 0)
		return 0;
	for (size_t i = 0; i < sizeof(subtypes) / sizeof(subtypes[0]); i++)
		if (strcmp(subtype, subtypes[i]) == 0)
			return 1;
	return 0;
}

int attach_archive_by_magic(const void *data, size_t len)
{
	static const struct {
		size_t at;
		const char *bytes;
		size_t len;
	} magic[] = {
		{0, "PK\x03\x04", 4},	      /* zip */
		{0, "PK\x05\x06", 4},	      /* empty zip */
		{0, "PK\x07\x08", 4},	      /* spanned zip */
		{0, "7z\xbc\xaf\x27\x1c", 6}, /* 7-Zip */
		{0, "Rar!\x1a\x07", 6},	      /* RAR */
		{0, "\x1f\x8b\x08", 3},	      /* gzip (deflate) */
		{0,
		 "\xfd"
		 "7zXZ\x00",
		 6},		   /* xz */
		{0, "MSCF", 4},	   /* cabinet */
		{257, "ustar", 5}, /* tar */
	};
	const unsigned char *p = data;

	for (size_t i = 0; i < sizeof(magic) / sizeof(magic[0]); i++)
		if (len >= magic[i].at + magic[i].len &&
		    memcmp(p + magic[i].at, magic[i].bytes, magic[i].len) == 0)
			return 1;
	return 0;
}
