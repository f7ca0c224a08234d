/* scheduler.h: posternd's scheduler (Postfix's qmgr): its own thread and
 * event loop that takes mail from incoming/ and deferred/, delivers it and
 * removes it or defers it for a retry.
 *
 * - Pick-up: an inotify watch on incoming/ reports each file the
 *   committer renames into it, so mail goes out as soon as it is durable;
 *   a scan of incoming/ and deferred/ every queue_run_delay catches
 *   anything else (and overflowed notifications). Receiving never waits
 *   for the scheduler: the two share nothing but the directory.
 * - A picked message is renamed to active/ (no sync is needed: a crash
 *   puts active/ back into incoming/), each recipient not yet final is
 *   resolved to transport and next hop (nexthop.h), and recipients with
 *   the same ones form deliveries of at most
 *   <transport>_destination_recipient_limit recipients.
 * - Deliveries run on the threads of a pool (sched_pool.c), one each, at most
 *   <transport>_destination_concurrency_limit at once per destination
 *   (transport and next hop) and default_process_limit in all; the rest
 *   wait in order of arrival. Each delivery opens its own handle on the
 *   queue file, records each recipient's result durably and logs it
 *   (deliver_record_all), so results survive a crash.
 * - When a message's deliveries are done it is removed ("ID: removed")
 *   if every recipient is final, else moved to deferred/ with its
 *   modification time set to the next attempt: now plus the message's age,
 *   clamped to [minimal_backoff_time, maximal_backoff_time] (so the wait
 *   doubles, as in Postfix). A recipient deferred when the message is
 *   older than maximal_queue_lifetime is bounced instead (0: one attempt);
 *   for a message from the null sender (a notification) the limit is
 *   bounce_queue_lifetime, when that is the smaller.
 * - hold/ is never looked at.
 * - Bounced recipients get an RFC 3464 notification (deliver_dsn.h), one
 *   per message and attempt (sched_bounce.c); NOTIFY=SUCCESS notices and
 *   delay_warning_time warnings are sent by the delivery (sched_job.c).
 */
#ifndef POSTERN_SCHEDULER_H
#define POSTERN_SCHEDULER_H

#include "queue_commit.h"
#include "relay_conf.h"

struct sched;

/* sched_new: read the settings from conf, open the queue directory (after
 * the start-up recovery scan) and start the scheduler thread. The
 * deliveries make their results durable through committer (the SMTP
 * server's, so that receiving and delivering share one sync per cycle;
 * it must outlive the scheduler). 1 with *s_r; 0 with *s_r NULL when
 * master_service_disable names qmgr.fifo (as for Postfix, mail then stays
 * in incoming/); -1 with *error_r. */
int sched_new(struct relay_conf *conf, struct queue_committer *committer, struct sched **s_r,
	      char **error_r);
/* sched_free: stop: running deliveries are interrupted (their recipients
 * are tried again after a restart), the thread ends; release *sp; accepts
 * NULL; clears *sp. */
void sched_free(struct sched **sp);

#endif
