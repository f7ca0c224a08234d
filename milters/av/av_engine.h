/* av_engine.h: a loaded libclamav signature database and the scan of one
 * mail message with it, independent of libmilter.
 *
 * An engine is built once from a database directory with the scan limits
 * it will enforce, then shared: any number of threads may scan with it at
 * the same time. Engines are reference-counted so one can be replaced (a
 * new database) while scans with the old one finish: the last
 * av_engine_unref() frees it.
 *
 * libclamav calls a message "clean" when it gives up: an archive nested
 * past the recursion limit, more files than the file limit, a member over
 * the size limits, an encrypted archive or document. The scan turns each
 * of these into AV_SCAN_UNSCANNED instead, with the reason as libclamav
 * names it ("Heuristics.Limits.Exceeded.MaxRecursion",
 * "Heuristics.Encrypted.Zip"); a real signature match anywhere in the
 * message still wins over such a reason (AV_SCAN_VIRUS).
 */
#ifndef POSTERN_AV_ENGINE_H
#define POSTERN_AV_ENGINE_H

#include <stddef.h>

struct av_engine;

/* How an engine is built: the database and the limits of every scan. */
struct av_engine_opts {
	const char *database_directory; /* .cvd/.cld/.hdb/.ndb/... files */
	long long max_file_size;	/* bytes of one member; 0: libclamav's default */
	long long max_scan_size;	/* bytes scanned per message; 0: default */
	long long max_recursion;	/* archive/MIME nesting; 0: default */
	long long max_files;		/* members per message; 0: default */
	long long max_scan_time;	/* seconds per message; 0: default */
	int detect_pua;			/* also load PUA signatures */
	const char *temp_directory;	/* where libclamav unpacks; NULL or "": its default */
};

enum av_scan_kind {
	AV_SCAN_CLEAN,	   /* every part scanned, nothing found */
	AV_SCAN_VIRUS,	   /* a signature matched: name holds it */
	AV_SCAN_UNSCANNED, /* part of the message could not be scanned: name says why */
	AV_SCAN_ERROR,	   /* the scan failed: name holds libclamav's message */
};

#define AV_SCAN_NAME_MAX 256

/* The result of one scan, filled by the caller's stack (no shared state). */
struct av_scan {
	enum av_scan_kind kind;
	char name[AV_SCAN_NAME_MAX]; /* "" when clean; truncated if longer */
};

/* av_engine_global_init: initialise libclamav once per process and route
 * its warnings and errors to log.h. Thread-safe; call before the first
 * load. 1 ok, -1 with *error_r. */
int av_engine_global_init(char **error_r);

/* av_engine_load: build an engine: load every database file in
 * opts->database_directory, apply the limits, compile. Slow with a full
 * ClamAV database (seconds); runs in the calling thread. Returns 1 with
 * *engine_r holding one reference, or -1 with *error_r
 * ("/var/lib/clamav: No supported database files found"). */
int av_engine_load(const struct av_engine_opts *opts, struct av_engine **engine_r, char **error_r);

/* av_engine_ref: one more reference; returns engine. Thread-safe. */
struct av_engine *av_engine_ref(struct av_engine *engine);

/* av_engine_unref: drop a reference and clear *engine_r; the last one frees
 * the engine. Accepts NULL. Thread-safe. */
void av_engine_unref(struct av_engine **engine_r);

/* av_engine_signatures: how many signatures the engine holds. */
unsigned av_engine_signatures(const struct av_engine *engine);

/* av_engine_db_version: the version of the official daily database it
 * loaded, 0 when it has none (a private database). */
unsigned av_engine_db_version(const struct av_engine *engine);

/* av_engine_scan_memory: scan a whole message (header fields, empty line,
 * body) of len bytes. libclamav finds the message's type by its contents;
 * the scan always presents it as a mail message so MIME parts are decoded
 * whatever header field comes first. Thread-safe; result in *scan_r. */
void av_engine_scan_memory(struct av_engine *engine, const void *data, size_t len,
			   struct av_scan *scan_r);

/* av_engine_scan_fd: the same for a message held in the file fd (read with
 * pread from offset 0 to its size; the file offset is not used). */
void av_engine_scan_fd(struct av_engine *engine, int fd, struct av_scan *scan_r);

/* av_engine_version: the libclamav version string, e.g. "1.4.6". */
const char *av_engine_version(void);

#endif
