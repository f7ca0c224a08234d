/* sasl_passwd_file.c: a Dovecot passwd-file in memory, reloaded when it
 * changes, and password checks against it (see sasl_passwd_file.h).
 */
#include "sasl_passwd_file.h"

#include <crypt.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <openssl/crypto.h>

#include "log.h"
#include "mem.h"

enum sasl_pw_scheme {
	SASL_PW_CRYPT,
	SASL_PW_PLAIN,
};

struct sasl_pw_entry {
	char *user;
	char *secret; /* the crypt(3) hash, or the clear text */
	enum sasl_pw_scheme scheme;
	unsigned line; /* where in the file */
};

struct sasl_passwd_file {
	char *path;
	struct stat st;		       /* of the contents in memory */
	struct sasl_pw_entry *entries; /* sorted by user */
	size_t n;
};

static void sasl_pw_entry_clear(struct sasl_pw_entry *e)
{
	free(e->user);
	explicit_bzero(e->secret, strlen(e->secret));
	free(e->secret);
}

static void sasl_pw_entries_free(struct sasl_pw_entry *entries, size_t n)
{
	for (size_t i = 0; i < n; i++)
		sasl_pw_entry_clear(&entries[i]);
	free(entries);
}

static int sasl_pw_cmp(const void *a, const void *b)
{
	return strcmp(((const struct sasl_pw_entry *)a)->user,
		      ((const struct sasl_pw_entry *)b)->user);
}

/* sasl_pw_cmp_line: by user, then by position in the file. */
static int sasl_pw_cmp_line(const void *a, const void *b)
{
	const struct sasl_pw_entry *x = a, *y = b;
	int c = strcmp(x->user, y->user);
	return c != 0 ? c : (x->line > y->line) - (x->line < y->line);
}

/* sasl_pw_scheme: split "{SCHEME}data" into the entry. */
static int sasl_pw_scheme(const char *field, struct sasl_pw_entry *e, char **why_r)
{
	static const struct {
		const char *name;
		const char *prefix; /* what a hash of the scheme starts with */
		enum sasl_pw_scheme scheme;
	} schemes[] = {
		{"SHA512-CRYPT", "$6$", SASL_PW_CRYPT}, {"SHA256-CRYPT", "$5$", SASL_PW_CRYPT},
		{"BLF-CRYPT", "$2", SASL_PW_CRYPT},	{"MD5-CRYPT", "$1$", SASL_PW_CRYPT},
		{"CRYPT", "", SASL_PW_CRYPT},		{"PLAIN", "", SASL_PW_PLAIN},
		{"CLEAR", "", SASL_PW_PLAIN},		{"CLEARTEXT", "", SASL_PW_PLAIN},
	};
	const char *data = field;
	const char *name = "CRYPT";
	size_t name_len = strlen(name);
	if (field[0] == '{') {
		const char *close = strchr(field, '}');
		if (close == NULL) {
			*why_r = xstrdup("unterminated {SCHEME}");
			return -1;
		}
		name = field + 1;
		name_len = (size_t)(close - name);
		data = close + 1;
	}
	for (size_t i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++) {
		if (strlen(schemes[i].name) != name_len ||
		    strncasecmp(schemes[i].name, name, name_len) != 0)
			continue;
		if (strncmp(data, schemes[i].prefix, strlen(schemes[i].prefix)) != 0) {
			*why_r = xasprintf("a {%s} password must start with \"%s\"",
					   schemes[i].name, schemes[i].prefix);
			return -1;
		}
		if (schemes[i].scheme == SASL_PW_CRYPT && *data == '\0') {
			*why_r = xstrdup("empty password hash");
			return -1;
		}
		e->scheme = schemes[i].scheme;
		e->secret = xstrdup(data);
		return 1;
	}
	*why_r = xasprintf("unsupported password scheme {%.*s}", (int)name_len, name);
	return -1;
}

/* sasl_pw_parse: read path into a sorted entry array. */
static int sasl_pw_parse(const char *path, struct stat *st, struct sasl_pw_entry **entries_r,
			 size_t *n_r, char **error_r)
{
	FILE *f = fopen(path, "re");
	if (f == NULL || fstat(fileno(f), st) < 0) {
		*error_r = xasprintf("%s: cannot open: %s", path, strerror(errno));
		if (f != NULL)
			fclose(f);
		return -1;
	}
	struct sasl_pw_entry *entries = NULL;
	size_t n = 0, size = 0, cap = 0;
	char *line = NULL;
	unsigned lineno = 0;
	int ret = 1;
	while (ret == 1 && getline(&line, &cap, f) >= 0) {
		lineno++;
		size_t len = strcspn(line, "\r\n");
		line[len] = '\0';
		const char *p = line + strspn(line, " \t");
		if (*p == '\0' || *p == '#')
			continue;
		char *colon = strchr(line, ':');
		if (colon == NULL || colon == line) {
			*error_r = xasprintf("%s:%u: expected user:password", path, lineno);
			ret = -1;
			break;
		}
		*colon = '\0';
		char *pass = colon + 1;
		pass[strcspn(pass, ":")] = '\0';
		struct sasl_pw_entry e = {0};
		char *why;
		if (sasl_pw_scheme(pass, &e, &why) < 0) {
			*error_r = xasprintf("%s:%u: user %s: %s", path, lineno, line, why);
			free(why);
			ret = -1;
			break;
		}
		e.user = xstrdup(line);
		e.line = lineno;
		if (n == size) {
			size = size ? size * 2 : 16;
			entries = xreallocarray(entries, size, sizeof(*entries));
		}
		entries[n++] = e;
	}
	if (ret == 1 && ferror(f)) {
		*error_r = xasprintf("%s: read error: %s", path, strerror(errno));
		ret = -1;
	}
	if (line != NULL)
		explicit_bzero(line, cap);
	free(line);
	fclose(f);
	if (ret < 0) {
		sasl_pw_entries_free(entries, n);
		return -1;
	}
	/* Dovecot uses the first entry of a user listed twice. */
	if (n > 0)
		qsort(entries, n, sizeof(*entries), sasl_pw_cmp_line);
	size_t kept = 0;
	for (size_t i = 0; i < n; i++) {
		if (kept > 0 && strcmp(entries[kept - 1].user, entries[i].user) == 0)
			sasl_pw_entry_clear(&entries[i]);
		else
			entries[kept++] = entries[i];
	}
	*entries_r = entries;
	*n_r = kept;
	return 1;
}

int sasl_passwd_file_open(const char *path, struct sasl_passwd_file **file_r, char **error_r)
{
	struct sasl_passwd_file *file = xcalloc(1, sizeof(*file));
	if (sasl_pw_parse(path, &file->st, &file->entries, &file->n, error_r) < 0) {
		free(file);
		return -1;
	}
	file->path = xstrdup(path);
	*file_r = file;
	return 1;
}

void sasl_passwd_file_free(struct sasl_passwd_file **filep)
{
	struct sasl_passwd_file *file = *filep;
	if (file == NULL)
		return;
	sasl_pw_entries_free(file->entries, file->n);
	free(file->path);
	free(file);
	*filep = NULL;
}

/* sasl_pw_refresh: read the file again if it changed. -1 when it is gone. */
static int sasl_pw_refresh(struct sasl_passwd_file *file)
{
	struct stat st;
	if (stat(file->path, &st) < 0) {
		log_warn("passwd-file: %s: %s", file->path, strerror(errno));
		return -1;
	}
	if (st.st_ino == file->st.st_ino && st.st_dev == file->st.st_dev &&
	    st.st_size == file->st.st_size && st.st_mtim.tv_sec == file->st.st_mtim.tv_sec &&
	    st.st_mtim.tv_nsec == file->st.st_mtim.tv_nsec)
		return 1;
	struct sasl_pw_entry *entries;
	size_t n;
	char *error;
	if (sasl_pw_parse(file->path, &st, &entries, &n, &error) < 0) {
		log_warn("passwd-file: %s (keeping the previous contents)", error);
		free(error);
		file->st = st; /* warn once per change */
		return 1;
	}
	sasl_pw_entries_free(file->entries, file->n);
	file->entries = entries;
	file->n = n;
	file->st = st;
	log_info("passwd-file: %s: reloaded, %zu users", file->path, n);
	return 1;
}

/* sasl_pw_equal: compare without leaking where they differ. */
static int sasl_pw_equal(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	return la == lb && CRYPTO_memcmp(a, b, la) == 0;
}

int sasl_passwd_file_check(struct sasl_passwd_file *file, const char *user, const char *password)
{
	if (sasl_pw_refresh(file) < 0)
		return -1;
	struct sasl_pw_entry key = {.user = (char *)user};
	const struct sasl_pw_entry *e =
		bsearch(&key, file->entries, file->n, sizeof(*file->entries), sasl_pw_cmp);
	struct crypt_data *cd = xcalloc(1, sizeof(*cd));
	int ok = 0;
	if (e == NULL) {
		/* As long as a real check, so timing does not tell who exists. */
		crypt_r(password, "$6$postern.nouser$", cd);
	} else if (e->scheme == SASL_PW_PLAIN) {
		ok = sasl_pw_equal(password, e->secret);
	} else {
		const char *hash = crypt_r(password, e->secret, cd);
		ok = hash != NULL && hash[0] != '*' && sasl_pw_equal(hash, e->secret);
	}
	explicit_bzero(cd, sizeof(*cd));
	free(cd);
	return ok;
}
