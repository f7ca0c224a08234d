/* queue_msg.h: a queue file read back: envelope, recipients with their
 * delivery status, content; and in-place recipient status updates.
 *
 * The reader validates the whole file (queue.h has the format) before it
 * hands anything out, and never trusts a length it read. A queue_msg is
 * used by one thread at a time; all strings it returns are owned by it and
 * live until queue_msg_free().
 */
#ifndef POSTERN_QUEUE_MSG_H
#define POSTERN_QUEUE_MSG_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "queue_dir.h"

enum queue_ret { QUEUE_RET_UNSET, QUEUE_RET_FULL, QUEUE_RET_HDRS };
enum queue_body { QUEUE_BODY_UNSET, QUEUE_BODY_7BIT, QUEUE_BODY_8BITMIME, QUEUE_BODY_BINARYMIME };

/* RFC 3461 NOTIFY; 0 means the client gave none. NEVER excludes the rest. */
#define QUEUE_NOTIFY_NEVER 0x01u
#define QUEUE_NOTIFY_SUCCESS 0x02u
#define QUEUE_NOTIFY_FAILURE 0x04u
#define QUEUE_NOTIFY_DELAY 0x08u

enum queue_rcpt_state {
	QUEUE_RCPT_PENDING,   /* not tried yet */
	QUEUE_RCPT_DEFERRED,  /* tried, to be tried again */
	QUEUE_RCPT_DELIVERED, /* final */
	QUEUE_RCPT_BOUNCED,   /* final */
};

struct queue_attr {
	char *name;
	char *value;
};

/* The envelope. Strings may be NULL when absent, except sender ("" for the
 * null sender). The writer takes a const one (it copies nothing it does
 * not write at once); the reader's belongs to the queue_msg. */
struct queue_envelope {
	int64_t arrival_us; /* 0 in a writer: take the time from the queue id */
	char *sender;
	char *envid;
	enum queue_ret ret;
	enum queue_body body;
	int smtputf8;
	char *client_address;
	char *client_name;
	char *helo_name;
	char *protocol; /* "ESMTP", "ESMTPSA", ... */
	char *sasl_method;
	char *sasl_username;
	char *hold_reason;	  /* set when the message went to hold/ */
	char *hold_filter;	  /* the filter or restriction that decided */
	struct queue_attr *extra; /* further name=value attributes, in order */
	size_t n_extra;
};

struct queue_rcpt {
	char *address;
	char *orcpt;	 /* RFC 3461 ORCPT as given ("rfc822;user@example.com"), or NULL */
	unsigned notify; /* QUEUE_NOTIFY_* bits */
	enum queue_rcpt_state state;
	uint32_t attempts;  /* status updates so far */
	int64_t updated_us; /* time of the last status update, 0 if none */
	int slot_damaged;   /* the status slot failed its checksum (a torn update):
			       read as pending, so the recipient is tried again */
};

struct queue_msg;

/* Why a queue_msg_open() failed. */
enum queue_msg_problem {
	QUEUE_MSG_IO,	      /* the file could not be read (the file may be fine) */
	QUEUE_MSG_INCOMPLETE, /* the file ends before its end record */
	QUEUE_MSG_DAMAGED,    /* the file is malformed or fails its checksum */
};

/* queue_msg_parse: parse and validate a queue file image of len bytes;
 * name (e.g. "incoming/ID") prefixes error messages. 1 complete and valid
 * with *msg_r (the image is copied), 0 incomplete (a prefix of a valid
 * file, or truncated inside a record), -1 damaged; both with *error_r. */
int queue_msg_parse(const void *data, size_t len, const char *name, struct queue_msg **msg_r,
		    char **error_r);

enum queue_msg_mode {
	QUEUE_MSG_READ,	  /* read only */
	QUEUE_MSG_UPDATE, /* keep the file open for recipient status updates */
};

/* queue_msg_open: read and validate queue q's file id. 1 ok with *msg_r,
 * 0 no such file, -1 error with *error_r and, if problem_r is not NULL,
 * *problem_r saying whether the file itself is at fault. */
int queue_msg_open(const struct queue_dir *qd, enum queue_name q, const char *id,
		   enum queue_msg_mode mode, struct queue_msg **msg_r,
		   enum queue_msg_problem *problem_r, char **error_r);
/* queue_msg_free: release *msgp (closing its file); accepts NULL; clears
 * *msgp. */
void queue_msg_free(struct queue_msg **msgp);

const char *queue_msg_id(const struct queue_msg *msg);
const struct queue_envelope *queue_msg_envelope(const struct queue_msg *msg);
size_t queue_msg_rcpt_count(const struct queue_msg *msg);
/* queue_msg_rcpt: recipient i (< count), in the order they were written. */
const struct queue_rcpt *queue_msg_rcpt(const struct queue_msg *msg, size_t i);
uint64_t queue_msg_content_size(const struct queue_msg *msg);
/* queue_msg_content_next: walk the content; start with *iter = 0. 1 with
 * the next piece in *data_r and *len_r (owned by msg), 0 at the end. */
int queue_msg_content_next(const struct queue_msg *msg, size_t *iter, const void **data_r,
			   size_t *len_r);

/* queue_msg_rcpt_update: record a delivery result for recipient i in its
 * status slot (one pwrite), counting an attempt. Not yet durable: follow
 * with queue_msg_sync() or queue_committer_sync(), and act on the result
 * only after that. Only DEFERRED, DELIVERED and BOUNCED may be written,
 * and a final state is never changed. Needs QUEUE_MSG_UPDATE. 1 ok, -1
 * error with *error_r. */
int queue_msg_rcpt_update(struct queue_msg *msg, size_t i, enum queue_rcpt_state state,
			  char **error_r);
/* queue_msg_sync: make the status updates durable now (fdatasync). 1 ok,
 * -1 error with *error_r. */
int queue_msg_sync(struct queue_msg *msg, char **error_r);
/* queue_msg_file_mode: the file's permission bits as queue_msg_open()
 * found them (0 for a parsed image). */
mode_t queue_msg_file_mode(const struct queue_msg *msg);
/* queue_msg_fd: the open file in QUEUE_MSG_UPDATE mode, else -1 (owned by
 * msg; for the committer). */
int queue_msg_fd(const struct queue_msg *msg);

#endif
