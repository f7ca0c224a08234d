/* daemon_test.c: the pid file refuses a second copy and survives a stale
 * file; signals arrive as events on the self-pipe; privileges drop for
 * good (as root) or the drop is refused; detaching hands the starting
 * command the daemon's outcome. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "daemon.h"
#include "tap.h"

static char *read_file(const char *path)
{
	static char text[256];
	FILE *fp = fopen(path, "r");
	size_t n = 0;
	if (fp != NULL) {
		n = fread(text, 1, sizeof(text) - 1, fp);
		fclose(fp);
	}
	text[n] = '\0';
	return text;
}

static void test_pidfile(void)
{
	char path[512], want[32], pid_text[32];
	struct daemon_pidfile *pf = NULL, *pf2 = NULL;
	char *error = NULL;
	pid_t pid = 0;

	snprintf(path, sizeof(path), "%s/test.pid", tap_tmpdir());
	snprintf(want, sizeof(want), "%ld\n", (long)getpid());
	snprintf(pid_text, sizeof(pid_text), "(pid %ld)", (long)getpid());
	tap_is_int(daemon_pidfile_check(path, &pid, &error), 0, "no pid file: not running");
	tap_is_int(daemon_pidfile_open(path, &pf, &error), 1, "open the pid file");
	tap_is_str(read_file(path), want, "  ... it holds our pid");
	tap_is_int(daemon_pidfile_open(path, &pf2, &error), 0, "a second open is refused");
	tap_ok(error != NULL && strstr(error, "already running") != NULL
		       && strstr(error, pid_text) != NULL,
	       "  ... naming the running pid (%s)", error);
	free(error);
	error = NULL;
	tap_ok(pf2 == NULL, "  ... and returns no handle");
	tap_is_int(daemon_pidfile_check(path, &pid, &error), 1, "check: running");
	tap_is_int(pid, getpid(), "  ... with our pid");
	daemon_pidfile_close(&pf);
	tap_ok(pf == NULL, "close clears the pointer");
	tap_ok(access(path, F_OK) < 0 && errno == ENOENT, "  ... and removes the file");
	daemon_pidfile_close(&pf);
	daemon_pidfile_close(NULL);

	/* A file left by a crash: there is no lock on it. */
	tap_write_file(path, "99999\n");
	tap_is_int(daemon_pidfile_check(path, &pid, &error), 0, "a stale file: not running");
	tap_is_int(daemon_pidfile_open(path, &pf, &error), 1, "a stale file is taken over");
	tap_is_str(read_file(path), want, "  ... and rewritten with our pid");
	daemon_pidfile_close(&pf);

	char bad[600];
	snprintf(bad, sizeof(bad), "%s/no/such/dir/x.pid", tap_tmpdir());
	tap_is_int(daemon_pidfile_open(bad, &pf, &error), -1, "a pid file in a missing directory");
	tap_ok(error != NULL && strstr(error, bad) != NULL, "  ... names the file (%s)", error);
	free(error);
}

/* wait_fd: the signal pipe becomes readable within a second. */
static int wait_fd(int fd)
{
	struct pollfd p = {fd, POLLIN, 0};
	int rc;
	do /* the signal itself interrupts poll() */
		rc = poll(&p, 1, 1000);
	while (rc < 0 && errno == EINTR);
	return rc == 1;
}

static int reloads, stops, children;
static void on_reload(void *ctx)
{
	(void)ctx;
	reloads++;
}
static void on_stop(void *ctx)
{
	(void)ctx;
	stops++;
}
static void on_child(void *ctx)
{
	(void)ctx;
	while (waitpid(-1, NULL, WNOHANG) > 0)
		children++;
}

static void test_signals(void)
{
	char *error = NULL;
	tap_is_int(daemon_signals_fd(), -1, "no signal fd before init");
	tap_is_int(daemon_signals_init(&error), 1, "signal handling set up");
	int fd = daemon_signals_fd();
	tap_ok(fd >= 0, "  ... with a self-pipe");
	tap_is_int(daemon_signals_init(&error), -1, "  ... only once");
	free(error);
	error = NULL;
	tap_is_int(daemon_signals_take(), 0, "nothing pending at first");

	raise(SIGHUP);
	tap_ok(wait_fd(fd), "SIGHUP makes the pipe readable");
	tap_is_int(daemon_signals_take(), DAEMON_EV_RELOAD, "  ... as a reload");
	tap_is_int(daemon_signals_take(), 0, "  ... taken once");
	struct pollfd p = {fd, POLLIN, 0};
	tap_is_int(poll(&p, 1, 0), 0, "  ... and the pipe is drained");

	raise(SIGTERM);
	raise(SIGINT);
	raise(SIGHUP);
	tap_ok(wait_fd(fd), "SIGTERM, SIGINT and SIGHUP arrive");
	tap_is_int(daemon_signals_take(), DAEMON_EV_STOP | DAEMON_EV_RELOAD, "  ... as stop and reload");

	pid_t pid = fork();
	if (pid == 0)
		_exit(0);
	tap_ok(wait_fd(fd), "a child's exit arrives");
	struct daemon_signal_handlers h = {on_reload, on_stop, on_child};
	raise(SIGHUP);
	raise(SIGTERM);
	unsigned int ev = daemon_signals_dispatch(&h, NULL);
	tap_is_int(ev, DAEMON_EV_CHILD | DAEMON_EV_RELOAD | DAEMON_EV_STOP, "dispatch sees all three");
	tap_ok(children == 1 && reloads == 1 && stops == 1, "  ... and calls each handler once");

	int pfd[2];
	if (pipe(pfd) == 0) {
		close(pfd[0]);
		ssize_t n = write(pfd[1], "x", 1);
		tap_ok(n < 0 && errno == EPIPE, "SIGPIPE is ignored: a write gets EPIPE");
		close(pfd[1]);
	}
	daemon_signals_take();

	daemon_signals_deinit();
	tap_is_int(daemon_signals_fd(), -1, "deinit closes the pipe");
	struct sigaction sa;
	sigaction(SIGHUP, NULL, &sa);
	tap_ok(sa.sa_handler == SIG_DFL, "  ... and restores SIGHUP");
}

/* in_child: run fn in a child; its exit status. */
static int in_child(int (*fn)(void))
{
	pid_t pid = fork();
	int status = 0;
	if (pid == 0)
		_exit(fn());
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 100;
}

/* The exit codes of drop_nobody(). */
#define DROP_OK 0
#define DROP_REFUSED 1
#define DROP_NOT_FOR_GOOD 2

/* other_user: an existing user that is neither root nor us. */
static const char *other_user(void)
{
	static const char *const names[] = {"nobody", "daemon", "bin"};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		struct passwd *pw = getpwnam(names[i]);
		if (pw != NULL && pw->pw_uid != 0 && pw->pw_uid != getuid())
			return names[i];
	}
	return "nobody";
}

static int drop_other(void)
{
	char *error = NULL;
	const char *user = other_user();
	struct passwd *pw = getpwnam(user);
	if (daemon_drop_privileges(user, &error) != 1) {
		fprintf(stderr, "# %s\n", error);
		return DROP_REFUSED;
	}
	if (pw == NULL || getuid() != pw->pw_uid || geteuid() != pw->pw_uid
	    || getgid() != pw->pw_gid || setuid(0) == 0 || setgid(0) == 0)
		return DROP_NOT_FOR_GOOD;
	return DROP_OK;
}

static int drop_self(void)
{
	char *error = NULL;
	struct passwd *pw = getpwuid(getuid());
	return pw != NULL && daemon_drop_privileges(pw->pw_name, &error) == 1 ? 0 : 1;
}

static int drop_root(void)
{
	char *error = NULL;
	int rc = daemon_drop_privileges("root", &error);
	fprintf(stderr, "# %s\n", error ? error : "no error");
	return rc == -1 && error != NULL && strstr(error, "root") != NULL ? 0 : 1;
}

static int drop_unknown(void)
{
	char *error = NULL;
	int rc = daemon_drop_privileges("no-such-user-postern", &error);
	return rc == -1 && error != NULL && strstr(error, "no such user") != NULL ? 0 : 1;
}

static void test_privileges(void)
{
	if (geteuid() == 0) {
		tap_is_int(in_child(drop_other), DROP_OK, "as root: become %s, and root cannot be regained",
			   other_user());
	} else {
		tap_is_int(in_child(drop_other), DROP_REFUSED,
			   "not root: becoming %s is refused", other_user());
		tap_is_int(in_child(drop_self), 0, "not root: \"becoming\" ourselves is fine");
	}
	tap_is_int(in_child(drop_root), 0, "running as root is refused");
	tap_is_int(in_child(drop_unknown), 0, "an unknown user is refused");
}

static void test_umask(void)
{
	umask(077);
	xdaemon_init(1);
	tap_is_int(umask(0), DAEMON_UMASK, "the foreground daemon gets umask 022");
	daemon_detach_ready();
	tap_ok(fcntl(STDERR_FILENO, F_GETFD) >= 0, "ready in the foreground leaves stderr alone");
}

/* detached: the "daemon" side of the detach test; writes its facts to
 * the file named in the environment and either reports ready or dies. */
static int detach_and(int ready)
{
	xdaemon_init(0);
	char cwd[64] = "";
	FILE *fp = fopen(getenv("DETACH_FILE"), "w");
	if (fp != NULL) {
		fprintf(fp, "%ld %ld %s\n", (long)getpid(), (long)getsid(0),
			getcwd(cwd, sizeof(cwd)) ? cwd : "?");
		fclose(fp);
	}
	if (ready)
		daemon_detach_ready();
	return 0;
}

static int detach_ready(void)
{
	return detach_and(1);
}

static int detach_die(void)
{
	return detach_and(0);
}

static void test_detach(void)
{
	char file[512];
	long pid = 0, sid = 0;
	char cwd[64] = "";

	snprintf(file, sizeof(file), "%s/detach.out", tap_tmpdir());
	setenv("DETACH_FILE", file, 1);
	tap_is_int(in_child(detach_ready), 0, "detach: the starting command exits 0 once ready");
	/* The daemon wrote the file before it said ready. */
	if (sscanf(read_file(file), "%ld %ld %63s", &pid, &sid, cwd) == 3) {
		tap_ok(pid != getpid() && sid != getsid(0), "  ... the daemon has its own session");
		tap_ok(sid != pid, "  ... and is not its leader (no terminal can attach)");
		tap_is_str(cwd, "/", "  ... and works in /");
	} else {
		tap_ok(0, "  ... the daemon reported in");
	}
	unlink(file);
	tap_is_int(in_child(detach_die), 1, "detach: exits 1 when the daemon dies before ready");
	unlink(file);
}

int main(void)
{
	test_pidfile();
	test_signals();
	test_privileges();
	test_umask();
	test_detach();
	rmdir(tap_tmpdir());
	return tap_done();
}
