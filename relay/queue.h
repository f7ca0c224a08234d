/* queue.h: posternd's durable mail queue. Include this one header.
 *
 * LAYOUT
 *   Under queue_directory, each a directory of mode 0700 owned by the mail
 *   owner, files of mode 0600 named by their queue id (queue_id.h):
 *     tmp/       files being written; never acknowledged, removed at start
 *     incoming/  committed mail not yet seen by the scheduler
 *     active/    mail the scheduler is working on; back to incoming at start
 *     deferred/  mail waiting for a retry
 *     hold/      mail held by a filter or by the administrator
 *     corrupt/   files that failed validation, kept for a person to inspect
 *     maildrop/  mail injected by "postern sendmail", complete queue files
 *                whose content has not been through cleanup and the
 *                non_smtpd_milters yet; posternd's pickup (pickup.h) turns
 *                each into a new file in incoming/ (or hold/)
 *     defer/     not a queue: per message, the reason each recipient was
 *                last deferred (queue_defer.h), for "postern queue"
 *   All eight live on one file system (rename() must work between them).
 *   Directories are flat: ext4's hashed directories keep lookups fast at the
 *   sizes a relay's queue reaches.
 *
 * FILE FORMAT (queue_format.h has the constants; integers little-endian)
 *   A queue file is a sequence of records: type (1 byte), length (4 bytes),
 *   data (length bytes, at most 1 MiB).
 *     'H'  header, first record: "POSTERNQ" and a version byte (1)
 *     'I'  the queue id (must equal the file name)
 *     'T'  arrival time, int64 microseconds since the epoch
 *     'A'  attribute, name NUL value: sender (required, may be empty),
 *          envid, ret (FULL|HDRS), body (7BIT|8BITMIME|BINARYMIME),
 *          smtputf8 (yes), client_address, client_name, helo_name,
 *          protocol, sasl_method, sasl_username, hold_reason, hold_filter;
 *          other names are kept as extra attributes (queue-time results of
 *          filters and the like). A known name may appear once.
 *     'R'  recipient: status slot (20 bytes), NOTIFY bits (1 byte), address
 *          length (2) and address, ORCPT length (2) and ORCPT (raw
 *          "type;value" as given in RCPT TO, empty when absent)
 *     'D'  a chunk of message content (headers and body, as received)
 *     'X'  end record, last: the file size (8 bytes) and a CRC-32C (4) of
 *          every byte before the CRC, counting each status slot as its
 *          initial value
 *   Records may come in any order between 'H' and 'X' (a filter may add a
 *   recipient or a hold reason after the content); content is the 'D'
 *   chunks in file order; the message size (Postfix's size=) is their
 *   sum. At least one recipient is required.
 *   The status slot is the only part ever rewritten: state (1 byte:
 *   pending, deferred, delivered, bounced), 3 zero bytes, attempts (4),
 *   time of the last update in microseconds (8) and a CRC-32C of those 16
 *   bytes (4). It is updated in place with one pwrite() and made durable
 *   with fdatasync() (or the committer's batched sync). A torn slot fails
 *   its own CRC and reads as pending, so the recipient is tried again: a
 *   duplicate, never a loss. Delivered and bounced are final.
 *   The reader (queue_msg.h) trusts no length: every record must lie
 *   inside the file, every field inside its record, every string must be
 *   free of NUL, and the end record's size and CRC must match. It tells a
 *   truncated file (0) from a damaged one (-1).
 *
 * COMMIT AND WHY A CRASH LOSES NOTHING ACKNOWLEDGED
 *   A session creates tmp/ID (O_EXCL), streams records into it with
 *   buffered write()s and no sync, writes the end record, and hands the
 *   file to the committer thread (queue_commit.h). The committer works in
 *   cycles; each takes every pending job (a batch) and:
 *     1. makes durable, in one step, the data of the new batch and the
 *        renames of the previous cycle: one syncfs() (or, when
 *        queue_sync_method is fdatasync, fdatasync() per new file and then
 *        fsync() of each directory the previous renames touched);
 *     2. reports success for the previous cycle's jobs, whose 250 may now
 *        be sent;
 *     3. renames each new tmp/ID to incoming/ID (or hold/ID); these jobs
 *        are reported after the next cycle's step 1 (at once, by a cycle
 *        with only directory fsyncs, if nothing new arrived).
 *   So for every message: data synced, then renamed, then a sync that
 *   covers the rename, then 250. syncfs() writes all the file system's
 *   dirty data and metadata, directory entries included, and waits for it
 *   (and reports write-back errors since Linux 5.8): it stands for both
 *   the fdatasync() of the files and the fsync() of the directories, and
 *   under load one call serves two batches.
 *   A crash before a message's report leaves either tmp/ID (removed at
 *   start: the client had no 250 and sends again) or a complete, synced
 *   file under its final name whose rename may or may not have reached
 *   the disk (at worst a duplicate, as the client retries). After the
 *   report the data and the directory entry are on stable storage, so the
 *   file survives a power loss. A file under a final name that does not
 *   validate was damaged after the fact; the start-up scan moves it to
 *   corrupt/ with a log line. Moves between queues are renames made
 *   durable the same way; a status update is a pwrite() made durable by
 *   the next step 1. kill -9 of the process loses nothing that the kernel
 *   has: every step above is a system call whose effect the page cache
 *   keeps.
 *
 * THREADS
 *   The committer runs one thread; its submit functions may be called from
 *   any thread. Results come back either through a callback on the
 *   committer thread or through a queue_mailbox: an eventfd that an event
 *   loop watches, then runs the callbacks on its own thread. Writers,
 *   messages and queue_dir handles are used by one thread at a time.
 */
#ifndef POSTERN_QUEUE_H
#define POSTERN_QUEUE_H

#include "queue_commit.h"
#include "queue_defer.h"
#include "queue_dir.h"
#include "queue_id.h"
#include "queue_msg.h"
#include "queue_writer.h"

#endif
