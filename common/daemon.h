/* daemon.h: the process chores every Postern daemon shares: going to the
 * background, a pid file that keeps a second copy from starting, signals
 * turned into events an event loop can watch, and dropping root.
 *
 * The order a daemon's main() follows (each step needs the one before):
 *   1. xdaemon_init(foreground)       umask 022; unless -f, detach
 *   2. daemon_pidfile_open()          refuse to start twice
 *   3. daemon_signals_init()          before any child or connection
 *   4. open listening sockets         still root: ports below 1024
 *   5. daemon_drop_privileges(user)   for good: root cannot be regained
 *   6. daemon_detach_ready()          the starting command returns 0
 *   7. event loop: watch daemon_signals_fd(), call
 *      daemon_signals_dispatch() when it is readable
 *   8. daemon_pidfile_close(), daemon_signals_deinit()
 * Nothing here depends on an event library. Log to stderr until step 6,
 * then (in the background) switch to syslog with log_init(), so a startup
 * error reaches the terminal of whoever started the daemon.
 *
 * Signals, the pid file lock and the detach pipe are process-wide: call
 * these functions from the main thread, before other threads start (libmilter
 * runs its own signal thread: a libmilter daemon skips steps 3 and 7).
 */
#ifndef POSTERN_DAEMON_H
#define POSTERN_DAEMON_H

#include <sys/types.h>

#define DAEMON_UMASK 022

/* xdaemon_init: set the umask to DAEMON_UMASK and, unless foreground, go to
 * the background: fork, setsid, fork again (so no terminal can become the
 * controlling one), chdir("/"), stdin and stdout to /dev/null. The command
 * that started the daemon waits until daemon_detach_ready() and then exits
 * 0; if the daemon exits first (a startup error), it exits 1. stderr stays
 * open until daemon_detach_ready() so startup errors still reach the
 * terminal. Fatal (log_fatal) when fork, setsid or /dev/null fail. */
void xdaemon_init(int foreground);

/* daemon_detach_ready: tell the waiting parent that startup succeeded and
 * point stderr at /dev/null. Does nothing in the foreground or when called
 * again. */
void daemon_detach_ready(void);

/* daemon_drop_privileges: become user (initgroups, setgid, setuid) for
 * good, then verify that setuid(0) fails and that the real, effective and
 * saved ids all changed. Returns 1 on success; 1 also when the process
 * already runs as user and is not root. Returns -1 with *error_r (free it)
 * when the user is unknown or is root, when not started as root, or when
 * a step fails: the caller should treat that as fatal. */
int daemon_drop_privileges(const char *user, char **error_r);

struct daemon_pidfile;

/* daemon_pidfile_open: create or open path (mode 0644), take an exclusive
 * lock on it and write our pid. The lock, not the file's existence, says
 * whether a copy is running, so a file left by a crash does no harm.
 * The lock belongs to the open file: a forked child that outlives the
 * daemon keeps it (close-on-exec drops it in children that exec).
 * Returns 1 with *pf_r (close with daemon_pidfile_close()); 0 when another
 * process holds the lock, with *error_r "PATH: already running (pid N)";
 * -1 on other errors with *error_r. Free *error_r in both cases. */
int daemon_pidfile_open(const char *path, struct daemon_pidfile **pf_r, char **error_r);

/* daemon_pidfile_close: remove the file (quietly skipped when privileges
 * were dropped and the directory no longer allows it), release the lock
 * and free *pfp, setting it to NULL. Accepts NULL. */
void daemon_pidfile_close(struct daemon_pidfile **pfp);

/* daemon_pidfile_check: is a daemon holding the lock on path? 1 with
 * *pid_r its pid (pid_r may be NULL), 0 when no process holds it (no file,
 * or a stale one), -1 with *error_r on errors. */
int daemon_pidfile_check(const char *path, pid_t *pid_r, char **error_r);

/* Events delivered by signals, as bits. */
enum daemon_event {
	DAEMON_EV_RELOAD = 1 << 0, /* SIGHUP: re-read configuration and tables */
	DAEMON_EV_STOP = 1 << 1,   /* SIGTERM, SIGINT: finish the work in hand, exit */
	DAEMON_EV_CHILD = 1 << 2,  /* SIGCHLD: reap children with waitpid() */
};

/* daemon_signals_init: catch SIGHUP, SIGTERM, SIGINT and SIGCHLD (the
 * handlers only record the event and write a byte to a self-pipe) and
 * ignore SIGPIPE. Returns 1, or -1 with *error_r. */
int daemon_signals_init(char **error_r);

/* daemon_signals_fd: the read end of the self-pipe; readable when events
 * are pending. -1 before daemon_signals_init(). Do not read it yourself. */
int daemon_signals_fd(void);

/* daemon_signals_take: the pending events (enum daemon_event bits), which
 * are cleared; drains the self-pipe. 0 when none. Never blocks. */
unsigned int daemon_signals_take(void);

/* Callbacks for daemon_signals_dispatch(); any may be NULL. */
struct daemon_signal_handlers {
	void (*reload)(void *ctx);
	void (*stop)(void *ctx);
	void (*child)(void *ctx);
};

/* daemon_signals_dispatch: take the pending events and call the handler
 * for each, child first, then reload, then stop. Returns the events. */
unsigned int daemon_signals_dispatch(const struct daemon_signal_handlers *h, void *ctx);

/* daemon_signals_deinit: restore the default dispositions and close the
 * self-pipe. */
void daemon_signals_deinit(void);

#endif
