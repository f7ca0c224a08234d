/* queue_test_util.c: shared helpers of the queue unit tests (see
 * queue_test_util.h). */
#include "queue_test_util.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mem.h"
#include "tap.h"

static void qtest_bail(const char *what, char *error)
{
	printf("Bail out! %s: %s\n", what, error != NULL ? error : "");
	free(error);
	exit(1);
}

struct queue_dir *qtest_queue(const char *name)
{
	char *path = xasprintf("%s/%s", tap_tmpdir(), name);
	char *error = NULL;
	struct queue_dir *qd = NULL;
	if (queue_dir_setup(path, geteuid(), getegid(), &error) < 0 ||
	    queue_dir_open(path, &qd, &error) < 0)
		qtest_bail(path, error);
	free(path);
	return qd;
}

void qtest_content(unsigned seed, size_t len, struct buf *out)
{
	buf_reset(out);
	unsigned x = seed * 2654435761u + 1;
	for (size_t i = 0; i < len; i++) {
		x = x * 1103515245u + 12345u;
		buf_append_char(out, (char)(x >> 16));
	}
}

struct queue_writer *qtest_writer(struct queue_dir *qd, size_t n_rcpts, unsigned seed, size_t len)
{
	struct queue_writer *w = NULL;
	char *error = NULL;
	struct queue_envelope env = {
	    .sender = "sender@example.com",
	    .client_address = "192.0.2.1",
	    .helo_name = "client.example.com",
	    .protocol = "ESMTP",
	};
	if (queue_writer_new(qd, &w, &error) < 0 || queue_writer_envelope(w, &env, &error) < 0)
		qtest_bail("writer", error);
	for (size_t i = 0; i < n_rcpts; i++) {
		char *rcpt = xasprintf("rcpt%zu@example.org", i);
		if (queue_writer_rcpt(w, rcpt, NULL, 0, &error) < 0)
			qtest_bail("rcpt", error);
		free(rcpt);
	}
	struct buf content;
	buf_init(&content, 0);
	qtest_content(seed, len, &content);
	if (queue_writer_content(w, content.data, content.len, &error) < 0)
		qtest_bail("content", error);
	buf_deinit(&content);
	return w;
}

void qtest_commit(struct queue_dir *qd, enum queue_name target, size_t n_rcpts, unsigned seed,
		  size_t len, char *id)
{
	struct queue_writer *w = qtest_writer(qd, n_rcpts, seed, len);
	char *error = NULL;
	snprintf(id, QUEUE_ID_SIZE, "%s", queue_writer_id(w));
	if (queue_writer_commit_sync(&w, target, &error) < 0)
		qtest_bail("commit", error);
}

int qtest_content_is(const struct queue_msg *msg, unsigned seed, size_t len)
{
	struct buf want, got;
	buf_init(&want, 0);
	buf_init(&got, 0);
	qtest_content(seed, len, &want);
	size_t iter = 0, n;
	const void *data;
	while (queue_msg_content_next(msg, &iter, &data, &n))
		buf_append(&got, data, n);
	int same = got.len == want.len && memcmp(got.data, want.data, got.len) == 0 &&
		   queue_msg_content_size(msg) == len;
	buf_deinit(&want);
	buf_deinit(&got);
	return same;
}

int qtest_read(const char *path, struct buf *out)
{
	buf_reset(out);
	FILE *fp = fopen(path, "rb");
	if (fp == NULL)
		return -1;
	char block[8192];
	size_t n;
	while ((n = fread(block, 1, sizeof(block), fp)) > 0)
		buf_append(out, block, n);
	fclose(fp);
	return 1;
}

char *qtest_path(const struct queue_dir *qd, enum queue_name q, const char *id)
{
	return xasprintf("%s/%s/%s", queue_dir_path(qd), queue_name_str(q), id);
}

int qtest_exists(const struct queue_dir *qd, enum queue_name q, const char *id)
{
	return faccessat(queue_dir_fd(qd, q), id, F_OK, 0) == 0;
}

size_t qtest_count(const struct queue_dir *qd, enum queue_name q)
{
	struct queue_list list;
	char *error = NULL;
	if (queue_dir_list(qd, q, &list, &error) < 0)
		qtest_bail("list", error);
	size_t n = list.n + list.n_strays;
	queue_list_deinit(&list);
	return n;
}
