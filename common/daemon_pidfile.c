/* daemon_pidfile.c: a pid file whose lock, held for the life of the
 * process, keeps a second copy from starting (see daemon.h). */
#include "daemon.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mem.h"

struct daemon_pidfile {
	int fd;
	char *path;
};

/* daemon_pidfile_read: the pid written in fd, or 0. */
static pid_t daemon_pidfile_read(int fd)
{
	char text[32];
	ssize_t n = pread(fd, text, sizeof(text) - 1, 0);
	if (n <= 0)
		return 0;
	text[n] = '\0';
	long pid = strtol(text, NULL, 10);
	return pid > 0 ? (pid_t)pid : 0;
}

/* daemon_pidfile_same: fd is still the file at path (a process that exits
 * removes the file before it lets go of the lock, so a lock won on a
 * removed file proves nothing). */
static int daemon_pidfile_same(int fd, const char *path)
{
	struct stat a, b;
	return fstat(fd, &a) == 0 && stat(path, &b) == 0 && a.st_dev == b.st_dev &&
	       a.st_ino == b.st_ino;
}

/* daemon_pidfile_lock: open path and lock it; 1 locked, 0 held by another
 * process (*fd_r still open for reading its pid), -1 error. */
static int daemon_pidfile_lock(const char *path, int *fd_r, char **error_r)
{
	for (int tries = 0; tries < 10; tries++) {
		int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
		if (fd < 0) {
			*error_r = xasprintf("%s: %s", path, strerror(errno));
			return -1;
		}
		*fd_r = fd;
		if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
			if (errno == EWOULDBLOCK)
				return 0;
			*error_r = xasprintf("%s: lock: %s", path, strerror(errno));
			close(fd);
			return -1;
		}
		if (daemon_pidfile_same(fd, path))
			return 1;
		close(fd);
	}
	*error_r = xasprintf("%s: keeps changing while being locked", path);
	return -1;
}

int daemon_pidfile_open(const char *path, struct daemon_pidfile **pf_r, char **error_r)
{
	char text[32];
	int fd = -1, rc, len;

	rc = daemon_pidfile_lock(path, &fd, error_r);
	if (rc < 0)
		return -1;
	if (rc == 0) {
		*error_r =
		    xasprintf("%s: already running (pid %ld)", path, (long)daemon_pidfile_read(fd));
		close(fd);
		return 0;
	}
	len = snprintf(text, sizeof(text), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) < 0 || pwrite(fd, text, (size_t)len, 0) != len) {
		*error_r = xasprintf("%s: write: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	struct daemon_pidfile *pf = xmalloc(sizeof(*pf));
	pf->fd = fd;
	pf->path = xstrdup(path);
	*pf_r = pf;
	return 1;
}

void daemon_pidfile_close(struct daemon_pidfile **pfp)
{
	if (pfp == NULL || *pfp == NULL)
		return;
	/* Remove before unlocking, so the next copy never loses its file. */
	if (daemon_pidfile_same((*pfp)->fd, (*pfp)->path))
		(void)unlink((*pfp)->path);
	close((*pfp)->fd);
	free((*pfp)->path);
	FREE_AND_NULL(*pfp);
}

int daemon_pidfile_check(const char *path, pid_t *pid_r, char **error_r)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	int rc = 0;

	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		*error_r = xasprintf("%s: %s", path, strerror(errno));
		return -1;
	}
	if (flock(fd, LOCK_SH | LOCK_NB) < 0) {
		if (errno != EWOULDBLOCK) {
			*error_r = xasprintf("%s: lock: %s", path, strerror(errno));
			rc = -1;
		} else {
			rc = 1;
			if (pid_r != NULL)
				*pid_r = daemon_pidfile_read(fd);
		}
	}
	close(fd);
	return rc;
}
