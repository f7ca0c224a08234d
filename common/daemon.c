/* daemon.c: going to the background with a readiness handshake, so the
 * command that starts a daemon exits 0 only once the daemon is up (see
 * daemon.h). */
#include "daemon.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"

/* The write end of the pipe the starting command waits on; -1 when there
 * is nobody waiting. */
static int daemon_ready_fd = -1;

/* daemon_null_fd: point fd at /dev/null. */
static void daemon_null_fd(int fd)
{
	int null = open("/dev/null", O_RDWR);
	if (null < 0)
		log_fatal("open /dev/null: %s", strerror(errno));
	if (null != fd) {
		if (dup2(null, fd) < 0)
			log_fatal("dup2 /dev/null: %s", strerror(errno));
		close(null);
	}
}

/* daemon_wait_ready: in the starting command, wait for the daemon's word
 * and exit with its outcome. */
static void daemon_wait_ready(int fd)
{
	char c;
	ssize_t n;
	do
		n = read(fd, &c, 1);
	while (n < 0 && errno == EINTR);
	_exit(n == 1 ? 0 : 1);
}

void xdaemon_init(int foreground)
{
	int pipefd[2];
	pid_t pid;

	umask(DAEMON_UMASK);
	if (foreground)
		return;
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		log_fatal("pipe: %s", strerror(errno));
	if ((pid = fork()) < 0)
		log_fatal("fork: %s", strerror(errno));
	if (pid > 0) {
		close(pipefd[1]);
		daemon_wait_ready(pipefd[0]);
	}
	close(pipefd[0]);
	if (setsid() < 0)
		log_fatal("setsid: %s", strerror(errno));
	/* A session leader could acquire a controlling terminal by opening
	 * one; its child cannot. */
	if ((pid = fork()) < 0)
		log_fatal("fork: %s", strerror(errno));
	if (pid > 0)
		_exit(0);
	if (chdir("/") < 0)
		log_fatal("chdir /: %s", strerror(errno));
	daemon_null_fd(STDIN_FILENO);
	daemon_null_fd(STDOUT_FILENO);
	daemon_ready_fd = pipefd[1];
}

void daemon_detach_ready(void)
{
	if (daemon_ready_fd < 0)
		return;
	ssize_t n;
	do
		n = write(daemon_ready_fd, "", 1);
	while (n < 0 && errno == EINTR);
	close(daemon_ready_fd);
	daemon_ready_fd = -1;
	daemon_null_fd(STDERR_FILENO);
}
