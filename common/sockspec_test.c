/* sockspec_test.c: socket specs in Postfix and Sendmail notation parse to
 * the same thing and format back; resolution is numeric unless asked;
 * listening and connecting work on loopback and UNIX sockets, stale UNIX
 * sockets are replaced and live ones are not. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "sockspec.h"
#include "tap.h"

#define LI SOCKSPEC_LISTEN
#define BP SOCKSPEC_BARE_PATH
#define SV SOCKSPEC_SERVICE_NAMES

static void test_parse(void)
{
	static const struct {
		const char *text;
		unsigned int flags;
		const char *canonical; /* NULL: refused */
	} cases[] = {
		{"unix:/run/postern/milter.sock", 0, "unix:/run/postern/milter.sock"},
		{"local:/var/run/opendkim.sock", 0, "unix:/var/run/opendkim.sock"},
		{"unix:private/policy", 0, "unix:private/policy"},
		{"/run/x.sock", BP, "unix:/run/x.sock"},
		{"/run/x.sock", 0, NULL},
		{"unix:", 0, NULL},
		{"inet:127.0.0.1:8891", 0, "inet:127.0.0.1:8891"},
		{"inet:8891@127.0.0.1", 0, "inet:127.0.0.1:8891"},
		{"inet:8891@[127.0.0.1]", 0, "inet:127.0.0.1:8891"},
		{"inet:8891@localhost", 0, "inet:localhost:8891"},
		{"inet:localhost:10031", 0, "inet:localhost:10031"},
		{"inet6:8891@::1", 0, "inet6:[::1]:8891"},
		{"inet6:[::1]:8891", 0, "inet6:[::1]:8891"},
		{"inet6:8891@127.0.0.1", 0, NULL},
		{"inet:[2001:db8::1]:25", 0, "inet:[2001:db8::1]:25"},
		{"[::1]:2525", 0, "inet:[::1]:2525"},
		{"127.0.0.1:25", 0, "inet:127.0.0.1:25"},
		{"mail.example.com:587", 0, "inet:mail.example.com:587"},
		{"127.0.0.1:smtp", SV, "inet:127.0.0.1:25"},
		{"127.0.0.1:smtp", 0, NULL},
		{"inet:submission@127.0.0.1", SV, "inet:127.0.0.1:587"},
		{"127.0.0.1:no-such-service", SV, NULL},
		{"2525", LI, "inet:*:2525"},
		{":2525", LI, "inet:*:2525"},
		{"*:2525", LI, "inet:*:2525"},
		{"inet:8891", LI, "inet:*:8891"},
		{"inet:*:0", LI, "inet:*:0"},
		{"2525", 0, NULL},                     /* a client needs a host */
		{"inet:8891", 0, NULL},
		{"127.0.0.1", 0, NULL},                /* no port */
		{"127.0.0.1:", 0, NULL},
		{"127.0.0.1:65535", 0, "inet:127.0.0.1:65535"},
		{"127.0.0.1:65536", 0, NULL},
		{"127.0.0.1:025", 0, NULL},            /* leading zero, as Postfix */
		{"127.0.0.1:-1", 0, NULL},
		{"::1:25", 0, NULL},                   /* IPv6 needs brackets */
		{"inet:[::1:25", 0, NULL},
		{"inet:[::1]25", 0, NULL},
		{"inet:[]:25", 0, NULL},
		{"inet:[not..valid]:25", 0, NULL},
		{"inet:bad_host!:25", 0, NULL},
		{"inet:010.0.0.1:25", 0, NULL},        /* octal to getaddrinfo */
		{"inet:@127.0.0.1", 0, NULL},
		{"inet:25@", 0, NULL},
		{"tcp:127.0.0.1:25", 0, NULL},
		{"", 0, NULL},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sockspec *spec = NULL;
		char *error = NULL;
		int rc = sockspec_parse(cases[i].text, cases[i].flags, &spec, &error);
		if (cases[i].canonical == NULL) {
			tap_ok(rc == -1 && spec == NULL && error != NULL
				       && strncmp(error, cases[i].text, strlen(cases[i].text)) == 0,
			       "refuse \"%s\" (%s)", cases[i].text, error ? error : "no message");
		} else if (tap_is_int(rc, 1, "parse \"%s\"", cases[i].text)) {
			struct buf out;
			buf_init(&out, 0);
			tap_is_str(sockspec_format(&out, spec), cases[i].canonical, "  ... canonical");
			/* The canonical text parses to the same spec. */
			struct sockspec *again = NULL;
			char *error2 = NULL;
			struct buf out2;
			buf_init(&out2, 0);
			int rc2 = sockspec_parse(buf_cstr(&out), cases[i].flags | LI, &again, &error2);
			tap_ok(rc2 == 1 && strcmp(sockspec_format(&out2, again), buf_cstr(&out)) == 0,
			       "  ... and parses back the same");
			sockspec_free(&again);
			free(error2);
			buf_deinit(&out);
			buf_deinit(&out2);
		} else {
			tap_diag("error: %s", error);
		}
		sockspec_free(&spec);
		tap_ok(spec == NULL, "  ... sockspec_free clears the pointer");
		free(error);
	}
	sockspec_free(NULL);
}

static void test_path_length(void)
{
	char text[200];
	struct sockspec *spec = NULL;
	char *error = NULL;
	snprintf(text, sizeof(text), "unix:/%0107d", 0); /* 108 octets: one too many */
	tap_is_int(sockspec_parse(text, 0, &spec, &error), -1, "a unix path over 107 octets");
	free(error);
	error = NULL;
	snprintf(text, sizeof(text), "unix:/%0106d", 0);
	tap_is_int(sockspec_parse(text, 0, &spec, &error), 1, "a unix path of 107 octets");
	sockspec_free(&spec);
}

static struct sockspec *parse_ok(const char *text, unsigned int flags)
{
	struct sockspec *spec = NULL;
	char *error = NULL;
	if (sockspec_parse(text, flags, &spec, &error) != 1) {
		printf("Bail out! cannot parse %s: %s\n", text, error);
		exit(1);
	}
	return spec;
}

static void test_resolve(void)
{
	struct sockspec *spec = parse_ok("inet:127.0.0.1:25", 0);
	struct sockspec_addr *addrs = NULL;
	size_t n = 0;
	char *error = NULL;
	char text[SOCKSPEC_ADDRSTRLEN];

	tap_is_int(sockspec_resolve(spec, 0, &addrs, &n, &error), 1, "resolve a numeric IPv4 spec");
	tap_is_int((long long)n, 1, "  ... to one address");
	tap_is_str(sockspec_format_sockaddr((struct sockaddr *)&addrs[0].ss, addrs[0].len, text,
					    sizeof(text)),
		   "127.0.0.1:25", "  ... formatted host:port");
	tap_is_str(sockspec_format_peer("localhost", (struct sockaddr *)&addrs[0].ss, addrs[0].len,
					text, sizeof(text)),
		   "localhost[127.0.0.1]:25", "  ... and as a peer for the log");
	tap_is_str(sockspec_format_peer(NULL, (struct sockaddr *)&addrs[0].ss, addrs[0].len, text,
					sizeof(text)),
		   "unknown[127.0.0.1]:25", "  ... unknown name");
	free(addrs);
	sockspec_free(&spec);

	spec = parse_ok("inet6:[2001:db8::1]:587", 0);
	tap_is_int(sockspec_resolve(spec, 0, &addrs, &n, &error), 1, "resolve a numeric IPv6 spec");
	tap_is_str(sockspec_format_sockaddr((struct sockaddr *)&addrs[0].ss, addrs[0].len, text,
					    sizeof(text)),
		   "[2001:db8::1]:587", "  ... formatted [addr]:port");
	free(addrs);
	sockspec_free(&spec);

	spec = parse_ok("inet:localhost:25", 0);
	tap_is_int(sockspec_resolve(spec, 0, &addrs, &n, &error), -1,
		   "a host name is not resolved without SOCKSPEC_RESOLVE");
	tap_diag("%s", error);
	free(error);
	error = NULL;
	tap_is_int(sockspec_resolve(spec, SOCKSPEC_RESOLVE, &addrs, &n, &error), 1,
		   "  ... and is with it (/etc/hosts)");
	if (n > 0)
		free(addrs);
	sockspec_free(&spec);

	spec = parse_ok("inet:no-such-host.invalid:25", 0);
	int rc = sockspec_resolve(spec, SOCKSPEC_RESOLVE, &addrs, &n, &error);
	tap_ok(rc == 0 || rc == -1, "a name that does not resolve is no address (%s)", error);
	free(error);
	error = NULL;
	sockspec_free(&spec);

	spec = parse_ok("unix:/run/x.sock", 0);
	tap_is_int(sockspec_resolve(spec, 0, &addrs, &n, &error), 1, "resolve a unix spec");
	tap_is_str(sockspec_format_sockaddr((struct sockaddr *)&addrs[0].ss, addrs[0].len, text,
					    sizeof(text)),
		   "/run/x.sock", "  ... formatted as the path");
	tap_is_str(sockspec_format_peer("milter", (struct sockaddr *)&addrs[0].ss, addrs[0].len,
					text, sizeof(text)),
		   "milter[/run/x.sock]", "  ... and as a peer");
	free(addrs);
	sockspec_free(&spec);
}

/* connect_and_accept: connect to addr, accept on lfd, exchange a byte. */
static int connect_and_accept(const struct sockspec_addr *addr, int lfd)
{
	int fd = -1, cfd = -1, ok = 0;
	char *error = NULL;
	int rc = sockspec_connect_addr(addr, &fd, &error);
	if (rc == 0) {
		struct pollfd p = {fd, POLLOUT, 0};
		if (poll(&p, 1, 5000) == 1)
			rc = sockspec_connect_finish(fd, &error);
	}
	if (rc == 1) {
		struct pollfd p = {lfd, POLLIN, 0};
		if (poll(&p, 1, 5000) == 1 && (cfd = accept(lfd, NULL, NULL)) >= 0) {
			char c = 0;
			ok = write(fd, "x", 1) == 1 && read(cfd, &c, 1) == 1 && c == 'x';
			close(cfd);
		}
	} else {
		tap_diag("connect: %s", error);
	}
	if (fd >= 0)
		close(fd);
	free(error);
	return ok;
}

static void test_inet_listen(void)
{
	struct sockspec *spec = parse_ok("inet:127.0.0.1:0", LI);
	int *fds = NULL;
	size_t n = 0;
	char *error = NULL;

	if (!tap_is_int(sockspec_listen(spec, 0, 16, 0, &fds, &n, &error), 1,
			"listen on 127.0.0.1, ephemeral port")) {
		tap_diag("%s", error);
		free(error);
		sockspec_free(&spec);
		return;
	}
	struct sockspec_addr addr;
	addr.len = sizeof(addr.ss);
	getsockname(fds[0], (struct sockaddr *)&addr.ss, &addr.len);
	tap_ok(ntohs(((struct sockaddr_in *)&addr.ss)->sin_port) != 0, "  ... got a port");
	tap_ok(connect_and_accept(&addr, fds[0]), "  ... a client connects and talks");
	tap_ok((fcntl(fds[0], F_GETFL) & O_NONBLOCK) != 0, "  ... non-blocking");
	tap_ok((fcntl(fds[0], F_GETFD) & FD_CLOEXEC) != 0, "  ... close-on-exec");
	close(fds[0]);
	free(fds);
	sockspec_free(&spec);

	/* Nothing listens on the port just closed: the connect fails. */
	int fd = -1;
	int rc = sockspec_connect_addr(&addr, &fd, &error);
	if (rc == 0) {
		struct pollfd p = {fd, POLLOUT, 0};
		poll(&p, 1, 5000);
		rc = sockspec_connect_finish(fd, &error);
		close(fd);
	}
	tap_is_int(rc, -1, "connect to a closed port fails (%s)", error ? error : "");
	free(error);
}

static void test_unix_listen(void)
{
	char path[256], spec_text[300];
	const char *dir = tap_tmpdir();
	struct sockspec *spec;
	struct sockspec_addr *addrs = NULL;
	size_t n = 0;
	char *error = NULL;
	struct stat st;

	snprintf(path, sizeof(path), "%s/test.sock", dir);
	snprintf(spec_text, sizeof(spec_text), "unix:%s", path);
	spec = parse_ok(spec_text, 0);
	sockspec_resolve(spec, 0, &addrs, &n, &error);

	int lfd = sockspec_listen_addr(&addrs[0], 16, 0660, &error);
	tap_ok(lfd >= 0, "listen on a unix socket (%s)", error ? error : "ok");
	tap_ok(stat(path, &st) == 0 && (st.st_mode & 0777) == 0660, "  ... with mode 0660 (%o)",
	       (unsigned int)(st.st_mode & 0777));
	tap_ok(connect_and_accept(&addrs[0], lfd), "  ... a client connects and talks");

	int again = sockspec_listen_addr(&addrs[0], 16, 0666, &error);
	tap_ok(again < 0 && error != NULL && strstr(error, "in use") != NULL,
	       "a live socket is not taken over (%s)", error);
	free(error);
	error = NULL;
	close(lfd);

	/* The socket file is now stale: nobody accepts on it. */
	tap_ok(stat(path, &st) == 0, "the closed socket leaves its file");
	lfd = sockspec_listen_addr(&addrs[0], 16, 0600, &error);
	tap_ok(lfd >= 0, "a stale socket is replaced (%s)", error ? error : "ok");
	tap_ok(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600, "  ... with the new mode");
	tap_ok(connect_and_accept(&addrs[0], lfd), "  ... and accepts clients");
	close(lfd);
	unlink(path);

	tap_write_file(path, "not a socket\n");
	lfd = sockspec_listen_addr(&addrs[0], 16, 0666, &error);
	tap_ok(lfd < 0 && error != NULL && strstr(error, "not a socket") != NULL,
	       "a regular file is never removed (%s)", error);
	tap_ok(stat(path, &st) == 0 && S_ISREG(st.st_mode), "  ... it is still there");
	free(error);
	error = NULL;
	unlink(path);
	free(addrs);
	sockspec_free(&spec);

	/* sockspec_listen() on the whole spec. */
	int *fds = NULL;
	snprintf(spec_text, sizeof(spec_text), "local:%s", path);
	spec = parse_ok(spec_text, 0);
	tap_is_int(sockspec_listen(spec, 0, 16, 0666, &fds, &n, &error), 1,
		   "sockspec_listen on a local: spec");
	tap_is_int((long long)n, 1, "  ... one socket");
	close(fds[0]);
	free(fds);
	unlink(path);
	sockspec_free(&spec);

	snprintf(spec_text, sizeof(spec_text), "unix:%s/no/such/dir/x.sock", dir);
	spec = parse_ok(spec_text, 0);
	tap_is_int(sockspec_listen(spec, 0, 16, 0666, &fds, &n, &error), -1,
		   "listening in a missing directory fails");
	tap_ok(error != NULL && strstr(error, "No such file") != NULL, "  ... and says why (%s)",
	       error);
	free(error);
	sockspec_free(&spec);
	rmdir(dir);
}

static void test_wildcard_listen(void)
{
	struct sockspec *spec = parse_ok("inet:*:0", LI);
	int *fds = NULL;
	size_t n = 0;
	char *error = NULL;
	int rc = sockspec_listen(spec, 0, 16, 0, &fds, &n, &error);
	tap_is_int(rc, 1, "listen on the wildcard address (%s)", error ? error : "ok");
	tap_ok(n >= 1 && n <= 2, "  ... on IPv4 and/or IPv6 (%zu sockets)", n);
	for (size_t i = 0; i < n; i++)
		close(fds[i]);
	free(fds);
	free(error);
	sockspec_free(&spec);
}

int main(void)
{
	test_parse();
	test_path_length();
	test_resolve();
	test_inet_listen();
	test_unix_listen();
	test_wildcard_listen();
	return tap_done();
}
