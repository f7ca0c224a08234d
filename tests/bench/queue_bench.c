/* queue_bench.c: durable queue commits per second with 1, 10 and 50
 * concurrent writers, with and without group commit.
 *
 * Each writer thread plays an SMTP session: write a message (one
 * recipient, -s bytes of content), commit it, wait until it is durable,
 * repeat, for -t seconds. Modes:
 *   group      the committer thread, one syncfs() per batch (the default)
 *   group-fds  the committer thread, fdatasync() per file in a batch
 *   single     no group commit: each writer fdatasyncs its file, renames it
 *              and fsyncs the directory itself (what Postfix's cleanup does)
 * Run by hand (tests/bench/README.md); the queue lives under -d DIR, on
 * the disk to be measured, and is removed afterwards.
 */
#include <getopt.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mem.h"
#include "queue.h"

enum mode { MODE_GROUP, MODE_GROUP_FDS, MODE_SINGLE };
static const char *const mode_names[] = {"group", "group-fds", "single"};

#define MAX_SAMPLES 200000

struct bench {
	struct queue_dir *qd;
	struct queue_committer *c; /* NULL in single mode */
	size_t size;
	atomic_int stop;
	const char *content;
};

struct writer {
	struct bench *b;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int done, status;
	uint64_t commits, failures;
	double *lat; /* seconds */
	size_t n_lat;
};

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void writer_done(void *ctx, const char *id, int status, const char *error)
{
	struct writer *w = ctx;
	pthread_mutex_lock(&w->lock);
	w->done = 1;
	w->status = status;
	pthread_cond_signal(&w->cond);
	pthread_mutex_unlock(&w->lock);
}

static int writer_commit(struct writer *w, struct queue_writer **qw)
{
	char *error = NULL;
	if (w->b->c == NULL) {
		int ret = queue_writer_commit_sync(qw, QUEUE_INCOMING, &error);
		free(error);
		return ret;
	}
	queue_committer_commit(w->b->c, qw, QUEUE_INCOMING, NULL, writer_done, w);
	pthread_mutex_lock(&w->lock);
	while (!w->done)
		pthread_cond_wait(&w->cond, &w->lock);
	w->done = 0;
	pthread_mutex_unlock(&w->lock);
	return w->status;
}

static void *writer_main(void *arg)
{
	struct writer *w = arg;
	struct bench *b = w->b;
	struct queue_envelope env = {.sender = "bench@example.com",
				     .protocol = "ESMTP",
				     .client_address = "127.0.0.1",
				     .helo_name = "localhost"};
	while (!atomic_load(&b->stop)) {
		double t0 = now();
		struct queue_writer *qw = NULL;
		char *error = NULL;
		if (queue_writer_new(b->qd, &qw, &error) < 0 ||
		    queue_writer_envelope(qw, &env, &error) < 0 ||
		    queue_writer_rcpt(qw, "rcpt@example.org", NULL, 0, &error) < 0 ||
		    queue_writer_content(qw, b->content, b->size, &error) < 0) {
			fprintf(stderr, "queue_bench: %s\n", error);
			exit(1);
		}
		if (writer_commit(w, &qw) == 1)
			w->commits++;
		else
			w->failures++;
		if (w->n_lat < MAX_SAMPLES)
			w->lat[w->n_lat++] = now() - t0;
	}
	return NULL;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* empty_queue: remove what a run left in incoming/. */
static void empty_queue(struct queue_dir *qd)
{
	struct queue_list list;
	char *error = NULL;
	if (queue_dir_list(qd, QUEUE_INCOMING, &list, &error) < 0) {
		fprintf(stderr, "queue_bench: %s\n", error);
		exit(1);
	}
	for (size_t i = 0; i < list.n; i++)
		unlinkat(queue_dir_fd(qd, QUEUE_INCOMING), list.ids[i], 0);
	queue_list_deinit(&list);
}

static void run(struct queue_dir *qd, enum mode mode, int writers, double seconds, size_t size,
		const char *content)
{
	struct bench b = {.qd = qd, .size = size, .content = content};
	char *error = NULL;
	if (mode != MODE_SINGLE) {
		struct queue_committer_settings set = {
		    .sync_method = mode == MODE_GROUP ? QUEUE_SYNC_SYNCFS : QUEUE_SYNC_FDATASYNC};
		if (queue_committer_new(qd, &set, &b.c, &error) < 0) {
			fprintf(stderr, "queue_bench: %s\n", error);
			exit(1);
		}
	}
	struct writer *w = xcalloc((size_t)writers, sizeof(*w));
	pthread_t *t = xcalloc((size_t)writers, sizeof(*t));
	sync();
	double start = now();
	for (int i = 0; i < writers; i++) {
		w[i].b = &b;
		pthread_mutex_init(&w[i].lock, NULL);
		pthread_cond_init(&w[i].cond, NULL);
		w[i].lat = xcalloc(MAX_SAMPLES, sizeof(double));
		pthread_create(&t[i], NULL, writer_main, &w[i]);
	}
	usleep((useconds_t)(seconds * 1e6));
	atomic_store(&b.stop, 1);
	uint64_t commits = 0, failures = 0;
	size_t n_lat = 0;
	for (int i = 0; i < writers; i++) {
		pthread_join(t[i], NULL);
		commits += w[i].commits;
		failures += w[i].failures;
		n_lat += w[i].n_lat;
	}
	double elapsed = now() - start;
	struct queue_committer_stats st = {0};
	if (b.c != NULL) {
		queue_committer_stats(b.c, &st);
		queue_committer_free(&b.c);
	}
	double *all = xcalloc(n_lat ? n_lat : 1, sizeof(double));
	size_t k = 0;
	for (int i = 0; i < writers; i++) {
		memcpy(all + k, w[i].lat, w[i].n_lat * sizeof(double));
		k += w[i].n_lat;
		free(w[i].lat);
		pthread_mutex_destroy(&w[i].lock);
		pthread_cond_destroy(&w[i].cond);
	}
	qsort(all, n_lat, sizeof(double), cmp_double);
	double sum = 0;
	for (size_t i = 0; i < n_lat; i++)
		sum += all[i];
	printf("%7d  %-9s  %9.0f  %8.2f  %8.2f  %9.1f  %llu\n", writers, mode_names[mode],
	       (double)commits / elapsed, n_lat ? sum / (double)n_lat * 1e3 : 0.0,
	       n_lat ? all[n_lat * 99 / 100] * 1e3 : 0.0,
	       st.batches ? (double)st.jobs / (double)st.batches : 1.0,
	       (unsigned long long)failures);
	fflush(stdout);
	free(all);
	free(w);
	free(t);
	empty_queue(qd);
}

static void usage(void)
{
	fprintf(stderr, "usage: queue_bench [-d DIR] [-t SECONDS] [-s BYTES] [-w 1,10,50] "
			"[-m group,group-fds,single]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *dir = "queue-bench", *writers_list = "1,10,50",
		   *modes_list = "group,group-fds,single";
	double seconds = 3;
	size_t size = 1024;
	int opt;
	while ((opt = getopt(argc, argv, "d:t:s:w:m:")) != -1) {
		switch (opt) {
		case 'd':
			dir = optarg;
			break;
		case 't':
			seconds = atof(optarg);
			break;
		case 's':
			size = (size_t)atol(optarg);
			break;
		case 'w':
			writers_list = optarg;
			break;
		case 'm':
			modes_list = optarg;
			break;
		default:
			usage();
		}
	}
	char *error = NULL;
	struct queue_dir *qd = NULL;
	if (queue_dir_setup(dir, geteuid(), getegid(), &error) < 0 ||
	    queue_dir_open(dir, &qd, &error) < 0) {
		fprintf(stderr, "queue_bench: %s\n", error);
		return 1;
	}
	char *content = xmalloc(size + 1);
	for (size_t i = 0; i < size; i++)
		content[i] = (i % 78 == 77) ? '\n' : (char)('a' + i % 26);
	printf("queue in %s, %zu-byte messages, %.1f s per run\n", dir, size, seconds);
	printf("writers  mode       commits/s  mean ms   p99 ms   per batch  failed\n");
	char *modes = xstrdup(modes_list), *save_m = NULL;
	for (char *m = strtok_r(modes, ",", &save_m); m != NULL; m = strtok_r(NULL, ",", &save_m)) {
		int mode = -1;
		for (int i = 0; i < 3; i++)
			if (strcmp(m, mode_names[i]) == 0)
				mode = i;
		if (mode < 0)
			usage();
		char *ws = xstrdup(writers_list), *save_w = NULL;
		for (char *n = strtok_r(ws, ",", &save_w); n != NULL;
		     n = strtok_r(NULL, ",", &save_w))
			run(qd, (enum mode)mode, atoi(n) > 0 ? atoi(n) : 1, seconds, size, content);
		free(ws);
	}
	free(modes);
	free(content);
	for (int q = 0; q < QUEUE_COUNT; q++) {
		char *sub = xasprintf("%s/%s", dir, queue_name_str((enum queue_name)q));
		rmdir(sub);
		free(sub);
	}
	rmdir(dir);
	queue_dir_free(&qd);
	return 0;
}
