/* tls_ctx_testcert.h: throw-away keys and certificates for the TLS unit
 * tests (never built into a program): a CA and certificates it signs,
 * made in memory with OpenSSL and written as PEM files.
 */
#ifndef POSTERN_TLS_CTX_TESTCERT_H
#define POSTERN_TLS_CTX_TESTCERT_H

#include <openssl/evp.h>
#include <openssl/x509.h>

struct tls_testcert {
	EVP_PKEY *key; /* owned */
	X509 *cert;    /* owned */
};

/* tls_testcert_make: a new EC P-256 (rsa 0) or RSA-2048 (rsa 1) key and a
 * certificate for it with subject CN cn, signed by issuer (NULL: self-
 * signed, a CA). Fatal on any OpenSSL error. */
void tls_testcert_make(struct tls_testcert *tc, const char *cn, const struct tls_testcert *issuer,
		       int rsa);
/* tls_testcert_write: write PEM objects to path in the order given by
 * what: 'k' the key of tc, 'c' its certificate, 'i' the issuer's
 * certificate (issuer may be NULL if what has no 'i'). Fatal on error. */
void tls_testcert_write(const char *path, const char *what, const struct tls_testcert *tc,
			const struct tls_testcert *issuer);
/* tls_testcert_free: release the key and certificate. */
void tls_testcert_free(struct tls_testcert *tc);

#endif
