/* dkim_ar.h: Authentication-Results (RFC 8601) for DKIM: the field
 * postern-dkim adds, and reading the authserv-id of fields already in a
 * message (those that claim ours are forged and are removed).
 */
#ifndef POSTERN_DKIM_AR_H
#define POSTERN_DKIM_AR_H

#include <stddef.h>

#include "dkim_engine.h"

/* dkim_ar_value: the field value (no leading space): "AUTHSERV-ID;" then
 * one "dkim=RESULT (comment) header.d=... header.i=... header.s=...
 * header.a=... header.b=..." per signature on a folded line of its own, or
 * "dkim=none" when there is none. Property values that are not RFC 8601
 * tokens are quoted. Lines break with CRLF TAB. Caller frees. */
char *dkim_ar_value(const char *authserv_id, const struct dkim_sig_result *r, size_t n);

/* dkim_ar_authserv_id: the authserv-id of an Authentication-Results value
 * (leading comments and white space skipped), malloc'd in *id_r: 1; 0 when
 * the value does not start with one. */
int dkim_ar_authserv_id(const char *value, char **id_r);

#endif
