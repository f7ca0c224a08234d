/* tls_ctx_testcert.c: keys and certificates for the TLS unit tests (see
 * tls_ctx_testcert.h). */
#include "tls_ctx_testcert.h"

#include <stdio.h>

#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "log.h"

void tls_testcert_make(struct tls_testcert *tc, const char *cn, const struct tls_testcert *issuer,
		       int rsa)
{
	static long serial = 1;
	tc->key = rsa ? EVP_RSA_gen(2048) : EVP_EC_gen("P-256");
	tc->cert = X509_new();
	if (tc->key == NULL || tc->cert == NULL)
		log_fatal("tls_testcert_make: cannot make a key");
	X509_set_version(tc->cert, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(tc->cert), serial++);
	X509_gmtime_adj(X509_getm_notBefore(tc->cert), -3600);
	X509_gmtime_adj(X509_getm_notAfter(tc->cert), 86400);
	X509_set_pubkey(tc->cert, tc->key);
	X509_NAME *name = X509_get_subject_name(tc->cert);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(tc->cert, issuer ? X509_get_subject_name(issuer->cert) : name);
	X509V3_CTX v3;
	X509V3_set_ctx(&v3, issuer ? issuer->cert : tc->cert, tc->cert, NULL, NULL, 0);
	X509_EXTENSION *ext =
		X509V3_EXT_conf_nid(NULL, &v3, NID_basic_constraints,
				    issuer ? "critical,CA:FALSE" : "critical,CA:TRUE");
	if (ext == NULL || !X509_add_ext(tc->cert, ext, -1))
		log_fatal("tls_testcert_make: cannot add an extension");
	X509_EXTENSION_free(ext);
	if (!X509_sign(tc->cert, issuer ? issuer->key : tc->key, EVP_sha256()))
		log_fatal("tls_testcert_make: cannot sign");
}

void tls_testcert_write(const char *path, const char *what, const struct tls_testcert *tc,
			const struct tls_testcert *issuer)
{
	FILE *f = fopen(path, "w");
	if (f == NULL)
		log_fatal("tls_testcert_write: %s: cannot create", path);
	for (const char *w = what; *w; w++) {
		int ok = *w == 'k'   ? PEM_write_PrivateKey(f, tc->key, NULL, NULL, 0, NULL, NULL)
			 : *w == 'c' ? PEM_write_X509(f, tc->cert)
				     : PEM_write_X509(f, issuer->cert);
		if (!ok)
			log_fatal("tls_testcert_write: %s: cannot write", path);
	}
	if (fclose(f) != 0)
		log_fatal("tls_testcert_write: %s: cannot write", path);
}

void tls_testcert_free(struct tls_testcert *tc)
{
	EVP_PKEY_free(tc->key);
	X509_free(tc->cert);
	tc->key = NULL;
	tc->cert = NULL;
}
