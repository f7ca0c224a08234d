/* postern_queue.h: what the queue verbs of the postern tool share (queue,
 * mailq, flush, hold, release, delete, requeue, sendmail): the queue
 * directory opened the way posternd opens it, and the ids a command names.
 *
 * The queue belongs to mail_owner (queue.h). A verb run as root becomes
 * mail_owner before it opens anything; run as mail_owner it works as is;
 * run as anybody else it fails as Postfix's postsuper does for non-root
 * users.
 */
#ifndef POSTERN_POSTERN_QUEUE_H
#define POSTERN_POSTERN_QUEUE_H

#include <stddef.h>

#include "cli.h"
#include "queue.h"

/* The exit statuses of sysexits.h that the queue verbs use, as Postfix's
 * postqueue, postsuper and sendmail do. */
#define POSTERN_EX_OK 0
#define POSTERN_EX_USAGE 64
#define POSTERN_EX_DATAERR 65
#define POSTERN_EX_NOUSER 67
#define POSTERN_EX_UNAVAILABLE 69
#define POSTERN_EX_SOFTWARE 70
#define POSTERN_EX_CANTCREAT 73
#define POSTERN_EX_IOERR 74
#define POSTERN_EX_TEMPFAIL 75
#define POSTERN_EX_NOPERM 77

struct postern_queue {
	char *queue_directory;
	char *mail_owner;
	char *myhostname;
	char *myorigin;
	struct queue_dir *qd;
};

/* postern_queue_open: read the configuration global names, become
 * mail_owner when root, open queue_directory. 1 ok with *pq filled
 * (release with postern_queue_close), -1 error with *error_r. */
int postern_queue_open(const struct cli_opts *global, struct postern_queue *pq, char **error_r);
/* postern_queue_close: release what postern_queue_open filled. */
void postern_queue_close(struct postern_queue *pq);

/* postern_queue_daemon_running: 1 if posternd holds its pid file in
 * queue_directory, else 0. */
int postern_queue_daemon_running(const struct postern_queue *pq);

/* postern_queue_ids: the ids a command names in argv[0..argc): queue ids,
 * "ALL" (*all_r set) or "-" (one id a line from stdin, as postsuper
 * reads). Returns a NULL-terminated malloc'd array of malloc'd strings,
 * or NULL with a message on stderr for something that is not a queue id. */
char **postern_queue_ids(int argc, char **argv, int *all_r);
void postern_queue_ids_free(char ***idsp);

#endif
