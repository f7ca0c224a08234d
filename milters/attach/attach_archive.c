/* attach_archive.c: looking into archives held in memory with libarchive
 * (every format and compression filter it reads): each member's name is
 * judged like an attachment's, encrypted members are reported, and
 * members that are archives themselves are opened in turn, to
 * archive_depth_limit levels. Whatever cannot be read, or is over a limit,
 * makes the archive "unscanned", never clean; only content that merely
 * looked like an archive (by its first bytes) and turns out not to be one
 * is let go. */
#include <archive.h>
#include <archive_entry.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "attach_private.h"
#include "mem.h"

/* One archive being read. */
struct reader {
	const struct attach_rules *rules;
	struct attach_verdict *v;
	const char *name; /* of the archive, for member paths */
	size_t depth;
};

static struct archive *open_memory(const void *data, size_t len, int raw)
{
	struct archive *a = archive_read_new();

	archive_read_support_filter_all(a);
	if (raw)
		archive_read_support_format_raw(a);
	else
		archive_read_support_format_all(a);
	archive_read_open_memory(a, data, len);
	return a;
}

static void unscanned(struct reader *r, const char *path, const char *why)
{
	attach_verdict_raise(r->v, ATTACH_UNSCANNED, path, xstrdup(why));
}

/* read_member: the data of the current member into out, at most limit
 * bytes; 1 when it is all there, 0 over the limit, -1 on a read error. */
static int read_member(struct archive *a, struct buf *out, size_t limit)
{
	char chunk[16384];
	la_ssize_t n;

	while ((n = archive_read_data(a, chunk, sizeof(chunk))) > 0) {
		if (buf_len(out) + (size_t)n > limit)
			return 0;
		buf_append(out, chunk, (size_t)n);
	}
	return n < 0 ? -1 : 1;
}

/* member: judge one member, and open it when it is an archive itself. */
static void member(struct reader *r, struct archive *a, struct archive_entry *e, const char *path)
{
	char *full = xasprintf("%s/%s", r->name, path);
	char *reason = NULL;
	enum attach_class cls = attach_name_check(r->rules, path, &reason);

	attach_verdict_raise(r->v, cls, full, reason);
	if (archive_entry_is_encrypted(e)) {
		attach_verdict_raise(r->v, ATTACH_ENCRYPTED, full, xstrdup("encrypted archive"));
		free(full);
		return;
	}
	if (archive_entry_filetype(e) != AE_IFREG) {
		free(full);
		return;
	}
	/* Its first bytes say whether it is an archive, whatever its name. */
	struct buf data;
	buf_init(&data, 0);
	int rc = read_member(a, &data, ATTACH_MAGIC_LEN);
	int by_name = attach_archive_by_name(path);
	if (rc < 0) {
		unscanned(r, full, "archive member unreadable");
	} else if (by_name || attach_archive_by_magic(buf_cstr(&data), buf_len(&data))) {
		if (r->depth >= r->rules->depth_limit)
			unscanned(r, full, "archives nested deeper than archive_depth_limit");
		else if (rc == 0 && (rc = read_member(a, &data, r->rules->size_limit)) <= 0)
			unscanned(r, full,
				  rc < 0 ? "archive member unreadable"
					 : "archive member over archive_size_limit");
		else
			attach_archive_scan(r->rules, buf_cstr(&data), buf_len(&data), full,
					    r->depth + 1, r->v);
	}
	buf_deinit(&data);
	free(full);
}

/* entry_path: a member's name as stored, or in UTF-8. */
static const char *entry_path(struct archive_entry *e)
{
	const char *p = archive_entry_pathname(e);
	return p != NULL ? p : archive_entry_pathname_utf8(e);
}

/* single_file: a lone compressed file (x.exe.gz): its one member is the
 * name without the compression suffix. 1 when it was one. */
static int single_file(struct reader *r, const void *data, size_t len)
{
	struct archive *a = open_memory(data, len, 1);
	struct archive_entry *e;
	int done = 0;

	if (archive_read_next_header(a, &e) == ARCHIVE_OK &&
	    archive_filter_code(a, 0) != ARCHIVE_FILTER_NONE) {
		char *inner = xstrdup(r->name);
		char *dot = strrchr(inner, '.');
		if (dot != NULL && strchr(dot, '/') == NULL)
			*dot = '\0';
		const char *base = strrchr(inner, '/');
		member(r, a, e, base != NULL ? base + 1 : inner);
		free(inner);
		done = 1;
	}
	archive_read_free(a);
	return done;
}

void attach_archive_scan(const struct attach_rules *rules, const void *data, size_t len,
			 const char *name, size_t depth, struct attach_verdict *v)
{
	struct reader r = {.rules = rules, .v = v, .name = name, .depth = depth};
	struct archive *a = open_memory(data, len, 0);
	struct archive_entry *e;
	size_t members = 0;
	int rc = archive_read_next_header(a, &e);

	if (rc != ARCHIVE_OK && rc != ARCHIVE_WARN && rc != ARCHIVE_EOF) {
		/* Not a format libarchive knows: perhaps one compressed file. */
		if (!single_file(&r, data, len)) {
			char *why =
				xasprintf("archive unreadable: %s",
					  archive_error_string(a) != NULL ? archive_error_string(a)
									  : "unknown format");
			attach_verdict_raise(v, ATTACH_UNSCANNED, name, why);
		}
		archive_read_free(a);
		return;
	}
	for (; rc == ARCHIVE_OK || rc == ARCHIVE_WARN; rc = archive_read_next_header(a, &e)) {
		if (++members > rules->member_limit) {
			unscanned(&r, name, "archive with more members than archive_member_limit");
			break;
		}
		const char *path = entry_path(e);
		if (path == NULL)
			unscanned(&r, name, "archive member name unreadable");
		else
			member(&r, a, e, path);
	}
	if (rc == ARCHIVE_FATAL || rc == ARCHIVE_RETRY) {
		if (archive_read_has_encrypted_entries(a) > 0)
			attach_verdict_raise(v, ATTACH_ENCRYPTED, name,
					     xstrdup("encrypted archive"));
		else
			attach_verdict_raise(v, ATTACH_UNSCANNED, name,
					     xasprintf("archive unreadable: %s",
						       archive_error_string(a) != NULL
							       ? archive_error_string(a)
							       : "read error"));
	}
	archive_read_free(a);
}
