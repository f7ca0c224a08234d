/* spf_bench_client.c: the load generator of tests/bench/spf_bench.sh.
 *
 *   spf_bench_client SOCKET CLIENTS REQUESTS CASES
 *
 * Opens CLIENTS persistent connections to a policy server (SOCKET in
 * sockspec syntax: unix:/path, inet:host:port, ...), as Postfix's smtpd
 * processes keep theirs, and sends REQUESTS requests on each, one at a
 * time: the next request leaves when the answer to the last one is in.
 * Requests carry the attributes Postfix 3.7 sends in the RCPT stage; the
 * client address and sender come from CASES, a file of lines
 * "client_ip sender expected-action-prefix". The first line is the
 * warm-up request: each connection sends it once before the clock starts
 * (a spawned server process starts up on it) and its answer is neither
 * checked nor counted. The other lines are taken in turn (connection i
 * sends cases i * REQUESTS ... i * REQUESTS + REQUESTS - 1, wrapping), so
 * CLIENTS * REQUESTS of them are sent exactly once. Each request's
 * latency runs from its write to the end of its answer. Prints
 *   requests N wrong W rps R p50_ms A p90_ms B p99_ms C max_ms D
 * and exits 1 when an answer did not start with the expected prefix (case
 * ignored; the first few are shown on stderr), 2 on usage or connection
 * errors.
 *
 * Single-threaded with epoll so that the client itself costs little of
 * the CPU the servers under test share with it. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "mem.h"
#include "policy_proto.h"
#include "sockspec.h"

struct bench_case {
	char *ip, *sender, *expect;
};

struct bench_conn {
	int fd;
	size_t idx;	  /* connection number */
	int warm;	  /* the warm-up request has been answered */
	size_t sent;	  /* timed requests answered */
	struct buf out;	  /* the request being written */
	size_t out_off;	  /* bytes of out already written */
	struct policy_parser *parser;
	struct timespec start;
};

struct bench {
	struct bench_case warmup, *cases;
	size_t n_cases, requests;
	double *latencies; /* seconds, one per answer */
	size_t answered, wrong;
	int epfd;
};

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double since_s(const struct timespec *start)
{
	return now_s() - ((double)start->tv_sec + (double)start->tv_nsec / 1e9);
}

static void die(const char *what, const char *why)
{
	fprintf(stderr, "spf_bench_client: %s: %s\n", what, why);
	exit(2);
}

/* cases_read: the lines of path; each has three fields, the last may hold
 * spaces. */
static void cases_read(struct bench *b, const char *path)
{
	FILE *f = fopen(path, "r");
	if (f == NULL)
		die(path, strerror(errno));
	char *line = NULL;
	size_t size = 0, alloc = 0;
	while (getline(&line, &size, f) > 0) {
		line[strcspn(line, "\n")] = '\0';
		char *ip = strtok(line, " \t");
		char *sender = ip ? strtok(NULL, " \t") : NULL;
		char *expect = sender ? strtok(NULL, "") : NULL;
		if (expect == NULL)
			continue;
		if (b->n_cases == alloc) {
			alloc = alloc ? alloc * 2 : 64;
			b->cases = xreallocarray(b->cases, alloc, sizeof(*b->cases));
		}
		b->cases[b->n_cases++] = (struct bench_case){
			.ip = xstrdup(ip),
			.sender = xstrdup(sender),
			.expect = xstrdup(expect + strspn(expect, " \t")),
		};
	}
	free(line);
	fclose(f);
	if (b->n_cases < 2)
		die(path, "needs a warm-up line and at least one case");
	b->warmup = b->cases[0];
	b->cases++;
	b->n_cases--;
}

/* request_encode: request number n of connection c, as Postfix 3.7's
 * smtpd sends it at RCPT TO. */
static void request_encode(struct buf *out, const struct bench_conn *c, size_t n,
			   const struct bench_case *k)
{
	buf_reset(out);
	buf_printf(out,
		   "request=smtpd_access_policy\nprotocol_state=RCPT\nprotocol_name=ESMTP\n"
		   "helo_name=client.example.test\nqueue_id=\nsender=%s\n"
		   "recipient=rcpt%zu@example.test\nrecipient_count=0\nclient_address=%s\n"
		   "client_name=unknown\nreverse_client_name=unknown\ninstance=%zx.%zx\n"
		   "sasl_method=\nsasl_username=\nsasl_sender=\nsize=1024\nccert_subject=\n"
		   "ccert_issuer=\nccert_fingerprint=\nccert_pubkey_fingerprint=\n"
		   "encryption_protocol=\nencryption_cipher=\nencryption_keysize=0\n"
		   "etrn_domain=\nstress=\nserver_address=127.0.0.1\nserver_port=25\n"
		   "policy_context=\ncompatibility_level=3.6\nmail_version=3.7.11\n\n",
		   k->sender, n, k->ip, c->idx, n);
}

static const struct bench_case *conn_case(const struct bench *b, const struct bench_conn *c)
{
	if (!c->warm)
		return &b->warmup;
	return &b->cases[(c->idx * b->requests + c->sent) % b->n_cases];
}

/* conn_flush: write what is left of the request; 1 done, 0 blocked. */
static int conn_flush(struct bench_conn *c)
{
	while (c->out_off < buf_len(&c->out)) {
		ssize_t n = write(c->fd, buf_cstr(&c->out) + c->out_off, buf_len(&c->out) - c->out_off);
		if (n < 0 && errno == EAGAIN)
			return 0;
		if (n < 0)
			die("write", strerror(errno));
		c->out_off += (size_t)n;
	}
	return 1;
}

static void conn_watch(struct bench *b, struct bench_conn *c, int op, unsigned int events)
{
	struct epoll_event ev = {.events = events, .data.ptr = c};
	if (epoll_ctl(b->epfd, op, c->fd, &ev) < 0)
		die("epoll_ctl", strerror(errno));
}

/* conn_send: start the next request of c. */
static void conn_send(struct bench *b, struct bench_conn *c)
{
	/* a message (instance) of its own for each request, warm-up included */
	request_encode(&c->out, c, c->warm ? c->sent + 1 : 0, conn_case(b, c));
	c->out_off = 0;
	clock_gettime(CLOCK_MONOTONIC, &c->start);
	if (!conn_flush(c))
		conn_watch(b, c, EPOLL_CTL_MOD, EPOLLOUT);
}

/* conn_answered: the answer to the request in flight is attrs. */
static void conn_answered(struct bench *b, struct bench_conn *c, struct policy_attrs *attrs)
{
	if (!c->warm) {
		c->warm = 1;
		policy_attrs_free(&attrs);
		return;
	}
	b->latencies[b->answered + b->wrong] = since_s(&c->start);
	const struct bench_case *k = conn_case(b, c);
	const char *action = policy_attrs_get(attrs, "action");
	if (strncasecmp(action, k->expect, strlen(k->expect)) == 0) {
		b->answered++;
	} else if (++b->wrong <= 5) {
		fprintf(stderr, "wrong answer for %s %s: \"%s\", want \"%s...\"\n", k->ip,
			k->sender, action, k->expect);
	}
	policy_attrs_free(&attrs);
	c->sent++;
}

/* conn_read: take what arrived; returns 0 once c is through its phase:
 * the warm-up request answered, or all its timed requests. */
static int conn_read(struct bench *b, struct bench_conn *c)
{
	char data[8192];
	ssize_t n = read(c->fd, data, sizeof(data));
	if (n < 0 && errno == EAGAIN)
		return 1;
	if (n < 0)
		die("read", strerror(errno));
	if (n == 0)
		die("read", "the server closed the connection");
	size_t off = 0;
	while (off < (size_t)n) {
		size_t consumed = 0;
		struct policy_attrs *attrs = NULL;
		char *err = NULL;
		int rc = policy_parser_feed(c->parser, data + off, (size_t)n - off, &consumed,
					    &attrs, &err);
		if (rc < 0)
			die("answer", err);
		off += consumed;
		if (rc == 0)
			break;
		int was_warm = c->warm;
		conn_answered(b, c, attrs);
		if (!was_warm || c->sent == b->requests) {
			if (off < (size_t)n)
				die("answer", "more answers than requests");
			return 0;
		}
		conn_send(b, c);
	}
	return 1;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* run_phase: send every connection's next request and serve the
 * connections until each is through its phase (see conn_read). */
static void run_phase(struct bench *b, struct bench_conn *conns, size_t n_conns)
{
	for (size_t i = 0; i < n_conns; i++) {
		conn_watch(b, &conns[i], EPOLL_CTL_ADD, EPOLLIN);
		conn_send(b, &conns[i]);
	}
	size_t running = n_conns;
	struct epoll_event evs[64];
	while (running > 0) {
		int n = epoll_wait(b->epfd, evs, 64, -1);
		if (n < 0 && errno != EINTR)
			die("epoll_wait", strerror(errno));
		for (int i = 0; i < n; i++) {
			struct bench_conn *c = evs[i].data.ptr;
			if (evs[i].events & EPOLLOUT) {
				if (conn_flush(c))
					conn_watch(b, c, EPOLL_CTL_MOD, EPOLLIN);
			} else if (!conn_read(b, c)) {
				conn_watch(b, c, EPOLL_CTL_DEL, 0);
				running--;
			}
		}
	}
}

static int connect_to(const char *spec_text)
{
	struct sockspec *spec = NULL;
	struct sockspec_addr *addrs = NULL;
	size_t n = 0;
	char *err = NULL;
	int fd = -1;
	if (sockspec_parse(spec_text, SOCKSPEC_BARE_PATH, &spec, &err) < 0 ||
	    sockspec_resolve(spec, SOCKSPEC_RESOLVE, &addrs, &n, &err) <= 0)
		die(spec_text, err);
	int rc = sockspec_connect_addr(&addrs[0], &fd, &err);
	if (rc == 0) {
		/* wait for the connection: the clients start together anyway */
		int ep = epoll_create1(EPOLL_CLOEXEC);
		struct epoll_event ev = {.events = EPOLLOUT};
		epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
		epoll_wait(ep, &ev, 1, -1);
		close(ep);
		rc = sockspec_connect_finish(fd, &err);
	}
	if (rc < 0)
		die(spec_text, err);
	sockspec_free(&spec);
	free(addrs);
	return fd;
}

int main(int argc, char **argv)
{
	if (argc != 5) {
		fprintf(stderr, "usage: spf_bench_client SOCKET CLIENTS REQUESTS CASES\n");
		return 2;
	}
	struct bench b = {.requests = strtoul(argv[3], NULL, 10)};
	size_t n_conns = strtoul(argv[2], NULL, 10);
	if (n_conns == 0 || b.requests == 0)
		die("usage", "CLIENTS and REQUESTS must be positive numbers");
	cases_read(&b, argv[4]);
	b.latencies = xcalloc(n_conns * b.requests, sizeof(*b.latencies));
	b.epfd = epoll_create1(EPOLL_CLOEXEC);
	struct bench_conn *conns = xcalloc(n_conns, sizeof(*conns));
	for (size_t i = 0; i < n_conns; i++) {
		conns[i].idx = i;
		conns[i].fd = connect_to(argv[1]);
		conns[i].parser = policy_parser_new(POLICY_REPLY, NULL);
		buf_init(&conns[i].out, 0);
	}
	run_phase(&b, conns, n_conns);	/* warm-up */
	double start = now_s();
	run_phase(&b, conns, n_conns);
	double elapsed = now_s() - start;
	size_t total = b.answered + b.wrong;
	qsort(b.latencies, total, sizeof(*b.latencies), cmp_double);
	printf("requests %zu wrong %zu rps %.0f p50_ms %.3f p90_ms %.3f p99_ms %.3f max_ms %.3f\n",
	       total, b.wrong, (double)total / elapsed, b.latencies[total / 2] * 1e3,
	       b.latencies[total * 9 / 10] * 1e3, b.latencies[total * 99 / 100] * 1e3,
	       b.latencies[total - 1] * 1e3);
	for (size_t i = 0; i < n_conns; i++) {
		close(conns[i].fd);
		policy_parser_free(&conns[i].parser);
		buf_deinit(&conns[i].out);
	}
	b.cases--; /* the warm-up case is the first */
	for (size_t i = 0; i <= b.n_cases; i++) {
		free(b.cases[i].ip);
		free(b.cases[i].sender);
		free(b.cases[i].expect);
	}
	free(b.cases);
	free(conns);
	free(b.latencies);
	close(b.epfd);
	return b.wrong > 0;
}
