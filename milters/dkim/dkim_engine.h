/* dkim_engine.h: DKIM verification with libopendkim, and the decision on
 * top of it that keeps weak or partial signatures from passing.
 *
 * libopendkim checks the cryptography and fetches keys from DNS. What it
 * calls a good signature is then judged by dkim_engine_decide(), a pure
 * function (unit-tested on its own) that refuses a pass, with result
 * "policy" (RFC 8601), to:
 *   - rsa-sha1 signatures (RFC 8301);
 *   - RSA keys shorter than minimum_key_bits (RFC 8301: at least 1024);
 *   - a body length tag l= that leaves body content unsigned (content may
 *     have been appended), unless allowed;
 *   - fewer From fields signed than the message has (RFC 6376 section
 *     8.15: an unsigned From prepended to a signed message).
 * No libmilter here: the callbacks (dkim_cb.c) feed the header fields and
 * the body. A verifier belongs to one message and one thread; the library
 * handle is shared.
 */
#ifndef POSTERN_DKIM_ENGINE_H
#define POSTERN_DKIM_ENGINE_H

#include <stddef.h>

/* RFC 8601 dkim results. */
enum dkim_result {
	DKIM_RESULT_NONE,
	DKIM_RESULT_PASS,
	DKIM_RESULT_FAIL,
	DKIM_RESULT_POLICY,
	DKIM_RESULT_NEUTRAL,
	DKIM_RESULT_TEMPERROR,
	DKIM_RESULT_PERMERROR,
};

/* dkim_result_name: "pass", "fail", ... */
const char *dkim_result_name(enum dkim_result r);

/* Why libopendkim did not verify a signature. */
enum dkim_sig_failure {
	DKIM_FAILURE_NONE,
	DKIM_FAILURE_BADSIG,   /* the header hash does not verify */
	DKIM_FAILURE_BODYHASH, /* the body hash does not match */
	DKIM_FAILURE_NOKEY,    /* no key record: NXDOMAIN or no TXT */
	DKIM_FAILURE_DNS,      /* the key lookup failed (try again later) */
	DKIM_FAILURE_KEY,      /* the key record is unusable or revoked */
	DKIM_FAILURE_EXPIRED,  /* x= in the past, t= in the future */
	DKIM_FAILURE_SYNTAX,   /* the signature field is malformed */
	DKIM_FAILURE_OTHER,    /* anything else libopendkim refused */
};

enum dkim_sig_alg {
	DKIM_ALG_UNKNOWN,
	DKIM_ALG_RSA_SHA1,
	DKIM_ALG_RSA_SHA256,
	DKIM_ALG_ED25519_SHA256,
};

/* What is known about one signature once libopendkim is done. */
struct dkim_sig_facts {
	int lib_pass; /* libopendkim: signature and body hash verified */
	enum dkim_sig_failure failure;
	enum dkim_sig_alg alg;
	unsigned key_bits;
	long long length_tag;  /* l=, or -1 */
	long long body_length; /* the canonical body's length */
	unsigned from_fields;  /* From fields in the message */
	unsigned from_signed;  /* how often h= names From */
};

struct dkim_policy {
	unsigned min_key_bits;	 /* RSA keys below fail the policy */
	int allow_unsigned_body; /* an l= short of the body may pass */
};

/* dkim_engine_decide: the result for one signature, and in *reason_r a
 * static explanation for the Authentication-Results comment (NULL when
 * none is needed). */
enum dkim_result dkim_engine_decide(const struct dkim_sig_facts *f, const struct dkim_policy *p,
				    const char **reason_r);

/* One verified signature, for Authentication-Results and the log. */
struct dkim_sig_result {
	enum dkim_result result;
	const char *reason; /* static, or NULL */
	char *domain;	    /* d= */
	char *selector;	    /* s= */
	char *identity;	    /* i=, or NULL */
	char *b_prefix;	    /* the first 8 characters of b= (RFC 6008) */
	const char *alg;    /* "rsa-sha256", ... (static) */
	unsigned key_bits;
};

void dkim_sig_results_free(struct dkim_sig_result **rp, size_t n);

struct dkim_verify_opts {
	long long dns_timeout; /* seconds */
	const char *key_file;  /* keys from this file instead of DNS (tests):
				* "s._domainkey.d TXT-record" lines */
};

struct dkim_verify_lib;

/* dkim_verify_lib_new: a libopendkim handle for all verifications of one
 * configuration. 1 with *lib_r, -1 with *error_r. */
int dkim_verify_lib_new(const struct dkim_verify_opts *o, struct dkim_verify_lib **lib_r,
			char **error_r);
void dkim_verify_lib_free(struct dkim_verify_lib **lp);

struct dkim_verifier;

/* dkim_verifier_new: verify one message; id names it in libopendkim. */
struct dkim_verifier *dkim_verifier_new(struct dkim_verify_lib *lib, const char *id,
					char **error_r);
/* dkim_verifier_header: one header field (value as dkim_canon.h says). 1,
 * or -1 with *error_r. */
int dkim_verifier_header(struct dkim_verifier *v, const char *name, const char *value,
			 char **error_r);
/* dkim_verifier_eoh: end of the header. 1: go on with the body; 0: the
 * message has no signature to verify; -1 with *error_r. */
int dkim_verifier_eoh(struct dkim_verifier *v, char **error_r);
/* dkim_verifier_body: the next piece of the body. 1, or -1 with *error_r. */
int dkim_verifier_body(struct dkim_verifier *v, const void *data, size_t len, char **error_r);
/* dkim_verifier_finish: verify every signature and judge it. 1 with *r_r
 * (dkim_sig_results_free) holding *n_r results (0: no signature); -1 with
 * *error_r for an internal failure. */
int dkim_verifier_finish(struct dkim_verifier *v, const struct dkim_policy *p, unsigned from_fields,
			 struct dkim_sig_result **r_r, size_t *n_r, char **error_r);
void dkim_verifier_free(struct dkim_verifier **vp);

/* dkim_address_parse: the address of a From field's value ("Name
 * <user@example.com>"): 1 with *user_r and *domain_r (malloc'd), 0 when
 * there is none. */
int dkim_address_parse(const char *value, char **user_r, char **domain_r);

/* dkim_engine_version: libopendkim's version ("2.11.0") into buf. */
void dkim_engine_version(char *buf, size_t size);

#endif
