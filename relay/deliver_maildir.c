/* deliver_maildir.c: write one recipient's copy of a message into a
 * Maildir, durably (see deliver_maildir.h). */
#include "deliver_maildir.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "buf.h"
#include "mem.h"

static atomic_ulong counter;

/* make_dirs: mkdir -p path, then its tmp, new and cur; 0 or -1 with errno. */
static int make_dirs(const char *path)
{
	static const char *const subs[] = {"tmp", "new", "cur"};
	char *p;
	int ret = 0;

	if (path[0] == '\0') {
		errno = ENOENT;
		return -1;
	}
	p = xstrdup(path);
	for (char *s = p + 1; ret == 0; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		char c = *s;

		*s = '\0';
		if (mkdir(p, 0700) < 0 && errno != EEXIST)
			ret = -1;
		*s = c;
		if (c == '\0')
			break;
	}
	for (size_t i = 0; ret == 0 && i < sizeof(subs) / sizeof(subs[0]); i++) {
		char *d = xasprintf("%s/%s", path, subs[i]);

		if (mkdir(d, 0700) < 0 && errno != EEXIST)
			ret = -1;
		free(d);
	}
	free(p);
	return ret;
}

/* unique_name: SECONDS.MUSECPPIDQCOUNTER.HOST; malloc'd. */
static char *unique_name(const char *host)
{
	struct timeval tv;
	char *line;
	struct buf b;

	gettimeofday(&tv, NULL);
	buf_init(&b, 0);
	buf_printf(&b, "%lld.M%ldP%ldQ%lu.", (long long)tv.tv_sec, (long)tv.tv_usec, (long)getpid(),
		   atomic_fetch_add(&counter, 1));
	for (const char *h = host; *h != '\0'; h++) {
		if (*h == '/')
			buf_append_str(&b, "\\057");
		else if (*h == ':')
			buf_append_str(&b, "\\072");
		else
			buf_append_char(&b, *h);
	}
	line = buf_detach(&b);
	buf_deinit(&b);
	return line;
}

/* copy_text: the headers Postfix adds, then the content with CRLF made LF. */
static void copy_text(const struct queue_msg *msg, const char *rcpt, struct buf *out)
{
	const void *data;
	size_t iter = 0, len;
	int cr = 0;

	buf_printf(out, "Return-Path: <%s>\nX-Original-To: %s\nDelivered-To: %s\n",
		   queue_msg_envelope(msg)->sender, rcpt, rcpt);
	while (queue_msg_content_next(msg, &iter, &data, &len) > 0) {
		const char *p = data;

		for (size_t k = 0; k < len; k++) {
			if (cr && p[k] != '\n')
				buf_append_char(out, '\r');
			cr = p[k] == '\r';
			if (!cr)
				buf_append_char(out, p[k]);
		}
	}
	if (cr)
		buf_append_char(out, '\r');
}

/* write_all: 0 or -1 with errno. */
static int write_all(int fd, const char *data, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, data, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

/* sync_dir: fsync a directory; 0 or -1 with errno. */
static int sync_dir(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC), ret, saved;

	if (fd < 0)
		return -1;
	ret = fsync(fd);
	saved = errno;
	close(fd);
	errno = saved;
	return ret;
}

void deliver_maildir(const struct queue_msg *msg, size_t i, const char *path, const char *host,
		     struct deliver_status *st_r)
{
	const char *rcpt = queue_msg_rcpt(msg, i)->address;
	char *name = unique_name(host);
	char *tmp = xasprintf("%s/tmp/%s", path, name);
	char *new = xasprintf("%s/new/%s", path, name);
	char *newdir = xasprintf("%s/new", path);
	const char *step = "create maildir";
	struct buf text;
	int fd = -1;

	buf_init(&text, 0);
	if (make_dirs(path) < 0)
		goto fail;
	step = "create maildir file";
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		goto fail;
	copy_text(msg, rcpt, &text);
	step = "write maildir file";
	if (write_all(fd, buf_cstr(&text), buf_len(&text)) < 0 || fsync(fd) < 0)
		goto fail_unlink;
	if (close(fd) < 0) {
		fd = -1;
		goto fail_unlink;
	}
	fd = -1;
	step = "link maildir file";
	if (link(tmp, new) < 0)
		goto fail_unlink;
	unlink(tmp);
	step = "sync maildir";
	if (sync_dir(newdir) < 0)
		goto fail;
	deliver_status_set(st_r, QUEUE_RCPT_DELIVERED, "2.0.0", "maildir", "delivered to maildir");
	goto out;
fail_unlink : {
	int saved = errno;

	unlink(tmp);
	errno = saved;
}
fail:
	deliver_status_set(st_r, QUEUE_RCPT_DEFERRED, "4.2.0", "maildir",
			   "maildir delivery failed: %s %s: %s", step, path, strerror(errno));
out:
	if (fd >= 0)
		close(fd);
	buf_deinit(&text);
	free(name);
	free(tmp);
	free(new);
	free(newdir);
}
