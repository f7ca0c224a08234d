/* dkim_sign.c: DKIM signatures with keys loaded once (see dkim_sign.h). */
#include "dkim_sign.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include "buf.h"
#include "mem.h"

#define SIGN_FOLD 76 /* fold the field before a line grows past this */

struct dkim_signer {
	const struct dkim_key *key;
	char *domain;
	char *identity;
	struct dkim_sign_opts opts;
	EVP_MD_CTX *body_hash;
	struct dkim_body_canon body;
};

static void sign_body_emit(void *ctx, const void *data, size_t len)
{
	EVP_DigestUpdate(ctx, data, len);
}

struct dkim_signer *dkim_signer_new(const struct dkim_key *key, const char *domain,
				    const char *identity, const struct dkim_sign_opts *opts)
{
	struct dkim_signer *s = xcalloc(1, sizeof(*s));
	s->key = key;
	s->domain = xstrdup(domain);
	s->identity = identity != NULL ? xstrdup(identity) : NULL;
	s->opts = *opts;
	s->body_hash = EVP_MD_CTX_new();
	if (s->body_hash == NULL || EVP_DigestInit_ex(s->body_hash, EVP_sha256(), NULL) != 1)
		abort(); /* out of memory inside OpenSSL */
	dkim_body_init(&s->body, opts->body_canon, sign_body_emit, s->body_hash);
	return s;
}

void dkim_signer_body(struct dkim_signer *s, const void *data, size_t len)
{
	dkim_body_update(&s->body, data, len);
}

void dkim_signer_free(struct dkim_signer **sp)
{
	struct dkim_signer *s = *sp;
	if (s == NULL)
		return;
	EVP_MD_CTX_free(s->body_hash);
	free(s->domain);
	free(s->identity);
	free(s);
	*sp = NULL;
}

static void sign_base64(struct buf *out, const unsigned char *data, size_t len)
{
	char *tmp = xmalloc(4 * ((len + 2) / 3) + 1);
	int n = EVP_EncodeBlock((unsigned char *)tmp, data, (int)len);
	buf_append(out, tmp, (size_t)n);
	free(tmp);
}

static int sign_listed(char *const *list, const char *name)
{
	for (size_t i = 0; list != NULL && list[i] != NULL; i++)
		if (strcasecmp(list[i], name) == 0)
			return 1;
	return 0;
}

/* The fields to sign, in h= order. */
struct sign_selection {
	long *index;  /* into the message's fields; -1: an oversigned null field */
	char **names; /* as h= lists them (not owned) */
	size_t n, cap;
};

static void sign_pick(struct sign_selection *sel, long index, const char *name)
{
	if (sel->n == sel->cap) {
		sel->cap = sel->cap > 0 ? 2 * sel->cap : 16;
		sel->index = xreallocarray(sel->index, sel->cap, sizeof(*sel->index));
		sel->names = xreallocarray(sel->names, sel->cap, sizeof(*sel->names));
	}
	sel->index[sel->n] = index;
	sel->names[sel->n++] = (char *)name;
}

/* sign_select: for each listed name (once, however often the list repeats
 * it) every field of that name from the bottom up, then the null field
 * when the name is oversigned. */
static void sign_select(const struct dkim_signer *s, const struct dkim_header *h, size_t n,
			struct sign_selection *sel)
{
	char *const *list = s->opts.sign_headers;
	for (size_t l = 0; list != NULL && list[l] != NULL; l++) {
		int seen = 0;
		for (size_t e = 0; e < l && !seen; e++)
			seen = strcasecmp(list[e], list[l]) == 0;
		if (seen)
			continue;
		for (size_t i = n; i > 0; i--)
			if (strcasecmp(h[i - 1].name, list[l]) == 0)
				sign_pick(sel, (long)(i - 1), h[i - 1].name);
		if (sign_listed(s->opts.oversign_headers, list[l]))
			sign_pick(sel, -1, list[l]);
	}
}

/* sign_fold: append text to the field, on a new line when the current one
 * would grow past SIGN_FOLD. *col is the current column. */
static void sign_fold(struct buf *f, size_t *col, const char *text)
{
	size_t len = strlen(text);
	if (*col > 1 && *col + 1 + len > SIGN_FOLD) {
		buf_append_str(f, "\r\n\t");
		*col = 8;
	} else if (*col > 0) {
		buf_append_char(f, ' ');
		(*col)++;
	}
	buf_append_str(f, text);
	*col += len;
}

/* sign_field: the field value up to "b=" (the signature goes after it). */
static void sign_field(const struct dkim_signer *s, char **names, size_t n_names,
		       const unsigned char *bh, size_t bh_len, unsigned long long body_len,
		       struct buf *f)
{
	time_t now = s->opts.now != 0 ? s->opts.now : time(NULL);
	size_t col = strlen("DKIM-Signature:");
	char *tag;

	tag = xasprintf("v=1; a=%s; c=%s/%s; d=%s; s=%s;",
			s->key->alg == DKIM_KEY_ED25519 ? "ed25519-sha256" : "rsa-sha256",
			dkim_canon_name(s->opts.header_canon), dkim_canon_name(s->opts.body_canon),
			s->domain, s->key->selector);
	sign_fold(f, &col, tag);
	free(tag);
	if (s->identity != NULL) {
		tag = xasprintf("i=%s;", s->identity);
		sign_fold(f, &col, tag);
		free(tag);
	}
	tag = xasprintf("t=%lld;", (long long)now);
	sign_fold(f, &col, tag);
	free(tag);
	if (s->opts.ttl > 0) {
		tag = xasprintf("x=%lld;", (long long)now + s->opts.ttl);
		sign_fold(f, &col, tag);
		free(tag);
	}
	if (s->opts.body_length) {
		tag = xasprintf("l=%llu;", body_len);
		sign_fold(f, &col, tag);
		free(tag);
	}
	/* h= in pieces that fold at the colons. */
	for (size_t i = 0; i < n_names; i++) {
		char *piece = xasprintf("%s%s%s", i == 0 ? "h=" : "", names[i],
					i + 1 < n_names ? ":" : ";");
		if (i > 0 && col + strlen(piece) <= SIGN_FOLD) {
			buf_append_str(f, piece);
			col += strlen(piece);
		} else {
			sign_fold(f, &col, piece);
		}
		free(piece);
	}
	struct buf b64;
	buf_init(&b64, 0);
	buf_append_str(&b64, "bh=");
	sign_base64(&b64, bh, bh_len);
	buf_append_char(&b64, ';');
	sign_fold(f, &col, buf_cstr(&b64));
	buf_deinit(&b64);
	/* The signature on lines of its own. */
	buf_append_str(f, "\r\n\tb=");
}

/* sign_digest: sign the SHA-256 hash of data with the key. */
static int sign_digest(const struct dkim_key *key, const unsigned char *hash, size_t hash_len,
		       unsigned char **sig_r, size_t *sig_len_r)
{
	size_t len = 0;
	int ok = 0;
	if (key->alg == DKIM_KEY_ED25519) {
		/* RFC 8463: PureEdDSA over the SHA-256 hash. */
		EVP_MD_CTX *md = EVP_MD_CTX_new();
		ok = md != NULL && EVP_DigestSignInit(md, NULL, NULL, NULL, key->pkey) == 1 &&
		     EVP_DigestSign(md, NULL, &len, hash, hash_len) == 1;
		*sig_r = xmalloc(len > 0 ? len : 1);
		ok = ok && EVP_DigestSign(md, *sig_r, &len, hash, hash_len) == 1;
		EVP_MD_CTX_free(md);
	} else {
		EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new(key->pkey, NULL);
		ok = pc != NULL && EVP_PKEY_sign_init(pc) == 1 &&
		     EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_PADDING) == 1 &&
		     EVP_PKEY_CTX_set_signature_md(pc, EVP_sha256()) == 1 &&
		     EVP_PKEY_sign(pc, NULL, &len, hash, hash_len) == 1;
		*sig_r = xmalloc(len > 0 ? len : 1);
		ok = ok && EVP_PKEY_sign(pc, *sig_r, &len, hash, hash_len) == 1;
		EVP_PKEY_CTX_free(pc);
	}
	*sig_len_r = len;
	return ok ? 1 : -1;
}

int dkim_signer_finish(struct dkim_signer *s, const struct dkim_header *headers, size_t n,
		       char **value_r, char **error_r)
{
	unsigned char bh[EVP_MAX_MD_SIZE], hash[EVP_MAX_MD_SIZE];
	unsigned bh_len = 0, hash_len = 0;
	unsigned long long body_len = dkim_body_final(&s->body);
	struct sign_selection sel = {0};
	struct buf field, canon;
	unsigned char *sig = NULL;
	size_t sig_len = 0;
	int rc = -1;

	EVP_DigestFinal_ex(s->body_hash, bh, &bh_len);
	sign_select(s, headers, n, &sel);
	buf_init(&field, 0);
	buf_init(&canon, 0);
	sign_field(s, sel.names, sel.n, bh, bh_len, body_len, &field);

	/* The signed fields, then this field with an empty b=. */
	for (size_t i = 0; i < sel.n; i++)
		if (sel.index[i] >= 0)
			dkim_canon_header(s->opts.header_canon, headers[sel.index[i]].name,
					  headers[sel.index[i]].value, 1, &canon);
	char *self = xasprintf(" %s", buf_cstr(&field));
	dkim_canon_header(s->opts.header_canon, "DKIM-Signature", self, 0, &canon);
	free(self);
	if (EVP_Digest(canon.data, canon.len, hash, &hash_len, EVP_sha256(), NULL) == 1 &&
	    sign_digest(s->key, hash, hash_len, &sig, &sig_len) > 0) {
		struct buf b64;
		buf_init(&b64, 0);
		sign_base64(&b64, sig, sig_len);
		/* The signature in lines of 70 characters. */
		for (size_t off = 0; off < b64.len; off += 70) {
			if (off > 0)
				buf_append_str(&field, "\r\n\t");
			buf_append(&field, b64.data + off, b64.len - off < 70 ? b64.len - off : 70);
		}
		buf_deinit(&b64);
		*value_r = buf_detach(&field);
		rc = 1;
	} else {
		unsigned long e = ERR_get_error();
		*error_r = xasprintf("signing with key %s failed: %s", s->key->name,
				     e != 0 ? ERR_reason_error_string(e) : "unknown OpenSSL error");
		ERR_clear_error();
	}
	free(sig);
	free(sel.index);
	free(sel.names);
	buf_deinit(&field);
	buf_deinit(&canon);
	return rc;
}
