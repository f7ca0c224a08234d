/* base64.c: streaming, lenient base64 decoder for MIME bodies and RFC 2047
 * encoded words (see base64.h). */
#include "base64.h"

/* base64_value: the 6-bit value of c, -1 for white space, -2 for anything
 * else outside the alphabet, -3 for the pad character. */
static int base64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	if (c == '=')
		return -3;
	if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
		return -1;
	return -2;
}

void base64_decoder_init(struct base64_decoder *d)
{
	d->bits = 0;
	d->count = 0;
	d->padded = 0;
	d->defects = 0;
}

/* base64_flush_partial: emit the bytes an incomplete quantum holds. */
static size_t base64_flush_partial(struct base64_decoder *d, struct buf *out)
{
	unsigned char bytes[2];
	size_t n = 0;

	if (d->count == 2) {
		bytes[0] = (unsigned char)(d->bits >> 4);
		n = 1;
	} else if (d->count == 3) {
		bytes[0] = (unsigned char)(d->bits >> 10);
		bytes[1] = (unsigned char)(d->bits >> 2);
		n = 2;
	}
	if (n > 0)
		buf_append(out, bytes, n);
	d->bits = 0;
	d->count = 0;
	return n;
}

size_t base64_decode_update(struct base64_decoder *d, const char *in, size_t len, struct buf *out)
{
	size_t added = 0;

	for (size_t i = 0; i < len; i++) {
		int v = base64_value((unsigned char)in[i]);
		if (v == -1)
			continue;
		if (v == -2) {
			d->defects |= BASE64_BAD_CHAR;
			continue;
		}
		if (v == -3) {
			/* Padding ends the quantum; "xy==" yields one byte. A lone
			 * character before '=' carries no whole byte. */
			if (d->count == 1)
				d->defects |= BASE64_TRUNCATED;
			added += base64_flush_partial(d, out);
			d->padded = 1;
			continue;
		}
		if (d->padded) {
			d->defects |= BASE64_AFTER_PAD;
			d->padded = 0;
		}
		d->bits = (d->bits << 6) | (unsigned)v;
		if (++d->count == 4) {
			unsigned char bytes[3] = {
			    (unsigned char)(d->bits >> 16),
			    (unsigned char)(d->bits >> 8),
			    (unsigned char)d->bits,
			};
			buf_append(out, bytes, 3);
			added += 3;
			d->bits = 0;
			d->count = 0;
		}
	}
	return added;
}

int base64_decode_finish(struct base64_decoder *d, struct buf *out)
{
	int complete = d->count == 0;

	if (!complete)
		d->defects |= BASE64_TRUNCATED;
	base64_flush_partial(d, out);
	d->padded = 0;
	return complete;
}

int base64_decode(const char *in, size_t len, struct buf *out)
{
	struct base64_decoder d;

	base64_decoder_init(&d);
	base64_decode_update(&d, in, len, out);
	base64_decode_finish(&d, out);
	return d.defects == 0;
}
