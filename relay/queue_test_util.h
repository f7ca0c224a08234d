/* queue_test_util.h: helpers shared by the queue's unit tests: a fresh
 * queue directory, messages with content derived from a seed, and checks
 * that a stored message is the one written. Failures to set up bail out.
 */
#ifndef POSTERN_QUEUE_TEST_UTIL_H
#define POSTERN_QUEUE_TEST_UTIL_H

#include <stddef.h>

#include "buf.h"
#include "queue.h"

/* qtest_queue: a new queue under the test's private directory. */
struct queue_dir *qtest_queue(const char *name);
/* qtest_content: len bytes of content derived from seed, into out. */
void qtest_content(unsigned seed, size_t len, struct buf *out);
/* qtest_writer: a writer holding a message with n_rcpts recipients
 * ("rcptN@example.org") and content qtest_content(seed, len); not yet
 * committed. */
struct queue_writer *qtest_writer(struct queue_dir *qd, size_t n_rcpts, unsigned seed, size_t len);
/* qtest_commit: qtest_writer() committed synchronously into target; the
 * id is written to id (QUEUE_ID_SIZE bytes). */
void qtest_commit(struct queue_dir *qd, enum queue_name target, size_t n_rcpts, unsigned seed,
		  size_t len, char *id);
/* qtest_content_is: 1 if msg's content is qtest_content(seed, len). */
int qtest_content_is(const struct queue_msg *msg, unsigned seed, size_t len);
/* qtest_read: the whole file path into out; 1 ok, -1 error. */
int qtest_read(const char *path, struct buf *out);
/* qtest_path: "<queue>/<q>/<id>" (caller frees). */
char *qtest_path(const struct queue_dir *qd, enum queue_name q, const char *id);
/* qtest_exists: 1 if q/id exists. */
int qtest_exists(const struct queue_dir *qd, enum queue_name q, const char *id);
/* qtest_count: the number of entries in q. */
size_t qtest_count(const struct queue_dir *qd, enum queue_name q);

#endif
