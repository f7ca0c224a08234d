/* dkim_test_util.c: helpers for the DKIM unit tests (see
 * dkim_test_util.h). */
#include "dkim_test_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "mem.h"

static void dt_fatal(const char *what)
{
	fprintf(stderr, "dkim test: %s\n", what);
	exit(1);
}

void dt_key(struct dkim_key *k, enum dkim_key_alg alg, int bits, const char *selector)
{
	EVP_PKEY_CTX *ctx =
		EVP_PKEY_CTX_new_id(alg == DKIM_KEY_RSA ? EVP_PKEY_RSA : EVP_PKEY_ED25519, NULL);
	memset(k, 0, sizeof(*k));
	if (ctx == NULL || EVP_PKEY_keygen_init(ctx) != 1 ||
	    (alg == DKIM_KEY_RSA && EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, bits) != 1) ||
	    EVP_PKEY_keygen(ctx, &k->pkey) != 1)
		dt_fatal("key generation failed");
	EVP_PKEY_CTX_free(ctx);
	k->alg = alg;
	k->bits = EVP_PKEY_get_bits(k->pkey);
	k->name = xstrdup(selector);
	k->domain = xstrdup("%");
	k->selector = xstrdup(selector);
}

void dt_key_free(struct dkim_key *k)
{
	EVP_PKEY_free(k->pkey);
	free(k->name);
	free(k->domain);
	free(k->selector);
	memset(k, 0, sizeof(*k));
}

char *dt_key_pem(const struct dkim_key *k)
{
	BIO *bio = BIO_new(BIO_s_mem());
	char *data;
	if (PEM_write_bio_PrivateKey(bio, k->pkey, NULL, NULL, 0, NULL, NULL) != 1)
		dt_fatal("PEM_write_bio_PrivateKey");
	long len = BIO_get_mem_data(bio, &data);
	char *pem = xstrndup(data, (size_t)len);
	BIO_free(bio);
	return pem;
}

void dt_publish(const char *path, const struct dkim_key *k, const char *domain)
{
	unsigned char raw[64], *der = NULL;
	size_t rlen = sizeof(raw);
	int n;
	if (k->alg == DKIM_KEY_ED25519) {
		EVP_PKEY_get_raw_public_key(k->pkey, raw, &rlen);
		der = raw;
		n = (int)rlen;
	} else {
		n = i2d_PUBKEY(k->pkey, &der);
	}
	char *b64 = xmalloc(4 * (((size_t)n + 2) / 3) + 1);
	EVP_EncodeBlock((unsigned char *)b64, der, n);
	if (der != raw)
		OPENSSL_free(der);
	FILE *f = fopen(path, "a");
	if (f == NULL)
		dt_fatal(path);
	fprintf(f, "%s._domainkey.%s v=DKIM1; k=%s; p=%s\n", k->selector, domain,
		k->alg == DKIM_KEY_ED25519 ? "ed25519" : "rsa", b64);
	fclose(f);
	free(b64);
}

void dt_msg_insert(struct dt_msg *m, size_t index, const char *name, const char *value)
{
	if (m->n == DT_MAX_HEADERS || index > m->n)
		dt_fatal("dt_msg_insert");
	memmove(&m->h[index + 1], &m->h[index], (m->n - index) * sizeof(m->h[0]));
	memmove(&m->owned[index + 1], &m->owned[index], (m->n - index) * sizeof(m->owned[0]));
	m->h[index].name = xstrdup(name);
	m->owned[index] = xstrdup(value);
	m->h[index].value = m->owned[index];
	m->n++;
}

void dt_msg_init(struct dt_msg *m, const char *body)
{
	memset(m, 0, sizeof(*m));
	m->body = xstrdup(body);
	dt_msg_insert(m, 0, "From", " Alice <alice@example.test>");
	dt_msg_insert(m, 1, "To", " bob@example.org");
	dt_msg_insert(m, 2, "Subject", " a test\r\n\tfolded");
	dt_msg_insert(m, 3, "Date", " Mon, 1 Jan 2024 10:00:00 +0000");
	dt_msg_insert(m, 4, "Message-ID", " <1@example.test>");
}

void dt_msg_deinit(struct dt_msg *m)
{
	for (size_t i = 0; i < m->n; i++) {
		free((char *)m->h[i].name);
		free(m->owned[i]);
	}
	free(m->body);
	memset(m, 0, sizeof(*m));
}

char *dt_sign(const struct dkim_key *k, const char *domain, const struct dkim_sign_opts *o,
	      const struct dt_msg *m)
{
	struct dkim_signer *s = dkim_signer_new(k, domain, NULL, o);
	char *value = NULL, *error = NULL;
	dkim_signer_body(s, m->body, strlen(m->body));
	if (dkim_signer_finish(s, m->h, m->n, &value, &error) < 0)
		dt_fatal(error);
	dkim_signer_free(&s);
	return value;
}

size_t dt_verify(struct dkim_verify_lib *lib, const struct dt_msg *m, const struct dkim_policy *p,
		 struct dkim_sig_result **r)
{
	char *error = NULL;
	unsigned from = 0;
	size_t n = 0;
	struct dkim_verifier *v = dkim_verifier_new(lib, "test", &error);
	if (v == NULL)
		dt_fatal(error);
	for (size_t i = 0; i < m->n; i++) {
		from += strcasecmp(m->h[i].name, "From") == 0;
		if (dkim_verifier_header(v, m->h[i].name, m->h[i].value, &error) < 0)
			dt_fatal(error);
	}
	if (dkim_verifier_eoh(v, &error) < 0 ||
	    dkim_verifier_body(v, m->body, strlen(m->body), &error) < 0 ||
	    dkim_verifier_finish(v, p, from, r, &n, &error) < 0)
		dt_fatal(error);
	dkim_verifier_free(&v);
	return n;
}

struct dkim_sign_opts dt_opts(void)
{
	static char *sign[] = {"from", "to", "subject", "date", "message-id", NULL};
	static char *over[] = {"from", NULL};
	struct dkim_sign_opts o = {
		.header_canon = DKIM_CANON_MODE_RELAXED,
		.body_canon = DKIM_CANON_MODE_SIMPLE,
		.sign_headers = sign,
		.oversign_headers = over,
	};
	return o;
}
