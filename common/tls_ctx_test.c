/* tls_ctx_test.c: protocol lists, cipher lists, OpenSSL options, and
 * contexts made from them, checked by handshakes in memory. Parameter
 * defaults are those "postconf -d" of the installed Postfix prints. */
#include "tls_ctx.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>

#include "buf.h"
#include "cfg_diag.h"
#include "cfg_parse.h"
#include "log.h"
#include "mem.h"
#include "tap.h"
#include "tls_ctx_testcert.h"

static struct cfg *postfix_defaults(void)
{
	FILE *p = popen("postconf -d 2>/dev/null", "r");
	if (p == NULL)
		log_fatal("cannot run postconf -d");
	struct buf out;
	buf_init(&out, 0);
	char chunk[65536];
	size_t n;
	while ((n = fread(chunk, 1, sizeof(chunk), p)) > 0)
		buf_append(&out, chunk, n);
	if (pclose(p) != 0 || out.len == 0)
		log_fatal("postconf -d failed");
	struct cfg *c = cfg_new(NULL);
	struct cfg_diags diags;
	cfg_diags_init(&diags);
	char *error = NULL;
	cfg_parse_buf(c, "postconf-d", out.data, out.len, &diags, &error);
	free(error);
	cfg_diags_deinit(&diags);
	buf_deinit(&out);
	return c;
}

static void test_protocols(void)
{
	static const struct {
		const char *value;
		int ok, min, max;
		uint64_t op;
	} cases[] = {
		{"", 1, 0, 0, 0},
		{">=TLSv1", 1, TLS1_VERSION, 0, 0},
		{">=TLSv1.2", 1, TLS1_2_VERSION, 0, 0},
		{">=tlsv1.2, <=TLSv1.2", 1, TLS1_2_VERSION, TLS1_2_VERSION, 0},
		{">=0x0303 <=304", 1, TLS1_2_VERSION, TLS1_3_VERSION, 0},
		{"!SSLv2, !SSLv3", 1, 0, 0, SSL_OP_NO_SSLv3},
		{"!SSLv2:!SSLv3:!TLSv1:!TLSv1.1", 1, 0, 0,
		 SSL_OP_NO_SSLv3 | SSL_OP_NO_TLSv1 | SSL_OP_NO_TLSv1_1},
		/* an inclusion list excludes every other known protocol */
		{"TLSv1.2 TLSv1.3", 1, 0, 0, SSL_OP_NO_SSLv3 | SSL_OP_NO_TLSv1 | SSL_OP_NO_TLSv1_1},
		{"TLSv1.3", 1, 0, 0,
		 SSL_OP_NO_SSLv3 | SSL_OP_NO_TLSv1 | SSL_OP_NO_TLSv1_1 | SSL_OP_NO_TLSv1_2},
		{">=TLSv1.1 !TLSv1.2", 1, TLS1_1_VERSION, 0, SSL_OP_NO_TLSv1_2},
		{"TLSv9", -1, 0, 0, 0},
		{"!TLSv1.4", -1, 0, 0, 0},
		{">=", -1, 0, 0, 0},
		{">=TLS", -1, 0, 0, 0},
		{"=>TLSv1.2", -1, 0, 0, 0},
		{">=0x12345", -1, 0, 0, 0},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct tls_protocols p = {-1, -1, 1};
		char *error = NULL;
		int ret = tls_protocols_parse(cases[i].value, &p, &error);
		tap_is_int(ret, cases[i].ok, "protocols \"%s\": %s", cases[i].value,
			   cases[i].ok == 1 ? "accepted" : "refused");
		if (ret == 1 && cases[i].ok == 1) {
			tap_ok(p.min_version == cases[i].min && p.max_version == cases[i].max &&
				       p.ssl_op == cases[i].op,
			       "protocols \"%s\": bounds %#x..%#x, exclusions %#llx",
			       cases[i].value, p.min_version, p.max_version,
			       (unsigned long long)p.ssl_op);
		} else if (ret < 0) {
			tap_ok(error != NULL && strstr(error, "\"") != NULL,
			       "protocols \"%s\": the error quotes the value: %s", cases[i].value,
			       error ? error : "(none)");
		}
		free(error);
	}
}

static void test_cipherlist(const struct cfg *defaults)
{
	struct cfg *c = cfg_new(defaults);
	cfg_set(c, "tls_high_cipherlist", "HIGH:@STRENGTH", NULL, 0);
	char *list = NULL, *error = NULL;
	tap_is_int(tls_cipherlist(c, "high", "aNULL, RC4 : MD5", &list, &error), 1,
		   "cipher grade high with exclusions");
	tap_is_str(list, "HIGH:@STRENGTH:!aNULL:!RC4:!MD5",
		   "each exclusion is appended as :!NAME to tls_high_cipherlist");
	FREE_AND_NULL(list);
	tap_is_int(tls_cipherlist(c, "medium", NULL, &list, &error), 1, "grade medium");
	tap_is_str(list, cfg_get(defaults, "tls_medium_cipherlist"),
		   "grade medium is tls_medium_cipherlist as postconf -d prints it");
	FREE_AND_NULL(list);
	tap_is_int(tls_cipherlist(c, "strong", NULL, &list, &error), -1, "grade strong refused");
	tap_ok(error && strstr(error, "\"strong\""), "the error quotes the grade: %s", error);
	FREE_AND_NULL(error);
	tap_is_int(tls_cipherlist(c, "high", "!RC4", &list, &error), -1,
		   "an exclusion with a unary operator is refused, as Postfix does");
	FREE_AND_NULL(error);
	cfg_set(c, "tls_null_cipherlist", "", NULL, 0);
	tap_is_int(tls_cipherlist(c, "null", NULL, &list, &error), -1,
		   "an empty base list is refused");
	tap_ok(error && strstr(error, "tls_null_cipherlist"), "the error names it: %s", error);
	FREE_AND_NULL(error);
	cfg_free(&c);
}

static void test_ssl_options(void)
{
	uint64_t ops = 0;
	char *error = NULL;
	tap_is_int(tls_ssl_options_parse("", &ops, &error), 1, "empty tls_ssl_options");
	tap_is_int((long long)ops, 0, "no options");
	tap_is_int(
		tls_ssl_options_parse("no_ticket, NO_COMPRESSION PRIORITIZE_CHACHA", &ops, &error),
		1, "option names in any case");
	tap_ok(ops == (SSL_OP_NO_TICKET | SSL_OP_NO_COMPRESSION | SSL_OP_PRIORITIZE_CHACHA),
	       "the named bits are set");
	tap_is_int(tls_ssl_options_parse("0x4000", &ops, &error), 1, "a hexadecimal mask");
	tap_ok(ops == SSL_OP_NO_TICKET, "0x4000 is NO_TICKET");
	char mask[64];
	snprintf(mask, sizeof(mask), "0x%llx",
		 (unsigned long long)(SSL_OP_NO_TLSv1 | SSL_OP_CIPHER_SERVER_PREFERENCE |
				      SSL_OP_NO_COMPRESSION));
	tap_is_int(tls_ssl_options_parse(mask, &ops, &error), 1, "a mask with reserved bits");
	tap_ok(ops == SSL_OP_NO_COMPRESSION,
	       "protocol and server-preference bits of a mask are ignored");
	tap_is_int(tls_ssl_options_parse("NO_TICKET, NO_SUCH_THING", &ops, &error), -1,
		   "an unknown name is refused");
	tap_ok(error && strstr(error, "\"NO_SUCH_THING\""), "the error quotes it: %s", error);
	FREE_AND_NULL(error);
	tap_is_int(tls_ssl_options_parse("0xZZ", &ops, &error), -1, "a bad mask is refused");
	FREE_AND_NULL(error);
}

/* handshake: connect a client SSL to a server SSL through a BIO pair.
 * 1 when both sides finished; the SSLs are returned for inspection. */
static int handshake(SSL_CTX *server_ctx, SSL_CTX *client_ctx, SSL **server_r, SSL **client_r)
{
	SSL *s = SSL_new(server_ctx), *c = SSL_new(client_ctx);
	BIO *sb, *cb;
	BIO_new_bio_pair(&sb, 0, &cb, 0);
	SSL_set_bio(s, sb, sb);
	SSL_set_bio(c, cb, cb);
	SSL_set_accept_state(s);
	SSL_set_connect_state(c);
	int sdone = 0, cdone = 0, failed = 0;
	for (int i = 0; i < 100 && !(sdone && cdone) && !failed; i++) {
		if (!cdone) {
			int r = SSL_do_handshake(c);
			cdone = r == 1;
			failed |= r <= 0 && SSL_get_error(c, r) != SSL_ERROR_WANT_READ;
		}
		if (!sdone) {
			int r = SSL_do_handshake(s);
			sdone = r == 1;
			failed |= r <= 0 && SSL_get_error(s, r) != SSL_ERROR_WANT_READ;
		}
	}
	ERR_clear_error();
	*server_r = s;
	*client_r = c;
	return sdone && cdone && !failed;
}

struct fixture {
	struct cfg *defaults;
	char *dir;
	struct tls_testcert ca, server, client;
};

static char *path(const struct fixture *f, const char *name)
{
	return xasprintf("%s/%s", f->dir, name);
}

/* server_view: a layer with the test certificate and the given settings. */
static struct cfg *server_view(const struct fixture *f, const char *const *settings)
{
	struct cfg *c = cfg_new(f->defaults);
	char *cert = path(f, "server.pem");
	cfg_set(c, "smtpd_tls_chain_files", cert, NULL, 0);
	free(cert);
	for (size_t i = 0; settings[i] != NULL; i += 2)
		cfg_set(c, settings[i], settings[i + 1], NULL, 0);
	return c;
}

static void test_ctx_errors(const struct fixture *f)
{
	static const struct {
		const char *settings[5]; /* name, value, [name, value], NULL */
		const char *param, *what;
	} cases[] = {
		{{"smtpd_tls_protocols", ">=TLSv9"}, "smtpd_tls_protocols:", "bad protocol"},
		{{"smtpd_tls_ciphers", "strong"}, "smtpd_tls_ciphers:", "bad cipher grade"},
		{{"smtpd_tls_exclude_ciphers", "+RC4"}, "smtpd_tls_ciphers:", "bad exclusion"},
		{{"smtpd_tls_ciphers", "high", "tls_high_cipherlist", "NOSUCHCIPHER"},
		 "smtpd_tls_ciphers:",
		 "a cipher list OpenSSL cannot use"},
		{{"tls_ssl_options", "NO_SUCH"}, "tls_ssl_options:", "bad OpenSSL option"},
		{{"smtpd_tls_loglevel", "7"}, "smtpd_tls_loglevel:", "log level out of range"},
		{{"smtpd_tls_fingerprint_digest", "sha999"},
		 "smtpd_tls_fingerprint_digest:",
		 "unknown digest"},
		{{"smtpd_tls_session_cache_timeout", "1x"},
		 "smtpd_tls_session_cache_timeout:",
		 "bad time"},
		{{"smtpd_tls_chain_files", "/nonexistent.pem"},
		 "smtpd_tls_chain_files:",
		 "missing chain file"},
		{{"smtpd_tls_CAfile", "/nonexistent.pem"}, "smtpd_tls_CAfile:", "missing CA file"},
		{{"tls_preempt_cipherlist", "maybe"}, "tls_preempt_cipherlist:", "bad boolean"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cfg *c = server_view(f, cases[i].settings);
		struct tls_ctx *tc = NULL;
		char *error = NULL;
		tap_is_int(tls_ctx_new(c, TLS_CTX_SERVER, "smtpd", 0, &tc, &error), -1,
			   "%s = %s: refused (%s)", cases[i].settings[0], cases[i].settings[1],
			   cases[i].what);
		tap_ok(error && strncmp(error, cases[i].param, strlen(cases[i].param)) == 0,
		       "the error names %s: %s", cases[i].param, error ? error : "(none)");
		free(error);
		tls_ctx_free(&tc);
		cfg_free(&c);
	}
}

/* cert_case: a chain or cert file laid out as given; expect ok or not. */
static void cert_case(const struct fixture *f, const char *what, const char *layout,
		      const char *param, int want)
{
	char *file = path(f, "layout.pem");
	tls_testcert_write(file, layout, &f->server, &f->ca);
	struct cfg *c = cfg_new(f->defaults);
	cfg_set(c, param, file, NULL, 0);
	struct tls_ctx *tc = NULL;
	char *error = NULL;
	int ret = tls_ctx_new(c, TLS_CTX_SERVER, "smtpd", 0, &tc, &error);
	tap_is_int(ret, want, "%s = %s: %s", param, what, error ? error : "loaded");
	if (ret < 0)
		tap_ok(error && strncmp(error, param, strlen(param)) == 0, "the error names %s",
		       param);
	free(error);
	tls_ctx_free(&tc);
	cfg_free(&c);
	free(file);
}

static void test_certs(const struct fixture *f)
{
	cert_case(f, "key, certificate, issuer", "kci", "smtpd_tls_chain_files", 1);
	cert_case(f, "certificate before key", "cki", "smtpd_tls_chain_files", -1);
	cert_case(f, "key only", "k", "smtpd_tls_chain_files", -1);
	cert_case(f, "certificate, issuer, key (cert_file)", "cik", "smtpd_tls_cert_file", 1);

	/* A key that belongs to another certificate. */
	char *cert = path(f, "cert-only.pem"), *key = path(f, "other-key.pem");
	tls_testcert_write(cert, "c", &f->server, NULL);
	tls_testcert_write(key, "k", &f->client, NULL);
	struct cfg *c = cfg_new(f->defaults);
	cfg_set(c, "smtpd_tls_cert_file", cert, NULL, 0);
	cfg_set(c, "smtpd_tls_key_file", key, NULL, 0);
	struct tls_ctx *tc = NULL;
	char *error = NULL;
	tap_is_int(tls_ctx_new(c, TLS_CTX_SERVER, "smtpd", 0, &tc, &error), -1,
		   "a key that does not match the certificate is refused");
	tap_ok(error && strncmp(error, "smtpd_tls_key_file:", 19) == 0 &&
		       strstr(error, "does not match"),
	       "the error says so: %s", error ? error : "(none)");
	FREE_AND_NULL(error);
	cfg_free(&c);

	c = cfg_new(f->defaults);
	tap_is_int(tls_ctx_new(c, TLS_CTX_SERVER, "smtpd", 0, &tc, &error), -1,
		   "a server without a certificate is refused");
	tap_ok(error && strncmp(error, "smtpd_tls_cert_file:", 20) == 0, "named: %s",
	       error ? error : "(none)");
	FREE_AND_NULL(error);
	tap_is_int(tls_ctx_new(c, TLS_CTX_CLIENT, "smtp", 0, &tc, &error), 1,
		   "a client without a certificate is fine");
	tls_ctx_free(&tc);
	cfg_free(&c);
	free(cert);
	free(key);
}

/* connect_with: a handshake between a server made from settings and a
 * client limited by client_max (0: none) and client_ciphers (NULL: the
 * default); returns 1 on success with the protocol and cipher. */
static int connect_with(const struct fixture *f, const char *const *settings, int mandatory,
			int client_max, const char *client_ciphers, char **proto_r, char **cipher_r)
{
	struct cfg *c = server_view(f, settings);
	struct tls_ctx *tc = NULL;
	char *error = NULL;
	int ok = 0;
	*proto_r = *cipher_r = NULL;
	if (tls_ctx_new(c, TLS_CTX_SERVER, "smtpd", mandatory, &tc, &error) < 0) {
		tap_diag("server context: %s", error);
		free(error);
		cfg_free(&c);
		return 0;
	}
	SSL_CTX *cctx = SSL_CTX_new(TLS_client_method());
	if (client_max)
		SSL_CTX_set_max_proto_version(cctx, client_max);
	if (client_ciphers)
		SSL_CTX_set_cipher_list(cctx, client_ciphers);
	SSL *s, *cl;
	ok = handshake(tc->ssl_ctx, cctx, &s, &cl);
	if (ok) {
		*proto_r = xstrdup(SSL_get_version(s));
		*cipher_r = xstrdup(SSL_get_cipher_name(s));
	}
	SSL_free(s);
	SSL_free(cl);
	SSL_CTX_free(cctx);
	tls_ctx_free(&tc);
	cfg_free(&c);
	return ok;
}

static void test_handshakes(const struct fixture *f)
{
	char *proto, *cipher;
	const char *none[] = {NULL};
	tap_ok(connect_with(f, none, 0, 0, NULL, &proto, &cipher), "defaults: handshake works");
	tap_is_str(proto, "TLSv1.3", "defaults: TLSv1.3");
	free(proto);
	free(cipher);

	const char *only12[] = {"smtpd_tls_protocols", "!TLSv1.3", NULL};
	tap_ok(connect_with(f, only12, 0, 0, NULL, &proto, &cipher), "!TLSv1.3: handshake");
	tap_is_str(proto, "TLSv1.2", "!TLSv1.3: TLSv1.2 is negotiated");
	free(proto);
	free(cipher);

	const char *upto12[] = {"smtpd_tls_protocols", "<=TLSv1.2", NULL};
	tap_ok(connect_with(f, upto12, 0, 0, NULL, &proto, &cipher), "<=TLSv1.2: handshake");
	tap_is_str(proto, "TLSv1.2", "<=TLSv1.2: TLSv1.2 is negotiated");
	free(proto);
	free(cipher);

	const char *mand13[] = {"smtpd_tls_mandatory_protocols", ">=TLSv1.3", NULL};
	tap_ok(!connect_with(f, mand13, 1, TLS1_2_VERSION, NULL, &proto, &cipher),
	       "mandatory >=TLSv1.3: a TLSv1.2 client fails");
	tap_ok(connect_with(f, mand13, 0, TLS1_2_VERSION, NULL, &proto, &cipher),
	       "mandatory >=TLSv1.3 does not apply to opportunistic TLS");
	free(proto);
	free(cipher);

	/* Cipher preference: the client prefers AES128, the server's list
	 * (@STRENGTH) puts AES256 first. */
	const char *client = "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384";
	const char *nopre[] = {"smtpd_tls_ciphers", "high", NULL};
	tap_ok(connect_with(f, nopre, 0, TLS1_2_VERSION, client, &proto, &cipher),
	       "client cipher order: handshake");
	tap_is_str(cipher, "ECDHE-ECDSA-AES128-GCM-SHA256",
		   "tls_preempt_cipherlist = no: the client's choice");
	free(proto);
	free(cipher);
	const char *pre[] = {"smtpd_tls_ciphers", "high", "tls_preempt_cipherlist", "yes", NULL};
	tap_ok(connect_with(f, pre, 0, TLS1_2_VERSION, client, &proto, &cipher),
	       "server cipher order: handshake");
	tap_is_str(cipher, "ECDHE-ECDSA-AES256-GCM-SHA384",
		   "tls_preempt_cipherlist = yes: the server's choice");
	free(proto);
	free(cipher);

	const char *excl[] = {"smtpd_tls_exclude_ciphers", "AES256", NULL};
	tap_ok(connect_with(f, excl, 0, TLS1_2_VERSION, client, &proto, &cipher),
	       "excluded AES256: handshake");
	tap_is_str(cipher, "ECDHE-ECDSA-AES128-GCM-SHA256", "excluded AES256 is not chosen");
	free(proto);
	free(cipher);
	const char *mexcl[] = {"smtpd_tls_mandatory_exclude_ciphers", "AES128", NULL};
	tap_ok(!connect_with(f, mexcl, 1, TLS1_2_VERSION, "ECDHE-ECDSA-AES128-GCM-SHA256", &proto,
			     &cipher),
	       "mandatory_exclude_ciphers applies to mandatory TLS");
	tap_ok(connect_with(f, mexcl, 0, TLS1_2_VERSION, "ECDHE-ECDSA-AES128-GCM-SHA256", &proto,
			    &cipher),
	       "... and not to opportunistic TLS");
	free(proto);
	free(cipher);
}

static void test_settings(const struct fixture *f)
{
	/* clang-format off */
	const char *settings[] = {"smtpd_tls_session_cache_timeout", "2h",
				  "smtpd_tls_ask_ccert", "yes",
				  "smtpd_tls_loglevel", "2",
				  "tls_ssl_options", "NO_RENEGOTIATION",
				  NULL};
	/* clang-format on */
	struct cfg *c = server_view(f, settings);
	struct tls_ctx *tc = NULL;
	char *error = NULL;
	tap_is_int(tls_ctx_new(c, TLS_CTX_SERVER, "smtpd", 0, &tc, &error), 1, "a full server");
	if (tc != NULL) {
		tap_is_int(SSL_CTX_get_timeout(tc->ssl_ctx), 7200,
			   "smtpd_tls_session_cache_timeout = 2h");
		tap_ok(SSL_CTX_get_verify_mode(tc->ssl_ctx) & SSL_VERIFY_PEER,
		       "smtpd_tls_ask_ccert = yes asks for a certificate");
		tap_ok(SSL_CTX_get_options(tc->ssl_ctx) & SSL_OP_NO_RENEGOTIATION,
		       "tls_ssl_options reaches the context");
		tap_is_int(tc->loglevel, 2, "smtpd_tls_loglevel kept");
		tap_ok(tc->digest == EVP_sha256(),
		       "smtpd_tls_fingerprint_digest defaults to sha256 at compatibility 3.6+");
	}
	tls_ctx_free(&tc);
	cfg_set(c, "smtpd_tls_session_cache_timeout", "0", NULL, 0);
	tap_is_int(tls_ctx_new(c, TLS_CTX_SERVER, "smtpd", 0, &tc, &error), 1, "no cache");
	if (tc != NULL) {
		tap_ok(SSL_CTX_get_session_cache_mode(tc->ssl_ctx) == SSL_SESS_CACHE_OFF &&
			       (SSL_CTX_get_options(tc->ssl_ctx) & SSL_OP_NO_TICKET),
		       "a zero timeout turns the cache and tickets off");
	}
	tls_ctx_free(&tc);
	cfg_free(&c);
}

int main(void)
{
	log_init("tls_ctx_test", LOG_DEST_STDERR);
	struct fixture f = {0};
	f.defaults = postfix_defaults();
	/* postconf -d of a host without main.cf: compatibility_level 0 would
	 * pick md5 fingerprints; Postern's tests run at 3.6 as the conf/
	 * examples do. */
	cfg_set(f.defaults, "compatibility_level", "3.6", NULL, 0);
	f.dir = xstrdup(tap_tmpdir());
	tls_testcert_make(&f.ca, "Test CA", NULL, 0);
	tls_testcert_make(&f.server, "mail.example.test", &f.ca, 0);
	tls_testcert_make(&f.client, "client.example.test", &f.ca, 0);
	char *server = path(&f, "server.pem");
	tls_testcert_write(server, "kci", &f.server, &f.ca);
	free(server);

	test_protocols();
	test_cipherlist(f.defaults);
	test_ssl_options();
	test_ctx_errors(&f);
	test_certs(&f);
	test_handshakes(&f);
	test_settings(&f);

	tls_testcert_free(&f.ca);
	tls_testcert_free(&f.server);
	tls_testcert_free(&f.client);
	free(f.dir);
	cfg_free(&f.defaults);
	return tap_done();
}
