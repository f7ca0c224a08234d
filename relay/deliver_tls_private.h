/* deliver_tls_private.h: what the files of the deliver_tls module share. */
#ifndef POSTERN_DELIVER_TLS_PRIVATE_H
#define POSTERN_DELIVER_TLS_PRIVATE_H

#include "deliver_tls.h"
#include "table.h"
#include "tls_ctx.h"

struct deliver_tls_conf {
	const struct cfg *view; /* for the contexts of policy entries */
	char prefix[8];		/* "smtp" or "lmtp" */
	enum deliver_tls_level level;
	struct table **maps; /* PREFIX_tls_policy_maps */
	size_t n_maps;
	char *verify_match, *secure_match, *fingerprint_match;
	char *servername;
	int wrappermode, note_offer, loglevel;
	long long timeout; /* PREFIX_starttls_timeout, seconds */
	struct tls_ctx *may_ctx, *mandatory_ctx;
};

/* deliver_tls_level_name: "may" etc. */
const char *deliver_tls_level_name(enum deliver_tls_level level);

#endif
