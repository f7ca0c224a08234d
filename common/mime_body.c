/* mime_body.c: body lines: leaf content is transfer-decoded (base64,
 * quoted-printable, or identity) and delivered one line late, so that the
 * line break before a boundary can be left out of the content (RFC 2046
 * section 5.1.1); preamble, epilogue and opaque lines go out at once. Part
 * of the MIME parser (see mime.h, mime_private.h). */
#include <string.h>

#include "mime_private.h"

void mime_body_begin(struct mime_parser *p)
{
	base64_decoder_init(&p->b64);
	qp_decoder_init(&p->qp);
	p->have_held = 0;
}

static int has_8bit(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] >= 0x80)
			return 1;
	return 0;
}

/* decode_held: transfer-decode the held line (text) into p->decoded; last:
 * the leaf ends after it; eol_len: the bytes of its line break that are
 * content. */
static void decode_held(struct mime_parser *p, enum mime_encoding encoding, const char *text,
			int last, size_t eol_len)
{
	const struct mime_line *ln = &p->held;

	switch (encoding) {
	case MIME_ENC_BASE64:
		base64_decode_update(&p->b64, text, ln->len, &p->decoded);
		if (last)
			base64_decode_finish(&p->b64, &p->decoded);
		if (p->b64.defects)
			mime_error(p, MIME_ERR_BASE64);
		break;
	case MIME_ENC_QP:
		qp_decode_update(&p->qp, text, ln->len, &p->decoded);
		if (ln->ended)
			qp_decode_eol(&p->qp, text + ln->len, eol_len, &p->decoded);
		else if (last)
			qp_decode_finish(&p->qp, &p->decoded);
		if (p->qp.defects)
			mime_error(p, MIME_ERR_QP);
		break;
	case MIME_ENC_7BIT:
	case MIME_ENC_8BIT:
	case MIME_ENC_BINARY:
		buf_append(&p->decoded, text, ln->len + eol_len);
		break;
	}
}

/* emit_held: deliver the held line; last: the leaf ends after it; drop_eol:
 * its line break belongs to the boundary that follows. */
static void emit_held(struct mime_parser *p, int last, int drop_eol)
{
	struct mime_entity *e = mime_top(p);
	struct mime_line *ln = &p->held;
	const char *text = buf_cstr(&p->hold);

	ln->raw = text;
	if (e->part.encoding == MIME_ENC_7BIT && has_8bit(text, ln->len))
		mime_error(p, MIME_ERR_8BIT_IN_7BIT_BODY);
	buf_reset(&p->decoded);
	if (!p->cfg.no_decoding)
		decode_held(p, e->part.encoding, text, last,
			    drop_eol ? 0 : ln->raw_len - ln->len);
	ln->decoded = p->cfg.no_decoding ? NULL : (const unsigned char *)buf_cstr(&p->decoded);
	ln->decoded_len = buf_len(&p->decoded);
	p->have_held = 0;
	struct mime_event ev = {.type = MIME_EV_BODY, .part = &e->part, .line = ln};
	mime_emit(p, &ev);
}

void mime_body_line(struct mime_parser *p, const struct mime_line *line)
{
	if (p->have_held)
		emit_held(p, 0, 0);
	buf_reset(&p->hold);
	buf_append(&p->hold, line->raw, line->raw_len);
	p->held = *line;
	p->held.kind = MIME_BODY_CONTENT;
	p->have_held = 1;
}

void mime_body_end(struct mime_parser *p, int before_boundary)
{
	if (p->have_held)
		emit_held(p, 1, before_boundary);
}

void mime_body_other(struct mime_parser *p, struct mime_line *line, enum mime_body_kind kind)
{
	struct mime_entity *e = mime_top(p);

	if (kind != MIME_BODY_OPAQUE && e->part.encoding == MIME_ENC_7BIT &&
	    has_8bit(line->raw, line->len))
		mime_error(p, MIME_ERR_8BIT_IN_7BIT_BODY);
	line->kind = kind;
	line->decoded = NULL;
	line->decoded_len = 0;
	struct mime_event ev = {.type = MIME_EV_BODY, .part = &e->part, .line = line};
	mime_emit(p, &ev);
}
