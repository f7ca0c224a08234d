/* dkim_sign_test.c: signatures made by dkim_sign verify with libopendkim
 * (through dkim_engine) for RSA and Ed25519 and every canonicalization;
 * a changed header field or body fails them; From is oversigned; and the
 * body hash equals the one libopendkim computes for the same body, over
 * many random bodies. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dkim.h>

#include "buf.h"
#include "dkim_test_util.h"
#include "mem.h"
#include "tap.h"

static struct dkim_key rsa, ed;
static struct dkim_verify_lib *lib;
static const struct dkim_policy policy = {1024, 0};

/* verify_one: sign m with k and opts, verify; the single result. */
static enum dkim_result verify_one(const struct dkim_key *k, const struct dkim_sign_opts *o,
				   struct dt_msg *m, void (*tamper)(struct dt_msg *))
{
	char *sig = dt_sign(k, "example.test", o, m);
	char *field = xasprintf(" %s", sig);
	struct dkim_sig_result *r;
	dt_msg_insert(m, 0, "DKIM-Signature", field);
	free(field);
	free(sig);
	if (tamper != NULL)
		tamper(m);
	size_t n = dt_verify(lib, m, &policy, &r);
	enum dkim_result res = n == 1 ? r[0].result : DKIM_RESULT_NONE;
	if (res != DKIM_RESULT_PASS && n == 1)
		tap_diag("result %s (%s)", dkim_result_name(res), r[0].reason ? r[0].reason : "");
	dkim_sig_results_free(&r, n);
	return res;
}

static void tamper_subject(struct dt_msg *m)
{
	free(m->owned[3]);
	m->owned[3] = xstrdup(" a test folded differently");
	m->h[3].value = m->owned[3];
}

static void tamper_body(struct dt_msg *m)
{
	m->body[0] = 'X';
}

static void prepend_from(struct dt_msg *m)
{
	dt_msg_insert(m, 0, "From", " mallory@example.test");
}

static void test_roundtrip(void)
{
	static const char *const bodies[] = {"", "Hello\r\n", "a  b \t\r\n\r\n\r\n",
					     " \tindented\r\n\r\nlast line \r\n"};
	const struct dkim_key *keys[] = {&rsa, &ed};
	for (size_t k = 0; k < 2; k++)
		for (int hc = 0; hc < 2; hc++)
			for (int bc = 0; bc < 2; bc++) {
				struct dkim_sign_opts o = dt_opts();
				o.header_canon = (enum dkim_canon_mode)hc;
				o.body_canon = (enum dkim_canon_mode)bc;
				int all = 1;
				for (size_t b = 0; b < 4; b++) {
					struct dt_msg m;
					dt_msg_init(&m, bodies[b]);
					all &= verify_one(keys[k], &o, &m, NULL) ==
					       DKIM_RESULT_PASS;
					dt_msg_deinit(&m);
				}
				tap_ok(all, "%s %s/%s: libopendkim verifies our signatures",
				       k == 0 ? "rsa-sha256" : "ed25519-sha256",
				       dkim_canon_name(o.header_canon),
				       dkim_canon_name(o.body_canon));
			}
}

static void test_tampering(void)
{
	static const struct {
		void (*tamper)(struct dt_msg *);
		enum dkim_result want;
		const char *name;
	} cases[] = {
		{tamper_subject, DKIM_RESULT_FAIL, "a changed signed field fails"},
		{tamper_body, DKIM_RESULT_FAIL, "a changed body fails"},
		{prepend_from, DKIM_RESULT_FAIL, "an added From fails: From is oversigned"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct dkim_sign_opts o = dt_opts();
		struct dt_msg m;
		dt_msg_init(&m, "body\r\n");
		tap_is_str(dkim_result_name(verify_one(&rsa, &o, &m, cases[i].tamper)),
			   dkim_result_name(cases[i].want), "%s", cases[i].name);
		dt_msg_deinit(&m);
	}
}

static void test_tags(void)
{
	struct dkim_sign_opts o = dt_opts();
	struct dt_msg m;
	o.body_length = 1;
	o.ttl = 3600;
	o.now = 1700000000;
	dt_msg_init(&m, "twelve bytes\r\n");
	char *sig = dt_sign(&rsa, "example.test", &o, &m);
	tap_ok(strstr(sig, "t=1700000000;") != NULL && strstr(sig, "x=1700003600;") != NULL,
	       "t= and x= = t= + signature_ttl");
	tap_ok(strstr(sig, "l=14;") != NULL, "l= is the canonical body length when asked");
	struct buf unfolded;
	buf_init(&unfolded, 0);
	for (const char *p = sig; *p != '\0'; p++)
		if (*p != '\r' && *p != '\n' && *p != '\t')
			buf_append_char(&unfolded, *p);
	tap_ok(strstr(buf_cstr(&unfolded), "h=From:from:To:Subject:Date:Message-ID;") != NULL,
	       "h= lists each field and From once more (oversigned)");
	buf_deinit(&unfolded);
	int short_lines = 1;
	for (char *line = sig, *end; line != NULL; line = end != NULL ? end + 2 : NULL) {
		end = strstr(line, "\r\n");
		size_t len = end != NULL ? (size_t)(end - line) : strlen(line);
		short_lines &= len <= 78;
	}
	tap_ok(short_lines, "the field is folded at 78 columns");
	free(sig);
	o.now = 0;
	tap_is_str(dkim_result_name(verify_one(&rsa, &o, &m, NULL)), "pass",
		   "a signature with l= and x= verifies");
	dt_msg_deinit(&m);

	struct dkim_signer *s = dkim_signer_new(&ed, "example.test", "@example.test", &o);
	char *value = NULL, *error = NULL;
	dt_msg_init(&m, "");
	dkim_signer_finish(s, m.h, m.n, &value, &error);
	tap_ok(value != NULL && strstr(value, "a=ed25519-sha256;") != NULL &&
		       strstr(value, "i=@example.test;") != NULL,
	       "ed25519-sha256 and the i= identity");
	free(value);
	dkim_signer_free(&s);
	dt_msg_deinit(&m);
}

/* lib_body_hash: bh= of the signature libopendkim makes for m. */
static char *lib_body_hash(DKIM_LIB *dl, const char *pem, enum dkim_canon_mode bc,
			   const struct dt_msg *m)
{
	DKIM_STAT st;
	DKIM *d =
		dkim_sign(dl, (const u_char *)"t", NULL, (dkim_sigkey_t)pem, (const u_char *)"rsa1",
			  (const u_char *)"example.test", DKIM_CANON_RELAXED,
			  bc == DKIM_CANON_MODE_RELAXED ? DKIM_CANON_RELAXED : DKIM_CANON_SIMPLE,
			  DKIM_SIGN_RSASHA256, -1, &st);
	struct buf field;
	buf_init(&field, 0);
	for (size_t i = 0; i < m->n; i++) {
		buf_reset(&field);
		buf_printf(&field, "%s:%s", m->h[i].name, m->h[i].value);
		dkim_header(d, (u_char *)field.data, field.len);
	}
	dkim_eoh(d);
	dkim_body(d, (u_char *)m->body, strlen(m->body));
	dkim_eom(d, NULL);
	u_char *hdr = NULL;
	size_t len = 0;
	char *bh = NULL;
	if (dkim_getsighdr_d(d, 16, &hdr, &len) == DKIM_STAT_OK) {
		char *p = strstr((char *)hdr, "bh=");
		if (p != NULL)
			bh = xstrndup(p + 3, strcspn(p + 3, ";"));
	}
	buf_deinit(&field);
	dkim_free(d);
	return bh;
}

static void test_body_hash_vs_libopendkim(void)
{
	DKIM_LIB *dl = dkim_init(NULL, NULL);
	char *pem = dt_key_pem(&rsa);
	static const char alphabet[] = {' ', '\t', 'a', 'b'};
	srandom(6376);
	for (int mode = 0; mode < 2; mode++) {
		int same = 1, count = 0;
		for (int i = 0; i < 150; i++) {
			/* Bodies as an MTA hands them over: lines of text and
			 * white space, each ending in CRLF. */
			struct buf body;
			buf_init(&body, 0);
			int lines = (int)(random() % 8);
			for (int l = 0; l < lines; l++) {
				int len = (int)(random() % 6);
				for (int k = 0; k < len; k++)
					buf_append_char(&body, alphabet[random() % 4]);
				buf_append_str(&body, "\r\n");
			}
			struct dt_msg m;
			struct dkim_sign_opts o = dt_opts();
			o.body_canon = (enum dkim_canon_mode)mode;
			dt_msg_init(&m, buf_cstr(&body));
			char *ours = dt_sign(&rsa, "example.test", &o, &m);
			char *theirs = lib_body_hash(dl, pem, o.body_canon, &m);
			char *p = strstr(ours, "bh=");
			int eq = theirs != NULL && p != NULL &&
				 strncmp(p + 3, theirs, strlen(theirs)) == 0;
			if (!eq && same) {
				tap_diag("first difference for body of %zu bytes:", body.len);
				for (size_t k = 0; k < body.len; k++)
					fprintf(stderr, "%02x ", (unsigned char)body.data[k]);
				fprintf(stderr, "\n");
			}
			same &= eq;
			count++;
			free(ours);
			free(theirs);
			dt_msg_deinit(&m);
			buf_deinit(&body);
		}
		tap_ok(same, "%s body hash equals libopendkim's for %d random bodies",
		       dkim_canon_name((enum dkim_canon_mode)mode), count);
	}
	free(pem);
	dkim_close(dl);
}

int main(void)
{
	char *keyfile = xasprintf("%s/keys", tap_tmpdir());
	char *error = NULL;
	dt_key(&rsa, DKIM_KEY_RSA, 2048, "rsa1");
	dt_key(&ed, DKIM_KEY_ED25519, 0, "ed1");
	dt_publish(keyfile, &rsa, "example.test");
	dt_publish(keyfile, &ed, "example.test");
	const struct dkim_verify_opts vo = {.dns_timeout = 5, .key_file = keyfile};
	if (dkim_verify_lib_new(&vo, &lib, &error) < 0) {
		tap_diag("%s", error);
		return 1;
	}
	test_roundtrip();
	test_tampering();
	test_tags();
	test_body_hash_vs_libopendkim();
	dkim_verify_lib_free(&lib);
	dt_key_free(&rsa);
	dt_key_free(&ed);
	free(keyfile);
	return tap_done();
}
