/* spf_sandbox_test.c: inside the sandbox a process can read files, make
 * threads and UDP sockets, and cannot write files, fork, exec, bind or
 * open packet sockets. Each check runs in a child of its own. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <netinet/in.h>

#include "spf_sandbox.h"
#include "tap.h"

static void *thread_fn(void *arg)
{
	return arg;
}

/* run: fork, enter the sandbox, run check; the child's exit status is 0
 * when check returned 1; a signal gives 128 + its number. */
static int run(int (*check)(void))
{
	pid_t pid = fork();
	if (pid == 0) {
		char *err = NULL;
		if (spf_sandbox_enter(NULL, &err) < 0) {
			fprintf(stderr, "sandbox: %s\n", err);
			_exit(3);
		}
		_exit(check() ? 0 : 1);
	}
	int status;
	waitpid(pid, &status, 0);
	return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
}

static int can_read(void)
{
	int fd = open("/etc/resolv.conf", O_RDONLY);
	return fd >= 0 && close(fd) == 0;
}

static int cannot_write(void)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/x", tap_tmpdir());
	return open(path, O_WRONLY | O_CREAT, 0600) < 0 && errno == EPERM &&
	       open("/dev/null", O_RDWR) < 0 && open(path, O_RDONLY | O_APPEND) < 0;
}

static int cannot_unlink(void)
{
	return unlink("/etc/resolv.conf") < 0 && errno == EPERM;
}

static int threads_work(void)
{
	pthread_t t;
	return pthread_create(&t, NULL, thread_fn, NULL) == 0 && pthread_join(t, NULL) == 0;
}

/* A sanitizer build keeps clone open for LeakSanitizer (spf_sandbox.c). */
#if !defined(__SANITIZE_ADDRESS__)
static int cannot_fork(void)
{
	return fork() < 0;
}
#endif

static int udp_yes_bind_no(void)
{
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in sin = {.sin_family = AF_INET};
	return fd >= 0 && bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0 && errno == EPERM;
}

static int no_packet_socket(void)
{
	return socket(AF_PACKET, SOCK_RAW, 0) < 0 && errno == EAFNOSUPPORT &&
	       socket(AF_NETLINK, SOCK_RAW, 0) < 0;
}

static int exec_shell(void)
{
	execl("/bin/sh", "sh", "-c", "exit 0", (char *)NULL);
	return 0;
}

int main(void)
{
	tap_tmpdir(); /* made before any sandbox */
	tap_is_int(run(can_read), 0, "files can be read");
	tap_is_int(run(cannot_write), 0, "no file can be opened for writing");
	tap_is_int(run(cannot_unlink), 0, "no file can be removed");
	tap_is_int(run(threads_work), 0, "threads can be created");
	tap_is_int(run(udp_yes_bind_no), 0, "UDP sockets work, bind does not");
	tap_is_int(run(no_packet_socket), 0, "no packet or netlink sockets");
	tap_is_int(run(exec_shell), 128 + SIGSYS, "exec kills the process (SIGSYS)");
#if !defined(__SANITIZE_ADDRESS__)
	tap_is_int(run(cannot_fork), 0, "no fork");
#endif
	return tap_done();
}
