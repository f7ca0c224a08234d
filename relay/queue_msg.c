/* queue_msg.c: the validating queue file reader and recipient status
 * updates (see queue_msg.h; the format is in queue.h).
 *
 * The parser walks the records once, checking each length against what is
 * left of the file before it looks at the data, and computes the file's
 * CRC-32C as it goes (status slots counted as their initial value). It
 * reports a file that ends early as incomplete (0) and anything else that
 * is wrong as damaged (-1).
 */
#include "queue_msg.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "crc32c.h"
#include "mem.h"
#include "queue_format.h"
#include "queue_id.h"

struct queue_chunk {
	size_t off, len;
};

struct queue_msg {
	char id[QUEUE_ID_SIZE];
	struct queue_envelope env;
	struct queue_rcpt *rcpts;
	uint64_t *slot_off; /* file offset of each recipient's status slot */
	size_t n_rcpts, cap_rcpts;
	struct queue_chunk *chunks;
	size_t n_chunks, cap_chunks;
	uint64_t content_size;
	unsigned char *image; /* the whole file */
	size_t image_len;
	int fd;
	mode_t file_mode; /* the file's permission bits when it was read */
	char *name;	  /* "queue/id", for messages */
};

/* The parser's state while it walks one image. */
struct queue_parse {
	struct queue_msg *msg;
	const unsigned char *p;
	size_t len, pos;
	const char *name;
	int have_header, have_id, have_time;
	unsigned seen; /* known attributes already read */
	uint32_t crc;
	char *error;
};

static int queue_parse_fail(struct queue_parse *ps, int ret, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int queue_parse_fail(struct queue_parse *ps, int ret, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *what = xvasprintf(fmt, ap);
	va_end(ap);
	ps->error = xasprintf("%s: offset %zu: %s", ps->name, ps->pos, what);
	free(what);
	return ret;
}

/* queue_parse_string: data[0..len) as a C string; -1 if it holds a NUL. */
static char *queue_parse_string(const unsigned char *data, size_t len)
{
	if (memchr(data, '\0', len) != NULL)
		return NULL;
	return xstrndup((const char *)data, len);
}

static int queue_parse_header(struct queue_parse *ps, const unsigned char *d, size_t n)
{
	if (ps->have_header)
		return queue_parse_fail(ps, -1, "second header record");
	if (n != QUEUE_MAGIC_LEN + 1 || memcmp(d, QUEUE_MAGIC, QUEUE_MAGIC_LEN) != 0)
		return queue_parse_fail(ps, -1, "not a queue file");
	if (d[QUEUE_MAGIC_LEN] != QUEUE_VERSION)
		return queue_parse_fail(ps, -1, "unknown version %u", d[QUEUE_MAGIC_LEN]);
	ps->have_header = 1;
	return 1;
}

static int queue_parse_id(struct queue_parse *ps, const unsigned char *d, size_t n)
{
	if (ps->have_id)
		return queue_parse_fail(ps, -1, "second queue id");
	if (n != QUEUE_ID_LEN)
		return queue_parse_fail(ps, -1, "bad queue id length %zu", n);
	memcpy(ps->msg->id, d, QUEUE_ID_LEN);
	ps->msg->id[QUEUE_ID_LEN] = '\0';
	if (!queue_id_valid(ps->msg->id))
		return queue_parse_fail(ps, -1, "malformed queue id");
	ps->have_id = 1;
	return 1;
}

static int queue_parse_time(struct queue_parse *ps, const unsigned char *d, size_t n)
{
	if (ps->have_time)
		return queue_parse_fail(ps, -1, "second arrival time");
	if (n != 8 || (int64_t)queue_get64(d) < 0)
		return queue_parse_fail(ps, -1, "bad arrival time");
	ps->msg->env.arrival_us = (int64_t)queue_get64(d);
	ps->have_time = 1;
	return 1;
}

static int queue_parse_attr(struct queue_parse *ps, const unsigned char *d, size_t n)
{
	const unsigned char *nul = memchr(d, '\0', n);
	if (nul == NULL)
		return queue_parse_fail(ps, -1, "attribute without a name terminator");
	const char *name = (const char *)d;
	if (!queue_attr_name_valid(name))
		return queue_parse_fail(ps, -1, "bad attribute name");
	size_t vlen = n - (size_t)(nul + 1 - d);
	char *value = queue_parse_string(nul + 1, vlen);
	if (value == NULL)
		return queue_parse_fail(ps, -1, "attribute %s: NUL in value", name);
	int idx = queue_attr_index(name);
	if (idx >= 0) {
		int ret = 1;
		if (ps->seen & (1u << idx))
			ret = queue_parse_fail(ps, -1, "attribute %s: repeated", name);
		else if (queue_attr_set(&ps->msg->env, idx, value) < 0)
			ret = queue_parse_fail(ps, -1, "attribute %s: bad value", name);
		ps->seen |= 1u << idx;
		free(value);
		return ret;
	}
	struct queue_envelope *env = &ps->msg->env;
	env->extra = xreallocarray(env->extra, env->n_extra + 1, sizeof(*env->extra));
	env->extra[env->n_extra].name = xstrdup(name);
	env->extra[env->n_extra].value = value;
	env->n_extra++;
	return 1;
}

static int queue_notify_valid(unsigned notify)
{
	if (notify & ~0x0fu)
		return 0;
	return !(notify & QUEUE_NOTIFY_NEVER) || notify == QUEUE_NOTIFY_NEVER;
}

static int queue_parse_rcpt(struct queue_parse *ps, const unsigned char *d, size_t n)
{
	struct queue_msg *msg = ps->msg;
	struct queue_rcpt rcpt = {0};
	size_t at = QUEUE_SLOT_LEN + 1;
	if (n < at + 2)
		return queue_parse_fail(ps, -1, "recipient record too short");
	if (!queue_slot_decode(d, &rcpt))
		rcpt.slot_damaged = 1;
	rcpt.notify = d[QUEUE_SLOT_LEN];
	if (!queue_notify_valid(rcpt.notify))
		return queue_parse_fail(ps, -1, "bad NOTIFY bits 0x%02x", rcpt.notify);
	size_t alen = queue_get16(d + at);
	at += 2;
	if (alen == 0 || alen > n - at)
		return queue_parse_fail(ps, -1, "bad recipient address length");
	const unsigned char *addr = d + at;
	at += alen;
	if (n - at < 2)
		return queue_parse_fail(ps, -1, "recipient record too short");
	size_t olen = queue_get16(d + at);
	at += 2;
	if (olen != n - at)
		return queue_parse_fail(ps, -1, "bad ORCPT length");
	rcpt.address = queue_parse_string(addr, alen);
	rcpt.orcpt = olen > 0 ? queue_parse_string(d + at, olen) : NULL;
	if (rcpt.address == NULL || (olen > 0 && rcpt.orcpt == NULL)) {
		free(rcpt.address);
		free(rcpt.orcpt);
		return queue_parse_fail(ps, -1, "NUL in recipient");
	}
	if (msg->n_rcpts == msg->cap_rcpts) {
		msg->cap_rcpts = msg->cap_rcpts ? msg->cap_rcpts * 2 : 4;
		msg->rcpts = xreallocarray(msg->rcpts, msg->cap_rcpts, sizeof(*msg->rcpts));
		msg->slot_off = xreallocarray(msg->slot_off, msg->cap_rcpts, sizeof(uint64_t));
	}
	msg->slot_off[msg->n_rcpts] = (uint64_t)(d - ps->p);
	msg->rcpts[msg->n_rcpts++] = rcpt;
	return 1;
}

static int queue_parse_data(struct queue_parse *ps, const unsigned char *d, size_t n)
{
	struct queue_msg *msg = ps->msg;
	if (n == 0)
		return queue_parse_fail(ps, -1, "empty content record");
	if (msg->n_chunks == msg->cap_chunks) {
		msg->cap_chunks = msg->cap_chunks ? msg->cap_chunks * 2 : 4;
		msg->chunks = xreallocarray(msg->chunks, msg->cap_chunks, sizeof(*msg->chunks));
	}
	msg->chunks[msg->n_chunks].off = (size_t)(d - ps->p);
	msg->chunks[msg->n_chunks].len = n;
	msg->n_chunks++;
	msg->content_size += n;
	return 1;
}

/* queue_parse_end: the end record at ps->pos; d points at its data. */
static int queue_parse_end(struct queue_parse *ps, const unsigned char *d, size_t n)
{
	if (n != QUEUE_END_LEN)
		return queue_parse_fail(ps, -1, "bad end record length");
	size_t end = ps->pos + QUEUE_REC_HDR_LEN + QUEUE_END_LEN;
	if (queue_get64(d) != end || ps->len != end)
		return queue_parse_fail(ps, -1, "file size %zu does not match the end record",
					ps->len);
	uint32_t crc = crc32c(ps->crc, ps->p + ps->pos, QUEUE_REC_HDR_LEN + 8);
	if (crc != queue_get32(d + 8))
		return queue_parse_fail(ps, -1, "checksum mismatch");
	if (!ps->have_id || !ps->have_time || !(ps->seen & (1u << queue_attr_index("sender"))))
		return queue_parse_fail(ps, -1, "queue id, arrival time or sender missing");
	if (ps->msg->n_rcpts == 0)
		return queue_parse_fail(ps, -1, "no recipients");
	return 1;
}

/* queue_parse_record: one record at ps->pos; 1 parsed (ps->pos advanced),
 * 2 end record parsed, 0 incomplete, -1 damaged. */
static int queue_parse_record(struct queue_parse *ps)
{
	size_t left = ps->len - ps->pos;
	if (left < QUEUE_REC_HDR_LEN)
		return queue_parse_fail(ps, 0, "file ends before its end record");
	const unsigned char *h = ps->p + ps->pos;
	uint32_t n = queue_get32(h + 1);
	if (n > QUEUE_REC_MAX)
		return queue_parse_fail(ps, -1, "record length %u too large", n);
	if (left - QUEUE_REC_HDR_LEN < n)
		return queue_parse_fail(ps, 0, "file ends inside a record");
	const unsigned char *d = h + QUEUE_REC_HDR_LEN;
	if (!ps->have_header && h[0] != QUEUE_REC_HEADER)
		return queue_parse_fail(ps, -1, "not a queue file");
	int ret;
	switch (h[0]) {
	case QUEUE_REC_HEADER:
		ret = queue_parse_header(ps, d, n);
		break;
	case QUEUE_REC_ID:
		ret = queue_parse_id(ps, d, n);
		break;
	case QUEUE_REC_TIME:
		ret = queue_parse_time(ps, d, n);
		break;
	case QUEUE_REC_ATTR:
		ret = queue_parse_attr(ps, d, n);
		break;
	case QUEUE_REC_RCPT:
		ret = queue_parse_rcpt(ps, d, n);
		break;
	case QUEUE_REC_DATA:
		ret = queue_parse_data(ps, d, n);
		break;
	case QUEUE_REC_END:
		return queue_parse_end(ps, d, n) < 0 ? -1 : 2;
	default:
		return queue_parse_fail(ps, -1, "unknown record type 0x%02x", h[0]);
	}
	if (ret < 0)
		return ret;
	if (h[0] == QUEUE_REC_RCPT) {
		unsigned char initial[QUEUE_SLOT_LEN];
		queue_slot_encode(initial, QUEUE_RCPT_PENDING, 0, 0);
		ps->crc = crc32c(ps->crc, h, QUEUE_REC_HDR_LEN);
		ps->crc = crc32c(ps->crc, initial, QUEUE_SLOT_LEN);
		ps->crc = crc32c(ps->crc, d + QUEUE_SLOT_LEN, n - QUEUE_SLOT_LEN);
	} else {
		ps->crc = crc32c(ps->crc, h, QUEUE_REC_HDR_LEN + n);
	}
	ps->pos += QUEUE_REC_HDR_LEN + n;
	return 1;
}

static struct queue_msg *queue_msg_alloc(const char *name)
{
	struct queue_msg *msg = xcalloc(1, sizeof(*msg));
	msg->fd = -1;
	msg->name = xstrdup(name);
	return msg;
}

/* queue_msg_parse_image: parse msg->image; 1/0/-1 as queue_msg_parse. */
static int queue_msg_parse_image(struct queue_msg *msg, char **error_r)
{
	struct queue_parse ps = {
	    .msg = msg, .p = msg->image, .len = msg->image_len, .name = msg->name};
	int ret;
	while ((ret = queue_parse_record(&ps)) == 1)
		;
	if (ret == 2)
		return 1;
	*error_r = ps.error;
	return ret;
}

int queue_msg_parse(const void *data, size_t len, const char *name, struct queue_msg **msg_r,
		    char **error_r)
{
	struct queue_msg *msg = queue_msg_alloc(name);
	msg->image = xmemdup(data, len);
	msg->image_len = len;
	int ret = queue_msg_parse_image(msg, error_r);
	if (ret == 1)
		*msg_r = msg;
	else
		queue_msg_free(&msg);
	return ret;
}

/* queue_msg_read: read the whole file into msg->image. 1 ok, 0 not a
 * regular file of a size the writer can make (damaged), -1 I/O error. */
static int queue_msg_read(struct queue_msg *msg, int fd, char **error_r)
{
	struct stat st;
	if (fstat(fd, &st) < 0) {
		*error_r = xasprintf("%s: fstat: %s", msg->name, strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size > QUEUE_FILE_MAX) {
		*error_r = xasprintf("%s: not a regular file or larger than %llu bytes", msg->name,
				     QUEUE_FILE_MAX);
		return 0;
	}
	msg->file_mode = st.st_mode & 07777;
	msg->image = xmalloc((size_t)st.st_size);
	while (msg->image_len < (size_t)st.st_size) {
		ssize_t n = pread(fd, msg->image + msg->image_len,
				  (size_t)st.st_size - msg->image_len, (off_t)msg->image_len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			*error_r = xasprintf("%s: read: %s", msg->name, strerror(errno));
			return -1;
		}
		if (n == 0)
			break; /* shrank while we read: the parser will say so */
		msg->image_len += (size_t)n;
	}
	return 1;
}

int queue_msg_open(const struct queue_dir *qd, enum queue_name q, const char *id,
		   enum queue_msg_mode mode, struct queue_msg **msg_r,
		   enum queue_msg_problem *problem_r, char **error_r)
{
	enum queue_msg_problem problem = QUEUE_MSG_IO;
	char *name = xasprintf("%s/%s", queue_name_str(q), id);
	struct queue_msg *msg = queue_msg_alloc(name);
	free(name);
	int flags = (mode == QUEUE_MSG_UPDATE ? O_RDWR : O_RDONLY) | O_CLOEXEC | O_NOFOLLOW;
	int fd = openat(queue_dir_fd(qd, q), id, flags);
	int ret = -1;
	if (fd < 0 && errno == ENOENT) {
		ret = 0;
	} else if (fd < 0) {
		if (errno == ELOOP)
			problem = QUEUE_MSG_DAMAGED; /* a symbolic link has no place here */
		*error_r = xasprintf("%s: open: %s", msg->name, strerror(errno));
	} else if ((ret = queue_msg_read(msg, fd, error_r)) == 0) {
		problem = QUEUE_MSG_DAMAGED;
		ret = -1;
	} else if (ret > 0) {
		ret = queue_msg_parse_image(msg, error_r);
		problem = ret == 0 ? QUEUE_MSG_INCOMPLETE : QUEUE_MSG_DAMAGED;
		if (ret == 0)
			ret = -1;
		else if (ret > 0 && strcmp(msg->id, id) != 0) {
			*error_r = xasprintf("%s: holds queue id %s", msg->name, msg->id);
			ret = -1;
		}
	}
	if (ret > 0 && mode == QUEUE_MSG_UPDATE) {
		msg->fd = fd;
		fd = -1;
	}
	if (fd >= 0)
		close(fd);
	if (ret > 0)
		*msg_r = msg;
	else
		queue_msg_free(&msg);
	if (ret < 0 && problem_r != NULL)
		*problem_r = problem;
	return ret;
}

void queue_msg_free(struct queue_msg **msgp)
{
	struct queue_msg *msg = *msgp;
	if (msg == NULL)
		return;
	if (msg->fd >= 0)
		close(msg->fd);
	queue_envelope_deinit(&msg->env);
	for (size_t i = 0; i < msg->n_rcpts; i++) {
		free(msg->rcpts[i].address);
		free(msg->rcpts[i].orcpt);
	}
	free(msg->rcpts);
	free(msg->slot_off);
	free(msg->chunks);
	free(msg->image);
	free(msg->name);
	free(msg);
	*msgp = NULL;
}

const char *queue_msg_id(const struct queue_msg *msg)
{
	return msg->id;
}

const struct queue_envelope *queue_msg_envelope(const struct queue_msg *msg)
{
	return &msg->env;
}

size_t queue_msg_rcpt_count(const struct queue_msg *msg)
{
	return msg->n_rcpts;
}

const struct queue_rcpt *queue_msg_rcpt(const struct queue_msg *msg, size_t i)
{
	return &msg->rcpts[i];
}

uint64_t queue_msg_content_size(const struct queue_msg *msg)
{
	return msg->content_size;
}

int queue_msg_content_next(const struct queue_msg *msg, size_t *iter, const void **data_r,
			   size_t *len_r)
{
	if (*iter >= msg->n_chunks)
		return 0;
	*data_r = msg->image + msg->chunks[*iter].off;
	*len_r = msg->chunks[*iter].len;
	(*iter)++;
	return 1;
}

int queue_msg_rcpt_update(struct queue_msg *msg, size_t i, enum queue_rcpt_state state,
			  char **error_r)
{
	struct queue_rcpt *rcpt = &msg->rcpts[i];
	if (msg->fd < 0) {
		*error_r = xasprintf("%s: opened read-only", msg->name);
		return -1;
	}
	if (state == QUEUE_RCPT_PENDING || rcpt->state == QUEUE_RCPT_DELIVERED ||
	    rcpt->state == QUEUE_RCPT_BOUNCED) {
		*error_r = xasprintf("%s: recipient %zu: no change from state %d to %d", msg->name,
				     i, rcpt->state, state);
		return -1;
	}
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	int64_t now = (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
	unsigned char *slot = msg->image + msg->slot_off[i];
	queue_slot_encode(slot, state, rcpt->attempts + 1, now);
	ssize_t n;
	do
		n = pwrite(msg->fd, slot, QUEUE_SLOT_LEN, (off_t)msg->slot_off[i]);
	while (n < 0 && errno == EINTR);
	if (n != QUEUE_SLOT_LEN) {
		*error_r = xasprintf("%s: write status: %s", msg->name,
				     n < 0 ? strerror(errno) : "short write");
		return -1;
	}
	rcpt->state = state;
	rcpt->attempts++;
	rcpt->updated_us = now;
	rcpt->slot_damaged = 0;
	return 1;
}

int queue_msg_sync(struct queue_msg *msg, char **error_r)
{
	if (msg->fd < 0 || fdatasync(msg->fd) < 0) {
		*error_r = xasprintf("%s: fdatasync: %s", msg->name,
				     msg->fd < 0 ? "opened read-only" : strerror(errno));
		return -1;
	}
	return 1;
}

mode_t queue_msg_file_mode(const struct queue_msg *msg)
{
	return msg->file_mode;
}

int queue_msg_fd(const struct queue_msg *msg)
{
	return msg->fd;
}
