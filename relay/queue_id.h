/* queue_id.h: queue ids, unique and sortable by arrival time.
 *
 * An id is 15 characters from the alphabet 0-9 A-Z without I, L, O and U
 * (Crockford's base 32, in ascending ASCII order): 11 characters of the
 * arrival time in microseconds since the epoch (55 bits: good until the year 3100),
 * then 4 characters of a node number (the low 20 bits of the process id).
 * Because the time comes first at a fixed width, sorting ids as strings
 * sorts them by arrival. Within one process ids are strictly increasing
 * (two calls in the same microsecond get consecutive times), so threads
 * never collide; two processes differ in the node part; and the queue file
 * is created with O_EXCL under the id, so a clock stepped back across a
 * restart cannot overwrite a file either (the writer takes the next id).
 * The id is also the queue file's name.
 */
#ifndef POSTERN_QUEUE_ID_H
#define POSTERN_QUEUE_ID_H

#include <stdint.h>

#define QUEUE_ID_LEN 15
#define QUEUE_ID_SIZE (QUEUE_ID_LEN + 1)

/* queue_id_next: write a new NUL-terminated id into buf. Thread-safe. */
void queue_id_next(char buf[QUEUE_ID_SIZE]);
/* queue_id_format: the id for a given time and node (node is taken modulo
 * 2^20); for tests and for tools that need the smallest id of a time. */
void queue_id_format(char buf[QUEUE_ID_SIZE], uint64_t time_us, uint32_t node);
/* queue_id_valid: 1 if s is a well-formed id, else 0. */
int queue_id_valid(const char *s);
/* queue_id_time: the arrival time (microseconds since the epoch) encoded
 * in a valid id; -1 if the id is not valid. */
int64_t queue_id_time(const char *id);

#endif
