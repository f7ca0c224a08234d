/* sockspec_sock.c: resolve socket specs and open listening and connecting
 * sockets (see sockspec.h); log forms of socket addresses. */
#include "sockspec.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "mem.h"

/* sockspec_is_numeric: an address inet_pton() reads the same way
 * getaddrinfo(AI_NUMERICHOST) will (no octal or short IPv4 forms). */
static int sockspec_is_numeric(const char *host)
{
	struct in6_addr a;
	return inet_pton(AF_INET, host, &a) == 1 || inet_pton(AF_INET6, host, &a) == 1;
}

static int sockspec_resolve_unix(const struct sockspec *spec, struct sockspec_addr **addrs_r,
				 size_t *n_r, char **error_r)
{
	struct sockspec_addr *a = xcalloc(1, sizeof(*a));
	struct sockaddr_un *su = (struct sockaddr_un *)&a->ss;
	size_t len = strlen(spec->path);

	if (len >= sizeof(su->sun_path)) {
		free(a);
		*error_r = xasprintf("unix:%s: path too long", spec->path);
		return -1;
	}
	su->sun_family = AF_UNIX;
	memcpy(su->sun_path, spec->path, len + 1);
	a->len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len + 1);
	*addrs_r = a;
	*n_r = 1;
	return 1;
}

int sockspec_resolve(const struct sockspec *spec, unsigned int flags,
		     struct sockspec_addr **addrs_r, size_t *n_r, char **error_r)
{
	struct addrinfo hints, *res = NULL;
	char port[8];
	int rc;

	if (spec->kind == SOCKSPEC_UNIX)
		return sockspec_resolve_unix(spec, addrs_r, n_r, error_r);
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = spec->family;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_protocol = IPPROTO_TCP;
	hints.ai_flags = AI_NUMERICSERV;
	if (spec->host == NULL)
		hints.ai_flags |= AI_PASSIVE;
	else if (!(flags & SOCKSPEC_RESOLVE))
		hints.ai_flags |= AI_NUMERICHOST;
	if (spec->host != NULL && !(flags & SOCKSPEC_RESOLVE) && !sockspec_is_numeric(spec->host)) {
		*error_r = xasprintf("%s: a host name here needs name resolution", spec->host);
		return -1;
	}
	snprintf(port, sizeof(port), "%u", spec->port);
	rc = getaddrinfo(spec->host, port, &hints, &res);
	if (rc != 0) {
		const char *host = spec->host ? spec->host : "*";
		*error_r = xasprintf("%s: %s", host, gai_strerror(rc));
		return rc == EAI_NONAME || rc == EAI_NODATA ? 0 : -1;
	}
	size_t n = 0;
	for (struct addrinfo *ai = res; ai != NULL; ai = ai->ai_next)
		n++;
	struct sockspec_addr *addrs = xcalloc(n, sizeof(*addrs));
	n = 0;
	for (struct addrinfo *ai = res; ai != NULL; ai = ai->ai_next) {
		if (ai->ai_addrlen > sizeof(addrs[n].ss))
			continue;
		memcpy(&addrs[n].ss, ai->ai_addr, ai->ai_addrlen);
		addrs[n++].len = ai->ai_addrlen;
	}
	freeaddrinfo(res);
	if (n == 0) {
		free(addrs);
		*error_r = xasprintf("%s: no usable address", spec->host ? spec->host : "*");
		return 0;
	}
	*addrs_r = addrs;
	*n_r = n;
	return 1;
}

/* sockspec_unix_clear: make way for a new socket at path. A socket nobody
 * accepts on is removed; a live one or a non-socket is left alone. */
static int sockspec_unix_clear(const struct sockaddr_un *su, socklen_t len, char **error_r)
{
	struct stat st;
	int fd, rc, err;

	if (lstat(su->sun_path, &st) < 0)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISSOCK(st.st_mode)) {
		*error_r = xasprintf("%s: exists and is not a socket", su->sun_path);
		return -1;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	rc = connect(fd, (const struct sockaddr *)su, len);
	err = errno;
	close(fd);
	if (rc == 0 || err == EAGAIN) {
		*error_r = xasprintf("%s: in use by another process", su->sun_path);
		return -1;
	}
	if (err != ECONNREFUSED) {
		errno = err;
		return -1;
	}
	return unlink(su->sun_path) < 0 && errno != ENOENT ? -1 : 0;
}

/* sockspec_listen_fd: the socket, bound and listening; on failure -1 with
 * errno set and, when the cause is not errno alone, *error_r. */
static int sockspec_listen_fd(const struct sockspec_addr *addr, int backlog, mode_t mode,
			      char **error_r)
{
	int family = addr->ss.ss_family, on = 1, fd, err;
	const struct sockaddr *sa = (const struct sockaddr *)&addr->ss;
	const struct sockaddr_un *su = (const struct sockaddr_un *)&addr->ss;

	if (family == AF_UNIX && sockspec_unix_clear(su, addr->len, error_r) < 0)
		return -1;
	fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if ((family != AF_UNIX && setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) < 0) ||
	    (family == AF_INET6 &&
	     setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on)) < 0) ||
	    bind(fd, sa, addr->len) < 0
	    /* Before listen() a client is refused, so it cannot catch the
	     * socket with the umask's permissions. */
	    || (family == AF_UNIX && chmod(su->sun_path, mode) < 0) || listen(fd, backlog) < 0) {
		err = errno;
		close(fd);
		errno = err;
		return -1;
	}
	return fd;
}

int sockspec_listen_addr(const struct sockspec_addr *addr, int backlog, mode_t mode, char **error_r)
{
	char text[SOCKSPEC_ADDRSTRLEN];
	char *why = NULL;
	int fd = sockspec_listen_fd(addr, backlog, mode, &why);

	if (fd >= 0)
		return fd;
	if (why != NULL) {
		*error_r = why;
	} else {
		int err = errno;
		sockspec_format_sockaddr((const struct sockaddr *)&addr->ss, addr->len, text,
					 sizeof(text));
		*error_r = xasprintf("listen on %s: %s", text, strerror(err));
		errno = err;
	}
	return -1;
}

int sockspec_listen(const struct sockspec *spec, unsigned int flags, int backlog, mode_t mode,
		    int **fds_r, size_t *n_r, char **error_r)
{
	struct sockspec_addr *addrs = NULL;
	size_t n = 0, opened = 0;
	char *first_error = NULL;
	int *fds;

	if (sockspec_resolve(spec, flags, &addrs, &n, error_r) != 1)
		return -1;
	fds = xcalloc(n, sizeof(*fds));
	for (size_t i = 0; i < n; i++) {
		char *why = NULL;
		int fd = sockspec_listen_addr(&addrs[i], backlog, mode, &why);
		if (fd >= 0) {
			fds[opened++] = fd;
			continue;
		}
		/* A wildcard spec skips a protocol this host does not have. */
		if (spec->host == NULL && errno == EAFNOSUPPORT) {
			if (first_error == NULL)
				first_error = why;
			else
				free(why);
			continue;
		}
		free(first_error);
		first_error = why;
		while (opened > 0)
			close(fds[--opened]);
		break;
	}
	free(addrs);
	if (opened == 0) {
		free(fds);
		*error_r = first_error;
		return -1;
	}
	free(first_error);
	*fds_r = fds;
	*n_r = opened;
	return 1;
}

int sockspec_connect_addr(const struct sockspec_addr *addr, int *fd_r, char **error_r)
{
	char text[SOCKSPEC_ADDRSTRLEN];
	int fd = socket(addr->ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd >= 0 && connect(fd, (const struct sockaddr *)&addr->ss, addr->len) == 0) {
		*fd_r = fd;
		return 1;
	}
	if (fd >= 0 && errno == EINPROGRESS) {
		*fd_r = fd;
		return 0;
	}
	int err = errno;
	if (fd >= 0)
		close(fd);
	sockspec_format_sockaddr((const struct sockaddr *)&addr->ss, addr->len, text, sizeof(text));
	*error_r = xasprintf("connect to %s: %s", text, strerror(err));
	return -1;
}

int sockspec_connect_finish(int fd, char **error_r)
{
	int err = 0;
	socklen_t len = sizeof(err);

	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	if (err == 0)
		return 1;
	*error_r = xasprintf("connect: %s", strerror(err));
	return -1;
}

/* sockspec_sockaddr_text: the address without port into buf; the port, for
 * inet, in *port_r (-1 for unix). */
static void sockspec_sockaddr_text(const struct sockaddr *sa, socklen_t len, char *buf, size_t size,
				   int *port_r)
{
	*port_r = -1;
	if (sa->sa_family == AF_INET && len >= sizeof(struct sockaddr_in)) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;
		inet_ntop(AF_INET, &sin->sin_addr, buf, (socklen_t)size);
		*port_r = ntohs(sin->sin_port);
	} else if (sa->sa_family == AF_INET6 && len >= sizeof(struct sockaddr_in6)) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)sa;
		inet_ntop(AF_INET6, &sin6->sin6_addr, buf, (socklen_t)size);
		*port_r = ntohs(sin6->sin6_port);
	} else if (sa->sa_family == AF_UNIX && len > offsetof(struct sockaddr_un, sun_path)) {
		const struct sockaddr_un *su = (const struct sockaddr_un *)sa;
		size_t max = len - offsetof(struct sockaddr_un, sun_path);
		if (max > sizeof(su->sun_path))
			max = sizeof(su->sun_path);
		snprintf(buf, size, "%.*s", (int)strnlen(su->sun_path, max), su->sun_path);
	} else {
		snprintf(buf, size, "unknown");
	}
}

const char *sockspec_format_sockaddr(const struct sockaddr *sa, socklen_t len, char *buf,
				     size_t size)
{
	char host[INET6_ADDRSTRLEN + 1] = "";
	int port;

	if (sa->sa_family == AF_UNIX) {
		sockspec_sockaddr_text(sa, len, buf, size, &port);
		return buf;
	}
	sockspec_sockaddr_text(sa, len, host, sizeof(host), &port);
	if (port < 0)
		snprintf(buf, size, "%s", host);
	else if (sa->sa_family == AF_INET6)
		snprintf(buf, size, "[%s]:%d", host, port);
	else
		snprintf(buf, size, "%s:%d", host, port);
	return buf;
}

const char *sockspec_format_peer(const char *name, const struct sockaddr *sa, socklen_t len,
				 char *buf, size_t size)
{
	char host[SOCKSPEC_ADDRSTRLEN];
	int port;

	sockspec_sockaddr_text(sa, len, host, sizeof(host), &port);
	if (name == NULL)
		name = "unknown";
	if (port < 0)
		snprintf(buf, size, "%s[%s]", name, host);
	else
		snprintf(buf, size, "%s[%s]:%d", name, host, port);
	return buf;
}
