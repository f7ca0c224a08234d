/* av_verdict.h: what a scan result means for the message: the outcomes of
 * postern-av, their action parameters with defaults, and the
 * X-Virus-Status text. No libmilter here: the skeleton (milter_skel.h)
 * turns an outcome into the reply.
 *
 *   outcome     parameter          default     allowed
 *   clean       -                  accept      accept
 *   virus       on_virus           reject      reject discard quarantine accept
 *   unscanned   on_unscanned       quarantine  any action but tag
 *   scan_error  on_scan_error      tempfail    tempfail accept
 *   skipped     -                  accept      accept (a skip list matched)
 *
 * "unscanned" covers every case where part of the message was not
 * examined: a scan limit hit, an encrypted archive or document, and a
 * message over message_size_limit. Its default is quarantine, never
 * "accept": the message is kept on hold with the reason, for a person to
 * release or delete, and its sender is not told anything yet.
 */
#ifndef POSTERN_AV_VERDICT_H
#define POSTERN_AV_VERDICT_H

#include "av_engine.h"
#include "milter_skel.h"

enum av_outcome {
	AV_OUTCOME_CLEAN,
	AV_OUTCOME_VIRUS,
	AV_OUTCOME_UNSCANNED,
	AV_OUTCOME_SCAN_ERROR,
	AV_OUTCOME_SKIPPED,
	AV_N_OUTCOMES,
};

/* The outcome table for the skeleton, indexed by enum av_outcome. */
extern const struct milter_skel_outcome av_outcomes[AV_N_OUTCOMES];

/* av_verdict_outcome: the outcome of a scan result. */
enum av_outcome av_verdict_outcome(const struct av_scan *scan);

/* av_verdict_status: the X-Virus-Status value for a scan result: "Clean",
 * "Infected (NAME)", "Unscanned (REASON)", "Error (MESSAGE)". Malloc'd for
 * the caller. */
char *av_verdict_status(const struct av_scan *scan);

/* av_verdict_detail: the key=value fields of the verdict log line for a
 * message of size bytes scanned in ms milliseconds, e.g.
 * "virus=\"NAME\" size=BYTES ms=MS" (malloc'd). */
char *av_verdict_detail(const struct av_scan *scan, size_t size, long ms);

#endif
