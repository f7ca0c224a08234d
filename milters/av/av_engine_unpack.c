/* av_engine_unpack.c: the members libclamav did not extract (see
 * av_engine_private.h). libclamav calls a container clean when it cannot
 * open a member, so its callbacks are followed: pre_scan/post_scan open
 * and close a file (a stack), meta announces a member of the file on
 * top, pre_cache marks a file that came out of it (cached or not). When
 * an archive closes clean with fewer files out than announced, or none
 * at all, it was not fully scanned.
 */
#include <stdio.h>
#include <string.h>

#include "av_engine_private.h"

/* The kinds of archive whose members are checked. */
static const char *const unpack_kinds[] = {
	"CL_TYPE_ZIP",	     "CL_TYPE_RAR",	"CL_TYPE_7Z",  "CL_TYPE_ARJ",
	"CL_TYPE_MSCAB",     "CL_TYPE_GZ",	"CL_TYPE_BZ",  "CL_TYPE_XZ",
	"CL_TYPE_POSIX_TAR", "CL_TYPE_OLD_TAR", "CL_TYPE_EGG", "CL_TYPE_ALZ",
};

/* top: the frame of the file being scanned, or NULL. */
static struct av_unpack_frame *top(struct av_unpack *u)
{
	if (u->depth == 0 || u->depth > AV_UNPACK_DEPTH)
		return NULL;
	return &u->frames[u->depth - 1];
}

static cl_error_t unpack_meta(const char *container_type, unsigned long fsize_container,
			      const char *filename, unsigned long fsize_real, int is_encrypted,
			      unsigned int filepos_container, void *context)
{
	struct av_scan_ctx *ctx = context;
	struct av_unpack_frame *f = ctx != NULL ? top(&ctx->unpack) : NULL;
	(void)container_type;
	(void)fsize_container;
	(void)filename;
	/* Empty members (directories) give nothing to scan; encrypted ones
	 * are reported by libclamav itself. */
	if (f == NULL || fsize_real == 0 || is_encrypted)
		return CL_CLEAN;
	if (f->announced > 0 && f->last_pos == filepos_container)
		return CL_CLEAN;
	f->announced++;
	f->last_pos = filepos_container;
	return CL_CLEAN;
}

static cl_error_t unpack_pre_cache(int fd, const char *type, void *context)
{
	struct av_scan_ctx *ctx = context;
	struct av_unpack_frame *f = ctx != NULL ? top(&ctx->unpack) : NULL;
	(void)fd;
	(void)type;
	if (f != NULL)
		f->extracted++;
	return CL_CLEAN;
}

static cl_error_t unpack_pre_scan(int fd, const char *type, void *context)
{
	struct av_scan_ctx *ctx = context;
	(void)fd;
	if (ctx == NULL)
		return CL_CLEAN;
	struct av_unpack *u = &ctx->unpack;
	if (u->depth < AV_UNPACK_DEPTH)
		u->frames[u->depth] = (struct av_unpack_frame){.type = type};
	u->depth++;
	return CL_CLEAN;
}

static int unpack_checked(const char *type)
{
	for (size_t i = 0; type != NULL && i < sizeof(unpack_kinds) / sizeof(unpack_kinds[0]); i++)
		if (strcmp(type, unpack_kinds[i]) == 0)
			return 1;
	return 0;
}

static cl_error_t unpack_post_scan(int fd, int result, const char *virname, void *context)
{
	struct av_scan_ctx *ctx = context;
	(void)fd;
	(void)virname;
	if (ctx == NULL || ctx->unpack.depth == 0)
		return CL_CLEAN;
	struct av_unpack *u = &ctx->unpack;
	struct av_unpack_frame *f = top(u);
	u->depth--;
	if (f == NULL || result != CL_CLEAN || u->lost[0] != '\0' || !unpack_checked(f->type))
		return CL_CLEAN;
	if (f->extracted == 0 || f->extracted < f->announced)
		snprintf(u->lost, sizeof(u->lost), "Postern.NotUnpacked.%s",
			 f->type + strlen("CL_TYPE_"));
	return CL_CLEAN;
}

void av_unpack_register(struct cl_engine *cl)
{
	cl_engine_set_clcb_meta(cl, unpack_meta);
	cl_engine_set_clcb_pre_cache(cl, unpack_pre_cache);
	cl_engine_set_clcb_pre_scan(cl, unpack_pre_scan);
	cl_engine_set_clcb_post_scan(cl, unpack_post_scan);
}
