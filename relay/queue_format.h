/* queue_format.h: the queue file's record types, sizes and the helpers the
 * writer and the reader share. Private to the queue module; the format is
 * described in queue.h.
 */
#ifndef POSTERN_QUEUE_FORMAT_H
#define POSTERN_QUEUE_FORMAT_H

#include <stddef.h>
#include <stdint.h>

#include "queue_msg.h"

#define QUEUE_REC_HEADER 'H'
#define QUEUE_REC_ID 'I'
#define QUEUE_REC_TIME 'T'
#define QUEUE_REC_ATTR 'A'
#define QUEUE_REC_RCPT 'R'
#define QUEUE_REC_DATA 'D'
#define QUEUE_REC_END 'X'

#define QUEUE_MAGIC "POSTERNQ"
#define QUEUE_MAGIC_LEN 8
#define QUEUE_VERSION 1

#define QUEUE_REC_HDR_LEN 5	     /* type + length */
#define QUEUE_REC_MAX (1u << 20)     /* largest record data */
#define QUEUE_CHUNK_MAX (64u * 1024) /* content bytes per 'D' record written */
#define QUEUE_SLOT_LEN 20	     /* recipient status slot */
#define QUEUE_END_LEN 12	     /* file size + CRC */
#define QUEUE_ATTR_NAME_MAX 64
#define QUEUE_FILE_MAX (1024ull * 1024 * 1024) /* largest queue file */

static inline void queue_put16(unsigned char *p, uint16_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
}

static inline void queue_put32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static inline void queue_put64(unsigned char *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static inline uint16_t queue_get16(const unsigned char *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t queue_get32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint64_t queue_get64(const unsigned char *p)
{
	return (uint64_t)queue_get32(p) | (uint64_t)queue_get32(p + 4) << 32;
}

/* queue_slot_encode: the 20 bytes of a recipient status slot. */
void queue_slot_encode(unsigned char slot[QUEUE_SLOT_LEN], enum queue_rcpt_state state,
		       uint32_t attempts, int64_t updated_us);
/* queue_slot_decode: 1 and the fields set if the slot's checksum and
 * values are valid, else 0 (fields untouched). */
int queue_slot_decode(const unsigned char slot[QUEUE_SLOT_LEN], struct queue_rcpt *rcpt);

/* The known attributes: their names in the file and how they map onto a
 * struct queue_envelope. */
#define QUEUE_ATTR_KNOWN 13

/* queue_attr_index: the index of a known attribute name, or -1. */
int queue_attr_index(const char *name);
/* queue_attr_name: the name of known attribute idx. */
const char *queue_attr_name(int idx);
/* queue_attr_get: the value of known attribute idx in env as a string, or
 * NULL when absent (a static string or one of env's). */
const char *queue_attr_get(const struct queue_envelope *env, int idx);
/* queue_attr_set: parse value into env's field idx (a copy, owned by env).
 * 1 ok, -1 not a valid value for that attribute. */
int queue_attr_set(struct queue_envelope *env, int idx, const char *value);
/* queue_attr_name_valid: 1 if name may be an attribute name: 1 to 64 of
 * a-z, 0-9, _ and -. */
int queue_attr_name_valid(const char *name);

/* queue_envelope_deinit: free the strings of a reader's envelope. */
void queue_envelope_deinit(struct queue_envelope *env);

#endif
