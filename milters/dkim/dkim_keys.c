/* dkim_keys.c: OpenDKIM KeyTable and SigningTable, the single-key set-up,
 * and loading private keys (see dkim_keys.h). */
#include "dkim_keys.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <openssl/pem.h>

#include "buf.h"
#include "mem.h"

/* One SigningTable line. */
struct keys_rule {
	char *pattern; /* lower case */
	char *keyname;
	char *signer; /* NULL when absent */
};

struct dkim_keys {
	struct dkim_key *keys;
	size_t n_keys;
	struct keys_rule *rules;
	size_t n_rules;
	int refile;	/* rules are wildcards tried in order */
	char **domains; /* single-key set-up: lower case; NULL with tables */
	int multiple;
};

/* A table file read as lines of fields. */
struct keys_line {
	char *fields[3];
	size_t n;
	unsigned lineno;
};

static void keys_lower(char *s)
{
	for (; *s != '\0'; s++)
		*s = (char)tolower((unsigned char)*s);
}

/* keys_table_path: "file:PATH" or a bare path -> PATH; *refile_r for
 * "refile:". -1 for another type. */
static int keys_table_path(const char *spec, const char **path_r, int *refile_r, char **error_r)
{
	*refile_r = 0;
	if (strncmp(spec, "refile:", 7) == 0) {
		*refile_r = 1;
		*path_r = spec + 7;
	} else if (strncmp(spec, "file:", 5) == 0) {
		*path_r = spec + 5;
	} else if (strchr(spec, ':') == NULL) {
		*path_r = spec;
	} else {
		*error_r = xasprintf("%s: only file:, refile: and plain paths are supported", spec);
		return -1;
	}
	return 1;
}

/* keys_read_lines: the non-empty, non-comment lines of path split at white
 * space into up to three fields (the third keeps the rest of the line). */
static int keys_read_lines(const char *path, struct keys_line **lines_r, size_t *n_r,
			   char **error_r)
{
	FILE *f = fopen(path, "r");
	if (f == NULL) {
		*error_r = xasprintf("%s: %s", path, strerror(errno));
		return -1;
	}
	char *line = NULL;
	size_t cap = 0, n = 0;
	unsigned lineno = 0;
	struct keys_line *lines = NULL;
	while (getline(&line, &cap, f) >= 0) {
		lineno++;
		char *p = line + strspn(line, " \t\r\n");
		if (*p == '\0' || *p == '#')
			continue;
		lines = xreallocarray(lines, n + 1, sizeof(*lines));
		struct keys_line *l = &lines[n++];
		memset(l, 0, sizeof(*l));
		l->lineno = lineno;
		while (*p != '\0' && l->n < 3) {
			size_t len = l->n < 2 ? strcspn(p, " \t\r\n") : strcspn(p, "\r\n");
			while (l->n == 2 && len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t'))
				len--;
			l->fields[l->n++] = xstrndup(p, len);
			p += len;
			p += strspn(p, " \t\r\n");
		}
	}
	free(line);
	fclose(f);
	*lines_r = lines;
	*n_r = n;
	return 1;
}

static void keys_lines_free(struct keys_line *lines, size_t n)
{
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < lines[i].n; k++)
			free(lines[i].fields[k]);
	free(lines);
}

/* keys_decode_base64: the bytes of base64 text (white space ignored). */
static int keys_decode_base64(const char *text, struct buf *out)
{
	struct buf clean;
	buf_init(&clean, 0);
	for (const char *p = text; *p != '\0'; p++)
		if (!isspace((unsigned char)*p))
			buf_append_char(&clean, *p);
	int ok = clean.len > 0 && clean.len % 4 == 0;
	if (ok) {
		unsigned char *bytes = xmalloc(clean.len);
		int n = EVP_DecodeBlock(bytes, (const unsigned char *)clean.data, (int)clean.len);
		ok = n >= 0;
		if (ok) {
			/* EVP_DecodeBlock counts the bytes the padding stands for. */
			for (size_t i = clean.len; i > 0 && clean.data[i - 1] == '='; i--)
				n--;
			buf_append(out, bytes, (size_t)n);
		}
		free(bytes);
	}
	buf_deinit(&clean);
	return ok;
}

/* keys_parse_key: a private key from PEM, base64 DER or a base64 raw
 * Ed25519 seed. NULL if none of them. */
static EVP_PKEY *keys_parse_key(const char *text)
{
	BIO *bio = BIO_new_mem_buf(text, -1);
	EVP_PKEY *pkey = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
	BIO_free(bio);
	if (pkey != NULL)
		return pkey;
	struct buf der;
	buf_init(&der, 0);
	if (keys_decode_base64(text, &der)) {
		const unsigned char *p = (const unsigned char *)der.data;
		if (der.len == 32)
			pkey = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, p, 32);
		else
			pkey = d2i_AutoPrivateKey(NULL, &p, (long)der.len);
	}
	buf_deinit(&der);
	return pkey;
}

/* keys_read_key_file: the contents of a key file, refusing one that others
 * may read or change when require_safe. */
static char *keys_read_key_file(const char *path, int require_safe, char **error_r)
{
	FILE *f = fopen(path, "r");
	struct stat st;
	if (f == NULL || fstat(fileno(f), &st) < 0) {
		*error_r = xasprintf("%s: %s", path, strerror(errno));
		if (f != NULL)
			fclose(f);
		return NULL;
	}
	if (require_safe && (st.st_mode & (S_IROTH | S_IWOTH | S_IWGRP)) != 0) {
		*error_r = xasprintf("%s: other users can read or change this key (mode %04o): "
				     "chmod it 0600 or 0640, or set require_safe_keys = no",
				     path, (unsigned)(st.st_mode & 07777));
		fclose(f);
		return NULL;
	}
	struct buf b;
	char chunk[4096];
	size_t n;
	buf_init(&b, 1024 * 1024);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if (buf_append(&b, chunk, n) < 0)
			break;
	fclose(f);
	char *text = buf_detach(&b);
	buf_deinit(&b);
	return text;
}

int dkim_key_load(const char *spec, int require_safe, struct dkim_key *key_r, char **error_r)
{
	int is_file = spec[0] == '/' || spec[0] == '.';
	key_r->pkey = NULL; /* on failure too: nothing for the caller to free */
	char *text = is_file ? keys_read_key_file(spec, require_safe, error_r) : xstrdup(spec);
	if (text == NULL)
		return -1;
	EVP_PKEY *pkey = keys_parse_key(text);
	OPENSSL_cleanse(text, strlen(text));
	free(text);
	if (pkey == NULL) {
		*error_r = xasprintf("%s: not a private key OpenSSL can read",
				     is_file ? spec : "inline key");
		return -1;
	}
	switch (EVP_PKEY_get_base_id(pkey)) {
	case EVP_PKEY_RSA:
		key_r->alg = DKIM_KEY_RSA;
		break;
	case EVP_PKEY_ED25519:
		key_r->alg = DKIM_KEY_ED25519;
		break;
	default:
		*error_r = xasprintf("%s: DKIM keys are RSA or Ed25519",
				     is_file ? spec : "inline key");
		EVP_PKEY_free(pkey);
		return -1;
	}
	key_r->pkey = pkey;
	key_r->bits = EVP_PKEY_get_bits(pkey);
	return 1;
}

static void keys_key_free(struct dkim_key *key)
{
	free(key->name);
	free(key->domain);
	free(key->selector);
	EVP_PKEY_free(key->pkey);
}

/* keys_add_key: load one key and check it against the signing floor. */
static int keys_add_key(struct dkim_keys *k, const char *name, const char *domain,
			const char *selector, const char *spec, const struct dkim_keys_opts *o,
			char **error_r)
{
	struct dkim_key key = {0};
	char *error = NULL;
	if (dkim_key_load(spec, o->require_safe, &key, &error) < 0) {
		*error_r = xasprintf("key %s: %s", name, error);
		free(error);
		return -1;
	}
	if (key.alg == DKIM_KEY_RSA && key.bits < o->min_bits) {
		*error_r = xasprintf("key %s: a %d-bit RSA key is under minimum_signing_key_bits "
				     "(%d)",
				     name, key.bits, o->min_bits);
		EVP_PKEY_free(key.pkey);
		return -1;
	}
	key.name = xstrdup(name);
	key.domain = xstrdup(domain);
	keys_lower(key.domain);
	key.selector = xstrdup(selector);
	k->keys = xreallocarray(k->keys, k->n_keys + 1, sizeof(*k->keys));
	k->keys[k->n_keys++] = key;
	return 1;
}

static const struct dkim_key *keys_by_name(const struct dkim_keys *k, const char *name)
{
	for (size_t i = 0; i < k->n_keys; i++)
		if (strcasecmp(k->keys[i].name, name) == 0)
			return &k->keys[i];
	return NULL;
}

static int keys_load_keytable(struct dkim_keys *k, const struct dkim_keys_opts *o, char **error_r)
{
	const char *path;
	int refile;
	struct keys_line *lines;
	size_t n;
	if (keys_table_path(o->key_table, &path, &refile, error_r) < 0)
		return -1;
	if (refile) {
		*error_r = xasprintf("key_table: %s: a KeyTable cannot be a refile:", path);
		return -1;
	}
	if (keys_read_lines(path, &lines, &n, error_r) < 0)
		return -1;
	int rc = 1;
	for (size_t i = 0; i < n && rc > 0; i++) {
		struct keys_line *l = &lines[i];
		char *c1 = l->n == 2 ? strchr(l->fields[1], ':') : NULL;
		char *c2 = c1 != NULL ? strchr(c1 + 1, ':') : NULL;
		if (c2 == NULL || c1 == l->fields[1] || c2 == c1 + 1 || c2[1] == '\0') {
			*error_r = xasprintf("%s:%u: expected NAME DOMAIN:SELECTOR:KEY", path,
					     l->lineno);
			rc = -1;
			break;
		}
		*c1 = *c2 = '\0';
		char *error = NULL;
		if (keys_by_name(k, l->fields[0]) != NULL) {
			*error_r = xasprintf("%s:%u: key %s is defined twice", path, l->lineno,
					     l->fields[0]);
			rc = -1;
		} else if (keys_add_key(k, l->fields[0], l->fields[1], c1 + 1, c2 + 1, o, &error) <
			   0) {
			*error_r = xasprintf("%s:%u: %s", path, l->lineno, error);
			free(error);
			rc = -1;
		}
	}
	keys_lines_free(lines, n);
	return rc;
}

static int keys_load_signingtable(struct dkim_keys *k, const struct dkim_keys_opts *o,
				  char **error_r)
{
	const char *path;
	struct keys_line *lines;
	size_t n;
	if (keys_table_path(o->signing_table, &path, &k->refile, error_r) < 0 ||
	    keys_read_lines(path, &lines, &n, error_r) < 0)
		return -1;
	int rc = 1;
	for (size_t i = 0; i < n; i++) {
		struct keys_line *l = &lines[i];
		if (l->n < 2 || strchr(l->fields[2] != NULL ? l->fields[2] : "", ' ') != NULL) {
			*error_r = xasprintf("%s:%u: expected PATTERN KEYNAME [SIGNER]", path,
					     l->lineno);
			rc = -1;
			break;
		}
		if (strcmp(l->fields[1], "%") != 0 && keys_by_name(k, l->fields[1]) == NULL) {
			*error_r = xasprintf("%s:%u: key %s is not in the key_table", path,
					     l->lineno, l->fields[1]);
			rc = -1;
			break;
		}
		k->rules = xreallocarray(k->rules, k->n_rules + 1, sizeof(*k->rules));
		struct keys_rule *r = &k->rules[k->n_rules++];
		r->pattern = l->fields[0];
		keys_lower(r->pattern);
		r->keyname = l->fields[1];
		r->signer = l->fields[2];
		l->n = 0; /* the fields now belong to the rule */
	}
	keys_lines_free(lines, n);
	return rc;
}

int dkim_keys_load(const struct dkim_keys_opts *o, struct dkim_keys **keys_r, char **error_r)
{
	int tables = o->key_table != NULL && *o->key_table != '\0';
	int signing = o->signing_table != NULL && *o->signing_table != '\0';
	int single = o->key_file != NULL && *o->key_file != '\0';
	struct dkim_keys *k;
	int rc = 1;

	*keys_r = NULL;
	if (tables != signing) {
		*error_r = xstrdup("key_table and signing_table go together: set both or neither");
		return -1;
	}
	if (tables && single) {
		*error_r = xstrdup("key_file is for a single key: with key_table and "
				   "signing_table leave it empty");
		return -1;
	}
	if (!tables && !single)
		return 0;
	if (single && (o->selector == NULL || *o->selector == '\0' || o->domains == NULL ||
		       o->domains[0] == NULL)) {
		*error_r = xstrdup("key_file needs domain and selector");
		return -1;
	}
	k = xcalloc(1, sizeof(*k));
	k->multiple = o->multiple;
	if (tables) {
		rc = keys_load_keytable(k, o, error_r);
		if (rc > 0)
			rc = keys_load_signingtable(k, o, error_r);
	} else {
		rc = keys_add_key(k, "default", "%", o->selector, o->key_file, o, error_r);
		size_t n = 0;
		while (o->domains[n] != NULL)
			n++;
		k->domains = xcalloc(n + 1, sizeof(*k->domains));
		for (size_t i = 0; i < n; i++) {
			k->domains[i] = xstrdup(o->domains[i]);
			keys_lower(k->domains[i]);
		}
	}
	if (rc < 0) {
		dkim_keys_free(&k);
		return -1;
	}
	*keys_r = k;
	return 1;
}

void dkim_keys_free(struct dkim_keys **kp)
{
	struct dkim_keys *k = *kp;
	if (k == NULL)
		return;
	for (size_t i = 0; i < k->n_keys; i++)
		keys_key_free(&k->keys[i]);
	free(k->keys);
	for (size_t i = 0; i < k->n_rules; i++) {
		free(k->rules[i].pattern);
		free(k->rules[i].keyname);
		free(k->rules[i].signer);
	}
	free(k->rules);
	for (size_t i = 0; k->domains != NULL && k->domains[i] != NULL; i++)
		free(k->domains[i]);
	free(k->domains);
	free(k);
	*kp = NULL;
}

/* keys_wildcard: text matches pattern, where "*" matches any text. Both
 * are lower case. */
static int keys_wildcard(const char *pattern, const char *text)
{
	const char *star = NULL, *resume = NULL;
	while (*text != '\0') {
		if (*pattern == '*') {
			star = pattern++;
			resume = text;
		} else if (*pattern == *text) {
			pattern++;
			text++;
		} else if (star != NULL) {
			pattern = star + 1;
			text = ++resume;
		} else {
			return 0;
		}
	}
	while (*pattern == '*')
		pattern++;
	return *pattern == '\0';
}

/* keys_percent: text with every "%" replaced by domain (malloc'd). */
static char *keys_percent(const char *text, const char *domain)
{
	struct buf out;
	buf_init(&out, 0);
	for (const char *p = text; *p != '\0'; p++)
		if (*p == '%')
			buf_append_str(&out, domain);
		else
			buf_append_char(&out, *p);
	char *s = buf_detach(&out);
	buf_deinit(&out);
	return s;
}

/* keys_add_match: add the key a rule names, once per key and domain. */
static void keys_add_match(const struct dkim_keys *k, const struct keys_rule *r, const char *domain,
			   struct dkim_key_match **m, size_t *n)
{
	char *name = keys_percent(r->keyname, domain);
	const struct dkim_key *key = keys_by_name(k, name);
	free(name);
	if (key == NULL)
		return;
	char *d = keys_percent(key->domain, domain);
	for (size_t i = 0; i < *n; i++)
		if ((*m)[i].key == key && strcmp((*m)[i].domain, d) == 0) {
			free(d);
			return;
		}
	*m = xreallocarray(*m, *n + 1, sizeof(**m));
	(*m)[*n].key = key;
	(*m)[*n].domain = d;
	(*m)[*n].identity = r->signer != NULL ? keys_percent(r->signer, domain) : NULL;
	(*n)++;
}

/* keys_candidates: the SigningTable keys to try, in OpenDKIM's order. */
static size_t keys_candidates(const char *user, const char *domain, char ***out_r)
{
	size_t n = 0, cap = 8;
	char **out = xcalloc(cap, sizeof(*out));
#define KEYS_ADD(expr)                                                                             \
	do {                                                                                       \
		if (n == cap)                                                                      \
			out = xreallocarray(out, cap *= 2, sizeof(*out));                          \
		out[n++] = (expr);                                                                 \
	} while (0)
	KEYS_ADD(xasprintf("%s@%s", user, domain));
	KEYS_ADD(xstrdup(domain));
	for (const char *p = strchr(domain, '.'); p != NULL; p = strchr(p + 1, '.'))
		KEYS_ADD(xasprintf("%s@%s", user, p));
	for (const char *p = strchr(domain, '.'); p != NULL; p = strchr(p + 1, '.'))
		KEYS_ADD(xstrdup(p));
	KEYS_ADD(xasprintf("%s@*", user));
	KEYS_ADD(xstrdup("*"));
#undef KEYS_ADD
	*out_r = out;
	return n;
}

size_t dkim_keys_find(const struct dkim_keys *k, const char *user, const char *domain,
		      struct dkim_key_match **m_r)
{
	char *u = xstrdup(user), *d = xstrdup(domain);
	struct dkim_key_match *m = NULL;
	size_t n = 0;
	keys_lower(u);
	keys_lower(d);
	if (k->domains != NULL) {
		for (size_t i = 0; k->domains[i] != NULL && n == 0; i++)
			if (strcmp(k->domains[i], d) == 0) {
				m = xcalloc(1, sizeof(*m));
				m->key = &k->keys[0];
				m->domain = xstrdup(d);
				n = 1;
			}
	} else if (k->refile) {
		char *addr = xasprintf("%s@%s", u, d);
		for (size_t i = 0; i < k->n_rules && (n == 0 || k->multiple); i++)
			if (keys_wildcard(k->rules[i].pattern, addr))
				keys_add_match(k, &k->rules[i], d, &m, &n);
		free(addr);
	} else {
		char **cands;
		size_t nc = keys_candidates(u, d, &cands);
		for (size_t c = 0; c < nc; c++) {
			for (size_t i = 0; i < k->n_rules && (n == 0 || k->multiple); i++)
				if (strcmp(k->rules[i].pattern, cands[c]) == 0)
					keys_add_match(k, &k->rules[i], d, &m, &n);
			free(cands[c]);
		}
		free(cands);
	}
	free(u);
	free(d);
	*m_r = m;
	return n;
}

void dkim_key_matches_free(struct dkim_key_match **mp, size_t n)
{
	struct dkim_key_match *m = *mp;
	if (m == NULL)
		return;
	for (size_t i = 0; i < n; i++) {
		free(m[i].domain);
		free(m[i].identity);
	}
	free(m);
	*mp = NULL;
}
