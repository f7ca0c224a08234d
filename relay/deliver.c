/* deliver.c: the per-recipient delivery status shared by the transports,
 * and Postfix's delivery log line. */
#include "deliver.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "log.h"
#include "mem.h"

void deliver_status_set(struct deliver_status *st, enum queue_rcpt_state state, const char *dsn,
			const char *relay, const char *fmt, ...)
{
	va_list ap;

	deliver_status_deinit(st);
	st->state = state;
	st->notice = DELIVER_NOTICE_DELIVERED;
	snprintf(st->dsn, sizeof(st->dsn), "%s", dsn);
	st->relay = xstrdup(relay);
	va_start(ap, fmt);
	st->text = xvasprintf(fmt, ap);
	va_end(ap);
}

void deliver_status_deinit(struct deliver_status *st)
{
	free(st->relay);
	free(st->text);
	free(st->diag);
	st->relay = NULL;
	st->text = NULL;
	st->diag = NULL;
}

/* append_delay: Postfix's delay format with delay_logging_resolution_limit
 * 2: whole seconds from 10 s, one decimal from 1 s, two below, trailing
 * zeros dropped ("0.08", "0.1", "1.5", "25"); under 0.01 s and negative
 * values print as "0". */
static void append_delay(struct buf *b, int64_t us)
{
	double s = us > 0 ? (double)us / 1e6 : 0.0;
	char text[32];
	size_t n;

	snprintf(text, sizeof(text), "%.*f", s >= 10 ? 0 : s >= 1 ? 1 : 2, s);
	n = strlen(text);
	if (strchr(text, '.') != NULL) {
		while (text[n - 1] == '0')
			n--;
		if (text[n - 1] == '.')
			n--;
	}
	buf_append(b, text, n);
}

static const char *status_word(enum queue_rcpt_state state)
{
	switch (state) {
	case QUEUE_RCPT_DELIVERED:
		return "sent";
	case QUEUE_RCPT_BOUNCED:
		return "bounced";
	default:
		return "deferred";
	}
}

char *deliver_log_line(const struct queue_msg *msg, const char *rcpt,
		       const struct deliver_status *st, const struct deliver_times *t)
{
	int64_t arrival = queue_msg_envelope(msg)->arrival_us;
	char *line;
	struct buf b;

	buf_init(&b, 0);
	buf_printf(&b, "%s: to=<%s>, relay=%s, ", queue_msg_id(msg), rcpt, st->relay);
	if (t->conn_use > 1)
		buf_printf(&b, "conn_use=%lld, ", t->conn_use);
	buf_append_str(&b, "delay=");
	append_delay(&b, t->done_us - arrival);
	buf_append_str(&b, ", delays=");
	append_delay(&b, t->active_us - arrival);
	buf_append_char(&b, '/');
	append_delay(&b, t->start_us - t->active_us);
	buf_append_char(&b, '/');
	append_delay(&b, t->conn_us - t->start_us);
	buf_append_char(&b, '/');
	append_delay(&b, t->done_us - t->conn_us);
	buf_printf(&b, ", dsn=%s, status=%s (%s)", st->dsn, status_word(st->state), st->text);
	line = buf_detach(&b);
	buf_deinit(&b);
	return line;
}

int deliver_record(struct queue_msg *msg, size_t i, const struct deliver_status *st,
		   const struct deliver_times *t, struct queue_committer *committer, char **error_r)
{
	return deliver_record_all(msg, &i, st, 1, t, committer, error_r);
}

/* A delivery thread waiting for the committer to sync its file. */
struct deliver_sync_wait {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int done;
	int status;
	char *error;
};

/* deliver_sync_done: the committer's verdict, on its thread. */
static void deliver_sync_done(void *ctx, const char *queue_id, int status, const char *error)
{
	struct deliver_sync_wait *w = ctx;
	(void)queue_id;
	pthread_mutex_lock(&w->lock);
	w->status = status;
	w->error = status > 0 ? NULL : xstrdup(error != NULL ? error : "sync failed");
	w->done = 1;
	pthread_cond_signal(&w->cond);
	pthread_mutex_unlock(&w->lock);
}

/* deliver_sync: make msg's status updates durable, on this thread or as
 * part of the committer's next batch. 1 ok; -1 with *error_r. */
static int deliver_sync(struct queue_msg *msg, struct queue_committer *committer, char **error_r)
{
	if (committer == NULL)
		return queue_msg_sync(msg, error_r);
	struct deliver_sync_wait w = {.done = 0};
	pthread_mutex_init(&w.lock, NULL);
	pthread_cond_init(&w.cond, NULL);
	queue_committer_sync(committer, msg, NULL, deliver_sync_done, &w);
	pthread_mutex_lock(&w.lock);
	while (!w.done)
		pthread_cond_wait(&w.cond, &w.lock);
	pthread_mutex_unlock(&w.lock);
	pthread_cond_destroy(&w.cond);
	pthread_mutex_destroy(&w.lock);
	if (w.status > 0)
		return 1;
	*error_r = w.error;
	return -1;
}

int deliver_record_all(struct queue_msg *msg, const size_t *rcpts, const struct deliver_status *st,
		       size_t n, const struct deliver_times *t, struct queue_committer *committer,
		       char **error_r)
{
	for (size_t k = 0; k < n; k++)
		if (queue_msg_rcpt_update(msg, rcpts[k], st[k].state, error_r) < 0)
			return -1;
	if (deliver_sync(msg, committer, error_r) < 0)
		return -1;
	for (size_t k = 0; k < n; k++) {
		char *line = deliver_log_line(msg, queue_msg_rcpt(msg, rcpts[k])->address, &st[k], t);
		log_info("%s", line);
		free(line);
	}
	return 1;
}
