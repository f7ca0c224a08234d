/* milter_skel_spool.c: message spool, memory then temporary file (see
 * milter_skel_spool.h). */
#include "milter_skel_spool.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "mem.h"

struct milter_spool {
	struct buf mem; /* the message while it fits in memory */
	size_t mem_max;
	const char *tmpdir; /* not owned */
	int fd;		    /* -1 while in memory */
	size_t size;	    /* bytes appended */
	int failed;	    /* a write failed: refuse further appends */
};

struct milter_spool *milter_spool_new(size_t mem_max, const char *tmpdir)
{
	struct milter_spool *s = xcalloc(1, sizeof(*s));
	buf_init(&s->mem, 0);
	s->mem_max = mem_max;
	s->tmpdir = tmpdir;
	s->fd = -1;
	return s;
}

void milter_spool_free(struct milter_spool **sp)
{
	struct milter_spool *s = *sp;
	if (s == NULL)
		return;
	if (s->fd >= 0)
		close(s->fd);
	buf_deinit(&s->mem);
	free(s);
	*sp = NULL;
}

/* spool_open_file: a private file in tmpdir that has no name. */
static int spool_open_file(const char *tmpdir, char **error_r)
{
	int fd = open(tmpdir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd >= 0)
		return fd;
	if (errno != EOPNOTSUPP && errno != EISDIR) {
		*error_r = xasprintf("%s: %s", tmpdir, strerror(errno));
		return -1;
	}
	char *path = xasprintf("%s/postern-spool.XXXXXX", tmpdir);
	fd = mkostemp(path, O_CLOEXEC);
	if (fd < 0)
		*error_r = xasprintf("%s: %s", path, strerror(errno));
	else
		unlink(path);
	free(path);
	return fd;
}

/* spool_write: all of data at offset off of the file. */
static int spool_write(struct milter_spool *s, off_t off, const void *data, size_t len,
		       char **error_r)
{
	const char *p = data;
	while (len > 0) {
		ssize_t n = pwrite(s->fd, p, len, off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			*error_r = xasprintf("%s: write: %s", s->tmpdir,
					     n < 0 ? strerror(errno) : "no progress");
			return -1;
		}
		p += n;
		off += n;
		len -= (size_t)n;
	}
	return 1;
}

int milter_spool_append(struct milter_spool *s, const void *data, size_t len, char **error_r)
{
	if (s->failed) {
		*error_r = xasprintf("%s: the spool file failed earlier", s->tmpdir);
		return -1;
	}
	if (s->fd < 0 && s->size + len <= s->mem_max) {
		buf_append(&s->mem, data, len);
		s->size += len;
		return 1;
	}
	if (s->fd < 0) {
		/* Past the threshold: move what memory holds to the file. */
		s->fd = spool_open_file(s->tmpdir, error_r);
		if (s->fd < 0 || spool_write(s, 0, s->mem.data, s->size, error_r) < 0) {
			s->failed = 1;
			return -1;
		}
		buf_deinit(&s->mem);
		buf_init(&s->mem, 0);
	}
	if (spool_write(s, (off_t)s->size, data, len, error_r) < 0) {
		s->failed = 1;
		return -1;
	}
	s->size += len;
	return 1;
}

size_t milter_spool_size(const struct milter_spool *s)
{
	return s->size;
}

int milter_spool_memory(const struct milter_spool *s, const void **data_r, size_t *len_r)
{
	if (s->fd >= 0)
		return 0;
	*data_r = s->mem.data;
	*len_r = s->mem.len;
	return 1;
}

int milter_spool_fd(const struct milter_spool *s)
{
	if (s->fd >= 0)
		lseek(s->fd, 0, SEEK_SET);
	return s->fd;
}

int milter_spool_read(const struct milter_spool *s, size_t offset, milter_spool_read_fn *fn,
		      void *context, char **error_r)
{
	if (s->fd < 0) {
		if (offset < s->mem.len)
			fn(s->mem.data + offset, s->mem.len - offset, context);
		return 1;
	}
	char chunk[65536];
	while (offset < s->size) {
		ssize_t n = pread(s->fd, chunk, sizeof(chunk), (off_t)offset);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			*error_r =
				xasprintf("%s: read: %s", s->tmpdir,
					  n < 0 ? strerror(errno) : "file shorter than the spool");
			return -1;
		}
		offset += (size_t)n;
		if (!fn(chunk, (size_t)n, context))
			break;
	}
	return 1;
}
