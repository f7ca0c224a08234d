/* av_engine_private.h: what the engine's files share (not for callers).
 *
 *   av_engine.c         load, reference counting, the scan, its result
 *   av_engine_unpack.c  which archives of a scan gave up their members
 */
#ifndef POSTERN_AV_ENGINE_PRIVATE_H
#define POSTERN_AV_ENGINE_PRIVATE_H

#include <clamav.h>

#include "av_engine.h"

/* Archives deeper than this in one message are not followed (max_recursion
 * stops libclamav well before, at 17 by default). */
#define AV_UNPACK_DEPTH 64

/* One file libclamav is scanning, outermost first. */
struct av_unpack_frame {
	const char *type;   /* libclamav's type name, "CL_TYPE_ZIP" (static) */
	unsigned announced; /* members its directory lists (non-empty, not encrypted) */
	unsigned extracted; /* files that came out of it */
	unsigned last_pos;  /* the member announced last (each is announced twice) */
};

struct av_unpack {
	struct av_unpack_frame frames[AV_UNPACK_DEPTH];
	unsigned depth;		     /* files open; may pass AV_UNPACK_DEPTH (not recorded) */
	char lost[AV_SCAN_NAME_MAX]; /* "" or the first archive that kept members back */
};

/* What libclamav reports about one scan through its callbacks (their
 * context argument): one on the scanning thread's stack per scan. */
struct av_scan_ctx {
	char last[AV_SCAN_NAME_MAX];  /* the last alert reported */
	char error[AV_SCAN_NAME_MAX]; /* the first error message */
	struct av_unpack unpack;
};

/* av_unpack_register: install the callbacks that fill ctx->unpack on a new
 * engine (before it is shared). An archive of a known kind (zip, rar, 7z,
 * arj, cab, tar, gzip, bzip2, xz, egg, alz) that libclamav scanned without
 * extracting every member its directory lists, or without extracting
 * anything, sets unpack.lost to "Postern.NotUnpacked.KIND": a member in a
 * compression method libclamav lacks (LZMA in zip), an archive format it
 * was built without (RAR in Debian), a damaged archive. */
void av_unpack_register(struct cl_engine *cl);

#endif
