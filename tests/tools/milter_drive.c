/* milter_drive.c: milter-drive, a milter test client (see milter_drive.h).
 *
 * usage: milter-drive [options] SOCKET MESSAGE...
 *   -c HOST,ADDR        the SMTP client the MTA reports (default
 *                       client.example.test,127.0.0.30); ADDR "-": unknown
 *   -f SENDER           envelope sender (default sender@example.test)
 *   -r RCPT             envelope recipient, repeatable (default
 *                       rcpt@example.test)
 *   -M STAGE:NAME=VALUE a macro for STAGE (connect helo mail rcpt data eom
 *                       eoh), repeatable; "-M connect:{daemon_name}=X"
 *   -i QUEUEID          the queue id (macro i at mail, rcpt, data, eoh and
 *                       eom); default DRIVE0001, DRIVE0002, ... per message
 *   -o FILE             write the last message, with the milter's changes,
 *                       to FILE (CRLF line ends)
 *   -d TENTHS           pause between two messages of the session
 * Default mode: every MESSAGE in one session, in order, like an SMTP
 * session with several transactions; for each message the final reply and
 * every change are printed, one per line ("eom ACCEPT", "insheader 0
 * Name: value", "mail REPLYCODE 550 5.7.1 text"), then "--".
 * Exit 0, or 1 when the protocol failed (the error on stderr).
 *
 *   -n COUNT -j JOBS [-s PER_CONN]   benchmark: COUNT messages (the files
 *                       in turn) over JOBS parallel connections, a new
 *                       connection every PER_CONN messages (0: never);
 *                       prints "messages=N seconds=S rate=R", the
 *                       number of each final reply, and the median and
 *                       99th percentile of the time per message in ms
 *                       ("median_ms=M p99_ms=P": from the first packet of
 *                       the message, or of the connection for the first
 *                       message on one, to the final reply)
 *   -T STEP             malformed traffic: the bytes of a whole session for
 *                       the first MESSAGE (from the -c client), cut after 0,
 *                       STEP, 2 STEP, ... bytes, one connection each
 *   -G COUNT            malformed traffic: COUNT sessions of that stream
 *                       with random damage (seeds 1..COUNT)
 * The malformed modes print "sessions=N" and exit 0 when every connection
 * could be made.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "mem.h"
#include "milter_drive.h"

struct drive_opts {
	const char *socket;
	char **files;
	size_t n_files;
	char *host;
	char *addr;
	const char *sender;
	char **rcpts;
	size_t n_rcpts;
	struct drive_macros macros;
	const char *queue_id;
	const char *out_file;
	int pause_tenths;
	long count, jobs, per_conn;
	long cut_step, garbage;
};

/* Benchmark state shared by the job threads. */
struct drive_bench {
	const struct drive_opts *o;
	char **texts;
	size_t *lens;
	pthread_mutex_t lock;
	long next;	 /* messages handed out */
	long codes[256]; /* final replies by code */
	long *usecs;	 /* time per message, by message number */
	int failed;
};

static void usage(void)
{
	fprintf(stderr, "usage: milter-drive [-c HOST,ADDR] [-f SENDER] [-r RCPT]... "
			"[-M STAGE:NAME=VALUE]... [-i QUEUEID] [-o FILE] [-d TENTHS]\n"
			"                    [-n COUNT -j JOBS [-s PER_CONN] | -T STEP | -G COUNT] "
			"SOCKET MESSAGE...\n");
	exit(2);
}

static char *read_file(const char *path, size_t *len_r)
{
	FILE *f = fopen(path, "rb");
	struct buf b;
	char chunk[65536];
	size_t n;
	if (f == NULL) {
		fprintf(stderr, "milter-drive: %s: %s\n", path, strerror(errno));
		exit(1);
	}
	buf_init(&b, 0);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_append(&b, chunk, n);
	fclose(f);
	*len_r = b.len;
	char *text = buf_detach(&b);
	buf_deinit(&b);
	return text;
}

static void macro_add(struct drive_macros *m, int stage, const char *item)
{
	m->items[stage] = xreallocarray(m->items[stage], m->n[stage] + 1, sizeof(char *));
	m->items[stage][m->n[stage]++] = xstrdup(item);
}

static void macros_free(struct drive_macros *m)
{
	for (int s = 0; s < MILTER_STAGE_COUNT; s++) {
		for (size_t i = 0; i < m->n[s]; i++)
			free(m->items[s][i]);
		free(m->items[s]);
	}
	memset(m, 0, sizeof(*m));
}

static void opt_macro(struct drive_opts *o, const char *arg)
{
	static const char *const stages[MILTER_STAGE_COUNT] = {"connect", "helo", "mail", "rcpt",
							       "data",	  "eom",  "eoh"};
	const char *colon = strchr(arg, ':');
	if (colon == NULL || strchr(colon, '=') == NULL)
		usage();
	for (int s = 0; s < MILTER_STAGE_COUNT; s++)
		if (strncmp(arg, stages[s], (size_t)(colon - arg)) == 0 &&
		    stages[s][colon - arg] == '\0') {
			macro_add(&o->macros, s, colon + 1);
			return;
		}
	usage();
}

/* message_macros: the options' macros plus the queue id of message n. */
static void message_macros(const struct drive_opts *o, long n, struct drive_macros *m)
{
	static const int qid_stages[] = {MILTER_STAGE_ENVFROM, MILTER_STAGE_ENVRCPT,
					 MILTER_STAGE_DATA, MILTER_STAGE_EOH, MILTER_STAGE_EOM};
	char *qid = o->queue_id != NULL ? xasprintf("i=%s", o->queue_id)
					: xasprintf("i=DRIVE%04ld", n + 1);
	memset(m, 0, sizeof(*m));
	for (int s = 0; s < MILTER_STAGE_COUNT; s++)
		for (size_t i = 0; i < o->macros.n[s]; i++)
			macro_add(m, s, o->macros.items[s][i]);
	if (o->queue_id == NULL || *o->queue_id != '\0')
		for (size_t i = 0; i < sizeof(qid_stages) / sizeof(qid_stages[0]); i++)
			macro_add(m, qid_stages[i], qid);
	free(qid);
}

static long usecs_since(const struct timespec *t0)
{
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (long)(t1.tv_sec - t0->tv_sec) * 1000000 + (t1.tv_nsec - t0->tv_nsec) / 1000;
}

/* one_message: send text as message n of session s. 1 ok, -1 failed.
 * usec_r (may be NULL): the time the milter conversation took, the
 * client's parsing of text not included. */
static int one_message(struct drive_sess *s, const struct drive_opts *o, long n, int connect,
		       const char *text, size_t len, struct drive_result *res,
		       struct drive_msg *msg, long *usec_r)
{
	struct timespec t0;
	struct drive_macros m;
	char *error = NULL;
	if (drive_msg_parse(msg, text, len, &error) < 0) {
		fprintf(stderr, "milter-drive: message: %s\n", error);
		free(error);
		return -1;
	}
	message_macros(o, n, &m);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	int rc = drive_sess_message(s, connect, o->host, o->addr, o->sender, o->rcpts, &m, msg, res,
				    &error);
	if (usec_r != NULL)
		*usec_r = usecs_since(&t0);
	macros_free(&m);
	if (rc < 0) {
		fprintf(stderr, "milter-drive: %s\n", error);
		free(error);
	}
	return rc;
}

static int mode_session(const struct drive_opts *o)
{
	struct drive_sess s;
	char *error = NULL;
	int rc = 0;
	if (drive_sess_open(&s, o->socket, &error) < 0) {
		fprintf(stderr, "milter-drive: %s: %s\n", o->socket, error);
		free(error);
		return 1;
	}
	for (size_t i = 0; i < o->n_files && rc == 0; i++) {
		struct drive_result res;
		struct drive_msg msg;
		size_t len;
		char *text = read_file(o->files[i], &len);
		const struct timespec tenth = {0, 100 * 1000 * 1000};
		for (int k = 0; i > 0 && k < o->pause_tenths; k++)
			nanosleep(&tenth, NULL);
		if (one_message(&s, o, (long)i, i == 0, text, len, &res, &msg, NULL) < 0) {
			rc = 1;
		} else {
			printf("%s--\n", buf_cstr(&res.log));
			fflush(stdout);
			if (i + 1 == o->n_files && o->out_file != NULL) {
				FILE *f = fopen(o->out_file, "wb");
				if (f == NULL) {
					fprintf(stderr, "milter-drive: %s: %s\n", o->out_file,
						strerror(errno));
					rc = 1;
				} else {
					drive_msg_write(&msg, f);
					fclose(f);
				}
			}
			drive_result_deinit(&res);
		}
		drive_msg_deinit(&msg);
		free(text);
	}
	drive_sess_close(&s);
	return rc;
}

static void *bench_job(void *arg)
{
	struct drive_bench *b = arg;
	const struct drive_opts *o = b->o;
	struct drive_sess s;
	int open = 0;
	long sent_here = 0;
	char *error = NULL;

	for (;;) {
		pthread_mutex_lock(&b->lock);
		long n = b->failed ? o->count : b->next++;
		pthread_mutex_unlock(&b->lock);
		if (n >= o->count)
			break;
		if (open && o->per_conn > 0 && sent_here % o->per_conn == 0) {
			drive_sess_close(&s);
			open = 0;
		}
		if (!open && drive_sess_open(&s, o->socket, &error) < 0) {
			fprintf(stderr, "milter-drive: %s: %s\n", o->socket, error);
			free(error);
			pthread_mutex_lock(&b->lock);
			b->failed = 1;
			pthread_mutex_unlock(&b->lock);
			break;
		}
		int first = !open;
		open = 1;
		struct drive_result res;
		struct drive_msg msg;
		size_t f = (size_t)n % o->n_files;
		int rc = one_message(&s, o, n, first, b->texts[f], b->lens[f], &res, &msg,
				     &b->usecs[n]);
		drive_msg_deinit(&msg);
		pthread_mutex_lock(&b->lock);
		if (rc < 0)
			b->failed = 1;
		else
			b->codes[res.code & 0xff]++;
		pthread_mutex_unlock(&b->lock);
		if (rc > 0)
			drive_result_deinit(&res);
		sent_here++;
	}
	if (open)
		drive_sess_close(&s);
	return NULL;
}

static int cmp_long(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;
	return (x > y) - (x < y);
}

/* print_latency: median and 99th percentile (nearest rank) of the n times
 * in usecs (sorted here), in milliseconds. */
static void print_latency(long *usecs, long n)
{
	if (n == 0)
		return;
	qsort(usecs, (size_t)n, sizeof(*usecs), cmp_long);
	long median = n % 2 ? usecs[n / 2] : (usecs[n / 2 - 1] + usecs[n / 2]) / 2;
	long rank = (99 * n + 99) / 100; /* ceil(0.99 n), 1-based */
	printf(" median_ms=%.3f p99_ms=%.3f", median / 1000.0, usecs[rank - 1] / 1000.0);
}

static int mode_bench(const struct drive_opts *o)
{
	struct drive_bench b = {.o = o, .lock = PTHREAD_MUTEX_INITIALIZER};
	pthread_t *threads = xcalloc((size_t)o->jobs, sizeof(*threads));
	struct timespec t0, t1;

	b.texts = xcalloc(o->n_files, sizeof(*b.texts));
	b.lens = xcalloc(o->n_files, sizeof(*b.lens));
	b.usecs = xcalloc((size_t)o->count, sizeof(*b.usecs));
	for (size_t i = 0; i < o->n_files; i++)
		b.texts[i] = read_file(o->files[i], &b.lens[i]);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (long j = 0; j < o->jobs; j++)
		pthread_create(&threads[j], NULL, bench_job, &b);
	for (long j = 0; j < o->jobs; j++)
		pthread_join(threads[j], NULL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	long done = 0;
	for (int c = 0; c < 256; c++)
		done += b.codes[c];
	printf("messages=%ld seconds=%.3f rate=%.1f", done, secs, secs > 0 ? done / secs : 0.0);
	for (int c = 0; c < 256; c++)
		if (b.codes[c] > 0)
			printf(" %s=%ld", milter_reply_name(c) + strlen("SMFIR_"), b.codes[c]);
	if (!b.failed)
		print_latency(b.usecs, o->count);
	printf("\n");
	for (size_t i = 0; i < o->n_files; i++)
		free(b.texts[i]);
	free(b.texts);
	free(b.lens);
	free(b.usecs);
	free(threads);
	return b.failed ? 1 : 0;
}

/* raw_session: write data on a new connection, close our side, read what
 * the milter answers until it closes (at most 2 s). -1 if no connection. */
static int raw_session(const char *socket, const char *data, size_t len)
{
	int fd;
	char *error = NULL;
	if (drive_connect(socket, &fd, &error) < 0) {
		fprintf(stderr, "milter-drive: %s: %s\n", socket, error);
		free(error);
		return -1;
	}
	size_t done = 0;
	while (done < len) {
		ssize_t n = send(fd, data + done, len - done, MSG_NOSIGNAL);
		if (n <= 0)
			break;
		done += (size_t)n;
	}
	shutdown(fd, SHUT_WR);
	char sink[4096];
	struct pollfd pfd = {fd, POLLIN, 0};
	while (poll(&pfd, 1, 2000) > 0 && read(fd, sink, sizeof(sink)) > 0)
		;
	close(fd);
	return 1;
}

/* damage: change the stream at random, as seed says: the data of packets
 * anywhere, and the length and command bytes of the packets after the last
 * MACRO packet; then perhaps cut it short. MACRO packets stay intact:
 * libmilter 8.17 (smfi_getsymval) reads past the end of a macro list with
 * an odd number of strings, a defect of libmilter that no MTA triggers and
 * no milter can guard against; see milter_skel.h. */
static void damage(struct buf *b, unsigned seed)
{
	size_t starts[256], n = 0, last_macro_end = 0;
	for (size_t off = 0; off + 5 <= b->len && n < 256;) {
		const unsigned char *p = (const unsigned char *)b->data + off;
		size_t len = (size_t)p[0] << 24 | (size_t)p[1] << 16 | (size_t)p[2] << 8 | p[3];
		starts[n++] = off;
		if (p[4] == MILTER_CMD_MACRO)
			last_macro_end = off + 4 + len;
		off += 4 + len;
	}
	srandom(seed);
	int flips = 1 + (int)(random() % 8);
	for (int i = 0; i < flips && n > 0; i++) {
		size_t k = (size_t)random() % n;
		size_t start = starts[k], end = k + 1 < n ? starts[k + 1] : b->len;
		if (b->data[start + 4] == MILTER_CMD_MACRO)
			continue;
		/* Before the last MACRO packet only the data (after the length
		 * and the command byte) may change. */
		size_t first = start >= last_macro_end ? start : start + 5;
		if (first < end)
			b->data[first + (size_t)random() % (end - first)] = (char)(random() & 0xff);
	}
	if (random() % 4 == 0)
		buf_truncate(b, (size_t)random() % (b->len + 1));
}

static int mode_malformed(const struct drive_opts *o)
{
	size_t len;
	char *text = read_file(o->files[0], &len), *error = NULL;
	struct drive_msg msg;
	struct buf stream, copy;
	long sessions = 0;
	int rc = 0;

	if (drive_msg_parse(&msg, text, len, &error) < 0) {
		fprintf(stderr, "milter-drive: %s: %s\n", o->files[0], error);
		free(error);
		free(text);
		return 1;
	}
	buf_init(&stream, 0);
	buf_init(&copy, 0);
	drive_blind_stream(&stream, &msg, o->host, o->addr);
	for (size_t cut = 0; o->cut_step > 0 && cut < stream.len && rc == 0;
	     cut += (size_t)o->cut_step, sessions++)
		rc = raw_session(o->socket, stream.data, cut) < 0;
	for (long seed = 1; seed <= o->garbage && rc == 0; seed++, sessions++) {
		buf_reset(&copy);
		buf_append(&copy, stream.data, stream.len);
		damage(&copy, (unsigned)seed);
		rc = raw_session(o->socket, copy.data, copy.len) < 0;
	}
	printf("sessions=%ld\n", sessions);
	buf_deinit(&stream);
	buf_deinit(&copy);
	drive_msg_deinit(&msg);
	free(text);
	return rc;
}

static long opt_number(const char *arg)
{
	char *end;
	long v = strtol(arg, &end, 10);
	if (*end != '\0' || v < 0)
		usage();
	return v;
}

int main(int argc, char **argv)
{
	struct drive_opts o = {.sender = "sender@example.test", .jobs = 1};
	char *client = xstrdup("client.example.test,127.0.0.30");
	int c, rc;

	signal(SIGPIPE, SIG_IGN); /* a milter that hangs up is an error, reported */
	while ((c = getopt(argc, argv, "c:f:r:M:i:o:d:n:j:s:T:G:")) != -1) {
		switch (c) {
		case 'c':
			free(client);
			client = xstrdup(optarg);
			break;
		case 'f':
			o.sender = optarg;
			break;
		case 'r':
			o.rcpts = xreallocarray(o.rcpts, o.n_rcpts + 2, sizeof(char *));
			o.rcpts[o.n_rcpts++] = optarg;
			o.rcpts[o.n_rcpts] = NULL;
			break;
		case 'M':
			opt_macro(&o, optarg);
			break;
		case 'i':
			o.queue_id = optarg;
			break;
		case 'o':
			o.out_file = optarg;
			break;
		case 'd':
			o.pause_tenths = (int)opt_number(optarg);
			break;
		case 'n':
			o.count = opt_number(optarg);
			break;
		case 'j':
			o.jobs = opt_number(optarg);
			break;
		case 's':
			o.per_conn = opt_number(optarg);
			break;
		case 'T':
			o.cut_step = opt_number(optarg);
			break;
		case 'G':
			o.garbage = opt_number(optarg);
			break;
		default:
			usage();
		}
	}
	if (argc - optind < 2 || o.jobs < 1)
		usage();
	o.socket = argv[optind];
	o.files = argv + optind + 1;
	o.n_files = (size_t)(argc - optind - 1);
	char *comma = strchr(client, ',');
	if (comma == NULL)
		usage();
	*comma = '\0';
	o.host = client;
	o.addr = strcmp(comma + 1, "-") == 0 ? NULL : comma + 1;
	if (o.rcpts == NULL) {
		o.rcpts = xcalloc(2, sizeof(char *));
		o.rcpts[0] = "rcpt@example.test";
	}
	macro_add(&o.macros, MILTER_STAGE_CONNECT, "j=milter-drive.example.test");

	if (o.cut_step > 0 || o.garbage > 0)
		rc = mode_malformed(&o);
	else if (o.count > 0)
		rc = mode_bench(&o);
	else
		rc = mode_session(&o);
	macros_free(&o.macros);
	free(o.rcpts);
	free(client);
	return rc;
}
