/* queue_dir.c: queue directory layout, listings and durable moves (see
 * queue_dir.h; the recovery scan is in queue_recover.c). */
#include "queue_dir.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mem.h"
#include "queue_id.h"

struct queue_dir {
	char *path;
	int fd[QUEUE_COUNT];
};

static const char *const queue_names[QUEUE_COUNT] = {
    [QUEUE_TMP] = "tmp",	   [QUEUE_INCOMING] = "incoming", [QUEUE_ACTIVE] = "active",
    [QUEUE_DEFERRED] = "deferred", [QUEUE_HOLD] = "hold",	  [QUEUE_CORRUPT] = "corrupt",
    [QUEUE_MAILDROP] = "maildrop", [QUEUE_DEFER] = "defer",
};

const char *queue_name_str(enum queue_name q)
{
	return q < QUEUE_COUNT ? queue_names[q] : "?";
}

int queue_name_parse(const char *s, enum queue_name *q_r)
{
	for (int q = 0; q < QUEUE_COUNT; q++) {
		if (strcmp(s, queue_names[q]) == 0) {
			*q_r = (enum queue_name)q;
			return 1;
		}
	}
	return 0;
}

/* queue_dir_prepare: make one directory exist with mode 0700 and owner
 * uid:gid. */
static int queue_dir_prepare(const char *dir, uid_t uid, gid_t gid, char **error_r)
{
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		*error_r = xasprintf("mkdir %s: %s", dir, strerror(errno));
		return -1;
	}
	if (chown(dir, uid, gid) < 0 || chmod(dir, 0700) < 0) {
		*error_r = xasprintf("chown/chmod %s: %s", dir, strerror(errno));
		return -1;
	}
	return 1;
}

int queue_dir_setup(const char *path, uid_t uid, gid_t gid, char **error_r)
{
	if (queue_dir_prepare(path, uid, gid, error_r) < 0)
		return -1;
	for (int q = 0; q < QUEUE_COUNT; q++) {
		char *dir = xasprintf("%s/%s", path, queue_names[q]);
		int ret = queue_dir_prepare(dir, uid, gid, error_r);
		free(dir);
		if (ret < 0)
			return -1;
	}
	return 1;
}

int queue_dir_open(const char *path, struct queue_dir **qd_r, char **error_r)
{
	struct queue_dir *qd = xcalloc(1, sizeof(*qd));
	qd->path = xstrdup(path);
	for (int q = 0; q < QUEUE_COUNT; q++)
		qd->fd[q] = -1;
	for (int q = 0; q < QUEUE_COUNT; q++) {
		char *dir = xasprintf("%s/%s", path, queue_names[q]);
		struct stat st;
		char *err = NULL;
		qd->fd[q] = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (qd->fd[q] < 0 || fstat(qd->fd[q], &st) < 0)
			err = xasprintf("%s: %s", dir, strerror(errno));
		else if (st.st_uid != geteuid())
			err = xasprintf("%s: owned by uid %lu, not by uid %lu", dir,
					(unsigned long)st.st_uid, (unsigned long)geteuid());
		else if ((st.st_mode & 077) != 0)
			err = xasprintf("%s: mode %03o grants access to group or others", dir,
					(unsigned)(st.st_mode & 0777));
		free(dir);
		if (err != NULL) {
			*error_r = err;
			queue_dir_free(&qd);
			return -1;
		}
	}
	*qd_r = qd;
	return 1;
}

void queue_dir_free(struct queue_dir **qdp)
{
	struct queue_dir *qd = *qdp;
	if (qd == NULL)
		return;
	for (int q = 0; q < QUEUE_COUNT; q++)
		if (qd->fd[q] >= 0)
			close(qd->fd[q]);
	free(qd->path);
	free(qd);
	*qdp = NULL;
}

const char *queue_dir_path(const struct queue_dir *qd)
{
	return qd->path;
}

int queue_dir_fd(const struct queue_dir *qd, enum queue_name q)
{
	return qd->fd[q];
}

static int queue_list_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int queue_dir_list(const struct queue_dir *qd, enum queue_name q, struct queue_list *list_r,
		   char **error_r)
{
	memset(list_r, 0, sizeof(*list_r));
	int fd = openat(qd->fd[q], ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *dir = fd >= 0 ? fdopendir(fd) : NULL;
	if (dir == NULL) {
		*error_r = xasprintf("%s/%s: %s", qd->path, queue_names[q], strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	size_t cap_ids = 0, cap_strays = 0;
	struct dirent *de;
	errno = 0;
	while ((de = readdir(dir)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (queue_id_valid(de->d_name)) {
			if (list_r->n == cap_ids) {
				cap_ids = cap_ids ? cap_ids * 2 : 64;
				list_r->ids = xreallocarray(list_r->ids, cap_ids, sizeof(char *));
			}
			list_r->ids[list_r->n++] = xstrdup(de->d_name);
		} else {
			if (list_r->n_strays == cap_strays) {
				cap_strays = cap_strays ? cap_strays * 2 : 8;
				list_r->strays =
				    xreallocarray(list_r->strays, cap_strays, sizeof(char *));
			}
			list_r->strays[list_r->n_strays++] = xstrdup(de->d_name);
		}
		errno = 0;
	}
	int err = errno;
	closedir(dir);
	if (err != 0) {
		*error_r = xasprintf("%s/%s: readdir: %s", qd->path, queue_names[q], strerror(err));
		queue_list_deinit(list_r);
		return -1;
	}
	if (list_r->n > 1)
		qsort(list_r->ids, list_r->n, sizeof(char *), queue_list_cmp);
	return 1;
}

void queue_list_deinit(struct queue_list *list)
{
	for (size_t i = 0; i < list->n; i++)
		free(list->ids[i]);
	for (size_t i = 0; i < list->n_strays; i++)
		free(list->strays[i]);
	free(list->ids);
	free(list->strays);
	memset(list, 0, sizeof(*list));
}

int queue_dir_sync(const struct queue_dir *qd, enum queue_name q, char **error_r)
{
	if (fsync(qd->fd[q]) < 0) {
		*error_r = xasprintf("%s/%s: fsync: %s", qd->path, queue_names[q], strerror(errno));
		return -1;
	}
	return 1;
}

int queue_dir_move(struct queue_dir *qd, const char *id, enum queue_name from, enum queue_name to,
		   char **error_r)
{
	if (!queue_id_valid(id)) {
		*error_r = xasprintf("%s: not a queue id", id);
		return -1;
	}
	if (renameat2(qd->fd[from], id, qd->fd[to], id, RENAME_NOREPLACE) < 0) {
		if (errno == ENOENT)
			return 0;
		*error_r = xasprintf("%s/%s/%s: rename to %s: %s", qd->path, queue_names[from], id,
				     queue_names[to], strerror(errno));
		return -1;
	}
	if (queue_dir_sync(qd, to, error_r) < 0 || queue_dir_sync(qd, from, error_r) < 0)
		return -1;
	return 1;
}
