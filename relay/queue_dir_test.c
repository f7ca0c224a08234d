/* queue_dir_test.c: the queue directory is created private, refuses to open
 * when it is not, lists and moves files durably, and the start-up scan
 * handles each kind of leftover with a log line. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "mem.h"
#include "queue.h"
#include "queue_test_util.h"
#include "tap.h"

static void test_setup(void)
{
	struct queue_dir *qd = qtest_queue("setup");
	int ok = 1;
	for (int q = 0; q < QUEUE_COUNT; q++) {
		struct stat st;
		ok &= fstat(queue_dir_fd(qd, (enum queue_name)q), &st) == 0 &&
		      (st.st_mode & 07777) == 0700 && st.st_uid == geteuid();
	}
	tap_ok(ok, "setup makes eight directories of mode 0700 owned by us");
	enum queue_name q;
	tap_ok(queue_name_parse("deferred", &q) == 1 && q == QUEUE_DEFERRED &&
		   strcmp(queue_name_str(QUEUE_HOLD), "hold") == 0 &&
		   queue_name_parse("maildrop", &q) == 1 && q == QUEUE_MAILDROP &&
		   queue_name_parse("bounce", &q) == 0,
	       "queue names");
	char *path = xstrdup(queue_dir_path(qd));
	queue_dir_free(&qd);
	tap_ok(qd == NULL, "free clears the pointer");

	char *error = NULL;
	char *hold = xasprintf("%s/hold", path);
	chmod(hold, 0750);
	tap_is_int(queue_dir_open(path, &qd, &error), -1, "a group-readable queue is refused");
	tap_ok(error != NULL && strstr(error, "hold: mode 750") != NULL,
	       "... naming the directory");
	FREE_AND_NULL(error);
	rmdir(hold);
	tap_is_int(queue_dir_open(path, &qd, &error), -1, "a missing subdirectory is refused");
	FREE_AND_NULL(error);
	tap_is_int(queue_dir_setup(path, geteuid(), getegid(), &error), 1,
		   "setup again repairs the layout");
	tap_is_int(queue_dir_open(path, &qd, &error), 1, "... and the queue opens");
	queue_dir_free(&qd);
	free(hold);
	free(path);
}

static void test_list_and_move(void)
{
	struct queue_dir *qd = qtest_queue("move");
	char ids[3][QUEUE_ID_SIZE];
	for (int i = 2; i >= 0; i--)
		qtest_commit(qd, QUEUE_INCOMING, 1, (unsigned)i, 10, ids[2 - i]);
	int fd = openat(queue_dir_fd(qd, QUEUE_INCOMING), "stray.txt", O_CREAT | O_WRONLY, 0600);
	close(fd);
	struct queue_list list;
	char *error = NULL;
	tap_is_int(queue_dir_list(qd, QUEUE_INCOMING, &list, &error), 1, "list incoming");
	tap_ok(list.n == 3 && strcmp(list.ids[0], ids[0]) == 0 &&
		   strcmp(list.ids[1], ids[1]) == 0 && strcmp(list.ids[2], ids[2]) == 0,
	       "ids listed in arrival order");
	tap_ok(list.n_strays == 1 && strcmp(list.strays[0], "stray.txt") == 0,
	       "other names listed apart");
	queue_list_deinit(&list);
	unlinkat(queue_dir_fd(qd, QUEUE_INCOMING), "stray.txt", 0);

	tap_is_int(queue_dir_move(qd, ids[0], QUEUE_INCOMING, QUEUE_HOLD, &error), 1, "hold");
	tap_ok(qtest_exists(qd, QUEUE_HOLD, ids[0]) && !qtest_exists(qd, QUEUE_INCOMING, ids[0]),
	       "... the file moved");
	tap_is_int(queue_dir_move(qd, ids[0], QUEUE_INCOMING, QUEUE_HOLD, &error), 0,
		   "moving a missing file returns 0");
	linkat(queue_dir_fd(qd, QUEUE_HOLD), ids[0], queue_dir_fd(qd, QUEUE_DEFERRED), ids[0], 0);
	tap_is_int(queue_dir_move(qd, ids[0], QUEUE_HOLD, QUEUE_DEFERRED, &error), -1,
		   "a move never replaces a file");
	FREE_AND_NULL(error);
	tap_is_int(queue_dir_move(qd, "../incoming/x", QUEUE_HOLD, QUEUE_DEFERRED, &error), -1,
		   "a name that is no queue id is refused");
	FREE_AND_NULL(error);
	queue_dir_free(&qd);
}

/* copy_file: q/id's bytes, cut to len (SIZE_MAX: whole) and with byte flip
 * xor-ed at offset flip_at (SIZE_MAX: none), written as to/name. */
static void copy_file(struct queue_dir *qd, enum queue_name q, const char *id, size_t len,
		      size_t flip_at, enum queue_name to, const char *name)
{
	struct buf image;
	buf_init(&image, 0);
	char *path = qtest_path(qd, q, id);
	qtest_read(path, &image);
	free(path);
	if (len < image.len)
		buf_truncate(&image, len);
	if (flip_at < image.len)
		image.data[flip_at] ^= 0x20;
	int fd = openat(queue_dir_fd(qd, to), name, O_CREAT | O_WRONLY | O_TRUNC, 0600);
	if (fd < 0 || write(fd, image.data, image.len) != (ssize_t)image.len)
		tap_ok(0, "write fixture %s", name);
	close(fd);
	buf_deinit(&image);
}

/* capture_log: send log lines to a file until restore_log(). */
static int saved_stderr = -1;

static void capture_log(const char *path)
{
	fflush(stderr);
	saved_stderr = dup(2);
	int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0600);
	dup2(fd, 2);
	close(fd);
}

static void restore_log(void)
{
	fflush(stderr);
	dup2(saved_stderr, 2);
	close(saved_stderr);
}

static int log_has(const struct buf *log, const char *a, const char *b)
{
	for (const char *p = log->data; (p = strstr(p, a)) != NULL; p++) {
		const char *eol = strchr(p, '\n');
		const char *hit = strstr(p, b);
		if (hit != NULL && (eol == NULL || hit < eol))
			return 1;
	}
	return 0;
}

static void test_recover(void)
{
	struct queue_dir *qd = qtest_queue("recover");
	char good_in[QUEUE_ID_SIZE], good_def[QUEUE_ID_SIZE], good_hold[QUEUE_ID_SIZE];
	char active[QUEUE_ID_SIZE], dup[QUEUE_ID_SIZE], spare[QUEUE_ID_SIZE];
	char cut[QUEUE_ID_SIZE], flipped[QUEUE_ID_SIZE], tmp_done[QUEUE_ID_SIZE];
	qtest_commit(qd, QUEUE_INCOMING, 2, 1, 3000, good_in);
	qtest_commit(qd, QUEUE_DEFERRED, 1, 2, 100, good_def);
	qtest_commit(qd, QUEUE_HOLD, 1, 3, 100, good_hold);
	qtest_commit(qd, QUEUE_ACTIVE, 3, 4, 70000, active);
	qtest_commit(qd, QUEUE_INCOMING, 1, 5, 10, dup);
	qtest_commit(qd, QUEUE_HOLD, 1, 6, 10, spare);
	/* Leftovers: an unfinished writer, a finished but uncommitted file in
	 * tmp/, a copy of an incoming file also in active/, a truncated file in
	 * incoming/, a damaged one in deferred/, strays in deferred/ and tmp/,
	 * a directory and a symbolic link named like queue files in hold/. */
	struct queue_writer *w = qtest_writer(qd, 1, 7, 100);
	char unfinished[QUEUE_ID_SIZE];
	snprintf(unfinished, sizeof(unfinished), "%s", queue_writer_id(w));
	queue_id_next(tmp_done);
	copy_file(qd, QUEUE_HOLD, spare, SIZE_MAX, SIZE_MAX, QUEUE_TMP, tmp_done);
	copy_file(qd, QUEUE_INCOMING, dup, SIZE_MAX, SIZE_MAX, QUEUE_ACTIVE, dup);
	queue_id_next(cut);
	copy_file(qd, QUEUE_INCOMING, good_in, 1500, SIZE_MAX, QUEUE_INCOMING, cut);
	queue_id_next(flipped);
	copy_file(qd, QUEUE_DEFERRED, good_def, SIZE_MAX, 120, QUEUE_DEFERRED, flipped);
	copy_file(qd, QUEUE_HOLD, spare, SIZE_MAX, SIZE_MAX, QUEUE_DEFERRED, "core");
	copy_file(qd, QUEUE_HOLD, spare, SIZE_MAX, SIZE_MAX, QUEUE_TMP, ".nfs0001");
	char subdir[QUEUE_ID_SIZE], link[QUEUE_ID_SIZE];
	queue_id_next(subdir);
	mkdirat(queue_dir_fd(qd, QUEUE_HOLD), subdir, 0700);
	queue_id_next(link);
	symlinkat("/etc/passwd", queue_dir_fd(qd, QUEUE_HOLD), link);

	char *log_path = xasprintf("%s/recover.log", tap_tmpdir());
	struct queue_recovery r;
	char *error = NULL;
	capture_log(log_path);
	int ret = queue_dir_recover(qd, &r, &error);
	restore_log();
	tap_is_int(ret, 1, "recovery scan");
	tap_is_int(r.removed, 3, "three files removed from tmp/");
	tap_is_int(r.requeued, 1, "one file back from active/");
	tap_is_int(r.corrupt, 6, "six files to corrupt/");
	tap_ok(r.incoming == 3 && r.deferred == 1 && r.hold == 2, "valid files counted per queue");
	tap_ok(qtest_count(qd, QUEUE_TMP) == 0 && qtest_count(qd, QUEUE_ACTIVE) == 0,
	       "tmp/ and active/ are empty");
	tap_ok(qtest_exists(qd, QUEUE_INCOMING, active) &&
		   qtest_exists(qd, QUEUE_INCOMING, good_in) &&
		   qtest_exists(qd, QUEUE_INCOMING, dup) &&
		   qtest_exists(qd, QUEUE_DEFERRED, good_def) &&
		   qtest_exists(qd, QUEUE_HOLD, good_hold) && qtest_exists(qd, QUEUE_HOLD, spare),
	       "every valid file in its queue");
	tap_ok(qtest_exists(qd, QUEUE_CORRUPT, cut) && qtest_exists(qd, QUEUE_CORRUPT, flipped) &&
		   qtest_exists(qd, QUEUE_CORRUPT, "core") &&
		   qtest_exists(qd, QUEUE_CORRUPT, dup) &&
		   qtest_exists(qd, QUEUE_CORRUPT, subdir) && qtest_exists(qd, QUEUE_CORRUPT, link),
	       "truncated, damaged, stray, duplicate, directory and symlink entries in corrupt/");
	struct queue_msg *msg = NULL;
	queue_msg_open(qd, QUEUE_INCOMING, active, QUEUE_MSG_READ, &msg, NULL, &error);
	tap_ok(msg != NULL && qtest_content_is(msg, 4, 70000) && queue_msg_rcpt_count(msg) == 3,
	       "the requeued message is intact");
	queue_msg_free(&msg);

	struct buf log;
	buf_init(&log, 0);
	qtest_read(log_path, &log);
	tap_ok(log_has(&log, unfinished, "removed unfinished queue file tmp/"),
	       "log: unfinished file removed");
	tap_ok(log_has(&log, active, "requeued from active to incoming"), "log: requeued");
	tap_ok(log_has(&log, "warning: ", cut) && log_has(&log, cut, "file ends"),
	       "log: warning for the truncated file with the reason");
	tap_ok(log_has(&log, flipped, "moved damaged queue file deferred/"),
	       "log: warning for the damaged file");
	tap_ok(log_has(&log, "core", "not a queue file name"), "log: stray name");
	buf_deinit(&log);

	tap_is_int(queue_dir_recover(qd, &r, &error), 1, "a second scan");
	tap_ok(r.removed == 0 && r.requeued == 0 && r.corrupt == 0 && r.incoming == 3 &&
		   r.deferred == 1 && r.hold == 2,
	       "... finds nothing more to do");
	queue_writer_abort(&w);
	free(log_path);
	queue_dir_free(&qd);
}

int main(void)
{
	log_init("queue_dir_test", LOG_DEST_STDERR);
	test_setup();
	test_list_and_move();
	test_recover();
	return tap_done();
}
