/* av_engine.c: libclamav engines and the scan of one message (see
 * av_engine.h): loading with limits, reference counting, the scan options
 * that make libclamav report what it could not scan, and the mapping of
 * its answers to enum av_scan_kind.
 */
#include "av_engine_private.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "mem.h"

struct av_engine {
	struct cl_engine *cl;
	atomic_uint refs;
	unsigned signatures;
};

/* Put before every message so libclamav's type detection, which looks at
 * the first bytes, always sees a mail message. */
static const char av_mail_prefix[] = "Received: by postern-av\r\n";
#define AV_PREFIX_LEN (sizeof(av_mail_prefix) - 1)

/* libclamav names the heuristic alerts it raises when it gives up; these
 * mean "unscanned", every other name is a detection. */
static const char *const av_unscanned_names[] = {
	"Heuristics.Limits.Exceeded",
	"Heuristics.Encrypted.",
};

static pthread_once_t av_once = PTHREAD_ONCE_INIT;
static cl_error_t av_init_rc;

/* The scan running on this thread, for av_clamav_msg(): libclamav gives
 * its message callback no context for errors raised before a scan has
 * its own (it passes NULL). */
static __thread struct av_scan_ctx *av_thread_scan;

/* av_clamav_msg: libclamav's own messages, one log line each. An error
 * during a scan is kept: libclamav may still call the message clean (it
 * does when it cannot create its temporary directory). */
static void av_clamav_msg(enum cl_msg severity, const char *fullmsg, const char *msg, void *context)
{
	struct av_scan_ctx *ctx = av_thread_scan;
	int len = (int)strcspn(msg, "\r\n");
	(void)fullmsg;
	(void)context;
	if (severity == CL_MSG_ERROR)
		log_error("libclamav: %.*s", len, msg);
	else if (severity == CL_MSG_WARN)
		log_warn("libclamav: %.*s", len, msg);
	else
		log_debug(2, "libclamav: %.*s", len, msg);
	if (severity == CL_MSG_ERROR && ctx != NULL && ctx->error[0] == '\0')
		snprintf(ctx->error, sizeof(ctx->error), "%.*s", len, msg);
}

static void av_global_once(void)
{
	cl_set_clcb_msg(av_clamav_msg);
	av_init_rc = cl_init(CL_INIT_DEFAULT);
}

int av_engine_global_init(char **error_r)
{
	pthread_once(&av_once, av_global_once);
	if (av_init_rc != CL_SUCCESS) {
		*error_r = xasprintf("libclamav: cl_init: %s", cl_strerror(av_init_rc));
		return -1;
	}
	return 1;
}

const char *av_engine_version(void)
{
	return cl_retver();
}

static int av_configure(struct cl_engine *cl, const struct av_engine_opts *o, char **error_r)
{
	const struct {
		enum cl_engine_field field;
		long long value; /* 0: leave libclamav's default */
		const char *name;
	} limits[] = {
		{CL_ENGINE_MAX_FILESIZE, o->max_file_size, "max_file_size"},
		{CL_ENGINE_MAX_SCANSIZE, o->max_scan_size, "max_scan_size"},
		{CL_ENGINE_MAX_RECURSION, o->max_recursion, "max_recursion"},
		{CL_ENGINE_MAX_FILES, o->max_files, "max_files"},
		{CL_ENGINE_MAX_SCANTIME, o->max_scan_time * 1000, "max_scan_time"},
	};
	cl_error_t rc;

	for (size_t i = 0; i < sizeof(limits) / sizeof(limits[0]); i++) {
		if (limits[i].value <= 0)
			continue;
		rc = cl_engine_set_num(cl, limits[i].field, limits[i].value);
		if (rc != CL_SUCCESS) {
			*error_r = xasprintf("libclamav: cannot set %s to %lld: %s", limits[i].name,
					     limits[i].value, cl_strerror(rc));
			return -1;
		}
	}
	if (o->temp_directory != NULL && *o->temp_directory != '\0') {
		rc = cl_engine_set_str(cl, CL_ENGINE_TMPDIR, o->temp_directory);
		if (rc != CL_SUCCESS) {
			*error_r = xasprintf("libclamav: temporary directory %s: %s",
					     o->temp_directory, cl_strerror(rc));
			return -1;
		}
	}
	return 1;
}

/* av_found: libclamav's report of an alert; cl_scanmap_callback() leaves
 * its virname unset for some (a message over max_file_size), so the last
 * name reported is kept as well. */
static void av_found(int fd, const char *virname, void *context)
{
	struct av_scan_ctx *ctx = context;
	(void)fd;
	if (ctx != NULL && virname != NULL)
		snprintf(ctx->last, sizeof(ctx->last), "%s", virname);
}

int av_engine_load(const struct av_engine_opts *opts, struct av_engine **engine_r, char **error_r)
{
	unsigned dbopts = CL_DB_STDOPT | (opts->detect_pua ? CL_DB_PUA : 0);
	unsigned sigs = 0;
	cl_error_t rc;

	if (av_engine_global_init(error_r) < 0)
		return -1;
	struct cl_engine *cl = cl_engine_new();
	if (cl == NULL) {
		*error_r = xstrdup("libclamav: cannot create an engine");
		return -1;
	}
	if (av_configure(cl, opts, error_r) < 0) {
		cl_engine_free(cl);
		return -1;
	}
	rc = cl_load(opts->database_directory, cl, &sigs, dbopts);
	if (rc == CL_SUCCESS && sigs == 0)
		rc = CL_EOPEN;
	if (rc != CL_SUCCESS) {
		const char *why =
			sigs == 0 && rc == CL_EOPEN ? "no signatures found" : cl_strerror(rc);
		*error_r =
			xasprintf("%s: cannot load signatures: %s", opts->database_directory, why);
		cl_engine_free(cl);
		return -1;
	}
	rc = cl_engine_compile(cl);
	if (rc != CL_SUCCESS) {
		*error_r = xasprintf("%s: cannot compile the signatures: %s",
				     opts->database_directory, cl_strerror(rc));
		cl_engine_free(cl);
		return -1;
	}
	cl_engine_set_clcb_virus_found(cl, av_found);
	av_unpack_register(cl);
	struct av_engine *e = xcalloc(1, sizeof(*e));
	e->cl = cl;
	e->signatures = sigs;
	atomic_init(&e->refs, 1);
	*engine_r = e;
	return 1;
}

struct av_engine *av_engine_ref(struct av_engine *engine)
{
	atomic_fetch_add(&engine->refs, 1);
	return engine;
}

void av_engine_unref(struct av_engine **engine_r)
{
	struct av_engine *e = *engine_r;
	if (e == NULL)
		return;
	*engine_r = NULL;
	if (atomic_fetch_sub(&e->refs, 1) != 1)
		return;
	cl_engine_free(e->cl);
	free(e);
}

unsigned av_engine_signatures(const struct av_engine *engine)
{
	return engine->signatures;
}

unsigned av_engine_db_version(const struct av_engine *engine)
{
	int err = 0;
	long long v = cl_engine_get_num(engine->cl, CL_ENGINE_DB_VERSION, &err);
	return err == 0 && v > 0 ? (unsigned)v : 0;
}

/* The message as libclamav reads it: the prefix, then the data from
 * memory or from a file. */
struct av_source {
	const unsigned char *mem; /* NULL: read fd */
	int fd;
	size_t len;
};

static off_t av_pread(void *handle, void *buf, size_t count, off_t offset)
{
	const struct av_source *src = handle;
	size_t off = (size_t)offset, done = 0;
	unsigned char *out = buf;

	if (off < AV_PREFIX_LEN) {
		done = AV_PREFIX_LEN - off < count ? AV_PREFIX_LEN - off : count;
		memcpy(out, av_mail_prefix + off, done);
		off += done;
	}
	off -= AV_PREFIX_LEN;
	while (done < count && off < src->len) {
		size_t want = count - done < src->len - off ? count - done : src->len - off;
		if (src->mem != NULL) {
			memcpy(out + done, src->mem + off, want);
			done += want;
			break;
		}
		ssize_t n = pread(src->fd, out + done, want, (off_t)off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return done > 0 ? (off_t)done : -1;
		if (n == 0)
			break;
		done += (size_t)n;
		off += (size_t)n;
	}
	return (off_t)done;
}

static void av_scan_set(struct av_scan *scan, enum av_scan_kind kind, const char *name)
{
	scan->kind = kind;
	snprintf(scan->name, sizeof(scan->name), "%s", name);
}

/* av_is_detection: a signature name, not one of the reasons to give up. */
static int av_is_detection(const char *virname)
{
	for (size_t i = 0; i < sizeof(av_unscanned_names) / sizeof(av_unscanned_names[0]); i++)
		if (strncmp(virname, av_unscanned_names[i], strlen(av_unscanned_names[i])) == 0)
			return 0;
	return 1;
}

/* av_classify: libclamav's answer as an av_scan: a detection wins, then
 * an error libclamav reported on the way, then what it returned, then an
 * archive it could not unpack. */
static void av_classify(cl_error_t rc, const char *virname, const struct av_scan_ctx *ctx,
			struct av_scan *scan)
{
	if (ctx->error[0] != '\0' &&
	    !(rc == CL_VIRUS && virname != NULL && av_is_detection(virname))) {
		av_scan_set(scan, AV_SCAN_ERROR, ctx->error);
		return;
	}
	switch (rc) {
	case CL_CLEAN:
		if (ctx->unpack.lost[0] != '\0')
			av_scan_set(scan, AV_SCAN_UNSCANNED, ctx->unpack.lost);
		else
			av_scan_set(scan, AV_SCAN_CLEAN, "");
		return;
	case CL_VIRUS:
		if (virname == NULL)
			virname = "unnamed";
		av_scan_set(scan, av_is_detection(virname) ? AV_SCAN_VIRUS : AV_SCAN_UNSCANNED,
			    virname);
		return;
	case CL_EMAXREC:
	case CL_EMAXSIZE:
	case CL_EMAXFILES:
	case CL_ETIMEOUT:
		av_scan_set(scan, AV_SCAN_UNSCANNED, cl_strerror(rc));
		return;
	default:
		av_scan_set(scan, AV_SCAN_ERROR, cl_strerror(rc));
		return;
	}
}

static void av_scan_source(struct av_engine *engine, struct av_source *src, struct av_scan *scan)
{
	struct cl_scan_options so = {
		.general = CL_SCAN_GENERAL_HEURISTICS,
		.parse = ~0u,
		.heuristic = CL_SCAN_HEURISTIC_EXCEEDS_MAX | CL_SCAN_HEURISTIC_ENCRYPTED_ARCHIVE |
			     CL_SCAN_HEURISTIC_ENCRYPTED_DOC,
	};
	const char *virname = NULL;
	unsigned long scanned = 0;
	struct av_scan_ctx ctx;

	cl_fmap_t *map = cl_fmap_open_handle(src, 0, AV_PREFIX_LEN + src->len, av_pread, 0);
	if (map == NULL) {
		av_scan_set(scan, AV_SCAN_ERROR, "cannot map the message");
		return;
	}
	memset(&ctx, 0, sizeof(ctx));
	av_thread_scan = &ctx;
	cl_error_t rc = cl_scanmap_callback(map, NULL, &virname, &scanned, engine->cl, &so, &ctx);
	av_thread_scan = NULL;
	/* virname points into the engine, which our reference keeps alive. */
	if (virname == NULL && ctx.last[0] != '\0')
		virname = ctx.last;
	av_classify(rc, virname, &ctx, scan);
	cl_fmap_close(map);
}

void av_engine_scan_memory(struct av_engine *engine, const void *data, size_t len,
			   struct av_scan *scan_r)
{
	struct av_source src = {.mem = data, .fd = -1, .len = len};
	av_scan_source(engine, &src, scan_r);
}

void av_engine_scan_fd(struct av_engine *engine, int fd, struct av_scan *scan_r)
{
	struct stat st;
	if (fstat(fd, &st) < 0) {
		av_scan_set(scan_r, AV_SCAN_ERROR, strerror(errno));
		return;
	}
	struct av_source src = {.mem = NULL, .fd = fd, .len = (size_t)st.st_size};
	av_scan_source(engine, &src, scan_r);
}
