/* av_verdict.c: scan results to outcomes, header text and log fields (see
 * av_verdict.h). */
#include "av_verdict.h"

#include "mem.h"

#define ALLOW(a) MILTER_SKEL_ALLOW(MILTER_SKEL_##a)

const struct milter_skel_outcome av_outcomes[AV_N_OUTCOMES] = {
	[AV_OUTCOME_CLEAN] = {"clean", NULL, "accept", ALLOW(ACCEPT), "0.0", "OK"},
	[AV_OUTCOME_VIRUS] = {"virus", "on_virus", "reject",
			      ALLOW(REJECT) | ALLOW(DISCARD) | ALLOW(QUARANTINE) | ALLOW(ACCEPT),
			      "7.1", "Virus found"},
	[AV_OUTCOME_UNSCANNED] = {"unscanned", "on_unscanned", "quarantine",
				  ALLOW(ACCEPT) | ALLOW(QUARANTINE) | ALLOW(REJECT) |
					  ALLOW(TEMPFAIL) | ALLOW(DISCARD),
				  "7.1", "Message could not be scanned for viruses"},
	[AV_OUTCOME_SCAN_ERROR] = {"scan_error", "on_scan_error", "tempfail",
				   ALLOW(TEMPFAIL) | ALLOW(ACCEPT), "3.0",
				   "Virus scan failed, try again later"},
	[AV_OUTCOME_SKIPPED] = {"skipped", NULL, "accept", ALLOW(ACCEPT), "0.0", "OK"},
};

enum av_outcome av_verdict_outcome(const struct av_scan *scan)
{
	switch (scan->kind) {
	case AV_SCAN_CLEAN:
		return AV_OUTCOME_CLEAN;
	case AV_SCAN_VIRUS:
		return AV_OUTCOME_VIRUS;
	case AV_SCAN_UNSCANNED:
		return AV_OUTCOME_UNSCANNED;
	case AV_SCAN_ERROR:
		break;
	}
	return AV_OUTCOME_SCAN_ERROR;
}

char *av_verdict_status(const struct av_scan *scan)
{
	switch (scan->kind) {
	case AV_SCAN_CLEAN:
		return xstrdup("Clean");
	case AV_SCAN_VIRUS:
		return xasprintf("Infected (%s)", scan->name);
	case AV_SCAN_UNSCANNED:
		return xasprintf("Unscanned (%s)", scan->name);
	case AV_SCAN_ERROR:
		break;
	}
	return xasprintf("Error (%s)", scan->name);
}

char *av_verdict_detail(const struct av_scan *scan, size_t size, long ms)
{
	static const char *const keys[] = {
		[AV_SCAN_CLEAN] = NULL,
		[AV_SCAN_VIRUS] = "virus",
		[AV_SCAN_UNSCANNED] = "reason",
		[AV_SCAN_ERROR] = "error",
	};
	const char *key = keys[scan->kind];
	if (key == NULL)
		return xasprintf("size=%zu ms=%ld", size, ms);
	return xasprintf("%s=\"%s\" size=%zu ms=%ld", key, scan->name, size, ms);
}
