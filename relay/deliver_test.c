/* deliver_test.c: the discard:, error: and maildir: transports, the
 * durable per-recipient status and Postfix's delivery log line. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "deliver.h"
#include "deliver_maildir.h"
#include "deliver_simple.h"
#include "mem.h"
#include "queue_test_util.h"
#include "tap.h"

#define ARRIVAL 1700000000000000LL
#define CONTENT "Subject: hi\r\n\r\nbody\r\nbare\rCR and a bare\nLF\r\nlast"

static void check_status(const struct deliver_status *st, enum queue_rcpt_state state,
			 const char *dsn, const char *text, const char *what)
{
	tap_is_int(st->state, state, "%s: state", what);
	tap_is_str(st->dsn, dsn, "%s: dsn", what);
	tap_is_str(st->text, text, "%s: text", what);
}

static void test_simple(void)
{
	struct deliver_status st = {0};

	deliver_discard("", &st);
	check_status(&st, QUEUE_RCPT_DELIVERED, "2.0.0", "discarded", "discard:");
	tap_is_str(st.relay, "none", "discard: relay none");
	deliver_discard("example.com", &st);
	check_status(&st, QUEUE_RCPT_DELIVERED, "2.0.0", "example.com", "discard:example.com");
	deliver_error("5.7.1 go away", &st);
	check_status(&st, QUEUE_RCPT_BOUNCED, "5.7.1", "go away", "error:5.7.1 go away");
	deliver_error("4.3.2 later", &st);
	check_status(&st, QUEUE_RCPT_DEFERRED, "4.3.2", "later", "error:4.3.2 later");
	deliver_error("no code", &st);
	check_status(&st, QUEUE_RCPT_BOUNCED, "5.0.0", "no code", "error:no code");
	deliver_error("5.1234.1 x", &st);
	check_status(&st, QUEUE_RCPT_BOUNCED, "5.0.0", "5.1234.1 x", "error: a malformed code");
	deliver_error("", &st);
	check_status(&st, QUEUE_RCPT_BOUNCED, "5.0.0", "mail delivery disabled", "error:");
	deliver_retry("4.3.2 deferred transport", &st);
	check_status(&st, QUEUE_RCPT_DEFERRED, "4.3.2", "deferred transport",
		     "retry:4.3.2 deferred transport (defer_transports)");
	tap_is_str(st.relay, "none", "retry: relay none");
	deliver_retry("table lookup failed", &st);
	check_status(&st, QUEUE_RCPT_DEFERRED, "4.3.0", "table lookup failed",
		     "retry: a text without a code defers with 4.3.0");
	deliver_retry("5.7.1 not now", &st);
	check_status(&st, QUEUE_RCPT_DEFERRED, "4.7.1", "not now", "retry: a 5.X.Y code defers as 4.X.Y");
	deliver_retry("", &st);
	check_status(&st, QUEUE_RCPT_DEFERRED, "4.3.0", "delivery temporarily suspended", "retry:");
	deliver_status_deinit(&st);
	deliver_status_deinit(&st);
}

/* make_msg: a message with two recipients committed to incoming/. */
static struct queue_msg *make_msg(struct queue_dir *qd)
{
	struct queue_envelope env = {.arrival_us = ARRIVAL, .sender = "from@example.com"};
	struct queue_writer *w = NULL;
	struct queue_msg *msg = NULL;
	char id[QUEUE_ID_SIZE], *error = NULL;

	if (queue_writer_new(qd, &w, &error) < 0 || queue_writer_envelope(w, &env, &error) < 0 ||
	    queue_writer_rcpt(w, "a@example.org", NULL, 0, &error) < 0 ||
	    queue_writer_rcpt(w, "b@example.org", NULL, 0, &error) < 0 ||
	    queue_writer_content(w, CONTENT, strlen(CONTENT), &error) < 0)
		goto fail;
	snprintf(id, sizeof(id), "%s", queue_writer_id(w));
	if (queue_writer_commit_sync(&w, QUEUE_INCOMING, &error) < 0 ||
	    queue_msg_open(qd, QUEUE_INCOMING, id, QUEUE_MSG_UPDATE, &msg, NULL, &error) <= 0)
		goto fail;
	return msg;
fail:
	tap_ok(0, "make a message: %s", error ? error : "?");
	free(error);
	queue_writer_abort(&w);
	return NULL;
}

/* files_in: the one file in dir (malloc'd path), or NULL if not one;
 * the number of files in *n_r. */
static char *files_in(const char *dir, int *n_r)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char *found = NULL;
	int n = 0;

	if (d == NULL)
		return NULL;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		free(found);
		found = xasprintf("%s/%s", dir, e->d_name);
		n++;
	}
	closedir(d);
	*n_r = n;
	if (n != 1) {
		free(found);
		return NULL;
	}
	return found;
}

static void test_maildir(struct queue_msg *msg)
{
	struct deliver_status st = {0};
	char *md = xasprintf("%s/mail/a/Maildir", tap_tmpdir());
	char *newdir = xasprintf("%s/new", md), *tmpdir = xasprintf("%s/tmp", md);
	char *file, *tmpfile;
	int n = 0;
	struct buf got;
	struct stat sb;

	buf_init(&got, 0);
	deliver_maildir(msg, 0, md, "host/with:odd", &st);
	check_status(&st, QUEUE_RCPT_DELIVERED, "2.0.0", "delivered to maildir", "maildir");
	file = files_in(newdir, &n);
	tap_is_int(n, 1, "one file in new/");
	tmpfile = files_in(tmpdir, &n);
	tap_is_int(n, 0, "nothing left in tmp/");
	free(tmpfile);
	if (file != NULL) {
		tap_ok(strstr(file, ".host\\057with\\072odd") != NULL,
		       "unique name quotes / and :");
		qtest_read(file, &got);
		tap_is_str(buf_cstr(&got),
			   "Return-Path: <from@example.com>\nX-Original-To: a@example.org\n"
			   "Delivered-To: a@example.org\n"
			   "Subject: hi\n\nbody\nbare\rCR and a bare\nLF\nlast",
			   "maildir file: headers added, CRLF made LF, the rest byte for byte");
		tap_ok(stat(file, &sb) == 0 && (sb.st_mode & 0777) == 0600, "file mode 0600");
	}
	tap_ok(stat(md, &sb) == 0 && (sb.st_mode & 0777) == 0700, "maildir made with mode 0700");
	free(file);
	deliver_maildir(msg, 0, md, "h", &st);
	tap_is_int(st.state, QUEUE_RCPT_DELIVERED, "a second copy");
	file = files_in(newdir, &n);
	tap_is_int(n, 2, "gets a name of its own");
	free(file);

	/* a file where a directory should be: deferred, not lost */
	free(newdir);
	newdir = xasprintf("%s/blocked", tap_tmpdir());
	tap_write_file(newdir, "not a directory");
	free(md);
	md = xasprintf("%s/sub", newdir);
	deliver_maildir(msg, 1, md, "h", &st);
	tap_is_int(st.state, QUEUE_RCPT_DEFERRED, "an impossible maildir defers");
	tap_is_str(st.dsn, "4.2.0", "with 4.2.0");
	tap_ok(strstr(st.text, "Not a directory") != NULL, "and the reason: %s", st.text);
	deliver_maildir(msg, 1, "", "h", &st);
	tap_is_int(st.state, QUEUE_RCPT_DEFERRED, "an empty maildir path defers");
	deliver_status_deinit(&st);
	buf_deinit(&got);
	free(md);
	free(newdir);
	free(tmpdir);
}

static void test_record(struct queue_dir *qd, struct queue_msg **msgp)
{
	struct deliver_times t = {ARRIVAL + 40000, ARRIVAL + 50000, ARRIVAL + 50000,
				  ARRIVAL + 1570000, 0};
	struct deliver_status st = {0};
	char *error = NULL, *line, *want, id[QUEUE_ID_SIZE];
	struct queue_msg *again = NULL;

	deliver_discard("", &st);
	line = deliver_log_line(*msgp, "a@example.org", &st, &t);
	want = xasprintf("%s: to=<a@example.org>, relay=none, delay=1.6, "
			 "delays=0.04/0.01/0/1.5, dsn=2.0.0, status=sent (discarded)",
			 queue_msg_id(*msgp));
	tap_is_str(line, want, "the delivery log line");
	free(line);
	free(want);
	t.done_us = ARRIVAL + 25400000;
	deliver_error("4.4.1 no route", &st);
	line = deliver_log_line(*msgp, "b@example.org", &st, &t);
	tap_ok(strstr(line, "delay=25, delays=0.04/0.01/0/25, dsn=4.4.1, status=deferred "
			    "(no route)") != NULL,
	       "deferred, whole seconds from 10 s: %s", line);
	free(line);
	t.conn_use = 3;
	line = deliver_log_line(*msgp, "b@example.org", &st, &t);
	tap_ok(strstr(line, ", relay=none, conn_use=3, delay=25, ") != NULL,
	       "a reused connection: conn_use= after relay=, as Postfix logs it: %s", line);
	free(line);
	t.conn_use = 1;
	line = deliver_log_line(*msgp, "b@example.org", &st, &t);
	tap_ok(strstr(line, "conn_use") == NULL, "a connection's first use: no conn_use=");
	free(line);

	deliver_discard("", &st);
	tap_is_int(deliver_record(*msgp, 0, &st, &t, NULL, &error), 1, "record recipient 0 sent");
	deliver_error("4.4.1 no route", &st);
	tap_is_int(deliver_record(*msgp, 1, &st, &t, NULL, &error), 1,
		   "record recipient 1 deferred");
	snprintf(id, sizeof(id), "%s", queue_msg_id(*msgp));
	queue_msg_free(msgp);
	if (queue_msg_open(qd, QUEUE_INCOMING, id, QUEUE_MSG_READ, &again, NULL, &error) <= 0) {
		tap_ok(0, "reopen: %s", error);
		free(error);
		deliver_status_deinit(&st);
		return;
	}
	tap_is_int(queue_msg_rcpt(again, 0)->state, QUEUE_RCPT_DELIVERED, "read back: delivered");
	tap_is_int(queue_msg_rcpt(again, 1)->state, QUEUE_RCPT_DEFERRED, "read back: deferred");
	tap_is_int(queue_msg_rcpt(again, 1)->attempts, 1, "one attempt counted");
	queue_msg_free(&again);
	deliver_status_deinit(&st);
}

int main(void)
{
	struct queue_dir *qd = qtest_queue("queue");
	struct queue_msg *msg;

	test_simple();
	msg = make_msg(qd);
	if (msg != NULL) {
		test_maildir(msg);
		test_record(qd, &msg);
	}
	queue_msg_free(&msg);
	queue_dir_free(&qd);
	return tap_done();
}
