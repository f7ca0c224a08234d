/* deliver_conn.c: a delivery agent's client connection with per-step
 * timeouts (see deliver_conn.h). */
#include "deliver_conn.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "mem.h"
#include "smtp_reply_reader.h"

struct deliver_conn {
	int fd;
	const atomic_int *stop;
	struct smtp_reply_reader *reader;
	char in[4096]; /* read but not yet fed to the reader */
	size_t in_off, in_len;
};

/* deliver_conn_now: a monotonic clock in seconds. */
static double deliver_conn_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* deliver_conn_wait: wait until fd has events among what, at most timeout
 * seconds (0: none), checking stop every second. 1 ready, -1 with *fail_r
 * and *error_r. */
static int deliver_conn_wait(int fd, short what, long long timeout, const atomic_int *stop,
			     enum deliver_conn_fail *fail_r, char **error_r)
{
	double end = deliver_conn_now() + (double)timeout;
	for (;;) {
		if (stop != NULL && atomic_load(stop)) {
			*fail_r = DELIVER_CONN_STOPPED;
			*error_r = xstrdup("delivery interrupted");
			return -1;
		}
		double left = end - deliver_conn_now();
		if (timeout > 0 && left <= 0) {
			*fail_r = DELIVER_CONN_TIMEOUT;
			*error_r = xstrdup("timeout");
			return -1;
		}
		int ms = timeout > 0 && left < 1.0 ? (int)(left * 1000) + 1 : 1000;
		struct pollfd p = {fd, what, 0};
		int n = poll(&p, 1, ms);
		if (n > 0)
			return 1;
		if (n < 0 && errno != EINTR) {
			*fail_r = DELIVER_CONN_ERROR;
			*error_r = xasprintf("poll: %s", strerror(errno));
			return -1;
		}
	}
}

int deliver_conn_open(const struct sockspec_addr *addr, long long timeout,
		      const atomic_int *stop, struct deliver_conn **c_r,
		      enum deliver_conn_fail *fail_r, char **error_r)
{
	int fd = -1;
	int rc = sockspec_connect_addr(addr, &fd, error_r);
	if (rc < 0) {
		*fail_r = DELIVER_CONN_ERROR;
		return -1;
	}
	if (rc == 0 && (deliver_conn_wait(fd, POLLOUT, timeout, stop, fail_r, error_r) < 0 ||
			(*fail_r = DELIVER_CONN_ERROR, sockspec_connect_finish(fd, error_r) < 0))) {
		close(fd);
		return -1;
	}
	struct deliver_conn *c = xcalloc(1, sizeof(*c));
	c->fd = fd;
	c->stop = stop;
	c->reader = smtp_reply_reader_new(SMTP_REPLY_READER_MAX_LINE, SMTP_REPLY_READER_MAX_LINES);
	*c_r = c;
	return 1;
}

void deliver_conn_free(struct deliver_conn **cp)
{
	if (cp == NULL || *cp == NULL)
		return;
	struct deliver_conn *c = *cp;
	close(c->fd);
	smtp_reply_reader_free(&c->reader);
	FREE_AND_NULL(*cp);
}

int deliver_conn_write(struct deliver_conn *c, const void *data, size_t len, long long timeout,
		       enum deliver_conn_fail *fail_r, char **error_r)
{
	const char *p = data;
	while (len > 0) {
		ssize_t n = send(c->fd, p, len, MSG_NOSIGNAL);
		if (n > 0) {
			p += n;
			len -= (size_t)n;
			continue;
		}
		if (n < 0 && errno != EAGAIN && errno != EINTR) {
			*fail_r = DELIVER_CONN_ERROR;
			*error_r = xasprintf("write: %s", strerror(errno));
			return -1;
		}
		if (deliver_conn_wait(c->fd, POLLOUT, timeout, c->stop, fail_r, error_r) < 0)
			return -1;
	}
	return 1;
}

int deliver_conn_reply(struct deliver_conn *c, long long timeout, struct smtp_reply **reply_r,
		       enum deliver_conn_fail *fail_r, char **error_r)
{
	for (;;) {
		if (c->in_off < c->in_len) {
			size_t used = 0;
			int rc = smtp_reply_reader_feed(c->reader, c->in + c->in_off,
							c->in_len - c->in_off, &used, reply_r,
							error_r);
			if (rc < 0) {
				*fail_r = DELIVER_CONN_ERROR;
				return -1;
			}
			c->in_off += rc > 0 ? used : c->in_len - c->in_off;
			if (rc > 0)
				return 1;
		}
		if (deliver_conn_wait(c->fd, POLLIN, timeout, c->stop, fail_r, error_r) < 0)
			return -1;
		ssize_t n = recv(c->fd, c->in, sizeof(c->in), 0);
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
			*fail_r = DELIVER_CONN_ERROR;
			*error_r = n == 0 ? xstrdup("lost connection")
					  : xasprintf("read: %s", strerror(errno));
			return -1;
		}
		c->in_off = 0;
		c->in_len = n > 0 ? (size_t)n : 0;
	}
}
