/* dkim_keys_test.c: OpenDKIM KeyTable and SigningTable files as they are:
 * lookup order, "%", refile: wildcards, several signatures, the
 * single-key set-up, key formats, and refusals (errors at file:line,
 * keys others can read, keys under the signing floor). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/pem.h>

#include "dkim_keys.h"
#include "dkim_test_util.h"
#include "mem.h"
#include "tap.h"

static const char *dir;

static char *path(const char *name)
{
	return xasprintf("%s/%s", dir, name);
}

static void write_pem(const char *name, const struct dkim_key *k, mode_t mode)
{
	char *p = path(name), *pem = dt_key_pem(k);
	tap_write_file(p, pem);
	chmod(p, mode);
	free(pem);
	free(p);
}

/* found: "keyname/domain[/identity]" for each match, space-separated. */
static char *found(const struct dkim_keys *k, const char *user, const char *domain)
{
	struct dkim_key_match *m;
	size_t n = dkim_keys_find(k, user, domain, &m);
	char *out = xstrdup("");
	for (size_t i = 0; i < n; i++) {
		char *next = xasprintf("%s%s%s/%s%s%s", out, i > 0 ? " " : "", m[i].key->name,
				       m[i].domain, m[i].identity != NULL ? "/" : "",
				       m[i].identity != NULL ? m[i].identity : "");
		free(out);
		out = next;
	}
	dkim_key_matches_free(&m, n);
	return out;
}

static struct dkim_keys *load(const char *keytable, const char *signingtable, int multiple,
			      char **error_r)
{
	char *kt = path("keytable"), *st = path("signingtable");
	char *spec =
		xasprintf("%s%s", strncmp(signingtable, "refile:", 7) == 0 ? "refile:" : "", st);
	tap_write_file(kt, keytable);
	tap_write_file(st, signingtable + (strncmp(signingtable, "refile:", 7) == 0 ? 7 : 0));
	struct dkim_keys_opts o = {.key_table = kt,
				   .signing_table = spec,
				   .multiple = multiple,
				   .min_bits = 2048,
				   .require_safe = 1};
	struct dkim_keys *k = NULL;
	*error_r = NULL;
	dkim_keys_load(&o, &k, error_r);
	free(kt);
	free(st);
	free(spec);
	return k;
}

/* with_dir: template with every "DIR" replaced by the test directory. */
static char *with_dir(const char *template)
{
	char *out = xstrdup("");
	for (const char *p = template; *p != '\0';) {
		const char *hit = strstr(p, "DIR");
		size_t n = hit != NULL ? (size_t)(hit - p) : strlen(p);
		char *next = xasprintf("%s%.*s%s", out, (int)n, p, hit != NULL ? dir : "");
		free(out);
		out = next;
		p += n + (hit != NULL ? 3 : 0);
	}
	return out;
}

static char *keytable(void)
{
	return xasprintf("# name  domain:selector:key\n"
			 "rsakey   example.test:sel1:%s/rsa.pem\n"
			 "edkey    example.test:ed1:%s/ed.pem\n"
			 "\n"
			 "pctkey   %%:sel2:%s/rsa.pem\n"
			 "other    other.test:o1:%s/rsa.pem\n",
			 dir, dir, dir, dir);
}

static void test_lookup(void)
{
	char *kt = keytable(), *error;
	static const char st[] = "alice@example.test  rsakey\n"
				 "example.test        edkey\n"
				 ".example.test       other\n"
				 "*                   pctkey  @%\n";
	struct dkim_keys *k = load(kt, st, 0, &error);
	tap_ok(k != NULL, "KeyTable and SigningTable load");
	if (k == NULL) {
		tap_diag("%s", error);
		free(error);
		free(kt);
		return;
	}
	static const struct {
		const char *user, *domain, *want;
	} one[] = {
		{"alice", "example.test", "rsakey/example.test"},
		{"Alice", "EXAMPLE.test", "rsakey/example.test"},
		{"bob", "example.test", "edkey/example.test"},
		{"carol", "sub.example.test", "other/other.test"},
		{"dave", "elsewhere.test", "pctkey/elsewhere.test/@elsewhere.test"},
	};
	for (size_t i = 0; i < sizeof(one) / sizeof(one[0]); i++) {
		char *got = found(k, one[i].user, one[i].domain);
		tap_is_str(got, one[i].want, "first match for %s@%s", one[i].user, one[i].domain);
		free(got);
	}
	dkim_keys_free(&k);
	tap_ok(k == NULL, "free clears the pointer");

	k = load(kt, st, 1, &error);
	char *got = found(k, "alice", "example.test");
	tap_is_str(got, "rsakey/example.test edkey/example.test pctkey/example.test/@example.test",
		   "multiple signatures: every match in OpenDKIM's order");
	free(got);
	dkim_keys_free(&k);

	k = load(kt, "refile:*@example.test rsakey\n*@*.test pctkey\n*@*.test edkey\n", 0, &error);
	got = found(k, "x", "example.test");
	tap_is_str(got, "rsakey/example.test", "refile: the first wildcard that matches");
	free(got);
	got = found(k, "x", "y.test");
	tap_is_str(got, "pctkey/y.test", "refile: %% is the From domain");
	free(got);
	got = found(k, "x", "y.org");
	tap_is_str(got, "", "refile: no match, no key");
	free(got);
	dkim_keys_free(&k);
	free(kt);
}

static void test_errors(void)
{
	char *kt = keytable(), *error;
	static const struct {
		const char *kt; /* NULL: the good one */
		const char *st;
		const char *want;
	} cases[] = {
		{NULL, "example.test nosuch\n",
		 "signingtable:1: key nosuch is not in the key_table"},
		{"k1 example.test:sel1\n", "* k1\n",
		 "keytable:1: expected NAME DOMAIN:SELECTOR:KEY"},
		{"k1 example.test:s:/no/such/key\n", "* k1\n", "keytable:1: key k1: /no/such/key:"},
		{"k1 example.test:s:DIR/open.pem\n", "* k1\n",
		 "other users can read or change this key (mode 0644)"},
		{"k1 example.test:s:DIR/short.pem\n", "* k1\n",
		 "a 1024-bit RSA key is under minimum_signing_key_bits (2048)"},
		{"k1 example.test:s:DIR/rsa.pem\nk1 example.test:t:DIR/rsa.pem\n", "* k1\n",
		 "keytable:2: key k1 is defined twice"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *table = cases[i].kt != NULL ? with_dir(cases[i].kt) : xstrdup(kt);
		struct dkim_keys *k = load(table, cases[i].st, 0, &error);
		tap_ok(k == NULL && error != NULL && strstr(error, cases[i].want) != NULL,
		       "refused: %s", cases[i].want);
		if (error == NULL || strstr(error, cases[i].want) == NULL)
			tap_diag("got: %s", error != NULL ? error : "(nothing)");
		free(error);
		dkim_keys_free(&k);
		free(table);
	}
	struct dkim_keys_opts o = {.key_table = "/x", .min_bits = 2048};
	struct dkim_keys *k = NULL;
	tap_is_int(dkim_keys_load(&o, &k, &error), -1, "key_table without signing_table");
	free(error);
	struct dkim_keys_opts none = {.min_bits = 2048};
	tap_is_int(dkim_keys_load(&none, &k, &error), 0, "nothing configured: no keys, no error");
	free(kt);
}

static void test_single_and_formats(const struct dkim_key *ed)
{
	char *error = NULL;
	char *keyfile = path("rsa.pem");
	char *domains[] = {"example.test", "Example.ORG", NULL};
	struct dkim_keys_opts o = {.domains = domains,
				   .selector = "s1",
				   .key_file = keyfile,
				   .min_bits = 2048,
				   .require_safe = 1};
	struct dkim_keys *k = NULL;
	tap_is_int(dkim_keys_load(&o, &k, &error), 1, "domain, selector and key_file load");
	char *got = found(k, "x", "example.org");
	tap_is_str(got, "default/example.org", "a listed domain is signed with the key");
	free(got);
	got = found(k, "x", "sub.example.test");
	tap_is_str(got, "", "an unlisted domain is not");
	free(got);
	dkim_keys_free(&k);
	free(keyfile);

	/* dkimpy writes an Ed25519 key as the base64 of its 32-byte seed. */
	unsigned char seed[32], b64[64];
	size_t len = sizeof(seed);
	EVP_PKEY_get_raw_private_key(ed->pkey, seed, &len);
	EVP_EncodeBlock(b64, seed, 32);
	char *seedfile = path("ed.seed");
	tap_write_file(seedfile, (char *)b64);
	chmod(seedfile, 0600);
	struct dkim_key key;
	tap_ok(dkim_key_load(seedfile, 1, &key, &error) > 0 && key.alg == DKIM_KEY_ED25519 &&
		       EVP_PKEY_eq(key.pkey, ed->pkey) == 1,
	       "an Ed25519 seed in base64 (dkimpy) is the same key");
	EVP_PKEY_free(key.pkey);
	/* Inline, a fixed seed: a random one's base64 may start with "/",
	 * which names a file (as in OpenDKIM's KeyTable). */
	for (size_t i = 0; i < sizeof(seed); i++)
		seed[i] = (unsigned char)(i + 1);
	EVP_EncodeBlock(b64, seed, 32);
	tap_ok(dkim_key_load((char *)b64, 1, &key, &error) > 0 && key.alg == DKIM_KEY_ED25519,
	       "a key given inline in the table (base64)");
	EVP_PKEY_free(key.pkey);
	tap_is_int(dkim_key_load("bm90IGEga2V5", 1, &key, &error), -1, "base64 that is no key");
	free(error);
	free(seedfile);
}

int main(void)
{
	struct dkim_key rsa, ed, shortk;
	dir = tap_tmpdir();
	dt_key(&rsa, DKIM_KEY_RSA, 2048, "sel1");
	dt_key(&ed, DKIM_KEY_ED25519, 0, "ed1");
	dt_key(&shortk, DKIM_KEY_RSA, 1024, "short");
	write_pem("rsa.pem", &rsa, 0600);
	write_pem("ed.pem", &ed, 0640);
	write_pem("short.pem", &shortk, 0600);
	write_pem("open.pem", &rsa, 0644);
	test_lookup();
	test_errors();
	test_single_and_formats(&ed);
	dt_key_free(&rsa);
	dt_key_free(&ed);
	dt_key_free(&shortk);
	return tap_done();
}
