/* queue_dir.h: the queue directory: its subdirectories, listings, durable
 * moves between them and the start-up recovery scan.
 *
 * The layout and the durability argument are in queue.h. A queue_dir holds
 * an open descriptor for each subdirectory, so later renames do not depend
 * on the current directory. Not thread-safe by itself: the descriptors are
 * read-only after open, so several threads may use one queue_dir for
 * openat()/renameat() as long as none frees it.
 */
#ifndef POSTERN_QUEUE_DIR_H
#define POSTERN_QUEUE_DIR_H

#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

/* QUEUE_MODE_FLUSH: the mode bit "postern flush" sets on a queue file
 * before it moves the file to incoming/ (mode 0700 instead of 0600): the
 * scheduler then delivers it to the transports of defer_transports too,
 * once, and clears the bit (as Postfix's "postqueue -f" lifts
 * defer_transports for one queue run). */
#define QUEUE_MODE_FLUSH S_IXUSR

enum queue_name {
	QUEUE_TMP,
	QUEUE_INCOMING,
	QUEUE_ACTIVE,
	QUEUE_DEFERRED,
	QUEUE_HOLD,
	QUEUE_CORRUPT,
	QUEUE_MAILDROP,
	QUEUE_DEFER, /* not a queue: the defer logs (queue_defer.h) */
	QUEUE_COUNT
};

struct queue_dir;

/* queue_name_str: "tmp", "incoming", ...; a static string. */
const char *queue_name_str(enum queue_name q);
/* queue_name_parse: 1 and *q_r set if s names a queue, else 0. */
int queue_name_parse(const char *s, enum queue_name *q_r);

/* queue_dir_setup: create path and any missing subdirectory with mode
 * 0700, and give them to uid:gid (for a root process before it drops
 * privileges). 1 ok, -1 error with *error_r. */
int queue_dir_setup(const char *path, uid_t uid, gid_t gid, char **error_r);
/* queue_dir_open: open an existing queue; every subdirectory must exist,
 * belong to the effective uid and grant nothing to group or others.
 * 1 ok with *qd_r (free with queue_dir_free), -1 error with *error_r. */
int queue_dir_open(const char *path, struct queue_dir **qd_r, char **error_r);
/* queue_dir_free: close and release *qdp; accepts NULL; clears *qdp. */
void queue_dir_free(struct queue_dir **qdp);

/* queue_dir_path: the queue_directory path given to open (owned by qd). */
const char *queue_dir_path(const struct queue_dir *qd);
/* queue_dir_fd: the descriptor of one subdirectory (owned by qd). */
int queue_dir_fd(const struct queue_dir *qd, enum queue_name q);

struct queue_list {
	char **ids; /* queue ids, sorted (= by arrival) */
	size_t n;
	char **strays; /* other names found (not ids), unsorted */
	size_t n_strays;
};

/* queue_dir_list: the files of one queue. 1 ok (release with
 * queue_list_deinit), -1 error with *error_r. */
int queue_dir_list(const struct queue_dir *qd, enum queue_name q, struct queue_list *list_r,
		   char **error_r);
void queue_list_deinit(struct queue_list *list);

/* queue_dir_move: rename id from one queue to another and fsync both
 * directories before returning (the committer batches the same steps for
 * posternd). 1 moved, 0 no such file in from, -1 error with *error_r. */
int queue_dir_move(struct queue_dir *qd, const char *id, enum queue_name from, enum queue_name to,
		   char **error_r);
/* queue_dir_sync: fsync one subdirectory. 1 ok, -1 error. */
int queue_dir_sync(const struct queue_dir *qd, enum queue_name q, char **error_r);

struct queue_recovery {
	unsigned removed;		   /* unacknowledged files removed from tmp/ */
	unsigned requeued;		   /* moved from active/ back to incoming/ */
	unsigned corrupt;		   /* files that failed validation, now in corrupt/ */
	unsigned incoming, deferred, hold; /* valid files after the scan */
};

/* queue_dir_recover: the start-up scan, run before any writer or
 * scheduler uses the queue: remove every file in tmp/ (never
 * acknowledged), move active/ back to incoming/, validate every file in
 * incoming/, deferred/ and hold/ and move those that fail (and names that
 * are not queue ids) to corrupt/. Each removal and move is logged. Reads
 * every queue file once. 1 ok with *r filled, -1 error with *error_r (an
 * I/O error on a directory; the scan stops there). */
int queue_dir_recover(struct queue_dir *qd, struct queue_recovery *r, char **error_r);

#endif
