/* table.c: open "type:name" lookup tables, look keys up, and reload
 * file-based tables when their file changes (see table.h).
 *
 * The parsed contents of a table are immutable. Lookups read them under a
 * read lock; a reload parses the new file without any lock held and then
 * swaps the contents under the write lock, so lookups never wait for a
 * parse and never see half a table. One reload runs at a time.
 */
#include "table.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "mem.h"
#include "table_private.h"
#include "table_text.h"

/* Type names and their back-ends. Postfix's indexed types are built by
 * postmap(1) from a texthash-format source, which Postern reads itself. */
static const struct {
	const char *type;
	const struct table_ops *ops;
} table_types[] = {
    {"texthash", &table_ops_texthash}, {"hash", &table_ops_texthash},
    {"btree", &table_ops_texthash},    {"dbm", &table_ops_texthash},
    {"sdbm", &table_ops_texthash},     {"lmdb", &table_ops_texthash},
    {"cdb", &table_ops_texthash},      {"cidr", &table_ops_cidr},
    {"pcre", &table_ops_pcre},	       {"regexp", &table_ops_regexp},
    {"static", &table_ops_static},     {"inline", &table_ops_inline},
};

/* What identifies one version of a file; exists is 1 for a file, 0 when
 * stat() failed, -1 for "no version" (equal to none). */
struct table_file_id {
	int exists;
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime;
	struct timespec ctime;
};

struct table {
	char *spec;
	const struct table_ops *ops;
	int flags;
	char *path; /* the file to watch, or NULL */

	pthread_rwlock_t lock; /* guards data */
	void *data;

	pthread_mutex_t reload_lock; /* guards the fields below */
	struct table_file_id loaded; /* the version behind data */
	struct table_file_id failed; /* the last version that failed */
	long checked_at;	     /* monotonic second of the last check (also read,
				      * atomically, without the lock) */
};

static const struct table_ops *table_type_ops(const char *type, size_t len)
{
	for (size_t i = 0; i < sizeof(table_types) / sizeof(*table_types); i++)
		if (strlen(table_types[i].type) == len &&
		    strncmp(table_types[i].type, type, len) == 0)
			return table_types[i].ops;
	return NULL;
}

static void table_file_id_set(struct table_file_id *id, const struct stat *st)
{
	memset(id, 0, sizeof(*id));
	id->exists = 1;
	id->dev = st->st_dev;
	id->ino = st->st_ino;
	id->size = st->st_size;
	id->mtime = st->st_mtim;
	id->ctime = st->st_ctim;
}

static void table_file_id_none(struct table_file_id *id)
{
	memset(id, 0, sizeof(*id));
	id->exists = -1;
}

static int table_file_id_eq(const struct table_file_id *a, const struct table_file_id *b)
{
	if (a->exists != b->exists || a->exists < 0)
		return 0;
	return a->exists == 0 ||
	       (a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
		a->mtime.tv_sec == b->mtime.tv_sec && a->mtime.tv_nsec == b->mtime.tv_nsec &&
		a->ctime.tv_sec == b->ctime.tv_sec && a->ctime.tv_nsec == b->ctime.tv_nsec);
}

/* table_read_file: the whole file (NUL-terminated, caller frees) and the
 * identity of the version read; 1 ok, -1 error. */
static int table_read_file(const char *path, char **text_r, size_t *len_r,
			   struct table_file_id *id_r, char **error_r)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0) {
		*error_r = xasprintf("cannot open %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	struct buf text;
	buf_init(&text, 0);
	char chunk[65536];
	ssize_t n;
	while ((n = read(fd, chunk, sizeof(chunk))) > 0 || (n < 0 && errno == EINTR))
		if (n > 0)
			buf_append(&text, chunk, (size_t)n);
	if (n < 0) {
		*error_r = xasprintf("cannot read %s: %s", path, strerror(errno));
		close(fd);
		buf_deinit(&text);
		return -1;
	}
	close(fd);
	table_file_id_set(id_r, &st);
	*len_r = buf_len(&text);
	*text_r = buf_detach(&text);
	buf_deinit(&text);
	return 1;
}

static struct table *table_new(const char *spec, const struct table_ops *ops, int flags)
{
	struct table *table = xcalloc(1, sizeof(*table));
	table->spec = xstrdup(spec);
	table->ops = ops;
	table->flags = flags;
	pthread_rwlock_init(&table->lock, NULL);
	pthread_mutex_init(&table->reload_lock, NULL);
	table_file_id_none(&table->loaded);
	table_file_id_none(&table->failed);
	return table;
}

/* table_load: read and parse table->path; 1 with *data_r and *id_r, or -1. */
static int table_load(struct table *table, void **data_r, struct table_file_id *id_r,
		      char **error_r)
{
	char *text;
	size_t len;
	if (table_read_file(table->path, &text, &len, id_r, error_r) < 0)
		return -1;
	int rc = table->ops->parse(table->path, text, len, table->flags, data_r, error_r);
	free(text);
	return rc;
}

/* table_parse_name: contents for a table whose name is not a file to
 * watch: static and inline, or "{ {rule}, ... }" given to a file type. */
static int table_parse_name(struct table *table, const char *name, char **error_r)
{
	if (!(table->ops->ops_flags & TABLE_OPS_FILE))
		return table->ops->parse(table->spec, name, strlen(name), table->flags,
					 &table->data, error_r);
	char *text, *error;
	if (table_inline_rules(name, &text, &error) < 0) {
		*error_r = xasprintf("%s: %s", table->spec, error);
		free(error);
		return -1;
	}
	int rc =
	    table->ops->parse(table->spec, text, strlen(text), table->flags, &table->data, error_r);
	free(text);
	return rc;
}

int table_open(const char *spec, int flags, struct table **table_r, char **error_r)
{
	const char *type = spec;
	/* Postfix's proxymap only forwards lookups to the table behind it. */
	if (strncmp(type, "proxy:", 6) == 0)
		type += 6;
	const char *colon = strchr(type, ':');
	if (colon == NULL || colon == type || colon[1] == '\0') {
		*error_r = xasprintf("\"%s\": expected a table in type:name form", spec);
		return -1;
	}
	const struct table_ops *ops = table_type_ops(type, (size_t)(colon - type));
	if (ops == NULL) {
		*error_r = xasprintf("\"%s\": unsupported table type \"%.*s\"", spec,
				     (int)(colon - type), type);
		return -1;
	}
	const char *name = colon + 1;
	struct table *table = table_new(spec, ops, flags);
	int rc;
	if ((ops->ops_flags & TABLE_OPS_FILE) &&
	    !(name[0] == '{' && (ops->ops_flags & TABLE_OPS_INLINE_RULES))) {
		table->path = xstrdup(name);
		rc = table_load(table, &table->data, &table->loaded, error_r);
		if (rc < 0 && ops == &table_ops_texthash && strncmp(type, "texthash:", 9) != 0 &&
		    access(table->path, F_OK) != 0) {
			char *hint = xasprintf("%s (Postern reads the source file that postmap(1) "
					       "indexes, not the indexed file)",
					       *error_r);
			free(*error_r);
			*error_r = hint;
		}
	} else {
		rc = table_parse_name(table, name, error_r);
	}
	if (rc < 0) {
		table_free(&table);
		return -1;
	}
	*table_r = table;
	return 1;
}

int table_open_buffer(const char *type, const char *origin, const char *text, size_t len, int flags,
		      struct table **table_r, char **error_r)
{
	const struct table_ops *ops = table_type_ops(type, strlen(type));
	if (ops == NULL || !(ops->ops_flags & TABLE_OPS_FILE)) {
		*error_r = xasprintf("%s: \"%s\" is not a file-based table type", origin, type);
		return -1;
	}
	char *spec = xasprintf("%s:%s", type, origin);
	struct table *table = table_new(spec, ops, flags);
	free(spec);
	if (ops->parse(origin, text, len, flags, &table->data, error_r) < 0) {
		table_free(&table);
		return -1;
	}
	*table_r = table;
	return 1;
}

/* table_refresh: with reload_lock held, reload the file if it changed.
 * In quiet mode (automatic checks) a version that failed before is not
 * tried again. Returns 1 reloaded, 0 unchanged, -1 with *error_r. */
static int table_refresh(struct table *table, int quiet, char **error_r)
{
	struct stat st;
	struct table_file_id now = {0};
	if (stat(table->path, &st) == 0)
		table_file_id_set(&now, &st);
	if (table_file_id_eq(&now, &table->loaded) ||
	    (quiet && table_file_id_eq(&now, &table->failed)))
		return 0;
	void *data;
	struct table_file_id id;
	if (table_load(table, &data, &id, error_r) < 0) {
		table->failed = now;
		return -1;
	}
	pthread_rwlock_wrlock(&table->lock);
	void *old = table->data;
	table->data = data;
	pthread_rwlock_unlock(&table->lock);
	table->ops->free(old);
	table->loaded = id;
	table_file_id_none(&table->failed);
	return 1;
}

int table_reload(struct table *table, char **error_r)
{
	if (table->path == NULL)
		return 0;
	pthread_mutex_lock(&table->reload_lock);
	int rc = table_refresh(table, 0, error_r);
	pthread_mutex_unlock(&table->reload_lock);
	return rc;
}

/* table_auto_reload: the check a lookup makes, at most once a second and
 * never waiting for a reload another thread is doing. */
static void table_auto_reload(struct table *table)
{
	struct timespec ts;
	/* The coarse clock is enough for seconds and costs far less: this runs
	 * for every lookup (every body line of a message, for body_checks). */
	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	long now = (long)ts.tv_sec;
	if (__atomic_load_n(&table->checked_at, __ATOMIC_RELAXED) == now ||
	    pthread_mutex_trylock(&table->reload_lock) != 0)
		return;
	if (table->checked_at != now) {
		__atomic_store_n(&table->checked_at, now, __ATOMIC_RELAXED);
		char *error = NULL;
		int rc = table_refresh(table, 1, &error);
		if (rc < 0)
			log_warn("%s: keeping the previous contents: %s", table->spec, error);
		else if (rc > 0)
			log_info("%s: reloaded", table->spec);
		free(error);
	}
	pthread_mutex_unlock(&table->reload_lock);
}

int table_lookup(struct table *table, const char *key, char **value_r, char **error_r)
{
	if (table->path != NULL)
		table_auto_reload(table);
	char *folded = NULL;
	if (!(table->ops->ops_flags & TABLE_OPS_PATTERN) && !(table->flags & TABLE_NO_FOLD)) {
		folded = xstrdup(key);
		table_fold(folded);
		key = folded;
	}
	pthread_rwlock_rdlock(&table->lock);
	int rc = table->ops->lookup(table->data, key, value_r, error_r);
	pthread_rwlock_unlock(&table->lock);
	free(folded);
	return rc;
}

const char *table_spec(const struct table *table)
{
	return table->spec;
}

int table_is_pattern(const struct table *table)
{
	return (table->ops->ops_flags & TABLE_OPS_PATTERN) != 0;
}

void table_free(struct table **table_r)
{
	struct table *table = *table_r;
	if (table == NULL)
		return;
	table->ops->free(table->data);
	pthread_rwlock_destroy(&table->lock);
	pthread_mutex_destroy(&table->reload_lock);
	free(table->path);
	free(table->spec);
	free(table);
	*table_r = NULL;
}
