/* milter_proto_private.h: helpers shared by the milter_proto*.c files to
 * read and write packet fields. Not for use outside the milter codec.
 *
 * A cursor walks a packet's data and never reads past its end: every read
 * checks the bytes left first. Strings on the wire are NUL-terminated; a
 * string read returns a pointer into the packet.
 */
#ifndef POSTERN_MILTER_PROTO_PRIVATE_H
#define POSTERN_MILTER_PROTO_PRIVATE_H

#include <stddef.h>
#include <stdint.h>

#include "milter_proto.h"

struct buf;

struct milter_cursor {
	const unsigned char *p; /* next byte */
	size_t left;		/* bytes left */
};

static inline void milter_cursor_init(struct milter_cursor *c, const struct milter_packet *pkt)
{
	c->p = pkt->data;
	c->left = pkt->len;
}

/* milter_cursor_u32/u16: read a network-order integer; 1, or 0 if the data
 * is too short (the cursor does not move). */
int milter_cursor_u32(struct milter_cursor *c, uint32_t *v_r);
int milter_cursor_u16(struct milter_cursor *c, uint16_t *v_r);
/* milter_cursor_byte: read one byte; 1, or 0 at the end. */
int milter_cursor_byte(struct milter_cursor *c, int *v_r);
/* milter_cursor_str: read a NUL-terminated string; 1, or 0 if no NUL is
 * left before the end (the cursor does not move). */
int milter_cursor_str(struct milter_cursor *c, const char **s_r);

/* Payload writers: append to b; they cannot fail on an unbounded buf. */
void milter_put_u32(struct buf *b, uint32_t v);
void milter_put_u16(struct buf *b, uint16_t v);
/* milter_put_str: the string and its NUL. */
void milter_put_str(struct buf *b, const char *s);

/* milter_strings_count: the number of NUL-terminated strings making up
 * data[0..len) exactly; -1 if the data does not end in a NUL (len 0 gives
 * 0). */
long milter_strings_count(const unsigned char *data, size_t len);

#endif
