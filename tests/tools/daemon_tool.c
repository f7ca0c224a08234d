/* daemon_tool.c: a tiny daemon built on common/daemon and common/sockspec,
 * for the integration tests. It serves one line per connection saying who
 * it is and what it has seen ("pid=N uid=N gid=N reloads=N reaped=N");
 * SIGHUP counts a reload and starts a short-lived child (reaped on
 * SIGCHLD); SIGTERM or SIGINT stops it.
 *
 *   daemon_tool [-f] [-u USER] [-m MODE] -p PIDFILE -s SOCKSPEC   serve
 *   daemon_tool -c PIDFILE     "running PID" (exit 0) or "stopped" (exit 1)
 *   daemon_tool -q SOCKSPEC    connect and print the server's line
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "daemon.h"
#include "log.h"
#include "mem.h"
#include "sockspec.h"

#define USAGE                                                                                      \
	"usage: daemon_tool [-f] [-u user] [-m mode] -p pidfile -s sockspec\n"                     \
	"       daemon_tool -c pidfile | -q sockspec"

struct tool {
	int reloads, reaped, running;
};

static void tool_reload(void *ctx)
{
	struct tool *t = ctx;
	t->reloads++;
	log_info("reload %d", t->reloads);
	pid_t pid = fork();
	if (pid == 0)
		_exit(0);
	if (pid < 0)
		log_warn("fork: %s", strerror(errno));
}

static void tool_child(void *ctx)
{
	struct tool *t = ctx;
	while (waitpid(-1, NULL, WNOHANG) > 0)
		t->reaped++;
}

static void tool_stop(void *ctx)
{
	struct tool *t = ctx;
	t->running = 0;
	log_info("stopping");
}

static void tool_answer(const struct tool *t, int lfd)
{
	char line[160];
	int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0)
		return;
	int n = snprintf(line, sizeof(line), "pid=%ld uid=%ld gid=%ld reloads=%d reaped=%d\n",
			 (long)getpid(), (long)getuid(), (long)getgid(), t->reloads, t->reaped);
	if (write(fd, line, (size_t)n) != n)
		log_warn("write: %s", strerror(errno));
	close(fd);
}

static int tool_serve(int foreground, const char *user, mode_t mode, const char *pidfile,
		      const char *spec_text)
{
	struct daemon_pidfile *pf = NULL;
	struct sockspec *spec = NULL;
	struct tool t = {0, 0, 1};
	int *fds = NULL;
	size_t nfds = 0;
	char *error = NULL;

	log_init("daemon_tool", LOG_DEST_STDERR);
	xdaemon_init(foreground);
	if (daemon_pidfile_open(pidfile, &pf, &error) != 1)
		log_fatal("%s", error);
	if (daemon_signals_init(&error) != 1)
		log_fatal("%s", error);
	if (sockspec_parse(spec_text, SOCKSPEC_LISTEN | SOCKSPEC_BARE_PATH, &spec, &error) != 1 ||
	    sockspec_listen(spec, 0, 16, mode, &fds, &nfds, &error) != 1)
		log_fatal("%s", error);
	if (user != NULL && daemon_drop_privileges(user, &error) != 1)
		log_fatal("%s", error);
	daemon_detach_ready();
	if (!foreground)
		log_init("daemon_tool", LOG_DEST_SYSLOG);
	log_info("ready");

	struct pollfd *pfd = xcalloc(nfds + 1, sizeof(*pfd));
	pfd[0].fd = daemon_signals_fd();
	pfd[0].events = POLLIN;
	for (size_t i = 0; i < nfds; i++) {
		pfd[i + 1].fd = fds[i];
		pfd[i + 1].events = POLLIN;
	}
	const struct daemon_signal_handlers handlers = {tool_reload, tool_stop, tool_child};
	while (t.running) {
		if (poll(pfd, nfds + 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			log_fatal("poll: %s", strerror(errno));
		}
		if (pfd[0].revents & POLLIN)
			daemon_signals_dispatch(&handlers, &t);
		for (size_t i = 0; i < nfds; i++)
			if (t.running && (pfd[i + 1].revents & POLLIN))
				tool_answer(&t, fds[i]);
	}
	for (size_t i = 0; i < nfds; i++)
		close(fds[i]);
	free(fds);
	free(pfd);
	sockspec_free(&spec);
	daemon_pidfile_close(&pf);
	daemon_signals_deinit();
	log_info("stopped");
	return 0;
}

static int tool_check(const char *pidfile)
{
	pid_t pid = 0;
	char *error = NULL;
	int rc = daemon_pidfile_check(pidfile, &pid, &error);
	if (rc < 0)
		log_fatal("%s", error);
	if (rc == 0) {
		printf("stopped\n");
		return 1;
	}
	printf("running %ld\n", (long)pid);
	return 0;
}

static int tool_query(const char *spec_text)
{
	struct sockspec *spec = NULL;
	struct sockspec_addr *addrs = NULL;
	size_t n = 0;
	char *error = NULL, line[256];
	int fd = -1;

	if (sockspec_parse(spec_text, SOCKSPEC_BARE_PATH, &spec, &error) != 1 ||
	    sockspec_resolve(spec, SOCKSPEC_RESOLVE, &addrs, &n, &error) != 1)
		log_fatal("%s", error);
	int rc = sockspec_connect_addr(&addrs[0], &fd, &error);
	if (rc == 0) {
		struct pollfd p = {fd, POLLOUT, 0};
		if (poll(&p, 1, 5000) != 1)
			log_fatal("connect: timed out");
		rc = sockspec_connect_finish(fd, &error);
	}
	if (rc < 0)
		log_fatal("%s", error);
	size_t len = 0;
	for (;;) {
		struct pollfd p = {fd, POLLIN, 0};
		if (poll(&p, 1, 5000) != 1)
			log_fatal("read: timed out");
		ssize_t got = read(fd, line + len, sizeof(line) - 1 - len);
		if (got < 0 && errno == EAGAIN)
			continue;
		if (got <= 0 || (len += (size_t)got) == sizeof(line) - 1)
			break;
	}
	line[len] = '\0';
	fputs(line, stdout);
	close(fd);
	free(addrs);
	sockspec_free(&spec);
	return len > 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
	const char *user = NULL, *pidfile = NULL, *spec = NULL;
	mode_t mode = 0666;
	int foreground = 0, c;

	log_init("daemon_tool", LOG_DEST_STDERR);
	while ((c = getopt(argc, argv, "c:fm:p:q:s:u:")) != -1) {
		switch (c) {
		case 'c':
			return tool_check(optarg);
		case 'q':
			return tool_query(optarg);
		case 'f':
			foreground = 1;
			break;
		case 'm':
			mode = (mode_t)strtoul(optarg, NULL, 8);
			break;
		case 'p':
			pidfile = optarg;
			break;
		case 's':
			spec = optarg;
			break;
		case 'u':
			user = optarg;
			break;
		default:
			fprintf(stderr, "%s\n", USAGE);
			return 2;
		}
	}
	if (pidfile == NULL || spec == NULL || optind != argc) {
		fprintf(stderr, "%s\n", USAGE);
		return 2;
	}
	return tool_serve(foreground, user, mode, pidfile, spec);
}
