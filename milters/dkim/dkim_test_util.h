/* dkim_test_util.h: what the DKIM unit tests share: keys made on the fly
 * and published in a file libopendkim reads instead of DNS, messages as
 * header field arrays, signing and verifying them. */
#ifndef POSTERN_DKIM_TEST_UTIL_H
#define POSTERN_DKIM_TEST_UTIL_H

#include <stddef.h>

#include "dkim_canon.h"
#include "dkim_engine.h"
#include "dkim_keys.h"
#include "dkim_sign.h"

#define DT_MAX_HEADERS 40

struct dt_msg {
	struct dkim_header h[DT_MAX_HEADERS];
	char *owned[DT_MAX_HEADERS]; /* values to free */
	size_t n;
	char *body; /* owned */
};

/* dt_key: a new key of alg (bits for RSA) with this selector; fatal on
 * failure. dt_key_free releases it. */
void dt_key(struct dkim_key *k, enum dkim_key_alg alg, int bits, const char *selector);
void dt_key_free(struct dkim_key *k);

/* dt_key_pem: the private key in PEM (malloc'd). */
char *dt_key_pem(const struct dkim_key *k);

/* dt_publish: add the key's record for domain to the key file at path. */
void dt_publish(const char *path, const struct dkim_key *k, const char *domain);

/* dt_msg_init: a message with the usual fields (From, To, Subject, Date,
 * Message-ID) and body; dt_msg_deinit frees it. */
void dt_msg_init(struct dt_msg *m, const char *body);
void dt_msg_deinit(struct dt_msg *m);
/* dt_msg_insert: a field at index (0: top); value copied. */
void dt_msg_insert(struct dt_msg *m, size_t index, const char *name, const char *value);

/* dt_sign: the DKIM-Signature value for m (fatal on failure). */
char *dt_sign(const struct dkim_key *k, const char *domain, const struct dkim_sign_opts *o,
	      const struct dt_msg *m);

/* dt_verify: verify m through the engine; the results (caller frees with
 * dkim_sig_results_free) and their number. Fatal on an internal error. */
size_t dt_verify(struct dkim_verify_lib *lib, const struct dt_msg *m, const struct dkim_policy *p,
		 struct dkim_sig_result **r);

/* dt_opts: signing options with relaxed/simple, From oversigned. */
struct dkim_sign_opts dt_opts(void);

#endif
