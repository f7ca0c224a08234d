/* deliver_conn.c: a delivery agent's client connection with per-step
 * timeouts, in plaintext or through TLS once deliver_conn_tls() ran (see
 * deliver_conn.h). */
#include "deliver_conn.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>

#include "mem.h"
#include "smtp_reply_reader.h"

struct deliver_conn {
	int fd;
	SSL *ssl; /* NULL: plaintext */
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

/* deliver_conn_ssl_want: after an SSL call on c that did not complete:
 * the poll() event to wait for in *want_r (1), or -1 with *fail_r and
 * *error_r for a failure or a closed connection. */
static int deliver_conn_ssl_want(struct deliver_conn *c, const char *what, short *want_r,
				 enum deliver_conn_fail *fail_r, char **error_r)
{
	int err = SSL_get_error(c->ssl, 0);
	if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
		*want_r = err == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT;
		return 1;
	}
	*fail_r = DELIVER_CONN_ERROR;
	if (err == SSL_ERROR_ZERO_RETURN || (err == SSL_ERROR_SYSCALL && errno == 0)) {
		*error_r = xstrdup("lost connection");
	} else {
		unsigned long e = ERR_get_error();
		char text[256] = "";
		if (e != 0)
			ERR_error_string_n(e, text, sizeof(text));
		else if (err == SSL_ERROR_SYSCALL)
			snprintf(text, sizeof(text), "%s", strerror(errno));
		*error_r = xasprintf("TLS %s: %s", what, text);
		ERR_clear_error();
	}
	return -1;
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
	if (c->ssl != NULL) {
		SSL_shutdown(c->ssl);
		ERR_clear_error();
		SSL_free(c->ssl);
	}
	close(c->fd);
	smtp_reply_reader_free(&c->reader);
	FREE_AND_NULL(*cp);
}

int deliver_conn_write(struct deliver_conn *c, const void *data, size_t len, long long timeout,
		       enum deliver_conn_fail *fail_r, char **error_r)
{
	const char *p = data;
	while (len > 0) {
		short want = POLLOUT;
		if (c->ssl != NULL) {
			size_t done = 0;
			if (SSL_write_ex(c->ssl, p, len, &done) == 1) {
				p += done;
				len -= done;
				continue;
			}
			if (deliver_conn_ssl_want(c, "write", &want, fail_r, error_r) < 0)
				return -1;
		} else {
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
		}
		if (deliver_conn_wait(c->fd, want, timeout, c->stop, fail_r, error_r) < 0)
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
		ssize_t n;
		if (c->ssl != NULL) {
			size_t got = 0;
			short want = POLLIN;
			if (SSL_read_ex(c->ssl, c->in, sizeof(c->in), &got) == 1) {
				c->in_off = 0;
				c->in_len = got;
				continue;
			}
			if (deliver_conn_ssl_want(c, "read", &want, fail_r, error_r) < 0 ||
			    deliver_conn_wait(c->fd, want, timeout, c->stop, fail_r, error_r) < 0)
				return -1;
			continue;
		}
		if (deliver_conn_wait(c->fd, POLLIN, timeout, c->stop, fail_r, error_r) < 0)
			return -1;
		n = recv(c->fd, c->in, sizeof(c->in), 0);
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

int deliver_conn_tls(struct deliver_conn *c, SSL *ssl, long long timeout,
		     enum deliver_conn_fail *fail_r, char **error_r)
{
	c->ssl = ssl;
	c->in_off = c->in_len = 0;
	ERR_clear_error();
	if (SSL_set_fd(ssl, c->fd) != 1) {
		*fail_r = DELIVER_CONN_ERROR;
		*error_r = xstrdup("TLS: cannot attach the socket");
		return -1;
	}
	for (;;) {
		short want = POLLIN;
		if (SSL_connect(ssl) == 1)
			return 1;
		if (deliver_conn_ssl_want(c, "handshake", &want, fail_r, error_r) < 0 ||
		    deliver_conn_wait(c->fd, want, timeout, c->stop, fail_r, error_r) < 0)
			return -1;
	}
}
