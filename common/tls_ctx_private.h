/* tls_ctx_private.h: what the files of the tls_ctx module share. */
#ifndef POSTERN_TLS_CTX_PRIVATE_H
#define POSTERN_TLS_CTX_PRIVATE_H

#include <openssl/err.h>

#include "tls_ctx.h"

/* tls_ctx_param: the expanded value of PREFIX_tls_NAME (prefix NULL:
 * "tls_NAME") in a malloc'd *value_r, "" when no layer defines it. 1 ok;
 * -1 with *error_r naming the parameter. */
int tls_ctx_param(const struct cfg *view, const char *prefix, const char *name, char **value_r,
		  char **error_r);

/* tls_ctx_load_certs: load the key(s) and certificate chain(s) that the
 * PREFIX_tls_chain_files or PREFIX_tls_cert_file/key_file parameters
 * name; *have_r 1 when something was loaded. 1 ok (possibly nothing
 * configured); -1 with *error_r naming the parameter and file. */
int tls_ctx_load_certs(SSL_CTX *ctx, const struct cfg *view, const char *prefix, int *have_r,
		       char **error_r);

#endif
