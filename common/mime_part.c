/* mime_part.c: what the Content-Type, Content-Transfer-Encoding and
 * Content-Disposition headers of an entity say: type, parameters,
 * encoding, disposition, boundaries and attachment file names. Part of the
 * MIME parser (see mime.h, mime_private.h). */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "header_token.h"
#include "mem.h"
#include "mime_private.h"
#include "rfc2047.h"

/* At most this many file names are kept per part (MIME_ERR_PART_INFO). */
#define MIME_NAMES_MAX 16

/* RFC 822 specials, for Content-Transfer-Encoding. */

void mime_part_init(struct mime_part *part, unsigned id, unsigned parent, unsigned depth,
		    enum mime_part_kind kind, int digest_child)
{
	memset(part, 0, sizeof(*part));
	part->id = id;
	part->parent = parent;
	part->depth = depth;
	part->kind = kind;
	strcpy(part->type, digest_child ? "message" : "text");
	strcpy(part->subtype, digest_child ? "rfc822" : "plain");
	part->type_defaulted = 1;
	part->encoding = MIME_ENC_7BIT;
	rfc2231_params_init(&part->type_params);
	rfc2231_params_init(&part->disp_params);
}

static void names_free(struct mime_part *part)
{
	for (size_t i = 0; i < part->names_count; i++)
		free(part->names[i].name);
	FREE_AND_NULL(part->names);
	part->names_count = 0;
	part->filename = NULL;
}

void mime_part_release(struct mime_part *part)
{
	rfc2231_params_deinit(&part->type_params);
	rfc2231_params_deinit(&part->disp_params);
	names_free(part);
	part->info_bytes = 0;
}

/* set_token: lower-case copy of an RFC 2045 token, cut at MIME_TOKEN_MAX;
 * 0 when it had to be cut. */
static int set_token(char *dst, const struct buf *tok)
{
	size_t len = buf_len(tok) > MIME_TOKEN_MAX ? MIME_TOKEN_MAX : buf_len(tok);

	for (size_t i = 0; i < len; i++)
		dst[i] = (char)tolower((unsigned char)buf_cstr(tok)[i]);
	dst[len] = '\0';
	return len == buf_len(tok);
}

/* add_name: a file name candidate, unless empty, already known, or over
 * the limits. */
static void add_name(struct mime_parser *p, struct mime_part *part, const char *name,
		     enum mime_name_source source)
{
	size_t len = strlen(name);

	if (len == 0)
		return;
	for (size_t i = 0; i < part->names_count; i++)
		if (strcmp(part->names[i].name, name) == 0)
			return;
	size_t cost = len + 1 + sizeof(struct mime_name);
	if (part->names_count == MIME_NAMES_MAX ||
	    part->info_bytes + cost > p->cfg.part_info_limit) {
		mime_error(p, MIME_ERR_PART_INFO);
		return;
	}
	part->names = xreallocarray(part->names, part->names_count + 1, sizeof(*part->names));
	part->names[part->names_count].name = xstrdup(name);
	part->names[part->names_count].source = source;
	part->names_count++;
	part->info_bytes += cost;
}

/* add_plain_name: a name given without RFC 2231; decode RFC 2047 words. */
static void add_plain_name(struct mime_parser *p, struct mime_part *part, const char *value,
			   enum mime_name_source source)
{
	struct buf decoded;
	unsigned flags;

	buf_init(&decoded, 0);
	if (rfc2047_decode(value, strlen(value), &decoded, &flags) < 0 &&
	    (flags & (RFC2047_UNKNOWN_CHARSET | RFC2047_INVALID)))
		mime_error(p, MIME_ERR_CHARSET);
	add_name(p, part, buf_cstr(&decoded), source);
	buf_deinit(&decoded);
}

/* add_names: the file names a parameter list gives under name. The RFC 2231
 * form comes first; the plain form and, where junk followed a value, the
 * whole text (some mail readers use it) are kept as well. */
static void add_names(struct mime_parser *p, struct mime_part *part,
		      const struct rfc2231_params *params, const char *name,
		      enum mime_name_source source)
{
	for (int extended = 1; extended >= 0; extended--) {
		for (size_t i = 0; i < params->count; i++) {
			const struct rfc2231_param *pp = &params->v[i];
			if (strcmp(pp->name, name) != 0 ||
			    !(pp->flags & RFC2231_EXTENDED) != !extended)
				continue;
			if (extended) {
				add_name(p, part, pp->value, source);
				continue;
			}
			add_plain_name(p, part, pp->value, source);
			if (pp->raw != NULL)
				add_plain_name(p, part, pp->raw, source);
		}
	}
}

/* take_params: replace *dst by the parsed list, within the info limit. */
static void take_params(struct mime_parser *p, struct mime_part *part, struct rfc2231_params *dst,
			struct rfc2231_params *parsed)
{
	if (parsed->defects & RFC2231_CHARSET)
		mime_error(p, MIME_ERR_CHARSET);
	if (parsed->defects & ~RFC2231_CHARSET)
		mime_error(p, MIME_ERR_PARAM);
	part->info_bytes -= dst->bytes;
	rfc2231_params_deinit(dst);
	if (part->info_bytes + parsed->bytes > p->cfg.part_info_limit) {
		mime_error(p, MIME_ERR_PART_INFO);
		rfc2231_params_deinit(parsed);
		return;
	}
	*dst = *parsed;
	part->info_bytes += dst->bytes;
}

/* add_boundary: a multipart boundary, a nesting level of its own as in
 * Postfix, which takes a boundary while no more than mime_nesting_limit + 1
 * are open (so a limit of N parses N + 2 nested multiparts). */
static void add_boundary(struct mime_parser *p, struct mime_entity *e, const char *value,
			 size_t len)
{
	if (p->levels > p->cfg.nesting_limit + 1) {
		mime_error(p, MIME_ERR_NESTING);
		return;
	}
	if (len == 0 || len > 70)
		mime_error(p, MIME_ERR_BOUNDARY);
	/* As in Postfix, a boundary is cut at the limit and then matches by its
	 * first bytes; one longer than a line piece never matches. */
	if (len > p->cfg.boundary_length_limit || len + 2 > p->cfg.line_length_limit)
		mime_error(p, MIME_ERR_BOUNDARY_LENGTH);
	if (len > p->cfg.boundary_length_limit)
		len = p->cfg.boundary_length_limit;
	if (e->nbounds > 0)
		mime_error(p, MIME_ERR_MULTIPLE_BOUNDARIES);
	e->bounds = xreallocarray(e->bounds, e->nbounds + 1, sizeof(*e->bounds));
	e->bounds[e->nbounds].s = xmemdup(value, len);
	e->bounds[e->nbounds].len = len;
	e->nbounds++;
	e->levels++;
	p->levels++;
}

static void content_type(struct mime_parser *p, struct mime_entity *e, const char *value,
			 size_t len)
{
	struct header_lexer lx;
	struct buf tok;
	struct rfc2231_params params;
	struct mime_part *part = &e->part;

	header_lexer_init(&lx, value, len, HEADER_TSPECIALS);
	buf_init(&tok, 0);
	size_t start = lx.pos;
	enum header_token_type t = header_token_next(&lx, &tok, NULL);
	if (t == HEADER_TOKEN_END) {
		/* Empty: nothing changes, as in Postfix. */
		mime_error(p, MIME_ERR_PARAM);
		buf_deinit(&tok);
		return;
	}
	if (t == HEADER_TOKEN_ATOM) {
		int clean = set_token(part->type, &tok);
		part->subtype[0] = '\0';
		part->type_defaulted = 0;
		size_t mark = lx.pos;
		if (header_token_next(&lx, &tok, NULL) == HEADER_TOKEN_SPECIAL &&
		    buf_cstr(&tok)[0] == '/') {
			mark = lx.pos;
			if (header_token_next(&lx, &tok, NULL) == HEADER_TOKEN_ATOM)
				clean &= set_token(part->subtype, &tok);
			else
				lx.pos = mark;
		} else {
			lx.pos = mark;
		}
		if (!clean || part->subtype[0] == '\0')
			mime_error(p, MIME_ERR_PARAM);
	} else {
		/* Unusable: the default applies (RFC 2045 section 5.2); the
		 * parameters are still read for file names. */
		strcpy(part->type, "text");
		strcpy(part->subtype, "plain");
		part->type_defaulted = 1;
		mime_error(p, MIME_ERR_PARAM);
		lx.pos = start;
	}
	e->digest = strcmp(part->type, "multipart") == 0 && strcmp(part->subtype, "digest") == 0;
	rfc2231_params_init(&params);
	rfc2231_params_parse(&params, &lx);
	if (strcmp(part->type, "multipart") == 0) {
		for (size_t i = 0; i < params.count; i++)
			if (strcmp(params.v[i].name, "boundary") == 0 &&
			    !(params.v[i].flags & RFC2231_EXTENDED))
				add_boundary(p, e, params.v[i].value, params.v[i].value_len);
	}
	take_params(p, part, &part->type_params, &params);
	add_names(p, part, &part->type_params, "name", MIME_NAME_TYPE);
	buf_deinit(&tok);
}

static void content_encoding(struct mime_parser *p, struct mime_part *part, const char *value,
			     size_t len)
{
	static const struct {
		const char *name;
		enum mime_encoding encoding;
	} map[] = {
	    {"7bit", MIME_ENC_7BIT},	       {"8bit", MIME_ENC_8BIT},
	    {"binary", MIME_ENC_BINARY},       {"base64", MIME_ENC_BASE64},
	    {"quoted-printable", MIME_ENC_QP},
	};
	struct header_lexer lx;
	struct buf tok;

	header_lexer_init(&lx, value, len, HEADER_RFC822_SPECIALS);
	buf_init(&tok, 0);
	if (header_token_next(&lx, &tok, NULL) == HEADER_TOKEN_ATOM) {
		for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
			if (strcasecmp(buf_cstr(&tok), map[i].name) == 0) {
				part->encoding = map[i].encoding;
				buf_deinit(&tok);
				return;
			}
		}
	}
	/* Unknown: the encoding stays what it was, as in Postfix. */
	mime_error(p, MIME_ERR_UNKNOWN_ENCODING);
	buf_deinit(&tok);
}

static void content_disposition(struct mime_parser *p, struct mime_part *part, const char *value,
				size_t len)
{
	struct header_lexer lx;
	struct buf tok;
	struct rfc2231_params params;

	header_lexer_init(&lx, value, len, HEADER_TSPECIALS);
	buf_init(&tok, 0);
	size_t mark = lx.pos;
	if (header_token_next(&lx, &tok, NULL) == HEADER_TOKEN_ATOM) {
		if (!set_token(part->disposition, &tok))
			mime_error(p, MIME_ERR_PARAM);
	} else {
		part->disposition[0] = '\0';
		mime_error(p, MIME_ERR_PARAM);
		lx.pos = mark;
	}
	rfc2231_params_init(&params);
	rfc2231_params_parse(&params, &lx);
	take_params(p, part, &part->disp_params, &params);
	add_names(p, part, &part->disp_params, "filename", MIME_NAME_DISPOSITION);
	buf_deinit(&tok);
}

static int name_is(const char *text, size_t name_len, const char *name)
{
	return strlen(name) == name_len && strncasecmp(text, name, name_len) == 0;
}

/* seen_before: note a Content-* header; MIME_ERR_DUPLICATE the second time. */
static void seen_before(struct mime_parser *p, struct mime_entity *e, unsigned bit)
{
	if (e->seen & bit)
		mime_error(p, MIME_ERR_DUPLICATE);
	e->seen |= bit;
}

void mime_part_header(struct mime_parser *p, const char *text, size_t len, size_t name_len)
{
	struct mime_entity *e = mime_top(p);
	const char *value = text + name_len + 1;
	size_t vlen = len - name_len - 1;

	if (name_is(text, name_len, "Content-Type")) {
		seen_before(p, e, MIME_SEEN_TYPE);
		content_type(p, e, value, vlen);
	} else if (name_is(text, name_len, "Content-Transfer-Encoding")) {
		seen_before(p, e, MIME_SEEN_ENCODING);
		content_encoding(p, &e->part, value, vlen);
	} else if (name_is(text, name_len, "Content-Disposition")) {
		seen_before(p, e, MIME_SEEN_DISPOSITION);
		content_disposition(p, &e->part, value, vlen);
	}
}

void mime_part_finish(struct mime_part *part)
{
	part->filename = NULL;
	for (size_t i = 0; i < part->names_count && part->filename == NULL; i++)
		if (part->names[i].source == MIME_NAME_DISPOSITION)
			part->filename = part->names[i].name;
	if (part->filename == NULL && part->names_count > 0)
		part->filename = part->names[0].name;
}
