/* buf.h: growable byte buffers, always NUL-terminated.
 *
 * A buf holds arbitrary bytes (NULs allowed) and keeps a terminating NUL
 * after the data so buf_cstr() is always a valid C string. Growth never
 * fails (fatal on exhaustion). A buf created with a maximum size refuses to
 * grow past it: the append functions then return -1 and leave the contents
 * as they were, so parsers can bound their memory.
 */
#ifndef POSTERN_BUF_H
#define POSTERN_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct buf {
	char *data;   /* owned; data[len] == '\0' */
	size_t len;   /* bytes used, excluding the NUL */
	size_t size;  /* bytes allocated */
	size_t max;   /* 0: unbounded; else the largest len allowed */
};

/* buf_new: a new empty buffer; max 0 means unbounded. Caller frees with
 * buf_free(). */
struct buf *buf_new(size_t max);
/* buf_free: release *bp and set it to NULL; accepts NULL and *bp == NULL. */
void buf_free(struct buf **bp);

/* buf_init/buf_deinit: for a struct buf embedded in another object. */
void buf_init(struct buf *b, size_t max);
void buf_deinit(struct buf *b);

/* Appends: 0 on success, -1 if the result would exceed the maximum. */
int buf_append(struct buf *b, const void *data, size_t len);
int buf_append_str(struct buf *b, const char *s);
int buf_append_char(struct buf *b, char c);
int buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int buf_vprintf(struct buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

/* buf_reserve: make room for extra more bytes (and the NUL) now, so that
 * appends up to that much neither move nor copy the data. 0, or -1 past
 * the maximum. */
int buf_reserve(struct buf *b, size_t extra);
/* buf_reset: empty the buffer, keeping its memory. */
void buf_reset(struct buf *b);
/* buf_truncate: shorten to len bytes (no-op if already shorter). */
void buf_truncate(struct buf *b, size_t len);
/* buf_consume: drop the first n bytes (all of them if n >= len). */
void buf_consume(struct buf *b, size_t n);
/* buf_detach: hand the data (NUL-terminated, caller frees) over and reset. */
char *buf_detach(struct buf *b);

static inline const char *buf_cstr(const struct buf *b)
{
	return b->data;
}

static inline size_t buf_len(const struct buf *b)
{
	return b->len;
}

#endif
