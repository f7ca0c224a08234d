/* dkim_genkey.c: make a DKIM key pair and the record that publishes it
 * (see dkim_genkey.h). */
#include "dkim_genkey.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "buf.h"
#include "mem.h"

/* A character-string in a TXT record holds at most 255 octets. */
#define GENKEY_STRING_MAX 255

static int genkey_usage(void)
{
	fprintf(stderr, "usage: postern-dkim genkey -d DOMAIN -s SELECTOR [-t rsa|ed25519] "
			"[-b BITS] [-D DIRECTORY]\n");
	return 2;
}

void dkim_genkey_record(FILE *out, const char *owner, const char *type, const char *p64)
{
	char *text = xasprintf("v=DKIM1; k=%s; p=%s", type, p64);
	size_t len = strlen(text);
	fprintf(out, "%s\tIN\tTXT\t(", owner);
	for (size_t off = 0; off < len; off += GENKEY_STRING_MAX) {
		size_t n = len - off < GENKEY_STRING_MAX ? len - off : GENKEY_STRING_MAX;
		fprintf(out, "%s\"%.*s\"", off == 0 ? " " : "\n\t\t\t  ", (int)n, text + off);
	}
	fprintf(out, " )\n");
	free(text);
}

static EVP_PKEY *genkey_make(int ed25519, int bits)
{
	EVP_PKEY *pkey = NULL;
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_id(ed25519 ? EVP_PKEY_ED25519 : EVP_PKEY_RSA, NULL);
	if (ctx != NULL && EVP_PKEY_keygen_init(ctx) == 1 &&
	    (ed25519 || EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, bits) == 1))
		EVP_PKEY_keygen(ctx, &pkey);
	EVP_PKEY_CTX_free(ctx);
	return pkey;
}

/* genkey_public: the p= value: SubjectPublicKeyInfo for RSA, the raw key
 * for Ed25519 (RFC 8463). Caller frees. */
static char *genkey_public(EVP_PKEY *pkey, int ed25519)
{
	unsigned char raw[64], *der = NULL;
	size_t len = sizeof(raw);
	int n;
	if (ed25519) {
		if (EVP_PKEY_get_raw_public_key(pkey, raw, &len) != 1)
			return NULL;
		der = raw;
		n = (int)len;
	} else if ((n = i2d_PUBKEY(pkey, &der)) <= 0) {
		return NULL;
	}
	char *b64 = xmalloc(4 * (((size_t)n + 2) / 3) + 1);
	EVP_EncodeBlock((unsigned char *)b64, der, n);
	if (der != raw)
		OPENSSL_free(der);
	return b64;
}

static int genkey_write(const char *path, EVP_PKEY *pkey)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (f == NULL) {
		fprintf(stderr, "postern-dkim genkey: %s: %s\n", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	int ok = PEM_write_PrivateKey(f, pkey, NULL, NULL, 0, NULL, NULL) == 1;
	ok = fclose(f) == 0 && ok;
	if (!ok) {
		fprintf(stderr, "postern-dkim genkey: %s: write failed\n", path);
		unlink(path);
		return -1;
	}
	return 1;
}

int dkim_genkey_main(int argc, char **argv)
{
	const char *domain = NULL, *selector = NULL, *type = "rsa", *dir = ".";
	long bits = 2048;
	int c;

	optind = 1;
	while ((c = getopt(argc, argv, "d:s:t:b:D:")) != -1) {
		switch (c) {
		case 'd':
			domain = optarg;
			break;
		case 's':
			selector = optarg;
			break;
		case 't':
			type = optarg;
			break;
		case 'b':
			bits = strtol(optarg, NULL, 10);
			break;
		case 'D':
			dir = optarg;
			break;
		default:
			return genkey_usage();
		}
	}
	int ed25519 = strcmp(type, "ed25519") == 0;
	if (optind != argc || domain == NULL || selector == NULL ||
	    (!ed25519 && strcmp(type, "rsa") != 0))
		return genkey_usage();
	if (!ed25519 && (bits < 1024 || bits > 16384)) {
		fprintf(stderr, "postern-dkim genkey: -b %ld: RSA keys have 1024 to 16384 bits\n",
			bits);
		return 2;
	}
	EVP_PKEY *pkey = genkey_make(ed25519, (int)bits);
	char *p64 = pkey != NULL ? genkey_public(pkey, ed25519) : NULL;
	char *path = xasprintf("%s/%s.private", dir, selector);
	int rc = 1;
	if (p64 == NULL)
		fprintf(stderr, "postern-dkim genkey: OpenSSL could not make the key\n");
	else if (genkey_write(path, pkey) > 0) {
		char *owner = xasprintf("%s._domainkey.%s.", selector, domain);
		dkim_genkey_record(stdout, owner, ed25519 ? "ed25519" : "rsa", p64);
		fprintf(stderr, "postern-dkim genkey: private key in %s\n", path);
		free(owner);
		rc = 0;
	}
	free(path);
	free(p64);
	EVP_PKEY_free(pkey);
	return rc;
}
