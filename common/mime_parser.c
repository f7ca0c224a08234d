/* mime_parser.c: the MIME parser's entry points: configuration, feeding
 * and finishing, cutting the input into lines (and pieces of long lines),
 * and sending each line to the header or body handling of the innermost
 * open entity. See mime.h; the other files of the parser are listed in
 * mime_private.h. */
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "mem.h"
#include "mime_private.h"

void mime_config_init(struct mime_config *cfg)
{
	cfg->nesting_limit = 100;
	cfg->header_size_limit = 102400;
	cfg->line_length_limit = 2048;
	cfg->boundary_length_limit = 2048;
	cfg->header_count_limit = 10000;
	cfg->part_count_limit = 10000;
	cfg->part_info_limit = 65536;
	cfg->disable_mime = 0;
	cfg->no_decoding = 0;
}

/* config_complete: cfg (or the defaults) with zero limits defaulted. */
static void config_complete(struct mime_config *out, const struct mime_config *cfg)
{
	struct mime_config def;

	mime_config_init(&def);
	*out = cfg != NULL ? *cfg : def;
	/* Zero means "the default", except for the nesting limit. */
#define MIME_DEFAULT(field)                                                                        \
	if (out->field == 0)                                                                       \
	out->field = def.field
	MIME_DEFAULT(header_size_limit);
	MIME_DEFAULT(line_length_limit);
	MIME_DEFAULT(boundary_length_limit);
	MIME_DEFAULT(header_count_limit);
	MIME_DEFAULT(part_count_limit);
	MIME_DEFAULT(part_info_limit);
#undef MIME_DEFAULT
}

size_t mime_config_memory_bound(const struct mime_config *cfg)
{
	struct mime_config c;

	config_complete(&c, cfg);
	/* Buffers grow by doubling, so each may hold twice what it needs. */
	size_t line = 2 * (c.line_length_limit + 2) + 64;
	size_t decoded = 2 * (c.line_length_limit + QP_WS_MAX + 4) + 64;
	size_t header = c.header_size_limit + c.line_length_limit + 2;
	/* Each raw header line is at most one byte longer than its text. */
	size_t headers = 2 * header + 64 + 3 * header + 64;
	/* Open multipart levels and attached messages each hold an entity and
	 * its open child. */
	size_t levels = c.nesting_limit + 2;
	size_t stack = 2 * (4 * levels + 1) * sizeof(struct mime_entity);
	size_t bounds = levels * (c.boundary_length_limit + sizeof(struct mime_bound));
	/* While a Content-* header is parsed: its parameters, their sections
	 * and decoded names, each at most a few times the header. */
	size_t params = 4 * header;
	return sizeof(struct mime_parser) + 2 * line + decoded + headers + stack + bounds +
	       c.part_info_limit + params;
}

struct mime_parser *mime_parser_new(const struct mime_config *cfg, mime_event_fn *fn, void *context)
{
	struct mime_parser *p = xcalloc(1, sizeof(*p));

	config_complete(&p->cfg, cfg);
	p->fn = fn;
	p->context = context;
	buf_init(&p->line, 0);
	buf_init(&p->hold, 0);
	buf_init(&p->decoded, 0);
	header_acc_init(&p->hdr, p->cfg.header_size_limit);
	return p;
}

void mime_parser_free(struct mime_parser **pp)
{
	struct mime_parser *p;

	if (pp == NULL || (p = *pp) == NULL)
		return;
	for (size_t i = 0; i < p->depth; i++) {
		struct mime_entity *e = &p->stack[i];
		for (size_t j = 0; j < e->nbounds; j++)
			free(e->bounds[j].s);
		free(e->bounds);
		mime_part_release(&e->part);
	}
	free(p->stack);
	buf_deinit(&p->line);
	buf_deinit(&p->hold);
	buf_deinit(&p->decoded);
	header_acc_deinit(&p->hdr);
	FREE_AND_NULL(*pp);
}

struct mime_entity *mime_top(struct mime_parser *p)
{
	return p->depth > 0 ? &p->stack[p->depth - 1] : NULL;
}

void mime_emit(struct mime_parser *p, struct mime_event *ev)
{
	if (p->stopped)
		return;
	if (ev->type == MIME_EV_HEADERS_END) {
		size_t now = mime_parser_memory(p);
		if (now > p->peak)
			p->peak = now;
	}
	if (p->fn(ev, p->context) < 0)
		p->stopped = 1;
}

void mime_error(struct mime_parser *p, unsigned error)
{
	if (p->errors & error)
		return;
	p->errors |= error;
	struct mime_entity *e = mime_top(p);
	struct mime_event ev = {
	    .type = MIME_EV_ERROR, .part = e != NULL ? &e->part : NULL, .error = error};
	mime_emit(p, &ev);
}

/* header_line: a line of the top entity's header block; 1 when it was
 * taken as header text, 0 when it is body (it ended the block). */
static int header_line(struct mime_parser *p, struct mime_line *ln)
{
	struct header_acc *h = &p->hdr;

	if (ln->continued) {
		if (!h->active)
			log_panic("mime: a continued line outside a header");
		header_acc_add(h, ln->raw, ln->raw_len, ln->len, 0);
		return 1;
	}
	if (h->active && ln->len > 0 && (ln->raw[0] == ' ' || ln->raw[0] == '\t')) {
		header_acc_add(h, ln->raw, ln->raw_len, ln->len, 1);
		return 1;
	}
	if (h->active)
		mime_entity_header(p);
	size_t name_len = header_name_len(ln->raw, ln->len);
	if (name_len > 0) {
		if (p->headers >= p->cfg.header_count_limit) {
			mime_error(p, MIME_ERR_HEADER_COUNT);
			mime_entity_opaque(p);
			mime_body_other(p, ln, MIME_BODY_OPAQUE);
			return 1;
		}
		p->headers++;
		header_acc_start(h, ln->raw, ln->raw_len, ln->len, name_len);
		return 1;
	}
	int blank = ln->len == 0 && ln->ended;
	mime_entity_headers_end(p, blank ? ln : NULL);
	return blank;
}

/* dispatch: one line or piece, to where the parser is. */
static void dispatch(struct mime_parser *p, struct mime_line *ln)
{
	struct mime_entity *e = mime_top(p);
	int closing;

	if (p->opaque) {
		mime_body_other(p, ln, MIME_BODY_OPAQUE);
		return;
	}
	if (p->boundary_open) {
		/* The rest of a long boundary line. */
		closing = p->boundary_open == 2;
		struct mime_event ev = {
		    .type = MIME_EV_BOUNDARY, .part = &e->part, .line = ln, .closing = closing};
		mime_emit(p, &ev);
		if (ln->ended)
			mime_entity_after_boundary(p, closing);
		return;
	}
	if (e->state == MIME_ENT_HEADERS && header_line(p, ln))
		return;
	size_t bound;
	long at = mime_entity_find_boundary(p, ln, &bound, &closing);
	if (at >= 0) {
		mime_entity_boundary(p, (size_t)at, bound, ln, closing);
		return;
	}
	e = mime_top(p);
	switch (e->state) {
	case MIME_ENT_BODY:
		mime_body_line(p, ln);
		break;
	case MIME_ENT_PREAMBLE:
		mime_body_other(p, ln, MIME_BODY_PREAMBLE);
		break;
	case MIME_ENT_EPILOGUE:
		mime_body_other(p, ln, MIME_BODY_EPILOGUE);
		break;
	case MIME_ENT_HEADERS:
	case MIME_ENT_PARTS:
	case MIME_ENT_MESSAGE:
		log_panic("mime: body line in entity state %d", (int)e->state);
	}
}

/* piece: raw_len bytes of input, a whole line (ended: it ends with LF) or
 * a piece of one. */
static void piece(struct mime_parser *p, const char *raw, size_t raw_len, int ended)
{
	size_t len = raw_len;

	if (ended) {
		len--;
		if (len > 0 && raw[len - 1] == '\r') {
			len--;
			p->eol |= MIME_EOL_CRLF;
		} else {
			p->eol |= MIME_EOL_LF;
		}
		if ((p->eol & (MIME_EOL_CRLF | MIME_EOL_LF)) == (MIME_EOL_CRLF | MIME_EOL_LF))
			mime_error(p, MIME_ERR_MIXED_EOL);
	}
	if (memchr(raw, '\r', len) != NULL)
		p->eol |= MIME_EOL_BARE_CR;
	if (memchr(raw, '\0', raw_len) != NULL)
		mime_error(p, MIME_ERR_NUL);
	struct mime_line ln = {
	    .raw = raw, .raw_len = raw_len, .len = len, .continued = p->continued, .ended = ended};
	p->continued = !ended;
	dispatch(p, &ln);
}

/* start: the message entity, on first use. */
static void start(struct mime_parser *p)
{
	if (p->finished)
		log_panic("mime: input after mime_parser_finish()");
	if (p->depth == 0 && p->parts == 0)
		mime_entity_push(p, MIME_PART_MESSAGE, HEADER_BLOCK_PRIMARY);
}

int mime_parser_feed(struct mime_parser *p, const void *data, size_t len)
{
	const char *s = data;
	size_t limit = p->cfg.line_length_limit;

	start(p);
	/* A line is delivered whole when its LF is among its first limit + 2
	 * bytes (room for CR LF); otherwise it goes in pieces of limit bytes.
	 * The rule depends on the bytes only, never on how they were chunked. */
	while (len > 0 && !p->stopped) {
		size_t have = buf_len(&p->line);
		size_t window = limit + 2 - have;
		size_t look = len < window ? len : window;
		const char *nl = memchr(s, '\n', look);
		if (nl != NULL) {
			size_t n = (size_t)(nl - s) + 1;
			if (have == 0) {
				piece(p, s, n, 1);
			} else {
				buf_append(&p->line, s, n);
				piece(p, buf_cstr(&p->line), buf_len(&p->line), 1);
				buf_reset(&p->line);
			}
			s += n;
			len -= n;
			continue;
		}
		if (look < window) {
			buf_append(&p->line, s, look);
			break;
		}
		if (have == 0) {
			piece(p, s, limit, 0);
			s += limit;
			len -= limit;
			continue;
		}
		buf_append(&p->line, s, look);
		s += look;
		len -= look;
		piece(p, buf_cstr(&p->line), limit, 0);
		buf_consume(&p->line, limit);
	}
	size_t now = mime_parser_memory(p);
	if (now > p->peak)
		p->peak = now;
	return !p->stopped;
}

int mime_parser_finish(struct mime_parser *p)
{
	start(p);
	p->finished = 1;
	if (!p->stopped && buf_len(&p->line) > 0) {
		mime_error(p, MIME_ERR_NO_FINAL_EOL);
		piece(p, buf_cstr(&p->line), buf_len(&p->line), 0);
		buf_reset(&p->line);
	}
	p->eof = 1;
	if (p->boundary_open)
		mime_entity_after_boundary(p, p->boundary_open == 2);
	struct mime_entity *e = mime_top(p);
	if (e != NULL && e->state == MIME_ENT_HEADERS && !p->opaque)
		mime_entity_headers_end(p, NULL);
	while (p->depth > 0)
		mime_entity_pop(p, 0);
	struct mime_event ev = {.type = MIME_EV_END, .error = p->errors, .eol = p->eol};
	mime_emit(p, &ev);
	return !p->stopped;
}

unsigned mime_parser_errors(const struct mime_parser *p)
{
	return p->errors;
}

unsigned mime_parser_eol(const struct mime_parser *p)
{
	return p->eol;
}

size_t mime_parser_memory(const struct mime_parser *p)
{
	size_t n = sizeof(*p) + p->line.size + p->hold.size + p->decoded.size + p->hdr.text.size +
		   p->hdr.raw.size + p->size * sizeof(*p->stack);

	for (size_t i = 0; i < p->depth; i++) {
		const struct mime_entity *e = &p->stack[i];
		n += e->part.info_bytes + e->nbounds * sizeof(*e->bounds);
		for (size_t j = 0; j < e->nbounds; j++)
			n += e->bounds[j].len;
	}
	return n;
}

size_t mime_parser_memory_peak(const struct mime_parser *p)
{
	return p->peak;
}
