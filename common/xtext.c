/* xtext.c: RFC 3461 xtext and RFC 6533 utf-8-addr-xtext/unitext encoding
 * and decoding (see xtext.h). */
#include "xtext.h"
#include "hex.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "mem.h"

static const char xtext_hex[] = "0123456789ABCDEF";

static int fail(char **error_r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(char **error_r, const char *fmt, ...)
{
	if (error_r != NULL) {
		va_list ap;
		va_start(ap, fmt);
		*error_r = xvasprintf(fmt, ap);
		va_end(ap);
	}
	return -1;
}

int xtext_decode(const char *in, size_t len, struct buf *out, char **error_r)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)in[i];
		if (c == '+') {
			int hi = i + 2 < len ? hex_digit_value(in[i + 1]) : -1;
			int lo = i + 2 < len ? hex_digit_value(in[i + 2]) : -1;
			if (hi < 0 || lo < 0)
				return fail(error_r,
					    "xtext: '+' at offset %zu not followed by two "
					    "hex digits",
					    i);
			c = (unsigned char)(hi * 16 + lo);
			if (c == '\0')
				return fail(error_r, "xtext: encoded NUL at offset %zu", i);
			i += 2;
		} else if (c < '!' || c > '~' || c == '=') {
			return fail(error_r, "xtext: character 0x%02x not allowed at offset %zu", c,
				    i);
		}
		if (buf_append_char(out, (char)c) < 0)
			return fail(error_r, "xtext: decoded value too long");
	}
	return 1;
}

int xtext_encode(const char *in, size_t len, struct buf *out)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)in[i];
		int rc;
		if (c < '!' || c > '~' || c == '+' || c == '=')
			rc = buf_printf(out, "+%c%c", xtext_hex[c >> 4], xtext_hex[c & 15]);
		else
			rc = buf_append_char(out, (char)c);
		if (rc < 0)
			return -1;
	}
	return 1;
}

/* utf8_one: length of the well-formed UTF-8 sequence at s (n bytes
 * available) and its code point in *cp_r; 0 when it is not well-formed
 * (truncated, overlong, a surrogate, beyond U+10FFFF). */
static size_t utf8_one(const unsigned char *s, size_t n, unsigned *cp_r)
{
	size_t len;
	unsigned cp, min;

	if (s[0] < 0x80) {
		*cp_r = s[0];
		return 1;
	} else if ((s[0] & 0xe0) == 0xc0) {
		len = 2, cp = s[0] & 0x1f, min = 0x80;
	} else if ((s[0] & 0xf0) == 0xe0) {
		len = 3, cp = s[0] & 0x0f, min = 0x800;
	} else if ((s[0] & 0xf8) == 0xf0) {
		len = 4, cp = s[0] & 0x07, min = 0x10000;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	*cp_r = cp;
	return len;
}

static int utf8_put(struct buf *out, unsigned cp)
{
	char b[4];
	size_t n;
	if (cp < 0x80) {
		b[0] = (char)cp, n = 1;
	} else if (cp < 0x800) {
		b[0] = (char)(0xc0 | (cp >> 6)), b[1] = (char)(0x80 | (cp & 0x3f)), n = 2;
	} else if (cp < 0x10000) {
		b[0] = (char)(0xe0 | (cp >> 12)), b[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		b[2] = (char)(0x80 | (cp & 0x3f)), n = 3;
	} else {
		b[0] = (char)(0xf0 | (cp >> 18)), b[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		b[2] = (char)(0x80 | ((cp >> 6) & 0x3f)), b[3] = (char)(0x80 | (cp & 0x3f)), n = 4;
	}
	return buf_append(out, b, n);
}

/* qchar: an ASCII character that may appear raw in utf-8-addr-xtext. */
static int qchar(unsigned c)
{
	return c >= '!' && c <= '~' && c != '+' && c != '=' && c != '\\';
}

/* embedded_char: parse "\x{HEX}" at in[i..len); its length, or 0. */
static size_t embedded_char(const char *in, size_t i, size_t len, unsigned *cp_r)
{
	if (len - i < 6 || in[i + 1] != 'x' || in[i + 2] != '{')
		return 0;
	size_t j = i + 3, digits = 0;
	unsigned cp = 0;
	while (j < len && hex_digit_value(in[j]) >= 0 && digits < 7) {
		cp = cp * 16 + (unsigned)hex_digit_value(in[j]);
		j++, digits++;
	}
	if (j >= len || in[j] != '}' || digits < 2 || digits > 6)
		return 0;
	if (digits > 2 && in[i + 3] == '0')
		return 0;
	if (cp == 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) || (cp < 0x80 && qchar(cp)))
		return 0;
	*cp_r = cp;
	return j + 1 - i;
}

int xtext_utf8_decode(const char *in, size_t len, int allow_utf8, struct buf *out, char **error_r)
{
	size_t i = 0;
	while (i < len) {
		unsigned char c = (unsigned char)in[i];
		unsigned cp;
		size_t n;
		if (c == '\\') {
			if ((n = embedded_char(in, i, len, &cp)) == 0)
				return fail(error_r, "utf-8-addr-xtext: bad \\x{HEX} at offset %zu",
					    i);
		} else if (c >= 0x80) {
			if (!allow_utf8)
				return fail(error_r,
					    "utf-8-addr-xtext: 8-bit byte at offset %zu "
					    "without SMTPUTF8",
					    i);
			if ((n = utf8_one((const unsigned char *)in + i, len - i, &cp)) == 0)
				return fail(error_r,
					    "utf-8-addr-unitext: malformed UTF-8 at "
					    "offset %zu",
					    i);
		} else if (qchar(c)) {
			cp = c, n = 1;
		} else {
			return fail(error_r,
				    "utf-8-addr-xtext: character 0x%02x not allowed at "
				    "offset %zu",
				    c, i);
		}
		if (utf8_put(out, cp) < 0)
			return fail(error_r, "utf-8-addr-xtext: decoded value too long");
		i += n;
	}
	return 1;
}

int xtext_utf8_encode(const char *in, size_t len, struct buf *out)
{
	size_t i = 0;
	while (i < len) {
		unsigned cp;
		size_t n = utf8_one((const unsigned char *)in + i, len - i, &cp);
		int rc;
		if (n == 0 || cp == 0)
			return -1;
		if (cp < 0x80 && qchar(cp))
			rc = buf_append_char(out, (char)cp);
		else
			rc = buf_printf(out, "\\x{%02X}", cp);
		if (rc < 0)
			return -1;
		i += n;
	}
	return 1;
}
