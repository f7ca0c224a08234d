/* tls_ctx_certs.c: load keys and certificate chains into an SSL_CTX, the
 * Postfix way: PREFIX_tls_chain_files (key1, cert1, [chain1], key2, ...,
 * over one or more files read as if concatenated), or the legacy
 * PREFIX_tls_cert_file (certificate then its chain) with
 * PREFIX_tls_key_file.
 */
#include "tls_ctx_private.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/store.h>
#include <openssl/x509.h>

#include "cfg_list.h"
#include "mem.h"

struct tls_chain_group {
	EVP_PKEY *key;
	X509 *leaf;
	STACK_OF(X509) * chain;
};

static void tls_chain_group_clear(struct tls_chain_group *g)
{
	EVP_PKEY_free(g->key);
	X509_free(g->leaf);
	sk_X509_pop_free(g->chain, X509_free);
	memset(g, 0, sizeof(*g));
}

/* tls_chain_group_use: install a finished group's key and chain. */
static int tls_chain_group_use(SSL_CTX *ctx, struct tls_chain_group *g, const char *param,
			       const char *file, char **error_r)
{
	if (g->leaf == NULL) {
		*error_r = xasprintf("%s: %s: a private key is not followed by its certificate",
				     param, file);
		return -1;
	}
	if (SSL_CTX_use_cert_and_key(ctx, g->leaf, g->key, g->chain, 1) != 1) {
		char *why = tls_ctx_error();
		*error_r = xasprintf("%s: %s: cannot use the key and certificate: %s", param, file,
				     why);
		free(why);
		return -1;
	}
	tls_chain_group_clear(g);
	return 1;
}

/* tls_chain_file: add one file's objects to the groups being built. */
static int tls_chain_file(SSL_CTX *ctx, struct tls_chain_group *g, int *keys, const char *param,
			  const char *file, char **error_r)
{
	char *uri = xasprintf("file:%s", file);
	OSSL_STORE_CTX *store = OSSL_STORE_open(uri, NULL, NULL, NULL, NULL);
	free(uri);
	if (store == NULL) {
		char *why = tls_ctx_error();
		*error_r = xasprintf("%s: %s: cannot open: %s", param, file, why);
		free(why);
		return -1;
	}
	int ret = 1, objects = 0;
	while (ret == 1 && !OSSL_STORE_eof(store)) {
		OSSL_STORE_INFO *info = OSSL_STORE_load(store);
		if (info == NULL)
			break;
		objects++;
		switch (OSSL_STORE_INFO_get_type(info)) {
		case OSSL_STORE_INFO_PKEY:
			if (g->key != NULL)
				ret = tls_chain_group_use(ctx, g, param, file, error_r);
			if (ret == 1) {
				g->key = OSSL_STORE_INFO_get1_PKEY(info);
				(*keys)++;
			}
			break;
		case OSSL_STORE_INFO_CERT:
			if (g->key == NULL) {
				*error_r = xasprintf("%s: %s: a certificate is not preceded by its "
						     "private key",
						     param, file);
				ret = -1;
			} else if (g->leaf == NULL) {
				g->leaf = OSSL_STORE_INFO_get1_CERT(info);
			} else {
				if (g->chain == NULL)
					g->chain = sk_X509_new_null();
				sk_X509_push(g->chain, OSSL_STORE_INFO_get1_CERT(info));
			}
			break;
		default:
			break;
		}
		OSSL_STORE_INFO_free(info);
	}
	OSSL_STORE_close(store);
	if (ret == 1 && objects == 0) {
		char *why = tls_ctx_error();
		*error_r = xasprintf("%s: %s: no key or certificate found%s%s", param, file,
				     *why ? ": " : "", why);
		free(why);
		ret = -1;
	}
	ERR_clear_error();
	return ret;
}

static int tls_chain_files(SSL_CTX *ctx, const char *param, const char *files, char **error_r)
{
	char **names;
	if (cfg_list_split(files, &names, NULL, error_r) < 0)
		return -1;
	struct tls_chain_group g = {0};
	int keys = 0, ret = 1;
	const char *last = files;
	for (size_t i = 0; names[i] != NULL && ret == 1; i++) {
		last = names[i];
		ret = tls_chain_file(ctx, &g, &keys, param, names[i], error_r);
	}
	if (ret == 1 && g.key != NULL)
		ret = tls_chain_group_use(ctx, &g, param, last, error_r);
	tls_chain_group_clear(&g);
	cfg_list_free(&names);
	return ret;
}

static int tls_cert_key_files(SSL_CTX *ctx, const char *prefix, const char *cert, const char *key,
			      char **error_r)
{
	const char *what = NULL, *file = NULL;
	char *param = NULL;
	if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1) {
		param = xasprintf("%s_tls_cert_file", prefix);
		what = "cannot load the certificate";
		file = cert;
	} else if (SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1) {
		param = xasprintf("%s_tls_key_file", prefix);
		what = ERR_GET_REASON(ERR_peek_last_error()) == X509_R_KEY_VALUES_MISMATCH
			       ? "the private key does not match the certificate"
			       : "cannot load the private key";
		file = key;
	} else if (SSL_CTX_check_private_key(ctx) != 1) {
		param = xasprintf("%s_tls_key_file", prefix);
		what = "the private key does not match the certificate";
		file = key;
	}
	if (what == NULL)
		return 1;
	char *why = tls_ctx_error();
	*error_r = xasprintf("%s: %s: %s%s%s", param, file, what, *why ? ": " : "", why);
	free(why);
	free(param);
	return -1;
}

int tls_ctx_load_certs(SSL_CTX *ctx, const struct cfg *view, const char *prefix, int *have_r,
		       char **error_r)
{
	char *chain = NULL, *cert = NULL, *key = NULL;
	int ret = 1;
	*have_r = 0;
	if (tls_ctx_param(view, prefix, "chain_files", &chain, error_r) < 0 ||
	    tls_ctx_param(view, prefix, "cert_file", &cert, error_r) < 0 ||
	    tls_ctx_param(view, prefix, "key_file", &key, error_r) < 0) {
		ret = -1;
	} else if (*chain != '\0') {
		char *param = xasprintf("%s_tls_chain_files", prefix);
		ret = tls_chain_files(ctx, param, chain, error_r);
		free(param);
		*have_r = ret == 1;
	} else if (*cert != '\0') {
		ret = tls_cert_key_files(ctx, prefix, cert, *key != '\0' ? key : cert, error_r);
		*have_r = ret == 1;
	}
	free(chain);
	free(cert);
	free(key);
	return ret;
}
