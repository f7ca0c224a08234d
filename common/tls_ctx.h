/* tls_ctx.h: OpenSSL contexts built from Postfix TLS parameters.
 *
 * One function turns the parameters a Postfix daemon reads into a ready
 * SSL_CTX, for the SMTP server (prefix "smtpd") and the SMTP/LMTP clients
 * (prefix "smtp" or "lmtp"). Parameter names are PREFIX_tls_NAME unless
 * noted; every value is read through $name expansion from the cfg view
 * given (a listener's layer with its master.cf -o overrides):
 *
 *   cert_file, key_file   the RSA/ECDSA certificate (with its chain after
 *                         it) and its key; key_file defaults to cert_file
 *   chain_files           Postfix 3.4+: files each holding a key and its
 *                         certificate chain; used instead of cert_file
 *   CAfile, CApath        trusted CAs (client certificates, peer checks)
 *   protocols             protocols for opportunistic TLS ("may")
 *   mandatory_protocols   protocols when TLS is mandatory ("encrypt")
 *                         Both syntaxes of Postfix: "!SSLv2, !SSLv3" (an
 *                         exclusion list, or an inclusion list "TLSv1.2
 *                         TLSv1.3") and ">=TLSv1.2" / "<=TLSv1.3" bounds,
 *                         separated by commas, colons or white space
 *   ciphers               grade for opportunistic TLS: export low medium
 *                         high null (tls_NAME_cipherlist gives the list)
 *   mandatory_ciphers     grade when TLS is mandatory
 *   exclude_ciphers       ciphers removed in every case
 *   mandatory_exclude_ciphers  also removed when TLS is mandatory
 *   tls_preempt_cipherlist (no prefix) server cipher preference
 *   tls_ssl_options       (no prefix) OpenSSL option names or a 0x mask
 *   loglevel              0..4, kept in the context for the caller
 *   session_cache_timeout server: lifetime of cached sessions and tickets
 *                         (0 disables resumption); the cache is OpenSSL's
 *                         in-process cache, shared by every worker thread
 *                         (session_cache_database is accepted, not used)
 *   ask_ccert, ccert_verifydepth  server: ask for a client certificate
 *   fingerprint_digest    digest of peer certificate fingerprints
 *
 * Errors name the parameter and quote its value. A context is read-only
 * after tls_ctx_new() and may be shared by threads (OpenSSL contexts are
 * thread-safe for SSL_new).
 */
#ifndef POSTERN_TLS_CTX_H
#define POSTERN_TLS_CTX_H

#include <stdint.h>

#include <openssl/ssl.h>

#include "buf.h"
#include "cfg.h"

enum tls_ctx_role {
	TLS_CTX_SERVER,
	TLS_CTX_CLIENT,
};

/* The protocol bounds and exclusions a protocol list stands for: apply
 * min/max with SSL_CTX_set_min/max_proto_version (0: no bound) and the
 * excluded protocols with SSL_CTX_set_options(ssl_op). */
struct tls_protocols {
	int min_version; /* TLS1_VERSION etc., 0 for none */
	int max_version; /* 0 for none */
	uint64_t ssl_op; /* SSL_OP_NO_TLSv1 etc. */
};

struct tls_ctx {
	SSL_CTX *ssl_ctx; /* owned */
	enum tls_ctx_role role;
	int loglevel;	      /* PREFIX_tls_loglevel */
	int ask_ccert;	      /* server: a client certificate is asked for */
	const EVP_MD *digest; /* PREFIX_tls_fingerprint_digest */
	char *protocols;      /* the protocol list in force, for logs */
	char *cipherlist;     /* the OpenSSL cipher list in force, for logs */
};

/* tls_ctx_new: build a context for role from the parameters with prefix
 * ("smtpd", "smtp", "lmtp") visible from view. mandatory selects the
 * mandatory_protocols/mandatory_ciphers (+ mandatory_exclude_ciphers), as
 * Postfix does at security level "encrypt"; otherwise protocols/ciphers.
 * A server needs a certificate and key (cert_file or chain_files); a
 * client may have none. 1 with *ctx_r (caller frees with tls_ctx_free), or
 * -1 with *error_r naming the parameter ("smtpd_tls_protocols: invalid
 * protocol \"TLSv9\"", "smtpd_tls_cert_file: /x: cannot load ...").
 * Initialises OpenSSL on first use. */
int tls_ctx_new(const struct cfg *view, enum tls_ctx_role role, const char *prefix, int mandatory,
		struct tls_ctx **ctx_r, char **error_r);
/* tls_ctx_free: release *ctxp (the SSL_CTX lives on while SSL objects made
 * from it remain) and set it to NULL; accepts NULL. */
void tls_ctx_free(struct tls_ctx **ctxp);

/* tls_protocols_parse: a Postfix protocol list into *r. 1 ok; -1 with
 * *error_r quoting the bad item (the caller adds the parameter name). An
 * empty list means every protocol OpenSSL supports. */
int tls_protocols_parse(const char *value, struct tls_protocols *r, char **error_r);

/* tls_cipherlist: the OpenSSL cipher list for grade ("export", "low",
 * "medium", "high", "null") from the tls_GRADE_cipherlist parameter seen
 * from view, with ":!NAME" appended for each name of exclusions (commas,
 * colons or white space between names; may be NULL). 1 with a malloc'd
 * *list_r, -1 with *error_r (an unknown grade, a name starting with one of
 * "!+-@" as Postfix refuses). The list is not checked against OpenSSL. */
int tls_cipherlist(const struct cfg *view, const char *grade, const char *exclusions, char **list_r,
		   char **error_r);

/* tls_ssl_options_parse: the value of tls_ssl_options (names such as
 * NO_TICKET, NO_COMPRESSION, ENABLE_MIDDLEBOX_COMPAT, LEGACY_SERVER_CONNECT,
 * NO_RENEGOTIATION, PRIORITIZE_CHACHA, case-insensitive, or a hexadecimal
 * mask 0x...) into SSL_OP_* bits. Protocol bits in a numeric mask are
 * ignored, as Postfix does (the protocol parameters decide those). 1 ok;
 * -1 with *error_r quoting the bad name. */
int tls_ssl_options_parse(const char *value, uint64_t *ops_r, char **error_r);

/* What is known about an established TLS connection, as Postfix reports
 * it in logs and Received headers. Every string is owned (malloc'd) and
 * released by tls_info_clear; an unknown one is NULL. */
struct tls_info {
	char *protocol;	      /* "TLSv1.3" */
	char *cipher;	      /* "TLS_AES_256_GCM_SHA384" */
	int cipher_usebits;   /* 256 */
	int cipher_algbits;   /* 256 */
	char *kex_name;	      /* "X25519", "ECDHE", "DHE" */
	char *kex_curve;      /* "P-256" (ECDHE) */
	int kex_bits;	      /* DHE group size */
	char *srv_sig;	      /* server signature "RSA-PSS", "ECDSA", "ED25519" */
	char *srv_sig_curve;  /* "P-256" (ECDSA) */
	int srv_sig_bits;     /* RSA key size */
	char *srv_sig_digest; /* "SHA256" */
	char *clnt_sig;	      /* the same for a client certificate */
	char *clnt_sig_curve;
	int clnt_sig_bits;
	char *clnt_sig_digest;
	int peer_cert;		     /* the peer presented a certificate */
	int peer_verified;	     /* ... which verified against the trusted CAs */
	char *peer_cn;		     /* its subject CN, "" when none */
	char *issuer_cn;	     /* its issuer's CN (or O), "" when none */
	char *peer_fingerprint;	     /* "AB:CD:..." with the context's digest */
	char *peer_pkey_fingerprint; /* of its public key, same digest */
};

/* tls_info_get: read an established connection's facts from ssl into
 * *info (which the caller has zeroed or cleared); digest hashes the peer
 * certificate fingerprints. Key exchange and signatures are read for
 * TLSv1.3 only (before it the cipher name says them), as Postfix does. */
void tls_info_get(SSL *ssl, const EVP_MD *digest, struct tls_info *info);
/* tls_info_clear: release the strings of *info and zero it. */
void tls_info_clear(struct tls_info *info);
/* tls_info_summary: append Postfix's description of the connection,
 * "TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)", then sep
 * and "key-exchange X25519 server-signature RSA-PSS (2048 bits)
 * server-digest SHA256", then sep and "client-signature ... client-digest
 * ..." (each part only when known: for TLSv1.3, as Postfix). Log lines use
 * sep " ", Received headers "\n\t ". */
void tls_info_summary(const struct tls_info *info, const char *sep, struct buf *out);

/* tls_ctx_error: the OpenSSL error queue as one line, emptied; for error
 * messages. Caller frees; "" when the queue was empty. */
char *tls_ctx_error(void);

#endif
