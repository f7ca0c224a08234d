/* deliver_smtp_test.c: the connection-free parts of the SMTP/LMTP client:
 * EHLO keywords, MAIL FROM and RCPT TO with their DSN parameters,
 * dot-stuffing across chunk boundaries, and the status each reply gives. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "deliver_smtp_cmd.h"
#include "mem.h"
#include "queue_test_util.h"
#include "smtp_reply_reader.h"
#include "tap.h"

/* reply: a server reply as the client's reader parses it. */
static struct smtp_reply *reply(const char *text)
{
	struct smtp_reply_reader *rr =
		smtp_reply_reader_new(SMTP_REPLY_READER_MAX_LINE, SMTP_REPLY_READER_MAX_LINES);
	struct smtp_reply *r = NULL;
	char *error = NULL;
	size_t used;
	if (smtp_reply_reader_feed(rr, text, strlen(text), &used, &r, &error) <= 0) {
		tap_diag("cannot parse %s: %s", text, error != NULL ? error : "incomplete");
		exit(1);
	}
	smtp_reply_reader_free(&rr);
	return r;
}

static void test_ext(void)
{
	unsigned long long size;
	struct smtp_reply *r =
		reply("250-mx.example\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250-8bitmime\r\n"
		      "250-DSN\r\n250 SMTPUTF8\r\n");
	unsigned ext = deliver_smtp_ext(r, &size);
	tap_is_int(ext,
		   DELIVER_EXT_PIPELINING | DELIVER_EXT_SIZE | DELIVER_EXT_8BITMIME |
			   DELIVER_EXT_DSN | DELIVER_EXT_SMTPUTF8,
		   "EHLO keywords, case-insensitive");
	tap_is_int((long long)size, 10240000, "SIZE limit");
	smtp_reply_free(&r);
	r = reply("250-mx.example PIPELINING\r\n250-SIZE\r\n250 DSNX\r\n");
	ext = deliver_smtp_ext(r, &size);
	tap_is_int(ext, DELIVER_EXT_SIZE, "the greeting line and look-alike keywords do not count");
	tap_is_int((long long)size, 0, "SIZE without a limit");
	smtp_reply_free(&r);
}

/* make_msg: a message with DSN attributes, committed to incoming/. */
static struct queue_msg *make_msg(struct queue_dir *qd, const char *content)
{
	struct queue_envelope env = {.sender = "from@example.com",
				     .envid = "id+1=x",
				     .ret = QUEUE_RET_HDRS,
				     .body = QUEUE_BODY_8BITMIME};
	struct queue_writer *w = NULL;
	struct queue_msg *msg = NULL;
	char id[QUEUE_ID_SIZE], *error = NULL;
	if (queue_writer_new(qd, &w, &error) < 0 || queue_writer_envelope(w, &env, &error) < 0 ||
	    queue_writer_rcpt(w, "a@example.org", "rfc822;a+2B@example.org",
			      QUEUE_NOTIFY_SUCCESS | QUEUE_NOTIFY_FAILURE, &error) < 0 ||
	    queue_writer_rcpt(w, "b@example.org", NULL, 0, &error) < 0 ||
	    queue_writer_content(w, content, strlen(content), &error) < 0)
		goto fail;
	snprintf(id, sizeof(id), "%s", queue_writer_id(w));
	if (queue_writer_commit_sync(&w, QUEUE_INCOMING, &error) < 0 ||
	    queue_msg_open(qd, QUEUE_INCOMING, id, QUEUE_MSG_READ, &msg, NULL, &error) <= 0)
		goto fail;
	return msg;
fail:
	tap_diag("cannot make the test message: %s", error != NULL ? error : "?");
	exit(1);
}

static void test_commands(struct queue_msg *msg)
{
	struct buf b;
	buf_init(&b, 0);
	deliver_smtp_mail(msg, 0, &b);
	tap_is_str(buf_cstr(&b), "MAIL FROM:<from@example.com>\r\n", "MAIL FROM, no extensions");
	buf_reset(&b);
	deliver_smtp_mail(msg, DELIVER_EXT_SIZE | DELIVER_EXT_8BITMIME | DELIVER_EXT_DSN, &b);
	tap_is_str(buf_cstr(&b),
		   "MAIL FROM:<from@example.com> SIZE=21 BODY=8BITMIME RET=HDRS ENVID=id+2B1+3Dx\r\n",
		   "MAIL FROM with SIZE, BODY, RET and ENVID (xtext)");
	buf_reset(&b);
	deliver_smtp_rcpt(queue_msg_rcpt(msg, 0), DELIVER_EXT_DSN, &b);
	tap_is_str(buf_cstr(&b),
		   "RCPT TO:<a@example.org> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;a+2B@example.org\r\n",
		   "RCPT TO with NOTIFY and ORCPT");
	buf_reset(&b);
	deliver_smtp_rcpt(queue_msg_rcpt(msg, 0), 0, &b);
	tap_is_str(buf_cstr(&b), "RCPT TO:<a@example.org>\r\n", "no DSN parameters without DSN");
	buf_reset(&b);
	deliver_smtp_rcpt(queue_msg_rcpt(msg, 1), DELIVER_EXT_DSN, &b);
	tap_is_str(buf_cstr(&b), "RCPT TO:<b@example.org>\r\n", "none given, none sent");
	buf_deinit(&b);
}

/* stuffed: the content split into chunks at every position gives the
 * same result. */
static void test_stuff(const char *in, const char *want, const char *what)
{
	size_t len = strlen(in);
	int same = 1;
	for (size_t cut = 0; cut <= len; cut++) {
		struct deliver_smtp_stuff s = {1, 0};
		struct buf b;
		buf_init(&b, 0);
		deliver_smtp_stuff_chunk(&s, in, cut, &b);
		deliver_smtp_stuff_chunk(&s, in + cut, len - cut, &b);
		deliver_smtp_stuff_end(&s, &b);
		if (strcmp(buf_cstr(&b), want) != 0) {
			if (same)
				tap_diag("cut %zu: got \"%s\"", cut, buf_cstr(&b));
			same = 0;
		}
		buf_deinit(&b);
	}
	tap_ok(same, "dot-stuffing: %s", what);
}

static void test_status(void)
{
	struct deliver_status st = {0};
	struct smtp_reply *r = reply("250 2.0.0 Ok: queued as ABC\r\n");
	deliver_smtp_reply_status(r, "mx[127.0.0.1]:25", "end of DATA", &st);
	tap_is_int(st.state, QUEUE_RCPT_DELIVERED, "2xx: delivered");
	tap_is_str(st.text, "250 2.0.0 Ok: queued as ABC", "2xx: the reply as text");
	tap_is_str(st.relay, "mx[127.0.0.1]:25", "relay");
	smtp_reply_free(&r);
	r = reply("450 4.2.0 <a@example.org>: mailbox busy\r\n");
	deliver_smtp_reply_status(r, "mx[127.0.0.1]:25", "RCPT TO", &st);
	tap_is_int(st.state, QUEUE_RCPT_DEFERRED, "4xx: deferred");
	tap_is_str(st.dsn, "4.2.0", "4xx: its enhanced code");
	tap_is_str(st.text,
		   "host mx[127.0.0.1]:25 said: 450 4.2.0 <a@example.org>: mailbox busy (in "
		   "reply to RCPT TO command)",
		   "4xx: Postfix's text");
	smtp_reply_free(&r);
	r = reply("554 no\r\n");
	deliver_smtp_reply_status(r, "mx[127.0.0.1]:25", "MAIL FROM", &st);
	tap_is_int(st.state, QUEUE_RCPT_BOUNCED, "5xx: bounced");
	tap_is_str(st.dsn, "5.0.0", "no enhanced code: X.0.0");
	smtp_reply_free(&r);
	deliver_status_deinit(&st);
}

int main(void)
{
	struct queue_dir *qd = qtest_queue("q");
	struct queue_msg *msg = make_msg(qd, "Subject: x\r\n\r\n.body\r\n");
	test_ext();
	test_commands(msg);
	test_stuff("a\r\n.b\r\n..c\r\nd.\r\n", "a\r\n..b\r\n...c\r\nd.\r\n.\r\n", "lines");
	test_stuff(".x\r\nno end", "..x\r\nno end\r\n.\r\n", "first line, no final CRLF");
	test_stuff("cr at end\r", "cr at end\r\n.\r\n", "a final CR completed");
	test_stuff("", ".\r\n", "empty content");
	test_status();
	queue_msg_free(&msg);
	queue_dir_free(&qd);
	return tap_done();
}
