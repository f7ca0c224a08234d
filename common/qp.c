/* qp.c: streaming, lenient quoted-printable decoder for MIME bodies (see
 * qp.h). */
#include "qp.h"
#include "hex.h"

void qp_decoder_init(struct qp_decoder *d)
{
	d->eq = 0;
	d->hex = 0;
	d->ws_len = 0;
	d->defects = 0;
}

/* qp_flush_pending: emit a pending malformed "=" sequence and held white
 * space literally. */
static void qp_flush_pending(struct qp_decoder *d, struct buf *out)
{
	if (d->eq) {
		d->defects |= QP_BAD_ESCAPE;
		buf_append_char(out, '=');
		if (d->hex)
			buf_append_char(out, d->hex);
		d->eq = 0;
		d->hex = 0;
	}
	buf_append(out, d->ws, d->ws_len);
	d->ws_len = 0;
}

void qp_decode_update(struct qp_decoder *d, const char *in, size_t len, struct buf *out)
{
	for (size_t i = 0; i < len; i++) {
		char c = in[i];
		if (c == ' ' || c == '\t') {
			/* Held: trailing white space (also after a soft-break "=")
			 * is dropped at the end of the line. */
			if (d->ws_len == QP_WS_MAX)
				qp_flush_pending(d, out);
			d->ws[d->ws_len++] = c;
			continue;
		}
		if (d->eq && d->ws_len == 0 && hex_digit_value(c) >= 0) {
			if (d->hex == 0) {
				d->hex = c;
				continue;
			}
			char byte = (char)(hex_digit_value(d->hex) * 16 + hex_digit_value(c));
			buf_append_char(out, byte);
			d->eq = 0;
			d->hex = 0;
			continue;
		}
		qp_flush_pending(d, out);
		if (c == '=') {
			d->eq = 1;
			continue;
		}
		unsigned char u = (unsigned char)c;
		if (u >= 0x80 || u < 0x20)
			d->defects |= QP_BAD_CHAR;
		buf_append_char(out, c);
	}
}

void qp_decode_eol(struct qp_decoder *d, const char *eol, size_t eol_len, struct buf *out)
{
	if (d->eq && d->hex == 0) {
		/* Soft line break, possibly followed by transport padding. */
		d->eq = 0;
		d->ws_len = 0;
		return;
	}
	d->ws_len = 0;
	qp_flush_pending(d, out);
	buf_append(out, eol, eol_len);
}

void qp_decode_finish(struct qp_decoder *d, struct buf *out)
{
	if (d->eq && d->hex == 0 && d->ws_len == 0) {
		d->eq = 0;
		return;
	}
	qp_flush_pending(d, out);
}
