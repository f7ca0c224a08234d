/* hex.h: the value of one hexadecimal digit, for the decoders of %XX, =XX
 * and +XX escapes (RFC 2231, quoted-printable, RFC 2047, xtext). */
#ifndef POSTERN_HEX_H
#define POSTERN_HEX_H

/* hex_digit_value: 0..15 for 0-9, a-f, A-F; -1 for anything else. */
static inline int hex_digit_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

#endif
