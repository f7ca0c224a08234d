/* av_reload.c: the current engine and its replacement when the database
 * directory changes (see av_reload.h): the inotify watch, the thread that
 * waits for the directory to settle and loads, the swap under a lock, and
 * the process-wide shared reloader.
 */
#include "av_reload.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "mem.h"

/* What changes in the directory count: files written, renamed in or out,
 * deleted; and the directory itself going away. */
#define AV_WATCH_MASK                                                                              \
	(IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_CREATE | IN_DELETE_SELF |   \
	 IN_MOVE_SELF)

struct av_reload {
	pthread_mutex_t lock;
	struct av_engine *engine;   /* under lock */
	struct av_engine_opts opts; /* under lock; strings owned */
	unsigned delay_ms;	    /* under lock */
	unsigned generation;	    /* under lock: engines swapped in */
	unsigned settings_version;  /* under lock: bumped by av_reload_now() */
	int inotify_fd;
	int watch; /* under lock: watch descriptor, -1 if none */
	int stop_pipe[2];
	int thread_state; /* under lock: 0 not started, 1 running, -1 failed */
	pthread_t thread;
};

static void opts_copy(struct av_engine_opts *to, const struct av_engine_opts *from)
{
	*to = *from;
	to->database_directory = xstrdup(from->database_directory);
	to->temp_directory = from->temp_directory != NULL ? xstrdup(from->temp_directory) : NULL;
}

static void opts_release(struct av_engine_opts *o)
{
	free((char *)o->database_directory);
	free((char *)o->temp_directory);
	memset(o, 0, sizeof(*o));
}

static int watch_dir(int fd, const char *dir, int *watch_r, char **error_r)
{
	int wd = inotify_add_watch(fd, dir, AV_WATCH_MASK | IN_ONLYDIR);
	if (wd < 0) {
		*error_r = xasprintf("%s: cannot watch for changes: %s", dir, strerror(errno));
		return -1;
	}
	*watch_r = wd;
	return 1;
}

int av_reload_new(const struct av_engine_opts *opts, unsigned delay_ms, struct av_reload **reload_r,
		  char **error_r)
{
	struct av_engine *engine = NULL;
	int wd = -1;

	int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (fd < 0) {
		*error_r = xasprintf("inotify: %s", strerror(errno));
		return -1;
	}
	if (watch_dir(fd, opts->database_directory, &wd, error_r) < 0 ||
	    av_engine_load(opts, &engine, error_r) < 0) {
		close(fd);
		return -1;
	}
	struct av_reload *r = xcalloc(1, sizeof(*r));
	if (pipe2(r->stop_pipe, O_CLOEXEC) < 0)
		log_fatal("pipe: %s", strerror(errno));
	pthread_mutex_init(&r->lock, NULL);
	r->engine = engine;
	opts_copy(&r->opts, opts);
	r->delay_ms = delay_ms;
	r->generation = 1;
	r->inotify_fd = fd;
	r->watch = wd;
	*reload_r = r;
	return 1;
}

void av_reload_free(struct av_reload **reload_r)
{
	struct av_reload *r = *reload_r;
	if (r == NULL)
		return;
	*reload_r = NULL;
	if (r->thread_state == 1) {
		ssize_t n = write(r->stop_pipe[1], "x", 1);
		(void)n;
		pthread_join(r->thread, NULL);
	}
	close(r->stop_pipe[0]);
	close(r->stop_pipe[1]);
	close(r->inotify_fd);
	av_engine_unref(&r->engine);
	opts_release(&r->opts);
	pthread_mutex_destroy(&r->lock);
	free(r);
}

/* swap: install engine (the caller's reference) unless the settings
 * changed since version; 1 when installed. */
static int swap(struct av_reload *r, struct av_engine **engine, unsigned version)
{
	struct av_engine *old = NULL;
	int done = 0;

	pthread_mutex_lock(&r->lock);
	if (r->settings_version == version) {
		old = r->engine;
		r->engine = *engine;
		*engine = NULL;
		r->generation++;
		done = 1;
	}
	pthread_mutex_unlock(&r->lock);
	av_engine_unref(&old);
	av_engine_unref(engine);
	return done;
}

/* reload_from_watch: the directory settled: load and swap. */
static void reload_from_watch(struct av_reload *r)
{
	struct av_engine_opts opts;
	struct av_engine *engine = NULL;
	char *error = NULL;

	pthread_mutex_lock(&r->lock);
	opts_copy(&opts, &r->opts);
	unsigned version = r->settings_version;
	pthread_mutex_unlock(&r->lock);

	log_info("%s changed: loading the signatures", opts.database_directory);
	if (av_engine_load(&opts, &engine, &error) < 0) {
		log_error("%s; the previous signatures stay in use", error);
		free(error);
	} else {
		unsigned sigs = av_engine_signatures(engine);
		if (swap(r, &engine, version))
			log_info("signatures reloaded: %u signatures from %s", sigs,
				 opts.database_directory);
	}
	opts_release(&opts);
}

/* read_events: drain the inotify queue; 1 when a change that matters was
 * seen. A change of the directory itself is logged: the watch is gone
 * until av_reload_now() sets a new one. */
static int read_events(struct av_reload *r)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	int changed = 0;

	for (;;) {
		ssize_t n = read(r->inotify_fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return changed;
		for (char *p = buf; p < buf + n;) {
			const struct inotify_event *ev = (const struct inotify_event *)p;
			p += sizeof(*ev) + ev->len;
			if (ev->mask & (IN_DELETE_SELF | IN_MOVE_SELF)) {
				pthread_mutex_lock(&r->lock);
				log_warn("%s was removed or renamed: no longer watching it",
					 r->opts.database_directory);
				pthread_mutex_unlock(&r->lock);
			}
			if (ev->mask & (IN_ISDIR | IN_IGNORED | IN_Q_OVERFLOW))
				changed |= (ev->mask & IN_Q_OVERFLOW) != 0;
			else if (ev->len > 0 && ev->name[0] != '.')
				changed = 1;
		}
	}
}

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void *watch_thread(void *arg)
{
	struct av_reload *r = arg;
	long long due = -1; /* when to load; -1: nothing pending */

	for (;;) {
		struct pollfd pfd[2] = {{r->stop_pipe[0], POLLIN, 0}, {r->inotify_fd, POLLIN, 0}};
		long long wait = due < 0 ? -1 : due - now_ms();
		if (due >= 0 && wait <= 0) {
			due = -1;
			reload_from_watch(r);
			continue;
		}
		int n = poll(pfd, 2, wait > INT_MAX ? INT_MAX : (int)wait);
		if (n < 0 && errno != EINTR) {
			log_error("poll: %s: no longer watching for signature changes",
				  strerror(errno));
			break;
		}
		if (n > 0 && pfd[0].revents != 0)
			break;
		if (n > 0 && pfd[1].revents != 0 && read_events(r)) {
			pthread_mutex_lock(&r->lock);
			due = now_ms() + r->delay_ms;
			pthread_mutex_unlock(&r->lock);
		}
	}
	return NULL;
}

struct av_engine *av_reload_engine(struct av_reload *r)
{
	pthread_mutex_lock(&r->lock);
	if (r->thread_state == 0) {
		int rc = pthread_create(&r->thread, NULL, watch_thread, r);
		r->thread_state = rc == 0 ? 1 : -1;
		if (rc != 0)
			log_error("cannot start the signature watcher: %s", strerror(rc));
	}
	struct av_engine *e = av_engine_ref(r->engine);
	pthread_mutex_unlock(&r->lock);
	return e;
}

int av_reload_now(struct av_reload *r, const struct av_engine_opts *opts, unsigned delay_ms,
		  char **error_r)
{
	struct av_engine *engine = NULL;
	int wd = -1;

	pthread_mutex_lock(&r->lock);
	int same_dir = strcmp(r->opts.database_directory, opts->database_directory) == 0;
	pthread_mutex_unlock(&r->lock);
	if (!same_dir && watch_dir(r->inotify_fd, opts->database_directory, &wd, error_r) < 0)
		return -1;
	if (av_engine_load(opts, &engine, error_r) < 0) {
		if (wd >= 0)
			inotify_rm_watch(r->inotify_fd, wd);
		return -1;
	}
	pthread_mutex_lock(&r->lock);
	struct av_engine *old = r->engine;
	r->engine = engine;
	r->generation++;
	r->settings_version++;
	r->delay_ms = delay_ms;
	opts_release(&r->opts);
	opts_copy(&r->opts, opts);
	if (wd >= 0) {
		inotify_rm_watch(r->inotify_fd, r->watch);
		r->watch = wd;
	}
	pthread_mutex_unlock(&r->lock);
	av_engine_unref(&old);
	return 1;
}

unsigned av_reload_signatures(struct av_reload *r)
{
	pthread_mutex_lock(&r->lock);
	unsigned n = av_engine_signatures(r->engine);
	pthread_mutex_unlock(&r->lock);
	return n;
}

unsigned av_reload_generation(struct av_reload *r)
{
	pthread_mutex_lock(&r->lock);
	unsigned g = r->generation;
	pthread_mutex_unlock(&r->lock);
	return g;
}

/* The process's reloader and its number of users. */
static pthread_mutex_t shared_lock = PTHREAD_MUTEX_INITIALIZER;
static struct av_reload *shared;
static unsigned shared_users;

int av_reload_shared_acquire(const struct av_engine_opts *opts, unsigned delay_ms,
			     struct av_reload **reload_r, char **error_r)
{
	int rc = 1;
	pthread_mutex_lock(&shared_lock);
	if (shared == NULL)
		rc = av_reload_new(opts, delay_ms, &shared, error_r);
	else
		rc = av_reload_now(shared, opts, delay_ms, error_r);
	if (rc > 0) {
		shared_users++;
		*reload_r = shared;
	}
	pthread_mutex_unlock(&shared_lock);
	return rc;
}

void av_reload_shared_release(struct av_reload **reload_r)
{
	if (*reload_r == NULL)
		return;
	*reload_r = NULL;
	pthread_mutex_lock(&shared_lock);
	if (--shared_users == 0)
		av_reload_free(&shared);
	pthread_mutex_unlock(&shared_lock);
}
