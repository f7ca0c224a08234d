/* pickup.h: posternd's pickup (Postfix's pickup(8) and the non-SMTP part
 * of cleanup(8)): takes the messages "postern sendmail" put in maildrop/
 * and queues them.
 *
 * Its own thread watches maildrop/ with inotify (and scans it at start,
 * so mail injected while posternd was down goes out when it starts, and
 * every queue_run_delay). For each file, in arrival order:
 *   1. cleanup (pickup_cleanup.c): a new queue id, the Received header
 *      Postfix writes for local submissions ("by HOST (MAIL_NAME, from
 *      userid UID)"), and Message-Id, Date and From when the message has
 *      none, at the end of its header section;
 *   2. non_smtpd_milters (pickup_milter.c), when set: the milters see the
 *      message as Postfix's cleanup shows non-SMTP mail to them: a connect
 *      from localhost [127.0.0.1], HELO localhost, MAIL, each RCPT, DATA,
 *      the content (with the headers of step 1) and end of message, with
 *      the macros of milter_*_macros; their edits are applied; a reject
 *      returns the message to its sender (a non-delivery notification
 *      with the milter's reply, as Postfix's pickup asks its cleanup to),
 *      a discard drops it (logged), a tempfail or an unreachable milter
 *      with default_action tempfail leaves it in maildrop/ for the next
 *      scan, quarantine puts it in hold/;
 *   3. a new queue file, synced and renamed to incoming/ (or hold/), then
 *      the maildrop file removed. A crash between the two queues the
 *      message twice at worst, never loses it.
 * The settings (myhostname, mail_name, non_smtpd_milters, ...) are those
 * posternd started with.
 */
#ifndef POSTERN_PICKUP_H
#define POSTERN_PICKUP_H

#include "relay_conf.h"

struct pickup;

/* pickup_new: start the pickup thread for conf's queue. 1 with *p_r, -1
 * with *error_r (a non_smtpd_milters entry that cannot work, ...). */
int pickup_new(struct relay_conf *conf, struct pickup **p_r, char **error_r);
/* pickup_free: stop the thread (after the message in hand), release *pp;
 * accepts NULL; clears *pp. */
void pickup_free(struct pickup **pp);

#endif
