/* dkim_engine_test.c: the policy on top of libopendkim. First the decision
 * function, case by case; then whole messages: for an rsa-sha1 signature,
 * for l= followed by appended text and for a second From prepended to a
 * signed message, libopendkim on its own says the signature verified,
 * while the engine gives no pass. Keys come from a file, not DNS. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dkim.h>

#include "buf.h"
#include "dkim_test_util.h"
#include "mem.h"
#include "tap.h"

static const struct dkim_policy policy = {1024, 0};

static void test_decide(void)
{
	static const struct {
		struct dkim_sig_facts f;
		enum dkim_result want;
		const char *name;
	} cases[] = {
		{{1, DKIM_FAILURE_NONE, DKIM_ALG_RSA_SHA256, 2048, -1, 100, 1, 2},
		 DKIM_RESULT_PASS,
		 "a good rsa-sha256 signature passes"},
		{{1, DKIM_FAILURE_NONE, DKIM_ALG_ED25519_SHA256, 256, -1, 100, 1, 1},
		 DKIM_RESULT_PASS,
		 "ed25519: the RSA key floor does not apply"},
		{{1, DKIM_FAILURE_NONE, DKIM_ALG_RSA_SHA1, 2048, -1, 100, 1, 1},
		 DKIM_RESULT_POLICY,
		 "rsa-sha1 never passes"},
		{{1, DKIM_FAILURE_NONE, DKIM_ALG_RSA_SHA256, 1023, -1, 100, 1, 1},
		 DKIM_RESULT_POLICY,
		 "a key under minimum_key_bits never passes"},
		{{1, DKIM_FAILURE_NONE, DKIM_ALG_RSA_SHA256, 1024, -1, 100, 1, 1},
		 DKIM_RESULT_PASS,
		 "a key at minimum_key_bits passes"},
		{{1, DKIM_FAILURE_NONE, DKIM_ALG_RSA_SHA256, 2048, 50, 100, 1, 1},
		 DKIM_RESULT_POLICY,
		 "l= short of the body is no pass"},
		{{1, DKIM_FAILURE_NONE, DKIM_ALG_RSA_SHA256, 2048, 100, 100, 1, 1},
		 DKIM_RESULT_PASS,
		 "l= covering the whole body passes"},
		{{1, DKIM_FAILURE_NONE, DKIM_ALG_RSA_SHA256, 2048, -1, 100, 2, 1},
		 DKIM_RESULT_POLICY,
		 "two From fields, one signed: no pass"},
		{{1, DKIM_FAILURE_NONE, DKIM_ALG_RSA_SHA256, 2048, -1, 100, 2, 2},
		 DKIM_RESULT_PASS,
		 "two From fields, both signed: pass"},
		{{0, DKIM_FAILURE_BADSIG, DKIM_ALG_RSA_SHA256, 2048, -1, 100, 1, 1},
		 DKIM_RESULT_FAIL,
		 "a bad signature fails"},
		{{0, DKIM_FAILURE_BODYHASH, DKIM_ALG_RSA_SHA256, 2048, -1, 100, 1, 1},
		 DKIM_RESULT_FAIL,
		 "a body hash mismatch fails"},
		{{0, DKIM_FAILURE_NOKEY, DKIM_ALG_RSA_SHA256, 0, -1, 100, 1, 1},
		 DKIM_RESULT_PERMERROR,
		 "no key record: permerror (RFC 6376 6.1.2)"},
		{{0, DKIM_FAILURE_DNS, DKIM_ALG_RSA_SHA256, 0, -1, 100, 1, 1},
		 DKIM_RESULT_TEMPERROR,
		 "a failed key lookup: temperror"},
		{{0, DKIM_FAILURE_SYNTAX, DKIM_ALG_UNKNOWN, 0, -1, 100, 1, 1},
		 DKIM_RESULT_PERMERROR,
		 "a malformed signature: permerror"},
		{{0, DKIM_FAILURE_BADSIG, DKIM_ALG_RSA_SHA1, 512, 10, 100, 3, 1},
		 DKIM_RESULT_FAIL,
		 "a failed signature stays a failure whatever else is wrong"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *reason;
		enum dkim_result got = dkim_engine_decide(&cases[i].f, &policy, &reason);
		tap_is_str(dkim_result_name(got), dkim_result_name(cases[i].want), "%s",
			   cases[i].name);
	}
	const char *reason;
	struct dkim_policy lenient = {1024, 1};
	struct dkim_sig_facts partial = {
		1, DKIM_FAILURE_NONE, DKIM_ALG_RSA_SHA256, 2048, 50, 100, 1, 1};
	tap_is_int(dkim_engine_decide(&partial, &lenient, &reason), DKIM_RESULT_PASS,
		   "allow_unsigned_body_content = yes lets l= pass");
}

/* lib_sign: a DKIM-Signature field value made by libopendkim itself. */
static char *lib_sign(DKIM_LIB *dl, const struct dkim_key *k, dkim_alg_t alg, ssize_t length,
		      const struct dt_msg *m)
{
	DKIM_STAT st;
	char *pem = dt_key_pem(k);
	DKIM *d = dkim_sign(dl, (const u_char *)"t", NULL, (dkim_sigkey_t)pem,
			    (const u_char *)k->selector, (const u_char *)"example.test",
			    DKIM_CANON_RELAXED, DKIM_CANON_SIMPLE, alg, length, &st);
	struct buf field;
	buf_init(&field, 0);
	for (size_t i = 0; d != NULL && i < m->n; i++) {
		buf_reset(&field);
		buf_printf(&field, "%s:%s", m->h[i].name, m->h[i].value);
		dkim_header(d, (u_char *)field.data, field.len);
	}
	u_char *hdr = NULL;
	size_t len;
	char *value = NULL;
	if (d != NULL && dkim_eoh(d) == DKIM_STAT_OK &&
	    dkim_body(d, (u_char *)m->body, strlen(m->body)) == DKIM_STAT_OK &&
	    dkim_eom(d, NULL) == DKIM_STAT_OK &&
	    dkim_getsighdr_d(d, strlen("DKIM-Signature: "), &hdr, &len) == DKIM_STAT_OK)
		value = xasprintf(" %s", (char *)hdr);
	buf_deinit(&field);
	dkim_free(d);
	free(pem);
	return value;
}

/* lib_verified: libopendkim on its own: dkim_eom succeeds and calls the
 * first signature good (signature and body hash). */
static int lib_verified(DKIM_LIB *dl, const struct dt_msg *m)
{
	DKIM_STAT st;
	DKIM *d = dkim_verify(dl, (const u_char *)"t", NULL, &st);
	struct buf field;
	buf_init(&field, 0);
	for (size_t i = 0; i < m->n; i++) {
		buf_reset(&field);
		buf_printf(&field, "%s:%s", m->h[i].name, m->h[i].value);
		dkim_header(d, (u_char *)field.data, field.len);
	}
	dkim_eoh(d);
	dkim_body(d, (u_char *)m->body, strlen(m->body));
	st = dkim_eom(d, NULL);
	DKIM_SIGINFO *sig = dkim_getsignature(d);
	int ok = st == DKIM_STAT_OK && sig != NULL &&
		 (dkim_sig_getflags(sig) & DKIM_SIGFLAG_PASSED) != 0 &&
		 dkim_sig_getbh(sig) == DKIM_SIGBH_MATCH;
	buf_deinit(&field);
	dkim_free(d);
	return ok;
}

/* ours: the engine's result for the first signature. */
static enum dkim_result ours(struct dkim_verify_lib *lib, const struct dt_msg *m,
			     const char **reason_r)
{
	struct dkim_sig_result *r;
	size_t n = dt_verify(lib, m, &policy, &r);
	enum dkim_result res = n > 0 ? r[0].result : DKIM_RESULT_NONE;
	*reason_r = n > 0 ? r[0].reason : NULL;
	dkim_sig_results_free(&r, n);
	return res;
}

static void append_text(struct dt_msg *m)
{
	char *longer = xasprintf("%sAppended by someone else.\r\n", m->body);
	free(m->body);
	m->body = longer;
}

static void prepend_from(struct dt_msg *m)
{
	dt_msg_insert(m, 0, "From", " ceo@example.test");
}

static void test_lenient_libopendkim(const char *keyfile, const struct dkim_key *rsa)
{
	DKIM_LIB *dl = dkim_init(NULL, NULL);
	dkim_query_t method = DKIM_QUERY_FILE;
	dkim_options(dl, DKIM_OP_SETOPT, DKIM_OPTS_QUERYMETHOD, &method, sizeof(method));
	dkim_options(dl, DKIM_OP_SETOPT, DKIM_OPTS_QUERYINFO, (void *)keyfile, strlen(keyfile));
	struct dkim_verify_lib *lib;
	char *error = NULL;
	const struct dkim_verify_opts vo = {.dns_timeout = 5, .key_file = keyfile};
	if (dkim_verify_lib_new(&vo, &lib, &error) < 0) {
		tap_diag("%s", error);
		exit(1);
	}
	static const struct {
		dkim_alg_t alg;
		int length;
		void (*change)(struct dt_msg *);
		const char *name;
		const char *reason;
	} cases[] = {
		{DKIM_SIGN_RSASHA1, 0, NULL, "rsa-sha1", "rsa-sha1 is not accepted"},
		{DKIM_SIGN_RSASHA256, 1, append_text, "l= with text appended",
		 "l= leaves body content unsigned"},
		{DKIM_SIGN_RSASHA256, 0, prepend_from, "a second From prepended",
		 "more From fields than signed"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct dt_msg m;
		const char *reason;
		dt_msg_init(&m, "The signed text.\r\n");
		char *sig = lib_sign(dl, rsa, cases[i].alg,
				     cases[i].length ? (ssize_t)strlen(m.body) : -1, &m);
		if (sig == NULL) {
			tap_ok(0, "%s: libopendkim signs", cases[i].name);
			dt_msg_deinit(&m);
			continue;
		}
		dt_msg_insert(&m, 0, "DKIM-Signature", sig);
		free(sig);
		if (cases[i].change != NULL)
			cases[i].change(&m);
		tap_ok(lib_verified(dl, &m), "%s: libopendkim alone says it verified",
		       cases[i].name);
		tap_is_str(dkim_result_name(ours(lib, &m, &reason)), "policy",
			   "%s: postern-dkim gives policy, not pass", cases[i].name);
		tap_is_str(reason, cases[i].reason, "%s: with the reason", cases[i].name);
		dt_msg_deinit(&m);
	}
	dkim_verify_lib_free(&lib);
	dkim_close(dl);
}

static void test_results(const char *keyfile, const struct dkim_key *rsa,
			 const struct dkim_key *weak, const struct dkim_key *unpublished)
{
	struct dkim_verify_lib *lib;
	char *error = NULL;
	const struct dkim_verify_opts vo = {.dns_timeout = 5, .key_file = keyfile};
	dkim_verify_lib_new(&vo, &lib, &error);
	static const struct {
		int key; /* 0 rsa, 1 weak, 2 unpublished */
		int tamper;
		const char *want;
		const char *name;
	} cases[] = {
		{0, 0, "pass", "a good signature passes"},
		{0, 1, "fail", "a changed body fails"},
		{1, 0, "policy", "a 512-bit key gives policy"},
		{2, 0, "permerror", "no key published: permerror"},
	};
	const struct dkim_key *keys[] = {rsa, weak, unpublished};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct dt_msg m;
		struct dkim_sign_opts o = dt_opts();
		const char *reason;
		dt_msg_init(&m, "text\r\n");
		char *sig = dt_sign(keys[cases[i].key], "example.test", &o, &m);
		char *field = xasprintf(" %s", sig);
		dt_msg_insert(&m, 0, "DKIM-Signature", field);
		if (cases[i].tamper)
			m.body[0] = 'T';
		tap_is_str(dkim_result_name(ours(lib, &m, &reason)), cases[i].want, "%s",
			   cases[i].name);
		free(field);
		free(sig);
		dt_msg_deinit(&m);
	}
	struct dt_msg m;
	struct dkim_sig_result *r;
	dt_msg_init(&m, "unsigned\r\n");
	tap_is_int((long long)dt_verify(lib, &m, &policy, &r), 0,
		   "an unsigned message: no results");
	dt_msg_deinit(&m);
	dkim_verify_lib_free(&lib);
}

int main(void)
{
	char *keyfile = xasprintf("%s/keys", tap_tmpdir());
	struct dkim_key rsa, weak, unpublished;
	dt_key(&rsa, DKIM_KEY_RSA, 2048, "rsa1");
	dt_key(&weak, DKIM_KEY_RSA, 512, "weak");
	dt_key(&unpublished, DKIM_KEY_ED25519, 0, "gone");
	dt_publish(keyfile, &rsa, "example.test");
	dt_publish(keyfile, &weak, "example.test");

	test_decide();
	test_lenient_libopendkim(keyfile, &rsa);
	test_results(keyfile, &rsa, &weak, &unpublished);

	char *user = NULL, *domain = NULL;
	tap_ok(dkim_address_parse(" \"Doe, John\" <John.Doe@Example.TEST>", &user, &domain) &&
		       strcmp(user, "John.Doe") == 0 && strcmp(domain, "Example.TEST") == 0,
	       "the From address is found behind a display name with a comma");
	free(user);
	free(domain);
	tap_ok(!dkim_address_parse(" undisclosed-recipients:;", &user, &domain),
	       "a value without an address gives none");
	dt_key_free(&rsa);
	dt_key_free(&weak);
	dt_key_free(&unpublished);
	free(keyfile);
	return tap_done();
}
