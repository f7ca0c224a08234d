/* deliver_maildir.h: the maildir: transport, delivering one recipient's
 * copy into a Maildir as Postfix's local(8) and virtual(8) do.
 *
 * The directory (and its tmp, new and cur) is created as needed, mode
 * 0700. The copy is written to tmp/NAME, fsync()ed, linked to new/NAME and
 * new/ is fsync()ed before success is reported; NAME is unique
 * (SECONDS.MMICROSECONDSPPIDQCOUNTER.HOST, the host's "/" and ":" written
 * as \057 and \072). The copy starts with "Return-Path: <sender>",
 * "X-Original-To: rcpt" and "Delivered-To: rcpt", then the message with
 * CRLF line ends made LF (as a Maildir file holds it).
 */
#ifndef POSTERN_DELIVER_MALDIR_H
#define POSTERN_DELIVER_MALDIR_H

#include <stddef.h>

#include "deliver.h"

/* deliver_maildir: deliver recipient i of msg into the Maildir at path;
 * host names this machine in the file name. Fills *st_r: delivered
 * (2.0.0, "delivered to maildir"), or deferred (4.2.0 with the system
 * error) when a directory or the file cannot be made, written or synced;
 * nothing is left in tmp/ on failure. */
void deliver_maildir(const struct queue_msg *msg, size_t i, const char *path, const char *host,
		     struct deliver_status *st_r);

#endif
