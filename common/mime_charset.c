/* mime_charset.c: charset conversion to UTF-8 for RFC 2047 encoded words
 * and RFC 2231 parameter values (see mime_charset.h). */
#include "mime_charset.h"

#include <errno.h>
#include <iconv.h>
#include <string.h>
#include <strings.h>

#define UTF8_REPLACEMENT "\xef\xbf\xbd"

/* utf8_seq_len: length of the well-formed UTF-8 sequence at s (at most n
 * bytes available), or 0 when it is not well-formed. */
static size_t utf8_seq_len(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	size_t len;
	unsigned char lo = 0x80, hi = 0xbf;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2;
	else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		if (c == 0xe0)
			lo = 0xa0; /* no overlong forms */
		else if (c == 0xed)
			hi = 0x9f; /* no surrogates */
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f; /* nothing above U+10FFFF */
	} else
		return 0;
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return len;
}

int mime_utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;

	for (size_t i = 0; i < len;) {
		size_t n = utf8_seq_len(p + i, len - i);
		if (n == 0)
			return 0;
		i += n;
	}
	return 1;
}

/* from_utf8: copy, replacing ill-formed sequences. */
static int from_utf8(const char *in, size_t len, struct buf *out)
{
	const unsigned char *p = (const unsigned char *)in;
	int clean = 1;

	for (size_t i = 0; i < len;) {
		size_t n = utf8_seq_len(p + i, len - i);
		if (n == 0) {
			buf_append_str(out, UTF8_REPLACEMENT);
			clean = 0;
			i++;
			continue;
		}
		buf_append(out, in + i, n);
		i += n;
	}
	return clean ? 1 : -1;
}

static int from_ascii(const char *in, size_t len, struct buf *out)
{
	int clean = 1;

	for (size_t i = 0; i < len; i++) {
		if ((unsigned char)in[i] >= 0x80) {
			buf_append_str(out, UTF8_REPLACEMENT);
			clean = 0;
		} else
			buf_append_char(out, in[i]);
	}
	return clean ? 1 : -1;
}

static int from_latin1(const char *in, size_t len, struct buf *out)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)in[i];
		if (c < 0x80) {
			buf_append_char(out, (char)c);
		} else {
			char two[2] = {(char)(0xc0 | (c >> 6)), (char)(0x80 | (c & 0x3f))};
			buf_append(out, two, 2);
		}
	}
	return 1;
}

/* charset_is_one_of: case-insensitive match against a NULL-terminated list. */
static int charset_is_one_of(const char *charset, const char *const *names)
{
	for (; *names != NULL; names++)
		if (strcasecmp(charset, *names) == 0)
			return 1;
	return 0;
}

/* charset_name_ok: what IANA charset names are made of (RFC 2978). */
static int charset_name_ok(const char *charset)
{
	size_t len = strlen(charset);

	if (len == 0 || len > 64)
		return 0;
	return strspn(charset, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			       "0123456789-_.:+()") == len;
}

static int from_iconv(const char *charset, const char *in, size_t len, struct buf *out)
{
	iconv_t cd = iconv_open("UTF-8", charset);
	char chunk[256];
	int clean = 1;

	if (cd == (iconv_t)-1)
		return 0;
	char *inp = (char *)in;
	size_t inleft = len;
	while (inleft > 0) {
		char *outp = chunk;
		size_t outleft = sizeof(chunk);
		size_t rc = iconv(cd, &inp, &inleft, &outp, &outleft);
		buf_append(out, chunk, sizeof(chunk) - outleft);
		if (rc != (size_t)-1 || errno == E2BIG)
			continue;
		/* EILSEQ or EINVAL (incomplete at the end): replace a byte. */
		buf_append_str(out, UTF8_REPLACEMENT);
		clean = 0;
		inp++;
		inleft--;
		iconv(cd, NULL, NULL, NULL, NULL);
	}
	/* Flush a stateful encoding's shift sequence. */
	char *outp = chunk;
	size_t outleft = sizeof(chunk);
	iconv(cd, NULL, NULL, &outp, &outleft);
	buf_append(out, chunk, sizeof(chunk) - outleft);
	iconv_close(cd);
	return clean ? 1 : -1;
}

int mime_charset_to_utf8(const char *charset, const char *in, size_t len, struct buf *out)
{
	static const char *const utf8[] = {"utf-8", "utf8", NULL};
	static const char *const ascii[] = {"us-ascii", "ascii", "ansi_x3.4-1968", "iso646-us",
					    NULL};
	static const char *const latin1[] = {"iso-8859-1", "iso8859-1", "iso_8859-1",
					     "latin1",	   "l1",	NULL};

	if (charset_is_one_of(charset, utf8))
		return from_utf8(in, len, out);
	if (charset_is_one_of(charset, ascii))
		return from_ascii(in, len, out);
	if (charset_is_one_of(charset, latin1))
		return from_latin1(in, len, out);
	if (charset_name_ok(charset)) {
		int rc = from_iconv(charset, in, len, out);
		if (rc != 0)
			return rc;
	}
	buf_append(out, in, len);
	return 0;
}
