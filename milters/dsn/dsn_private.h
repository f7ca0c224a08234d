/* dsn_private.h: what the files of postern-dsn's engine share
 * (dsn_rules.c, dsn_fields.c, dsn_engine.c). Not for others: they use
 * dsn_engine.h. */
#ifndef POSTERN_DSN_PRIVATE_H
#define POSTERN_DSN_PRIVATE_H

#include "dsn_engine.h"
#include "table.h"

struct dsn_rules {
	struct table *filter;	/* or NULL */
	struct table *received; /* or NULL: every returned Received is internal */
	enum dsn_return return_content;
	struct mime_config mime;
};

/* The status code of texts that belong to no recipient. */
#define DSN_NO_STATUS "5.0.0"

/* dsn_apply: dsn_filter_text() for a scan: a warning is kept in result
 * (the last one), a lookup error makes it tempfail. 1 changed (with
 * *status_r and *text_r, caller frees), 0 unchanged, -1 error. */
int dsn_apply(const struct dsn_rules *rules, struct dsn_result *result, const char *status,
	      const char *text, char **status_r, char **text_r);

/* dsn_received_internal: is the logical header text ("Received: ...") an
 * internal Received header? 1 yes, 0 no, -1 when the lookup failed (result
 * then tempfails). */
int dsn_received_internal(const struct dsn_rules *rules, struct dsn_result *result,
			  const char *text);

/* dsn_fields_rewrite: the content of a message/delivery-status part (len
 * bytes of decoded text, any line ends) with its fields filtered, appended
 * to out with CRLF line ends (the last line gets one only if it had one).
 * -1 when a lookup failed, else 1. */
int dsn_fields_rewrite(const struct dsn_rules *rules, struct dsn_result *result, const char *text,
		       size_t len, struct buf *out);

#endif
