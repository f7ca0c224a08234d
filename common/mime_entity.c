/* mime_entity.c: the stack of open MIME entities: opening an entity,
 * handling its headers, deciding at the end of its headers whether it is a
 * leaf, a multipart or an attached message, boundaries, and closing. Part
 * of the MIME parser (see mime.h, mime_private.h). The stack is an array,
 * so nesting costs no C stack. */
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "mime_private.h"

int mime_entity_push(struct mime_parser *p, enum mime_part_kind kind, enum header_block block)
{
	if (p->parts >= p->cfg.part_count_limit) {
		mime_error(p, MIME_ERR_PART_COUNT);
		mime_entity_opaque(p);
		return 0;
	}
	if (p->depth == p->size) {
		p->size = p->size == 0 ? 4 : p->size * 2;
		p->stack = xreallocarray(p->stack, p->size, sizeof(*p->stack));
	}
	struct mime_entity *parent = p->depth > 0 ? &p->stack[p->depth - 1] : NULL;
	struct mime_entity *e = &p->stack[p->depth++];
	memset(e, 0, sizeof(*e));
	mime_part_init(&e->part, p->parts++, parent != NULL ? parent->part.id : 0,
		       parent != NULL ? parent->part.depth + 1 : 0, kind,
		       parent != NULL && parent->digest && kind == MIME_PART_BODYPART);
	e->state = MIME_ENT_HEADERS;
	e->block = block;
	if (parent != NULL) {
		/* A composite's parameters are of no use once its content began. */
		mime_part_release(&parent->part);
		parent->state = parent->part.multipart ? MIME_ENT_PARTS : MIME_ENT_MESSAGE;
	}
	struct mime_event ev = {.type = MIME_EV_PART_START, .part = &e->part};
	mime_emit(p, &ev);
	return 1;
}

void mime_entity_header(struct mime_parser *p)
{
	struct mime_entity *e = mime_top(p);
	struct header_acc *h = &p->hdr;
	const char *text = buf_cstr(&h->text);
	size_t len = buf_len(&h->text);

	for (size_t i = 0; i < len; i++) {
		if ((unsigned char)text[i] >= 0x80) {
			mime_error(p, MIME_ERR_8BIT_IN_HEADER);
			break;
		}
	}
	if (h->truncated)
		mime_error(p, MIME_ERR_TRUNC_HEADER);
	if (!p->cfg.disable_mime)
		mime_part_header(p, text, len, h->name_len);
	struct mime_header hd = {
	    .text = text,
	    .len = len,
	    .name_len = h->name_len,
	    .raw = buf_cstr(&h->raw),
	    .raw_len = buf_len(&h->raw),
	    .input_len = h->input_len,
	    .block = e->block,
	    .checks = header_checks_for(e->block, text, h->name_len),
	    .truncated = h->truncated,
	};
	struct mime_event ev = {.type = MIME_EV_HEADER, .part = &e->part, .header = &hd};
	mime_emit(p, &ev);
	header_acc_reset(h);
}

/* prefix_of: one boundary begins with the other. */
static int prefix_of(const struct mime_bound *a, const struct mime_bound *b)
{
	size_t n = a->len < b->len ? a->len : b->len;

	return memcmp(a->s, b->s, n) == 0;
}

/* check_reuse: a boundary that is a prefix of an enclosing one, or the other
 * way round, makes the structure ambiguous. */
static void check_reuse(struct mime_parser *p, const struct mime_entity *e)
{
	for (size_t i = 0; i + 1 < p->depth; i++)
		for (size_t j = 0; j < p->stack[i].nbounds; j++)
			for (size_t k = 0; k < e->nbounds; k++)
				if (prefix_of(&p->stack[i].bounds[j], &e->bounds[k])) {
					mime_error(p, MIME_ERR_BOUNDARY_REUSE);
					return;
				}
}

/* identity_encoding: 7bit, 8bit or binary, which multipart and
 * message/rfc822 entities require (RFC 2045 section 6.4). */
static int identity_encoding(enum mime_encoding enc)
{
	return enc == MIME_ENC_7BIT || enc == MIME_ENC_8BIT || enc == MIME_ENC_BINARY;
}

void mime_entity_headers_end(struct mime_parser *p, const struct mime_line *blank)
{
	struct mime_entity *e = mime_top(p);
	struct mime_part *part = &e->part;
	int nested = 0;

	if (p->hdr.active)
		mime_entity_header(p);
	if (blank == NULL && !p->eof)
		mime_error(p, MIME_ERR_NO_BLANK_LINE);
	mime_part_finish(part);
	if (e->nbounds > 0) {
		part->multipart = 1;
		check_reuse(p, e);
	} else if (strcmp(part->type, "multipart") == 0 && !p->cfg.disable_mime) {
		mime_error(p, MIME_ERR_NO_BOUNDARY);
	}
	int message = strcmp(part->type, "message") == 0;
	int rfc822 = message && strcmp(part->subtype, "rfc822") == 0;
	if ((part->multipart || rfc822) && !identity_encoding(part->encoding))
		mime_error(p, MIME_ERR_ENCODING_DOMAIN);
	else if (message && !rfc822 && part->encoding != MIME_ENC_7BIT &&
		 (strcmp(part->subtype, "partial") == 0 ||
		  strcmp(part->subtype, "external-body") == 0))
		mime_error(p, MIME_ERR_ENCODING_DOMAIN);
	if (!part->multipart && rfc822 && blank != NULL) {
		/* Postfix does not limit attached messages; Postern limits them
		 * as it limits multiparts, to bound its memory. */
		if (p->messages > p->cfg.nesting_limit + 1) {
			mime_error(p, MIME_ERR_NESTING);
		} else {
			p->messages++;
			nested = part->attached_message = 1;
		}
	}
	if (part->multipart)
		e->state = MIME_ENT_PREAMBLE;
	else
		e->state = nested ? MIME_ENT_MESSAGE : MIME_ENT_BODY;
	struct mime_event ev = {.type = MIME_EV_HEADERS_END, .part = part, .line = blank};
	mime_emit(p, &ev);
	if (nested)
		mime_entity_push(p, MIME_PART_ATTACHED, HEADER_BLOCK_NESTED);
	else if (e->state == MIME_ENT_BODY)
		mime_body_begin(p);
}

long mime_entity_find_boundary(struct mime_parser *p, const struct mime_line *line, size_t *bound_r,
			       int *closing_r)
{
	const char *s = line->raw;
	size_t len = line->len;

	if (line->continued || len <= 2 || s[0] != '-' || s[1] != '-')
		return -1;
	/* Innermost first, and within an entity the last boundary first: the
	 * order of Postfix's boundary stack. */
	for (size_t i = p->depth; i-- > 0;) {
		const struct mime_entity *e = &p->stack[i];
		for (size_t j = e->nbounds; j-- > 0;) {
			const struct mime_bound *b = &e->bounds[j];
			if (len >= 2 + b->len && memcmp(s + 2, b->s, b->len) == 0) {
				*bound_r = j;
				*closing_r = len >= 4 + b->len && s[2 + b->len] == '-' &&
					     s[3 + b->len] == '-';
				return (long)i;
			}
		}
	}
	return -1;
}

/* keep_bounds: drop the entity's boundaries after the first n. */
static void keep_bounds(struct mime_parser *p, struct mime_entity *e, size_t n)
{
	while (e->nbounds > n) {
		free(e->bounds[--e->nbounds].s);
		e->levels--;
		p->levels--;
	}
	if (e->nbounds == 0)
		FREE_AND_NULL(e->bounds);
}

void mime_entity_pop(struct mime_parser *p, int before_boundary)
{
	struct mime_entity *e = mime_top(p);

	if (e->state == MIME_ENT_BODY)
		mime_body_end(p, before_boundary);
	if (e->nbounds > 0 && !p->opaque)
		mime_error(p, MIME_ERR_UNCLOSED);
	struct mime_event ev = {.type = MIME_EV_PART_END, .part = &e->part};
	mime_emit(p, &ev);
	keep_bounds(p, e, 0);
	if (e->part.attached_message)
		p->messages--;
	mime_part_release(&e->part);
	p->depth--;
}

void mime_entity_boundary(struct mime_parser *p, size_t at, size_t bound,
			  const struct mime_line *line, int closing)
{
	while (p->depth > at + 1)
		mime_entity_pop(p, 1);
	struct mime_entity *e = mime_top(p);
	/* Like Postfix, forget the boundaries pushed after this one, and this
	 * one too when it closes. */
	keep_bounds(p, e, closing ? bound : bound + 1);
	struct mime_event ev = {
	    .type = MIME_EV_BOUNDARY, .part = &e->part, .line = line, .closing = closing};
	mime_emit(p, &ev);
	if (line->ended)
		mime_entity_after_boundary(p, closing);
	else
		p->boundary_open = closing ? 2 : 1;
}

void mime_entity_after_boundary(struct mime_parser *p, int closing)
{
	struct mime_entity *e = mime_top(p);

	p->boundary_open = 0;
	if (closing)
		e->state = MIME_ENT_EPILOGUE;
	else
		mime_entity_push(p, MIME_PART_BODYPART, HEADER_BLOCK_MULTIPART);
}

void mime_entity_opaque(struct mime_parser *p)
{
	struct mime_entity *e = mime_top(p);

	if (e->state == MIME_ENT_HEADERS) {
		if (p->hdr.active)
			mime_entity_header(p);
		mime_part_finish(&e->part);
		e->state = MIME_ENT_BODY;
		struct mime_event ev = {.type = MIME_EV_HEADERS_END, .part = &e->part};
		mime_emit(p, &ev);
		mime_body_begin(p);
	}
	if (e->state == MIME_ENT_BODY)
		mime_body_end(p, 0);
	p->opaque = 1;
	p->boundary_open = 0;
}
