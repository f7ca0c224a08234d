/* attach_engine.c: one message through postern-attach's rules (see
 * attach_engine.h). The MIME parser's events drive a stack of the open
 * entities; each collects the worst verdict of its names, its type and,
 * for a leaf that is or looks like an archive, its content; when it ends,
 * a finding is recorded with the body range that can be cut out. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "attach_private.h"
#include "mem.h"

/* An open entity. */
struct attach_ent {
	enum mime_part_kind kind;
	size_t start; /* input offset of its first byte */
	struct attach_verdict v;
	int archive; /* its name or type says it is an archive */
	char *name;  /* its file name, for archive member paths ("" if none) */
};

struct attach_scan {
	const struct attach_rules *rules;
	struct mime_parser *parser;
	struct attach_result result;
	struct attach_ent *stack;
	size_t depth;
	size_t size;
	size_t pos;	   /* input bytes spanned by the events so far */
	size_t body_start; /* input offset of the body; SIZE_MAX before it */
	/* The content of the leaf being read, while it may be an archive. */
	struct buf content;
	int keep;    /* still collecting it */
	int too_big; /* over archive_size_limit */
};

static struct attach_ent *top(struct attach_scan *s)
{
	return s->depth > 0 ? &s->stack[s->depth - 1] : NULL;
}

static void record(struct attach_scan *s, const struct attach_ent *e, int strip)
{
	struct attach_result *r = &s->result;
	struct attach_finding f = {
		.cls = e->v.cls,
		.name = xstrdup(e->v.name != NULL ? e->v.name : ""),
		.reason = xstrdup(e->v.reason != NULL ? e->v.reason : ""),
		.strip = strip,
		.offset = strip ? e->start - s->body_start : 0,
		.len = strip ? s->pos - e->start : 0,
	};
	r->findings = xreallocarray(r->findings, r->n_findings + 1, sizeof(*r->findings));
	r->findings[r->n_findings++] = f;
	if (f.cls > r->worst)
		r->worst = f.cls;
}

static void part_start(struct attach_scan *s, const struct mime_part *part)
{
	s->stack = xgrowarray(s->stack, &s->size, s->depth, sizeof(*s->stack));
	s->stack[s->depth++] = (struct attach_ent){.kind = part->kind, .start = s->pos};
}

/* headers_end: the entity's names and type are known. */
static void headers_end(struct attach_scan *s, const struct mime_part *part)
{
	const struct attach_rules *rules = s->rules;
	struct attach_ent *e = top(s);
	char *reason;

	for (size_t i = 0; i < part->names_count; i++) {
		const char *name = part->names[i].name;
		enum attach_class cls = attach_name_check(rules, name, &reason);
		attach_verdict_raise(&e->v, cls, name, reason);
		e->archive |= attach_archive_by_name(name);
	}
	e->name = xstrdup(part->filename != NULL ? part->filename : "");
	if (!part->type_defaulted) {
		enum attach_class cls =
			attach_type_check(rules, part->type, part->subtype, &reason);
		attach_verdict_raise(&e->v, cls, e->name, reason);
		e->archive |= attach_archive_by_type(part->type, part->subtype);
	}
	buf_reset(&s->content);
	s->too_big = 0;
	s->keep = rules->inspect_archives && !part->multipart && !part->attached_message;
}

/* content: decoded bytes of the leaf being read. */
static void content(struct attach_scan *s, const unsigned char *data, size_t len)
{
	const struct attach_ent *e = top(s);

	if (!s->keep || len == 0)
		return;
	if (!e->archive && buf_len(&s->content) >= ATTACH_MAGIC_LEN &&
	    !attach_archive_by_magic(buf_cstr(&s->content), buf_len(&s->content))) {
		s->keep = 0; /* not an archive: no need to hold it */
		return;
	}
	if (buf_len(&s->content) + len > s->rules->size_limit) {
		s->too_big = 1;
		s->keep = 0;
		return;
	}
	buf_append(&s->content, data, len);
}

/* leaf_end: look into the leaf's content when it is an archive. */
static void leaf_end(struct attach_scan *s, struct attach_ent *e)
{
	const char *data = buf_cstr(&s->content);
	size_t len = buf_len(&s->content);
	int magic = attach_archive_by_magic(data, len);

	if (!s->rules->inspect_archives || (!e->archive && !magic))
		return;
	if (s->too_big)
		attach_verdict_raise(&e->v, ATTACH_UNSCANNED, e->name,
				     xstrdup("archive over archive_size_limit"));
	else
		attach_archive_scan(s->rules, data, len, *e->name != '\0' ? e->name : "(archive)",
				    1, &e->v);
}

static void part_end(struct attach_scan *s, const struct mime_part *part)
{
	struct attach_ent *e = top(s);

	if (!part->multipart && !part->attached_message)
		leaf_end(s, e);
	buf_reset(&s->content);
	s->keep = 0;
	if (e->v.cls != ATTACH_CLEAN) {
		if (e->kind == MIME_PART_BODYPART) {
			record(s, e, 1);
		} else if (e->kind == MIME_PART_ATTACHED && s->depth >= 2) {
			/* An attached message goes with the part that holds it. */
			struct attach_ent *parent = &s->stack[s->depth - 2];
			attach_verdict_raise(&parent->v, e->v.cls, e->v.name,
					     xstrdup(e->v.reason != NULL ? e->v.reason : ""));
		} else {
			record(s, e, 0);
		}
	}
	attach_verdict_deinit(&e->v);
	free(e->name);
	s->depth--;
}

static int scan_event(const struct mime_event *ev, void *context)
{
	struct attach_scan *s = context;

	switch (ev->type) {
	case MIME_EV_PART_START:
		part_start(s, ev->part);
		break;
	case MIME_EV_HEADER:
		s->pos += ev->header->input_len;
		break;
	case MIME_EV_HEADERS_END:
		headers_end(s, ev->part);
		if (ev->line != NULL)
			s->pos += ev->line->raw_len;
		if (s->body_start == SIZE_MAX)
			s->body_start = s->pos;
		break;
	case MIME_EV_BODY:
		if (ev->line->kind == MIME_BODY_CONTENT)
			content(s, ev->line->decoded, ev->line->decoded_len);
		s->pos += ev->line->raw_len;
		break;
	case MIME_EV_BOUNDARY:
		s->pos += ev->line->raw_len;
		break;
	case MIME_EV_PART_END:
		part_end(s, ev->part);
		break;
	case MIME_EV_ERROR:
		s->result.mime_errors |= ev->error;
		break;
	case MIME_EV_END:
		break;
	}
	return 0;
}

struct attach_scan *attach_scan_new(const struct attach_rules *rules)
{
	struct attach_scan *s = xcalloc(1, sizeof(*s));

	s->rules = rules;
	s->body_start = SIZE_MAX;
	buf_init(&s->content, 0);
	s->parser = mime_parser_new(&rules->mime, scan_event, s);
	return s;
}

void attach_scan_free(struct attach_scan **scan_r)
{
	struct attach_scan *s;

	if (scan_r == NULL || (s = *scan_r) == NULL)
		return;
	mime_parser_free(&s->parser);
	for (size_t i = 0; i < s->depth; i++) {
		attach_verdict_deinit(&s->stack[i].v);
		free(s->stack[i].name);
	}
	free(s->stack);
	for (size_t i = 0; i < s->result.n_findings; i++) {
		free(s->result.findings[i].name);
		free(s->result.findings[i].reason);
	}
	free(s->result.findings);
	buf_deinit(&s->content);
	FREE_AND_NULL(*scan_r);
}

void attach_scan_feed(struct attach_scan *s, const void *data, size_t len)
{
	mime_parser_feed(s->parser, data, len);
}

void attach_scan_finish(struct attach_scan *s)
{
	mime_parser_finish(s->parser);
	if (s->result.mime_errors & MIME_ERR_LIMITS) {
		/* Past a MIME limit the rest was not taken apart. */
		struct attach_ent e = {.kind = MIME_PART_MESSAGE};
		attach_verdict_raise(
			&e.v, ATTACH_UNSCANNED, "",
			xstrdup(mime_error_text(s->result.mime_errors & MIME_ERR_LIMITS)));
		record(s, &e, 0);
		attach_verdict_deinit(&e.v);
	}
}

const struct attach_result *attach_scan_result(const struct attach_scan *s)
{
	return &s->result;
}
