/* base64.c: streaming, lenient base64 decoder for MIME bodies and RFC 2047
 * encoded words (see base64.h). */
#include "base64.h"

/* base64_values: the 6-bit value of each byte, -1 for white space, -2 for
 * anything else outside the alphabet, -3 for the pad character. A table,
 * not comparisons: on encoded data, range tests mispredict at every byte. */
static const signed char base64_values[256] = {
	-2, -2, -2, -2, -2, -2, -2, -2, -2, -1, -1, -2, -2, -1, -2, -2,
	-2, -2, -2, -2, -2, -2, -2, -2, -2, -2, -2, -2, -2, -2, -2, -2,
	-1, -2, -2, -2, -2, -2, -2, -2, -2, -2, -2, 62, -2, -2, -2, 63,
	52, 53, 54, 55, 56, 57, 58, 59, 60, 61, -2, -2, -2, -3, -2, -2,
	-2, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14,
	15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, -2, -2, -2, -2, -2,
	-2, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40,
	41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, -2, -2, -2, -2, -2,
	-2, -2, -2, -2, -2, -2, -2, -2, -2, -2, -2, -2, -2, -2, -2, -2,
	-2, -2, -2, -2, -2, -2, -2, -2, -2, -2, -2, -2, -2, -2, -2, -2,
	-2, -2, -2, -2, -2, -2, -2, -2, -2, -2, -2, -2, -2, -2, -2, -2,
	-2, -2, -2, -2, -2, -2, -2, -2, -2, -2, -2, -2, -2, -2, -2, -2,
	-2, -2, -2, -2, -2, -2, -2, -2, -2, -2, -2, -2, -2, -2, -2, -2,
	-2, -2, -2, -2, -2, -2, -2, -2, -2, -2, -2, -2, -2, -2, -2, -2,
	-2, -2, -2, -2, -2, -2, -2, -2, -2, -2, -2, -2, -2, -2, -2, -2,
	-2, -2, -2, -2, -2, -2, -2, -2, -2, -2, -2, -2, -2, -2, -2, -2,
};

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

/* Decoded bytes are staged here and appended to the output a block at a
 * time. */
struct base64_out {
	struct buf *buf;
	unsigned char block[768];
	size_t n;     /* bytes staged */
	size_t added; /* bytes appended to buf */
};

static void base64_out_flush(struct base64_out *o)
{
	buf_append(o->buf, o->block, o->n);
	o->added += o->n;
	o->n = 0;
}

/* base64_out_quantum: stage the 3 bytes of a complete 24-bit quantum. */
static void base64_out_quantum(struct base64_out *o, unsigned bits)
{
	if (o->n + 3 > sizeof(o->block))
		base64_out_flush(o);
	o->block[o->n++] = (unsigned char)(bits >> 16);
	o->block[o->n++] = (unsigned char)(bits >> 8);
	o->block[o->n++] = (unsigned char)bits;
}

size_t base64_decode_update(struct base64_decoder *d, const char *in, size_t len, struct buf *out)
{
	struct base64_out o = {.buf = out};
	const unsigned char *u = (const unsigned char *)in;

	for (size_t i = 0; i < len; i++) {
		/* Fast path: whole quanta of alphabet characters. */
		while (d->count == 0 && !d->padded && len - i >= 4) {
			int a = base64_values[u[i]], b = base64_values[u[i + 1]];
			int c = base64_values[u[i + 2]], e = base64_values[u[i + 3]];
			if ((a | b | c | e) < 0)
				break;
			base64_out_quantum(&o, (unsigned)a << 18 | (unsigned)b << 12 |
						       (unsigned)c << 6 | (unsigned)e);
			i += 4;
		}
		if (i == len)
			break;
		int v = base64_values[u[i]];
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
			base64_out_flush(&o);
			o.added += base64_flush_partial(d, out);
			d->padded = 1;
			continue;
		}
		if (d->padded) {
			d->defects |= BASE64_AFTER_PAD;
			d->padded = 0;
		}
		d->bits = (d->bits << 6) | (unsigned)v;
		if (++d->count == 4) {
			base64_out_quantum(&o, d->bits);
			d->bits = 0;
			d->count = 0;
		}
	}
	base64_out_flush(&o);
	return o.added;
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
