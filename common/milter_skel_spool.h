/* milter_skel_spool.h: a message kept by a filter while it arrives, in
 * memory up to a threshold and past it in a private temporary file.
 *
 * The file is created with O_TMPFILE in the configured directory (mode
 * 0600, never visible under a name), or where the file system does not
 * support that, with mkstemp() and unlinked at once; either way it goes
 * when the spool is freed or the process dies. The whole message is
 * available at the end as a memory block or as a file descriptor, so a
 * scanner can take whichever it prefers. One spool per message; not
 * thread-safe.
 */
#ifndef POSTERN_MILTER_SKEL_SPOOL_H
#define POSTERN_MILTER_SKEL_SPOOL_H

#include <stddef.h>

struct milter_spool;

/* milter_spool_new: an empty spool that keeps up to mem_max bytes in memory
 * before it moves to a file in tmpdir (not copied: it must outlive the
 * spool). Free with milter_spool_free(). */
struct milter_spool *milter_spool_new(size_t mem_max, const char *tmpdir);

/* milter_spool_free: close and release *sp (the file goes with it) and set
 * it to NULL; accepts NULL. */
void milter_spool_free(struct milter_spool **sp);

/* milter_spool_append: add len bytes. 1 ok; -1 when the temporary file
 * cannot be created or written, with *error_r ("/var/tmp: No space left on
 * device"); the spool is then unusable and every further append fails. */
int milter_spool_append(struct milter_spool *s, const void *data, size_t len, char **error_r);

/* milter_spool_size: the bytes appended so far. */
size_t milter_spool_size(const struct milter_spool *s);

/* milter_spool_memory: 1 with *data_r and *len_r the whole message when it
 * is in memory (valid until the next append or the free); 0 when it is in
 * a file. */
int milter_spool_memory(const struct milter_spool *s, const void **data_r, size_t *len_r);

/* milter_spool_read_fn: one piece of the spool; return 1 to go on, 0 to
 * stop. */
typedef int milter_spool_read_fn(const void *data, size_t len, void *context);

/* milter_spool_read: hand the bytes from offset to the end to fn, in
 * pieces, from memory or the file. 1 when all were handed over (or fn
 * stopped), -1 with *error_r when the file could not be read. */
int milter_spool_read(const struct milter_spool *s, size_t offset, milter_spool_read_fn *fn,
		      void *context, char **error_r);

/* milter_spool_fd: the descriptor of the temporary file, positioned at
 * offset 0, or -1 while the message is in memory. Owned by the spool. */
int milter_spool_fd(const struct milter_spool *s);

#endif
