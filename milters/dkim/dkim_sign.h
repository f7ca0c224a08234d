/* dkim_sign.h: make one DKIM-Signature (RFC 6376, rsa-sha256 and RFC 8463
 * ed25519-sha256) with a key loaded once.
 *
 * Postern signs with its own canonicalization (dkim_canon.h) and OpenSSL
 * rather than through libopendkim, which parses the private key again for
 * every message: with keys parsed once, a signature costs one hash and one
 * private-key operation. libopendkim, dkimpy and OpenDKIM verify what this
 * produces (dkim_sign_test, tests/integration/dkim_sign.sh).
 *
 * Header fields are chosen as RFC 6376 section 5.4.2 says: for each name of
 * the signed list, every field of that name in the message, from the
 * bottom up; a name in the oversigned list once more (so a field of that
 * name added later breaks the signature). The field is folded at about 78
 * columns with CRLF TAB; the value handed back has no leading space.
 * A signer belongs to one message and one thread.
 */
#ifndef POSTERN_DKIM_SIGN_H
#define POSTERN_DKIM_SIGN_H

#include <stddef.h>
#include <time.h>

#include "dkim_canon.h"
#include "dkim_keys.h"

struct dkim_sign_opts {
	enum dkim_canon_mode header_canon;
	enum dkim_canon_mode body_canon;
	char *const *sign_headers;     /* NULL-terminated names */
	char *const *oversign_headers; /* NULL-terminated names */
	int body_length;	       /* add l= */
	long long ttl;		       /* x= is t= + ttl; 0: no x= */
	time_t now;		       /* t=; 0: the current time */
};

struct dkim_signer;

/* dkim_signer_new: a signer for one message with key, d= domain and an
 * optional i= identity (NULL for none). The strings and opts are copied
 * where needed; key must outlive the signer. */
struct dkim_signer *dkim_signer_new(const struct dkim_key *key, const char *domain,
				    const char *identity, const struct dkim_sign_opts *opts);

/* dkim_signer_body: the next piece of the body (CRLF line ends). */
void dkim_signer_body(struct dkim_signer *s, const void *data, size_t len);

/* dkim_signer_finish: sign the header fields (in message order) and the
 * body seen so far. 1 with *value_r the DKIM-Signature value (malloc'd),
 * -1 with *error_r when OpenSSL fails. */
int dkim_signer_finish(struct dkim_signer *s, const struct dkim_header *headers, size_t n,
		       char **value_r, char **error_r);

/* dkim_signer_free: release *sp and set it to NULL; accepts NULL. */
void dkim_signer_free(struct dkim_signer **sp);

#endif
