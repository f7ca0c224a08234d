/* dkim_keys.h: which keys sign a message: OpenDKIM's KeyTable and
 * SigningTable files read as they are, or one domain/selector/key.
 *
 * KeyTable: "NAME DOMAIN:SELECTOR:KEY" per line, "#" comments; KEY is a
 * path (starting with "/" or ".") to a private key (PEM, any type OpenSSL
 * reads; or base64 DER; or base64 of a raw 32-byte Ed25519 seed as
 * dkimpy writes it), or that base64 text itself; DOMAIN "%" means the
 * domain of the From address. Keys are loaded when the table is, so a bad
 * key stops the configuration, not a message.
 * SigningTable: "PATTERN NAME [SIGNER]" per line. As a plain path or
 * "file:PATH", PATTERN is looked up in OpenDKIM's order: user@domain,
 * domain, user@.parent for each parent domain, .parent for each, user@*,
 * *. As "refile:PATH", PATTERN is a wildcard ("*" matches any text) tried
 * against user@domain in file order. NAME "%" is the From domain; "%" in
 * SIGNER too. Only the first match signs, unless multiple signatures are
 * on: then every match does, each key once.
 * Without tables: domain (a list), selector and key_file sign mail whose
 * From domain is in the list.
 * Lookups compare without regard to case. Read-only after loading;
 * thread-safe.
 */
#ifndef POSTERN_DKIM_KEYS_H
#define POSTERN_DKIM_KEYS_H

#include <stddef.h>

#include <openssl/evp.h>

enum dkim_key_alg {
	DKIM_KEY_RSA,	  /* rsa-sha256 */
	DKIM_KEY_ED25519, /* ed25519-sha256 (RFC 8463) */
};

struct dkim_key {
	char *name;	/* KeyTable name ("default" without a table) */
	char *domain;	/* d=, or "%" */
	char *selector; /* s= */
	EVP_PKEY *pkey;
	enum dkim_key_alg alg;
	int bits;
};

struct dkim_keys_opts {
	const char *key_table;	   /* path, or "file:PATH"; NULL or "" for none */
	const char *signing_table; /* path, "file:PATH" or "refile:PATH" */
	char *const *domains;	   /* without tables: the signing domains */
	const char *selector;	   /* without tables */
	const char *key_file;	   /* without tables */
	int multiple;		   /* every match signs */
	int min_bits;		   /* RSA keys below this are refused */
	int require_safe;	   /* refuse key files others can read or write */
};

struct dkim_keys;

/* dkim_keys_load: read the tables or the single key. 1 with *keys_r
 * (dkim_keys_free), 0 when nothing is configured for signing (*keys_r
 * NULL), -1 with *error_r: "FILE:LINE: message" for table lines, naming
 * the key for a key that cannot be used. */
int dkim_keys_load(const struct dkim_keys_opts *o, struct dkim_keys **keys_r, char **error_r);
void dkim_keys_free(struct dkim_keys **kp);

/* One key chosen for a message. */
struct dkim_key_match {
	const struct dkim_key *key; /* owned by the keys */
	char *domain;		    /* d= with "%" replaced */
	char *identity;		    /* i=, or NULL */
};

/* dkim_keys_find: the keys that sign mail From user@domain. Returns the
 * number of matches (0: none) with *m_r an array the caller releases with
 * dkim_key_matches_free(). */
size_t dkim_keys_find(const struct dkim_keys *k, const char *user, const char *domain,
		      struct dkim_key_match **m_r);
void dkim_key_matches_free(struct dkim_key_match **mp, size_t n);

/* dkim_key_load: one key from a file path (spec starts with "/" or ".",
 * as in OpenDKIM's KeyTable) or base64 text. 1 with *key_r filled (pkey,
 * alg, bits), -1 with *error_r and key_r->pkey NULL. */
int dkim_key_load(const char *spec, int require_safe, struct dkim_key *key_r, char **error_r);

#endif
