/* attach_private.h: what the files of postern-attach's engine share
 * (attach_rules.c, attach_archive.c, attach_engine.c, attach_strip.c).
 * Not for others: they use attach_engine.h. */
#ifndef POSTERN_ATTACH_PRIVATE_H
#define POSTERN_ATTACH_PRIVATE_H

#include "attach_engine.h"
#include "table.h"

struct attach_rules {
	char **extensions; /* lower case, without dots */
	size_t n_extensions;
	struct table *names; /* or NULL */
	char **types;	     /* lower case */
	size_t n_types;
	int inspect_archives;
	size_t depth_limit;
	size_t size_limit;
	size_t member_limit;
	struct mime_config mime;
};

/* The worst thing found in an entity or archive so far. */
struct attach_verdict {
	enum attach_class cls;
	char *name;   /* malloc'd, or NULL */
	char *reason; /* malloc'd, or NULL */
};

/* attach_verdict_raise: keep (cls, name, reason) when cls is worse than
 * what v holds (the first of equals stays). Takes over reason; copies
 * name. */
void attach_verdict_raise(struct attach_verdict *v, enum attach_class cls, const char *name,
			  char *reason);
/* attach_verdict_deinit: free what v holds and clear it. */
void attach_verdict_deinit(struct attach_verdict *v);

/* attach_type_check: BANNED with *reason_r when type/subtype (lower case)
 * is banned, else CLEAN. */
enum attach_class attach_type_check(const struct attach_rules *rules, const char *type,
				    const char *subtype, char **reason_r);

/* attach_archive_by_name/type/magic: does a name (any case), a MIME type
 * or the first len bytes of content say "archive"? 1 or 0. */
int attach_archive_by_name(const char *name);
int attach_archive_by_type(const char *type, const char *subtype);
int attach_archive_by_magic(const void *data, size_t len);
/* Bytes attach_archive_by_magic() wants to see. */
#define ATTACH_MAGIC_LEN 512

/* attach_archive_scan: look into len bytes at data, an archive called name
 * (for the paths of its members), opened at depth (1: an attachment),
 * raising v with what its members are. */
void attach_archive_scan(const struct attach_rules *rules, const void *data, size_t len,
			 const char *name, size_t depth, struct attach_verdict *v);

#endif
