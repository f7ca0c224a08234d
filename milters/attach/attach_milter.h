/* attach_milter.h: what postern-attach's program files share (attach.c,
 * attach_cb.c, attach_conf.c): its settings, outcomes and hooks. The
 * engine is attach_engine.h. */
#ifndef POSTERN_ATTACH_MILTER_H
#define POSTERN_ATTACH_MILTER_H

#include <stddef.h>

#include "milter_skel.h"

/* The settings (attach_conf.c). */
struct attach_settings {
	char **banned_extensions;
	char *banned_names;
	char **banned_types;
	int inspect_archives;
	long long archive_depth_limit;
	long long archive_size_limit;
	long long archive_member_limit;
	int strip_banned_parts;
	char *strip_notice;
	char **exempt_sender_domains;
	char **exempt_recipient_domains;
	long long header_size_limit;
	long long mime_nesting_limit;
};

/* Outcomes, indexes into the outcome table. */
enum attach_outcome {
	ATTACH_O_CLEAN,	    /* nothing found */
	ATTACH_O_BANNED,    /* a banned attachment */
	ATTACH_O_ENCRYPTED, /* an encrypted archive */
	ATTACH_O_UNSCANNED, /* something could not be inspected */
	ATTACH_O_STRIPPED,  /* banned parts were cut out */
	ATTACH_O_EXEMPT,    /* sender or every recipient exempt: not inspected */
	ATTACH_O_TOO_BIG,   /* over message_size_limit: not inspected */
	ATTACH_N_OUTCOMES,
};

/* The whole milter for milter_skel_main() (attach_conf.c). */
extern const struct milter_skel_def attach_def;

/* The hooks (attach_cb.c). */
extern const struct milter_skel_hooks attach_hooks;

/* attach_domain_listed: the domain of address (after the last '@') is in
 * list (NULL-terminated; "example.com" matches that domain, ".example.com"
 * its subdomains; any case). 1 or 0; an address without a domain is
 * never listed. */
int attach_domain_listed(char **list, const char *address);

#endif
