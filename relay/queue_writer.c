/* queue_writer.c: build a queue file record by record with buffered
 * writes, and the synchronous commit (see queue_writer.h; the format is in
 * queue.h, the batched commit in queue_commit.c).
 *
 * Records are assembled in w->out and written when 64 KiB have gathered.
 * Content goes into an open 'D' record whose length is filled in when it
 * is closed (at 64 KiB of content, before any other record, or before a
 * write). The CRC-32C of the file is updated as bytes are written; status
 * slots are written in their initial state, so the CRC of the bytes on
 * disk is the one the reader expects.
 */
#include "queue_writer.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crc32c.h"
#include "mem.h"
#include "queue_format.h"
#include "queue_private.h"

#define QUEUE_WRITE_BUFFER (64u * 1024)
#define QUEUE_ID_TRIES 16

static int queue_writer_fail(struct queue_writer *w, char **error_r, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* queue_writer_fail: make the failure sticky and report it. */
static int queue_writer_fail(struct queue_writer *w, char **error_r, const char *fmt, ...)
{
	if (w->error == NULL) {
		va_list ap;
		va_start(ap, fmt);
		char *what = xvasprintf(fmt, ap);
		va_end(ap);
		w->error = xasprintf("%s/tmp/%s: %s", queue_dir_path(w->qd), w->id, what);
		free(what);
	}
	if (error_r != NULL)
		*error_r = xstrdup(w->error);
	return -1;
}

/* queue_writer_check: -1 with the sticky error if the writer failed. */
static int queue_writer_check(struct queue_writer *w, char **error_r)
{
	if (w->error == NULL && !w->finished)
		return 1;
	return queue_writer_fail(w, error_r, "writer already finished");
}

static void queue_writer_close_chunk(struct queue_writer *w)
{
	if (w->chunk_at == SIZE_MAX)
		return;
	size_t n = w->out.len - w->chunk_at - QUEUE_REC_HDR_LEN;
	queue_put32((unsigned char *)w->out.data + w->chunk_at + 1, (uint32_t)n);
	w->chunk_at = SIZE_MAX;
}

/* queue_writer_write: write out what is buffered; the first crc_len bytes
 * count towards the file's CRC (the rest is already counted). */
static int queue_writer_write(struct queue_writer *w, size_t crc_len, char **error_r)
{
	queue_writer_close_chunk(w);
	w->crc = crc32c(w->crc, w->out.data, crc_len);
	size_t done = 0;
	while (done < w->out.len) {
		ssize_t n = write(w->fd, w->out.data + done, w->out.len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return queue_writer_fail(w, error_r, "write: %s", strerror(errno));
		done += (size_t)n;
	}
	w->written += done;
	buf_reset(&w->out);
	return 1;
}

static int queue_writer_flush(struct queue_writer *w, char **error_r)
{
	return queue_writer_write(w, w->out.len, error_r);
}

/* queue_writer_record: append a record made of up to two pieces. */
static int queue_writer_record(struct queue_writer *w, char type, const void *a, size_t alen,
			       const void *b, size_t blen, char **error_r)
{
	if (alen + blen > QUEUE_REC_MAX)
		return queue_writer_fail(w, error_r, "record of %zu bytes too large", alen + blen);
	if (w->written + w->out.len + alen + blen > QUEUE_FILE_MAX)
		return queue_writer_fail(w, error_r, "queue file too large");
	queue_writer_close_chunk(w);
	unsigned char hdr[QUEUE_REC_HDR_LEN];
	hdr[0] = (unsigned char)type;
	queue_put32(hdr + 1, (uint32_t)(alen + blen));
	buf_append(&w->out, hdr, sizeof(hdr));
	buf_append(&w->out, a, alen);
	buf_append(&w->out, b, blen);
	if (w->out.len >= QUEUE_WRITE_BUFFER)
		return queue_writer_flush(w, error_r);
	return 1;
}

int queue_writer_new(struct queue_dir *qd, struct queue_writer **w_r, char **error_r)
{
	struct queue_writer *w = xcalloc(1, sizeof(*w));
	w->qd = qd;
	w->chunk_at = SIZE_MAX;
	buf_init(&w->out, 0);
	/* Room for a full buffer and the line or chunk that crosses its end,
	 * at once rather than by doubling (each a copy) as content arrives. */
	buf_reserve(&w->out, QUEUE_WRITE_BUFFER + QUEUE_CHUNK_MAX);
	int tries = 0;
	do {
		queue_id_next(w->id);
		w->fd = openat(queue_dir_fd(qd, QUEUE_TMP), w->id,
			       O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	} while (w->fd < 0 && errno == EEXIST && ++tries < QUEUE_ID_TRIES);
	if (w->fd < 0) {
		*error_r =
		    xasprintf("%s/tmp/%s: create: %s", queue_dir_path(qd), w->id, strerror(errno));
		buf_deinit(&w->out);
		free(w);
		return -1;
	}
	unsigned char magic[QUEUE_MAGIC_LEN + 1];
	memcpy(magic, QUEUE_MAGIC, QUEUE_MAGIC_LEN);
	magic[QUEUE_MAGIC_LEN] = QUEUE_VERSION;
	queue_writer_record(w, QUEUE_REC_HEADER, magic, sizeof(magic), NULL, 0, NULL);
	queue_writer_record(w, QUEUE_REC_ID, w->id, QUEUE_ID_LEN, NULL, 0, NULL);
	*w_r = w;
	return 1;
}

const char *queue_writer_id(const struct queue_writer *w)
{
	return w->id;
}

int queue_writer_attr(struct queue_writer *w, const char *name, const char *value, char **error_r)
{
	if (queue_writer_check(w, error_r) < 0)
		return -1;
	if (!queue_attr_name_valid(name))
		return queue_writer_fail(w, error_r, "bad attribute name");
	int idx = queue_attr_index(name);
	if (idx >= 0) {
		struct queue_envelope probe = {0};
		if (w->attrs_seen & (1u << idx))
			return queue_writer_fail(w, error_r, "attribute %s written twice", name);
		if (queue_attr_set(&probe, idx, value) < 0)
			return queue_writer_fail(w, error_r, "attribute %s: bad value", name);
		queue_envelope_deinit(&probe);
		w->attrs_seen |= 1u << idx;
	}
	return queue_writer_record(w, QUEUE_REC_ATTR, name, strlen(name) + 1, value, strlen(value),
				   error_r);
}

int queue_writer_envelope(struct queue_writer *w, const struct queue_envelope *env, char **error_r)
{
	if (queue_writer_check(w, error_r) < 0)
		return -1;
	if (w->have_envelope || env->sender == NULL || env->arrival_us < 0)
		return queue_writer_fail(w, error_r, "envelope twice, without sender or time");
	w->have_envelope = 1;
	unsigned char t[8];
	queue_put64(t, (uint64_t)(env->arrival_us != 0 ? env->arrival_us : queue_id_time(w->id)));
	if (queue_writer_record(w, QUEUE_REC_TIME, t, sizeof(t), NULL, 0, error_r) < 0)
		return -1;
	for (int i = 0; i < QUEUE_ATTR_KNOWN; i++) {
		const char *value = queue_attr_get(env, i);
		if (value != NULL && queue_writer_attr(w, queue_attr_name(i), value, error_r) < 0)
			return -1;
	}
	for (size_t i = 0; i < env->n_extra; i++)
		if (queue_writer_attr(w, env->extra[i].name, env->extra[i].value, error_r) < 0)
			return -1;
	return 1;
}

int queue_writer_rcpt(struct queue_writer *w, const char *address, const char *orcpt,
		      unsigned notify, char **error_r)
{
	if (queue_writer_check(w, error_r) < 0)
		return -1;
	size_t alen = strlen(address), olen = orcpt != NULL ? strlen(orcpt) : 0;
	if (alen == 0 || alen > UINT16_MAX || olen > UINT16_MAX)
		return queue_writer_fail(w, error_r, "recipient address or ORCPT length");
	if ((notify & ~0x0fu) || ((notify & QUEUE_NOTIFY_NEVER) && notify != QUEUE_NOTIFY_NEVER))
		return queue_writer_fail(w, error_r, "bad NOTIFY bits 0x%02x", notify);
	struct buf rec;
	buf_init(&rec, 0);
	unsigned char fixed[QUEUE_SLOT_LEN + 3];
	queue_slot_encode(fixed, QUEUE_RCPT_PENDING, 0, 0);
	fixed[QUEUE_SLOT_LEN] = (unsigned char)notify;
	queue_put16(fixed + QUEUE_SLOT_LEN + 1, (uint16_t)alen);
	buf_append(&rec, fixed, sizeof(fixed));
	buf_append(&rec, address, alen);
	unsigned char olen16[2];
	queue_put16(olen16, (uint16_t)olen);
	buf_append(&rec, olen16, sizeof(olen16));
	int ret = queue_writer_record(w, QUEUE_REC_RCPT, rec.data, rec.len, orcpt, olen, error_r);
	buf_deinit(&rec);
	if (ret > 0)
		w->n_rcpts++;
	return ret;
}

int queue_writer_content(struct queue_writer *w, const void *data, size_t len, char **error_r)
{
	if (queue_writer_check(w, error_r) < 0)
		return -1;
	const char *p = data;
	while (len > 0) {
		if (w->written + w->out.len + len > QUEUE_FILE_MAX)
			return queue_writer_fail(w, error_r, "queue file too large");
		if (w->chunk_at == SIZE_MAX) {
			unsigned char hdr[QUEUE_REC_HDR_LEN] = {QUEUE_REC_DATA};
			w->chunk_at = w->out.len;
			buf_append(&w->out, hdr, sizeof(hdr));
		}
		size_t in_chunk = w->out.len - w->chunk_at - QUEUE_REC_HDR_LEN;
		size_t n = QUEUE_CHUNK_MAX - in_chunk;
		if (n > len)
			n = len;
		buf_append(&w->out, p, n);
		w->content_size += n;
		p += n;
		len -= n;
		if (in_chunk + n == QUEUE_CHUNK_MAX)
			queue_writer_close_chunk(w);
		if (w->out.len >= QUEUE_WRITE_BUFFER && queue_writer_flush(w, error_r) < 0)
			return -1;
	}
	return 1;
}

uint64_t queue_writer_content_size(const struct queue_writer *w)
{
	return w->content_size;
}

int queue_writer_finish(struct queue_writer *w)
{
	if (queue_writer_check(w, NULL) < 0)
		return -1;
	if (!w->have_envelope || w->n_rcpts == 0)
		return queue_writer_fail(w, NULL, "no envelope or no recipient");
	queue_writer_close_chunk(w);
	unsigned char end[QUEUE_REC_HDR_LEN + QUEUE_END_LEN];
	end[0] = QUEUE_REC_END;
	queue_put32(end + 1, QUEUE_END_LEN);
	queue_put64(end + QUEUE_REC_HDR_LEN, w->written + w->out.len + sizeof(end));
	buf_append(&w->out, end, sizeof(end) - 4);
	w->crc = crc32c(w->crc, w->out.data, w->out.len);
	queue_put32(end + sizeof(end) - 4, w->crc);
	buf_append(&w->out, end + sizeof(end) - 4, 4);
	if (queue_writer_write(w, 0, NULL) < 0)
		return -1;
	w->finished = 1;
	return 1;
}

void queue_writer_release(struct queue_writer **wp, int keep_file)
{
	struct queue_writer *w = *wp;
	if (w == NULL)
		return;
	if (!keep_file)
		unlinkat(queue_dir_fd(w->qd, QUEUE_TMP), w->id, 0);
	close(w->fd);
	buf_deinit(&w->out);
	free(w->error);
	free(w);
	*wp = NULL;
}

void queue_writer_abort(struct queue_writer **wp)
{
	queue_writer_release(wp, 0);
}

int queue_writer_commit_sync(struct queue_writer **wp, enum queue_name target, char **error_r)
{
	struct queue_writer *w = *wp;
	struct queue_dir *qd = w->qd;
	int ret = -1;
	if (queue_writer_finish(w) < 0)
		*error_r = xstrdup(w->error);
	else if (fdatasync(w->fd) < 0)
		*error_r = xasprintf("%s/tmp/%s: fdatasync: %s", queue_dir_path(qd), w->id,
				     strerror(errno));
	else if (renameat2(queue_dir_fd(qd, QUEUE_TMP), w->id, queue_dir_fd(qd, target), w->id,
			   RENAME_NOREPLACE) < 0)
		*error_r = xasprintf("%s/tmp/%s: rename to %s: %s", queue_dir_path(qd), w->id,
				     queue_name_str(target), strerror(errno));
	else if (queue_dir_sync(qd, target, error_r) < 0)
		unlinkat(queue_dir_fd(qd, target), w->id, 0);
	else
		ret = 1;
	queue_writer_release(wp, ret > 0);
	return ret;
}
