/* headers_engine.c: one message through header_checks, mime_header_checks,
 * nested_header_checks and body_checks, as Postfix's cleanup(8) runs them
 * (see headers_engine.h): the MIME parser's events are matched against the
 * tables, and each action is recorded in the result, with the place in the
 * message it applies to. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "headers_private.h"
#include "mem.h"

struct headers_scan {
	const struct headers_rules *rules;
	headers_log_fn *log;
	void *context;
	struct mime_parser *parser;
	struct headers_result result;
	int filtering;	   /* Postfix's CLEANUP_FLAG_FILTER: tables are consulted */
	int rejected;	   /* a REJECT decided */
	int discard;	   /* a DISCARD decided */
	int tempfail;	   /* a lookup failed */
	int final;	   /* nothing can change the outcome: stop parsing */
	size_t pos;	   /* input bytes spanned by the events so far */
	size_t body_start; /* input offset of the body; SIZE_MAX before it */
	size_t segment;	   /* Postfix's offset in the current body segment */
	char **names;	   /* names of the primary headers so far */
	size_t n_names;
	struct buf key;
};

/* Where a matched line is, for edits. */
struct headers_where {
	int primary;
	size_t index;
	const char *name;
	size_t name_len;
	size_t offset;
	size_t len;
	int line_end;
};

static void scan_log(struct headers_scan *s, const struct headers_hit *hit, const char *error)
{
	if (s->log != NULL)
		s->log(hit, error, s->context);
}

/* name_index: the place of the index-th primary header among those of
 * its name (counted only when an edit needs it). */
static size_t name_index(const struct headers_scan *s, size_t index)
{
	size_t nth = 1;

	for (size_t i = 0; i < index; i++)
		if (strcasecmp(s->names[i], s->names[index]) == 0)
			nth++;
	return nth;
}

static void scan_edit(struct headers_scan *s, enum headers_edit_kind kind,
		      const struct headers_where *w, const char *text)
{
	struct headers_edit e = {
		.kind = kind,
		.primary = w->primary,
		.index = w->index,
		.name_index = w->primary ? name_index(s, w->index) : 0,
		.name = w->primary ? xstrndup(w->name, w->name_len) : NULL,
		.offset = w->offset,
		.len = w->len,
		.line_end = w->line_end,
		.text = text != NULL ? xstrdup(text) : NULL,
	};
	headers_edit_add(&s->result, &e);
}

static void scan_reject(struct headers_scan *s, int code, const char *dsn, const char *text)
{
	struct headers_result *r = &s->result;

	r->code = code;
	snprintf(r->dsn, sizeof(r->dsn), "%s", dsn);
	free(r->text);
	r->text = xstrdup(text);
	s->rejected = 1;
	s->final = 1;
}

/* scan_act: carry out the result value of a lookup of line in cls. */
static void scan_act(struct headers_scan *s, enum headers_class cls, const char *line,
		     const char *value, const struct headers_where *w)
{
	struct headers_result *r = &s->result;
	struct headers_act act;
	char *warning;
	int logged = 1;

	headers_act_parse(value, cls != HEADERS_BODY_CHECKS, headers_class_name(cls), &act,
			  &warning);
	struct headers_hit hit = {.cls = cls, .line = line, .act = &act, .warning = warning};
	switch (act.kind) {
	case HEADERS_ACT_REJECT:
		scan_reject(s, act.code, act.dsn, act.text);
		s->filtering = 0;
		break;
	case HEADERS_ACT_FILTER:
		hit.refused = 1;
		break;
	case HEADERS_ACT_PASS:
		s->filtering = 0;
		break;
	case HEADERS_ACT_DISCARD:
		s->discard = 1;
		s->filtering = 0;
		break;
	case HEADERS_ACT_HOLD:
		if (r->hold || s->discard) {
			logged = 0;
			break;
		}
		r->hold = 1;
		r->hold_text = xstrdup(act.text);
		break;
	case HEADERS_ACT_PREPEND:
		scan_edit(s, HEADERS_EDIT_PREPEND, w, act.text);
		break;
	case HEADERS_ACT_REPLACE:
		scan_edit(s, HEADERS_EDIT_REPLACE, w, act.text);
		break;
	case HEADERS_ACT_REDIRECT:
		free(r->redirect);
		r->redirect = xstrdup(act.text);
		s->filtering = 0;
		break;
	case HEADERS_ACT_BCC:
		r->bcc = xreallocarray(r->bcc, r->n_bcc + 1, sizeof(*r->bcc));
		r->bcc[r->n_bcc++] = xstrdup(act.text);
		break;
	case HEADERS_ACT_STRIP:
		scan_edit(s, HEADERS_EDIT_DELETE, w, NULL);
		break;
	case HEADERS_ACT_IGNORE:
		scan_edit(s, HEADERS_EDIT_DELETE, w, NULL);
		logged = 0;
		break;
	case HEADERS_ACT_DUNNO:
		logged = 0;
		break;
	case HEADERS_ACT_WARN:
	case HEADERS_ACT_INFO:
	case HEADERS_ACT_BAD:
		break;
	}
	if (logged || warning != NULL)
		scan_log(s, &hit, NULL);
	free(warning);
}

/* scan_lookup: look key up in cls and act on a match. */
static void scan_lookup(struct headers_scan *s, enum headers_class cls, const char *key,
			const struct headers_where *w)
{
	char *value = NULL, *error = NULL;

	if (*key == '\0') /* Postfix: empty lines never match */
		return;
	int rc = headers_rules_lookup(s->rules, cls, key, &value, &error);
	if (rc > 0) {
		scan_act(s, cls, key, value, w);
		free(value);
	} else if (rc < 0) {
		char *msg = xasprintf("%s map lookup problem -- message not accepted, try again "
				      "later: %s",
				      headers_class_name(cls), error);
		scan_log(s, NULL, msg);
		free(msg);
		free(error);
		s->tempfail = 1;
		s->final = 1;
	}
}

static void scan_header(struct headers_scan *s, const struct mime_header *h)
{
	/* enum header_checks and the first three classes share their order. */
	enum headers_class cls = (enum headers_class)h->checks;
	struct headers_where w = {.primary = h->block == HEADER_BLOCK_PRIMARY,
				  .name = h->text,
				  .name_len = h->name_len};

	if (w.primary) {
		w.index = s->n_names;
		s->names = xreallocarray(s->names, s->n_names + 1, sizeof(*s->names));
		s->names[s->n_names++] = xstrndup(h->text, h->name_len);
	} else {
		w.offset = s->pos - s->body_start;
		w.len = h->input_len;
		w.line_end = h->truncated || (h->raw_len > 0 && h->raw[h->raw_len - 1] == '\n');
	}
	if (s->filtering && s->rules->maps[cls].n > 0)
		scan_lookup(s, cls, h->text, &w);
}

/* scan_body_line: one body record as Postfix's body_checks see it: a
 * line, or a piece of a long one, matched while the body segment is within
 * body_checks_size_limit. */
static void scan_body_line(struct headers_scan *s, const struct mime_line *ln)
{
	const struct headers_rules *r = s->rules;
	struct headers_where w = {
		.offset = s->pos - s->body_start, .len = ln->raw_len, .line_end = ln->ended};

	if (s->filtering && r->maps[HEADERS_BODY_CHECKS].n > 0 &&
	    (r->body_limit == 0 || s->segment < r->body_limit)) {
		buf_reset(&s->key);
		buf_append(&s->key, ln->raw, ln->len);
		scan_lookup(s, HEADERS_BODY_CHECKS, buf_cstr(&s->key), &w);
	}
	s->segment += ln->len + 1;
}

static int scan_event(const struct mime_event *ev, void *context)
{
	struct headers_scan *s = context;

	switch (ev->type) {
	case MIME_EV_HEADER:
		scan_header(s, ev->header);
		s->pos += ev->header->input_len;
		break;
	case MIME_EV_HEADERS_END:
		/* The blank line begins a body segment (Postfix passes it to
		 * body_checks, where an empty line never matches). */
		s->segment = 0;
		if (ev->part->kind == MIME_PART_MESSAGE && ev->line != NULL)
			s->pos += ev->line->raw_len;
		if (s->body_start == SIZE_MAX)
			s->body_start = s->pos;
		if (ev->part->kind != MIME_PART_MESSAGE && ev->line != NULL) {
			scan_body_line(s, ev->line);
			s->pos += ev->line->raw_len;
		}
		break;
	case MIME_EV_BOUNDARY:
		/* A closing boundary begins a new segment, the others do not. */
		if (ev->closing && !ev->line->continued)
			s->segment = 0;
		scan_body_line(s, ev->line);
		s->pos += ev->line->raw_len;
		break;
	case MIME_EV_BODY:
		scan_body_line(s, ev->line);
		s->pos += ev->line->raw_len;
		break;
	case MIME_EV_ERROR:
		s->result.mime_errors |= ev->error;
		break;
	case MIME_EV_PART_START:
	case MIME_EV_PART_END:
	case MIME_EV_END:
		break;
	}
	return s->final ? -1 : 0;
}

struct headers_scan *headers_scan_new(const struct headers_rules *rules, headers_log_fn *log,
				      void *context)
{
	struct headers_scan *s = xcalloc(1, sizeof(*s));

	s->rules = rules;
	s->log = log;
	s->context = context;
	s->filtering = 1;
	s->body_start = SIZE_MAX;
	buf_init(&s->key, 0);
	s->parser = mime_parser_new(&rules->mime, scan_event, s);
	return s;
}

void headers_scan_free(struct headers_scan **scan_r)
{
	struct headers_scan *s;

	if (scan_r == NULL || (s = *scan_r) == NULL)
		return;
	mime_parser_free(&s->parser);
	headers_result_deinit(&s->result);
	for (size_t i = 0; i < s->n_names; i++)
		free(s->names[i]);
	free(s->names);
	buf_deinit(&s->key);
	FREE_AND_NULL(*scan_r);
}

int headers_scan_feed(struct headers_scan *s, const void *data, size_t len)
{
	if (!s->final)
		mime_parser_feed(s->parser, data, len);
	return !s->final;
}

void headers_scan_finish(struct headers_scan *s)
{
	struct headers_result *r = &s->result;

	if (!s->final)
		mime_parser_finish(s->parser);
	if (s->tempfail)
		r->verdict = HEADERS_TEMPFAIL;
	else if (s->rejected)
		r->verdict = HEADERS_REJECT;
	else if (s->rules->report_nesting && (r->mime_errors & MIME_ERR_NESTING)) {
		/* Postfix's reason for MIME_ERR_NESTING (mime_state.c). */
		scan_reject(s, 550, "5.6.0", "MIME nesting exceeds safety limit");
		r->verdict = HEADERS_REJECT;
	} else if (s->discard)
		r->verdict = HEADERS_DISCARD;
	else
		r->verdict = HEADERS_ACCEPT;
}

const struct headers_result *headers_scan_result(const struct headers_scan *s)
{
	return &s->result;
}
