/* daemon_signal.c: signals as events on a self-pipe (see daemon.h). The
 * handlers do only async-signal-safe work: an atomic OR into the pending
 * set and a one-byte write. */
#include "daemon.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

#include "mem.h"

static int daemon_sig_pipe[2] = {-1, -1};
static atomic_uint daemon_sig_pending;

static const struct {
	int signo;
	unsigned int event;
} daemon_sig_map[] = {
    {SIGHUP, DAEMON_EV_RELOAD},
    {SIGTERM, DAEMON_EV_STOP},
    {SIGINT, DAEMON_EV_STOP},
    {SIGCHLD, DAEMON_EV_CHILD},
};

#define DAEMON_SIG_COUNT (sizeof(daemon_sig_map) / sizeof(daemon_sig_map[0]))

static void daemon_sig_handler(int signo)
{
	int saved = errno;
	for (size_t i = 0; i < DAEMON_SIG_COUNT; i++)
		if (daemon_sig_map[i].signo == signo)
			atomic_fetch_or(&daemon_sig_pending, daemon_sig_map[i].event);
	/* A full pipe is already readable: the byte may be dropped. */
	ssize_t n = write(daemon_sig_pipe[1], "", 1);
	(void)n;
	errno = saved;
}

int daemon_signals_init(char **error_r)
{
	struct sigaction sa;

	if (daemon_sig_pipe[0] >= 0) {
		*error_r = xstrdup("signal handling is already set up");
		return -1;
	}
	if (pipe2(daemon_sig_pipe, O_NONBLOCK | O_CLOEXEC) < 0) {
		*error_r = xasprintf("signal pipe: %s", strerror(errno));
		return -1;
	}
	atomic_store(&daemon_sig_pending, 0);
	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = daemon_sig_handler;
	sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
	for (size_t i = 0; i < DAEMON_SIG_COUNT; i++)
		sigaddset(&sa.sa_mask, daemon_sig_map[i].signo);
	for (size_t i = 0; i < DAEMON_SIG_COUNT; i++) {
		if (sigaction(daemon_sig_map[i].signo, &sa, NULL) < 0) {
			*error_r = xasprintf("sigaction: %s", strerror(errno));
			daemon_signals_deinit();
			return -1;
		}
	}
	signal(SIGPIPE, SIG_IGN);
	return 1;
}

int daemon_signals_fd(void)
{
	return daemon_sig_pipe[0];
}

unsigned int daemon_signals_take(void)
{
	char drain[64];

	if (daemon_sig_pipe[0] < 0)
		return 0;
	/* Drain first: a signal that lands after the exchange below leaves
	 * its byte in the pipe and is seen on the next wakeup. */
	while (read(daemon_sig_pipe[0], drain, sizeof(drain)) > 0)
		continue;
	return atomic_exchange(&daemon_sig_pending, 0);
}

unsigned int daemon_signals_dispatch(const struct daemon_signal_handlers *h, void *ctx)
{
	unsigned int ev = daemon_signals_take();

	if ((ev & DAEMON_EV_CHILD) && h->child != NULL)
		h->child(ctx);
	if ((ev & DAEMON_EV_RELOAD) && h->reload != NULL)
		h->reload(ctx);
	if ((ev & DAEMON_EV_STOP) && h->stop != NULL)
		h->stop(ctx);
	return ev;
}

void daemon_signals_deinit(void)
{
	for (size_t i = 0; i < DAEMON_SIG_COUNT; i++)
		signal(daemon_sig_map[i].signo, SIG_DFL);
	signal(SIGPIPE, SIG_DFL);
	for (int i = 0; i < 2; i++) {
		if (daemon_sig_pipe[i] >= 0)
			close(daemon_sig_pipe[i]);
		daemon_sig_pipe[i] = -1;
	}
	atomic_store(&daemon_sig_pending, 0);
}
