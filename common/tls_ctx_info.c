/* tls_ctx_info.c: the facts of an established TLS connection (protocol,
 * cipher, key exchange, signatures, peer certificate) and Postfix's
 * one-line description of them (see struct tls_info in tls_ctx.h).
 */
#include "tls_ctx_private.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/ec.h>
#include <openssl/x509.h>

#include "mem.h"

static char *tls_info_dup(const char *s)
{
	return s != NULL ? xstrdup(s) : NULL;
}

/* tls_info_curve: the NIST name of an EC key's curve, else its short name. */
static char *tls_info_curve(EVP_PKEY *pkey)
{
	char group[80];
	if (!EVP_PKEY_get_group_name(pkey, group, sizeof(group), NULL))
		return NULL;
	int nid = OBJ_sn2nid(group);
	if (nid == NID_undef)
		nid = OBJ_ln2nid(group);
	const char *nist = nid != NID_undef ? EC_curve_nid2nist(nid) : NULL;
	return xstrdup(nist != NULL ? nist : group);
}

static void tls_info_kex(SSL *ssl, struct tls_info *info)
{
	EVP_PKEY *pkey = NULL;
	if (!SSL_get_peer_tmp_key(ssl, &pkey) && !SSL_get_tmp_key(ssl, &pkey))
		return;
	switch (EVP_PKEY_get_base_id(pkey)) {
	case EVP_PKEY_DH:
		info->kex_name = xstrdup("DHE");
		info->kex_bits = EVP_PKEY_get_bits(pkey);
		break;
	case EVP_PKEY_EC:
		info->kex_name = xstrdup("ECDHE");
		info->kex_curve = tls_info_curve(pkey);
		break;
	default:
		info->kex_name = tls_info_dup(OBJ_nid2sn(EVP_PKEY_get_base_id(pkey)));
		break;
	}
	EVP_PKEY_free(pkey);
}

/* tls_info_sig: describe the signature made with pkey; type_nid and
 * md_nid are what the handshake used (NID_undef when unknown). */
static void tls_info_sig(EVP_PKEY *pkey, int type_nid, int md_nid, char **name_r, char **curve_r,
			 int *bits_r, char **digest_r)
{
	switch (EVP_PKEY_get_base_id(pkey)) {
	case EVP_PKEY_RSA:
		*name_r = xstrdup(type_nid == EVP_PKEY_RSA_PSS ? "RSA-PSS" : "RSA");
		*bits_r = EVP_PKEY_get_bits(pkey);
		break;
	case EVP_PKEY_EC:
		*name_r = xstrdup("ECDSA");
		*curve_r = tls_info_curve(pkey);
		break;
	default:
		*name_r = tls_info_dup(OBJ_nid2sn(EVP_PKEY_get_base_id(pkey)));
		break;
	}
	if (md_nid != NID_undef)
		*digest_r = tls_info_dup(OBJ_nid2sn(md_nid));
}

static char *tls_info_hex(const unsigned char *md, unsigned len)
{
	char *s = xmalloc(len * 3 + 1);
	static const char hex[] = "0123456789ABCDEF";
	for (unsigned i = 0; i < len; i++) {
		s[3 * i] = hex[md[i] >> 4];
		s[3 * i + 1] = hex[md[i] & 15];
		s[3 * i + 2] = ':';
	}
	s[len ? len * 3 - 1 : 0] = '\0';
	return s;
}

/* tls_info_name_entry: the first entry nid of name, "" when none. */
static char *tls_info_name_entry(const X509_NAME *name, int nid)
{
	int pos = X509_NAME_get_index_by_NID(name, nid, -1);
	if (pos < 0)
		return NULL;
	ASN1_STRING *data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, pos));
	unsigned char *utf8 = NULL;
	int len = ASN1_STRING_to_UTF8(&utf8, data);
	if (len < 0)
		return NULL;
	char *s = xstrndup((const char *)utf8, (size_t)len);
	OPENSSL_free(utf8);
	return s;
}

static void tls_info_peer(SSL *ssl, X509 *cert, const EVP_MD *digest, struct tls_info *info)
{
	info->peer_cert = 1;
	info->peer_verified = SSL_get_verify_result(ssl) == X509_V_OK;
	info->peer_cn = tls_info_name_entry(X509_get_subject_name(cert), NID_commonName);
	info->issuer_cn = tls_info_name_entry(X509_get_issuer_name(cert), NID_commonName);
	if (info->issuer_cn == NULL)
		info->issuer_cn =
			tls_info_name_entry(X509_get_issuer_name(cert), NID_organizationName);
	if (info->peer_cn == NULL)
		info->peer_cn = xstrdup("");
	if (info->issuer_cn == NULL)
		info->issuer_cn = xstrdup("");
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned len;
	if (X509_digest(cert, digest, md, &len))
		info->peer_fingerprint = tls_info_hex(md, len);
	if (X509_pubkey_digest(cert, digest, md, &len))
		info->peer_pkey_fingerprint = tls_info_hex(md, len);
}

void tls_info_get(SSL *ssl, const EVP_MD *digest, struct tls_info *info)
{
	const SSL_CIPHER *cipher = SSL_get_current_cipher(ssl);
	int server = SSL_is_server(ssl);
	info->protocol = xstrdup(SSL_get_version(ssl));
	info->cipher = xstrdup(cipher != NULL ? SSL_CIPHER_get_name(cipher) : "(NONE)");
	info->cipher_usebits =
		cipher != NULL ? SSL_CIPHER_get_bits(cipher, &info->cipher_algbits) : 0;
	X509 *peer = SSL_get1_peer_certificate(ssl);
	if (peer != NULL) {
		tls_info_peer(ssl, peer, digest, info);
		X509_free(peer);
	}
	/* Before TLSv1.3 the cipher's name says how keys were exchanged and
	 * signed; Postfix reports the details for TLSv1.3 only. */
	if (SSL_version(ssl) < TLS1_3_VERSION) {
		ERR_clear_error();
		return;
	}
	tls_info_kex(ssl, info);

	int type_nid = NID_undef, md_nid = NID_undef;
	EVP_PKEY *local = SSL_get_privatekey(ssl);
	if (local != NULL) {
		SSL_get_signature_type_nid(ssl, &type_nid);
		SSL_get_signature_nid(ssl, &md_nid);
		if (server)
			tls_info_sig(local, type_nid, md_nid, &info->srv_sig, &info->srv_sig_curve,
				     &info->srv_sig_bits, &info->srv_sig_digest);
		else
			tls_info_sig(local, type_nid, md_nid, &info->clnt_sig,
				     &info->clnt_sig_curve, &info->clnt_sig_bits,
				     &info->clnt_sig_digest);
	}
	peer = SSL_get1_peer_certificate(ssl);
	if (peer != NULL) {
		EVP_PKEY *pkey = X509_get0_pubkey(peer);
		type_nid = md_nid = NID_undef;
		SSL_get_peer_signature_type_nid(ssl, &type_nid);
		SSL_get_peer_signature_nid(ssl, &md_nid);
		if (pkey != NULL && server)
			tls_info_sig(pkey, type_nid, md_nid, &info->clnt_sig, &info->clnt_sig_curve,
				     &info->clnt_sig_bits, &info->clnt_sig_digest);
		else if (pkey != NULL)
			tls_info_sig(pkey, type_nid, md_nid, &info->srv_sig, &info->srv_sig_curve,
				     &info->srv_sig_bits, &info->srv_sig_digest);
		X509_free(peer);
	}
	ERR_clear_error();
}

void tls_info_clear(struct tls_info *info)
{
	char **strings[] = {
		&info->protocol,	 &info->cipher,
		&info->kex_name,	 &info->kex_curve,
		&info->srv_sig,		 &info->srv_sig_curve,
		&info->srv_sig_digest,	 &info->clnt_sig,
		&info->clnt_sig_curve,	 &info->clnt_sig_digest,
		&info->peer_cn,		 &info->issuer_cn,
		&info->peer_fingerprint, &info->peer_pkey_fingerprint,
	};
	for (size_t i = 0; i < sizeof(strings) / sizeof(strings[0]); i++)
		free(*strings[i]);
	memset(info, 0, sizeof(*info));
}

static void tls_info_sig_text(struct buf *out, const char *side, const char *name,
			      const char *curve, int bits, const char *digest)
{
	if (name == NULL)
		return;
	buf_printf(out, " %s-signature %s", side, name);
	if (curve != NULL)
		buf_printf(out, " (%s)", curve);
	else if (bits > 0)
		buf_printf(out, " (%d bits)", bits);
	if (digest != NULL)
		buf_printf(out, " %s-digest %s", side, digest);
}

/* tls_info_part: append sep and a part of the summary (which starts with
 * a space, dropped) unless it is empty. */
static void tls_info_part(struct buf *out, const char *sep, struct buf *part)
{
	if (part->len > 0) {
		buf_append_str(out, sep);
		buf_append_str(out, part->data + 1);
	}
	buf_reset(part);
}

void tls_info_summary(const struct tls_info *info, const char *sep, struct buf *out)
{
	buf_printf(out, "%s with cipher %s (%d/%d bits)", info->protocol, info->cipher,
		   info->cipher_usebits, info->cipher_algbits);
	struct buf part;
	buf_init(&part, 0);
	if (info->kex_name != NULL) {
		buf_printf(&part, " key-exchange %s", info->kex_name);
		if (info->kex_curve != NULL)
			buf_printf(&part, " (%s)", info->kex_curve);
		else if (info->kex_bits > 0)
			buf_printf(&part, " (%d bits)", info->kex_bits);
	}
	tls_info_sig_text(&part, "server", info->srv_sig, info->srv_sig_curve, info->srv_sig_bits,
			  info->srv_sig_digest);
	tls_info_part(out, sep, &part);
	tls_info_sig_text(&part, "client", info->clnt_sig, info->clnt_sig_curve,
			  info->clnt_sig_bits, info->clnt_sig_digest);
	tls_info_part(out, sep, &part);
	buf_deinit(&part);
}
